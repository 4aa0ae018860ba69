//! Property tests of [`render`]: Markdown bodies with components, arbitrary and generated.

use proptest::prelude::*;

use super::*;
use crate::proptest_support::{assert_inside, config, text_line};

/// Two components (one with a body), one page to link to; any other name is an error.
struct Cx;

impl Context for Cx {
    fn link(&self, rel: &str) -> Option<String> {
        (rel == "petition/_index.md").then(|| "/petition/".to_string())
    }

    fn component(&self, call: &Call, body: Option<&str>) -> Result<String, (String, String)> {
        match call.name.as_str() {
            "box" => Ok(format!(
                "<box-component>{}</box-component>",
                body.unwrap_or("")
            )),
            "hello" => Ok("<hello-component></hello-component>".into()),
            other => Err((format!("unknown component `{other}`"), String::new())),
        }
    }
}

fn md(body: &str) -> Result<Rendered, Vec<Diagnostic>> {
    render(body, Path::new("content/t.md"), 0, &Cx)
}

/// The checks every result of [`render`] passes.
fn check(body: &str) -> Option<Rendered> {
    match md(body) {
        Ok(r) => {
            assert!(
                !r.html.contains("sg-component-"),
                "a component was not put in place: {:?}",
                r.html
            );
            Some(r)
        }
        Err(problems) => {
            assert!(!problems.is_empty());
            for p in &problems {
                assert_inside(body, p.line, p.column, &p.message);
            }
            None
        }
    }
}

/// Lines of Markdown with components, right and wrong.
fn markdown_line() -> impl Strategy<Value = String> {
    let fixed = prop::sample::select(vec![
        "",
        "{{ hello() }}",
        "  {{ box(title=\"A\") }}",
        "{% box() %}",
        "{% end %}",
        "{{ nope() }}",
        "{{ hello(",
        "```",
        "```rust",
        "~~~",
        "    {{ hello() }}",
        "- item",
        "1. item",
        "> quote",
        "## Heading {#id}",
        "Heading",
        "---",
        "| a | b |",
        "|---|---|",
        "<div>",
        "</div>",
        "<!-- note",
        "-->",
        "[there](@/petition/_index.md#x) and [here](#y)",
        "[nowhere](@/nope.md)",
        "![image](@/nope.png)",
        "[^1]: note",
    ]);
    prop_oneof![fixed.prop_map(String::from), text_line()]
}

fn join(lines: &[String], crlf: &[bool]) -> String {
    let mut text = String::new();
    for (i, line) in lines.iter().enumerate() {
        text.push_str(line);
        text.push_str(if crlf[i % crlf.len()] { "\r\n" } else { "\n" });
    }
    text
}

/// A piece of a valid body, and what it renders: component outputs, and call lines shown as
/// code.
#[derive(Debug, Clone)]
enum Piece {
    Text(String),
    Hello { indent: String, args: String },
    Box { args: String, body: Vec<Piece> },
    Fence { marker: String, lines: Vec<String> },
}

fn args() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "",
        "n=2",
        "title=\"<script>alert(1)</script>\"",
        "a=true, b=\"x\"",
    ])
    .prop_map(String::from)
}

fn prose() -> impl Strategy<Value = Piece> {
    prop_oneof![
        "[A-Za-z0-9 .,!?]{0,30}",
        "#{1,6} [A-Za-z ]{1,20}",
        Just("See [the petition](@/petition/_index.md#x) and [below](#y).".to_string()),
        Just("- a list item".to_string()),
    ]
    .prop_map(Piece::Text)
}

fn hello() -> impl Strategy<Value = Piece> {
    let indent = prop::sample::select(vec!["", " ", "   ", "\t", "\u{3000}"]);
    (indent, args()).prop_map(|(indent, args)| Piece::Hello {
        indent: indent.to_string(),
        args,
    })
}

fn fence() -> impl Strategy<Value = Piece> {
    let marker = prop::sample::select(vec!["```", "~~~", "````"]);
    let content = prop::sample::select(vec![
        "{{ hello() }}",
        "{% box() %}",
        "{% end %}",
        "text",
        "",
        // Not closing fences: an info string, a shorter fence, the other kind.
        "```rust",
        "``",
        "~~~",
        "~~~~ toml",
    ]);
    (marker, prop::collection::vec(content, 0..5)).prop_map(|(marker, lines)| Piece::Fence {
        lines: lines
            .into_iter()
            .filter(|l| !closes(l, marker))
            .map(String::from)
            .collect(),
        marker: marker.to_string(),
    })
}

/// Whether `line` closes a fence opened by `marker` (CommonMark: only fence characters, as
/// many or more).
fn closes(line: &str, marker: &str) -> bool {
    line.starts_with(marker) && line.chars().all(|c| marker.starts_with(c))
}

fn piece() -> impl Strategy<Value = Piece> {
    let body = prop::collection::vec(prop_oneof![prose(), hello()], 0..4);
    prop_oneof![
        3 => prose(),
        2 => hello(),
        2 => (args(), body).prop_map(|(args, body)| Piece::Box { args, body }),
        1 => fence(),
    ]
}

/// The lines of `pieces`, and counts of hellos, boxes and call lines inside code.
fn lines_of(pieces: &[Piece], out: &mut Vec<String>, counts: &mut (usize, usize, usize)) {
    for piece in pieces {
        match piece {
            Piece::Text(t) => out.push(t.clone()),
            Piece::Hello { indent, args } => {
                out.push(format!("{indent}{{{{ hello({args}) }}}}"));
                counts.0 += 1;
            }
            Piece::Box { args, body } => {
                out.push(format!("{{% box({args}) %}}"));
                lines_of(body, out, counts);
                out.push("{% end %}".into());
                counts.1 += 1;
            }
            Piece::Fence { marker, lines } => {
                out.push(marker.clone());
                for l in lines {
                    out.push(l.clone());
                    if l.starts_with('{') {
                        counts.2 += 1;
                    }
                }
                out.push(marker.clone());
            }
        }
    }
}

/// ASCII punctuation escaped with a backslash: Markdown then reads `text` as text only.
fn escape(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c.is_ascii_punctuation() {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Lines where `<script>` may only come from text: escaped text, headings with explicit ids,
/// code spans, fenced code and link anchors.
fn text_only_line() -> impl Strategy<Value = Vec<String>> {
    let no_break = "[^\n\r`]{0,30}";
    prop_oneof![
        any::<String>().prop_map(|t| vec![escape(&t)]),
        ("[^\n\r]{0,20}", "[^\\s{}]{1,20}")
            .prop_map(|(t, id)| vec![format!("## {} {{#{id}}}", escape(&t))]),
        no_break.prop_map(|t| vec![format!("Run `{t}` now.")]),
        prop::collection::vec("[^\n\r~][^\n\r]{0,30}", 0..4).prop_map(|lines| {
            let mut v = vec!["~~~~~~~~".to_string()];
            v.extend(lines.into_iter().filter(|l| !l.trim().starts_with('~')));
            v.push("~~~~~~~~".to_string());
            v
        }),
        prop_oneof![
            "[^\\s()\\\\\\p{Cc}]{0,20}",
            Just("<script>alert(1)</script>".to_string())
        ]
        .prop_map(|a| vec![format!(
            "[see](@/petition/_index.md#{a}) or [there](https://a.test/{a})"
        )]),
        Just(vec![String::new()]),
    ]
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn arbitrary_bodies_never_panic_and_problems_are_inside(
        body in prop_oneof![
            any::<String>(),
            (prop::collection::vec(markdown_line(), 0..12), prop::collection::vec(any::<bool>(), 1..4))
                .prop_map(|(lines, crlf)| join(&lines, &crlf)),
        ],
    ) {
        check(&body);
    }

    #[test]
    fn valid_bodies_render_every_component_in_place(
        pieces in prop::collection::vec(piece(), 0..8),
        crlf in prop::collection::vec(any::<bool>(), 1..4),
    ) {
        let mut lines = Vec::new();
        let mut counts = (0, 0, 0);
        lines_of(&pieces, &mut lines, &mut counts);
        let body = join(&lines, &crlf);
        let r = check(&body).expect("a valid body renders");
        let (hellos, boxes, shown) = counts;
        prop_assert_eq!(r.html.matches("<hello-component>").count(), hellos, "{:?}", r.html);
        prop_assert_eq!(r.html.matches("<box-component>").count(), boxes, "{:?}", r.html);
        prop_assert_eq!(
            r.html.matches("{{").count() + r.html.matches("{%").count(),
            shown,
            "calls in code are shown as written: {:?}",
            r.html
        );
    }

    #[test]
    fn script_tags_never_come_from_text(
        lines in prop::collection::vec(text_only_line(), 0..8),
        crlf in prop::collection::vec(any::<bool>(), 1..4),
    ) {
        let body = join(&lines.concat(), &crlf);
        let r = check(&body).expect("text renders");
        prop_assert!(!r.html.to_lowercase().contains("<script"), "{:?}", r.html);
        prop_assert!(!r.summary.to_lowercase().contains("<script"), "{:?}", r.summary);
    }
}

/// Raw HTML is kept as written, by design: editors are trusted, `site-gen check` reports an
/// inline `<script>`, and the Content-Security-Policy blocks one. Only text is escaped.
#[test]
fn raw_html_is_kept_as_written() {
    let r = md("<script src=\"/js/a.js\"></script>\n").expect("renders");
    assert!(r.html.contains("<script src=\"/js/a.js\"></script>"));
}
