//! One module per command; each resolves [`petition_fn::runtime::Settings`], opens the store
//! and the keys it needs, does its work and reports on standard error (or standard output for
//! `forget`'s counts).

pub(crate) mod export;
pub(crate) mod fair;
pub(crate) mod forget;
pub(crate) mod init_table;
pub(crate) mod keygen;
pub(crate) mod lambda;
pub(crate) mod mail;
pub(crate) mod recount;
pub(crate) mod serve;
pub(crate) mod snapshot;
pub(crate) mod stats;
pub(crate) mod strip_letters;

/// The store a command reads or changes: DynamoDB when `TABLE_NAME` is set, else the embedded
/// store already in `data_dir` (never a new one).
pub(crate) async fn existing_store(
    data_dir: std::path::PathBuf,
) -> anyhow::Result<std::sync::Arc<dyn petition_fn::store::Store>> {
    use anyhow::Context as _;
    let settings =
        petition_fn::runtime::Settings::from_env(petition_fn::runtime::DataDir::Existing(data_dir));
    let source = settings.store_location();
    settings
        .open_store()
        .await
        .with_context(|| format!("cannot open the store ({source})"))
}
