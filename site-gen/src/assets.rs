//! Static files: copied as they are, except CSS and JS, which get a content hash in their
//! names (`site.3f2a9c01be.css`) and an SRI integrity value.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use base64::Engine;
use serde::Serialize;
use sha2::{Digest, Sha384};

use crate::error::BuildError;

/// How templates refer to a static file.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub(crate) struct AssetRef {
    /// The URL path of the (possibly fingerprinted) file.
    pub url: String,
    /// `sha384-…`, for the `integrity` attribute.
    pub integrity: String,
}

/// Static files by their source path (`css/site.css`).
#[derive(Debug, Default, Clone)]
pub(crate) struct Assets {
    /// What templates see.
    pub refs: BTreeMap<String, AssetRef>,
    /// Output files: path relative to the output folder, bytes.
    pub files: BTreeMap<String, Vec<u8>>,
}

/// Reads every file under each folder (later folders win) and fingerprints CSS and JS.
pub(crate) fn collect(sources: &[(PathBuf, Vec<(String, PathBuf)>)]) -> Result<Assets, BuildError> {
    let mut assets = Assets::default();
    for (_, files) in sources {
        for (rel, path) in files {
            let bytes = std::fs::read(path).map_err(|e| BuildError::io("cannot read", path, e))?;
            add(&mut assets, rel, bytes);
        }
    }
    Ok(assets)
}

/// Adds one file.
pub(crate) fn add(assets: &mut Assets, rel: &str, bytes: Vec<u8>) {
    let digest = Sha384::digest(&bytes);
    let integrity = format!(
        "sha384-{}",
        base64::engine::general_purpose::STANDARD.encode(digest)
    );
    let out_rel = if rel.ends_with(".css") || rel.ends_with(".js") {
        let hex: String = digest.iter().take(5).map(|b| format!("{b:02x}")).collect();
        match rel.rsplit_once('.') {
            Some((stem, ext)) => format!("{stem}.{hex}.{ext}"),
            None => rel.to_string(),
        }
    } else {
        rel.to_string()
    };
    assets.refs.insert(
        rel.to_string(),
        AssetRef {
            url: format!("/{out_rel}"),
            integrity,
        },
    );
    assets.files.insert(out_rel, bytes);
}

/// Lists the files below `dir` as (relative path, absolute path); empty if it does not exist.
pub(crate) fn list(dir: &Path) -> Result<Vec<(String, PathBuf)>, BuildError> {
    let mut out = Vec::new();
    if !dir.is_dir() {
        return Ok(out);
    }
    for item in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let item = item.map_err(|e| BuildError::io("cannot read", dir, e.into()))?;
        if item.file_type().is_file() && !item.file_name().to_string_lossy().starts_with('.') {
            let rel = crate::content::rel_path(dir, item.path());
            out.push((rel, item.path().to_path_buf()));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn css_and_js_are_fingerprinted_others_are_not() {
        let mut a = Assets::default();
        add(&mut a, "css/site.css", b"body{}".to_vec());
        add(&mut a, "img/logo.svg", b"<svg/>".to_vec());
        let css = &a.refs["css/site.css"];
        assert!(css.url.starts_with("/css/site.") && css.url.ends_with(".css"));
        assert_eq!(css.url.len(), "/css/site.0123456789.css".len());
        assert!(css.integrity.starts_with("sha384-"));
        assert_eq!(a.refs["img/logo.svg"].url, "/img/logo.svg");
        assert!(a.files.contains_key(css.url.trim_start_matches('/')));
        let mut b = Assets::default();
        add(&mut b, "css/site.css", b"body{color:red}".to_vec());
        assert_ne!(b.refs["css/site.css"].url, css.url);
    }
}
