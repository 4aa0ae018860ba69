//! Writing to one's senators end to end: the preview (`site_gen::serve::run`) serving the real
//! site and `POST /api/letters` on one origin, driven by headless Chromium (with and without
//! JavaScript) and a plain HTTP client.
//!
//! The flows that store letters run on both stores: the embedded one (a fresh data dir) and
//! DynamoDB (DynamoDB Local, a fresh table); after each, the store's letter counts must show
//! exactly the letters the scenario sent, for their states and their senators.

use std::collections::BTreeMap;
use std::future::Future;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::http::StatusCode;
use contract::bundle::{Senator, SiteBundle};
use e2e_tests::{
    Browser, Js, Server, build_site, console_errors, csp_violations, describe_violations,
    dynamo_state, html_validate, node_tools, post_form, post_json, skip_or_fail, snippet,
};
use petition_fn::AppState;
use serde_json::{Value, json};

/// What a scenario needs to know.
#[derive(Debug, Clone)]
struct Ctx {
    /// `http://127.0.0.1:<port>`.
    base: String,
    /// The letter page (`/contact-your-senator/`).
    page: String,
    /// The senators of each state, senior first, from the built site's data.
    senators: BTreeMap<String, Vec<Senator>>,
    /// The suggested letter (the bundle's default text).
    suggested: String,
    /// The test's name, for skips.
    test: &'static str,
}

impl Ctx {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn letters_url(&self) -> String {
        self.url("/api/letters")
    }

    fn senators_of(&self, state: &str) -> &[Senator] {
        self.senators
            .get(state)
            .map(Vec::as_slice)
            .unwrap_or_else(|| panic!("no senators for {state} in the site's data"))
    }
}

/// A unique address, so letters never repeat across runs on a shared table.
fn email(who: &str) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("{who}.{nanos:x}{}@example.org", std::process::id())
}

/// Runs a scenario on a preview whose API runs on `state`; then checks that the store counted
/// exactly the letters the scenario says it sent (one per state listed).
async fn run<F, Fut>(test: &'static str, state: AppState, scenario: F)
where
    F: FnOnce(Ctx) -> Fut,
    Fut: Future<Output = Vec<&'static str>>,
{
    let built = build_site();
    let bundle: &SiteBundle = &built.bundle;
    let campaign = bundle
        .letter
        .clone()
        .expect("the site declares the letter campaign (content/contact-your-senator/)");
    let mut senators: BTreeMap<String, Vec<Senator>> = BTreeMap::new();
    for s in &bundle.states {
        let list: Vec<Senator> = bundle.senators_of(&s.code).into_iter().cloned().collect();
        if s.senators {
            assert_eq!(list.len(), 2, "{} should have two senators", s.code);
        }
        senators.insert(s.code.clone(), list);
    }
    let server = Server::start(Some(state.clone())).await;
    let ctx = Ctx {
        base: server.base.clone(),
        page: campaign.page.clone(),
        senators,
        suggested: campaign.default_letter.clone(),
        test,
    };
    let sent = scenario(ctx.clone()).await;
    // The outcomes pressed in the scenarios, counted once each, nothing personal.
    let outcomes = state
        .store()
        .action_counts()
        .await
        .expect("reads the outcomes");
    assert!(outcomes.iter().all(|a| a.count == 1), "{outcomes:?}");
    let counts = state
        .store()
        .letter_counts()
        .await
        .expect("reads the letter counts");
    assert_eq!(
        counts.total,
        sent.len() as u64,
        "letters counted: {counts:?}, sent for {sent:?}"
    );
    let mut by_state: BTreeMap<String, u64> = BTreeMap::new();
    let mut by_senator: BTreeMap<String, u64> = BTreeMap::new();
    for st in &sent {
        *by_state.entry((*st).to_owned()).or_default() += 1;
        for s in ctx.senators_of(st) {
            *by_senator.entry(s.bioguide.clone()).or_default() += 1;
        }
    }
    assert_eq!(counts.by_state, by_state, "per state");
    assert_eq!(counts.by_senator, by_senator, "per senator");
    server.stop().await;
}

async fn on_embedded<F, Fut>(test: &'static str, scenario: F)
where
    F: FnOnce(Ctx) -> Fut,
    Fut: Future<Output = Vec<&'static str>>,
{
    let dir = tempfile::tempdir().expect("temp data dir");
    let state = petition_fn::local_state(dir.path(), SiteBundle::default())
        .await
        .expect("opens the embedded store");
    run(test, state, scenario).await;
}

async fn on_dynamodb<F, Fut>(test: &'static str, scenario: F)
where
    F: FnOnce(Ctx) -> Fut,
    Fut: Future<Output = Vec<&'static str>>,
{
    let Some((state, _keys_dir)) = dynamo_state(test).await else {
        return;
    };
    assert_eq!(state.store().kind(), "dynamodb");
    run(test, state, scenario).await;
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
    with_javascript_the_senators_show_before_sending,
    without_javascript_the_form_posts_to_the_answer_page,
);

/// Chooses a state in the letter form.
async fn choose_state(browser: &Browser, code: &str) {
    browser
        .find("#ltr-state")
        .await
        .select_by_value(code)
        .await
        .unwrap_or_else(|e| panic!("cannot choose the state {code}: {e}"));
}

/// Fills the letter form (the state aside), keeping the suggested letter.
async fn fill_letter(browser: &Browser, email: &str, zip: &str) {
    browser.fill("#ltr-name", "Ada Lovelace").await;
    browser.fill("#ltr-email", email).await;
    browser.fill("#ltr-street", "1 Main Street").await;
    browser.fill("#ltr-city", "Springfield").await;
    browser.fill("#ltr-zip", zip).await;
    let tick = browser.find("#ltr-consent").await;
    if !tick.is_selected().await.expect("reads the consent box") {
        tick.click().await.expect("ticks the consent box");
    }
}

async fn submit(browser: &Browser) {
    browser
        .find("form[data-enhance=\"letter\"] [type=\"submit\"]")
        .await
        .click()
        .await
        .expect("clicks the submit button");
}

/// Waits until the browser shows a page whose `<h1>` contains `heading` (no page script
/// involved: JavaScript may be off).
async fn wait_for_heading(browser: &Browser, heading: &str) {
    let started = Instant::now();
    loop {
        if let Ok(h1) = browser.client.find(fantoccini::Locator::Css("h1")).await
            && h1.text().await.is_ok_and(|t| t.contains(heading))
        {
            return;
        }
        if started.elapsed() > Duration::from_secs(30) {
            panic!(
                "expected a page with the heading {heading:?}; on {}:\n{}",
                browser.url().await,
                snippet(&browser.source().await, 6000)
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Checks the answer page in the browser: the state's two senators by name, each with its
/// official contact form (or website) as the link, the party and phone, the letter with the
/// writer's name, the constituents note.
async fn assert_answer_page(browser: &Browser, ctx: &Ctx, state: &str, state_name: &str) {
    wait_for_heading(browser, state_name).await;
    assert_eq!(
        browser.url().await,
        ctx.letters_url(),
        "the answer is the POST's own page: no redirect, nothing personal in the URL"
    );
    let source = browser.source().await;
    let page = snippet(&source, 8000);
    let names: Vec<String> = browser
        .js("return [...document.querySelectorAll('.senator h3')].map((h) => h.textContent.trim());")
        .await
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect();
    let expected: Vec<String> = ctx
        .senators_of(state)
        .iter()
        .map(|s| s.name.clone())
        .collect();
    assert_eq!(
        names, expected,
        "the state's two senators, senior first: {page}"
    );
    for s in ctx.senators_of(state) {
        let link = s.contact_form.as_deref().unwrap_or(&s.url);
        let hrefs = browser
            .js_with(
                "return [...document.querySelectorAll('.senator')].filter((li) => li.querySelector('h3').textContent.trim() === arguments[0]).flatMap((li) => [...li.querySelectorAll('a[href]')].map((a) => a.getAttribute('href')));",
                vec![json!(s.name)],
            )
            .await;
        let hrefs: Vec<&str> = hrefs
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        assert!(
            hrefs.contains(&link),
            "{}'s official link should be {link}, the page has {hrefs:?}",
            s.name
        );
        assert!(
            link.starts_with("https://") || link.starts_with("http://"),
            "{link} is a web address"
        );
        assert!(source.contains(&s.party), "{}'s party: {page}", s.name);
        let digits: String = s.phone.chars().filter(char::is_ascii_digit).collect();
        assert!(
            source.contains(&format!("href=\"tel:+1{digits}\"")),
            "{}'s phone: {page}",
            s.name
        );
    }
    for s in ctx.senators_of(state) {
        let letter = browser
            .find(&format!("#letter-{}", s.bioguide))
            .await
            .text()
            .await
            .unwrap_or_default();
        let last = s.last_name();
        assert!(
            letter.starts_with(&format!("Dear Senator {last},")),
            "the letter to {} greets them: {letter:?}",
            s.name
        );
        let second_paragraph = ctx.suggested.lines().nth(2).unwrap_or_default();
        assert!(
            letter.contains(second_paragraph),
            "the letter's text: {letter:?}"
        );
        assert!(
            letter.contains("Ada Lovelace"),
            "signed with the name: {letter:?}"
        );
        assert!(
            source.contains(&format!("to ask Senator {last} to support")),
            "a call script for {}: {page}",
            s.name
        );
    }
    assert!(
        source.contains("answer only their own constituents"),
        "the constituents note: {page}"
    );
}

/// With JavaScript: choosing a state shows its two senators under the field before anything is
/// sent (DC shows that it has none); the form then posts and the answer page names them, with
/// a copy button the script reveals. No CSP violation, no console error.
async fn with_javascript_the_senators_show_before_sending(ctx: Ctx) -> Vec<&'static str> {
    let Some(browser) = Browser::start(ctx.test, Js::On).await else {
        return Vec::new();
    };
    browser.goto(&ctx.url(&ctx.page)).await;
    let preview = "[data-senators-preview]";
    let empty = browser
        .js(&format!(
            "return document.querySelector('{preview}').textContent.trim() === '';"
        ))
        .await;
    assert_eq!(empty, json!(true), "no senators before a state is chosen");
    let letter = browser
        .find("#ltr-message")
        .await
        .prop("value")
        .await
        .expect("reads the letter")
        .unwrap_or_default();
    assert_eq!(
        letter.replace("\r\n", "\n"),
        ctx.suggested,
        "the suggested letter is filled in"
    );

    choose_state(&browser, "DC").await;
    browser
        .wait_for(
            "the preview to say DC has no senators",
            &format!(
                "return document.querySelector('{preview}').textContent.includes('no senators');"
            ),
            Duration::from_secs(10),
        )
        .await;

    choose_state(&browser, "CA").await;
    for s in ctx.senators_of("CA") {
        browser
            .wait_for(
                &format!("the preview to name {}", s.name),
                &format!(
                    "return document.querySelector('{preview}').textContent.includes({});",
                    json!(s.name)
                ),
                Duration::from_secs(10),
            )
            .await;
    }
    assert_eq!(
        browser.url().await,
        ctx.url(&ctx.page),
        "nothing was sent yet"
    );

    fill_letter(&browser, &email("ada"), "94103").await;
    submit(&browser).await;
    assert_answer_page(&browser, &ctx, "CA", "California").await;
    let copy_shown = browser
        .js("const b = document.querySelector('button[data-copy]'); return !!b && !b.hidden;")
        .await;
    assert_eq!(
        copy_shown,
        json!(true),
        "the script reveals the copy button"
    );
    // "I called", pressed on the answer page: counted without leaving it.
    let senior = &ctx.senators_of("CA")[0];
    let answer_url = browser.url().await;
    browser
        .find(&format!(
            "form[data-enhance=\"action\"]:has(input[name=\"kind\"][value=\"called\"]):has(input[name=\"senator\"][value=\"{}\"]) button",
            senior.bioguide
        ))
        .await
        .click()
        .await
        .expect("presses I called");
    browser
        .wait_for(
            "the thanks for the call",
            &format!(
                "return [...document.querySelectorAll('[data-outcome-status]')].some(p => p.textContent.includes({}));",
                json!(format!("Thank you for calling {}", senior.name))
            ),
            Duration::from_secs(20),
        )
        .await;
    assert_eq!(
        browser.url().await,
        answer_url,
        "the outcome did not navigate"
    );
    let console = browser.console().await;
    assert!(
        csp_violations(&console).is_empty(),
        "CSP violations on the answer page: {:?}",
        csp_violations(&console)
    );
    assert!(
        console_errors(&console).is_empty(),
        "console errors on the answer page: {:?}",
        console_errors(&console)
    );
    vec!["CA"]
}

/// Without JavaScript: the same form posts as a plain form and the answer page names the
/// state's senators. A reload-like repeat of the same post is answered alike and counted once;
/// the JSON answer names the same senators.
async fn without_javascript_the_form_posts_to_the_answer_page(ctx: Ctx) -> Vec<&'static str> {
    let Some(browser) = Browser::start(ctx.test, Js::Off).await else {
        return Vec::new();
    };
    browser.goto(&ctx.url(&ctx.page)).await;
    choose_state(&browser, "NY").await;
    let writer = email("grace");
    fill_letter(&browser, &writer, "10001-1234").await;
    submit(&browser).await;
    assert_answer_page(&browser, &ctx, "NY", "New York").await;
    let copy_hidden = browser
        .js("const b = document.querySelector('button[data-copy]'); return !!b && getComputedStyle(b).display === 'none';")
        .await;
    assert_eq!(
        copy_hidden,
        json!(true),
        "without the script the copy button, which needs it, is not shown"
    );
    // "I sent my letter" without JavaScript: a plain form, answered by a thank-you page.
    let junior = &ctx.senators_of("NY")[1];
    browser
        .find(&format!(
            "form[data-enhance=\"action\"]:has(input[name=\"kind\"][value=\"letter_sent\"]):has(input[name=\"senator\"][value=\"{}\"]) button",
            junior.bioguide
        ))
        .await
        .click()
        .await
        .expect("presses I sent my letter");
    wait_for_heading(&browser, "Thank you").await;
    let page = browser.source().await;
    assert!(
        page.contains(&format!(
            "Thank you for sending your letter to {}",
            junior.name
        )),
        "{}",
        snippet(&page, 2000)
    );

    // The same letter again over HTTP (as a reload would post it): the same page, not counted
    // twice.
    let suggested = ctx.suggested.replace('\n', "\r\n");
    let pairs = [
        ("name", "Ada Lovelace"),
        ("email", writer.as_str()),
        ("street", "1 Main Street"),
        ("city", "Springfield"),
        ("state", "NY"),
        ("zip", "10001-1234"),
        ("message", suggested.as_str()),
        ("consent", "true"),
        ("website", ""),
    ];
    let first = post_form(&ctx.letters_url(), &pairs).await;
    let second = post_form(&ctx.letters_url(), &pairs).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.snippet());
    assert_eq!(second.body, first.body, "a repeat is answered alike");
    assert!(
        first.headers.get("location").is_none(),
        "no redirect: nothing personal goes in a URL"
    );
    assert_eq!(
        first
            .headers
            .get("cache-control")
            .and_then(|v| v.to_str().ok()),
        Some("no-store")
    );

    let json_reply = post_json(
        &ctx.letters_url(),
        &json!({
            "name": "Ada Lovelace", "email": writer, "street": "1 Main Street",
            "city": "Springfield", "state": "NY", "zip": "10001-1234",
            "message": ctx.suggested, "consent": true,
        }),
    )
    .await;
    assert_eq!(
        json_reply.status,
        StatusCode::CREATED,
        "{}",
        json_reply.snippet()
    );
    let body = json_reply.json();
    assert_eq!(body["state"]["code"], json!("NY"));
    let names: Vec<&str> = body["senators"]
        .as_array()
        .map(|a| a.iter().filter_map(|s| s["name"].as_str()).collect())
        .unwrap_or_default();
    let expected: Vec<&str> = ctx
        .senators_of("NY")
        .iter()
        .map(|s| s.name.as_str())
        .collect();
    assert_eq!(names, expected);
    for (s, j) in ctx
        .senators_of("NY")
        .iter()
        .zip(body["senators"].as_array().into_iter().flatten())
    {
        let letter = j["letter"].as_str().unwrap_or_default();
        assert!(
            letter.starts_with(&format!("Dear Senator {},", s.last_name())),
            "{j}"
        );
        assert!(
            j["call_script"]
                .as_str()
                .is_some_and(|c| c.contains("Springfield, New York")),
            "{j}"
        );
        assert!(
            j["offices"].as_array().is_some_and(|o| !o.is_empty()),
            "{j}"
        );
    }
    vec!["NY"]
}

/// Checks that a field's error is tied to it as the theme contract says: a link in the
/// summary, `aria-invalid="true"`, and the message in `#<id>-error`, named by
/// `aria-describedby`. Returns the message.
async fn assert_field_error(browser: &Browser, id: &str) -> String {
    let page = snippet(&browser.source().await, 8000);
    let link = format!("[data-error-summary] a[href=\"#{id}\"]");
    assert!(
        browser
            .client
            .find(fantoccini::Locator::Css(&link))
            .await
            .is_ok(),
        "the error summary has no link to #{id}: {page}"
    );
    let input = browser.find(&format!("#{id}")).await;
    assert_eq!(
        input.attr("aria-invalid").await.expect("reads").as_deref(),
        Some("true"),
        "#{id} should be aria-invalid: {page}"
    );
    let described = input
        .attr("aria-describedby")
        .await
        .expect("reads")
        .unwrap_or_default();
    assert!(
        described
            .split_whitespace()
            .any(|d| d == format!("{id}-error")),
        "#{id} should be described by #{id}-error ({described}): {page}"
    );
    let message = browser
        .find(&format!("#{id}-error"))
        .await
        .text()
        .await
        .unwrap_or_default();
    assert!(!message.trim().is_empty(), "#{id}-error is empty: {page}");
    message
}

/// A ZIP code of another state and DC: the 422 page explains each, tied to its field, keeps
/// what was typed, and stores nothing; with JavaScript the summary takes the focus. The 422
/// page passes html-validate and axe.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_zip_and_dc_are_explained_on_their_fields() {
    const TEST: &str = "wrong_zip_and_dc_are_explained_on_their_fields";
    let dir = tempfile::tempdir().expect("temp data dir");
    let state = petition_fn::local_state(dir.path(), SiteBundle::default())
        .await
        .expect("opens the embedded store");
    run(TEST, state, |ctx| async move {
        for js in [Js::Off, Js::On] {
            let Some(browser) = Browser::start(ctx.test, js).await else {
                return Vec::new();
            };
            browser.goto(&ctx.url(&ctx.page)).await;
            choose_state(&browser, "CA").await;
            // A New York ZIP code: well formed (the browser lets it through), wrong state.
            fill_letter(&browser, &email("zip"), "10001").await;
            submit(&browser).await;
            wait_for_heading(&browser, "Write to your senators").await;
            let message = assert_field_error(&browser, "ltr-zip").await;
            assert!(
                message.contains("10001 is not in California"),
                "{message}"
            );
            let kept = browser
                .find("#ltr-zip")
                .await
                .prop("value")
                .await
                .expect("reads")
                .unwrap_or_default();
            assert_eq!(kept, "10001", "the ZIP typed is kept");
            let state = browser
                .find("#ltr-state")
                .await
                .prop("value")
                .await
                .expect("reads")
                .unwrap_or_default();
            assert_eq!(state, "CA", "the state chosen is kept");
            let street = browser
                .find("#ltr-street")
                .await
                .prop("value")
                .await
                .expect("reads")
                .unwrap_or_default();
            assert_eq!(street, "1 Main Street");
            if js == Js::On {
                let focused = browser
                    .js("return document.activeElement && document.activeElement.matches('[data-error-summary]');")
                    .await;
                assert_eq!(focused, json!(true), "the error summary takes the focus");
                if let Ok(tools) = node_tools() {
                    let violations = browser.axe(&tools).await;
                    assert!(
                        violations.is_empty(),
                        "axe-core found violations on the 422 page:\n{}",
                        describe_violations("422 letter page", &violations)
                    );
                }
            }

            // Washington, D.C.: the plain message, on the state field.
            choose_state(&browser, "DC").await;
            browser.fill("#ltr-zip", "20001").await;
            submit(&browser).await;
            browser
                .wait_for(
                    "the DC message",
                    "const e = document.getElementById('ltr-state-error'); return !!e && !e.hidden && e.textContent.includes('Washington, D.C.');",
                    Duration::from_secs(30),
                )
                .await;
            let message = assert_field_error(&browser, "ltr-state").await;
            assert!(
                message.contains("Washington, D.C. has no senators in the U.S. Senate"),
                "{message}"
            );
        }

        // The same over HTTP: 422 pages that html-validate accepts.
        for (state, zip) in [("CA", "10001"), ("DC", "20001")] {
            let reply = post_form(
                &ctx.letters_url(),
                &[
                    ("name", "Ada Lovelace"),
                    ("email", &email("http")),
                    ("street", "1 Main Street"),
                    ("city", "Springfield"),
                    ("state", state),
                    ("zip", zip),
                    ("message", "Dear Senator,"),
                    ("consent", "true"),
                    ("website", ""),
                ],
            )
            .await;
            assert_eq!(
                reply.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{}",
                reply.snippet()
            );
            html_validate(ctx.test, &format!("the 422 letter page for {state}"), &reply.body);
        }
        Vec::new()
    })
    .await;
}

/// The answer page is valid HTML and has no axe-core violation (WCAG 2.2 AA, best practices);
/// its print style hides the form controls and keeps the letter and the senators.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answer_page_is_valid_and_accessible() {
    const TEST: &str = "answer_page_is_valid_and_accessible";
    let dir = tempfile::tempdir().expect("temp data dir");
    let state = petition_fn::local_state(dir.path(), SiteBundle::default())
        .await
        .expect("opens the embedded store");
    run(TEST, state, |ctx| async move {
        let writer = email("valid");
        let reply = post_form(
            &ctx.letters_url(),
            &[
                ("name", "Ada Lovelace"),
                ("email", &writer),
                ("street", "1 Main Street"),
                ("city", "Austin"),
                ("state", "TX"),
                ("zip", "78701"),
                ("message", &ctx.suggested),
                ("consent", "true"),
                ("website", ""),
            ],
        )
        .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.snippet());
        html_validate(ctx.test, "the letter answer page", &reply.body);

        let tools = match node_tools() {
            Ok(t) => t,
            Err(why) => {
                skip_or_fail(ctx.test, &why);
                return vec!["TX"];
            }
        };
        let Some(browser) = Browser::start(ctx.test, Js::On).await else {
            return vec!["TX"];
        };
        browser.goto(&ctx.url(&ctx.page)).await;
        choose_state(&browser, "TX").await;
        fill_letter(&browser, &writer, "78701").await;
        // The same writer and letter as the HTTP post: answered alike, counted once.
        browser.fill("#ltr-city", "Austin").await;
        submit(&browser).await;
        assert_answer_page(&browser, &ctx, "TX", "Texas").await;
        let violations = browser.axe(&tools).await;
        assert!(
            violations.is_empty(),
            "axe-core found violations on the answer page:\n{}",
            describe_violations("letter answer page", &violations)
        );
        // Print: the copy button and the navigation hidden, the letter and senators kept.
        browser
            .client
            .issue_cmd(EmulatePrint)
            .await
            .expect("emulates print media");
        let shown = browser
            .js("const v = (s) => { const e = document.querySelector(s); return !!e && getComputedStyle(e).display !== 'none'; }; return [v('button[data-copy]'), v('.site-nav'), v('.letter-text'), v('.senators')];")
            .await;
        assert_eq!(
            shown,
            json!([false, false, true, true]),
            "print style: no buttons or navigation; the letters and the senators"
        );
        // "Print the letter" of one senator: only that letter is printed.
        let one = browser
            .js("const cards = document.querySelectorAll('.letter-card'); cards[0].classList.add('print-this'); document.body.classList.add('printing-one'); const v = (e) => getComputedStyle(e).display !== 'none'; return [v(cards[0].querySelector('.letter-text')), v(cards[1]), v(document.querySelector('.senators')), v(cards[0].querySelector('h3'))];")
            .await;
        assert_eq!(
            one,
            json!([true, false, false, false]),
            "printing one letter shows that letter alone"
        );
        vec!["TX"]
    })
    .await;
}

/// Chromium's `Emulation.setEmulatedMedia {media: "print"}` through chromedriver's CDP
/// endpoint.
#[derive(Debug)]
struct EmulatePrint;

impl fantoccini::wd::WebDriverCompatibleCommand for EmulatePrint {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/goog/cdp/execute",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _request_url: &url::Url) -> (axum::http::Method, Option<String>) {
        (
            axum::http::Method::POST,
            Some(
                json!({"cmd": "Emulation.setEmulatedMedia", "params": {"media": "print"}})
                    .to_string(),
            ),
        )
    }
}
