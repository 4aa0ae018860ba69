//! The stale-target guard: a letter campaign aimed at a Congress that has ended, at senator data
//! gone old, or at a senator whose term is over, is warned about at every build and check.

use contract::bundle::{Bill, Senator};

/// How old the senator data may be before a warning (days).
const MAX_DATA_AGE_DAYS: i64 = 180;

/// The Congress in session on `date` (`YYYY-MM-DD`): the 1st began in 1789, and each lasts
/// two years from 3 January of an odd year. `None` for a date that does not parse.
pub(crate) fn congress_on(date: &str) -> Option<u32> {
    let (y, m, d) = ymd(date)?;
    let year = if (m, d) < (1, 3) { y - 1 } else { y };
    u32::try_from((year - 1789).div_euclid(2) + 1).ok()
}

/// The warnings for a campaign with `bill`, `senators` taken from their source on `as_of`,
/// built on `today`.
pub(crate) fn warnings(
    bill: Option<&Bill>,
    senators: &[Senator],
    as_of: &str,
    today: &str,
) -> Vec<String> {
    let mut out = Vec::new();
    if let (Some(bill), Some(now)) = (bill, congress_on(today))
        && bill.congress != now
    {
        out.push(format!(
            "site.toml: [letter] names {} of the {} Congress, but the {} Congress is in session on {today}: a bill dies with its Congress, so the letter asks senators for something they cannot vote on. Set [letter] to a bill of the {} Congress (its number, congress = {now} and title), or take the letter page down",
            bill.number,
            contract::strings::english_ordinal(u64::from(bill.congress)),
            contract::strings::english_ordinal(u64::from(now)),
            contract::strings::english_ordinal(u64::from(now)),
        ));
    }
    if let (Some(then), Some(now)) = (days(as_of), days(today))
        && now - then > MAX_DATA_AGE_DAYS
    {
        out.push(format!(
            "content/data/senators.json: the senator data is from {as_of}, {} days ago (more than {MAX_DATA_AGE_DAYS}): senators change. Refresh it with `site-gen senators import` (content/README.md says how)",
            now - then
        ));
    }
    for s in senators {
        if !s.term_end.is_empty() && s.term_end.as_str() < today {
            out.push(format!(
                "content/data/senators.json: the term of {} ({}) ended on {}: refresh the senator data with `site-gen senators import`",
                s.name, s.state, s.term_end
            ));
        }
    }
    out
}

fn ymd(date: &str) -> Option<(i64, u32, u32)> {
    let mut parts = date.trim().splitn(3, '-');
    let y = parts.next()?.parse().ok()?;
    let m = parts.next()?.parse().ok()?;
    let d = parts.next()?.get(..2)?.parse().ok()?;
    Some((y, m, d))
}

/// Days since 1970-01-01 of a `YYYY-MM-DD` date (the civil-from-days inverse).
fn days(date: &str) -> Option<i64> {
    let (y, m, d) = ymd(date)?;
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (i64::from(m) + 9) % 12;
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some(era * 146_097 + doe - 719_468)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bill(congress: u32) -> Bill {
        Bill {
            number: "S.Res.220".into(),
            congress,
            title: "A resolution".into(),
            url: None,
            note: None,
            keep: false,
        }
    }

    #[test]
    fn the_congress_in_session() {
        assert_eq!(congress_on("1789-03-04"), Some(1));
        assert_eq!(congress_on("2026-12-01"), Some(119));
        assert_eq!(congress_on("2027-01-02"), Some(119));
        assert_eq!(congress_on("2027-01-03"), Some(120));
        assert_eq!(congress_on("2018-06-01"), Some(115));
        assert_eq!(congress_on("soon"), None);
    }

    #[test]
    fn an_ended_congress_old_data_and_ended_terms_are_warned_about() {
        let w = warnings(Some(&bill(115)), &[], "2026-11-01", "2026-12-01");
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(w[0].contains("S.Res.220 of the 115th Congress"), "{}", w[0]);
        assert!(w[0].contains("the 119th Congress is in session on 2026-12-01"));
        assert!(warnings(Some(&bill(119)), &[], "2026-11-01", "2026-12-01").is_empty());
        assert!(warnings(Some(&bill(120)), &[], "2027-01-01", "2027-01-03").is_empty());
        let old = warnings(None, &[], "2026-01-01", "2026-12-01");
        assert_eq!(old.len(), 1);
        assert!(old[0].contains("334 days ago"), "{}", old[0]);
        let ended = Senator {
            state: "CA".into(),
            name: "Ann Able".into(),
            term_end: "2025-01-03".into(),
            bioguide: "A000001".into(),
            ..Senator::default()
        };
        let w = warnings(None, &[ended], "2026-11-01", "2026-12-01");
        assert!(w[0].contains("Ann Able (CA) ended on 2025-01-03"), "{w:?}");
    }
}
