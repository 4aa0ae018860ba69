//! Double opt-in: the confirmation mail, `GET /api/confirm?token=…` (a page with one button,
//! which changes nothing, so a mail scanner that follows the link confirms nothing) and
//! `POST /api/confirm` (field `token`: confirms, then 303 to the thank-you page, or JSON
//! `200 {"status":"confirmed","count"}`).
//!
//! Confirming twice lands on the thank-you page again; an expired token (410) or an unknown one
//! (404) gets a page that leads back to the petition.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use contract::api::{CONFIRM_FOR, CONFIRM_PATH, Form, TOKEN_FIELD, UPDATES_LIST};
use contract::bundle::{Petition, SiteBundle};
use contract::date::unix_seconds;
use contract::html::escape;
use serde_json::json;

use super::AppState;
use super::extract::Submission;
use super::refusal::{Refusal, Subject, store_failure};
use super::reply::{self, Style};
use crate::mail::Mail;
use crate::protect::SignerKeys;
use crate::store::{ConfirmOutcome, RETENTION_SECS};

/// `GET`: the page with the button. Nothing is read or written.
pub(crate) async fn page(
    State(state): State<AppState>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, Refusal> {
    let token = query
        .get(TOKEN_FIELD)
        .filter(|t| plausible(t))
        .ok_or(Refusal::UnknownToken)?;
    let site = state.site();
    // The wording only: the token decides what is confirmed.
    let updates = query.get(CONFIRM_FOR).is_some_and(|v| v == "updates");
    Ok(reply::private_page(site.pages.confirm_page(
        &site.bundle,
        token,
        updates,
    )))
}

/// `POST`: extract, confirm, answer.
pub(crate) async fn confirm(
    State(state): State<AppState>,
    submission: Submission,
) -> Result<Response, Refusal> {
    let subject = Subject::Confirmation;
    let token = submission
        .fields(Form::Confirm, &subject)?
        .remove(TOKEN_FIELD)
        .filter(|t| plausible(t))
        .ok_or(Refusal::UnknownToken)?;
    let now = unix_seconds(state.now());
    let outcome = state
        .inner
        .store
        .confirm(
            &SignerKeys::token_hash(&token),
            now,
            now.saturating_add(RETENTION_SECS),
        )
        .await
        .map_err(|e| store_failure(subject, &e))?;
    let site = state.site();
    let petition = match outcome {
        ConfirmOutcome::Confirmed { petition } | ConfirmOutcome::AlreadyConfirmed { petition } => {
            petition
        }
        ConfirmOutcome::Expired { petition } => {
            return Err(Refusal::ExpiredToken {
                page: site.bundle.petition(&petition).map(|p| p.page.clone()),
            });
        }
        ConfirmOutcome::Unknown => return Err(Refusal::UnknownToken),
    };
    if petition == UPDATES_LIST {
        return Ok(updates_confirmed(submission.style, &site));
    }
    let Some(petition) = site.bundle.petition(&petition) else {
        // Confirmed, but the site no longer lists the petition: there is no page to go to.
        return Err(Refusal::NoPetition);
    };
    Ok(match submission.style {
        Style::Form => {
            let location = HeaderValue::from_str(&petition.thank_you)
                .unwrap_or_else(|_| HeaderValue::from_static("/"));
            (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response()
        }
        Style::Json => {
            let count = match state.inner.store.count(&petition.id).await {
                Ok(counts) => Some(counts.total),
                Err(e) => {
                    reply::log_failure("count_after_confirm", reply::chain(&e));
                    None
                }
            };
            reply::json(
                StatusCode::OK,
                &json!({ "status": "confirmed", "count": count }),
            )
        }
    })
}

/// The answer to a confirmed (or already confirmed) address for the campaign's updates.
fn updates_confirmed(style: Style, site: &super::Site) -> Response {
    let message = site.bundle.text("confirm_updates_done").unwrap_or("Your address is confirmed: the campaign will send you its updates. Every mail has a link that stops them.").to_owned();
    match style {
        Style::Json => reply::json(
            StatusCode::OK,
            &json!({ "status": "confirmed", "message": message }),
        ),
        Style::Form => {
            let notice = super::pages::Notice {
                title: "Thank you",
                message,
                link: Some(("/".to_owned(), "Go to the home page")),
            };
            reply::private_page(site.pages.notice_page(&site.bundle, &notice))
        }
    }
}

/// The confirmation mail of the campaign's updates list, from the theme's strings (English
/// when the theme has none).
pub(crate) fn updates_confirmation_mail(bundle: &SiteBundle, to: &str, token: &str) -> Mail {
    let text = |key: &str, default: &str| bundle.text(key).unwrap_or(default).to_owned();
    let link = format!(
        "{}{CONFIRM_PATH}?{TOKEN_FIELD}={token}&{CONFIRM_FOR}=updates",
        bundle.base_url
    );
    message_with_link(
        bundle,
        to,
        &text(
            "mail_updates_subject",
            "Confirm your address for the campaign's updates",
        ),
        &text(
            "mail_updates_intro",
            "Thank you for writing to your senators. You asked for the campaign's updates by email: open the link below and press “Confirm my address” on the page it opens.",
        ),
        &link,
        &text("confirm_updates_button", "Confirm my address"),
        &text("mail_confirm_expiry", "The link works for 7 days."),
        &text(
            "mail_updates_not_you",
            "If you did not ask for this, ignore this mail: nothing is sent to you, and nothing about it is kept after 7 days.",
        ),
    )
}

/// Whether `token` could be one of ours (43 base64url characters), so that other input is
/// refused without a store read.
fn plausible(token: &str) -> bool {
    token.len() == 43
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The confirmation mail for `petition`, in plain text and HTML, from the theme's interface
/// strings (with English when the theme has none).
pub(crate) fn confirmation_mail(
    bundle: &SiteBundle,
    petition: &Petition,
    to: &str,
    token: &str,
) -> Mail {
    let text = |key: &str, default: &str| {
        bundle
            .text(key)
            .unwrap_or(default)
            .replace("{petition}", &petition.title)
    };
    let link = format!("{}{CONFIRM_PATH}?{TOKEN_FIELD}={token}", bundle.base_url);
    let subject = text("mail_confirm_subject", "Confirm your signature: {petition}");
    let intro = text(
        "mail_confirm_intro",
        "Thank you for signing “{petition}”. One step is left before your signature counts: open the link below and press “Confirm my signature” on the page it opens.",
    );
    let button = text("confirm_button", "Confirm my signature");
    let expiry = text("mail_confirm_expiry", "The link works for 7 days.");
    let not_you = text(
        "mail_confirm_not_you",
        "If you did not sign this petition, ignore this mail: nothing is counted, and nothing about it is kept after 7 days.",
    );
    message_with_link(
        bundle, to, &subject, &intro, &link, &button, &expiry, &not_you,
    )
}

/// A confirmation mail: the intro, the link (a button in HTML), the expiry and the words for
/// whoever did not ask for it, as plain text and HTML.
#[allow(clippy::too_many_arguments, reason = "each is one line of the mail")]
fn message_with_link(
    bundle: &SiteBundle,
    to: &str,
    subject: &str,
    intro: &str,
    link: &str,
    button: &str,
    expiry: &str,
    not_you: &str,
) -> Mail {
    let plain = format!("{intro}\n\n{link}\n\n{expiry}\n\n{not_you}\n");
    let html = format!(
        "<!doctype html>\n<html lang=\"{lang}\"><head><meta charset=\"utf-8\"><title>{subject_h}</title></head><body>\
         <p>{intro_h}</p><p><a href=\"{link_h}\">{button_h}</a></p><p>{expiry_h}</p><p>{not_you_h}</p></body></html>\n",
        lang = escape(&bundle.language),
        subject_h = escape(subject),
        intro_h = escape(intro),
        link_h = escape(link),
        button_h = escape(button),
        expiry_h = escape(expiry),
        not_you_h = escape(not_you),
    );
    Mail {
        to: to.to_owned(),
        subject: subject.to_owned(),
        text: plain,
        html,
        headers: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_token_shaped_input_reaches_the_store() {
        assert!(plausible(&"a".repeat(43)));
        assert!(plausible("AZaz09-_AZaz09-_AZaz09-_AZaz09-_AZaz09-_xyz"));
        assert!(!plausible(&"a".repeat(42)));
        assert!(!plausible(&format!("{}=", "a".repeat(42))));
        assert!(!plausible(""));
    }

    #[test]
    fn the_mail_links_to_the_confirm_page_and_speaks_to_whoever_did_not_sign() {
        let bundle = SiteBundle {
            base_url: "https://example.org".into(),
            language: "en".into(),
            ..SiteBundle::default()
        };
        let petition = Petition {
            id: "p".into(),
            title: "Free <them>".into(),
            addressee: "A".into(),
            goal: 1,
            opens: "2026-01-01".into(),
            closes: None,
            page: "/p/".into(),
            thank_you: "/p/thanks/".into(),
            confirm: true,
            check_inbox: Some("/p/inbox/".into()),
            milestones: Vec::new(),
        };
        let mail = confirmation_mail(&bundle, &petition, "ada@example.org", "tok");
        assert_eq!(mail.to, "ada@example.org");
        assert_eq!(mail.subject, "Confirm your signature: Free <them>");
        assert!(
            mail.text
                .contains("https://example.org/api/confirm?token=tok")
        );
        assert!(mail.text.contains("ignore this mail"));
        assert!(mail.text.contains("7 days"));
        assert!(
            mail.html
                .contains("href=\"https://example.org/api/confirm?token=tok\"")
        );
        assert!(mail.html.contains("Free &lt;them&gt;"));
    }
}
