//! Applying the theme: page, section, taxonomy, alias and error pages, in parallel.

pub(crate) mod cards;
pub mod components;
pub mod embed;
pub(crate) mod feeds;
pub(crate) mod outputs;
pub(crate) mod share;
pub(crate) mod templates;

use std::collections::BTreeMap;
use std::path::Path;

use rayon::prelude::*;
use serde::Serialize;
use tera::{Context, Tera, Value};

use crate::campaign::SiteFacts;
use crate::config::SiteConfig;
use crate::content::{Content, Entry, Kind, SortBy, slugify};
use crate::error::Diagnostic;
use crate::markdown::{Heading, Rendered};
use crate::output::Files;
use outputs::{Feed, MachineInputs};

/// A tag as templates see it.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct TagRef {
    /// As written.
    pub(crate) name: String,
    /// In URLs.
    pub(crate) slug: String,
    /// URL path of its page.
    pub(crate) permalink: String,
}

/// The same page in one of the site's languages, for the language switcher and `hreflang`.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct TranslationRef {
    /// Language code.
    pub(crate) lang: String,
    /// The language's own name.
    pub(crate) name: String,
    /// URL path.
    pub(crate) permalink: String,
    /// Absolute URL.
    pub(crate) url: String,
    /// The page is not translated into this language: its address there shows the default
    /// language's text (no `hreflang` for it).
    pub(crate) fallback: bool,
    /// It is the page being rendered.
    pub(crate) current: bool,
    /// The language's Open Graph locale (`fr_FR`).
    pub(crate) locale: String,
}

/// An alternate address of a page for search engines: `<link rel="alternate" hreflang>` and
/// the sitemap's `xhtml:link`.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Alternate {
    /// A language code or `x-default`.
    pub(crate) hreflang: String,
    /// Absolute URL.
    pub(crate) url: String,
}

/// A page or section as templates see it.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct PageView {
    /// Title.
    pub(crate) title: String,
    /// Description (the site's when the page has none).
    pub(crate) description: String,
    /// `YYYY-MM-DD`.
    pub(crate) date: Option<String>,
    /// `YYYY-MM-DD`.
    pub(crate) updated: Option<String>,
    /// Rendered HTML.
    pub(crate) content: String,
    /// Table of contents.
    pub(crate) toc: Vec<Heading>,
    /// URL path.
    pub(crate) permalink: String,
    /// Same as `permalink` (a path on the site).
    pub(crate) path: String,
    /// Absolute URL.
    pub(crate) url: String,
    /// Last URL segment.
    pub(crate) slug: String,
    /// Tags.
    pub(crate) tags: Vec<TagRef>,
    /// Free values from front matter.
    pub(crate) extra: toml::Table,
    /// First paragraph.
    pub(crate) summary: String,
    /// Words.
    pub(crate) word_count: usize,
    /// Minutes to read, at 200 words a minute.
    pub(crate) reading_minutes: usize,
    /// Language.
    pub(crate) lang: String,
    /// The direction of its language's script (`ltr`, `rtl`).
    pub(crate) dir: &'static str,
    /// The page in each language it is published in (translations and fallbacks), itself
    /// included, in the site's language order.
    pub(crate) translations: Vec<TranslationRef>,
    /// On a page that falls back (not translated into its language): the original, whose
    /// text it shows. Its `lang` is the text's language.
    pub(crate) original: Option<TranslationRef>,
    /// Its `hreflang` alternates: each translation (fallbacks are not: their text is the
    /// original's) and `x-default`, the default language's; none for a page in one language;
    /// on a fallback, the original.
    pub(crate) alternates: Vec<Alternate>,
    /// The petition the page declares, with `open`.
    pub(crate) petition: Option<serde_json::Value>,
    /// Weight, for templates that sort.
    pub(crate) weight: i64,
    /// Its share card, when the theme designs them and the font is there.
    pub(crate) card: Option<cards::CardRef>,
}

/// A page in a listing (sections, tags): the view without its body, to keep listings light.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct ListItem {
    /// Title.
    pub(crate) title: String,
    /// Description.
    pub(crate) description: String,
    /// `YYYY-MM-DD`.
    pub(crate) date: Option<String>,
    /// `YYYY-MM-DD`.
    pub(crate) updated: Option<String>,
    /// URL path.
    pub(crate) permalink: String,
    /// Absolute URL.
    pub(crate) url: String,
    /// First paragraph.
    pub(crate) summary: String,
    /// Tags.
    pub(crate) tags: Vec<TagRef>,
    /// Free values from front matter.
    pub(crate) extra: toml::Table,
    /// Language.
    pub(crate) lang: String,
    /// Weight.
    pub(crate) weight: i64,
}

impl From<&PageView> for ListItem {
    fn from(v: &PageView) -> Self {
        Self {
            title: v.title.clone(),
            description: v.description.clone(),
            date: v.date.clone(),
            updated: v.updated.clone(),
            permalink: v.permalink.clone(),
            url: v.url.clone(),
            summary: v.summary.clone(),
            tags: v.tags.clone(),
            extra: v.extra.clone(),
            lang: v.lang.clone(),
            weight: v.weight,
        }
    }
}

/// Values every template receives, converted once per build.
struct Shared {
    /// `config` by language.
    configs: BTreeMap<String, Value>,
    data: Value,
}

/// `dir` of language `lang`.
fn direction(config: &SiteConfig, lang: &str) -> &'static str {
    match config.language(lang).map(|l| l.dir) {
        Some(crate::config::Direction::Rtl) => "rtl",
        Some(crate::config::Direction::Ltr) | None => "ltr",
    }
}

/// The Open Graph locale of `lang` (`fr_FR`): the setting, else the code with `_` for `-`.
fn locale(config: &SiteConfig, lang: &str) -> String {
    config
        .language(lang)
        .map(|l| l.locale.as_str())
        .filter(|l| !l.is_empty())
        .map_or_else(|| lang.replace('-', "_"), str::to_owned)
}

/// One HTML file to render.
struct Job<'v> {
    out: String,
    template: String,
    file: std::path::PathBuf,
    context: Context,
    /// The page, converted for the template while rendering (in parallel).
    page: Option<&'v PageView>,
}

/// Everything the page stage needs.
pub(crate) struct PageStage<'a> {
    /// Settings.
    pub(crate) config: &'a SiteConfig,
    /// Loaded content.
    pub(crate) content: &'a Content,
    /// Rendered bodies by `rel`.
    pub(crate) rendered: &'a BTreeMap<String, Rendered>,
    /// Compiled theme.
    pub(crate) tera: &'a Tera,
    /// Theme folder, for errors.
    pub(crate) theme_dir: &'a Path,
    /// Site facts.
    pub(crate) facts: &'a SiteFacts,
    /// Each petition's counter, rendered, for its embed page (petition id → HTML).
    pub(crate) embeds: &'a BTreeMap<String, String>,
    /// The share cards' design, when cards are made.
    pub(crate) cards: Option<&'a cards::Cards>,
    /// The counts the build knows (`--counts`, the preview's store), for the petitions' cards.
    pub(crate) counts: Option<&'a dyn components::CountSource>,
    /// The theme's interface strings, for the cards' text.
    pub(crate) strings: &'a templates::Strings,
}

/// What the page stage produced.
#[derive(Debug, Default)]
pub(crate) struct Pages {
    /// Output path → HTML.
    pub(crate) files: Files,
    /// The function's page shell in each language.
    pub(crate) shells: BTreeMap<String, String>,
    /// What the machine outputs are made from.
    pub(crate) machine: MachineInputs,
    /// The share cards the pages refer to: output path → what to draw.
    pub(crate) cards: BTreeMap<String, cards::CardJob>,
}

/// The output file of a URL path: `/a/` → `a/index.html`.
pub(crate) fn output_file(path: &str) -> String {
    let p = path.trim_start_matches('/');
    if p.is_empty() || p.ends_with('/') {
        format!("{p}index.html")
    } else {
        p.to_string()
    }
}

impl PageStage<'_> {
    fn view(&self, e: &Entry) -> PageView {
        let r = self.rendered.get(&e.rel).cloned().unwrap_or_default();
        let petition = e.meta.petition.as_ref().and_then(|pm| {
            self.facts
                .petitions_in(&e.lang)
                .iter()
                .find(|p| p.id == pm.id)
                .and_then(|p| {
                    serde_json::to_value(contract::views::PetitionView::new(p, &self.facts.today))
                        .ok()
                })
        });
        let translations = self.translations(e);
        let original = e.fallback.then(|| self.original(e)).flatten();
        PageView {
            title: e.title().to_string(),
            description: e
                .meta
                .description
                .clone()
                .unwrap_or_else(|| self.config.description.clone()),
            date: e.meta.date.as_ref().map(ToString::to_string),
            updated: e.meta.updated.as_ref().map(ToString::to_string),
            content: r.html,
            toc: r.toc,
            permalink: e.path.clone(),
            path: e.path.clone(),
            url: self.config.absolute(&e.path),
            slug: e
                .path
                .trim_end_matches('/')
                .rsplit('/')
                .next()
                .unwrap_or_default()
                .to_string(),
            tags: e
                .meta
                .tags
                .iter()
                .map(|t| self.tag_ref(t, &e.lang))
                .collect(),
            extra: e.meta.extra.clone(),
            summary: r.summary,
            word_count: r.word_count,
            reading_minutes: r.word_count.div_ceil(200).max(1),
            lang: e.lang.clone(),
            dir: direction(self.config, &e.lang),
            alternates: self.alternates(&translations, original.as_ref()),
            translations,
            original,
            petition,
            weight: e.meta.weight,
            card: self.cards.map(|c| c.card(self.config, &self.card_job(e))),
        }
    }

    /// What a page's share card shows: its title and, on a petition's page in a build that
    /// knows the count and its date (`--counts`), that count: a shared link then shows a
    /// number, not only a title.
    fn card_job(&self, e: &Entry) -> cards::CardJob {
        let note = e.meta.petition.as_ref().and_then(|p| {
            let counts = self.counts?;
            let total = counts.counts(&p.id)?.total;
            let as_of = counts.as_of()?;
            let get = |key: &str| {
                [e.lang.as_str(), self.config.default_language.as_str()]
                    .iter()
                    .find_map(|lang| self.strings.get(*lang)?.get(key))
                    .map(String::as_str)
            };
            let date = contract::strings::date_in_words(as_of, get)?;
            let n = contract::strings::grouped(total, get("thousands_separator").unwrap_or(","));
            Some(
                get("card_count")?
                    .replace("{n}", &n)
                    .replace("{date}", &date),
            )
        });
        cards::CardJob {
            title: e.title().to_string(),
            // A fallback's title is in the default language: drawn with that language's faces.
            lang: if e.fallback {
                self.config.default_language.clone()
            } else {
                e.lang.clone()
            },
            note,
        }
    }

    /// `e` in every language it is published in.
    fn translations(&self, e: &Entry) -> Vec<TranslationRef> {
        self.config
            .language_codes()
            .into_iter()
            .filter_map(|code| {
                let t = self.content.in_language(&e.base, code)?;
                Some(TranslationRef {
                    lang: code.to_owned(),
                    name: self.config.language_name(code),
                    permalink: t.path.clone(),
                    url: self.config.absolute(&t.path),
                    fallback: t.fallback,
                    current: code == e.lang,
                    locale: locale(self.config, code),
                })
            })
            .collect()
    }

    /// The default-language entry a fallback shows.
    fn original(&self, e: &Entry) -> Option<TranslationRef> {
        let o = self.content.entries.get(&e.base)?;
        Some(TranslationRef {
            lang: o.lang.clone(),
            name: self.config.language_name(&o.lang),
            permalink: o.path.clone(),
            url: self.config.absolute(&o.path),
            fallback: false,
            current: false,
            locale: locale(self.config, &o.lang),
        })
    }

    /// See [`PageView::alternates`]: from the page's `translations` and, on a fallback, its
    /// `original`.
    fn alternates(
        &self,
        translations: &[TranslationRef],
        original: Option<&TranslationRef>,
    ) -> Vec<Alternate> {
        if let Some(o) = original {
            return vec![Alternate {
                hreflang: o.lang.clone(),
                url: o.url.clone(),
            }];
        }
        let own: Vec<&TranslationRef> = translations.iter().filter(|t| !t.fallback).collect();
        if own.len() < 2 {
            return Vec::new();
        }
        let default = own
            .iter()
            .find(|t| t.lang == self.config.default_language)
            .map(|d| Alternate {
                hreflang: "x-default".into(),
                url: d.url.clone(),
            });
        own.into_iter()
            .map(|t| Alternate {
                hreflang: t.lang.clone(),
                url: t.url.clone(),
            })
            .chain(default)
            .collect()
    }

    /// The sitemap's record of a page, with the same alternates as its `hreflang` links.
    fn sitemap_url(view: &PageView) -> feeds::SitemapUrl {
        feeds::SitemapUrl {
            url: view.url.clone(),
            lastmod: view.updated.clone().or_else(|| view.date.clone()),
            alternates: view
                .alternates
                .iter()
                .map(|a| (a.hreflang.clone(), a.url.clone()))
                .collect(),
        }
    }

    fn lang_prefix(&self, lang: &str) -> String {
        if lang == self.config.default_language {
            String::new()
        } else {
            format!("/{lang}")
        }
    }

    fn tag_ref(&self, name: &str, lang: &str) -> TagRef {
        let slug = slugify(name);
        TagRef {
            name: name.to_string(),
            permalink: format!("{}/tags/{slug}/", self.lang_prefix(lang)),
            slug,
        }
    }

    fn base_context(&self, shared: &Shared, lang: &str, path: &str) -> Context {
        let mut ctx = Context::new();
        let config = shared
            .configs
            .get(lang)
            .or_else(|| shared.configs.get(&self.config.default_language))
            .cloned()
            .unwrap_or_else(Value::none);
        ctx.insert_value("config", config);
        ctx.insert_value("data", shared.data.clone());
        ctx.insert("lang", lang);
        ctx.insert("dir", direction(self.config, lang));
        ctx.insert("locale", &locale(self.config, lang));
        ctx.insert("home", &self.config.home_of(lang));
        ctx.insert("current_path", path);
        ctx.insert("current_url", &self.config.absolute(path));
        ctx
    }

    /// The `config` templates see in language `lang`: its title, description and menu (each
    /// link to the page in `lang` where there is one).
    fn config_value(&self, lang: &str) -> Value {
        let c = self.config;
        let names = c.language(lang).map(|l| &l.menu);
        let menu: Vec<serde_json::Value> = c
            .menu
            .iter()
            .map(|m| {
                let url = m
                    .url
                    .strip_prefix("@/")
                    .and_then(|rel| {
                        self.content
                            .link_in(rel.split('#').next().unwrap_or(rel), lang)
                    })
                    .map_or_else(|| m.url.clone(), |e| e.path.clone());
                let name = names.and_then(|n| n.get(&m.url)).unwrap_or(&m.name);
                serde_json::json!({"name": name, "url": url})
            })
            .collect();
        // The language's first section with a feed (in content order): the footer's and the
        // head's feed link.
        let feed = self
            .content
            .entries
            .values()
            .find(|e| e.lang == lang && e.kind == Kind::Section && e.meta.feed == Some(true))
            .map(|s| format!("{}atom.xml", s.path));
        let locales: Vec<String> = c
            .language_codes()
            .into_iter()
            .map(|code| locale(c, code))
            .collect();
        let documentary = serde_json::json!({
            "title": c.documentary.title,
            "url": (!c.documentary.url.is_empty()).then_some(&c.documentary.url),
            "year": c.documentary.year,
        });
        Value::from_serializable(&serde_json::json!({
            "title": c.title_in(lang),
            "description": c.description_in(lang),
            "base_url": c.base_url,
            "language": c.default_language,
            "languages": c.languages,
            "locales": locales,
            "feed": feed,
            "api_base": contract::api::BASE,
            "menu": menu,
            "letter": c.letter,
            "documentary": documentary,
            "extra": c.extra,
        }))
    }

    /// Renders every page; all template errors are collected.
    pub(crate) fn run(&self) -> Result<Pages, Vec<Diagnostic>> {
        let shared = &Shared {
            configs: self
                .config
                .language_codes()
                .into_iter()
                .map(|code| (code.to_owned(), self.config_value(code)))
                .collect(),
            data: Value::from_serializable(&self.content.data),
        };
        let views: BTreeMap<&str, PageView> = self
            .content
            .entries
            .par_iter()
            .map(|(rel, e)| (rel.as_str(), self.view(e)))
            .collect();
        // Listings share their entries: each is converted to a template value once.
        let items: BTreeMap<&str, Value> = views
            .par_iter()
            .map(|(rel, v)| (*rel, Value::from_serializable(&ListItem::from(v))))
            .collect();
        let mut jobs = Vec::new();
        let mut out = Pages::default();
        let mut problems = Vec::new();
        let mut tags: BTreeMap<(String, String), (String, Vec<&Entry>)> = BTreeMap::new();

        for e in self.content.entries.values() {
            let view = &views[e.rel.as_str()];
            if let Some(card) = &view.card {
                out.cards.insert(card.file.clone(), self.card_job(e));
            }
            // A fallback's canonical address is its original's.
            if !e.fallback {
                out.machine.sitemap.push(Self::sitemap_url(view));
            }
            for alias in &e.meta.aliases {
                let from = normalise_alias(alias);
                out.machine.redirects.push((from.clone(), e.path.clone()));
                let mut ctx = self.base_context(shared, &e.lang, &from);
                ctx.insert("target", &self.config.absolute(&e.path));
                jobs.push(Job {
                    page: None,
                    out: output_file(&from),
                    template: "alias.html".into(),
                    file: e.file.clone(),
                    context: ctx,
                });
            }
            match e.kind {
                Kind::Page => {
                    for t in &e.meta.tags {
                        tags.entry((e.lang.clone(), slugify(t)))
                            .or_insert_with(|| (t.clone(), Vec::new()))
                            .1
                            .push(e);
                    }
                    let ctx = self.base_context(shared, &e.lang, &e.path);
                    jobs.push(Job {
                        page: Some(view),
                        out: output_file(&e.path),
                        template: e
                            .meta
                            .template
                            .clone()
                            .unwrap_or_else(|| "page.html".into()),
                        file: e.file.clone(),
                        context: ctx,
                    });
                }
                Kind::Section => {
                    self.section_jobs(shared, e, view, (&views, &items), &mut jobs, &mut out)
                }
            }
        }
        self.taxonomy_jobs(shared, &tags, &items, &mut jobs, &mut out);
        let lang = self.config.default_language.clone();
        jobs.push(Job {
            page: None,
            out: "404.html".into(),
            template: "404.html".into(),
            file: self.theme_dir.join("templates/404.html"),
            context: self.base_context(shared, &lang, "/404.html"),
        });
        self.embed_jobs(shared, &lang, &mut jobs);

        for job in &jobs {
            if !self.tera.contains_template(&job.template) {
                problems.push(Diagnostic::file(
                    &job.file,
                    format!(
                        "the template `{}` does not exist in the theme",
                        job.template
                    ),
                    format!(
                        "create {} or set `template` to one of: {}",
                        templates::template_file(self.theme_dir, &job.template).display(),
                        self.tera
                            .get_template_names()
                            .filter(|n| !n.starts_with("components"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ));
            }
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        let results: Vec<Result<(String, Vec<u8>), Diagnostic>> = jobs
            .par_iter()
            .map(|job| {
                let page_context;
                let context = match job.page {
                    Some(view) => {
                        let mut c = job.context.clone();
                        c.insert("page", view);
                        page_context = c;
                        &page_context
                    }
                    None => &job.context,
                };
                self.tera
                    .render(&job.template, context)
                    .map(|html| (job.out.clone(), html.into_bytes()))
                    .map_err(|e| {
                        templates::diagnose(
                            self.theme_dir,
                            &e,
                            &format!(
                                "fix the template (it failed while rendering {})",
                                job.file.display()
                            ),
                        )
                    })
            })
            .collect();
        // One broken template fails every page using it: report each place once.
        let mut failed_pages: BTreeMap<(std::path::PathBuf, usize, usize, String), usize> =
            BTreeMap::new();
        for r in results {
            match r {
                Ok((path, bytes)) => {
                    out.files.insert(path, bytes);
                }
                Err(d) => {
                    let key = (d.file.clone(), d.line, d.column, d.message.clone());
                    let seen = failed_pages.entry(key).or_insert(0);
                    *seen += 1;
                    if *seen == 1 {
                        problems.push(d);
                    }
                }
            }
        }
        for d in &mut problems {
            let n = failed_pages
                .get(&(d.file.clone(), d.line, d.column, d.message.clone()))
                .copied()
                .unwrap_or(1);
            if n > 1 {
                d.help
                    .push_str(&format!(" (and {} other pages fail the same way)", n - 1));
            }
        }
        for code in self.config.language_codes() {
            // The shell belongs to no page of the menu: its path is the API's.
            let ctx = self.base_context(shared, code, &format!("{}/", contract::api::BASE));
            match self.tera.render("app.html", &ctx) {
                Ok(shell) => {
                    out.shells.insert(code.to_owned(), shell);
                }
                Err(e) => problems.push(templates::diagnose(
                    self.theme_dir,
                    &e,
                    "fix the template petition-fn renders its pages in",
                )),
            }
        }
        if problems.is_empty() {
            Ok(out)
        } else {
            Err(problems)
        }
    }

    /// The embed pages, one per petition; none goes into the sitemap (they are `noindex`).
    fn embed_jobs(&self, shared: &Shared, lang: &str, jobs: &mut Vec<Job>) {
        for p in &self.facts.petitions {
            let Some(counter) = self.embeds.get(&p.id) else {
                continue;
            };
            let path = embed::path(&p.id);
            let mut ctx = self.base_context(shared, lang, &path);
            ctx.insert(
                "petition",
                &contract::views::PetitionView::new(p, &self.facts.today),
            );
            ctx.insert("counter", counter);
            ctx.insert("petition_url", &self.config.absolute(&p.page));
            jobs.push(Job {
                page: None,
                out: output_file(&path),
                template: embed::TEMPLATE.into(),
                file: templates::template_file(self.theme_dir, embed::TEMPLATE),
                context: ctx,
            });
        }
    }

    fn section_jobs(
        &self,
        shared: &Shared,
        e: &Entry,
        view: &PageView,
        (views, items): (&BTreeMap<&str, PageView>, &BTreeMap<&str, Value>),
        jobs: &mut Vec<Job>,
        out: &mut Pages,
    ) {
        let pages: Vec<&Value> = self
            .content
            .sorted_pages(e)
            .into_iter()
            .filter_map(|p| items.get(p.rel.as_str()))
            .collect();
        let subsections: Vec<serde_json::Value> = self
            .content
            .children_of(&e.rel)
            .filter(|c| c.kind == Kind::Section)
            .map(|c| {
                serde_json::json!({
                    "title": c.title(),
                    "description": c.meta.description,
                    "permalink": c.path,
                })
            })
            .collect();
        let template = e.meta.template.clone().unwrap_or_else(|| {
            if e.rel == "_index.md"
                || e.parent.is_none() && e.path == self.lang_prefix(&e.lang) + "/"
            {
                "index.html".into()
            } else {
                "section.html".into()
            }
        });
        if e.meta.feed == Some(true) {
            let entries: Vec<feeds::FeedEntry> = self
                .content
                .sorted_pages(e)
                .into_iter()
                .filter_map(|p| views.get(p.rel.as_str()))
                .filter_map(|p| {
                    Some(feeds::FeedEntry {
                        title: p.title.clone(),
                        url: p.url.clone(),
                        date: p.date.clone()?,
                        updated: p.updated.clone(),
                        summary: p.summary.clone(),
                    })
                })
                .take(20)
                .collect();
            out.machine.feeds.push(Feed {
                path: format!("{}atom.xml", e.path),
                title: view.title.clone(),
                lang: e.lang.clone(),
                url: view.url.clone(),
                entries,
            });
        }
        let chunks: Vec<Value> = match e.meta.paginate_by {
            Some(n) if n > 0 && !pages.is_empty() => pages.chunks(n).map(list_value).collect(),
            _ => vec![list_value(&pages)],
        };
        let section_base = Value::from_serializable(view);
        let subsections = Value::from_serializable(&subsections);
        let paginate = e.meta.paginate_by.is_some_and(|n| n > 0);
        let pager_path = |i: usize| {
            if i == 0 {
                e.path.clone()
            } else {
                format!("{}page/{}/", e.path, i + 1)
            }
        };
        let total = chunks.len();
        for (i, chunk) in chunks.into_iter().enumerate() {
            let path = pager_path(i);
            let mut ctx = self.base_context(shared, &e.lang, &path);
            ctx.insert_value(
                "section",
                with_fields(
                    section_base.clone(),
                    [
                        ("pages", chunk.clone()),
                        ("subsections", subsections.clone()),
                    ],
                ),
            );
            if paginate {
                let pager = Value::from_serializable(&serde_json::json!({
                    "current_index": i + 1,
                    "number_pagers": total,
                    "previous": (i > 0).then(|| pager_path(i - 1)),
                    "next": (i + 1 < total).then(|| pager_path(i + 1)),
                    "first": pager_path(0),
                    "last": pager_path(total - 1),
                }));
                ctx.insert_value("paginator", with_fields(pager, [("pages", chunk)]));
            } else {
                ctx.insert_value("paginator", Value::none());
            }
            jobs.push(Job {
                page: None,
                out: output_file(&path),
                template: template.clone(),
                file: e.file.clone(),
                context: ctx,
            });
        }
    }

    fn taxonomy_jobs(
        &self,
        shared: &Shared,
        tags: &BTreeMap<(String, String), (String, Vec<&Entry>)>,
        items: &BTreeMap<&str, Value>,
        jobs: &mut Vec<Job>,
        out: &mut Pages,
    ) {
        let mut by_lang: BTreeMap<&str, Vec<serde_json::Value>> = BTreeMap::new();
        for ((lang, slug), (name, pages)) in tags {
            let tag = self.tag_ref(name, lang);
            let mut sorted = pages.clone();
            crate::content::sort_entries(&mut sorted, SortBy::Date);
            let views: Vec<&Value> = sorted
                .iter()
                .filter_map(|p| items.get(p.rel.as_str()))
                .collect();
            by_lang.entry(lang).or_default().push(serde_json::json!({
                "name": name, "slug": slug, "permalink": tag.permalink, "count": views.len(),
            }));
            let mut ctx = self.base_context(shared, lang, &tag.permalink);
            let term = Value::from_serializable(
                &serde_json::json!({"name": name, "slug": slug, "permalink": tag.permalink}),
            );
            ctx.insert_value("term", with_fields(term, [("pages", list_value(&views))]));
            ctx.insert_value("paginator", Value::none());
            out.machine.sitemap.push(feeds::SitemapUrl {
                url: self.config.absolute(&tag.permalink),
                lastmod: None,
                alternates: Vec::new(),
            });
            jobs.push(Job {
                page: None,
                out: output_file(&tag.permalink),
                template: "taxonomy_term.html".into(),
                file: self.theme_dir.join("templates/taxonomy_term.html"),
                context: ctx,
            });
        }
        for (lang, terms) in by_lang {
            let path = format!("{}/tags/", self.lang_prefix(lang));
            let mut ctx = self.base_context(shared, lang, &path);
            ctx.insert("terms", &terms);
            out.machine.sitemap.push(feeds::SitemapUrl {
                url: self.config.absolute(&path),
                lastmod: None,
                alternates: Vec::new(),
            });
            jobs.push(Job {
                page: None,
                out: output_file(&path),
                template: "taxonomy_list.html".into(),
                file: self.theme_dir.join("templates/taxonomy_list.html"),
                context: ctx,
            });
        }
    }
}

/// A template list of already converted values (cheap: values share their contents).
fn list_value(items: &[&Value]) -> Value {
    Value::from(items.iter().map(|v| (*v).clone()).collect::<Vec<Value>>())
}

/// A map value with more fields.
fn with_fields<const N: usize>(base: Value, fields: [(&'static str, Value); N]) -> Value {
    let mut map = base.into_map().unwrap_or_default();
    for (k, v) in fields {
        map.insert(tera::value::Key::from(k), v);
    }
    Value::from(map)
}

fn normalise_alias(alias: &str) -> String {
    let mut a = alias.trim().to_string();
    if !a.starts_with('/') {
        a.insert(0, '/');
    }
    let last = a.rsplit('/').next().unwrap_or_default();
    if !a.ends_with('/') && !last.contains('.') {
        a.push('/');
    }
    a
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_files_and_aliases() {
        assert_eq!(output_file("/"), "index.html");
        assert_eq!(output_file("/a/b/"), "a/b/index.html");
        assert_eq!(output_file("/old.html"), "old.html");
        assert_eq!(normalise_alias("old/path"), "/old/path/");
        assert_eq!(normalise_alias("/x.html"), "/x.html");
    }
}
