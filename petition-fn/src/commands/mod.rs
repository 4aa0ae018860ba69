//! One module per command; each resolves [`petition_fn::runtime::Settings`], opens the store
//! and the keys it needs, does its work and reports on standard error (or standard output for
//! `forget`'s counts).

pub(crate) mod export;
pub(crate) mod fair;
pub(crate) mod forget;
pub(crate) mod init_table;
pub(crate) mod lambda;
pub(crate) mod mail;
pub(crate) mod recount;
pub(crate) mod serve;
pub(crate) mod stats;
pub(crate) mod strip_letters;
