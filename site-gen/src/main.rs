//! The `site-gen` command: build, check and preview the campaign site.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod cli;

// Building allocates many small strings and maps on every core; mimalloc handles that
// noticeably faster than the system allocator (see BENCHMARKS.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "site-gen",
    version,
    about = "Builds, checks and previews the campaign site"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Builds the site into a folder.
    Build {
        /// The site's folder (holding site.toml).
        #[arg(long, default_value = ".")]
        root: PathBuf,
        /// Where to write the site (relative to the root unless absolute).
        #[arg(long, default_value = "public")]
        output: PathBuf,
        /// Overrides base_url of site.toml.
        #[arg(long)]
        base_url: Option<String>,
        /// Includes pages marked `draft = true`.
        #[arg(long)]
        drafts: bool,
    },
    /// Builds, serves the site and the petition API, rebuilds on change and reloads the browser.
    Serve {
        /// The site's folder.
        #[arg(long, default_value = ".")]
        root: PathBuf,
        /// Port to listen on.
        #[arg(long, default_value_t = 1111)]
        port: u16,
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1")]
        bind: std::net::IpAddr,
        /// Where the embedded store keeps signatures (relative to the root unless absolute).
        #[arg(long, default_value = ".data")]
        data_dir: PathBuf,
        /// Includes drafts.
        #[arg(long)]
        drafts: bool,
    },
    /// Builds in memory and verifies links, anchors, assets and forms.
    Check {
        /// The site's folder.
        #[arg(long, default_value = ".")]
        root: PathBuf,
    },
    /// Manages the senator data in content/data/.
    Senators {
        #[command(subcommand)]
        command: cli::SenatorsCommand,
    },
}

#[cfg(feature = "preview")]
fn serve(
    root: PathBuf,
    bind: std::net::IpAddr,
    port: u16,
    data_dir: PathBuf,
    drafts: bool,
) -> anyhow::Result<ExitCode> {
    use anyhow::Context as _;
    let rt = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    let data_dir = root.join(data_dir);
    rt.block_on(site_gen::serve::serve(site_gen::serve::ServeOptions {
        root,
        bind,
        port,
        data_dir,
        drafts,
    }))?;
    Ok(ExitCode::SUCCESS)
}

#[cfg(not(feature = "preview"))]
fn serve(_: PathBuf, _: std::net::IpAddr, _: u16, _: PathBuf, _: bool) -> anyhow::Result<ExitCode> {
    anyhow::bail!(
        "this site-gen was built without the preview: build it with the default features (cargo run -p site-gen -- serve)"
    )
}

fn main() -> ExitCode {
    let result = match Cli::parse().command {
        Command::Build {
            root,
            output,
            base_url,
            drafts,
        } => cli::build(&root, &root.join(output), base_url, drafts),
        Command::Check { root } => cli::check(&root),
        Command::Senators { command } => cli::senators(command),
        Command::Serve {
            root,
            port,
            bind,
            data_dir,
            drafts,
        } => serve(root, bind, port, data_dir, drafts),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("{e:#}");
            ExitCode::FAILURE
        }
    }
}
