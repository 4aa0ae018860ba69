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

/// A page of the sitemap.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct SitemapUrl {
    /// Absolute URL.
    pub url: String,
    /// `YYYY-MM-DD` of the last change.
    pub lastmod: Option<String>,
    /// The page in every language it is translated into, itself included, and `x-default`:
    /// (hreflang, absolute URL). Empty for a page in one language only.
    pub alternates: Vec<(String, String)>,
}

/// A sitemap of absolute URLs with optional last-modified dates and, for translated pages,
/// their `xhtml:link` alternates (Google's format for hreflang in sitemaps).
pub(crate) fn sitemap(urls: &[SitemapUrl]) -> String {
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\" xmlns:xhtml=\"http://www.w3.org/1999/xhtml\">\n",
    );
    for u in urls {
        let _ = write!(out, "  <url><loc>{}</loc>", escape(&u.url));
        if let Some(d) = &u.lastmod {
            let _ = write!(out, "<lastmod>{}</lastmod>", escape(d));
        }
        for (lang, href) in &u.alternates {
            let _ = write!(
                out,
                "<xhtml:link rel=\"alternate\" hreflang=\"{}\" href=\"{}\"/>",
                escape(lang),
                escape(href)
            );
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

/// An Atom feed in language `lang`.
pub(crate) fn atom(
    title: &str,
    lang: &str,
    feed_url: &str,
    site_url: &str,
    entries: &[FeedEntry],
) -> String {
    let updated = entries
        .iter()
        .map(|e| e.updated.clone().unwrap_or_else(|| e.date.clone()))
        .max()
        .unwrap_or_else(|| "1970-01-01".into());
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"{}\">\n",
    )
    .replace("{}", &escape(lang));
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
            "en",
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
        let s = sitemap(&[SitemapUrl {
            url: "https://e.org/".into(),
            lastmod: Some("2026-11-28".into()),
            alternates: vec![
                ("en".into(), "https://e.org/".into()),
                ("fr".into(), "https://e.org/fr/".into()),
                ("x-default".into(), "https://e.org/".into()),
            ],
        }]);
        assert!(s.contains("<loc>https://e.org/</loc><lastmod>2026-11-28</lastmod><xhtml:link rel=\"alternate\" hreflang=\"en\" href=\"https://e.org/\"/><xhtml:link rel=\"alternate\" hreflang=\"fr\" href=\"https://e.org/fr/\"/><xhtml:link rel=\"alternate\" hreflang=\"x-default\" href=\"https://e.org/\"/></url>"), "{s}");
        assert!(s.contains("xmlns:xhtml=\"http://www.w3.org/1999/xhtml\""));
        assert_eq!(
            redirects(&[("/old/".into(), "/new/".into())]),
            "/old/ /new/ 301\n"
        );
    }
}
