//! Loading `content/`: pages, sections, partials, data files and co-located static files.

pub(crate) mod data;
pub(crate) mod front_matter;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::config::SiteConfig;
use crate::error::{BuildError, Diagnostic};
pub(crate) use front_matter::{FrontMatter, PetitionMeta, SortBy};

/// Whether an entry is a page or a section (`_index.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A single page.
    Page,
    /// A folder with `_index.md`, listing its pages.
    Section,
}

/// A page or section, loaded but not yet rendered.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    /// Page or section.
    pub kind: Kind,
    /// The `@/` path: relative to `content/`, with `/` separators (`petition/_index.md`).
    pub rel: String,
    /// The file as shown in errors (`content/petition/_index.md`).
    pub file: PathBuf,
    /// Language code.
    pub lang: String,
    /// Parsed front matter.
    pub meta: FrontMatter,
    /// Markdown body.
    pub body: String,
    /// Lines before the body in the file.
    pub body_line_offset: usize,
    /// URL path (`/petition/`).
    pub path: String,
    /// The `rel` of the section this entry belongs to (none for the root section).
    pub parent: Option<String>,
    /// The `rel` of the default-language file it translates (its own `rel` in the default
    /// language): what ties translations together.
    pub base: String,
    /// Not translated: the default language's entry shown at this language's address.
    pub fallback: bool,
}

impl Entry {
    /// The title (front matter validation guarantees it).
    pub(crate) fn title(&self) -> &str {
        self.meta.title.as_deref().unwrap_or_default()
    }
}

/// Everything read from `content/`.
#[derive(Debug, Default)]
pub(crate) struct Content {
    /// Pages and sections by `rel`, drafts removed unless asked for.
    pub entries: BTreeMap<String, Entry>,
    /// Partials (`_name.md` files) by `rel`.
    pub partials: BTreeMap<String, String>,
    /// Data files of `content/data/` by file stem.
    pub data: BTreeMap<String, serde_json::Value>,
    /// Other files, copied as they are: (path relative to content, absolute source).
    pub static_files: Vec<(String, PathBuf)>,
}

impl Content {
    /// Looks up an entry by an `@/` link target (`@/a/b.md`, with or without the `@/`).
    pub(crate) fn resolve(&self, target: &str) -> Option<&Entry> {
        self.entries.get(target.trim_start_matches("@/"))
    }

    /// The pages and sections directly inside a section, by `rel`.
    pub(crate) fn children_of<'a>(
        &'a self,
        section_rel: &'a str,
    ) -> impl Iterator<Item = &'a Entry> + 'a {
        self.entries
            .values()
            .filter(move |e| e.parent.as_deref() == Some(section_rel))
    }
}

impl Content {
    /// The entry of `base` (a default-language `rel`) in `lang`, a fallback included.
    pub(crate) fn in_language(&self, base: &str, lang: &str) -> Option<&Entry> {
        self.entries
            .get(&translated_rel(base, lang))
            .or_else(|| self.entries.get(base).filter(|e| e.lang == lang))
    }

    /// Where a link to `rel` from a page in `lang` goes: the same page in `lang` when it is
    /// published there, else `rel` itself.
    pub(crate) fn link_in(&self, rel: &str, lang: &str) -> Option<&Entry> {
        let target = self.entries.get(rel)?;
        if target.lang == lang {
            return Some(target);
        }
        Some(self.in_language(&target.base, lang).unwrap_or(target))
    }

    /// The pages of a section, in the order its `sort_by` asks for.
    pub(crate) fn sorted_pages<'a>(&'a self, section: &'a Entry) -> Vec<&'a Entry> {
        let mut pages: Vec<&Entry> = self
            .children_of(&section.rel)
            .filter(|e| e.kind == Kind::Page)
            .collect();
        sort_entries(&mut pages, section.meta.sort_by.unwrap_or_default());
        pages
    }
}

/// Sorts pages: by weight (then title), by date (newest first, then title) or by title.
pub(crate) fn sort_entries(pages: &mut [&Entry], by: SortBy) {
    match by {
        SortBy::Weight => pages.sort_by(|a, b| {
            a.meta
                .weight
                .cmp(&b.meta.weight)
                .then_with(|| a.title().cmp(b.title()))
        }),
        SortBy::Date => {
            // Dates are compared as text, so format each once.
            pages.sort_by_cached_key(|p| {
                (
                    std::cmp::Reverse(p.meta.date.as_ref().map(ToString::to_string)),
                    p.title().to_string(),
                )
            });
        }
        SortBy::Title => pages.sort_by_key(|p| p.title().to_lowercase()),
    }
}

/// Reads every file under `content_dir`. `root` is the site root, for file names in errors.
pub(crate) fn load(
    root: &Path,
    content_dir: &Path,
    config: &SiteConfig,
    drafts: bool,
) -> Result<Content, BuildError> {
    let mut markdown = Vec::new();
    let mut content = Content::default();
    let data_dir = content_dir.join("data");
    let mut problems = Vec::new();
    for item in walkdir::WalkDir::new(content_dir).sort_by_file_name() {
        let item = item.map_err(|e| {
            let path = e.path().unwrap_or(content_dir).to_path_buf();
            BuildError::io("cannot read", &path, e.into())
        })?;
        if !item.file_type().is_file() {
            continue;
        }
        let path = item.path();
        let rel = rel_path(content_dir, path);
        let name = item.file_name().to_string_lossy();
        if name.starts_with('.') || rel == "README.md" {
            continue;
        }
        if path.starts_with(&data_dir) {
            if rel.ends_with("README.md") {
                continue;
            }
            match data::load(root, path) {
                Ok(Some((stem, value))) => {
                    if content.data.insert(stem.clone(), value).is_some() {
                        problems.push(Diagnostic::file(
                            crate::content::shown_path(root, path),
                            format!("another data file is also called `{stem}`"),
                            "data files are known by name without extension; rename one of them",
                        ));
                    }
                }
                Ok(None) => {}
                Err(d) => problems.push(d),
            }
        } else if name.ends_with(".md") {
            markdown.push((rel, path.to_path_buf()));
        } else {
            content.static_files.push((rel, path.to_path_buf()));
        }
    }

    let parsed: Vec<Result<Parsed, Diagnostic>> = markdown
        .par_iter()
        .map(|(rel, path)| read_markdown(root, rel, path, config))
        .collect::<Result<_, BuildError>>()?;
    for result in parsed {
        match result {
            Ok(Parsed::Partial { rel, text }) => {
                content.partials.insert(rel, text);
            }
            Ok(Parsed::Entry(entry)) => {
                if entry.meta.draft && !drafts {
                    continue;
                }
                content.entries.insert(entry.rel.clone(), *entry);
            }
            Err(d) => problems.push(d),
        }
    }
    add_fallbacks(&mut content, config);
    link_parents(&mut content, &config.default_language, &mut problems);
    check_unique_paths(&content, &mut problems);
    if problems.is_empty() {
        Ok(content)
    } else {
        Err(BuildError::Content(problems))
    }
}

enum Parsed {
    Partial { rel: String, text: String },
    Entry(Box<Entry>),
}

fn read_markdown(
    root: &Path,
    rel: &str,
    path: &Path,
    config: &SiteConfig,
) -> Result<Result<Parsed, Diagnostic>, BuildError> {
    let text = std::fs::read_to_string(path).map_err(|e| BuildError::io("cannot read", path, e))?;
    let shown = shown_path(root, path);
    let file_name = rel.rsplit('/').next().unwrap_or(rel);
    if file_name.starts_with('_') && !is_index(file_name) {
        return Ok(Ok(Parsed::Partial {
            rel: rel.to_string(),
            text,
        }));
    }
    let split = match front_matter::split(&text, &shown) {
        Ok(s) => s,
        Err(d) => return Ok(Err(d)),
    };
    let kind = if is_index(file_name) {
        Kind::Section
    } else {
        Kind::Page
    };
    if kind == Kind::Page {
        let section_only = [
            ("sort_by", split.meta.sort_by.is_some()),
            ("paginate_by", split.meta.paginate_by.is_some()),
            ("feed", split.meta.feed.is_some()),
            ("fallback", split.meta.fallback.is_some()),
        ];
        if let Some((key, _)) = section_only.iter().find(|(_, set)| *set) {
            return Ok(Err(Diagnostic::file(
                &shown,
                format!("`{key}` only applies to sections"),
                format!("move `{key}` to the section's _index.md, or remove it"),
            )));
        }
    }
    let (lang, path_for_url) = match language_of(rel, config) {
        Ok(v) => v,
        Err(msg) => return Ok(Err(Diagnostic::file(&shown, msg.0, msg.1))),
    };
    let url_path = url_path(
        &path_for_url,
        kind,
        split.meta.slug.as_deref(),
        &lang,
        config,
    );
    Ok(Ok(Parsed::Entry(Box::new(Entry {
        kind,
        rel: rel.to_string(),
        file: shown,
        lang,
        body: split.body.to_string(),
        body_line_offset: split.body_line_offset,
        meta: split.meta,
        path: url_path,
        parent: None,
        base: path_for_url,
        fallback: false,
    }))))
}

fn is_index(file_name: &str) -> bool {
    file_name == "_index.md" || (file_name.starts_with("_index.") && file_name.ends_with(".md"))
}

/// Splits a language suffix off a content path: `a/b.fr.md` → (`fr`, `a/b.md`).
fn language_of(rel: &str, config: &SiteConfig) -> Result<(String, String), (String, String)> {
    let stem = rel.trim_end_matches(".md");
    if let Some((base, code)) = stem.rsplit_once('.')
        && !code.contains('/')
    {
        if config.has_language(code) {
            return Ok((code.to_string(), format!("{base}.md")));
        }
        return Err((
            format!("`{code}` in the file name is not a language of the site"),
            format!(
                "add [languages.{code}] to site.toml, or rename the file without the `.{code}` part"
            ),
        ));
    }
    Ok((config.default_language.clone(), rel.to_string()))
}

fn url_path(rel: &str, kind: Kind, slug: Option<&str>, lang: &str, config: &SiteConfig) -> String {
    let base = rel.strip_suffix(".md").unwrap_or(rel);
    let mut parts: Vec<String> = base.split('/').map(slugify).collect();
    match (kind, slug) {
        (Kind::Section, _) => {
            parts.pop();
        }
        (Kind::Page, Some(slug)) => {
            if let Some(last) = parts.last_mut() {
                *last = slugify(slug);
            }
        }
        (Kind::Page, None) => {}
    }
    let mut path = String::from("/");
    if lang != config.default_language {
        path.push_str(lang);
        path.push('/');
    }
    for p in parts.iter().filter(|p| !p.is_empty()) {
        path.push_str(p);
        path.push('/');
    }
    path
}

/// Lower-cases and replaces anything but letters and digits with single dashes.
pub(crate) fn slugify(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut dash = false;
    for c in text.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            if dash && !out.is_empty() {
                out.push('-');
            }
            dash = false;
            out.push(c);
        } else {
            dash = true;
        }
    }
    out
}

/// Whether the default-language entry `e` falls back into `lang` where it has no translation:
/// the language says so for the whole site, or `e` or a section above it does.
fn falls_back(content: &Content, config: &SiteConfig, e: &Entry, lang: &str) -> bool {
    if config.language(lang).is_some_and(|l| l.fallback) {
        return true;
    }
    // A section's own `_index.md` counts: its folder is where the walk up starts.
    let mut dir = parent_dir(&e.rel);
    loop {
        let index = if dir.is_empty() {
            "_index.md".to_owned()
        } else {
            format!("{dir}/_index.md")
        };
        if content
            .entries
            .get(&index)
            .is_some_and(|s| s.meta.fallback == Some(true))
        {
            return true;
        }
        if dir.is_empty() {
            return false;
        }
        dir = parent_dir(&dir);
    }
}

/// The `rel` a translation of the default-language file `base` has in `lang` (`a/b.fr.md`).
pub(crate) fn translated_rel(base: &str, lang: &str) -> String {
    format!("{}.{lang}.md", base.strip_suffix(".md").unwrap_or(base))
}

/// Adds, for each language that falls back, the default-language entries it lacks, at that
/// language's address.
fn add_fallbacks(content: &mut Content, config: &SiteConfig) {
    let mut added = Vec::new();
    for lang in config.language_codes().into_iter().skip(1) {
        for e in content.entries.values() {
            if e.lang != config.default_language {
                continue;
            }
            let rel = translated_rel(&e.base, lang);
            if content.entries.contains_key(&rel) || !falls_back(content, config, e, lang) {
                continue;
            }
            let mut copy = e.clone();
            copy.path = url_path(&e.base, e.kind, e.meta.slug.as_deref(), lang, config);
            copy.rel = rel;
            copy.lang = lang.to_owned();
            copy.fallback = true;
            // The old addresses redirect once, to the original.
            copy.meta.aliases.clear();
            added.push(copy);
        }
    }
    for e in added {
        content.entries.insert(e.rel.clone(), e);
    }
}

/// Links each entry to the section of its folder in its own language (`_index.fr.md` for a
/// French page); a translated page whose section is not translated yet is listed nowhere.
fn link_parents(content: &mut Content, default_language: &str, problems: &mut Vec<Diagnostic>) {
    let sections: Vec<String> = content
        .entries
        .values()
        .filter(|e| e.kind == Kind::Section)
        .map(|e| e.rel.clone())
        .collect();
    for entry in content.entries.values_mut() {
        let dir = match entry.kind {
            // A section's parent is the section of the folder above its own.
            Kind::Section => parent_dir(&parent_dir(&entry.rel)),
            Kind::Page => parent_dir(&entry.rel),
        };
        if entry.kind == Kind::Section && entry.rel.split('/').count() == 1 {
            continue;
        }
        let prefix = if dir.is_empty() {
            String::new()
        } else {
            format!("{dir}/")
        };
        let index = format!("{prefix}_index.md");
        let own = if entry.lang == default_language {
            index.clone()
        } else {
            format!("{prefix}_index.{}.md", entry.lang)
        };
        if sections.contains(&own) {
            entry.parent = Some(own);
        } else if entry.kind == Kind::Page && !dir.is_empty() && !sections.contains(&index) {
            problems.push(Diagnostic::file(
                &entry.file,
                format!("the folder `{dir}` has no _index.md"),
                format!("add content/{dir}/_index.md with a title to make `{dir}` a section"),
            ));
        }
    }
}

fn parent_dir(rel: &str) -> String {
    rel.rsplit_once('/')
        .map(|(d, _)| d.to_string())
        .unwrap_or_default()
}

fn check_unique_paths(content: &Content, problems: &mut Vec<Diagnostic>) {
    let mut seen: BTreeMap<&str, &Entry> = BTreeMap::new();
    for entry in content.entries.values() {
        if let Some(other) = seen.insert(&entry.path, entry) {
            problems.push(Diagnostic::file(
                &entry.file,
                format!(
                    "this page and {} both want the URL {}",
                    other.file.display(),
                    entry.path
                ),
                "give one of them another `slug` or file name",
            ));
        }
    }
}

/// A path below `base` written with `/` separators (`a/b.md`).
pub(crate) fn rel_path(base: &Path, path: &Path) -> String {
    path.strip_prefix(base)
        .unwrap_or(path)
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// A path as shown to editors: relative to the site root when inside it.
pub(crate) fn shown_path(root: &Path, path: &Path) -> PathBuf {
    path.strip_prefix(root).unwrap_or(path).to_path_buf()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> SiteConfig {
        SiteConfig::parse(
            "title = \"T\"\nbase_url = \"https://e.org\"\n[languages.en]\nname = \"English\"\n[languages.fr]\nname = \"Français\"\n",
            Path::new("site.toml"),
        )
        .expect("config")
    }

    #[test]
    fn url_paths_are_pretty() {
        let c = config();
        assert_eq!(url_path("_index.md", Kind::Section, None, "en", &c), "/");
        assert_eq!(
            url_path("petition/_index.md", Kind::Section, None, "en", &c),
            "/petition/"
        );
        assert_eq!(
            url_path("petition/thank-you.md", Kind::Page, None, "en", &c),
            "/petition/thank-you/"
        );
        assert_eq!(
            url_path("a/Big Page.md", Kind::Page, Some("other"), "en", &c),
            "/a/other/"
        );
        assert_eq!(url_path("help.md", Kind::Page, None, "fr", &c), "/fr/help/");
    }

    #[test]
    fn language_suffix() {
        let c = config();
        assert_eq!(
            language_of("a/b.fr.md", &c).expect("fr"),
            ("fr".into(), "a/b.md".into())
        );
        assert_eq!(
            language_of("a/b.md", &c).expect("en"),
            ("en".into(), "a/b.md".into())
        );
        assert!(language_of("a/b.de.md", &c).is_err());
    }

    #[test]
    fn slugs() {
        assert_eq!(slugify("How You Can Help!"), "how-you-can-help");
        assert_eq!(slugify("  S.Res.220 — 2017 "), "s-res-220-2017");
        assert_eq!(slugify("Été"), "été");
    }
}
