//! The build pipeline: load, render Markdown, apply the theme, assemble the output.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use contract::bundle::{self, AppPages, LetterCampaign, Petition, SiteBundle};
use rayon::prelude::*;

use crate::assets;
use crate::config::{CONFIG_FILE, SiteConfig};
use crate::content::{self, Content, Entry, PetitionMeta};
use crate::error::{BuildError, Diagnostic};
use crate::markdown::{self, Rendered};
use crate::output::Files;
use crate::render::components::{Components, CountSource, SiteFacts};
use crate::render::templates::{self, Lookups, Theme};
use crate::render::{PageStage, feeds};

/// How to build.
#[derive(Clone, Default)]
pub struct BuildOptions {
    /// The site root (holding `site.toml`, `content/`, `themes/`).
    pub root: PathBuf,
    /// Overrides `base_url` of `site.toml` (the preview uses its own address).
    pub base_url: Option<String>,
    /// Includes drafts.
    pub drafts: bool,
    /// Counts to show in counters, when known.
    pub counts: Option<Arc<dyn CountSource>>,
    /// Today's date (`YYYY-MM-DD`); the current UTC date when `None`.
    pub today: Option<String>,
}

/// A finished build, in memory.
#[derive(Debug)]
pub struct Built {
    /// Every output file.
    pub files: Files,
    /// What the petition function needs.
    pub bundle: SiteBundle,
    /// Pages and sections rendered.
    pub pages: usize,
    /// Things worth an editor's attention that do not stop the build.
    pub warnings: Vec<String>,
    /// How long it took.
    pub millis: u128,
    /// The settings it was built with.
    pub config: SiteConfig,
}

/// What [`build_to`] did.
#[derive(Debug)]
pub enum Rebuild {
    /// No input changed since the output folder was written: nothing was done.
    Unchanged {
        /// Files in the output.
        files: usize,
    },
    /// The site was built and written.
    Built {
        /// The build.
        built: Box<Built>,
        /// What writing did.
        stats: crate::output::WriteStats,
    },
}

/// Builds into `out`, unless the output there came from exactly these inputs.
pub fn build_to(opts: &BuildOptions, out: &Path) -> Result<Rebuild, BuildError> {
    let stamp = fingerprint(opts)?;
    if crate::output::is_current(out, &stamp) {
        let files = std::fs::read_to_string(out.join(crate::output::MARKER))
            .map_or(0, |m| m.lines().count().saturating_sub(2));
        return Ok(Rebuild::Unchanged { files });
    }
    let built = build(opts)?;
    let stats = crate::output::write(out, &built.files, &stamp)?;
    Ok(Rebuild::Built {
        built: Box::new(built),
        stats,
    })
}

/// A fingerprint of every input of a build: the files' paths, sizes and modification times,
/// the options, the date, and this program's version.
pub fn fingerprint(opts: &BuildOptions) -> Result<String, BuildError> {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    env!("CARGO_PKG_VERSION").hash(&mut h);
    opts.base_url.hash(&mut h);
    opts.drafts.hash(&mut h);
    opts.today.clone().unwrap_or_else(today_utc).hash(&mut h);
    for top in [CONFIG_FILE, "content", "themes", "static"] {
        let path = opts.root.join(top);
        if !path.exists() {
            continue;
        }
        for item in walkdir::WalkDir::new(&path).sort_by_file_name() {
            let item = item.map_err(|e| BuildError::io("cannot read", &path, e.into()))?;
            let meta = item
                .metadata()
                .map_err(|e| BuildError::io("cannot read", item.path(), e.into()))?;
            item.path().hash(&mut h);
            meta.len().hash(&mut h);
            if let Ok(m) = meta.modified() {
                m.hash(&mut h);
            }
        }
    }
    Ok(format!("inputs {:016x}", h.finish()))
}

/// Prints how long each stage took when `SITE_GEN_TIMINGS` is set (for the benchmark).
struct Stages {
    on: bool,
    last: Instant,
}

impl Stages {
    fn new() -> Self {
        Self {
            on: std::env::var_os("SITE_GEN_TIMINGS").is_some(),
            last: Instant::now(),
        }
    }
    fn done(&mut self, stage: &str) {
        if self.on {
            eprintln!(
                "  {stage:<12} {:>8.1} ms",
                self.last.elapsed().as_secs_f64() * 1000.0
            );
        }
        self.last = Instant::now();
    }
}

/// Builds the whole site in memory.
pub fn build(opts: &BuildOptions) -> Result<Built, BuildError> {
    let started = Instant::now();
    let mut stages = Stages::new();
    let root = &opts.root;
    let config_path = root.join(CONFIG_FILE);
    let config_text = std::fs::read_to_string(&config_path).map_err(|e| {
        BuildError::from(Diagnostic::file(
            CONFIG_FILE,
            format!("cannot read the site settings: {e}"),
            "run site-gen in the site's folder, or pass --root with the folder holding site.toml",
        ))
    })?;
    let mut config = SiteConfig::parse(&config_text, Path::new(CONFIG_FILE))?;
    if let Some(url) = &opts.base_url {
        config.base_url = url.trim_end_matches('/').to_string();
    }
    let theme = Theme::load(root, &config.theme)?;
    let content_dir = root.join("content");
    let content = content::load(root, &content_dir, &config, opts.drafts)?;
    stages.done("load");

    let theme_static = root.join("themes").join(&config.theme).join("static");
    let static_sets = vec![
        (theme_static.clone(), assets::list(&theme_static)?),
        (root.join("static"), assets::list(&root.join("static"))?),
        (content_dir.clone(), content.static_files.clone()),
    ];
    let assets = assets::collect(&static_sets)?;

    let urls: BTreeMap<String, String> = content
        .entries
        .values()
        .map(|e| (e.rel.clone(), e.path.clone()))
        .collect();
    let lookups = Arc::new(Lookups {
        assets: assets.refs.clone(),
        urls: urls.clone(),
        strings: theme.strings.clone(),
        default_language: config.default_language.clone(),
        sections: section_summaries(&content),
    });
    let tera = templates::compile(&theme, lookups)?;
    stages.done("assets+theme");
    let today = opts.today.clone().unwrap_or_else(today_utc);
    let facts = site_facts(&config, &content, &today)?;

    let cx = Components {
        tera: &tera,
        facts: &facts,
        counts: opts.counts.clone(),
        urls: &urls,
    };
    let results: Vec<(String, Result<Rendered, Vec<Diagnostic>>)> = content
        .entries
        .par_iter()
        .map(|(rel, e)| {
            (
                rel.clone(),
                markdown::render(&e.body, &e.file, e.body_line_offset, &cx),
            )
        })
        .collect();
    let mut rendered = BTreeMap::new();
    let mut problems = Vec::new();
    for (rel, r) in results {
        match r {
            Ok(r) => {
                rendered.insert(rel, r);
            }
            Err(mut d) => problems.append(&mut d),
        }
    }
    if !problems.is_empty() {
        return Err(BuildError::Content(problems));
    }
    check_anchors(&content, &rendered)?;
    stages.done("markdown");

    let stage = PageStage {
        config: &config,
        content: &content,
        rendered: &rendered,
        tera: &tera,
        theme_dir: &theme.dir,
        facts: &facts,
    };
    let pages = stage.run().map_err(BuildError::Content)?;
    stages.done("templates");

    let mut files = pages.files;
    files.extend(assets.files);
    let mut sitemap_urls = pages.sitemap;
    sitemap_urls.sort();
    files.insert(
        "sitemap.xml".into(),
        feeds::sitemap(&sitemap_urls).into_bytes(),
    );
    files.insert(
        "robots.txt".into(),
        feeds::robots(&config.base_url).into_bytes(),
    );
    files.insert(
        "_redirects".into(),
        feeds::redirects(&pages.redirects).into_bytes(),
    );

    let letter_page = content
        .entries
        .values()
        .find(|e| {
            e.body
                .lines()
                .any(|l| l.trim_start().starts_with("{{ letter_form("))
        })
        .map(|e| e.path.clone());
    let bundle = SiteBundle {
        site_title: config.title.clone(),
        base_url: config.base_url.clone(),
        language: config.default_language.clone(),
        petitions: facts.petitions.clone(),
        letter: match (letter_page, &facts.bill, &facts.letter) {
            (Some(page), Some(bill), Some(text)) => Some(LetterCampaign {
                page,
                bill: bill.clone(),
                default_letter: text.clone(),
            }),
            _ => None,
        },
        countries: facts.countries.clone(),
        states: facts.states.clone(),
        senators: facts.senators.clone(),
        senators_as_of: facts.senators_as_of.clone(),
        pages: AppPages {
            shell: pages.shell,
            components: theme
                .templates
                .get("components.html")
                .cloned()
                .unwrap_or_default(),
            strings: theme
                .strings
                .get(&config.default_language)
                .cloned()
                .unwrap_or_default(),
        },
    };
    let bundle_json = serde_json::to_vec_pretty(&bundle).map_err(|e| {
        BuildError::io(
            "cannot serialise",
            Path::new(bundle::BUNDLE_PATH),
            std::io::Error::other(e),
        )
    })?;
    files.insert(bundle::BUNDLE_PATH.into(), bundle_json);
    stages.done("feeds+bundle");

    let mut warnings = Vec::new();
    if config.documentary.url.is_empty() {
        warnings.push(
            "site.toml: [documentary] url is not set, so the documentary page has no link to the film; set it to the film's official address".to_string(),
        );
    }
    Ok(Built {
        files,
        bundle,
        pages: content.entries.len(),
        warnings,
        millis: started.elapsed().as_millis(),
        config,
    })
}

/// What the `section()` template function returns, computed once per build.
fn section_summaries(content: &Content) -> BTreeMap<String, serde_json::Value> {
    content
        .entries
        .values()
        .filter(|e| e.kind == content::Kind::Section)
        .map(|s| {
            let pages: Vec<serde_json::Value> = content
                .sorted_pages(s)
                .into_iter()
                .map(|p| {
                    serde_json::json!({
                        "title": p.title(),
                        "description": p.meta.description,
                        "date": p.meta.date.as_ref().map(ToString::to_string),
                        "permalink": p.path,
                        "extra": p.meta.extra,
                    })
                })
                .collect();
            let value = serde_json::json!({
                "title": s.title(),
                "description": s.meta.description,
                "permalink": s.path,
                "pages": pages,
            });
            (s.rel.clone(), value)
        })
        .collect()
}

fn check_anchors(
    content: &Content,
    rendered: &BTreeMap<String, Rendered>,
) -> Result<(), BuildError> {
    let mut problems = Vec::new();
    for (rel, r) in rendered {
        let Some(entry) = content.entries.get(rel) else {
            continue;
        };
        for a in &r.anchors {
            let target = a.target.as_deref().unwrap_or(rel);
            let ok = rendered
                .get(target)
                .is_some_and(|t| t.ids.contains(&a.anchor))
                || a.anchor.is_empty();
            if !ok {
                let ids = rendered
                    .get(target)
                    .map(|t| t.ids.join(", "))
                    .unwrap_or_default();
                problems.push(Diagnostic::at(
                    &entry.file,
                    a.line,
                    a.column,
                    format!(
                        "the anchor `#{}` does not exist in content/{target}",
                        a.anchor
                    ),
                    if ids.is_empty() {
                        "that page has no headings; link to the page without an anchor".to_string()
                    } else {
                        format!("use one of its heading ids: {ids}")
                    },
                ));
            }
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(BuildError::Content(problems))
    }
}

fn site_facts(
    config: &SiteConfig,
    content: &Content,
    today: &str,
) -> Result<SiteFacts, BuildError> {
    let mut problems = Vec::new();
    let mut petitions: Vec<Petition> = Vec::new();
    for e in content.entries.values() {
        if let Some(meta) = &e.meta.petition {
            match petition_of(e, meta, content) {
                Ok(p) => {
                    if let Some(other) = petitions.iter().find(|o| o.id == p.id) {
                        problems.push(Diagnostic::file(
                            &e.file,
                            format!(
                                "the petition id `{}` is already declared by the page {}",
                                p.id, other.page
                            ),
                            "give each petition its own id",
                        ));
                    }
                    petitions.push(p);
                }
                Err(d) => problems.push(d),
            }
        }
    }
    let data_file = |name: &str| PathBuf::from("content/data").join(name);
    let countries = data_list(
        content,
        "countries",
        "country",
        &data_file("countries.toml"),
        &mut problems,
    );
    let states = data_list(
        content,
        "states",
        "state",
        &data_file("states.toml"),
        &mut problems,
    );
    let senators = match content.data.get("senators") {
        Some(v) => serde_json::from_value(v.clone()).unwrap_or_else(|e| {
            problems.push(Diagnostic::file(
                data_file("senators.json"),
                format!("the senator data is not in the expected shape: {e}"),
                "refresh it with `site-gen senators import`, or see content/data/README.md",
            ));
            Vec::new()
        }),
        None => Vec::new(),
    };
    let senators_as_of = content
        .data
        .get("senators_meta")
        .and_then(|v| v.get("as_of"))
        .and_then(|v| v.as_str())
        .map(str::to_string)
        .unwrap_or_default();
    let letter = match (
        &config.letter,
        content
            .partials
            .iter()
            .find(|(rel, _)| rel.ends_with("_letter.md")),
    ) {
        (Some(bill), Some((rel, text))) => {
            let mut ctx = tera::Context::new();
            ctx.insert("bill", bill);
            match tera::Tera::one_off(text, &ctx, false) {
                Ok(t) => Some(t.trim().to_string()),
                Err(e) => {
                    let mut d = templates::diagnose(
                        Path::new("content"),
                        &e,
                        "the letter may use {{ bill.number }}, {{ bill.congress }} and {{ bill.title }}",
                    );
                    d.file = PathBuf::from("content").join(rel);
                    problems.push(d);
                    None
                }
            }
        }
        _ => None,
    };
    if !problems.is_empty() {
        return Err(BuildError::Content(problems));
    }
    Ok(SiteFacts {
        petitions,
        countries,
        states,
        senators,
        senators_as_of,
        bill: config.letter.clone(),
        letter,
        documentary_url: config.documentary.url.clone(),
        documentary_title: config.documentary.title.clone(),
        today: today.to_string(),
    })
}

fn data_list<T: serde::de::DeserializeOwned>(
    content: &Content,
    stem: &str,
    key: &str,
    file: &Path,
    problems: &mut Vec<Diagnostic>,
) -> Vec<T> {
    let Some(value) = content.data.get(stem).and_then(|v| v.get(key)) else {
        return Vec::new();
    };
    serde_json::from_value(value.clone()).unwrap_or_else(|e| {
        problems.push(Diagnostic::file(
            file,
            format!("the [[{key}]] entries are not in the expected shape: {e}"),
            "see content/data/README.md for the fields each entry needs",
        ));
        Vec::new()
    })
}

fn petition_of(e: &Entry, meta: &PetitionMeta, content: &Content) -> Result<Petition, Diagnostic> {
    let id_ok = !meta.id.is_empty()
        && meta.id.len() <= 64
        && meta
            .id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !id_ok {
        return Err(Diagnostic::file(
            &e.file,
            format!("the petition id `{}` is not valid", meta.id),
            "use 1 to 64 lower-case letters, digits and dashes, like \"un-high-commissioner\"",
        ));
    }
    let thank_you = content
        .resolve(&meta.thank_you)
        .filter(|_| meta.thank_you.starts_with("@/"))
        .ok_or_else(|| {
            Diagnostic::file(
                &e.file,
                format!("the petition's thank_you page `{}` does not exist", meta.thank_you),
                "write the @/ path of a page in content/, like thank_you = \"@/petition/thank-you.md\"",
            )
        })?;
    let opens = meta.opens.date.map(|d| d.to_string()).unwrap_or_default();
    let closes = meta
        .closes
        .as_ref()
        .and_then(|c| c.date)
        .map(|d| d.to_string());
    if opens.is_empty() {
        return Err(Diagnostic::file(
            &e.file,
            "the petition's `opens` is not a date",
            "write a date like opens = 2026-11-28",
        ));
    }
    if closes.as_ref().is_some_and(|c| *c < opens) {
        return Err(Diagnostic::file(
            &e.file,
            "the petition closes before it opens",
            "set `closes` to a date on or after `opens`",
        ));
    }
    Ok(Petition {
        id: meta.id.clone(),
        title: meta.title.clone(),
        addressee: meta.addressee.clone(),
        goal: meta.goal,
        opens,
        closes,
        page: e.path.clone(),
        thank_you: thank_you.path.clone(),
    })
}

/// Today's date in UTC, `YYYY-MM-DD`.
pub fn today_utc() -> String {
    contract::date::utc_date(std::time::SystemTime::now())
}

/// The set of output paths (for checks).
pub fn paths(files: &Files) -> BTreeSet<&str> {
    files.keys().map(String::as_str).collect()
}
