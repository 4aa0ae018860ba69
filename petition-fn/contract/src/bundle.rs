//! The site bundle: everything `petition-fn` needs to know about the site, written by
//! `site-gen build` and read by the function.
//!
//! Content front matter is the single source of truth for petitions and the letter campaign;
//! the generator resolves it (paths, data files, the themed page shell) into this one JSON
//! file, which is bundled with the Lambda and read from the output folder locally.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

/// Where the bundle sits, relative to the site's output folder. The deploy step keeps it out
/// of the public bucket.
pub const BUNDLE_PATH: &str = "_app/bundle.json";

/// Marker in [`AppPages::shell`] replaced by the page's `<title>` text.
pub const SHELL_TITLE_MARKER: &str = "<!--app:title-->";
/// Marker in [`AppPages::shell`] replaced by the page's main content.
pub const SHELL_CONTENT_MARKER: &str = "<!--app:content-->";

/// The whole bundle.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SiteBundle {
    /// Site title, used in page titles rendered by the function.
    pub site_title: String,
    /// The site's base URL, without a trailing slash (`https://example.org`).
    pub base_url: String,
    /// The default language code (`en`).
    pub language: String,
    /// The petitions declared in content front matter.
    pub petitions: Vec<Petition>,
    /// The senator-letter campaign, when a page declares one.
    pub letter: Option<LetterCampaign>,
    /// ISO 3166-1 alpha-2 countries a signer may choose from.
    pub countries: Vec<Country>,
    /// U.S. states, DC and territories, for the letter form.
    pub states: Vec<UsState>,
    /// The sitting senators.
    pub senators: Vec<Senator>,
    /// The date the senator data was taken from its source (`YYYY-MM-DD`).
    pub senators_as_of: String,
    /// The themed page shell and components the function renders its pages with.
    pub pages: AppPages,
    /// How much one client address may submit (`site.toml [limits]`).
    #[serde(default)]
    pub limits: Limits,
    /// The site in its other languages, by code: what differs from the default language.
    #[serde(default)]
    pub translations: BTreeMap<String, Translation>,
    /// URL path of the home page in the bundle's language when it is not `/` (`/fr/` in a
    /// [`Self::localized`] bundle): see [`Self::home`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub home: Option<String>,
}

/// The site in a language other than the default one: the parts of the bundle that are
/// written per language. [`SiteBundle::localized`] lays it over the default language's.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Translation {
    /// URL path of the home page in this language (`/fr/`).
    pub home: String,
    /// The site's title in this language.
    pub site_title: String,
    /// The page shell in this language (`<html lang dir>`, menu, footer).
    pub shell: String,
    /// The countries with their names in this language, sorted for it.
    pub countries: Vec<Country>,
    /// The petitions' texts and pages in this language, by petition id; a petition missing
    /// here is shown with the default language's text and pages.
    #[serde(default)]
    pub petitions: BTreeMap<String, PetitionText>,
    /// URL path of the letter page in this language, when it has one.
    #[serde(default)]
    pub letter_page: Option<String>,
}

/// A petition's words and pages in one language.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PetitionText {
    /// Its title.
    pub title: String,
    /// To whom it is addressed.
    pub addressee: String,
    /// URL path of its page in this language.
    pub page: String,
    /// URL path of the thank-you page in this language.
    pub thank_you: String,
    /// URL path of the "check your inbox" page in this language.
    #[serde(default)]
    pub check_inbox: Option<String>,
}

/// How many submissions one client address (a household, an office behind one address) may
/// make per hour before each further one needs a proof of work: `site.toml [limits]`.
///
/// The defaults let a family or an office sign together without noticing; a flood pays in
/// work that rises the further it goes over.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    /// Signatures of one petition per client address per hour.
    pub signatures_per_hour: u32,
    /// Letters to senators per client address per hour.
    pub letters_per_hour: u32,
    /// Reported outcomes (a letter sent, a call made) per client address per hour.
    pub actions_per_hour: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            signatures_per_hour: 30,
            letters_per_hour: 10,
            actions_per_hour: 60,
        }
    }
}

impl Limits {
    /// The settings that are zero (a zero limit would turn everyone away), by name.
    pub fn zeros(&self) -> Vec<&'static str> {
        [
            ("signatures_per_hour", self.signatures_per_hour),
            ("letters_per_hour", self.letters_per_hour),
            ("actions_per_hour", self.actions_per_hour),
        ]
        .into_iter()
        .filter(|(_, v)| *v == 0)
        .map(|(name, _)| name)
        .collect()
    }
}

/// One petition, as declared in a page's `[petition]` front matter table.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Petition {
    /// Stable identifier used in API paths (`[a-z0-9-]`, 1 to 64 characters).
    pub id: String,
    /// The petition's title.
    pub title: String,
    /// To whom it is addressed.
    pub addressee: String,
    /// The number of signatures it aims for.
    pub goal: u64,
    /// First day it accepts signatures (`YYYY-MM-DD`, inclusive).
    pub opens: String,
    /// Last day it accepts signatures (`YYYY-MM-DD`, inclusive); open-ended when absent.
    pub closes: Option<String>,
    /// URL path of the page carrying the form (`/petition/`).
    pub page: String,
    /// URL path of the thank-you page a plain form post is redirected to (once confirmed,
    /// on a confirming petition).
    pub thank_you: String,
    /// Whether a signature counts only once its mailbox confirms it (double opt-in).
    #[serde(default = "confirm_by_default")]
    pub confirm: bool,
    /// URL path of the "check your inbox" page a confirming petition's form post leads to.
    #[serde(default)]
    pub check_inbox: Option<String>,
    /// Counts to celebrate on the way to the goal, ascending, each below it; the counter shows
    /// the next one.
    #[serde(default)]
    pub milestones: Vec<u64>,
}

fn confirm_by_default() -> bool {
    true
}

impl Petition {
    /// The petition with its words and pages in another language.
    pub fn localized(&self, text: &PetitionText) -> Self {
        let mut p = self.clone();
        p.title.clone_from(&text.title);
        p.addressee.clone_from(&text.addressee);
        p.page.clone_from(&text.page);
        p.thank_you.clone_from(&text.thank_you);
        if text.check_inbox.is_some() {
            p.check_inbox.clone_from(&text.check_inbox);
        }
        p
    }

    /// Whether the petition accepts signatures on `today` (`YYYY-MM-DD`).
    pub fn is_open_on(&self, today: &str) -> bool {
        // ISO dates compare correctly as strings.
        self.opens.as_str() <= today && self.closes.as_deref().is_none_or(|c| today <= c)
    }
}

/// The letter campaign: which resolution the letter supports and where its pages are.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct LetterCampaign {
    /// URL path of the page carrying the letter form.
    pub page: String,
    /// The bill the letter supports.
    pub bill: Bill,
    /// The letter's default text (plain text, already filled in with the bill).
    pub default_letter: String,
    /// The call script, a template rendered per senator ([`crate::call`]), when the site
    /// has a `_call.md` partial.
    #[serde(default)]
    pub call_script: Option<String>,
}

/// A bill or resolution in Congress.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Bill {
    /// Its number as Congress writes it (`S.Res.220`).
    pub number: String,
    /// The Congress it was introduced in (`115`).
    pub congress: u32,
    /// Its short title.
    pub title: String,
    /// Optional link to its page on congress.gov.
    #[serde(default)]
    pub url: Option<String>,
    /// Optional note for visitors (for example that it expired with its Congress).
    #[serde(default)]
    pub note: Option<String>,
    /// Whether the letters are kept in full (the writer's name, address, email and own text,
    /// encrypted), for a campaign that delivers them itself. Off by default: a letter then
    /// leaves only counts (`site.toml [letter] keep = true` turns it on).
    #[serde(default)]
    pub keep: bool,
}

/// A country a signer may choose.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Country {
    /// ISO 3166-1 alpha-2 code, upper case.
    pub code: String,
    /// English short name.
    pub name: String,
}

/// A U.S. state, district or territory.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct UsState {
    /// USPS code (`CA`).
    pub code: String,
    /// Its name.
    pub name: String,
    /// Whether it elects senators (false for DC and the territories).
    pub senators: bool,
    /// The first three digits of the ZIP codes it uses, as inclusive ranges (`["900", "961"]`).
    pub zip3: Vec<[String; 2]>,
}

impl UsState {
    /// Whether a 5-digit ZIP code belongs to this state by its first three digits.
    pub fn has_zip(&self, zip5: &str) -> bool {
        let Some(prefix) = zip5.get(..3) else {
            return false;
        };
        self.zip3
            .iter()
            .any(|[lo, hi]| lo.as_str() <= prefix && prefix <= hi.as_str())
    }
}

/// A sitting senator, as in `content/data/senators.json`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Senator {
    /// USPS state code.
    pub state: String,
    /// Full name.
    pub name: String,
    /// Party.
    pub party: String,
    /// Senate class (1, 2 or 3).
    pub senate_class: u8,
    /// `senior` or `junior`.
    pub rank: String,
    /// End of the current term (`YYYY-MM-DD`).
    pub term_end: String,
    /// Office phone.
    pub phone: String,
    /// Office address.
    pub address: String,
    /// Official website.
    pub url: String,
    /// Official web contact form, where the data has one.
    #[serde(default)]
    pub contact_form: Option<String>,
    /// Biographical directory id (stable).
    pub bioguide: String,
    /// The senator's offices in the state, in the data's order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub offices: Vec<Office>,
}

/// A senator's office in the state (from congress-legislators' district offices).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Office {
    /// The city or town.
    pub city: String,
    /// Street, suite and building, as one line.
    pub address: String,
    /// The ZIP code.
    pub zip: String,
    /// The office's phone, when listed.
    #[serde(default)]
    pub phone: String,
}

impl Senator {
    /// The senator's offices, nearest first for a writer in `city` with `zip`: those in the
    /// writer's city, then those sharing the ZIP code's first three digits (one postal
    /// sectional centre: the same area), then the others, each group in the data's order. A
    /// city match and a ZIP prefix, not a distance: the site ships no map of ZIP codes.
    pub fn offices_near(&self, city: &str, zip: &str) -> Vec<&Office> {
        let city = city.trim().to_lowercase();
        let zip3: String = zip.trim().chars().take(3).collect();
        let rank = |o: &Office| {
            if o.city.trim().to_lowercase() == city {
                0
            } else if zip3.len() == 3 && o.zip.starts_with(&zip3) {
                1
            } else {
                2
            }
        };
        let mut offices: Vec<&Office> = self.offices.iter().collect();
        offices.sort_by_key(|o| rank(o));
        offices
    }

    /// The name a letter greets: the last word of the name that is not a suffix
    /// (`Jr.`, `Sr.`, `II`, `III`, `IV`).
    pub fn last_name(&self) -> &str {
        self.name
            .split_whitespace()
            .rev()
            .map(|w| w.trim_end_matches(','))
            .find(|w| !matches!(*w, "Jr." | "Jr" | "Sr." | "Sr" | "II" | "III" | "IV"))
            .unwrap_or(&self.name)
    }
}

/// The theme's pieces the function renders its own pages with, so that they look like the site.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct AppPages {
    /// A whole HTML page of the site with [`SHELL_TITLE_MARKER`] and [`SHELL_CONTENT_MARKER`].
    pub shell: String,
    /// The Tera source of the theme's `components.html` (the forms and answer pages).
    pub components: String,
    /// The theme's interface strings, by language code and then key, for the components'
    /// `t(key=…)` and the function's own wording (messages, mails, page titles).
    #[serde(default)]
    pub strings: BTreeMap<String, BTreeMap<String, String>>,
}

/// Why a bundle could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    /// The file could not be read.
    #[error(
        "cannot read the site bundle {path}: {source}. Run `site-gen build` first, or point --site at the build output"
    )]
    Read {
        /// The path tried.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The file is not a bundle this version understands.
    #[error(
        "the site bundle {path} is not valid: {source}. Rebuild it with the same version of site-gen"
    )]
    Parse {
        /// The path tried.
        path: String,
        /// The cause.
        source: serde_json::Error,
    },
}

impl SiteBundle {
    /// Reads the bundle from a site output folder.
    pub fn load_from_site(site_dir: &Path) -> Result<Self, BundleError> {
        let path = site_dir.join(BUNDLE_PATH);
        let shown = path.display().to_string();
        let bytes = std::fs::read(&path).map_err(|source| BundleError::Read {
            path: shown.clone(),
            source,
        })?;
        Self::from_json(&bytes).map_err(|source| BundleError::Parse {
            path: shown,
            source,
        })
    }

    /// Parses a bundle from JSON bytes.
    pub fn from_json(bytes: &[u8]) -> Result<Self, serde_json::Error> {
        serde_json::from_slice(bytes)
    }

    /// The language to answer in: `requested` when the site has it, else the default one
    /// (an unknown or missing `lang` is no error: the visitor gets the site's own language).
    pub fn language_for<'a>(&'a self, requested: Option<&str>) -> &'a str {
        requested
            .and_then(|r| self.translations.get_key_value(r).map(|(k, _)| k.as_str()))
            .unwrap_or(&self.language)
    }

    /// The bundle as a visitor reading `lang` sees it: its title, shell, countries, petitions'
    /// texts and pages in that language; `language` is `lang`. The default language (or a
    /// language the site lacks) gives the bundle as it is.
    pub fn localized(&self, lang: &str) -> Self {
        let mut out = self.clone();
        let Some(t) = self.translations.get(lang) else {
            return out;
        };
        // A key the language lacks reads in the default language: `text` looks in one map.
        let mut strings = self
            .pages
            .strings
            .get(&self.language)
            .cloned()
            .unwrap_or_default();
        strings.extend(self.pages.strings.get(lang).cloned().unwrap_or_default());
        out.pages.strings.insert(lang.to_owned(), strings);
        out.language = lang.to_owned();
        out.home = Some(t.home.clone());
        out.site_title.clone_from(&t.site_title);
        out.pages.shell.clone_from(&t.shell);
        if !t.countries.is_empty() {
            out.countries.clone_from(&t.countries);
        }
        for p in &mut out.petitions {
            if let Some(text) = t.petitions.get(&p.id) {
                *p = p.localized(text);
            }
        }
        if let (Some(letter), Some(page)) = (&mut out.letter, &t.letter_page) {
            letter.page.clone_from(page);
        }
        out
    }

    /// URL path of the home page in the bundle's language: where "home page" links go.
    pub fn home(&self) -> &str {
        self.home.as_deref().unwrap_or("/")
    }

    /// The petition with this id.
    pub fn petition(&self, id: &str) -> Option<&Petition> {
        self.petitions.iter().find(|p| p.id == id)
    }

    /// The ids of the site's petitions.
    pub fn petition_ids(&self) -> Vec<String> {
        self.petitions.iter().map(|p| p.id.clone()).collect()
    }

    /// The lists updates are mailed to: the site's petitions, and the campaign's updates list
    /// when the site has a letter campaign.
    pub fn mail_lists(&self) -> Vec<String> {
        let mut lists = self.petition_ids();
        if self.letter.is_some() {
            lists.push(crate::api::UPDATES_LIST.to_owned());
        }
        lists
    }

    /// The state with this USPS code.
    pub fn state(&self, code: &str) -> Option<&UsState> {
        self.states.iter().find(|s| s.code == code)
    }

    /// The senators of a state, senior first.
    pub fn senators_of(&self, state: &str) -> Vec<&Senator> {
        let mut found: Vec<&Senator> = self.senators.iter().filter(|s| s.state == state).collect();
        found.sort_by_key(|s| s.rank != "senior");
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn petition(opens: &str, closes: Option<&str>) -> Petition {
        Petition {
            id: "p".into(),
            title: "t".into(),
            addressee: "a".into(),
            goal: 1,
            opens: opens.into(),
            closes: closes.map(Into::into),
            page: "/p/".into(),
            thank_you: "/p/thanks/".into(),
            confirm: true,
            check_inbox: None,
            milestones: Vec::new(),
        }
    }

    #[test]
    fn open_window_is_inclusive() {
        let p = petition("2026-01-01", Some("2026-12-31"));
        assert!(!p.is_open_on("2025-12-31"));
        assert!(p.is_open_on("2026-01-01"));
        assert!(p.is_open_on("2026-12-31"));
        assert!(!p.is_open_on("2027-01-01"));
        assert!(petition("2026-01-01", None).is_open_on("2099-01-01"));
    }

    #[test]
    fn zip_prefix_ranges() {
        let ca = UsState {
            code: "CA".into(),
            name: "California".into(),
            senators: true,
            zip3: vec![["900".into(), "961".into()]],
        };
        assert!(ca.has_zip("94103"));
        assert!(!ca.has_zip("10001"));
        assert!(!ca.has_zip("9"));
    }
}
