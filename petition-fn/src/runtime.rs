//! Where the `petition-fn` binary finds its store and signer keys (feature `dynamodb`): one
//! [`Settings`], read once from the environment, for every command and the Lambda start-up.
//!
//! | setting | where | meaning |
//! | --- | --- | --- |
//! | `TABLE_NAME` | env | use DynamoDB (required on Lambda); unset: the embedded store in `--data-dir` |
//! | `AWS_ENDPOINT_URL_DYNAMODB` | env | the SDK's standard endpoint override (DynamoDB Local) |
//! | `SIGNER_HMAC_KEY` | env | the signer secret (base64 or hex of ≥ 32 bytes); on Lambda it or the next is required; locally, unset: `<data-dir>/signer.key` |
//! | `SIGNER_HMAC_KEY_SECRET_ARN` | env, Lambda | when `SIGNER_HMAC_KEY` is unset: the Secrets Manager secret holding it, read once at cold start ([`crate::secret`]) |
//! | `MAIL_FROM` | env | the sender of confirmation mail: set, mail goes through Amazon SES (the SDK's standard settings, `AWS_ENDPOINT_URL_SESV2` included); required on Lambda; unset locally, mail goes to `<data-dir>/outbox/` |
//! | `ORIGIN_SECRET` | env | the value CloudFront sends in `X-Origin-Verify`: with it, a request carrying it is known to come through CloudFront and its `CloudFront-Viewer-Address` is the client's ([`crate::fair`]); unset, that header is never trusted |
//! | `ORIGIN_SECRET_ARN` | env, Lambda | when `ORIGIN_SECRET` is unset: the Secrets Manager secret holding it, read once at cold start |
//! | `SITE_BUNDLE` | env, Lambda | path of the site bundle; default `bundle.json` next to the executable (`/var/task/bundle.json` for a `provided.al2023` function) |

use std::path::{Path, PathBuf};
use std::sync::Arc;

use tokio::sync::OnceCell;

use crate::protect::{
    KEY_ENV, KEY_FILE, KeyError, OPERATOR_KEY_FILE, OPERATOR_KEY_FILE_ENV, OPERATOR_PUBLIC_ENV,
    Opener, OperatorKey, SealTo, SignerKeys,
};
use crate::secret::{SECRET_ARN_ENV, SecretError};
use crate::store::dynamo::{DynamoStore, TABLE_ENV};
use crate::store::local::{DB_FILE, LocalStore};
use crate::store::{Store, StoreError};
use contract::bundle::{BundleError, SiteBundle};

/// Environment variable with the bundle's path on Lambda.
pub const BUNDLE_ENV: &str = "SITE_BUNDLE";

/// Environment variable holding the origin secret itself.
pub const ORIGIN_SECRET_ENV: &str = "ORIGIN_SECRET";

/// Environment variable holding the ARN of the Secrets Manager secret with the origin secret.
pub const ORIGIN_SECRET_ARN_ENV: &str = "ORIGIN_SECRET_ARN";

/// Why the store, the signer keys or the bundle could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    /// The site bundle.
    #[error(transparent)]
    Bundle(#[from] BundleError),
    /// The signer keys (`SIGNER_HMAC_KEY` or the key file).
    #[error(transparent)]
    Keys(#[from] KeyError),
    /// The signer secret on Lambda (the variable or the Secrets Manager secret).
    #[error(transparent)]
    Secret(#[from] SecretError),
    /// The store.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// `TABLE_NAME` is required here and not set; the text says why it is needed.
    #[error("{TABLE_ENV} is not set: {0}")]
    NoTable(&'static str),
    /// A command that reads existing data found no embedded store.
    #[error(
        "there is no local store at {}: set {TABLE_ENV} to use the DynamoDB table, or give the data folder with --data-dir",
        .0.display()
    )]
    NoLocalStore(PathBuf),
    /// A command that reads existing data found neither `SIGNER_HMAC_KEY` nor the key file.
    #[error(
        "no signer key: set {KEY_ENV} to the deployment's signer secret (the value of the secret named by {SECRET_ARN_ENV}), or keep {}",
        path.display()
    )]
    NoKeyFile {
        /// The key file looked for.
        path: PathBuf,
        /// Why it could not be read.
        source: std::io::Error,
    },
    /// Opening the embedded store on a blocking thread failed.
    #[error("opening the local store failed")]
    Task(#[source] tokio::task::JoinError),
    /// The mail transport.
    #[error(transparent)]
    Mail(#[from] crate::mail::MailError),
    /// The origin secret could not be read from Secrets Manager.
    #[error(
        "cannot read the origin secret {arn} (named by {ORIGIN_SECRET_ARN_ENV}) from Secrets Manager: {reason}"
    )]
    OriginSecret {
        /// The secret's ARN.
        arn: String,
        /// What went wrong (never the value).
        reason: String,
    },
    /// Lambda without the operator's public key.
    #[error(
        "{OPERATOR_PUBLIC_ENV} is not set: the function seals signers' names and addresses to the operator's public key. Run `petition-fn keygen --out operator.key` on your own machine (never on a server) and give the public key it prints (the SAM template's OperatorPublicKey parameter)"
    )]
    NoOperatorKey,
    /// The store was written with another signer key, or could not say.
    #[error(transparent)]
    KeyCheck(#[from] crate::store::KeyCheckError),
    /// The executable's folder (where the Lambda bundle is looked for) is unknown.
    #[error("cannot locate the executable: set {BUNDLE_ENV} to the site bundle's path")]
    Executable(#[source] std::io::Error),
}

/// What a command may do with the local data folder, used when `TABLE_NAME` is unset (and for
/// the key file when `SIGNER_HMAC_KEY` is unset).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DataDir {
    /// `serve`: the embedded store and `signer.key` are created there on first use.
    Create(PathBuf),
    /// `export`, `forget`: only what is there already is used; a new key would decrypt
    /// nothing and find nothing.
    Existing(PathBuf),
    /// Lambda and `init-table`: no data folder; DynamoDB, and the key from `SIGNER_HMAC_KEY` or
    /// the Secrets Manager secret.
    None,
}

/// Every AWS call's time limits. The SDK sets none by default: a stalled DynamoDB held a
/// signature 25 s, past the function's 10 s timeout, and Lambda answered a bare 5xx. Each
/// attempt gets 2 s (DynamoDB answers in milliseconds), a call with its retries 4 s, well
/// inside the router's deadline (`http::layers::REQUEST_DEADLINE`, 8 s), which answers 503
/// with `Retry-After`.
pub fn sdk_timeouts() -> aws_config::timeout::TimeoutConfig {
    aws_config::timeout::TimeoutConfig::builder()
        .connect_timeout(std::time::Duration::from_secs(1))
        .operation_attempt_timeout(std::time::Duration::from_secs(2))
        .operation_timeout(std::time::Duration::from_secs(4))
        .build()
}

/// The store and key settings of one run, read once from the environment.
pub struct Settings {
    table: Option<String>,
    key: Option<String>,
    secret_arn: Option<String>,
    mail_from: Option<String>,
    origin_secret: Option<String>,
    origin_secret_arn: Option<String>,
    operator_public: Option<String>,
    data_dir: DataDir,
    // One SDK configuration (region, credentials) for every AWS client of the run.
    sdk: OnceCell<aws_config::SdkConfig>,
}

// By hand, so that the signer secret never reaches a log through `{:?}`.
impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("table", &self.table)
            .field("key", &self.key.as_ref().map(|_| "<redacted>"))
            .field("secret_arn", &self.secret_arn)
            .field("mail_from", &self.mail_from)
            .field(
                "origin_secret",
                &self.origin_secret.as_ref().map(|_| "<redacted>"),
            )
            .field("origin_secret_arn", &self.origin_secret_arn)
            .field("operator_public", &self.operator_public)
            .field("data_dir", &self.data_dir)
            .finish_non_exhaustive()
    }
}

impl Settings {
    /// The settings from the process environment, with the data folder the command allows.
    pub fn from_env(data_dir: DataDir) -> Self {
        Self::from_vars(data_dir, |name| std::env::var(name).ok())
    }

    /// The settings from `var` (the environment, or a stand-in in tests); blank values count
    /// as unset.
    fn from_vars(data_dir: DataDir, var: impl Fn(&str) -> Option<String>) -> Self {
        let set = |name: &str| var(name).filter(|v| !v.trim().is_empty());
        Self {
            table: set(TABLE_ENV),
            key: set(KEY_ENV),
            secret_arn: set(SECRET_ARN_ENV),
            mail_from: set(crate::mail::MAIL_FROM_ENV),
            origin_secret: set(ORIGIN_SECRET_ENV),
            origin_secret_arn: set(ORIGIN_SECRET_ARN_ENV),
            operator_public: set(OPERATOR_PUBLIC_ENV),
            data_dir,
            sdk: OnceCell::new(),
        }
    }

    /// Where the store is, for messages: `DynamoDB table NAME` or the embedded store's file.
    pub fn store_location(&self) -> String {
        match (&self.table, &self.data_dir) {
            (Some(table), _) => format!("DynamoDB table {table}"),
            (None, DataDir::Create(dir) | DataDir::Existing(dir)) => {
                dir.join(DB_FILE).display().to_string()
            }
            (None, DataDir::None) => format!("no store ({TABLE_ENV} is not set)"),
        }
    }

    async fn sdk(&self) -> &aws_config::SdkConfig {
        self.sdk
            .get_or_init(|| {
                aws_config::defaults(aws_config::BehaviorVersion::latest())
                    .timeout_config(sdk_timeouts())
                    .load()
            })
            .await
    }

    /// The mail transport: Amazon SES from `MAIL_FROM` when it is set, else the outbox of
    /// the data folder; without a data folder (Lambda) `MAIL_FROM` is required.
    pub async fn mailer(&self) -> Result<Arc<dyn crate::mail::Mailer>, SetupError> {
        match (&self.mail_from, &self.data_dir) {
            #[cfg(feature = "ses")]
            (Some(from), _) => Ok(Arc::new(crate::mail::Ses::new(
                self.sdk().await,
                from.clone(),
            )?)),
            #[cfg(not(feature = "ses"))]
            (Some(_), _) => Err(SetupError::Mail(crate::mail::MailError::MissingFrom)),
            (None, DataDir::Create(dir) | DataDir::Existing(dir)) => {
                Ok(Arc::new(crate::mail::Outbox::new(dir)))
            }
            (None, DataDir::None) => Err(SetupError::Mail(crate::mail::MailError::MissingFrom)),
        }
    }

    /// The store: the DynamoDB table named by `TABLE_NAME` (the SDK's standard configuration,
    /// `AWS_ENDPOINT_URL_DYNAMODB` included), else the embedded store in the data folder,
    /// created only under [`DataDir::Create`]. Without a data folder `TABLE_NAME` is required.
    pub async fn open_store(&self) -> Result<Arc<dyn Store>, SetupError> {
        if let Some(table) = &self.table {
            let client = aws_sdk_dynamodb::Client::new(self.sdk().await);
            return Ok(Arc::new(DynamoStore::new(client, table.clone())));
        }
        let dir = match &self.data_dir {
            DataDir::Create(dir) => dir,
            DataDir::Existing(dir) => {
                let db = dir.join(DB_FILE);
                if !db.is_file() {
                    return Err(SetupError::NoLocalStore(db));
                }
                dir
            }
            DataDir::None => {
                return Err(SetupError::NoTable(
                    "on Lambda the signatures live in DynamoDB; set it to the table's name",
                ));
            }
        };
        let dir = dir.clone();
        let store = tokio::task::spawn_blocking(move || LocalStore::open_in(&dir))
            .await
            .map_err(SetupError::Task)??;
        Ok(Arc::new(store))
    }

    /// The signer keys: `SIGNER_HMAC_KEY`, else `<data-dir>/signer.key` (generated under
    /// [`DataDir::Create`], required under [`DataDir::Existing`]); without a data folder, the
    /// Secrets Manager secret named by `SIGNER_HMAC_KEY_SECRET_ARN`, read once.
    ///
    /// They seal personal fields to `OPERATOR_PUBLIC_KEY`; a local server without it seals to
    /// `<data-dir>/operator.key` (generated on first use), and Lambda requires it.
    pub async fn keys(&self) -> Result<SignerKeys, SetupError> {
        let keys = match (&self.key, &self.data_dir) {
            (_, DataDir::None) => self.keys_without_data_dir().await?,
            (Some(key), _) => SignerKeys::from_encoded(key)?,
            (None, DataDir::Create(dir)) => SignerKeys::load_or_create(dir)?,
            (None, DataDir::Existing(dir)) => existing_keys(dir)?,
        };
        let operator = match (&self.operator_public, &self.data_dir) {
            (Some(public), _) => Some(SealTo::from_encoded(public)?),
            (None, DataDir::Create(dir)) => Some(OperatorKey::load_or_create(dir)?.public()),
            (None, DataDir::None) => return Err(SetupError::NoOperatorKey),
            // The operator's commands seal nothing.
            (None, DataDir::Existing(_)) => None,
        };
        Ok(match operator {
            Some(operator) => keys.sealing_to(operator),
            None => keys,
        })
    }

    /// What opens the stored personal fields for `export` and `mail`: the operator's private
    /// key from `operator_key` (the command's `--operator-key`), else `OPERATOR_KEY_FILE`,
    /// else `<data-dir>/operator.key` when it is there; and the signer keys when they are
    /// given, for values from before sealing, checked against `store` first.
    pub async fn opener(
        &self,
        store: &dyn Store,
        operator_key: Option<&Path>,
    ) -> Result<Opener, SetupError> {
        let from_env = std::env::var_os(OPERATOR_KEY_FILE_ENV)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from);
        let in_data_dir = match &self.data_dir {
            DataDir::Create(dir) | DataDir::Existing(dir) => {
                Some(dir.join(OPERATOR_KEY_FILE)).filter(|p| p.is_file())
            }
            DataDir::None => None,
        };
        let operator = match operator_key
            .map(Path::to_owned)
            .or(from_env)
            .or(in_data_dir)
        {
            Some(path) => Some(OperatorKey::load(&path)?),
            None => None,
        };
        let legacy = match self.keys().await {
            Ok(keys) => {
                crate::store::check_key(store, &keys, &self.store_location(), false).await?;
                Some(keys)
            }
            Err(SetupError::NoKeyFile { .. } | SetupError::Keys(KeyError::Missing))
                if operator.is_some() =>
            {
                None
            }
            Err(e) => return Err(e),
        };
        Ok(Opener::new(operator, legacy))
    }

    /// [`Settings::keys`], refused unless the store was written with them
    /// ([`crate::store::check_key`]);
    /// a server (`record`) records them in a store used for the first time.
    pub async fn checked_keys(
        &self,
        store: &dyn Store,
        record: bool,
    ) -> Result<SignerKeys, SetupError> {
        let keys = self.keys().await?;
        crate::store::check_key(store, &keys, &self.store_location(), record).await?;
        Ok(keys)
    }

    #[cfg(feature = "lambda")]
    async fn keys_without_data_dir(&self) -> Result<SignerKeys, SetupError> {
        Ok(crate::secret::resolve_signer_keys(
            self.key.as_deref(),
            self.secret_arn.as_deref(),
            &LazySecretsManager(self),
        )
        .await?)
    }

    // Without the Secrets Manager client (feature `lambda`) only the variable can give the key.
    #[cfg(not(feature = "lambda"))]
    async fn keys_without_data_dir(&self) -> Result<SignerKeys, SetupError> {
        match &self.key {
            Some(key) => Ok(SignerKeys::from_encoded(key)?),
            None => Err(SecretError::Missing.into()),
        }
    }

    /// The origin secret: `ORIGIN_SECRET`, else (on Lambda) the Secrets Manager secret named by
    /// `ORIGIN_SECRET_ARN`, read once; `None` when neither is set (the local servers).
    pub async fn origin_secret(&self) -> Result<Option<String>, SetupError> {
        if let Some(secret) = &self.origin_secret {
            return Ok(Some(secret.trim().to_owned()));
        }
        let Some(arn) = &self.origin_secret_arn else {
            return Ok(None);
        };
        self.fetch_origin_secret(arn).await.map(Some)
    }

    #[cfg(feature = "lambda")]
    async fn fetch_origin_secret(&self, arn: &str) -> Result<String, SetupError> {
        use crate::secret::SecretSource as _;
        let value = LazySecretsManager(self)
            .fetch(arn)
            .await
            .map_err(|reason| SetupError::OriginSecret {
                arn: arn.to_owned(),
                reason,
            })?;
        let value = value.trim().to_owned();
        if value.is_empty() {
            return Err(SetupError::OriginSecret {
                arn: arn.to_owned(),
                reason: "its value is empty".into(),
            });
        }
        Ok(value)
    }

    #[cfg(not(feature = "lambda"))]
    async fn fetch_origin_secret(&self, arn: &str) -> Result<String, SetupError> {
        Err(SetupError::OriginSecret {
            arn: arn.to_owned(),
            reason: format!(
                "this build has no Secrets Manager client (feature `lambda`): set {ORIGIN_SECRET_ENV} instead"
            ),
        })
    }

    /// Creates the `TABLE_NAME` table if it does not exist (idempotent); returns its name.
    pub async fn init_table(&self) -> Result<&str, SetupError> {
        let table = self
            .table
            .as_deref()
            .ok_or(SetupError::NoTable("name the table to create"))?;
        let client = aws_sdk_dynamodb::Client::new(self.sdk().await);
        crate::store::dynamo::init_table(&client, table).await?;
        Ok(table)
    }
}

/// Secrets Manager with the run's SDK configuration, loaded only if the secret is read.
#[cfg(feature = "lambda")]
struct LazySecretsManager<'a>(&'a Settings);

#[cfg(feature = "lambda")]
impl crate::secret::SecretSource for LazySecretsManager<'_> {
    async fn fetch(&self, arn: &str) -> Result<String, String> {
        crate::secret::SecretsManager::from_conf(self.0.sdk().await)
            .fetch(arn)
            .await
    }
}

/// The existing `<data_dir>/signer.key`, never a new one.
fn existing_keys(data_dir: &Path) -> Result<SignerKeys, SetupError> {
    let path = data_dir.join(KEY_FILE);
    match std::fs::read_to_string(&path) {
        Ok(text) => Ok(SignerKeys::from_encoded(&text)?),
        Err(source) => Err(SetupError::NoKeyFile { path, source }),
    }
}

/// The site bundle on Lambda: `SITE_BUNDLE`, else `bundle.json` next to the executable.
pub fn lambda_bundle() -> Result<SiteBundle, SetupError> {
    let path = lambda_bundle_path()?;
    let shown = path.display().to_string();
    let bytes = std::fs::read(&path).map_err(|source| BundleError::Read {
        path: shown.clone(),
        source,
    })?;
    Ok(
        SiteBundle::from_json(&bytes).map_err(|source| BundleError::Parse {
            path: shown,
            source,
        })?,
    )
}

fn lambda_bundle_path() -> Result<PathBuf, SetupError> {
    if let Some(path) = std::env::var_os(BUNDLE_ENV).filter(|p| !p.is_empty()) {
        return Ok(PathBuf::from(path));
    }
    let exe = std::env::current_exe().map_err(SetupError::Executable)?;
    Ok(exe.parent().map_or_else(
        || PathBuf::from("bundle.json"),
        |dir| dir.join("bundle.json"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "0808080808080808080808080808080808080808080808080808080808080808";

    fn settings(data_dir: DataDir, vars: &[(&str, &str)]) -> Settings {
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Settings::from_vars(data_dir, move |name| {
            vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
        })
    }

    #[test]
    fn blank_variables_count_as_unset_and_the_key_is_not_shown() {
        let s = settings(
            DataDir::None,
            &[(TABLE_ENV, " "), (KEY_ENV, KEY), (SECRET_ARN_ENV, "")],
        );
        assert_eq!(s.table, None);
        assert_eq!(s.secret_arn, None);
        assert!(!format!("{s:?}").contains(KEY), "{s:?}");
        let s = settings(DataDir::None, &[(TABLE_ENV, "t")]);
        assert_eq!(s.store_location(), "DynamoDB table t");
    }

    #[tokio::test]
    async fn reading_existing_data_never_creates_a_store_or_a_key() {
        let dir = tempfile::tempdir().expect("tempdir");
        let s = settings(DataDir::Existing(dir.path().to_owned()), &[]);
        let Err(err) = s.open_store().await else {
            panic!("no store yet")
        };
        assert!(matches!(err, SetupError::NoLocalStore(_)), "{err}");
        assert!(err.to_string().contains(TABLE_ENV), "{err}");
        let err = s.keys().await.expect_err("no key yet");
        assert!(matches!(err, SetupError::NoKeyFile { .. }), "{err}");
        assert!(err.to_string().contains(KEY_ENV), "{err}");
        assert!(
            std::fs::read_dir(dir.path())
                .expect("lists")
                .next()
                .is_none()
        );

        let s = settings(DataDir::Existing(dir.path().to_owned()), &[(KEY_ENV, KEY)]);
        let from_env = s.keys().await.expect("the variable");
        let direct = SignerKeys::from_encoded(KEY).expect("valid");
        assert_eq!(from_env.dedup_hash("a"), direct.dedup_hash("a"));
    }

    #[tokio::test]
    async fn serving_creates_the_store_and_the_key_and_reuses_them() {
        let dir = tempfile::tempdir().expect("tempdir");
        let s = settings(DataDir::Create(dir.path().to_owned()), &[]);
        assert_eq!(s.open_store().await.expect("creates").kind(), "local");
        let first = s.keys().await.expect("creates");
        assert!(dir.path().join(KEY_FILE).is_file());
        assert!(dir.path().join(DB_FILE).is_file());
        assert_eq!(
            s.store_location(),
            dir.path().join(DB_FILE).display().to_string()
        );
        let existing = settings(DataDir::Existing(dir.path().to_owned()), &[]);
        let again = existing.keys().await.expect("reads");
        assert_eq!(first.dedup_hash("a"), again.dedup_hash("a"));
    }

    /// The adversarial finding: a changed key silently counted the same person twice.
    #[tokio::test]
    async fn a_store_refuses_another_signer_key() {
        let dir = tempfile::tempdir().expect("tempdir");
        let serving = settings(DataDir::Create(dir.path().to_owned()), &[]);
        let store = serving.open_store().await.expect("creates");
        let first = serving
            .checked_keys(store.as_ref(), true)
            .await
            .expect("records the new key");
        serving
            .checked_keys(store.as_ref(), true)
            .await
            .expect("the same key again");
        let other = settings(DataDir::Create(dir.path().to_owned()), &[(KEY_ENV, KEY)]);
        let err = other
            .checked_keys(store.as_ref(), true)
            .await
            .expect_err("another key is refused");
        let SetupError::KeyCheck(crate::store::KeyCheckError::Other { held, given, .. }) = &err
        else {
            panic!("{err}")
        };
        assert_eq!(*held, first.fingerprint());
        assert_ne!(held, given);
        let message = err.to_string();
        assert!(message.contains(KEY_ENV), "names the variable: {message}");
        assert!(message.contains(DB_FILE), "names the store: {message}");
        assert!(!message.contains(KEY), "never the key: {message}");
        // A command that only reads is refused too, and records nothing in a fresh store.
        let fresh = tempfile::tempdir().expect("tempdir");
        let reading = settings(DataDir::Create(fresh.path().to_owned()), &[(KEY_ENV, KEY)]);
        let fresh_store = reading.open_store().await.expect("creates");
        reading
            .checked_keys(fresh_store.as_ref(), false)
            .await
            .expect("nothing to check against");
        assert_eq!(
            fresh_store.key_fingerprint(None).await.expect("reads"),
            None
        );
    }

    #[tokio::test]
    async fn without_a_data_folder_the_table_and_a_key_are_required() {
        let s = settings(DataDir::None, &[]);
        let Err(err) = s.open_store().await else {
            panic!("no table")
        };
        assert!(matches!(err, SetupError::NoTable(_)), "{err}");
        assert!(
            err.to_string().starts_with("TABLE_NAME is not set"),
            "{err}"
        );
        let err = s.init_table().await.expect_err("no table");
        assert_eq!(
            err.to_string(),
            "TABLE_NAME is not set: name the table to create"
        );
        let err = s.keys().await.expect_err("no key");
        assert!(
            matches!(err, SetupError::Secret(SecretError::Missing)),
            "{err}"
        );
        let s = settings(DataDir::None, &[(KEY_ENV, "short")]);
        assert!(matches!(
            s.keys().await,
            Err(SetupError::Secret(SecretError::Key(_)) | SetupError::Keys(_))
        ));
    }
}
