//! The operator's fair-use controls, without a deploy (`petition_fn::fair::operator`):
//! `pause` / `resume` signing of a petition, and `invalidate` a flood's signatures. The store
//! is chosen as for `export` (DynamoDB when `TABLE_NAME` is set, else `--data-dir`); counts
//! only are printed.

use std::path::PathBuf;
use std::time::SystemTime;

use anyhow::Context as _;
use contract::date::{rfc3339, unix_seconds};
use petition_fn::fair::operator::{self, Report, Selection};

/// Which petition to pause, and what to tell signers.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct PauseArgs {
    /// The petition's id (as in its page's front matter).
    #[arg(long)]
    petition: String,
    /// A sentence for signers, shown with the standard words (for example the reason).
    #[arg(long)]
    message: Option<String>,
    /// The local data folder, used when TABLE_NAME is unset.
    #[arg(long, default_value = ".data")]
    data_dir: PathBuf,
}

/// Which petition to resume.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct ResumeArgs {
    /// The petition's id.
    #[arg(long)]
    petition: String,
    /// The local data folder, used when TABLE_NAME is unset.
    #[arg(long, default_value = ".data")]
    data_dir: PathBuf,
}

/// Which signatures to remove.
#[derive(Debug, Clone, clap::Args)]
#[command(group(clap::ArgGroup::new("which").required(true).args(["client_hash", "since"])))]
pub(crate) struct InvalidateArgs {
    /// The petition's id.
    #[arg(long)]
    petition: String,
    /// Remove what this client sent in the last day (its hash as `stats` lists it).
    #[arg(long, conflicts_with_all = ["since", "until", "country"])]
    client_hash: Option<String>,
    /// Remove confirmed signatures made from this UTC time on (2026-12-01T14:00:00Z, or a day).
    #[arg(long, requires = "until")]
    since: Option<String>,
    /// ... until this UTC time (excluded).
    #[arg(long, requires = "since")]
    until: Option<String>,
    /// ... of this country only (ISO code).
    #[arg(long, requires = "since")]
    country: Option<String>,
    /// Print what would be removed, and remove nothing.
    #[arg(long)]
    dry_run: bool,
    /// The local data folder, used when TABLE_NAME is unset.
    #[arg(long, default_value = ".data")]
    data_dir: PathBuf,
}

/// Pauses signing.
pub(crate) async fn pause(args: PauseArgs) -> anyhow::Result<()> {
    let store = super::existing_store(args.data_dir).await?;
    operator::pause(
        store.as_ref(),
        &args.petition,
        args.message,
        rfc3339(SystemTime::now()),
    )
    .await
    .with_context(|| format!("cannot pause {}", args.petition))?;
    println!(
        "paused {}: signing answers 503 \"signing is paused\" within 10 seconds; the count and pages stay up. Undo with `petition-fn resume --petition {}`.",
        args.petition, args.petition
    );
    Ok(())
}

/// Resumes signing.
pub(crate) async fn resume(args: ResumeArgs) -> anyhow::Result<()> {
    let store = super::existing_store(args.data_dir).await?;
    operator::resume(store.as_ref(), &args.petition)
        .await
        .with_context(|| format!("cannot resume {}", args.petition))?;
    println!(
        "resumed {}: signing is open again within 10 seconds",
        args.petition
    );
    Ok(())
}

/// Removes (or counts, with `--dry-run`) a flood's signatures.
pub(crate) async fn invalidate(args: InvalidateArgs) -> anyhow::Result<()> {
    let selection = match (&args.client_hash, &args.since, &args.until) {
        (Some(client), _, _) => Selection::Client(client.trim().to_owned()),
        (None, Some(since), Some(until)) => {
            let since = operator::parse_time(since).context("--since")?;
            let until = operator::parse_time(until).context("--until")?;
            anyhow::ensure!(
                since < until,
                "--since {since} is not before --until {until}: give the window's start first"
            );
            Selection::Window {
                since,
                until,
                country: args.country.map(|c| c.trim().to_ascii_uppercase()),
            }
        }
        _ => anyhow::bail!("give --client-hash, or --since and --until"),
    };
    let store = super::existing_store(args.data_dir).await?;
    let now = unix_seconds(SystemTime::now());
    let report = operator::invalidate(
        store.as_ref(),
        &args.petition,
        &selection,
        now,
        args.dry_run,
    )
    .await
    .with_context(|| {
        format!(
            "cannot invalidate signatures of {} (what was removed so far stays removed, with its counts; run it again to finish)",
            args.petition
        )
    })?;
    let counts = store
        .count(&args.petition)
        .await
        .with_context(|| format!("cannot read the counts of {}", args.petition))?;
    print!("{}", summary(&report, args.dry_run, counts.total));
    Ok(())
}

/// The printed counts.
fn summary(report: &Report, dry_run: bool, total_now: u64) -> String {
    let verb = if dry_run { "would remove" } else { "removed" };
    let mut out = format!(
        "{verb} {} confirmed and {} pending signatures\n",
        report.signatures.total, report.pending
    );
    let mut countries: Vec<_> = report.signatures.by_country.iter().collect();
    countries.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    for (code, n) in countries {
        out.push_str(&format!("country {code} {n}\n"));
    }
    out.push_str(&format!("confirmed count now {total_now}\n"));
    out
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use petition_fn::store::Counts;

    use super::*;

    #[test]
    fn the_summary_is_counts_only() {
        let report = Report {
            signatures: Counts {
                total: 3,
                by_country: BTreeMap::from([("DE".into(), 1), ("FR".into(), 2)]),
            },
            pending: 4,
        };
        assert_eq!(
            summary(&report, true, 10),
            "would remove 3 confirmed and 4 pending signatures\ncountry FR 2\ncountry DE 1\nconfirmed count now 10\n"
        );
        assert!(summary(&report, false, 7).starts_with("removed 3 confirmed"));
    }
}
