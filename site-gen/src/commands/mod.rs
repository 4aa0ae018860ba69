//! The commands' edges: run a stage, print what an editor needs, choose the exit code.

pub(crate) mod build;
pub(crate) mod check;
pub(crate) mod senators;
pub(crate) mod serve;

use std::process::ExitCode;

use site_gen::error::BuildError;

/// Prints the content problems that stopped a build and fails; other errors go up.
fn report(e: BuildError) -> anyhow::Result<ExitCode> {
    match e {
        BuildError::Content(list) => {
            for d in &list {
                eprintln!("{d}");
            }
            eprintln!("The build stopped: {} problem(s) to fix.", list.len());
            Ok(ExitCode::FAILURE)
        }
        other => Err(other.into()),
    }
}
