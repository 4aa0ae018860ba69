//! `GET /api/petitions/{id}` and `GET /api/health`.

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use serde_json::json;

use contract::date::utc_date;

use super::AppState;
use super::refusal::{Refusal, Subject, store_failure};
use super::reply;

/// How long the CDN may keep a petition's count: browsers revalidate, CloudFront serves the
/// same count for 5 seconds, so a burst of visitors costs one store read per 5 seconds.
pub(crate) const COUNT_CACHE_CONTROL: &str = "public, max-age=0, s-maxage=5";

/// `{"id","count","by_country","goal","open"}`.
pub(crate) async fn status(
    State(state): State<AppState>,
    id: Result<Path<String>, PathRejection>,
) -> Result<Response, Refusal> {
    let site = state.site();
    let petition = site.petition(id)?;
    let counts = state
        .inner
        .store
        .count(&petition.id)
        .await
        .map_err(|e| store_failure(Subject::Count, &e))?;
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
    Ok(response)
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
            reply::log_failure("health", e.to_string());
            reply::retry_later(reply::json(
                StatusCode::SERVICE_UNAVAILABLE,
                &json!({ "status": "unavailable", "store": store.kind() }),
            ))
        }
    }
}
