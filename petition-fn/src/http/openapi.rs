//! `GET /api/openapi.json`: the OpenAPI 3.1 description of the API, `petition-fn/openapi.json`
//! compiled into the binary, so that the served document is the repository's. The router tests
//! (`http/tests/openapi.rs`) hold the router to it.

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

/// The document, byte for byte as in the repository.
pub(crate) const DOCUMENT: &str = include_str!("../../openapi.json");

/// It changes only with a deploy: browsers and the CDN may keep it an hour.
const CACHE_CONTROL: &str = "public, max-age=3600";

/// The document, as JSON.
pub(crate) async fn document() -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static(CACHE_CONTROL),
            ),
        ],
        DOCUMENT,
    )
        .into_response()
}
