//! `petition-fn`: on AWS Lambda when `AWS_LAMBDA_RUNTIME_API` is set (whatever the arguments),
//! else a local server (`serve`) or the table setup (`init-table`). Settings: see
//! `petition_fn::runtime`.

use std::net::IpAddr;
use std::path::PathBuf;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use petition_fn::{runtime, standalone_app};

#[derive(Parser)]
#[command(
    name = "petition-fn",
    version,
    about = "Records petition signatures: the /api of the campaign site"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API locally (DynamoDB when TABLE_NAME is set, else the embedded store).
    Serve {
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
    },
    /// Create the DynamoDB table named by TABLE_NAME (idempotent).
    InitTable,
    /// Export signatures or letters to CSV, reading the store directly (DynamoDB when
    /// TABLE_NAME is set, with your AWS credentials; else --data-dir) and decrypting with
    /// SIGNER_HMAC_KEY. For the operator only: never an HTTP endpoint.
    #[command(subcommand)]
    Export(petition_fn::export::ExportCommand),
    /// Remove a person's signatures and letters (a removal request): the address is
    /// normalised and hashed as signing does, with SIGNER_HMAC_KEY; prints only counts.
    /// DynamoDB when TABLE_NAME is set (your AWS credentials), else --data-dir.
    Forget(petition_fn::forget::ForgetArgs),
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    if std::env::var_os("AWS_LAMBDA_RUNTIME_API").is_some() {
        let state = runtime::lambda_state()
            .await
            .context("cannot start on Lambda")?;
        return lambda_http::run(standalone_app(state))
            .await
            .map_err(|e| anyhow::anyhow!(e));
    }
    match Cli::parse().command {
        Command::Serve {
            port,
            bind,
            site,
            data_dir,
        } => {
            let state = runtime::serve_state(&site, &data_dir).await?;
            let listener = tokio::net::TcpListener::bind((bind, port))
                .await
                .with_context(|| format!("cannot listen on {bind}:{port}"))?;
            eprintln!(
                "petition-fn: API on http://{}/api (store: {})",
                listener.local_addr()?,
                state.store().kind()
            );
            axum::serve(listener, standalone_app(state))
                .with_graceful_shutdown(async { tokio::signal::ctrl_c().await.unwrap_or(()) })
                .await?;
        }
        Command::InitTable => eprintln!("table {} is ready", runtime::init_table_from_env().await?),
        Command::Export(what) => eprintln!("{}", petition_fn::export::run(what).await?),
        Command::Forget(who) => println!("{}", petition_fn::forget::run(who).await?),
    }
    Ok(())
}
