//! The one harness for tests that run the `petition-fn` binary: a command with a clean
//! environment for the store, key and mail settings, and the output of a run that must succeed.

use std::process::{Command, Output};

/// The store, key, mail and Lambda settings the binary reads, none of which a test inherits.
pub(crate) const SETTINGS: [&str; 10] = [
    "TABLE_NAME",
    "SIGNER_HMAC_KEY",
    "SIGNER_HMAC_KEY_SECRET_ARN",
    "MAIL_FROM",
    "AWS_LAMBDA_RUNTIME_API",
    "AWS_ENDPOINT_URL_DYNAMODB",
    "ORIGIN_SECRET",
    "ORIGIN_SECRET_ARN",
    "OPERATOR_PUBLIC_KEY",
    "OPERATOR_KEY_FILE",
];

/// `petition-fn <subcommand> <args>` without any store, key or mail setting inherited from
/// the test's environment.
pub(crate) fn petition_fn(subcommand: &str, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_petition-fn"));
    cmd.arg(subcommand).args(args);
    for var in SETTINGS {
        cmd.env_remove(var);
    }
    cmd
}

/// Standard output and error of a run that must have succeeded.
pub(crate) fn succeeded(out: &Output) -> (String, String) {
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "the command failed: {stderr}{stdout}");
    (stdout, stderr)
}

/// A data folder holding the signer key `secret_hex`, as `serve` would have left it.
pub(crate) fn data_folder(secret_hex: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("signer.key"), secret_hex).expect("writes the key");
    dir
}

/// A confirmed signature to the operator tests' petition `free-them`, kept until 2100.
pub(crate) fn signature(
    hash: &str,
    country: &str,
    created_at: &str,
) -> petition_fn::store::SignatureRecord {
    petition_fn::store::SignatureRecord {
        petition: "free-them".into(),
        hash: hash.into(),
        name_enc: "bmFtZQ==".into(),
        email_enc: None,
        country: country.into(),
        updates: false,
        created_at: created_at.into(),
        expires_at: 4_102_444_800,
    }
}
