//! The function's IAM policy is what the function does: every request path the router serves
//! runs on DynamoDB Local through a client that records the IAM action of each request (each
//! item of a transaction included), and the set must equal the `dynamodb:` actions the
//! template grants `PetitionFunction`. An action the code starts to use without the template
//! (it would fail on AWS with AccessDenied, which no emulator checks) fails here, and so does
//! a grant nothing uses.
#![cfg(feature = "dynamodb")]

mod common;

use std::collections::BTreeSet;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, header};
use base64::Engine;
use http_body_util::BodyExt;
use petition_fn::mail::Outbox;
use petition_fn::protect::SignerKeys;
use petition_fn::store::testing::recording_store;
use petition_fn::{AppState, standalone_app};
use serde_json::{Value, json};
use sha2::Digest;
use tower::ServiceExt;

async fn call(app: &Router, method: &str, uri: &str, body: Option<Value>) -> (u16, Value) {
    let mut req = Request::builder().method(method).uri(uri);
    let body = match body {
        Some(b) => {
            req = req.header(header::CONTENT_TYPE, "application/json");
            Body::from(b.to_string())
        }
        None => Body::empty(),
    };
    let response = app
        .clone()
        .oneshot(req.body(body).expect("request"))
        .await
        .expect("infallible");
    let status = response.status().as_u16();
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

/// Brute-forces a challenge, as the site's script does.
fn solve(c: &Value) -> String {
    let salt = c["salt"].as_str().expect("salt");
    let target = c["challenge"].as_str().expect("challenge");
    let max = c["maxnumber"].as_u64().expect("maxnumber");
    let number = (0..=max)
        .find(|n| {
            let digest = sha2::Sha256::digest(format!("{salt}{n}").as_bytes());
            digest
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
                == target
        })
        .expect("solvable");
    let payload = json!({"algorithm": "SHA-256", "challenge": target, "number": number,
        "salt": salt, "signature": c["signature"]});
    base64::engine::general_purpose::STANDARD.encode(payload.to_string())
}

/// The `dynamodb:` actions granted to `PetitionFunction` in the template.
fn granted() -> BTreeSet<String> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../infra/template.yaml");
    let text = std::fs::read_to_string(&path).expect("the template");
    let mut lines = text
        .lines()
        .skip_while(|l| *l != "  PetitionFunction:")
        .skip(1);
    // The resource ends where the next one starts: two spaces, then a name.
    let block: Vec<&str> = lines
        .by_ref()
        .take_while(|l| {
            !(l.starts_with("  ") && l[2..].starts_with(|c: char| c.is_ascii_alphanumeric()))
        })
        .collect();
    let block = block.join("\n");
    block
        .split(|c: char| c.is_whitespace() || c == '"' || c == ',' || c == '[' || c == ']')
        .filter(|w| w.starts_with("dynamodb:") && !w.ends_with(':'))
        .map(str::to_owned)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_function_is_granted_exactly_what_it_calls() {
    let Some((store, log)) = recording_store("iam").await else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let mut bundle = common::fixture_bundle();
    bundle.limits.signatures_per_hour = 1;
    bundle.senators = vec![contract::bundle::Senator {
        state: "CA".into(),
        name: "Ann Able".into(),
        rank: "senior".into(),
        bioguide: "A000001".into(),
        ..contract::bundle::Senator::default()
    }];
    bundle.letter = Some(contract::bundle::LetterCampaign {
        page: "/contact-your-senator/".into(),
        bill: contract::bundle::Bill::default(),
        default_letter: "Dear Senator".into(),
        call_script: None,
    });
    let keys = SignerKeys::from_secret(&[7; 32]).expect("keys");
    let state = AppState::new(Arc::new(store), keys.clone(), bundle)
        .with_mailer(Arc::new(Outbox::new(dir.path())));
    let app = standalone_app(state.clone());

    assert_eq!(call(&app, "GET", "/api/health", None).await.0, 200);
    assert_eq!(
        call(&app, "GET", "/api/petitions/free-them", None).await.0,
        200
    );
    let sig = |email: &str| json!({"name": "Ada", "email": email, "country": "FR", "consent": true, "updates": true});
    // Within the limit, over it, and paid.
    assert_eq!(
        call(
            &app,
            "POST",
            "/api/petitions/free-them/signatures",
            Some(sig("a@example.org"))
        )
        .await
        .0,
        201
    );
    let (status, over) = call(
        &app,
        "POST",
        "/api/petitions/free-them/signatures",
        Some(sig("b@example.org")),
    )
    .await;
    assert_eq!(status, 429);
    let mut paid = sig("b@example.org");
    paid["altcha"] = json!(solve(&over["challenge"]));
    assert_eq!(
        call(
            &app,
            "POST",
            "/api/petitions/free-them/signatures",
            Some(paid)
        )
        .await
        .0,
        201
    );
    // A confirming petition: pending, mailed, confirmed.
    assert_eq!(
        call(
            &app,
            "POST",
            "/api/petitions/confirm-me/signatures",
            Some(sig("c@example.org"))
        )
        .await
        .0,
        202
    );
    let outbox = Outbox::new(dir.path());
    let mail = outbox
        .list()
        .expect("outbox")
        .into_iter()
        .next()
        .expect("a mail");
    let text = outbox
        .read(&mail.name)
        .expect("mail")
        .text
        .unwrap_or_default();
    let start = text.find("token=").expect("a link") + "token=".len();
    let token: String = text[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    assert_eq!(
        call(&app, "POST", "/api/confirm", Some(json!({"token": token})))
            .await
            .0,
        200
    );
    // An outcome of the letter campaign.
    let called = json!({"kind": "called", "state": "CA", "senator": "A000001"});
    assert_eq!(
        call(&app, "POST", "/api/actions", Some(called)).await.0,
        201
    );
    // Unsubscribing.
    let hash = keys.dedup_hash("a@example.org");
    let unsubscribe = json!({"token": keys.unsubscribe_token(&hash)});
    assert_eq!(
        call(&app, "POST", "/api/unsubscribe", Some(unsubscribe))
            .await
            .0,
        200
    );
    // The scheduled snapshot run, and its history read back.
    petition_fn::history::take(
        state.store().as_ref(),
        &state.bundle().petition_ids(),
        state.now(),
    )
    .await
    .expect("the snapshot run");
    for uri in [
        "/api/petitions/free-them/history",
        "/api/petitions/free-them/history.csv",
    ] {
        assert_eq!(call(&app, "GET", uri, None).await.0, 200);
    }

    let used = log.actions();
    let granted = granted();
    assert!(
        !granted.is_empty(),
        "no dynamodb: actions found in the template"
    );
    let missing: Vec<&String> = used.difference(&granted).collect();
    assert!(
        missing.is_empty(),
        "the function calls {missing:?}, which infra/template.yaml does not grant PetitionFunction (it would fail on AWS with AccessDenied)"
    );
    let unused: Vec<&String> = granted.difference(&used).collect();
    assert!(
        unused.is_empty(),
        "infra/template.yaml grants PetitionFunction {unused:?}, which nothing the function serves uses: remove the grant"
    );
}
