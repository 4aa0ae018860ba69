//! The embed page in partners' frames, in Chromium: a site named in `[embed] allow` shows it,
//! any other site's frame is refused by the page's own `frame-ancestors`, and its link opens
//! the petition in a top-level page of its own.

use std::time::Duration;

use axum::response::Html;
use e2e_tests::{Browser, Js, Server, csp_violations, site_copy};
use serde_json::json;

/// A listener on the loopback address `ip` for a partner site, and its origin.
async fn listen(ip: &str) -> (tokio::net::TcpListener, String) {
    let listener = tokio::net::TcpListener::bind((ip, 0))
        .await
        .unwrap_or_else(|e| panic!("binds {ip} (a loopback address): {e}"));
    let origin = format!("http://{}", listener.local_addr().expect("has an address"));
    (listener, origin)
}

/// Serves a partner's page, which frames `embed_url`, on `listener`.
fn serve_partner(listener: tokio::net::TcpListener, embed_url: &str) {
    let page = format!(
        "<!doctype html><html lang=\"en\"><title>Partner</title><h1>Partner</h1>\
         <iframe src=\"{embed_url}\" title=\"Petition counter\" width=\"400\" height=\"300\"></iframe></html>"
    );
    let app = axum::Router::new().route("/", axum::routing::get(move || async move { Html(page) }));
    tokio::spawn(async move { axum::serve(listener, app).await });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_allowed_origin_frames_the_embed_page_and_its_link_opens_a_new_page() {
    const TEST: &str =
        "only_the_allowed_origin_frames_the_embed_page_and_its_link_opens_a_new_page";
    let Some(browser) = Browser::start(TEST, Js::On).await else {
        return;
    };
    let petition = e2e_tests::petition_id(&e2e_tests::build_site());

    // The partners' listeners are bound first: the allowed origin goes into the site's settings.
    let (allowed_listener, allowed_site) = listen("127.0.0.2").await;
    let (other_listener, other_site) = listen("127.0.0.3").await;
    let site = site_copy(|toml| {
        let empty = "[embed]\nallow = []\n";
        assert!(toml.contains(empty), "site.toml has an empty [embed] allow");
        toml.replace(empty, &format!("[embed]\nallow = [\"{allowed_site}\"]\n"))
    });
    let server = Server::start_site(
        site.path().to_path_buf(),
        None,
        tempfile::tempdir().expect("creates a temp data dir"),
    )
    .await;
    let embed_url = server.url(&format!("/embed/{petition}/"));
    serve_partner(allowed_listener, &embed_url);
    serve_partner(other_listener, &embed_url);

    // The allowed partner: the frame holds the embed page, and its script fetched the count.
    browser.goto(&format!("{allowed_site}/")).await;
    let _ = browser.console().await;
    browser
        .client
        .enter_frame(0)
        .await
        .expect("enters the partner's frame");
    // The count, and the script (under the page's CSP, in the frame) asking for the live one.
    let api = format!("/api/petitions/{petition}");
    browser
        .wait_for(
            "the framed embed page's script to fetch the count",
            &format!(
                "return document.querySelector('[data-counter] [data-count]')?.textContent.trim() === '0' && performance.getEntriesByType('resource').some((e) => new URL(e.name).pathname === '{api}');"
            ),
            Duration::from_secs(20),
        )
        .await;
    assert_eq!(
        browser
            .js("return document.querySelectorAll('form').length;")
            .await,
        json!(0),
        "never the form in a frame"
    );
    let link = browser.find("a[target=\"_blank\"]").await;
    let href = link
        .attr("href")
        .await
        .expect("reads href")
        .unwrap_or_default();
    let rel = link
        .attr("rel")
        .await
        .expect("reads rel")
        .unwrap_or_default();
    assert!(
        href.starts_with(&server.base) && href.ends_with("/petition/"),
        "{href}"
    );
    assert_eq!(rel, "noopener");

    // Its link opens the petition in a new top-level page; the partner's page stays.
    let before = browser.client.windows().await.expect("lists the windows");
    link.click().await.expect("clicks the link");
    let mut after = browser.client.windows().await.expect("lists the windows");
    for _ in 0..50 {
        if after.len() > before.len() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        after = browser.client.windows().await.expect("lists the windows");
    }
    assert_eq!(after.len(), before.len() + 1, "a new page opened");
    let new = after
        .into_iter()
        .find(|w| !before.contains(w))
        .expect("the new window");
    let partner_window = before.first().cloned().expect("the partner's window");
    browser
        .client
        .switch_to_window(new)
        .await
        .expect("switches to the new page");
    browser
        .wait_for(
            "the petition page in the new page",
            &format!(
                "return location.href === {:?} && document.readyState === 'complete';",
                href
            ),
            Duration::from_secs(20),
        )
        .await;
    assert_eq!(
        browser
            .js("return window.opener === null && window.top === window;")
            .await,
        json!(true),
        "a top-level page without a handle on the partner's page"
    );
    browser
        .client
        .close_window()
        .await
        .expect("closes the new page");
    browser
        .client
        .switch_to_window(partner_window)
        .await
        .expect("back to the partner's page");
    assert_eq!(browser.url().await, format!("{allowed_site}/"));

    // Any other site: Chromium refuses to show the page in its frame, and says why.
    browser.goto(&format!("{other_site}/")).await;
    let mut refused = Vec::new();
    for _ in 0..50 {
        refused.extend(csp_violations(&browser.console().await));
        if refused.iter().any(|m| m.contains("frame-ancestors")) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        refused
            .iter()
            .any(|m| m.contains("frame-ancestors") && m.contains(&allowed_site)),
        "a CSP refusal naming the allowed origin: {refused:?}"
    );
    browser
        .client
        .enter_frame(0)
        .await
        .expect("enters the other site's frame");
    assert_eq!(
        browser
            .js("return document.querySelectorAll('[data-counter]').length;")
            .await,
        json!(0),
        "no embed content in a refused frame"
    );
    server.stop().await;
}
