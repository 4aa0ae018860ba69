//! Helpers shared by the integration tests.

#![allow(dead_code, unreachable_pub)]

#[cfg(feature = "ses")]
pub(crate) mod moto;
