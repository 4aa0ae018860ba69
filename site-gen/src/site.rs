//! The build pipeline, stage by stage: load the sources, prepare the theme, render the Markdown
//! with its components, apply the theme, make the machine outputs and the campaign's bundle,
//! then hold every file in memory ([`build`]) or write what changed ([`build_to`]).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use contract::bundle::SiteBundle;
use rayon::prelude::*;
use tera::Tera;

use crate::assets::{self, Assets};
use crate::campaign::{self, SiteFacts};
use crate::config::{CONFIG_FILE, SiteConfig};
use crate::content::{self, Content};
use crate::error::{BuildError, Diagnostic};
use crate::markdown::{self, Rendered};
use crate::output::Files;
use crate::render::cards::{Cards, DiskCache};
use crate::render::components::{Components, CountSource, PageRef};
use crate::render::outputs::{self, Machine};
use crate::render::templates::{self, Lookups, Theme};
use crate::render::{PageStage, Pages};

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
    /// A preview build (`site-gen serve`): an interface string a language lacks is shown in
    /// the default language, with a warning, instead of failing the build.
    pub preview: bool,
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
    /// What each language but the default one lacks.
    pub languages: crate::languages::LanguageReport,
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
fn fingerprint(opts: &BuildOptions) -> Result<String, BuildError> {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    env!("CARGO_PKG_VERSION").hash(&mut h);
    opts.base_url.hash(&mut h);
    opts.drafts.hash(&mut h);
    opts.preview.hash(&mut h);
    today(opts).hash(&mut h);
    if let Some(c) = &opts.counts {
        c.as_of().hash(&mut h);
        for id in c.petitions() {
            c.counts(&id).hash(&mut h);
            id.hash(&mut h);
        }
    }
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

/// Builds the whole site in memory: the stages in order, each reporting every problem it finds.
pub fn build(opts: &BuildOptions) -> Result<Built, BuildError> {
    let started = Instant::now();
    let mut stages = Stages::new();

    let sources = load(opts)?;
    let languages =
        crate::languages::report(&sources.config, &sources.content, &sources.theme.strings);
    let missing = crate::languages::missing_strings(&languages, &sources.theme.dir);
    if !opts.preview && !missing.is_empty() {
        return Err(BuildError::Content(missing));
    }
    stages.done("load");
    let prepared = prepare_theme(&opts.root, &sources)?;
    stages.done("assets+theme");
    let facts = campaign::facts(&sources.config, &sources.content, &today(opts))?;
    let (cards, card_warning) = Cards::load(&opts.root, &sources.theme.dir, &sources.config)?;
    let rendered = render_markdown(&sources.config, &sources.content, &prepared, &facts, opts)?;
    let embeds = embed_counters(&sources, &prepared, &facts, opts)?;
    stages.done("markdown");
    let mut pages = apply_theme(
        &sources,
        &prepared,
        &rendered,
        &facts,
        &embeds,
        cards.as_ref(),
        opts,
    )?;
    stages.done("templates");
    if let Some(cards) = &cards {
        let cache = DiskCache(opts.root.join(crate::render::cards::CACHE_DIR));
        let made = cards.make(&std::mem::take(&mut pages.cards), &cache)?;
        pages.files.extend(made.files);
        stages.done(&format!("cards ({} drawn)", made.drawn));
    }
    let machine = outputs::machine(&sources.config, &facts.petitions, pages.machine);
    let default_language = &sources.config.default_language;
    let letter_page = campaign::letter_page(&sources.content, &rendered, default_language);
    let translations = campaign::translations(
        &sources.config,
        &facts,
        &sources.content,
        &rendered,
        &pages.shells,
    );
    let shell = pages.shells.remove(default_language).unwrap_or_default();
    let bundle = campaign::bundle(
        &sources.config,
        &sources.theme,
        &facts,
        letter_page,
        shell,
        translations,
    );
    let files = assemble(pages.files, machine, prepared.assets.files, &bundle)?;
    stages.done("feeds+bundle");

    Ok(Built {
        files,
        bundle,
        pages: sources.content.entries.len(),
        warnings: warnings(&sources.config, &facts, opts)
            .into_iter()
            .chain(card_warning)
            .chain(missing.iter().map(ToString::to_string))
            .collect(),
        millis: started.elapsed().as_millis(),
        config: sources.config,
        languages,
    })
}

/// The campaign's warnings, and counts for a petition no page declares (a renamed or removed
/// petition: its counts are not shown, nothing else goes wrong).
fn warnings(config: &SiteConfig, facts: &SiteFacts, opts: &BuildOptions) -> Vec<String> {
    let mut warnings = campaign::warnings(config, facts);
    for id in opts.counts.iter().flat_map(|c| c.petitions()) {
        if !facts.petitions.iter().any(|p| p.id == id) {
            warnings.push(format!(
                "the counts file has counts for the petition `{id}`, which no page declares: they are not shown (check the id, or drop it from the file)"
            ));
        }
    }
    warnings
}

/// What the build reads: the settings, the theme and the content.
struct Sources {
    config: SiteConfig,
    theme: Theme,
    content: Content,
}

/// The theme made ready for the content: static files fingerprinted, templates compiled.
struct Prepared {
    assets: Assets,
    tera: Tera,
    /// Content `rel` → URL path, for `@/` links.
    urls: BTreeMap<String, String>,
}

/// Reads `site.toml` (with the options' overrides), the theme and `content/`.
fn load(opts: &BuildOptions) -> Result<Sources, BuildError> {
    let root = &opts.root;
    let config_text = std::fs::read_to_string(root.join(CONFIG_FILE)).map_err(|e| {
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
    let content = content::load(root, &root.join("content"), &config, opts.drafts)?;
    Ok(Sources {
        config,
        theme,
        content,
    })
}

/// Collects the static files (the theme's, then the site's, then those beside the
/// content; later ones win) and compiles the templates with what their functions look up.
fn prepare_theme(root: &Path, sources: &Sources) -> Result<Prepared, BuildError> {
    let Sources {
        config,
        theme,
        content,
    } = sources;
    let theme_static = root.join("themes").join(&config.theme).join("static");
    let site_static = root.join("static");
    let static_sets = vec![
        (theme_static.clone(), assets::list(&theme_static)?),
        (site_static.clone(), assets::list(&site_static)?),
        (root.join("content"), content.static_files.clone()),
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
        sections: section_summaries(content),
    });
    let tera = templates::compile(theme, lookups)?;
    Ok(Prepared { assets, tera, urls })
}

/// Renders every Markdown body with its components, in parallel, then checks that
/// every anchored link lands on a heading.
fn render_markdown(
    config: &SiteConfig,
    content: &Content,
    prepared: &Prepared,
    facts: &SiteFacts,
    opts: &BuildOptions,
) -> Result<BTreeMap<String, Rendered>, BuildError> {
    let results: Vec<(String, Result<Rendered, Vec<Diagnostic>>)> = content
        .entries
        .par_iter()
        .map(|(rel, e)| {
            let url = config.absolute(&e.path);
            let home = config.home_of(&e.lang);
            let page = PageRef {
                url: &url,
                title: e.title(),
                base_url: &config.base_url,
                lang: &e.lang,
                home: &home,
            };
            let cx = components(prepared, facts, opts, page);
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
    check_anchors(content, &rendered)?;
    Ok(rendered)
}

/// The editors' components as they render on `page`.
fn components<'a>(
    prepared: &'a Prepared,
    facts: &'a SiteFacts,
    opts: &BuildOptions,
    page: PageRef<'a>,
) -> Components<'a> {
    Components {
        tera: &prepared.tera,
        facts,
        counts: opts.counts.clone(),
        urls: &prepared.urls,
        page,
    }
}

/// Each petition's `signature_counter`, rendered as an editor's call renders it (the same
/// completion, the same counts), for its embed page.
fn embed_counters(
    sources: &Sources,
    prepared: &Prepared,
    facts: &SiteFacts,
    opts: &BuildOptions,
) -> Result<BTreeMap<String, String>, BuildError> {
    use crate::markdown::Context as _;
    let (theme, base_url) = (&sources.theme, &sources.config.base_url);
    let mut counters = BTreeMap::new();
    let mut problems = Vec::new();
    for p in &facts.petitions {
        let url = format!("{base_url}{}", p.page);
        let page = PageRef {
            url: &url,
            title: &p.title,
            base_url,
            lang: &sources.config.default_language,
            home: "/",
        };
        let cx = components(prepared, facts, opts, page);
        let call = markdown::Call {
            name: "signature_counter".into(),
            args: BTreeMap::from([("petition".to_string(), serde_json::json!(p.id))]),
            body: None,
            line: 0,
            column: 0,
        };
        match cx.component(&call, None) {
            Ok(html) => {
                counters.insert(p.id.clone(), html);
            }
            Err((message, help)) => problems.push(Diagnostic::file(
                templates::template_file(&theme.dir, "components.html"),
                format!("the embed page of the petition `{}`: {message}", p.id),
                help,
            )),
        }
    }
    if problems.is_empty() {
        Ok(counters)
    } else {
        Err(BuildError::Content(problems))
    }
}

/// Applies the theme's templates to pages, sections, tags, aliases, the error page and the
/// embed pages.
fn apply_theme(
    sources: &Sources,
    prepared: &Prepared,
    rendered: &BTreeMap<String, Rendered>,
    facts: &SiteFacts,
    embeds: &BTreeMap<String, String>,
    cards: Option<&Cards>,
    opts: &BuildOptions,
) -> Result<Pages, BuildError> {
    PageStage {
        config: &sources.config,
        content: &sources.content,
        rendered,
        tera: &prepared.tera,
        theme_dir: &sources.theme.dir,
        facts,
        embeds,
        cards,
        counts: opts.counts.as_deref(),
        strings: &sources.theme.strings,
    }
    .run()
    .map_err(BuildError::Content)
}

/// Every output file. Where paths collide, later sets win: feeds, pages, static
/// files, the site-wide machine files, the bundle.
fn assemble(
    pages: Files,
    machine: Machine,
    assets: Files,
    bundle: &SiteBundle,
) -> Result<Files, BuildError> {
    let mut files = machine.feeds;
    files.extend(pages);
    files.extend(assets);
    files.extend(machine.site_files);
    files.insert(
        contract::bundle::BUNDLE_PATH.into(),
        campaign::bundle_file(bundle)?,
    );
    Ok(files)
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

/// Today's date from the options, else in UTC, `YYYY-MM-DD`.
fn today(opts: &BuildOptions) -> String {
    opts.today
        .clone()
        .unwrap_or_else(|| contract::date::utc_date(std::time::SystemTime::now()))
}
