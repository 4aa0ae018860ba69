//! Router tests: requests through the whole router on the embedded store in a temp folder.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;

use super::*;
use crate::store::{Counts, SignOutcome, SignatureRecord, StoreFuture, StoredSignature};

/// 2026-03-01T12:00:00Z.
const TODAY: u64 = 1_772_366_400;
const SIGN: &str = "/api/petitions/free-them/signatures";

pub(crate) fn test_bundle() -> SiteBundle {
    let mut bundle = SiteBundle::from_json(include_bytes!("../../tests/fixtures/bundle.json"))
        .expect("fixture bundle parses");
    bundle.pages.shell = include_str!("../../tests/fixtures/shell.html").into();
    bundle.pages.components = include_str!("../../tests/fixtures/components.html").into();
    bundle
}

struct Harness {
    _dir: tempfile::TempDir,
    state: AppState,
    app: Router,
}

fn fixed_clock() -> Clock {
    Arc::new(|| UNIX_EPOCH + Duration::from_secs(TODAY))
}

async fn harness_with(bundle: SiteBundle) -> Harness {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = local_state(dir.path(), bundle)
        .await
        .expect("local state")
        .with_clock(fixed_clock());
    let app = standalone_app(state.clone());
    Harness {
        _dir: dir,
        state,
        app,
    }
}

async fn harness() -> Harness {
    harness_with(test_bundle()).await
}

struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }
    fn header(&self, name: header::HeaderName) -> &str {
        self.headers
            .get(&name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
}

async fn send(app: &Router, req: Request<Body>) -> Reply {
    let response = app.clone().oneshot(req).await.expect("infallible");
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    Reply {
        status,
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

fn post(path: &str, content_type: &str, body: impl Into<Body>) -> Request<Body> {
    Request::builder()
        .method(Method::POST)
        .uri(path)
        .header(header::CONTENT_TYPE, content_type)
        .body(body.into())
        .expect("request")
}

fn form(path: &str, body: &str) -> Request<Body> {
    post(path, "application/x-www-form-urlencoded", body.to_owned())
}

fn json_req(path: &str, body: &Value) -> Request<Body> {
    post(path, "application/json", body.to_string())
}

fn get(path: &str) -> Request<Body> {
    Request::builder()
        .uri(path)
        .body(Body::empty())
        .expect("request")
}

fn good_json(email: &str) -> Value {
    json!({"name": "Ada Lovelace", "email": email, "country": "fr", "consent": true})
}

const GOOD_FORM: &str = "name=Ada+Lovelace&email=ada%40example.org&country=FR&consent=true";

async fn count(h: &Harness, petition: &str) -> Counts {
    h.state.store().count(petition).await.expect("counts")
}

fn assert_security_headers(r: &Reply) {
    assert_eq!(r.header(header::X_CONTENT_TYPE_OPTIONS), "nosniff");
    assert_eq!(r.header(header::REFERRER_POLICY), "no-referrer");
    assert_eq!(r.header(header::X_FRAME_OPTIONS), "DENY");
    assert_eq!(
        r.header(header::CONTENT_SECURITY_POLICY),
        "default-src 'self'; form-action 'self'; frame-ancestors 'none'"
    );
}

#[tokio::test]
async fn form_signature_redirects_to_thank_you_page() {
    let h = harness().await;
    let r = send(&h.app, form(SIGN, GOOD_FORM)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.header(header::LOCATION), "/petition/thanks/");
    assert_eq!(r.header(header::CACHE_CONTROL), "no-store");
    assert_security_headers(&r);
    let counts = count(&h, "free-them").await;
    assert_eq!(counts.total, 1);
    assert_eq!(counts.by_country.get("FR"), Some(&1));
}

#[tokio::test]
async fn invalid_form_gets_the_form_again_with_values_and_errors() {
    let h = harness().await;
    let r = send(
        &h.app,
        form(
            SIGN,
            "name=Ada+%3Cb%3E&email=ada%40example&country=us&updates=on",
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.header(header::CONTENT_TYPE).starts_with("text/html"));
    assert_eq!(r.header(header::CACHE_CONTROL), "no-store");
    assert_security_headers(&r);
    let page = &r.body;
    assert!(
        page.contains("<title>Correct your signature – Free Them</title>"),
        "{page}"
    );
    assert!(
        page.contains("<header>Test site</header>"),
        "inside the shell"
    );
    assert!(
        page.contains("value=\"Ada &lt;b&gt;\""),
        "name kept, escaped: {page}"
    );
    assert!(page.contains("value=\"ada@example\""), "email kept");
    assert!(
        page.contains("<option value=\"US\" selected>"),
        "country kept"
    );
    assert!(page.contains("id=\"email\" name=\"email\" type=\"email\" value=\"ada@example\" aria-invalid=\"true\" aria-describedby=\"email-error\""));
    assert!(
        page.contains("id=\"consent-error\"")
            || page.contains("aria-describedby=\"consent-error\"")
    );
    assert!(page.contains("The part after the @ must be a domain name"));
    assert!(page.contains("data-error-summary"));
    assert!(
        page.contains("data-live"),
        "rendered by the theme's component, not the fallback"
    );
    assert!(!page.contains("<!--app:"), "markers replaced");
    assert_eq!(count(&h, "free-them").await.total, 0);
}

#[tokio::test]
async fn broken_or_missing_theme_still_shows_errors() {
    let mut bundle = test_bundle();
    bundle.pages.components = String::new();
    let h = harness_with(bundle).await;
    let r = send(&h.app, form(SIGN, "name=&email=x")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("aria-invalid=\"true\""));
    assert!(r.body.contains("Enter your name"));
}

#[tokio::test]
async fn json_signature_answers_201_with_count() {
    let h = harness().await;
    let r = send(&h.app, json_req(SIGN, &good_json("ada@example.org"))).await;
    assert_eq!(r.status, StatusCode::CREATED);
    assert!(
        r.header(header::CONTENT_TYPE)
            .starts_with("application/json")
    );
    assert_eq!(r.header(header::CACHE_CONTROL), "no-store");
    let body = r.json();
    assert_eq!(body["count"], 1);
    assert!(
        body["message"]
            .as_str()
            .is_some_and(|m| m.contains("Thank you"))
    );
    let r = send(&h.app, json_req(SIGN, &good_json("bob@example.org"))).await;
    assert_eq!(r.json()["count"], 2);
}

#[tokio::test]
async fn invalid_json_answers_422_with_field_errors() {
    let h = harness().await;
    let r = send(
        &h.app,
        json_req(
            SIGN,
            &json!({"name": "x", "email": "nope", "country": "ZZ"}),
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let body = r.json();
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .filter_map(|e| e["field"].as_str())
        .collect();
    assert_eq!(fields, ["email", "country", "consent"]);
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty())
    );
}

#[tokio::test]
async fn repeat_signature_is_indistinguishable_and_counted_once() {
    let h = harness().await;
    let first = send(&h.app, json_req(SIGN, &good_json("jane.doe@gmail.com"))).await;
    // The same address, written differently.
    let again = send(
        &h.app,
        json_req(SIGN, &good_json("Jane.Doe+x@GoogleMail.com")),
    )
    .await;
    assert_eq!(first.status, StatusCode::CREATED);
    assert_eq!(again.status, first.status);
    assert_eq!(again.body, first.body, "identical answers");
    let mut a = first.headers.clone();
    let mut b = again.headers.clone();
    for h in [&mut a, &mut b] {
        h.remove(header::DATE);
    }
    assert_eq!(a, b, "identical headers");
    let form_first = send(&h.app, form(SIGN, GOOD_FORM)).await;
    let form_again = send(&h.app, form(SIGN, GOOD_FORM)).await;
    assert_eq!(form_first.status, StatusCode::SEE_OTHER);
    assert_eq!(form_again.status, form_first.status);
    assert_eq!(form_again.body, form_first.body);
    assert_eq!(
        form_again.header(header::LOCATION),
        form_first.header(header::LOCATION)
    );
    assert_eq!(count(&h, "free-them").await.total, 2);
}

#[tokio::test]
async fn honeypot_answers_success_and_stores_nothing() {
    let h = harness().await;
    let mut bot = good_json("bot@example.org");
    bot["website"] = json!("http://spam.example");
    let r = send(&h.app, json_req(SIGN, &bot)).await;
    assert_eq!(r.status, StatusCode::CREATED);
    assert_eq!(r.json()["count"], 0);
    assert!(r.json()["message"].is_string());
    let r = send(&h.app, form(SIGN, &format!("{GOOD_FORM}&website=spam"))).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.header(header::LOCATION), "/petition/thanks/");
    assert_eq!(count(&h, "free-them").await.total, 0);
    assert!(
        h.state
            .store()
            .export_signatures("free-them")
            .await
            .expect("export")
            .is_empty()
    );
}

#[tokio::test]
async fn unknown_petition_is_404() {
    let h = harness().await;
    let r = send(
        &h.app,
        json_req(
            "/api/petitions/nope/signatures",
            &good_json("a@example.org"),
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.json()["message"].is_string());
    let r = send(&h.app, form("/api/petitions/nope/signatures", GOOD_FORM)).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.body.contains("<h1>Petition not found</h1>"));
    assert!(r.body.contains("<header>Test site</header>"));
    let r = send(&h.app, get("/api/petitions/nope")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.json()["message"].is_string());
    let r = send(&h.app, get("/api/nothing-here")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_security_headers(&r);
}

#[tokio::test]
async fn closed_or_not_yet_open_petition_is_409() {
    let h = harness().await;
    let r = send(
        &h.app,
        json_req("/api/petitions/old/signatures", &good_json("a@example.org")),
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(
        r.json()["message"]
            .as_str()
            .is_some_and(|m| m.contains("closed on 2020-12-31"))
    );
    let r = send(&h.app, form("/api/petitions/old/signatures", GOOD_FORM)).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("This petition is closed"));
    assert!(r.body.contains("href=\"/old/\""));
    let r = send(
        &h.app,
        json_req(
            "/api/petitions/future/signatures",
            &good_json("a@example.org"),
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(
        r.json()["message"]
            .as_str()
            .is_some_and(|m| m.contains("opens on 2099-01-01"))
    );
    assert_eq!(count(&h, "old").await.total, 0);
}

#[tokio::test]
async fn wrong_method_is_405() {
    let h = harness().await;
    let r = send(&h.app, get(SIGN)).await;
    assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED);
    assert!(r.header(header::ALLOW).contains("POST"));
    assert!(r.json()["message"].is_string());
    let delete = Request::builder()
        .method(Method::DELETE)
        .uri("/api/petitions/free-them")
        .body(Body::empty())
        .expect("request");
    let r = send(&h.app, delete).await;
    assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED);
    assert!(r.header(header::ALLOW).contains("GET"));
    let r = send(&h.app, form("/api/health", "")).await;
    assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn body_over_8_kib_is_413_with_a_message() {
    let h = harness().await;
    let big = format!("{GOOD_FORM}&name={}", "a".repeat(9000));
    let r = send(&h.app, form(SIGN, &big)).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(r.body.contains("larger than 8 KiB"), "{}", r.body);
    assert!(r.header(header::CONTENT_TYPE).starts_with("text/html"));
    let mut obj = good_json("a@example.org");
    obj["name"] = json!("a".repeat(9000));
    let r = send(&h.app, json_req(SIGN, &obj)).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(
        r.json()["message"]
            .as_str()
            .is_some_and(|m| m.contains("8 KiB"))
    );
    assert_eq!(count(&h, "free-them").await.total, 0);
}

#[tokio::test]
async fn unsupported_content_type_is_415() {
    let h = harness().await;
    let r = send(&h.app, post(SIGN, "text/plain", "name=x")).await;
    assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert!(
        r.json()["message"]
            .as_str()
            .is_some_and(|m| m.contains("application/json"))
    );
    let r = send(&h.app, post(SIGN, "multipart/form-data; boundary=x", "")).await;
    assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let no_type = Request::builder()
        .method(Method::POST)
        .uri(SIGN)
        .body(Body::from("x"))
        .expect("request");
    assert_eq!(
        send(&h.app, no_type).await.status,
        StatusCode::UNSUPPORTED_MEDIA_TYPE
    );
}

#[tokio::test]
async fn malformed_bodies_are_4xx_never_500() {
    let h = harness().await;
    for body in ["{", "[1,2]", "\"text\"", "", "{\"name\": \"a\",}", "nul"] {
        let r = send(&h.app, post(SIGN, "application/json", body)).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{body}");
        assert!(
            r.json()["message"]
                .as_str()
                .is_some_and(|m| m.contains("JSON"))
        );
    }
    let r = send(
        &h.app,
        json_req(
            SIGN,
            &json!({"name": ["a"], "email": {"x": 1}, "consent": true}),
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = send(
        &h.app,
        post(SIGN, "application/json", vec![0xff, 0xfe, 0x00]),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    // Forms: broken escapes and bytes become replacement characters, then validation.
    for body in ["%zz=%%%&&==", "name=%ff%fe&email=a%40b.org", "\u{0}\u{1}"] {
        let r = send(&h.app, form(SIGN, body)).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    }
    let raw = post(
        SIGN,
        "application/x-www-form-urlencoded",
        vec![0xffu8, 0x3d, 0xfe],
    );
    assert_eq!(
        send(&h.app, raw).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    // A path that is not valid UTF-8 once decoded.
    let r = send(&h.app, form("/api/petitions/%ff/signatures", GOOD_FORM)).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn petition_status_is_cacheable_briefly() {
    let h = harness().await;
    for email in ["a@example.org", "b@example.org"] {
        send(&h.app, json_req(SIGN, &good_json(email))).await;
    }
    let mut us = good_json("c@example.org");
    us["country"] = json!("US");
    send(&h.app, json_req(SIGN, &us)).await;
    let r = send(&h.app, get("/api/petitions/free-them")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        r.header(header::CACHE_CONTROL),
        "public, max-age=0, s-maxage=5"
    );
    assert_security_headers(&r);
    assert_eq!(
        r.json(),
        json!({"id": "free-them", "count": 3, "by_country": {"FR": 2, "US": 1}, "goal": 1000, "open": true})
    );
    let r = send(&h.app, get("/api/petitions/old")).await;
    assert_eq!(r.json()["open"], false);
    assert_eq!(r.json()["count"], 0);
}

#[tokio::test]
async fn health_names_the_store() {
    let h = harness().await;
    let r = send(&h.app, get("/api/health")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json(), json!({"status": "ok", "store": "local"}));
    assert_eq!(r.header(header::CACHE_CONTROL), "no-store");
    assert_security_headers(&r);
}

#[tokio::test]
async fn stored_signer_data_is_protected() {
    let h = harness().await;
    let mut with_updates = good_json("ada@example.org");
    with_updates["updates"] = json!("yes");
    send(&h.app, json_req(SIGN, &with_updates)).await;
    send(&h.app, json_req(SIGN, &good_json("bob@example.org"))).await;
    let stored = h
        .state
        .store()
        .export_signatures("free-them")
        .await
        .expect("export");
    assert_eq!(stored.len(), 2);
    let dump = serde_json::to_string(&stored).expect("json");
    assert!(
        !dump.contains("example.org") && !dump.contains("Ada"),
        "{dump}"
    );
    let keys = h.state.keys();
    let ada = stored
        .iter()
        .find(|s| s.updates)
        .expect("the one who asked for updates");
    assert_eq!(
        keys.decrypt(&ada.name_enc).expect("decrypts"),
        "Ada Lovelace"
    );
    let email = ada.email_enc.as_deref().expect("kept for updates");
    assert_eq!(keys.decrypt(email).expect("decrypts"), "ada@example.org");
    let bob = stored.iter().find(|s| !s.updates).expect("bob");
    assert_eq!(bob.email_enc, None, "no address kept without opt-in");
    assert_eq!(ada.created_at, "2026-03-01T12:00:00Z");
    assert_eq!(
        ada.expires_at,
        i64::try_from(TODAY).expect("fits") + crate::store::RETENTION_SECS
    );
    assert_eq!(ada.country, "FR");
}

#[tokio::test]
async fn replaced_bundle_takes_effect() {
    let h = harness().await;
    let mut bundle = test_bundle();
    if let Some(p) = bundle.petitions.iter_mut().find(|p| p.id == "future") {
        p.opens = "2026-02-01".into();
    }
    h.state.replace_bundle(bundle);
    let r = send(
        &h.app,
        json_req(
            "/api/petitions/future/signatures",
            &good_json("a@example.org"),
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED);
    assert_eq!(
        h.state
            .bundle()
            .petition("future")
            .map(|p| p.opens.as_str()),
        Some("2026-02-01")
    );
}

/// A store that is down.
struct DownStore;

impl Store for DownStore {
    fn kind(&self) -> &'static str {
        "local"
    }
    fn health(&self) -> StoreFuture<'_, ()> {
        Box::pin(async { Err(StoreError::Unavailable("down".into())) })
    }
    fn sign(&self, _: SignatureRecord) -> StoreFuture<'_, SignOutcome> {
        Box::pin(async { Err(StoreError::Throttled("busy".into())) })
    }
    fn count<'a>(&'a self, _: &'a str) -> StoreFuture<'a, Counts> {
        Box::pin(async { Err(StoreError::Unavailable("down".into())) })
    }
    fn export_signatures<'a>(&'a self, _: &'a str) -> StoreFuture<'a, Vec<StoredSignature>> {
        Box::pin(async { Err(StoreError::Unavailable("down".into())) })
    }
}

#[tokio::test]
async fn unavailable_store_is_503_with_retry_after() {
    let keys = SignerKeys::from_secret(&[9; 32]).expect("keys");
    let state = AppState::new(Arc::new(DownStore), keys, test_bundle()).with_clock(fixed_clock());
    let app = app(state);
    let r = send(&app, json_req(SIGN, &good_json("a@example.org"))).await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(r.header(header::RETRY_AFTER), "5");
    assert!(
        r.json()["message"]
            .as_str()
            .is_some_and(|m| m.contains("Nothing was saved"))
    );
    let r = send(&app, form(SIGN, GOOD_FORM)).await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(r.header(header::RETRY_AFTER), "5");
    assert!(r.body.contains("Please try again in a moment"));
    let r = send(&app, get("/api/petitions/free-them")).await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(r.header(header::RETRY_AFTER), "5");
    let r = send(&app, get("/api/health")).await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(r.json()["status"], "unavailable");
}

#[tokio::test]
async fn mounts_into_a_host_router_with_its_own_fallback() {
    let h = harness().await;
    let host: Router = Router::new()
        .route("/", axum::routing::get(|| async { "home" }))
        .fallback(|| async { (StatusCode::NOT_FOUND, "site 404") })
        .merge(app(h.state.clone()));
    assert_eq!(send(&host, get("/")).await.body, "home");
    assert_eq!(send(&host, get("/api/health")).await.status, StatusCode::OK);
    assert_eq!(send(&host, get("/missing")).await.body, "site 404");
    let _ = SystemTime::now();
}
