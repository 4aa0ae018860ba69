//! The one extractor for submissions: a form post or a JSON object, under the body limit, read
//! into the fields its form accepts (`contract::api::Form`), and nothing else. Its language (the
//! `lang` field every form sends) is read at once, so that even a refusal made before the
//! fields are read (a closed petition) answers in it.

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use contract::api::{Form, LANG_FIELD};
use serde_json::Value;

use super::lang::Asked;
use super::refusal::{Refusal, Subject};
use super::reply::Style;
use crate::domain::{Code, FieldError, Param};

/// A submission's body, its style known and the body limit applied, not yet read: the handler
/// first says what it is about ([`Submission::fields`]), so that a refusal can lead back to the
/// right page.
pub(crate) struct Submission {
    pub(crate) style: Style,
    body: Result<Bytes, StatusCode>,
    /// The `lang` field, when the body has one.
    lang: Option<String>,
}

impl<S: Send + Sync> FromRequest<S> for Submission {
    type Rejection = Refusal;

    async fn from_request(request: Request, state: &S) -> Result<Self, Refusal> {
        let style = Style::of(request.headers()).ok_or(Refusal::UnsupportedType)?;
        let asked = request.extensions().get::<Asked>().cloned();
        let body = Bytes::from_request(request, state)
            .await
            .map_err(|rejection| rejection.status());
        let lang = body.as_ref().ok().and_then(|b| lang_of(style, b));
        if let Some(asked) = asked {
            asked.note(lang.as_deref());
        }
        Ok(Self { style, body, lang })
    }
}

/// The `lang` field of a body, read as [`Submission::fields`] reads it (a form's last one; a
/// JSON object's string), without reading the rest.
fn lang_of(style: Style, body: &[u8]) -> Option<String> {
    match style {
        // The last one, as `fields` keeps a repeated field's last value.
        Style::Form => body.rsplit(|&b| b == b'&').find_map(|pair| {
            let (key, value) = pair.split_at(pair.iter().position(|&b| b == b'=')?);
            (decode(key)? == LANG_FIELD).then(|| decode(&value[1..]))?
        }),
        Style::Json => {
            #[derive(serde::Deserialize)]
            struct Lang {
                lang: Option<Value>,
            }
            match serde_json::from_slice::<Lang>(body).ok()?.lang? {
                Value::String(lang) => Some(lang),
                _ => None,
            }
        }
    }
}

/// One urlencoded name or value as text: `+` is a space, `%XX` a byte, and the bytes must be
/// UTF-8 (`None` otherwise: a broken or foreign encoding is refused, never stored as U+FFFD).
fn decode(raw: &[u8]) -> Option<String> {
    let spaced: Vec<u8> = raw
        .iter()
        .map(|&b| if b == b'+' { b' ' } else { b })
        .collect();
    percent_encoding::percent_decode(&spaced)
        .decode_utf8()
        .ok()
        .map(std::borrow::Cow::into_owned)
}

/// The text of the accepted fields present in a submission.
pub(crate) type Fields = BTreeMap<&'static str, String>;

impl Submission {
    /// The language the submission asks its answer in (its `lang` field), if it names one.
    pub(crate) fn lang(&self) -> Option<&str> {
        self.lang.as_deref()
    }

    /// The body, or the refusal of one that is too large or unreadable.
    pub(crate) fn body(&self, subject: &Subject) -> Result<&[u8], Refusal> {
        match &self.body {
            Ok(bytes) => Ok(bytes),
            Err(StatusCode::PAYLOAD_TOO_LARGE) => Err(Refusal::TooLarge(subject.clone())),
            Err(_) => Err(Refusal::Unreadable {
                subject: subject.clone(),
                detail: None,
            }),
        }
    }

    /// The fields of `form` present in the body, as text; other fields are ignored.
    ///
    /// A urlencoded form's accepted fields must decode to UTF-8 (field errors otherwise, 422); a
    /// malformed `%` escape is kept as typed, and a repeated field keeps its last value. A JSON object's
    /// strings are taken as they are, booleans and numbers as their text (`"consent": true`),
    /// `null` as absent; arrays and objects are field errors (422).
    pub(crate) fn fields(&self, form: Form, subject: &Subject) -> Result<Fields, Refusal> {
        let body = self.body(subject)?;
        let accepted = form.fields();
        let mut out = Fields::new();
        match self.style {
            Style::Form => {
                let mut errors = Vec::new();
                for pair in body.split(|&b| b == b'&') {
                    let (key, value) = match pair.iter().position(|&b| b == b'=') {
                        Some(at) => (&pair[..at], &pair[at + 1..]),
                        None => (pair, &[][..]),
                    };
                    let Some(field) = decode(key).and_then(|k| accepted.iter().find(|f| **f == k))
                    else {
                        continue;
                    };
                    match decode(value) {
                        Some(text) => {
                            out.insert(*field, text);
                        }
                        None => errors.push(
                            FieldError::new(field, Code::NotUtf8).with("what", Param::Field(field)),
                        ),
                    }
                }
                if !errors.is_empty() {
                    return Err(Refusal::Invalid {
                        refill: None,
                        errors,
                    });
                }
            }
            Style::Json => {
                // Malformed JSON is a developer's mistake: the detail is serde's, in English.
                let unreadable = |detail: String| Refusal::Unreadable {
                    subject: subject.clone(),
                    detail: Some(detail),
                };
                let value: Value =
                    serde_json::from_slice(body).map_err(|e| unreadable(e.to_string()))?;
                let Value::Object(map) = value else {
                    return Err(unreadable("the body must be a JSON object".into()));
                };
                let mut errors = Vec::new();
                for &field in accepted {
                    match map.get(field) {
                        None | Some(Value::Null) => {}
                        Some(Value::String(s)) => {
                            out.insert(field, s.clone());
                        }
                        Some(Value::Bool(b)) => {
                            out.insert(field, b.to_string());
                        }
                        Some(Value::Number(n)) => {
                            out.insert(field, n.to_string());
                        }
                        Some(_) => errors.push(
                            FieldError::new(field, Code::NotText)
                                .with("field", Param::Text(field.to_owned())),
                        ),
                    }
                }
                if !errors.is_empty() {
                    return Err(Refusal::Invalid {
                        refill: None,
                        errors,
                    });
                }
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(style: Style, body: &'static [u8]) -> Result<Fields, Refusal> {
        let submission = Submission {
            style,
            body: Ok(Bytes::from_static(body)),
            lang: None,
        };
        submission.fields(Form::Letter, &Subject::Letter { page: "/l/".into() })
    }

    #[test]
    fn form_and_json_bodies_read_every_field() {
        let Ok(f) = read(Style::Form, b"name=Ada&email=a%40example.org&street=1+Main&city=X&state=ca&zip=94103&message=Hi%0D%0Athere&consent=on&website=&other=1") else {
            panic!("a form always parses");
        };
        assert_eq!(f.get("name").map(String::as_str), Some("Ada"));
        assert_eq!(f.get("message").map(String::as_str), Some("Hi\r\nthere"));
        assert_eq!(f.get("website").map(String::as_str), Some(""));
        assert!(!f.contains_key("other"));
        let Ok(f) = read(
            Style::Json,
            br#"{"name":"Ada","zip":94103,"consent":true,"state":null}"#,
        ) else {
            panic!("parses");
        };
        assert_eq!(f.get("zip").map(String::as_str), Some("94103"));
        assert_eq!(f.get("consent").map(String::as_str), Some("true"));
        assert!(!f.contains_key("state"));
        let Err(Refusal::Invalid {
            refill: None,
            errors,
        }) = read(Style::Json, br#"{"name":["Ada"],"city":{}}"#)
        else {
            panic!("field errors");
        };
        let fields: Vec<&str> = errors.iter().map(|e| e.field).collect();
        assert_eq!(fields, ["name", "city"]);
        assert!(matches!(
            read(Style::Json, b"[1]"),
            Err(Refusal::Unreadable {
                detail: Some(_),
                ..
            })
        ));
        assert!(matches!(
            read(Style::Json, b"{"),
            Err(Refusal::Unreadable {
                detail: Some(_),
                ..
            })
        ));
    }

    #[test]
    fn form_text_must_be_utf8() {
        let Err(Refusal::Invalid { errors, .. }) =
            read(Style::Form, b"name=Ad%E9&city=Caf\xe9&zip=94103")
        else {
            panic!("Latin-1 bytes are refused");
        };
        let fields: Vec<&str> = errors.iter().map(|e| e.field).collect();
        assert_eq!(fields, ["name", "city"]);
        assert_eq!(errors[0].code, Code::NotUtf8);
        assert!(
            errors[0]
                .message(&crate::words::Words::ENGLISH)
                .starts_with("Your name could not be read: it did not arrive as UTF-8 text.")
        );
        let Ok(f) = read(Style::Form, b"name=Ad%C3%A9+L&city=100%&zip=%ZZ") else {
            panic!("UTF-8 and stray percent signs are read");
        };
        assert_eq!(f.get("name").map(String::as_str), Some("Adé L"));
        assert_eq!(f.get("city").map(String::as_str), Some("100%"));
        assert_eq!(f.get("zip").map(String::as_str), Some("%ZZ"));
    }

    #[test]
    fn only_utf8_bodies_are_read() {
        let style = |ct: &str| {
            let mut headers = axum::http::HeaderMap::new();
            headers.insert(
                axum::http::header::CONTENT_TYPE,
                ct.parse().expect("a header value"),
            );
            Style::of(&headers)
        };
        assert!(matches!(
            style("application/json; charset=UTF-8"),
            Some(Style::Json)
        ));
        assert!(matches!(
            style("application/x-www-form-urlencoded;charset=\"utf-8\""),
            Some(Style::Form)
        ));
        assert!(style("application/x-www-form-urlencoded; charset=ISO-8859-1").is_none());
        assert!(style("application/json; charset=utf-16").is_none());
    }

    #[test]
    fn the_language_is_read_from_the_field_before_the_rest() {
        let lang = |style, body: &[u8]| lang_of(style, body);
        assert_eq!(
            lang(Style::Form, b"name=Ada&lang=fr&lang=zh-Hant").as_deref(),
            Some("zh-Hant")
        );
        assert_eq!(lang(Style::Form, b"name=Ada&language=fr&lang"), None);
        assert_eq!(
            lang(Style::Json, br#"{"lang":"es","name":["x"]}"#).as_deref(),
            Some("es")
        );
        assert_eq!(lang(Style::Json, br#"{"lang":1}"#), None);
        assert_eq!(lang(Style::Json, b"{"), None);
        assert_eq!(lang(Style::Json, b"[]"), None);
        // The field is one of every form's, so the handlers read it back too.
        let Ok(f) = read(Style::Form, b"lang=fr&name=Ada") else {
            panic!("parses");
        };
        assert_eq!(f.get(LANG_FIELD).map(String::as_str), Some("fr"));
    }

    #[test]
    fn an_oversized_body_is_refused_as_too_large() {
        let submission = Submission {
            style: Style::Form,
            body: Err(StatusCode::PAYLOAD_TOO_LARGE),
            lang: None,
        };
        let subject = Subject::Signature { page: "/p/".into() };
        assert!(matches!(
            submission.body(&subject),
            Err(Refusal::TooLarge(_))
        ));
    }

    fn letter_fields() -> impl proptest::strategy::Strategy<Value = BTreeMap<&'static str, String>>
    {
        let fields = Form::Letter.fields().to_vec();
        proptest::collection::btree_map(proptest::sample::select(fields), "\\PC{0,30}", 0..8)
    }

    proptest::proptest! {
        /// Any bytes, as a form or as JSON: a value or a refusal, never a panic, and only the
        /// form's own fields.
        #[test]
        fn any_body_is_read_or_refused(body in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..300), json in proptest::prelude::any::<bool>()) {
            let submission = Submission {
                style: if json { Style::Json } else { Style::Form },
                body: Ok(Bytes::from(body)),
                lang: None,
            };
            if let Ok(fields) = submission.fields(Form::Letter, &Subject::Letter { page: "/l/".into() }) {
                proptest::prop_assert!(fields.keys().all(|k| Form::Letter.fields().contains(k)));
            }
        }

        /// What a browser's form encoding or a JSON encoder writes is read back exactly.
        #[test]
        fn encoded_fields_are_read_back(fields in letter_fields()) {
            let mut form = form_urlencoded::Serializer::new(String::new());
            for (k, v) in &fields {
                form.append_pair(k, v);
            }
            let form = form.finish();
            let json = serde_json::to_vec(&fields).expect("json");
            for (style, body) in [(Style::Form, form.into_bytes()), (Style::Json, json)] {
                let submission = Submission { style, body: Ok(Bytes::from(body)), lang: None };
                let read = submission
                    .fields(Form::Letter, &Subject::Letter { page: "/l/".into() })
                    .map_err(|_| proptest::test_runner::TestCaseError::fail("refused"))?;
                let expected: Fields = fields.iter().map(|(k, v)| (*k, v.clone())).collect();
                proptest::prop_assert_eq!(read, expected);
            }
        }
    }
}
