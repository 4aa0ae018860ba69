//! `petition-fn keygen`: the operator's key pair. The private key goes to a new file on the
//! operator's machine; the public key, printed, is what the function seals names and
//! addresses to (`OPERATOR_PUBLIC_KEY`, the SAM template's `OperatorPublicKey`).

use std::path::PathBuf;

use anyhow::Context as _;
use petition_fn::protect::{OPERATOR_KEY_FILE_ENV, OPERATOR_PUBLIC_ENV, OperatorKey};

/// Where the new private key goes.
#[derive(Debug, clap::Args)]
pub(crate) struct KeygenArgs {
    /// The new private key file (mode 0600; an existing file is never replaced).
    #[arg(long)]
    out: PathBuf,
}

pub(crate) fn run(args: KeygenArgs) -> anyhow::Result<()> {
    let key = OperatorKey::generate().context("cannot make a key")?;
    key.write_new(&args.out)
        .with_context(|| format!("cannot write the key to {}", args.out.display()))?;
    println!("{}", key.public().encoded());
    eprintln!(
        "petition-fn: the private key is in {out} (keep it, and a backup, off the servers: it alone opens the stored names and addresses; `export` and `mail` take it with --operator-key or {OPERATOR_KEY_FILE_ENV}). The public key above goes to {OPERATOR_PUBLIC_ENV} (the SAM template's OperatorPublicKey parameter).",
        out = args.out.display()
    );
    Ok(())
}
