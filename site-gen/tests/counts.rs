//! Counts baked in at build (`site-gen build --counts FILE`), milestones and the signatures by
//! country (table and map), on the fixture site with the project's theme.

mod common;

use common::Fixture;

/// The fixture with a petition of goal 1,000, milestones 100 and 500, its counter and the map.
fn site(milestones: &str) -> Fixture {
    let f = Fixture::new();
    f.write(
        "content/sign.md",
        &format!(
            "+++\ntitle = \"Sign\"\ndescription = \"Sign the petition.\"\n[petition]\nid = \"test-petition\"\ntitle = \"Test petition\"\naddressee = \"Someone\"\ngoal = 1000\nopens = 2026-01-01\nthank_you = \"@/thanks.md\"\ncheck_inbox = \"@/inbox.md\"\nmilestones = {milestones}\n+++\n{{{{ signature_counter(petition=\"test-petition\") }}}}\n\n{{{{ petition_form(petition=\"test-petition\") }}}}\n\n{{{{ signatures_by_country(petition=\"test-petition\") }}}}\n"
        ),
    );
    f
}

/// A counts file holding `petitions` (id, count, by_country as JSON).
fn counts(f: &Fixture, petitions: &[(&str, u64, &str)]) -> String {
    let body: Vec<String> = petitions
        .iter()
        .map(|(id, n, by)| {
            format!(
                r#""{id}":{{"id":"{id}","count":{n},"by_country":{by},"goal":1000,"open":true}}"#
            )
        })
        .collect();
    let text = format!(
        r#"{{"as_of":"2026-12-02T08:15:00Z","petitions":{{{}}}}}"#,
        body.join(",")
    );
    f.write("counts.json", &text);
    f.path().join("counts.json").display().to_string()
}

fn build_with(f: &Fixture, file: &str) -> (bool, String, String) {
    f.run(&["build", "--counts", file])
}

/// The text of the element starting at `start` up to `end`.
fn between<'a>(html: &'a str, start: &str, end: &str) -> &'a str {
    let from = html.find(start).unwrap_or_else(|| panic!("no {start}"));
    let to = html[from..]
        .find(end)
        .map_or(html.len(), |i| from + i + end.len());
    &html[from..to]
}

/// The class and title of the map's path for `code`.
fn shape<'a>(html: &'a str, code: &str) -> (&'a str, &'a str) {
    let tag = format!(" data-code=\"{code}\"><title>");
    let at = html
        .find(&tag)
        .unwrap_or_else(|| panic!("no shape for {code}"));
    let class_at = html[..at].rfind("class=\"c").expect("class") + 7;
    let class = &html[class_at..html[class_at..].find('"').expect("end") + class_at];
    let title = &html[at + tag.len()..];
    (class, &title[..title.find("</title>").expect("title end")])
}

#[test]
fn a_counts_file_puts_the_counts_their_date_and_the_countries_in_the_page() {
    let f = site("[100, 500]");
    let file = counts(
        &f,
        &[
            ("test-petition", 230, r#"{"FR":120,"DE":95,"BE":12,"JP":3}"#),
            ("retired-petition", 5, "{}"),
        ],
    );
    let (ok, out, err) = build_with(&f, &file);
    assert!(ok, "{out}{err}");
    assert!(
        err.contains("counts for the petition `retired-petition`, which no page declares"),
        "an unknown id warns: {err}"
    );
    let page = f.read("sign/index.html");
    let counter = between(&page, "<p class=\"counter\"", "</p>");
    assert!(
        counter.contains("<strong class=\"count\" data-count>230</strong>"),
        "{counter}"
    );
    assert!(
        counter.contains("As of <time datetime=\"2026-12-02\">2 December 2026</time>"),
        "{counter}"
    );
    assert!(
        counter
            .contains("<span data-remaining>270</span> more to reach <span data-target>500</span>"),
        "{counter}"
    );
    assert!(counter.contains("data-milestones=\"100 500\""), "{counter}");

    let table = between(&page, "<table class=\"by-country-table\"", "</table>");
    assert!(!table.contains(" hidden"), "shown with counts: {table}");
    let rows: Vec<&str> = table.split("<tr data-code=").skip(1).collect();
    let expected = [
        ("\"FR\"", "France", "120", "52.2%"),
        ("\"DE\"", "Germany", "95", "41.3%"),
        ("\"BE\"", "Belgium", "12", "5.2%"),
        ("\"JP\"", "Japan", "3", "1.3%"),
    ];
    assert_eq!(rows.len(), expected.len(), "{table}");
    for (row, (code, name, n, share)) in rows.iter().zip(expected) {
        assert!(row.starts_with(code), "{row}");
        assert!(
            row.contains(&format!(
                "<th scope=\"row\">{name}</th><td>{n}</td><td>{share}</td>"
            )),
            "{row}"
        );
    }
    assert!(table.contains("<caption>Signatures by country"), "{table}");
    assert_eq!(shape(&page, "FR"), ("c3", "France: 120"));
    assert_eq!(shape(&page, "DE"), ("c2", "Germany: 95"));
    assert_eq!(shape(&page, "JP"), ("c1", "Japan: 3"));
    assert_eq!(shape(&page, "CN"), ("c0", "China: 0"));
    let svg = between(&page, "<svg", ">");
    assert!(
        svg.contains("role=\"img\"")
            && svg.contains("aria-label=\"World map")
            && svg.contains("aria-describedby=\"by-country-test-petition\""),
        "{svg}"
    );
    assert!(page.contains("<table class=\"by-country-table\" id=\"by-country-test-petition\""));

    let (ok, out, err) = f.run(&["check"]);
    assert!(ok, "check accepts the component: {out}{err}");
    let (ok, out, err) = f.run(&["check", "--counts", &file]);
    assert!(ok, "check accepts the counts: {out}{err}");
    assert!(
        err.contains("`retired-petition`, which no page declares"),
        "{err}"
    );
    let (ok, _, err) = f.run(&["check", "--counts", "/nowhere/counts.json"]);
    assert!(
        !ok && err.contains("cannot read the counts file /nowhere/counts.json"),
        "{err}"
    );
}

#[test]
fn the_counter_names_the_next_milestone_then_the_goal_then_thanks() {
    let f = site("[100, 500]");
    for (count, says) in [
        (0, Some(("100", "100"))),
        (100, Some(("400", "500"))),
        (640, Some(("360", "1,000"))),
        (1000, None),
        (1500, None),
    ] {
        let file = counts(&f, &[("test-petition", count, "{}")]);
        let (ok, out, err) = build_with(&f, &file);
        assert!(ok, "{out}{err}");
        let page = f.read("sign/index.html");
        let counter = between(&page, "<p class=\"counter\"", "</p>");
        match says {
            Some((remaining, target)) => {
                assert!(
                    counter.contains(&format!(
                        "<span class=\"next\" data-next><span data-remaining>{remaining}</span> more to reach <span data-target>{target}</span>"
                    )),
                    "{count}: {counter}"
                );
                assert!(
                    counter.contains("data-reached hidden>"),
                    "{count}: {counter}"
                );
            }
            None => {
                assert!(counter.contains("data-next hidden>"), "{count}: {counter}");
                assert!(
                    counter.contains("<span class=\"next\" data-reached>The goal is reached."),
                    "{count}: {counter}"
                );
            }
        }
    }
}

#[test]
fn without_counts_the_page_says_so_and_the_script_fills_it() {
    let f = site("[]");
    let (ok, out, err) = f.build();
    assert!(ok, "{out}{err}");
    let page = f.read("sign/index.html");
    assert!(
        page.contains("<table class=\"by-country-table\" id=\"by-country-test-petition\" hidden>")
    );
    assert!(page.contains("<p class=\"hint\" data-no-rows>The signatures by country appear here"));
    assert!(!page.contains("As of"), "no date without counts");
    assert_eq!(shape(&page, "FR"), ("c0", "France: 0"));
}

#[test]
fn a_bad_counts_file_names_the_file_and_the_fix() {
    let f = site("[]");
    let missing = f.path().join("nowhere.json").display().to_string();
    let (ok, _, err) = build_with(&f, &missing);
    assert!(!ok);
    assert!(
        err.contains(&format!("cannot read the counts file {missing}")),
        "{err}"
    );

    for (text, says) in [
        ("[1, 2]", "it is not a counts file"),
        (
            r#"{"as_of":"yesterday","petitions":{}}"#,
            "`as_of` `yesterday` is not an RFC 3339 UTC time",
        ),
        (
            r#"{"as_of":"2026-12-02T08:15:00Z","petitions":{"a":{"id":"b","count":1,"by_country":{},"goal":5,"open":true}}}"#,
            "the counts under `a` are those of the petition `b`",
        ),
        (
            r#"{"as_of":"2026-12-02T08:15:00Z","petitions":{"a":{"id":"a","count":1}}}"#,
            "missing field `by_country`",
        ),
    ] {
        f.write("bad.json", text);
        let file = f.path().join("bad.json").display().to_string();
        let (ok, _, err) = build_with(&f, &file);
        assert!(!ok, "{text}");
        assert!(
            err.contains(&format!("cannot use the counts file {file}")),
            "{err}"
        );
        assert!(err.contains(says), "{text}: {err}");
    }
}

#[test]
fn milestones_out_of_order_or_past_the_goal_stop_the_build() {
    let f = site("[500, 100]");
    let (ok, out, err) = f.build();
    assert!(!ok, "{out}");
    assert!(err.contains("content/sign.md:12"), "names the line: {err}");
    assert!(
        err.contains("milestones must go up, but 100 comes after 500"),
        "{err}"
    );
    assert!(err.contains("from the smallest up"), "{err}");

    let f = site("[100, 1000]");
    let (ok, out, err) = f.build();
    assert!(!ok, "{out}");
    assert!(err.contains("content/sign.md:12"), "names the line: {err}");
    assert!(
        err.contains("milestone 1000 is not below its goal 1000"),
        "{err}"
    );
}

/// The `og:image` file of a built page.
fn card_of(html: &str) -> String {
    let at = html
        .find("<meta property=\"og:image\" content=\"")
        .expect("an og:image");
    let url = &html[at + 35..];
    url[..url.find('"').expect("end")].to_string()
}

#[test]
fn the_petition_pages_card_shows_the_count_only_when_the_build_knows_it() {
    let f = site("[100, 500]");
    f.write("content/other.md", "+++\ntitle = \"Other\"\n+++\nText.\n");
    let (ok, out, err) = f.run(&["build"]);
    assert!(ok, "{out}{err}");
    let (plain, other) = (
        card_of(&f.read("sign/index.html")),
        card_of(&f.read("other/index.html")),
    );
    let file = counts(&f, &[("test-petition", 230, r#"{"FR":230}"#)]);
    let (ok, out, err) = build_with(&f, &file);
    assert!(ok, "{out}{err}");
    let counted = card_of(&f.read("sign/index.html"));
    assert_ne!(counted, plain, "the count is on the petition page's card");
    assert_eq!(
        card_of(&f.read("other/index.html")),
        other,
        "a page without a petition keeps its card"
    );
    let name = counted.rsplit('/').next().expect("a file name");
    assert!(
        f.path().join("public/_cards").join(name).is_file(),
        "the counted card is written: {counted}"
    );
}
