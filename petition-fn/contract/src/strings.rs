//! The theme's interface strings and the `t(key=…)` template function that reads them: the same
//! function in the generator's templates and in the pages the function renders.

use std::collections::BTreeMap;
use std::sync::Arc;

use tera::{Kwargs, State, Tera};

/// Interface strings by language code, then by key.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Strings {
    default_language: String,
    by_language: BTreeMap<String, BTreeMap<String, String>>,
}

impl Strings {
    /// Strings in several languages; a key missing in one is taken from `default_language`.
    pub fn new(
        default_language: &str,
        by_language: BTreeMap<String, BTreeMap<String, String>>,
    ) -> Self {
        Self {
            default_language: default_language.to_owned(),
            by_language,
        }
    }

    /// The string `key` in `lang`, else in the default language.
    pub fn get(&self, lang: &str, key: &str) -> Option<&str> {
        [lang, self.default_language.as_str()]
            .iter()
            .find_map(|code| self.by_language.get(*code).and_then(|m| m.get(key)))
            .map(String::as_str)
    }

    /// Registers `t(key=…)` on `tera`: the string in the template's `lang` (or the default
    /// language), and an error naming the file to fix when there is none; and `ordinal(n=…)`:
    /// `n` with the suffix `ordinal_<category>` of the template's language ([`ordinal_category`]),
    /// English's when the theme has none.
    pub fn register(self: Arc<Self>, tera: &mut Tera) {
        let strings = Arc::clone(&self);
        tera.register_function(
            "ordinal",
            move |kwargs: Kwargs, state: &State| -> tera::TeraResult<String> {
                let n: u64 = kwargs.must_get("n")?;
                let lang: Option<String> = state.get("lang")?;
                let lang = lang.unwrap_or_else(|| strings.default_language.clone());
                let category = ordinal_category(n);
                Ok(match strings.get(&lang, &format!("ordinal_{category}")) {
                    Some(suffix) => format!("{n}{suffix}"),
                    None => english_ordinal(n),
                })
            },
        );
        tera.register_function(
            "t",
            move |kwargs: Kwargs, state: &State| -> tera::TeraResult<String> {
                let key: &str = kwargs.must_get("key")?;
                let lang: Option<String> = state.get("lang")?;
                let lang = lang.unwrap_or_else(|| self.default_language.clone());
                self.get(&lang, key).map(str::to_owned).ok_or_else(|| {
                    tera::Error::message(format!(
                        "t(key=\"{key}\"): no such interface string; add `{key} = \"…\"` to the theme's i18n/{lang}.toml"
                    ))
                })
            },
        );
    }
}

/// `text` with each `{name}` of `params` replaced by its value (once each, left to right;
/// a value is never searched for placeholders itself).
pub fn fill(text: &str, params: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let value = after.find('}').and_then(|close| {
            let name = &after[..close];
            params
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v, close))
        });
        match value {
            Some((v, close)) => {
                out.push_str(v);
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// A `YYYY-MM-DD` date as people of a language write it: the string `date_format` (`{day}
/// {month} {year}` when there is none) with the month's name `month_MM`, both looked up with
/// `get`; `None` for any other text or a month without a name.
pub fn date_in_words<'a>(iso: &str, get: impl Fn(&str) -> Option<&'a str>) -> Option<String> {
    let mut parts = iso.split('-');
    let (Some(year), Some(month), Some(day), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    let month = get(&format!("month_{month}"))?;
    let day = day.parse::<u8>().ok()?.to_string();
    let format = get("date_format").unwrap_or("{day} {month} {year}");
    Some(fill(
        format,
        &[("day", &day), ("month", month), ("year", year)],
    ))
}

/// `n` with `separator` between groups of three digits: `1493202` as `1,493,202`.
pub fn grouped(n: u64, separator: &str) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 * separator.len());
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push_str(separator);
        }
        out.push(c);
    }
    out
}

/// The ordinal category of `n` by CLDR's English rules: `one` (1st, 21st, 101st), `two`
/// (2nd, 22nd), `few` (3rd, 23rd), and `other` (4th, 11th, 12th, 13th, 111th). A theme's
/// strings `ordinal_one`, `ordinal_two`, `ordinal_few` and `ordinal_other` give each
/// language its suffixes.
pub fn ordinal_category(n: u64) -> &'static str {
    match (n % 10, n % 100) {
        (1, m) if m != 11 => "one",
        (2, m) if m != 12 => "two",
        (3, m) if m != 13 => "few",
        _ => "other",
    }
}

/// `n` as an English ordinal: `121st`.
pub fn english_ordinal(n: u64) -> String {
    let suffix = match ordinal_category(n) {
        "one" => "st",
        "two" => "nd",
        "few" => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_grouped_by_three() {
        let got: Vec<String> = [0, 999, 1_000, 1_493_202]
            .into_iter()
            .map(|n| grouped(n, ","))
            .collect();
        assert_eq!(got, ["0", "999", "1,000", "1,493,202"]);
        assert_eq!(grouped(u64::MAX, ","), "18,446,744,073,709,551,615");
        assert_eq!(grouped(1_000_000, "\u{202f}"), "1\u{202f}000\u{202f}000");
    }

    #[test]
    fn ordinals_follow_the_english_rules() {
        let got: Vec<String> = [
            1, 2, 3, 4, 11, 12, 13, 21, 22, 23, 101, 111, 112, 113, 115, 119, 121,
        ]
        .into_iter()
        .map(english_ordinal)
        .collect();
        assert_eq!(
            got,
            [
                "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "23rd",
                "101st", "111th", "112th", "113th", "115th", "119th", "121st"
            ]
        );
    }

    #[test]
    fn the_ordinal_function_takes_the_language_suffixes() -> Result<(), tera::Error> {
        let map = |pairs: &[(&str, &str)]| {
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect::<BTreeMap<_, _>>()
        };
        let strings = Strings::new(
            "en",
            BTreeMap::from([
                ("en".to_owned(), BTreeMap::new()),
                (
                    "fr".to_owned(),
                    map(&[
                        ("ordinal_one", "e"),
                        ("ordinal_two", "e"),
                        ("ordinal_few", "e"),
                        ("ordinal_other", "e"),
                    ]),
                ),
            ]),
        );
        let mut tera = Tera::new();
        Arc::new(strings).register(&mut tera);
        tera.add_raw_template("o", "{{ ordinal(n=121) }} {{ ordinal(n=112) }}")?;
        assert_eq!(tera.render("o", &tera::Context::new())?, "121st 112th");
        let mut ctx = tera::Context::new();
        ctx.insert("lang", "fr");
        assert_eq!(tera.render("o", &ctx)?, "121e 112e");
        Ok(())
    }

    fn strings() -> Strings {
        let map = |pairs: &[(&str, &str)]| {
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect::<BTreeMap<_, _>>()
        };
        Strings::new(
            "en",
            BTreeMap::from([
                (
                    "en".to_owned(),
                    map(&[("sign", "Sign"), ("only_en", "Only")]),
                ),
                ("fr".to_owned(), map(&[("sign", "Signer")])),
            ]),
        )
    }

    #[test]
    fn placeholders_are_filled_once_and_values_are_not_read_again() {
        assert_eq!(
            fill("{a} and {b}, {missing} {", &[("a", "{b}"), ("b", "B")]),
            "{b} and B, {missing} {"
        );
    }

    #[test]
    fn falls_back_to_the_default_language() {
        let s = strings();
        assert_eq!(s.get("fr", "sign"), Some("Signer"));
        assert_eq!(s.get("fr", "only_en"), Some("Only"));
        assert_eq!(s.get("de", "sign"), Some("Sign"));
        assert_eq!(s.get("en", "missing"), None);
    }

    #[test]
    fn the_template_function_uses_the_page_language() -> Result<(), tera::Error> {
        let mut tera = Tera::new();
        Arc::new(strings()).register(&mut tera);
        tera.add_raw_template("a", "{{ t(key=\"sign\") }}")?;
        let mut ctx = tera::Context::new();
        ctx.insert("lang", "fr");
        assert_eq!(tera.render("a", &ctx)?, "Signer");
        assert_eq!(tera.render("a", &tera::Context::new())?, "Sign");
        tera.add_raw_template("b", "{{ t(key=\"nope\") }}")?;
        let err = tera.render("b", &ctx).map(|_| ()).unwrap_err_or_message();
        assert!(err.contains("i18n/fr.toml"), "{err}");
        Ok(())
    }

    trait ErrText {
        fn unwrap_err_or_message(self) -> String;
    }
    impl ErrText for Result<(), tera::Error> {
        fn unwrap_err_or_message(self) -> String {
            match self {
                Ok(()) => "rendered".into(),
                Err(e) => {
                    let mut text = e.to_string();
                    let mut source = std::error::Error::source(&e);
                    while let Some(cause) = source {
                        text.push_str(&cause.to_string());
                        source = cause.source();
                    }
                    text
                }
            }
        }
    }
}
