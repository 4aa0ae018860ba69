//! Double opt-in: the confirmation mail, `GET /api/confirm?token=…` (a page with one button,
//! which changes nothing, so a mail scanner that follows the link confirms nothing) and
//! `POST /api/confirm` (field `token`: confirms, then 303 to the thank-you page, or JSON
//! `200 {"status":"confirmed","count"}`).
//!
//! Confirming twice lands on the thank-you page again; an expired token (410) or an unknown one
//! (404) gets a page that leads back to the petition.
//!
//! The mail is in the signer's language; its link carries that language (`&lang=`, but for the
//! default one), so the page it opens is in it too, and that page's button posts it back.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use contract::api::{CONFIRM_FOR, CONFIRM_PATH, Form, TOKEN_FIELD, UPDATES_LIST};
use contract::bundle::Petition;
use contract::date::unix_seconds;
use contract::html::escape;
use serde_json::json;

use super::AppState;
use super::extract::Submission;
use super::lang::{LinkLang, Local};
use super::refusal::{Refusal, Subject, store_failure};
use super::reply::{self, Style};
use crate::mail::Mail;
use crate::protect::SignerKeys;
use crate::store::{ConfirmOutcome, RETENTION_SECS};

/// `GET`: the page with the button. Nothing is read or written.
pub(crate) async fn page(
    State(state): State<AppState>,
    LinkLang(lang): LinkLang,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, Refusal> {
    let token = query
        .get(TOKEN_FIELD)
        .filter(|t| plausible(t))
        .ok_or(Refusal::UnknownToken)?;
    let site = state.site();
    // The wording only: the token decides what is confirmed.
    let updates = query.get(CONFIRM_FOR).is_some_and(|v| v == "updates");
    let local = site.local(lang.as_deref());
    Ok(reply::private_page(local.confirm_page(token, updates)))
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
    let local = site.local(submission.lang());
    let petition = match outcome {
        ConfirmOutcome::Confirmed { petition } | ConfirmOutcome::AlreadyConfirmed { petition } => {
            petition
        }
        ConfirmOutcome::Expired { petition } => {
            return Err(Refusal::ExpiredToken {
                page: local.petition(&petition).map(|p| p.page.clone()),
            });
        }
        ConfirmOutcome::Unknown => return Err(Refusal::UnknownToken),
    };
    if petition == UPDATES_LIST {
        return Ok(updates_confirmed(submission.style, local));
    }
    let Some(petition) = local.petition(&petition) else {
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
fn updates_confirmed(style: Style, local: &Local) -> Response {
    let message = local.text("confirm_updates_done").to_owned();
    match style {
        Style::Json => reply::json(
            StatusCode::OK,
            &json!({ "status": "confirmed", "message": message }),
        ),
        Style::Form => {
            let notice = super::pages::Notice {
                title: local.text("thanks_title").to_owned(),
                message,
                link: Some((local.home(), local.text("link_home").to_owned())),
            };
            reply::private_page(local.notice_page(&notice))
        }
    }
}

/// The confirmation mail of the campaign's updates list, in `local`'s language.
pub(crate) fn updates_confirmation_mail(local: &Local, to: &str, token: &str) -> Mail {
    let link = format!(
        "{}{CONFIRM_PATH}?{TOKEN_FIELD}={token}&{CONFIRM_FOR}=updates{}",
        local.bundle.base_url,
        local.link_param()
    );
    message_with_link(
        local,
        to,
        MailWords {
            subject: local.text("mail_updates_subject").to_owned(),
            intro: local.text("mail_updates_intro").to_owned(),
            link,
            button: local.text("confirm_updates_button").to_owned(),
            expiry: local.text("mail_confirm_expiry").to_owned(),
            not_you: local.text("mail_updates_not_you").to_owned(),
        },
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

/// The confirmation mail for `petition` (as `local` names it), in plain text and HTML, in
/// `local`'s language.
pub(crate) fn confirmation_mail(local: &Local, petition: &Petition, to: &str, token: &str) -> Mail {
    let text = |key| local.format(key, &[("petition", &petition.title)]);
    let link = format!(
        "{}{CONFIRM_PATH}?{TOKEN_FIELD}={token}{}",
        local.bundle.base_url,
        local.link_param()
    );
    message_with_link(
        local,
        to,
        MailWords {
            subject: text("mail_confirm_subject"),
            intro: text("mail_confirm_intro"),
            link,
            button: text("confirm_button"),
            expiry: text("mail_confirm_expiry"),
            not_you: text("mail_confirm_not_you"),
        },
    )
}

/// The lines of a confirmation mail.
struct MailWords {
    subject: String,
    intro: String,
    link: String,
    /// The link's text in HTML.
    button: String,
    expiry: String,
    /// For whoever did not ask for it.
    not_you: String,
}

/// A confirmation mail: the intro, the link (a button in HTML), the expiry and the words for
/// whoever did not ask for it, as plain text and HTML.
fn message_with_link(local: &Local, to: &str, words: MailWords) -> Mail {
    let MailWords {
        subject,
        intro,
        link,
        button,
        expiry,
        not_you,
    } = words;
    let plain = format!("{intro}\n\n{link}\n\n{expiry}\n\n{not_you}\n");
    let html = format!(
        "<!doctype html>\n<html lang=\"{lang}\"><head><meta charset=\"utf-8\"><title>{subject_h}</title></head><body>\
         <p>{intro_h}</p><p><a href=\"{link_h}\">{button_h}</a></p><p>{expiry_h}</p><p>{not_you_h}</p></body></html>\n",
        lang = escape(local.lang()),
        subject_h = escape(&subject),
        intro_h = escape(&intro),
        link_h = escape(&link),
        button_h = escape(&button),
        expiry_h = escape(&expiry),
        not_you_h = escape(&not_you),
    );
    Mail {
        to: to.to_owned(),
        subject,
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

    fn petition() -> Petition {
        Petition {
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
        }
    }

    #[test]
    fn the_mail_links_to_the_confirm_page_and_speaks_to_whoever_did_not_sign() {
        let bundle = contract::bundle::SiteBundle {
            base_url: "https://example.org".into(),
            language: "en".into(),
            ..contract::bundle::SiteBundle::default()
        };
        let local = Local::new(&bundle, "en");
        let mail = confirmation_mail(&local, &petition(), "ada@example.org", "tok");
        assert_eq!(mail.to, "ada@example.org");
        assert_eq!(mail.subject, "Confirm your signature: Free <them>");
        assert!(
            mail.text
                .contains("https://example.org/api/confirm?token=tok\n")
        );
        assert!(mail.text.contains("ignore this mail"));
        assert!(mail.text.contains("7 days"));
        assert!(
            mail.html
                .contains("href=\"https://example.org/api/confirm?token=tok\"")
        );
        assert!(mail.html.contains("Free &lt;them&gt;"));
        assert!(mail.html.contains(">Confirm my signature</a>"));
    }

    #[test]
    fn a_mail_in_french_links_to_the_page_in_french() {
        let bundle = crate::http::tests::french_bundle();
        let local = Local::new(&bundle, "fr");
        let petition = local.petition("confirm-me").cloned().expect("a petition");
        let mail = confirmation_mail(&local, &petition, "ada@example.org", "tok");
        assert_eq!(
            mail.subject,
            "Confirmez votre signature : Confirm the prisoners' freedom (fr)"
        );
        assert!(
            mail.text
                .starts_with("Merci d’avoir signé « Confirm the prisoners' freedom (fr) ».")
        );
        assert!(
            mail.text
                .contains("https://example.org/api/confirm?token=tok&lang=fr\n"),
            "{}",
            mail.text
        );
        assert!(mail.html.starts_with("<!doctype html>\n<html lang=\"fr\">"));
        assert!(
            mail.html
                .contains("token=tok&amp;lang=fr\">Confirmer ma signature</a>")
        );
        // What French lacks reads in English.
        assert!(mail.text.contains("The link works for 7 days."));
        let updates = updates_confirmation_mail(&local, "ada@example.org", "tok");
        assert!(
            updates
                .text
                .contains("/api/confirm?token=tok&for=updates&lang=fr\n")
        );
    }
}
