//! Editors' components: the arguments editors give, completed with what the site knows
//! (petitions, countries, states, senators, the letter), rendered with the theme's components.

use std::collections::BTreeMap;
use std::sync::Arc;

use contract::bundle::Petition;
use contract::counts::CountsFile;
use contract::views::{self, LetterFacts};
use serde_json::{Value as Json, json};
use tera::{Context, Tera};

use crate::campaign::SiteFacts;
use crate::markdown::{self, Call};
use crate::render::share;

/// A petition's signatures, in all and per country code.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Counted {
    /// All confirmed signatures.
    pub total: u64,
    /// Per ISO 3166-1 alpha-2 code.
    pub by_country: BTreeMap<String, u64>,
}

/// Counts known at build time (a counts file, the preview's store); none in a plain build.
pub trait CountSource: Send + Sync {
    /// The signatures of a petition, when known.
    fn counts(&self, petition: &str) -> Option<Counted>;
    /// The date the counts were read (`YYYY-MM-DD`), shown beside them; `None` for live counts.
    fn as_of(&self) -> Option<&str> {
        None
    }
    /// The petitions it holds counts for, when it has a list (a store answers for any id).
    fn petitions(&self) -> Vec<String> {
        Vec::new()
    }
    /// A petition's count history as the table's rows, when known (a counts file has none).
    fn history(&self, _petition: &str) -> Option<Vec<views::HistoryDay>> {
        None
    }
}

/// Counts read at deploy time: `site-gen build --counts FILE`.
impl CountSource for CountsFile {
    fn counts(&self, petition: &str) -> Option<Counted> {
        self.petitions.get(petition).map(|p| Counted {
            total: p.count,
            by_country: p.by_country.clone(),
        })
    }

    fn as_of(&self) -> Option<&str> {
        Some(self.date())
    }

    fn petitions(&self) -> Vec<String> {
        self.petitions.keys().cloned().collect()
    }
}

/// Renders components inside Markdown bodies.
pub(crate) struct Components<'a> {
    /// The compiled theme.
    pub(crate) tera: &'a Tera,
    /// Site facts.
    pub(crate) facts: &'a SiteFacts,
    /// Counts for counters, when known.
    pub(crate) counts: Option<Arc<dyn CountSource>>,
    /// Content `rel` → URL path.
    pub(crate) urls: &'a BTreeMap<String, String>,
    /// The page whose body is rendered.
    pub(crate) page: PageRef<'a>,
}

/// The page a component sits on, for components about the page itself (`share`).
#[derive(Clone, Copy)]
pub(crate) struct PageRef<'a> {
    /// Its absolute URL.
    pub(crate) url: &'a str,
    /// Its title.
    pub(crate) title: &'a str,
    /// The site's address, for the absolute URLs of other pages.
    pub(crate) base_url: &'a str,
    /// Its language code: the components' words (`t`) and the forms' `lang` field.
    pub(crate) lang: &'a str,
    /// The URL path of its language's home (`/`, `/fr/`), which the forms' links start from.
    pub(crate) home: &'a str,
}

impl markdown::Context for Components<'_> {
    fn link(&self, rel: &str) -> Option<String> {
        crate::render::templates::url_in(self.urls, rel, self.page.lang)
    }

    fn component(&self, call: &Call, body: Option<&str>) -> Result<String, (String, String)> {
        let Some(info) = self.tera.get_component_definition(&call.name) else {
            let mut names: Vec<&str> = self.tera.get_component_names().collect();
            names.sort_unstable();
            return Err((
                format!("there is no component called `{}`", call.name),
                format!("use one of: {} (see content/README.md)", names.join(", ")),
            ));
        };
        let mut args: BTreeMap<String, Json> = call.args.clone();
        let site_args = self.complete(call, &mut args)?;
        let accepted: Vec<&str> = info.args().iter().map(|a| a.name()).collect();
        for key in call.args.keys() {
            if !accepted.contains(&key.as_str()) || (site_args.contains(key) && key != "petition") {
                let editable: Vec<&str> = accepted
                    .iter()
                    .copied()
                    .filter(|a| !site_args.iter().any(|s| s == a))
                    .collect();
                return Err((
                    format!("`{}` does not take an argument `{key}`", call.name),
                    if editable.is_empty() {
                        format!("write it without arguments: {{{{ {}() }}}}", call.name)
                    } else {
                        format!("its arguments are: {}", editable.join(", "))
                    },
                ));
            }
        }
        for arg in info.args() {
            if arg.is_required()
                && !args.contains_key(arg.name())
                && !(arg.name() == "body" && body.is_some())
            {
                return Err((
                    format!("`{}` needs the argument `{}`", call.name, arg.name()),
                    format!(
                        "write it like {{{{ {}({}=\"…\") }}}}",
                        call.name,
                        arg.name()
                    ),
                ));
            }
        }
        let mut ctx = Context::new();
        for (k, v) in &args {
            ctx.insert(k.clone(), v);
        }
        let mut implicits = Context::new();
        implicits.insert("lang", self.page.lang);
        implicits.insert("home", self.page.home);
        self.tera
            .render_component_with_implicits(&call.name, &ctx, &implicits, body, true)
            .map_err(|e| {
                let d = crate::render::templates::diagnose(std::path::Path::new("themes"), &e, "");
                (
                    format!(
                        "the component `{}` failed to render: {}",
                        call.name, d.message
                    ),
                    format!(
                        "check its arguments, or its definition in {}",
                        d.file.display()
                    ),
                )
            })
    }
}

impl Components<'_> {
    /// Fills in the site's arguments; returns their names.
    fn complete(
        &self,
        call: &Call,
        args: &mut BTreeMap<String, Json>,
    ) -> Result<Vec<String>, (String, String)> {
        let f = self.facts;
        let site_args = match call.name.as_str() {
            "petition_form" => views::petition_form(
                &self.petition_arg(call)?,
                &f.today,
                f.countries_in(self.page.lang),
            ),
            "signature_counter" => {
                let petition = self.petition_arg(call)?;
                // Unknown in a plain build (no counts): the page's script shows the live count.
                let counted = self.counted(&petition.id);
                views::signature_counter(
                    &petition,
                    &f.today,
                    counted.as_ref().map(|c| c.total),
                    self.as_of(),
                )
            }
            "signatures_by_country" => {
                let petition = self.petition_arg(call)?;
                if f.world_map.country.is_empty() {
                    return Err((
                        "the map of signatures by country needs content/data/world_map.json".into(),
                        "make it with scripts/world-map (see content/data/README.md)".into(),
                    ));
                }
                let counted = self.counted(&petition.id);
                views::signatures_by_country(
                    &petition,
                    counted.as_ref().map(|c| &c.by_country),
                    self.as_of(),
                    f.countries_in(self.page.lang),
                    &f.world_map,
                )
            }
            "count_history" => {
                let petition = self.petition_arg(call)?;
                // Unknown in a plain build (no store): the page's script fills the table.
                let days = self.counts.as_ref().and_then(|c| c.history(&petition.id));
                views::count_history(&petition, &f.today, days)
            }
            "letter_form" => {
                let (Some(bill), Some(letter)) = (&f.bill, &f.letter) else {
                    return Err((
                        "the letter form needs the bill and the letter's text".into(),
                        "set [letter] (number, congress, title) in site.toml and write the letter in a `_letter.md` partial".into(),
                    ));
                };
                views::letter_form(LetterFacts {
                    bill,
                    letter,
                    states: &f.states,
                    senators: &f.senators,
                    as_of: &f.senators_as_of,
                })
            }
            "when_letters" => {
                let mut site = views::Args::new();
                site.insert(
                    "keep".into(),
                    json!(f.bill.as_ref().is_some_and(|b| b.keep)),
                );
                site
            }
            "documentary" => {
                let url = (!f.documentary_url.is_empty()).then(|| f.documentary_url.clone());
                if !args.contains_key("title") {
                    args.insert("title".into(), json!(f.documentary_title));
                }
                let mut site = views::Args::new();
                site.insert("url".into(), json!(url));
                site
            }
            "share" => {
                // The message is the editor's `text`, else the page's title.
                let text = call
                    .args
                    .get("text")
                    .and_then(Json::as_str)
                    .unwrap_or(self.page.title)
                    .to_string();
                let url = match call.args.get("page").and_then(Json::as_str) {
                    Some(page) => self.absolute_link(page)?,
                    None => self.page.url.to_string(),
                };
                let url = url.as_str();
                let mut site = views::Args::new();
                site.insert("url".into(), json!(url));
                site.insert("links".into(), json!(share::links(url, &text)));
                site.insert("mastodon".into(), json!(share::mastodon_path(url, &text)));
                args.insert("text".into(), json!(text));
                site
            }
            _ => views::Args::new(),
        };
        let names = site_args.keys().cloned().collect();
        args.extend(site_args);
        Ok(names)
    }

    fn counted(&self, petition: &str) -> Option<Counted> {
        self.counts.as_ref().and_then(|c| c.counts(petition))
    }

    fn as_of(&self) -> Option<&str> {
        self.counts.as_ref().and_then(|c| c.as_of())
    }

    /// The absolute URL of a page named by a content link (`@/petition/_index.md`), for
    /// `share(page=…)`.
    fn absolute_link(&self, link: &str) -> Result<String, (String, String)> {
        use markdown::Context as _;
        let path = link
            .strip_prefix("@/")
            .and_then(|rel| self.link(rel))
            .ok_or_else(|| {
                (
                    format!("`page=\"{link}\"` is not a page of the site"),
                    "write it as a content link, like page=\"@/petition/_index.md\"".to_string(),
                )
            })?;
        Ok(format!("{}{path}", self.page.base_url))
    }

    /// The petition a call names, with its words and pages in the page's language.
    fn petition_arg(&self, call: &Call) -> Result<Petition, (String, String)> {
        let Some(id) = call.args.get("petition").and_then(Json::as_str) else {
            return Err((
                format!("`{}` needs the petition's id", call.name),
                format!(
                    "write it like {{{{ {}(petition=\"un-high-commissioner\") }}}}",
                    call.name
                ),
            ));
        };
        self.facts
            .petitions_in(self.page.lang)
            .into_iter()
            .find(|p| p.id == id)
            .ok_or_else(|| {
                let known: Vec<&str> = self.facts.petitions.iter().map(|p| p.id.as_str()).collect();
                (
                    format!("no page declares a petition with id `{id}`"),
                    if known.is_empty() {
                        "declare it with a [petition] table in a page's front matter".to_string()
                    } else {
                        format!("the declared petitions are: {}", known.join(", "))
                    },
                )
            })
    }
}
