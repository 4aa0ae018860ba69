//! `POST /api/actions`: a visitor reports an outcome of the letter campaign, "I sent it" or "I
//! called", for one of their senators. Nothing personal is stored: a counter per kind, state
//! and senator. Limited like the other actions (`crate::fair`), and counted once per client,
//! day, senator and kind, so pressing the button twice counts once.
//!
//! The checks run in this order: content type (415), letter campaign on (404), body size
//! (413), body syntax (400), fields (422), the honeypot (answered like a success, nothing
//! counted), the client's limit (429), then the store (503). JSON is answered 201
//! `{status: "counted", message}`; a plain form post 200 with a thank-you page.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use contract::api::{ALTCHA_FIELD, Form};
use serde_json::json;

use super::AppState;
use super::extract::Submission;
use super::lang::Local;
use super::pages::Notice;
use super::refusal::{Refusal, Subject, store_failure};
use super::reply::{self, Style};
use super::signatures::held_back;
use crate::domain::{ActionVerdict, Outcome, RawAction};
use crate::fair::{self, Action, Client};

/// Extract, validate, admit, count, answer.
pub(crate) async fn report(
    State(state): State<AppState>,
    client: Client,
    submission: Submission,
) -> Result<Response, Refusal> {
    let site = state.site();
    let local = site.local(submission.lang());
    let campaign = local.bundle.letter.clone().ok_or(Refusal::NoLetters)?;
    let subject = Subject::Action {
        page: campaign.page.clone(),
    };
    let mut fields = submission.fields(Form::Action, &subject)?;
    let altcha = fields.remove(ALTCHA_FIELD);
    let raw = RawAction {
        kind: fields.remove("kind"),
        state: fields.remove("state"),
        senator: fields.remove("senator"),
        website: fields.remove(contract::api::HONEYPOT_FIELD),
    };
    let outcome = match raw.validate(&site.bundle) {
        ActionVerdict::Valid(outcome) => outcome,
        ActionVerdict::Bot => {
            return Ok(answer(submission.style, local, None, &campaign.page));
        }
        ActionVerdict::Invalid(errors) => {
            return Err(Refusal::Invalid {
                refill: None,
                errors,
            });
        }
    };
    fair::admit(&state, Action::Report, &client, altcha.as_deref())
        .await
        .map_err(|held| held_back(held, &subject, None))?;
    let store = state.store();
    let what = format!("{}:{}", outcome.kind, outcome.senator);
    let first = fair::first_today(&state, &client, &what)
        .await
        .map_err(|e| store_failure(subject.clone(), &e))?;
    if first {
        store
            .count_action(outcome.kind, &outcome.state, &outcome.senator)
            .await
            .map_err(|e| store_failure(subject.clone(), &e))?;
    }
    Ok(answer(
        submission.style,
        local,
        Some(&outcome),
        &campaign.page,
    ))
}

/// The thanks in the visitor's language, the same whether this was counted now or earlier
/// today.
fn answer(style: Style, local: &Local, outcome: Option<&Outcome>, page: &str) -> Response {
    let message = match outcome {
        Some(o) => {
            let key = if o.kind == "called" {
                "outcome_thanks_called"
            } else {
                "outcome_thanks_letter_sent"
            };
            local.format(key, &[("name", &o.senator_name)])
        }
        None => local.text("outcome_thanks").to_owned(),
    };
    match style {
        Style::Json => reply::json(
            StatusCode::CREATED,
            &json!({ "status": "counted", "message": message }),
        ),
        Style::Form => {
            let notice = Notice {
                title: local.text("thanks_title").to_owned(),
                message,
                link: Some((page.to_owned(), local.text("link_letter_page").to_owned())),
            };
            (StatusCode::OK, Html(local.notice_page(&notice))).into_response()
        }
    }
}
