//! `GET /api/petitions/{id}/history` and `…/history.csv`: a petition's hourly snapshots of
//! its confirmed counts ([`crate::history`]), public open data in JSON and CSV, readable from
//! any origin. Counts only: a snapshot holds nothing about any person.

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse as _, Response};
use serde_json::{Value, json};

use contract::date::unix_seconds;

use super::AppState;
use super::refusal::{Refusal, Subject, store_failure};
use super::reply;
use crate::store::Snapshot;

/// How long browsers and the CDN may keep a history: a new point comes once an hour, so five
/// minutes costs little freshness and spares the store.
const HISTORY_CACHE_CONTROL: &str = "public, max-age=300, s-maxage=300";

/// The CSV's header row (the columns are documented in `petition-fn/README.md`).
const CSV_HEADER: &str = "petition,at,country,count";

/// The petition a request's path names and its snapshots, oldest first.
async fn series(
    state: &AppState,
    id: Result<Path<String>, PathRejection>,
) -> Result<(String, Vec<Snapshot>), Refusal> {
    let petition = state.site().petition(id)?;
    let points = state
        .store()
        .history(&petition.id, i64::MIN, unix_seconds(state.now()))
        .await
        .map_err(|e| store_failure(Subject::Count, &e))?;
    Ok((petition.id, points))
}

fn public(response: Response) -> Response {
    reply::public_data(response, HISTORY_CACHE_CONTROL)
}

/// `{"id","interval":"hour","points":[{"at","count","by_country"}]}`.
pub(crate) async fn json(
    State(state): State<AppState>,
    id: Result<Path<String>, PathRejection>,
) -> Result<Response, Refusal> {
    let (id, points) = series(&state, id).await?;
    Ok(public(reply::json(
        StatusCode::OK,
        &history_json(&id, &points),
    )))
}

/// The same points as CSV, an attachment named after the petition.
pub(crate) async fn csv(
    State(state): State<AppState>,
    id: Result<Path<String>, PathRejection>,
) -> Result<Response, Refusal> {
    let (id, points) = series(&state, id).await?;
    let mut response = (StatusCode::OK, history_csv(&id, &points)).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8; header=present"),
    );
    if let Ok(value) = HeaderValue::from_str(&attachment(&id)) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(public(response))
}

/// The JSON body of a history.
fn history_json(id: &str, points: &[Snapshot]) -> Value {
    let points: Vec<Value> = points
        .iter()
        .map(|p| {
            json!({
                "at": p.at(),
                "count": p.counts.total,
                "by_country": p.counts.by_country,
            })
        })
        .collect();
    json!({ "id": id, "interval": "hour", "points": points })
}

/// The CSV body (RFC 4180, CRLF line ends): the header, then per snapshot a row of its total
/// (country empty) and a row per country, countries in code order.
fn history_csv(id: &str, points: &[Snapshot]) -> String {
    let petition = csv_field(id);
    let mut out = format!("{CSV_HEADER}\r\n");
    for p in points {
        let at = p.at();
        out.push_str(&format!("{petition},{at},,{}\r\n", p.counts.total));
        for (country, count) in &p.counts.by_country {
            out.push_str(&format!(
                "{petition},{at},{},{count}\r\n",
                csv_field(country)
            ));
        }
    }
    out
}

/// A field quoted when it holds a comma, a quote or a line break (RFC 4180).
fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

/// `attachment; filename="<id>-history.csv"`, the id kept to characters safe in a file name.
fn attachment(id: &str) -> String {
    let name: String = id
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
        .collect();
    format!("attachment; filename=\"{name}-history.csv\"")
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::store::Counts;

    fn points() -> Vec<Snapshot> {
        let snap = |hour: i64, total: u64, by: &[(&str, u64)]| Snapshot {
            petition: "free-them".into(),
            hour,
            counts: Counts {
                total,
                by_country: by.iter().map(|(c, n)| ((*c).to_owned(), *n)).collect(),
            },
        };
        vec![
            snap(1_796_295_600, 1, &[("FR", 1)]),
            snap(1_796_299_200, 3, &[("DE", 1), ("FR", 2)]),
        ]
    }

    #[test]
    fn the_json_lists_each_hour_oldest_first() {
        assert_eq!(
            history_json("free-them", &points()),
            json!({"id": "free-them", "interval": "hour", "points": [
                {"at": "2026-12-03T11:00:00Z", "count": 1, "by_country": {"FR": 1}},
                {"at": "2026-12-03T12:00:00Z", "count": 3, "by_country": {"DE": 1, "FR": 2}},
            ]})
        );
    }

    #[test]
    fn the_csv_has_a_total_row_and_a_row_per_country_for_each_hour() {
        assert_eq!(
            history_csv("free-them", &points()),
            "petition,at,country,count\r\n\
             free-them,2026-12-03T11:00:00Z,,1\r\n\
             free-them,2026-12-03T11:00:00Z,FR,1\r\n\
             free-them,2026-12-03T12:00:00Z,,3\r\n\
             free-them,2026-12-03T12:00:00Z,DE,1\r\n\
             free-them,2026-12-03T12:00:00Z,FR,2\r\n"
        );
        assert_eq!(history_csv("p", &[]), "petition,at,country,count\r\n");
    }

    #[test]
    fn the_csv_and_the_json_give_the_same_counts() {
        let csv = history_csv("free-them", &points());
        let mut from_csv: BTreeMap<(String, String), u64> = BTreeMap::new();
        for row in csv.lines().skip(1) {
            let cells: Vec<&str> = row.split(',').collect();
            let count = cells[3].parse().expect("a count");
            from_csv.insert((cells[1].to_owned(), cells[2].to_owned()), count);
        }
        let mut from_json = BTreeMap::new();
        for p in history_json("free-them", &points())["points"]
            .as_array()
            .expect("points")
        {
            let at = p["at"].as_str().expect("at").to_owned();
            from_json.insert((at.clone(), String::new()), p["count"].as_u64().expect("n"));
            for (c, n) in p["by_country"].as_object().expect("countries") {
                from_json.insert((at.clone(), c.clone()), n.as_u64().expect("n"));
            }
        }
        assert_eq!(from_csv, from_json);
    }

    #[test]
    fn fields_are_quoted_as_rfc_4180_says_and_file_names_are_safe() {
        assert_eq!(csv_field("FR"), "FR");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(
            attachment("free-them\"; x=../"),
            "attachment; filename=\"free-themx-history.csv\""
        );
    }
}
