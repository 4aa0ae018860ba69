//! `GET /api/challenge`: a proof-of-work challenge for this client, never cached. A 429 answer
//! carries one already; this is for a client that met a limit elsewhere (the CDN's) or wants
//! to solve ahead. It is of the easiest kind: a harder one is asked when the solution is used
//! if the client is further over its limit by then.

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::AppState;
use super::refusal::{Refusal, Subject, fault};
use crate::fair::{self, Client};

/// The challenge, as JSON.
pub(crate) async fn challenge(
    State(state): State<AppState>,
    client: Client,
) -> Result<Response, Refusal> {
    let challenge = fair::fresh_challenge(&state, &client)
        .map_err(|e| fault(&Subject::Count, "challenge_random", &e))?;
    let mut response = (StatusCode::OK, axum::Json(challenge)).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}
