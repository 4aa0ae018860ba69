//! `POST /api/petitions/{id}/signatures`.
//!
//! The checks run in this order, each with its own answer: content type (415), petition
//! (404), body size (413), petition open today (409), paused by the operator (503), body
//! syntax (400), fields (422), the honeypot (answered like a success, nothing stored), the
//! client's limit (429 with a proof-of-work challenge, `crate::fair`), then the store (503
//! with `Retry-After` when it is unavailable or throttled; the write is all-or-nothing).
//! A stored signature leaves a note of the client that sent it, kept a day.
//!
//! On a confirming petition (`confirm = true`, the default) a valid signature waits, uncounted,
//! for its mailbox: it is stored pending with the hash of a random token, and the token goes
//! out in a confirmation mail (at most one an hour per address and petition). It counts once
//! confirmed (`http/confirm.rs`).
//!
//! Every accepted signature gets the same answer, whether the address is new, pending, mailed
//! within the hour or already confirmed: 303 to the "check your inbox" page (or the thank-you
//! page without confirmation), JSON 202 `{"status":"pending","message"}` (201 `signed`), and
//! never the count, which would tell whether an address had signed.

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use contract::api::{ALTCHA_FIELD, Form};
use contract::bundle::Petition;
use contract::date::{rfc3339, unix_seconds, utc_date};
use serde_json::json;

use super::AppState;
use super::confirm::confirmation_mail;
use super::extract::{Fields, Submission};
use super::lang::Local;
use super::pages::FormValues;
use super::refusal::{Refill, Refusal, Subject, fault, store_failure};
use super::reply::{self, Style};
use crate::domain::email::normalise_checked;
use crate::domain::validate::parse_bool;
use crate::domain::{RawSubmission, Signature, Verdict};
use crate::fair::{self, Action, Client, Held};
use crate::mail::Mail;
use crate::protect::SignerKeys;
use crate::store::{
    ClientNote, PENDING_SECS, PendingOutcome, PendingRecord, RETENTION_SECS, SignatureRecord,
};

/// Extract, validate, store, answer.
pub(crate) async fn sign(
    State(state): State<AppState>,
    id: Result<Path<String>, PathRejection>,
    client: Client,
    submission: Submission,
) -> Result<Response, Refusal> {
    let site = state.site();
    let local = site.local(submission.lang());
    let petition = local.path_petition(id)?;
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
    if let Some(pause) = state
        .pause_of(&petition.id)
        .await
        .map_err(|e| store_failure(subject.clone(), &e))?
    {
        return Err(Refusal::Paused {
            page: petition.page.clone(),
            message: pause.message,
        });
    }
    let mut fields = submission.fields(Form::Signature, &subject)?;
    let altcha = fields.remove(ALTCHA_FIELD);
    let raw = raw_submission(fields);
    let signature = match raw.validate(&site.bundle.countries) {
        Verdict::Valid(signature) => signature,
        Verdict::Bot => return Ok(accepted(submission.style, local, &petition)),
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
    fair::admit(
        &state,
        Action::Sign(&petition.id),
        &client,
        altcha.as_deref(),
    )
    .await
    .map_err(|held| {
        held_back(
            held,
            &subject,
            Some(Refill::Signature {
                values: Box::new(values(&raw)),
                petition: Box::new(petition.clone()),
                today: today.clone(),
            }),
        )
    })?;
    let record =
        record(&state, &petition, &signature, now).map_err(|e| fault(&subject, "encrypt", &e))?;
    let store = &state.inner.store;
    let note = ClientNote {
        petition: record.petition.clone(),
        client: client.hash,
        hash: record.hash.clone(),
        expires_at: unix_seconds(now).saturating_add(fair::NOTE_SECS),
    };
    if !petition.confirm {
        let outcome = store
            .sign(record)
            .await
            .map_err(|e| store_failure(subject, &e))?;
        if outcome.new {
            remember(&state, note).await;
        }
        return Ok(accepted(submission.style, local, &petition));
    }
    let (token, token_hash) = SignerKeys::new_token().map_err(|e| fault(&subject, "token", &e))?;
    let at = unix_seconds(now);
    let (petition_id, hash) = (record.petition.clone(), record.hash.clone());
    let pending = PendingRecord {
        signature: record,
        token_hash,
        at,
        pending_until: at.saturating_add(PENDING_SECS),
    };
    let outcome = store
        .sign_pending(pending)
        .await
        .map_err(|e| store_failure(subject.clone(), &e))?;
    if outcome == PendingOutcome::Mail {
        remember(&state, note).await;
        let mail = confirmation_mail(local, &petition, &signature.email.display, &token);
        if let Err(why) = send(&state, &mail).await {
            reply::log_failure("mail_failed", &why);
            // Without its mail the token is useless: let the next try mail again.
            if let Err(e) = store.mail_failed(&petition_id, &hash, at).await {
                reply::log_failure("mail_failed_reset", reply::chain(&e));
            }
            return Err(Refusal::MailFailed(subject));
        }
    }
    Ok(accepted(submission.style, local, &petition))
}

/// Keeps the note of which client sent a signature; a failure loses only the means to undo a
/// flood by client, so the signer's answer does not change.
async fn remember(state: &AppState, note: ClientNote) {
    if let Err(e) = state.inner.store.note_client(note).await {
        reply::log_failure("client_note", reply::chain(&e));
    }
}

/// The refusal of a submission [`fair::admit`] held back.
pub(crate) fn held_back(held: Held, subject: &Subject, refill: Option<Refill>) -> Refusal {
    match held {
        Held::Over(over) => Refusal::Limited {
            subject: subject.clone(),
            over: Box::new(over),
            refill,
        },
        Held::Store(e) => store_failure(subject.clone(), &e),
        Held::Random(e) => fault(subject, "challenge_random", &e),
    }
}

/// Sends `mail` through the state's transport; the error text holds no address.
pub(crate) async fn send(state: &AppState, mail: &Mail) -> Result<(), String> {
    let mailer = state
        .mailer()
        .ok_or_else(|| "no mail transport is configured (MAIL_FROM on Lambda)".to_owned())?;
    // The text only: the SDK error underneath may quote SES's message, which can name addresses.
    mailer.send(mail).await.map_err(|e| e.to_string())
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
            keys.encrypt_address(&sig.email.display, &hash)
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

/// The answer to a signature, whatever happened: recorded, repeated, waiting for its mailbox,
/// mailed within the hour, already confirmed, or a honeypot. Identical in every case, and
/// without the count, which would tell whether an address had signed. In the signer's
/// language: the pages of `local`'s petition, the theme's words.
fn accepted(style: Style, local: &Local, petition: &Petition) -> Response {
    let (status, location, message) = if petition.confirm {
        (
            StatusCode::ACCEPTED,
            petition.check_inbox.as_deref().unwrap_or(&petition.page),
            local.text("petition_check_inbox"),
        )
    } else {
        (
            StatusCode::CREATED,
            petition.thank_you.as_str(),
            local.text("petition_thanks"),
        )
    };
    match style {
        Style::Form => {
            let location =
                HeaderValue::from_str(location).unwrap_or_else(|_| HeaderValue::from_static("/"));
            (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response()
        }
        Style::Json => {
            let state = if petition.confirm {
                "pending"
            } else {
                "signed"
            };
            reply::json(status, &json!({ "status": state, "message": message }))
        }
    }
}
