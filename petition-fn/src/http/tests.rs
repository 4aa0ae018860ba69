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
use crate::store::{
    ConfirmOutcome, Counts, Forgotten, LetterCounts, LetterFilter, LetterRecord, PendingOutcome,
    PendingRecord, SignOutcome, SignatureRecord, StoreFuture, StoredLetter, StoredSignature,
};

mod openapi;

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

/// The router tests' bundle with a French translation: a petition's pages and a few of
/// the function's strings in French (the others fall back to English).
pub(crate) fn french_bundle() -> SiteBundle {
    let mut bundle = test_bundle();
    let fr = |pairs: &[(&str, &str)]| {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect::<std::collections::BTreeMap<_, _>>()
    };
    bundle.pages.strings.insert(
        "fr".into(),
        fr(&[
            ("month_01", "janvier"),
            ("month_12", "décembre"),
            ("thousands_separator", "\u{202f}"),
            ("title_correct_signature", "Corrigez votre signature"),
            (
                "error_name_missing",
                "Indiquez votre nom, tel qu’il doit figurer sur la pétition.",
            ),
            (
                "error_email_domain",
                "La partie après le @ doit être un nom de domaine comme example.org.",
            ),
            (
                "error_consent_missing",
                "Cochez la case pour confirmer que vous signez cette pétition.",
            ),
            ("refusal_closed_title", "Cette pétition est close"),
            (
                "refusal_closed_text",
                "Cette pétition a fermé le {date} : elle n’accepte plus de signatures.",
            ),
            ("refusal_paused_title", "Les signatures sont suspendues"),
            (
                "refusal_paused_why_text",
                "La campagne a suspendu les signatures : {why} Rien n’a été enregistré.",
            ),
            ("link_petition", "Retour à la pétition"),
            (
                "mail_confirm_subject",
                "Confirmez votre signature : {petition}",
            ),
            (
                "mail_confirm_intro",
                "Merci d’avoir signé « {petition} ». Ouvrez le lien ci-dessous.",
            ),
            ("confirm_button", "Confirmer ma signature"),
            ("confirm_title", "Confirmez votre signature"),
            (
                "petition_check_inbox",
                "Merci. Il reste une étape : suivez le lien du mail que nous vous avons envoyé.",
            ),
        ]),
    );
    let petitions = ["free-them", "confirm-me", "old"]
        .into_iter()
        .filter_map(|id| bundle.petition(id))
        .map(|p| {
            let text = contract::bundle::PetitionText {
                title: format!("{} (fr)", p.title),
                addressee: p.addressee.clone(),
                page: format!("/fr{}", p.page),
                thank_you: format!("/fr{}", p.thank_you),
                check_inbox: p.check_inbox.as_ref().map(|c| format!("/fr{c}")),
            };
            (p.id.clone(), text)
        })
        .collect();
    bundle.translations.insert(
        "fr".into(),
        contract::bundle::Translation {
            home: "/fr/".into(),
            site_title: "Libérez-les".into(),
            shell: bundle.pages.shell.replace("lang=\"en\"", "lang=\"fr\""),
            countries: [
                ("DE", "Allemagne"),
                ("CN", "Chine"),
                ("US", "États-Unis"),
                ("FR", "France"),
            ]
            .into_iter()
            .map(|(code, name)| contract::bundle::Country {
                code: code.into(),
                name: name.into(),
            })
            .collect(),
            petitions,
            letter_page: None,
        },
    );
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

impl Harness {
    /// The operator's opener of what this state sealed (its data folder's operator key).
    fn opener(&self) -> crate::protect::Opener {
        let key = crate::protect::OperatorKey::load(
            &self._dir.path().join(crate::protect::OPERATOR_KEY_FILE),
        )
        .expect("the local server made an operator key");
        crate::protect::Opener::new(Some(key), None)
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
async fn json_signature_answers_201_without_the_count() {
    let h = harness().await;
    let r = send(&h.app, json_req(SIGN, &good_json("ada@example.org"))).await;
    assert_eq!(r.status, StatusCode::CREATED);
    assert!(
        r.header(header::CONTENT_TYPE)
            .starts_with("application/json")
    );
    assert_eq!(r.header(header::CACHE_CONTROL), "no-store");
    let body = r.json();
    assert_eq!(body["status"], "signed");
    assert!(
        body.get("count").is_none(),
        "a count tells who signed: {body}"
    );
    assert!(
        body["message"]
            .as_str()
            .is_some_and(|m| m.contains("Thank you"))
    );
    let again = send(&h.app, json_req(SIGN, &good_json("ada@example.org"))).await;
    assert_eq!((again.status, again.body), (r.status, r.body));
    assert_eq!(count(&h, "free-them").await.total, 1);
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
    assert_eq!(r.json()["status"], "signed");
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
            .is_some_and(|m| m.contains("closed on 31 December 2020"))
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
            .is_some_and(|m| m.contains("opens on 1 January 2099"))
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
    // Forms: bytes that are not UTF-8 are field errors; broken escapes are kept as typed.
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

/// The garbage an adversarial run stored before the text rules (`domain::text`): each is
/// refused with a message naming the field, and nothing is counted.
#[tokio::test]
async fn garbage_text_is_refused_and_nothing_is_stored() {
    let h = harness().await;
    let names = [
        "12345",
        "-- !! ..",
        "Ada \u{202E}ecalevoL",
        "Ada\u{2066}x",
        "Ada\u{E0041}\u{E0042}",
        "Ada\u{2028}Lovelace",
        "Ada\u{2029}Byron",
        "A\u{200B}da",
        "A\u{2060}da",
        "\u{FEFF}Ada",
        "Ada\u{00AD}",
        "Ada\u{E000}",
        "Ada\u{FDD0}",
        "Ada\u{FFFD}",
        "Ada\u{0085}Byron",
        "\u{200D}Ada",
        "Zalgo\u{0301}\u{0302}\u{0303}\u{0304}\u{0305}",
    ];
    for name in names {
        let body =
            json!({"name": name, "email": "ada@example.org", "country": "FR", "consent": true});
        let r = send(&h.app, json_req(SIGN, &body)).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{name:?}");
        let errors = r.json()["errors"].clone();
        assert_eq!(errors[0]["field"], "name", "{name:?}: {errors}");
        assert!(
            errors[0]["message"]
                .as_str()
                .is_some_and(|m| m.contains("name")),
            "{errors}"
        );
    }
    // Bytes that are not UTF-8 in a form, and a foreign charset.
    let r = send(
        &h.app,
        form(
            SIGN,
            "name=Ren%E9&email=r%40example.org&country=FR&consent=on",
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("UTF-8"), "{}", r.body);
    let r = send(
        &h.app,
        post(
            SIGN,
            "application/x-www-form-urlencoded; charset=iso-8859-1",
            GOOD_FORM,
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(count(&h, "free-them").await.total, 0, "nothing was counted");
    // A fullwidth address is the same person.
    for email in [
        "jane@example.org",
        "ｊａｎｅ@ｅｘａｍｐｌｅ.org",
        "ＪＡＮＥ@example.org",
    ] {
        let r = send(&h.app, json_req(SIGN, &good_json(email))).await;
        assert_eq!(r.status, StatusCode::CREATED, "{email}");
    }
    assert_eq!(count(&h, "free-them").await.total, 1, "one person");
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

/// The count is public data any site may read; nothing else answers another origin's script.
#[tokio::test]
async fn only_the_count_is_readable_from_other_origins() {
    let h = harness().await;
    send(&h.app, json_req(SIGN, &good_json("a@example.org"))).await;
    let acao = header::ACCESS_CONTROL_ALLOW_ORIGIN;
    let count = send(&h.app, get("/api/petitions/free-them")).await;
    assert_eq!(count.header(acao.clone()), "*");
    let badge = send(&h.app, get("/api/petitions/free-them/badge.svg")).await;
    assert_eq!(badge.status, StatusCode::OK);
    assert_eq!(
        badge.header(header::CONTENT_TYPE),
        "image/svg+xml; charset=utf-8"
    );
    assert!(badge.body.contains(">1</text>"), "{}", badge.body);
    for r in [
        badge,
        send(&h.app, json_req(SIGN, &good_json("b@example.org"))).await,
        send(&h.app, get("/api/health")).await,
        send(&h.app, get("/api/challenge")).await,
        send(&h.app, get("/api/petitions/nope")).await,
    ] {
        assert!(!r.headers.contains_key(&acao), "{:?}", r.headers);
    }
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
    // Sealed to the operator's key: the function's own keys cannot read them back.
    assert!(ada.name_enc.starts_with("s1:"), "{}", ada.name_enc);
    assert!(keys.decrypt(&ada.name_enc).is_err());
    let opener = h.opener();
    assert_eq!(opener.open(&ada.name_enc).expect("opens"), "Ada Lovelace");
    let email = ada.email_enc.as_deref().expect("kept for updates");
    let (address, unsubscribe) = opener.open_address(email, &ada.hash).expect("opens");
    assert_eq!(address, "ada@example.org");
    assert_eq!(unsubscribe, keys.unsubscribe_token(&ada.hash));
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
    assert_eq!(r.status, StatusCode::ACCEPTED);
    assert_eq!(
        h.state
            .bundle()
            .petition("future")
            .map(|p| p.opens.as_str()),
        Some("2026-02-01")
    );
}

/// A store that fails every call, or (`stall`) never answers; `broken`, every failure is not
/// transient (a bug, a missing table: 500) instead of the store being down or busy (503).
struct DownStore {
    stall: bool,
    broken: bool,
}

impl DownStore {
    fn fail<T: Send + 'static>(&self, error: StoreError) -> StoreFuture<'_, T> {
        let stall = self.stall;
        let error = if self.broken {
            StoreError::Other("broken".into())
        } else {
            error
        };
        Box::pin(async move {
            if stall {
                std::future::pending::<()>().await;
            }
            Err(error)
        })
    }
}

/// A state over `store` and `bundle`, on the fixed clock.
fn down_state(store: DownStore, bundle: SiteBundle) -> AppState {
    let keys = SignerKeys::from_secret(&[9; 32]).expect("keys");
    AppState::new(Arc::new(store), keys, bundle).with_clock(fixed_clock())
}

impl Store for DownStore {
    fn kind(&self) -> &'static str {
        "local"
    }
    fn health(&self) -> StoreFuture<'_, ()> {
        self.fail(StoreError::Unavailable("down".into()))
    }
    fn sign(&self, _: SignatureRecord) -> StoreFuture<'_, SignOutcome> {
        self.fail(StoreError::Throttled("busy".into()))
    }
    fn count<'a>(&'a self, _: &'a str) -> StoreFuture<'a, Counts> {
        self.fail(StoreError::Unavailable("down".into()))
    }
    fn export_signatures<'a>(&'a self, _: &'a str) -> StoreFuture<'a, Vec<StoredSignature>> {
        self.fail(StoreError::Unavailable("down".into()))
    }
    fn send_letter(&self, _: LetterRecord) -> StoreFuture<'_, SignOutcome> {
        self.fail(StoreError::Throttled("busy".into()))
    }
    fn letter_counts(&self) -> StoreFuture<'_, LetterCounts> {
        self.fail(StoreError::Unavailable("down".into()))
    }
    fn export_letters<'a>(&'a self, _: &'a LetterFilter) -> StoreFuture<'a, Vec<StoredLetter>> {
        self.fail(StoreError::Unavailable("down".into()))
    }
    fn forget<'a>(&'a self, _: &'a str) -> StoreFuture<'a, Forgotten> {
        self.fail(StoreError::Unavailable("down".into()))
    }
    fn sign_pending(&self, _: PendingRecord) -> StoreFuture<'_, PendingOutcome> {
        self.fail(StoreError::Throttled("busy".into()))
    }
    fn confirm<'a>(&'a self, _: &'a str, _: i64, _: i64) -> StoreFuture<'a, ConfirmOutcome> {
        self.fail(StoreError::Unavailable("down".into()))
    }
    fn recipients<'a>(&'a self, _: &'a str) -> StoreFuture<'a, Vec<crate::store::Recipient>> {
        self.fail(StoreError::Unavailable("down".into()))
    }
    fn unsubscribe<'a>(&'a self, _: &'a str, _: &'a [String]) -> StoreFuture<'a, u64> {
        self.fail(StoreError::Unavailable("down".into()))
    }
    fn mail_failed<'a>(&'a self, _: &'a str, _: &'a str, _: i64) -> StoreFuture<'a, ()> {
        self.fail(StoreError::Unavailable("down".into()))
    }
    fn pending_count<'a>(&'a self, _: &'a str, _: i64) -> StoreFuture<'a, u64> {
        self.fail(StoreError::Unavailable("down".into()))
    }
    fn strip_letters(&self) -> StoreFuture<'_, u64> {
        self.fail(StoreError::Unavailable("down".into()))
    }
    fn sweep(&self, _: i64) -> StoreFuture<'_, u64> {
        self.fail(StoreError::Unavailable("down".into()))
    }
    fn hit<'a>(&'a self, _: &'a str, _: i64) -> StoreFuture<'a, u64> {
        self.fail(StoreError::Throttled("busy".into()))
    }
    fn peek<'a>(&'a self, _: &'a str, _: i64) -> StoreFuture<'a, u64> {
        self.fail(StoreError::Unavailable("down".into()))
    }
    fn spend<'a>(&'a self, _: &'a str, _: i64) -> StoreFuture<'a, bool> {
        self.fail(StoreError::Unavailable("down".into()))
    }
    fn note_client(&self, _: crate::store::ClientNote) -> StoreFuture<'_, ()> {
        self.fail(StoreError::Unavailable("down".into()))
    }
    fn client_notes<'a>(
        &'a self,
        _: &'a str,
        _: Option<&'a str>,
        _: i64,
    ) -> StoreFuture<'a, Vec<crate::store::ClientNote>> {
        self.fail(StoreError::Unavailable("down".into()))
    }
    fn invalidate<'a>(
        &'a self,
        _: &'a str,
        _: &'a [String],
    ) -> StoreFuture<'a, crate::store::Invalidated> {
        self.fail(StoreError::Unavailable("down".into()))
    }
    fn set_pause<'a>(&'a self, _: &'a str, _: Option<crate::store::Pause>) -> StoreFuture<'a, ()> {
        self.fail(StoreError::Unavailable("down".into()))
    }
    fn count_action<'a>(&'a self, _: &'a str, _: &'a str, _: &'a str) -> StoreFuture<'a, ()> {
        self.fail(StoreError::Throttled("busy".into()))
    }
    fn action_counts(&self) -> StoreFuture<'_, Vec<crate::store::ActionCount>> {
        self.fail(StoreError::Unavailable("down".into()))
    }
    fn recount<'a>(&'a self, _: &'a str, _: bool) -> StoreFuture<'a, crate::store::Recount> {
        self.fail(StoreError::Unavailable("down".into()))
    }
    fn pause<'a>(&'a self, _: &'a str) -> StoreFuture<'a, Option<crate::store::Pause>> {
        self.fail(StoreError::Unavailable("down".into()))
    }
    fn key_fingerprint<'a>(&'a self, _: Option<&'a str>) -> StoreFuture<'a, Option<String>> {
        self.fail(StoreError::Unavailable("down".into()))
    }
    fn write_snapshot(&self, _: crate::store::Snapshot) -> StoreFuture<'_, ()> {
        self.fail(StoreError::Unavailable("down".into()))
    }
    fn history<'a>(
        &'a self,
        _: &'a str,
        _: i64,
        _: i64,
    ) -> StoreFuture<'a, Vec<crate::store::Snapshot>> {
        self.fail(StoreError::Unavailable("down".into()))
    }
}

#[tokio::test]
async fn unavailable_store_is_503_with_retry_after() {
    let state = down_state(
        DownStore {
            stall: false,
            broken: false,
        },
        test_bundle(),
    );
    let app = app(state);
    let r = send(&app, json_req(SIGN, &good_json("a@example.org"))).await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(r.header(header::RETRY_AFTER), "5");
    assert!(
        r.json()["message"]
            .as_str()
            .is_some_and(|m| m.contains("counted once"))
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

/// A store that hangs (a stalled DynamoDB) is answered 503 with `Retry-After` at the deadline,
/// never held past the function's timeout. Time is paused: the wait takes no real time.
#[tokio::test(start_paused = true)]
async fn stalled_store_is_503_at_the_deadline() {
    let state = down_state(
        DownStore {
            stall: true,
            broken: false,
        },
        test_bundle(),
    );
    let app = app(state);
    let start = tokio::time::Instant::now();
    let r = send(&app, json_req(SIGN, &good_json("a@example.org"))).await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(r.header(header::RETRY_AFTER), "5");
    assert_eq!(start.elapsed(), layers::REQUEST_DEADLINE);
    let r = send(&app, form(SIGN, GOOD_FORM)).await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        r.body.contains("Please try again in a moment"),
        "{}",
        r.body
    );
    assert!(
        r.body.contains("/petition/"),
        "links back to the petition: {}",
        r.body
    );
}

/// A body that stops arriving (a slow-loris client) holds the request only until the
/// deadline.
#[tokio::test(start_paused = true)]
async fn a_body_that_never_arrives_is_503_at_the_deadline() {
    let h = harness().await;
    let (_sender, body) = http_body_util::channel::Channel::<axum::body::Bytes>::new(1);
    let request = Request::builder()
        .method(Method::POST)
        .uri(SIGN)
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::CONTENT_LENGTH, "100")
        .body(Body::new(body))
        .expect("request");
    let start = tokio::time::Instant::now();
    let r = send(&h.app, request).await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(start.elapsed(), layers::REQUEST_DEADLINE);
}

/// A body announced over the limit is refused before it is read (a client sending
/// `Expect: 100-continue` is told at once and never uploads it).
#[tokio::test]
async fn announced_oversized_body_is_413_before_reading() {
    let h = harness().await;
    let (_sender, body) = http_body_util::channel::Channel::<axum::body::Bytes>::new(1);
    let request = Request::builder()
        .method(Method::POST)
        .uri(SIGN)
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::CONTENT_LENGTH, "1000000")
        .header(header::EXPECT, "100-continue")
        // A body that never comes: reading it would hang the test.
        .body(Body::new(body))
        .expect("request");
    let r = send(&h.app, request).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(r.json()["message"].as_str().is_some_and(|m| !m.is_empty()));
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

// ---------------------------------------------------------------------------------------------
// POST /api/letters
// ---------------------------------------------------------------------------------------------

const LETTERS: &str = "/api/letters";
const SUGGESTED: &str = "Dear Senator,\n\nPlease support S.Res.220.\n\nSincerely,";

/// The test bundle with the repository's real theme, states and senators, and a letter
/// campaign.
fn letter_bundle() -> SiteBundle {
    #[derive(serde::Deserialize)]
    struct States {
        state: Vec<contract::bundle::UsState>,
    }
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let read = |rel: &str| {
        std::fs::read_to_string(root.join(rel)).unwrap_or_else(|e| panic!("reads {rel}: {e}"))
    };
    let mut bundle = test_bundle();
    bundle.pages.components = read("themes/default/templates/components.html");
    bundle.pages.strings = std::collections::BTreeMap::from([(
        "en".to_owned(),
        toml::from_str(&read("themes/default/i18n/en.toml")).expect("en.toml"),
    )]);
    bundle.states = toml::from_str::<States>(&read("content/data/states.toml"))
        .expect("states.toml")
        .state;
    bundle.senators = serde_json::from_str(&read("content/data/senators.json")).expect("senators");
    bundle.senators_as_of = "2026-06-15".into();
    bundle.letter = Some(contract::bundle::LetterCampaign {
        page: "/contact-your-senator/".into(),
        bill: contract::bundle::Bill {
            number: "S.Res.220".into(),
            congress: 115,
            title: "A resolution".into(),
            url: None,
            note: None,
            keep: false,
        },
        default_letter: SUGGESTED.into(),
        call_script: Some(read("content/contact-your-senator/_call.md")),
    });
    bundle
}

fn letter_form_body(email: &str, state: &str, zip: &str, message: &str) -> String {
    form_urlencoded::Serializer::new(String::new())
        .append_pair("name", "Ada Lovelace")
        .append_pair("email", email)
        .append_pair("street", "1 Main Street")
        .append_pair("city", "San Francisco")
        .append_pair("state", state)
        .append_pair("zip", zip)
        .append_pair("message", message)
        .append_pair("consent", "true")
        .append_pair("website", "")
        .finish()
}

fn letter_json(email: &str, state: &str, zip: &str) -> Value {
    json!({
        "name": "Ada Lovelace", "email": email, "street": "1 Main Street",
        "city": "San Francisco", "state": state, "zip": zip,
        "message": SUGGESTED.replace('\n', "\r\n"), "consent": true,
    })
}

async fn letter_counts(h: &Harness) -> crate::store::LetterCounts {
    h.state
        .store()
        .letter_counts()
        .await
        .expect("letter counts")
}

#[tokio::test]
async fn letter_form_post_answers_with_the_states_senators() {
    let h = harness_with(letter_bundle()).await;
    let r = send(
        &h.app,
        form(
            LETTERS,
            &letter_form_body("ada@example.org", "CA", "94103", SUGGESTED),
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.header(header::CONTENT_TYPE).starts_with("text/html"));
    assert_eq!(r.header(header::CACHE_CONTROL), "no-store");
    assert_eq!(
        r.header(header::LOCATION),
        "",
        "no redirect, no URL with data"
    );
    assert_security_headers(&r);
    let page = &r.body;
    assert!(
        page.contains("<header>Test site</header>"),
        "inside the shell"
    );
    assert!(
        page.contains("<title>Your letter to the senators of California – Free Them</title>"),
        "{page}"
    );
    let bundle = h.state.bundle();
    let senators = bundle.senators_of("CA");
    assert_eq!(senators.len(), 2);
    for s in &senators {
        assert!(
            page.contains(&format!("<h3>{}</h3>", s.name)),
            "{} named: {page}",
            s.name
        );
        let link = s.contact_form.as_deref().unwrap_or(&s.url);
        assert!(
            page.contains(&format!("href=\"{link}\"")),
            "link {link}: {page}"
        );
        assert!(page.contains(&s.party));
    }
    for s in &senators {
        // Each senator gets the letter addressed by name, with its own copy and print buttons,
        // the offices nearest first, and the call script naming the caller's city.
        let id = format!("letter-{}", s.bioguide);
        assert!(
            page.contains(&format!("id=\"{id}\"")),
            "the letter to {}",
            s.name
        );
        assert!(page.contains(&format!("data-copy=\"#{id}\"")));
        assert!(page.contains(&format!("data-print=\"#{id}\"")));
        assert!(
            page.contains(&format!(
                "Dear Senator {},\n\nPlease support S.Res.220.",
                s.last_name()
            )),
            "{page}"
        );
        assert!(
            page.contains(&format!("Senator {} to support S.Res.220", s.last_name())),
            "the call script: {page}"
        );
        if let Some(first) = s.offices_near("San Francisco", "94103").first() {
            assert!(
                page.contains(&first.address.replace('&', "&amp;")),
                "{page}"
            );
        }
    }
    assert!(
        page.contains("constituent from San Francisco, California"),
        "{page}"
    );
    assert!(
        !page.contains("Dear Senator,\n"),
        "no letter greets senators in general"
    );
    assert!(page.contains("Sincerely,\nAda Lovelace\n1 Main Street\nSan Francisco, CA 94103"));
    assert!(page.contains("answer only their own constituents"));
    let counts = letter_counts(&h).await;
    assert_eq!(counts.total, 1);
    assert_eq!(counts.by_state.get("CA"), Some(&1));
    for s in &senators {
        assert_eq!(counts.by_senator.get(&s.bioguide), Some(&1));
    }
}

#[tokio::test]
async fn by_default_a_letter_leaves_only_counts() {
    let h = harness_with(letter_bundle()).await;
    let body = letter_form_body("ada@example.org", "CA", "94103", SUGGESTED);
    assert_eq!(
        send(&h.app, form(LETTERS, &body)).await.status,
        StatusCode::OK
    );
    // Again, with other words: the same writer to the same state is one letter.
    let other = letter_form_body("ADA@example.org", "CA", "94103", "Please act now.");
    assert_eq!(
        send(&h.app, form(LETTERS, &other)).await.status,
        StatusCode::OK
    );
    let letters = h
        .state
        .store()
        .export_letters(&crate::store::LetterFilter::All)
        .await
        .expect("export");
    assert_eq!(letters.len(), 1);
    assert_eq!(letters[0].private_enc, None, "nothing personal is kept");
    let counts = letter_counts(&h).await;
    assert_eq!(counts.total, 1, "one person, one letter per state");
    let bytes = std::fs::read(h._dir.path().join(crate::store::local::DB_FILE)).expect("db");
    let text = String::from_utf8_lossy(&bytes);
    for personal in ["Ada", "Lovelace", "Main Street", "94103", "act now"] {
        assert!(!text.contains(personal), "{personal} is in the store file");
    }
}

#[tokio::test]
async fn letter_is_stored_encrypted_and_the_suggested_text_by_reference() {
    let mut bundle = letter_bundle();
    if let Some(campaign) = bundle.letter.as_mut() {
        campaign.bill.keep = true;
    }
    let h = harness_with(bundle).await;
    // The suggested letter, with the browser's CRLF line ends.
    let r = send(
        &h.app,
        json_req(LETTERS, &letter_json("Ada@Example.org", "CA", "94103-1234")),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let own = "Dear Senator,\n\nIn my own words: please act.";
    let r = send(
        &h.app,
        form(
            LETTERS,
            &letter_form_body("bob@example.org", "NY", "10001", own),
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let mut letters = h
        .state
        .store()
        .export_letters(&crate::store::LetterFilter::All)
        .await
        .expect("export");
    letters.sort_by(|a, b| a.state.cmp(&b.state));
    assert_eq!(letters.len(), 2);
    let keys = h.state.keys();
    let opener = h.opener();
    for l in &letters {
        let enc = l.private_enc.as_deref().expect("kept in full");
        assert!(!enc.contains("Lovelace") && !enc.contains("Main"));
        assert_eq!(l.created_at, "2026-03-01T12:00:00Z");
        assert_eq!(l.expires_at, TODAY as i64 + crate::store::RETENTION_SECS);
    }
    let ca: crate::domain::LetterPrivate = serde_json::from_str(
        &opener
            .open(letters[0].private_enc.as_deref().unwrap_or_default())
            .expect("opens"),
    )
    .expect("json");
    assert_eq!(letters[0].state, "CA");
    assert!(letters[0].suggested);
    assert_eq!(ca.message, None, "the suggested letter is not stored");
    assert_eq!(ca.email, "Ada@Example.org");
    assert_eq!(ca.zip, "94103-1234");
    assert_eq!(letters[0].hash, keys.dedup_hash("ada@example.org"));
    let ny: crate::domain::LetterPrivate = serde_json::from_str(
        &opener
            .open(letters[1].private_enc.as_deref().unwrap_or_default())
            .expect("opens"),
    )
    .expect("json");
    assert!(!letters[1].suggested);
    assert_eq!(ny.message.as_deref(), Some(own));
    assert_eq!(ny.street, "1 Main Street");
    let mut expected: Vec<String> = h
        .state
        .bundle()
        .senators_of("NY")
        .iter()
        .map(|s| s.bioguide.clone())
        .collect();
    expected.sort();
    assert_eq!(letters[1].senators, expected);
}

#[tokio::test]
async fn repeated_letter_answers_alike_and_counts_once() {
    let h = harness_with(letter_bundle()).await;
    let body = letter_form_body("ada@example.org", "CA", "94103", SUGGESTED);
    let first = send(&h.app, form(LETTERS, &body)).await;
    // The same person (address written otherwise), state and letter.
    let again = send(
        &h.app,
        form(
            LETTERS,
            &letter_form_body(
                "ADA@example.org",
                "ca",
                "94103",
                &format!("{SUGGESTED}\r\n"),
            ),
        ),
    )
    .await;
    assert_eq!(first.status, StatusCode::OK);
    assert_eq!(again.status, first.status);
    assert_eq!(again.body, first.body, "identical answers");
    let json_first = send(
        &h.app,
        json_req(LETTERS, &letter_json("ada@example.org", "CA", "94103")),
    )
    .await;
    assert_eq!(json_first.status, StatusCode::CREATED);
    assert_eq!(letter_counts(&h).await.total, 1, "counted once");
    let body = json_first.json();
    assert_eq!(body["state"], json!({"code": "CA", "name": "California"}));
    let names: Vec<&str> = body["senators"]
        .as_array()
        .expect("senators")
        .iter()
        .filter_map(|s| s["name"].as_str())
        .collect();
    assert_eq!(names.len(), 2);
    assert!(body["senators"][0]["url"].is_string());
    assert!(
        body["letter"]
            .as_str()
            .is_some_and(|l| l.ends_with("San Francisco, CA 94103"))
    );
}

#[tokio::test]
async fn zip_outside_the_state_is_422_with_the_form_again() {
    let h = harness_with(letter_bundle()).await;
    let r = send(
        &h.app,
        form(
            LETTERS,
            &letter_form_body("ada@example.org", "CA", "10001", "My <own> letter"),
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let page = &r.body;
    assert!(
        page.contains("<title>Correct your letter – Free Them</title>"),
        "{page}"
    );
    assert!(page.contains("The ZIP code 10001 is not in California"));
    assert!(
        page.contains("<a href=\"#ltr-zip\">"),
        "the summary links the field"
    );
    assert!(
        page.contains("id=\"ltr-zip\" name=\"zip\" value=\"10001\""),
        "the ZIP is kept: {page}"
    );
    let zip_input = page
        .split("id=\"ltr-zip\"")
        .nth(1)
        .and_then(|rest| rest.split('>').next())
        .expect("zip input");
    assert!(zip_input.contains("aria-invalid=\"true\""), "{zip_input}");
    assert!(zip_input.contains("ltr-zip-error"), "{zip_input}");
    assert!(
        page.contains("<option value=\"CA\" selected>"),
        "state kept"
    );
    assert!(
        page.contains("My &lt;own&gt; letter</textarea>"),
        "letter kept, escaped"
    );
    assert!(page.contains("value=\"1 Main Street\""), "street kept");
    assert!(
        page.contains("data-enhance=\"letter\""),
        "the theme's letter form"
    );
    assert!(
        page.contains("<template data-senators=\"CA\">"),
        "senators for the script"
    );
    assert_eq!(letter_counts(&h).await.total, 0);

    let r = send(
        &h.app,
        json_req(LETTERS, &letter_json("ada@example.org", "CA", "1000")),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let body = r.json();
    assert_eq!(body["errors"][0]["field"], "zip");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("5 digits"))
    );
}

#[tokio::test]
async fn dc_and_territories_are_told_plainly_they_have_no_senators() {
    let h = harness_with(letter_bundle()).await;
    let r = send(
        &h.app,
        form(
            LETTERS,
            &letter_form_body("ada@example.org", "DC", "20001", SUGGESTED),
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body
            .contains("Washington, D.C. has no senators in the U.S. Senate"),
        "{}",
        r.body
    );
    assert!(r.body.contains("<option value=\"DC\" selected>"));
    let r = send(
        &h.app,
        json_req(LETTERS, &letter_json("ada@example.org", "PR", "00901")),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let body = r.json();
    assert_eq!(body["errors"].as_array().map(Vec::len), Some(1), "{body}");
    assert_eq!(body["errors"][0]["field"], "state");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("Puerto Rico has no senators"))
    );
    assert_eq!(letter_counts(&h).await.total, 0);
}

#[tokio::test]
async fn letter_honeypot_gets_the_answer_and_nothing_is_kept() {
    let h = harness_with(letter_bundle()).await;
    let honest = send(
        &h.app,
        json_req(LETTERS, &letter_json("a@example.org", "CA", "94103")),
    )
    .await;
    let mut bot = letter_json("a@example.org", "CA", "94103");
    bot["website"] = json!("http://spam.example");
    let r = send(&h.app, json_req(LETTERS, &bot)).await;
    assert_eq!(r.status, StatusCode::CREATED);
    assert_eq!(r.body, honest.body);
    let r = send(
        &h.app,
        form(
            LETTERS,
            &format!(
                "{}&website=spam",
                letter_form_body("b@example.org", "CA", "94103", SUGGESTED)
            ),
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(letter_counts(&h).await.total, 1, "only the honest letter");
}

#[tokio::test]
async fn letters_without_a_campaign_are_404() {
    let h = harness().await; // the fixture bundle has no letter campaign
    let r = send(
        &h.app,
        json_req(LETTERS, &letter_json("a@example.org", "CA", "94103")),
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(
        r.json()["message"]
            .as_str()
            .is_some_and(|m| m.contains("not collecting letters"))
    );
    let r = send(&h.app, form(LETTERS, "name=x")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(
        r.body.contains("<h1>Letters to senators are closed</h1>"),
        "{}",
        r.body
    );
}

#[tokio::test]
async fn letter_route_refuses_what_it_cannot_take() {
    let h = harness_with(letter_bundle()).await;
    let r = send(&h.app, get(LETTERS)).await;
    assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED);
    assert!(r.header(header::ALLOW).contains("POST"));
    let r = send(&h.app, post(LETTERS, "text/plain", "hello")).await;
    assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let big = letter_form_body("a@example.org", "CA", "94103", &"é".repeat(2_000));
    assert!(big.len() > BODY_LIMIT);
    let r = send(&h.app, form(LETTERS, &big)).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(r.body.contains("shorten your letter"));
    let r = send(&h.app, post(LETTERS, "application/json", "{nope")).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = send(&h.app, json_req(LETTERS, &json!({"name": ["x"]}))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    // A letter of 5,000 characters fits in the body limit.
    let long = format!("{}.", "Please act now ".repeat(334));
    let r = send(
        &h.app,
        form(
            LETTERS,
            &letter_form_body("c@example.org", "CA", "94103", &long[..5_000]),
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    let r = send(
        &h.app,
        form(
            LETTERS,
            &letter_form_body("c@example.org", "CA", "94103", &"a".repeat(5_001)),
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("shorten it by 1 character."), "{}", r.body);
}

#[tokio::test]
async fn letters_on_an_unavailable_store_are_503() {
    let state = down_state(
        DownStore {
            stall: false,
            broken: false,
        },
        letter_bundle(),
    );
    let app = app(state);
    let r = send(
        &app,
        json_req(LETTERS, &letter_json("a@example.org", "CA", "94103")),
    )
    .await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(r.header(header::RETRY_AFTER), "5");
    let r = send(
        &app,
        form(
            LETTERS,
            &letter_form_body("a@example.org", "CA", "94103", SUGGESTED),
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(r.body.contains("Please try again in a moment"));
}

#[tokio::test]
async fn letter_pages_fall_back_to_plain_markup_without_the_theme() {
    let mut bundle = letter_bundle();
    bundle.pages.components = String::new();
    let h = harness_with(bundle).await;
    let r = send(
        &h.app,
        form(
            LETTERS,
            &letter_form_body("a@example.org", "CA", "1", SUGGESTED),
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body
            .contains("aria-invalid=\"true\" aria-describedby=\"zip-error\""),
        "{}",
        r.body
    );
    let r = send(
        &h.app,
        form(
            LETTERS,
            &letter_form_body("a@example.org", "CA", "94103", SUGGESTED),
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    for s in h.state.bundle().senators_of("CA") {
        assert!(r.body.contains(&s.name));
        assert!(r.body.contains(s.contact_form.as_deref().unwrap_or(&s.url)));
    }
}

// ---------------------------------------------------------------------------------------------
// Double opt-in (`confirm = true`)
// ---------------------------------------------------------------------------------------------

const CONFIRMING: &str = "/api/petitions/confirm-me/signatures";

fn outbox(h: &Harness) -> crate::mail::Outbox {
    crate::mail::Outbox::new(h._dir.path())
}

/// The confirmation links in the outbox, oldest first.
fn mailed_tokens(h: &Harness) -> Vec<String> {
    let outbox = outbox(h);
    let mut entries = outbox.list().expect("lists the outbox");
    entries.sort_by(|a, b| a.name.cmp(&b.name));
    entries
        .iter()
        .map(|e| {
            let mail = outbox.read(&e.name).expect("reads a mail");
            let text = mail.text.expect("a text part");
            let start = text.find("token=").expect("a confirmation link") + "token=".len();
            text[start..start + 43].to_owned()
        })
        .collect()
}

fn confirm_form(token: &str) -> Request<Body> {
    form("/api/confirm", &format!("token={token}"))
}

#[tokio::test]
async fn a_signature_counts_only_once_its_mailbox_confirms_it() {
    let h = harness().await;
    let r = send(&h.app, form(CONFIRMING, GOOD_FORM)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.header(header::LOCATION), "/confirm-me/inbox/");
    assert_eq!(count(&h, "confirm-me").await.total, 0);
    let tokens = mailed_tokens(&h);
    assert_eq!(tokens.len(), 1, "one confirmation mail");
    let mail = outbox(&h).list().expect("lists");
    assert_eq!(mail[0].to, "ada@example.org");
    assert!(mail[0].subject.contains("Confirm the prisoners"));
    // A mail scanner follows the link as often as it likes: nothing changes.
    for _ in 0..5 {
        let page = send(&h.app, get(&format!("/api/confirm?token={}", tokens[0]))).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.body.contains("action=\"/api/confirm\""),
            "{}",
            page.body
        );
        assert!(page.body.contains(&format!("value=\"{}\"", tokens[0])));
        assert_eq!(page.header(header::CACHE_CONTROL), "no-store");
    }
    assert_eq!(count(&h, "confirm-me").await.total, 0);
    // The button confirms; pressing it again is harmless.
    for _ in 0..2 {
        let r = send(&h.app, confirm_form(&tokens[0])).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(r.header(header::LOCATION), "/confirm-me/thanks/");
    }
    let counts = count(&h, "confirm-me").await;
    assert_eq!(counts.total, 1);
    assert_eq!(counts.by_country.get("FR"), Some(&1));
}

#[tokio::test]
async fn new_pending_and_confirmed_addresses_get_identical_answers() {
    let h = harness().await;
    let sign_json = |email: &str| json_req(CONFIRMING, &good_json(email));
    let first = send(&h.app, sign_json("ada@example.org")).await;
    assert_eq!(first.status, StatusCode::ACCEPTED);
    assert_eq!(first.json()["status"], "pending");
    assert!(first.json().get("count").is_none());
    let pending = send(&h.app, sign_json("ada@example.org")).await;
    let token = mailed_tokens(&h).remove(0);
    send(&h.app, confirm_form(&token)).await;
    let confirmed = send(&h.app, sign_json("Ada@Example.org")).await;
    let stranger = send(&h.app, sign_json("zoe@example.org")).await;
    for r in [&pending, &confirmed, &stranger] {
        assert_eq!((r.status, &r.body), (first.status, &first.body));
    }
    let form_first = send(&h.app, form(CONFIRMING, GOOD_FORM)).await;
    let form_again = send(&h.app, form(CONFIRMING, GOOD_FORM)).await;
    for r in [&form_first, &form_again] {
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(r.header(header::LOCATION), "/confirm-me/inbox/");
        assert!(r.body.is_empty());
    }
    // One mail each for ada (the repeat within the hour sent none) and zoe.
    assert_eq!(mailed_tokens(&h).len(), 2);
    assert_eq!(count(&h, "confirm-me").await.total, 1);
}

#[tokio::test]
async fn json_confirmation_answers_with_the_count() {
    let h = harness().await;
    send(&h.app, json_req(CONFIRMING, &good_json("ada@example.org"))).await;
    let token = mailed_tokens(&h).remove(0);
    let r = send(&h.app, json_req("/api/confirm", &json!({ "token": token }))).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json(), json!({ "status": "confirmed", "count": 1 }));
}

#[tokio::test]
async fn expired_and_unknown_tokens_get_a_clear_page() {
    let h = harness().await;
    send(&h.app, form(CONFIRMING, GOOD_FORM)).await;
    let token = mailed_tokens(&h).remove(0);
    let later = h.state.clone().with_clock(Arc::new(|| {
        UNIX_EPOCH + Duration::from_secs(TODAY + 8 * 24 * 3600)
    }));
    let app = standalone_app(later);
    let r = send(&app, confirm_form(&token)).await;
    assert_eq!(r.status, StatusCode::GONE);
    assert!(r.body.contains("expired"), "{}", r.body);
    assert!(r.body.contains("href=\"/confirm-me/\""));
    let unknown = "A".repeat(43);
    let r = send(&h.app, confirm_form(&unknown)).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.body.contains("not valid"));
    let r = send(
        &h.app,
        json_req("/api/confirm", &json!({ "token": "short" })),
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.json()["errors"][0]["field"], "token");
    let r = send(&h.app, get("/api/confirm")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(count(&h, "confirm-me").await.total, 0);
}

/// A transport that refuses every mail, as SES does when it is down.
struct FailingMailer;

impl crate::mail::Mailer for FailingMailer {
    fn send<'a>(&'a self, _: &'a crate::mail::Mail) -> crate::mail::MailFuture<'a> {
        Box::pin(async {
            Err(crate::mail::MailError::Unavailable {
                what: "the stand-in is down".into(),
                source: "connection refused".into(),
            })
        })
    }
    fn kind(&self) -> &'static str {
        "failing"
    }
}

#[tokio::test]
async fn a_mail_that_cannot_be_sent_is_said_and_the_next_try_mails_again() {
    let h = harness().await;
    let down = standalone_app(h.state.clone().with_mailer(Arc::new(FailingMailer)));
    let r = send(&down, form(CONFIRMING, GOOD_FORM)).await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(r.header(header::RETRY_AFTER), "300");
    assert!(r.body.contains("could not send"), "{}", r.body);
    assert_eq!(count(&h, "confirm-me").await.total, 0);
    // Mail works again: the next try within the hour sends the mail.
    let r = send(&h.app, form(CONFIRMING, GOOD_FORM)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let tokens = mailed_tokens(&h);
    assert_eq!(tokens.len(), 1);
    send(&h.app, confirm_form(&tokens[0])).await;
    assert_eq!(count(&h, "confirm-me").await.total, 1);
}

// ---------------------------------------------------------------------------------------------
// Forgery: no other site posts for a visitor
// ---------------------------------------------------------------------------------------------

fn with_header(mut req: Request<Body>, name: &'static str, value: &'static str) -> Request<Body> {
    req.headers_mut()
        .insert(name, axum::http::HeaderValue::from_static(value));
    req
}

#[tokio::test]
async fn a_form_posted_from_another_site_is_refused_and_nothing_is_kept() {
    let h = harness().await;
    let forged = with_header(form(SIGN, GOOD_FORM), "origin", "https://evil.example");
    let r = send(&h.app, forged).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.body.contains("sent from another website"), "{}", r.body);
    assert!(r.body.contains("<html"), "a themed page: {}", r.body);
    let forged = with_header(
        json_req(SIGN, &good_json("ada@example.org")),
        "sec-fetch-site",
        "cross-site",
    );
    let r = send(&h.app, forged).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.json()["errors"][0]["field"], "origin");
    for path in [LETTERS, "/api/confirm"] {
        let forged = with_header(form(path, "token=x"), "origin", "null");
        assert_eq!(
            send(&h.app, forged).await.status,
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }
    assert_eq!(count(&h, "free-them").await.total, 0);
    // The site's own pages, the preview's origin, and clients that send neither header pass.
    let own = with_header(form(SIGN, GOOD_FORM), "origin", "https://example.org");
    assert_eq!(send(&h.app, own).await.status, StatusCode::SEE_OTHER);
    let preview = with_header(
        with_header(
            json_req(SIGN, &good_json("bob@example.org")),
            "origin",
            "http://127.0.0.1:1111",
        ),
        "host",
        "127.0.0.1:1111",
    );
    assert_eq!(send(&h.app, preview).await.status, StatusCode::CREATED);
    let plain = send(&h.app, json_req(SIGN, &good_json("zoe@example.org"))).await;
    assert_eq!(plain.status, StatusCode::CREATED);
    assert_eq!(count(&h, "free-them").await.total, 3);
    // Reading is never refused: the count is public.
    let read = with_header(
        get("/api/petitions/free-them"),
        "origin",
        "https://evil.example",
    );
    assert_eq!(send(&h.app, read).await.status, StatusCode::OK);
}

// ---------------------------------------------------------------------------------------------
// Stopping updates
// ---------------------------------------------------------------------------------------------

async fn signed_with_updates(h: &Harness, email: &str) -> String {
    let mut body = good_json(email);
    body["updates"] = json!(true);
    assert_eq!(
        send(&h.app, json_req(SIGN, &body)).await.status,
        StatusCode::CREATED
    );
    let keys = h.state.keys();
    let hash = keys.dedup_hash(&crate::domain::normalise_email(email).expect("valid"));
    keys.unsubscribe_token(&hash)
}

async fn recipients(h: &Harness) -> usize {
    h.state
        .store()
        .recipients("free-them")
        .await
        .expect("recipients")
        .len()
}

#[tokio::test]
async fn the_unsubscribe_link_shows_a_button_and_the_button_removes_the_address() {
    let h = harness().await;
    let token = signed_with_updates(&h, "ada@example.org").await;
    signed_with_updates(&h, "bob@example.org").await;
    assert_eq!(recipients(&h).await, 2);
    for _ in 0..3 {
        let page = send(&h.app, get(&format!("/api/unsubscribe?token={token}"))).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.body.contains("action=\"/api/unsubscribe\""),
            "{}",
            page.body
        );
        assert!(page.body.contains("Unsubscribe"));
    }
    assert_eq!(
        recipients(&h).await,
        2,
        "following the link changes nothing"
    );
    let r = send(&h.app, form("/api/unsubscribe", &format!("token={token}"))).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("no more mail"), "{}", r.body);
    assert_eq!(recipients(&h).await, 1);
    assert_eq!(
        count(&h, "free-them").await.total,
        2,
        "the signature still counts"
    );
    let again = send(&h.app, form("/api/unsubscribe", &format!("token={token}"))).await;
    assert_eq!((again.status, again.body), (r.status, r.body));
}

#[tokio::test]
async fn one_click_unsubscribe_takes_the_token_from_the_query() {
    let h = harness().await;
    let token = signed_with_updates(&h, "ada@example.org").await;
    let r = send(
        &h.app,
        form(
            &format!("/api/unsubscribe?token={token}"),
            "List-Unsubscribe=One-Click",
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(recipients(&h).await, 0);
    let r = send(
        &h.app,
        json_req("/api/unsubscribe", &json!({ "token": "forged.token" })),
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.json()["errors"][0]["field"], "token");
    let link = with_header(
        get("/api/unsubscribe?token=forged.token"),
        "accept",
        "text/html,application/xhtml+xml",
    );
    let r = send(&h.app, link).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.body.contains("not valid"), "{}", r.body);
}

/// A bundle whose petition lets each client sign twice an hour.
fn tight_bundle() -> SiteBundle {
    let mut bundle = test_bundle();
    bundle.limits.signatures_per_hour = 2;
    bundle.limits.letters_per_hour = 1;
    bundle
}

/// A request from the socket peer `ip`.
fn from(ip: &str, mut req: Request<Body>) -> Request<Body> {
    let addr: std::net::SocketAddr = format!("{ip}:40000").parse().expect("address");
    req.extensions_mut()
        .insert(axum::extract::ConnectInfo(addr));
    req
}

fn with_altcha(email: &str, payload: &str) -> Value {
    let mut body = good_json(email);
    body["altcha"] = json!(payload);
    body
}

#[tokio::test]
async fn over_its_limit_a_client_pays_with_a_solved_challenge_once() {
    let h = harness_with(tight_bundle()).await;
    for i in 0..2 {
        let r = send(
            &h.app,
            from(
                "198.51.100.1",
                json_req(SIGN, &good_json(&format!("a{i}@example.org"))),
            ),
        )
        .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    }
    let r = send(
        &h.app,
        from("198.51.100.1", json_req(SIGN, &good_json("a2@example.org"))),
    )
    .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.body);
    let retry: i64 = r.header(header::RETRY_AFTER).parse().expect("seconds");
    assert!((1..=3600).contains(&retry), "{retry}");
    let body = r.json();
    assert_eq!(body["retry_after"], json!(retry));
    assert!(
        body["message"]
            .as_str()
            .is_some_and(|m| m.contains("Send again"))
    );
    let challenge = &body["challenge"];
    assert_eq!(challenge["algorithm"], "SHA-256");
    // One over the limit: twice the easiest work.
    assert_eq!(
        challenge["maxnumber"],
        json!(2 * crate::fair::challenge::BASE_MAXNUMBER)
    );
    assert_eq!(
        count(&h, "free-them").await.total,
        2,
        "held back, not stored"
    );

    let issued = crate::fair::Challenge {
        algorithm: "SHA-256",
        challenge: challenge["challenge"].as_str().expect("text").into(),
        salt: challenge["salt"].as_str().expect("text").into(),
        signature: challenge["signature"].as_str().expect("text").into(),
        maxnumber: challenge["maxnumber"].as_u64().expect("number"),
    };
    let payload = crate::fair::challenge::tests::solve(&issued);
    // Another client cannot use this client's solution.
    let r = send(
        &h.app,
        from(
            "198.51.100.9",
            json_req(SIGN, &with_altcha("b@example.org", &payload)),
        ),
    )
    .await;
    assert_eq!(
        r.status,
        StatusCode::CREATED,
        "another client is within its own limit"
    );
    let r = send(
        &h.app,
        from(
            "198.51.100.1",
            json_req(SIGN, &with_altcha("a2@example.org", &payload)),
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "paid: {}", r.body);
    assert_eq!(count(&h, "free-them").await.total, 4);
    // A solution is accepted once.
    let r = send(
        &h.app,
        from(
            "198.51.100.1",
            json_req(SIGN, &with_altcha("a3@example.org", &payload)),
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    // Each refusal counts too: the work asked keeps rising.
    let harder = r.json()["challenge"]["maxnumber"].as_u64().expect("number");
    assert!(
        harder >= 4 * crate::fair::challenge::BASE_MAXNUMBER,
        "{harder}"
    );
    assert_eq!(count(&h, "free-them").await.total, 4);
}

#[tokio::test]
async fn the_wait_page_keeps_what_was_typed_and_says_how_long() {
    let h = harness_with(tight_bundle()).await;
    let typed =
        "name=Ada+%3CLovelace%3E&email=ada%40example.org&country=FR&consent=true&updates=true";
    for _ in 0..2 {
        send(&h.app, from("198.51.100.2", form(SIGN, typed))).await;
    }
    let r = send(&h.app, from("198.51.100.2", form(SIGN, typed))).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(r.header(header::CONTENT_TYPE).starts_with("text/html"));
    assert!(!r.header(header::RETRY_AFTER).is_empty());
    assert!(r.body.contains("Please wait a little"), "{}", r.body);
    assert!(r.body.contains("minutes") || r.body.contains("a minute"));
    assert!(
        r.body
            .contains(r#"action="/api/petitions/free-them/signatures""#),
        "{}",
        r.body
    );
    assert!(
        r.body.contains(r#"name="email" value="ada@example.org""#),
        "{}",
        r.body
    );
    assert!(
        r.body.contains("Ada &lt;Lovelace&gt;"),
        "typed values are escaped: {}",
        r.body
    );
    assert!(!r.body.contains("<Lovelace>"));
    assert!(r.body.contains(r#"name="updates" value="true""#));
    assert!(r.body.contains("Send again"));
}

#[tokio::test]
async fn letters_have_their_own_limit_through_the_same_gate() {
    let mut bundle = letter_bundle();
    bundle.limits = tight_bundle().limits;
    let h = harness_with(bundle).await;
    let letter = letter_form_body("ada@example.org", "CA", "94103", "Please act.");
    let letter = letter.as_str();
    let r = send(&h.app, from("198.51.100.3", form("/api/letters", letter))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = send(&h.app, from("198.51.100.3", form("/api/letters", letter))).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(r.body.contains(r#"action="/api/letters""#), "{}", r.body);
    assert!(r.body.contains("letters have come from your connection"));
    // Signing is limited apart.
    let r = send(
        &h.app,
        from("198.51.100.3", json_req(SIGN, &good_json("x@example.org"))),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED);
}

#[tokio::test]
async fn a_challenge_is_served_fresh_and_never_cached() {
    let h = harness().await;
    let r = send(&h.app, from("198.51.100.4", get("/api/challenge"))).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.header(header::CACHE_CONTROL), "no-store");
    let c = r.json();
    for field in ["algorithm", "challenge", "salt", "signature", "maxnumber"] {
        assert!(!c[field].is_null(), "{field}: {c}");
    }
    let again = send(&h.app, from("198.51.100.4", get("/api/challenge")))
        .await
        .json();
    assert_ne!(c["challenge"], again["challenge"]);
}

#[tokio::test]
async fn behind_cloudfront_the_viewer_address_is_the_client_and_forgeries_are_not() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = local_state(dir.path(), tight_bundle())
        .await
        .expect("state")
        .with_clock(fixed_clock())
        .with_origin_secret("cdn-secret");
    let app = standalone_app(state.clone());
    let via_cdn = |viewer: &'static str, verify: &'static str, email: &str| {
        let mut req = from("10.0.0.1", json_req(SIGN, &good_json(email)));
        req.headers_mut()
            .insert("x-origin-verify", verify.parse().expect("value"));
        req.headers_mut()
            .insert("cloudfront-viewer-address", viewer.parse().expect("value"));
        req
    };
    // Three viewers through CloudFront, one edge address: each has its own limit.
    for (i, viewer) in ["203.0.113.1:1", "203.0.113.2:2", "203.0.113.3:3"]
        .into_iter()
        .enumerate()
    {
        for j in 0..2 {
            let r = send(
                &app,
                via_cdn(viewer, "cdn-secret", &format!("v{i}-{j}@example.org")),
            )
            .await;
            assert_eq!(r.status, StatusCode::CREATED, "{viewer}: {}", r.body);
        }
    }
    // Direct calls to the API's own address (a wrong or no origin secret) are refused, whatever
    // viewer they claim to be, and nothing is stored.
    let before = state
        .store()
        .count("free-them")
        .await
        .expect("counts")
        .total;
    for verify in ["guess", ""] {
        let r = send(&app, via_cdn("198.51.100.1:1", verify, "f@example.org")).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
        assert!(
            r.json()["message"]
                .as_str()
                .is_some_and(|m| m.contains("site's own address"))
        );
    }
    let mut bare = from("10.0.0.1", get("/api/health"));
    bare.headers_mut()
        .insert(header::ACCEPT, "text/html".parse().expect("value"));
    assert_eq!(
        send(&app, bare).await.status,
        StatusCode::FORBIDDEN,
        "GETs too"
    );
    assert_eq!(
        state
            .store()
            .count("free-them")
            .await
            .expect("counts")
            .total,
        before
    );
}

#[tokio::test]
async fn no_client_address_is_stored() {
    let h = harness().await;
    let r = send(
        &h.app,
        from("203.0.113.77", json_req(SIGN, &good_json("n@example.org"))),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let notes = h
        .state
        .store()
        .client_notes("free-them", None, 0)
        .await
        .expect("notes");
    assert_eq!(notes.len(), 1);
    assert!(!notes[0].client.contains("203.0.113"));
    let bytes = std::fs::read(h._dir.path().join(crate::store::local::DB_FILE)).expect("db");
    let text = String::from_utf8_lossy(&bytes);
    assert!(
        !text.contains("203.0.113.77"),
        "the address is in the store file"
    );
    assert!(
        !bytes.windows(4).any(|w| w == [203, 0, 113, 77]),
        "nor its bytes"
    );
}

#[tokio::test]
async fn a_paused_petition_answers_503_and_keeps_its_count() {
    let h = harness().await;
    assert_eq!(
        send(&h.app, json_req(SIGN, &good_json("p1@example.org")))
            .await
            .status,
        StatusCode::CREATED
    );
    let store = h.state.store();
    crate::fair::operator::pause(
        store.as_ref(),
        "free-them",
        Some("We are checking a flood.".into()),
        "2026-03-01T10:00:00Z".into(),
    )
    .await
    .expect("pauses");
    // A fresh state reads the pause at once (the cache is per state, at most 5 s old).
    let app = standalone_app(h.state.clone().with_clock(fixed_clock()));
    let r = send(&app, form(SIGN, GOOD_FORM)).await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(!r.header(header::RETRY_AFTER).is_empty());
    assert!(r.body.contains("Signing is paused"), "{}", r.body);
    assert!(r.body.contains("We are checking a flood."), "{}", r.body);
    let r = send(&app, json_req(SIGN, &good_json("p2@example.org"))).await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        r.json()["message"]
            .as_str()
            .is_some_and(|m| m.contains("paused"))
    );
    let r = send(&app, get("/api/petitions/free-them")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["count"], 1);
    crate::fair::operator::resume(store.as_ref(), "free-them")
        .await
        .expect("resumes");
    let app = standalone_app(h.state.clone().with_clock(fixed_clock()));
    assert_eq!(
        send(&app, json_req(SIGN, &good_json("p2@example.org")))
            .await
            .status,
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn an_outcome_is_counted_once_per_client_and_day_and_limited() {
    let mut bundle = letter_bundle();
    bundle.limits.actions_per_hour = 3;
    let senators: Vec<String> = bundle
        .senators_of("CA")
        .iter()
        .map(|s| s.bioguide.clone())
        .collect();
    let name = bundle.senators_of("CA")[0].name.clone();
    let h = harness_with(bundle).await;
    let called = |senator: &str| json!({"kind": "called", "state": "ca", "senator": senator});
    let r = send(
        &h.app,
        from(
            "198.51.100.20",
            json_req("/api/actions", &called(&senators[0])),
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.json()["status"], "counted");
    // The same client pressing again: the same answer, counted once.
    let again = send(
        &h.app,
        from(
            "198.51.100.20",
            json_req("/api/actions", &called(&senators[0])),
        ),
    )
    .await;
    assert_eq!(
        (again.status, again.body.clone()),
        (r.status, r.body.clone())
    );
    // Another client counts; a plain form gets a page.
    let page = send(
        &h.app,
        from(
            "198.51.100.21",
            form(
                "/api/actions",
                &format!("kind=called&state=CA&senator={}", senators[0]),
            ),
        ),
    )
    .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains(&format!("Thank you for calling {name}")),
        "{}",
        page.body
    );
    let counts = h.state.store().action_counts().await.expect("counts");
    assert_eq!(counts.len(), 1);
    assert_eq!(
        (
            counts[0].kind.as_str(),
            counts[0].state.as_str(),
            counts[0].count
        ),
        ("called", "CA", 2)
    );
    // Bad fields, and another state's senator.
    let r = send(
        &h.app,
        json_req(
            "/api/actions",
            &json!({"kind": "tweeted", "state": "CA", "senator": senators[0]}),
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["errors"][0]["field"], "kind");
    let r = send(
        &h.app,
        json_req(
            "/api/actions",
            &json!({"kind": "called", "state": "NY", "senator": senators[0]}),
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["errors"][0]["field"], "senator");
    // The limit: the first client's fourth report this hour.
    let sent = |senator: &str| json!({"kind": "letter_sent", "state": "CA", "senator": senator});
    assert_eq!(
        send(
            &h.app,
            from(
                "198.51.100.20",
                json_req("/api/actions", &sent(&senators[1]))
            )
        )
        .await
        .status,
        StatusCode::CREATED
    );
    let r = send(
        &h.app,
        from(
            "198.51.100.20",
            json_req("/api/actions", &sent(&senators[0])),
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.body);
    // Without a letter campaign there is nothing to report.
    let plain = harness().await;
    assert_eq!(
        send(&plain.app, json_req("/api/actions", &called("X")))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn the_letter_form_can_ask_for_updates_confirmed_by_mail() {
    let h = harness_with(letter_bundle()).await;
    let list = contract::api::UPDATES_LIST;
    // Without the box ticked: no mail, nobody on the list.
    let body = letter_form_body("ada@example.org", "CA", "94103", SUGGESTED);
    assert_eq!(
        send(&h.app, form(LETTERS, &body)).await.status,
        StatusCode::OK
    );
    assert!(mailed_tokens(&h).is_empty());
    // Ticked: a confirmation mail, and nothing sent to the address before it is confirmed.
    let ticked = format!(
        "{}&updates=true",
        letter_form_body("bob@example.org", "NY", "10001", SUGGESTED)
    );
    assert_eq!(
        send(&h.app, form(LETTERS, &ticked)).await.status,
        StatusCode::OK
    );
    let tokens = mailed_tokens(&h);
    assert_eq!(tokens.len(), 1);
    let entries = outbox(&h).list().expect("lists");
    assert_eq!(entries[0].to, "bob@example.org");
    assert!(
        entries[0].subject.contains("campaign's updates"),
        "{}",
        entries[0].subject
    );
    let mail = outbox(&h).read(&entries[0].name).expect("reads");
    assert!(
        mail.text
            .as_deref()
            .unwrap_or_default()
            .contains("&for=updates")
    );
    let store = h.state.store();
    assert!(store.recipients(list).await.expect("recipients").is_empty());
    // The link's page speaks of the address, not of a signature; the button confirms it.
    let page = send(
        &h.app,
        get(&format!("/api/confirm?token={}&for=updates", tokens[0])),
    )
    .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Confirm my address"), "{}", page.body);
    assert!(
        page.body
            .contains("<input type=\"hidden\" name=\"lang\" value=\"en\">"),
        "the theme's button sends the page's language: {}",
        page.body
    );
    let done = send(&h.app, confirm_form(&tokens[0])).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert!(
        done.body.contains("Your address is confirmed"),
        "{}",
        done.body
    );
    let recipients = store.recipients(list).await.expect("recipients");
    assert_eq!(recipients.len(), 1);
    // Every mail's unsubscribe link takes the address off the list.
    let unsubscribe = h.state.keys().unsubscribe_token(&recipients[0].hash);
    let r = send(
        &h.app,
        form("/api/unsubscribe", &format!("token={unsubscribe}")),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(store.recipients(list).await.expect("recipients").is_empty());
}

/// Requests generated from the routes, methods, content types, origins and bodies (random
/// bytes, or forms and JSON of the right fields with any values): the router never panics and
/// never answers 5xx on a healthy store.
mod generated {
    use super::*;
    use proptest::prelude::*;

    fn path() -> impl Strategy<Value = String> {
        let id = prop_oneof![
            Just("free-them".to_owned()),
            Just("confirm-me".to_owned()),
            Just("old".to_owned()),
            Just("future".to_owned()),
            "[a-zA-Z0-9%._~-]{0,16}",
        ];
        let template = proptest::sample::select(contract::api::route::ALL.to_vec());
        prop_oneof![
            4 => (template, id).prop_map(|(t, id)| t.replace("{id}", &id)),
            1 => "/[a-z0-9/%._-]{0,30}",
        ]
        .prop_flat_map(|path| {
            let query = prop_oneof![
                Just(String::new()),
                "[a-z]{1,8}=[a-zA-Z0-9%._-]{0,50}".prop_map(|q| format!("?{q}")),
            ];
            query.prop_map(move |q| format!("{path}{q}"))
        })
    }

    fn body() -> impl Strategy<Value = Vec<u8>> {
        let fields: Vec<&'static str> = [
            contract::api::Form::Signature,
            contract::api::Form::Letter,
            contract::api::Form::Action,
        ]
        .iter()
        .flat_map(|f| f.fields().iter().copied())
        .chain(["token", "altcha"])
        .collect();
        let pairs = proptest::collection::btree_map(
            proptest::sample::select(fields),
            prop_oneof![
                "\\PC{0,40}",
                Just("true".to_owned()),
                Just("ada@example.org".to_owned()),
                Just("FR".to_owned())
            ],
            0..9,
        );
        prop_oneof![
            proptest::collection::vec(any::<u8>(), 0..400),
            pairs
                .clone()
                .prop_map(|p| serde_json::to_vec(&p).unwrap_or_default()),
            pairs.prop_map(|p| {
                let mut form = form_urlencoded::Serializer::new(String::new());
                for (k, v) in &p {
                    form.append_pair(k, v);
                }
                form.finish().into_bytes()
            }),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 300, failure_persistence: None, ..ProptestConfig::default() })]
        #[test]
        fn no_generated_request_gets_a_5xx(
            method in proptest::sample::select(vec!["GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH"]),
            path in path(),
            content_type in proptest::sample::select(vec![
                "", "application/json", "application/x-www-form-urlencoded",
                "application/json; charset=latin1", "text/plain", "multipart/form-data; boundary=x",
                "application/merge-patch+json", "application/x-www-form-urlencoded; charset=UTF-8",
            ]),
            origin in proptest::sample::select(vec!["", "same-origin", "cross-site", "null"]),
            accept_html in any::<bool>(),
            body in body(),
        ) {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime");
            let status = runtime.block_on(async {
                let h = harness().await;
                let mut request = Request::builder().method(method).uri(&path);
                if !content_type.is_empty() {
                    request = request.header(header::CONTENT_TYPE, content_type);
                }
                match origin {
                    "" => {}
                    "null" => request = request.header(header::ORIGIN, "null"),
                    site => request = request.header("sec-fetch-site", site),
                }
                if accept_html {
                    request = request.header(header::ACCEPT, "text/html");
                }
                let request = request.body(Body::from(body)).expect("a request");
                send(&h.app, request).await.status
            });
            prop_assert!(status.as_u16() < 500, "{method} {path} ({content_type}): {status}");
        }
    }
}

#[tokio::test]
async fn the_history_has_confirmed_counts_only_in_json_and_csv_alike_and_nothing_personal() {
    let h = harness().await;
    // Two mailboxes sign the confirming petition; only one confirms.
    for email in ["ada@example.org", "bob@example.org"] {
        let r = send(&h.app, json_req(CONFIRMING, &good_json(email))).await;
        assert_eq!(r.status, StatusCode::ACCEPTED);
    }
    let token = mailed_tokens(&h).remove(0);
    send(&h.app, confirm_form(&token)).await;
    let petitions = h.state.bundle().petition_ids();
    crate::history::take(h.state.store().as_ref(), &petitions, h.state.now())
        .await
        .expect("the snapshot run");

    let json = send(&h.app, get("/api/petitions/confirm-me/history")).await;
    assert_eq!(json.status, StatusCode::OK);
    assert_eq!(json.header(header::ACCESS_CONTROL_ALLOW_ORIGIN), "*");
    assert!(json.header(header::CACHE_CONTROL).starts_with("public"));
    let body = json.json();
    assert_eq!(body["id"], "confirm-me");
    assert_eq!(body["interval"], "hour");
    let hour = crate::history::hour_of(contract::date::unix_seconds(h.state.now()));
    let at = contract::date::rfc3339(UNIX_EPOCH + Duration::from_secs(hour.unsigned_abs()));
    assert_eq!(
        body["points"],
        json!([{"at": at, "count": 1, "by_country": {"FR": 1}}]),
        "the pending signature is in no count"
    );

    let csv = send(&h.app, get("/api/petitions/confirm-me/history.csv")).await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.header(header::CONTENT_TYPE).starts_with("text/csv"));
    assert_eq!(
        csv.header(header::CONTENT_DISPOSITION),
        "attachment; filename=\"confirm-me-history.csv\""
    );
    assert_eq!(csv.header(header::ACCESS_CONTROL_ALLOW_ORIGIN), "*");
    assert_eq!(
        csv.body,
        format!("petition,at,country,count\r\nconfirm-me,{at},,1\r\nconfirm-me,{at},FR,1\r\n")
    );
    for answer in [&json.body, &csv.body] {
        for personal in ["Ada", "Lovelace", "ada@", "bob@", "example.org"] {
            assert!(!answer.contains(personal), "{personal} in {answer}");
        }
    }

    for uri in [
        "/api/petitions/nope/history",
        "/api/petitions/nope/history.csv",
    ] {
        assert_eq!(send(&h.app, get(uri)).await.status, StatusCode::NOT_FOUND);
    }
}

/// The signature form in French, with what it lacks in French reading in English.
#[tokio::test]
async fn a_form_in_french_is_answered_in_french_with_the_values_kept() {
    let h = harness_with(french_bundle()).await;
    let r = send(
        &h.app,
        form(
            SIGN,
            "lang=fr&name=&email=ada%40example&country=us&updates=maybe",
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let page = &r.body;
    assert!(page.contains("<html lang=\"fr\">"), "{page}");
    assert!(
        page.contains("<title>Corrigez votre signature – Libérez-les</title>"),
        "{page}"
    );
    assert!(
        page.contains("<h1>Free the prisoners (fr)</h1>"),
        "the petition's French title: {page}"
    );
    for message in [
        "Indiquez votre nom, tel qu’il doit figurer sur la pétition.",
        "La partie après le @ doit être un nom de domaine comme example.org.",
        "Cochez la case pour confirmer que vous signez cette pétition.",
        // French has no wording of its own for this one.
        "Tick the updates box to receive news by email, or leave it empty.",
    ] {
        assert!(page.contains(message), "{message}: {page}");
    }
    assert!(page.contains("value=\"ada@example\""), "email kept");
    assert!(
        page.contains("<option value=\"US\" selected>États-Unis</option>"),
        "country kept, named in French: {page}"
    );
    // An unknown language is the default one.
    let r = send(&h.app, form(SIGN, "lang=de&name=&email=x")).await;
    assert!(
        r.body
            .contains("<title>Correct your signature – Free Them</title>")
    );
    assert!(r.body.contains("Enter your name, as you would like it"));
}

#[tokio::test]
async fn json_errors_carry_a_code_and_the_message_in_the_language() {
    let h = harness_with(french_bundle()).await;
    let r = send(
        &h.app,
        json_req(
            SIGN,
            &json!({"lang": "fr", "name": "", "email": "ada@example.org", "country": "FR", "consent": true}),
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        r.json(),
        json!({"errors": [{
            "field": "name",
            "code": "name_missing",
            "message": "Indiquez votre nom, tel qu’il doit figurer sur la pétition.",
        }]})
    );
    let r = send(
        &h.app,
        json_req(
            SIGN,
            &json!({"name": "", "email": "ada@example.org", "country": "FR", "consent": true}),
        ),
    )
    .await;
    assert_eq!(
        r.json()["errors"][0]["message"],
        "Enter your name, as you would like it to appear on the petition."
    );
    let r = send(
        &h.app,
        json_req(CONFIRMING, &json!({"lang": "fr", "name": "Ada", "email": "ada@example.org", "country": "FR", "consent": true})),
    )
    .await;
    assert_eq!(r.status, StatusCode::ACCEPTED);
    assert_eq!(
        r.json()["message"],
        "Merci. Il reste une étape : suivez le lien du mail que nous vous avons envoyé."
    );
}

/// Signing in French: the mail, its link, the page it opens, its button and the thank-you
/// page are all French.
#[tokio::test]
async fn a_signature_in_french_is_confirmed_in_french() {
    let h = harness_with(french_bundle()).await;
    let r = send(&h.app, form(CONFIRMING, &format!("{GOOD_FORM}&lang=fr"))).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.header(header::LOCATION), "/fr/confirm-me/inbox/");
    let outbox = outbox(&h);
    let entries = outbox.list().expect("lists");
    assert_eq!(
        entries[0].subject,
        "Confirmez votre signature : Confirm the prisoners' freedom (fr)"
    );
    let mail = outbox.read(&entries[0].name).expect("reads");
    let text = mail.text.expect("a text part");
    let token = mailed_tokens(&h).remove(0);
    let link = format!("https://example.org/api/confirm?token={token}&lang=fr");
    assert!(text.contains(&link), "{text}");
    let page = send(&h.app, get(&format!("/api/confirm?token={token}&lang=fr"))).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body
            .contains("<title>Confirmez votre signature – Libérez-les</title>"),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains("<input type=\"hidden\" name=\"lang\" value=\"fr\">"),
        "the button sends the language: {}",
        page.body
    );
    let r = send(
        &h.app,
        form("/api/confirm", &format!("token={token}&lang=fr")),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.header(header::LOCATION), "/fr/confirm-me/thanks/");
    // A link's unknown token is refused in the link's language (English where French has no
    // words of its own), with the link home in it.
    let r = send(
        &h.app,
        with_header(
            get(&format!("/api/confirm?token={}&lang=fr", "A".repeat(42))),
            "accept",
            "text/html",
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.body.contains("<html lang=\"fr\">"), "{}", r.body);
    assert!(r.body.contains("href=\"/fr/\""), "{}", r.body);
}

#[tokio::test]
async fn a_refusal_before_the_fields_are_read_is_in_the_language_too() {
    let h = harness_with(french_bundle()).await;
    let r = send(
        &h.app,
        form(
            "/api/petitions/old/signatures",
            &format!("{GOOD_FORM}&lang=fr"),
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(
        r.body.contains("<h1>Cette pétition est close</h1>"),
        "{}",
        r.body
    );
    assert!(
        r.body.contains(
            "Cette pétition a fermé le 31 décembre 2020 : elle n’accepte plus de signatures."
        ),
        "{}",
        r.body
    );
    assert!(
        r.body
            .contains("<a href=\"/fr/old/\">Retour à la pétition</a>"),
        "{}",
        r.body
    );
    // French lacks the words of a petition not open yet: English, with a French date.
    let r = send(
        &h.app,
        json_req(
            "/api/petitions/future/signatures",
            &json!({"lang": "fr", "name": "Ada", "email": "a@example.org", "country": "FR", "consent": true}),
        ),
    )
    .await;
    assert_eq!(
        r.json()["message"],
        "This petition opens on 1 janvier 2099: it does not accept signatures before then."
    );
    let store = h.state.store();
    crate::fair::operator::pause(
        store.as_ref(),
        "free-them",
        Some("Nous vérifions un afflux.".into()),
        "2026-03-01T10:00:00Z".into(),
    )
    .await
    .expect("pauses");
    let app = standalone_app(h.state.clone().with_clock(fixed_clock()));
    let r = send(&app, form(SIGN, &format!("lang=fr&{GOOD_FORM}"))).await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        r.body.contains("<h1>Les signatures sont suspendues</h1>"),
        "{}",
        r.body
    );
    assert!(
        r.body.contains(
            "La campagne a suspendu les signatures : Nous vérifions un afflux. Rien n’a été enregistré."
        ),
        "{}",
        r.body
    );
}

#[tokio::test]
async fn the_wait_page_sends_the_language_again() {
    let mut bundle = french_bundle();
    bundle.limits.signatures_per_hour = 1;
    let h = harness_with(bundle).await;
    let typed = format!("{GOOD_FORM}&lang=fr");
    send(&h.app, from("198.51.100.3", form(SIGN, &typed))).await;
    let r = send(&h.app, from("198.51.100.3", form(SIGN, &typed))).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(r.body.contains("<html lang=\"fr\">"), "{}", r.body);
    assert!(
        r.body
            .contains(r#"<input type="hidden" name="lang" value="fr">"#),
        "{}",
        r.body
    );
    assert!(r.body.contains("href=\"/fr/petition/\""), "{}", r.body);
}

#[tokio::test]
async fn every_refusal_has_its_words_in_every_language() {
    // Every kind and subject, in English and in a language with few words of its own: none
    // misses a string (the words panic on a key the default strings lack, in tests).
    let bundle = french_bundle();
    let site = Site::new(bundle);
    let subjects = || {
        [
            refusal::Subject::Signature { page: "/p/".into() },
            refusal::Subject::Letter { page: "/l/".into() },
            refusal::Subject::Action { page: "/l/".into() },
            refusal::Subject::Count,
            refusal::Subject::Confirmation,
            refusal::Subject::Unsubscribe,
        ]
    };
    let petition = || Box::new(site.bundle.petitions[2].clone());
    let over = || {
        Box::new(crate::fair::Over {
            retry_after: 61,
            challenge: crate::fair::Challenge {
                algorithm: "SHA-256",
                challenge: String::new(),
                salt: String::new(),
                signature: String::new(),
                maxnumber: 1,
            },
        })
    };
    for lang in [None, Some("fr")] {
        let local = site.local(lang);
        let mut all = vec![
            refusal::Refusal::NoPetition,
            refusal::Refusal::NoLetters,
            refusal::Refusal::BadUnsubscribe,
            refusal::Refusal::CrossSite,
            refusal::Refusal::UnknownToken,
            refusal::Refusal::ExpiredToken { page: None },
            refusal::Refusal::ExpiredToken {
                page: Some("/p/".into()),
            },
            refusal::Refusal::Closed {
                petition: petition(),
                today: "2026-03-01".into(),
            },
            refusal::Refusal::Closed {
                petition: petition(),
                today: "2019-03-01".into(),
            },
            refusal::Refusal::Paused {
                page: "/p/".into(),
                message: None,
            },
            refusal::Refusal::Invalid {
                refill: None,
                errors: Vec::new(),
            },
        ];
        for subject in subjects() {
            all.extend([
                refusal::Refusal::TooLarge(subject.clone()),
                refusal::Refusal::Unavailable(subject.clone()),
                refusal::Refusal::Internal(subject.clone()),
                refusal::Refusal::MailFailed(subject.clone()),
                refusal::Refusal::Limited {
                    subject,
                    over: over(),
                    refill: None,
                },
            ]);
        }
        for refusal in all {
            let notice = refusal.notice(local);
            assert!(!notice.title.is_empty() && !notice.message.is_empty());
            assert!(!notice.message.contains('{'), "{}", notice.message);
        }
    }
}

/// The real theme in a language with only a few words of its own: its components render
/// (their other strings in English), and the letter's answers are in that language.
#[tokio::test]
async fn the_letter_campaign_answers_in_the_writers_language() {
    let mut bundle = letter_bundle();
    let fr = [
        ("field_name", "Nom complet"),
        ("title_correct_letter", "Corrigez votre lettre"),
        ("outcome_thanks_called", "Merci d’avoir appelé {name}."),
        (
            "error_zip_not_in_state",
            "Le code ZIP {zip} n’est pas en {state}.",
        ),
    ];
    bundle.pages.strings.insert(
        "fr".into(),
        fr.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
    );
    bundle.translations.insert(
        "fr".into(),
        contract::bundle::Translation {
            home: "/fr/".into(),
            site_title: "Libérez-les".into(),
            shell: bundle.pages.shell.replace("lang=\"en\"", "lang=\"fr\""),
            countries: Vec::new(),
            petitions: std::collections::BTreeMap::new(),
            letter_page: Some("/fr/contact-your-senator/".into()),
        },
    );
    let senator = bundle.senators_of("CA")[0].clone();
    let h = harness_with(bundle).await;
    let body = format!(
        "{}&lang=fr",
        letter_form_body("ada@example.org", "CA", "10001", "My letter")
    );
    let r = send(&h.app, form("/api/letters", &body)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body
            .contains("<title>Corrigez votre lettre – Libérez-les</title>"),
        "{}",
        r.body
    );
    assert!(
        r.body.contains("Nom complet"),
        "the theme's t() in French: {}",
        r.body
    );
    assert!(
        r.body
            .contains("Le code ZIP 10001 n’est pas en California.")
    );
    assert!(
        r.body
            .contains("<input type=\"hidden\" name=\"lang\" value=\"fr\">")
    );
    let r = send(
        &h.app,
        json_req(
            "/api/actions",
            &json!({"kind": "called", "state": "CA", "senator": senator.bioguide, "lang": "fr"}),
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(
        r.json()["message"],
        format!("Merci d’avoir appelé {}.", senator.name)
    );
    let r = send(
        &h.app,
        form(
            "/api/actions",
            &format!("kind=called&state=CA&senator={}&lang=fr", senator.bioguide),
        ),
    )
    .await;
    assert!(
        r.body.contains("href=\"/fr/contact-your-senator/\""),
        "back to the French letter page: {}",
        r.body
    );
}
