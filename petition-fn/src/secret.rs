//! Where the signer secret comes from on Lambda: `SIGNER_HMAC_KEY`, else the Secrets Manager
//! secret named by `SIGNER_HMAC_KEY_SECRET_ARN`, read once at cold start.
//!
//! The deployment (infra/template.yaml) gives the function only the secret's ARN and the right
//! to `secretsmanager:GetSecretValue` on it; the secret's value (64 letters and digits, which
//! reads as base64 of 48 bytes) is read before the function serves anything and is taken
//! exactly as `SIGNER_HMAC_KEY` would be ([`SignerKeys::from_encoded`]), so an operator who
//! copies the value into `SIGNER_HMAC_KEY` (for the export) gets the same keys.
//!
//! The fetch sits behind the small [`SecretSource`] trait: the choice between the variable and
//! the secret, and every error, are tested with a stand-in; [`SecretsManager`] (feature
//! `lambda`) is the real one. Errors name the variable or the ARN, never the value.

use std::future::Future;

use crate::protect::{KEY_ENV, KeyError, SignerKeys};

/// Environment variable holding the ARN of the secret whose value is the signer secret.
pub const SECRET_ARN_ENV: &str = "SIGNER_HMAC_KEY_SECRET_ARN";

/// Something that can read a secret's string value by ARN (Secrets Manager, or a stand-in).
pub trait SecretSource {
    /// The secret's current string value. The error text must not contain the value.
    fn fetch(&self, arn: &str) -> impl Future<Output = Result<String, String>> + Send;
}

/// Why the signer keys could not be set up from the environment.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    /// Neither the key nor the secret's ARN is set.
    #[error(
        "neither {KEY_ENV} nor {SECRET_ARN_ENV} is set: on Lambda set {SECRET_ARN_ENV} to the ARN of the signer key secret (the SAM template does), or {KEY_ENV} to base64 or hex of at least 32 random bytes"
    )]
    Missing,
    /// `SIGNER_HMAC_KEY` is set but unusable.
    #[error(transparent)]
    Key(#[from] KeyError),
    /// Secrets Manager did not give the value.
    #[error(
        "cannot read the signer key secret {arn} (named by {SECRET_ARN_ENV}) from Secrets Manager: {reason}"
    )]
    Fetch {
        /// The secret's ARN.
        arn: String,
        /// What went wrong (never the value).
        reason: String,
    },
    /// The secret's value is not a usable key.
    #[error(
        "the signer key secret {arn} (named by {SECRET_ARN_ENV}) is not a usable key: {reason}"
    )]
    Value {
        /// The secret's ARN.
        arn: String,
        /// What is wrong with it (never the value).
        reason: String,
    },
}

/// Why a secret's value is not a key, in words that do not repeat the value.
fn value_problem(err: &KeyError) -> String {
    match err {
        KeyError::TooShort(n) => {
            format!("it decodes to {n} bytes and at least 32 random bytes are needed")
        }
        KeyError::Encoding => "it is neither hex nor base64".to_owned(),
        other => other.to_string(),
    }
}

/// The keys from `env_key` (the value of `SIGNER_HMAC_KEY`) when it is set and not blank, else
/// from the secret `arn` read through `source`; [`SecretError::Missing`] when neither is set.
/// `source` is asked only when the ARN is used, and at most once.
pub async fn resolve_signer_keys<S: SecretSource>(
    env_key: Option<&str>,
    arn: Option<&str>,
    source: &S,
) -> Result<SignerKeys, SecretError> {
    if let Some(key) = env_key.filter(|k| !k.trim().is_empty()) {
        return Ok(SignerKeys::from_encoded(key)?);
    }
    let Some(arn) = arn.map(str::trim).filter(|a| !a.is_empty()) else {
        return Err(SecretError::Missing);
    };
    let value = source
        .fetch(arn)
        .await
        .map_err(|reason| SecretError::Fetch {
            arn: arn.to_owned(),
            reason,
        })?;
    SignerKeys::from_encoded(&value).map_err(|e| SecretError::Value {
        arn: arn.to_owned(),
        reason: value_problem(&e),
    })
}

#[cfg(feature = "lambda")]
pub use sdk::SecretsManager;

#[cfg(feature = "lambda")]
mod sdk {
    use std::future::Future;
    use std::time::Duration;

    use aws_sdk_secretsmanager::Client;
    use aws_sdk_secretsmanager::config::timeout::TimeoutConfig;
    use aws_sdk_secretsmanager::error::DisplayErrorContext;

    use super::SecretSource;

    /// How long one `GetSecretValue` may take, retries included: well inside Lambda's 10 s
    /// initialisation limit, so a stuck call fails the cold start with a clear message.
    const FETCH_TIMEOUT: Duration = Duration::from_secs(5);

    /// [`SecretSource`] over the Secrets Manager API (`GetSecretValue`).
    #[derive(Debug, Clone)]
    pub struct SecretsManager {
        client: Client,
    }

    impl SecretsManager {
        /// A source over a client (tests point one at a local stand-in).
        pub fn new(client: Client) -> Self {
            Self { client }
        }

        /// A source from a loaded SDK configuration (region, credentials, and
        /// `AWS_ENDPOINT_URL_SECRETS_MANAGER` if set), with a 5-second operation timeout.
        pub fn from_conf(config: &aws_config::SdkConfig) -> Self {
            let conf = aws_sdk_secretsmanager::config::Builder::from(config)
                .timeout_config(
                    TimeoutConfig::builder()
                        .operation_timeout(FETCH_TIMEOUT)
                        .build(),
                )
                .build();
            Self::new(Client::from_conf(conf))
        }

        /// The client.
        pub fn client(&self) -> &Client {
            &self.client
        }
    }

    impl SecretSource for SecretsManager {
        fn fetch(&self, arn: &str) -> impl Future<Output = Result<String, String>> + Send {
            let request = self.client.get_secret_value().secret_id(arn);
            async move {
                let out = request
                    .send()
                    .await
                    .map_err(|e| format!("GetSecretValue: {}", DisplayErrorContext(&e)))?;
                match out.secret_string() {
                    Some(value) => Ok(value.to_owned()),
                    None if out.secret_binary().is_some() => Err(
                        "the secret holds a binary value; store the key as a string (SecretString)"
                            .to_owned(),
                    ),
                    None => Err("the secret has no value".to_owned()),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    /// A stand-in that answers with a fixed result and counts its calls.
    struct Fake {
        answer: Result<String, String>,
        calls: AtomicUsize,
    }

    impl Fake {
        fn new(answer: Result<&str, &str>) -> Self {
            Self {
                answer: answer.map(str::to_owned).map_err(str::to_owned),
                calls: AtomicUsize::new(0),
            }
        }
        fn calls(&self) -> usize {
            self.calls.load(Ordering::SeqCst)
        }
    }

    impl SecretSource for Fake {
        fn fetch(&self, arn: &str) -> impl Future<Output = Result<String, String>> + Send {
            assert_eq!(arn, ARN, "the ARN is passed as given, trimmed");
            self.calls.fetch_add(1, Ordering::SeqCst);
            let answer = self.answer.clone();
            async move { answer }
        }
    }

    const ARN: &str =
        "arn:aws:secretsmanager:eu-west-1:123456789012:secret:SignerHmacSecret-AbCdEf";
    /// What Secrets Manager generates for the template (64 letters and digits).
    const GENERATED: &str = "Q7mZr2XkT9bWc4NpLd8Hs3VyGf6JqA1uE5oKiR0tBxYzMnPwSvCeDgFhIjUlOa2b";

    fn hash(keys: &SignerKeys) -> String {
        keys.dedup_hash("jane@example.org")
    }

    #[tokio::test]
    async fn the_variable_wins_and_the_secret_is_not_read() {
        let fake = Fake::new(Ok(GENERATED));
        let keys = resolve_signer_keys(Some(GENERATED), Some(ARN), &fake)
            .await
            .expect("keys from the variable");
        assert_eq!(fake.calls(), 0);
        let direct = SignerKeys::from_encoded(GENERATED).expect("valid");
        assert_eq!(hash(&keys), hash(&direct));
    }

    #[tokio::test]
    async fn the_secret_is_read_once_and_gives_the_same_keys_as_the_variable() {
        let fake = Fake::new(Ok(&format!("{GENERATED}\n")));
        for blank in [None, Some(""), Some("  ")] {
            let keys = resolve_signer_keys(blank, Some(&format!(" {ARN} ")), &fake)
                .await
                .expect("keys from the secret");
            let direct = SignerKeys::from_encoded(GENERATED).expect("valid");
            assert_eq!(hash(&keys), hash(&direct));
        }
        assert_eq!(fake.calls(), 3, "once per resolution");
    }

    #[tokio::test]
    async fn neither_setting_is_a_clear_error() {
        let fake = Fake::new(Ok(GENERATED));
        for arn in [None, Some(""), Some(" ")] {
            let err = resolve_signer_keys(None, arn, &fake)
                .await
                .expect_err("nothing to use");
            assert!(matches!(err, SecretError::Missing));
            let text = err.to_string();
            assert!(
                text.contains(KEY_ENV) && text.contains(SECRET_ARN_ENV),
                "{text}"
            );
        }
        assert_eq!(fake.calls(), 0);
    }

    #[tokio::test]
    async fn a_failed_fetch_names_the_arn() {
        let fake = Fake::new(Err("GetSecretValue: AccessDeniedException: not authorized"));
        let err = resolve_signer_keys(None, Some(ARN), &fake)
            .await
            .expect_err("fetch fails");
        let text = err.to_string();
        assert!(matches!(err, SecretError::Fetch { .. }));
        assert!(
            text.contains(ARN) && text.contains("AccessDenied"),
            "{text}"
        );
    }

    #[tokio::test]
    async fn an_unusable_value_names_the_arn_and_not_the_value() {
        for (value, expect) in [
            ("s3cr3t-but-not-a-key!", "neither hex nor base64"),
            ("00112233445566778899aabbccddeeff", "16 bytes"),
        ] {
            let fake = Fake::new(Ok(value));
            let err = resolve_signer_keys(None, Some(ARN), &fake)
                .await
                .expect_err("not a key");
            let text = err.to_string();
            assert!(matches!(err, SecretError::Value { .. }));
            assert!(text.contains(ARN) && text.contains(expect), "{text}");
            assert!(!text.contains(value), "the value leaked: {text}");
            assert!(!format!("{err:?}").contains(value), "the value leaked");
        }
    }

    #[tokio::test]
    async fn a_bad_variable_is_reported_as_the_variable() {
        let fake = Fake::new(Ok(GENERATED));
        let err = resolve_signer_keys(Some("short"), Some(ARN), &fake)
            .await
            .expect_err("bad variable");
        assert!(matches!(err, SecretError::Key(_)));
        assert!(err.to_string().contains(KEY_ENV));
        assert_eq!(fake.calls(), 0, "a bad variable is not silently replaced");
    }
}
