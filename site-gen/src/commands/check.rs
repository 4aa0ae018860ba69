//! `site-gen check`.

use std::path::Path;
use std::process::ExitCode;

use site_gen::site::{self, BuildOptions};

/// Builds the site at `root` in memory (with the counts file `counts`, as `build --counts`
/// would) and fails on any problem the checks find.
pub(crate) fn run(root: &Path, counts: Option<&Path>) -> anyhow::Result<ExitCode> {
    let opts = BuildOptions {
        root: root.to_path_buf(),
        counts: super::build::count_source(counts)?,
        ..BuildOptions::default()
    };
    let built = match site::build(&opts) {
        Ok(b) => b,
        Err(e) => return super::report(e),
    };
    let mut problems = site_gen::check::check(&built.files, &built.bundle);
    problems.extend(site_gen::check::languages(&built.languages));
    for w in &built.warnings {
        eprintln!("warning: {w}");
    }
    for (lang, gaps) in &built.languages {
        println!(
            "{lang}: {} pages ({} fallback), {} interface strings; {} unreviewed translation(s)",
            gaps.pages,
            gaps.fallbacks.len(),
            gaps.keys,
            gaps.unreviewed.len()
        );
        for file in &gaps.unreviewed {
            println!(
                "notice: {}: not reviewed by a fluent speaker yet (set `reviewed = true` once it is)",
                file.display()
            );
        }
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
