//! `petition-fn stats`: the operator's figures for a petition from the embedded store of a
//! data folder: confirmed, pending, by country; counts only.
#![cfg(all(feature = "dynamodb", feature = "lambda"))]

mod common;

use petition_fn::store::local::LocalStore;
use petition_fn::store::{PENDING_SECS, PendingRecord, SignatureRecord, Store};

fn signature(hash: &str, country: &str) -> SignatureRecord {
    common::cli::signature(hash, country, "2026-03-01T12:00:00Z")
}

#[tokio::test]
async fn stats_shows_confirmed_pending_and_countries() {
    let dir = common::cli::data_folder(&"05".repeat(32));
    {
        let store = LocalStore::open_in(dir.path()).expect("opens");
        for (hash, country) in [("a", "FR"), ("b", "FR"), ("c", "DE")] {
            store.sign(signature(hash, country)).await.expect("signs");
        }
        let now = contract::date::unix_seconds(std::time::SystemTime::now());
        let pending = PendingRecord {
            signature: signature("d", "GB"),
            token_hash: "t".into(),
            at: now,
            pending_until: now + PENDING_SECS,
        };
        store.sign_pending(pending).await.expect("pending");
        for hash in ["a", "b"] {
            let note = petition_fn::store::ClientNote {
                petition: "free-them".into(),
                client: "busy-client".into(),
                hash: hash.into(),
                expires_at: now + 3600,
            };
            store.note_client(note).await.expect("notes");
        }
        let today = contract::date::utc_date(std::time::SystemTime::now());
        let trips = petition_fn::fair::trips_key_for_petition("free-them", &today);
        for _ in 0..3 {
            store.hit(&trips, now + 3600).await.expect("counts");
        }
    }
    let data_dir = dir.path().to_str().expect("utf-8 path");
    let out = common::cli::petition_fn(
        "stats",
        &["--petition", "free-them", "--data-dir", data_dir],
    )
    .output()
    .expect("runs");
    let (stdout, _) = common::cli::succeeded(&out);
    assert_eq!(
        stdout,
        "petition free-them\nconfirmed 3\npending 1\ncountry FR 2\ncountry DE 1\nlimit trips today 3\nclient busy-client 2\n"
    );
    let missing =
        common::cli::petition_fn("stats", &["--petition", "x", "--data-dir", "/nonexistent"])
            .output()
            .expect("runs");
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no local store"));
}
