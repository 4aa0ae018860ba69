//! The real SES v2 `SendEmail` call of `mail::Ses` (the confirmation mail on Lambda), against
//! moto's server, a local stand-in that implements SES (`tests/common/moto.rs`; skipped when
//! it is not installed unless `REQUIRE_MOTO` is set), and against nothing at all.
#![cfg(feature = "ses")]

mod common;

use std::time::{Duration, Instant};

use common::moto;
use petition_fn::mail::{Mail, MailError, Mailer, Ses, mime};

const FROM: &str = "人权运动 Campaign <noreply@example.org>";
const TO: &str = "jane@example.net";

fn mail() -> Mail {
    Mail {
        to: TO.into(),
        subject: "请确认您的签名".into(),
        text: "请点击确认：https://example.org/api/confirm?token=abc\n".into(),
        html: "<p><a href=\"https://example.org/api/confirm?token=abc\">确认</a></p>".into(),
        headers: vec![
            (
                "List-Unsubscribe".into(),
                "<https://example.org/api/unsubscribe?token=xyz>".into(),
            ),
            (
                "List-Unsubscribe-Post".into(),
                "List-Unsubscribe=One-Click".into(),
            ),
        ],
    }
}

/// The raw messages moto's SES has accepted (its `/moto-api/data.json` inspection route
/// lists every `RawMessage` it keeps).
fn sent(moto: &moto::Moto) -> Vec<(Vec<String>, String)> {
    let data: serde_json::Value =
        serde_json::from_str(&moto.get("/moto-api/data.json")).expect("moto's model data");
    data["ses"]["RawMessage"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|m| {
            let to = m["destinations"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|d| d.as_str().map(str::to_owned))
                .collect();
            (to, m["raw_data"].as_str().unwrap_or_default().to_owned())
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_raw_message_is_sent_through_ses() {
    let Some(moto) = moto::start("the SES send test") else {
        return;
    };
    let ses = Ses::new(&moto::sdk_config(&moto.endpoint), FROM).expect("a mailer");
    assert_eq!(ses.kind(), "ses");

    // Before the sender's domain is verified, SES refuses: not transient, and the words say
    // what to check without naming the recipient.
    let err = ses.send(&mail()).await.expect_err("unverified sender");
    let text = err.to_string();
    assert!(matches!(err, MailError::Rejected { .. }), "{text}");
    assert!(!err.is_transient(), "{text}");
    assert!(
        text.contains("MessageRejected") && text.contains("verified"),
        "{text}"
    );
    assert!(!text.contains(TO), "the address leaked: {text}");
    assert!(sent(&moto).is_empty());

    ses.client()
        .create_email_identity()
        .email_identity("example.org")
        .send()
        .await
        .expect("creates the domain identity");
    ses.send(&mail()).await.expect("sends");

    let messages = sent(&moto);
    assert_eq!(messages.len(), 1, "{messages:?}");
    let (destinations, raw) = &messages[0];
    assert!(destinations.iter().any(|d| d == TO), "{destinations:?}");
    let back = mime::parse_message(raw).expect("moto kept our message");
    assert_eq!(back.header("Subject"), Some("请确认您的签名"));
    assert_eq!(back.header("From"), Some(FROM));
    assert_eq!(back.header("To"), Some(TO));
    assert_eq!(
        back.header("List-Unsubscribe-Post"),
        Some("List-Unsubscribe=One-Click")
    );
    assert_eq!(back.text.as_deref(), Some(mail().text.as_str()));
    assert_eq!(back.html.as_deref(), Some(mail().html.as_str()));
    drop(moto);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_ses_is_a_quick_transient_error() {
    // Nothing listens there: every attempt is refused at once.
    let endpoint = format!("http://127.0.0.1:{}", moto::free_port());
    let ses = Ses::new(&moto::sdk_config(&endpoint), FROM).expect("a mailer");
    let started = Instant::now();
    let err = ses.send(&mail()).await.expect_err("nothing listens");
    let text = err.to_string();
    assert!(err.is_transient(), "{text}");
    assert!(matches!(err, MailError::Unavailable { .. }), "{text}");
    assert!(text.contains("could not reach SES"), "{text}");
    assert!(!text.contains(TO), "the address leaked: {text}");
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "took {:?}",
        started.elapsed()
    );
}
