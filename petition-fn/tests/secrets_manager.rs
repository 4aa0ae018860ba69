//! The real `GetSecretValue` call of `secret::SecretsManager` (the Lambda cold start's read of
//! the signer key), against moto_server, a local stand-in that implements Secrets Manager.
//!
//! The test starts moto's server itself (`tests/common/moto.rs`) and stops it at the end. When
//! moto's server is not installed (`pip install 'moto[server]'`) it prints `SKIPPED` and
//! passes: the key's derivation and every error path are unit-tested in `src/secret.rs`
//! without it. (The SES test, `tests/ses.rs`, uses moto too; the DynamoDB tests use DynamoDB
//! Local.)
#![cfg(feature = "lambda")]

mod common;

use aws_sdk_secretsmanager::primitives::Blob;
use common::moto;
use petition_fn::protect::SignerKeys;
use petition_fn::secret::{SecretError, SecretSource, SecretsManager, resolve_signer_keys};

/// What Secrets Manager generates for the template (64 letters and digits).
const VALUE: &str = "kP3xV8qL2mZ7tR9wB4nC6yH1jD5fG0sA8eU3iO7pK2lQ9zX4cV6bN1mT5rW0yE3u";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_signer_key_is_read_from_secrets_manager() {
    let Some(moto) = moto::start("the Secrets Manager call test") else {
        return;
    };
    let source = SecretsManager::from_conf(&moto::sdk_config(&moto.endpoint));
    let created = source
        .client()
        .create_secret()
        .name("petition-fn-signer-key")
        .secret_string(VALUE)
        .send()
        .await
        .expect("creates the secret");
    let arn = created.arn().expect("an ARN").to_owned();

    assert_eq!(source.fetch(&arn).await.expect("fetches"), VALUE);
    let keys = resolve_signer_keys(None, Some(&arn), &source)
        .await
        .expect("keys from the secret");
    let direct = SignerKeys::from_encoded(VALUE).expect("the generated form is a key");
    assert_eq!(
        keys.dedup_hash("jane@example.org"),
        direct.dedup_hash("jane@example.org"),
        "the secret gives the keys SIGNER_HMAC_KEY=<value> gives"
    );

    // A secret that does not exist (or that the role may not read): the ARN, and the
    // service's reason, are named.
    let missing = arn.replace("petition-fn-signer-key", "no-such-secret");
    let err = resolve_signer_keys(None, Some(&missing), &source)
        .await
        .expect_err("no such secret");
    let text = err.to_string();
    assert!(matches!(err, SecretError::Fetch { .. }), "{text}");
    assert!(
        text.contains(&missing) && text.contains("ResourceNotFound"),
        "{text}"
    );

    // A binary secret is refused with a reason, and its bytes are not shown.
    let binary = source
        .client()
        .create_secret()
        .name("petition-fn-binary-key")
        .secret_binary(Blob::new(VALUE.as_bytes()))
        .send()
        .await
        .expect("creates the binary secret");
    let binary_arn = binary.arn().expect("an ARN").to_owned();
    let err = resolve_signer_keys(None, Some(&binary_arn), &source)
        .await
        .expect_err("binary value");
    let text = err.to_string();
    assert!(
        text.contains("binary") && text.contains(&binary_arn),
        "{text}"
    );
    assert!(!text.contains(VALUE), "the value leaked: {text}");
    drop(moto);
}
