//! `petition-fn init-table`: creates the DynamoDB table named by `TABLE_NAME` (idempotent).

use anyhow::Context as _;
use petition_fn::runtime::{DataDir, Settings};

pub(crate) async fn run() -> anyhow::Result<()> {
    let settings = Settings::from_env(DataDir::None);
    let table = settings
        .init_table()
        .await
        .context("cannot set up the DynamoDB table")?;
    eprintln!("table {table} is ready");
    Ok(())
}
