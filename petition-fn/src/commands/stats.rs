//! `petition-fn stats --petition ID`: the operator's figures for one petition, counts only:
//! confirmed signatures (the public count), signatures waiting for confirmation, the
//! confirmed ones by country, today's limit trips, and the clients (day hashes, never
//! addresses) that sent the most signatures in the last day, for `invalidate --client-hash`.

use std::path::PathBuf;

use anyhow::Context as _;
use contract::date::{unix_seconds, utc_date};
use petition_fn::fair::operator;
use petition_fn::store::Counts;

/// Which petition, and where its store is.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct StatsArgs {
    /// The petition's id (as in its page's front matter).
    #[arg(long)]
    petition: String,
    /// The local data folder, used when TABLE_NAME is unset.
    #[arg(long, default_value = ".data")]
    data_dir: PathBuf,
}

/// Reads the counts from DynamoDB (`TABLE_NAME`) or the existing embedded store and prints
/// them. No key is needed: nothing personal is read.
pub(crate) async fn run(args: StatsArgs) -> anyhow::Result<()> {
    let store = super::existing_store(args.data_dir).await?;
    let counts = store
        .count(&args.petition)
        .await
        .with_context(|| format!("cannot read the counts of {}", args.petition))?;
    let now = unix_seconds(std::time::SystemTime::now());
    let pending = store
        .pending_count(&args.petition, now)
        .await
        .with_context(|| format!("cannot count the pending signatures of {}", args.petition))?;
    let today = utc_date(std::time::SystemTime::now());
    let (trips, clients) = operator::trips(store.as_ref(), &args.petition, &today, now, TOP)
        .await
        .with_context(|| format!("cannot read the limit trips of {}", args.petition))?;
    let actions = store
        .action_counts()
        .await
        .context("cannot read the reported outcomes")?;
    print!(
        "{}",
        report(&args.petition, &counts, pending, trips, &clients)
    );
    for a in &actions {
        println!("action {} {} {} {}", a.kind, a.state, a.senator, a.count);
    }
    Ok(())
}

/// How many of the busiest clients are listed.
const TOP: usize = 5;

/// The printed report: one figure a line, countries by count, most first, then today's limit
/// trips and the clients (day hashes) with the most signatures in the last day.
fn report(
    petition: &str,
    counts: &Counts,
    pending: u64,
    trips: u64,
    clients: &[(String, u64)],
) -> String {
    let mut out = format!(
        "petition {petition}\nconfirmed {}\npending {pending}\n",
        counts.total
    );
    let mut countries: Vec<(&String, &u64)> = counts.by_country.iter().collect();
    countries.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    for (code, n) in countries {
        out.push_str(&format!("country {code} {n}\n"));
    }
    out.push_str(&format!("limit trips today {trips}\n"));
    for (client, n) in clients {
        out.push_str(&format!("client {client} {n}\n"));
    }
    out
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    #[test]
    fn the_report_is_counts_only_most_first() {
        let counts = Counts {
            total: 5,
            by_country: BTreeMap::from([("DE".into(), 1), ("FR".into(), 3), ("GB".into(), 1)]),
        };
        assert_eq!(
            report("p", &counts, 2, 7, &[("h1".into(), 4)]),
            "petition p\nconfirmed 5\npending 2\ncountry FR 3\ncountry DE 1\ncountry GB 1\nlimit trips today 7\nclient h1 4\n"
        );
    }
}
