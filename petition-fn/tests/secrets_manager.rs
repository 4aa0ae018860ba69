//! The real `GetSecretValue` call of `secret::SecretsManager` (the Lambda cold start's read of
//! the signer key), against moto_server, a local stand-in that implements Secrets Manager.
//!
//! The test starts `python3 -m moto.server` itself on a free loopback port and stops it at the
//! end. When moto's server is not installed (`pip install 'moto[server]'`) it prints `SKIPPED`
//! and passes: this is the only test that uses moto, and the key's derivation and every error
//! path are unit-tested in `src/secret.rs` without it. (The DynamoDB tests use DynamoDB Local.)
#![cfg(feature = "lambda")]

use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use aws_sdk_secretsmanager::config::{
    BehaviorVersion, Credentials, Region, SharedCredentialsProvider,
};
use aws_sdk_secretsmanager::primitives::Blob;
use petition_fn::protect::SignerKeys;
use petition_fn::secret::{SecretError, SecretSource, SecretsManager, resolve_signer_keys};

/// What Secrets Manager generates for the template (64 letters and digits).
const VALUE: &str = "kP3xV8qL2mZ7tR9wB4nC6yH1jD5fG0sA8eU3iO7pK2lQ9zX4cV6bN1mT5rW0yE3u";

/// moto_server, stopped (killed and reaped) when dropped, even if the test fails.
struct Moto {
    child: Child,
    endpoint: String,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The Python that has moto: `$PYTHON` (the test command's tool venv) or `python3`.
fn python() -> String {
    std::env::var("PYTHON").unwrap_or_else(|_| "python3".into())
}

/// Starts moto_server on a free loopback port, or `None` (after saying why) when it is not
/// installed. The test command installs it and sets `REQUIRE_MOTO=1`: then its absence fails.
fn start_moto() -> Option<Moto> {
    let installed = Command::new(python())
        .args(["-c", "import moto.server, flask"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !installed {
        assert!(
            std::env::var_os("REQUIRE_MOTO").is_none(),
            "REQUIRE_MOTO is set but {} cannot import moto.server: run ./scripts/test, which installs it",
            python()
        );
        println!(
            "SKIPPED the Secrets Manager call test: moto's server is not installed (pip install 'moto[server]')"
        );
        return None;
    }
    let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .expect("a free loopback port")
        .port();
    let child = Command::new(python())
        .args([
            "-m",
            "moto.server",
            "-H",
            "127.0.0.1",
            "-p",
            &port.to_string(),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("starts moto_server");
    let moto = Moto {
        child,
        endpoint: format!("http://127.0.0.1:{port}"),
    };
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let deadline = Instant::now() + Duration::from_secs(30);
    while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
        assert!(
            Instant::now() < deadline,
            "moto_server did not listen on {addr} within 30 s"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    Some(moto)
}

fn sdk_config(endpoint: &str) -> aws_config::SdkConfig {
    aws_config::SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(endpoint)
        .credentials_provider(SharedCredentialsProvider::new(Credentials::new(
            "test", "test", None, None, "moto",
        )))
        .build()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_signer_key_is_read_from_secrets_manager() {
    let Some(moto) = start_moto() else { return };
    let source = SecretsManager::from_conf(&sdk_config(&moto.endpoint));
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
