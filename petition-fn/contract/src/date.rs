//! Calendar arithmetic on UTC timestamps, without a date-time dependency: the one home of the
//! civil-date algorithm, for the generator (today's date, data dates) and the function (whether a
//! petition is open, `created_at`, `expires_at`).

use std::time::{SystemTime, UNIX_EPOCH};

/// Seconds since the unix epoch (negative before 1970).
pub fn unix_seconds(at: SystemTime) -> i64 {
    match at.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_secs()).unwrap_or(i64::MAX),
    }
}

/// The UTC date of `at` as `YYYY-MM-DD`.
pub fn utc_date(at: SystemTime) -> String {
    let (y, m, d) = civil_from_days(unix_seconds(at).div_euclid(86_400));
    format!("{y:04}-{m:02}-{d:02}")
}

/// `at` as an RFC 3339 UTC timestamp with second precision (`2026-03-01T12:34:56Z`).
pub fn rfc3339(at: SystemTime) -> String {
    let secs = unix_seconds(at);
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let rem = secs.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Converts days since 1970-01-01 to a proleptic Gregorian (year, month, day).
///
/// Howard Hinnant's `civil_from_days` algorithm.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097); // [0, 146096]
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // [0, 365]
    let mp = (5 * doy + 2) / 153; // [0, 11]
    let day = doy - (153 * mp + 2) / 5 + 1; // [1, 31]
    let month = if mp < 10 { mp + 3 } else { mp - 9 }; // [1, 12]
    let year = yoe + era * 400 + i64::from(month <= 2);
    // Both are small and positive by construction.
    (
        year,
        u32::try_from(month).unwrap_or(1),
        u32::try_from(day).unwrap_or(1),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn at(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }

    #[test]
    fn epoch_and_known_dates() {
        assert_eq!(utc_date(at(0)), "1970-01-01");
        assert_eq!(rfc3339(at(0)), "1970-01-01T00:00:00Z");
        // 2000-02-29 (leap day) 12:00:01
        assert_eq!(rfc3339(at(951_825_601)), "2000-02-29T12:00:01Z");
        // 2026-12-31T23:59:59Z
        assert_eq!(rfc3339(at(1_798_761_599)), "2026-12-31T23:59:59Z");
        assert_eq!(utc_date(at(1_798_761_600)), "2027-01-01");
        assert_eq!(unix_seconds(at(42)), 42);
    }
}
