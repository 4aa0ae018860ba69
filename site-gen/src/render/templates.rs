//! The theme: Tera templates, interface strings and the template functions.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tera::{Kwargs, State, Tera, Value};

use crate::assets::AssetRef;
use crate::error::{BuildError, Diagnostic};

/// Interface strings: language → key → text.
pub(crate) type Strings = BTreeMap<String, BTreeMap<String, String>>;

/// A theme read from disk.
#[derive(Debug, Clone)]
pub(crate) struct Theme {
    /// The theme folder.
    pub dir: PathBuf,
    /// Template name (`page.html`) → source.
    pub templates: BTreeMap<String, String>,
    /// Interface strings.
    pub strings: Strings,
}

/// Where a template name lives, for error messages.
pub(crate) fn template_file(theme_dir: &Path, name: &str) -> PathBuf {
    theme_dir.join("templates").join(name)
}

impl Theme {
    /// Reads `themes/<name>/` under `root`.
    pub(crate) fn load(root: &Path, name: &str) -> Result<Self, BuildError> {
        let dir = root.join("themes").join(name);
        let shown = dir.strip_prefix(root).unwrap_or(&dir).to_path_buf();
        if !dir.is_dir() {
            return Err(Diagnostic::file(
                "site.toml",
                format!(
                    "the theme `{name}` does not exist (no folder {})",
                    shown.display()
                ),
                "set `theme` in site.toml to a folder under themes/",
            )
            .into());
        }
        let mut templates = BTreeMap::new();
        for (rel, path) in crate::assets::list(&dir.join("templates"))? {
            let text = std::fs::read_to_string(&path)
                .map_err(|e| BuildError::io("cannot read", &path, e))?;
            templates.insert(rel, text);
        }
        let mut strings = Strings::new();
        let mut problems = Vec::new();
        for (rel, path) in crate::assets::list(&dir.join("i18n"))? {
            let Some(lang) = rel.strip_suffix(".toml") else {
                continue;
            };
            let text = std::fs::read_to_string(&path)
                .map_err(|e| BuildError::io("cannot read", &path, e))?;
            match toml::from_str::<BTreeMap<String, String>>(&text) {
                Ok(map) => {
                    strings.insert(lang.to_string(), map);
                }
                Err(e) => {
                    let (line, col) = e
                        .span()
                        .map_or((0, 0), |s| crate::error::line_col(&text, s.start));
                    problems.push(Diagnostic::at(
                        shown.join("i18n").join(&rel),
                        line,
                        col,
                        e.message().trim().to_string(),
                        "each line is key = \"text\"",
                    ));
                }
            }
        }
        if !problems.is_empty() {
            return Err(BuildError::Content(problems));
        }
        Ok(Self {
            dir: shown,
            templates,
            strings,
        })
    }
}

/// What the template functions look things up in.
#[derive(Debug, Default)]
pub(crate) struct Lookups {
    /// Static files by source path.
    pub assets: BTreeMap<String, AssetRef>,
    /// Content `rel` (`a/b.md`) → URL path, and site paths that exist.
    pub urls: BTreeMap<String, String>,
    /// Interface strings.
    pub strings: Strings,
    /// The default language.
    pub default_language: String,
    /// Sections by content `rel`: title, description, permalink and their pages' summaries.
    pub sections: BTreeMap<String, serde_json::Value>,
}

/// Compiles the theme's templates and registers `asset`, `url` and `t`.
pub(crate) fn compile(theme: &Theme, lookups: Arc<Lookups>) -> Result<Tera, BuildError> {
    let mut tera = Tera::new();
    tera.autoescape_on(vec![".html", ".xml"]);
    // Converted once: templates call asset() on every page.
    let assets: BTreeMap<String, Value> = lookups
        .assets
        .iter()
        .map(|(k, v)| (k.clone(), Value::from_serializable(v)))
        .collect();
    tera.register_function("asset", move |kwargs: Kwargs, _: &State| -> tera::TeraResult<Value> {
        let path: &str = kwargs.must_get("path")?;
        let path = path.trim_start_matches('/');
        assets
            .get(path)
            .cloned()
            .ok_or_else(|| tera::Error::message(format!(
                "asset(path=\"{path}\"): no such static file; put it in the theme's static/ folder or fix the path"
            )))
    });
    let l = lookups.clone();
    tera.register_function("url", move |kwargs: Kwargs, state: &State| -> tera::TeraResult<String> {
        let path: &str = kwargs.must_get("path")?;
        let lang: Option<String> = state.get("lang")?;
        resolve_url(&l, path, lang.as_deref()).ok_or_else(|| tera::Error::message(format!(
            "url(path=\"{path}\"): no such page; use an @/ path of a file in content/, like @/privacy.md"
        )))
    });
    let l = lookups.clone();
    tera.register_function("section", move |kwargs: Kwargs, _: &State| -> tera::TeraResult<Value> {
        let path: &str = kwargs.must_get("path")?;
        l.sections
            .get(path.trim_start_matches("@/"))
            .map(Value::from_serializable)
            .ok_or_else(|| tera::Error::message(format!(
                "section(path=\"{path}\"): no such section; use the @/ path of an _index.md, like @/updates/_index.md"
            )))
    });
    Arc::new(contract::strings::Strings::new(
        &lookups.default_language,
        lookups.strings.clone(),
    ))
    .register(&mut tera);
    let sources: Vec<(&str, &str)> = theme
        .templates
        .iter()
        .filter(|(name, _)| {
            name.ends_with(".html") || name.ends_with(".xml") || name.ends_with(".txt")
        })
        .map(|(n, s)| (n.as_str(), s.as_str()))
        .collect();
    tera.add_raw_templates(sources)
        .map_err(|e| BuildError::from(diagnose(&theme.dir, &e, "fix the template syntax")))?;
    Ok(tera)
}

/// The URL path of content file `rel` for a page in `lang`: its translation into `lang` when
/// there is one (or a fallback), else `rel`'s own.
pub(crate) fn url_in(urls: &BTreeMap<String, String>, rel: &str, lang: &str) -> Option<String> {
    urls.get(&crate::content::translated_rel(rel, lang))
        .or_else(|| urls.get(rel))
        .cloned()
}

/// Resolves `@/a.md` (in the page's language, when given) or a site path (`/tags/`) to a URL
/// path.
pub(crate) fn resolve_url(l: &Lookups, path: &str, lang: Option<&str>) -> Option<String> {
    if let Some(rel) = path.strip_prefix("@/") {
        let (rel, anchor) = match rel.split_once('#') {
            Some((r, a)) => (r, Some(a)),
            None => (rel, None),
        };
        let base = url_in(&l.urls, rel, lang.unwrap_or(&l.default_language))?;
        return Some(match anchor {
            Some(a) => format!("{base}#{a}"),
            None => base.clone(),
        });
    }
    path.starts_with('/').then(|| path.to_string())
}

/// Turns a Tera error into a diagnostic naming the template file, line and column.
pub(crate) fn diagnose(theme_dir: &Path, err: &tera::Error, help: &str) -> Diagnostic {
    use std::error::Error as _;
    match err.kind() {
        tera::ErrorKind::SyntaxError(report) | tera::ErrorKind::RenderingError(report) => {
            let span = report.span();
            let mut message = report.message().to_string();
            if let Some(src) = err.source() {
                message.push_str(&format!(": {src}"));
            }
            Diagnostic::at(
                template_file(theme_dir, report.filename()),
                span.start_line,
                span.start_col + 1,
                message,
                help,
            )
        }
        tera::ErrorKind::TemplateNotFound(name) => Diagnostic::file(
            template_file(theme_dir, name),
            format!("the template `{name}` does not exist"),
            "create it in the theme's templates/ folder, or name an existing template",
        ),
        other => {
            let mut message = other.to_string();
            if let Some(src) = err.source() {
                message.push_str(&format!(": {src}"));
            }
            // Some compile errors carry their position only in the report text (` --> a.html:2:3`).
            match located(&message) {
                Some((name, line, col, first)) => {
                    Diagnostic::at(template_file(theme_dir, &name), line, col + 1, first, help)
                }
                None => Diagnostic::file(theme_dir.join("templates"), message, help),
            }
        }
    }
}

/// Finds ` --> name:line:col` in a report; returns it with the report's first message line.
fn located(report: &str) -> Option<(String, usize, usize, String)> {
    let pos = report
        .lines()
        .find_map(|l| l.trim_start().strip_prefix("--> "))?;
    let mut parts = pos.rsplitn(3, ':');
    let col = parts.next()?.trim().parse().ok()?;
    let line = parts.next()?.trim().parse().ok()?;
    let name = parts.next()?.to_string();
    let first = report
        .lines()
        .next()
        .unwrap_or(report)
        .trim_start_matches("error: ")
        .to_string();
    Some((name, line, col, first))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_read_from_reports() {
        let r = "error: Unknown filter `x`\n --> page.html:2:33\n  |";
        assert_eq!(
            located(r),
            Some(("page.html".into(), 2, 33, "Unknown filter `x`".into()))
        );
        assert_eq!(located("no position"), None);
    }
}
