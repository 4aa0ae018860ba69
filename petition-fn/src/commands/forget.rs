//! `petition-fn forget`: removes a person's signatures and letters (the logic and its
//! guarantees: [`petition_fn::forget`]); prints only counts.

use std::io::BufRead as _;
use std::path::PathBuf;

use anyhow::Context as _;
use petition_fn::domain::normalise_email;
use petition_fn::forget::{forget_address, summary};
use petition_fn::runtime::{DataDir, Settings};
use petition_fn::store::Forgotten;

/// Whose records to remove, and where they are.
#[derive(Clone, clap::Args)]
pub(crate) struct ForgetArgs {
    /// The email address the person used (as they give it: it is normalised as signing
    /// does). `-` reads it from the first line of standard input, keeping it out of the
    /// shell history and the process list.
    #[arg(long)]
    email: String,
    /// The local data folder (embedded store and signer.key), used when TABLE_NAME is unset.
    #[arg(long, default_value = ".data")]
    data_dir: PathBuf,
}

// By hand, so that the address never reaches a log through `{:?}`.
impl std::fmt::Debug for ForgetArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ForgetArgs")
            .field("email", &"<redacted>")
            .field("data_dir", &self.data_dir)
            .finish()
    }
}

/// Opens the DynamoDB table named by `TABLE_NAME` or the existing embedded store in
/// `--data-dir`, fingerprints the address with `SIGNER_HMAC_KEY` (or the existing
/// `<data-dir>/signer.key`: a new key would find nothing), deletes the person's records and
/// prints how many there were.
pub(crate) async fn run(args: ForgetArgs) -> anyhow::Result<()> {
    let ForgetArgs { email, data_dir } = args;
    let address = if email == "-" {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("cannot read the address from standard input")?;
        line
    } else {
        email
    };
    // Before the key and the store: a mistyped address is reported without touching anything.
    normalise_email(&address).context("that is not a usable email address")?;
    let settings = Settings::from_env(DataDir::Existing(data_dir));
    let keys = settings
        .keys()
        .await
        .context("cannot get the signer key to find the address's records with")?;
    let source = settings.store_location();
    let store = settings
        .open_store()
        .await
        .with_context(|| format!("cannot open the store ({source})"))?;
    petition_fn::store::check_key(store.as_ref(), &keys, &source, false).await?;
    let done = forget_address(store.as_ref(), &keys, &address)
        .await
        .with_context(|| format!("cannot remove the records from {source}"))?;
    let mut report = summary(done);
    if done == Forgotten::default() {
        report.push_str(
            " (nothing is stored under that address: it was never used here, was removed already, or expired; if records were expected, check that SIGNER_HMAC_KEY is the deployment's signer secret)",
        );
    }
    println!("{report}");
    Ok(())
}
