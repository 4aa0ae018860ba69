//! The campaign in its languages, in headless Chromium on the preview: switching to Simplified
//! Chinese on the petition page, signing with a mistake, the function's error page and
//! messages in Simplified Chinese with the values kept, signing, and the confirmation mail in
//! Simplified Chinese; and a right-to-left page (a fixture `ar` language) laid out and its form
//! errors shown from the right.

use std::collections::BTreeMap;
use std::time::Duration;

use e2e_tests::{
    Browser, Js, Server, describe_violations, node_tools, nonce, post_form, repo_root, site_copy,
    skip_or_fail, snippet,
};
use petition_fn::mail::Outbox;
use serde_json::json;

/// The theme's interface strings in `lang`.
fn strings(lang: &str) -> BTreeMap<String, String> {
    let path = repo_root().join(format!("themes/default/i18n/{lang}.toml"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The text of a string up to its first placeholder: what a filled-in message starts with.
fn lead(text: &str) -> &str {
    text.split('{').next().unwrap_or(text).trim()
}

/// Fills the petition form on the current page (consent ticked) and sends it.
async fn sign_with(browser: &Browser, name: &str, email: &str, country: &str) {
    browser.fill("#sig-name", name).await;
    browser.fill("#sig-email", email).await;
    browser
        .find("#sig-country")
        .await
        .select_by_value(country)
        .await
        .unwrap_or_else(|e| panic!("cannot choose {country}: {e}"));
    let consent = browser.find("#sig-consent").await;
    if !consent.is_selected().await.expect("reads the consent box") {
        consent.click().await.expect("ticks consent");
    }
    browser
        .find("form[data-enhance=\"petition\"] [type=\"submit\"]")
        .await
        .click()
        .await
        .expect("sends the form");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signing_in_simplified_chinese_from_the_page_to_the_mail() {
    const TEST: &str = "signing_in_simplified_chinese_from_the_page_to_the_mail";
    let Some(browser) = Browser::start(TEST, Js::Off).await else {
        return;
    };
    let server = Server::start(None).await;
    let zh = strings("zh-Hans");
    let en = strings("en");

    // The English petition page's switcher leads to the same page in Simplified Chinese.
    browser.goto(&server.url("/petition/")).await;
    browser
        .find(".lang-switch a[hreflang=\"zh-Hans\"]")
        .await
        .click()
        .await
        .expect("follows the switcher's 简体中文 link");
    browser
        .wait_for_url(&server.url("/zh-Hans/petition/"))
        .await;
    let lang = browser.js("return document.documentElement.lang;").await;
    assert_eq!(lang, json!("zh-Hans"));

    // A mistake the browser cannot see (no dot in the domain): the function's 422 page, in
    // Simplified Chinese, with what was typed kept.
    sign_with(&browser, "李华", "lihua@example", "CN").await;
    browser
        .wait_for(
            "the error page",
            "return !!document.querySelector('[data-error-summary]:not([hidden])');",
            Duration::from_secs(30),
        )
        .await;
    let page = browser.source().await;
    assert!(
        page.contains("<html lang=\"zh-Hans\""),
        "the error page is in Simplified Chinese: {}",
        snippet(&page, 3000)
    );
    assert!(
        page.contains(&zh["error_summary_title"]),
        "{}",
        snippet(&page, 6000)
    );
    let summary = browser
        .js("return document.querySelector('[data-error-summary]').innerText;")
        .await;
    let summary = summary.as_str().unwrap_or_default().to_owned();
    assert!(
        summary
            .chars()
            .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
        "the messages are in Chinese: {summary}"
    );
    assert!(
        !summary.contains(lead(&en["error_summary_title"])) && !summary.contains("Enter your"),
        "no English in the messages: {summary}"
    );
    let kept = browser
        .js("return [document.querySelector('#sig-name').value, document.querySelector('#sig-email').value, document.querySelector('#sig-country').value, document.querySelector('input[name=lang]').value];")
        .await;
    assert_eq!(kept, json!(["李华", "lihua@example", "CN", "zh-Hans"]));

    // Fixed and sent again: the Chinese "check your inbox" page, and a Chinese mail.
    let email = format!("lihua.{}@example.org", nonce());
    browser.fill("#sig-email", &email).await;
    browser
        .find("form [type=\"submit\"]")
        .await
        .click()
        .await
        .expect("sends the form again");
    browser
        .wait_for_url(&server.url("/zh-Hans/petition/check-your-inbox/"))
        .await;
    let outbox = Outbox::new(server.data_dir.path());
    let entry = outbox
        .list()
        .expect("lists the outbox")
        .into_iter()
        .find(|e| e.to.eq_ignore_ascii_case(&email))
        .expect("a mail to the signer");
    let mail = outbox.read(&entry.name).expect("reads the mail");
    let subject_lead = lead(&zh["mail_confirm_subject"]);
    assert!(
        entry.subject.starts_with(subject_lead),
        "the subject is in Simplified Chinese ({subject_lead}…): {}",
        entry.subject
    );
    let text = mail.text.unwrap_or_default();
    assert!(text.contains(lead(&zh["mail_confirm_expiry"])), "{text}");
    assert!(
        text.contains("lang=zh-Hans"),
        "the link opens the Chinese page: {text}"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_right_to_left_page_is_laid_out_from_the_right() {
    const TEST: &str = "a_right_to_left_page_is_laid_out_from_the_right";
    // With the script: axe runs in the page, and the form's errors come back in place.
    let Some(browser) = Browser::start(TEST, Js::On).await else {
        return;
    };
    // A copy of the site with an Arabic fixture language: one page in Arabic (the petition),
    // every other page falling back to English.
    let site = site_copy(|toml| {
        toml.replace(
            "\n[languages.es]",
            "\n[languages.ar]\nname = \"العربية\"\ndir = \"rtl\"\nfallback = true\n\n[languages.es]",
        )
    });
    let en = std::fs::read_to_string(site.path().join("themes/default/i18n/en.toml")).expect("en");
    std::fs::write(
        site.path().join("themes/default/i18n/ar.toml"),
        en.replace(
            "skip_link = \"Skip to main content\"",
            "skip_link = \"انتقل إلى المحتوى الرئيسي\"",
        )
        .replace("field_name = \"Full name\"", "field_name = \"الاسم الكامل\""),
    )
    .expect("writes ar.toml");
    std::fs::write(
        site.path().join("content/petition/_index.ar.md"),
        "+++\ntitle = \"وقّع العريضة\"\ndescription = \"عريضة إلى المفوض السامي لحقوق الإنسان.\"\nreviewed = false\n[petition]\nid = \"un-high-commissioner\"\ntitle = \"أوقفوا الحصاد القسري للأعضاء\"\naddressee = \"المفوض السامي للأمم المتحدة لحقوق الإنسان\"\n+++\n{% callout(kind=\"note\", title=\"ملاحظة\") %}\nنص للتجربة.\n{% end %}\n\n{{ petition_form(petition=\"un-high-commissioner\") }}\n",
    )
    .expect("writes the Arabic page");
    let data = tempfile::tempdir().expect("data dir");
    let server = Server::start_site(site.path().to_owned(), None, data).await;

    browser.goto(&server.url("/ar/petition/")).await;
    let layout = browser
        .js("const s = (q) => getComputedStyle(document.querySelector(q)); return [document.documentElement.dir, s('body').direction, s('.callout').borderRightWidth, s('.callout').borderLeftWidth];")
        .await;
    assert_eq!(
        layout,
        json!(["rtl", "rtl", "6px", "0px"]),
        "the callout's bar is on the right in a right-to-left page"
    );
    match node_tools() {
        Ok(tools) => {
            let violations = browser.axe(&tools).await;
            assert!(
                violations.is_empty(),
                "{}",
                describe_violations("the Arabic page", &violations)
            );
        }
        Err(why) => skip_or_fail(TEST, &why),
    }

    // A mistake the browser cannot see: the errors are marked on the right.
    sign_with(&browser, "سارة", "sara@example", "EG").await;
    browser
        .wait_for(
            "the field's error",
            "return !!document.querySelector('.field-error:not([hidden])');",
            Duration::from_secs(30),
        )
        .await;
    let error = browser
        .js("const e = getComputedStyle(document.querySelector('.field-error:not([hidden])')); return [document.documentElement.dir, e.borderRightWidth, e.borderLeftWidth];")
        .await;
    assert_eq!(
        error,
        json!(["rtl", "4px", "0px"]),
        "{}",
        snippet(&browser.source().await, 4000)
    );
    let country = browser
        .js("return document.querySelector('#sig-country option[value=EG]').textContent;")
        .await;
    assert_eq!(country, json!("مصر"), "Arabic country names in the form");

    // Without the script, the function's own error page is right to left too.
    let reply = post_form(
        &server.url("/api/petitions/un-high-commissioner/signatures"),
        &[
            ("name", "سارة"),
            ("email", "sara@example"),
            ("country", "EG"),
            ("consent", "true"),
            ("lang", "ar"),
        ],
    )
    .await;
    let page = reply.body.clone();
    assert!(
        page.contains("<html lang=\"ar\" dir=\"rtl\">"),
        "{}",
        snippet(&page, 2000)
    );
    server.stop().await;
}
