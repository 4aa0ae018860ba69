//! Signatures by country end to end: signatures in several countries are confirmed in the
//! preview's running store (the embedded one), then the petition page's script, in headless
//! Chromium, refreshes the counter's next milestone, the table and the map's colours from the
//! count API; the page stays free of axe-core violations.

use std::time::Duration;

use axum::http::StatusCode;
use e2e_tests::{
    Browser, Js, Server, build_site, csp_violations, describe_violations, http_get, node_tools,
    petition_id, post_form, post_json, skip_or_fail, snippet,
};
use petition_fn::mail::Outbox;
use serde_json::{Value, json};

/// Signs `petition` as `email` from `country` and confirms it with the mailed token.
async fn sign_and_confirm(server: &Server, petition: &str, email: &str, country: &str) {
    let signed = post_json(
        &server.url(&format!("/api/petitions/{petition}/signatures")),
        &json!({"name": "Test Signer", "email": email, "country": country, "consent": true}),
    )
    .await;
    assert!(
        signed.status.is_success(),
        "signing as {email}: {}",
        signed.snippet()
    );
    let outbox = Outbox::new(server.data_dir.path());
    let mail = outbox
        .list()
        .expect("lists the outbox")
        .into_iter()
        .find(|m| m.to.eq_ignore_ascii_case(email))
        .unwrap_or_else(|| panic!("no confirmation mail to {email}"));
    let text = outbox
        .read(&mail.name)
        .expect("reads the mail")
        .text
        .unwrap_or_default();
    let start = text
        .find("/api/confirm?token=")
        .expect("a confirmation link")
        + "/api/confirm?token=".len();
    let token: String = text[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    let confirmed = post_form(&server.url("/api/confirm"), &[("token", &token)]).await;
    assert_eq!(
        confirmed.status,
        StatusCode::SEE_OTHER,
        "{}",
        confirmed.snippet()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_script_refreshes_the_table_and_the_map_from_the_count_api() {
    const TEST: &str = "the_script_refreshes_the_table_and_the_map_from_the_count_api";
    let built = build_site();
    let id = petition_id(&built);
    let petition = built.bundle.petition(&id).expect("the petition").clone();
    let server = Server::start(None).await;
    // Built before anyone signed: no rows in the page itself, so what follows is the script's.
    let html = http_get(&server.url(&petition.page)).await;
    assert!(
        html.body
            .contains(&format!("id=\"by-country-{id}\" hidden>")),
        "the built page has no counts yet: {}",
        snippet(&html.body, 2000)
    );

    let signers = [("FR", 12), ("DE", 3), ("JP", 1)];
    for (country, n) in signers {
        for i in 0..n {
            let email = format!("signer.{}.{i}@example.org", country.to_lowercase());
            sign_and_confirm(&server, &id, &email, country).await;
        }
    }

    let Some(browser) = Browser::start(TEST, Js::On).await else {
        server.stop().await;
        return;
    };
    browser.goto(&server.url(&petition.page)).await;
    browser
        .wait_for(
            "the table's rows from the count API",
            "return document.querySelectorAll('[data-by-country] tbody tr').length === 3;",
            Duration::from_secs(20),
        )
        .await;
    let rows = browser
        .js("return [...document.querySelectorAll('[data-by-country] tbody tr')].map((r) => [r.dataset.code, ...[...r.cells].map((c) => c.textContent)]);")
        .await;
    assert_eq!(
        rows,
        json!([
            ["FR", "France", "12", "75.0%"],
            ["DE", "Germany", "3", "18.8%"],
            ["JP", "Japan", "1", "6.3%"],
        ])
    );
    let requests = browser
        .js(&format!(
            "return performance.getEntriesByType('resource').filter((e) => new URL(e.name).pathname === '/api/petitions/{id}').length;"
        ))
        .await;
    assert_eq!(
        requests,
        json!(1),
        "the counter and the countries share one request"
    );
    let shown = browser
        .js("const b = document.querySelector('[data-by-country]'); return [b.querySelector('table').hidden, b.querySelector('[data-no-rows]').hidden];")
        .await;
    assert_eq!(shown, json!([false, true]), "the table replaces the note");
    let map = browser
        .js("const s = (c) => document.querySelector(`[data-by-country] path[data-code=\"${c}\"]`); return ['FR', 'DE', 'JP', 'CN'].map((c) => [s(c).getAttribute('class'), s(c).querySelector('title').textContent]);")
        .await;
    assert_eq!(
        map,
        json!([
            ["c2", "France: 12"],
            ["c1", "Germany: 3"],
            ["c1", "Japan: 1"],
            ["c0", "China: 0"],
        ])
    );
    let next = browser
        .js("const c = document.querySelector('[data-counter]'); return [c.querySelector('[data-count]').textContent, c.querySelector('[data-next]').hidden, c.querySelector('[data-next]').textContent.trim()];")
        .await;
    let total: u64 = signers.iter().map(|(_, n)| n).sum();
    let first = petition
        .milestones
        .first()
        .copied()
        .unwrap_or(petition.goal);
    assert_eq!(
        next,
        json!([
            total.to_string(),
            false,
            format!("{} more to reach {}.", group(first - total), group(first))
        ]),
        "the counter names the next milestone"
    );

    match node_tools() {
        Ok(tools) => {
            let violations: Vec<Value> = browser.axe(&tools).await;
            assert!(
                violations.is_empty(),
                "{}",
                describe_violations(&petition.page, &violations)
            );
        }
        Err(why) => skip_or_fail(TEST, &why),
    }
    let csp = csp_violations(&browser.console().await);
    assert!(csp.is_empty(), "CSP violations: {csp:?}");
    server.stop().await;
}

/// `n` with thousands separators, as the page's `en` locale writes it.
fn group(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}
