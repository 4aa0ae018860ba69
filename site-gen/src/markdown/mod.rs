//! Markdown to HTML: pulldown-cmark with stable heading ids, a table of contents, `@/` links
//! resolved at build time, and editors' components.

pub(crate) mod components;

use std::collections::{BTreeSet, HashSet};
use std::path::Path;

use pulldown_cmark::{CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use serde::Serialize;

use crate::content::slugify;
use crate::error::{Diagnostic, line_col};
pub(crate) use components::Call;

/// A heading in the table of contents.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub(crate) struct Heading {
    /// 2 for `##`, and so on.
    pub(crate) level: u8,
    /// The anchor id.
    pub(crate) id: String,
    /// The heading's text.
    pub(crate) title: String,
    /// Headings one level below, until the next heading of this level.
    pub(crate) children: Vec<Heading>,
}

/// A link to another page, kept to check its anchor once every page is rendered.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct AnchorRef {
    /// The `@/` target (`a/b.md`), or the page itself for `#id` links.
    pub(crate) target: Option<String>,
    /// The anchor, without `#`.
    pub(crate) anchor: String,
    /// Where the link is, in the file.
    pub(crate) line: usize,
    /// Column of the link.
    pub(crate) column: usize,
}

/// A rendered body.
#[derive(Debug, Clone, Default)]
pub(crate) struct Rendered {
    /// The HTML.
    pub(crate) html: String,
    /// Nested headings from level 2 down.
    pub(crate) toc: Vec<Heading>,
    /// The first paragraph, as HTML.
    pub(crate) summary: String,
    /// Words in the text.
    pub(crate) word_count: usize,
    /// Every heading id on the page.
    pub(crate) ids: Vec<String>,
    /// Anchored links to check.
    pub(crate) anchors: Vec<AnchorRef>,
    /// The names of the components the body calls, those inside other components' bodies
    /// included.
    pub(crate) components: BTreeSet<String>,
}

/// What rendering needs from the rest of the site.
pub(crate) trait Context: Sync {
    /// The URL path of a content file (`a/b.md`), if it exists.
    fn link(&self, rel: &str) -> Option<String>;
    /// Renders a component call; `body` is its rendered Markdown. Errors are (message, help).
    fn component(&self, call: &Call, body: Option<&str>) -> Result<String, (String, String)>;
}

/// Renders a Markdown body. `file` and `line_offset` place errors in the source file.
pub(crate) fn render(
    body: &str,
    file: &Path,
    line_offset: usize,
    cx: &dyn Context,
) -> Result<Rendered, Vec<Diagnostic>> {
    let extracted = components::extract(body).map_err(|errors| {
        errors
            .into_iter()
            .map(|e| Diagnostic::at(file, e.line + line_offset, e.column, e.message, e.help))
            .collect::<Vec<_>>()
    })?;
    let mut problems = Vec::new();
    let mut rendered = render_markdown(&extracted.markdown, file, line_offset, cx, &mut problems);
    let mut pieces = Vec::with_capacity(extracted.calls.len());
    for call in &extracted.calls {
        rendered.components.insert(call.name.clone());
        let body_html = match &call.body {
            Some(md) => match render(md, file, line_offset + call.line, cx) {
                Ok(inner) => {
                    rendered.anchors.extend(inner.anchors);
                    rendered.components.extend(inner.components);
                    Some(inner.html)
                }
                Err(mut errs) => {
                    problems.append(&mut errs);
                    None
                }
            },
            None => None,
        };
        match cx.component(call, body_html.as_deref()) {
            Ok(html) => pieces.push(html),
            Err((message, help)) => {
                problems.push(Diagnostic::at(
                    file,
                    call.line + line_offset,
                    call.column,
                    message,
                    help,
                ));
                pieces.push(String::new());
            }
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    for (i, html) in pieces.iter().enumerate() {
        rendered.html = rendered.html.replacen(&components::placeholder(i), html, 1);
    }
    Ok(rendered)
}

fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_SMART_PUNCTUATION
        | Options::ENABLE_HEADING_ATTRIBUTES
}

fn render_markdown(
    text: &str,
    file: &Path,
    line_offset: usize,
    cx: &dyn Context,
    problems: &mut Vec<Diagnostic>,
) -> Rendered {
    let mut events: Vec<Event> = Vec::new();
    let mut out = Rendered::default();
    let mut flat: Vec<(u8, String, String)> = Vec::new();
    let mut used_ids: HashSet<String> = HashSet::new();
    let mut heading_start: Option<usize> = None;
    let mut summary_range: Option<(usize, usize)> = None;
    let mut paragraph_start: Option<usize> = None;
    let at = Source {
        text,
        file,
        line_offset,
        cx,
    };

    for (event, range) in Parser::new_ext(text, options()).into_offset_iter() {
        match event {
            Event::Start(Tag::Heading { .. }) => {
                heading_start = Some(events.len());
                events.push(event);
            }
            Event::End(TagEnd::Heading(level)) => {
                if let Some(start) = heading_start.take() {
                    let title = plain_text(&events[start + 1..]);
                    if let Event::Start(Tag::Heading { id, .. }) = &mut events[start] {
                        let wanted = id
                            .as_ref()
                            .map(|i| i.to_string())
                            .unwrap_or_else(|| slugify(&title));
                        let unique = unique_id(
                            if wanted.is_empty() {
                                "section".into()
                            } else {
                                wanted
                            },
                            &mut used_ids,
                        );
                        *id = Some(CowStr::from(unique.clone()));
                        let lvl = heading_level(level);
                        if lvl >= 2 {
                            flat.push((lvl, unique.clone(), title));
                        }
                        out.ids.push(unique);
                    }
                }
                events.push(Event::End(TagEnd::Heading(level)));
            }
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                let dest_url = at.resolve_link(dest_url, range.start, &mut out, problems);
                events.push(Event::Start(Tag::Link {
                    link_type,
                    dest_url,
                    title,
                    id,
                }));
            }
            Event::Start(Tag::Image {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                let dest_url = at.resolve_link(dest_url, range.start, &mut out, problems);
                events.push(Event::Start(Tag::Image {
                    link_type,
                    dest_url,
                    title,
                    id,
                }));
            }
            Event::Start(Tag::Paragraph) => {
                paragraph_start = Some(events.len());
                events.push(event);
            }
            Event::End(TagEnd::Paragraph) => {
                events.push(event);
                if summary_range.is_none() {
                    summary_range = paragraph_start.map(|s| (s, events.len()));
                }
            }
            Event::Text(ref t) => {
                out.word_count += t.split_whitespace().count();
                events.push(event);
            }
            _ => events.push(event),
        }
    }
    pulldown_cmark::html::push_html(&mut out.html, events.iter().cloned());
    if let Some((s, e)) = summary_range {
        pulldown_cmark::html::push_html(&mut out.summary, events[s..e].iter().cloned());
    }
    out.toc = nest(&flat);
    out
}

/// Where the Markdown being rendered comes from, to place and resolve its links.
struct Source<'a> {
    text: &'a str,
    file: &'a Path,
    line_offset: usize,
    cx: &'a dyn Context,
}

impl Source<'_> {
    /// Resolves an `@/` destination (recording anchors to check); others stay as written.
    fn resolve_link<'d>(
        &self,
        dest_url: CowStr<'d>,
        offset: usize,
        out: &mut Rendered,
        problems: &mut Vec<Diagnostic>,
    ) -> CowStr<'d> {
        match self.resolve(&dest_url, offset, out, problems) {
            Some(resolved) => CowStr::from(resolved),
            None => dest_url,
        }
    }

    fn resolve(
        &self,
        dest: &str,
        offset: usize,
        out: &mut Rendered,
        problems: &mut Vec<Diagnostic>,
    ) -> Option<String> {
        let (text, file, line_offset, cx) = (self.text, self.file, self.line_offset, self.cx);
        let (line, column) = line_col(text, offset);
        let line = line + line_offset;
        if let Some(anchor) = dest.strip_prefix('#') {
            out.anchors.push(AnchorRef {
                target: None,
                anchor: anchor.to_string(),
                line,
                column,
            });
            return None;
        }
        let target = dest.strip_prefix("@/")?;
        let (rel, anchor) = match target.split_once('#') {
            Some((r, a)) => (r, Some(a)),
            None => (target, None),
        };
        match cx.link(rel) {
            Some(path) => {
                if let Some(a) = anchor {
                    out.anchors.push(AnchorRef {
                        target: Some(rel.to_string()),
                        anchor: a.to_string(),
                        line,
                        column,
                    });
                    Some(format!("{path}#{a}"))
                } else {
                    Some(path)
                }
            }
            None => {
                problems.push(Diagnostic::at(
                file,
                line,
                column,
                format!("the link `{dest}` points to content/{rel}, which does not exist"),
                "write the path of a Markdown file relative to content/, like `@/petition/_index.md` (drafts exist only with --drafts)",
            ));
                None
            }
        }
    }
}

fn plain_text(events: &[Event]) -> String {
    let mut s = String::new();
    for e in events {
        match e {
            Event::Text(t) | Event::Code(t) => s.push_str(t),
            Event::SoftBreak | Event::HardBreak => s.push(' '),
            _ => {}
        }
    }
    s.trim().to_string()
}

fn heading_level(level: HeadingLevel) -> u8 {
    match level {
        HeadingLevel::H1 => 1,
        HeadingLevel::H2 => 2,
        HeadingLevel::H3 => 3,
        HeadingLevel::H4 => 4,
        HeadingLevel::H5 => 5,
        HeadingLevel::H6 => 6,
    }
}

fn unique_id(wanted: String, used: &mut HashSet<String>) -> String {
    if used.insert(wanted.clone()) {
        return wanted;
    }
    (1..)
        .map(|n| format!("{wanted}-{n}"))
        .find(|c| used.insert(c.clone()))
        .unwrap_or(wanted)
}

fn nest(flat: &[(u8, String, String)]) -> Vec<Heading> {
    let mut out: Vec<Heading> = Vec::new();
    let mut i = 0;
    while i < flat.len() {
        let (level, id, title) = &flat[i];
        let end = flat[i + 1..]
            .iter()
            .position(|(l, _, _)| l <= level)
            .map_or(flat.len(), |p| i + 1 + p);
        out.push(Heading {
            level: *level,
            id: id.clone(),
            title: title.clone(),
            children: nest(&flat[i + 1..end]),
        });
        i = end;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Cx;
    impl Context for Cx {
        fn link(&self, rel: &str) -> Option<String> {
            (rel == "petition/_index.md").then(|| "/petition/".to_string())
        }
        fn component(&self, call: &Call, body: Option<&str>) -> Result<String, (String, String)> {
            match call.name.as_str() {
                "box" => Ok(format!("<aside>{}</aside>", body.unwrap_or(""))),
                "hello" => Ok("<p>hi</p>".into()),
                other => Err((
                    format!("unknown component `{other}`"),
                    "see content/README.md".into(),
                )),
            }
        }
    }

    fn md(text: &str) -> Rendered {
        render(text, Path::new("content/t.md"), 3, &Cx).expect("renders")
    }

    #[test]
    fn extensions_and_smart_punctuation() {
        insta::assert_snapshot!(md("# Title\n\n\"Quotes\" -- and ~~gone~~.\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n- [x] done\n\nNote[^1].\n\n[^1]: The note.\n").html);
    }

    #[test]
    fn heading_ids_are_stable_unique_and_explicit() {
        let r = md(
            "## How you can help\n\n### For governments\n\n## How you can help\n\n## Custom {#mine}\n",
        );
        assert_eq!(
            r.ids,
            [
                "how-you-can-help",
                "for-governments",
                "how-you-can-help-1",
                "mine"
            ]
        );
        assert_eq!(r.toc.len(), 3);
        assert_eq!(r.toc[0].children[0].id, "for-governments");
        assert!(r.html.contains("<h2 id=\"how-you-can-help-1\">"));
    }

    #[test]
    fn internal_links_resolve_and_record_anchors() {
        let r = md("See [the petition](@/petition/_index.md#history) and [below](#end).\n");
        assert!(r.html.contains("href=\"/petition/#history\""));
        assert_eq!(r.anchors.len(), 2);
        assert_eq!(r.anchors[0].target.as_deref(), Some("petition/_index.md"));
        assert_eq!(r.anchors[0].line, 4);
    }

    #[test]
    fn broken_link_names_file_line_and_column() {
        let e = render(
            "Text\n\nGo [there](@/nope.md).\n",
            Path::new("content/t.md"),
            3,
            &Cx,
        )
        .expect_err("broken");
        assert_eq!((e[0].line, e[0].column), (6, 4));
        assert!(e[0].message.contains("content/nope.md"));
    }

    #[test]
    fn components_render_in_place_with_markdown_bodies() {
        let r = md("Before\n\n{% box() %}\n*inside*\n{% end %}\n\n{{ hello() }}\n");
        insta::assert_snapshot!(r.html);
        assert_eq!(r.components, BTreeSet::from(["box".into(), "hello".into()]));
        let nested = md("{% box() %}\n{{ hello() }}\n{% end %}\n\n```\n{{ nope() }}\n```\n");
        assert_eq!(
            nested.components,
            BTreeSet::from(["box".into(), "hello".into()]),
            "calls inside bodies count, code blocks do not"
        );
        let e = render("{{ nope() }}\n", Path::new("content/t.md"), 3, &Cx).expect_err("unknown");
        assert_eq!((e[0].line, e[0].column), (4, 4));
    }

    #[test]
    fn a_component_after_a_fence_holding_an_info_string_renders() {
        let r = md("~~~\n~~~~ toml\n~~~\n{{ hello() }}\n");
        assert!(r.html.contains("<p>hi</p>"), "{}", r.html);
        assert!(!r.html.contains("{{"), "{}", r.html);
    }

    #[test]
    fn summary_and_word_count() {
        let r = md("First *para* here.\n\nSecond.\n");
        assert_eq!(r.summary, "<p>First <em>para</em> here.</p>\n");
        assert_eq!(r.word_count, 4);
    }
}

#[cfg(test)]
mod proptests;
