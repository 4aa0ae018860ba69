//! `GET /api/petitions/{id}` and `GET /api/health`.

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use serde_json::json;

use super::AppState;
use super::reply;
use crate::domain::time::utc_date;

/// How long the CDN may keep a petition's count: browsers revalidate, CloudFront serves the
/// same count for 5 seconds, so a burst of visitors costs one store read per 5 seconds.
pub(crate) const COUNT_CACHE_CONTROL: &str = "public, max-age=0, s-maxage=5";

/// `{"id","count","by_country","goal","open"}`.
pub(crate) async fn status(
    State(state): State<AppState>,
    id: Result<Path<String>, PathRejection>,
) -> Response {
    let site = state.site();
    let Some(petition) = id
        .ok()
        .and_then(|Path(id)| site.bundle.petition(&id).cloned())
    else {
        return reply::message(
            StatusCode::NOT_FOUND,
            "There is no petition with this id. The site's petitions are listed in its pages.",
        );
    };
    match state.inner.store.count(&petition.id).await {
        Ok(counts) => {
            let open = petition.is_open_on(&utc_date(state.now()));
            let mut response = reply::json(
                StatusCode::OK,
                &json!({
                    "id": petition.id,
                    "count": counts.total,
                    "by_country": counts.by_country,
                    "goal": petition.goal,
                    "open": open,
                }),
            );
            response.headers_mut().insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static(COUNT_CACHE_CONTROL),
            );
            response
        }
        Err(e) if e.is_transient() => {
            reply::log_failure("store_unavailable", &e.to_string());
            reply::retry_later(reply::message(
                StatusCode::SERVICE_UNAVAILABLE,
                "The signature count is unavailable for a moment. Try again in a few seconds.",
            ))
        }
        Err(e) => {
            reply::log_failure("store", &e.to_string());
            reply::message(
                StatusCode::INTERNAL_SERVER_ERROR,
                "The signature count could not be read because of a problem on our side.",
            )
        }
    }
}

/// `{"status":"ok","store":"local"|"dynamodb"}`, or 503 with `"status":"unavailable"`.
pub(crate) async fn health(State(state): State<AppState>) -> Response {
    let store = state.store();
    match store.health().await {
        Ok(()) => reply::json(
            StatusCode::OK,
            &json!({ "status": "ok", "store": store.kind() }),
        ),
        Err(e) => {
            reply::log_failure("health", &e.to_string());
            reply::retry_later(reply::json(
                StatusCode::SERVICE_UNAVAILABLE,
                &json!({ "status": "unavailable", "store": store.kind() }),
            ))
        }
    }
}
