//! `site-gen`: builds the campaign site from Markdown in `content/` and Tera templates in
//! `themes/`, checks it, and previews it live with the petition API mounted.
//!
//! The build runs in stages, each a plain function: [`content::load`] reads the sources,
//! [`markdown::render`] turns bodies into HTML, [`render`] applies the theme, [`site::build`]
//! ties them together in memory, and [`output::write`] writes only what changed.

pub mod assets;
pub mod campaign;
pub mod check;
pub mod config;
pub mod content;
pub mod error;
pub mod markdown;
pub mod output;
pub mod render;
#[cfg(feature = "preview")]
pub mod serve;
pub mod site;

/// The Content-Security-Policy the published site is served with (by the CDN) and the preview
/// enforces too, so that a violation shows while editing.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; img-src 'self'; style-src 'self'; script-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'";
