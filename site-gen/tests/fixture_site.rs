//! A small fixture site, built into a temp dir with the real `site-gen` binary and the project's
//! theme: what a build produces, and how each kind of editor error is reported.

mod common;

use common::Fixture;

#[test]
fn builds_every_kind_of_output() {
    let f = Fixture::new();
    let (ok, out, err) = f.build();
    assert!(ok, "{out}{err}");
    assert!(out.starts_with("Built "), "one summary line: {out}");

    let home = f.read("index.html");
    assert!(home.contains("href=\"/updates/\""), "@/ link resolved");
    assert!(
        home.contains("href=\"/updates/b/#details\""),
        "@/ link with anchor resolved"
    );
    let css = regex_like(&home, "/css/site.", ".css\"");
    assert!(home.contains("integrity=\"sha384-"), "SRI on assets");
    assert!(
        f.path()
            .join("public")
            .join(css.trim_start_matches('/'))
            .exists(),
        "fingerprinted file written"
    );

    let updates = f.read("updates/index.html");
    let gamma = updates.find("Gamma").expect("newest first");
    let beta = updates.find("Beta").expect("second");
    assert!(gamma < beta, "sorted by date, newest first");
    assert!(!updates.contains("Alpha"), "paginated: two per page");
    assert!(f.read("updates/page/2/index.html").contains("Alpha"));
    assert!(
        !f.path().join("public/updates/draft/index.html").exists(),
        "drafts left out"
    );

    assert!(f.read("tags/index.html").contains("/tags/history/"));
    assert!(f.read("tags/history/index.html").contains("Beta"));
    let alias = f.read("old-alpha/index.html");
    assert!(alias.contains("url=https://fixture.example/updates/a/"));
    assert!(!alias.contains("<script"), "redirect page without script");
    assert_eq!(f.read("_redirects"), "/old-alpha/ /updates/a/ 301\n");
    assert!(
        f.read("sitemap.xml")
            .contains("<loc>https://fixture.example/updates/b/</loc><lastmod>2026-02-01</lastmod>")
    );
    assert!(
        f.read("robots.txt")
            .contains("Sitemap: https://fixture.example/sitemap.xml")
    );
    assert!(f.read("updates/atom.xml").contains("<title>Gamma</title>"));
    assert!(f.read("404.html").contains("<h1"));

    let sign = f.read("sign/index.html");
    assert!(sign.contains("action=\"/api/petitions/test-petition/signatures\""));
    assert!(sign.contains("data-counter=\"test-petition\""));
    assert!(
        sign.contains("<strong>Some <strong>bold</strong> advice.")
            || sign.contains("Some <strong>bold</strong> advice.")
    );
    let bundle: serde_json::Value =
        serde_json::from_str(&f.read("_app/bundle.json")).expect("bundle");
    assert_eq!(bundle["petitions"][0]["thank_you"], "/thanks/");
    assert_eq!(bundle["petitions"][0]["page"], "/sign/");

    let (ok, out, err) = f.run(&["check"]);
    assert!(ok, "check passes: {out}{err}");
    assert!(
        err.contains("[documentary] url is not set"),
        "check warns about the documentary: {err}"
    );
}

#[test]
fn drafts_are_built_on_request() {
    let f = Fixture::new();
    let (ok, out, err) = f.run(&["build", "--drafts"]);
    assert!(ok, "{out}{err}");
    assert!(f.read("updates/draft/index.html").contains("Unfinished"));
}

#[test]
fn rebuild_writes_only_changes_and_removes_stale_outputs() {
    let f = Fixture::new();
    assert!(f.build().0);
    let (_, out, _) = f.build();
    assert!(
        out.starts_with("Nothing changed"),
        "inputs unchanged, nothing rebuilt: {out}"
    );
    let same = std::fs::read_to_string(f.path().join("content/thanks.md")).expect("read");
    std::thread::sleep(std::time::Duration::from_millis(20));
    f.write("content/thanks.md", &same);
    let (_, out, _) = f.build();
    assert!(
        out.contains("(0 written"),
        "a touched file rebuilds but rewrites nothing: {out}"
    );
    std::fs::remove_file(f.path().join("content/updates/c.md")).expect("remove");
    let (ok, out, err) = f.build();
    assert!(ok, "{err}");
    assert!(
        !f.path().join("public/updates/c/index.html").exists(),
        "stale page removed: {out}"
    );
}

#[test]
fn refuses_to_write_into_a_folder_it_did_not_make() {
    let f = Fixture::new();
    f.write("public/keep.txt", "mine");
    let (ok, _, err) = f.build();
    assert!(!ok);
    assert!(err.contains("not made by site-gen"), "{err}");
    assert!(f.path().join("public/keep.txt").exists());
}

fn regex_like(text: &str, start: &str, end: &str) -> String {
    let i = text.find(start).expect("start");
    let j = text[i..].find(end).expect("end");
    text[i..i + j + end.len() - 1].to_string()
}

/// Each editor error: exit 1, the file, line and column, and how to fix it.
fn assert_error(f: &Fixture, file_line_col: &str, message: &str, help: &str) {
    let (ok, out, err) = f.build();
    assert!(!ok, "the build must fail: {out}");
    assert!(err.contains(file_line_col), "names {file_line_col}:\n{err}");
    assert!(err.contains(message), "says `{message}`:\n{err}");
    assert!(
        err.contains(&format!("help: {help}")) || err.contains(help),
        "says how to fix (`{help}`):\n{err}"
    );
}

#[test]
fn bad_toml_is_located() {
    let f = Fixture::new();
    f.write(
        "content/thanks.md",
        "+++\ntitle = \"Thanks\ndescription = \"x\"\n+++\n",
    );
    assert_error(&f, "content/thanks.md:2:", "", "fix the TOML syntax");
}

#[test]
fn unknown_key_is_located() {
    let f = Fixture::new();
    f.write(
        "content/thanks.md",
        "+++\ntitle = \"Thanks\"\ntemplte = \"x.html\"\n+++\n",
    );
    assert_error(
        &f,
        "content/thanks.md:3:1",
        "templte",
        "allowed keys are listed in content/README.md",
    );
}

#[test]
fn missing_title_is_reported() {
    let f = Fixture::new();
    f.write("content/thanks.md", "+++\ndescription = \"x\"\n+++\n");
    assert_error(
        &f,
        "content/thanks.md:1:1",
        "no title",
        "add `title = \"…\"`",
    );
}

#[test]
fn unknown_template_is_reported() {
    let f = Fixture::new();
    f.write(
        "content/thanks.md",
        "+++\ntitle = \"Thanks\"\ntemplate = \"fancy.html\"\n+++\n",
    );
    assert_error(
        &f,
        "content/thanks.md",
        "`fancy.html` does not exist",
        "set `template` to one of",
    );
}

#[test]
fn unknown_component_is_located() {
    let f = Fixture::new();
    f.write(
        "content/thanks.md",
        "+++\ntitle = \"Thanks\"\n+++\nText\n\n{{ petition_from(petition=\"test-petition\") }}\n",
    );
    assert_error(
        &f,
        "content/thanks.md:6:4",
        "no component called `petition_from`",
        "use one of:",
    );
}

#[test]
fn broken_internal_link_is_located() {
    let f = Fixture::new();
    f.write(
        "content/thanks.md",
        "+++\ntitle = \"Thanks\"\n+++\nSee\n[the thing](@/nowhere.md).\n",
    );
    assert_error(
        &f,
        "content/thanks.md:5:1",
        "content/nowhere.md, which does not exist",
        "relative to content/",
    );
}

#[test]
fn broken_anchor_is_located() {
    let f = Fixture::new();
    f.write(
        "content/thanks.md",
        "+++\ntitle = \"Thanks\"\n+++\nSee [details](@/updates/b.md#detail).\n",
    );
    assert_error(
        &f,
        "content/thanks.md:4:5",
        "`#detail` does not exist",
        "use one of its heading ids: details",
    );
}

#[test]
fn template_error_is_located() {
    let f = Fixture::new();
    let page = f.path().join("themes/default/templates/page.html");
    let text = std::fs::read_to_string(&page).expect("read");
    std::fs::write(
        &page,
        text.replacen(
            "{% block main %}",
            "{% block main %}{{ page.title | nosuchfilter }}",
            1,
        ),
    )
    .expect("write");
    assert_error(
        &f,
        "themes/default/templates/page.html:",
        "nosuchfilter",
        "fix the template",
    );
}

#[test]
fn bad_settings_are_located() {
    let f = Fixture::new();
    f.write(
        "site.toml",
        "title = \"Fixture\"\nbase_url = \"https://fixture.example\"\ntheem = \"default\"\n",
    );
    assert_error(&f, "site.toml:3:1", "theem", "content/README.md");
}

#[test]
fn translations_get_their_own_urls_language_and_listings() {
    let f = Fixture::new();
    let settings = std::fs::read_to_string(f.path().join("site.toml")).expect("read");
    f.write(
        "site.toml",
        &settings.replacen(
            "[[menu]]",
            "[languages.en]\nname = \"English\"\n[languages.fr]\nname = \"Français\"\n\n[[menu]]",
            1,
        ),
    );
    f.write(
        "content/_index.fr.md",
        "+++\ntitle = \"Accueil\"\ndescription = \"La page d'accueil.\"\n+++\nBienvenue.\n",
    );
    f.write(
        "content/updates/_index.fr.md",
        "+++\ntitle = \"Nouvelles\"\ndescription = \"Les nouvelles.\"\n+++\n",
    );
    f.write("content/updates/a.fr.md", "+++\ntitle = \"Alpha en français\"\ndescription = \"Le premier.\"\ndate = 2026-01-01\ntags = [\"Histoire\"]\n+++\nPremier.\n");
    let (ok, out, err) = f.build();
    assert!(ok, "{out}{err}");
    let page = f.read("fr/updates/a/index.html");
    assert!(page.contains("<html lang=\"fr\""), "the page's language");
    assert!(
        f.read("fr/updates/index.html")
            .contains("Alpha en français"),
        "listed in its language's section"
    );
    assert!(
        !f.read("updates/index.html").contains("Alpha en français"),
        "not in the English section"
    );
    assert!(
        f.read("fr/tags/histoire/index.html")
            .contains("Alpha en français")
    );

    f.write(
        "content/privacy.de.md",
        "+++\ntitle = \"Datenschutz\"\n+++\n",
    );
    let (ok, _, err) = f.build();
    assert!(!ok);
    assert!(
        err.contains("content/privacy.de.md") && err.contains("add [languages.de] to site.toml"),
        "{err}"
    );
}

#[test]
fn a_confirming_petition_needs_its_check_inbox_page() {
    let f = Fixture::new();
    let sign = std::fs::read_to_string(f.path().join("content/sign.md")).expect("reads");
    f.write(
        "content/sign.md",
        &sign.replace("check_inbox = \"@/inbox.md\"\n", ""),
    );
    assert_error(
        &f,
        "content/sign.md",
        "names no check_inbox page",
        "or set confirm = false",
    );
    f.write(
        "content/sign.md",
        &sign.replace("@/inbox.md", "@/nowhere.md"),
    );
    assert_error(
        &f,
        "content/sign.md",
        "check_inbox page `@/nowhere.md` does not exist",
        "check_inbox = \"@/petition/check-your-inbox.md\"",
    );
    // Without confirmation no such page is needed, and the bundle says so.
    f.write(
        "content/sign.md",
        &sign.replace("check_inbox = \"@/inbox.md\"\n", "confirm = false\n"),
    );
    let built = site_gen::site::build(&site_gen::site::BuildOptions {
        root: f.path().to_owned(),
        ..Default::default()
    })
    .expect("builds");
    let p = &built.bundle.petitions[0];
    assert!(!p.confirm);
    assert_eq!(p.check_inbox, None);
}

#[test]
fn each_petition_gets_an_embed_page_outside_the_sitemap() {
    let f = Fixture::new();
    let settings = std::fs::read_to_string(f.path().join("site.toml")).expect("settings");
    f.write(
        "site.toml",
        &format!(
            "{settings}\n[embed]\nallow = [\"https://partner.example\", \"http://127.0.0.2:8080\"]\n"
        ),
    );
    let (ok, out, err) = f.build();
    assert!(ok, "{out}{err}");

    let embed = f.read("embed/test-petition/index.html");
    assert!(embed.contains("<meta name=\"robots\" content=\"noindex\">"));
    assert!(
        embed.contains("data-counter=\"test-petition\""),
        "the counter component: {embed}"
    );
    assert!(
        embed.contains("href=\"https://fixture.example/sign/\" target=\"_blank\" rel=\"noopener\""),
        "an absolute link to the petition's page, in a page of its own: {embed}"
    );
    for absent in ["<form", "site-header", "site-nav", "<footer"] {
        assert!(!embed.contains(absent), "no {absent} on the embed page");
    }
    assert!(
        embed.contains("/js/site."),
        "the script refreshes the count"
    );
    assert!(
        !f.read("sitemap.xml").contains("/embed/"),
        "embed pages are not for search engines"
    );
    assert_eq!(
        f.read("_app/deploy.txt"),
        "# Written by site-gen for infra/deploy.sh: who may frame the embed pages, and the petitions.\n\
         embed-allow https://partner.example http://127.0.0.2:8080\n\
         petition test-petition\n"
    );
}

#[test]
fn the_share_component_links_this_page_or_another() {
    let f = Fixture::new();
    f.write(
        "content/thanks.md",
        "+++\ntitle = \"Thanks\"\n+++\nThank you.\n\n{{ share(page=\"@/sign.md\", text=\"Sign it & share\") }}\n",
    );
    f.write(
        "content/inbox.md",
        "+++\ntitle = \"Check your inbox\"\n+++\n{{ share() }}\n",
    );
    let (ok, out, err) = f.build();
    assert!(ok, "{out}{err}");
    let thanks = f.read("thanks/index.html");
    assert!(
        thanks.contains("href=\"https://x.com/intent/post?text=Sign%20it%20%26%20share&amp;url=https%3A%2F%2Ffixture.example%2Fsign%2F\""),
        "shares the page named by `page`, with the editor's text: {thanks}"
    );
    let inbox = f.read("inbox/index.html");
    assert!(
        inbox.contains(
            "https://wa.me/?text=Check%20your%20inbox%20https%3A%2F%2Ffixture.example%2Finbox%2F"
        ),
        "shares its own page with its title by default"
    );
    assert!(inbox.contains("rel=\"noopener noreferrer\""));
}

#[test]
fn a_share_of_a_missing_page_is_located() {
    let f = Fixture::new();
    f.write(
        "content/thanks.md",
        "+++\ntitle = \"Thanks\"\n+++\nText\n\n{{ share(page=\"@/nowhere.md\") }}\n",
    );
    assert_error(
        &f,
        "content/thanks.md:6:",
        "`page=\"@/nowhere.md\"` is not a page of the site",
        "write it as a content link",
    );
}

#[test]
fn an_embed_origin_with_a_path_is_located() {
    let f = Fixture::new();
    let settings = std::fs::read_to_string(f.path().join("site.toml")).expect("settings");
    let line = settings.lines().count() + 3;
    f.write(
        "site.toml",
        &format!("{settings}\n[embed]\nallow = [\"https://partner.example/news/\"]\n"),
    );
    let (ok, _, err) = f.build();
    assert!(!ok);
    assert!(err.contains(&format!("site.toml:{line}")), "{err}");
    assert!(
        err.contains("`https://partner.example/news/` is not an origin (it has a path"),
        "{err}"
    );
}

#[test]
fn pages_get_share_cards_and_a_missing_font_only_warns() {
    let f = Fixture::new();
    let (ok, out, err) = f.build();
    assert!(ok, "{out}{err}");
    let sign = f.read("sign/index.html");
    let card = regex_like(&sign, "https://fixture.example/_cards/", ".png\"");
    let file = f
        .path()
        .join("public")
        .join(card.trim_start_matches("https://fixture.example/"));
    let png = std::fs::read(&file).expect("the card is written");
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    assert!(sign.contains("<meta name=\"twitter:card\" content=\"summary_large_image\">"));

    let settings = std::fs::read_to_string(f.path().join("site.toml")).expect("site.toml");
    f.write(
        "site.toml",
        &format!("{settings}\n[cards]\nfont = \"fonts/none.ttf\"\n"),
    );
    let (ok, out, err) = f.build();
    assert!(ok, "a missing font does not stop the build: {out}{err}");
    assert!(
        err.contains("share cards were not made") && err.contains("fonts/none.ttf"),
        "warns: {err}"
    );
    let sign = f.read("sign/index.html");
    assert!(!sign.contains("og:image"), "no card without the font");
    assert!(sign.contains("<meta name=\"twitter:card\" content=\"summary\">"));
    assert!(
        !file.exists(),
        "the old card is removed with the rest of the stale output"
    );
}
