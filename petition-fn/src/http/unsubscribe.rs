//! Stopping updates: `GET /api/unsubscribe?token=…` (the link at the foot of every updates
//! mail) answers a page with one button and changes nothing, so a mail scanner unsubscribes
//! nobody; `POST /api/unsubscribe` (field `token`, or the token in the query for RFC 8058's
//! one-click POST of `List-Unsubscribe=One-Click`) removes the stored address from every
//! signature of that person and keeps the signatures counted.
//!
//! The token is the address hash with its HMAC (`SignerKeys::unsubscribe_token`): nothing is
//! stored for it, and nobody can make one for another address.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use contract::api::{Form, TOKEN_FIELD};
use serde_json::json;

use super::AppState;
use super::extract::Submission;
use super::lang::LinkLang;
use super::pages::Notice;
use super::refusal::{Refusal, Subject, store_failure};
use super::reply::{self, Style};

/// `GET`: the page with the button. Nothing is written.
pub(crate) async fn page(
    State(state): State<AppState>,
    LinkLang(lang): LinkLang,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, Refusal> {
    let token = query.get(TOKEN_FIELD).ok_or(Refusal::BadUnsubscribe)?;
    state
        .keys()
        .check_unsubscribe_token(token)
        .ok_or(Refusal::BadUnsubscribe)?;
    let site = state.site();
    Ok(reply::private_page(
        site.local(lang.as_deref()).unsubscribe_page(token),
    ))
}

/// `POST`: extract, check, unsubscribe, answer.
pub(crate) async fn unsubscribe(
    State(state): State<AppState>,
    LinkLang(link_lang): LinkLang,
    Query(query): Query<HashMap<String, String>>,
    submission: Submission,
) -> Result<Response, Refusal> {
    let subject = Subject::Unsubscribe;
    let mut fields = submission.fields(Form::Unsubscribe, &subject)?;
    let token = fields
        .remove(TOKEN_FIELD)
        .or_else(|| query.get(TOKEN_FIELD).cloned())
        .ok_or(Refusal::BadUnsubscribe)?;
    let hash = state
        .keys()
        .check_unsubscribe_token(&token)
        .ok_or(Refusal::BadUnsubscribe)?;
    state
        .store()
        .unsubscribe(&hash, &state.bundle().mail_lists())
        .await
        .map_err(|e| store_failure(subject, &e))?;
    // The same answer whether anything was left to remove: nothing to learn from it.
    Ok(match submission.style {
        Style::Json => reply::json(StatusCode::OK, &json!({ "status": "unsubscribed" })),
        Style::Form => {
            let site = state.site();
            // The button's form sends its page's language; a one-click POST, its link's.
            let local = site.local(submission.lang().or(link_lang.as_deref()));
            let notice = Notice {
                title: local.text("unsubscribed_title").to_owned(),
                message: local.text("unsubscribed_text").to_owned(),
                link: Some((local.home(), local.text("link_home").to_owned())),
            };
            (StatusCode::OK, Html(local.notice_page(&notice))).into_response()
        }
    })
}
