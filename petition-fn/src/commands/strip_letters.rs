//! `petition-fn strip-letters`: the migration to storing no personal data from letters. Every
//! stored letter loses its encrypted personal fields (name, email, street, city, ZIP, own
//! text); the letters stay, counted per state and senator. The store is chosen as for
//! `export`; only the number of letters changed is printed. Running it again changes nothing.

use std::path::PathBuf;

use anyhow::Context as _;

/// Where the store is.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct StripLettersArgs {
    /// The local data folder, used when TABLE_NAME is unset.
    #[arg(long, default_value = ".data")]
    data_dir: PathBuf,
}

/// Strips the letters.
pub(crate) async fn run(args: StripLettersArgs) -> anyhow::Result<()> {
    let store = super::existing_store(args.data_dir).await?;
    let changed = store.strip_letters().await.context(
        "cannot strip the letters (those done so far stay done; run the command again to finish)",
    )?;
    println!(
        "removed the personal fields of {changed} letter{}; every letter stays counted",
        if changed == 1 { "" } else { "s" }
    );
    Ok(())
}
