//! Property tests of [`extract`]: arbitrary text, generated valid calls, and near-valid ones.

use std::collections::BTreeMap;

use proptest::prelude::*;
use serde_json::Value;

use super::*;
use crate::proptest_support::{assert_inside, config, text_line, without_calls, ws};

/// A value as an editor writes it, and what it must parse to.
fn value() -> impl Strategy<Value = (String, Value)> {
    prop_oneof![
        any::<String>().prop_map(|s| (quote(&s), Value::String(s))),
        any::<i64>().prop_map(|i| (i.to_string(), Value::from(i))),
        // `{:?}` keeps the `.0` of whole numbers, so they stay floats.
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| (format!("{f:?}"), Value::from(f))),
        any::<bool>().prop_map(|b| (b.to_string(), Value::Bool(b))),
    ]
}

/// `s` written as a call's text value.
fn quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A valid call `name(key=value, …)`, with random spacing.
#[derive(Debug, Clone)]
struct GenCall {
    name: String,
    /// Key, its written value with the spacing around it, and the parsed value.
    args: Vec<(String, String, Value)>,
    trailing_comma: bool,
    /// Between `{{` and the name; between `)` and `}}`.
    lead: String,
    tail: String,
}

impl GenCall {
    fn text(&self) -> String {
        let args: Vec<String> = self.args.iter().map(|(_, w, _)| w.clone()).collect();
        let comma = if self.trailing_comma && !args.is_empty() {
            ","
        } else {
            ""
        };
        format!(
            "{}{}({}{comma}){}",
            self.lead,
            self.name,
            args.join(","),
            self.tail
        )
    }

    fn args(&self) -> BTreeMap<String, Value> {
        self.args
            .iter()
            .map(|(k, _, v)| (k.clone(), v.clone()))
            .collect()
    }
}

fn gen_call() -> impl Strategy<Value = GenCall> {
    let arg = (value(), ws(), ws(), ws(), ws());
    (
        "[A-Za-z0-9_]{1,12}",
        prop::collection::btree_map("[A-Za-z0-9_]{1,8}", arg, 0..4),
        any::<bool>(),
        ws(),
        ws(),
    )
        .prop_map(|(name, args, trailing_comma, lead, tail)| GenCall {
            name,
            args: args
                .into_iter()
                .map(|(k, ((w, v), a, b, c, d))| (k.clone(), format!("{a}{k}{b}={c}{w}{d}"), v))
                .collect(),
            trailing_comma,
            lead,
            tail,
        })
}

/// A piece of a body: one or more lines.
#[derive(Debug, Clone)]
enum Piece {
    /// Text that holds no call.
    Text(String),
    /// `{{ call }}` on its line.
    Inline {
        indent: String,
        call: GenCall,
        after: String,
    },
    /// `{% call %}`, body lines (text and inline calls), `{% end %}`.
    Block {
        indent: String,
        call: GenCall,
        body: Vec<Piece>,
        end: String,
    },
    /// A fenced code block whose lines, calls among them, are left alone.
    Fence { marker: String, lines: Vec<String> },
    /// Lines that are wrong (`certain`), or may be: the only places errors may point to.
    Broken { lines: Vec<String>, certain: bool },
}

fn inline() -> impl Strategy<Value = Piece> {
    (ws(), gen_call(), ws()).prop_map(|(indent, call, after)| Piece::Inline {
        indent,
        call,
        after,
    })
}

fn fence() -> impl Strategy<Value = Piece> {
    let marker = prop::sample::select(vec!["```", "~~~", "````", "~~~~~"]);
    let content = prop_oneof![
        text_line(),
        gen_call().prop_map(|c| format!("{{{{{}}}}}", c.text())),
        gen_call().prop_map(|c| format!("{{%{}%}}", c.text())),
        Just("{% end %}".to_string()),
        Just("{{ broken(".to_string()),
    ];
    (marker, prop::collection::vec(content, 0..4)).prop_map(|(marker, lines)| {
        let close = marker.chars().next().map(String::from).unwrap_or_default();
        Piece::Fence {
            lines: lines
                .into_iter()
                .filter(|l| !l.trim().starts_with(&close))
                .collect(),
            marker: marker.to_string(),
        }
    })
}

fn valid_piece() -> impl Strategy<Value = Piece> {
    let body = prop::collection::vec(
        prop_oneof![text_line().prop_map(Piece::Text), inline()],
        0..4,
    );
    prop_oneof![
        3 => text_line().prop_map(Piece::Text),
        3 => inline(),
        2 => (ws(), gen_call(), body, ws()).prop_map(|(indent, call, body, e)| Piece::Block {
            indent,
            call,
            body,
            end: format!("{e}{{%{e}end{e}%}}{e}"),
        }),
        1 => fence(),
    ]
}

/// Lines that are wrong calls; none opens a body that would swallow the lines after it.
fn broken_piece() -> impl Strategy<Value = Piece> {
    let one = |s: &str| broken(vec![s.to_string()]);
    prop_oneof![
        gen_call().prop_map(|c| {
            // The text without its closing `) }}`: never closed, or missing its parenthesis.
            let text = c.text();
            let cut = text.rfind(')').unwrap_or(text.len());
            broken(vec![format!("{{{{{} }}}}", &text[..cut])])
        }),
        ("[a-z]{1,5}", any::<String>()).prop_map(|(k, s)| {
            let q = quote(&s);
            broken(vec![format!("{{{{ x({k}={}) }}}}", &q[..q.len() - 1])])
        }),
        ("[a-z]{1,5}", any::<String>()).prop_map(|(k, s)| {
            let q = quote(&s);
            broken(vec![
                format!("{{% x({k}={}) %}}", &q[..q.len() - 1]),
                "text".into(),
                "{% end %}".into(),
            ])
        }),
        Just(one("{{ name }}")),
        Just(one("{{}}")),
        Just(one("{{ (a=1) }}")),
        Just(one("{{ x(a=nope) }}")),
        Just(one("{{ x(a=) }}")),
        Just(one("{{ x(=1) }}")),
        Just(one("{{ x(a=1 b=2) }}")),
        Just(one("{{ x(a=1, a=2) }}")),
        Just(one("{% end %}")),
        (gen_call(), gen_call()).prop_map(|(a, b)| broken(vec![
            format!("{{%{}%}}", a.text()),
            format!("{{%{}%}}", b.text()),
            "text".into(),
            "{% end %}".into(),
        ])),
        "[^\n]{0,20}".prop_map(|s| Piece::Broken {
            lines: vec![format!("{{{{{s}}}}}")],
            certain: false,
        }),
    ]
}

fn broken(lines: Vec<String>) -> Piece {
    Piece::Broken {
        lines,
        certain: true,
    }
}

/// A body assembled from pieces: its text, the calls it must give, and the lines of broken
/// pieces.
struct Doc {
    text: String,
    calls: Vec<Call>,
    broken_lines: Vec<usize>,
}

fn assemble(pieces: &[Piece], crlf: &[bool], last_newline: bool) -> Doc {
    let mut lines: Vec<String> = Vec::new();
    let mut calls = Vec::new();
    let mut broken_lines = Vec::new();
    let eol = |i: usize| if crlf[i % crlf.len()] { "\r\n" } else { "\n" };
    for piece in pieces {
        match piece {
            Piece::Text(t) => lines.push(t.clone()),
            Piece::Inline {
                indent,
                call,
                after,
            } => {
                calls.push(expected(call, None, lines.len() + 1, indent));
                lines.push(format!("{indent}{{{{{}}}}}{after}", call.text()));
            }
            Piece::Block {
                indent,
                call,
                body,
                end,
            } => {
                let open = lines.len() + 1;
                lines.push(format!("{indent}{{%{}%}}", call.text()));
                let mut text = String::new();
                for inner in body {
                    let line = match inner {
                        Piece::Text(t) => t.clone(),
                        Piece::Inline {
                            indent,
                            call,
                            after,
                        } => format!("{indent}{{{{{}}}}}{after}", call.text()),
                        _ => unreachable!("bodies hold text and inline calls"),
                    };
                    text.push_str(&line);
                    text.push_str(eol(lines.len()));
                    lines.push(line);
                }
                calls.push(expected(call, Some(text), open, indent));
                lines.push(end.clone());
            }
            Piece::Fence { marker, lines: l } => {
                lines.push(marker.clone());
                lines.extend(l.iter().cloned());
                lines.push(marker.clone());
            }
            Piece::Broken { lines: l, .. } => {
                for line in l {
                    lines.push(line.clone());
                    broken_lines.push(lines.len());
                }
            }
        }
    }
    let mut text = String::new();
    for (i, line) in lines.iter().enumerate() {
        text.push_str(line);
        if i + 1 < lines.len() || last_newline {
            text.push_str(eol(i));
        }
    }
    Doc {
        text,
        calls,
        broken_lines,
    }
}

fn expected(call: &GenCall, body: Option<String>, line: usize, indent: &str) -> Call {
    Call {
        name: call.name.clone(),
        args: call.args(),
        body,
        line,
        // After the indent and `{{`, then the spacing before the name.
        column: indent.chars().count() + 2 + call.lead.chars().count() + 1,
    }
}

fn check_positions(text: &str, errors: &[CallError]) {
    assert!(!errors.is_empty(), "an Err holds its errors");
    for e in errors {
        assert_inside(text, e.line, e.column, &e.message);
    }
}

/// Extraction only replaces whole lines, by a blank one or a placeholder, and keeps every
/// newline, so lines keep their numbers.
fn check_lines_kept(body: &str, ex: &Extracted) {
    assert_eq!(
        ex.markdown.matches('\n').count(),
        body.matches('\n').count(),
        "newlines of {body:?} -> {:?}",
        ex.markdown
    );
    for (i, (b, m)) in body.split('\n').zip(ex.markdown.split('\n')).enumerate() {
        let placeholder = (0..ex.calls.len()).any(|c| m == placeholder(c));
        assert!(
            b == m || m.is_empty() || placeholder,
            "line {} {b:?} became {m:?}",
            i + 1
        );
    }
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn arbitrary_text_never_panics_and_errors_are_inside(
        body in prop_oneof![any::<String>(), "[{}%()=\",a-z_ \t\r\n\\\\\u{3000}é]{0,80}"],
    ) {
        match extract(&body) {
            Ok(ex) => check_lines_kept(&body, &ex),
            Err(errors) => check_positions(&body, &errors),
        }
    }

    #[test]
    fn text_without_calls_is_left_unchanged(body in any::<String>().prop_map(|s| without_calls(&s))) {
        let ex = extract(&body).expect("no call, no error");
        prop_assert_eq!(ex.markdown, body);
        prop_assert!(ex.calls.is_empty());
    }

    #[test]
    fn valid_calls_round_trip(
        pieces in prop::collection::vec(valid_piece(), 0..8),
        crlf in prop::collection::vec(any::<bool>(), 1..4),
        last_newline in any::<bool>(),
    ) {
        let doc = assemble(&pieces, &crlf, last_newline);
        let ex = extract(&doc.text).expect("only valid calls");
        prop_assert_eq!(&ex.calls, &doc.calls);
        check_lines_kept(&doc.text, &ex);
    }

    #[test]
    fn broken_calls_are_reported_on_their_lines(
        pieces in prop::collection::vec(
            prop_oneof![2 => valid_piece(), 1 => broken_piece()],
            0..8,
        ),
        unclosed in prop::option::of(("[^\n]{0,20}", prop::collection::vec(text_line(), 0..3))),
        crlf in prop::collection::vec(any::<bool>(), 1..4),
        last_newline in any::<bool>(),
    ) {
        let mut pieces = pieces;
        if let Some((call, body)) = unclosed {
            // Last, as it takes the rest of the body: whatever it holds, it is an error.
            let mut lines = vec![format!("{{%{call}%}}")];
            lines.extend(body);
            pieces.push(broken(lines));
        }
        let doc = assemble(&pieces, &crlf, last_newline);
        let wrong = pieces
            .iter()
            .any(|p| matches!(p, Piece::Broken { certain: true, .. }));
        match extract(&doc.text) {
            Ok(ex) => {
                prop_assert!(!wrong, "a broken call passed");
                check_lines_kept(&doc.text, &ex);
            }
            Err(errors) => {
                check_positions(&doc.text, &errors);
                for e in &errors {
                    prop_assert!(
                        doc.broken_lines.contains(&e.line),
                        "error on line {} ({}) is not on a broken line {:?}",
                        e.line, e.message, doc.broken_lines
                    );
                }
            }
        }
    }
}
