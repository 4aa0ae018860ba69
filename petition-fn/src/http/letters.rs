//! `POST /api/letters`: a letter to the writer's two senators.
//!
//! The site does not send the letter: it answers with the state's senators, their official
//! contact forms and the letter ready to copy, and keeps the letter (encrypted) and its counts
//! per state and per senator.
//!
//! The checks run in this order, each with its own answer: content type (415), letter
//! campaign on (404), body size (413), body syntax (400), fields (422), the client's limit
//! (429 with a proof-of-work challenge, `crate::fair`), then the store (503 with
//! `Retry-After` when it is unavailable or throttled; the write is all-or-nothing).
//!
//! A plain form post is answered `200` with the answer page itself, not with DESIGN's `303`:
//! the page depends on the state and shows the letter, so a redirect target would need the
//! letter or the address in its URL (and so in logs and browser history) or a server-side
//! session. Rendering it directly keeps personal data out of URLs; reloading the page re-posts
//! the form, which is harmless because a letter is stored and counted once per (address hash,
//! state, letter hash). JSON is answered `201` with `{state, senators, letter}`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use contract::api::{ALTCHA_FIELD, Form, UPDATES_LIST};
use contract::bundle::{LetterCampaign, Senator};
use contract::date::{rfc3339, unix_seconds};
use serde_json::json;

use super::confirm::updates_confirmation_mail;
use super::extract::{Fields, Submission};
use super::lang::Local;
use super::pages::LetterValues;
use super::refusal::{Refill, Refusal, Subject, fault, store_failure};
use super::reply::{self, Style};
use super::signatures::held_back;
use super::{AppState, Site};
use crate::domain::email::normalise_checked;
use crate::domain::letter::normalise_message;
use crate::domain::validate::parse_bool;
use crate::domain::{Letter, LetterPrivate, LetterVerdict, RawLetter};
use crate::fair::{self, Action, Client};
use crate::protect::SignerKeys;
use crate::store::{LetterRecord, RETENTION_SECS};
use crate::words::Words;

/// Extract, validate, store, answer.
pub(crate) async fn send(
    State(state): State<AppState>,
    client: Client,
    submission: Submission,
) -> Result<Response, Refusal> {
    let site = state.site();
    let local = site.local(submission.lang());
    let campaign = local.bundle.letter.clone().ok_or(Refusal::NoLetters)?;
    let subject = Subject::Letter {
        page: campaign.page.clone(),
    };
    let mut fields = submission.fields(Form::Letter, &subject)?;
    let altcha = fields.remove(ALTCHA_FIELD);
    let raw = raw_letter(fields);
    let (letter, keep) = match raw.validate(&site.bundle.states) {
        LetterVerdict::Valid(letter) => (letter, true),
        LetterVerdict::Bot(letter) => (letter, false),
        LetterVerdict::Invalid(errors) => {
            return Err(Refusal::Invalid {
                refill: Some(Refill::Letter {
                    values: Box::new(values(&raw)),
                }),
                errors,
            });
        }
    };
    let senators = site.bundle.senators_of(&letter.state);
    if senators.is_empty() {
        reply::log_failure(
            "no_senators",
            format!(
                "the site bundle lists no senators for {}: refresh content/data/senators.json",
                letter.state
            ),
        );
    }
    if keep {
        fair::admit(&state, Action::Letter, &client, altcha.as_deref())
            .await
            .map_err(|held| {
                held_back(
                    held,
                    &subject,
                    Some(Refill::Letter {
                        values: Box::new(values(&raw)),
                    }),
                )
            })?;
        let record = record(&state, &campaign, &letter, &senators)
            .map_err(|e| fault(&subject, "encrypt", &e))?;
        state
            .inner
            .store
            .send_letter(record)
            .await
            .map_err(|e| store_failure(subject.clone(), &e))?;
        if letter.updates {
            subscribe(&state, local, &letter).await;
        }
    }
    answer(submission.style, &site, local, &letter, &senators, subject)
}

/// Puts the writer on the campaign's updates list, waiting for their mailbox to confirm it
/// (the petition's double opt-in, `crate::http::confirm`): only the encrypted address is
/// kept, under the list `UPDATES_LIST`. The letter is answered whatever happens here; a
/// failure is logged, and writing again sends a new mail. The mail is in the writer's
/// language (`local`'s).
async fn subscribe(state: &AppState, local: &Local, letter: &Letter) {
    use crate::store::{PENDING_SECS, PendingOutcome, PendingRecord, SignatureRecord};
    let keys = &state.inner.keys;
    let now = state.now();
    let at = unix_seconds(now);
    let hash = keys.dedup_hash(&normalise_checked(&letter.email));
    let sealed = keys.encrypt("").and_then(|name| {
        keys.encrypt_address(&letter.email.display, &hash)
            .map(|email| (name, email))
    });
    let (tokens, (name_enc, email_enc)) = match (SignerKeys::new_token(), sealed) {
        (Ok(t), Ok(s)) => (t, s),
        (Err(e), _) | (_, Err(e)) => return reply::log_failure("updates_subscribe", e),
    };
    let (token, token_hash) = tokens;
    let pending = PendingRecord {
        signature: SignatureRecord {
            petition: UPDATES_LIST.to_owned(),
            hash: hash.clone(),
            name_enc,
            email_enc: Some(email_enc),
            country: "US".to_owned(),
            updates: true,
            created_at: rfc3339(now),
            expires_at: at.saturating_add(RETENTION_SECS),
        },
        token_hash,
        at,
        pending_until: at.saturating_add(PENDING_SECS),
    };
    let store = &state.inner.store;
    match store.sign_pending(pending).await {
        Ok(PendingOutcome::Mail) => {
            let mail = updates_confirmation_mail(local, &letter.email.display, &token);
            if let Err(why) = super::signatures::send(state, &mail).await {
                reply::log_failure("mail_failed", &why);
                if let Err(e) = store.mail_failed(UPDATES_LIST, &hash, at).await {
                    reply::log_failure("mail_failed_reset", reply::chain(&e));
                }
            }
        }
        Ok(_) => {}
        Err(e) => reply::log_failure("updates_subscribe", reply::chain(&e)),
    }
}

fn raw_letter(mut f: Fields) -> RawLetter {
    RawLetter {
        name: f.remove("name"),
        email: f.remove("email"),
        street: f.remove("street"),
        city: f.remove("city"),
        state: f.remove("state"),
        zip: f.remove("zip"),
        message: f.remove("message"),
        consent: f.remove("consent"),
        updates: f.remove("updates"),
        website: f.remove("website"),
    }
}

/// What the form is filled in again with.
fn values(raw: &RawLetter) -> LetterValues {
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    LetterValues {
        name: text(&raw.name),
        email: text(&raw.email),
        street: text(&raw.street),
        city: text(&raw.city),
        state: text(&raw.state).trim().to_ascii_uppercase(),
        zip: text(&raw.zip),
        message: text(&raw.message).replace("\r\n", "\n"),
        consent: parse_bool(raw.consent.as_deref()) == Some(true),
        updates: parse_bool(raw.updates.as_deref()) == Some(true),
    }
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
    // Only a campaign that delivers letters itself keeps them; by default nothing personal is.
    let private_enc = if campaign.bill.keep {
        let json = serde_json::to_string(&private).map_err(|e| e.to_string())?;
        Some(keys.encrypt(&json).map_err(|e| e.to_string())?)
    } else {
        None
    };
    let mut bioguides: Vec<String> = senators.iter().map(|s| s.bioguide.clone()).collect();
    bioguides.sort_unstable();
    bioguides.dedup();
    Ok(LetterRecord {
        hash: keys.dedup_hash(&normalise_checked(&letter.email)),
        state: letter.state.clone(),
        senators: bioguides,
        private_enc,
        suggested,
        created_at: rfc3339(now),
        expires_at: unix_seconds(now).saturating_add(RETENTION_SECS),
    })
}

/// The answer to a recorded, repeated or honeypot letter: identical in every case.
fn answer(
    style: Style,
    site: &Site,
    local: &Local,
    letter: &Letter,
    senators: &[&Senator],
    subject: Subject,
) -> Result<Response, Refusal> {
    // Validation only accepts states from the bundle.
    let us_state = site
        .bundle
        .state(&letter.state)
        .ok_or(Refusal::Internal(subject.clone()))?;
    let text = letter_to_send(letter);
    let campaign = site.bundle.letter.as_ref();
    // The letter is written to a U.S. senator in the site's own language, whatever the page's.
    let greeting = site.local(None).words();
    let per_senator: Vec<serde_json::Value> = senators
        .iter()
        .map(|s| {
            let script = campaign
                .and_then(|c| c.call_script.as_deref().map(|t| (c, t)))
                .and_then(|(c, template)| {
                    let facts = contract::call::CallFacts {
                        name: &letter.name,
                        city: &letter.city,
                        state: &us_state.name,
                        senator: &s.name,
                        senator_last: s.last_name(),
                        bill: &c.bill,
                    };
                    // The site checked the script when it was built: a failure here is a bug.
                    contract::call::render(template, &facts)
                        .map_err(|e| reply::log_failure("call_script", reply::chain(&e)))
                        .ok()
                });
            let mut value = json!(s);
            value["letter"] = json!(addressed(&greeting, &text, s));
            value["call_script"] = json!(script);
            value["offices"] = json!(s.offices_near(&letter.city, &letter.zip));
            value
        })
        .collect();
    Ok(match style {
        Style::Form => {
            let html = local.letter_sent_page(us_state, &per_senator, &text);
            (StatusCode::OK, Html(html)).into_response()
        }
        Style::Json => reply::json(
            StatusCode::CREATED,
            &json!({
                "state": { "code": us_state.code, "name": us_state.name },
                "senators": per_senator,
                "letter": text,
            }),
        ),
    })
}

/// The letter to one senator: greeted by name and title (`letter_greeting`, "Dear Senator
/// Padilla,"), in place of a first line that greets senators in general
/// (`letter_generic_greetings`), or above the text.
pub(crate) fn addressed(words: &Words<'_>, letter: &str, senator: &Senator) -> String {
    let greeting = words.format("letter_greeting", &[("name", senator.last_name())]);
    let (first, rest) = letter.split_once('\n').unwrap_or((letter, ""));
    let generic = first.trim().trim_end_matches([',', ':']).trim();
    let greets_all = words
        .text("letter_generic_greetings")
        .split('|')
        .any(|g| generic.to_lowercase() == g.trim().to_lowercase());
    if greets_all {
        format!("{greeting}\n{rest}")
    } else {
        format!("{greeting}\n\n{letter}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn senator(name: &str) -> Senator {
        Senator {
            state: "CA".into(),
            name: name.into(),
            bioguide: "A000001".into(),
            ..Senator::default()
        }
    }

    #[test]
    fn each_letter_greets_its_senator_by_name() {
        let s = senator("Alex Padilla");
        let en = Words::ENGLISH;
        assert_eq!(
            addressed(&en, "Dear Senator,\n\nPlease act.", &s),
            "Dear Senator Padilla,\n\nPlease act."
        );
        assert_eq!(
            addressed(&en, "dear senators:\nPlease act.", &s),
            "Dear Senator Padilla,\nPlease act."
        );
        assert_eq!(
            addressed(&en, "Please act.", &s),
            "Dear Senator Padilla,\n\nPlease act."
        );
        assert_eq!(senator("Robert P. Casey, Jr.").last_name(), "Casey");
        assert_eq!(senator("John Smith III").last_name(), "Smith");
    }
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
            updates: false,
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
}
