//! `site-gen senators import`.

use std::path::PathBuf;
use std::process::ExitCode;

use site_gen::campaign::senators_import::{self, ImportOptions, META_FILE, SENATORS_FILE};

/// Imports the senators from the dataset file at `path` into the site at `root`.
pub(crate) fn import(
    path: PathBuf,
    root: PathBuf,
    as_of: Option<String>,
    offices: Option<PathBuf>,
) -> anyhow::Result<ExitCode> {
    let report = senators_import::import(&ImportOptions {
        source: path.clone(),
        root,
        as_of,
        offices,
    })?;
    println!(
        "Imported {} senators from {} (data as of {}) into {SENATORS_FILE} and {META_FILE}",
        report.senators,
        path.display(),
        report.as_of,
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
    println!(
        "{} state offices ({})",
        report.offices,
        if report.offices_refreshed {
            "from the district offices file"
        } else {
            "kept from the previous file; give --offices to refresh them"
        }
    );
    if !report.without_offices.is_empty() {
        println!(
            "  No office listed for: {}",
            report.without_offices.join(", ")
        );
    }
    Ok(ExitCode::SUCCESS)
}
