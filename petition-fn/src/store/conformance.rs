//! The store conformance suite: every [`Store`] implementation must pass these (signatures
//! and letters).
//!
//! Each case takes a fresh, empty store. `for_each_case!(m)` calls macro `m` with every
//! case's name, so each implementation's test module declares one test per case.

use std::sync::Arc;

use super::{
    ConfirmOutcome, Forgotten, LetterCounts, LetterFilter, LetterRecord, MAIL_INTERVAL_SECS,
    PENDING_SECS, PendingOutcome, PendingRecord, SignatureRecord, Store,
};
use super::{Counts, HISTORY_SECS, Snapshot};

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
            letter_sent_then_counted,
            letter_repeat_counted_once,
            a_letter_without_personal_fields_keeps_none,
            same_letter_raced_counted_once,
            concurrent_distinct_letters_counted_exactly,
            letter_export_filters_by_state_and_senator,
            expired_letters_are_not_exported,
            no_letters_counts_empty,
            letters_and_signatures_do_not_mix,
            forget_removes_signatures_and_their_counts,
            forget_removes_letters_and_their_counts,
            forget_unknown_hash_removes_nothing,
            forget_spares_lookalike_keys,
            pending_counts_only_once_confirmed,
            confirming_twice_or_racing_counts_once,
            pending_mail_at_most_hourly_and_old_tokens_stay_valid,
            confirmed_address_is_not_pending_again,
            expired_pending_is_not_confirmed_and_is_swept,
            forget_removes_pending_signatures,
            unknown_token_is_unknown,
            failed_mail_lets_the_next_try_mail_again,
            recipients_are_the_confirmed_who_asked_for_updates,
            unsubscribing_keeps_the_signatures_and_their_counts,
            hits_count_exactly_under_concurrency,
            spending_works_once_even_when_raced,
            client_notes_by_client_and_expiry,
            invalidate_removes_signatures_with_exact_counts,
            pause_and_resume,
            sweep_deletes_expired_fair_use_items,
            expired_personal_data_goes_and_its_counts_stay,
            recount_agrees_with_exact_counters,
            actions_are_counted_exactly_under_concurrency,
            the_first_signer_key_is_kept,
            sealed_fields_come_back_as_written,
            snapshots_are_one_per_hour_oldest_first_and_bounded,
            the_snapshot_run_records_confirmed_counts_only,
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

/// The senators of the test states (bioguide-like ids).
pub(crate) fn senators_of(state: &str) -> Vec<String> {
    match state {
        "CA" => vec!["C000001".into(), "C000002".into()],
        "NY" => vec!["N000001".into(), "N000002".into()],
        other => vec![format!("{other}00001"), format!("{other}00002")],
    }
}

/// A letter kept in full, as the router builds it with `[letter] keep = true` (the fields are
/// opaque to the store); `text` stands for what the writer wrote.
pub(crate) fn letter(hash: &str, state: &str, text: &str) -> LetterRecord {
    LetterRecord {
        hash: hash.into(),
        state: state.into(),
        senators: senators_of(state),
        private_enc: Some(fake_enc(&format!("private data of {hash}: {text}"))),
        suggested: true,
        created_at: "2026-03-01T12:00:00Z".into(),
        expires_at: 4_102_444_800, // 2100-01-01
    }
}

fn count_of(counts: &LetterCounts, senator: &str) -> u64 {
    counts.by_senator.get(senator).copied().unwrap_or(0)
}

pub(crate) async fn letter_sent_then_counted(store: Arc<dyn Store>) {
    let out = store
        .send_letter(letter("h1", "CA", "l1"))
        .await
        .expect("sends");
    assert!(out.new);
    let counts = store.letter_counts().await.expect("counts");
    assert_eq!(counts.total, 1);
    assert_eq!(counts.by_state.get("CA"), Some(&1));
    assert_eq!(counts.by_state.len(), 1);
    assert_eq!(count_of(&counts, "C000001"), 1);
    assert_eq!(count_of(&counts, "C000002"), 1);
    assert_eq!(counts.by_senator.len(), 2);
}

pub(crate) async fn letter_repeat_counted_once(store: Arc<dyn Store>) {
    assert!(
        store
            .send_letter(letter("h", "CA", "first words"))
            .await
            .expect("sends")
            .new
    );
    // The same person to the same state with other words: the same letter, not counted again;
    // the latest text is the one kept.
    let mut changed = letter("h", "CA", "second words");
    changed.created_at = "2026-03-02T12:00:00Z".into();
    assert!(
        !store
            .send_letter(changed.clone())
            .await
            .expect("repeat is not an error")
            .new
    );
    // An exact replay (a retry) is never counted again either.
    assert!(!store.send_letter(changed.clone()).await.expect("retry").new);
    // Without personal fields (the default), a repeat changes nothing.
    let mut bare = letter("h", "CA", "third words");
    bare.private_enc = None;
    assert!(!store.send_letter(bare).await.expect("repeat").new);
    // The same person to another state is another letter.
    assert!(
        store
            .send_letter(letter("h", "NY", "first words"))
            .await
            .expect("sends")
            .new
    );
    let counts = store.letter_counts().await.expect("counts");
    assert_eq!(counts.total, 2);
    assert_eq!(counts.by_state.get("CA"), Some(&1));
    assert_eq!(counts.by_state.get("NY"), Some(&1));
    assert_eq!(count_of(&counts, "C000001"), 1);
    assert_eq!(count_of(&counts, "N000002"), 1);
    let all = store
        .export_letters(&LetterFilter::All)
        .await
        .expect("export");
    assert_eq!(all.len(), 2);
    let ca = all.iter().find(|l| l.state == "CA").expect("the CA letter");
    assert_eq!(ca, &changed, "the latest words are kept");
}

pub(crate) async fn a_letter_without_personal_fields_keeps_none(store: Arc<dyn Store>) {
    let mut bare = letter("h", "CA", "words");
    bare.private_enc = None;
    assert!(store.send_letter(bare.clone()).await.expect("sends").new);
    let all = store
        .export_letters(&LetterFilter::All)
        .await
        .expect("export");
    assert_eq!(all, vec![bare]);
    assert_eq!(store.letter_counts().await.expect("counts").total, 1);
    // Stripping the letters kept in full leaves them counted, without personal fields.
    assert!(
        store
            .send_letter(letter("k", "NY", "kept"))
            .await
            .expect("sends")
            .new
    );
    assert_eq!(store.strip_letters().await.expect("strips"), 1);
    assert_eq!(store.strip_letters().await.expect("again"), 0);
    let all = store
        .export_letters(&LetterFilter::All)
        .await
        .expect("export");
    assert!(all.iter().all(|l| l.private_enc.is_none()), "{all:?}");
    assert_eq!(store.letter_counts().await.expect("counts").total, 2);
}

pub(crate) async fn same_letter_raced_counted_once(store: Arc<dyn Store>) {
    let tasks: Vec<_> = (0..10)
        .map(|i| {
            let store = Arc::clone(&store);
            let rec = letter("same", "NY", &format!("attempt {i}"));
            tokio::spawn(async move { store.send_letter(rec).await })
        })
        .collect();
    let mut new = 0;
    for task in tasks {
        if task.await.expect("task").expect("sends").new {
            new += 1;
        }
    }
    assert_eq!(
        new, 1,
        "exactly one of the racing requests is the new letter"
    );
    let counts = store.letter_counts().await.expect("counts");
    assert_eq!(counts.total, 1);
    assert_eq!(count_of(&counts, "N000001"), 1);
    assert_eq!(
        store
            .export_letters(&LetterFilter::All)
            .await
            .expect("export")
            .len(),
        1
    );
}

pub(crate) async fn concurrent_distinct_letters_counted_exactly(store: Arc<dyn Store>) {
    let tasks: Vec<_> = (0..40)
        .map(|i| {
            let store = Arc::clone(&store);
            let state = if i % 4 == 0 { "NY" } else { "CA" };
            tokio::spawn(async move {
                store
                    .send_letter(letter(&format!("h{i}"), state, "l"))
                    .await
            })
        })
        .collect();
    for task in tasks {
        assert!(task.await.expect("task").expect("sends").new);
    }
    let counts = store.letter_counts().await.expect("counts");
    assert_eq!(counts.total, 40);
    assert_eq!(counts.by_state.get("CA"), Some(&30));
    assert_eq!(counts.by_state.get("NY"), Some(&10));
    assert_eq!(count_of(&counts, "C000001"), 30);
    assert_eq!(count_of(&counts, "C000002"), 30);
    assert_eq!(count_of(&counts, "N000001"), 10);
    assert_eq!(count_of(&counts, "N000002"), 10);
}

pub(crate) async fn letter_export_filters_by_state_and_senator(store: Arc<dyn Store>) {
    let mut own = letter("h1", "CA", "a letter of its own");
    own.suggested = false;
    let ny = letter("h2", "NY", "l");
    // A state whose code is a prefix of nothing else, and one letter that counts for a
    // senator no longer in office (data refreshed since): filters follow what was stored.
    let mut old = letter("h3", "CA", "l");
    old.senators = vec!["C000001".into(), "OLD0001".into()];
    for rec in [own.clone(), ny.clone(), old.clone()] {
        assert!(store.send_letter(rec).await.expect("sends").new);
    }
    let sorted = |mut v: Vec<LetterRecord>| {
        v.sort_by(|a, b| a.hash.cmp(&b.hash));
        v
    };
    let all = sorted(
        store
            .export_letters(&LetterFilter::All)
            .await
            .expect("export"),
    );
    assert_eq!(all, vec![own.clone(), ny.clone(), old.clone()]);
    let ca = sorted(
        store
            .export_letters(&LetterFilter::State("CA".into()))
            .await
            .expect("export"),
    );
    assert_eq!(ca, vec![own.clone(), old.clone()]);
    let none = store
        .export_letters(&LetterFilter::State("TX".into()))
        .await
        .expect("export");
    assert!(none.is_empty());
    let c1 = sorted(
        store
            .export_letters(&LetterFilter::Senator("C000001".into()))
            .await
            .expect("export"),
    );
    assert_eq!(c1, vec![own.clone(), old.clone()]);
    let c2 = store
        .export_letters(&LetterFilter::Senator("C000002".into()))
        .await
        .expect("export");
    assert_eq!(c2, vec![own]);
    let gone = store
        .export_letters(&LetterFilter::Senator("OLD0001".into()))
        .await
        .expect("export");
    assert_eq!(gone, vec![old]);
    let counts = store.letter_counts().await.expect("counts");
    assert_eq!(count_of(&counts, "OLD0001"), 1);
    assert_eq!(count_of(&counts, "C000001"), 2);
}

pub(crate) async fn expired_letters_are_not_exported(store: Arc<dyn Store>) {
    let mut expired = letter("h-old", "CA", "l");
    expired.expires_at = 1_600_000_000; // 2020
    assert!(store.send_letter(expired).await.expect("sends").new);
    assert!(
        store
            .send_letter(letter("h-new", "CA", "l"))
            .await
            .expect("sends")
            .new
    );
    let all = store
        .export_letters(&LetterFilter::All)
        .await
        .expect("export");
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].hash, "h-new");
    // Counts are aggregates without personal data and stay.
    assert_eq!(store.letter_counts().await.expect("counts").total, 2);
}

pub(crate) async fn no_letters_counts_empty(store: Arc<dyn Store>) {
    let counts = store.letter_counts().await.expect("counts");
    assert_eq!(counts, LetterCounts::default());
    assert!(
        store
            .export_letters(&LetterFilter::All)
            .await
            .expect("export")
            .is_empty()
    );
}

pub(crate) async fn letters_and_signatures_do_not_mix(store: Arc<dyn Store>) {
    // A petition whose id looks like a state, and a letter from that state.
    assert!(
        store
            .sign(record("CA", "h", "US"))
            .await
            .expect("signs")
            .new
    );
    assert!(
        store
            .send_letter(letter("h", "CA", "l"))
            .await
            .expect("sends")
            .new
    );
    assert_eq!(store.count("CA").await.expect("counts").total, 1);
    assert_eq!(
        store.export_signatures("CA").await.expect("export").len(),
        1
    );
    let counts = store.letter_counts().await.expect("counts");
    assert_eq!(counts.total, 1);
    assert_eq!(
        store
            .export_letters(&LetterFilter::All)
            .await
            .expect("export")
            .len(),
        1
    );
}

fn forgotten(signatures: u64, letters: u64) -> Forgotten {
    Forgotten {
        signatures,
        letters,
        pending: 0,
    }
}

pub(crate) async fn forget_removes_signatures_and_their_counts(store: Arc<dyn Store>) {
    // The person signed two petitions; someone else signed one of them.
    for rec in [
        record("p1", "gone", "FR"),
        record("p2", "gone", "US"),
        record("p1", "stays", "FR"),
    ] {
        assert!(store.sign(rec).await.expect("signs").new);
    }
    let out = store.forget("gone").await.expect("forgets");
    assert_eq!(out, forgotten(2, 0));
    let p1 = store.count("p1").await.expect("counts");
    assert_eq!(p1.total, 1);
    assert_eq!(p1.by_country.get("FR"), Some(&1));
    let p2 = store.count("p2").await.expect("counts");
    assert_eq!(p2.total, 0);
    assert!(
        p2.by_country.is_empty(),
        "a country back at zero is not reported: {p2:?}"
    );
    let left = store.export_signatures("p1").await.expect("export");
    assert_eq!(left, vec![record("p1", "stays", "FR")]);
    assert!(
        store
            .export_signatures("p2")
            .await
            .expect("export")
            .is_empty()
    );
    // Again: nothing left to remove, and the counts do not move.
    let again = store.forget("gone").await.expect("forgets again");
    assert_eq!(again, Forgotten::default());
    assert_eq!(store.count("p1").await.expect("counts"), p1);
    assert_eq!(store.count("p2").await.expect("counts"), p2);
}

pub(crate) async fn forget_removes_letters_and_their_counts(store: Arc<dyn Store>) {
    for rec in [
        letter("gone", "CA", "l1"),
        letter("gone", "NY", "l1"),
        letter("stays", "CA", "l1"),
    ] {
        assert!(store.send_letter(rec).await.expect("sends").new);
    }
    // An expired letter is personal data too (the TTL may not have run yet).
    let mut expired = letter("gone", "TX", "old");
    expired.expires_at = 1_600_000_000;
    assert!(store.send_letter(expired).await.expect("sends").new);
    let before = store.letter_counts().await.expect("counts");
    assert_eq!(before.total, 4);

    let out = store.forget("gone").await.expect("forgets");
    assert_eq!(out, forgotten(0, 3));
    let counts = store.letter_counts().await.expect("counts");
    assert_eq!(counts.total, 1);
    assert_eq!(counts.by_state.get("CA"), Some(&1));
    assert_eq!(counts.by_state.get("NY"), None, "{counts:?}");
    assert_eq!(counts.by_state.get("TX"), None, "{counts:?}");
    assert_eq!(count_of(&counts, "C000001"), 1);
    assert_eq!(count_of(&counts, "C000002"), 1);
    assert_eq!(counts.by_senator.get("N000001"), None, "{counts:?}");
    assert_eq!(counts.by_senator.len(), 2, "{counts:?}");
    let left = store
        .export_letters(&LetterFilter::All)
        .await
        .expect("export");
    assert_eq!(left, vec![letter("stays", "CA", "l1")]);

    let again = store.forget("gone").await.expect("forgets again");
    assert_eq!(again, Forgotten::default());
    assert_eq!(store.letter_counts().await.expect("counts"), counts);
}

pub(crate) async fn forget_unknown_hash_removes_nothing(store: Arc<dyn Store>) {
    let empty = store
        .forget("nobody")
        .await
        .expect("forgets on an empty store");
    assert_eq!(empty, Forgotten::default());
    assert!(
        store
            .sign(record("p1", "h", "FR"))
            .await
            .expect("signs")
            .new
    );
    assert!(
        store
            .send_letter(letter("h", "CA", "l"))
            .await
            .expect("sends")
            .new
    );
    let out = store.forget("nobody").await.expect("forgets");
    assert_eq!(out, Forgotten::default());
    assert_eq!(store.count("p1").await.expect("counts").total, 1);
    assert_eq!(store.letter_counts().await.expect("counts").total, 1);
    assert_eq!(
        store.export_signatures("p1").await.expect("export").len(),
        1
    );
}

pub(crate) async fn forget_spares_lookalike_keys(store: Arc<dyn Store>) {
    // The same person signed and wrote a letter: both go, in one request.
    assert!(
        store
            .sign(record("p1", "h", "FR"))
            .await
            .expect("signs")
            .new
    );
    assert!(
        store
            .send_letter(letter("h", "CA", "l"))
            .await
            .expect("sends")
            .new
    );
    // Keys that contain or extend `h` belong to other people and stay: a hash that `h` is a
    // prefix of, and a petition whose id is `h`.
    let others = [record("p1", "h2", "FR"), record("h", "x", "US")];
    for rec in others.clone() {
        assert!(store.sign(rec).await.expect("signs").new);
    }
    assert!(
        store
            .send_letter(letter("h2", "CA", "l"))
            .await
            .expect("sends")
            .new
    );
    let out = store.forget("h").await.expect("forgets");
    assert_eq!(out, forgotten(1, 1));
    assert_eq!(
        store.export_signatures("p1").await.expect("export"),
        vec![others[0].clone()]
    );
    assert_eq!(
        store.export_signatures("h").await.expect("export"),
        vec![others[1].clone()]
    );
    assert_eq!(store.count("p1").await.expect("counts").total, 1);
    assert_eq!(store.count("h").await.expect("counts").total, 1);
    let letters = store
        .export_letters(&LetterFilter::All)
        .await
        .expect("export");
    assert_eq!(letters, vec![letter("h2", "CA", "l")]);
    assert_eq!(store.letter_counts().await.expect("counts").total, 1);
}

/// 2026-03-01T12:00:00Z, the time of the pending cases.
const T0: i64 = 1_772_366_400;
/// Where a confirmed signature's personal data may go (2100-01-01).
const KEEP_UNTIL: i64 = 4_102_444_800;

fn pending(petition: &str, hash: &str, country: &str, token: &str, at: i64) -> PendingRecord {
    PendingRecord {
        signature: record(petition, hash, country),
        token_hash: format!("token-{token}"),
        at,
        pending_until: at + PENDING_SECS,
    }
}

async fn confirm(store: &Arc<dyn Store>, token: &str, now: i64) -> ConfirmOutcome {
    store
        .confirm(&format!("token-{token}"), now, KEEP_UNTIL)
        .await
        .expect("confirms")
}

fn confirmed(petition: &str) -> ConfirmOutcome {
    ConfirmOutcome::Confirmed {
        petition: petition.into(),
    }
}

pub(crate) async fn pending_counts_only_once_confirmed(store: Arc<dyn Store>) {
    let out = store
        .sign_pending(pending("p1", "h1", "FR", "a", T0))
        .await
        .expect("keeps it pending");
    assert_eq!(out, PendingOutcome::Mail);
    assert_eq!(store.count("p1").await.expect("counts").total, 0);
    assert!(
        store
            .export_signatures("p1")
            .await
            .expect("export")
            .is_empty()
    );
    assert_eq!(store.pending_count("p1", T0).await.expect("pending"), 1);
    assert_eq!(confirm(&store, "a", T0 + 60).await, confirmed("p1"));
    let counts = store.count("p1").await.expect("counts");
    assert_eq!(counts.total, 1);
    assert_eq!(counts.by_country.get("FR"), Some(&1));
    assert_eq!(store.pending_count("p1", T0).await.expect("pending"), 0);
    let mut stored = record("p1", "h1", "FR");
    stored.expires_at = KEEP_UNTIL;
    assert_eq!(
        store.export_signatures("p1").await.expect("export"),
        vec![stored]
    );
}

pub(crate) async fn confirming_twice_or_racing_counts_once(store: Arc<dyn Store>) {
    store
        .sign_pending(pending("p1", "h1", "US", "a", T0))
        .await
        .expect("pending");
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let store = Arc::clone(&store);
            tokio::spawn(async move { confirm(&store, "a", T0 + 60).await })
        })
        .collect();
    let mut firsts = 0;
    for task in tasks {
        match task.await.expect("task") {
            ConfirmOutcome::Confirmed { .. } => firsts += 1,
            ConfirmOutcome::AlreadyConfirmed { petition } => assert_eq!(petition, "p1"),
            other => panic!("a racing confirmation got {other:?}"),
        }
    }
    assert_eq!(firsts, 1, "exactly one confirmation counts");
    assert_eq!(
        confirm(&store, "a", T0 + 120).await,
        ConfirmOutcome::AlreadyConfirmed {
            petition: "p1".into()
        }
    );
    assert_eq!(store.count("p1").await.expect("counts").total, 1);
}

pub(crate) async fn pending_mail_at_most_hourly_and_old_tokens_stay_valid(store: Arc<dyn Store>) {
    let first = store.sign_pending(pending("p1", "h1", "FR", "a", T0)).await;
    assert_eq!(first.expect("pending"), PendingOutcome::Mail);
    let soon = pending("p1", "h1", "FR", "b", T0 + MAIL_INTERVAL_SECS - 1);
    assert_eq!(
        store.sign_pending(soon).await.expect("pending"),
        PendingOutcome::RecentlyMailed
    );
    // Nothing was stored for the refused resend: its token does not exist.
    assert_eq!(confirm(&store, "b", T0 + 10).await, ConfirmOutcome::Unknown);
    let later = pending("p1", "h1", "DE", "c", T0 + MAIL_INTERVAL_SECS);
    assert_eq!(
        store.sign_pending(later).await.expect("pending"),
        PendingOutcome::Mail
    );
    assert_eq!(store.pending_count("p1", T0).await.expect("pending"), 1);
    // The first mail's link still works, and confirms the latest submission.
    assert_eq!(
        confirm(&store, "a", T0 + MAIL_INTERVAL_SECS + 5).await,
        confirmed("p1")
    );
    let counts = store.count("p1").await.expect("counts");
    assert_eq!(counts.total, 1);
    assert_eq!(counts.by_country.get("DE"), Some(&1));
    assert_eq!(
        confirm(&store, "c", T0 + MAIL_INTERVAL_SECS + 6).await,
        ConfirmOutcome::AlreadyConfirmed {
            petition: "p1".into()
        }
    );
    // Another petition, same address: its own pending signature and its own mail.
    let other = store
        .sign_pending(pending("p2", "h1", "FR", "d", T0 + 1))
        .await;
    assert_eq!(other.expect("pending"), PendingOutcome::Mail);
}

pub(crate) async fn confirmed_address_is_not_pending_again(store: Arc<dyn Store>) {
    store
        .sign_pending(pending("p1", "h1", "FR", "a", T0))
        .await
        .expect("pending");
    assert_eq!(confirm(&store, "a", T0 + 1).await, confirmed("p1"));
    let again = pending("p1", "h1", "US", "b", T0 + 2 * MAIL_INTERVAL_SECS);
    assert_eq!(
        store.sign_pending(again).await.expect("pending"),
        PendingOutcome::AlreadyConfirmed
    );
    // Signed without confirmation (a petition with `confirm = false`) counts as confirmed.
    assert!(
        store
            .sign(record("p2", "h2", "FR"))
            .await
            .expect("signs")
            .new
    );
    let after = pending("p2", "h2", "FR", "c", T0);
    assert_eq!(
        store.sign_pending(after).await.expect("pending"),
        PendingOutcome::AlreadyConfirmed
    );
    assert_eq!(store.pending_count("p1", T0).await.expect("pending"), 0);
    assert_eq!(store.count("p1").await.expect("counts").total, 1);
    assert_eq!(store.count("p2").await.expect("counts").total, 1);
}

pub(crate) async fn expired_pending_is_not_confirmed_and_is_swept(store: Arc<dyn Store>) {
    store
        .sign_pending(pending("p1", "old", "FR", "a", T0))
        .await
        .expect("pending");
    store
        .sign_pending(pending("p1", "new", "FR", "b", T0 + PENDING_SECS))
        .await
        .expect("pending");
    let late = T0 + PENDING_SECS + 1;
    assert_eq!(store.pending_count("p1", late).await.expect("pending"), 1);
    assert_eq!(
        confirm(&store, "a", late).await,
        ConfirmOutcome::Expired {
            petition: "p1".into()
        }
    );
    assert_eq!(store.count("p1").await.expect("counts").total, 0);
    let swept = store.sweep(late).await.expect("sweeps");
    assert!(
        swept == 1 || (swept == 0 && store.kind() == "dynamodb"),
        "the embedded store sweeps what expired, DynamoDB leaves it to its TTL: {swept}"
    );
    if store.kind() == "local" {
        assert_eq!(confirm(&store, "a", late).await, ConfirmOutcome::Unknown);
    }
    // The one still waiting is untouched and confirms.
    assert_eq!(confirm(&store, "b", late).await, confirmed("p1"));
    assert_eq!(store.count("p1").await.expect("counts").total, 1);
}

pub(crate) async fn forget_removes_pending_signatures(store: Arc<dyn Store>) {
    for (petition, hash, token) in [
        ("p1", "gone", "a"),
        ("p2", "gone", "b"),
        ("p1", "stays", "c"),
    ] {
        store
            .sign_pending(pending(petition, hash, "FR", token, T0))
            .await
            .expect("pending");
    }
    let out = store.forget("gone").await.expect("forgets");
    assert_eq!(
        out,
        Forgotten {
            signatures: 0,
            letters: 0,
            pending: 2
        }
    );
    assert!(matches!(
        confirm(&store, "a", T0 + 1).await,
        ConfirmOutcome::Expired { .. } | ConfirmOutcome::Unknown
    ));
    assert_eq!(store.count("p1").await.expect("counts").total, 0);
    assert_eq!(confirm(&store, "c", T0 + 1).await, confirmed("p1"));
    assert_eq!(
        store.forget("gone").await.expect("again"),
        Forgotten::default()
    );
}

pub(crate) async fn unknown_token_is_unknown(store: Arc<dyn Store>) {
    assert_eq!(confirm(&store, "never", T0).await, ConfirmOutcome::Unknown);
    assert_eq!(store.pending_count("p1", T0).await.expect("pending"), 0);
}

pub(crate) async fn failed_mail_lets_the_next_try_mail_again(store: Arc<dyn Store>) {
    store
        .sign_pending(pending("p1", "h1", "FR", "a", T0))
        .await
        .expect("pending");
    store.mail_failed("p1", "h1", T0).await.expect("resets");
    let retry = pending("p1", "h1", "FR", "b", T0 + 60);
    assert_eq!(
        store.sign_pending(retry).await.expect("pending"),
        PendingOutcome::Mail
    );
    // A stale reset (of an earlier submission) changes nothing.
    store.mail_failed("p1", "h1", T0).await.expect("no-op");
    let soon = pending("p1", "h1", "FR", "c", T0 + 120);
    assert_eq!(
        store.sign_pending(soon).await.expect("pending"),
        PendingOutcome::RecentlyMailed
    );
    store
        .mail_failed("p9", "nobody", T0)
        .await
        .expect("no-op on nothing");
    assert_eq!(confirm(&store, "b", T0 + 180).await, confirmed("p1"));
}

fn with_updates(petition: &str, hash: &str) -> SignatureRecord {
    SignatureRecord {
        email_enc: Some(fake_enc(&format!("{hash}@example.org"))),
        updates: true,
        ..record(petition, hash, "FR")
    }
}

pub(crate) async fn recipients_are_the_confirmed_who_asked_for_updates(store: Arc<dyn Store>) {
    store.sign(with_updates("p1", "a")).await.expect("signs");
    store.sign(record("p1", "b", "FR")).await.expect("signs");
    store.sign(with_updates("p2", "c")).await.expect("signs");
    let waiting = PendingRecord {
        signature: with_updates("p1", "d"),
        ..pending("p1", "d", "FR", "t", T0)
    };
    store.sign_pending(waiting).await.expect("pending");
    let mut got = store.recipients("p1").await.expect("recipients");
    got.sort_by(|x, y| x.hash.cmp(&y.hash));
    assert_eq!(
        got,
        vec![super::Recipient {
            hash: "a".into(),
            email_enc: fake_enc("a@example.org"),
        }]
    );
    assert!(store.recipients("p9").await.expect("recipients").is_empty());
}

pub(crate) async fn unsubscribing_keeps_the_signatures_and_their_counts(store: Arc<dyn Store>) {
    store.sign(with_updates("p1", "a")).await.expect("signs");
    store.sign(with_updates("p2", "a")).await.expect("signs");
    store.sign(with_updates("p1", "z")).await.expect("signs");
    store.sign(with_updates("gone", "a")).await.expect("signs");
    let site: Vec<String> = ["p1", "p2", "p3"].map(String::from).to_vec();
    assert_eq!(
        store.unsubscribe("a", &site).await.expect("unsubscribes"),
        2
    );
    assert_eq!(store.unsubscribe("a", &site).await.expect("again"), 0);
    assert_eq!(store.unsubscribe("nobody", &site).await.expect("nobody"), 0);
    // A petition no longer on the site (no mail can be sent for it) is not looked at.
    assert_eq!(store.recipients("gone").await.expect("recipients").len(), 1);
    let left: Vec<String> = store
        .recipients("p1")
        .await
        .expect("recipients")
        .into_iter()
        .map(|r| r.hash)
        .collect();
    assert_eq!(left, vec!["z".to_owned()]);
    assert!(store.recipients("p2").await.expect("recipients").is_empty());
    assert_eq!(store.count("p1").await.expect("counts").total, 2);
    assert_eq!(store.count("p2").await.expect("counts").total, 1);
    let kept = store.export_signatures("p2").await.expect("export");
    assert_eq!(kept.len(), 1);
    assert!(!kept[0].updates && kept[0].email_enc.is_none());
}

pub(crate) async fn hits_count_exactly_under_concurrency(store: Arc<dyn Store>) {
    let mut tasks = Vec::new();
    for _ in 0..40 {
        let store = Arc::clone(&store);
        tasks.push(tokio::spawn(async move {
            store.hit("lim:sign:p:c:1", 10_000).await.expect("hits")
        }));
    }
    let mut seen = Vec::new();
    for t in tasks {
        seen.push(t.await.expect("task"));
    }
    seen.sort_unstable();
    assert_eq!(
        seen,
        (1..=40).collect::<Vec<u64>>(),
        "every hit is counted once"
    );
    assert_eq!(
        store.peek("lim:sign:p:c:1", 9_999).await.expect("peeks"),
        40
    );
    assert_eq!(
        store.peek("lim:sign:p:c:1", 10_000).await.expect("peeks"),
        0
    );
    assert_eq!(store.peek("lim:other", 0).await.expect("peeks"), 0);
    assert_eq!(store.hit("lim:sign:p:c:2", 10_000).await.expect("hits"), 1);
}

pub(crate) async fn spending_works_once_even_when_raced(store: Arc<dyn Store>) {
    let mut tasks = Vec::new();
    for _ in 0..10 {
        let store = Arc::clone(&store);
        tasks.push(tokio::spawn(async move {
            store.spend("used:abc", 5_000).await.expect("spends")
        }));
    }
    let mut fresh = 0;
    for t in tasks {
        if t.await.expect("task") {
            fresh += 1;
        }
    }
    assert_eq!(fresh, 1, "one of the racers spends it");
    assert!(!store.spend("used:abc", 5_000).await.expect("spends"));
    assert!(store.spend("used:abd", 5_000).await.expect("spends"));
}

fn note(petition: &str, client: &str, hash: &str, expires_at: i64) -> super::ClientNote {
    super::ClientNote {
        petition: petition.into(),
        client: client.into(),
        hash: hash.into(),
        expires_at,
    }
}

pub(crate) async fn client_notes_by_client_and_expiry(store: Arc<dyn Store>) {
    for n in [
        note("p1", "c1", "h1", 2_000),
        note("p1", "c1", "h2", 2_000),
        note("p1", "c2", "h3", 2_000),
        note("p1", "c1", "old", 500),
        note("p2", "c1", "h4", 2_000),
    ] {
        store.note_client(n).await.expect("notes");
    }
    let mut mine = store
        .client_notes("p1", Some("c1"), 1_000)
        .await
        .expect("reads");
    mine.sort_by(|a, b| a.hash.cmp(&b.hash));
    assert_eq!(
        mine,
        vec![note("p1", "c1", "h1", 2_000), note("p1", "c1", "h2", 2_000)]
    );
    let mut all: Vec<String> = store
        .client_notes("p1", None, 1_000)
        .await
        .expect("reads")
        .into_iter()
        .map(|n| n.hash)
        .collect();
    all.sort();
    assert_eq!(all, ["h1", "h2", "h3"]);
}

pub(crate) async fn invalidate_removes_signatures_with_exact_counts(store: Arc<dyn Store>) {
    for rec in [
        record("p1", "flood-1", "FR"),
        record("p1", "flood-2", "DE"),
        record("p1", "real", "FR"),
        record("p2", "flood-1", "FR"),
    ] {
        assert!(store.sign(rec).await.expect("signs").new);
    }
    let at = 1_000;
    assert_eq!(
        store
            .sign_pending(pending("p1", "flood-3", "FR", "f3", at))
            .await
            .expect("pending"),
        PendingOutcome::Mail
    );
    let hashes: Vec<String> = ["flood-1", "flood-2", "flood-3", "never"]
        .map(String::from)
        .to_vec();
    let out = store.invalidate("p1", &hashes).await.expect("invalidates");
    assert_eq!(out.signatures.total, 2);
    assert_eq!(out.signatures.by_country.get("FR"), Some(&1));
    assert_eq!(out.signatures.by_country.get("DE"), Some(&1));
    assert_eq!(out.pending, 1);
    let p1 = store.count("p1").await.expect("counts");
    assert_eq!(p1.total, 1);
    assert_eq!(p1.by_country.get("FR"), Some(&1));
    assert_eq!(p1.by_country.get("DE"), None);
    assert_eq!(store.count("p2").await.expect("counts").total, 1);
    assert_eq!(
        confirm(&store, "f3", at + 1).await,
        ConfirmOutcome::Expired {
            petition: "p1".into()
        },
        "an invalidated pending signature can no longer be confirmed"
    );
    let again = store.invalidate("p1", &hashes).await.expect("invalidates");
    assert_eq!(again, super::Invalidated::default());
    assert_eq!(store.count("p1").await.expect("counts").total, 1);
}

pub(crate) async fn pause_and_resume(store: Arc<dyn Store>) {
    assert_eq!(store.pause("p1").await.expect("reads"), None);
    let pause = super::Pause {
        message: Some("Under attack.".into()),
        since: "2026-12-01T10:00:00Z".into(),
    };
    store
        .set_pause("p1", Some(pause.clone()))
        .await
        .expect("pauses");
    assert_eq!(store.pause("p1").await.expect("reads"), Some(pause));
    assert_eq!(store.pause("p2").await.expect("reads"), None);
    store.set_pause("p1", None).await.expect("resumes");
    assert_eq!(store.pause("p1").await.expect("reads"), None);
    store
        .set_pause("p1", None)
        .await
        .expect("resuming twice is fine");
}

/// Values sealed to the operator's key (`s1:…`, not base64) and values encrypted before
/// sealing (base64) both come back exactly.
pub(crate) async fn sealed_fields_come_back_as_written(store: Arc<dyn Store>) {
    let operator = crate::protect::OperatorKey::generate().expect("a key");
    let sealing = crate::protect::SignerKeys::from_secret(&[4; 32])
        .expect("keys")
        .sealing_to(operator.public());
    let mut sealed = record("sealed", "h1", "FR");
    sealed.name_enc = sealing.encrypt(&"名".repeat(100)).expect("seals");
    sealed.email_enc = Some(
        sealing
            .encrypt_address(&format!("{}@example.org", "e".repeat(60)), "h1")
            .expect("seals"),
    );
    sealed.updates = true;
    let old = record("sealed", "h2", "FR");
    store.sign(sealed.clone()).await.expect("signs sealed");
    store.sign(old.clone()).await.expect("signs old");
    let mut back = store.export_signatures("sealed").await.expect("exports");
    back.sort_by(|a, b| a.hash.cmp(&b.hash));
    assert_eq!(back[0].name_enc, sealed.name_enc);
    assert_eq!(back[0].email_enc, sealed.email_enc);
    assert_eq!(back[1].name_enc, old.name_enc);
    let opener = crate::protect::Opener::new(Some(operator), None);
    assert_eq!(
        opener.open(&back[0].name_enc).expect("opens"),
        "名".repeat(100)
    );
}

pub(crate) async fn the_first_signer_key_is_kept(store: Arc<dyn Store>) {
    assert_eq!(store.key_fingerprint(None).await.expect("reads"), None);
    let raced: Vec<_> = (0..8)
        .map(|i| {
            let store = Arc::clone(&store);
            tokio::spawn(async move { store.key_fingerprint(Some(&format!("k{i}"))).await })
        })
        .collect();
    let mut held = Vec::new();
    for task in raced {
        held.push(task.await.expect("joins").expect("answers"));
    }
    let first = held[0].clone();
    assert!(first.is_some(), "one of them is recorded");
    assert!(
        held.iter().all(|h| *h == first),
        "all see the same: {held:?}"
    );
    assert_eq!(
        store.key_fingerprint(Some("other")).await.expect("reads"),
        first
    );
    assert_eq!(store.key_fingerprint(None).await.expect("reads"), first);
}

pub(crate) async fn sweep_deletes_expired_fair_use_items(store: Arc<dyn Store>) {
    store.hit("lim:a", 100).await.expect("hits");
    store.spend("used:a", 100).await.expect("spends");
    store
        .note_client(note("p1", "c1", "h1", 100))
        .await
        .expect("notes");
    store.sweep(200).await.expect("sweeps");
    // Expired items are never reported, swept or not (DynamoDB's TTL deletes them later).
    assert_eq!(store.peek("lim:a", 200).await.expect("peeks"), 0);
    assert!(
        store
            .client_notes("p1", None, 200)
            .await
            .expect("reads")
            .is_empty()
    );
    if store.kind() == "local" {
        // The embedded store's sweep deleted them: nothing is left even for an earlier "now".
        assert_eq!(store.peek("lim:a", 0).await.expect("peeks"), 0, "swept");
        assert!(
            store
                .client_notes("p1", None, 0)
                .await
                .expect("reads")
                .is_empty(),
            "swept"
        );
        assert!(store.spend("used:a", 300).await.expect("spends"), "swept");
    }
}

pub(crate) async fn expired_personal_data_goes_and_its_counts_stay(store: Arc<dyn Store>) {
    let mut old = record("p1", "old", "FR");
    old.expires_at = 100;
    assert!(store.sign(old).await.expect("signs").new);
    assert!(
        store
            .sign(record("p1", "new", "DE"))
            .await
            .expect("signs")
            .new
    );
    let mut letter = self::letter("old-writer", "CA", "text");
    letter.expires_at = 100;
    assert!(store.send_letter(letter).await.expect("sends").new);
    store.sweep(200).await.expect("sweeps");
    let left: Vec<String> = store
        .export_signatures("p1")
        .await
        .expect("export")
        .into_iter()
        .map(|r| r.hash)
        .collect();
    assert_eq!(left, ["new"]);
    assert!(
        store
            .export_letters(&LetterFilter::All)
            .await
            .expect("export")
            .is_empty()
    );
    let counts = store.count("p1").await.expect("counts");
    assert_eq!(counts.total, 2, "the counts stay");
    assert_eq!(store.letter_counts().await.expect("counts").total, 1);
}

pub(crate) async fn recount_agrees_with_exact_counters(store: Arc<dyn Store>) {
    for rec in [
        record("p1", "a", "FR"),
        record("p1", "b", "FR"),
        record("p1", "c", "DE"),
        record("p2", "a", "US"),
    ] {
        store.sign(rec).await.expect("signs");
    }
    store.forget("c").await.expect("forgets");
    for fix in [false, true] {
        let r = store.recount("p1", fix).await.expect("recounts");
        assert!(r.agrees(), "{r:?}");
        assert!(!r.fixed, "nothing to fix");
        assert_eq!(r.stored.total, 2);
        assert_eq!(r.stored.by_country.get("FR"), Some(&2));
    }
    let empty = store.recount("never", true).await.expect("recounts");
    assert!(empty.agrees() && empty.stored.total == 0);
}

/// After the counters of `p1` were damaged behind the store's back (by the caller), a recount
/// sees it, a fix repairs it, and later changes keep the counts exact.
pub(crate) async fn recount_repairs_damaged_counters(
    store: Arc<dyn Store>,
    damage: impl std::future::Future<Output = ()>,
) {
    for rec in [
        record("p1", "a", "FR"),
        record("p1", "b", "FR"),
        record("p1", "c", "DE"),
    ] {
        store.sign(rec).await.expect("signs");
    }
    damage.await;
    let seen = store.recount("p1", false).await.expect("recounts");
    assert!(!seen.agrees(), "the damage is seen: {seen:?}");
    assert!(!seen.fixed);
    let fixed = store.recount("p1", true).await.expect("fixes");
    assert!(fixed.fixed);
    assert_eq!(fixed.stored.total, 3);
    let counts = store.count("p1").await.expect("counts");
    assert_eq!(counts, fixed.stored, "the counters are the recount");
    assert!(store.recount("p1", false).await.expect("recounts").agrees());
    store.forget("a").await.expect("forgets");
    store.sign(record("p1", "d", "US")).await.expect("signs");
    let counts = store.count("p1").await.expect("counts");
    assert_eq!(counts.total, 3);
    assert_eq!(counts.by_country.get("FR"), Some(&1));
    assert_eq!(counts.by_country.get("US"), Some(&1));
    assert!(store.recount("p1", false).await.expect("recounts").agrees());
}

pub(crate) async fn actions_are_counted_exactly_under_concurrency(store: Arc<dyn Store>) {
    assert!(store.action_counts().await.expect("reads").is_empty());
    let mut tasks = Vec::new();
    for (kind, state, senator, times) in [
        ("called", "CA", "A000001", 30),
        ("letter_sent", "CA", "A000001", 5),
        ("called", "NY", "B000002", 2),
    ] {
        for _ in 0..times {
            let store = Arc::clone(&store);
            tasks.push(tokio::spawn(async move {
                store
                    .count_action(kind, state, senator)
                    .await
                    .expect("counts");
            }));
        }
    }
    for t in tasks {
        t.await.expect("task");
    }
    let mut got: Vec<(String, String, String, u64)> = store
        .action_counts()
        .await
        .expect("reads")
        .into_iter()
        .map(|a| (a.kind, a.state, a.senator, a.count))
        .collect();
    got.sort();
    let want = [
        ("called", "CA", "A000001", 30),
        ("called", "NY", "B000002", 2),
        ("letter_sent", "CA", "A000001", 5),
    ]
    .map(|(k, s, b, n)| (k.to_owned(), s.to_owned(), b.to_owned(), n))
    .to_vec();
    assert_eq!(got, want);
}

fn snapshot(petition: &str, hour: i64, total: u64, by_country: &[(&str, u64)]) -> Snapshot {
    Snapshot {
        petition: petition.into(),
        hour,
        counts: Counts {
            total,
            by_country: by_country
                .iter()
                .map(|(c, n)| ((*c).to_owned(), *n))
                .collect(),
        },
    }
}

pub(crate) async fn snapshots_are_one_per_hour_oldest_first_and_bounded(store: Arc<dyn Store>) {
    let hour = crate::history::hour_of(T0);
    let h = crate::history::INTERVAL_SECS;
    assert!(
        store.history("p1", 0, T0).await.expect("reads").is_empty(),
        "a petition never snapshotted has no history"
    );
    for snap in [
        snapshot("p1", hour + h, 3, &[("FR", 2), ("DE", 1)]),
        snapshot("p1", hour, 1, &[("FR", 1)]),
        snapshot("p2", hour, 9, &[("US", 9)]),
        // The same hour again: it replaces the first.
        snapshot("p1", hour + h, 4, &[("FR", 3), ("DE", 1)]),
    ] {
        store.write_snapshot(snap).await.expect("writes");
    }
    let now = hour + 2 * h;
    assert_eq!(
        store.history("p1", 0, now).await.expect("reads"),
        vec![
            snapshot("p1", hour, 1, &[("FR", 1)]),
            snapshot("p1", hour + h, 4, &[("FR", 3), ("DE", 1)]),
        ]
    );
    assert_eq!(
        store.history("p1", hour + 1, now).await.expect("reads"),
        vec![snapshot("p1", hour + h, 4, &[("FR", 3), ("DE", 1)])],
        "`since` leaves earlier hours out"
    );
    assert_eq!(
        store.history("p2", 0, now).await.expect("reads"),
        vec![snapshot("p2", hour, 9, &[("US", 9)])]
    );
    // Past the retention the first hour is no longer in the series.
    let later = hour + HISTORY_SECS + 1;
    assert_eq!(
        store.history("p1", 0, later).await.expect("reads"),
        vec![snapshot("p1", hour + h, 4, &[("FR", 3), ("DE", 1)])]
    );
}

pub(crate) async fn the_snapshot_run_records_confirmed_counts_only(store: Arc<dyn Store>) {
    for (hash, country) in [("h1", "FR"), ("h2", "FR"), ("h3", "DE")] {
        store
            .sign(record("p1", hash, country))
            .await
            .expect("signs");
    }
    store
        .sign_pending(pending("p1", "h4", "US", "a", T0))
        .await
        .expect("pending");
    let now = std::time::UNIX_EPOCH + std::time::Duration::from_secs(T0.unsigned_abs());
    let petitions = ["p1".to_owned(), "p2".to_owned()];
    let taken = crate::history::take(store.as_ref(), &petitions, now)
        .await
        .expect("the run writes");
    assert_eq!(taken, 2);
    // A second run in the same hour replaces the snapshot: still one point.
    crate::history::take(store.as_ref(), &petitions, now)
        .await
        .expect("runs again");
    let hour = crate::history::hour_of(T0);
    assert_eq!(
        store.history("p1", 0, T0).await.expect("reads"),
        vec![snapshot("p1", hour, 3, &[("DE", 1), ("FR", 2)])],
        "the pending signature (US) is in no snapshot"
    );
    assert_eq!(
        store.history("p2", 0, T0).await.expect("reads"),
        vec![snapshot("p2", hour, 0, &[])]
    );
}
