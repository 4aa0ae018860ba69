//! The count history, public open data: an hourly snapshot of each petition's confirmed counts
//! (total and by country, at the start of a UTC hour), taken by a scheduled run of the
//! function (an EventBridge schedule on Lambda, `petition-fn snapshot`, a timer in the local
//! servers) and served as JSON and CSV (`GET /api/petitions/{id}/history[.csv]`).
//!
//! A snapshot holds counts only: no name, no address, nothing per person. Pending signatures
//! are in no count, so they are in no snapshot.

use std::time::SystemTime;

use crate::store::{Snapshot, Store, StoreError};
use contract::date::unix_seconds;

/// The time between two snapshots of a petition: an hour.
pub const INTERVAL_SECS: i64 = 60 * 60;

/// The start of the UTC hour holding `at` (unix seconds).
pub fn hour_of(at: i64) -> i64 {
    at - at.rem_euclid(INTERVAL_SECS)
}

/// Takes the snapshot of the current hour of each of `petitions`: its confirmed counts now,
/// replacing one taken earlier in the same hour. Returns how many were written; the first
/// store failure stops the run (a retry writes the same hour again, harmlessly).
pub async fn take(
    store: &dyn Store,
    petitions: &[String],
    now: SystemTime,
) -> Result<usize, StoreError> {
    let hour = hour_of(unix_seconds(now));
    for petition in petitions {
        let counts = store.count(petition).await?;
        store
            .write_snapshot(Snapshot {
                petition: petition.clone(),
                hour,
                counts,
            })
            .await?;
    }
    Ok(petitions.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_hour_starts_on_the_hour() {
        assert_eq!(hour_of(0), 0);
        assert_eq!(hour_of(3_599), 0);
        assert_eq!(hour_of(3_600), 3_600);
        assert_eq!(hour_of(1_796_300_000), 1_796_299_200);
        assert_eq!(hour_of(-1), -3_600);
    }
}
