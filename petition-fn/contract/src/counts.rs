//! A petition's counts as `GET /api/petitions/{id}` answers them, the file of counts a build
//! bakes into its pages (`site-gen build --counts`), and what the counter and the table of
//! signatures by country make of them: the next milestone, each country's share and map class.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::bundle::Country;

/// The body of `GET /api/petitions/{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PetitionCount {
    /// The petition's id.
    pub id: String,
    /// Confirmed signatures.
    pub count: u64,
    /// Confirmed signatures per ISO 3166-1 alpha-2 country code.
    pub by_country: BTreeMap<String, u64>,
    /// The petition's goal.
    pub goal: u64,
    /// Whether it accepts signatures today.
    pub open: bool,
}

/// The counts a build shows before any script runs: `{"as_of": "<RFC 3339 UTC>", "petitions":
/// {"<id>": <the body of GET /api/petitions/{id}>}}`, written at deploy time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CountsFile {
    /// When the counts were read (`2026-12-02T08:00:00Z`).
    pub as_of: String,
    /// Each petition's answer, by id.
    pub petitions: BTreeMap<String, PetitionCount>,
}

/// Why a counts file cannot be used.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CountsError {
    /// Not the JSON described on [`CountsFile`].
    #[error(
        "it is not a counts file ({0}); it must be {{\"as_of\": \"<RFC 3339 UTC>\", \"petitions\": {{\"<id>\": <the body of GET /api/petitions/<id>>}}}}"
    )]
    Json(String),
    /// `as_of` is not a UTC timestamp.
    #[error(
        "its `as_of` `{0}` is not an RFC 3339 UTC time; write it like \"2026-12-02T08:00:00Z\""
    )]
    AsOf(String),
    /// A petition's answer is filed under another id.
    #[error(
        "the counts under `{key}` are those of the petition `{id}`; file each answer under its own id"
    )]
    Mismatch {
        /// The key in `petitions`.
        key: String,
        /// The answer's `id`.
        id: String,
    },
}

impl CountsFile {
    /// Parses and checks a counts file's text.
    pub fn parse(text: &str) -> Result<Self, CountsError> {
        let file: Self =
            serde_json::from_str(text).map_err(|e| CountsError::Json(e.to_string()))?;
        if !is_utc_timestamp(&file.as_of) {
            return Err(CountsError::AsOf(file.as_of));
        }
        if let Some((key, p)) = file.petitions.iter().find(|(k, p)| **k != p.id) {
            return Err(CountsError::Mismatch {
                key: key.clone(),
                id: p.id.clone(),
            });
        }
        Ok(file)
    }

    /// The UTC date of `as_of` (`YYYY-MM-DD`).
    pub fn date(&self) -> &str {
        self.as_of.get(..10).unwrap_or_default()
    }
}

/// `YYYY-MM-DDTHH:MM:SS[.fraction]Z`.
fn is_utc_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| b.get(r).is_some_and(|d| d.iter().all(u8::is_ascii_digit));
    let at = |i: usize, c: u8| b.get(i) == Some(&c);
    let fraction = b.get(19..b.len().saturating_sub(1)).is_some_and(|f| {
        f.is_empty() || (f[0] == b'.' && f.len() > 1 && f[1..].iter().all(u8::is_ascii_digit))
    });
    let in_range = |r: std::ops::Range<usize>, max: u32| {
        s.get(r)
            .and_then(|v| v.parse::<u32>().ok())
            .is_some_and(|v| v <= max)
    };
    digits(0..4)
        && at(4, b'-')
        && digits(5..7)
        && at(7, b'-')
        && digits(8..10)
        && (at(10, b'T') || at(10, b't'))
        && digits(11..13)
        && at(13, b':')
        && digits(14..16)
        && at(16, b':')
        && digits(17..19)
        && fraction
        && (s.ends_with('Z') || s.ends_with('z'))
        && in_range(5..7, 12)
        && in_range(8..10, 31)
        && in_range(11..13, 23)
        && in_range(14..16, 59)
        && in_range(17..19, 60)
}

/// Where a counter stands: the next milestone (or the goal, once past them all) and how many
/// signatures it still needs; `None` once the goal is reached.
pub(crate) fn next_target(milestones: &[u64], goal: u64, count: u64) -> Option<(u64, u64)> {
    milestones
        .iter()
        .copied()
        .chain([goal])
        .find(|&t| t > count)
        .map(|t| (t, t - count))
}

/// The lower bounds of the map's classes: 1–9, 10–99, 100–999, 1,000–9,999, 10,000 or more.
pub(crate) const MAP_CLASSES: [u64; 5] = [1, 10, 100, 1_000, 10_000];

/// The map class of a country with `count` signatures: 0 for none, else 1 to 5 by
/// [`MAP_CLASSES`].
pub(crate) fn map_class(count: u64) -> usize {
    MAP_CLASSES.iter().filter(|&&low| count >= low).count()
}

/// The world map's country shapes (`content/data/world_map.json`, made by `scripts/world-map`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorldMap {
    /// The SVG `viewBox` the paths are drawn in.
    pub view_box: String,
    /// One shape per country.
    pub country: Vec<MapShape>,
}

/// One country's outline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MapShape {
    /// ISO 3166-1 alpha-2 code; empty for a territory without one.
    pub code: String,
    /// Its name in the map's source.
    pub name: String,
    /// The SVG path.
    pub d: String,
}

/// One row of the table of signatures by country.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct CountryRow {
    /// ISO 3166-1 alpha-2 code.
    pub(crate) code: String,
    /// Its name (the code itself for a code the site does not list).
    pub(crate) name: String,
    /// Its signatures.
    pub(crate) count: u64,
    /// Its share of all signatures, in percent with one decimal (`"42.9"`).
    pub(crate) share: String,
    /// Its map class ([`map_class`]).
    pub(crate) class: usize,
}

/// The rows of the table: countries with signatures, most first (ties by name).
pub(crate) fn country_rows(
    by_country: &BTreeMap<String, u64>,
    countries: &[Country],
) -> Vec<CountryRow> {
    let total: u64 = by_country.values().sum();
    let mut rows: Vec<CountryRow> = by_country
        .iter()
        .filter(|(_, n)| **n > 0)
        .map(|(code, &count)| CountryRow {
            code: code.clone(),
            name: countries
                .iter()
                .find(|c| c.code == *code)
                .map_or_else(|| code.clone(), |c| c.name.clone()),
            count,
            share: share(count, total),
            class: map_class(count),
        })
        .collect();
    rows.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.name.cmp(&b.name)));
    rows
}

/// `part` of `total` in percent, rounded to one decimal.
fn share(part: u64, total: u64) -> String {
    if total == 0 {
        return "0.0".into();
    }
    // In tenths of a percent, rounded half up, in integers (no float formatting surprises).
    let tenths = (u128::from(part) * 2000 + u128::from(total)) / (2 * u128::from(total));
    format!("{}.{}", tenths / 10, tenths % 10)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(id: &str) -> String {
        format!(r#"{{"id":"{id}","count":3,"by_country":{{"FR":2,"DE":1}},"goal":10,"open":true}}"#)
    }

    #[test]
    fn a_counts_file_parses_and_dates_itself() {
        let text = format!(
            r#"{{"as_of":"2026-12-02T08:30:00Z","petitions":{{"p":{}}}}}"#,
            answer("p")
        );
        let file = CountsFile::parse(&text).expect("a good counts file");
        assert_eq!(file.date(), "2026-12-02");
        assert_eq!(file.petitions["p"].by_country["FR"], 2);
    }

    #[test]
    fn a_bad_counts_file_says_what_is_wrong() {
        let e = CountsFile::parse("{\"as_of\":1}").expect_err("not a counts file");
        assert!(matches!(e, CountsError::Json(_)), "{e}");
        let e =
            CountsFile::parse(r#"{"as_of":"2 December","petitions":{}}"#).expect_err("a bad date");
        assert_eq!(e, CountsError::AsOf("2 December".into()));
        for bad in [
            "2026-12-02T08:30:00+01:00",
            "2026-13-02T08:30:00Z",
            "2026-12-02",
        ] {
            assert!(!is_utc_timestamp(bad), "{bad}");
        }
        assert!(is_utc_timestamp("2026-12-02T08:30:00.123Z"));
        let text = format!(
            r#"{{"as_of":"2026-12-02T08:30:00Z","petitions":{{"p":{}}}}}"#,
            answer("q")
        );
        let e = CountsFile::parse(&text).expect_err("a mismatched id");
        assert!(
            e.to_string()
                .contains("under `p` are those of the petition `q`"),
            "{e}"
        );
    }

    #[test]
    fn the_next_target_is_a_milestone_then_the_goal() {
        let m = [1_000, 10_000];
        assert_eq!(next_target(&m, 50_000, 0), Some((1_000, 1_000)));
        assert_eq!(next_target(&m, 50_000, 1_000), Some((10_000, 9_000)));
        assert_eq!(next_target(&m, 50_000, 37_655), Some((50_000, 12_345)));
        assert_eq!(next_target(&m, 50_000, 50_000), None);
        assert_eq!(next_target(&[], 10, 3), Some((10, 7)));
    }

    #[test]
    fn rows_are_sorted_by_count_with_shares_and_classes() {
        let countries = [
            Country {
                code: "FR".into(),
                name: "France".into(),
            },
            Country {
                code: "DE".into(),
                name: "Germany".into(),
            },
            Country {
                code: "BE".into(),
                name: "Belgium".into(),
            },
        ];
        let by: BTreeMap<String, u64> =
            [("DE", 1), ("FR", 12), ("BE", 1), ("ZZ", 0), ("XK", 1_000)]
                .into_iter()
                .map(|(c, n)| (c.to_string(), n))
                .collect();
        let rows = country_rows(&by, &countries);
        let view: Vec<(&str, &str, u64, &str, usize)> = rows
            .iter()
            .map(|r| {
                (
                    r.code.as_str(),
                    r.name.as_str(),
                    r.count,
                    r.share.as_str(),
                    r.class,
                )
            })
            .collect();
        assert_eq!(
            view,
            [
                ("XK", "XK", 1_000, "98.6", 4),
                ("FR", "France", 12, "1.2", 2),
                ("BE", "Belgium", 1, "0.1", 1),
                ("DE", "Germany", 1, "0.1", 1),
            ]
        );
        assert_eq!(share(1, 3), "33.3");
        assert_eq!(share(2, 3), "66.7");
        assert_eq!(share(0, 0), "0.0");
        assert_eq!([0, 9, 10, 99_999, 10_000].map(map_class), [0, 1, 2, 5, 5]);
    }
}
