//! The request's language: what it asks for (its body's `lang` field, or the `lang` parameter
//! of a mail's link), noted where the refusal layer reads it, and the site as a visitor of that
//! language sees it ([`Local`]). An unknown or missing language is the site's default one.

use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use axum::extract::rejection::PathRejection;
use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use contract::api::LANG_FIELD;
use contract::bundle::{Petition, SiteBundle};
use serde::Serialize;

use super::pages::Pages;
use super::refusal::Refusal;
use crate::domain::FieldError;
use crate::words::Words;

/// The site in one language: the bundle as its visitor sees it (`SiteBundle::localized`:
/// titles, pages, countries, strings completed from the default language), its words, and the
/// theme's components compiled for it (`http/pages.rs` builds the pages).
pub(crate) struct Local {
    /// The localized bundle; its `language` is this language.
    pub(crate) bundle: SiteBundle,
    /// Whether this is the site's default language.
    default: bool,
    /// The components, compiled on first use: a language nobody reads costs nothing.
    pages: OnceLock<Pages>,
}

impl std::fmt::Debug for Local {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Local")
            .field("lang", &self.bundle.language)
            .finish_non_exhaustive()
    }
}

/// A field error as an answer gives it: the field, the code and the message in the reader's
/// language (JSON `errors[]`, and the components' `errors`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct ErrorView {
    /// The form field (or `origin`, `token`).
    pub(crate) field: &'static str,
    /// What is wrong, for scripts.
    pub(crate) code: &'static str,
    /// What is wrong and how to fix it, for people.
    pub(crate) message: String,
}

impl Local {
    /// `bundle` as a visitor reading `lang` sees it.
    pub(crate) fn new(bundle: &SiteBundle, lang: &str) -> Self {
        Self {
            bundle: bundle.localized(lang),
            default: lang == bundle.language,
            pages: OnceLock::new(),
        }
    }

    /// The theme's components compiled for this language.
    pub(crate) fn pages(&self) -> &Pages {
        self.pages.get_or_init(|| Pages::compile(&self.bundle))
    }

    /// The language's code.
    pub(crate) fn lang(&self) -> &str {
        &self.bundle.language
    }

    /// The language's words.
    pub(crate) fn words(&self) -> Words<'_> {
        Words::new(self.bundle.pages.strings.get(&self.bundle.language))
    }

    /// The string `key` ([`Words::text`]).
    pub(crate) fn text(&self, key: &'static str) -> &str {
        self.words().text(key)
    }

    /// The string `key` with its placeholders filled in.
    pub(crate) fn format(&self, key: &'static str, params: &[(&str, &str)]) -> String {
        self.words().format(key, params)
    }

    /// A `YYYY-MM-DD` date in words.
    pub(crate) fn date(&self, iso: &str) -> String {
        self.words().date(iso)
    }

    /// The petition with this id, its title and pages in this language.
    pub(crate) fn petition(&self, id: &str) -> Option<&Petition> {
        self.bundle.petition(id)
    }

    /// The petition a request's path names, in this language, or the 404 refusal.
    pub(crate) fn path_petition(
        &self,
        id: Result<Path<String>, PathRejection>,
    ) -> Result<Petition, Refusal> {
        id.ok()
            .and_then(|Path(id)| self.petition(&id).cloned())
            .ok_or(Refusal::NoPetition)
    }

    /// The home page in this language.
    pub(crate) fn home(&self) -> String {
        self.bundle.home().to_owned()
    }

    /// What a link the function writes (a mail's) appends so that the page it opens is in
    /// this language: `&lang=<code>`, nothing for the default language.
    pub(crate) fn link_param(&self) -> String {
        if self.default {
            String::new()
        } else {
            let code: String = form_urlencoded::byte_serialize(self.lang().as_bytes()).collect();
            format!("&{LANG_FIELD}={code}")
        }
    }

    /// Field errors as answers give them.
    pub(crate) fn errors(&self, errors: &[FieldError]) -> Vec<ErrorView> {
        let words = self.words();
        errors
            .iter()
            .map(|e| ErrorView {
                field: e.field,
                code: e.code.as_str(),
                message: e.message(&words),
            })
            .collect()
    }
}

/// The language a request asked for, shared between whatever reads it (the submission
/// extractor, a link's query) and the refusal layer, which renders a refusal after the handler
/// returned it ([`super::refusal::render`] puts one in every request's extensions).
#[derive(Debug, Clone, Default)]
pub(crate) struct Asked(Arc<Mutex<Option<String>>>);

impl Asked {
    /// Notes `lang`, when the request names one.
    pub(crate) fn note(&self, lang: Option<&str>) {
        if let Some(lang) = lang {
            *self.0.lock().unwrap_or_else(PoisonError::into_inner) = Some(lang.to_owned());
        }
    }

    /// The language noted, if any.
    pub(crate) fn get(&self) -> Option<String> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

/// The language a link asks for: its `lang` query parameter (the confirmation and unsubscribe
/// links of the mails carry it), noted for the refusal layer.
#[derive(Debug, Clone)]
pub(crate) struct LinkLang(pub(crate) Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for LinkLang {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let lang = parts.uri.query().and_then(|query| {
            form_urlencoded::parse(query.as_bytes())
                .filter(|(k, _)| k == LANG_FIELD)
                .last()
                .map(|(_, v)| v.into_owned())
        });
        if let Some(asked) = parts.extensions.get::<Asked>() {
            asked.note(lang.as_deref());
        }
        Ok(Self(lang))
    }
}

#[cfg(test)]
mod tests {
    use axum::http::Request;

    use super::*;
    use crate::http::tests::french_bundle;

    #[test]
    fn the_language_is_the_requested_one_the_site_has_else_the_default() {
        let bundle = french_bundle();
        assert_eq!(bundle.language_for(Some("fr")), "fr");
        assert_eq!(bundle.language_for(Some("de")), "en");
        assert_eq!(bundle.language_for(Some("")), "en");
        assert_eq!(bundle.language_for(None), "en");
        let fr = Local::new(&bundle, "fr");
        assert_eq!(
            (fr.home(), fr.link_param()),
            ("/fr/".into(), "&lang=fr".into())
        );
        let en = Local::new(&bundle, "en");
        assert_eq!((en.home(), en.link_param()), ("/".into(), String::new()));
        assert_eq!(
            fr.petition("free-them").map(|p| p.page.as_str()),
            Some("/fr/petition/")
        );
    }

    #[test]
    fn messages_are_in_the_language_and_english_where_it_lacks_one() {
        let bundle = french_bundle();
        let fr = Local::new(&bundle, "fr");
        let errors = [
            FieldError::new("name", crate::domain::Code::NameMissing),
            FieldError::new("country", crate::domain::Code::CountryMissing),
        ];
        let views = fr.errors(&errors);
        assert_eq!(
            views[0],
            ErrorView {
                field: "name",
                code: "name_missing",
                message: "Indiquez votre nom, tel qu’il doit figurer sur la pétition.".into(),
            }
        );
        assert_eq!(views[1].message, "Choose your country from the list.");
        assert_eq!(fr.date("2020-12-31"), "31 décembre 2020");
        assert_eq!(
            Local::new(&bundle, "en").date("2020-12-31"),
            "31 December 2020"
        );
        // A bundle whose theme lacks a key reads the default theme's English.
        let bare = Local::new(&SiteBundle::default(), "");
        assert_eq!(bare.text("link_home"), "Go to the home page");
    }

    #[tokio::test]
    async fn a_links_language_is_read_and_noted() {
        let asked = Asked::default();
        let request = Request::builder()
            .uri("/api/confirm?token=x&lang=fr")
            .extension(asked.clone())
            .body(())
            .expect("request");
        let (mut parts, ()) = request.into_parts();
        let Ok(LinkLang(lang)) = LinkLang::from_request_parts(&mut parts, &()).await;
        assert_eq!(lang.as_deref(), Some("fr"));
        assert_eq!(asked.get().as_deref(), Some("fr"));
        let (mut parts, ()) = Request::builder()
            .uri("/api/confirm?token=x")
            .body(())
            .expect("request")
            .into_parts();
        let Ok(LinkLang(lang)) = LinkLang::from_request_parts(&mut parts, &()).await;
        assert_eq!(lang, None);
    }
}
