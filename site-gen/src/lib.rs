//! `site-gen`: builds the campaign site.
