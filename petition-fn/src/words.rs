//! The function's words. Every sentence it writes for people (its pages, notices, messages,
//! mails) is an interface string of the theme, in the reader's language. A key the theme
//! lacks reads in the default theme's English, compiled in from the one file it lives in
//! (`themes/default/i18n/en.toml`), so the English has one home and an older theme still
//! gets every answer.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use contract::strings::{date_in_words, fill, grouped};

use crate::domain::Param;

/// The default theme's English strings, parsed once.
static ENGLISH: LazyLock<BTreeMap<String, String>> = LazyLock::new(|| {
    toml::from_str(include_str!("../../themes/default/i18n/en.toml")).unwrap_or_default()
});

/// The words of one language: its strings, then the default theme's English.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Words<'a> {
    own: Option<&'a BTreeMap<String, String>>,
}

impl Words<'static> {
    /// The default theme's English alone (the operator's messages, and tests).
    pub(crate) const ENGLISH: Self = Self { own: None };
}

impl<'a> Words<'a> {
    /// The words of `strings` (one language's), English where they lack a key.
    pub(crate) fn new(strings: Option<&'a BTreeMap<String, String>>) -> Self {
        Self { own: strings }
    }

    /// The string `key`, if either has it.
    pub(crate) fn get(&self, key: &str) -> Option<&'a str> {
        self.own
            .and_then(|m| m.get(key))
            .or_else(|| ENGLISH.get(key))
            .map(String::as_str)
    }

    /// The string `key`. Every key the function uses is in the default theme's strings (the
    /// tests fail on one that is not); past them the key itself is shown, and nothing is
    /// logged per request.
    pub(crate) fn text(&self, key: &'static str) -> &'a str {
        match self.get(key) {
            Some(text) => text,
            None if cfg!(test) => panic!("no string {key} in themes/default/i18n/en.toml"),
            None => key,
        }
    }

    /// The string `key` with each `{name}` of `params` filled in.
    pub(crate) fn format(&self, key: &'static str, params: &[(&str, &str)]) -> String {
        fill(self.text(key), params)
    }

    /// `n` with the language's thousands separator.
    pub(crate) fn number(&self, n: u64) -> String {
        grouped(n, self.text("thousands_separator"))
    }

    /// A `YYYY-MM-DD` date as people of the language write it (`date_format`, `{day} {month}
    /// {year}` when the strings have none, with the month's name `month_MM`); any other text as
    /// it is.
    pub(crate) fn date(&self, iso: &str) -> String {
        date_in_words(iso, |key| self.get(key)).unwrap_or_else(|| iso.to_owned())
    }

    /// `n` of something: the string `one` when `n` is 1, else `other`, with `{n}` filled in.
    pub(crate) fn count(&self, n: u64, one: &'static str, other: &'static str) -> String {
        let key = if n == 1 { one } else { other };
        self.format(key, &[("n", &self.number(n))])
    }

    /// The message `key` with its values put into words.
    pub(crate) fn say(&self, key: &'static str, params: &[(&'static str, Param)]) -> String {
        let values: Vec<(&str, String)> = params
            .iter()
            .map(|(name, param)| (*name, self.param(param)))
            .collect();
        let values: Vec<(&str, &str)> = values.iter().map(|(k, v)| (*k, v.as_str())).collect();
        self.format(key, &values)
    }

    fn param(&self, param: &Param) -> String {
        match param {
            Param::Text(text) => text.clone(),
            Param::Number(n) => self.number(*n),
            Param::Field(field) => self
                .get(&format!("error_what_{field}"))
                .unwrap_or(field)
                .to_owned(),
            Param::Count { n, one, other } => self.count(*n, one, other),
            Param::OneOf(items) => items.join(self.text("list_or")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::problem::Code;

    fn french() -> BTreeMap<String, String> {
        [
            ("thousands_separator", "\u{202f}"),
            ("month_03", "mars"),
            ("date_format", "{day} {month} {year}"),
            (
                "error_too_long",
                "Votre {what} dépasse {max} caractères : raccourcissez-le.",
            ),
            ("error_what_city", "ville"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
    }

    #[test]
    fn the_default_strings_are_compiled_in_and_have_every_code() {
        assert!(ENGLISH.len() > 100, "en.toml parsed");
        for code in Code::ALL {
            assert!(
                ENGLISH.contains_key(code.key()),
                "add {} to themes/default/i18n/en.toml",
                code.key()
            );
        }
        // Every field a person fills in is named in words in sentences about it.
        for form in [contract::api::Form::Signature, contract::api::Form::Letter] {
            for field in form.fields() {
                let hidden = [
                    contract::api::LANG_FIELD,
                    contract::api::HONEYPOT_FIELD,
                    contract::api::ALTCHA_FIELD,
                ];
                if !hidden.contains(field) {
                    assert!(
                        ENGLISH.contains_key(&format!("error_what_{field}")),
                        "error_what_{field}"
                    );
                }
            }
        }
    }

    #[test]
    fn messages_are_put_into_words_in_their_language() {
        let fr = french();
        let params = [("what", Param::Field("city")), ("max", Param::Number(5000))];
        assert_eq!(
            Words::new(Some(&fr)).say("error_too_long", &params),
            "Votre ville dépasse 5\u{202f}000 caractères : raccourcissez-le."
        );
        assert_eq!(
            Words::ENGLISH.say("error_too_long", &params),
            "Your city is longer than 5,000 characters: shorten it to 5,000 characters or fewer."
        );
        // A key French lacks reads in English.
        assert_eq!(
            Words::new(Some(&fr)).text("error_name_missing"),
            "Enter your name, as you would like it to appear on the petition."
        );
    }

    #[test]
    fn dates_and_counts_follow_the_language() {
        let fr = french();
        assert_eq!(Words::new(Some(&fr)).date("2026-03-01"), "1 mars 2026");
        assert_eq!(Words::ENGLISH.date("2099-01-01"), "1 January 2099");
        assert_eq!(Words::ENGLISH.date("soon"), "soon");
        assert_eq!(Words::ENGLISH.date("2026-13-01"), "2026-13-01");
        let count = |n| Param::Count {
            n,
            one: "error_characters_one",
            other: "error_characters_other",
        };
        assert_eq!(Words::ENGLISH.param(&count(1)), "1 character");
        assert_eq!(Words::ENGLISH.param(&count(1200)), "1,200 characters");
        assert_eq!(
            Words::ENGLISH.param(&Param::OneOf(vec!["A".into(), "B".into()])),
            "A or B"
        );
        assert_eq!(Words::ENGLISH.param(&Param::Field("kind")), "kind");
    }
}
