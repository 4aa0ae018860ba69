//! The operator's fair-use commands on the embedded store of a data folder: `invalidate` by
//! client and by time window (dry run first), `pause` / `resume`, and `recount --fix`, which
//! insists on a pause. Counts only are printed.
#![cfg(all(feature = "dynamodb", feature = "lambda"))]

mod common;

use common::cli::signature;
use petition_fn::store::local::LocalStore;
use petition_fn::store::{ClientNote, Store};

fn run(sub: &str, args: &[&str], dir: &str) -> std::process::Output {
    let mut all = args.to_vec();
    all.extend(["--data-dir", dir]);
    common::cli::petition_fn(sub, &all).output().expect("runs")
}

#[tokio::test]
async fn a_flood_is_undone_by_client_and_by_window_with_exact_counts() {
    let dir = common::cli::data_folder(&"06".repeat(32));
    let later = contract::date::unix_seconds(std::time::SystemTime::now()) + 3600;
    {
        let store = LocalStore::open_in(dir.path()).expect("opens");
        for (hash, country, at) in [
            ("real-1", "FR", "2026-12-01T09:00:00Z"),
            ("flood-1", "FR", "2026-12-01T10:05:00Z"),
            ("flood-2", "DE", "2026-12-01T10:06:00Z"),
            ("burst-1", "US", "2026-12-01T11:30:00Z"),
            ("burst-2", "GB", "2026-12-01T11:31:00Z"),
        ] {
            store
                .sign(signature(hash, country, at))
                .await
                .expect("signs");
        }
        for hash in ["flood-1", "flood-2"] {
            let note = ClientNote {
                petition: "free-them".into(),
                client: "floody".into(),
                hash: hash.into(),
                expires_at: later,
            };
            store.note_client(note).await.expect("notes");
        }
    }
    let d = dir.path().to_str().expect("utf-8");
    let dry = run(
        "invalidate",
        &[
            "--petition",
            "free-them",
            "--client-hash",
            "floody",
            "--dry-run",
        ],
        d,
    );
    let (out, _) = common::cli::succeeded(&dry);
    assert_eq!(
        out,
        "would remove 2 confirmed and 0 pending signatures\ncountry DE 1\ncountry FR 1\nconfirmed count now 5\n"
    );
    let done = run(
        "invalidate",
        &["--petition", "free-them", "--client-hash", "floody"],
        d,
    );
    let (out, _) = common::cli::succeeded(&done);
    assert!(out.starts_with("removed 2 confirmed"), "{out}");
    assert!(out.ends_with("confirmed count now 3\n"), "{out}");
    let window = run(
        "invalidate",
        &[
            "--petition",
            "free-them",
            "--since",
            "2026-12-01T11:00:00Z",
            "--until",
            "2026-12-01T12:00:00Z",
            "--country",
            "us",
        ],
        d,
    );
    let (out, _) = common::cli::succeeded(&window);
    assert_eq!(
        out,
        "removed 1 confirmed and 0 pending signatures\ncountry US 1\nconfirmed count now 2\n"
    );
    let backwards = run(
        "invalidate",
        &[
            "--petition",
            "free-them",
            "--since",
            "2026-12-02",
            "--until",
            "2026-12-01",
        ],
        d,
    );
    assert!(!backwards.status.success());
    assert!(String::from_utf8_lossy(&backwards.stderr).contains("is not before --until"));
    let neither = run("invalidate", &["--petition", "free-them"], d);
    assert!(!neither.status.success());

    // A recount agrees; a fix needs a pause.
    let (out, _) = common::cli::succeeded(&run("recount", &["--petition", "free-them"], d));
    assert_eq!(
        out,
        "petition free-them\nstored 2 counted 2\nthe counters agree with the stored signatures\n"
    );
    let unpaused = run("recount", &["--petition", "free-them", "--fix"], d);
    assert!(!unpaused.status.success());
    assert!(String::from_utf8_lossy(&unpaused.stderr).contains("is not paused"));
    let (out, _) = common::cli::succeeded(&run(
        "pause",
        &["--petition", "free-them", "--message", "Checking."],
        d,
    ));
    assert!(out.starts_with("paused free-them"), "{out}");
    common::cli::succeeded(&run("recount", &["--petition", "free-them", "--fix"], d));
    let (out, _) = common::cli::succeeded(&run("resume", &["--petition", "free-them"], d));
    assert!(out.starts_with("resumed free-them"), "{out}");
    let store = LocalStore::open_in(dir.path()).expect("opens");
    assert_eq!(store.pause("free-them").await.expect("reads"), None);
    assert_eq!(store.count("free-them").await.expect("counts").total, 2);
}
