//! `petition-fn forget`: the binary removes a person's records from the embedded store of a
//! data folder, or from a DynamoDB table (DynamoDB Local at `DYNAMODB_ENDPOINT`), and prints
//! counts only, never the address.
#![cfg(all(feature = "dynamodb", feature = "lambda"))]

mod common;

use std::io::Write as _;
use std::process::{Command, Output, Stdio};

use petition_fn::domain::normalise_email;
use petition_fn::protect::SignerKeys;
use petition_fn::store::local::LocalStore;
use petition_fn::store::{LetterFilter, LetterRecord, SignatureRecord, Store};

const SECRET_HEX: &str = "0909090909090909090909090909090909090909090909090909090909090909";

fn keys() -> SignerKeys {
    SignerKeys::from_encoded(SECRET_HEX).expect("keys")
}

/// The stored fingerprint of an address, as signing computes it.
fn hash_of(address: &str) -> String {
    keys().dedup_hash(&normalise_email(address).expect("valid"))
}

fn signature(petition: &str, hash: &str) -> SignatureRecord {
    let k = keys();
    SignatureRecord {
        petition: petition.into(),
        hash: hash.into(),
        name_enc: k.encrypt("Ada").expect("encrypts"),
        email_enc: None,
        country: "GB".into(),
        updates: false,
        created_at: "2026-03-01T12:00:00Z".into(),
        expires_at: 4_102_444_800,
    }
}

fn letter(hash: &str, state: &str) -> LetterRecord {
    let k = keys();
    LetterRecord {
        hash: hash.into(),
        state: state.into(),
        senators: vec![format!("{state}00001"), format!("{state}00002")],
        private_enc: Some(k.encrypt("{}").expect("encrypts")),
        suggested: true,
        created_at: "2026-03-02T12:00:00Z".into(),
        expires_at: 4_102_444_800,
    }
}

/// Ada signed two petitions and wrote to two states' senators; Bob signed one petition.
async fn fill(store: &dyn Store) {
    let ada = hash_of("ada@example.org");
    let bob = hash_of("bob@example.org");
    for rec in [
        signature("free-them", &ada),
        signature("other", &ada),
        signature("free-them", &bob),
    ] {
        assert!(store.sign(rec).await.expect("signs").new);
    }
    for rec in [letter(&ada, "CA"), letter(&ada, "NY")] {
        assert!(store.send_letter(rec).await.expect("sends").new);
    }
}

fn forget(args: &[&str]) -> Command {
    common::cli::petition_fn("forget", args)
}

/// Standard output of a successful run, checked to name no part of the address.
fn ok(out: &Output) -> String {
    let (stdout, stderr) = common::cli::succeeded(out);
    for text in [&stdout, &stderr] {
        assert!(
            !text.to_lowercase().contains("ada") && !text.contains("example"),
            "the output names the address: {text}"
        );
    }
    stdout
}

#[tokio::test]
async fn forgets_in_the_data_folder() {
    let dir = common::cli::data_folder(SECRET_HEX);
    {
        let store = LocalStore::open_in(dir.path()).expect("opens");
        fill(&store).await;
    } // closes the database so the command can open it
    let data_dir = dir.path().to_str().expect("utf-8 path");

    // Typed otherwise than when signing: normalised the same way.
    let out = forget(&[
        "--email",
        " ADA+petition@Example.org ",
        "--data-dir",
        data_dir,
    ])
    .output()
    .expect("runs");
    assert_eq!(ok(&out), "removed 2 signatures and 2 letters\n");

    // Again: nothing left.
    let out = forget(&["--email", "ada@example.org", "--data-dir", data_dir])
        .output()
        .expect("runs");
    let stdout = ok(&out);
    assert!(
        stdout.starts_with("removed 0 signatures and 0 letters"),
        "{stdout}"
    );
    assert!(stdout.contains("SIGNER_HMAC_KEY"), "{stdout}");

    // Bob, with the address on standard input.
    let mut child = forget(&["--email", "-", "--data-dir", data_dir])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"bob@example.org\n")
        .expect("writes");
    let out = child.wait_with_output().expect("finishes");
    assert_eq!(ok(&out), "removed 1 signature and 0 letters\n");

    let store = LocalStore::open_in(dir.path()).expect("reopens");
    assert_eq!(store.count("free-them").await.expect("counts").total, 0);
    assert_eq!(store.count("other").await.expect("counts").total, 0);
    assert_eq!(store.letter_counts().await.expect("counts").total, 0);
    assert!(
        store
            .export_letters(&LetterFilter::All)
            .await
            .expect("export")
            .is_empty()
    );
}

#[test]
fn a_bad_address_or_a_missing_key_is_a_clear_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    drop(LocalStore::open_in(dir.path()).expect("creates the store"));
    let data_dir = dir.path().to_str().expect("utf-8 path");

    let out = forget(&["--email", "ada.example.org", "--data-dir", data_dir])
        .env("SIGNER_HMAC_KEY", SECRET_HEX)
        .output()
        .expect("runs");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("not a usable email address"), "{stderr}");
    assert!(!stderr.contains("ada.example"), "{stderr}");

    // No key: never a new one (it would find nothing).
    let out = forget(&["--email", "ada@example.org", "--data-dir", data_dir])
        .output()
        .expect("runs");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("no signer key"), "{stderr}");
    assert!(!dir.path().join("signer.key").exists());

    // No store.
    let empty = tempfile::tempdir().expect("tempdir");
    let out = forget(&[
        "--email",
        "ada@example.org",
        "--data-dir",
        empty.path().to_str().expect("utf-8"),
    ])
    .env("SIGNER_HMAC_KEY", SECRET_HEX)
    .output()
    .expect("runs");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("there is no local store"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forgets_in_dynamodb() {
    use petition_fn::store::testing;

    let Some(endpoint) = testing::endpoint_or_skip("forgets_in_dynamodb") else {
        return;
    };
    let store = testing::fresh_store(&endpoint, "forget-cli").await;
    let table = store.table().to_owned();
    fill(&store).await;
    let empty = tempfile::tempdir().expect("tempdir");
    let run = || {
        forget(&[
            "--email",
            "Ada@Example.org",
            "--data-dir",
            empty.path().to_str().expect("utf-8"),
        ])
        .env("TABLE_NAME", &table)
        .env("AWS_ENDPOINT_URL_DYNAMODB", &endpoint)
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_REGION", "us-east-1")
        .env("SIGNER_HMAC_KEY", SECRET_HEX)
        .output()
        .expect("runs")
    };
    assert_eq!(ok(&run()), "removed 2 signatures and 2 letters\n");
    assert!(ok(&run()).starts_with("removed 0 signatures and 0 letters"));
    let counts = store.count("free-them").await.expect("counts");
    assert_eq!(counts.total, 1, "Bob's signature stays");
    assert_eq!(counts.by_country.get("GB"), Some(&1));
    assert_eq!(store.count("other").await.expect("counts").total, 0);
    let letters = store.letter_counts().await.expect("counts");
    assert_eq!(letters.total, 0);
    assert!(letters.by_senator.is_empty(), "{letters:?}");
}
