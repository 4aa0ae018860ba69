//! Signing the petition end to end: the preview (`site_gen::serve::run`) serving the real site
//! and the petition API on one origin, driven by headless Chromium and a plain HTTP client.
//!
//! Each scenario is written once, as a function of a [`Ctx`] (the server's base URL and the
//! petition), and runs twice: on the embedded store (a fresh data dir) and on the DynamoDB store
//! (DynamoDB Local, a fresh table). Every test starts its own server.

use std::collections::BTreeMap;
use std::future::Future;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::http::StatusCode;
use e2e_tests::{
    Browser, Js, Reply, Server, Status, build_site, dynamo_state, http_get, node_tools,
    petition_id, post_form, post_json, post_json_many, skip_or_fail, snippet,
};
use serde_json::{Value, json};

/// What a scenario needs to know.
#[derive(Debug, Clone)]
struct Ctx {
    /// `http://127.0.0.1:<port>`.
    base: String,
    /// The petition's id (from `content/petition/_index.md`).
    petition: String,
    /// The thank-you page a plain form post is redirected to (`/petition/thank-you/`).
    thank_you: String,
    /// The petition page (`/petition/`).
    page: String,
    /// Country codes the form offers.
    countries: Vec<String>,
    /// The test's name, for skips.
    test: &'static str,
}

impl Ctx {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn sign_url(&self) -> String {
        self.url(&format!("/api/petitions/{}/signatures", self.petition))
    }

    async fn status(&self) -> Status {
        let reply = http_get(&self.url(&format!("/api/petitions/{}", self.petition))).await;
        assert_eq!(
            reply.status,
            StatusCode::OK,
            "GET /api/petitions/{}: {}",
            self.petition,
            reply.snippet()
        );
        let raw = reply.json();
        let count = raw["count"]
            .as_u64()
            .unwrap_or_else(|| panic!("no count in {raw}"));
        let by_country = raw["by_country"]
            .as_object()
            .unwrap_or_else(|| panic!("no by_country in {raw}"))
            .iter()
            .map(|(k, v)| {
                (
                    k.clone(),
                    v.as_u64()
                        .unwrap_or_else(|| panic!("bad by_country in {raw}")),
                )
            })
            .collect();
        Status {
            count,
            by_country,
            raw,
        }
    }

    async fn count(&self) -> u64 {
        self.status().await.count
    }
}

/// A unique suffix, so addresses never repeat across runs on a shared table.
fn nonce() -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("{nanos:x}{}", std::process::id())
}

fn digits(text: &str) -> Option<u64> {
    let d: String = text.chars().filter(char::is_ascii_digit).collect();
    d.parse().ok()
}

/// Runs a scenario on the preview with the embedded store.
async fn on_embedded<F, Fut>(test: &'static str, scenario: F)
where
    F: FnOnce(Ctx) -> Fut,
    Fut: Future<Output = ()>,
{
    let server = Server::start(None).await;
    run(test, &server, scenario).await;
    server.stop().await;
}

/// Runs a scenario on the preview with the DynamoDB store (DynamoDB Local, a fresh table).
async fn on_dynamodb<F, Fut>(test: &'static str, scenario: F)
where
    F: FnOnce(Ctx) -> Fut,
    Fut: Future<Output = ()>,
{
    let Some((state, _keys_dir)) = dynamo_state(test).await else {
        return;
    };
    let server = Server::start(Some(state)).await;
    let health = http_get(&server.url("/api/health")).await;
    assert_eq!(
        health.json()["store"],
        json!("dynamodb"),
        "the preview should run the API on the DynamoDB store: {}",
        health.snippet()
    );
    run(test, &server, scenario).await;
    server.stop().await;
}

async fn run<F, Fut>(test: &'static str, server: &Server, scenario: F)
where
    F: FnOnce(Ctx) -> Fut,
    Fut: Future<Output = ()>,
{
    let built = build_site();
    let id = petition_id(&built);
    let petition = built
        .bundle
        .petition(&id)
        .expect("the petition is in the bundle")
        .clone();
    let ctx = Ctx {
        base: server.base.clone(),
        petition: id,
        thank_you: petition.thank_you.clone(),
        page: petition.page.clone(),
        countries: built
            .bundle
            .countries
            .iter()
            .map(|c| c.code.clone())
            .collect(),
        test,
    };
    assert!(
        ["FR", "DE", "GB", "US"]
            .iter()
            .all(|c| ctx.countries.iter().any(|k| k == c)),
        "the country list lacks FR/DE/GB/US: {:?}",
        ctx.countries
    );
    scenario(ctx).await;
}

macro_rules! on_both_stores {
    ($($scenario:ident),* $(,)?) => {$(
        mod $scenario {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn embedded_store() {
                super::on_embedded(concat!(stringify!($scenario), "_embedded"), super::$scenario).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn dynamodb_store() {
                super::on_dynamodb(concat!(stringify!($scenario), "_dynamodb"), super::$scenario).await;
            }
        }
    )*};
}

on_both_stores!(
    signing_with_javascript_confirms_in_place,
    signing_without_javascript_lands_on_thank_you,
    invalid_input_is_explained_and_not_stored,
    signing_twice_answers_alike_and_counts_once,
    two_hundred_concurrent_signatures_are_all_counted,
);

/// Waits until the page's counter fetch has answered, so its (older) count cannot land after
/// the one a signature brings.
async fn wait_for_counter_fetch(browser: &Browser, ctx: &Ctx) {
    browser
        .wait_for(
            "the counter's first fetch",
            &format!(
                "return performance.getEntriesByType('resource').some((e) => new URL(e.name).pathname === '/api/petitions/{}');",
                ctx.petition
            ),
            Duration::from_secs(20),
        )
        .await;
}

/// Fills the signature form on the current page.
async fn fill_form(browser: &Browser, name: &str, email: &str, country: &str, consent: bool) {
    browser.fill("#sig-name", name).await;
    browser.fill("#sig-email", email).await;
    browser
        .find("#sig-country")
        .await
        .select_by_value(country)
        .await
        .unwrap_or_else(|e| panic!("cannot choose country {country}: {e}"));
    let tick = browser.find("#sig-consent").await;
    let ticked = tick.is_selected().await.expect("reads the consent box");
    if ticked != consent {
        tick.click().await.expect("clicks the consent box");
    }
}

async fn submit(browser: &Browser) {
    browser
        .find("form[data-enhance=\"petition\"] [type=\"submit\"]")
        .await
        .click()
        .await
        .expect("clicks the submit button");
}

/// (a) With JavaScript: the confirmation appears in the live region, the counter shows the new
/// count, and the page stays (no navigation).
async fn signing_with_javascript_confirms_in_place(ctx: Ctx) {
    let Some(browser) = Browser::start(ctx.test, Js::On).await else {
        return;
    };
    let before = ctx.count().await;
    let page = ctx.url(&ctx.page);
    browser.goto(&page).await;
    wait_for_counter_fetch(&browser, &ctx).await;
    let thanks = browser
        .js("return document.querySelector('form[data-enhance=\"petition\"]').dataset.msgThanks;")
        .await;
    let thanks = thanks
        .as_str()
        .expect("the form carries its thanks message")
        .to_string();
    let live_role = browser
        .find("[data-live]")
        .await
        .attr("role")
        .await
        .expect("reads role");
    assert_eq!(
        live_role.as_deref(),
        Some("status"),
        "the live region must be role=status"
    );
    // A marker that a navigation would wipe out.
    browser
        .js("window.__e2eMarker = 'same-page'; return true;")
        .await;

    let email = format!("ada.{}@example.org", nonce());
    fill_form(&browser, "Ada Lovelace", &email, "GB", true).await;
    submit(&browser).await;

    browser
        .wait_for(
            "the confirmation in the live region",
            "const l = document.querySelector('[data-live]'); return !!l && l.textContent.trim().length > 0;",
            Duration::from_secs(30),
        )
        .await;
    let live = browser
        .js("return document.querySelector('[data-live]').textContent;")
        .await;
    let live = live.as_str().unwrap_or_default().to_string();
    assert!(
        live.contains(&thanks),
        "the live region should confirm with {thanks:?}, it says {live:?}\npage: {}",
        snippet(&browser.source().await, 4000)
    );
    let expected = before + 1;
    browser
        .wait_for(
            &format!("the counter to show {expected}"),
            &format!(
                "const c = document.querySelector('[data-counter] [data-count]'); return !!c && c.textContent.replace(/\\D/g, '') === '{expected}';"
            ),
            Duration::from_secs(20),
        )
        .await;
    assert!(
        live.chars()
            .filter(char::is_ascii_digit)
            .collect::<String>()
            .contains(&expected.to_string()),
        "the live region should also give the new count {expected}: {live:?}"
    );
    let marker = browser.js("return window.__e2eMarker || null;").await;
    assert_eq!(
        marker,
        json!("same-page"),
        "signing with JavaScript navigated away"
    );
    assert_eq!(browser.url().await, page, "the URL changed");
    assert_eq!(
        ctx.count().await,
        expected,
        "the API count after one signature"
    );
}

/// (b) Without JavaScript: the plain form posts, the 303 lands on the thank-you page, and the
/// count went up by one.
async fn signing_without_javascript_lands_on_thank_you(ctx: Ctx) {
    let Some(browser) = Browser::start(ctx.test, Js::Off).await else {
        return;
    };
    let before = ctx.count().await;
    browser.goto(&ctx.url(&ctx.page)).await;
    let email = format!("grace.{}@example.org", nonce());
    fill_form(&browser, "Grace Hopper", &email, "US", true).await;
    submit(&browser).await;

    let target = ctx.url(&ctx.thank_you);
    wait_for_url(&browser, &target).await;
    let source = browser.source().await;
    let title = browser.client.title().await.unwrap_or_default();
    assert!(
        title.to_lowercase().contains("thank"),
        "the thank-you page should say thank you in its title, got {title:?}: {}",
        snippet(&source, 3000)
    );
    assert_eq!(
        ctx.count().await,
        before + 1,
        "the count after one plain form post"
    );

    // The same post over HTTP: 303 See Other to the thank-you page.
    let reply = post_form(
        &ctx.sign_url(),
        &[
            ("name", "Katherine Johnson"),
            ("email", &format!("katherine.{}@example.org", nonce())),
            ("country", "US"),
            ("consent", "true"),
            ("website", ""),
        ],
    )
    .await;
    assert_eq!(
        reply.status,
        StatusCode::SEE_OTHER,
        "a plain form post: {}",
        reply.snippet()
    );
    assert_eq!(
        reply.headers.get("location").and_then(|v| v.to_str().ok()),
        Some(ctx.thank_you.as_str()),
        "the 303 goes to the thank-you page"
    );
    assert_eq!(ctx.count().await, before + 2);
}

/// Polls the browser's URL (no page script involved: JavaScript may be off).
async fn wait_for_url(browser: &Browser, target: &str) {
    let started = std::time::Instant::now();
    loop {
        let url = browser.url().await;
        if url == target {
            return;
        }
        if started.elapsed() > Duration::from_secs(30) {
            panic!(
                "expected to land on {target}, still on {url}\npage: {}",
                snippet(&browser.source().await, 6000)
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The ids of the signature form's fields, by field name, on the current page.
async fn field_ids(browser: &Browser) -> BTreeMap<String, String> {
    let mut ids = BTreeMap::new();
    for name in ["name", "email", "country", "consent"] {
        let id = browser
            .find(&format!(
                "form[data-enhance=\"petition\"] [name=\"{name}\"]"
            ))
            .await
            .attr("id")
            .await
            .expect("reads the field's id")
            .unwrap_or_else(|| panic!("the {name} field has no id"));
        ids.insert(name.to_string(), id);
    }
    ids
}

/// Checks that each field's error is announced as the theme contract says: a link to the field
/// in the summary, `aria-invalid="true"`, and the message in `#<id>-error`, referenced by
/// `aria-describedby`.
async fn assert_field_errors(browser: &Browser, ids: &BTreeMap<String, String>, fields: &[&str]) {
    let source = browser.source().await;
    let page = snippet(&source, 8000);
    for field in fields {
        let id = &ids[*field];
        let link = format!("[data-error-summary] a[href=\"#{id}\"]");
        if browser
            .client
            .find(fantoccini::Locator::Css(&link))
            .await
            .is_err()
        {
            panic!("the error summary has no link to the {field} field ({link}): {page}");
        }
        let input = browser.find(&format!("#{id}")).await;
        let invalid = input
            .attr("aria-invalid")
            .await
            .expect("reads aria-invalid");
        assert_eq!(
            invalid.as_deref(),
            Some("true"),
            "#{id} ({field}) should have aria-invalid=\"true\": {page}"
        );
        let described = input
            .attr("aria-describedby")
            .await
            .expect("reads aria-describedby")
            .unwrap_or_default();
        assert!(
            described
                .split_whitespace()
                .any(|d| d == format!("{id}-error")),
            "#{id} should be described by #{id}-error (aria-describedby=\"{described}\"): {page}"
        );
        let message = browser
            .find(&format!("#{id}-error"))
            .await
            .text()
            .await
            .unwrap_or_default();
        assert!(
            !message.trim().is_empty(),
            "#{id}-error should show the {field} field's message: {page}"
        );
    }
}

/// (c) Invalid input: with JavaScript the server's errors appear in the summary in place;
/// without JavaScript the 422 page explains each error, linked to its field, marks the fields
/// invalid and keeps what was typed; nothing is stored.
async fn invalid_input_is_explained_and_not_stored(ctx: Ctx) {
    let before = ctx.status().await;

    // The JSON answer names the fields.
    let reply = post_json(
        &ctx.sign_url(),
        &json!({"name": "", "email": "not-an-email", "country": "FR", "consent": false}),
    )
    .await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.snippet()
    );
    let fields: Vec<String> = reply.json()["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("no errors list: {}", reply.snippet()))
        .iter()
        .filter_map(|e| e["field"].as_str().map(str::to_string))
        .collect();
    for f in ["name", "email", "consent"] {
        assert!(
            fields.iter().any(|x| x == f),
            "no error for {f}: {}",
            reply.snippet()
        );
    }

    // With JavaScript. The browser's own validation stops what it can check (an empty required
    // field, an unticked consent box) before anything is sent ...
    {
        let Some(browser) = Browser::start(ctx.test, Js::On).await else {
            return;
        };
        let page = ctx.url(&ctx.page);
        browser.goto(&page).await;
        wait_for_counter_fetch(&browser, &ctx).await;
        let ids = field_ids(&browser).await;
        browser
            .js("window.__e2eMarker = 'same-page'; return true;")
            .await;
        fill_form(&browser, "", "not-an-email", "FR", false).await;
        submit(&browser).await;
        let valid = browser
            .js("return document.querySelector('form[data-enhance=\"petition\"]').checkValidity();")
            .await;
        assert_eq!(
            valid,
            json!(false),
            "the browser should find the form invalid"
        );

        // ... and the server refuses what the browser accepts: a blank name (spaces only) and
        // an address without a dotted domain. The script shows the server's errors in the
        // summary, in place.
        fill_form(&browser, "   ", "jane@example", "FR", true).await;
        submit(&browser).await;
        browser
            .wait_for(
                "the error summary to appear",
                "const s = document.querySelector('[data-error-summary]'); return !!s && !s.hidden && s.querySelectorAll('a').length > 0;",
                Duration::from_secs(30),
            )
            .await;
        assert_field_errors(&browser, &ids, &["name", "email"]).await;
        let focused = browser
            .js("return document.activeElement && document.activeElement.matches('[data-error-summary]');")
            .await;
        assert_eq!(
            focused,
            json!(true),
            "the error summary should take the focus: {}",
            snippet(&browser.source().await, 4000)
        );
        let marker = browser.js("return window.__e2eMarker || null;").await;
        assert_eq!(
            marker,
            json!("same-page"),
            "invalid input with JavaScript navigated away"
        );
        assert_eq!(browser.url().await, page);
    }

    // Without JavaScript.
    {
        let Some(browser) = Browser::start(ctx.test, Js::Off).await else {
            return;
        };
        browser.goto(&ctx.url(&ctx.page)).await;
        let page_ids = field_ids(&browser).await;
        // The browser's own constraint validation would stop this form before it is sent (the
        // fields are `required`, `type=email`): turn it off, as older or assistive browsers
        // may, so that the server's answer is what is tested. WebDriver scripts run even when
        // the page's JavaScript is disabled.
        browser
            .js("document.querySelector('form[data-enhance=\"petition\"]').noValidate = true; return true;")
            .await;
        fill_form(&browser, "", "not-an-email", "FR", false).await;
        submit(&browser).await;
        wait_for_url(&browser, &ctx.sign_url()).await;
        let source = browser.source().await;
        let page = snippet(&source, 8000);

        let summary = browser.find("[data-error-summary]").await;
        assert!(
            summary.is_displayed().await.unwrap_or(false),
            "the error summary is not shown on the 422 page: {page}"
        );
        let ids = field_ids(&browser).await;
        assert_field_errors(&browser, &ids, &["name", "email", "consent"]).await;
        let email = browser
            .find(&format!("#{}", ids["email"]))
            .await
            .prop("value")
            .await
            .expect("reads email");
        assert_eq!(
            email.as_deref(),
            Some("not-an-email"),
            "the typed email is kept: {page}"
        );
        let country = browser
            .find(&format!("#{}", ids["country"]))
            .await
            .prop("value")
            .await
            .expect("reads country");
        assert_eq!(
            country.as_deref(),
            Some("FR"),
            "the chosen country is kept: {page}"
        );
        assert_eq!(
            ids, page_ids,
            "the 422 page's form is not the petition page's form: themes/README.md says petition-fn renders the theme's own petition_form component (one source for the form); page: {page}"
        );
        browser.find("[data-live][role=\"status\"]").await;
    }

    // The same post over HTTP: 422 with the form page, which must be valid HTML too.
    let reply = post_form(
        &ctx.sign_url(),
        &[
            ("name", ""),
            ("email", "not-an-email"),
            ("country", "FR"),
            ("website", ""),
        ],
    )
    .await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid plain form post: {}",
        reply.snippet()
    );
    assert!(
        reply.body.contains("value=\"not-an-email\""),
        "the 422 page keeps the typed email: {}",
        reply.snippet()
    );
    html_validate_page(&ctx, "the 422 form page", &reply);

    let after = ctx.status().await;
    assert_eq!(
        after.count, before.count,
        "invalid input must not be stored"
    );
    assert_eq!(
        after.by_country, before.by_country,
        "invalid input must not be counted"
    );
}

fn html_validate_page(ctx: &Ctx, what: &str, reply: &Reply) {
    let tools = match node_tools() {
        Ok(t) => t,
        Err(why) => return skip_or_fail(ctx.test, &why),
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("page.html");
    std::fs::write(&file, &reply.body).expect("writes the page");
    let output = std::process::Command::new(tools.join(".bin/html-validate"))
        .arg("--config")
        .arg(e2e_tests::repo_root().join(".htmlvalidate.json"))
        .arg(&file)
        .output()
        .unwrap_or_else(|e| panic!("cannot run html-validate: {e}"));
    assert!(
        output.status.success(),
        "html-validate rejected {what}:\n{}{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr),
        reply.snippet()
    );
}

/// The shape of a JSON value: keys and value types, not values.
fn shape(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(m.iter().map(|(k, v)| (k.clone(), shape(v))).collect()),
        Value::Array(a) => Value::Array(a.iter().map(shape).collect()),
        Value::String(_) => json!("string"),
        Value::Number(_) => json!("number"),
        Value::Bool(_) => json!("bool"),
        Value::Null => json!("null"),
    }
}

/// (d) The same person twice (case and `+tag` differ): the same answer, counted once.
async fn signing_twice_answers_alike_and_counts_once(ctx: Ctx) {
    let before = ctx.status().await;
    let n = nonce();
    // Normalised, both are `jane.doe<n>@example.org` (case folded, `+tag` dropped).
    let first_email = format!("Jane.Doe{n}+x@Example.org");
    let second_email = format!("jane.doe{n}@example.org");
    let sign = |email: String| {
        let url = ctx.sign_url();
        async move {
            post_json(
                &url,
                &json!({"name": "Jane Doe", "email": email, "country": "DE", "consent": true, "updates": false}),
            )
            .await
        }
    };
    let first = sign(first_email.clone()).await;
    let second = sign(second_email.clone()).await;
    assert!(
        first.status == StatusCode::CREATED || first.status == StatusCode::ACCEPTED,
        "first signature ({first_email}): {}",
        first.snippet()
    );
    assert_eq!(
        first.status,
        second.status,
        "a repeat ({second_email}) must answer like a first signature ({first_email}): first {}, second {}",
        first.snippet(),
        second.snippet()
    );
    let (a, b) = (first.json(), second.json());
    assert_eq!(
        shape(&a),
        shape(&b),
        "the bodies differ in shape: {a} vs {b}"
    );
    assert_eq!(
        a["message"], b["message"],
        "the messages differ: {a} vs {b}"
    );
    assert_eq!(
        first.headers.get("content-type"),
        second.headers.get("content-type"),
        "the content types differ"
    );
    let after = ctx.status().await;
    assert_eq!(
        after.count,
        before.count + 1,
        "one person, counted once: {}",
        after.raw
    );
    assert_eq!(
        after.by_country.get("DE").copied().unwrap_or(0),
        before.by_country.get("DE").copied().unwrap_or(0) + 1,
        "counted once in DE: {}",
        after.raw
    );
    assert_eq!(
        a["count"],
        json!(before.count + 1),
        "the first answer's count: {a}"
    );
    assert_eq!(
        b["count"],
        json!(before.count + 1),
        "the repeat's count: {b}"
    );

    // A plain form post by the same person, and one by a new person: the same 303.
    let form = |email: String| {
        let url = ctx.sign_url();
        async move {
            post_form(
                &url,
                &[
                    ("name", "Jane Doe"),
                    ("email", &email),
                    ("country", "DE"),
                    ("consent", "true"),
                    ("website", ""),
                ],
            )
            .await
        }
    };
    let repeat = form(format!("JANE.DOE{n}@EXAMPLE.ORG")).await;
    let fresh = form(format!("john.roe{n}@example.org")).await;
    assert_eq!(
        repeat.status,
        fresh.status,
        "repeat {} vs new {}",
        repeat.snippet(),
        fresh.snippet()
    );
    assert_eq!(repeat.status, StatusCode::SEE_OTHER, "{}", repeat.snippet());
    assert_eq!(
        repeat.headers.get("location"),
        fresh.headers.get("location")
    );
    assert_eq!(repeat.body, fresh.body, "the 303 bodies differ");
    assert_eq!(
        ctx.count().await,
        before.count + 2,
        "the repeat is not counted, the new one is"
    );
}

/// (e) 200 distinct signatures at once (50 in flight): all counted, per country too.
async fn two_hundred_concurrent_signatures_are_all_counted(ctx: Ctx) {
    const N: usize = 200;
    let before = ctx.status().await;
    let countries = ["FR", "DE", "GB", "US", "JP", "BR", "IN", "CA"];
    let countries: Vec<&str> = countries
        .into_iter()
        .filter(|c| ctx.countries.iter().any(|k| k == c))
        .collect();
    let n = nonce();
    let mut expected: BTreeMap<String, u64> = BTreeMap::new();
    let bodies: Vec<Value> = (0..N)
        .map(|i| {
            let country = countries[i % countries.len()];
            *expected.entry(country.to_string()).or_default() += 1;
            json!({
                "name": format!("Signer {i}"),
                "email": format!("signer{i}.{n}@example.org"),
                "country": country,
                "consent": true,
            })
        })
        .collect();
    let replies = post_json_many(&ctx.sign_url(), bodies, 50).await;
    let failures: Vec<String> = replies
        .iter()
        .enumerate()
        .filter(|(_, r)| r.status != StatusCode::CREATED && r.status != StatusCode::ACCEPTED)
        .map(|(i, r)| format!("signature {i}: {}", r.snippet()))
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {N} concurrent signatures failed:\n{}",
        failures.len(),
        failures
            .iter()
            .take(10)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    let after = ctx.status().await;
    assert_eq!(
        after.count,
        before.count + N as u64,
        "the count after {N} concurrent signatures: {}",
        after.raw
    );
    for (country, n) in &expected {
        let was = before.by_country.get(country).copied().unwrap_or(0);
        let now = after.by_country.get(country).copied().unwrap_or(0);
        assert_eq!(now, was + n, "by_country.{country}: {}", after.raw);
    }
    let sum: u64 = after.by_country.values().sum();
    assert_eq!(
        sum, after.count,
        "by_country must sum to the count: {}",
        after.raw
    );
    let max_reported = replies
        .iter()
        .filter_map(|r| digits(&r.json()["count"].to_string()))
        .max()
        .unwrap_or(0);
    assert_eq!(
        max_reported, after.count,
        "the last answers should report the final count"
    );
}
