//! The campaign on top of the generic site: the petitions pages declare in their front matter,
//! the letter to senators, the country, state and senator data, the facts components
//! need, and the [`SiteBundle`] petition-fn reads (written at [`bundle::BUNDLE_PATH`]).

pub mod senators_import;
mod stale;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use contract::bundle::{
    self, AppPages, Bill, Country, LetterCampaign, Petition, PetitionText, Senator, SiteBundle,
    Translation, UsState,
};

use crate::config::SiteConfig;
use crate::content::{Content, Entry, PetitionMeta};
use crate::error::{BuildError, Diagnostic};
use crate::markdown::Rendered;
use crate::render::templates::{self, Theme};
use contract::counts::WorldMap;

/// The component that puts the letter form on a page: that page is the letter campaign's.
const LETTER_FORM: &str = "letter_form";

/// What the site knows that components need.
#[derive(Debug, Default, Clone)]
pub(crate) struct SiteFacts {
    /// Declared petitions.
    pub(crate) petitions: Vec<Petition>,
    /// What differs in each language but the default one, by code.
    pub(crate) languages: BTreeMap<String, LanguageFacts>,
    /// Countries a signer may choose.
    pub(crate) countries: Vec<Country>,
    /// The world map's country shapes.
    pub(crate) world_map: WorldMap,
    /// U.S. states, DC and territories.
    pub(crate) states: Vec<UsState>,
    /// Sitting senators.
    pub(crate) senators: Vec<Senator>,
    /// Date of the senator data.
    pub(crate) senators_as_of: String,
    /// The bill the letter supports.
    pub(crate) bill: Option<Bill>,
    /// The letter's default text.
    pub(crate) letter: Option<String>,
    /// The call script template (`_call.md`), checked.
    pub(crate) call_script: Option<String>,
    /// The documentary's address (empty while unset).
    pub(crate) documentary_url: String,
    /// The documentary's title from the settings.
    pub(crate) documentary_title: String,
    /// Today (`YYYY-MM-DD`, UTC), to tell whether a petition is open.
    pub(crate) today: String,
}

/// The campaign's facts in a language other than the default one.
#[derive(Debug, Default, Clone)]
pub(crate) struct LanguageFacts {
    /// The petitions' words and pages in this language, by id.
    pub(crate) petitions: BTreeMap<String, PetitionText>,
    /// The countries with their names in this language, sorted for it; empty when the data
    /// has none for it (the default language's names are used).
    pub(crate) countries: Vec<Country>,
}

impl SiteFacts {
    /// The petitions as a page in `lang` shows them: their words and pages in `lang` where
    /// they are translated.
    pub(crate) fn petitions_in(&self, lang: &str) -> Vec<Petition> {
        let texts = self.languages.get(lang).map(|l| &l.petitions);
        self.petitions
            .iter()
            .map(|p| match texts.and_then(|t| t.get(&p.id)) {
                Some(text) => p.localized(text),
                None => p.clone(),
            })
            .collect()
    }

    /// The countries, named and sorted for `lang`.
    pub(crate) fn countries_in(&self, lang: &str) -> &[Country] {
        match self.languages.get(lang) {
            Some(l) if !l.countries.is_empty() => &l.countries,
            _ => &self.countries,
        }
    }
}

/// Each non-default language's petitions and country names. A translation's `[petition]`
/// holds its words only (`id`, `title`, `addressee`); its pages are the translations of the
/// default language's thank-you and check-your-inbox pages, where they exist.
fn languages(
    config: &SiteConfig,
    content: &Content,
    petitions: &[Petition],
    problems: &mut Vec<Diagnostic>,
) -> BTreeMap<String, LanguageFacts> {
    let names = content.data.get("country_names");
    let mut out = BTreeMap::new();
    for lang in config.language_codes().into_iter().skip(1) {
        let mut facts = LanguageFacts::default();
        if let Some(list) = names
            .and_then(|n| n.get("languages"))
            .and_then(|l| l.get(lang))
        {
            match serde_json::from_value::<Vec<Country>>(list.clone()) {
                Ok(countries) => facts.countries = countries,
                Err(e) => problems.push(Diagnostic::file(
                    data_file("country_names.json"),
                    format!("the country names in `{lang}` are not in the expected shape: {e}"),
                    "make the file again with scripts/country-names (see content/data/README.md)",
                )),
            }
        }
        for e in content.entries.values().filter(|e| e.lang == lang) {
            let Some(meta) = &e.meta.petition else {
                continue;
            };
            if e.fallback {
                continue;
            }
            let Some(petition) = petitions.iter().find(|p| p.id == meta.id) else {
                problems.push(Diagnostic::file(
                    &e.file,
                    format!("no default-language page declares the petition `{}`", meta.id),
                    format!("use the id of the petition this page translates (the [petition] table of content/{})", e.base),
                ));
                continue;
            };
            let set = meta.settings_set();
            if !set.is_empty() {
                problems.push(Diagnostic::file(
                    &e.file,
                    format!(
                        "a translation's [petition] gives only its words, but this one sets {}",
                        set.join(", ")
                    ),
                    format!(
                        "keep id, title and addressee here; set the rest in content/{}",
                        e.base
                    ),
                ));
                continue;
            }
            let page_in = |path: &str| {
                content
                    .entries
                    .values()
                    .find(|o| o.path == path)
                    .and_then(|o| content.in_language(&o.base, lang))
                    .map_or_else(|| path.to_owned(), |t| t.path.clone())
            };
            facts.petitions.insert(
                meta.id.clone(),
                PetitionText {
                    title: meta.title.clone(),
                    addressee: meta.addressee.clone(),
                    page: e.path.clone(),
                    thank_you: page_in(&petition.thank_you),
                    check_inbox: petition.check_inbox.as_deref().map(page_in),
                },
            );
        }
        out.insert(lang.to_owned(), facts);
    }
    out
}

/// Gathers the campaign's facts from the settings and the content; every problem is reported.
pub(crate) fn facts(
    config: &SiteConfig,
    content: &Content,
    today: &str,
) -> Result<SiteFacts, BuildError> {
    let mut problems = Vec::new();
    let petitions = petitions(config, content, &mut problems);
    let languages = languages(config, content, &petitions, &mut problems);
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
    let world_map = world_map(content, &mut problems);
    let senators = senators(content, &mut problems);
    let letter = letter_text(config, content, &mut problems);
    let call_script = call_script(config, content, &mut problems);
    if !problems.is_empty() {
        return Err(BuildError::Content(problems));
    }
    Ok(SiteFacts {
        petitions,
        languages,
        countries,
        world_map,
        states,
        senators,
        senators_as_of: senators_as_of(content),
        bill: config.letter.clone(),
        letter,
        call_script,
        documentary_url: config.documentary.url.clone(),
        documentary_title: config.documentary.title.clone(),
        today: today.to_string(),
    })
}

/// The URL path of the first page (in content order) of `lang` calling the letter form.
pub(crate) fn letter_page(
    content: &Content,
    rendered: &BTreeMap<String, Rendered>,
    lang: &str,
) -> Option<String> {
    content
        .entries
        .values()
        .filter(|e| e.lang == lang)
        .find(|e| {
            rendered
                .get(&e.rel)
                .is_some_and(|r| r.components.contains(LETTER_FORM))
        })
        .map(|e| e.path.clone())
}

/// The bundle's parts in each language but the default one: the site's title, the shell, the
/// country names, the petitions' words and pages, the letter page.
pub(crate) fn translations(
    config: &SiteConfig,
    facts: &SiteFacts,
    content: &Content,
    rendered: &BTreeMap<String, Rendered>,
    shells: &BTreeMap<String, String>,
) -> BTreeMap<String, Translation> {
    facts
        .languages
        .iter()
        .map(|(lang, l)| {
            let t = Translation {
                home: config.home_of(lang),
                site_title: config.title_in(lang),
                shell: shells.get(lang).cloned().unwrap_or_default(),
                countries: l.countries.clone(),
                petitions: l.petitions.clone(),
                letter_page: letter_page(content, rendered, lang),
            };
            (lang.clone(), t)
        })
        .collect()
}

/// The bundle petition-fn runs on. `letter_page` is where the letter form is; `shell` is the
/// themed page the function renders its own pages in.
pub(crate) fn bundle(
    config: &SiteConfig,
    theme: &Theme,
    facts: &SiteFacts,
    letter_page: Option<String>,
    shell: String,
    translations: BTreeMap<String, Translation>,
) -> SiteBundle {
    SiteBundle {
        site_title: config.title.clone(),
        base_url: config.base_url.clone(),
        language: config.default_language.clone(),
        petitions: facts.petitions.clone(),
        // The campaign exists only with a page to sign it on, a bill and a letter.
        letter: match (letter_page, &facts.bill, &facts.letter) {
            (Some(page), Some(bill), Some(text)) => Some(LetterCampaign {
                page,
                bill: bill.clone(),
                default_letter: text.clone(),
                call_script: facts.call_script.clone(),
            }),
            _ => None,
        },
        countries: facts.countries.clone(),
        states: facts.states.clone(),
        senators: facts.senators.clone(),
        senators_as_of: facts.senators_as_of.clone(),
        limits: config.limits,
        translations,
        home: None,
        pages: AppPages {
            shell,
            components: theme
                .templates
                .get("components.html")
                .cloned()
                .unwrap_or_default(),
            strings: theme.strings.clone(),
        },
    }
}

/// The bundle as the file at [`bundle::BUNDLE_PATH`].
pub(crate) fn bundle_file(bundle: &SiteBundle) -> Result<Vec<u8>, BuildError> {
    serde_json::to_vec_pretty(bundle).map_err(|e| {
        BuildError::io(
            "cannot serialise",
            Path::new(bundle::BUNDLE_PATH),
            std::io::Error::other(e),
        )
    })
}

/// Campaign settings worth an editor's attention that do not stop the build.
pub(crate) fn warnings(config: &SiteConfig, facts: &SiteFacts) -> Vec<String> {
    let mut warnings = stale::warnings(
        facts.bill.as_ref(),
        &facts.senators,
        &facts.senators_as_of,
        &facts.today,
    );
    if config.documentary.url.is_empty() {
        warnings.push(
            "site.toml: [documentary] url is not set, so the documentary page has no link to the film; set it to the film's official address".to_string(),
        );
    }
    warnings
}

fn data_file(name: &str) -> PathBuf {
    PathBuf::from("content/data").join(name)
}

/// The petitions pages declare, in content order; each id once.
fn petitions(
    config: &SiteConfig,
    content: &Content,
    problems: &mut Vec<Diagnostic>,
) -> Vec<Petition> {
    let mut petitions: Vec<Petition> = Vec::new();
    for e in content.entries.values() {
        let Some(meta) = &e.meta.petition else {
            continue;
        };
        // Translations give the petition's words in their language (`petition_texts`).
        if e.lang != config.default_language {
            continue;
        }
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
    petitions
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
    let required = |key: &str, example: &str| {
        Diagnostic::file(
            &e.file,
            format!("the petition `{}` has no `{key}`", meta.id),
            format!("add it to its [petition] table, like {example}"),
        )
    };
    let Some(goal) = meta.goal else {
        return Err(required("goal", "goal = 100000"));
    };
    let Some(thank_you_rel) = &meta.thank_you else {
        return Err(required(
            "thank_you",
            "thank_you = \"@/petition/thank-you.md\"",
        ));
    };
    let Some(opens) = &meta.opens else {
        return Err(required("opens", "opens = 2026-11-28"));
    };
    let confirm = meta.confirm.unwrap_or(true);
    let thank_you = page_of(content, thank_you_rel).ok_or_else(|| {
        Diagnostic::file(
            &e.file,
            format!("the petition's thank_you page `{thank_you_rel}` does not exist"),
            "write the @/ path of a page in content/, like thank_you = \"@/petition/thank-you.md\"",
        )
    })?;
    let check_inbox = match (&meta.check_inbox, confirm) {
        (Some(rel), _) => Some(page_of(content, rel).ok_or_else(|| {
            Diagnostic::file(
                &e.file,
                format!("the petition's check_inbox page `{rel}` does not exist"),
                "write the @/ path of a page in content/, like check_inbox = \"@/petition/check-your-inbox.md\"",
            )
        })?),
        (None, true) => {
            return Err(Diagnostic::file(
                &e.file,
                "the petition confirms signatures by mail but names no check_inbox page",
                "add check_inbox = \"@/petition/check-your-inbox.md\" (the page saying a mail is on its way), or set confirm = false (see content/README.md for what that costs)",
            ));
        }
        (None, false) => None,
    };
    let opens = opens.date.map(|d| d.to_string()).unwrap_or_default();
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
        goal,
        opens,
        closes,
        page: e.path.clone(),
        thank_you,
        confirm,
        check_inbox,
        milestones: meta.milestones.0.clone(),
    })
}

/// The URL path of the page at `@/` path `rel`.
fn page_of(content: &Content, rel: &str) -> Option<String> {
    content
        .resolve(rel)
        .filter(|_| rel.starts_with("@/"))
        .map(|e| e.path.clone())
}

/// The `[[key]]` entries of the data file `stem`; none when the file is absent.
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

/// The shapes of `content/data/world_map.json`; none when the file is absent.
fn world_map(content: &Content, problems: &mut Vec<Diagnostic>) -> WorldMap {
    let Some(v) = content.data.get("world_map") else {
        return WorldMap::default();
    };
    serde_json::from_value(v.clone()).unwrap_or_else(|e| {
        problems.push(Diagnostic::file(
            data_file("world_map.json"),
            format!("the world map is not in the expected shape: {e}"),
            "make it again with scripts/world-map (see content/data/README.md)",
        ));
        WorldMap::default()
    })
}

/// The senators of `content/data/senators.json`; none when the file is absent.
fn senators(content: &Content, problems: &mut Vec<Diagnostic>) -> Vec<Senator> {
    let Some(v) = content.data.get("senators") else {
        return Vec::new();
    };
    serde_json::from_value(v.clone()).unwrap_or_else(|e| {
        problems.push(Diagnostic::file(
            data_file("senators.json"),
            format!("the senator data is not in the expected shape: {e}"),
            "refresh it with `site-gen senators import`, or see content/data/README.md",
        ));
        Vec::new()
    })
}

/// The `as_of` date of `content/data/senators_meta.toml`; empty when unknown.
fn senators_as_of(content: &Content) -> String {
    content
        .data
        .get("senators_meta")
        .and_then(|v| v.get("as_of"))
        .and_then(|v| v.as_str())
        .map(str::to_string)
        .unwrap_or_default()
}

/// The campaign partial `name` (under `content/`), rendered by `render` when the settings
/// name a bill; a failure is a problem on the partial's file, with `hint`.
fn campaign_partial(
    config: &SiteConfig,
    content: &Content,
    name: &str,
    hint: &str,
    render: impl FnOnce(&str, &contract::bundle::Bill) -> Result<String, tera::Error>,
    problems: &mut Vec<Diagnostic>,
) -> Option<String> {
    let bill = config.letter.as_ref()?;
    let (rel, text) = content
        .partials
        .iter()
        .find(|(rel, _)| rel.ends_with(name))?;
    match render(text, bill) {
        Ok(t) => Some(t.trim().to_string()),
        Err(e) => {
            let mut d = templates::diagnose(Path::new("content"), &e, hint);
            d.file = PathBuf::from("content").join(rel);
            problems.push(d);
            None
        }
    }
}

/// The call script: the `_call.md` partial as a template, checked by rendering it with sample
/// values as the function will for each senator.
fn call_script(
    config: &SiteConfig,
    content: &Content,
    problems: &mut Vec<Diagnostic>,
) -> Option<String> {
    let hint = format!("the call script may use {}", contract::call::PLACEHOLDERS);
    campaign_partial(
        config,
        content,
        "_call.md",
        &hint,
        |text, bill| {
            let sample = contract::call::CallFacts {
                name: "Ada Lovelace",
                city: "Springfield",
                state: "Illinois",
                senator: "Ann Able",
                senator_last: "Able",
                bill,
            };
            contract::call::render(text, &sample).map(|_| text.to_owned())
        },
        problems,
    )
}

/// The letter's default text: the `_letter.md` partial with the bill filled in, when the
/// settings name a bill. The letter goes to U.S. senators: in English, whatever the page's
/// language.
fn letter_text(
    config: &SiteConfig,
    content: &Content,
    problems: &mut Vec<Diagnostic>,
) -> Option<String> {
    campaign_partial(
        config,
        content,
        "_letter.md",
        "the letter may use {{ bill.number }}, {{ bill.congress }} (or {{ ordinal(n=bill.congress) }}: 121st) and {{ bill.title }}",
        |text, bill| {
            let mut ctx = tera::Context::new();
            ctx.insert("bill", bill);
            let mut tera = tera::Tera::new();
            tera.register_function(
                "ordinal",
                |kwargs: tera::Kwargs, _: &tera::State| -> tera::TeraResult<String> {
                    Ok(contract::strings::english_ordinal(kwargs.must_get("n")?))
                },
            );
            tera.add_raw_template("_letter.md", text)?;
            tera.render("_letter.md", &ctx)
        },
        problems,
    )
}
