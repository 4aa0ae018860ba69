//! `petition-fn mail --petition ID --subject S --body-file F [--dry-run]`: a campaign update to
//! the confirmed signers of a petition who asked for updates (mail and progress:
//! [`petition_fn::updates`]). At most `--rate` mails a second; resumable; prints counts only.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context as _, bail};
use contract::bundle::SiteBundle;
use petition_fn::runtime::{DataDir, Settings};
use petition_fn::updates::{Progress, updates_mail};

/// What to send, to whom, how fast.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct MailArgs {
    /// The petition whose signers get the mail.
    #[arg(long)]
    petition: String,
    /// The mail's subject.
    #[arg(long)]
    subject: String,
    /// A plain-text file with the mail's body (paragraphs parted by blank lines).
    #[arg(long)]
    body_file: PathBuf,
    /// Count the recipients and send nothing.
    #[arg(long)]
    dry_run: bool,
    /// At most this many mails a second (Amazon SES's sending rate: 14 a second until AWS
    /// raises it for the account).
    #[arg(long, default_value_t = 14)]
    rate: u32,
    /// Stop after this many mails (send in batches; a later run goes on where this stopped).
    #[arg(long)]
    limit: Option<usize>,
    /// The file recording who was mailed (default: beside the body file, named from the
    /// petition, the subject and the body).
    #[arg(long)]
    progress: Option<PathBuf>,
    /// The site's build output, whose bundle gives the base URL of the unsubscribe links and
    /// the words of the mail's foot.
    #[arg(long, default_value = "public")]
    site: PathBuf,
    /// The local data folder, used when TABLE_NAME is unset.
    #[arg(long, default_value = ".data")]
    data_dir: PathBuf,
    /// The operator's private key file (from `petition-fn keygen`), which opens the addresses;
    /// default: OPERATOR_KEY_FILE, else <data-dir>/operator.key when present.
    #[arg(long)]
    operator_key: Option<PathBuf>,
}

/// Sends the update to every recipient not in the progress file yet, and prints the counts.
pub(crate) async fn run(args: MailArgs) -> anyhow::Result<()> {
    if args.rate == 0 {
        bail!("--rate must be at least 1 mail a second");
    }
    let body = std::fs::read_to_string(&args.body_file)
        .with_context(|| format!("cannot read the body file {}", args.body_file.display()))?;
    if body.trim().is_empty() || args.subject.trim().is_empty() {
        bail!("the subject and the body must not be empty");
    }
    let bundle = SiteBundle::load_from_site(&args.site)?;
    if !bundle.mail_lists().contains(&args.petition) {
        bail!(
            "the site has no petition `{}`: give the id from its page's front matter, or `{}` for the people who asked for updates from the letter form",
            args.petition,
            contract::api::UPDATES_LIST
        );
    }
    let settings = Settings::from_env(DataDir::Existing(args.data_dir.clone()));
    let source = settings.store_location();
    let store = settings
        .open_store()
        .await
        .with_context(|| format!("cannot open the store ({source})"))?;
    let recipients = store
        .recipients(&args.petition)
        .await
        .context("cannot list the recipients")?;
    let progress_path = args.progress.clone().unwrap_or_else(|| {
        Progress::default_path(&args.body_file, &args.petition, &args.subject, &body)
    });
    let mut progress = Progress::open(&progress_path)?;
    let todo: Vec<_> = recipients
        .iter()
        .filter(|r| !progress.is_done(&r.hash))
        .collect();
    let before = recipients.len() - todo.len();
    if args.dry_run {
        println!(
            "would send {}; {before} already sent (progress: {})",
            todo.len(),
            progress_path.display()
        );
        return Ok(());
    }
    let opener = settings
        .opener(store.as_ref(), args.operator_key.as_deref())
        .await
        .context("cannot get the keys that open the stored addresses")?;
    let mailer = settings
        .mailer()
        .await
        .context("cannot set up the mail transport")?;
    let mut pace = tokio::time::interval(Duration::from_secs(1) / args.rate);
    let (mut sent, mut refused) = (0usize, 0usize);
    for recipient in todo.iter().take(args.limit.unwrap_or(usize::MAX)) {
        pace.tick().await;
        let (address, unsubscribe) = opener
            .open_address(&recipient.email_enc, &recipient.hash)
            .context(
                "cannot open a stored address: is this the operator key the function seals to?",
            )?;
        let mail = updates_mail(&bundle, &address, &unsubscribe, &args.subject, &body);
        match mailer.send(&mail).await {
            Ok(()) => {
                progress.record(&recipient.hash)?;
                sent += 1;
            }
            // This address will not take it: go on with the others (it is tried again on a
            // later run).
            Err(e) if !e.is_transient() => refused += 1,
            Err(e) => {
                println!("sent {sent}, refused {refused}, {before} sent before; stopped");
                return Err(anyhow::anyhow!("{e}")).context(
                    "the mail service is unavailable: run the same command again later to go on",
                );
            }
        }
    }
    let left = todo.len() - sent - refused;
    println!("sent {sent}, refused {refused}, {before} sent before, {left} left");
    Ok(())
}
