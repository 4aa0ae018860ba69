//! The real Lambda runtime loop: the `petition-fn` binary this test run built, started as
//! Lambda starts it (`AWS_LAMBDA_RUNTIME_API` set), polls cargo-lambda's runtime emulator
//! (`cargo lambda watch --only-lambda-apis`, which builds nothing and starts no function) and
//! answers API Gateway HTTP API payload 2.0 events sent to the emulator's Lambda Invoke
//! endpoint: signing, confirming by the token in the mail that SES (moto's server) accepted,
//! the counts, and an SNS delivery of an SES bounce. The store is DynamoDB Local.
//!
//! Prints the cold start (spawn of the binary to the first invocation's answer, and to its
//! first poll of the runtime API as the emulator logs it); asserts no timing (figures in
//! `BENCHMARKS.md`). Skipped when cargo-lambda, moto's server or DynamoDB Local is missing,
//! unless `REQUIRE_MOTO` or `REQUIRE_DYNAMODB` is set (`./scripts/test` sets both and installs
//! cargo-lambda from `tests/requirements.txt` into `.tools/venv`): then that fails.
#![cfg(all(feature = "lambda", feature = "dynamodb"))]

mod common;

use std::io::{BufRead as _, BufReader, Read, Write as _};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::moto;
use petition_fn::store::testing;
use serde_json::Value;

const SIGNER_HMAC_KEY: &str = "5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c";
const MAIL_FROM: &str = "Free Them <noreply@example.org>";
/// The function name the emulator gives a function it does not start itself.
const FUNCTION: &str = "_";
/// Longest wait for one invocation's answer.
const INVOKE_LIMIT: Duration = Duration::from_secs(60);

/// A child process killed and reaped when dropped, even when the test fails.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Lines a child printed, each with the moment it was read.
#[derive(Clone, Default)]
struct Lines(Arc<Mutex<Vec<(Instant, String)>>>);

impl Lines {
    /// Reads `from` line by line on a thread of its own until it closes.
    fn collect(&self, from: impl Read + Send + 'static) {
        let lines = self.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(from).lines() {
                let Ok(line) = line else { break };
                lines.0.lock().expect("lines").push((Instant::now(), line));
            }
        });
    }

    /// When the first line containing `needle` was read.
    fn first(&self, needle: &str) -> Option<Instant> {
        let lines = self.0.lock().expect("lines");
        lines
            .iter()
            .find(|(_, l)| l.contains(needle))
            .map(|(t, _)| *t)
    }

    fn text(&self) -> String {
        let lines = self.0.lock().expect("lines");
        lines.iter().map(|(_, l)| format!("{l}\n")).collect()
    }
}

/// Prints the logs of the emulator and the function when the test fails.
struct ShowOnPanic<'a>(&'a [(&'static str, &'a Lines)]);

impl Drop for ShowOnPanic<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            for (name, lines) in self.0 {
                eprintln!("--- {name}:\n{}", lines.text());
            }
        }
    }
}

/// The `cargo-lambda` executable: `$CARGO_LAMBDA`, else the one beside `$PYTHON` (the test
/// command's venv), else `cargo-lambda` on the `PATH`; `None` (after saying why) when none
/// runs.
fn cargo_lambda(what: &str) -> Option<PathBuf> {
    let candidates = [
        std::env::var_os("CARGO_LAMBDA").map(PathBuf::from),
        std::env::var_os("PYTHON")
            .map(PathBuf::from)
            .and_then(|p| p.parent().map(|bin| bin.join("cargo-lambda"))),
        Some(PathBuf::from("cargo-lambda")),
    ];
    let found = candidates.into_iter().flatten().find(|exe| {
        Command::new(exe)
            .args(["lambda", "--version"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    });
    if found.is_none() {
        for required in ["REQUIRE_MOTO", "REQUIRE_DYNAMODB"] {
            assert!(
                std::env::var_os(required).is_none(),
                "{required} is set but cargo-lambda does not run (not beside $PYTHON, nor $CARGO_LAMBDA, nor on the PATH): run ./scripts/test, which installs it from tests/requirements.txt into .tools/venv"
            );
        }
        println!("SKIPPED {what}: cargo-lambda is not installed (pip install cargo-lambda)");
    }
    found
}

/// cargo-lambda's runtime emulator on `port`, and what it logs.
struct Emulator {
    process: Killed,
    port: u16,
    log: Lines,
}

impl Emulator {
    /// `cargo lambda watch --only-lambda-apis` on 127.0.0.1: the Runtime API under `/.rt` and
    /// the Invoke API on one port. It reads the package's metadata (`cargo metadata`) and
    /// builds nothing. Its debug log says when a function polls.
    fn start(exe: &Path) -> Self {
        let port = moto::free_port();
        let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut child = Command::new(exe)
            .args(["lambda", "watch", "--only-lambda-apis", "--ignore-changes"])
            .args(["--invoke-address", "127.0.0.1", "--invoke-port"])
            .arg(port.to_string())
            .arg("--manifest-path")
            .arg(manifest.join("Cargo.toml"))
            .current_dir(manifest)
            .env("RUST_LOG", "cargo_lambda=debug")
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("starts cargo lambda watch");
        let log = Lines::default();
        log.collect(child.stdout.take().expect("stdout"));
        log.collect(child.stderr.take().expect("stderr"));
        let mut emulator = Self {
            process: Killed(child),
            port,
            log,
        };
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        let deadline = Instant::now() + Duration::from_secs(60);
        while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
            if let Ok(Some(status)) = emulator.process.0.try_wait() {
                panic!(
                    "cargo lambda watch ended ({status}):\n{}",
                    emulator.log.text()
                );
            }
            assert!(
                Instant::now() < deadline,
                "cargo lambda watch did not listen on {addr} within 60 s:\n{}",
                emulator.log.text()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        emulator
    }

    /// The value of `AWS_LAMBDA_RUNTIME_API` the emulator asks for.
    fn runtime_api(&self) -> String {
        format!("http://127.0.0.1:{}/.rt", self.port)
    }
}

/// One Lambda Invoke (`POST /2015-03-31/functions/_/invocations`) with `event` to the
/// emulator on `port`: its status and the function's answer.
fn invoke(port: u16, event: &Value) -> (u16, Value) {
    let body = event.to_string();
    let mut stream =
        TcpStream::connect((Ipv4Addr::LOCALHOST, port)).expect("connects to the emulator");
    stream
        .set_read_timeout(Some(INVOKE_LIMIT))
        .expect("sets a timeout");
    write!(
        stream,
        "POST /2015-03-31/functions/{FUNCTION}/invocations HTTP/1.0\r\nHost: 127.0.0.1:{}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        port,
        body.len()
    )
    .expect("sends the invocation");
    let mut raw = Vec::new();
    stream
        .read_to_end(&mut raw)
        .unwrap_or_else(|e| panic!("no answer within {INVOKE_LIMIT:?} ({e})"));
    let raw = String::from_utf8(raw).expect("utf-8");
    let (head, body) = raw.split_once("\r\n\r\n").expect("an HTTP answer");
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("a status line: {head}"));
    let answer = serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"));
    (status, answer)
}

/// An event from `tests/fixtures`.
fn fixture(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    let text = std::fs::read_to_string(&path).expect("reads the fixture");
    serde_json::from_str(&text).expect("an API Gateway HTTP API payload 2.0 event")
}

/// The API Gateway response inside an invocation's answer: its status and JSON body.
fn http_answer(port: u16, event: &Value) -> (u64, Value) {
    let (status, answer) = invoke(port, event);
    assert_eq!(status, 200, "the invocation failed: {answer}");
    let code = answer["statusCode"]
        .as_u64()
        .unwrap_or_else(|| panic!("an API Gateway response: {answer}"));
    let body = answer["body"].as_str().unwrap_or_default();
    let body = if body.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {answer}"))
    };
    (code, body)
}

/// `petition-fn <subcommand>` with the test's AWS settings; its standard output.
fn run(subcommand: &str, args: &[&str], aws: &[(&str, String)]) -> String {
    let mut command = common::cli::petition_fn(subcommand, args);
    command.envs(aws.iter().map(|(k, v)| (k, v)));
    let out = command.output().expect("runs petition-fn");
    common::cli::succeeded(&out).0
}

/// The confirmation tokens in the mail moto's SES accepted for `to`.
fn mailed_tokens(moto: &moto::Moto, to: &str) -> Vec<String> {
    let data: Value =
        serde_json::from_str(&moto.get("/moto-api/data.json")).expect("moto's model data");
    data["ses"]["RawMessage"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|m| {
            m["destinations"]
                .as_array()
                .is_some_and(|d| d.iter().any(|d| d == to))
        })
        .map(|m| {
            let raw = m["raw_data"].as_str().expect("the raw message");
            let mail = petition_fn::mail::mime::parse_message(raw).expect("a MIME message");
            let text = mail.text.expect("a text part");
            let start = text.find("token=").expect("a confirmation link") + "token=".len();
            text[start..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                .collect()
        })
        .collect()
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

#[test]
fn the_binary_answers_api_gateway_events_through_the_lambda_runtime_loop() {
    const WHAT: &str = "the Lambda runtime loop test";
    let Some(cargo_lambda) = cargo_lambda(WHAT) else {
        return;
    };
    let Some(endpoint) = testing::endpoint_or_skip(WHAT) else {
        return;
    };
    let Some(moto) = moto::start(WHAT) else {
        return;
    };
    // SES sends only from a verified identity.
    tokio::runtime::Runtime::new()
        .expect("a runtime")
        .block_on(
            aws_sdk_sesv2::Client::new(&moto::sdk_config(&moto.endpoint))
                .create_email_identity()
                .email_identity("example.org")
                .send(),
        )
        .expect("verifies the sender's domain");

    let table = testing::unique_table_name("lambda-rt");
    let aws = [
        ("TABLE_NAME", table.clone()),
        ("AWS_ENDPOINT_URL_DYNAMODB", endpoint),
        ("AWS_ENDPOINT_URL_SESV2", moto.endpoint.clone()),
        ("AWS_REGION", "us-east-1".into()),
        ("AWS_ACCESS_KEY_ID", "test".into()),
        ("AWS_SECRET_ACCESS_KEY", "test".into()),
    ];
    run("init-table", &[], &aws);
    let dir = tempfile::tempdir().expect("tempdir");
    let operator_key = dir.path().join("operator.key");
    let public = run(
        "keygen",
        &["--out", operator_key.to_str().expect("utf-8")],
        &[],
    );
    let bundle = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bundle.json");

    let emulator = Emulator::start(&cargo_lambda);
    // As Lambda starts a `provided.al2023` function: no arguments, the runtime's variables
    // (the ones `cargo lambda watch --only-lambda-apis` prints) and the function's own.
    let mut command = Command::new(env!("CARGO_BIN_EXE_petition-fn"));
    for var in common::cli::SETTINGS {
        command.env_remove(var);
    }
    command
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_ENDPOINT_URL")
        .env("AWS_LAMBDA_RUNTIME_API", emulator.runtime_api())
        .env("AWS_LAMBDA_FUNCTION_NAME", FUNCTION)
        .env("AWS_LAMBDA_FUNCTION_VERSION", "1")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "4096")
        .envs(aws.iter().map(|(k, v)| (k, v)))
        .env("SIGNER_HMAC_KEY", SIGNER_HMAC_KEY)
        .env("OPERATOR_PUBLIC_KEY", public.trim())
        .env("SITE_BUNDLE", &bundle)
        .env("MAIL_FROM", MAIL_FROM)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());

    // The cold start: the first event waits in the emulator's queue until the function, its
    // set-up done, polls for it (as Lambda holds the request that caused the cold start).
    let spawned = Instant::now();
    let mut child = command.spawn().expect("starts petition-fn");
    let function_log = Lines::default();
    function_log.collect(child.stdout.take().expect("stdout"));
    function_log.collect(child.stderr.take().expect("stderr"));
    let mut function = Killed(child);
    let logs = [
        ("cargo lambda watch", &emulator.log),
        ("petition-fn", &function_log),
    ];
    let _show = ShowOnPanic(&logs);
    let first = fixture("apigw-v2-get-petition.json");
    let port = emulator.port;
    let invocation = std::thread::spawn(move || {
        let (code, body) = http_answer(port, &first);
        (code, body, spawned.elapsed())
    });
    // A function that fails its set-up exits without polling: say so at once.
    while !invocation.is_finished() {
        if let Some(status) = function.0.try_wait().expect("the function's state") {
            panic!("petition-fn ended before its first answer ({status})");
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let (code, count, first_answer) = invocation.join().expect("the first invocation");
    assert_eq!(code, 200, "{count}");
    assert_eq!(count["count"], 0, "{count}");
    // The emulator logs "processing request" when a poll takes an event: the first one ends
    // the function's init.
    let first_poll = emulator
        .log
        .first("processing request")
        .map(|t| t.saturating_duration_since(spawned));
    // The router logs each request's latency: the first one's includes the first connection
    // to DynamoDB.
    let handled = function_log
        .0
        .lock()
        .expect("lines")
        .iter()
        .find_map(|(_, line)| {
            let line: Value = serde_json::from_str(line).ok()?;
            line["latency_ms"].as_f64()
        });
    let shown =
        |ms: Option<f64>| ms.map_or_else(|| "not seen".to_owned(), |ms| format!("{ms:.1} ms"));
    println!(
        "cold start (debug build): spawn to first answer {:.1} ms; spawn to first poll of the runtime API (init) {}; the first request in the router {}",
        ms(first_answer),
        shown(first_poll.map(ms)),
        shown(handled),
    );

    // Signing without confirmation, JSON and then a base64-encoded form.
    let (code, signed) = http_answer(port, &fixture("apigw-v2-sign-json.json"));
    assert_eq!(code, 201, "{signed}");
    assert_eq!(signed["status"], "signed", "{signed}");
    let (_, count) = http_answer(port, &fixture("apigw-v2-get-petition.json"));
    assert_eq!(count["count"], 1, "{count}");
    let (status, answer) = invoke(port, &fixture("apigw-v2-sign-form.json"));
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["statusCode"], 303, "{answer}");
    assert_eq!(answer["headers"]["location"], "/petition/thanks/");
    let (_, count) = http_answer(port, &fixture("apigw-v2-get-petition.json"));
    assert_eq!(count["count"], 2, "{count}");
    assert_eq!(count["by_country"]["US"], 1, "{count}");

    // Double opt-in: pending until the mailed token comes back.
    let (code, pending) = http_answer(port, &fixture("apigw-v2-sign-confirm-me.json"));
    assert_eq!(code, 202, "{pending}");
    assert_eq!(pending["status"], "pending", "{pending}");
    let (_, count) = http_answer(port, &fixture("apigw-v2-get-confirm-me.json"));
    assert_eq!(count["count"], 0, "{count}");
    let tokens = mailed_tokens(&moto, "mary@example.net");
    assert_eq!(tokens.len(), 1, "one confirmation mail: {tokens:?}");
    let mut confirm = fixture("apigw-v2-confirm.json");
    let body = confirm["body"]
        .as_str()
        .expect("a body")
        .replace("TOKEN", &tokens[0]);
    confirm["headers"]["content-length"] = body.len().to_string().into();
    confirm["body"] = body.into();
    let (code, confirmed) = http_answer(port, &confirm);
    assert_eq!(code, 200, "{confirmed}");
    assert_eq!(
        confirmed,
        serde_json::json!({"status": "confirmed", "count": 1})
    );
    let (_, count) = http_answer(port, &fixture("apigw-v2-get-confirm-me.json"));
    assert_eq!(count["count"], 1, "{count}");
    assert_eq!(count["by_country"]["DE"], 1, "{count}");

    // Not only HTTP: SES's bounce notification through SNS answers null, and the signature
    // stays counted.
    let message = serde_json::json!({"eventType": "Bounce", "bounce": {"bounceType": "Permanent",
        "bouncedRecipients": [{"emailAddress": "mary@example.net"}]}});
    let sns = serde_json::json!({"Records": [{"EventSource": "aws:sns", "EventVersion": "1.0",
        "Sns": {"Type": "Notification", "Message": message.to_string()}}]});
    let (status, answer) = invoke(port, &sns);
    assert_eq!((status, &answer), (200, &Value::Null));
    let (_, count) = http_answer(port, &fixture("apigw-v2-get-confirm-me.json"));
    assert_eq!(count["count"], 1, "{count}");

    // One process answered every event: the loop, not a start per event.
    assert!(
        function
            .0
            .try_wait()
            .expect("the function's state")
            .is_none(),
        "the function ended"
    );
    // Dropped in reverse order: the logs shown if a check failed, then the function, the
    // emulator and moto, each killed and reaped.
}
