//! The `site-gen` command: build, check and preview the campaign site. This file parses the
//! command line and dispatches to [`commands`].

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod commands;

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
        /// Shows the signature counts of this JSON file (written at deploy time) in the pages.
        #[arg(long, value_name = "FILE")]
        counts: Option<PathBuf>,
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
        /// Checks the pages as built with the signature counts of this JSON file.
        #[arg(long, value_name = "FILE")]
        counts: Option<PathBuf>,
    },
    /// Manages the senator data in content/data/.
    Senators {
        #[command(subcommand)]
        command: SenatorsCommand,
    },
}

#[derive(Subcommand)]
enum SenatorsCommand {
    /// Refreshes content/data/senators.json and the date in senators_meta.toml from the
    /// unitedstates/congress-legislators file legislators-current.yaml (or .json).
    Import {
        /// The legislators-current.yaml or legislators-current.json file.
        path: PathBuf,
        /// The site's folder (holding content/data/).
        #[arg(long, default_value = ".")]
        root: PathBuf,
        /// The date of the data (YYYY-MM-DD); default: the file's modification date.
        #[arg(long)]
        as_of: Option<String>,
        /// The congress-legislators legislators-district-offices.yaml (or .json): the
        /// senators' state offices. Without it, the previous file's offices are kept.
        #[arg(long)]
        offices: Option<PathBuf>,
    },
}

fn main() -> ExitCode {
    let result = match Cli::parse().command {
        Command::Build {
            root,
            output,
            base_url,
            drafts,
            counts,
        } => commands::build::run(
            &root,
            &root.join(output),
            base_url,
            drafts,
            counts.as_deref(),
        ),
        Command::Check { root, counts } => commands::check::run(&root, counts.as_deref()),
        Command::Senators {
            command:
                SenatorsCommand::Import {
                    path,
                    root,
                    as_of,
                    offices,
                },
        } => commands::senators::import(path, root, as_of, offices),
        Command::Serve {
            root,
            port,
            bind,
            data_dir,
            drafts,
        } => commands::serve::run(root, bind, port, data_dir, drafts),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("{e:#}");
            ExitCode::FAILURE
        }
    }
}
