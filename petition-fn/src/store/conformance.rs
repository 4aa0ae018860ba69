//! The store conformance suite: every [`Store`] implementation must pass these.
//!
//! Each case takes a fresh, empty store. `for_each_case!(m)` calls macro `m` with every
//! case's name, so each implementation's test module declares one test per case.

use std::sync::Arc;

use super::{SignatureRecord, Store};

/// Calls `$m!` with the name of every conformance case.
macro_rules! for_each_case {
    ($m:ident) => {
        $m!(
            health_answers,
            sign_then_count,
            duplicate_counted_once,
            concurrent_distinct_signatures_counted_exactly,
            same_signature_raced_counted_once,
            per_country_counts,
            unknown_petition_counts_zero,
            petitions_do_not_share_counts,
            export_returns_what_was_stored,
        );
    };
}
pub(crate) use for_each_case;

/// Stands for an encrypted value: base64, as [`crate::protect::SignerKeys::encrypt`] writes.
pub(crate) fn fake_enc(text: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(text)
}

/// A record as the router would build it (the fields are opaque to the store).
pub(crate) fn record(petition: &str, hash: &str, country: &str) -> SignatureRecord {
    SignatureRecord {
        petition: petition.into(),
        hash: hash.into(),
        name_enc: fake_enc(&format!("name of {hash}")),
        email_enc: None,
        country: country.into(),
        updates: false,
        created_at: "2026-03-01T12:00:00Z".into(),
        expires_at: 4_102_444_800, // 2100-01-01
    }
}

pub(crate) async fn health_answers(store: Arc<dyn Store>) {
    store.health().await.expect("a fresh store is healthy");
    assert!(matches!(store.kind(), "local" | "dynamodb"));
}

pub(crate) async fn sign_then_count(store: Arc<dyn Store>) {
    let out = store
        .sign(record("p1", "hash-a", "FR"))
        .await
        .expect("signs");
    assert!(out.new);
    let counts = store.count("p1").await.expect("counts");
    assert_eq!(counts.total, 1);
    assert_eq!(counts.by_country.get("FR"), Some(&1));
}

pub(crate) async fn duplicate_counted_once(store: Arc<dyn Store>) {
    assert!(
        store
            .sign(record("p1", "h", "FR"))
            .await
            .expect("signs")
            .new
    );
    // The same person again, even from another country and with other data.
    let mut again = record("p1", "h", "US");
    again.name_enc = fake_enc("other");
    assert!(!store.sign(again).await.expect("repeat is not an error").new);
    // An exact replay of the first request (a retry) may report the original outcome, but is
    // never counted again.
    store.sign(record("p1", "h", "FR")).await.expect("retry");
    let counts = store.count("p1").await.expect("counts");
    assert_eq!(counts.total, 1);
    assert_eq!(counts.by_country.get("FR"), Some(&1));
    assert_eq!(counts.by_country.get("US"), None);
}

pub(crate) async fn concurrent_distinct_signatures_counted_exactly(store: Arc<dyn Store>) {
    let tasks: Vec<_> = (0..50)
        .map(|i| {
            let store = Arc::clone(&store);
            let country = if i % 2 == 0 { "FR" } else { "US" };
            tokio::spawn(async move { store.sign(record("p1", &format!("h{i}"), country)).await })
        })
        .collect();
    for task in tasks {
        let out = task.await.expect("task").expect("signs");
        assert!(out.new);
    }
    let counts = store.count("p1").await.expect("counts");
    assert_eq!(counts.total, 50);
    assert_eq!(counts.by_country.get("FR"), Some(&25));
    assert_eq!(counts.by_country.get("US"), Some(&25));
}

pub(crate) async fn same_signature_raced_counted_once(store: Arc<dyn Store>) {
    let tasks: Vec<_> = (0..10)
        .map(|i| {
            let store = Arc::clone(&store);
            let mut rec = record("p1", "same", "FR");
            rec.name_enc = fake_enc(&format!("attempt {i}"));
            tokio::spawn(async move { store.sign(rec).await })
        })
        .collect();
    let mut new = 0;
    for task in tasks {
        if task.await.expect("task").expect("signs").new {
            new += 1;
        }
    }
    assert_eq!(
        new, 1,
        "exactly one of the racing requests is the new signature"
    );
    assert_eq!(store.count("p1").await.expect("counts").total, 1);
    assert_eq!(
        store.export_signatures("p1").await.expect("export").len(),
        1
    );
}

pub(crate) async fn per_country_counts(store: Arc<dyn Store>) {
    for (i, cc) in ["FR", "FR", "US", "CN", "FR", "DE"].iter().enumerate() {
        let out = store
            .sign(record("p1", &format!("h{i}"), cc))
            .await
            .expect("signs");
        assert!(out.new);
    }
    let counts = store.count("p1").await.expect("counts");
    assert_eq!(counts.total, 6);
    let expect: Vec<(&str, u64)> = vec![("CN", 1), ("DE", 1), ("FR", 3), ("US", 1)];
    let got: Vec<(&str, u64)> = counts
        .by_country
        .iter()
        .map(|(k, v)| (k.as_str(), *v))
        .collect();
    assert_eq!(got, expect);
}

pub(crate) async fn unknown_petition_counts_zero(store: Arc<dyn Store>) {
    let counts = store.count("never-signed").await.expect("counts");
    assert_eq!(counts.total, 0);
    assert!(counts.by_country.is_empty());
    assert!(
        store
            .export_signatures("never-signed")
            .await
            .expect("export")
            .is_empty()
    );
}

pub(crate) async fn petitions_do_not_share_counts(store: Arc<dyn Store>) {
    // Ids that are prefixes of each other must not leak into each other's counts.
    assert!(store.sign(record("p", "h", "FR")).await.expect("signs").new);
    assert!(
        store
            .sign(record("p-2", "h", "FR"))
            .await
            .expect("signs")
            .new
    );
    assert!(
        store
            .sign(record("p-2", "h2", "US"))
            .await
            .expect("signs")
            .new
    );
    assert_eq!(store.count("p").await.expect("counts").total, 1);
    assert_eq!(store.count("p-2").await.expect("counts").total, 2);
    assert_eq!(store.export_signatures("p").await.expect("export").len(), 1);
}

pub(crate) async fn export_returns_what_was_stored(store: Arc<dyn Store>) {
    let mut with_email = record("p1", "h1", "FR");
    with_email.email_enc = Some(fake_enc("email"));
    with_email.updates = true;
    let plain = record("p1", "h2", "US");
    store.sign(with_email.clone()).await.expect("signs");
    store.sign(plain.clone()).await.expect("signs");
    let mut got = store.export_signatures("p1").await.expect("export");
    got.sort_by(|a, b| a.hash.cmp(&b.hash));
    assert_eq!(got, vec![with_email, plain]);
}
