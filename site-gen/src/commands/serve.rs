//! `site-gen serve`, which needs the `preview` feature.

use std::net::IpAddr;
use std::path::PathBuf;
use std::process::ExitCode;

/// Previews the site at `root` until interrupted; `data_dir` is relative to the root.
#[cfg(feature = "preview")]
pub(crate) fn run(
    root: PathBuf,
    bind: IpAddr,
    port: u16,
    data_dir: PathBuf,
    drafts: bool,
) -> anyhow::Result<ExitCode> {
    use anyhow::Context as _;
    use site_gen::serve::{ServeOptions, serve};
    let rt = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    let data_dir = root.join(data_dir);
    rt.block_on(serve(ServeOptions {
        root,
        bind,
        port,
        data_dir,
        drafts,
    }))?;
    Ok(ExitCode::SUCCESS)
}

/// Without the preview compiled in, says how to get it.
#[cfg(not(feature = "preview"))]
pub(crate) fn run(_: PathBuf, _: IpAddr, _: u16, _: PathBuf, _: bool) -> anyhow::Result<ExitCode> {
    anyhow::bail!(
        "this site-gen was built without the preview: build it with the default features (cargo run -p site-gen -- serve)"
    )
}
