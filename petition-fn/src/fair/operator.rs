//! The operator's controls, without a deploy: pause and resume signing of a petition, undo a
//! flood (by the client that sent it or by a time window), and the day's limit trips. Each
//! works on the store directly, with the operator's access, and reports counts only.

use std::collections::BTreeSet;

use crate::store::{Counts, Invalidated, Pause, Store, StoreError};

/// Which signatures `invalidate` removes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selection {
    /// Those sent by one client (its day's keyed hash, as `stats` lists them) within the last
    /// day, confirmed or pending.
    Client(String),
    /// Confirmed signatures made in `[since, until)` (RFC 3339 UTC), of one country or all.
    Window {
        /// The first instant included.
        since: String,
        /// The first instant excluded.
        until: String,
        /// Only this country (ISO code, upper case).
        country: Option<String>,
    },
}

/// Why a time given to `--since` or `--until` is not usable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{0}` is not a UTC time: write it as 2026-12-01T14:00:00Z (or a day, 2026-12-01, for its start)"
)]
pub struct BadTime(pub String);

/// The RFC 3339 form signatures carry (`YYYY-MM-DDTHH:MM:SSZ`) of an operator's time: the
/// same, or a day for its midnight.
pub fn parse_time(text: &str) -> Result<String, BadTime> {
    let t = text.trim();
    let full = if t.len() == 10 {
        format!("{t}T00:00:00Z")
    } else {
        t.to_owned()
    };
    let b = full.as_bytes();
    let digits = |range: std::ops::Range<usize>| range.into_iter().all(|i| b[i].is_ascii_digit());
    let shaped = b.len() == 20
        && digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && b[10] == b'T'
        && digits(11..13)
        && b[13] == b':'
        && digits(14..16)
        && b[16] == b':'
        && digits(17..19)
        && b[19] == b'Z';
    if shaped {
        Ok(full)
    } else {
        Err(BadTime(text.to_owned()))
    }
}

/// What `invalidate` would remove (`--dry-run`) or removed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// Confirmed signatures, by country.
    pub signatures: Counts,
    /// Signatures still waiting for confirmation.
    pub pending: u64,
}

impl From<Invalidated> for Report {
    fn from(done: Invalidated) -> Self {
        Self {
            signatures: done.signatures,
            pending: done.pending,
        }
    }
}

/// Removes (or with `dry_run` only counts) the signatures of `petition` that `selection`
/// names, at `now` (unix seconds). Counts stay exact: each removal takes its counters with it.
pub async fn invalidate(
    store: &dyn Store,
    petition: &str,
    selection: &Selection,
    now: i64,
    dry_run: bool,
) -> Result<Report, StoreError> {
    let signatures = store.export_signatures(petition).await?;
    let (hashes, pending): (BTreeSet<String>, u64) = match selection {
        Selection::Client(client) => {
            let noted: BTreeSet<String> = store
                .client_notes(petition, Some(client), now)
                .await?
                .into_iter()
                .map(|n| n.hash)
                .collect();
            let confirmed = signatures
                .iter()
                .filter(|s| noted.contains(&s.hash))
                .count();
            let pending = noted.len().saturating_sub(confirmed) as u64;
            (noted, pending)
        }
        Selection::Window {
            since,
            until,
            country,
        } => {
            let chosen = signatures
                .iter()
                .filter(|s| s.created_at.as_str() >= since.as_str())
                .filter(|s| s.created_at.as_str() < until.as_str())
                .filter(|s| country.as_deref().is_none_or(|c| s.country == c))
                .map(|s| s.hash.clone())
                .collect();
            (chosen, 0)
        }
    };
    if !dry_run {
        let hashes: Vec<String> = hashes.into_iter().collect();
        return Ok(store.invalidate(petition, &hashes).await?.into());
    }
    let mut report = Report {
        pending,
        ..Report::default()
    };
    for s in signatures.iter().filter(|s| hashes.contains(&s.hash)) {
        report.signatures.total += 1;
        *report
            .signatures
            .by_country
            .entry(s.country.clone())
            .or_default() += 1;
    }
    Ok(report)
}

/// Pauses signing of `petition` (signers get a 503 page saying so, within seconds).
pub async fn pause(
    store: &dyn Store,
    petition: &str,
    message: Option<String>,
    since: String,
) -> Result<(), StoreError> {
    let message = message
        .map(|m| m.trim().to_owned())
        .filter(|m| !m.is_empty());
    store
        .set_pause(petition, Some(Pause { message, since }))
        .await
}

/// Resumes signing of `petition`.
pub async fn resume(store: &dyn Store, petition: &str) -> Result<(), StoreError> {
    store.set_pause(petition, None).await
}

/// How many signing attempts of `petition` went over a client's limit on `day`
/// (`YYYY-MM-DD`), and the clients with the most signatures noted in the last day, most first
/// (at most `top`).
pub async fn trips(
    store: &dyn Store,
    petition: &str,
    day: &str,
    now: i64,
    top: usize,
) -> Result<(u64, Vec<(String, u64)>), StoreError> {
    let trips = store
        .peek(&super::trips_key_for_petition(petition, day), now)
        .await?;
    let mut by_client = std::collections::BTreeMap::<String, u64>::new();
    for note in store.client_notes(petition, None, now).await? {
        *by_client.entry(note.client).or_default() += 1;
    }
    let mut clients: Vec<(String, u64)> = by_client.into_iter().collect();
    clients.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    clients.truncate(top);
    Ok((trips, clients))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_utc_instants_or_days() {
        assert_eq!(
            parse_time("2026-12-01").as_deref(),
            Ok("2026-12-01T00:00:00Z")
        );
        assert_eq!(
            parse_time(" 2026-12-01T14:05:00Z ").as_deref(),
            Ok("2026-12-01T14:05:00Z")
        );
        for bad in ["yesterday", "2026-12-01T14:05:00+01:00", "2026-12-1", ""] {
            let Err(e) = parse_time(bad) else {
                panic!("{bad} is refused")
            };
            assert!(e.to_string().contains("2026-12-01T14:00:00Z"), "{e}");
        }
    }
}
