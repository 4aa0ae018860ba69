//! Machine-readable outputs: `sitemap.xml`, `robots.txt`, Atom feeds and the redirects file.

use std::fmt::Write as _;

use contract::html::escape;

/// An entry of a feed.
#[derive(Debug, Clone)]
pub(crate) struct FeedEntry {
    /// Title.
    pub title: String,
    /// Absolute URL.
    pub url: String,
    /// `YYYY-MM-DD`.
    pub date: String,
    /// `YYYY-MM-DD` of the last update.
    pub updated: Option<String>,
    /// Summary HTML.
    pub summary: String,
}

fn rfc3339(date: &str) -> String {
    if date.len() == 10 {
        format!("{date}T00:00:00Z")
    } else {
        date.to_string()
    }
}

/// A sitemap of absolute URLs with optional last-modified dates.
pub(crate) fn sitemap(urls: &[(String, Option<String>)]) -> String {
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    for (url, lastmod) in urls {
        let _ = write!(out, "  <url><loc>{}</loc>", escape(url));
        if let Some(d) = lastmod {
            let _ = write!(out, "<lastmod>{}</lastmod>", escape(d));
        }
        out.push_str("</url>\n");
    }
    out.push_str("</urlset>\n");
    out
}

/// `robots.txt`: everything but the API may be indexed.
pub(crate) fn robots(base_url: &str) -> String {
    let api = contract::api::BASE;
    format!("User-agent: *\nDisallow: {api}/\nAllow: /\n\nSitemap: {base_url}/sitemap.xml\n")
}

/// An Atom feed.
pub(crate) fn atom(title: &str, feed_url: &str, site_url: &str, entries: &[FeedEntry]) -> String {
    let updated = entries
        .iter()
        .map(|e| e.updated.clone().unwrap_or_else(|| e.date.clone()))
        .max()
        .unwrap_or_else(|| "1970-01-01".into());
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n",
    );
    let _ = write!(
        out,
        "  <title>{}</title>\n  <link rel=\"self\" href=\"{}\"/>\n  <link href=\"{}\"/>\n  <id>{}</id>\n  <updated>{}</updated>\n",
        escape(title),
        escape(feed_url),
        escape(site_url),
        escape(feed_url),
        rfc3339(&updated)
    );
    for e in entries {
        let _ = write!(
            out,
            "  <entry>\n    <title>{}</title>\n    <link href=\"{}\"/>\n    <id>{}</id>\n    <published>{}</published>\n    <updated>{}</updated>\n    <summary type=\"html\">{}</summary>\n  </entry>\n",
            escape(&e.title),
            escape(&e.url),
            escape(&e.url),
            rfc3339(&e.date),
            rfc3339(e.updated.as_deref().unwrap_or(&e.date)),
            escape(&e.summary)
        );
    }
    out.push_str("</feed>\n");
    out
}

/// The redirects file the CDN step applies: `FROM TO 301` per line.
pub(crate) fn redirects(pairs: &[(String, String)]) -> String {
    pairs
        .iter()
        .map(|(from, to)| format!("{from} {to} 301\n"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atom_is_escaped_and_dated() {
        let feed = atom(
            "News & views",
            "https://e.org/updates/atom.xml",
            "https://e.org/updates/",
            &[FeedEntry {
                title: "A <b>".into(),
                url: "https://e.org/updates/a/".into(),
                date: "2026-11-20".into(),
                updated: Some("2026-11-28".into()),
                summary: "<p>x</p>".into(),
            }],
        );
        insta::assert_snapshot!(feed);
    }

    #[test]
    fn robots_and_sitemap() {
        assert!(robots("https://e.org").contains("Disallow: /api/\n"));
        let s = sitemap(&[("https://e.org/".into(), Some("2026-11-28".into()))]);
        assert!(s.contains("<loc>https://e.org/</loc><lastmod>2026-11-28</lastmod>"));
        assert_eq!(
            redirects(&[("/old/".into(), "/new/".into())]),
            "/old/ /new/ 301\n"
        );
    }
}
