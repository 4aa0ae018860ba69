//! Shared pieces of the property tests of the parsers: their configuration, the text editors
//! write, and the check that a reported position lies inside the input.

use proptest::prelude::*;
use proptest::test_runner::Config;

/// `cases` cases, and no failure-persistence files in the source tree: a failing input found
/// is kept as a named regression test with its literal input instead.
pub(crate) fn config(cases: u32) -> Config {
    Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    }
}

/// Asserts that a 1-based `line` and `column` lie inside `text`: on one of its lines (the
/// empty one after a final newline included), at most one past that line's last character.
pub(crate) fn assert_inside(text: &str, line: usize, column: usize, what: &str) {
    let lines: Vec<&str> = text.split('\n').collect();
    assert!(
        (1..=lines.len()).contains(&line),
        "{what}: line {line} outside 1..={} of {text:?}",
        lines.len()
    );
    let width = lines[line - 1].chars().count();
    assert!(
        (1..=width + 1).contains(&column),
        "{what}: column {column} outside 1..={} of line {line} of {text:?}",
        width + 1
    );
}

/// Whitespace editors indent with or put between tokens, the odd non-ASCII one included.
pub(crate) fn ws() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![" ", " ", " ", "\t", "\u{a0}", "\u{3000}"]);
    prop::collection::vec(pieces, 0..3).prop_map(|v| v.concat())
}

/// `text` with every `{{` and `{%` broken apart, so that it holds no component call.
pub(crate) fn without_calls(text: &str) -> String {
    let mut s = text.to_string();
    while s.contains("{{") || s.contains("{%") {
        s = s.replace("{{", "{ {").replace("{%", "{ %");
    }
    s
}

/// A line of arbitrary text (no newline) that is neither a component call nor a code fence.
pub(crate) fn text_line() -> impl Strategy<Value = String> {
    prop_oneof![
        "[^\n]{0,30}",
        "[{}%()=\",`~+#*<>\\\\a-z \t\r\u{a0}\u{feff}é]{0,30}",
    ]
    .prop_map(|s| without_calls(&s))
    .prop_filter("a fence", |s| {
        !(s.trim().starts_with("```") || s.trim().starts_with("~~~"))
    })
}
