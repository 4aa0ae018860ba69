//! `petition-fn snapshot`: the count history's snapshot of this hour, taken from the embedded
//! store of a data folder: confirmed counts only, one per petition and hour.
#![cfg(all(feature = "dynamodb", feature = "lambda"))]

mod common;

use petition_fn::store::local::LocalStore;
use petition_fn::store::{PENDING_SECS, PendingRecord, SignatureRecord, Store};

fn signature(hash: &str, country: &str) -> SignatureRecord {
    common::cli::signature(hash, country, "2026-03-01T12:00:00Z")
}

#[tokio::test]
async fn snapshot_records_this_hours_confirmed_counts_once() {
    let dir = common::cli::data_folder(&"06".repeat(32));
    let now = contract::date::unix_seconds(std::time::SystemTime::now());
    {
        let store = LocalStore::open_in(dir.path()).expect("opens");
        for (hash, country) in [("a", "FR"), ("b", "DE")] {
            store.sign(signature(hash, country)).await.expect("signs");
        }
        let pending = PendingRecord {
            signature: signature("c", "GB"),
            token_hash: "t".into(),
            at: now,
            pending_until: now + PENDING_SECS,
        };
        store.sign_pending(pending).await.expect("pending");
    }
    let data_dir = dir.path().to_str().expect("utf-8 path");
    for _ in 0..2 {
        let out = common::cli::petition_fn(
            "snapshot",
            &["--petition", "free-them", "--data-dir", data_dir],
        )
        .output()
        .expect("runs");
        let (stdout, _) = common::cli::succeeded(&out);
        assert_eq!(stdout, "snapshots 1\n");
    }
    let store = LocalStore::open_in(dir.path()).expect("opens again");
    let history = store.history("free-them", 0, now).await.expect("reads");
    assert_eq!(history.len(), 1, "one snapshot per hour, however many runs");
    assert_eq!(
        history[0].counts.total, 2,
        "the pending signature is not in it"
    );
    assert_eq!(history[0].hour, petition_fn::history::hour_of(now));

    let no_site = common::cli::petition_fn(
        "snapshot",
        &["--data-dir", data_dir, "--site", "/nonexistent"],
    )
    .output()
    .expect("runs");
    assert!(!no_site.status.success());
    assert!(String::from_utf8_lossy(&no_site.stderr).contains("give --petition"));
}
