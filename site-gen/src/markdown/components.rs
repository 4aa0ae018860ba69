//! Component calls written by editors inside Markdown.
//!
//! A call stands alone on its line: `{{ name(key="value", n=3) }}`, or with a Markdown body
//! between `{% name(…) %}` and `{% end %}`. Calls inside fenced code blocks are left alone.

use std::collections::BTreeMap;

/// One component call found in a body.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Call {
    /// The component's name.
    pub name: String,
    /// Its arguments as the editor wrote them.
    pub args: BTreeMap<String, serde_json::Value>,
    /// The Markdown between the opening and `{% end %}`, for calls with a body.
    pub body: Option<String>,
    /// Line of the call in the body text, from 1.
    pub line: usize,
    /// Column of the call's name, from 1.
    pub column: usize,
}

/// A syntax problem in a call, at a line and column of the body.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct CallError {
    /// Line, from 1.
    pub line: usize,
    /// Column, from 1.
    pub column: usize,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub help: String,
}

/// The body with each call replaced by [`placeholder`] (line numbers are kept), and the calls.
#[derive(Debug, Default)]
pub(crate) struct Extracted {
    /// The Markdown to render.
    pub markdown: String,
    /// The calls, in order; call `i` is at `placeholder(i)`.
    pub calls: Vec<Call>,
}

/// The HTML comment standing for call `i` in the Markdown until it is rendered.
pub(crate) fn placeholder(i: usize) -> String {
    format!("<!--sg-component-{i}-->")
}

/// Finds the calls in a Markdown body.
pub(crate) fn extract(body: &str) -> Result<Extracted, Vec<CallError>> {
    let mut out = Extracted::default();
    let mut errors = Vec::new();
    let mut fence: Option<String> = None;
    let mut open: Option<(Call, Vec<&str>)> = None;
    for (index, raw_line) in body.split_inclusive('\n').enumerate() {
        let line_no = index + 1;
        let line = raw_line.trim_end_matches(['\n', '\r']);
        // A replaced line keeps its newline, or its lack of one on the last line.
        let eol = if raw_line.ends_with('\n') { "\n" } else { "" };
        let trimmed = line.trim();
        if open.is_none() {
            if let Some(f) = &fence {
                if closes(trimmed, f) {
                    fence = None;
                }
                out.markdown.push_str(raw_line);
                continue;
            }
            if let Some(f) = fence_start(trimmed) {
                fence = Some(f);
                out.markdown.push_str(raw_line);
                continue;
            }
        }
        // In characters, as columns are.
        let indent = line.chars().take_while(|c| c.is_whitespace()).count();
        if let Some((call, lines)) = &mut open {
            if is_end(trimmed) {
                let mut call = call.clone();
                call.body = Some(lines.concat());
                out.markdown.push_str(&placeholder(out.calls.len()));
                out.markdown.push_str(eol);
                out.calls.push(call);
                open = None;
            } else {
                if block_open(trimmed).is_some() {
                    errors.push(CallError {
                        line: line_no,
                        column: indent + 1,
                        message: "a component with a body cannot contain another one".into(),
                        help: "close the first one with `{% end %}` before opening the next".into(),
                    });
                }
                lines.push(raw_line);
                out.markdown.push_str(eol);
            }
            continue;
        }
        if let Some(inner) = trimmed
            .strip_prefix("{{")
            .and_then(|t| t.strip_suffix("}}"))
        {
            match parse_call(inner, line_no, indent + 3) {
                Ok(call) => {
                    out.markdown.push_str(&placeholder(out.calls.len()));
                    out.markdown.push_str(eol);
                    out.calls.push(call);
                }
                Err(e) => {
                    errors.push(e);
                    out.markdown.push_str(eol);
                }
            }
        } else if let Some(inner) = block_open(trimmed) {
            if is_end(trimmed) {
                errors.push(CallError {
                    line: line_no,
                    column: indent + 1,
                    message: "`{% end %}` without an opening component".into(),
                    help: "remove it, or open a component above it like `{% callout(kind=\"note\") %}`".into(),
                });
                out.markdown.push_str(eol);
                continue;
            }
            match parse_call(inner, line_no, indent + 3) {
                Ok(call) => open = Some((call, Vec::new())),
                Err(e) => errors.push(e),
            }
            out.markdown.push_str(eol);
        } else {
            out.markdown.push_str(raw_line);
        }
    }
    if let Some((call, _)) = open {
        errors.push(CallError {
            line: call.line,
            column: call.column,
            message: format!("`{}` is never closed", call.name),
            help: "add a line with `{% end %}` after its content".into(),
        });
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

fn fence_start(trimmed: &str) -> Option<String> {
    for marker in ["```", "~~~"] {
        if trimmed.starts_with(marker) {
            let c = marker.chars().next().unwrap_or('`');
            let n = trimmed.chars().take_while(|&x| x == c).count();
            return Some(std::iter::repeat_n(c, n).collect());
        }
    }
    None
}

/// Whether a line closes `fence`: only its character, at least as many. A line with an info
/// string (`~~~ toml`) is code inside the fence, as CommonMark reads it.
fn closes(trimmed: &str, fence: &str) -> bool {
    trimmed.starts_with(fence) && trimmed.chars().all(|c| fence.starts_with(c))
}

fn block_open(trimmed: &str) -> Option<&str> {
    trimmed
        .strip_prefix("{%")
        .and_then(|t| t.strip_suffix("%}"))
}

fn is_end(trimmed: &str) -> bool {
    block_open(trimmed).is_some_and(|inner| inner.trim() == "end")
}

/// Parses `name(key=value, …)`; `column` is where `inner` starts on its line.
fn parse_call(inner: &str, line: usize, column: usize) -> Result<Call, CallError> {
    let lead = inner.chars().take_while(|c| c.is_whitespace()).count();
    let text = inner.trim();
    let col0 = column + lead;
    let err = |offset: usize, message: String, help: &str| CallError {
        line,
        column: col0 + text[..offset.min(text.len())].chars().count(),
        message,
        help: help.to_string(),
    };
    let name_end = text
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(text.len());
    let name = &text[..name_end];
    if name.is_empty() {
        return Err(err(
            0,
            "a component call needs a name".into(),
            "write it like `{{ documentary(title=\"…\") }}`",
        ));
    }
    let rest = &text[name_end..];
    let Some(args_text) = rest.strip_prefix('(').and_then(|r| r.strip_suffix(')')) else {
        return Err(err(
            name_end,
            format!("`{name}` must be followed by its arguments in parentheses"),
            "write `name()` or `name(key=\"value\")`",
        ));
    };
    let mut args = BTreeMap::new();
    let mut p = Parser {
        text: args_text,
        pos: 0,
    };
    let base = name_end + 1;
    loop {
        p.skip_ws();
        if p.done() {
            break;
        }
        let key_start = p.pos;
        let key = p.ident();
        if key.is_empty() {
            return Err(err(
                base + p.pos,
                "expected an argument name".into(),
                "arguments are written key=value, separated by commas",
            ));
        }
        p.skip_ws();
        if !p.eat('=') {
            return Err(err(
                base + p.pos,
                format!("expected `=` after `{key}`"),
                "arguments are written key=value",
            ));
        }
        p.skip_ws();
        let value = p.value().map_err(|m| {
            err(
                base + p.pos,
                m,
                "values are \"text in double quotes\", numbers, true or false",
            )
        })?;
        if args.insert(key.to_string(), value).is_some() {
            return Err(err(
                base + key_start,
                format!("`{key}` is given twice"),
                "keep one of them",
            ));
        }
        p.skip_ws();
        if !p.eat(',') && !p.done() {
            return Err(err(
                base + p.pos,
                "expected `,` between arguments".into(),
                "separate arguments with commas",
            ));
        }
    }
    Ok(Call {
        name: name.to_string(),
        args,
        body: None,
        line,
        column: col0,
    })
}

struct Parser<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Parser<'a> {
    fn rest(&self) -> &'a str {
        &self.text[self.pos..]
    }
    fn done(&self) -> bool {
        self.pos >= self.text.len()
    }
    fn skip_ws(&mut self) {
        let r = self.rest();
        self.pos += r.len() - r.trim_start().len();
    }
    fn eat(&mut self, c: char) -> bool {
        if self.rest().starts_with(c) {
            self.pos += c.len_utf8();
            true
        } else {
            false
        }
    }
    fn ident(&mut self) -> &'a str {
        let r = self.rest();
        let n = r
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(r.len());
        self.pos += n;
        &r[..n]
    }
    fn value(&mut self) -> Result<serde_json::Value, String> {
        let r = self.rest();
        if r.starts_with('"') {
            let mut out = String::new();
            let mut chars = r.char_indices().skip(1);
            while let Some((i, c)) = chars.next() {
                match c {
                    '"' => {
                        self.pos += i + 1;
                        return Ok(serde_json::Value::String(out));
                    }
                    '\\' => match chars.next() {
                        Some((_, 'n')) => out.push('\n'),
                        Some((_, e)) => out.push(e),
                        None => break,
                    },
                    _ => out.push(c),
                }
            }
            return Err("this text is never closed with `\"`".into());
        }
        let n = r
            .find(|c: char| c == ',' || c == ')' || c.is_whitespace())
            .unwrap_or(r.len());
        let word = &r[..n];
        let value = match word {
            "true" => serde_json::Value::Bool(true),
            "false" => serde_json::Value::Bool(false),
            _ => {
                if let Ok(i) = word.parse::<i64>() {
                    serde_json::Value::from(i)
                } else if let Ok(f) = word.parse::<f64>() {
                    serde_json::Value::from(f)
                } else {
                    return Err(format!("`{word}` is not a value"));
                }
            }
        };
        self.pos += n;
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_and_block_calls_keep_line_numbers() {
        let body = "Intro\n\n{{ petition_form(petition=\"un\") }}\n\n{% callout(kind=\"note\", title=\"A \\\"B\\\"\") %}\n**Bold**\n{% end %}\nAfter\n";
        let ex = extract(body).expect("valid");
        assert_eq!(ex.markdown.lines().count(), body.lines().count());
        assert_eq!(ex.calls.len(), 2);
        assert_eq!(ex.calls[0].name, "petition_form");
        assert_eq!(ex.calls[0].args["petition"], "un");
        assert_eq!((ex.calls[0].line, ex.calls[0].column), (3, 4));
        assert_eq!(ex.calls[1].args["title"], "A \"B\"");
        assert_eq!(ex.calls[1].body.as_deref(), Some("**Bold**\n"));
        assert!(ex.markdown.contains(&placeholder(1)));
        assert!(ex.markdown.ends_with("After\n"));
    }

    #[test]
    fn a_last_line_without_newline_gets_none() {
        let ex = extract("{{_()\u{3000}\u{3000}}}\u{a0}").expect("valid");
        assert_eq!(ex.markdown, placeholder(0));
    }

    #[test]
    fn columns_count_characters_of_unicode_spacing() {
        let ex = extract("{%\u{a0}0()%}\n{%end%}").expect("valid");
        assert_eq!((ex.calls[0].line, ex.calls[0].column), (1, 4));
        let e = extract("\u{3000}\u{3000}{{}}\n").expect_err("no name");
        assert_eq!((e[0].line, e[0].column), (1, 5));
    }

    #[test]
    fn numbers_and_booleans() {
        let ex = extract("{{ x(a=1, b=2.5, c=true) }}\n").expect("valid");
        let a = &ex.calls[0].args;
        assert_eq!(a["a"], 1);
        assert_eq!(a["b"], 2.5);
        assert_eq!(a["c"], true);
    }

    #[test]
    fn a_value_ends_at_any_whitespace() {
        // `skip_ws` skips a tab after the value; the value must stop before it.
        let ex = extract("{{ 0(_=0\t) }}").expect("valid");
        assert_eq!(ex.calls[0].args["_"], 0);
    }

    #[test]
    fn code_blocks_are_left_alone() {
        let ex = extract("```\n{{ not_a_call( }}\n```\n").expect("valid");
        assert!(ex.calls.is_empty());
        assert!(ex.markdown.contains("not_a_call"));
    }

    #[test]
    fn a_fence_with_an_info_string_does_not_close_one() {
        let ex = extract("~~~\n~~~~ toml\n~~~\n{{ hello() }}\n").expect("valid");
        assert_eq!(ex.calls.len(), 1);
        assert_eq!(ex.calls[0].line, 4);
    }

    #[test]
    fn errors_point_at_the_problem() {
        let e = extract("ok\n{{ x(a=\"1\" b=2) }}\n").expect_err("comma");
        assert_eq!(e[0].line, 2);
        assert_eq!(e[0].column, 12);
        let e = extract("{% callout() %}\ntext\n").expect_err("unclosed");
        assert!(e[0].message.contains("never closed"));
        let e = extract("{{ x(a=nope) }}\n").expect_err("value");
        assert!(e[0].message.contains("nope"));
        let e = extract("{{ x }}\n").expect_err("parens");
        assert!(e[0].help.contains("name()"));
    }
}

#[cfg(test)]
mod proptests;
