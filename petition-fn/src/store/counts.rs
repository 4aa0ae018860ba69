//! Letter counter names and how they add up, shared by both stores.
//!
//! A letter counts under `s_<STATE>` and, for each of its senators, `b_<bioguide>`: the keys of
//! the embedded store's `letter_counts` table and the attribute names of DynamoDB's letter
//! counter shards.

use super::LetterCounts;

const STATE_PREFIX: &str = "s_";
const SENATOR_PREFIX: &str = "b_";

/// The counters a letter from `state` to `senators` counts in: the state's, then each
/// senator's.
pub(crate) fn letter_counters(state: &str, senators: &[String]) -> Vec<String> {
    std::iter::once(format!("{STATE_PREFIX}{state}"))
        .chain(senators.iter().map(|b| format!("{SENATOR_PREFIX}{b}")))
        .collect()
}

/// Adds one counter (`s_<STATE>` or `b_<bioguide>`) to the counts; other names are ignored.
pub(crate) fn add_letter_count(counts: &mut LetterCounts, name: &str, value: u64) {
    if let Some(state) = name.strip_prefix(STATE_PREFIX) {
        *counts.by_state.entry(state.to_owned()).or_insert(0) += value;
        counts.total += value;
    } else if let Some(senator) = name.strip_prefix(SENATOR_PREFIX) {
        *counts.by_senator.entry(senator.to_owned()).or_insert(0) += value;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_name_the_state_then_each_senator_and_add_back_up() {
        let names = letter_counters("CA", &["P000145".into(), "S001150".into()]);
        assert_eq!(names, ["s_CA", "b_P000145", "b_S001150"]);
        let mut counts = LetterCounts::default();
        for name in &names {
            add_letter_count(&mut counts, name, 2);
        }
        add_letter_count(&mut counts, "pk", 7);
        assert_eq!(counts.total, 2);
        assert_eq!(counts.by_state.get("CA"), Some(&2));
        assert_eq!(counts.by_senator.get("S001150"), Some(&2));
        assert_eq!(counts.by_senator.len(), 2);
    }
}
