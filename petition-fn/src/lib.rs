//! `petition-fn`: records petition signatures and senator letters.
//!
//! The library holds the domain (validation, signer-data protection), the store trait with its
//! embedded and DynamoDB implementations, and the axum router; the binary only wires them to
//! AWS Lambda or a local server.

pub mod domain;
#[cfg(feature = "lambda")]
pub mod events;
pub mod export;
pub mod fair;
pub mod forget;
pub mod history;
mod http;
pub mod mail;
pub mod protect;
#[cfg(feature = "dynamodb")]
pub mod runtime;
pub mod secret;
pub mod server;
pub mod store;
pub mod updates;
mod words;

pub use http::{AppState, Clock, StateError, app, local_state, standalone_app};
