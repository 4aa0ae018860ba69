//! `petition-fn export`: the binary reads the embedded store of a data folder, or a DynamoDB
//! table (DynamoDB Local at `DYNAMODB_ENDPOINT`), decrypts with the signer key and writes CSV.
#![cfg(all(feature = "dynamodb", feature = "lambda"))]

mod common;

use std::path::Path;
use std::process::{Command, Output};

use petition_fn::domain::LetterPrivate;
use petition_fn::protect::SignerKeys;
use petition_fn::store::local::LocalStore;
use petition_fn::store::{LetterRecord, SignatureRecord, Store};

const SECRET_HEX: &str = "0707070707070707070707070707070707070707070707070707070707070707";

fn keys() -> SignerKeys {
    SignerKeys::from_encoded(SECRET_HEX).expect("keys")
}

fn signature(k: &SignerKeys, hash: &str, name: &str, email: Option<&str>) -> SignatureRecord {
    SignatureRecord {
        petition: "free-them".into(),
        hash: hash.into(),
        name_enc: k.encrypt(name).expect("encrypts"),
        email_enc: email.map(|e| k.encrypt_address(e, hash).expect("encrypts")),
        country: "FR".into(),
        updates: email.is_some(),
        created_at: format!("2026-03-01T12:00:0{}Z", hash.len()),
        expires_at: 4_102_444_800,
    }
}

fn letter(k: &SignerKeys, hash: &str, state: &str, message: Option<&str>) -> LetterRecord {
    let private = LetterPrivate {
        name: "=HYPERLINK(\"http://evil.example\")".into(),
        email: format!("{hash}@example.org"),
        street: "1 Main Street".into(),
        city: "Springfield".into(),
        zip: "94103".into(),
        message: message.map(Into::into),
    };
    LetterRecord {
        hash: hash.into(),
        state: state.into(),
        senators: vec![format!("{state}00001"), format!("{state}00002")],
        private_enc: Some(
            k.encrypt(&serde_json::to_string(&private).expect("json"))
                .expect("encrypts"),
        ),
        suggested: message.is_none(),
        created_at: format!("2026-03-02T12:00:0{}Z", hash.len()),
        expires_at: 4_102_444_800,
    }
}

async fn fill(store: &dyn Store, k: &SignerKeys) {
    store
        .sign(signature(k, "s1", "Ada, Countess", Some("ada@example.org")))
        .await
        .expect("signs");
    store
        .sign(signature(k, "s22", "Grace", None))
        .await
        .expect("signs");
    store
        .send_letter(letter(k, "l1", "CA", None))
        .await
        .expect("sends");
    store
        .send_letter(letter(k, "l22", "NY", Some("Dear Senator,\nact.")))
        .await
        .expect("sends");
}

fn export(args: &[&str]) -> Command {
    common::cli::petition_fn("export", args)
}

fn ok(out: &Output) -> (String, String) {
    common::cli::succeeded(out)
}

fn check_letters_csv(csv: &str) {
    let lines: Vec<&str> = csv.split("\r\n").collect();
    assert_eq!(
        lines[0],
        "created_at,state,senators,name,email,street,city,zip,letter,message"
    );
    assert_eq!(
        lines[1],
        "2026-03-02T12:00:02Z,CA,CA00001 CA00002,\"'=HYPERLINK(\"\"http://evil.example\"\")\",l1@example.org,1 Main Street,Springfield,94103,suggested,"
    );
    assert!(
        lines[2].starts_with("2026-03-02T12:00:03Z,NY,NY00001 NY00002,"),
        "{csv}"
    );
    assert!(lines[2].ends_with(",own,\"Dear Senator,\nact.\""), "{csv}");
}

/// Names and addresses sealed to the operator's public key are opened only with the private
/// key from `keygen`, and the export then needs no signer secret at all.
#[tokio::test]
async fn sealed_fields_open_only_with_the_operator_key() {
    let keys_dir = tempfile::tempdir().expect("tempdir");
    let key_file = keys_dir.path().join("operator.key");
    let key_path = key_file.to_str().expect("utf-8");
    let out = common::cli::petition_fn("keygen", &["--out", key_path])
        .output()
        .expect("runs");
    let (public, stderr) = ok(&out);
    assert!(stderr.contains("off the servers"), "{stderr}");
    let again = common::cli::petition_fn("keygen", &["--out", key_path])
        .output()
        .expect("runs");
    assert!(!again.status.success(), "an existing key is never replaced");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key_file)
            .expect("exists")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    let dir = common::cli::data_folder(SECRET_HEX);
    let sealing = keys().sealing_to(
        petition_fn::protect::SealTo::from_encoded(public.trim()).expect("a public key"),
    );
    {
        let store = LocalStore::open_in(dir.path()).expect("opens");
        fill(&store, &sealing).await;
    }
    let data_dir = dir.path().to_str().expect("utf-8 path");
    let signatures = |extra: &[&str]| {
        let mut args = vec![
            "signatures",
            "--petition",
            "free-them",
            "--data-dir",
            data_dir,
        ];
        args.extend_from_slice(extra);
        export(&args).output().expect("runs")
    };
    let refused = signatures(&[]);
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("--operator-key"),
        "says what to give: {stderr}"
    );

    // Without the signer secret: the operator key alone opens everything sealed.
    std::fs::remove_file(dir.path().join("signer.key")).expect("removes");
    let (csv, _) = ok(&signatures(&["--operator-key", key_path]));
    assert_eq!(
        csv,
        "petition,created_at,name,email,country,updates\r\n\
         free-them,2026-03-01T12:00:02Z,\"Ada, Countess\",ada@example.org,FR,true\r\n\
         free-them,2026-03-01T12:00:03Z,Grace,,FR,false\r\n"
    );
    let out = export(&["letters", "--data-dir", data_dir])
        .env("OPERATOR_KEY_FILE", &key_file)
        .output()
        .expect("runs");
    check_letters_csv(&ok(&out).0);
}

#[tokio::test]
async fn exports_from_the_data_folder() {
    let dir = common::cli::data_folder(SECRET_HEX);
    {
        let store = LocalStore::open_in(dir.path()).expect("opens");
        fill(&store, &keys()).await;
        for (kind, state, senator) in [
            ("called", "CA", "A000001"),
            ("called", "CA", "A000001"),
            ("letter_sent", "NY", "B000002"),
        ] {
            store
                .count_action(kind, state, senator)
                .await
                .expect("counts");
        }
    } // closes the database so the command can open it
    let data_dir = dir.path().to_str().expect("utf-8 path");

    let out_file = dir.path().join("letters.csv");
    let out = export(&[
        "letters",
        "--data-dir",
        data_dir,
        "--out",
        out_file.to_str().expect("utf-8"),
    ])
    .output()
    .expect("runs");
    let (_, stderr) = ok(&out);
    assert!(stderr.contains("exported 2 rows (letters)"), "{stderr}");
    check_letters_csv(&std::fs::read_to_string(&out_file).expect("reads"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&out_file)
            .expect("exists")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "the export holds personal data");
    }

    let out = export(&["letters", "--state", "ny", "--data-dir", data_dir])
        .output()
        .expect("runs");
    let (csv, _) = ok(&out);
    assert_eq!(csv.matches("\r\n").count(), 2, "header + NY: {csv}");
    let out = export(&["letters", "--senator", "CA00002", "--data-dir", data_dir])
        .output()
        .expect("runs");
    let (csv, _) = ok(&out);
    assert!(csv.contains(",CA,") && !csv.contains(",NY,"), "{csv}");

    let out = export(&[
        "signatures",
        "--petition",
        "free-them",
        "--data-dir",
        data_dir,
    ])
    .output()
    .expect("runs");
    let (csv, _) = ok(&out);
    assert_eq!(
        csv,
        "petition,created_at,name,email,country,updates\r\n\
         free-them,2026-03-01T12:00:02Z,\"Ada, Countess\",ada@example.org,FR,true\r\n\
         free-them,2026-03-01T12:00:03Z,Grace,,FR,false\r\n"
    );

    let out = export(&["letter-counts", "--data-dir", data_dir])
        .output()
        .expect("runs");
    let (csv, _) = ok(&out);
    assert!(
        csv.starts_with("scope,id,letters\r\nstate,CA,1\r\nstate,NY,1\r\n"),
        "{csv}"
    );

    let out = export(&["actions", "--data-dir", data_dir])
        .output()
        .expect("runs");
    let (csv, _) = ok(&out);
    assert_eq!(
        csv,
        "kind,state,senator,count\r\ncalled,CA,A000001,2\r\nletter_sent,NY,B000002,1\r\n"
    );

    // Both --state and --senator: refused by the command line.
    let out = export(&[
        "letters",
        "--state",
        "CA",
        "--senator",
        "X",
        "--data-dir",
        data_dir,
    ])
    .output()
    .expect("runs");
    assert!(!out.status.success());

    // The wrong key: a clear error, no file.
    let wrong = dir.path().join("wrong.csv");
    let out = export(&[
        "letters",
        "--data-dir",
        data_dir,
        "--out",
        wrong.to_str().expect("utf-8"),
    ])
    .env("SIGNER_HMAC_KEY", "08".repeat(32))
    .output()
    .expect("runs");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("cannot decrypt"), "{stderr}");
    assert!(!wrong.exists());

    // The migration to keeping nothing personal: the letters stay, counted, without it.
    let out = common::cli::petition_fn("strip-letters", &["--data-dir", data_dir])
        .output()
        .expect("runs");
    let (text, _) = ok(&out);
    assert_eq!(
        text,
        "removed the personal fields of 2 letters; every letter stays counted\n"
    );
    let out = export(&["letters", "--data-dir", data_dir])
        .output()
        .expect("runs");
    let (csv, _) = ok(&out);
    assert!(
        !csv.contains("Ada") && !csv.contains("@example.org"),
        "{csv}"
    );
    assert_eq!(
        csv.lines().count(),
        3,
        "both letters are still there: {csv}"
    );
}

#[test]
fn a_missing_store_or_key_is_a_clear_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = export(&["letters", "--data-dir", dir.path().to_str().expect("utf-8")])
        .output()
        .expect("runs");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("there is no local store"), "{stderr}");
    assert!(stderr.contains("TABLE_NAME"), "{stderr}");

    // A store without its key: the command never makes a new key.
    drop(LocalStore::open_in(dir.path()).expect("creates the store"));
    let out = export(&["letters", "--data-dir", dir.path().to_str().expect("utf-8")])
        .output()
        .expect("runs");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("no signer key"), "{stderr}");
    assert!(!Path::new(&dir.path().join("signer.key")).exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exports_from_dynamodb() {
    use petition_fn::store::testing;

    let Some(endpoint) = testing::endpoint_or_skip("exports_from_dynamodb") else {
        return;
    };
    let store = testing::fresh_store(&endpoint, "export-cli").await;
    let table = store.table().to_owned();
    fill(&store, &keys()).await;
    let empty = tempfile::tempdir().expect("tempdir");
    let out = export(&[
        "letters",
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
    .expect("runs");
    let (csv, stderr) = ok(&out);
    assert!(
        stderr.contains(&format!("DynamoDB table {table}")),
        "{stderr}"
    );
    check_letters_csv(&csv);
    let out = common::cli::petition_fn(
        "strip-letters",
        &["--data-dir", empty.path().to_str().expect("utf-8")],
    )
    .env("TABLE_NAME", &table)
    .env("AWS_ENDPOINT_URL_DYNAMODB", &endpoint)
    .env("AWS_ACCESS_KEY_ID", "test")
    .env("AWS_SECRET_ACCESS_KEY", "test")
    .env("AWS_REGION", "us-east-1")
    .output()
    .expect("runs");
    let (text, _) = ok(&out);
    assert_eq!(
        text,
        "removed the personal fields of 2 letters; every letter stays counted\n"
    );
    assert!(
        store
            .export_letters(&petition_fn::store::LetterFilter::All)
            .await
            .expect("export")
            .iter()
            .all(|l| l.private_enc.is_none())
    );
}
