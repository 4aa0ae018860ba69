//! Sharing without trackers, on the repository's real site: every page's share card (a PNG of
//! the right size, one per title, named in its `og:image` tags), and, in headless Chromium on
//! the preview server, the petition page's share links, copy-link and device-share buttons and
//! Mastodon step, with every request the browser makes recorded: none leaves the site's origin
//! until a visitor acts; and without JavaScript, the links and the address with the script's
//! controls hidden.

use std::collections::BTreeMap;
use std::time::Duration;

use e2e_tests::{Browser, Js, Server, build_site, http_get, snippet};
use serde_json::{Value, json};
use site_gen::check::tags;

/// The width and height in a PNG's header.
fn png_size(png: &[u8]) -> Option<(u32, u32)> {
    if png.get(..8)? != b"\x89PNG\r\n\x1a\n" || png.get(12..16)? != b"IHDR" {
        return None;
    }
    let word = |at: usize| Some(u32::from_be_bytes(png.get(at..at + 4)?.try_into().ok()?));
    Some((word(16)?, word(20)?))
}

/// A page's `<meta property|name=… content=…>` values.
fn metas(html: &str) -> BTreeMap<String, String> {
    tags(html)
        .into_iter()
        .filter(|t| t.name == "meta")
        .filter_map(|t| {
            let key = t.attr("property").or_else(|| t.attr("name"))?.to_string();
            Some((key, t.attr("content")?.to_string()))
        })
        .collect()
}

#[test]
fn every_page_has_its_own_share_card() {
    let built = build_site();
    let base = built.config.base_url.clone();
    let mut by_title: BTreeMap<String, String> = BTreeMap::new();
    let mut pages = 0;
    for (path, bytes) in &built.files {
        // Tag listings (in every language) have no card of their own.
        let tags = path.starts_with("tags/") || path.contains("/tags/");
        if !path.ends_with(".html") || path == "404.html" || tags {
            continue;
        }
        let html = String::from_utf8_lossy(bytes);
        if html.contains("http-equiv=\"refresh\"") {
            continue; // an alias page
        }
        if html.contains("<meta name=\"robots\" content=\"noindex\">") {
            // An embed page: it lives in a partner's frame and links to the petition, whose
            // page is the one shared.
            continue;
        }
        pages += 1;
        let meta = metas(&html);
        let image = meta
            .get("og:image")
            .unwrap_or_else(|| panic!("{path} has no og:image"));
        let file = image
            .strip_prefix(&format!("{base}/"))
            .unwrap_or_else(|| panic!("{path}: og:image {image} is not on the site"));
        let png = built
            .files
            .get(file)
            .unwrap_or_else(|| panic!("{path}: og:image {image} is not built"));
        assert_eq!(png_size(png), Some((1200, 630)), "{path}: {file}");
        assert_eq!(meta.get("og:image:width").map(String::as_str), Some("1200"));
        assert_eq!(meta.get("og:image:height").map(String::as_str), Some("630"));
        assert!(
            meta.get("og:image:alt").is_some_and(|a| !a.is_empty()),
            "{path}: og:image:alt"
        );
        assert_eq!(
            meta.get("twitter:card").map(String::as_str),
            Some("summary_large_image"),
            "{path}"
        );
        let title = meta.get("og:title").cloned().unwrap_or_default();
        if let Some(other) = by_title.insert(file.to_string(), title.clone()) {
            assert_eq!(other, title, "two titles share the card {file}");
        }
    }
    assert!(pages >= 10, "checked only {pages} pages");
    let cards: Vec<&Vec<u8>> = built
        .files
        .iter()
        .filter(|(p, _)| p.starts_with("_cards/"))
        .map(|(_, b)| b)
        .collect();
    let distinct: std::collections::BTreeSet<&Vec<u8>> = cards.iter().copied().collect();
    assert_eq!(distinct.len(), cards.len(), "every card differs");
    assert!(cards.len() >= 10, "only {} cards", cards.len());
}

/// Where each service's link goes, and what its query must carry: `{u}` the page's address,
/// `{t}` the message.
const SERVICES: &[(&str, &[(&str, &str)])] = &[
    ("mailto:", &[("subject", "{t}"), ("body", "{t}\n\n{u}")]),
    ("https://wa.me/", &[("text", "{t} {u}")]),
    ("https://t.me/share/url", &[("url", "{u}"), ("text", "{t}")]),
    (
        "https://x.com/intent/post",
        &[("text", "{t}"), ("url", "{u}")],
    ),
    (
        "https://www.facebook.com/sharer/sharer.php",
        &[("u", "{u}")],
    ),
    ("https://bsky.app/intent/compose", &[("text", "{t} {u}")]),
    (
        "https://www.linkedin.com/sharing/share-offsite/",
        &[("url", "{u}")],
    ),
    (
        "https://service.weibo.com/share/share.php",
        &[("url", "{u}"), ("title", "{t}")],
    ),
    (
        "https://social-plugins.line.me/lineit/share",
        &[("url", "{u}")],
    ),
];

/// Requests that left `origin` (`data:` and the like aside).
fn foreign(requests: &[String], origin: &str) -> Vec<String> {
    requests
        .iter()
        .filter(|r| r.starts_with("http") && !r.starts_with(&format!("{origin}/")))
        .cloned()
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_petition_page_shares_with_plain_links_and_asks_nothing_of_other_sites() {
    const TEST: &str = "the_petition_page_shares_with_plain_links_and_asks_nothing_of_other_sites";
    let Some(browser) = Browser::start_recording_requests(TEST, Js::On).await else {
        return;
    };
    let server = Server::start(None).await;
    let page = server.url("/petition/");
    browser.goto(&page).await;
    browser
        .wait_for(
            "the copy button shown by the script",
            "return !document.querySelector('.share button[data-copy]').hidden;",
            Duration::from_secs(20),
        )
        .await;

    // The links: plain, encoded, carrying this page's address and the editor's message.
    let text = browser
        .js("return document.querySelector('[data-share-native]').dataset.title;")
        .await;
    let text = text.as_str().expect("the share message").to_string();
    assert!(!text.is_empty());
    let links = browser
        .js("return [...document.querySelectorAll('.share-links a')].map((a) => [a.href, a.rel]);")
        .await;
    let links: Vec<(String, String)> = serde_json::from_value(links).expect("links");
    assert_eq!(links.len(), SERVICES.len(), "{links:?}");
    for (prefix, params) in SERVICES {
        let (href, rel) = links
            .iter()
            .find(|(h, _)| h.split('?').next() == Some(prefix.trim_end_matches('?')))
            .unwrap_or_else(|| panic!("no share link to {prefix}: {links:?}"));
        assert_eq!(rel, "noopener noreferrer", "{href}");
        let url = url::Url::parse(href).unwrap_or_else(|e| panic!("{href}: {e}"));
        let query: BTreeMap<String, String> = url.query_pairs().into_owned().collect();
        for (name, want) in *params {
            let want = want.replace("{u}", &page).replace("{t}", &text);
            assert_eq!(query.get(*name), Some(&want), "{href}: {name}");
        }
    }

    // Its share card is served by the site, as a PNG (its size is checked on the built site).
    let card = browser
        .js("return document.querySelector('meta[property=\"og:image\"]').content;")
        .await;
    let card = card.as_str().expect("an og:image").to_string();
    assert!(
        card.starts_with(&format!("{}/_cards/", server.base)),
        "{card}"
    );
    let reply = http_get(&card).await;
    assert_eq!(reply.status.as_u16(), 200, "{card}");
    assert_eq!(
        reply
            .headers
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("image/png"),
        "{card}"
    );

    // Loading the page asked nothing of another origin.
    let loaded = browser.requests().await;
    assert!(
        loaded.iter().any(|r| r == &page),
        "the network log recorded the page itself: {loaded:?}"
    );
    assert_eq!(foreign(&loaded, &server.base), Vec::<String>::new());

    // Copy the link: the clipboard holds the page's address, and the live region says so.
    browser
        .cdp(
            "Browser.grantPermissions",
            json!({"origin": server.base, "permissions": ["clipboardReadWrite", "clipboardSanitizedWrite"]}),
        )
        .await;
    browser
        .find(".share button[data-copy]")
        .await
        .click()
        .await
        .expect("clicks copy");
    browser
        .wait_for(
            "the live region saying the link was copied",
            "return document.querySelector('.share [data-copy-status]').textContent === 'Link copied';",
            Duration::from_secs(10),
        )
        .await;
    let clipboard = browser.js("return navigator.clipboard.readText();").await;
    assert_eq!(clipboard, Value::String(page.clone()));

    // Headless Chromium on Linux has no share sheet: the button stays hidden.
    let hidden = browser
        .js("return [typeof navigator.share, document.querySelector('[data-share-native]').hidden];")
        .await;
    assert_eq!(hidden, json!(["undefined", true]));

    // With a share sheet (the OS's, so stood in for here), the button hands it the page.
    browser
        .cdp(
            "Page.addScriptToEvaluateOnNewDocument",
            json!({"source": "window.__shared = []; navigator.share = (d) => { window.__shared.push(d); return Promise.resolve(); };"}),
        )
        .await;
    browser.goto(&page).await;
    browser
        .wait_for(
            "the share button shown by the script",
            "return !document.querySelector('[data-share-native]').hidden;",
            Duration::from_secs(20),
        )
        .await;
    browser
        .find("[data-share-native]")
        .await
        .click()
        .await
        .expect("clicks share");
    let shared = browser.js("return window.__shared;").await;
    assert_eq!(shared, json!([{"title": text, "text": text, "url": page}]));

    // Mastodon: a server name that is not one is refused on the page; a real one opens that
    // server's share page, the first request to another origin.
    browser
        .find(".share-mastodon summary")
        .await
        .click()
        .await
        .expect("opens the Mastodon step");
    browser.fill("#share-mastodon-server", "not a server").await;
    browser
        .find(".share-mastodon-go button")
        .await
        .click()
        .await
        .expect("clicks");
    let error = browser
        .js("const e = document.querySelector('#share-mastodon-server-error'); return [e.hidden, e.textContent];")
        .await;
    assert_eq!(error[0], json!(false), "the error is shown: {error}");
    let before = browser.requests().await;
    assert_eq!(foreign(&before, &server.base), Vec::<String>::new());
    browser
        .fill(
            "#share-mastodon-server",
            "https://mastodon.example/@someone",
        )
        .await;
    browser
        .find(".share-mastodon-go button")
        .await
        .click()
        .await
        .expect("clicks");
    let want = format!(
        "https://mastodon.example/share?text={}",
        url::form_urlencoded::byte_serialize(format!("{text} {page}").as_bytes())
            .collect::<String>()
            .replace('+', "%20")
    );
    let started = std::time::Instant::now();
    let mut after = Vec::new();
    while started.elapsed() < Duration::from_secs(10) {
        after.extend(browser.requests().await);
        if !foreign(&after, &server.base).is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let went = foreign(&after, &server.base);
    assert_eq!(
        went.iter().map(|u| decode(u)).collect::<Vec<_>>(),
        vec![decode(&want)],
        "requests: {}",
        snippet(&format!("{after:?}"), 2000)
    );
    server.stop().await;
}

/// A URL with its query decoded, to compare encodings that differ only in what they escape.
fn decode(u: &str) -> (String, Vec<(String, String)>) {
    let url = url::Url::parse(u).unwrap_or_else(|e| panic!("{u}: {e}"));
    (
        format!("{}{}", url.origin().ascii_serialization(), url.path()),
        url.query_pairs().into_owned().collect(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_javascript_the_links_and_the_address_are_all_there() {
    const TEST: &str = "without_javascript_the_links_and_the_address_are_all_there";
    let Some(browser) = Browser::start(TEST, Js::Off).await else {
        return;
    };
    let server = Server::start(None).await;
    let page = server.url("/petition/");
    browser.goto(&page).await;
    let links = browser
        .find(".share-links")
        .await
        .find_all(fantoccini::Locator::Css("a"))
        .await
        .expect("the share links");
    assert_eq!(links.len(), SERVICES.len());
    let address = browser
        .find("#share-url")
        .await
        .text()
        .await
        .expect("the address");
    assert_eq!(address, page);
    // The controls that need the script keep their `hidden` attribute without it.
    for css in [
        ".share button[data-copy]",
        "[data-share-native]",
        "[data-share-mastodon]",
    ] {
        let hidden = browser
            .find(css)
            .await
            .attr("hidden")
            .await
            .expect("reads hidden");
        assert!(hidden.is_some(), "{css} is hidden without JavaScript");
    }
    server.stop().await;
}
