//! `petition-fn snapshot [--petition ID]`: takes the count history's snapshot of the current
//! hour now ([`petition_fn::history`]), as the hourly schedule does on Lambda: for one
//! petition, or for every petition of the site's bundle. Counts only; prints how many.

use std::path::PathBuf;

use anyhow::Context as _;
use contract::bundle::SiteBundle;

/// Which petitions, and where the store and the site are.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct SnapshotArgs {
    /// One petition's id (as in its page's front matter); without it, every petition of the
    /// site's bundle.
    #[arg(long)]
    petition: Option<String>,
    /// The site's build output, whose bundle lists the petitions (read without --petition).
    #[arg(long, default_value = "public")]
    site: PathBuf,
    /// The local data folder, used when TABLE_NAME is unset.
    #[arg(long, default_value = ".data")]
    data_dir: PathBuf,
}

/// Reads the counts and writes this hour's snapshots to DynamoDB (`TABLE_NAME`) or the
/// existing embedded store. No key is needed: nothing personal is read.
pub(crate) async fn run(args: SnapshotArgs) -> anyhow::Result<()> {
    let petitions = match args.petition {
        Some(id) => vec![id],
        None => SiteBundle::load_from_site(&args.site)
            .with_context(|| {
                format!(
                    "cannot list the petitions (give --petition, or --site with the build output holding _app/bundle.json; tried {})",
                    args.site.display()
                )
            })?
            .petition_ids(),
    };
    let store = super::existing_store(args.data_dir).await?;
    let taken =
        petition_fn::history::take(store.as_ref(), &petitions, std::time::SystemTime::now())
            .await
            .with_context(|| format!("cannot take the snapshots of {}", petitions.join(", ")))?;
    println!("snapshots {taken}");
    Ok(())
}
