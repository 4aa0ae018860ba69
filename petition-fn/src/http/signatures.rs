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

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use contract::api::Form;
use contract::bundle::Petition;
use contract::date::{rfc3339, unix_seconds, utc_date};
use serde_json::json;

use super::AppState;
use super::extract::{Fields, Submission};
use super::pages::FormValues;
use super::refusal::{Refill, Refusal, Subject, fault, store_failure};
use super::reply::{self, Style};
use crate::domain::email::normalise_checked;
use crate::domain::validate::parse_bool;
use crate::domain::{RawSubmission, Signature, Verdict};
use crate::store::{RETENTION_SECS, SignatureRecord};

/// The confirmation sent with every accepted (or repeated) signature.
const THANKS: &str = "Thank you for signing. Your signature has been recorded.";

/// Extract, validate, store, answer.
pub(crate) async fn sign(
    State(state): State<AppState>,
    id: Result<Path<String>, PathRejection>,
    submission: Submission,
) -> Result<Response, Refusal> {
    let site = state.site();
    let petition = site.petition(id)?;
    let subject = Subject::Signature {
        page: petition.page.clone(),
    };
    submission.body(&subject)?;
    let now = state.now();
    let today = utc_date(now);
    if !petition.is_open_on(&today) {
        return Err(Refusal::Closed {
            petition: Box::new(petition),
            today,
        });
    }
    let raw = raw_submission(submission.fields(Form::Signature, &subject)?);
    let signature = match raw.validate(&site.bundle.countries) {
        Verdict::Valid(signature) => signature,
        Verdict::Bot => return Ok(accepted(submission.style, &state, &petition).await),
        Verdict::Invalid(errors) => {
            return Err(Refusal::Invalid {
                refill: Some(Refill::Signature {
                    values: Box::new(values(&raw)),
                    petition: Box::new(petition),
                    today,
                }),
                errors,
            });
        }
    };
    let record =
        record(&state, &petition, &signature, now).map_err(|e| fault(&subject, "encrypt", &e))?;
    state
        .inner
        .store
        .sign(record)
        .await
        .map_err(|e| store_failure(subject, &e))?;
    Ok(accepted(submission.style, &state, &petition).await)
}

fn raw_submission(mut f: Fields) -> RawSubmission {
    RawSubmission {
        name: f.remove("name"),
        email: f.remove("email"),
        country: f.remove("country"),
        consent: f.remove("consent"),
        updates: f.remove("updates"),
        website: f.remove("website"),
    }
}

/// What the form is filled in again with.
fn values(raw: &RawSubmission) -> FormValues {
    FormValues {
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
