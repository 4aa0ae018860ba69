//! The repository's real site, built and written like `site-gen build` does, then checked:
//! every page there, `site-gen check` clean, no inline script or style and nothing loaded from
//! another origin (the strict Content-Security-Policy), valid HTML, a light home page, and, in
//! headless Chromium on the preview server, zero axe-core violations and no CSP violation.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use e2e_tests::{
    Browser, Js, Server, build_site, console_errors, csp_violations, describe_violations,
    node_tools, petition_id, petition_status, post_json, repo_root, skip_or_fail, snippet,
};
use serde_json::json;
use site_gen::check::tags;
use site_gen::site::Built;
use tempfile::TempDir;

/// The pages the campaign needs (issue list), by URL path.
const REQUIRED_PAGES: &[&str] = &[
    "/",
    "/how-you-can-help/",
    "/petition/",
    "/petition/thank-you/",
    "/contact-your-senator/",
    "/documentary/",
    "/privacy/",
    "/updates/",
    "/404.html",
];

/// The home page's budget: its HTML and everything it loads, gzip-compressed.
const HOME_BUDGET_BYTES: u64 = 50 * 1024;

/// Builds the site and writes it to a fresh folder, as `site-gen build` does.
fn written_site() -> (Built, TempDir) {
    let built = build_site();
    let dir = tempfile::tempdir().expect("creates a temp output dir");
    let out = dir.path().join("public");
    // The stamp only matters to `build_to`'s "nothing changed" shortcut, which this skips.
    site_gen::output::write(&out, &built.files, "e2e-tests")
        .unwrap_or_else(|e| panic!("cannot write the site to {}: {e}", out.display()));
    (built, dir)
}

/// The output file serving a URL path.
fn file_of(path: &str) -> String {
    let rel = path.trim_start_matches('/');
    if rel.is_empty() || rel.ends_with('/') {
        format!("{rel}index.html")
    } else {
        rel.to_string()
    }
}

/// The URL path of an output HTML file.
fn url_of(file: &str) -> String {
    match file.strip_suffix("index.html") {
        Some(dir) => format!("/{dir}"),
        None => format!("/{file}"),
    }
}

fn html_files(built: &Built) -> Vec<(&String, String)> {
    built
        .files
        .iter()
        .filter(|(p, _)| p.ends_with(".html"))
        .map(|(p, b)| (p, String::from_utf8_lossy(b).into_owned()))
        .collect()
}

#[test]
fn every_required_page_is_built_and_written() {
    let (built, dir) = written_site();
    let out = dir.path().join("public");
    let mut missing = Vec::new();
    for page in REQUIRED_PAGES {
        let file = file_of(page);
        if !built.files.contains_key(&file) || !out.join(&file).is_file() {
            missing.push(format!("{page} ({file})"));
        }
    }
    assert!(
        missing.is_empty(),
        "pages missing from the built site: {missing:?}\nbuilt HTML files: {:?}",
        built
            .files
            .keys()
            .filter(|k| k.ends_with(".html"))
            .collect::<Vec<_>>()
    );
    let home = String::from_utf8_lossy(&built.files["index.html"]);
    assert!(
        home.contains("<main"),
        "the home page has no <main>: {}",
        snippet(&home, 2000)
    );
}

#[test]
fn site_gen_check_finds_no_problem() {
    let built = build_site();
    let problems = site_gen::check::check(&built.files, &built.bundle);
    assert!(
        problems.is_empty(),
        "site-gen check found {} problem(s):\n{}",
        problems.len(),
        problems
            .iter()
            .map(|p| format!("  {p}\n"))
            .collect::<String>()
    );
}

/// Attributes through which an element loads (or sends to) another resource.
fn loading_attrs(tag: &str, rel: Option<&str>) -> &'static [&'static str] {
    match tag {
        "script" | "iframe" | "embed" | "track" | "audio" | "input" | "frame" => &["src"],
        "img" | "source" => &["src", "srcset"],
        "video" => &["src", "poster"],
        "object" => &["data"],
        "form" => &["action"],
        "link" => {
            let rel = rel.unwrap_or_default().to_ascii_lowercase();
            let loads = rel.split_whitespace().any(|r| {
                matches!(
                    r,
                    "stylesheet"
                        | "icon"
                        | "preload"
                        | "modulepreload"
                        | "prefetch"
                        | "manifest"
                        | "apple-touch-icon"
                        | "mask-icon"
                )
            });
            if loads { &["href"] } else { &[] }
        }
        _ => &[],
    }
}

/// Whether a URL (or each URL of a srcset) leaves the site's origin. The site's own absolute
/// URLs (`base_url/…`) are the same origin once published.
fn foreign_urls(value: &str, base_url: &str, srcset: bool) -> Vec<String> {
    let candidates: Vec<&str> = if srcset {
        value
            .split(',')
            .filter_map(|c| c.split_whitespace().next())
            .collect()
    } else {
        vec![value.trim()]
    };
    candidates
        .into_iter()
        .filter(|u| {
            let lower = u.to_ascii_lowercase();
            let has_scheme = lower
                .split_once(':')
                .is_some_and(|(s, _)| !s.is_empty() && !s.contains('/') && !s.contains('?'));
            let same_site = u.starts_with(&format!("{base_url}/")) || *u == base_url;
            (lower.starts_with("//") || has_scheme) && !same_site
        })
        .map(str::to_string)
        .collect()
}

/// The `url(…)` and `@import` targets of a style sheet.
fn css_urls(css: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = css;
    while let Some(i) = rest.find("url(") {
        rest = &rest[i + 4..];
        let end = rest.find(')').unwrap_or(rest.len());
        let u = rest[..end].trim().trim_matches(|c| c == '"' || c == '\'');
        out.push(u.to_string());
        rest = &rest[end..];
    }
    let mut rest = css;
    while let Some(i) = rest.find("@import") {
        rest = &rest[i + 7..];
        let t = rest.trim_start();
        if let Some(q) = t.chars().next().filter(|c| *c == '"' || *c == '\'')
            && let Some(end) = t[1..].find(q)
        {
            out.push(t[1..=end].to_string());
        }
    }
    out
}

#[test]
fn no_inline_script_style_or_handlers_and_nothing_from_other_origins() {
    let built = build_site();
    let base = built.config.base_url.trim_end_matches('/').to_string();
    let mut problems = BTreeSet::new();
    for (file, html) in html_files(&built) {
        for tag in tags(&html) {
            if tag.name == "script" && tag.attr("src").is_none() {
                problems.insert(format!(
                    "{file}: an inline <script> (without src): the CSP blocks it"
                ));
            }
            if tag.name == "style" {
                problems.insert(format!(
                    "{file}: a <style> element: the CSP blocks inline styles"
                ));
            }
            for (name, value) in &tag.attrs {
                if name == "style" {
                    problems.insert(format!(
                        "{file}: <{} style=\"{}\">: the CSP blocks style attributes",
                        tag.name,
                        snippet(value, 80)
                    ));
                }
                if name.len() > 2 && name.starts_with("on") {
                    problems.insert(format!(
                        "{file}: <{} {name}=…>: the CSP blocks inline event handlers",
                        tag.name
                    ));
                }
            }
            for attr in loading_attrs(&tag.name, tag.attr("rel")) {
                if let Some(v) = tag.attr(attr) {
                    for u in foreign_urls(v, &base, *attr == "srcset") {
                        problems.insert(format!(
                            "{file}: <{} {attr}=\"{u}\"> loads from another origin",
                            tag.name
                        ));
                    }
                }
            }
            if tag.name == "a"
                && tag
                    .attr("href")
                    .is_some_and(|h| h.trim().to_ascii_lowercase().starts_with("javascript:"))
            {
                problems.insert(format!("{file}: a javascript: link"));
            }
        }
    }
    for (file, bytes) in &built.files {
        if file.ends_with(".css") {
            let css = String::from_utf8_lossy(bytes);
            for u in css_urls(&css) {
                for f in foreign_urls(&u, &base, false) {
                    problems.insert(format!("{file}: url({f}) loads from another origin"));
                }
            }
        }
    }
    assert!(
        problems.is_empty(),
        "the built site breaks its Content-Security-Policy ({}):\n{}",
        site_gen::CONTENT_SECURITY_POLICY,
        problems
            .iter()
            .map(|p| format!("  {p}\n"))
            .collect::<String>()
    );
}

#[test]
fn html_validate_accepts_every_page() {
    let tools = match node_tools() {
        Ok(t) => t,
        Err(why) => return skip_or_fail("html_validate_accepts_every_page", &why),
    };
    let (built, dir) = written_site();
    let out = dir.path().join("public");
    let files: Vec<PathBuf> = built
        .files
        .keys()
        .filter(|k| k.ends_with(".html"))
        .map(|k| out.join(k))
        .collect();
    assert!(!files.is_empty(), "no HTML files were built");
    let config = repo_root().join(".htmlvalidate.json");
    let output = Command::new(tools.join(".bin/html-validate"))
        .arg("--config")
        .arg(&config)
        .arg("--formatter")
        .arg("text")
        .args(&files)
        .current_dir(repo_root())
        .output()
        .unwrap_or_else(|e| panic!("cannot run html-validate: {e}"));
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        output.status.success(),
        "html-validate ({}) rejected the built HTML ({}):\n{report}",
        config.display(),
        output.status
    );
}

/// The resources a page loads: style sheets, scripts, icons and images, and what its style
/// sheets load in turn. Output-relative paths.
fn home_resources(built: &Built, html: &str) -> BTreeSet<String> {
    let base = built.config.base_url.trim_end_matches('/');
    let local = |u: &str| -> Option<String> {
        let u = u.trim();
        let u = u.strip_prefix(base).unwrap_or(u);
        if u.starts_with("//") || u.contains(':') || u.is_empty() || u.starts_with('#') {
            return None;
        }
        let path = u.split(['?', '#']).next().unwrap_or_default();
        Some(path.trim_start_matches('/').to_string())
    };
    let mut out = BTreeSet::new();
    for tag in tags(html) {
        for attr in loading_attrs(&tag.name, tag.attr("rel")) {
            if *attr == "action" {
                continue;
            }
            if let Some(v) = tag.attr(attr) {
                let values: Vec<&str> = if *attr == "srcset" {
                    v.split(',')
                        .filter_map(|c| c.split_whitespace().next())
                        .collect()
                } else {
                    vec![v]
                };
                out.extend(values.into_iter().filter_map(local));
            }
        }
    }
    let sheets: Vec<String> = out
        .iter()
        .filter(|p| p.ends_with(".css"))
        .cloned()
        .collect();
    for sheet in sheets {
        if let Some(bytes) = built.files.get(&sheet) {
            let dir = Path::new(&sheet).parent().unwrap_or(Path::new(""));
            for u in css_urls(&String::from_utf8_lossy(bytes)) {
                if u.starts_with("data:") {
                    continue;
                }
                if let Some(p) = local(&u) {
                    let resolved = if u.starts_with('/') {
                        p
                    } else {
                        normalise(&dir.join(&p))
                    };
                    out.insert(resolved);
                }
            }
        }
    }
    out
}

fn normalise(path: &Path) -> String {
    let mut parts: Vec<String> = Vec::new();
    for c in path.components() {
        match c {
            std::path::Component::ParentDir => {
                parts.pop();
            }
            std::path::Component::Normal(s) => parts.push(s.to_string_lossy().into_owned()),
            _ => {}
        }
    }
    parts.join("/")
}

fn gzip_size(bytes: &[u8]) -> u64 {
    let mut child = Command::new("gzip")
        .args(["-9", "-c"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run gzip: {e}"));
    let mut stdin = child.stdin.take().expect("gzip's stdin");
    let data = bytes.to_vec();
    let writer = std::thread::spawn(move || stdin.write_all(&data));
    let output = child.wait_with_output().expect("gzip finishes");
    writer
        .join()
        .expect("writer thread")
        .expect("writes to gzip");
    assert!(output.status.success(), "gzip failed: {}", output.status);
    output.stdout.len() as u64
}

#[test]
fn home_page_weighs_under_50_kb_gzipped_in_every_language() {
    let (built, dir) = written_site();
    let out = dir.path().join("public");
    for lang in built.config.language_codes() {
        let file = if lang == built.config.default_language {
            "index.html".to_owned()
        } else {
            format!("{lang}/index.html")
        };
        let html = std::fs::read(out.join(&file)).expect("reads the home page");
        let resources = home_resources(&built, &String::from_utf8_lossy(&html));
        let mut lines = vec![format!("  {file}: {} B gzipped", gzip_size(&html))];
        let mut total = gzip_size(&html);
        let mut missing = Vec::new();
        for r in &resources {
            match std::fs::read(out.join(r)) {
                Ok(bytes) => {
                    let size = gzip_size(&bytes);
                    total += size;
                    lines.push(format!("  {r}: {size} B gzipped ({} B raw)", bytes.len()));
                }
                Err(_) => missing.push(r.clone()),
            }
        }
        assert!(
            missing.is_empty(),
            "{file} references files that were not built: {missing:?}"
        );
        assert!(
            resources.iter().any(|r| r.ends_with(".css")),
            "found no style sheet on {file}; resources: {resources:?}"
        );
        println!(
            "home page weight ({lang}): {total} B gzipped\n{}",
            lines.join("\n")
        );
        assert!(
            total < HOME_BUDGET_BYTES,
            "the {lang} home page weighs {total} B gzipped, over the {HOME_BUDGET_BYTES} B budget:\n{}",
            lines.join("\n")
        );
    }
}

/// Every HTML page of the built site, as URL paths.
fn page_urls(built: &Built) -> Vec<String> {
    built
        .files
        .keys()
        .filter(|k| k.ends_with(".html") && !k.starts_with("_app/"))
        .map(|k| url_of(k))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_has_zero_axe_violations_in_chromium() {
    const TEST: &str = "every_page_has_zero_axe_violations_in_chromium";
    let tools = match node_tools() {
        Ok(t) => t,
        Err(why) => return skip_or_fail(TEST, &why),
    };
    let Some(browser) = Browser::start(TEST, Js::On).await else {
        return;
    };
    let built = build_site();
    let server = Server::start(None).await;
    let mut report = String::new();
    let mut checked = 0;
    for path in page_urls(&built) {
        browser.goto(&server.url(&path)).await;
        let violations = browser.axe(&tools).await;
        checked += 1;
        if !violations.is_empty() {
            report.push_str(&describe_violations(&path, &violations));
        }
    }
    assert!(
        checked >= REQUIRED_PAGES.len(),
        "checked only {checked} pages"
    );
    assert!(
        report.is_empty(),
        "axe-core (WCAG 2.2 A/AA and best practices) found violations:\n{report}"
    );

    // The harness itself: an image without a text alternative must be reported, or the
    // check above proves nothing.
    browser
        .js("const i = document.createElement('img'); i.src = '/img/logo.svg'; document.querySelector('main').append(i); return true;")
        .await;
    let violations = browser.axe(&tools).await;
    assert!(
        violations.iter().any(|v| v["id"] == json!("image-alt")),
        "axe-core did not report an image without alt; the harness is broken: {violations:?}"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_run_their_script_without_csp_violations_and_counters_fetch_the_count() {
    const TEST: &str = "pages_run_their_script_without_csp_violations_and_counters_fetch_the_count";
    let Some(browser) = Browser::start(TEST, Js::On).await else {
        return;
    };
    let built = build_site();
    let petition = petition_id(&built);
    let server = Server::start(None).await;

    // The preview built its pages with the count at start (0); one signature through the API
    // makes the live count differ from the one in the HTML, so a counter showing it proves the
    // script ran and its fetch was allowed.
    let reply = post_json(
        &server.url(&format!("/api/petitions/{petition}/signatures")),
        &json!({"name": "Ada Lovelace", "email": "ada@example.org", "country": "GB", "consent": true}),
    )
    .await;
    assert!(
        reply.status.as_u16() == 201 || reply.status.as_u16() == 202,
        "signing through the API: {}",
        reply.snippet()
    );
    // Confirmed from its mail in the preview's outbox, so that it counts.
    let outbox = petition_fn::mail::Outbox::new(server.data_dir.path());
    let mail = outbox.list().expect("lists the outbox");
    let text = outbox
        .read(&mail.first().expect("a confirmation mail").name)
        .expect("reads the mail")
        .text
        .unwrap_or_default();
    let token: String = text
        .split("token=")
        .nth(1)
        .expect("a confirmation link")
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    let confirmed = e2e_tests::post_form(&server.url("/api/confirm"), &[("token", &token)]).await;
    assert_eq!(confirmed.status.as_u16(), 303, "{}", confirmed.snippet());
    let live = petition_status(&server, &petition).await.count;
    assert_eq!(live, 1, "one confirmed signature on a fresh store");

    let mut problems = Vec::new();
    let mut counters_seen = 0;
    for path in page_urls(&built) {
        browser.goto(&server.url(&path)).await;
        let inline = browser
            .js("return document.querySelectorAll('script:not([src])').length;")
            .await;
        if inline != json!(0) {
            problems.push(format!(
                "{path}: {inline} inline <script> element(s) in the DOM"
            ));
        }
        let has_counter = browser
            .js("return document.querySelectorAll('[data-counter][data-api] [data-count]').length > 0;")
            .await
            == json!(true);
        if has_counter {
            counters_seen += 1;
            browser
                .wait_for(
                    &format!("the counter on {path} to show the live count ({live})"),
                    &format!(
                        "return [...document.querySelectorAll('[data-counter] [data-count]')].every((c) => c.textContent.replace(/\\D/g, '') === '{live}');"
                    ),
                    Duration::from_secs(20),
                )
                .await;
            let fetched = browser
                .js(&format!(
                    "return performance.getEntriesByType('resource').filter((e) => new URL(e.name).pathname === '/api/petitions/{petition}').map((e) => e.responseStatus === undefined ? 200 : e.responseStatus);"
                ))
                .await;
            let ok = fetched
                .as_array()
                .is_some_and(|a| !a.is_empty() && a.iter().all(|s| s == &json!(200)));
            if !ok {
                problems.push(format!(
                    "{path}: the counter's fetch of /api/petitions/{petition} did not answer 200 (statuses: {fetched})"
                ));
            }
        }
        let console = browser.console().await;
        for v in csp_violations(&console) {
            problems.push(format!("{path}: CSP violation: {v}"));
        }
        for e in console_errors(&console) {
            problems.push(format!("{path}: console error: {e}"));
        }
    }
    // The harness itself: an inline script added now must show up as a CSP violation in the
    // console, or the check above proves nothing.
    browser
        .js("const s = document.createElement('script'); s.textContent = 'window.__inline = 1;'; document.body.append(s); return true;")
        .await;
    let ran = browser.js("return window.__inline === 1;").await;
    assert_eq!(ran, json!(false), "an inline script ran despite the CSP");
    let mut seen = Vec::new();
    for _ in 0..50 {
        seen.extend(csp_violations(&browser.console().await));
        if !seen.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        !seen.is_empty(),
        "an inline script blocked by the CSP left no message in the console; the harness is broken"
    );

    assert!(
        counters_seen >= 1,
        "no page has a signature counter ([data-counter][data-api] [data-count])"
    );
    assert!(
        problems.is_empty(),
        "in Chromium, with the preview's CSP ({}):\n{}",
        site_gen::CONTENT_SECURITY_POLICY,
        problems
            .iter()
            .map(|p| format!("  {p}\n"))
            .collect::<String>()
    );
    server.stop().await;
}
