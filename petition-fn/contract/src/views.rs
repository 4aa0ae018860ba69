//! The arguments the theme's components receive from the site, built once for both sides: the
//! generator renders the components into pages, the function renders the same components again
//! with the visitor's values and errors (a 422 page).
//!
//! Each builder returns the site-provided arguments only; an editor may not set those in a
//! component call (the generator refuses them), and the function adds `values` and `errors`.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::api;
use crate::bundle::{Bill, Country, Petition, Senator, UsState};
use crate::counts::{self, WorldMap};

/// Component arguments by name.
pub type Args = Map<String, Value>;

/// A petition as templates see it: the bundle's fields plus whether it is open today.
#[derive(Debug, Serialize)]
pub struct PetitionView<'a> {
    #[serde(flatten)]
    petition: &'a Petition,
    open: bool,
}

impl<'a> PetitionView<'a> {
    /// The view of `petition` on `today` (`YYYY-MM-DD`).
    pub fn new(petition: &'a Petition, today: &str) -> Self {
        Self {
            petition,
            open: petition.is_open_on(today),
        }
    }
}

fn to_value(value: impl Serialize) -> Value {
    // Plain data structs with string keys: serialising them cannot fail.
    serde_json::to_value(value).unwrap_or_default()
}

/// `petition_form`: the petition, the countries to choose from and where the form posts.
pub fn petition_form(petition: &Petition, today: &str, countries: &[Country]) -> Args {
    let mut args = Args::new();
    args.insert(
        "petition".into(),
        to_value(PetitionView::new(petition, today)),
    );
    args.insert("countries".into(), to_value(countries));
    args.insert("action".into(), json!(api::signatures_path(&petition.id)));
    args
}

/// `signature_counter`: the petition, the count when known (a plain build has none: the page's
/// script shows the live one) with the date it was read (`as_of`, none for a live count), the
/// next milestone or the goal and how far it is (`next`: `{target, remaining}`, none once the
/// goal is reached) and the API path it refreshes from.
pub fn signature_counter(
    petition: &Petition,
    today: &str,
    count: Option<u64>,
    as_of: Option<&str>,
) -> Args {
    let mut args = Args::new();
    args.insert(
        "petition".into(),
        to_value(PetitionView::new(petition, today)),
    );
    args.insert("count".into(), json!(count));
    args.insert("as_of".into(), json!(as_of));
    let next = count.and_then(|c| counts::next_target(&petition.milestones, petition.goal, c));
    args.insert(
        "next".into(),
        json!(next.map(|(target, remaining)| json!({"target": target, "remaining": remaining}))),
    );
    args.insert("api".into(), json!(api::petition_path(&petition.id)));
    args
}

/// `signatures_by_country`: the table's rows when the counts are known (`rows`, none
/// otherwise), the date they were read, the map's shapes with each one's count and class, the
/// legend's classes, the country names by code (for the script's refresh) and the API path.
pub fn signatures_by_country(
    petition: &Petition,
    by_country: Option<&BTreeMap<String, u64>>,
    as_of: Option<&str>,
    countries: &[Country],
    map: &WorldMap,
) -> Args {
    let rows = by_country.map(|b| counts::country_rows(b, countries));
    let count_of = |code: &str| by_country.and_then(|b| b.get(code)).copied().unwrap_or(0);
    let shapes: Vec<Value> = map
        .country
        .iter()
        .map(|s| {
            let n = count_of(&s.code);
            let name = countries
                .iter()
                .find(|c| c.code == s.code)
                .map_or(s.name.as_str(), |c| c.name.as_str());
            json!({"code": s.code, "name": name, "d": s.d, "count": n, "class": counts::map_class(n)})
        })
        .collect();
    let legend: Vec<Value> = counts::MAP_CLASSES
        .iter()
        .enumerate()
        .map(|(i, &low)| {
            let high = counts::MAP_CLASSES.get(i + 1).map(|next| next - 1);
            json!({"class": i + 1, "low": low, "high": high})
        })
        .collect();
    let names: BTreeMap<&str, &str> = countries
        .iter()
        .map(|c| (c.code.as_str(), c.name.as_str()))
        .collect();
    let mut args = Args::new();
    args.insert("petition".into(), json!(petition.id));
    args.insert("rows".into(), to_value(rows));
    args.insert("as_of".into(), json!(as_of));
    args.insert("view_box".into(), json!(map.view_box));
    args.insert("shapes".into(), json!(shapes));
    args.insert("legend".into(), json!(legend));
    args.insert("classes".into(), json!(counts::MAP_CLASSES));
    args.insert("names".into(), json!(to_value(names).to_string()));
    args.insert("api".into(), json!(api::petition_path(&petition.id)));
    args
}

/// One row of the count history's table: a UTC day and the confirmed count of its last
/// hourly snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HistoryDay {
    /// `YYYY-MM-DD`.
    pub day: String,
    /// Confirmed signatures at the day's last snapshot.
    pub count: u64,
}

/// The table's rows from a history's points (`at` as RFC 3339 UTC, oldest first): one per UTC
/// day, its last point's count. The theme's script builds the same rows from the JSON
/// (`site.js`, "Count history").
pub fn history_days<'a>(points: impl IntoIterator<Item = (&'a str, u64)>) -> Vec<HistoryDay> {
    let mut days: Vec<HistoryDay> = Vec::new();
    for (at, count) in points {
        let day = at.get(..10).unwrap_or(at);
        match days.last_mut() {
            Some(last) if last.day == day => last.count = count,
            _ => days.push(HistoryDay {
                day: day.to_owned(),
                count,
            }),
        }
    }
    days
}

/// `count_history`: the petition, its table's rows when known at build time (the preview's
/// store; a plain build has none: the page's script fills the table), and its history's JSON
/// (the script draws the chart from it) and CSV (the download link).
pub fn count_history(petition: &Petition, today: &str, days: Option<Vec<HistoryDay>>) -> Args {
    let mut args = Args::new();
    args.insert(
        "petition".into(),
        to_value(PetitionView::new(petition, today)),
    );
    args.insert("days".into(), to_value(days));
    args.insert("api".into(), json!(api::history_path(&petition.id)));
    args.insert("csv".into(), json!(api::history_csv_path(&petition.id)));
    args
}

/// What the letter form shows: the bill, the letter's text and the senator data.
#[derive(Debug, Clone, Copy)]
pub struct LetterFacts<'a> {
    /// The bill the letter supports.
    pub bill: &'a Bill,
    /// The letter's default text.
    pub letter: &'a str,
    /// States, DC and territories.
    pub states: &'a [UsState],
    /// The sitting senators.
    pub senators: &'a [Senator],
    /// The date of the senator data.
    pub as_of: &'a str,
}

/// `letter_form`: where it posts, the states, the senators by state, the letter and the bill.
pub fn letter_form(facts: LetterFacts<'_>) -> Args {
    let mut by_state: BTreeMap<&str, Vec<&Senator>> = BTreeMap::new();
    for s in facts.senators {
        by_state.entry(s.state.as_str()).or_default().push(s);
    }
    let mut args = Args::new();
    args.insert("action".into(), json!(api::LETTERS_PATH));
    args.insert("states".into(), to_value(facts.states));
    args.insert("senators".into(), to_value(by_state));
    args.insert("letter".into(), json!(facts.letter));
    args.insert("bill".into(), to_value(facts.bill));
    args.insert("as_of".into(), json!(facts.as_of));
    args
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_history_table_has_each_days_last_count() {
        let points = [
            ("2026-11-30T22:00:00Z", 4),
            ("2026-11-30T23:00:00Z", 7),
            ("2026-12-01T09:00:00Z", 12),
        ];
        let day = |day: &str, count| HistoryDay {
            day: day.into(),
            count,
        };
        assert_eq!(
            history_days(points),
            [day("2026-11-30", 7), day("2026-12-01", 12)]
        );
        assert!(history_days([]).is_empty());
        let args = count_history(&petition(), "2026-03-01", Some(history_days(points)));
        assert_eq!(args["days"][1], json!({"day": "2026-12-01", "count": 12}));
    }

    fn petition() -> Petition {
        Petition {
            id: "p".into(),
            title: "T".into(),
            addressee: "A".into(),
            goal: 10,
            opens: "2026-01-01".into(),
            closes: Some("2026-06-30".into()),
            page: "/p/".into(),
            thank_you: "/p/thanks/".into(),
            confirm: true,
            check_inbox: None,
            milestones: Vec::new(),
        }
    }

    #[test]
    fn petition_views_carry_open_and_the_action() {
        let p = petition();
        let args = petition_form(&p, "2026-03-01", &[]);
        assert_eq!(args["petition"]["open"], json!(true));
        assert_eq!(args["petition"]["id"], json!("p"));
        assert_eq!(args["action"], json!("/api/petitions/p/signatures"));
        let args = signature_counter(&p, "2026-07-01", Some(3), Some("2026-07-01"));
        assert_eq!(args["petition"]["open"], json!(false));
        assert_eq!(args["count"], json!(3));
        assert_eq!(args["as_of"], json!("2026-07-01"));
        assert_eq!(args["next"], json!({"target": 10, "remaining": 7}));
        assert_eq!(args["api"], json!("/api/petitions/p"));
        let args = count_history(&p, "2026-03-01", None);
        assert_eq!(args["petition"]["id"], json!("p"));
        assert_eq!(args["days"], Value::Null);
        assert_eq!(args["api"], json!("/api/petitions/p/history"));
        assert_eq!(args["csv"], json!("/api/petitions/p/history.csv"));
        assert_eq!(
            signature_counter(&p, "2026-07-01", Some(10), None)["next"],
            json!(null)
        );
    }

    #[test]
    fn the_map_colours_each_country_by_its_count() {
        let p = petition();
        let countries = [Country {
            code: "FR".into(),
            name: "France".into(),
        }];
        let shape = |code: &str| counts::MapShape {
            code: code.into(),
            name: format!("{code} in the atlas"),
            d: "M0,0l1,1z".into(),
        };
        let map = WorldMap {
            view_box: "0 0 10 10".into(),
            country: vec![shape("FR"), shape("DE"), shape("")],
        };
        let by: BTreeMap<String, u64> = [("FR".to_string(), 120), ("DE".to_string(), 3)].into();
        let args = signatures_by_country(&p, Some(&by), Some("2026-07-01"), &countries, &map);
        let shapes = args["shapes"].as_array().expect("shapes");
        assert_eq!(shapes[0]["name"], json!("France"), "the site's name wins");
        assert_eq!(
            (&shapes[0]["count"], &shapes[0]["class"]),
            (&json!(120), &json!(3))
        );
        assert_eq!(
            (&shapes[1]["name"], &shapes[1]["class"]),
            (&json!("DE in the atlas"), &json!(1))
        );
        assert_eq!(shapes[2]["class"], json!(0));
        assert_eq!(args["rows"][0]["share"], json!("97.6"));
        assert_eq!(
            args["legend"][4],
            json!({"class": 5, "low": 10_000, "high": null})
        );
        assert_eq!(args["names"], json!(r#"{"FR":"France"}"#));
        let none = signatures_by_country(&p, None, None, &countries, &map);
        assert_eq!(none["rows"], json!(null));
        assert_eq!(none["shapes"][0]["class"], json!(0));
    }
}
