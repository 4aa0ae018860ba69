//! `site-gen`: builds the campaign site from Markdown in `content/` and Tera templates in
//! `themes/`, checks it, and previews it live with the petition API mounted.
//!
//! [`site::build`] runs the build as its list of stages: read the content, render the Markdown
//! with editors' components, apply the theme ([`render`]), make the machine outputs (sitemap,
//! robots.txt, redirects, feeds), add the campaign's petitions, letter and bundle
//! ([`campaign`]), and write only what changed ([`output::write`]).

pub(crate) mod assets;
pub mod campaign;
pub mod check;
pub mod config;
pub(crate) mod content;
pub mod error;
pub mod languages;
pub(crate) mod markdown;
pub mod output;
#[cfg(test)]
mod proptest_support;
pub mod render;
#[cfg(feature = "preview")]
pub mod serve;
pub mod site;

/// The Content-Security-Policy the published site is served with (by the CDN) and the preview
/// enforces too, so that a violation shows while editing.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; img-src 'self'; style-src 'self'; script-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'";
