//! `petition-fn export`: a petition's signatures, the letters or the letter counts as CSV, read
//! from the store directly and decrypted with the signer key (the CSV itself:
//! [`petition_fn::export`]).

use std::io::Write as _;
use std::path::PathBuf;

use anyhow::Context as _;
use petition_fn::export::{letter_counts_csv, letters_csv, signatures_csv, write_private_file};
use petition_fn::runtime::{DataDir, Settings};
use petition_fn::store::LetterFilter;

/// What to export.
#[derive(Debug, Clone, clap::Subcommand)]
pub(crate) enum ExportCommand {
    /// A petition's signatures: date, name, country, and the email of those who asked for
    /// updates.
    Signatures {
        /// The petition's id (as in its page's front matter).
        #[arg(long)]
        petition: String,
        /// Where the data comes from and where the CSV goes.
        #[command(flatten)]
        target: ExportTarget,
    },
    /// Letters to senators, with the writers' names and addresses.
    Letters {
        /// Only the letters from this state (USPS code, such as CA).
        #[arg(long, conflicts_with = "senator")]
        state: Option<String>,
        /// Only the letters to this senator (bioguide id, as in content/data/senators.json).
        #[arg(long)]
        senator: Option<String>,
        /// Where the data comes from and where the CSV goes.
        #[command(flatten)]
        target: ExportTarget,
    },
    /// The number of letters per state and per senator (no personal data).
    LetterCounts {
        /// Where the data comes from and where the CSV goes.
        #[command(flatten)]
        target: ExportTarget,
    },
    /// The reported outcomes ("I sent it", "I called") per kind, state and senator (no
    /// personal data).
    Actions {
        /// Where the data comes from and where the CSV goes.
        #[command(flatten)]
        target: ExportTarget,
    },
}

/// Where the data comes from and where the CSV goes.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct ExportTarget {
    /// Write the CSV to this file (mode 0600) instead of standard output.
    #[arg(long)]
    out: Option<PathBuf>,
    /// The local data folder (embedded store and signer.key), used when TABLE_NAME is unset.
    #[arg(long, default_value = ".data")]
    data_dir: PathBuf,
    /// The operator's private key file (from `petition-fn keygen`), which opens the names and
    /// addresses; default: OPERATOR_KEY_FILE, else <data-dir>/operator.key when present.
    #[arg(long)]
    operator_key: Option<PathBuf>,
}

/// Reads the DynamoDB table named by `TABLE_NAME` or the existing embedded store in
/// `--data-dir`, opens the personal fields with the operator's private key (and values from
/// before sealing with `SIGNER_HMAC_KEY` or `<data-dir>/signer.key`), writes the CSV, and
/// reports the number of rows on standard error.
pub(crate) async fn run(command: ExportCommand) -> anyhow::Result<()> {
    let (ExportCommand::Signatures { target, .. }
    | ExportCommand::Letters { target, .. }
    | ExportCommand::LetterCounts { target }
    | ExportCommand::Actions { target }) = &command;
    let ExportTarget {
        out,
        data_dir,
        operator_key,
    } = target.clone();
    let settings = Settings::from_env(DataDir::Existing(data_dir));
    let source = settings.store_location();
    let store = settings
        .open_store()
        .await
        .with_context(|| format!("cannot open the store ({source})"))?;
    let (csv, rows, what) = match command {
        ExportCommand::Signatures { petition, .. } => {
            let what = format!("signatures of {petition}");
            let keys = settings
                .opener(store.as_ref(), operator_key.as_deref())
                .await
                .context("cannot get the keys that open the stored names and addresses")?;
            let (csv, n) = signatures_csv(store.as_ref(), &keys, &petition)
                .await
                .with_context(|| format!("cannot export the {what}"))?;
            (csv, n, what)
        }
        ExportCommand::Letters { state, senator, .. } => {
            let filter = match (state, senator) {
                (Some(s), _) => LetterFilter::State(s.trim().to_ascii_uppercase()),
                (None, Some(b)) => LetterFilter::Senator(b.trim().to_ascii_uppercase()),
                (None, None) => LetterFilter::All,
            };
            let what = match &filter {
                LetterFilter::All => "letters".to_owned(),
                LetterFilter::State(s) => format!("letters from {s}"),
                LetterFilter::Senator(b) => format!("letters to senator {b}"),
            };
            let keys = settings
                .opener(store.as_ref(), operator_key.as_deref())
                .await
                .context("cannot get the keys that open the stored names and addresses")?;
            let (csv, n) = letters_csv(store.as_ref(), &keys, &filter)
                .await
                .with_context(|| format!("cannot export the {what}"))?;
            (csv, n, what)
        }
        ExportCommand::LetterCounts { .. } => {
            let what = "letter counts".to_owned();
            let (csv, n) = letter_counts_csv(store.as_ref())
                .await
                .with_context(|| format!("cannot export the {what}"))?;
            (csv, n, what)
        }
        ExportCommand::Actions { .. } => {
            let what = "reported outcomes".to_owned();
            let (csv, n) = petition_fn::export::actions_csv(store.as_ref())
                .await
                .with_context(|| format!("cannot export the {what}"))?;
            (csv, n, what)
        }
    };
    let to = match &out {
        Some(path) => {
            write_private_file(path, &csv)?;
            path.display().to_string()
        }
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout
                .write_all(csv.as_bytes())
                .and_then(|()| stdout.flush())
                .context("cannot write the export to standard output")?;
            "standard output".to_owned()
        }
    };
    eprintln!("exported {rows} rows ({what}) from {source} to {to}");
    Ok(())
}
