//! The `share` component's links: plain links to each service's own share page, built here
//! once, so that nothing is asked of another origin until a visitor clicks.
//!
//! Signal is not among them: it has no web address that opens a message with a given text
//! (its `signal.me` links open a contact or a group), so visitors use the copy-link button or
//! their device's share sheet for it.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::Serialize;

/// Everything but RFC 3986's unreserved characters is encoded (spaces as `%20`, which
/// `mailto:` needs, and which every share page reads).
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

fn enc(s: &str) -> String {
    utf8_percent_encode(s, COMPONENT).to_string()
}

/// One share link; `service` names its label (`share_on_<service>` in the theme's strings).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub(crate) struct ShareLink {
    /// `email`, `whatsapp`, …
    pub(crate) service: &'static str,
    /// The address, encoded.
    pub(crate) href: String,
}

/// The share links of a page at `url` with the message `text`, in the order shown.
pub(crate) fn links(url: &str, text: &str) -> Vec<ShareLink> {
    let (u, t) = (enc(url), enc(text));
    let both = enc(&format!("{text} {url}"));
    let link = |service, href: String| ShareLink { service, href };
    vec![
        link(
            "email",
            format!(
                "mailto:?subject={t}&body={}",
                enc(&format!("{text}\n\n{url}"))
            ),
        ),
        link("whatsapp", format!("https://wa.me/?text={both}")),
        link(
            "telegram",
            format!("https://t.me/share/url?url={u}&text={t}"),
        ),
        link("x", format!("https://x.com/intent/post?text={t}&url={u}")),
        link(
            "facebook",
            format!("https://www.facebook.com/sharer/sharer.php?u={u}"),
        ),
        link(
            "bluesky",
            format!("https://bsky.app/intent/compose?text={both}"),
        ),
        link(
            "linkedin",
            format!("https://www.linkedin.com/sharing/share-offsite/?url={u}"),
        ),
        link(
            "weibo",
            format!("https://service.weibo.com/share/share.php?url={u}&title={t}"),
        ),
        link(
            "line",
            format!("https://social-plugins.line.me/lineit/share?url={u}"),
        ),
    ]
}

/// The path and query of a Mastodon server's share page for this message; the theme's script
/// puts `https://` and the server the visitor names in front of it.
pub(crate) fn mastodon_path(url: &str, text: &str) -> String {
    format!("/share?text={}", enc(&format!("{text} {url}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn href(links: &[ShareLink], service: &str) -> String {
        links
            .iter()
            .find(|l| l.service == service)
            .map(|l| l.href.clone())
            .expect(service)
    }

    #[test]
    fn every_link_carries_the_encoded_url_and_text() {
        let url = "https://example.org/petition/?a=1&b=2";
        let links = links(url, "Sign: stop it & now, 请签名");
        let u = "https%3A%2F%2Fexample.org%2Fpetition%2F%3Fa%3D1%26b%3D2";
        let t = "Sign%3A%20stop%20it%20%26%20now%2C%20%E8%AF%B7%E7%AD%BE%E5%90%8D";
        assert_eq!(
            href(&links, "email"),
            format!("mailto:?subject={t}&body={t}%0A%0A{u}")
        );
        assert_eq!(
            href(&links, "whatsapp"),
            format!("https://wa.me/?text={t}%20{u}")
        );
        assert_eq!(
            href(&links, "telegram"),
            format!("https://t.me/share/url?url={u}&text={t}")
        );
        assert_eq!(
            href(&links, "x"),
            format!("https://x.com/intent/post?text={t}&url={u}")
        );
        assert_eq!(
            href(&links, "facebook"),
            format!("https://www.facebook.com/sharer/sharer.php?u={u}")
        );
        assert_eq!(
            href(&links, "bluesky"),
            format!("https://bsky.app/intent/compose?text={t}%20{u}")
        );
        assert_eq!(
            href(&links, "linkedin"),
            format!("https://www.linkedin.com/sharing/share-offsite/?url={u}")
        );
        assert_eq!(
            href(&links, "weibo"),
            format!("https://service.weibo.com/share/share.php?url={u}&title={t}")
        );
        assert_eq!(
            href(&links, "line"),
            format!("https://social-plugins.line.me/lineit/share?url={u}")
        );
        assert_eq!(links.len(), 9);
        assert_eq!(mastodon_path(url, "Hi"), format!("/share?text=Hi%20{u}"));
    }

    #[test]
    fn unreserved_characters_stay_as_they_are() {
        assert_eq!(enc("a-b_c.d~e"), "a-b_c.d~e");
        assert_eq!(enc("a+b/c"), "a%2Bb%2Fc");
    }
}
