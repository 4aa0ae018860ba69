//! `petition-fn recount --petition ID [--fix]`: the petition's counters against its stored
//! signatures, and with `--fix` the counters set to the recount. The store is chosen as for
//! `export`; counts only are printed.
//!
//! A fix on DynamoDB rewrites the counter items one by one, so a signature landing meanwhile
//! could be lost from the count: `--fix` runs only while the petition is paused
//! (`petition-fn pause`). Signatures past their retention are deleted with their data and stay
//! counted; a recount no longer sees them, so on a petition older than the retention period a
//! fix would lower the count to the signatures still kept: the report says so.

use std::path::PathBuf;

use anyhow::Context as _;
use petition_fn::store::{Counts, RETENTION_SECS, Recount};

/// Which petition, whether to fix, and where its store is.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct RecountArgs {
    /// The petition's id.
    #[arg(long)]
    petition: String,
    /// Set the counters to the recount (the petition must be paused).
    #[arg(long)]
    fix: bool,
    /// The local data folder, used when TABLE_NAME is unset.
    #[arg(long, default_value = ".data")]
    data_dir: PathBuf,
}

/// Recounts, and fixes when asked.
pub(crate) async fn run(args: RecountArgs) -> anyhow::Result<()> {
    let store = super::existing_store(args.data_dir).await?;
    if args.fix {
        let paused = store
            .pause(&args.petition)
            .await
            .with_context(|| format!("cannot read whether {} is paused", args.petition))?;
        anyhow::ensure!(
            paused.is_some(),
            "{} is not paused: a fix rewrites its counters one by one, and a signature landing meanwhile would be lost from the count. Run `petition-fn pause --petition {}` first, then this, then `petition-fn resume --petition {}`",
            args.petition,
            args.petition,
            args.petition
        );
    }
    let recount = store
        .recount(&args.petition, args.fix)
        .await
        .with_context(|| format!("cannot recount {}", args.petition))?;
    print!("{}", report(&args.petition, &recount));
    Ok(())
}

fn report(petition: &str, r: &Recount) -> String {
    let mut out = format!(
        "petition {petition}\nstored {} counted {}\n",
        r.stored.total, r.counted.total
    );
    let countries: std::collections::BTreeSet<&String> = r
        .stored
        .by_country
        .keys()
        .chain(r.counted.by_country.keys())
        .collect();
    let get = |c: &Counts, k: &str| c.by_country.get(k).copied().unwrap_or(0);
    for code in countries {
        let (stored, counted) = (get(&r.stored, code), get(&r.counted, code));
        if stored != counted {
            out.push_str(&format!(
                "country {code} stored {stored} counted {counted}\n"
            ));
        }
    }
    out.push_str(if r.agrees() {
        "the counters agree with the stored signatures\n"
    } else if r.fixed {
        "fixed: the counters now match the stored signatures\n"
    } else {
        "the counters differ: pause the petition, then run again with --fix\n"
    });
    if r.stored.total < r.counted.total && !r.fixed {
        out.push_str(&format!(
            "note: signatures are deleted {} days after signing and stay counted; if this petition is older than that, the difference may be those\n",
            RETENTION_SECS / 86_400
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn counts(total: u64, by: &[(&str, u64)]) -> Counts {
        Counts {
            total,
            by_country: by
                .iter()
                .map(|(k, v)| ((*k).to_owned(), *v))
                .collect::<BTreeMap<_, _>>(),
        }
    }

    #[test]
    fn the_report_names_the_differences_only() {
        let r = Recount {
            stored: counts(3, &[("FR", 2), ("DE", 1)]),
            counted: counts(5, &[("FR", 4), ("DE", 1)]),
            fixed: false,
        };
        let text = report("p", &r);
        assert!(
            text.starts_with("petition p\nstored 3 counted 5\ncountry FR stored 2 counted 4\n"),
            "{text}"
        );
        assert!(!text.contains("country DE"));
        assert!(text.contains("run again with --fix"));
        assert!(text.contains("730 days after signing"));
        let fixed = Recount { fixed: true, ..r };
        assert!(report("p", &fixed).contains("fixed: the counters now match"));
    }
}
