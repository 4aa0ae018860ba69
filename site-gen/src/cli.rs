//! The commands' edges: run a stage, print what an editor needs, choose the exit code.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use site_gen::campaign::senators_import::ImportOptions;
use site_gen::error::BuildError;
use site_gen::site::{self, BuildOptions};

/// `site-gen build`.
pub fn build(
    root: &Path,
    output: &Path,
    base_url: Option<String>,
    drafts: bool,
) -> anyhow::Result<ExitCode> {
    let opts = BuildOptions {
        root: root.to_path_buf(),
        base_url,
        drafts,
        ..BuildOptions::default()
    };
    let (built, stats) = match site::build_to(&opts, output) {
        Ok(site::Rebuild::Built { built, stats }) => (built, stats),
        Ok(site::Rebuild::Unchanged { files }) => {
            println!(
                "Nothing changed since the last build: {files} files in {} are current",
                output.display()
            );
            return Ok(ExitCode::SUCCESS);
        }
        Err(BuildError::Io {
            action,
            path,
            source,
        }) => {
            return Err(anyhow::anyhow!("{action} {}: {source}", path.display()))
                .with_context(|| format!("cannot write the site to {}", output.display()));
        }
        Err(e) => return report(e),
    };
    for w in &built.warnings {
        eprintln!("warning: {w}");
    }
    println!(
        "Built {} pages, {} files ({} written, {} unchanged, {} removed) in {} ms",
        built.pages,
        built.files.len(),
        stats.written,
        stats.unchanged,
        stats.removed,
        built.millis
    );
    Ok(ExitCode::SUCCESS)
}

/// `site-gen check`.
pub fn check(root: &Path) -> anyhow::Result<ExitCode> {
    let opts = BuildOptions {
        root: root.to_path_buf(),
        ..BuildOptions::default()
    };
    let built = match site::build(&opts) {
        Ok(b) => b,
        Err(e) => return report(e),
    };
    let problems = site_gen::check::check(&built.files, &built.bundle);
    for w in &built.warnings {
        eprintln!("warning: {w}");
    }
    for p in &problems {
        eprintln!("error: {p}");
    }
    if problems.is_empty() {
        println!(
            "Checked {} pages, {} files: no problems",
            built.pages,
            built.files.len()
        );
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!("{} problem(s) found", problems.len());
        Ok(ExitCode::FAILURE)
    }
}

/// `site-gen senators …`.
#[derive(clap::Subcommand)]
pub enum SenatorsCommand {
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
    },
}

/// `site-gen senators import`.
pub fn senators(command: SenatorsCommand) -> anyhow::Result<ExitCode> {
    let SenatorsCommand::Import { path, root, as_of } = command;
    let report = site_gen::campaign::senators_import::import(&ImportOptions {
        source: path.clone(),
        root,
        as_of,
    })?;
    println!(
        "Imported {} senators from {} (data as of {}) into {} and {}",
        report.senators,
        path.display(),
        report.as_of,
        site_gen::campaign::senators_import::SENATORS_FILE,
        site_gen::campaign::senators_import::META_FILE
    );
    for s in &report.added {
        println!("  + {s}");
    }
    for s in &report.removed {
        println!("  - {s}");
    }
    if report.added.is_empty() && report.removed.is_empty() {
        println!("  The senators are the same as before.");
    }
    Ok(ExitCode::SUCCESS)
}

fn report(e: BuildError) -> anyhow::Result<ExitCode> {
    match e {
        BuildError::Content(list) => {
            for d in &list {
                eprintln!("{d}");
            }
            eprintln!("The build stopped: {} problem(s) to fix.", list.len());
            Ok(ExitCode::FAILURE)
        }
        other => Err(other.into()),
    }
}
