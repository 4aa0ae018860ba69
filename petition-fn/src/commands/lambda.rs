//! The Lambda function: DynamoDB (`TABLE_NAME` required), the signer secret from
//! `SIGNER_HMAC_KEY` or the Secrets Manager secret named by `SIGNER_HMAC_KEY_SECRET_ARN`, the
//! bundle from `SITE_BUNDLE` or `bundle.json` beside the executable.

use anyhow::Context as _;
use petition_fn::runtime::{self, DataDir, Settings, SetupError};
use petition_fn::{AppState, standalone_app};

/// Sets everything up before serving, so any failure ends the cold start with its reason;
/// then answers HTTP requests and SES's bounce and complaint notifications
/// ([`petition_fn::events`]).
pub(crate) async fn run() -> anyhow::Result<()> {
    let state = state().await.context("cannot start on Lambda")?;
    let router = standalone_app(state.clone());
    let (router, state) = (&router, &state);
    lambda_http::lambda_runtime::run(lambda_http::service_fn(
        move |event: lambda_http::LambdaEvent<serde_json::Value>| async move {
            petition_fn::events::handle(router, state, event.payload, event.context).await
        },
    ))
    .await
    .map_err(|e| anyhow::anyhow!(e))
}

async fn state() -> Result<AppState, SetupError> {
    let settings = Settings::from_env(DataDir::None);
    let store = settings.open_store().await?;
    let bundle = runtime::lambda_bundle()?;
    let keys = settings.checked_keys(store.as_ref(), true).await?;
    let mailer = settings.mailer().await?;
    let state = AppState::new(store, keys, bundle).with_mailer(mailer);
    Ok(match settings.origin_secret().await? {
        Some(secret) => state.with_origin_secret(&secret),
        None => state,
    })
}
