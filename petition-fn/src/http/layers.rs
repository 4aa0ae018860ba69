//! What every API response gets: security headers, cache rules and one log line.

use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderName, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::Response;
use serde_json::json;

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
