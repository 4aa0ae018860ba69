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
    /// language), and an error naming the file to fix when there is none.
    pub fn register(self: Arc<Self>, tera: &mut Tera) {
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

#[cfg(test)]
mod tests {
    use super::*;

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
