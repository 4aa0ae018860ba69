//! Building the state the `petition-fn` binary runs with (feature `dynamodb`).
//!
//! | setting | where | meaning |
//! | --- | --- | --- |
//! | `TABLE_NAME` | env | use DynamoDB (required on Lambda); unset: the embedded store in `--data-dir` |
//! | `AWS_ENDPOINT_URL_DYNAMODB` | env | the SDK's standard endpoint override (DynamoDB Local) |
//! | `SIGNER_HMAC_KEY` | env | the signer secret (base64 or hex of ≥ 32 bytes); on Lambda it or the next is required; locally, unset: `<data-dir>/signer.key` |
//! | `SIGNER_HMAC_KEY_SECRET_ARN` | env, Lambda | when `SIGNER_HMAC_KEY` is unset: the Secrets Manager secret holding it, read once at cold start ([`crate::secret`]) |
//! | `SITE_BUNDLE` | env, Lambda | path of the site bundle; default `bundle.json` next to the executable (`/var/task/bundle.json` for a `provided.al2023` function) |

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::http::{AppState, StateError};
use crate::protect::{KeyError, SignerKeys};
use crate::secret::SecretError;
use crate::store::dynamo::{DynamoStore, TABLE_ENV};
use crate::store::{Store, StoreError};
use contract::bundle::{BundleError, SiteBundle};

/// Environment variable with the bundle's path on Lambda.
pub const BUNDLE_ENV: &str = "SITE_BUNDLE";

/// Why the binary could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The site bundle.
    #[error(transparent)]
    Bundle(#[from] BundleError),
    /// The signer keys.
    #[error(transparent)]
    Keys(#[from] KeyError),
    /// The signer secret on Lambda (the variable or the Secrets Manager secret).
    #[error(transparent)]
    Secret(#[from] SecretError),
    /// The store.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The local state.
    #[error(transparent)]
    State(#[from] StateError),
    /// A required setting is missing.
    #[error("{0}")]
    Missing(String),
}

/// The table named by `TABLE_NAME`, if set.
fn table_name() -> Option<String> {
    std::env::var(TABLE_ENV)
        .ok()
        .filter(|t| !t.trim().is_empty())
}

/// State for `petition-fn serve`: the bundle from `site/_app/bundle.json`; DynamoDB when
/// `TABLE_NAME` is set, else the embedded store in `data_dir`; the secret from
/// `SIGNER_HMAC_KEY`, else `data_dir/signer.key`.
pub async fn serve_state(site: &Path, data_dir: &Path) -> Result<AppState, StartError> {
    let bundle = SiteBundle::load_from_site(site)?;
    if table_name().is_none() {
        return Ok(crate::http::local_state(data_dir, bundle).await?);
    }
    let store: Arc<dyn Store> = Arc::new(DynamoStore::from_env().await?);
    let keys = SignerKeys::from_env_or_file(data_dir)?;
    Ok(AppState::new(store, keys, bundle))
}

/// State on Lambda (feature `lambda`): DynamoDB (`TABLE_NAME` required); the signer secret
/// from `SIGNER_HMAC_KEY`, else read once from the Secrets Manager secret named by
/// `SIGNER_HMAC_KEY_SECRET_ARN` (one of them required); the bundle from `SITE_BUNDLE` or
/// `bundle.json` beside the executable. Called before serving: any failure ends the cold start.
#[cfg(feature = "lambda")]
pub async fn lambda_state() -> Result<AppState, StartError> {
    let Some(table) = table_name() else {
        return Err(StartError::Missing(format!(
            "{TABLE_ENV} is not set: on Lambda the signatures live in DynamoDB; set it to the table's name"
        )));
    };
    let path = lambda_bundle_path()?;
    let shown = path.display().to_string();
    let bytes = std::fs::read(&path).map_err(|source| BundleError::Read {
        path: shown.clone(),
        source,
    })?;
    let bundle = SiteBundle::from_json(&bytes).map_err(|source| BundleError::Parse {
        path: shown,
        source,
    })?;
    // One SDK configuration (region, credentials) for both clients.
    let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .load()
        .await;
    let keys =
        crate::secret::signer_keys_from_env(&crate::secret::SecretsManager::from_conf(&config))
            .await?;
    let store: Arc<dyn Store> = Arc::new(DynamoStore::new(
        aws_sdk_dynamodb::Client::new(&config),
        table,
    ));
    Ok(AppState::new(store, keys, bundle))
}

/// `SITE_BUNDLE`, else `bundle.json` next to the executable.
pub fn lambda_bundle_path() -> Result<PathBuf, StartError> {
    if let Some(path) = std::env::var_os(BUNDLE_ENV).filter(|p| !p.is_empty()) {
        return Ok(PathBuf::from(path));
    }
    let exe = std::env::current_exe().map_err(|e| {
        StartError::Missing(format!(
            "cannot locate the executable ({e}): set {BUNDLE_ENV}"
        ))
    })?;
    Ok(exe.parent().map_or_else(
        || PathBuf::from("bundle.json"),
        |dir| dir.join("bundle.json"),
    ))
}

/// `petition-fn init-table`: creates the `TABLE_NAME` table (idempotent).
pub async fn init_table_from_env() -> Result<String, StartError> {
    let table = table_name().ok_or_else(|| {
        StartError::Missing(format!("{TABLE_ENV} is not set: name the table to create"))
    })?;
    let client = crate::store::dynamo::client_from_env().await;
    crate::store::dynamo::init_table(&client, &table).await?;
    Ok(table)
}
