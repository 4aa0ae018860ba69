//! What every API request and response gets: a deadline and the announced body size checked
//! before anything is read; security headers, cache rules and one log line.

use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, RawPathParams, Request, State};
use axum::http::{HeaderName, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse as _, Response};
use serde_json::json;

use super::lang::Asked;
use super::refusal::{Refusal, Subject};
use super::{AppState, BODY_LIMIT};

/// The longest a request may take, store calls included, before it is answered 503 with
/// `Retry-After`: below the Lambda function's timeout (10 s, `infra/template.yaml`), so a
/// stalled store never turns into the platform's bare 5xx. The DynamoDB client's own
/// timeouts (`runtime::sdk_timeouts`) are shorter still.
pub(crate) const REQUEST_DEADLINE: Duration = Duration::from_secs(8);

/// Refuses a body announced over [`BODY_LIMIT`] at once (413, before a client waiting on
/// `Expect: 100-continue` sends it), and answers 503 with `Retry-After` when the handler has
/// not finished within [`REQUEST_DEADLINE`]. What a handler stored before the deadline stays
/// stored: signing again is answered as a repeat and counted once.
pub(crate) async fn bounds(
    State(state): State<AppState>,
    params: Result<RawPathParams, axum::extract::rejection::RawPathParamsRejection>,
    request: Request,
    next: Next,
) -> Response {
    // Only a refusal needs to know what the request was about: keep the lookup off the
    // path of the requests that pass.
    let route = request.extensions().get::<MatchedPath>().cloned();
    // The language the handler noted before the deadline, if it got that far.
    let asked = request.extensions().get::<Asked>().cloned();
    let subject = || {
        let route = route.as_ref().map_or("", MatchedPath::as_str);
        let petition = params
            .as_ref()
            .ok()
            .and_then(|p| p.iter().find(|(k, _)| *k == "id").map(|(_, v)| v));
        let site = state.site();
        let lang = asked.as_ref().and_then(Asked::get);
        Subject::of_route(site.local(lang.as_deref()), route, petition)
    };
    let announced = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if announced.is_some_and(|n| n > BODY_LIMIT as u64) {
        return Refusal::TooLarge(subject()).into_response();
    }
    match tokio::time::timeout(REQUEST_DEADLINE, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            super::log_failure(
                "deadline",
                format_args!("no answer within {REQUEST_DEADLINE:?}"),
            );
            Refusal::Unavailable(subject()).into_response()
        }
    }
}

/// The content security policy of every answer (the pages hold no inline script or style).
pub(super) const CONTENT_SECURITY_POLICY: &str =
    "default-src 'self'; form-action 'self'; frame-ancestors 'none'";

/// Adds the security headers and cache rules, and prints one JSON line per request to stdout:
/// `{"route","method","status","latency_ms"}`. The route is the matched template
/// (`/api/petitions/{id}/signatures`), never the raw path, query or any personal data.
pub(crate) async fn observe(req: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = req.method().clone();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |m| m.as_str().to_owned());
    let mut response = next.run(req).await;
    let headers = response.headers_mut();
    let fixed: [(HeaderName, &'static str); 4] = [
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
    ];
    for (name, value) in fixed {
        headers.insert(name, HeaderValue::from_static(value));
    }
    if method == Method::POST || !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    println!(
        "{}",
        json!({
            "route": route,
            "method": method.as_str(),
            "status": response.status().as_u16(),
            "latency_ms": (start.elapsed().as_secs_f64() * 1e6).round() / 1e3,
        })
    );
    response
}
