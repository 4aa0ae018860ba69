//! `POST /api/petitions/{id}/signatures`.
//!
//! The checks run in this order, each with its own answer: content type (415), petition
//! (404), body size (413), petition open today (409), body syntax (400), fields (422), then the
//! honeypot (answered like a success, nothing stored) and the store (503 with `Retry-After`
//! when it is unavailable or throttled; the write is all-or-nothing).
//!
//! A repeat signature (same normalised address) gets exactly the answer a first one gets:
//! the same status, the same body shape with the current count. Nothing in the answer tells
//! whether an address signed before.

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde_json::json;

use super::body::{BodyError, read_fields};
use super::pages::{FormValues, Notice};
use super::reply::{self, Style};
use super::{AppState, Site};
use crate::bundle::Petition;
use crate::domain::email::normalise_checked;
use crate::domain::time::{rfc3339, unix_seconds, utc_date};
use crate::domain::validate::parse_bool;
use crate::domain::{FieldError, RawSubmission, Signature, Verdict};
use crate::store::{RETENTION_SECS, SignatureRecord};

/// The confirmation sent with every accepted (or repeated) signature.
const THANKS: &str = "Thank you for signing. Your signature has been recorded.";

/// The handler.
pub(crate) async fn sign(
    State(state): State<AppState>,
    id: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let site = state.site();
    let Some(style) = Style::of(&headers) else {
        return reply::message(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Send the signature as application/x-www-form-urlencoded (a plain HTML form) or as application/json.",
        );
    };
    let Some(petition) = id
        .ok()
        .and_then(|Path(id)| site.bundle.petition(&id).cloned())
    else {
        return reply::refusal(
            style,
            &site,
            StatusCode::NOT_FOUND,
            &Notice {
                title: "Petition not found",
                message: "There is no petition at this address. Check the link, or find the campaign's petitions from the home page.",
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
                    title: "Your signature could not be sent",
                    message: "The form sent is larger than 8 KiB, far more than a signature needs. Go back, shorten what you typed, and send it again.",
                    link: Some((&petition.page, "Back to the petition")),
                },
            );
        }
        Err(_) => {
            return reply::message(
                StatusCode::BAD_REQUEST,
                "The request body could not be read. Send the signature again.",
            );
        }
    };
    let now = state.now();
    let today = utc_date(now);
    if !petition.is_open_on(&today) {
        return closed(style, &site, &petition, &today);
    }
    let raw = match parse(style, &body) {
        Ok(raw) => raw,
        Err(BodyError::Syntax(detail)) => {
            return reply::message(
                StatusCode::BAD_REQUEST,
                &format!(
                    "The request body is not valid JSON ({detail}). Send an object such as {{\"name\": \"Ada Lovelace\", \"email\": \"ada@example.org\", \"country\": \"GB\", \"consent\": true}}."
                ),
            );
        }
        Err(BodyError::Fields(errors)) => {
            return invalid(
                style,
                &site,
                &petition,
                &today,
                &RawSubmission::default(),
                &errors,
            );
        }
    };
    let signature = match raw.validate(&site.bundle.countries) {
        Verdict::Valid(signature) => signature,
        Verdict::Invalid(errors) => return invalid(style, &site, &petition, &today, &raw, &errors),
        Verdict::Bot => return accepted(style, &state, &petition).await,
    };
    let record = match record(&state, &petition, &signature, now) {
        Ok(record) => record,
        Err(detail) => {
            reply::log_failure("encrypt", &detail);
            return server_error(style, &site, &petition);
        }
    };
    match state.inner.store.sign(record).await {
        Ok(_) => accepted(style, &state, &petition).await,
        Err(e) if e.is_transient() => {
            reply::log_failure("store_unavailable", &e.to_string());
            reply::retry_later(reply::refusal(
                style,
                &site,
                StatusCode::SERVICE_UNAVAILABLE,
                &Notice {
                    title: "Please try again in a moment",
                    message: "We could not record your signature just now because our signature store is busy. Nothing was saved: go back and send the form again in a few seconds.",
                    link: Some((&petition.page, "Back to the petition")),
                },
            ))
        }
        Err(e) => {
            reply::log_failure("store", &e.to_string());
            server_error(style, &site, &petition)
        }
    }
}

fn record(
    state: &AppState,
    petition: &Petition,
    sig: &Signature,
    now: std::time::SystemTime,
) -> Result<SignatureRecord, String> {
    let keys = &state.inner.keys;
    let hash = keys.dedup_hash(&normalise_checked(&sig.email));
    let name_enc = keys.encrypt(&sig.name).map_err(|e| e.to_string())?;
    let email_enc = if sig.updates {
        Some(
            keys.encrypt(&sig.email.display)
                .map_err(|e| e.to_string())?,
        )
    } else {
        None
    };
    Ok(SignatureRecord {
        petition: petition.id.clone(),
        hash,
        name_enc,
        email_enc,
        country: sig.country.clone(),
        updates: sig.updates,
        created_at: rfc3339(now),
        expires_at: unix_seconds(now).saturating_add(RETENTION_SECS),
    })
}

/// The answer to a recorded, repeated or honeypot signature: identical in every case.
async fn accepted(style: Style, state: &AppState, petition: &Petition) -> Response {
    match style {
        Style::Form => {
            let location = HeaderValue::from_str(&petition.thank_you)
                .unwrap_or_else(|_| HeaderValue::from_static("/"));
            (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response()
        }
        Style::Json => {
            let count = match state.inner.store.count(&petition.id).await {
                Ok(counts) => Some(counts.total),
                Err(e) => {
                    reply::log_failure("count_after_sign", &e.to_string());
                    None
                }
            };
            reply::json(
                StatusCode::CREATED,
                &json!({ "count": count, "message": THANKS }),
            )
        }
    }
}

fn closed(style: Style, site: &Site, petition: &Petition, today: &str) -> Response {
    let (title, message) = if today < petition.opens.as_str() {
        (
            "This petition is not open yet",
            format!(
                "This petition opens on {}: it does not accept signatures before then.",
                petition.opens
            ),
        )
    } else {
        (
            "This petition is closed",
            format!(
                "This petition closed on {}: it no longer accepts signatures. Thank you for your support.",
                petition.closes.as_deref().unwrap_or("an earlier date")
            ),
        )
    };
    reply::refusal(
        style,
        site,
        StatusCode::CONFLICT,
        &Notice {
            title,
            message: &message,
            link: Some((&petition.page, "Back to the petition")),
        },
    )
}

fn invalid(
    style: Style,
    site: &Site,
    petition: &Petition,
    today: &str,
    raw: &RawSubmission,
    errors: &[FieldError],
) -> Response {
    match style {
        Style::Json => reply::json(
            StatusCode::UNPROCESSABLE_ENTITY,
            &json!({ "errors": errors }),
        ),
        Style::Form => {
            let values = FormValues {
                name: raw.name.clone().unwrap_or_default(),
                email: raw.email.clone().unwrap_or_default(),
                country: raw
                    .country
                    .as_deref()
                    .unwrap_or_default()
                    .trim()
                    .to_ascii_uppercase(),
                consent: parse_bool(raw.consent.as_deref()) == Some(true),
                updates: parse_bool(raw.updates.as_deref()) == Some(true),
            };
            let open = petition.is_open_on(today);
            let html = site
                .pages
                .form_page(&site.bundle, petition, open, &values, errors);
            (StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response()
        }
    }
}

fn server_error(style: Style, site: &Site, petition: &Petition) -> Response {
    reply::refusal(
        style,
        site,
        StatusCode::INTERNAL_SERVER_ERROR,
        &Notice {
            title: "Something went wrong",
            message: "Something went wrong on our side and your signature was not recorded. Please try again later.",
            link: Some((&petition.page, "Back to the petition")),
        },
    )
}

/// Reads a signature's fields from a form post or a JSON object.
fn parse(style: Style, body: &[u8]) -> Result<RawSubmission, BodyError> {
    let mut f = read_fields(style, body, crate::contract::SIGNATURE_FIELDS)?;
    Ok(RawSubmission {
        name: f.remove("name"),
        email: f.remove("email"),
        country: f.remove("country"),
        consent: f.remove("consent"),
        updates: f.remove("updates"),
        website: f.remove("website"),
    })
}
