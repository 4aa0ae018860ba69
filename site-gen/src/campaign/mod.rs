//! The campaign on top of the generic site.

pub mod senators_import;
