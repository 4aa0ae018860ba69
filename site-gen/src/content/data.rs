//! Data files in `content/data/` (TOML or JSON), handed to templates and components.

use std::path::Path;

use crate::error::{Diagnostic, line_col};

/// Reads one data file; `None` for files that are not data (other extensions).
pub(crate) fn load(
    root: &Path,
    path: &Path,
) -> Result<Option<(String, serde_json::Value)>, Diagnostic> {
    let shown = super::shown_path(root, path);
    let Some(ext) = path.extension().and_then(|e| e.to_str()) else {
        return Ok(None);
    };
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let text = std::fs::read_to_string(path).map_err(|e| {
        Diagnostic::file(
            &shown,
            format!("cannot read the data file: {e}"),
            "check the file's permissions and that it is UTF-8 text",
        )
    })?;
    let value = match ext {
        "toml" => {
            let table: toml::Table = toml::from_str(&text).map_err(|e| {
                let (line, column) = e.span().map_or((0, 0), |s| line_col(&text, s.start));
                Diagnostic::at(
                    &shown,
                    line,
                    column,
                    e.message().trim().to_string(),
                    "fix the TOML syntax of this data file",
                )
            })?;
            serde_json::to_value(table).map_err(|e| {
                Diagnostic::file(
                    &shown,
                    format!("cannot convert the data: {e}"),
                    "use strings, numbers, booleans, dates, lists and tables only",
                )
            })?
        }
        "json" => serde_json::from_str(&text).map_err(|e| {
            Diagnostic::at(
                &shown,
                e.line(),
                e.column(),
                e.to_string(),
                "fix the JSON syntax of this data file",
            )
        })?,
        _ => return Ok(None),
    };
    Ok(Some((stem, value)))
}
