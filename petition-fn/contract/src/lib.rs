//! The campaign contract: what `site-gen` and `petition-fn` must agree on, written once.
//!
//! - [`bundle`]: the site bundle the generator writes and the function reads (petitions, the
//!   letter campaign, countries, states, senators, the themed page shell);
//! - [`api`]: the API's base path, every route, the form each POST route accepts and its fields;
//! - [`counts`]: the count API's answer, the counts file a build bakes in, milestones and the
//!   shares by country;
//! - [`views`]: the arguments the theme's components receive, built the same way on both sides;
//! - [`strings`]: the `t(key=…)` template function over the theme's interface strings;
//! - [`html`], [`date`], [`fs`]: the one HTML escape, the one calendar algorithm, the one
//!   atomic file write.
//!
//! The crate is deliberately light (serde, Tera): the generator's `build` and `check` compile
//! it and nothing of the function's store or cryptography.

pub mod api;
pub mod bundle;
pub mod call;
pub mod counts;
pub mod date;
pub mod fs;
pub mod html;
pub mod strings;
pub mod views;
