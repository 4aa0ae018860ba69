//! `site-gen senators import`: refreshes `content/data/senators.json` and the date in
//! `content/data/senators_meta.toml` from the unitedstates/congress-legislators dataset
//! (`legislators-current.yaml` or `legislators-current.json`).
//!
//! Each member whose latest term is a Senate term (`type: sen`) becomes one senator, from that
//! term: state, party, class, rank, end, phone, address, url and contact form, with the name
//! (`official_full`, else first and last) and the bioguide id. The result must hold exactly two
//! senators for each of the 50 states of `content/data/states.toml`; otherwise nothing is
//! written and every problem is listed. Both files are written to temporary files first and
//! renamed into place, so a bad input or a failed write never loses the stored data.
//!
//! With `--offices`, congress-legislators' `legislators-district-offices.yaml` (or `.json`;
//! the whole file, or only its senators' part) gives each senator their offices in the state:
//! city, address (street, suite, building), ZIP and phone. Members who are not senators are
//! skipped; an office with neither a city nor an address is a problem, and nothing is written.
//! Without it, each senator still in office keeps the offices of the previous file.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use contract::bundle::{Senator, UsState};
use contract::fs::{Access, stage};
use serde::{Deserialize, Serialize};

/// Where the senators are, relative to the site root.
pub const SENATORS_FILE: &str = "content/data/senators.json";
/// Where their date and source are, relative to the site root.
pub const META_FILE: &str = "content/data/senators_meta.toml";
/// The states file that says which codes elect senators, relative to the site root.
pub const STATES_FILE: &str = "content/data/states.toml";

/// What to import.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// The congress-legislators file (`.yaml`, `.yml` or `.json`).
    pub source: PathBuf,
    /// The site's root (holding `content/data/`).
    pub root: PathBuf,
    /// The date of the data (`YYYY-MM-DD`); default: the source file's modification date.
    pub as_of: Option<String>,
    /// The congress-legislators district offices file, when the offices are refreshed too.
    pub offices: Option<PathBuf>,
}

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportReport {
    /// Senators written.
    pub senators: usize,
    /// The date written as `as_of`.
    pub as_of: String,
    /// Senators new since the previous file (`Name (ST)`).
    pub added: Vec<String>,
    /// Senators gone since the previous file (`Name (ST)`).
    pub removed: Vec<String>,
    /// State offices written, in all.
    pub offices: usize,
    /// Whether the offices came from `--offices` (else from the previous file).
    pub offices_refreshed: bool,
    /// Senators with no office in the data (`Name (ST)`).
    pub without_offices: Vec<String>,
}

/// Why an import failed. Nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// A file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The source is not congress-legislators YAML or JSON.
    #[error(
        "{path} is not a congress-legislators file: {message}. Give legislators-current.yaml or legislators-current.json from the unitedstates/congress-legislators project"
    )]
    Parse {
        /// The file.
        path: PathBuf,
        /// What the parser said.
        message: String,
    },
    /// The states file is not usable.
    #[error("{path} is not usable: {message}")]
    States {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// `--as-of` is not a date.
    #[error("--as-of must be a date written YYYY-MM-DD (such as 2026-06-15), not `{0}`")]
    AsOf(String),
    /// The senators found do not make a valid Senate.
    #[error(
        "{path} does not give two senators for each of the 50 states, so nothing was written:\n{}\nUse a complete, current legislators-current file",
        .problems.iter().map(|p| format!("  - {p}")).collect::<Vec<_>>().join("\n")
    )]
    Invalid {
        /// The source file.
        path: PathBuf,
        /// Every problem found.
        problems: Vec<String>,
    },
    /// The district offices file has offices that cannot be shown.
    #[error(
        "{path} has offices that cannot be shown, so nothing was written:\n{}\nUse congress-legislators' legislators-district-offices file as published",
        .problems.iter().map(|p| format!("  - {p}")).collect::<Vec<_>>().join("\n")
    )]
    BadOffices {
        /// The offices file.
        path: PathBuf,
        /// Every problem found.
        problems: Vec<String>,
    },
    /// A file could not be written (the previous data is still in place).
    #[error("cannot write {path}: {source} (the previous data is unchanged)")]
    Write {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}

/// One member's offices in the district offices dataset.
#[derive(Debug, Clone, Deserialize)]
pub struct MemberOffices {
    /// Identifiers.
    pub id: Ids,
    /// Offices.
    #[serde(default)]
    pub offices: Vec<RawOffice>,
}

/// One office as the dataset gives it (only the fields used).
#[derive(Debug, Clone, Deserialize)]
pub struct RawOffice {
    /// Street address.
    #[serde(default)]
    pub address: Option<String>,
    /// Suite.
    #[serde(default)]
    pub suite: Option<String>,
    /// Building.
    #[serde(default)]
    pub building: Option<String>,
    /// City.
    #[serde(default)]
    pub city: Option<String>,
    /// ZIP code (text: leading zeros matter).
    #[serde(default)]
    pub zip: Option<String>,
    /// Phone.
    #[serde(default)]
    pub phone: Option<String>,
}

/// Parses the district offices dataset.
pub fn parse_offices(text: &str, format: Format) -> Result<Vec<MemberOffices>, String> {
    match format {
        Format::Json => serde_json::from_str(text).map_err(|e| e.to_string()),
        Format::Yaml => serde_yaml_ng::from_str(text).map_err(|e| e.to_string()),
    }
}

/// Gives each senator the offices the dataset lists for them; returns the problems (an office
/// without a city or an address), each naming the senator.
pub fn attach_offices(senators: &mut [Senator], members: &[MemberOffices]) -> Vec<String> {
    let mut problems = Vec::new();
    for s in senators.iter_mut() {
        let Some(member) = members
            .iter()
            .find(|m| m.id.bioguide.as_deref().map(str::trim) == Some(s.bioguide.as_str()))
        else {
            s.offices = Vec::new();
            continue;
        };
        s.offices = member
            .offices
            .iter()
            .enumerate()
            .filter_map(|(i, o)| {
                let city = text(o.city.as_ref());
                let street = [o.address.as_ref(), o.suite.as_ref(), o.building.as_ref()]
                    .into_iter()
                    .map(text)
                    .filter(|t| !t.is_empty())
                    .collect::<Vec<_>>()
                    .join(", ");
                if city.is_empty() || street.is_empty() {
                    problems.push(format!(
                        "office {} of {} ({}, {}) has no {}",
                        i + 1,
                        s.name,
                        s.state,
                        s.bioguide,
                        if city.is_empty() { "city" } else { "address" }
                    ));
                    return None;
                }
                Some(contract::bundle::Office {
                    city,
                    address: street,
                    zip: text(o.zip.as_ref()),
                    phone: text(o.phone.as_ref()),
                })
            })
            .collect();
    }
    problems
}

/// One member in the dataset (only the fields used; the others are ignored).
#[derive(Debug, Clone, Deserialize)]
pub struct Legislator {
    /// Identifiers.
    pub id: Ids,
    /// Names.
    pub name: Name,
    /// Terms in office, oldest first.
    #[serde(default)]
    pub terms: Vec<Term>,
}

/// A member's identifiers.
#[derive(Debug, Clone, Deserialize)]
pub struct Ids {
    /// The Biographical Directory id.
    #[serde(default)]
    pub bioguide: Option<String>,
}

/// A member's names.
#[derive(Debug, Clone, Deserialize)]
pub struct Name {
    /// First name.
    #[serde(default)]
    pub first: Option<String>,
    /// Last name.
    #[serde(default)]
    pub last: Option<String>,
    /// The full name as the member's office writes it.
    #[serde(default)]
    pub official_full: Option<String>,
}

/// One term in office.
#[derive(Debug, Clone, Deserialize)]
pub struct Term {
    /// `sen` or `rep`.
    #[serde(rename = "type")]
    pub kind: String,
    /// First day (`YYYY-MM-DD`).
    #[serde(default)]
    pub start: Option<String>,
    /// Last day (`YYYY-MM-DD`).
    #[serde(default)]
    pub end: Option<String>,
    /// USPS state code.
    #[serde(default)]
    pub state: Option<String>,
    /// Party.
    #[serde(default)]
    pub party: Option<String>,
    /// Senate class (1, 2 or 3).
    #[serde(default)]
    pub class: Option<u8>,
    /// `senior` or `junior`.
    #[serde(default)]
    pub state_rank: Option<String>,
    /// Official website.
    #[serde(default)]
    pub url: Option<String>,
    /// Office address.
    #[serde(default)]
    pub address: Option<String>,
    /// Office phone.
    #[serde(default)]
    pub phone: Option<String>,
    /// Official web contact form.
    #[serde(default)]
    pub contact_form: Option<String>,
}

/// The two formats the dataset is published in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `legislators-current.yaml`.
    Yaml,
    /// `legislators-current.json`.
    Json,
}

impl Format {
    /// The format of a file: by its extension, else by its first character (`[` is JSON).
    pub fn of(path: &Path, text: &str) -> Self {
        match path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("json") => Self::Json,
            Some("yaml" | "yml") => Self::Yaml,
            _ if text.trim_start().starts_with('[') => Self::Json,
            _ => Self::Yaml,
        }
    }
}

/// Parses the dataset.
pub fn parse(text: &str, format: Format) -> Result<Vec<Legislator>, String> {
    match format {
        Format::Json => serde_json::from_str(text).map_err(|e| e.to_string()),
        Format::Yaml => serde_yaml_ng::from_str(text).map_err(|e| e.to_string()),
    }
}

fn text(value: Option<&String>) -> String {
    value.map(|s| s.trim().to_owned()).unwrap_or_default()
}

/// The senators among the legislators: each member whose latest term is a Senate term, from
/// that term, sorted by state then name.
pub fn senators_from(legislators: &[Legislator]) -> Vec<Senator> {
    let mut out: Vec<Senator> = legislators
        .iter()
        .filter_map(|l| {
            // Terms are listed oldest first; the latest start wins should they not be.
            let term = l
                .terms
                .iter()
                .enumerate()
                .max_by(|(i, a), (j, b)| (a.start.as_deref(), i).cmp(&(b.start.as_deref(), j)))
                .map(|(_, t)| t)?;
            if term.kind != "sen" {
                return None;
            }
            let name = match l.name.official_full.as_deref().map(str::trim) {
                Some(full) if !full.is_empty() => full.to_owned(),
                _ => [l.name.first.as_ref(), l.name.last.as_ref()]
                    .into_iter()
                    .map(text)
                    .filter(|s| !s.is_empty())
                    .collect::<Vec<_>>()
                    .join(" "),
            };
            Some(Senator {
                state: text(term.state.as_ref()).to_ascii_uppercase(),
                name,
                party: text(term.party.as_ref()),
                senate_class: term.class.unwrap_or(0),
                rank: text(term.state_rank.as_ref()),
                term_end: text(term.end.as_ref()),
                phone: text(term.phone.as_ref()),
                address: text(term.address.as_ref()),
                url: text(term.url.as_ref()),
                contact_form: term
                    .contact_form
                    .as_ref()
                    .map(|c| c.trim().to_owned())
                    .filter(|c| !c.is_empty()),
                bioguide: text(l.id.bioguide.as_ref()),
                offices: Vec::new(),
            })
        })
        .collect();
    out.sort_by(|a, b| (&a.state, &a.name).cmp(&(&b.state, &b.name)));
    out
}

/// Every reason the senators are not two per state for exactly the states that elect them,
/// each with what it needs to be usable on the site (a name, a bioguide id, a class, a link).
fn problems(senators: &[Senator], states: &[UsState]) -> Vec<String> {
    let mut problems = Vec::new();
    let electing: BTreeMap<&str, &str> = states
        .iter()
        .filter(|s| s.senators)
        .map(|s| (s.code.as_str(), s.name.as_str()))
        .collect();
    let mut per_state: BTreeMap<&str, Vec<&Senator>> = BTreeMap::new();
    for s in senators {
        per_state.entry(s.state.as_str()).or_default().push(s);
    }
    for (code, name) in &electing {
        let found = per_state.get(code).map_or(0, Vec::len);
        if found != 2 {
            let who = per_state
                .get(code)
                .map(|list| {
                    list.iter()
                        .map(|s| s.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                })
                .filter(|w| !w.is_empty())
                .map(|w| format!(": {w}"))
                .unwrap_or_default();
            problems.push(format!(
                "{name} ({code}) has {found} senator{} in the file, not 2{who}",
                if found == 1 { "" } else { "s" }
            ));
        }
    }
    for (code, list) in &per_state {
        if !electing.contains_key(code) {
            let names: Vec<&str> = list.iter().map(|s| s.name.as_str()).collect();
            problems.push(format!(
                "`{code}` is not one of the 50 states of {STATES_FILE}, yet the file gives it senators: {}",
                names.join(", ")
            ));
        }
    }
    let mut seen = BTreeSet::new();
    for s in senators {
        let who = if s.name.is_empty() {
            format!("a senator of {}", s.state)
        } else {
            format!("{} ({})", s.name, s.state)
        };
        if s.name.is_empty() {
            problems.push(format!("{who} has no name"));
        }
        if s.bioguide.is_empty() {
            problems.push(format!("{who} has no bioguide id"));
        } else if !seen.insert(s.bioguide.as_str()) {
            problems.push(format!(
                "{who}: the bioguide id {} appears twice",
                s.bioguide
            ));
        }
        if !(1..=3).contains(&s.senate_class) {
            problems.push(format!("{who} has no Senate class (1, 2 or 3)"));
        }
        if !(s.url.starts_with("https://") || s.url.starts_with("http://")) {
            problems.push(format!("{who} has no website address (url)"));
        }
    }
    problems
}

/// The senators as `senators.json` holds them: a pretty-printed array, one space per level.
fn to_json(senators: &[Senator]) -> String {
    let mut out = Vec::new();
    let formatter = serde_json::ser::PrettyFormatter::with_indent(b" ");
    let mut ser = serde_json::Serializer::with_formatter(&mut out, formatter);
    // Serialising plain strings and numbers into memory cannot fail.
    if senators.serialize(&mut ser).is_err() {
        return "[]".into();
    }
    String::from_utf8(out).unwrap_or_else(|_| "[]".into())
}

/// `senators_meta.toml` with `as_of` and `source` set, its comments and other lines kept.
fn update_meta(previous: Option<&str>, as_of: &str, source: &str) -> String {
    let quote = |v: &str| toml::Value::String(v.to_owned()).to_string();
    let Some(previous) = previous else {
        return format!(
            "# Where content/data/senators.json comes from (rewritten by `site-gen senators import`).\n\n\
             # The date the senator data was taken from its source (YYYY-MM-DD).\nas_of = {}\n\n\
             # The dataset and version the list was reduced from.\nsource = {}\n",
            quote(as_of),
            quote(source)
        );
    };
    let mut seen_as_of = false;
    let mut seen_source = false;
    let mut lines: Vec<String> = previous
        .lines()
        .map(|line| {
            let key = line.split('=').next().map(str::trim);
            match key {
                Some("as_of") if line.contains('=') => {
                    seen_as_of = true;
                    format!("as_of = {}", quote(as_of))
                }
                Some("source") if line.contains('=') => {
                    seen_source = true;
                    format!("source = {}", quote(source))
                }
                _ => line.to_owned(),
            }
        })
        .collect();
    if !seen_as_of {
        lines.push(format!("as_of = {}", quote(as_of)));
    }
    if !seen_source {
        lines.push(format!("source = {}", quote(source)));
    }
    let mut out = lines.join("\n");
    out.push('\n');
    out
}

/// Whether `text` is a `YYYY-MM-DD` date (month 01–12, day 01–31).
fn is_date(text: &str) -> bool {
    let b = text.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    if b.len() != 10
        || b[4] != b'-'
        || b[7] != b'-'
        || !digits(0..4)
        || !digits(5..7)
        || !digits(8..10)
    {
        return false;
    }
    let month = (b[5] - b'0') * 10 + (b[6] - b'0');
    let day = (b[8] - b'0') * 10 + (b[9] - b'0');
    (1..=12).contains(&month) && (1..=31).contains(&day)
}

/// Reads the states file of a site.
fn read_states(root: &Path) -> Result<Vec<UsState>, ImportError> {
    #[derive(Deserialize)]
    struct States {
        state: Vec<UsState>,
    }
    let path = root.join(STATES_FILE);
    let text = std::fs::read_to_string(&path).map_err(|source| ImportError::Read {
        path: path.clone(),
        source,
    })?;
    let states: States = toml::from_str(&text).map_err(|e| ImportError::States {
        path: path.clone(),
        message: e.to_string(),
    })?;
    if states.state.iter().filter(|s| s.senators).count() != 50 {
        return Err(ImportError::States {
            path,
            message: "it must mark exactly the 50 states with `senators = true`".into(),
        });
    }
    Ok(states.state)
}

/// Runs the import: reads and checks everything first, then replaces both files.
pub fn import(opts: &ImportOptions) -> Result<ImportReport, ImportError> {
    let source_path = &opts.source;
    let bytes = std::fs::read(source_path).map_err(|source| ImportError::Read {
        path: source_path.clone(),
        source,
    })?;
    let text = String::from_utf8(bytes).map_err(|_| ImportError::Parse {
        path: source_path.clone(),
        message: "it is not UTF-8 text".into(),
    })?;
    let as_of = match &opts.as_of {
        Some(date) if is_date(date.trim()) => date.trim().to_owned(),
        Some(other) => return Err(ImportError::AsOf(other.clone())),
        None => {
            let modified = std::fs::metadata(source_path)
                .and_then(|m| m.modified())
                .map_err(|source| ImportError::Read {
                    path: source_path.clone(),
                    source,
                })?;
            contract::date::utc_date(modified)
        }
    };
    let legislators =
        parse(&text, Format::of(source_path, &text)).map_err(|message| ImportError::Parse {
            path: source_path.clone(),
            message,
        })?;
    let states = read_states(&opts.root)?;
    let mut senators = senators_from(&legislators);
    let problems = problems(&senators, &states);
    if !problems.is_empty() {
        return Err(ImportError::Invalid {
            path: source_path.clone(),
            problems,
        });
    }
    let json_path = opts.root.join(SENATORS_FILE);
    let previous: Vec<Senator> = std::fs::read_to_string(&json_path)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default();
    match &opts.offices {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|source| ImportError::Read {
                path: path.clone(),
                source,
            })?;
            let members = parse_offices(&text, Format::of(path, &text)).map_err(|message| {
                ImportError::Parse {
                    path: path.clone(),
                    message: format!("not a district offices file ({message})"),
                }
            })?;
            let problems = attach_offices(&mut senators, &members);
            if !problems.is_empty() {
                return Err(ImportError::BadOffices {
                    path: path.clone(),
                    problems,
                });
            }
        }
        None => {
            for s in &mut senators {
                if let Some(old) = previous.iter().find(|p| p.bioguide == s.bioguide) {
                    s.offices.clone_from(&old.offices);
                }
            }
        }
    }

    let meta_path = opts.root.join(META_FILE);
    let label = |s: &Senator| format!("{} ({})", s.name, s.state);
    let old_ids: BTreeSet<&str> = previous.iter().map(|s| s.bioguide.as_str()).collect();
    let new_ids: BTreeSet<&str> = senators.iter().map(|s| s.bioguide.as_str()).collect();
    let added = senators
        .iter()
        .filter(|s| !old_ids.contains(s.bioguide.as_str()))
        .map(label)
        .collect();
    let removed = previous
        .iter()
        .filter(|s| !new_ids.contains(s.bioguide.as_str()))
        .map(label)
        .collect();

    let file_name = source_path.file_name().map_or_else(
        || "legislators-current".into(),
        |n| n.to_string_lossy().into_owned(),
    );
    let source_note = format!(
        "unitedstates/congress-legislators, {file_name} of {as_of} (public domain, CC0 1.0)"
    );
    let meta = update_meta(
        std::fs::read_to_string(&meta_path).ok().as_deref(),
        &as_of,
        &source_note,
    );
    // Both files are written beside their targets before either is renamed into place, so a
    // failed write changes neither (a staged file dropped on an error is removed).
    let write_error = |path: &Path| {
        let path = path.to_owned();
        move |source| ImportError::Write { path, source }
    };
    let staged_json = stage(&json_path, to_json(&senators).as_bytes(), Access::Shared)
        .map_err(write_error(&json_path))?;
    let staged_meta =
        stage(&meta_path, meta.as_bytes(), Access::Shared).map_err(write_error(&meta_path))?;
    staged_json.commit().map_err(write_error(&json_path))?;
    staged_meta.commit().map_err(write_error(&meta_path))?;
    Ok(ImportReport {
        senators: senators.len(),
        as_of,
        added,
        removed,
        offices: senators.iter().map(|s| s.offices.len()).sum(),
        offices_refreshed: opts.offices.is_some(),
        without_offices: senators
            .iter()
            .filter(|s| s.offices.is_empty())
            .map(label)
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(code: &str, senators: bool) -> UsState {
        UsState {
            code: code.into(),
            name: format!("State {code}"),
            senators,
            zip3: Vec::new(),
        }
    }

    const YAML: &str = r#"
- id:
    bioguide: A000001
    govtrack: 1
  name:
    first: Ann
    last: Example
    official_full: Ann B. Example
  terms:
  - type: rep
    start: '2001-01-03'
    end: '2003-01-03'
    state: CA
    district: 5
    party: Democrat
  - type: sen
    start: '2021-01-03'
    end: '2027-01-03'
    state: CA
    class: 2
    party: Democrat
    state_rank: senior
    url: https://www.example.senate.gov
    address: 1 Hart Senate Office Building Washington DC 20510
    phone: 202-224-0001
    contact_form: https://www.example.senate.gov/contact
- id:
    bioguide: B000002
  name:
    first: Bob
    last: Sample
  terms:
  - type: sen
    start: 2023-01-03
    end: 2029-01-03
    state: CA
    class: 3
    party: Independent
    state_rank: junior
    url: https://www.sample.senate.gov
- id:
    bioguide: C000003
  name:
    first: Cy
    last: House
    official_full: Cy House
  terms:
  - type: sen
    start: '2011-01-03'
    end: '2017-01-03'
    state: NY
    class: 3
  - type: rep
    start: '2025-01-03'
    end: '2027-01-03'
    state: NY
    district: 1
"#;

    #[test]
    fn yaml_members_whose_latest_term_is_senate() {
        let legislators = parse(YAML, Format::Yaml).expect("parses");
        assert_eq!(legislators.len(), 3);
        let senators = senators_from(&legislators);
        let names: Vec<&str> = senators.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(
            names,
            ["Ann B. Example", "Bob Sample"],
            "sorted by state, name"
        );
        let ann = &senators[0];
        assert_eq!(ann.state, "CA");
        assert_eq!(ann.senate_class, 2);
        assert_eq!(ann.rank, "senior");
        assert_eq!(ann.term_end, "2027-01-03");
        assert_eq!(ann.phone, "202-224-0001");
        assert_eq!(
            ann.contact_form.as_deref(),
            Some("https://www.example.senate.gov/contact")
        );
        assert_eq!(ann.bioguide, "A000001");
        let bob = &senators[1];
        assert_eq!(
            bob.term_end, "2029-01-03",
            "an unquoted date is read as text"
        );
        assert_eq!(bob.contact_form, None);
        assert_eq!(bob.phone, "");
    }

    #[test]
    fn json_reads_the_same_way() {
        let json = r#"[{"id": {"bioguide": "A000001", "fec": ["x"]}, "name": {"first": "Ann", "last": "Example"},
            "bio": {"birthday": "1970-01-01"},
            "terms": [{"type": "sen", "start": "2021-01-03", "end": "2027-01-03", "state": "ca", "class": 1,
                       "party": "Republican", "state_rank": "junior", "url": "https://a.senate.gov"}]}]"#;
        let senators = senators_from(&parse(json, Format::Json).expect("parses"));
        assert_eq!(senators.len(), 1);
        assert_eq!(senators[0].name, "Ann Example");
        assert_eq!(senators[0].state, "CA");
    }

    #[test]
    fn format_follows_extension_then_content() {
        assert_eq!(Format::of(Path::new("x.json"), ""), Format::Json);
        assert_eq!(Format::of(Path::new("x.YML"), "[]"), Format::Yaml);
        assert_eq!(Format::of(Path::new("x"), "  [\n"), Format::Json);
        assert_eq!(Format::of(Path::new("x"), "- id:"), Format::Yaml);
        assert!(parse("{not json", Format::Json).is_err());
        assert!(parse("- id: [", Format::Yaml).is_err());
    }

    #[test]
    fn problems_name_every_state_and_senator_at_fault() {
        let states = vec![state("CA", true), state("NY", true), state("DC", false)];
        let mut senators = senators_from(&parse(YAML, Format::Yaml).expect("parses"));
        assert!(
            problems(&senators, &states)
                .iter()
                .any(|p| p == "State NY (NY) has 0 senators in the file, not 2")
        );
        let mut dc = senators[0].clone();
        dc.state = "DC".into();
        dc.bioguide = "A000001".into();
        dc.url = String::new();
        dc.senate_class = 0;
        senators.push(dc);
        let found = problems(&senators, &states);
        assert!(
            found
                .iter()
                .any(|p| p.starts_with("`DC` is not one of the 50 states")),
            "{found:?}"
        );
        assert!(
            found.iter().any(|p| p.contains("appears twice")),
            "{found:?}"
        );
        assert!(
            found.iter().any(|p| p.contains("no Senate class")),
            "{found:?}"
        );
        assert!(
            found.iter().any(|p| p.contains("no website address")),
            "{found:?}"
        );
    }

    #[test]
    fn json_output_matches_the_stored_style() {
        let senators = senators_from(&parse(YAML, Format::Yaml).expect("parses"));
        let json = to_json(&senators);
        assert!(
            json.starts_with("[\n {\n  \"state\": \"CA\",\n  \"name\": \"Ann B. Example\","),
            "{json}"
        );
        assert!(json.ends_with("\n }\n]"));
        assert!(json.contains("\"contact_form\": null"));
        let back: Vec<Senator> = serde_json::from_str(&json).expect("parses back");
        assert_eq!(back, senators);
    }

    #[test]
    fn meta_keeps_comments_and_replaces_values() {
        let before = "# comment\n\n# date\nas_of = \"2020-01-01\"\n\n# src\nsource = \"old\"\n";
        let after = update_meta(Some(before), "2026-06-15", "new \"src\"");
        assert!(
            after.starts_with("# comment\n\n# date\nas_of = \"2026-06-15\"\n\n# src\nsource = "),
            "{after}"
        );
        let parsed: toml::Table = toml::from_str(&after).expect("valid TOML");
        assert_eq!(
            parsed.get("source").and_then(|v| v.as_str()),
            Some("new \"src\"")
        );
        let fresh = update_meta(None, "2026-06-15", "s");
        let parsed: toml::Table = toml::from_str(&fresh).expect("valid TOML");
        assert_eq!(
            parsed.get("as_of").and_then(|v| v.as_str()),
            Some("2026-06-15")
        );
        let added = update_meta(Some("# nothing\n"), "2026-06-15", "s");
        let parsed: toml::Table = toml::from_str(&added).expect("valid TOML");
        assert_eq!(parsed.get("source").and_then(|v| v.as_str()), Some("s"));
    }

    #[test]
    fn dates() {
        assert!(is_date("2026-06-15"));
        for bad in [
            "2026-6-15",
            "2026-13-01",
            "2026-00-10",
            "2026-01-32",
            "20260615",
            "2026-06-15x",
            "２026-06-15",
        ] {
            assert!(!is_date(bad), "{bad}");
        }
    }
}
