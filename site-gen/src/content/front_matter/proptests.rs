//! Property tests of [`split`]: arbitrary files, and front matter built near the valid one.

use proptest::prelude::*;

use super::*;
use crate::proptest_support::{assert_inside, config};

fn parse(text: &str) -> Result<Split<'_>, Diagnostic> {
    split(text, Path::new("content/a.md"))
}

/// `s` as a TOML basic string.
fn toml_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() && c != '\t' => out.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The checks every result of [`split`] passes.
fn check(text: &str) {
    match parse(text) {
        Ok(s) => {
            assert!(text.ends_with(s.body), "the body is the end of the file");
            let before = &text[..text.len() - s.body.len()];
            assert_eq!(
                s.body_line_offset,
                before.matches('\n').count(),
                "body line 1 is file line {} of {text:?}",
                s.body_line_offset + 1
            );
            assert!(s.meta.title.is_some_and(|t| !t.trim().is_empty()));
        }
        Err(e) => assert_inside(text, e.line, e.column, &e.message),
    }
}

/// A front matter line: valid, or wrong in a way editors get it wrong.
fn line() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>().prop_map(|t| format!("title = {}", toml_string(&t))),
        any::<i64>().prop_map(|w| format!("weight = {w}")),
        any::<bool>().prop_map(|d| format!("draft = {d}")),
        prop::collection::vec(any::<String>(), 0..3).prop_map(|tags| {
            let tags: Vec<String> = tags.iter().map(|t| toml_string(t)).collect();
            format!("tags = [{}]", tags.join(", "))
        }),
        Just("[extra]".to_string()),
        Just("[petition]".to_string()),
        Just("date = 2026-11-28".to_string()),
        Just("titel = \"typo\"".to_string()),
        Just("weight = \"heavy\"".to_string()),
        Just("sort_by = \"random\"".to_string()),
        any::<String>().prop_map(|t| format!("title = \"{t}")),
        Just("+++".to_string()),
        Just("+++ ".to_string()),
        Just(String::new()),
        "[^\n]{0,20}",
        "[a-z_]{1,8} = [^\n]{0,10}",
    ]
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn arbitrary_files_never_panic_and_errors_are_inside(
        text in prop_oneof![
            any::<String>(),
            // Past the opening fence, to reach the closing one and the TOML.
            (any::<bool>(), any::<String>(), any::<String>())
                .prop_map(|(bom, a, b)| format!("{}+++\n{a}\n+++\n{b}", if bom { "\u{feff}" } else { "" })),
        ],
    ) {
        check(&text);
    }

    #[test]
    fn near_valid_front_matter_never_panics_and_errors_are_inside(
        bom in any::<bool>(),
        open in prop::sample::select(vec!["+++", "+++", "+++", "+++ ", "++", "", "\u{feff}+++"]),
        lines in prop::collection::vec(line(), 0..8),
        close in prop::sample::select(vec!["+++", "+++", "+++", "+++ ", "++++", ""]),
        body in any::<String>(),
        crlf in prop::collection::vec(any::<bool>(), 1..4),
    ) {
        let mut text = String::from(if bom { "\u{feff}" } else { "" });
        for (i, l) in std::iter::once(open).chain(lines.iter().map(String::as_str)).chain([close]).enumerate() {
            text.push_str(l);
            text.push_str(if crlf[i % crlf.len()] { "\r\n" } else { "\n" });
        }
        text.push_str(&body);
        check(&text);
    }

    #[test]
    fn valid_front_matter_round_trips(
        bom in any::<bool>(),
        crlf in any::<bool>(),
        title in any::<String>().prop_filter("blank", |t| !t.trim().is_empty()),
        weight in any::<i64>(),
        tags in prop::collection::vec(any::<String>(), 0..3),
        note in any::<String>(),
        body in any::<String>(),
    ) {
        let eol = if crlf { "\r\n" } else { "\n" };
        let tag_list: Vec<String> = tags.iter().map(|t| toml_string(t)).collect();
        let text = [
            format!("{}+++", if bom { "\u{feff}" } else { "" }),
            format!("title = {}", toml_string(&title)),
            format!("weight = {weight}"),
            format!("tags = [{}]", tag_list.join(", ")),
            "[extra]".to_string(),
            format!("note = {}", toml_string(&note)),
            "+++".to_string(),
            body.clone(),
        ]
        .join(eol);
        let s = parse(&text).expect("valid front matter");
        prop_assert_eq!(s.meta.title.as_deref(), Some(title.as_str()));
        prop_assert_eq!(s.meta.weight, weight);
        prop_assert_eq!(&s.meta.tags, &tags);
        prop_assert_eq!(s.meta.extra.get("note").and_then(|n| n.as_str()), Some(note.as_str()));
        prop_assert_eq!(s.body, body.as_str());
        prop_assert_eq!(s.body_line_offset, 7);
    }
}
