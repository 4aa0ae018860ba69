//! Behind CloudFront (an origin secret configured) only requests that came through it are
//! answered: the others get 403.
//!
//! No other site may post for a visitor: every POST under `/api` must come from the site's own
//! pages. The browser says where a request comes from (`Origin`, or `Sec-Fetch-Site`); a
//! request from another origin is refused with 403 before any handler runs. A request with
//! neither header (a script, an old browser) passes on to the limits like any other.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::AppState;
use super::refusal::Refusal;

/// The layer: behind CloudFront, refuses every request that did not come through it (a direct
/// call to the API Gateway URL would go around the CDN's cache, its WAF and its viewer
/// address); then refuses a cross-site POST; lets everything else through.
pub(crate) async fn guard(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if let Some(secret) = state.origin_secret()
        && !crate::fair::through_cdn(request.headers(), secret)
    {
        return Refusal::Bypass.into_response();
    }
    if request.method() == Method::POST
        && !same_origin(request.headers(), &state.site().bundle.base_url)
    {
        return Refusal::CrossSite.into_response();
    }
    next.run(request).await
}

/// Whether the headers say the request comes from the site itself: its `Origin` is the site's
/// base URL or the origin the request was addressed to (the preview, a direct call). Without a
/// usable `Origin` — none, or `null`, which browsers send for a form posted from a page served
/// with `Referrer-Policy: no-referrer`, as this site's are — `Sec-Fetch-Site` decides:
/// `same-origin` or `none` (typed by the user). With neither, a request passes when it sent no
/// `Origin` (a script, an old browser) and is refused when it sent `null` without saying
/// more (a sandboxed frame).
fn same_origin(headers: &HeaderMap, base_url: &str) -> bool {
    let text = |name| headers.get(name).and_then(|v| v.to_str().ok());
    let origin = text(header::ORIGIN).map(|o| o.trim().trim_end_matches('/').to_ascii_lowercase());
    if let Some(origin) = origin.as_deref().filter(|o| *o != "null") {
        let ours = |candidate: &str| !candidate.is_empty() && origin == candidate;
        let base = site_origin(base_url);
        let host = text(header::HOST).map(str::to_ascii_lowercase);
        // The scheme of the request itself is unknown behind a proxy: either is ours.
        let addressed = host
            .iter()
            .any(|h| ours(&format!("https://{h}")) || ours(&format!("http://{h}")));
        return ours(&base) || addressed;
    }
    match text(header::HeaderName::from_static("sec-fetch-site")) {
        Some(site) => matches!(site.trim(), "same-origin" | "none"),
        None => origin.is_none(),
    }
}

/// `scheme://host[:port]` of a base URL, lower case.
fn site_origin(base_url: &str) -> String {
    let lower = base_url.trim().to_ascii_lowercase();
    match lower.split_once("://") {
        Some((scheme, rest)) => {
            let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
            format!("{scheme}://{host}")
        }
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    const BASE: &str = "https://example.org/";

    #[test]
    fn the_site_and_the_addressed_origin_are_ours() {
        assert!(same_origin(
            &headers(&[("origin", "https://example.org")]),
            BASE
        ));
        assert!(same_origin(
            &headers(&[("origin", "HTTPS://Example.org/")]),
            BASE
        ));
        assert!(same_origin(
            &headers(&[
                ("origin", "http://127.0.0.1:1111"),
                ("host", "127.0.0.1:1111")
            ]),
            BASE
        ));
    }

    #[test]
    fn other_origins_are_refused_whatever_else_is_sent() {
        for origin in [
            "https://evil.example",
            "https://example.org.evil.example",
            "http://example.org:8080",
        ] {
            let h = {
                let mut h = headers(&[("host", "example.org"), ("sec-fetch-site", "same-origin")]);
                h.insert("origin", HeaderValue::from_str(origin).expect("header"));
                h
            };
            assert!(!same_origin(&h, BASE), "{origin}");
        }
    }

    #[test]
    fn a_null_origin_is_decided_by_the_fetch_metadata() {
        let null = |site: Option<&'static str>| {
            let mut h = headers(&[("origin", "null")]);
            if let Some(site) = site {
                h.insert("sec-fetch-site", HeaderValue::from_static(site));
            }
            h
        };
        assert!(same_origin(&null(Some("same-origin")), BASE));
        assert!(!same_origin(&null(Some("cross-site")), BASE));
        assert!(!same_origin(&null(None), BASE));
    }

    #[test]
    fn without_origin_the_fetch_metadata_decides_and_without_both_it_passes() {
        assert!(same_origin(
            &headers(&[("sec-fetch-site", "same-origin")]),
            BASE
        ));
        assert!(same_origin(&headers(&[("sec-fetch-site", "none")]), BASE));
        assert!(!same_origin(
            &headers(&[("sec-fetch-site", "cross-site")]),
            BASE
        ));
        assert!(!same_origin(
            &headers(&[("sec-fetch-site", "same-site")]),
            BASE
        ));
        assert!(same_origin(&HeaderMap::new(), BASE));
    }

    #[test]
    fn base_urls_reduce_to_their_origin() {
        assert_eq!(
            site_origin("https://Example.org/path?q"),
            "https://example.org"
        );
        assert_eq!(
            site_origin("http://127.0.0.1:1111"),
            "http://127.0.0.1:1111"
        );
        assert_eq!(site_origin("nonsense"), "");
    }
}
