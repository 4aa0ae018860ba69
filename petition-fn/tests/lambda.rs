//! The Lambda adapter: API Gateway HTTP API (payload 2.0) events, as Lambda delivers them,
//! through the same router.
#![cfg(feature = "lambda")]

mod common;

use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use axum::Router;
use http_body_util::BodyExt;
use lambda_http::request::LambdaRequest;
use lambda_http::{Context, LambdaEvent};
use petition_fn::{AppState, local_state, standalone_app};
use serde_json::Value;
use tower::ServiceExt;

/// 2026-03-01T12:00:00Z, inside the fixture petition's window.
const NOW: u64 = 1_772_366_400;

async fn state(dir: &std::path::Path) -> AppState {
    let bundle = common::fixture_bundle();
    local_state(dir, bundle)
        .await
        .expect("state")
        .with_clock(Arc::new(|| UNIX_EPOCH + Duration::from_secs(NOW)))
}

fn event(fixture: &str) -> LambdaRequest {
    serde_json::from_str(fixture).expect("an API Gateway HTTP API payload 2.0 event")
}

/// Converts the event into an `http::Request` and sends it through the router.
async fn oneshot(app: &Router, fixture: &str) -> (u16, lambda_http::http::HeaderMap, String) {
    let request = lambda_http::http::Request::<lambda_http::Body>::from(event(fixture));
    let response = app.clone().oneshot(request).await.expect("infallible");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    (status, headers, String::from_utf8_lossy(&body).into_owned())
}

/// The whole Lambda round trip: event in, API Gateway response JSON out, as `lambda_http::run`
/// does it.
async fn invoke(app: &Router, fixture: &str) -> Value {
    let mut adapter = lambda_http::Adapter::from(app.clone());
    let event = LambdaEvent::new(event(fixture), Context::default());
    let response = lambda_http::tower::ServiceExt::ready(&mut adapter)
        .await
        .expect("ready");
    let response = lambda_http::Service::call(response, event)
        .await
        .expect("response");
    serde_json::to_value(&response).expect("serialises")
}

#[tokio::test]
async fn json_signature_through_the_adapter() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = standalone_app(state(dir.path()).await);
    let (status, headers, body) =
        oneshot(&app, include_str!("fixtures/apigw-v2-sign-json.json")).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(headers["cache-control"], "no-store");
    let first: Value = serde_json::from_str(&body).expect("json");
    assert_eq!(first["status"], "signed");
    assert!(first.get("count").is_none(), "{first}");

    // The same event again (a retry) through the full adapter: same answer, counted once.
    let reply = invoke(&app, include_str!("fixtures/apigw-v2-sign-json.json")).await;
    assert_eq!(reply["statusCode"], 201);
    let again: Value =
        serde_json::from_str(reply["body"].as_str().expect("text body")).expect("json");
    assert_eq!(again, first);
    assert_eq!(reply["headers"]["x-content-type-options"], "nosniff");
    let (_, _, status) = oneshot(&app, include_str!("fixtures/apigw-v2-get-petition.json")).await;
    let status: Value = serde_json::from_str(&status).expect("json");
    assert_eq!(status["count"], 1);
}

#[tokio::test]
async fn base64_form_post_redirects() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = standalone_app(state(dir.path()).await);
    let reply = invoke(&app, include_str!("fixtures/apigw-v2-sign-form.json")).await;
    assert_eq!(reply["statusCode"], 303, "{reply}");
    assert_eq!(reply["headers"]["location"], "/petition/thanks/");
    let (status, _, body) =
        oneshot(&app, include_str!("fixtures/apigw-v2-get-petition.json")).await;
    assert_eq!(status, 200);
    let body: Value = serde_json::from_str(&body).expect("json");
    assert_eq!(body["count"], 1);
    assert_eq!(body["by_country"]["US"], 1);
}

#[tokio::test]
async fn count_is_cacheable_through_the_adapter() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = standalone_app(state(dir.path()).await);
    let reply = invoke(&app, include_str!("fixtures/apigw-v2-get-petition.json")).await;
    assert_eq!(reply["statusCode"], 200);
    assert_eq!(
        reply["headers"]["cache-control"],
        "public, max-age=0, s-maxage=5"
    );
    let body: Value = serde_json::from_str(reply["body"].as_str().expect("text")).expect("json");
    assert_eq!(body["id"], "free-them");
    assert_eq!(body["open"], true);
}

/// The function's own entry: an HTTP event answers as the adapter does; an SNS delivery of a
/// SES bounce stops updates to that address and keeps the signature.
#[tokio::test]
async fn the_entry_answers_http_events_and_stops_mail_to_bouncing_addresses() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = state(dir.path()).await;
    let app = standalone_app(state.clone());
    let http: Value =
        serde_json::from_str(include_str!("fixtures/apigw-v2-sign-json.json")).expect("json");
    let reply = petition_fn::events::handle(&app, &state, http, Context::default())
        .await
        .expect("answers");
    assert_eq!(reply["statusCode"], 201, "{reply}");

    let keys = state.keys();
    let hash = keys.dedup_hash("bounce@example.org");
    let signature = petition_fn::store::SignatureRecord {
        petition: "free-them".into(),
        hash: hash.clone(),
        name_enc: keys.encrypt("Someone").expect("encrypts"),
        email_enc: Some(keys.encrypt("bounce@example.org").expect("encrypts")),
        country: "FR".into(),
        updates: true,
        created_at: "2026-03-01T12:00:00Z".into(),
        expires_at: 4_102_444_800,
    };
    let store = state.store();
    store.sign(signature).await.expect("signs");
    assert_eq!(
        store
            .recipients("free-them")
            .await
            .expect("recipients")
            .len(),
        1
    );
    let message = serde_json::json!({"eventType": "Bounce", "bounce": {"bounceType": "Permanent",
        "bouncedRecipients": [{"emailAddress": "Bounce@Example.org"}]}});
    let sns = serde_json::json!({"Records": [{"EventSource": "aws:sns", "EventVersion": "1.0",
        "Sns": {"Type": "Notification", "Message": message.to_string()}}]});
    let out = petition_fn::events::handle(&app, &state, sns, Context::default())
        .await
        .expect("handles the notification");
    assert_eq!(out, Value::Null);
    assert!(
        store
            .recipients("free-them")
            .await
            .expect("recipients")
            .is_empty()
    );
    assert_eq!(store.count("free-them").await.expect("counts").total, 2);
}
