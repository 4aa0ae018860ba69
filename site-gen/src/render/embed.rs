//! The embed pages: `/embed/<petition>/`, a petition's counter and a link to sign it on the
//! site, for partner sites to show in a frame. Only the origins of `site.toml [embed] allow`
//! may frame them ([`content_security_policy`]); every other page keeps `frame-ancestors
//! 'none'`. The form itself is never on them: signing happens on the site, in its own page.

/// The URL path every embed page is under (the CDN's `/embed/*` behaviour, the preview's
/// headers).
pub(crate) const EMBED_PATH: &str = "/embed/";

/// The theme template of an embed page.
pub(crate) const TEMPLATE: &str = "embed.html";

/// The URL path of a petition's embed page.
pub(crate) fn path(petition: &str) -> String {
    format!("{EMBED_PATH}{petition}/")
}

/// The Content-Security-Policy of the embed pages: the site's own, with `frame_ancestors` (a
/// source list, [`crate::config::Embed::frame_ancestors`]) in place of `'none'`.
pub fn content_security_policy(frame_ancestors: &str) -> String {
    crate::CONTENT_SECURITY_POLICY.replace(
        "frame-ancestors 'none'",
        &format!("frame-ancestors {frame_ancestors}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embed_pages_differ_from_the_site_only_in_who_may_frame_them() {
        let csp = content_security_policy("https://a.example http://127.0.0.2:8080");
        assert_eq!(
            csp,
            crate::CONTENT_SECURITY_POLICY.replace(
                "frame-ancestors 'none'",
                "frame-ancestors https://a.example http://127.0.0.2:8080"
            )
        );
        assert_ne!(
            csp,
            crate::CONTENT_SECURITY_POLICY,
            "the site's CSP names 'none'"
        );
        assert_eq!(
            content_security_policy("'none'"),
            crate::CONTENT_SECURITY_POLICY
        );
        assert_eq!(path("free-them"), "/embed/free-them/");
    }
}
