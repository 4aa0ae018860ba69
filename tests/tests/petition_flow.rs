//! Signing the petition end to end: the preview (`site_gen::serve::run`) serving the real site
//! and the petition API on one origin, driven by headless Chromium and a plain HTTP client.
//!
//! Each scenario is written once, as a function of a [`Ctx`] (the server's base URL and the
//! petition), and runs twice: on the embedded store (a fresh data dir) and on the DynamoDB store
//! (DynamoDB Local, a fresh table). Every test starts its own server.

use std::collections::BTreeMap;
use std::future::Future;
use std::time::Duration;

use axum::http::StatusCode;
use e2e_tests::{
    Browser, Js, Reply, Server, Status, build_site, console_errors, csp_violations,
    describe_violations, dynamo_state, http_client_from, http_get, json_request, loopback_client,
    node_tools, nonce, petition_id, post_form, post_json, post_json_many, send_from, skip_or_fail,
    snippet,
};
use petition_fn::mail::Outbox;
use serde_json::{Value, json};

/// What a scenario needs to know.
#[derive(Debug, Clone)]
struct Ctx {
    /// `http://127.0.0.1:<port>`.
    base: String,
    /// The petition's id (from `content/petition/_index.md`).
    petition: String,
    /// The thank-you page a confirmation is redirected to (`/petition/thank-you/`).
    thank_you: String,
    /// The "check your inbox" page a plain form post is redirected to.
    check_inbox: String,
    /// The data folder whose `outbox/` holds the mail the API sent.
    mail_dir: std::path::PathBuf,
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

    fn outbox(&self) -> Outbox {
        Outbox::new(&self.mail_dir)
    }

    /// `(to, token)` of every confirmation mail sent, newest first.
    fn mailed(&self) -> Vec<(String, String)> {
        let outbox = self.outbox();
        outbox
            .list()
            .expect("lists the outbox")
            .into_iter()
            .map(|entry| {
                let mail = outbox.read(&entry.name).expect("reads a mail");
                let text = mail.text.unwrap_or_default();
                let token = token_in(&text)
                    .unwrap_or_else(|| panic!("no confirmation link in the mail: {text}"));
                (entry.to, token)
            })
            .collect()
    }

    /// The tokens mailed to `email` (as typed), newest first.
    fn tokens_for(&self, email: &str) -> Vec<String> {
        self.mailed()
            .into_iter()
            .filter(|(to, _)| to.eq_ignore_ascii_case(email))
            .map(|(_, token)| token)
            .collect()
    }

    fn confirm_url(&self) -> String {
        self.url("/api/confirm")
    }

    /// Presses the confirm button over HTTP: a plain form post of the token.
    async fn confirm(&self, token: &str) -> Reply {
        post_form(&self.confirm_url(), &[("token", token)]).await
    }
}

/// The token of the confirmation link in a mail's text.
fn token_in(text: &str) -> Option<String> {
    let start = text.find("/api/confirm?token=")? + "/api/confirm?token=".len();
    let token: String = text[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    (!token.is_empty()).then_some(token)
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
    let mail_dir = server.data_dir.path().to_owned();
    run(test, &server, mail_dir, scenario).await;
    server.stop().await;
}

/// Runs a scenario on the preview with the DynamoDB store (DynamoDB Local, a fresh table).
async fn on_dynamodb<F, Fut>(test: &'static str, scenario: F)
where
    F: FnOnce(Ctx) -> Fut,
    Fut: Future<Output = ()>,
{
    let Some((state, keys_dir)) = dynamo_state(test).await else {
        return;
    };
    let server = Server::start_in(Some(state), keys_dir).await;
    let health = http_get(&server.url("/api/health")).await;
    assert_eq!(
        health.json()["store"],
        json!("dynamodb"),
        "the preview should run the API on the DynamoDB store: {}",
        health.snippet()
    );
    let mail_dir = server.data_dir.path().to_owned();
    run(test, &server, mail_dir, scenario).await;
    server.stop().await;
}

async fn run<F, Fut>(test: &'static str, server: &Server, mail_dir: std::path::PathBuf, scenario: F)
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
        check_inbox: petition
            .check_inbox
            .clone()
            .expect("the petition confirms by mail and names its check_inbox page"),
        mail_dir,
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
    signing_and_confirming_with_javascript,
    signing_and_confirming_without_javascript,
    a_mail_scanner_confirms_nothing,
    invalid_input_is_explained_and_not_stored,
    signing_twice_answers_alike_and_counts_once,
    two_hundred_concurrent_signatures_are_all_counted,
    a_flood_from_one_client_crowds_out_nobody,
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

/// Follows the newest mail in the preview's outbox to its confirmation page, as a person
/// would: the outbox list, the mail, its link. Returns the confirmation page's URL.
async fn open_confirmation_from_the_outbox(browser: &Browser, ctx: &Ctx) -> String {
    browser.goto(&ctx.url("/_outbox/")).await;
    browser
        .find("a[href^=\"/_outbox/\"][href$=\".eml\"]")
        .await
        .click()
        .await
        .expect("opens the newest mail");
    let link = browser.find("a[href*=\"/api/confirm?token=\"]").await;
    let href = link
        .attr("href")
        .await
        .expect("reads the link")
        .expect("the link has a target");
    link.click().await.expect("follows the confirmation link");
    browser.wait_for_url(&href).await;
    href
}

/// The confirmation page: one button; valid, and (where the browser runs scripts, which axe
/// needs) without axe violations.
async fn confirm_in_the_browser(browser: &Browser, ctx: &Ctx, page_url: &str, js: Js) {
    let reply = http_get(page_url).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.snippet());
    html_validate_page(ctx, "the confirmation page", &reply);
    match node_tools() {
        Ok(_) if js == Js::Off => {}
        Ok(tools) => {
            let violations = browser.axe(&tools).await;
            assert!(
                violations.is_empty(),
                "{}",
                describe_violations("the confirmation page", &violations)
            );
        }
        Err(why) => skip_or_fail(ctx.test, &why),
    }
    browser
        .find("form[action=\"/api/confirm\"] [type=\"submit\"]")
        .await
        .click()
        .await
        .expect("presses Confirm my signature");
    browser.wait_for_url(&ctx.url(&ctx.thank_you)).await;
}

/// (a) With JavaScript: signing says "check your inbox" in place and counts nothing; the mail
/// in the outbox leads to the button; pressing it lands on the thank-you page, whose counter
/// shows one more.
async fn signing_and_confirming_with_javascript(ctx: Ctx) {
    let Some(browser) = Browser::start(ctx.test, Js::On).await else {
        return;
    };
    let before = ctx.count().await;
    let page = ctx.url(&ctx.page);
    browser.goto(&page).await;
    wait_for_counter_fetch(&browser, &ctx).await;
    let pending = browser
        .js("return document.querySelector('form[data-enhance=\"petition\"]').dataset.msgPending;")
        .await;
    let pending = pending
        .as_str()
        .expect("the form carries its check-your-inbox message")
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
    browser
        .js("window.__e2eMarker = 'same-page'; return true;")
        .await;

    let email = format!("ada.{}@example.org", nonce());
    fill_form(&browser, "Ada Lovelace", &email, "GB", true).await;
    submit(&browser).await;
    browser
        .wait_for(
            "the check-your-inbox message in the live region",
            "const l = document.querySelector('[data-live]'); return !!l && l.textContent.trim().length > 0;",
            Duration::from_secs(30),
        )
        .await;
    let live = browser
        .js("return document.querySelector('[data-live]').textContent;")
        .await;
    let live = live.as_str().unwrap_or_default().to_string();
    assert!(
        live.contains(&pending),
        "the live region should say {pending:?}, it says {live:?}\npage: {}",
        snippet(&browser.source().await, 4000)
    );
    let marker = browser.js("return window.__e2eMarker || null;").await;
    assert_eq!(
        marker,
        json!("same-page"),
        "signing with JavaScript navigated away"
    );
    assert_eq!(
        ctx.count().await,
        before,
        "nothing counts before the mailbox confirms"
    );
    assert_eq!(ctx.tokens_for(&email).len(), 1, "one confirmation mail");

    let confirm_page = open_confirmation_from_the_outbox(&browser, &ctx).await;
    confirm_in_the_browser(&browser, &ctx, &confirm_page, Js::On).await;
    let expected = before + 1;
    browser
        .wait_for(
            &format!("the thank-you page's counter to show {expected}"),
            &format!(
                "const c = document.querySelector('[data-counter] [data-count]'); return !!c && c.textContent.replace(/\\D/g, '') === '{expected}';"
            ),
            Duration::from_secs(20),
        )
        .await;
    assert_eq!(
        ctx.count().await,
        expected,
        "the API count after one confirmation"
    );
}

/// (b) Without JavaScript: the plain form post lands on the check-your-inbox page; the mail's
/// link, the button, the thank-you page; counted once.
async fn signing_and_confirming_without_javascript(ctx: Ctx) {
    let Some(browser) = Browser::start(ctx.test, Js::Off).await else {
        return;
    };
    let before = ctx.count().await;
    browser.goto(&ctx.url(&ctx.page)).await;
    let email = format!("grace.{}@example.org", nonce());
    fill_form(&browser, "Grace Hopper", &email, "US", true).await;
    submit(&browser).await;
    browser.wait_for_url(&ctx.url(&ctx.check_inbox)).await;
    let title = browser.client.title().await.unwrap_or_default();
    assert!(
        title.to_lowercase().contains("inbox"),
        "the check-your-inbox page's title: {title:?}"
    );
    assert_eq!(
        ctx.count().await,
        before,
        "nothing counts before the mailbox confirms"
    );

    let confirm_page = open_confirmation_from_the_outbox(&browser, &ctx).await;
    confirm_in_the_browser(&browser, &ctx, &confirm_page, Js::Off).await;
    let title = browser.client.title().await.unwrap_or_default();
    assert!(
        title.to_lowercase().contains("thank"),
        "the thank-you page: {title:?}"
    );
    assert_eq!(
        ctx.count().await,
        before + 1,
        "the count after one confirmation"
    );

    // The same post over HTTP: 303 See Other to the check-your-inbox page.
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
        Some(ctx.check_inbox.as_str()),
        "the 303 goes to the check-your-inbox page"
    );
    assert_eq!(
        ctx.count().await,
        before + 1,
        "still unconfirmed, so not counted"
    );
}

/// (f) A mail scanner follows the link many times: nothing is confirmed, and the signer can
/// still confirm afterwards.
async fn a_mail_scanner_confirms_nothing(ctx: Ctx) {
    let before = ctx.count().await;
    let email = format!("scanned.{}@example.org", nonce());
    let reply = post_json(
        &ctx.sign_url(),
        &json!({"name": "Scanned Signer", "email": email, "country": "FR", "consent": true}),
    )
    .await;
    assert_eq!(reply.status, StatusCode::ACCEPTED, "{}", reply.snippet());
    let token = ctx.tokens_for(&email).remove(0);
    let link = ctx.url(&format!("/api/confirm?token={token}"));
    for _ in 0..20 {
        let page = http_get(&link).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.snippet());
    }
    assert_eq!(
        ctx.count().await,
        before,
        "following the link confirms nothing"
    );
    let pressed = ctx.confirm(&token).await;
    assert_eq!(
        pressed.status,
        StatusCode::SEE_OTHER,
        "{}",
        pressed.snippet()
    );
    assert_eq!(
        pressed
            .headers
            .get("location")
            .and_then(|v| v.to_str().ok()),
        Some(ctx.thank_you.as_str())
    );
    assert_eq!(ctx.count().await, before + 1);
    // A second press (or a scanner that posts) changes nothing more.
    let again = ctx.confirm(&token).await;
    assert_eq!(again.status, StatusCode::SEE_OTHER);
    assert_eq!(ctx.count().await, before + 1);
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
        browser.wait_for_url(&ctx.sign_url()).await;
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

/// (d) The same person twice (case and `+tag` differ), then again once confirmed, and a
/// stranger: byte-identical answers, no count in them, one mail, counted once when confirmed.
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
    assert_eq!(
        first.status,
        StatusCode::ACCEPTED,
        "first signature: {}",
        first.snippet()
    );
    assert!(
        first.json().get("count").is_none(),
        "a count tells who signed: {}",
        first.snippet()
    );
    let pending = sign(second_email.clone()).await;
    let token = ctx.tokens_for(&first_email).remove(0);
    assert!(
        ctx.tokens_for(&second_email).is_empty(),
        "the repeat within the hour sent no mail"
    );
    assert_eq!(ctx.confirm(&token).await.status, StatusCode::SEE_OTHER);
    let confirmed = sign(second_email.clone()).await;
    let stranger = sign(format!("john.roe{n}@example.org")).await;
    for (what, r) in [
        ("pending", &pending),
        ("confirmed", &confirmed),
        ("new", &stranger),
    ] {
        assert_eq!(
            (r.status, &r.body),
            (first.status, &first.body),
            "a {what} address must answer like the first signature"
        );
        assert_eq!(
            r.headers.get("content-type"),
            first.headers.get("content-type")
        );
    }
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

    // Plain form posts by the confirmed person and by someone new: the same 303.
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
    let fresh = form(format!("mary.major{n}@example.org")).await;
    assert_eq!(repeat.status, StatusCode::SEE_OTHER, "{}", repeat.snippet());
    assert_eq!(
        (repeat.status, repeat.headers.get("location"), &repeat.body),
        (fresh.status, fresh.headers.get("location"), &fresh.body),
        "a confirmed address and a new one get the same answer"
    );
    assert_eq!(
        ctx.count().await,
        before.count + 1,
        "nobody new is counted before confirming"
    );
}

/// (e) 200 distinct signatures at once (50 in flight): all pending, none counted; then all
/// 200 confirmations at once: all counted, per country too.
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
        .filter(|(_, r)| r.status != StatusCode::ACCEPTED)
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
    assert_eq!(
        ctx.count().await,
        before.count,
        "pending signatures count nothing"
    );

    let tokens: Vec<Value> = ctx
        .mailed()
        .into_iter()
        .filter(|(to, _)| to.ends_with(&format!(".{n}@example.org")))
        .map(|(_, token)| json!({ "token": token }))
        .collect();
    assert_eq!(tokens.len(), N, "one confirmation mail per signature");
    let confirmations = post_json_many(&ctx.confirm_url(), tokens, 50).await;
    let failures: Vec<String> = confirmations
        .iter()
        .enumerate()
        .filter(|(_, r)| r.status != StatusCode::OK)
        .map(|(i, r)| format!("confirmation {i}: {}", r.snippet()))
        .collect();
    assert!(
        failures.is_empty(),
        "{} confirmations failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    let after = ctx.status().await;
    assert_eq!(
        after.count,
        before.count + N as u64,
        "the count after {N} concurrent confirmations: {}",
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
    let max_reported = confirmations
        .iter()
        .filter_map(|r| digits(&r.json()["count"].to_string()))
        .max()
        .unwrap_or(0);
    assert_eq!(
        max_reported, after.count,
        "the last confirmations report the final count"
    );
}

/// (f) One client floods the form with 2,000 signatures of random addresses (20 in flight)
/// while 50 other clients sign once each, spread over the flood. Every one of the 50 is
/// accepted and, once confirmed, counted; the flood gets no more than its hourly limit through
/// (it pays for no proof of work); nothing answers 5xx. The figures go to stderr for
/// BENCHMARKS.md.
async fn a_flood_from_one_client_crowds_out_nobody(ctx: Ctx) {
    const FLOOD: usize = 2_000;
    const OTHERS: usize = 50;
    let limit = u64::from(build_site().bundle.limits.signatures_per_hour);
    let before = ctx.count().await;
    let n = nonce();
    let url = ctx.sign_url();
    let body = |who: &str, i: usize| {
        json!({
            "name": format!("{who} {i}"),
            "email": format!("{who}{i}.{n}@example.org"),
            "country": "FR",
            "consent": true,
        })
    };
    let started = std::time::Instant::now();
    let flooder = http_client_from(loopback_client(OTHERS));
    let permits = std::sync::Arc::new(tokio::sync::Semaphore::new(20));
    let mut flood = Vec::with_capacity(FLOOD);
    for i in 0..FLOOD {
        let (client, permits, req) = (
            flooder.clone(),
            permits.clone(),
            json_request(&url, &body("flood", i)),
        );
        flood.push(tokio::spawn(async move {
            let _permit = permits.acquire_owned().await.expect("semaphore open");
            send_from(&client, req).await.status
        }));
    }
    let mut others = Vec::with_capacity(OTHERS);
    for i in 0..OTHERS {
        let (client, req) = (
            http_client_from(loopback_client(i)),
            json_request(&url, &body("other", i)),
        );
        others.push(tokio::spawn(async move {
            // Spread over the flood's first seconds.
            tokio::time::sleep(Duration::from_millis(40 * i as u64)).await;
            let at = std::time::Instant::now();
            let reply = send_from(&client, req).await;
            (reply.status, at.elapsed(), reply.snippet())
        }));
    }
    let mut flood_statuses = BTreeMap::<u16, u64>::new();
    for t in flood {
        *flood_statuses
            .entry(t.await.expect("task").as_u16())
            .or_default() += 1;
    }
    let mut latencies = Vec::with_capacity(OTHERS);
    for t in others {
        let (status, took, snippet) = t.await.expect("task");
        assert_eq!(
            status,
            StatusCode::ACCEPTED,
            "another signer was turned away: {snippet}"
        );
        latencies.push(took);
    }
    let elapsed = started.elapsed();
    let admitted = flood_statuses.get(&202).copied().unwrap_or(0);
    let held = flood_statuses.get(&429).copied().unwrap_or(0);
    assert_eq!(
        admitted + held,
        FLOOD as u64,
        "the flood got only 202 or 429, never 5xx: {flood_statuses:?}"
    );
    assert_eq!(
        admitted, limit,
        "the flood got exactly its hourly limit through: {flood_statuses:?}"
    );

    let tokens: Vec<Value> = ctx
        .mailed()
        .into_iter()
        .filter(|(to, _)| to.starts_with("other") && to.ends_with(&format!(".{n}@example.org")))
        .map(|(_, token)| json!({ "token": token }))
        .collect();
    assert_eq!(
        tokens.len(),
        OTHERS,
        "each of the others got its confirmation mail"
    );
    let confirmed = post_json_many(&ctx.confirm_url(), tokens, 10).await;
    assert!(confirmed.iter().all(|r| r.status == StatusCode::OK));
    assert_eq!(
        ctx.count().await,
        before + OTHERS as u64,
        "every other signer is counted, and no flood address confirmed"
    );
    latencies.sort();
    let pct = |p: usize| latencies[(latencies.len() * p / 100).min(latencies.len() - 1)];
    eprintln!(
        "flood figures ({}): flood {FLOOD} sent, {admitted} admitted, {held} held (429); others {OTHERS} sent, {OTHERS} admitted; others' latency p50 {:?} p99 {:?}; flood took {elapsed:?}",
        ctx.test,
        pct(50),
        pct(99),
    );
}

/// (g) Over its limit, a browser with JavaScript pays the proof of work by itself (no click)
/// and is accepted; without JavaScript the answer is the wait page, with what was typed kept
/// in a form to send again.
async fn over_the_limit_the_script_pays_and_without_it_the_page_waits(ctx: Ctx) {
    let limit = build_site().bundle.limits.signatures_per_hour;
    let n = nonce();
    // The browser connects from 127.0.0.1, as this client does: use up that client's hour.
    for i in 0..limit {
        let reply = post_json(
            &ctx.sign_url(),
            &json!({"name": "Earlier", "email": format!("earlier{i}.{n}@example.org"), "country": "FR", "consent": true}),
        )
        .await;
        assert_eq!(reply.status, StatusCode::ACCEPTED, "{}", reply.snippet());
    }
    let over = post_json(
        &ctx.sign_url(),
        &json!({"name": "Over", "email": format!("over.{n}@example.org"), "country": "FR", "consent": true}),
    )
    .await;
    assert_eq!(
        over.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        over.snippet()
    );

    let Some(browser) = Browser::start(ctx.test, Js::On).await else {
        return;
    };
    browser.goto(&ctx.url(&ctx.page)).await;
    wait_for_counter_fetch(&browser, &ctx).await;
    let pending = browser
        .js("return document.querySelector('form[data-enhance=\"petition\"]').dataset.msgPending;")
        .await;
    let pending = pending.as_str().unwrap_or_default().to_string();
    let email = format!("paid.{n}@example.org");
    fill_form(&browser, "Grace Hopper", &email, "US", true).await;
    submit(&browser).await;
    browser
        .wait_for(
            "the check-your-inbox message after the proof of work",
            &format!(
                "const l = document.querySelector('[data-live]'); return !!l && l.textContent.includes({});",
                json!(pending)
            ),
            Duration::from_secs(60),
        )
        .await;
    assert_eq!(
        ctx.tokens_for(&email).len(),
        1,
        "the paid signature was accepted and mailed"
    );
    drop(browser);

    let Some(browser) = Browser::start(ctx.test, Js::Off).await else {
        return;
    };
    browser.goto(&ctx.url(&ctx.page)).await;
    let waiting = format!("waiting.{n}@example.org");
    fill_form(&browser, "Katherine Johnson", &waiting, "US", true).await;
    submit(&browser).await;
    browser
        .wait_for(
            "the wait page",
            "return !!document.querySelector('form[data-resend]');",
            Duration::from_secs(20),
        )
        .await;
    let page = browser.source().await;
    assert!(
        page.contains("Please wait a little"),
        "{}",
        snippet(&page, 3000)
    );
    assert!(page.contains("Send again"));
    let kept = browser
        .js("return document.querySelector('form[data-resend] input[name=\"email\"]').value;")
        .await;
    assert_eq!(kept, json!(waiting), "what was typed is kept");
    assert!(ctx.tokens_for(&waiting).is_empty(), "nothing was accepted");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_the_limit_in_the_browser() {
    on_embedded(
        "over_the_limit_in_the_browser",
        over_the_limit_the_script_pays_and_without_it_the_page_waits,
    )
    .await;
}

/// The count history on the petition page, in headless Chromium: the script draws the chart
/// (an SVG image with a title and a description) and its table (one row per UTC day, the
/// day's last hourly count) from the history JSON, with no console or CSP error and no axe
/// violation; without JavaScript the table the preview built from its store stands, and the
/// CSV link downloads the same counts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_count_history_is_charted_and_tabled() {
    const TEST: &str = "the_count_history_is_charted_and_tabled";
    let tools = match node_tools() {
        Ok(t) => t,
        Err(why) => return skip_or_fail(TEST, &why),
    };
    let built = build_site();
    let id = petition_id(&built);
    let page = built
        .bundle
        .petition(&id)
        .expect("the petition")
        .page
        .clone();
    let data_dir = tempfile::tempdir().expect("tempdir");
    let state = petition_fn::local_state(data_dir.path(), built.bundle.clone())
        .await
        .expect("a local state");
    // Three hourly snapshots over two UTC days: 2026-11-30 22:00 and 23:00, 2026-12-01 09:00.
    let day_one = 1_796_076_000;
    for (hour, total) in [
        (day_one, 4),
        (day_one + 3_600, 7),
        (day_one + 11 * 3_600, 12),
    ] {
        let counts = petition_fn::store::Counts {
            total,
            by_country: BTreeMap::from([("FR".to_owned(), total)]),
        };
        state
            .store()
            .write_snapshot(petition_fn::store::Snapshot {
                petition: id.clone(),
                hour,
                counts,
            })
            .await
            .expect("writes a snapshot");
    }
    let server = Server::start_in(Some(state), data_dir).await;

    let Some(browser) = Browser::start(TEST, Js::On).await else {
        return server.stop().await;
    };
    browser.goto(&server.url(&page)).await;
    browser
        .wait_for(
            "the history chart",
            "return !!document.querySelector('[data-history-chart] svg polyline');",
            Duration::from_secs(20),
        )
        .await;
    let drawn = browser
        .js(r#"const box = document.querySelector('[data-history]');
            const svg = box.querySelector('svg');
            const ids = (svg.getAttribute('aria-labelledby') || '').split(' ');
            return {
              role: svg.getAttribute('role'),
              labelled: ids.map((i) => (document.getElementById(i) || {}).textContent || null),
              title: svg.querySelector('title').textContent,
              points: svg.querySelector('polyline').getAttribute('points').trim().split(/\s+/).length,
              rows: [...box.querySelectorAll('[data-history-table] tbody tr')].map((r) => [...r.cells].map((c) => c.textContent)),
              table_hidden: box.querySelector('[data-history-table]').hidden,
              note_shown: [...box.querySelectorAll('[data-history-note]')].some((n) => !n.hidden),
            };"#)
        .await;
    assert_eq!(drawn["role"], json!("img"), "{drawn}");
    assert_eq!(drawn["points"], json!(3), "one point per snapshot: {drawn}");
    let labelled = drawn["labelled"].as_array().expect("labels");
    assert_eq!(labelled.len(), 2, "a title and a description: {drawn}");
    assert!(
        labelled
            .iter()
            .all(|l| l.as_str().is_some_and(|t| !t.is_empty())),
        "{drawn}"
    );
    assert!(
        labelled[1]
            .as_str()
            .is_some_and(|d| d.contains("4") && d.contains("12") && d.contains("2026-11-30")),
        "the description says the first and last counts and dates: {drawn}"
    );
    assert_eq!(
        drawn["rows"],
        json!([["2026-11-30", "7"], ["2026-12-01", "12"]]),
        "the table has each day's last count: {drawn}"
    );
    assert_eq!(drawn["table_hidden"], json!(false), "{drawn}");
    assert_eq!(drawn["note_shown"], json!(false), "{drawn}");
    let console = browser.console().await;
    assert!(
        csp_violations(&console).is_empty(),
        "CSP violations: {:?}",
        csp_violations(&console)
    );
    assert!(
        console_errors(&console).is_empty(),
        "console errors: {:?}",
        console_errors(&console)
    );
    let violations = browser.axe(&tools).await;
    assert!(
        violations.is_empty(),
        "{}",
        describe_violations(&page, &violations)
    );

    let Some(plain) = Browser::start(TEST, Js::Off).await else {
        return server.stop().await;
    };
    plain.goto(&server.url(&page)).await;
    let without = plain
        .js(r#"const box = document.querySelector('[data-history]');
            const table = box.querySelector('[data-history-table]');
            return {
              svg: !!box.querySelector('svg'),
              note: !!box.querySelector('[data-history-note]'),
              table_hidden: table.hidden,
              rows: [...table.querySelectorAll('tbody tr')].map((r) => [...r.cells].map((c) => c.textContent)),
              csv: box.querySelector('a[download]').getAttribute('href'),
            };"#)
        .await;
    assert_eq!(without["svg"], json!(false), "{without}");
    assert_eq!(
        (&without["note"], &without["table_hidden"], &without["rows"]),
        (
            &json!(false),
            &json!(false),
            &json!([["2026-11-30", "7"], ["2026-12-01", "12"]])
        ),
        "without the script the preview's build shows the table from its store: {without}"
    );
    let served = http_get(&server.url(&page)).await;
    e2e_tests::html_validate(
        TEST,
        "the petition page with its history table",
        &served.body,
    );
    let csv_path = without["csv"].as_str().expect("the CSV link").to_owned();
    assert_eq!(csv_path, format!("/api/petitions/{id}/history.csv"));
    let csv = http_get(&server.url(&csv_path)).await;
    assert_eq!(csv.status, StatusCode::OK, "{}", csv.snippet());
    assert!(
        csv.body
            .contains(&format!("{id},2026-12-01T09:00:00Z,,12\r\n")),
        "the CSV has the chart's last count: {}",
        csv.snippet()
    );
    server.stop().await;
}
