//! Schemathesis (pinned in `tests/requirements.txt`) against `petition-fn serve`, on the
//! embedded store and on DynamoDB Local: it reads the served `GET /api/openapi.json`, sends
//! requests it generates from it, valid and invalid, and checks each answer: no server error,
//! and a status, content type, headers and body that the document gives for the operation.
//!
//! It runs as `$PYTHON -m schemathesis.cli` (`PYTHON`, set by `scripts/test`, names the tool
//! venv's Python; else `python3`). Without Schemathesis the test prints `SKIPPED` and passes,
//! unless `REQUIRE_MOTO` or `REQUIRE_SCHEMATHESIS` is set (`scripts/test` sets the first: the
//! Python tools are required there); without `DYNAMODB_ENDPOINT` the DynamoDB run is skipped
//! by `petition_fn::store::testing`'s rule (`REQUIRE_DYNAMODB=1` fails it).
//!
//! Requests carry `Sec-Fetch-Site: same-origin`, as the site's own pages do, so that they reach
//! the handlers rather than the cross-site guard (its 403 is documented, and the router tests
//! exercise it). The fair-use limits stay as they are: past them the answer is a documented 429.
#![cfg(all(feature = "dynamodb", feature = "lambda"))]

mod common;

use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use contract::bundle::{Bill, Country, LetterCampaign, Petition, SiteBundle, UsState};

/// Test cases per operation in each of Schemathesis' generating phases: both runs together
/// stay within about two minutes on two cores (BENCHMARKS.md, "Schemathesis").
const MAX_EXAMPLES: u32 = 100;

/// The same cases on every run.
const SEED: u32 = 20_261_202;

/// The checks: no 5xx, and every answer as the document gives it.
const CHECKS: &str = "not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance";

/// The repository root.
fn root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(root().join(rel)).unwrap_or_else(|e| panic!("reads {rel}: {e}"))
}

/// The fixture bundle with the repository's theme, countries, states, senators and call
/// script, a letter campaign, and the petition the document's examples name.
fn bundle() -> SiteBundle {
    #[derive(serde::Deserialize)]
    struct States {
        state: Vec<UsState>,
    }
    #[derive(serde::Deserialize)]
    struct Countries {
        country: Vec<Country>,
    }
    let mut bundle = SiteBundle::from_json(include_bytes!("fixtures/bundle.json")).expect("bundle");
    bundle.pages.shell = include_str!("fixtures/shell.html").into();
    bundle.pages.components = read("themes/default/templates/components.html");
    bundle.pages.strings = std::collections::BTreeMap::from([(
        "en".to_owned(),
        toml::from_str(&read("themes/default/i18n/en.toml")).expect("en.toml"),
    )]);
    bundle.countries = toml::from_str::<Countries>(&read("content/data/countries.toml"))
        .expect("countries.toml")
        .country;
    bundle.states = toml::from_str::<States>(&read("content/data/states.toml"))
        .expect("states.toml")
        .state;
    bundle.senators = serde_json::from_str(&read("content/data/senators.json")).expect("senators");
    bundle.letter = Some(LetterCampaign {
        page: "/contact-your-senator/".into(),
        bill: Bill {
            number: "S.Res.220".into(),
            congress: 115,
            title: "A resolution".into(),
            ..Bill::default()
        },
        default_letter: "Dear Senator,\n\nPlease support S.Res.220.\n\nSincerely,".into(),
        call_script: Some(read("content/contact-your-senator/_call.md")),
    });
    bundle.petitions.push(Petition {
        id: "un-high-commissioner".into(),
        title: "End forced organ harvesting".into(),
        addressee: "the United Nations High Commissioner for Human Rights".into(),
        goal: 100_000,
        opens: "2026-01-01".into(),
        closes: None,
        page: "/petition/".into(),
        thank_you: "/petition/thanks/".into(),
        confirm: true,
        check_inbox: Some("/petition/check-your-inbox/".into()),
        milestones: Vec::new(),
    });
    bundle
}

/// A site output folder holding [`bundle`].
fn site() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join(contract::bundle::BUNDLE_PATH);
    std::fs::create_dir_all(path.parent().expect("a folder")).expect("creates _app");
    let json = serde_json::to_vec(&bundle()).expect("serialises the bundle");
    std::fs::write(path, json).expect("writes the bundle");
    dir
}

/// The Python that has Schemathesis, or `None` once the test is skipped.
fn python(test: &str) -> Option<String> {
    let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
    let installed = Command::new(&python)
        .args(["-c", "import schemathesis.cli"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if installed {
        return Some(python);
    }
    let required = ["REQUIRE_MOTO", "REQUIRE_SCHEMATHESIS"]
        .iter()
        .find(|v| std::env::var_os(v).is_some());
    assert!(
        required.is_none(),
        "{test}: {} is set but {python} cannot import schemathesis: run ./scripts/test, which installs tests/requirements.txt",
        required.copied().unwrap_or_default()
    );
    println!(
        "SKIPPED {test}: Schemathesis is not installed (pip install -r tests/requirements.txt)"
    );
    None
}

/// A loopback port nothing listens on (bound, then released).
fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .expect("a free loopback port")
        .port()
}

/// `petition-fn serve`, killed and reaped when dropped.
struct Serve {
    child: Child,
    port: u16,
    log: std::path::PathBuf,
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Serve {
    /// Starts `command` (a `petition-fn serve` with its store's settings) on a free port and
    /// waits until it listens; its standard error goes to `log`.
    fn start(mut command: Command, log: std::path::PathBuf) -> Self {
        let port = free_port();
        let errors = std::fs::File::create(&log).expect("creates the log");
        let child = command
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .stdout(Stdio::null())
            .stderr(errors)
            .spawn()
            .expect("starts petition-fn serve");
        let mut serve = Self { child, port, log };
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
            if let Ok(Some(status)) = serve.child.try_wait() {
                panic!("petition-fn serve stopped ({status}): {}", serve.errors());
            }
            assert!(
                Instant::now() < deadline,
                "petition-fn serve did not listen on {addr} within 30 s"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        serve
    }

    fn errors(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

/// What one Schemathesis run found.
struct Run {
    cases: u64,
    seconds: f64,
}

/// Runs Schemathesis against `serve`; fails the test on any failure it reports, with its
/// summary and the server's error log.
fn schemathesis(python: &str, serve: &Serve, store: &str, work: &Path) -> Run {
    let start = Instant::now();
    let url = format!("http://127.0.0.1:{}/api/openapi.json", serve.port);
    let out = Command::new(python)
        .args(["-m", "schemathesis.cli", "run", &url])
        .args(["--checks", CHECKS])
        .args(["--max-examples", &MAX_EXAMPLES.to_string()])
        .args(["--seed", &SEED.to_string()])
        .args(["--header", "Sec-Fetch-Site: same-origin"])
        .args(["--generation-database", "none", "--no-color"])
        // One worker: the same cases on every run (with two, fewer and varying, no faster).
        .args(["--request-timeout", "15", "--workers", "1"])
        // Its files (none are asked for) would go to the working folder: a temporary one.
        .current_dir(work)
        .env("NO_COLOR", "1")
        .output()
        .expect("runs schemathesis");
    let seconds = start.elapsed().as_secs_f64();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let summary = stdout
        .rfind("SUMMARY")
        .map_or(stdout.as_ref(), |at| &stdout[at..]);
    println!("Schemathesis on the {store} store ({seconds:.1} s):\n{summary}");
    assert!(
        out.status.success(),
        "Schemathesis reported failures on the {store} store:\n{stdout}\n{stderr}\nserver log:\n{}",
        serve.errors()
    );
    let cases = generated(&stdout)
        .unwrap_or_else(|| panic!("no count of generated test cases in:\n{stdout}"));
    println!("schemathesis [{store}]: {cases} test cases generated in {seconds:.1} s");
    Run { cases, seconds }
}

/// The number in the summary's `Test cases:` section (`  N generated, N passed`).
fn generated(stdout: &str) -> Option<u64> {
    let mut lines = stdout
        .lines()
        .skip_while(|l| !l.trim_start().starts_with("Test cases:"));
    lines.next()?;
    lines.next()?.split_whitespace().next()?.parse().ok()
}

#[test]
fn schemathesis_finds_nothing_on_the_embedded_store() {
    let test = "schemathesis_finds_nothing_on_the_embedded_store";
    let Some(python) = python(test) else {
        return;
    };
    let (site, data, work) = (
        site(),
        tempfile::tempdir().expect("tempdir"),
        tempfile::tempdir().expect("tempdir"),
    );
    let mut command = common::cli::petition_fn(
        "serve",
        &[
            "--site",
            site.path().to_str().expect("utf-8"),
            "--data-dir",
            data.path().to_str().expect("utf-8"),
        ],
    );
    command.env_remove("DYNAMODB_ENDPOINT");
    let serve = Serve::start(command, work.path().join("serve.log"));
    let run = schemathesis(&python, &serve, "embedded", work.path());
    assert!(run.cases > 0 && run.seconds > 0.0);
}

#[test]
fn schemathesis_finds_nothing_on_dynamodb() {
    use petition_fn::store::testing;

    let test = "schemathesis_finds_nothing_on_dynamodb";
    let Some(python) = python(test) else {
        return;
    };
    let Some(endpoint) = testing::endpoint_or_skip(test) else {
        return;
    };
    let table = testing::unique_table_name("schemathesis");
    let aws = |mut command: Command| {
        command
            .env("TABLE_NAME", &table)
            .env("AWS_ENDPOINT_URL_DYNAMODB", &endpoint)
            .env("AWS_ACCESS_KEY_ID", "test")
            .env("AWS_SECRET_ACCESS_KEY", "test")
            .env("AWS_REGION", "us-east-1")
            .env("AWS_EC2_METADATA_DISABLED", "true");
        command
    };
    let init = aws(common::cli::petition_fn("init-table", &[]))
        .output()
        .expect("runs init-table");
    common::cli::succeeded(&init);
    let (site, data, work) = (
        site(),
        tempfile::tempdir().expect("tempdir"),
        tempfile::tempdir().expect("tempdir"),
    );
    let command = aws(common::cli::petition_fn(
        "serve",
        &[
            "--site",
            site.path().to_str().expect("utf-8"),
            "--data-dir",
            data.path().to_str().expect("utf-8"),
        ],
    ));
    let serve = Serve::start(command, work.path().join("serve.log"));
    let run = schemathesis(&python, &serve, "DynamoDB", work.path());
    assert!(run.cases > 0 && run.seconds > 0.0);
}
