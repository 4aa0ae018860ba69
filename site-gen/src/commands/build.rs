//! `site-gen build`.

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context as _;
use contract::counts::CountsFile;
use site_gen::error::BuildError;
use site_gen::render::components::CountSource;
use site_gen::site::{self, BuildOptions, Rebuild};

/// Builds the site at `root` into `output`, unless it is current there.
pub(crate) fn run(
    root: &Path,
    output: &Path,
    base_url: Option<String>,
    drafts: bool,
    counts: Option<&Path>,
) -> anyhow::Result<ExitCode> {
    let opts = BuildOptions {
        root: root.to_path_buf(),
        base_url,
        drafts,
        counts: count_source(counts)?,
        ..BuildOptions::default()
    };
    let (built, stats) = match site::build_to(&opts, output) {
        Ok(Rebuild::Built { built, stats }) => (built, stats),
        Ok(Rebuild::Unchanged { files }) => {
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
        Err(e) => return super::report(e),
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

/// The counts of the file at `path`, when given (`--counts` of `build` and `check`).
pub(super) fn count_source(path: Option<&Path>) -> anyhow::Result<Option<Arc<dyn CountSource>>> {
    Ok(path
        .map(read_counts)
        .transpose()?
        .map(|c| Arc::new(c) as Arc<dyn CountSource>))
}

/// The counts file at `path`.
fn read_counts(path: &Path) -> anyhow::Result<CountsFile> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the counts file {}", path.display()))?;
    CountsFile::parse(&text).with_context(|| {
        format!(
            "cannot use the counts file {}: write it again with infra/deploy.sh, or build without --counts",
            path.display()
        )
    })
}
