//! `petition-fn serve`: the API on a local port, over DynamoDB when `TABLE_NAME` is set, else
//! the embedded store in `--data-dir` (created on first use, with its signer key).

use std::net::IpAddr;
use std::path::PathBuf;

use anyhow::Context as _;
use contract::bundle::SiteBundle;
use petition_fn::runtime::{DataDir, Settings, SetupError};
use petition_fn::{AppState, standalone_app};

/// Where to listen, and where the site and the local data are.
#[derive(Debug, clap::Args)]
pub(crate) struct ServeArgs {
    #[arg(long, default_value_t = 3000)]
    port: u16,
    #[arg(long, default_value = "127.0.0.1")]
    bind: IpAddr,
    /// The site's build output, holding _app/bundle.json.
    #[arg(long, default_value = "public")]
    site: PathBuf,
    /// Where the embedded store and the local signer key live.
    #[arg(long, default_value = ".data")]
    data_dir: PathBuf,
}

pub(crate) async fn run(args: ServeArgs) -> anyhow::Result<()> {
    let ServeArgs {
        port,
        bind,
        site,
        data_dir,
    } = args;
    let state = state(&site, data_dir)
        .await
        .context("cannot start the local server")?;
    let listener = tokio::net::TcpListener::bind((bind, port))
        .await
        .with_context(|| format!("cannot listen on {bind}:{port}"))?;
    eprintln!(
        "petition-fn: API on http://{}/api (store: {})",
        listener.local_addr()?,
        state.store().kind()
    );
    petition_fn::server::serve(
        listener,
        standalone_app(state),
        petition_fn::server::Limits::default(),
        async { tokio::signal::ctrl_c().await.unwrap_or(()) },
    )
    .await;
    Ok(())
}

// The bundle first: a missing build is reported before anything is created in the data folder.
async fn state(site: &std::path::Path, data_dir: PathBuf) -> Result<AppState, SetupError> {
    let bundle = SiteBundle::load_from_site(site)?;
    let settings = Settings::from_env(DataDir::Create(data_dir));
    let store = settings.open_store().await?;
    let keys = settings.checked_keys(store.as_ref(), true).await?;
    let mailer = settings.mailer().await?;
    let mut state = AppState::new(store, keys, bundle).with_mailer(mailer);
    if let Some(secret) = settings.origin_secret().await? {
        state = state.with_origin_secret(&secret);
    }
    state.spawn_sweeper();
    state.spawn_snapshots();
    Ok(state)
}
