//! Helpers shared by the integration tests.

#![allow(dead_code, unreachable_pub)]

pub(crate) mod cli;
#[cfg(feature = "ses")]
pub(crate) mod moto;
