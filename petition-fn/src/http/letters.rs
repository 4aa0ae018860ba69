//! `POST /api/letters`: a letter to the writer's two senators.
//!
//! The site does not send the letter: it answers with the state's senators, their official
//! contact forms and the letter ready to copy, and keeps the letter (encrypted) and its counts
//! per state and per senator.
//!
//! The checks run in this order, each with its own answer: content type (415), letter
//! campaign on (404), body size (413), body syntax (400), fields (422), then the store (503
//! with `Retry-After` when it is unavailable or throttled; the write is all-or-nothing).
//!
//! A plain form post is answered `200` with the answer page itself, not with DESIGN's `303`:
//! the page depends on the state and shows the letter, so a redirect target would need the
//! letter or the address in its URL (and so in logs and browser history) or a server-side
//! session. Rendering it directly keeps personal data out of URLs; reloading the page re-posts
//! the form, which is harmless because a letter is stored and counted once per (address hash,
//! state, letter hash). JSON is answered `201` with `{state, senators, letter}`.

use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use serde_json::json;

use super::body::{BodyError, read_fields};
use super::pages::{LetterValues, Notice};
use super::reply::{self, Style};
use super::{AppState, Site};
use crate::bundle::{LetterCampaign, Senator};
use crate::domain::email::normalise_checked;
use crate::domain::letter::normalise_message;
use crate::domain::time::{rfc3339, unix_seconds};
use crate::domain::validate::parse_bool;
use crate::domain::{FieldError, Letter, LetterPrivate, LetterVerdict, RawLetter};
use crate::store::{LetterRecord, RETENTION_SECS};

/// The handler.
pub(crate) async fn send(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let site = state.site();
    let Some(style) = Style::of(&headers) else {
        return reply::message(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Send the letter as application/x-www-form-urlencoded (a plain HTML form) or as application/json.",
        );
    };
    let Some(campaign) = site.bundle.letter.clone() else {
        return reply::refusal(
            style,
            &site,
            StatusCode::NOT_FOUND,
            &Notice {
                title: "Letters to senators are closed",
                message: "This site is not collecting letters to senators at the moment: the letter campaign has ended or is not set up. Nothing was sent or kept. You can still support the campaign from the home page.",
                link: Some(("/", "Go to the home page")),
            },
        );
    };
    let body = match body {
        Ok(body) => body,
        Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            return reply::refusal(
                style,
                &site,
                StatusCode::PAYLOAD_TOO_LARGE,
                &Notice {
                    title: "Your letter could not be sent",
                    message: "The form sent is larger than 8 KiB. Go back, shorten your letter, and send it again.",
                    link: Some((&campaign.page, "Back to the letter")),
                },
            );
        }
        Err(_) => {
            return reply::message(
                StatusCode::BAD_REQUEST,
                "The request body could not be read. Send the letter again.",
            );
        }
    };
    let raw = match parse(style, &body) {
        Ok(raw) => raw,
        Err(BodyError::Syntax(detail)) => {
            return reply::message(
                StatusCode::BAD_REQUEST,
                &format!(
                    "The request body is not valid JSON ({detail}). Send an object with name, email, street, city, state, zip, message and consent."
                ),
            );
        }
        Err(BodyError::Fields(errors)) => {
            return invalid(style, &site, &campaign, &RawLetter::default(), &errors);
        }
    };
    let (letter, keep) = match raw.validate(&site.bundle.states) {
        LetterVerdict::Valid(letter) => (letter, true),
        LetterVerdict::Bot(letter) => (letter, false),
        LetterVerdict::Invalid(errors) => return invalid(style, &site, &campaign, &raw, &errors),
    };
    let senators = site.bundle.senators_of(&letter.state);
    if senators.is_empty() {
        reply::log_failure(
            "no_senators",
            &format!(
                "the site bundle lists no senators for {}: refresh content/data/senators.json",
                letter.state
            ),
        );
    }
    if keep {
        let record = match record(&state, &campaign, &letter, &senators) {
            Ok(record) => record,
            Err(detail) => {
                reply::log_failure("encrypt", &detail);
                return server_error(style, &site, &campaign);
            }
        };
        match state.inner.store.send_letter(record).await {
            Ok(_) => {}
            Err(e) if e.is_transient() => {
                reply::log_failure("store_unavailable", &e.to_string());
                return reply::retry_later(reply::refusal(
                    style,
                    &site,
                    StatusCode::SERVICE_UNAVAILABLE,
                    &Notice {
                        title: "Please try again in a moment",
                        message: "We could not prepare your letter just now because our store is busy. Nothing was saved: go back and send the form again in a few seconds.",
                        link: Some((&campaign.page, "Back to the letter")),
                    },
                ));
            }
            Err(e) => {
                reply::log_failure("store", &e.to_string());
                return server_error(style, &site, &campaign);
            }
        }
    }
    answer(style, &site, &letter, &senators)
}

/// The letter as it is shown to be sent: the text, then the writer's name and address, which
/// a postal letter needs and senators' offices use to recognise a constituent.
pub(crate) fn letter_to_send(letter: &Letter) -> String {
    let text = letter.message.trim_end();
    let gap = if text.ends_with(',') { "\n" } else { "\n\n" };
    format!(
        "{text}{gap}{}\n{}\n{}, {} {}",
        letter.name, letter.street, letter.city, letter.state, letter.zip
    )
}

fn record(
    state: &AppState,
    campaign: &LetterCampaign,
    letter: &Letter,
    senators: &[&Senator],
) -> Result<LetterRecord, String> {
    let keys = &state.inner.keys;
    let now = state.now();
    let suggested = letter.message == normalise_message(&campaign.default_letter);
    let private = LetterPrivate {
        name: letter.name.clone(),
        email: letter.email.display.clone(),
        street: letter.street.clone(),
        city: letter.city.clone(),
        zip: letter.zip.clone(),
        message: (!suggested).then(|| letter.message.clone()),
    };
    let json = serde_json::to_string(&private).map_err(|e| e.to_string())?;
    let mut bioguides: Vec<String> = senators.iter().map(|s| s.bioguide.clone()).collect();
    bioguides.sort_unstable();
    bioguides.dedup();
    Ok(LetterRecord {
        hash: keys.dedup_hash(&normalise_checked(&letter.email)),
        state: letter.state.clone(),
        letter_hash: keys.letter_hash(&letter.message),
        senators: bioguides,
        private_enc: keys.encrypt(&json).map_err(|e| e.to_string())?,
        suggested,
        created_at: rfc3339(now),
        expires_at: unix_seconds(now).saturating_add(RETENTION_SECS),
    })
}

/// The answer to a recorded, repeated or honeypot letter: identical in every case.
fn answer(style: Style, site: &Site, letter: &Letter, senators: &[&Senator]) -> Response {
    let Some(us_state) = site.bundle.state(&letter.state) else {
        // Validation only accepts states from the bundle.
        return server_error_plain();
    };
    let text = letter_to_send(letter);
    match style {
        Style::Form => {
            let html = site
                .pages
                .letter_sent_page(&site.bundle, us_state, senators, &text);
            (StatusCode::OK, Html(html)).into_response()
        }
        Style::Json => reply::json(
            StatusCode::CREATED,
            &json!({
                "state": { "code": us_state.code, "name": us_state.name },
                "senators": senators,
                "letter": text,
            }),
        ),
    }
}

fn invalid(
    style: Style,
    site: &Site,
    campaign: &LetterCampaign,
    raw: &RawLetter,
    errors: &[FieldError],
) -> Response {
    match style {
        Style::Json => reply::json(
            StatusCode::UNPROCESSABLE_ENTITY,
            &json!({ "errors": errors }),
        ),
        Style::Form => {
            let text = |v: &Option<String>| v.clone().unwrap_or_default();
            let values = LetterValues {
                name: text(&raw.name),
                email: text(&raw.email),
                street: text(&raw.street),
                city: text(&raw.city),
                state: text(&raw.state).trim().to_ascii_uppercase(),
                zip: text(&raw.zip),
                message: text(&raw.message).replace("\r\n", "\n"),
                consent: parse_bool(raw.consent.as_deref()) == Some(true),
            };
            let html = site
                .pages
                .letter_form_page(&site.bundle, campaign, &values, errors);
            (StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response()
        }
    }
}

fn server_error(style: Style, site: &Site, campaign: &LetterCampaign) -> Response {
    reply::refusal(
        style,
        site,
        StatusCode::INTERNAL_SERVER_ERROR,
        &Notice {
            title: "Something went wrong",
            message: "Something went wrong on our side and your letter was not prepared. Please try again later.",
            link: Some((&campaign.page, "Back to the letter")),
        },
    )
}

fn server_error_plain() -> Response {
    reply::message(
        StatusCode::INTERNAL_SERVER_ERROR,
        "Something went wrong on our side and your letter was not prepared. Please try again later.",
    )
}

/// Reads a letter's fields from a form post or a JSON object.
fn parse(style: Style, body: &[u8]) -> Result<RawLetter, BodyError> {
    let mut f = read_fields(style, body, crate::contract::LETTER_FIELDS)?;
    Ok(RawLetter {
        name: f.remove("name"),
        email: f.remove("email"),
        street: f.remove("street"),
        city: f.remove("city"),
        state: f.remove("state"),
        zip: f.remove("zip"),
        message: f.remove("message"),
        consent: f.remove("consent"),
        website: f.remove("website"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::check_email;

    #[test]
    fn the_letter_to_send_is_signed_with_name_and_address() {
        let letter = Letter {
            name: "Ada Lovelace".into(),
            email: check_email("ada@example.org").expect("valid"),
            street: "1 Main Street".into(),
            city: "San Francisco".into(),
            state: "CA".into(),
            zip: "94103".into(),
            message: "Dear Senator,\n\nPlease act.\n\nSincerely,".into(),
        };
        assert_eq!(
            letter_to_send(&letter),
            "Dear Senator,\n\nPlease act.\n\nSincerely,\nAda Lovelace\n1 Main Street\nSan Francisco, CA 94103"
        );
        let plain = Letter {
            message: "Please act.".into(),
            ..letter
        };
        assert!(letter_to_send(&plain).starts_with("Please act.\n\nAda Lovelace\n"));
    }

    #[test]
    fn form_and_json_bodies_read_every_field() {
        let Ok(raw) = parse(Style::Form, b"name=Ada&email=a%40example.org&street=1+Main&city=X&state=ca&zip=94103&message=Hi%0D%0Athere&consent=on&website=&other=1") else {
            panic!("a form always parses");
        };
        assert_eq!(raw.name.as_deref(), Some("Ada"));
        assert_eq!(raw.message.as_deref(), Some("Hi\r\nthere"));
        assert_eq!(raw.website.as_deref(), Some(""));
        let Ok(raw) = parse(
            Style::Json,
            br#"{"name":"Ada","zip":94103,"consent":true,"state":null}"#,
        ) else {
            panic!("parses");
        };
        assert_eq!(raw.zip.as_deref(), Some("94103"));
        assert_eq!(raw.consent.as_deref(), Some("true"));
        assert_eq!(raw.state, None);
        let Err(BodyError::Fields(errors)) = parse(Style::Json, br#"{"name":["Ada"],"city":{}}"#)
        else {
            panic!("field errors");
        };
        let fields: Vec<&str> = errors.iter().map(|e| e.field).collect();
        assert_eq!(fields, ["name", "city"]);
        assert!(matches!(
            parse(Style::Json, b"[1]"),
            Err(BodyError::Syntax(_))
        ));
        assert!(matches!(
            parse(Style::Json, b"{"),
            Err(BodyError::Syntax(_))
        ));
    }
}
