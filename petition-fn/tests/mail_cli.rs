//! `petition-fn mail`: a campaign update from the embedded store of a data folder to its
//! outbox: only confirmed signers who asked for updates, each once even across an interrupted
//! run, each with its unsubscribe link and headers; counts only on the terminal.
#![cfg(all(feature = "dynamodb", feature = "lambda"))]

mod common;

use petition_fn::mail::Outbox;
use petition_fn::protect::SignerKeys;
use petition_fn::store::local::LocalStore;
use petition_fn::store::{SignatureRecord, Store};

const SECRET_HEX: &str = "0303030303030303030303030303030303030303030303030303030303030303";

fn signature(keys: &SignerKeys, email: &str, updates: bool) -> SignatureRecord {
    SignatureRecord {
        petition: "free-them".into(),
        hash: keys.dedup_hash(email),
        name_enc: keys.encrypt("Someone").expect("encrypts"),
        email_enc: updates.then(|| keys.encrypt(email).expect("encrypts")),
        country: "FR".into(),
        updates,
        created_at: "2026-03-01T12:00:00Z".into(),
        expires_at: 4_102_444_800,
    }
}

/// A site output folder holding the fixture bundle.
fn site() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(dir.path().join("_app")).expect("mkdir");
    std::fs::write(
        dir.path().join("_app/bundle.json"),
        include_str!("fixtures/bundle.json"),
    )
    .expect("writes the bundle");
    dir
}

#[tokio::test]
async fn mails_each_recipient_once_across_an_interrupted_run() {
    let keys = SignerKeys::from_encoded(SECRET_HEX).expect("keys");
    let data = common::cli::data_folder(SECRET_HEX);
    {
        let store = LocalStore::open_in(data.path()).expect("opens");
        for (email, updates) in [
            ("ada@example.org", true),
            ("bob@example.org", true),
            ("cy@example.org", true),
            ("quiet@example.org", false),
        ] {
            store
                .sign(signature(&keys, email, updates))
                .await
                .expect("signs");
        }
        assert_eq!(
            store
                .unsubscribe(
                    &keys.dedup_hash("cy@example.org"),
                    &["free-them".to_owned()]
                )
                .await
                .expect("unsubscribes"),
            1
        );
    }
    let site = site();
    let body = data.path().join("update.txt");
    std::fs::write(&body, "The petition was delivered.\n\nThank you.\n").expect("writes");
    let args = |extra: &[&str]| {
        let mut args = vec![
            "--petition",
            "free-them",
            "--subject",
            "Delivered",
            "--body-file",
            body.to_str().expect("utf-8"),
            "--site",
            site.path().to_str().expect("utf-8"),
            "--data-dir",
            data.path().to_str().expect("utf-8"),
            "--rate",
            "100",
        ];
        args.extend_from_slice(extra);
        args.iter().map(|a| (*a).to_owned()).collect::<Vec<_>>()
    };
    let run = |extra: &[&str]| {
        let argv = args(extra);
        let refs: Vec<&str> = argv.iter().map(String::as_str).collect();
        let out = common::cli::petition_fn("mail", &refs)
            .output()
            .expect("runs");
        let (stdout, stderr) = common::cli::succeeded(&out);
        for text in [&stdout, &stderr] {
            assert!(
                !text.contains("example.org"),
                "an address was printed: {text}"
            );
        }
        stdout
    };
    assert!(run(&["--dry-run"]).starts_with("would send 2; 0 already sent"));
    let outbox = Outbox::new(data.path());
    assert!(
        outbox.list().expect("lists").is_empty(),
        "a dry run sends nothing"
    );
    // Interrupted after one mail, then started again.
    assert!(run(&["--limit", "1"]).starts_with("sent 1, refused 0, 0 sent before, 1 left"));
    assert!(run(&[]).starts_with("sent 1, refused 0, 1 sent before, 0 left"));
    assert!(run(&[]).starts_with("sent 0, refused 0, 2 sent before, 0 left"));
    let mut to: Vec<String> = outbox
        .list()
        .expect("lists")
        .into_iter()
        .map(|e| e.to)
        .collect();
    to.sort();
    assert_eq!(to, ["ada@example.org", "bob@example.org"]);
    let entry = &outbox.list().expect("lists")[0];
    let mail = outbox.read(&entry.name).expect("reads");
    let unsubscribe = mail.header("List-Unsubscribe").expect("the header");
    assert!(
        unsubscribe.starts_with("<https://example.org/api/unsubscribe?token="),
        "{unsubscribe}"
    );
    assert_eq!(
        mail.header("List-Unsubscribe-Post"),
        Some("List-Unsubscribe=One-Click")
    );
    let text = mail.text.clone().expect("a text part");
    assert!(text.starts_with("The petition was delivered."));
    let token = unsubscribe
        .trim_start_matches("<https://example.org/api/unsubscribe?token=")
        .trim_end_matches('>');
    assert!(text.contains(token));
    let hash = keys.check_unsubscribe_token(token).expect("a valid token");
    assert_eq!(
        Some(hash.as_str()),
        [
            keys.dedup_hash("ada@example.org"),
            keys.dedup_hash("bob@example.org")
        ]
        .iter()
        .find(|h| **h == hash)
        .map(String::as_str)
    );
}
