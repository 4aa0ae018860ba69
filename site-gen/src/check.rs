//! `site-gen check`: verifies a built site: internal links and anchors, assets, the forms
//! against the petition API's routes, and the rules of the strict Content-Security-Policy.

use std::collections::{BTreeMap, BTreeSet};

use contract::api::Form;
use contract::bundle::SiteBundle;

use crate::output::Files;

/// One problem in the built site.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Problem {
    /// The output file (`petition/index.html`).
    pub page: String,
    /// What is wrong and how to fix it.
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.page, self.message)
    }
}

/// A start tag: its name and attributes (names lower-cased, values unescaped for `&amp;`).
#[derive(Debug, Clone, PartialEq)]
pub struct Tag {
    /// Element name, lower case; `/form` for an end tag.
    pub name: String,
    /// Attributes in order.
    pub attrs: Vec<(String, String)>,
}

impl Tag {
    /// The value of an attribute.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Lists the tags of an HTML document, skipping comments and the contents of script and style.
pub fn tags(html: &str) -> Vec<Tag> {
    let mut out = Vec::new();
    let bytes = html.as_bytes();
    let mut i = 0;
    while let Some(off) = html[i..].find('<') {
        i += off;
        if html[i..].starts_with("<!--") {
            i = html[i..].find("-->").map_or(html.len(), |e| i + e + 3);
            continue;
        }
        let Some(end) = tag_end(bytes, i + 1) else {
            break;
        };
        let inner = &html[i + 1..end];
        i = end + 1;
        if inner.starts_with('!') || inner.starts_with('?') {
            continue;
        }
        let tag = parse_tag(inner);
        let raw_text = matches!(tag.name.as_str(), "script" | "style");
        let name = tag.name.clone();
        out.push(tag);
        if raw_text {
            let close = format!("</{name}");
            i = html[i..].find(&close).map_or(html.len(), |e| i + e);
        }
    }
    out
}

fn tag_end(bytes: &[u8], mut i: usize) -> Option<usize> {
    let mut quote: Option<u8> = None;
    while i < bytes.len() {
        let b = bytes[i];
        match quote {
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None if b == b'"' || b == b'\'' => quote = Some(b),
            None if b == b'>' => return Some(i),
            None => {}
        }
        i += 1;
    }
    None
}

fn parse_tag(inner: &str) -> Tag {
    let inner = inner.trim_end_matches('/');
    let name_end = inner
        .find(|c: char| c.is_whitespace())
        .unwrap_or(inner.len());
    let name = inner[..name_end].to_ascii_lowercase();
    let mut attrs = Vec::new();
    let rest = &inner[name_end..];
    let mut chars = rest.char_indices().peekable();
    while let Some(&(start, c)) = chars.peek() {
        if c.is_whitespace() || c == '/' {
            chars.next();
            continue;
        }
        let mut end = start;
        while let Some(&(j, c)) = chars.peek() {
            if c.is_whitespace() || c == '=' {
                break;
            }
            end = j + c.len_utf8();
            chars.next();
        }
        let attr_name = rest[start..end].to_ascii_lowercase();
        while chars.peek().is_some_and(|&(_, c)| c.is_whitespace()) {
            chars.next();
        }
        let mut value = String::new();
        if chars.peek().is_some_and(|&(_, c)| c == '=') {
            chars.next();
            while chars.peek().is_some_and(|&(_, c)| c.is_whitespace()) {
                chars.next();
            }
            match chars.peek().map(|&(_, c)| c) {
                Some(q @ ('"' | '\'')) => {
                    chars.next();
                    for (_, c) in chars.by_ref() {
                        if c == q {
                            break;
                        }
                        value.push(c);
                    }
                }
                _ => {
                    while let Some(&(_, c)) = chars.peek() {
                        if c.is_whitespace() {
                            break;
                        }
                        value.push(c);
                        chars.next();
                    }
                }
            }
        }
        attrs.push((attr_name, value.replace("&amp;", "&")));
    }
    Tag { name, attrs }
}

/// The fields a form may send to an API route, by route; `None` for an unknown route or
/// petition.
pub fn accepted_fields(action: &str, bundle: &SiteBundle) -> Option<&'static [&'static str]> {
    let (form, petition) = Form::of_action(action)?;
    match petition {
        Some(id) if bundle.petition(id).is_none() => None,
        _ => Some(form.fields()),
    }
}

fn target_file<'a>(files: &'a Files, path: &str) -> Option<&'a str> {
    let p = path.trim_start_matches('/');
    let candidates = if p.is_empty() || p.ends_with('/') {
        vec![format!("{p}index.html")]
    } else {
        vec![p.to_string(), format!("{p}/index.html")]
    };
    candidates
        .into_iter()
        .find_map(|c| files.get_key_value(&c).map(|(k, _)| k.as_str()))
}

/// Checks a built site; an empty list means it passed.
pub fn check(files: &Files, bundle: &SiteBundle) -> Vec<Problem> {
    let mut problems = BTreeSet::new();
    let mut ids: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    let mut parsed: BTreeMap<&str, Vec<Tag>> = BTreeMap::new();
    for (path, bytes) in files {
        if !path.ends_with(".html") {
            continue;
        }
        let html = String::from_utf8_lossy(bytes);
        let t = tags(&html);
        ids.insert(
            path,
            t.iter()
                .filter_map(|tag| tag.attr("id").map(str::to_string))
                .collect(),
        );
        parsed.insert(path, t);
    }
    let site_origin = bundle.base_url.as_str();
    for (page, tags) in &parsed {
        let mut say = |message: String| {
            problems.insert(Problem {
                page: page.to_string(),
                message,
            });
        };
        let mut form: Option<(String, Vec<String>)> = None;
        let mut page_lang: Option<String> = None;
        let mut form_lang: Option<String> = None;
        for tag in tags {
            if tag.name == "html" {
                page_lang = tag.attr("lang").map(str::to_owned);
            }
            for (name, value) in &tag.attrs {
                if name == "style" {
                    say(format!(
                        "<{}> has a style= attribute, which the Content-Security-Policy blocks; use a class",
                        tag.name
                    ));
                }
                if name.starts_with("on") && name.len() > 2 {
                    say(format!(
                        "<{}> has an inline event handler {name}=, which the Content-Security-Policy blocks; use the theme's script",
                        tag.name
                    ));
                }
                let _ = value;
            }
            if tag.name == "script" && tag.attr("src").is_none() {
                say("an inline <script> would be blocked by the Content-Security-Policy; move it to the theme's static/js".into());
            }
            let loads = match tag.name.as_str() {
                "script" | "img" | "iframe" | "audio" | "video" | "source" | "embed" => {
                    tag.attr("src")
                }
                "link"
                    if tag
                        .attr("rel")
                        .is_some_and(|r| r != "canonical" && r != "alternate") =>
                {
                    tag.attr("href")
                }
                _ => None,
            };
            if let Some(url) = loads {
                if is_external(url, site_origin) {
                    say(format!(
                        "<{}> loads {url} from another origin, which could track visitors; serve it from the site",
                        tag.name
                    ));
                } else if !url.starts_with("data:")
                    && target_file(files, url.split(['?', '#']).next().unwrap_or(url)).is_none()
                {
                    say(format!(
                        "<{}> refers to {url}, which the build does not produce; add the file to static/",
                        tag.name
                    ));
                }
            }
            if tag.name == "a"
                && let Some(href) = tag.attr("href")
            {
                check_link(files, &ids, page, href, site_origin, &mut say);
            }
            // The share card: chat apps fetch it from the site, so it must be built there.
            if tag.name == "meta"
                && tag.attr("property") == Some("og:image")
                && let Some(image) = tag.attr("content")
                && image
                    .strip_prefix(site_origin)
                    .and_then(|path| target_file(files, path))
                    .is_none()
            {
                say(format!(
                    "<meta property=\"og:image\"> names {image}, which the build does not produce on this site; the theme's base.html should name the page's card (page.card.url)"
                ));
            }
            match tag.name.as_str() {
                "form" => {
                    let action = tag.attr("action").unwrap_or_default().to_string();
                    form = Some((action, Vec::new()));
                }
                "input" | "select" | "textarea" | "button" => {
                    if let (Some((_, fields)), Some(name)) = (form.as_mut(), tag.attr("name")) {
                        fields.push(name.to_string());
                        if name == contract::api::LANG_FIELD {
                            form_lang = tag.attr("value").map(str::to_owned);
                        }
                    }
                }
                "/form" => {
                    if let Some((action, fields)) = form.take() {
                        let sent = form_lang.take();
                        if Form::of_action(&action).is_some() && sent != page_lang {
                            say(format!(
                                "a form posting to {action} sends lang={} on a page in {}: the function would answer in another language than the page's; the theme's forms include {{{{ <lang_field/> }}}}",
                                sent.as_deref().unwrap_or("(nothing)"),
                                page_lang.as_deref().unwrap_or("(no <html lang>)")
                            ));
                        }
                        match accepted_fields(&action, bundle) {
                            None => say(format!(
                                "a form posts to {action}, which is not a route of the petition API (or names an undeclared petition)"
                            )),
                            Some(accepted) => {
                                for f in fields.iter().filter(|f| !accepted.contains(&f.as_str())) {
                                    say(format!(
                                        "a form sends the field `{f}` to {action}, which does not accept it (it takes: {})",
                                        accepted.join(", ")
                                    ));
                                }
                            }
                        }
                    }
                }
                _ => {}
            }
        }
    }
    problems.into_iter().collect()
}

/// The pages each language lacks: a default-language page with neither a translation nor a
/// fallback in a language is a gap in the site (its switcher and `hreflang` leave it out).
pub fn languages(report: &crate::languages::LanguageReport) -> Vec<Problem> {
    report
        .iter()
        .flat_map(|(lang, gaps)| {
            gaps.missing_pages.iter().map(move |rel| Problem {
                page: format!("content/{rel}"),
                message: format!(
                    "not translated into `{lang}`: write content/{} (with `reviewed = false` until a fluent speaker has read it), or let the section or the language fall back (`fallback = true`, see content/README.md)",
                    crate::content::translated_rel(rel, lang)
                ),
            })
        })
        .collect()
}

fn is_external(url: &str, site_origin: &str) -> bool {
    let lower = url.to_ascii_lowercase();
    (lower.starts_with("http://") || lower.starts_with("https://") || lower.starts_with("//"))
        && !lower.starts_with(&site_origin.to_ascii_lowercase())
}

fn check_link(
    files: &Files,
    ids: &BTreeMap<&str, BTreeSet<String>>,
    page: &str,
    href: &str,
    site_origin: &str,
    say: &mut impl FnMut(String),
) {
    let local = href.strip_prefix(site_origin).unwrap_or(href);
    if local.starts_with("//") || local.contains(':') || local.starts_with(contract::api::BASE) {
        return;
    }
    let (path, anchor) = match local.split_once('#') {
        Some((p, a)) => (p, Some(a)),
        None => (local, None),
    };
    let path = path.split('?').next().unwrap_or(path);
    let target = if path.is_empty() {
        Some(page)
    } else if path.starts_with('/') {
        target_file(files, path)
    } else {
        let dir = page.rsplit_once('/').map_or("", |(d, _)| d);
        target_file(files, &format!("/{dir}/{path}"))
    };
    let Some(target) = target else {
        say(format!(
            "the link {href} leads nowhere: no page has that address"
        ));
        return;
    };
    if let Some(a) = anchor.filter(|a| !a.is_empty())
        && !ids.get(target).is_some_and(|set| set.contains(a))
    {
        say(format!(
            "the link {href} names the anchor #{a}, which {target} does not have"
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scans_tags_and_attributes() {
        let t = tags(
            "<!doctype html><p id=a class='x y'>Hi<!-- <b> --><script>if (a<b) {}</script><a href=\"/b/?q=1&amp;r=2\" data-x>x</a></p>",
        );
        let names: Vec<&str> = t.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["p", "script", "/script", "a", "/a", "/p"]);
        assert_eq!(t[0].attr("id"), Some("a"));
        assert_eq!(t[0].attr("class"), Some("x y"));
        assert_eq!(t[3].attr("href"), Some("/b/?q=1&r=2"));
        assert_eq!(t[3].attr("data-x"), Some(""));
    }

    fn bundle() -> SiteBundle {
        SiteBundle {
            base_url: "https://e.org".into(),
            petitions: vec![contract::bundle::Petition {
                id: "p".into(),
                title: "P".into(),
                addressee: "A".into(),
                goal: 10,
                opens: "2026-01-01".into(),
                closes: None,
                page: "/".into(),
                thank_you: "/".into(),
                confirm: true,
                check_inbox: None,
                milestones: Vec::new(),
            }],
            ..SiteBundle::default()
        }
    }

    #[test]
    fn finds_every_kind_of_problem() {
        let mut files = Files::new();
        files.insert(
            "index.html".into(),
            br##"<h2 id="top">T</h2><a href="/missing/">x</a><a href="/b/#nope">y</a><a href="#top">ok</a>
<img src="https://cdn.example.com/x.png" alt=""><p style="color:red" onclick="x()">z</p><script>alert(1)</script>
<form action="/api/petitions/p/signatures" method="post"><input name="name"><input name="shoe"></form>
<form action="/api/nowhere" method="post"></form>
<meta property="og:image" content="https://e.org/_cards/gone.png"><meta property="og:image" content="https://e.org/b/">"##
                .to_vec(),
        );
        files.insert("b/index.html".into(), b"<p id=\"here\">b</p>".to_vec());
        let problems = check(&files, &bundle());
        let text: Vec<String> = problems.iter().map(|p| p.message.clone()).collect();
        let has = |s: &str| text.iter().any(|m| m.contains(s));
        assert!(has("/missing/ leads nowhere"), "{text:#?}");
        assert!(has("#nope"));
        assert!(has("another origin"));
        assert!(has("style="));
        assert!(has("onclick="));
        assert!(has("inline <script>"));
        assert!(has("field `shoe`"));
        assert!(has("/api/nowhere"));
        assert!(has(
            "names https://e.org/_cards/gone.png, which the build does not produce"
        ));
        assert_eq!(problems.len(), 9, "{text:#?}");
    }
}
