//! Building answers: the client's style, JSON bodies, the operator's failure log.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// How the client wants its answer, decided by the request's content type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Style {
    /// `application/x-www-form-urlencoded`: a browser without script; answer with pages and
    /// redirects.
    Form,
    /// `application/json` (or `+json`): answer JSON.
    Json,
}

impl Style {
    /// The style of a request body; `None` for any other content type (415).
    pub(crate) fn of(headers: &HeaderMap) -> Option<Self> {
        let value = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
        let mut parts = value.split(';');
        let essence = parts.next()?.trim().to_ascii_lowercase();
        // Forms and JSON are read as UTF-8 only: another charset is refused, not misread.
        let foreign = parts.filter_map(|p| p.split_once('=')).any(|(k, v)| {
            k.trim().eq_ignore_ascii_case("charset")
                && !matches!(
                    v.trim().trim_matches('"').to_ascii_lowercase().as_str(),
                    "utf-8" | "utf8"
                )
        });
        if foreign {
            return None;
        }
        match essence.as_str() {
            "application/x-www-form-urlencoded" => Some(Self::Form),
            "application/json" => Some(Self::Json),
            e if e.starts_with("application/") && e.ends_with("+json") => Some(Self::Json),
            _ => None,
        }
    }
}

/// A JSON answer.
pub(crate) fn json(status: StatusCode, body: &impl serde::Serialize) -> Response {
    (status, axum::Json(body)).into_response()
}

/// A JSON `{"message"}` answer.
pub(crate) fn message(status: StatusCode, text: &str) -> Response {
    json(status, &json!({ "message": text }))
}

/// A page behind a link that carries a token: kept out of every cache.
pub(crate) fn private_page(html: String) -> Response {
    let mut response = (StatusCode::OK, axum::response::Html(html)).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// Public data (counts only, no credentials): cacheable as `cache_control` says, and readable
/// by any site (a partner's own counter or chart), so `Access-Control-Allow-Origin: *` is safe.
pub(crate) fn public_data(mut response: Response, cache_control: &'static str) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(cache_control),
    );
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    response
}

/// Asks the client to come back in a few seconds (503).
pub(crate) fn retry_later(response: Response) -> Response {
    retry_after(response, "5")
}

/// Asks the client to come back after `seconds`.
pub(crate) fn retry_after(mut response: Response, seconds: &str) -> Response {
    if let Ok(value) = HeaderValue::from_str(seconds) {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    response
}

/// Logs a server-side failure (no personal data: store errors carry none) for the operator.
pub(crate) fn log_failure(event: &str, detail: impl std::fmt::Display) {
    eprintln!("{}", failure_line(event, detail));
}

/// The JSON log line of a failure, its detail cut to [`MAX_DETAIL`] bytes.
fn failure_line(event: &str, detail: impl std::fmt::Display) -> String {
    let mut detail = detail.to_string();
    if detail.len() > MAX_DETAIL {
        let cut = (0..=MAX_DETAIL)
            .rev()
            .find(|&i| detail.is_char_boundary(i))
            .unwrap_or(0);
        detail.truncate(cut);
        detail.push('…');
    }
    json!({"level": "error", "event": event, "detail": detail}).to_string()
}

/// The longest detail a log line carries: an error chain from a dependency is bounded.
const MAX_DETAIL: usize = 2048;

/// An error with the chain of its sources, for the operator's log.
pub(crate) fn chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(ct: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        if let Ok(v) = HeaderValue::from_str(ct) {
            h.insert(header::CONTENT_TYPE, v);
        }
        h
    }

    #[test]
    fn style_follows_content_type() {
        assert_eq!(
            Style::of(&headers("application/x-www-form-urlencoded")),
            Some(Style::Form)
        );
        assert_eq!(
            Style::of(&headers("Application/JSON; charset=utf-8")),
            Some(Style::Json)
        );
        assert_eq!(
            Style::of(&headers("application/merge-patch+json")),
            Some(Style::Json)
        );
        assert_eq!(Style::of(&headers("multipart/form-data; boundary=x")), None);
        assert_eq!(Style::of(&headers("text/plain")), None);
        assert_eq!(Style::of(&HeaderMap::new()), None);
    }

    #[test]
    fn a_failure_line_is_bounded() {
        // A huge error chain, with a character of several bytes across the cut.
        let detail = format!("{}é{}", "x".repeat(MAX_DETAIL - 1), "y".repeat(100_000));
        let line = failure_line("store", &detail);
        assert!(line.len() < MAX_DETAIL + 100, "{} bytes", line.len());
        let value: serde_json::Value = serde_json::from_str(&line).expect("one JSON line");
        let kept = value["detail"].as_str().expect("text");
        assert!(kept.ends_with('…') && !kept.contains('y'), "{kept}");
        assert!(!line.contains('\n'));
        assert_eq!(
            failure_line("e", "short"),
            r#"{"detail":"short","event":"e","level":"error"}"#
        );
    }
}
