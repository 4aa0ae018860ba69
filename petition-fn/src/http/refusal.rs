//! Every way the API says no, in one type that renders itself in the client's style: a JSON
//! body for scripts (`{"message"}`, or `{"errors":[…]}` for invalid fields), a themed page for
//! plain form posts.
//!
//! Handlers return `Err(Refusal)`; the response carries it to [`render`], a layer that knows
//! the request's style and the current site, and turns it into the final answer. Wording lives
//! here, once per kind and subject.

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use contract::bundle::Petition;
use serde_json::json;

use super::pages::{FormValues, LetterValues, Notice};
use super::reply::{self, Style};
use super::{AppState, Site};
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
    pub(crate) fn of_route(site: &Site, route: &str, petition: Option<&str>) -> Self {
        use contract::api::route;
        let letter_page = || {
            site.bundle
                .letter
                .as_ref()
                .map_or_else(|| "/".to_owned(), |l| l.page.clone())
        };
        match route {
            route::SIGNATURES => Self::Signature {
                page: petition
                    .and_then(|id| site.bundle.petition(id))
                    .map_or_else(|| "/".to_owned(), |p| p.page.clone()),
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

/// The layer that renders refusals in the request's style with the current site.
pub(crate) async fn render(
    State(state): State<AppState>,
    request: Request,
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
    let mut response = next.run(request).await;
    let Some(refusal) = response.extensions_mut().remove::<Refusal>() else {
        return response;
    };
    let (mut parts, _) = response.into_parts();
    let answer = refusal.answer(style, &state.site());
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

    /// The whole answer: a themed page for a form post (where a person can act on it), JSON
    /// otherwise.
    fn answer(self, style: Option<Style>, site: &Site) -> Response {
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
                .notice();
                let html = match refill.as_ref().and_then(|r| resend(r, site)) {
                    Some((action, fields)) => site.pages.resend_page(
                        &site.bundle,
                        &notice,
                        &action,
                        &fields,
                        &over.challenge,
                    ),
                    None => site.pages.notice_page(&site.bundle, &notice),
                };
                (status, Html(html)).into_response()
            }
            (Self::Limited { subject, over, .. }, Some(Style::Json) | None) => {
                let message = Self::Limited {
                    subject,
                    over: over.clone(),
                    refill: None,
                }
                .message();
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
            ) => reply::json(status, &json!({ "errors": errors })),
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
                    } => site
                        .pages
                        .form_page(&site.bundle, &petition, &today, &values, &errors),
                    Refill::Letter { values } => match &site.bundle.letter {
                        Some(campaign) => {
                            site.pages
                                .letter_form_page(&site.bundle, campaign, &values, &errors)
                        }
                        None => return Self::NoLetters.answer(style, site),
                    },
                };
                (status, Html(html)).into_response()
            }
            (refusal, Some(Style::Form)) if refusal.has_page() => {
                let notice = refusal.notice();
                (status, Html(site.pages.notice_page(&site.bundle, &notice))).into_response()
            }
            (Self::CrossSite, Some(Style::Json) | None) => reply::json(
                status,
                &json!({ "errors": [{ "field": "origin", "message": Self::CrossSite.message() }] }),
            ),
            (
                refusal @ (Self::UnknownToken | Self::ExpiredToken { .. } | Self::BadUnsubscribe),
                _,
            ) => reply::json(
                status,
                &json!({ "errors": [{ "field": contract::api::TOKEN_FIELD, "message": refusal.message() }] }),
            ),
            (refusal, _) => reply::message(status, &refusal.message()),
        };
        match retry {
            Some(seconds) => reply::retry_after(response, &seconds),
            None => response,
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

    /// The JSON message: what happened and what to do.
    fn message(&self) -> String {
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
            other => other.notice().message,
        }
    }

    /// The notice a person sees.
    fn notice(&self) -> Notice {
        let home = || Some(("/".to_owned(), "Go to the home page"));
        let back = |subject: &Subject| match subject {
            Subject::Signature { page } => Some((page.clone(), "Back to the petition")),
            Subject::Letter { page } | Subject::Action { page } => {
                Some((page.clone(), "Back to the letter"))
            }
            Subject::Count | Subject::Confirmation | Subject::Unsubscribe => None,
        };
        match self {
            Self::NoPetition => Notice {
                title: "Petition not found",
                message: "There is no petition at this address. Check the link, or find the campaign's petitions from the home page.".into(),
                link: home(),
            },
            Self::NoLetters => Notice {
                title: "Letters to senators are closed",
                message: "This site is not collecting letters to senators at the moment: the letter campaign has ended or is not set up. Nothing was sent or kept. You can still support the campaign from the home page.".into(),
                link: home(),
            },
            Self::TooLarge(subject) => Notice {
                title: match subject {
                    Subject::Letter { .. } => "Your letter could not be sent",
                    _ => "Your signature could not be sent",
                },
                message: match subject {
                    Subject::Letter { .. } => "The form sent is larger than 8 KiB. Go back, shorten your letter, and send it again.",
                    _ => "The form sent is larger than 8 KiB, far more than a signature needs. Go back, shorten what you typed, and send it again.",
                }
                .into(),
                link: back(subject),
            },
            Self::Closed { petition, today } => {
                let (title, message) = if today.as_str() < petition.opens.as_str() {
                    (
                        "This petition is not open yet",
                        format!("This petition opens on {}: it does not accept signatures before then.", petition.opens),
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
                Notice {
                    title,
                    message,
                    link: Some((petition.page.clone(), "Back to the petition")),
                }
            }
            Self::Unavailable(subject) => Notice {
                title: "Please try again in a moment",
                message: match subject {
                    Subject::Signature { .. } => "We could not record your signature just now because our signature store is busy. Go back and send the form again in a few seconds: a signature sent twice is counted once.",
                    Subject::Letter { .. } => "We could not prepare your letter just now because our store is busy. Go back and send the form again in a few seconds.",
                    Subject::Action { .. } => "We could not count what you did just now because our store is busy. Go back and press the button again in a few seconds.",
                    Subject::Count => "The signature count is unavailable for a moment. Try again in a few seconds.",
                    Subject::Confirmation => "We could not confirm your signature just now because our signature store is busy. Nothing changed: go back and press the button again in a few seconds.",
                    Subject::Unsubscribe => "We could not delete your address just now because our store is busy. Go back and press the button again in a few seconds.",
                }
                .into(),
                link: back(subject),
            },
            Self::Internal(subject) => Notice {
                title: "Something went wrong",
                message: match subject {
                    Subject::Signature { .. } => "Something went wrong on our side and your signature was not recorded. Please try again later.",
                    Subject::Letter { .. } => "Something went wrong on our side and your letter was not prepared. Please try again later.",
                    Subject::Action { .. } => "Something went wrong on our side and what you did was not counted. Please try again later.",
                    Subject::Count => "The signature count could not be read because of a problem on our side.",
                    Subject::Confirmation => "Something went wrong on our side and your signature was not confirmed. Please follow the link in the mail again later.",
                    Subject::Unsubscribe => "Something went wrong on our side and your address was not deleted. Please follow the link in the mail again later.",
                }
                .into(),
                link: back(subject),
            },
            Self::MailFailed(subject) => Notice {
                title: "We could not send your confirmation mail",
                message: "Your signature is not counted yet: it needs the confirmation mail, and we could not send it just now. Please sign again in a few minutes; we will then send the mail.".into(),
                link: back(subject),
            },
            Self::BadUnsubscribe => Notice {
                title: "This unsubscribe link is not valid",
                message: "We cannot tell whose address this link is for: it may have been copied incompletely. Nothing was changed. Follow the link from one of our mails again, or write to the address in the privacy notice.".into(),
                link: home(),
            },
            Self::CrossSite => Notice {
                title: "This form was sent from another website",
                message: "Only this site's own pages may send its forms, so that no other website can sign or write in your name. Nothing was recorded. If you want to take part, open the form on this site and send it from there.".into(),
                link: home(),
            },
            Self::UnknownToken => Notice {
                title: "This confirmation link is not valid",
                message: "We do not know this link: it may have been copied incompletely, or it expired more than a few days ago. Nothing was changed. To sign, fill in the petition form again and follow the link in the new mail.".into(),
                link: home(),
            },
            Self::ExpiredToken { page } => Notice {
                title: "This confirmation link has expired",
                message: "Confirmation links work for 7 days, and this one is older: the unconfirmed signature has been deleted. Sign again and follow the link in the new mail within 7 days.".into(),
                link: page.as_ref().map_or_else(home, |p| Some((p.clone(), "Sign the petition again"))),
            },
            Self::Limited { subject, over, .. } => {
                let minutes = (over.retry_after.max(1) + 59) / 60;
                let wait = if minutes == 1 {
                    "a minute".to_owned()
                } else {
                    format!("{minutes} minutes")
                };
                let what = match subject {
                    Subject::Letter { .. } => "letters",
                    Subject::Action { .. } => "reports of letters and calls",
                    _ => "signatures",
                };
                Notice {
                    title: "Please wait a little",
                    message: format!(
                        "Many {what} have come from your connection in the last hour (a shared network, or someone misusing it), so we are holding this one back for now. Nothing is lost: wait {wait}, then press \"Send again\" below. With JavaScript on, this page's form would have sent it again for you at once."
                    ),
                    link: back(subject),
                }
            }
            Self::Paused { page, message } => Notice {
                title: "Signing is paused",
                message: match message {
                    Some(why) => format!("The campaign has paused signing for a while: {why} Nothing was recorded. The petition and its count are still here; please come back later and sign then."),
                    None => "The campaign has paused signing for a while. Nothing was recorded. The petition and its count are still here; please come back later and sign then.".to_owned(),
                },
                link: Some((page.clone(), "Back to the petition")),
            },
            Self::Invalid { .. } => Notice {
                title: "Please correct the form",
                message: "Some fields need correcting.".into(),
                link: None,
            },
            Self::UnsupportedType
            | Self::NoRoute
            | Self::WrongMethod
            | Self::Unreadable { .. }
            | Self::Bypass => Notice {
                title: "This request cannot be answered",
                message: self.message(),
                link: home(),
            },
        }
    }
}

/// Where the wait page's form sends again, and what.
fn resend(refill: &Refill, site: &Site) -> Option<(String, Vec<(&'static str, String)>)> {
    match refill {
        Refill::Signature {
            petition, values, ..
        } => Some((
            contract::api::signatures_path(&petition.id),
            values.fields(),
        )),
        Refill::Letter { values } => site
            .bundle
            .letter
            .as_ref()
            .map(|_| (contract::api::LETTERS_PATH.to_owned(), values.fields())),
    }
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
