//! `site-gen senators import`: the small hand-written fixtures in `tests/fixtures/legislators/`
//! (YAML and JSON), and complete datasets made from the repository's own senator list, imported
//! into a copy of `content/data/` through the library and through the command.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, UNIX_EPOCH};

use contract::bundle::Senator;
use site_gen::campaign::senators_import::{
    Format, ImportError, ImportOptions, META_FILE, SENATORS_FILE, STATES_FILE, import, parse,
    senators_from,
};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/legislators")
        .join(name)
}

/// A site root holding a copy of the repository's states, senators and their meta file.
fn site_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(dir.path().join("content/data")).expect("mkdir");
    for file in [STATES_FILE, SENATORS_FILE, META_FILE] {
        std::fs::copy(repo().join(file), dir.path().join(file)).expect("copies");
    }
    dir
}

fn repo_senators() -> Vec<Senator> {
    let text = std::fs::read_to_string(repo().join(SENATORS_FILE)).expect("reads");
    serde_json::from_str(&text).expect("parses")
}

fn read(root: &Path, file: &str) -> String {
    std::fs::read_to_string(root.join(file)).expect("reads")
}

/// The repository's senators written back in the dataset's shape (each with an earlier House
/// term, so the latest term is what counts), plus the small fixture's members who are not
/// senators now.
fn complete_yaml() -> String {
    let mut out = String::new();
    let quoted = |s: &str| format!("'{}'", s.replace('\'', "''"));
    for s in repo_senators() {
        out.push_str(&format!(
            "- id:\n    bioguide: {}\n    govtrack: 1\n  name:\n    first: Ignored\n    last: Ignored\n    official_full: {}\n  terms:\n  - type: rep\n    start: '1999-01-06'\n    end: '2001-01-03'\n    state: {}\n    district: 1\n    party: {}\n  - type: sen\n    start: '2019-01-03'\n    end: {}\n    state: {}\n    class: {}\n    party: {}\n    state_rank: {}\n    url: {}\n    address: {}\n    phone: {}\n",
            s.bioguide,
            quoted(&s.name),
            s.state,
            s.party,
            quoted(&s.term_end),
            s.state,
            s.senate_class,
            s.party,
            s.rank,
            s.url,
            quoted(&s.address),
            quoted(&s.phone),
        ));
        if let Some(form) = &s.contact_form {
            out.push_str(&format!("    contact_form: {form}\n"));
        }
    }
    let small = std::fs::read_to_string(fixture("small.yaml")).expect("reads");
    // Only the members whose latest term is in the House.
    let tail = small
        .split("\n- id:")
        .filter(|m| m.contains("Formerly") || m.contains("Houseonly"))
        .map(|m| format!("- id:{m}\n"))
        .collect::<String>();
    out.push_str(&tail);
    out
}

/// The same dataset as JSON.
fn complete_json() -> String {
    let people: Vec<serde_json::Value> = repo_senators()
        .iter()
        .map(|s| {
            let mut term = serde_json::json!({
                "type": "sen", "start": "2019-01-03", "end": s.term_end, "state": s.state,
                "class": s.senate_class, "party": s.party, "state_rank": s.rank, "url": s.url,
                "address": s.address, "phone": s.phone,
            });
            if let Some(form) = &s.contact_form {
                term["contact_form"] = serde_json::json!(form);
            }
            serde_json::json!({
                "id": {"bioguide": s.bioguide, "fec": ["X"]},
                "name": {"first": "Ignored", "last": "Ignored", "official_full": s.name},
                "bio": {"birthday": "1950-01-01"},
                "terms": [term],
            })
        })
        .collect();
    serde_json::to_string_pretty(&people).expect("serialises")
}

fn sorted(mut senators: Vec<Senator>) -> Vec<Senator> {
    senators.sort_by(|a, b| (&a.state, &a.name).cmp(&(&b.state, &b.name)));
    senators
}

#[test]
fn small_yaml_and_json_fixtures_read_alike() {
    let yaml = std::fs::read_to_string(fixture("small.yaml")).expect("reads");
    let json = std::fs::read_to_string(fixture("small.json")).expect("reads");
    let from_yaml = senators_from(&parse(&yaml, Format::Yaml).expect("YAML parses"));
    let from_json = senators_from(&parse(&json, Format::Json).expect("JSON parses"));
    assert_eq!(from_yaml, from_json);
    let names: Vec<&str> = from_yaml.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        ["Alma B. Example", "José Muñoz-Sample"],
        "only members whose latest term is in the Senate, sorted by state and name"
    );
    let alma = &from_yaml[0];
    assert_eq!(alma.term_end, "2031-01-03", "the latest term");
    assert_eq!(alma.rank, "senior");
    assert_eq!(alma.senate_class, 1);
    assert_eq!(
        alma.contact_form.as_deref(),
        Some("https://www.example.senate.gov/contact")
    );
    let jose = &from_yaml[1];
    assert_eq!(jose.contact_form, None);
    assert_eq!(jose.term_end, "2029-01-03");
    assert_eq!(jose.bioguide, "X000002");
}

#[test]
fn an_incomplete_file_is_refused_and_nothing_is_written() {
    let site = site_copy();
    let before = (
        read(site.path(), SENATORS_FILE),
        read(site.path(), META_FILE),
    );
    for name in ["small.yaml", "small.json"] {
        let err = import(&ImportOptions {
            source: fixture(name),
            root: site.path().to_owned(),
            as_of: Some("2026-07-01".into()),
            offices: None,
        })
        .expect_err("two senators of one state are not a Senate");
        let ImportError::Invalid { problems, .. } = &err else {
            panic!("expected the list of problems, got {err}");
        };
        assert_eq!(problems.len(), 49, "{problems:#?}");
        let text = err.to_string();
        assert!(
            text.contains("Texas (TX) has 0 senators in the file, not 2"),
            "{text}"
        );
        assert!(text.contains("nothing was written"), "{text}");
        assert!(
            !text.contains("Vermont (VT)"),
            "Vermont has its two: {text}"
        );
    }
    assert_eq!(
        (
            read(site.path(), SENATORS_FILE),
            read(site.path(), META_FILE)
        ),
        before
    );
    let leftovers: Vec<String> = std::fs::read_dir(site.path().join("content/data"))
        .expect("lists")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn unreadable_or_malformed_input_is_a_clear_error() {
    let site = site_copy();
    let dir = tempfile::tempdir().expect("tempdir");
    let broken = dir.path().join("legislators-current.yaml");
    std::fs::write(&broken, "- id: [unclosed\n").expect("writes");
    let err = import(&ImportOptions {
        source: broken,
        root: site.path().to_owned(),
        as_of: None,
        offices: None,
    })
    .expect_err("not YAML");
    assert!(matches!(err, ImportError::Parse { .. }), "{err}");
    assert!(err.to_string().contains("not a congress-legislators file"));
    let err = import(&ImportOptions {
        source: dir.path().join("missing.json"),
        root: site.path().to_owned(),
        as_of: None,
        offices: None,
    })
    .expect_err("missing");
    assert!(matches!(err, ImportError::Read { .. }), "{err}");
    let good = dir.path().join("ok.yaml");
    std::fs::write(&good, complete_yaml()).expect("writes");
    let err = import(&ImportOptions {
        source: good,
        root: site.path().to_owned(),
        as_of: Some("July 1st".into()),
        offices: None,
    })
    .expect_err("bad date");
    assert!(err.to_string().contains("YYYY-MM-DD"), "{err}");
}

#[test]
fn a_complete_yaml_file_reproduces_the_stored_senators() {
    let site = site_copy();
    let dir = tempfile::tempdir().expect("tempdir");
    let source = dir.path().join("legislators-current.yaml");
    std::fs::write(&source, complete_yaml()).expect("writes");
    // Without --as-of, the date is the file's modification date (UTC).
    let file = std::fs::File::options()
        .write(true)
        .open(&source)
        .expect("opens");
    file.set_modified(UNIX_EPOCH + Duration::from_secs(1_781_524_800)) // 2026-06-15T12:00:00Z
        .expect("sets mtime");
    drop(file);
    let report = import(&ImportOptions {
        source,
        root: site.path().to_owned(),
        as_of: None,
        offices: None,
    })
    .expect("imports");
    assert_eq!(report.senators, 100);
    assert_eq!(report.as_of, "2026-06-15");
    assert!(
        report.added.is_empty() && report.removed.is_empty(),
        "{report:?}"
    );
    let written: Vec<Senator> =
        serde_json::from_str(&read(site.path(), SENATORS_FILE)).expect("valid JSON");
    assert_eq!(written, sorted(repo_senators()));
    let json = read(site.path(), SENATORS_FILE);
    assert!(
        json.starts_with("[\n {\n  \"state\": \"AK\""),
        "one-space pretty JSON"
    );
    let meta = read(site.path(), META_FILE);
    let table: toml::Table = toml::from_str(&meta).expect("valid TOML");
    assert_eq!(
        table.get("as_of").and_then(|v| v.as_str()),
        Some("2026-06-15")
    );
    assert!(
        table
            .get("source")
            .and_then(|v| v.as_str())
            .is_some_and(|s| s.contains("legislators-current.yaml"))
    );
    assert!(
        meta.starts_with("# Where content/data/senators.json comes from"),
        "comments kept"
    );
}

#[test]
fn the_command_imports_json_and_reports_changes() {
    let site = site_copy();
    let dir = tempfile::tempdir().expect("tempdir");
    // One senator replaced by another: the command names both.
    let json = complete_json()
        .replace("\"Dan Sullivan\"", "\"Daniella Newcomer\"")
        .replace("\"S001198\"", "\"N999999\"");
    let source = dir.path().join("legislators-current.json");
    std::fs::write(&source, json).expect("writes");
    let out = Command::new(env!("CARGO_BIN_EXE_site-gen"))
        .args(["senators", "import"])
        .arg(&source)
        .arg("--root")
        .arg(site.path())
        .args(["--as-of", "2026-07-01"])
        .output()
        .expect("runs site-gen");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}{stderr}");
    assert!(stdout.contains("Imported 100 senators"), "{stdout}");
    assert!(stdout.contains("data as of 2026-07-01"), "{stdout}");
    assert!(stdout.contains("+ Daniella Newcomer (AK)"), "{stdout}");
    assert!(stdout.contains("- Dan Sullivan (AK)"), "{stdout}");
    let written: Vec<Senator> =
        serde_json::from_str(&read(site.path(), SENATORS_FILE)).expect("valid JSON");
    assert!(
        written
            .iter()
            .any(|s| s.bioguide == "N999999" && s.state == "AK")
    );
    assert!(read(site.path(), META_FILE).contains("as_of = \"2026-07-01\""));

    // A bad file: exit 1, the reason on stderr, the data untouched.
    let before = read(site.path(), SENATORS_FILE);
    let out = Command::new(env!("CARGO_BIN_EXE_site-gen"))
        .args(["senators", "import"])
        .arg(fixture("small.json"))
        .arg("--root")
        .arg(site.path())
        .output()
        .expect("runs site-gen");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("has 0 senators in the file, not 2"),
        "{stderr}"
    );
    assert_eq!(read(site.path(), SENATORS_FILE), before);
}

/// District offices for the first two of the repository's senators, and one House member
/// (skipped), in the dataset's YAML shape.
fn offices_yaml(first: &Senator, second: &Senator, broken: bool) -> String {
    let city = if broken {
        ""
    } else {
        "city: Springfield\n    "
    };
    format!(
        "- id:\n    bioguide: {}\n  offices:\n  - id: a\n    address: 1 Main St.\n    suite: Suite 2\n    {city}state: {}\n    zip: '01234'\n    phone: 555-0100\n  - id: b\n    address: 9 Elm St.\n    building: Federal Building\n    city: Shelbyville\n    state: {}\n    zip: '98765'\n- id:\n    bioguide: {}\n  offices:\n  - id: c\n    address: 5 Oak Ave.\n    city: Capital City\n    state: {}\n    zip: '55555'\n    phone: 555-0199\n- id:\n    bioguide: H000000\n  offices:\n  - id: house\n    address: 1 House Rd.\n    city: Nowhere\n    state: CA\n    zip: '90001'\n",
        first.bioguide, first.state, first.state, second.bioguide, second.state
    )
}

#[test]
fn state_offices_come_from_the_district_offices_file_and_stay_otherwise() {
    let site = site_copy();
    let dir = tempfile::tempdir().expect("tempdir");
    let source = dir.path().join("legislators-current.yaml");
    std::fs::write(&source, complete_yaml()).expect("writes");
    let senators = sorted(repo_senators());
    let offices = dir.path().join("legislators-district-offices.yaml");
    std::fs::write(&offices, offices_yaml(&senators[0], &senators[1], false)).expect("writes");
    let options = |offices: Option<PathBuf>| ImportOptions {
        source: source.clone(),
        root: site.path().to_owned(),
        as_of: Some("2026-06-15".into()),
        offices,
    };
    let report = import(&options(Some(offices.clone()))).expect("imports");
    assert_eq!(report.offices, 3);
    assert!(report.offices_refreshed);
    assert_eq!(report.without_offices.len(), 98);
    let written: Vec<Senator> =
        serde_json::from_str(&read(site.path(), SENATORS_FILE)).expect("valid JSON");
    let first = written
        .iter()
        .find(|s| s.bioguide == senators[0].bioguide)
        .expect("first");
    assert_eq!(first.offices.len(), 2);
    assert_eq!(first.offices[0].address, "1 Main St., Suite 2");
    assert_eq!(first.offices[0].zip, "01234", "leading zeros are kept");
    assert_eq!(first.offices[1].address, "9 Elm St., Federal Building");
    assert_eq!(first.offices[1].phone, "");
    // Nearest first: the writer's city, then the same ZIP area.
    let near: Vec<&str> = first
        .offices_near("shelbyville", "01299")
        .iter()
        .map(|o| o.city.as_str())
        .collect();
    assert_eq!(near, ["Shelbyville", "Springfield"]);
    let near: Vec<&str> = first
        .offices_near("Elsewhere", "98701")
        .iter()
        .map(|o| o.city.as_str())
        .collect();
    assert_eq!(near, ["Shelbyville", "Springfield"]);
    // Without --offices, the offices of the previous file stay.
    let report = import(&options(None)).expect("imports");
    assert_eq!(report.offices, 3);
    assert!(!report.offices_refreshed);
    // A broken offices file: nothing written, every problem named.
    let before = read(site.path(), SENATORS_FILE);
    std::fs::write(&offices, offices_yaml(&senators[0], &senators[1], true)).expect("writes");
    let err = import(&options(Some(offices.clone()))).expect_err("an office without a city");
    let text = err.to_string();
    assert!(text.contains("office 1 of"), "{text}");
    assert!(text.contains("has no city"), "{text}");
    std::fs::write(&offices, "offices: [").expect("writes");
    let err = import(&options(Some(offices))).expect_err("not YAML");
    assert!(
        err.to_string().contains("not a district offices file"),
        "{err}"
    );
    assert_eq!(
        read(site.path(), SENATORS_FILE),
        before,
        "nothing was written"
    );
}
