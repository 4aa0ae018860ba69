//! Every way the API says no, in one type that renders itself in the client's style: a JSON
//! body for scripts (`{"message"}`, or `{"errors":[…]}` for invalid fields), a themed page for
//! plain form posts.
//!
//! Handlers return `Err(Refusal)`; the response carries it to [`render`], a layer that knows
//! the request's style, its language and the current site, and turns it into the final answer.
//! Which words each kind and subject gets is chosen here, once; the words themselves are the
//! theme's strings, in the request's language (`crate::words`).

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use contract::bundle::Petition;
use serde_json::json;

use super::AppState;
use super::lang::{Asked, ErrorView, Local};
use super::pages::{FormValues, LetterValues, Notice};
use super::reply::{self, Style};
use crate::domain::FieldError;
use crate::fair::Over;

/// What a refused request was about: decides the wording and the way back.
#[derive(Debug, Clone)]
pub(crate) enum Subject {
    /// A signature, with its petition's page.
    Signature { page: String },
    /// A letter, with the letter page.
    Letter { page: String },
    /// A reported outcome, with the letter page.
    Action { page: String },
    /// Reading a count.
    Count,
    /// Confirming a signature.
    Confirmation,
    /// Stopping updates.
    Unsubscribe,
}

impl Subject {
    /// What a request to `route` (a template of `contract::api::route`) is about, for a
    /// refusal made before its handler runs (a deadline, an announced body over the limit).
    pub(crate) fn of_route(local: &Local, route: &str, petition: Option<&str>) -> Self {
        use contract::api::route;
        let letter_page = || {
            local
                .bundle
                .letter
                .as_ref()
                .map_or_else(|| local.home(), |l| l.page.clone())
        };
        match route {
            route::SIGNATURES => Self::Signature {
                page: petition
                    .and_then(|id| local.petition(id))
                    .map_or_else(|| local.home(), |p| p.page.clone()),
            },
            route::LETTERS => Self::Letter {
                page: letter_page(),
            },
            route::ACTIONS => Self::Action {
                page: letter_page(),
            },
            route::CONFIRM => Self::Confirmation,
            route::UNSUBSCRIBE => Self::Unsubscribe,
            _ => Self::Count,
        }
    }
}

/// A form to show again, with what the visitor typed.
#[derive(Debug, Clone)]
pub(crate) enum Refill {
    /// The signature form.
    Signature {
        petition: Box<Petition>,
        today: String,
        values: Box<FormValues>,
    },
    /// The letter form.
    Letter { values: Box<LetterValues> },
}

/// A refusal.
#[derive(Debug, Clone)]
pub(crate) enum Refusal {
    /// A body that is neither a form post nor JSON (415).
    UnsupportedType,
    /// No such petition (404).
    NoPetition,
    /// The letter campaign is off (404).
    NoLetters,
    /// No route at this path (404; standalone server only).
    NoRoute,
    /// A known path with another method (405; axum adds `Allow`).
    WrongMethod,
    /// The body is over the limit (413).
    TooLarge(Subject),
    /// The body could not be read, or is not a JSON object (400).
    Unreadable {
        subject: Subject,
        detail: Option<String>,
    },
    /// The petition is not open today (409).
    Closed {
        petition: Box<Petition>,
        today: String,
    },
    /// Fields that are not valid (422): the form again (when there is one to show), or
    /// `{"errors"}`.
    Invalid {
        refill: Option<Refill>,
        errors: Vec<FieldError>,
    },
    /// The store is busy or unreachable, or the request ran past its deadline (503 with
    /// `Retry-After`); sending again is safe (a repeated signature is counted once).
    Unavailable(Subject),
    /// A fault on our side (500); nothing was saved.
    Internal(Subject),
    /// The confirmation mail could not be sent (503 with a longer `Retry-After`); the
    /// signature waits, uncounted, and signing again later sends a new mail.
    MailFailed(Subject),
    /// An unsubscribe token that is not one of ours (404).
    BadUnsubscribe,
    /// A POST from another site's page (403): no other site may sign for a visitor.
    CrossSite,
    /// A request that went around the CDN to the API's own address (403).
    Bypass,
    /// A confirmation token that is not (or no longer) known (404).
    UnknownToken,
    /// A confirmation token whose signature waited more than 7 days (410), with its
    /// petition's page when the site still has it.
    ExpiredToken { page: Option<String> },
    /// The client is over its limit for this action (429 with `Retry-After` and a
    /// proof-of-work challenge), with the form to send again once the wait is over.
    Limited {
        subject: Subject,
        over: Box<Over>,
        refill: Option<Refill>,
    },
    /// The operator paused signing of this petition (503).
    Paused {
        page: String,
        message: Option<String>,
    },
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let mut response = self.status().into_response();
        response.extensions_mut().insert(self);
        response
    }
}

/// The layer that renders refusals in the request's style and language with the current
/// site. The language is known only once the request is read (its body's `lang` field, a
/// link's `lang` parameter): whatever reads it notes it in the [`Asked`] this layer puts in the
/// request's extensions.
pub(crate) async fn render(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    // A body's type decides; without one (a link followed), a browser asking for HTML gets
    // a page.
    let style = Style::of(request.headers()).or_else(|| {
        request
            .headers()
            .get(axum::http::header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .filter(|accept| accept.contains("text/html"))
            .map(|_| Style::Form)
    });
    let asked = Asked::default();
    request.extensions_mut().insert(asked.clone());
    let mut response = next.run(request).await;
    let Some(refusal) = response.extensions_mut().remove::<Refusal>() else {
        return response;
    };
    let (mut parts, _) = response.into_parts();
    let site = state.site();
    let answer = refusal.answer(style, site.local(asked.get().as_deref()));
    let (answer_parts, body) = answer.into_parts();
    parts.status = answer_parts.status;
    // Keep what the router set (`Allow` on a 405); take the body's own headers.
    parts.headers.extend(answer_parts.headers);
    Response::from_parts(parts, body)
}

impl Refusal {
    fn status(&self) -> StatusCode {
        match self {
            Self::UnsupportedType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::NoPetition | Self::NoLetters | Self::NoRoute => StatusCode::NOT_FOUND,
            Self::WrongMethod => StatusCode::METHOD_NOT_ALLOWED,
            Self::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Unreadable { .. } => StatusCode::BAD_REQUEST,
            Self::Closed { .. } => StatusCode::CONFLICT,
            Self::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Unavailable(_) | Self::MailFailed(_) | Self::Paused { .. } => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            Self::Limited { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            Self::UnknownToken => StatusCode::NOT_FOUND,
            Self::CrossSite | Self::Bypass => StatusCode::FORBIDDEN,
            Self::BadUnsubscribe => StatusCode::NOT_FOUND,
            Self::ExpiredToken { .. } => StatusCode::GONE,
        }
    }

    /// The whole answer in `local`'s language: a themed page for a form post (where a person
    /// can act on it), JSON otherwise.
    fn answer(self, style: Option<Style>, local: &Local) -> Response {
        let status = self.status();
        let retry = match &self {
            Self::Unavailable(_) => Some("5".to_owned()),
            Self::MailFailed(_) => Some("300".to_owned()),
            Self::Paused { .. } => Some("600".to_owned()),
            Self::Limited { over, .. } => Some(over.retry_after.max(1).to_string()),
            _ => None,
        };
        let response = match (self, style) {
            (
                Self::Limited {
                    subject,
                    over,
                    refill,
                },
                Some(Style::Form),
            ) => {
                let notice = Self::Limited {
                    subject: subject.clone(),
                    over: over.clone(),
                    refill: None,
                }
                .notice(local);
                let html = match refill.as_ref().and_then(|r| resend(r, local)) {
                    Some((action, fields)) => {
                        local.resend_page(&notice, &action, &fields, &over.challenge)
                    }
                    None => local.notice_page(&notice),
                };
                (status, Html(html)).into_response()
            }
            (Self::Limited { subject, over, .. }, Some(Style::Json) | None) => {
                let message = Self::Limited {
                    subject,
                    over: over.clone(),
                    refill: None,
                }
                .message(local);
                reply::json(
                    status,
                    &json!({
                        "message": message,
                        "retry_after": over.retry_after,
                        "challenge": over.challenge,
                    }),
                )
            }
            (Self::Invalid { errors, .. }, Some(Style::Json) | None)
            | (
                Self::Invalid {
                    refill: None,
                    errors,
                },
                _,
            ) => reply::json(status, &json!({ "errors": local.errors(&errors) })),
            (
                Self::Invalid {
                    refill: Some(refill),
                    errors,
                },
                Some(Style::Form),
            ) => {
                let html = match refill {
                    Refill::Signature {
                        petition,
                        today,
                        values,
                    } => local.form_page(&petition, &today, &values, &errors),
                    Refill::Letter { values } => match &local.bundle.letter {
                        Some(campaign) => local.letter_form_page(campaign, &values, &errors),
                        None => return Self::NoLetters.answer(style, local),
                    },
                };
                (status, Html(html)).into_response()
            }
            (refusal, Some(Style::Form)) if refusal.has_page() => {
                let notice = refusal.notice(local);
                (status, Html(local.notice_page(&notice))).into_response()
            }
            (refusal, _) => match refusal.field_error() {
                Some((field, code)) => {
                    let error = ErrorView {
                        field,
                        code,
                        message: refusal.message(local),
                    };
                    reply::json(status, &json!({ "errors": [error] }))
                }
                None => reply::message(status, &refusal.message(local)),
            },
        };
        match retry {
            Some(seconds) => reply::retry_after(response, &seconds),
            None => response,
        }
    }

    /// The field and code of a refusal a script is answered as a field error (`{"errors"}`,
    /// its message the notice's): a form from another site, a link's token.
    pub(super) fn field_error(&self) -> Option<(&'static str, &'static str)> {
        use contract::api::TOKEN_FIELD;
        match self {
            Self::CrossSite => Some(("origin", "cross_site")),
            Self::UnknownToken => Some((TOKEN_FIELD, "token_unknown")),
            Self::ExpiredToken { .. } => Some((TOKEN_FIELD, "token_expired")),
            Self::BadUnsubscribe => Some((TOKEN_FIELD, "unsubscribe_invalid")),
            _ => None,
        }
    }

    /// Whether a person posting a form gets a page (the others are answers to scripts or to
    /// requests no form makes).
    fn has_page(&self) -> bool {
        !matches!(
            self,
            Self::UnsupportedType
                | Self::NoRoute
                | Self::WrongMethod
                | Self::Unreadable { .. }
                | Self::Bypass
        )
    }

    /// The JSON message: what happened and what to do. The answers to requests no form makes
    /// (a wrong content type, method or path, malformed JSON, a call around the CDN) are for
    /// the developers of scripts and stay in English here; every other is the notice's words.
    fn message(&self, local: &Local) -> String {
        match self {
            Self::UnsupportedType => "Send the form as application/x-www-form-urlencoded (a plain HTML form) or as application/json, encoded in UTF-8 (no other charset).".into(),
            Self::NoRoute => format!(
                "There is nothing at this address. The API's routes are {}.",
                contract::api::route::ALL.join(", ")
            ),
            Self::WrongMethod => "This address does not accept that method: see the Allow header for the ones it accepts.".into(),
            Self::Bypass => "This API answers only requests that come through the site's own address. Send the request to the site's /api/ path instead of this host.".into(),
            Self::Unreadable { subject, detail } => {
                let example = match subject {
                    Subject::Letter { .. } => "an object with name, email, street, city, state, zip, message and consent",
                    _ => "an object such as {\"name\": \"Ada Lovelace\", \"email\": \"ada@example.org\", \"country\": \"GB\", \"consent\": true}",
                };
                match detail {
                    Some(detail) => format!("The request body is not valid JSON ({detail}). Send {example}."),
                    None => "The request body could not be read. Send the form again.".into(),
                }
            }
            other => other.notice(local).message,
        }
    }

    /// The notice a person sees, in `local`'s language.
    pub(super) fn notice(&self, local: &Local) -> Notice {
        let text = |key| local.text(key).to_owned();
        let link = |url: String, key| Some((url, text(key)));
        let home = || link(local.home(), "link_home");
        let back = |subject: &Subject| match subject {
            Subject::Signature { page } => link(page.clone(), "link_petition"),
            Subject::Letter { page } | Subject::Action { page } => {
                link(page.clone(), "link_letter")
            }
            Subject::Count | Subject::Confirmation | Subject::Unsubscribe => None,
        };
        let notice = |title, message: String, link| Notice {
            title: text(title),
            message,
            link,
        };
        match self {
            Self::NoPetition => notice(
                "refusal_no_petition_title",
                text("refusal_no_petition_text"),
                home(),
            ),
            Self::NoLetters => notice(
                "refusal_no_letters_title",
                text("refusal_no_letters_text"),
                home(),
            ),
            Self::TooLarge(subject) => {
                let (title, message) = match subject {
                    Subject::Letter { .. } => (
                        "refusal_too_large_letter_title",
                        "refusal_too_large_letter_text",
                    ),
                    _ => (
                        "refusal_too_large_signature_title",
                        "refusal_too_large_signature_text",
                    ),
                };
                notice(title, text(message), back(subject))
            }
            Self::Closed { petition, today } => {
                let (title, message) = if today.as_str() < petition.opens.as_str() {
                    (
                        "refusal_not_open_title",
                        local.format(
                            "refusal_not_open_text",
                            &[("date", &local.date(&petition.opens))],
                        ),
                    )
                } else {
                    let date = petition
                        .closes
                        .as_deref()
                        .map_or_else(|| text("refusal_closed_earlier"), |d| local.date(d));
                    (
                        "refusal_closed_title",
                        local.format("refusal_closed_text", &[("date", &date)]),
                    )
                };
                notice(title, message, link(petition.page.clone(), "link_petition"))
            }
            Self::Unavailable(subject) => notice(
                "refusal_busy_title",
                text(match subject {
                    Subject::Signature { .. } => "refusal_busy_signature",
                    Subject::Letter { .. } => "refusal_busy_letter",
                    Subject::Action { .. } => "refusal_busy_action",
                    Subject::Count => "refusal_busy_count",
                    Subject::Confirmation => "refusal_busy_confirmation",
                    Subject::Unsubscribe => "refusal_busy_unsubscribe",
                }),
                back(subject),
            ),
            Self::Internal(subject) => notice(
                "refusal_fault_title",
                text(match subject {
                    Subject::Signature { .. } => "refusal_fault_signature",
                    Subject::Letter { .. } => "refusal_fault_letter",
                    Subject::Action { .. } => "refusal_fault_action",
                    Subject::Count => "refusal_fault_count",
                    Subject::Confirmation => "refusal_fault_confirmation",
                    Subject::Unsubscribe => "refusal_fault_unsubscribe",
                }),
                back(subject),
            ),
            Self::MailFailed(subject) => notice(
                "refusal_mail_failed_title",
                text("refusal_mail_failed_text"),
                back(subject),
            ),
            Self::BadUnsubscribe => notice(
                "refusal_bad_unsubscribe_title",
                text("refusal_bad_unsubscribe_text"),
                home(),
            ),
            Self::CrossSite => notice(
                "refusal_cross_site_title",
                text("refusal_cross_site_text"),
                home(),
            ),
            Self::UnknownToken => notice(
                "refusal_unknown_token_title",
                text("refusal_unknown_token_text"),
                home(),
            ),
            Self::ExpiredToken { page } => notice(
                "refusal_expired_token_title",
                text("refusal_expired_token_text"),
                page.as_ref()
                    .map_or_else(home, |p| link(p.clone(), "link_sign_again")),
            ),
            Self::Limited { subject, over, .. } => {
                let minutes = over.retry_after.max(1).unsigned_abs().div_ceil(60);
                let wait = local
                    .words()
                    .count(minutes, "wait_minutes_one", "wait_minutes_other");
                let key = match subject {
                    Subject::Letter { .. } => "refusal_limited_letter",
                    Subject::Action { .. } => "refusal_limited_action",
                    _ => "refusal_limited_signature",
                };
                let message = local.format(
                    key,
                    &[("wait", &wait), ("button", local.text("resend_button"))],
                );
                notice("refusal_limited_title", message, back(subject))
            }
            Self::Paused { page, message } => notice(
                "refusal_paused_title",
                match message {
                    // The operator's own words, as they wrote them.
                    Some(why) => local.format("refusal_paused_why_text", &[("why", why)]),
                    None => text("refusal_paused_text"),
                },
                link(page.clone(), "link_petition"),
            ),
            Self::Invalid { .. } => {
                notice("refusal_invalid_title", text("refusal_invalid_text"), None)
            }
            Self::UnsupportedType
            | Self::NoRoute
            | Self::WrongMethod
            | Self::Unreadable { .. }
            | Self::Bypass => notice("refusal_other_title", self.message(local), home()),
        }
    }
}

/// Where the wait page's form sends again, and what (in the language it was sent in).
fn resend(refill: &Refill, local: &Local) -> Option<(String, Vec<(&'static str, String)>)> {
    let (action, mut fields) = match refill {
        Refill::Signature {
            petition, values, ..
        } => (
            contract::api::signatures_path(&petition.id),
            values.fields(),
        ),
        Refill::Letter { values } => {
            local.bundle.letter.as_ref()?;
            (contract::api::LETTERS_PATH.to_owned(), values.fields())
        }
    };
    fields.push((contract::api::LANG_FIELD, local.lang().to_owned()));
    Some((action, fields))
}

/// Logs a store failure for the operator and refuses with the right kind: 503 when it may pass.
pub(crate) fn store_failure(subject: Subject, e: &crate::store::StoreError) -> Refusal {
    if e.is_transient() {
        reply::log_failure("store_unavailable", reply::chain(e));
        Refusal::Unavailable(subject)
    } else {
        reply::log_failure("store", reply::chain(e));
        Refusal::Internal(subject)
    }
}

/// Logs a fault on our side for the operator and refuses with 500; nothing was saved.
pub(crate) fn fault(subject: &Subject, event: &str, detail: &dyn std::fmt::Display) -> Refusal {
    reply::log_failure(event, detail);
    Refusal::Internal(subject.clone())
}

/// 405 for a known path with another method.
pub(crate) async fn wrong_method() -> Refusal {
    Refusal::WrongMethod
}

/// 404 for any other path (standalone server and Lambda only).
pub(crate) async fn no_route() -> Refusal {
    Refusal::NoRoute
}
