//! `petition-fn`: on AWS Lambda when `AWS_LAMBDA_RUNTIME_API` is set (whatever the arguments),
//! else a local server (`serve`), the table setup (`init-table`), the count history's
//! `snapshot` or the operator's `export` and `forget`. Store and key settings: see `petition_fn::runtime`.

mod commands;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "petition-fn",
    version,
    about = "Records petition signatures: the /api of the campaign site"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API locally (DynamoDB when TABLE_NAME is set, else the embedded store).
    Serve(commands::serve::ServeArgs),
    /// Create the DynamoDB table named by TABLE_NAME (idempotent).
    InitTable,
    /// Export signatures or letters to CSV, reading the store directly (DynamoDB when
    /// TABLE_NAME is set, with your AWS credentials; else --data-dir) and opening the names and
    /// addresses with the operator's private key (--operator-key). For the operator only:
    /// never an HTTP endpoint.
    #[command(subcommand)]
    Export(commands::export::ExportCommand),
    /// Remove a person's signatures and letters (a removal request): the address is
    /// normalised and hashed as signing does, with SIGNER_HMAC_KEY; prints only counts.
    /// DynamoDB when TABLE_NAME is set (your AWS credentials), else --data-dir.
    Forget(commands::forget::ForgetArgs),
    /// A petition's figures for the operator: confirmed and pending signatures, confirmed by
    /// country. DynamoDB when TABLE_NAME is set, else --data-dir.
    Stats(commands::stats::StatsArgs),
    /// Send a campaign update to the confirmed signers of a petition who asked for updates,
    /// each with an unsubscribe link; resumable; prints counts only. Mail goes through SES
    /// when MAIL_FROM is set, else to <data-dir>/outbox/.
    Mail(commands::mail::MailArgs),
    /// Pause signing of a petition: within 10 seconds signing answers 503 with a "signing is
    /// paused" page; the count and the pages stay up. No deploy needed.
    Pause(commands::fair::PauseArgs),
    /// Resume signing of a paused petition.
    Resume(commands::fair::ResumeArgs),
    /// Remove a flood's signatures, by the client that sent them (its hash from `stats`, within
    /// a day) or by a time window (and country); counts stay exact; prints counts only.
    Invalidate(commands::fair::InvalidateArgs),
    /// Recount a petition's signatures from their records and compare with its counters;
    /// with --fix (the petition paused), set the counters to the recount. Prints counts only.
    Recount(commands::recount::RecountArgs),
    /// Take the count history's snapshot of this hour (confirmed counts, total and by
    /// country) of one petition or of every petition in the site's bundle, as the hourly
    /// schedule does on Lambda. DynamoDB when TABLE_NAME is set, else --data-dir.
    Snapshot(commands::snapshot::SnapshotArgs),
    /// Make the operator's key pair: the private key to a new file (kept off the servers),
    /// the public key printed, for OPERATOR_PUBLIC_KEY.
    Keygen(commands::keygen::KeygenArgs),
    /// Remove the personal fields of every stored letter (the letters stay counted): for a
    /// store written while letters were kept in full. Prints the count only.
    StripLetters(commands::strip_letters::StripLettersArgs),
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    if std::env::var_os("AWS_LAMBDA_RUNTIME_API").is_some() {
        return commands::lambda::run().await;
    }
    match Cli::parse().command {
        Command::Serve(args) => commands::serve::run(args).await,
        Command::InitTable => commands::init_table::run().await,
        Command::Export(what) => commands::export::run(what).await,
        Command::Forget(who) => commands::forget::run(who).await,
        Command::Stats(args) => commands::stats::run(args).await,
        Command::Mail(args) => commands::mail::run(args).await,
        Command::Pause(args) => commands::fair::pause(args).await,
        Command::Resume(args) => commands::fair::resume(args).await,
        Command::Invalidate(args) => commands::fair::invalidate(args).await,
        Command::Recount(args) => commands::recount::run(args).await,
        Command::Snapshot(args) => commands::snapshot::run(args).await,
        Command::StripLetters(args) => commands::strip_letters::run(args).await,
        Command::Keygen(args) => commands::keygen::run(args),
    }
}
