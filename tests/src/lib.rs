//! Shared harness for the end-to-end tests: the repository's real site, served by
//! `site_gen::serve::run` with the petition API on one origin, a plain HTTP client, and headless
//! Chromium driven through chromedriver (its console, and on request its network log of every
//! URL it asked for, and DevTools commands such as granting clipboard access).
//!
//! Tools come from the environment the test command (`scripts/test`) sets:
//!
//! | variable | what |
//! | --- | --- |
//! | `CHROMIUM`, `CHROMEDRIVER` | the browser and its driver (else `chromium` / `chromedriver` on `PATH`) |
//! | `NODE_TOOLS` | the npm test tools' `node_modules` (else `<repo>/node_modules`) |
//! | `DYNAMODB_ENDPOINT` | DynamoDB Local, for the flows on the DynamoDB store |
//! | `REQUIRE_BROWSER`, `REQUIRE_DYNAMODB` | `1`: a missing tool fails the test instead of skipping it |

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client as WebDriver, ClientBuilder};
use http_body_util::BodyExt;
use hyper_util::client::legacy::Client as HttpClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use petition_fn::AppState;
use serde_json::{Value, json};
use site_gen::serve::ServeOptions;
use tempfile::TempDir;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// The repository root (the site's root: `site.toml`, `content/`, `themes/`).
pub fn repo_root() -> PathBuf {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    here.parent().unwrap_or(here).to_path_buf()
}

/// Whether the run of record asked for every tool (`REQUIRE_BROWSER=1` or `REQUIRE_DYNAMODB=1`).
pub fn tools_required() -> bool {
    ["REQUIRE_BROWSER", "REQUIRE_DYNAMODB"]
        .iter()
        .any(|v| std::env::var(v).as_deref() == Ok("1"))
}

/// Says that `test` is skipped for `why`, or fails it when the run requires every tool.
pub fn skip_or_fail(test: &str, why: &str) {
    assert!(
        !tools_required(),
        "{test}: {why}. REQUIRE_BROWSER/REQUIRE_DYNAMODB=1 is set, so this is a failure, not a skip: run the tests through scripts/test, which installs and starts what they need"
    );
    println!("SKIPPED {test}: {why}");
}

fn env_path(var: &str) -> Option<PathBuf> {
    std::env::var_os(var)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

fn on_path(program: &str) -> Option<PathBuf> {
    let paths = std::env::var_os("PATH")?;
    std::env::split_paths(&paths)
        .map(|dir| dir.join(program))
        .find(|p| p.is_file())
}

/// The browser and its driver: `$CHROMIUM`/`$CHROMEDRIVER`, else on `PATH`.
pub fn browser_tools() -> Result<(PathBuf, PathBuf), String> {
    let chromium = env_path("CHROMIUM")
        .or_else(|| on_path("chromium"))
        .ok_or("CHROMIUM is not set and no `chromium` is on PATH")?;
    let driver = env_path("CHROMEDRIVER")
        .or_else(|| on_path("chromedriver"))
        .ok_or("CHROMEDRIVER is not set and no `chromedriver` is on PATH")?;
    for p in [&chromium, &driver] {
        if !p.is_file() {
            return Err(format!("{} does not exist", p.display()));
        }
    }
    Ok((chromium, driver))
}

/// The npm test tools' `node_modules`: `$NODE_TOOLS`, else `<repo>/node_modules`.
pub fn node_tools() -> Result<PathBuf, String> {
    let dir = env_path("NODE_TOOLS").unwrap_or_else(|| repo_root().join("node_modules"));
    let needed = [
        dir.join("axe-core/axe.min.js"),
        dir.join(".bin/html-validate"),
    ];
    match needed.iter().find(|p| !p.exists()) {
        Some(missing) => Err(format!(
            "{} is missing: run `npm ci` at the repository root (or set NODE_TOOLS)",
            missing.display()
        )),
        None => Ok(dir),
    }
}

/// Runs html-validate (the repository's `.htmlvalidate.json`) on one HTML document; fails
/// the test with its report when it finds problems, or skips (or fails, when tools are
/// required) without the npm tools.
pub fn html_validate(test: &str, what: &str, html: &str) {
    let tools = match node_tools() {
        Ok(t) => t,
        Err(why) => return skip_or_fail(test, &why),
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("page.html");
    std::fs::write(&file, html).expect("writes the page");
    let output = Command::new(tools.join(".bin/html-validate"))
        .arg("--config")
        .arg(repo_root().join(".htmlvalidate.json"))
        .arg(&file)
        .output()
        .unwrap_or_else(|e| panic!("cannot run html-validate: {e}"));
    assert!(
        output.status.success(),
        "html-validate rejected {what}:\n{}{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr),
        snippet(html, 3000)
    );
}

// ---------------------------------------------------------------------------------------------
// The preview server
// ---------------------------------------------------------------------------------------------

/// `site_gen::serve::run` on a free loopback port: the repository's site and the petition API.
/// Stops when dropped.
pub struct Server {
    /// `http://127.0.0.1:<port>` (no trailing slash).
    pub base: String,
    /// Where the embedded store keeps its data (unused with a DynamoDB state).
    pub data_dir: TempDir,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<Result<(), String>>>,
}

impl Server {
    /// Starts the preview on the embedded store (a fresh data dir) when `state` is `None`,
    /// else on `state`. Returns once the first build is served.
    pub async fn start(state: Option<AppState>) -> Server {
        let data_dir = tempfile::tempdir().expect("creates a temp data dir");
        Self::start_in(state, data_dir).await
    }

    /// [`Server::start`] with `data_dir` as the preview's data folder: where the embedded
    /// store lives, and where `/_outbox/` looks for mail (give a DynamoDB state's mail folder
    /// from [`dynamo_state`] so that the preview shows its mail).
    pub async fn start_in(state: Option<AppState>, data_dir: TempDir) -> Server {
        Self::start_site(repo_root(), state, data_dir).await
    }

    /// [`Server::start_in`] on the site at `root` (a copy of the repository's with other
    /// settings, [`site_copy`]).
    pub async fn start_site(root: PathBuf, state: Option<AppState>, data_dir: TempDir) -> Server {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("binds a loopback port");
        let addr = listener.local_addr().expect("has an address");
        let opts = ServeOptions {
            root,
            bind: addr.ip(),
            port: addr.port(),
            data_dir: data_dir.path().to_path_buf(),
            drafts: false,
        };
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let stop = async move {
                let _ = rx.await;
            };
            site_gen::serve::run(listener, opts, state, stop)
                .await
                .map_err(|e| e.to_string())
        });
        let mut server = Server {
            base: format!("http://{addr}"),
            data_dir,
            shutdown: Some(tx),
            task: None,
        };
        // The listener is bound before the first build, so requests wait for it; this one
        // also proves the site built (a failed build answers 500 with its errors). A server
        // that stops first says why.
        let mut task = task;
        let home_url = server.url("/");
        let home = tokio::select! {
            home = http_get(&home_url) => home,
            ended = &mut task => match ended {
                Ok(Ok(())) => panic!("the preview server stopped before serving anything"),
                Ok(Err(e)) => panic!("the preview server failed to start: {e}"),
                Err(e) => panic!("the preview server task failed: {e}"),
            },
        };
        server.task = Some(task);
        assert_eq!(
            home.status,
            StatusCode::OK,
            "the preview did not serve the home page: {}",
            home.snippet()
        );
        server
    }

    /// An absolute URL on this server.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Stops the server and waits for it.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            match tokio::time::timeout(Duration::from_secs(10), task).await {
                Ok(Ok(Err(e))) => panic!("the preview server failed: {e}"),
                Ok(Err(e)) if e.is_panic() => panic!("the preview server panicked: {e}"),
                _ => {}
            }
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

// ---------------------------------------------------------------------------------------------
// A plain HTTP client
// ---------------------------------------------------------------------------------------------

/// An HTTP answer, read whole.
#[derive(Debug, Clone)]
pub struct Reply {
    /// The status.
    pub status: StatusCode,
    /// The headers.
    pub headers: HeaderMap,
    /// The body as text (lossy UTF-8).
    pub body: String,
}

impl Reply {
    /// The body as JSON; panics with the body when it is not JSON.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| {
            panic!(
                "expected a JSON body ({e}), got {}: {}",
                self.status,
                self.snippet()
            )
        })
    }

    /// The status and the start of the body, for failure messages.
    pub fn snippet(&self) -> String {
        format!(
            "status {}, body: {}",
            self.status,
            snippet(&self.body, 1500)
        )
    }
}

/// The first `max` characters of `text`.
pub fn snippet(text: &str, max: usize) -> String {
    let mut s: String = text.chars().take(max).collect();
    if text.chars().count() > max {
        s.push_str(" […]");
    }
    s
}

fn http_client() -> HttpClient<HttpConnector, Body> {
    HttpClient::builder(TokioExecutor::new())
        .pool_max_idle_per_host(64)
        .build_http()
}

/// A client whose connections leave from `ip` (a loopback address such as `127.0.0.7`: Linux
/// answers the whole 127.0.0.0/8), so a local server sees it as its own client, as the API's
/// per-client limits count them.
pub fn http_client_from(ip: std::net::IpAddr) -> HttpClient<HttpConnector, Body> {
    let mut connector = HttpConnector::new();
    connector.set_local_address(Some(ip));
    HttpClient::builder(TokioExecutor::new())
        .pool_max_idle_per_host(64)
        .build(connector)
}

/// The loopback address of the `i`-th distinct test client (127.0.x.y from 127.0.1.1 on, so
/// never 127.0.0.1, the address of every other request).
pub fn loopback_client(i: usize) -> std::net::IpAddr {
    let (hi, lo) = (1 + i / 250, 1 + i % 250);
    std::net::IpAddr::V4(std::net::Ipv4Addr::new(
        127,
        u8::try_from(hi).unwrap_or(u8::MAX),
        u8::try_from(lo).unwrap_or(u8::MAX),
        1,
    ))
}

/// Sends a request from the client `client` (see [`http_client_from`]) and reads the answer.
pub async fn send_from(client: &HttpClient<HttpConnector, Body>, req: Request<Body>) -> Reply {
    send_with(client, req).await
}

/// Sends a request and reads the whole answer.
pub async fn send(req: Request<Body>) -> Reply {
    send_with(&http_client(), req).await
}

async fn send_with(client: &HttpClient<HttpConnector, Body>, req: Request<Body>) -> Reply {
    let what = format!("{} {}", req.method(), req.uri());
    let res = tokio::time::timeout(Duration::from_secs(60), client.request(req))
        .await
        .unwrap_or_else(|_| panic!("{what}: no answer within 60 s"))
        .unwrap_or_else(|e| panic!("{what}: {e}"));
    let (parts, body) = res.into_parts();
    let bytes = body
        .collect()
        .await
        .unwrap_or_else(|e| panic!("{what}: reading the body: {e}"))
        .to_bytes();
    Reply {
        status: parts.status,
        headers: parts.headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

/// `GET url`.
pub async fn http_get(url: &str) -> Reply {
    let req = Request::get(url)
        .header(header::ACCEPT, "*/*")
        .body(Body::empty())
        .expect("a valid request");
    send(req).await
}

/// A `POST url` request with a JSON body, to send with [`send_from`].
pub fn json_request(url: &str, body: &Value) -> Request<Body> {
    Request::builder()
        .method(Method::POST)
        .uri(url)
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::ACCEPT, "application/json")
        .body(Body::from(body.to_string()))
        .expect("a valid request")
}

/// `POST url` with a JSON body.
pub async fn post_json(url: &str, body: &Value) -> Reply {
    send(json_request(url, body)).await
}

/// `POST url` with a urlencoded form body (as a browser without JavaScript sends it).
pub async fn post_form(url: &str, fields: &[(&str, &str)]) -> Reply {
    let body: String = fields
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&");
    let req = Request::builder()
        .method(Method::POST)
        .uri(url)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "text/html")
        .body(Body::from(body))
        .expect("a valid request");
    send(req).await
}

fn encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(char::from(b));
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// A petition's status from `GET /api/petitions/<id>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    /// The total.
    pub count: u64,
    /// Per country.
    pub by_country: std::collections::BTreeMap<String, u64>,
    /// The whole answer.
    pub raw: Value,
}

/// Reads a petition's counts through the API.
pub async fn petition_status(server: &Server, petition: &str) -> Status {
    let reply = http_get(&server.url(&format!("/api/petitions/{petition}"))).await;
    assert_eq!(
        reply.status,
        StatusCode::OK,
        "GET /api/petitions/{petition}: {}",
        reply.snippet()
    );
    let raw = reply.json();
    let count = raw["count"]
        .as_u64()
        .unwrap_or_else(|| panic!("no numeric count in {raw}"));
    let by_country = raw["by_country"]
        .as_object()
        .unwrap_or_else(|| panic!("no by_country object in {raw}"))
        .iter()
        .map(|(k, v)| {
            let n = v
                .as_u64()
                .unwrap_or_else(|| panic!("by_country.{k} is not a count in {raw}"));
            (k.clone(), n)
        })
        .collect();
    Status {
        count,
        by_country,
        raw,
    }
}

/// Sends many JSON requests, at most `concurrency` at a time, each from its own client address
/// ([`loopback_client`]), as distinct signers would; returns the replies in the order of
/// `bodies`.
pub async fn post_json_many(url: &str, bodies: Vec<Value>, concurrency: usize) -> Vec<Reply> {
    let permits = std::sync::Arc::new(tokio::sync::Semaphore::new(concurrency));
    let mut tasks = Vec::with_capacity(bodies.len());
    for (i, body) in bodies.into_iter().enumerate() {
        // Distinct people sign from distinct addresses: each is its own client.
        let client = http_client_from(loopback_client(i));
        let permits = permits.clone();
        let req = json_request(url, &body);
        tasks.push(tokio::spawn(async move {
            let _permit = permits.acquire_owned().await.expect("semaphore open");
            send_with(&client, req).await
        }));
    }
    let mut out = Vec::with_capacity(tasks.len());
    for t in tasks {
        out.push(t.await.expect("request task"));
    }
    out
}

// ---------------------------------------------------------------------------------------------
// The browser
// ---------------------------------------------------------------------------------------------

/// Headless Chromium through its own chromedriver. Dropping it ends the session (which closes
/// Chromium) and kills the driver.
pub struct Browser {
    /// The WebDriver client.
    pub client: WebDriver,
    driver: Child,
    driver_port: u16,
    session: Option<String>,
    _profile: TempDir,
}

/// Whether the page may run scripts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Js {
    /// JavaScript on (the default browser).
    On,
    /// JavaScript disabled by the content-settings policy.
    Off,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("finds a free loopback port")
}

impl Browser {
    /// Starts chromedriver on a free port and opens a session; `None` (after saying why) when
    /// the browser is missing and the run does not require it.
    pub async fn start(test: &str, js: Js) -> Option<Browser> {
        Self::start_with(test, js, false).await
    }

    /// [`Browser::start`] with the network log on, for [`Browser::requests`].
    pub async fn start_recording_requests(test: &str, js: Js) -> Option<Browser> {
        Self::start_with(test, js, true).await
    }

    async fn start_with(test: &str, js: Js, record_requests: bool) -> Option<Browser> {
        let (chromium, driver_bin) = match browser_tools() {
            Ok(t) => t,
            Err(why) => {
                skip_or_fail(test, &why);
                return None;
            }
        };
        let profile = tempfile::tempdir().expect("creates a browser profile dir");
        let mut last_error = String::new();
        // A free port can be taken between finding and using it: try a few.
        for _ in 0..3 {
            let port = free_port();
            let log = profile.path().join(format!("chromedriver-{port}.log"));
            let mut driver = Command::new(&driver_bin)
                .arg(format!("--port={port}"))
                .arg(format!("--log-path={}", log.display()))
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap_or_else(|e| panic!("cannot start {}: {e}", driver_bin.display()));
            if !wait_for_port(port, &mut driver, Duration::from_secs(30)) {
                let _ = driver.kill();
                let _ = driver.wait();
                last_error = format!(
                    "chromedriver did not listen on port {port}; its log: {}",
                    std::fs::read_to_string(&log).unwrap_or_default()
                );
                continue;
            }
            let caps = capabilities(&chromium, profile.path(), js, record_requests);
            let connected = ClientBuilder::new(HttpConnector::new())
                .capabilities(caps)
                .connect(&format!("http://127.0.0.1:{port}"))
                .await;
            let client = match connected {
                Ok(c) => c,
                Err(e) => {
                    let _ = driver.kill();
                    let _ = driver.wait();
                    panic!(
                        "chromedriver did not start Chromium ({}): {e}; chromedriver log: {}",
                        chromium.display(),
                        snippet(&std::fs::read_to_string(&log).unwrap_or_default(), 4000)
                    );
                }
            };
            let session = client.session_id().await.ok().flatten();
            let mut browser = Browser {
                client,
                driver,
                driver_port: port,
                session,
                _profile: profile,
            };
            browser.set_timeouts().await;
            return Some(browser);
        }
        panic!("{test}: {last_error}");
    }

    async fn set_timeouts(&mut self) {
        let timeouts = fantoccini::wd::TimeoutConfiguration::new(
            Some(Duration::from_secs(90)),
            Some(Duration::from_secs(60)),
            Some(Duration::from_secs(0)),
        );
        self.client
            .update_timeouts(timeouts)
            .await
            .expect("sets WebDriver timeouts");
    }

    /// Opens a URL and waits for it to load.
    pub async fn goto(&self, url: &str) {
        self.client
            .goto(url)
            .await
            .unwrap_or_else(|e| panic!("cannot open {url}: {e}"));
    }

    /// The current URL.
    pub async fn url(&self) -> String {
        self.client
            .current_url()
            .await
            .map(|u| u.to_string())
            .expect("reads the current URL")
    }

    /// The page's HTML (as the browser has it now).
    pub async fn source(&self) -> String {
        self.client.source().await.unwrap_or_default()
    }

    /// Runs a script (`return …`) and returns its value.
    pub async fn js(&self, script: &str) -> Value {
        self.client
            .execute(script, vec![])
            .await
            .unwrap_or_else(|e| panic!("script failed: {e}\nscript: {script}"))
    }

    /// Runs a script with arguments.
    pub async fn js_with(&self, script: &str, args: Vec<Value>) -> Value {
        self.client
            .execute(script, args)
            .await
            .unwrap_or_else(|e| panic!("script failed: {e}\nscript: {script}"))
    }

    /// Polls the browser's URL until it is `target` (no page script involved: JavaScript may
    /// be off); fails after 30 s with the page.
    pub async fn wait_for_url(&self, target: &str) {
        let started = Instant::now();
        loop {
            let url = self.url().await;
            if url == target {
                return;
            }
            if started.elapsed() > Duration::from_secs(30) {
                panic!(
                    "expected to land on {target}, still on {url}\npage: {}",
                    snippet(&self.source().await, 6000)
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Polls `predicate` (a script returning a boolean) until true; fails after `within` with
    /// `what` and the page.
    pub async fn wait_for(&self, what: &str, predicate: &str, within: Duration) {
        let started = Instant::now();
        loop {
            let value = self.client.execute(predicate, vec![]).await;
            if matches!(value, Ok(Value::Bool(true))) {
                return;
            }
            if started.elapsed() > within {
                let url = self.url().await;
                let source = self.source().await;
                panic!(
                    "timed out waiting for {what} on {url} (last result {value:?})\npage source: {}",
                    snippet(&source, 6000)
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Types into the element matched by `css` after clearing it.
    pub async fn fill(&self, css: &str, text: &str) {
        let el = self.find(css).await;
        el.clear()
            .await
            .unwrap_or_else(|e| panic!("cannot clear {css}: {e}"));
        if !text.is_empty() {
            el.send_keys(text)
                .await
                .unwrap_or_else(|e| panic!("cannot type into {css}: {e}"));
        }
    }

    /// The element matched by `css`; fails with the page when there is none.
    pub async fn find(&self, css: &str) -> fantoccini::elements::Element {
        match self.client.find(fantoccini::Locator::Css(css)).await {
            Ok(el) => el,
            Err(e) => {
                let url = self.url().await;
                let source = self.source().await;
                panic!(
                    "no element {css} on {url}: {e}\npage source: {}",
                    snippet(&source, 6000)
                )
            }
        }
    }

    /// The browser's console messages since the last call (`{level, source, message}`), read
    /// through chromedriver's log endpoint.
    pub async fn console(&self) -> Vec<Value> {
        let out = self
            .client
            .issue_cmd(GetBrowserLog("browser"))
            .await
            .unwrap_or_else(|e| panic!("cannot read the browser console: {e}"));
        out.as_array().cloned().unwrap_or_default()
    }

    /// Every URL the browser requested since the last call (the network log of a browser
    /// from [`Browser::start_recording_requests`]): documents, scripts, images, fetches.
    pub async fn requests(&self) -> Vec<String> {
        let out = self
            .client
            .issue_cmd(GetBrowserLog("performance"))
            .await
            .unwrap_or_else(|e| panic!("cannot read the network log (start the browser with start_recording_requests): {e}"));
        out.as_array()
            .into_iter()
            .flatten()
            .filter_map(|e| serde_json::from_str::<Value>(e["message"].as_str()?).ok())
            .filter(|m| m["message"]["method"] == "Network.requestWillBeSent")
            .filter_map(|m| {
                m["message"]["params"]["request"]["url"]
                    .as_str()
                    .map(str::to_string)
            })
            .collect()
    }

    /// Sends a DevTools protocol command (`Browser.grantPermissions`, …) and returns its result.
    pub async fn cdp(&self, cmd: &'static str, params: Value) -> Value {
        self.client
            .issue_cmd(Cdp { cmd, params })
            .await
            .unwrap_or_else(|e| panic!("DevTools command {cmd} failed: {e}"))
    }

    /// Runs axe-core on the current page with the WCAG 2.2 AA rule sets and best practices;
    /// returns its violations.
    pub async fn axe(&self, tools: &Path) -> Vec<Value> {
        let loaded = self.js("return typeof window.axe === 'object';").await;
        if loaded != Value::Bool(true) {
            let source = std::fs::read_to_string(tools.join("axe-core/axe.min.js"))
                .expect("reads axe.min.js");
            // WebDriver runs scripts as a function body, outside the page's CSP.
            self.client
                .execute(&source, vec![])
                .await
                .unwrap_or_else(|e| panic!("cannot inject axe-core: {e}"));
        }
        let script = r#"
            const done = arguments[arguments.length - 1];
            axe.run(document, {
                runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] },
                resultTypes: ['violations']
            }).then(
                (r) => done({ ok: true, violations: r.violations.map((v) => ({
                    id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                    nodes: v.nodes.map((n) => ({ target: n.target, html: n.html, summary: n.failureSummary }))
                })) }),
                (e) => done({ ok: false, error: String(e && e.stack || e) })
            );
        "#;
        let out = self
            .client
            .execute_async(script, vec![])
            .await
            .unwrap_or_else(|e| panic!("axe.run failed: {e}"));
        assert_eq!(out["ok"], Value::Bool(true), "axe.run failed: {out}");
        out["violations"].as_array().cloned().unwrap_or_default()
    }
}

/// Formats axe violations for a failure message.
pub fn describe_violations(page: &str, violations: &[Value]) -> String {
    let mut out = String::new();
    for v in violations {
        out.push_str(&format!(
            "{page}: [{}] {} ({}): {}\n",
            v["impact"].as_str().unwrap_or("?"),
            v["id"].as_str().unwrap_or("?"),
            v["helpUrl"].as_str().unwrap_or(""),
            v["help"].as_str().unwrap_or("?"),
        ));
        for n in v["nodes"].as_array().into_iter().flatten() {
            out.push_str(&format!(
                "    target {}: {}\n      {}\n",
                n["target"],
                snippet(n["html"].as_str().unwrap_or(""), 300),
                n["summary"]
                    .as_str()
                    .unwrap_or("")
                    .replace('\n', "\n      "),
            ));
        }
    }
    out
}

impl Drop for Browser {
    fn drop(&mut self) {
        // Ends the session so chromedriver closes Chromium, then stops the driver. Blocking,
        // plain HTTP: this runs in Drop, possibly while a test unwinds.
        if let Some(id) = self.session.take() {
            let _ = delete_session(self.driver_port, &id);
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

fn delete_session(port: u16, id: &str) -> std::io::Result<()> {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(2))?;
    stream.set_read_timeout(Some(Duration::from_secs(15)))?;
    stream.set_write_timeout(Some(Duration::from_secs(2)))?;
    write!(
        stream,
        "DELETE /session/{id} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
    )?;
    // Read the answer (chromedriver may keep the connection open): its head, then
    // Content-Length bytes.
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = stream.read(&mut buf)?;
        if n == 0 {
            return Ok(());
        }
        answer.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&answer);
        if let Some(head_end) = text.find("\r\n\r\n") {
            let length = text[..head_end]
                .lines()
                .find_map(|l| {
                    let (k, v) = l.split_once(':')?;
                    k.eq_ignore_ascii_case("content-length")
                        .then(|| v.trim().parse::<usize>().ok())
                        .flatten()
                })
                .unwrap_or(0);
            if answer.len() >= head_end + 4 + length {
                return Ok(());
            }
        }
    }
}

fn wait_for_port(port: u16, child: &mut Child, within: Duration) -> bool {
    let started = Instant::now();
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    while started.elapsed() < within {
        if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
            return true;
        }
        if matches!(child.try_wait(), Ok(Some(_))) {
            return false;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

fn capabilities(
    chromium: &Path,
    profile: &Path,
    js: Js,
    record_requests: bool,
) -> serde_json::Map<String, Value> {
    let args = vec![
        "--headless=new".to_string(),
        "--no-sandbox".into(),
        "--disable-gpu".into(),
        "--disable-quic".into(),
        "--no-first-run".into(),
        "--disable-background-networking".into(),
        "--disable-component-update".into(),
        "--disable-sync".into(),
        "--disable-dev-shm-usage".into(),
        format!("--user-data-dir={}", profile.join("chromium").display()),
        "--window-size=1280,900".into(),
        // The theme scrolls smoothly unless the visitor prefers reduced motion; WebDriver's
        // click scrolls an element into view and clicks at once, so a smooth scroll still
        // under way makes the click land on another element.
        "--force-prefers-reduced-motion".into(),
        // The preview's live-reload script long-polls for 25 s; Chromium keeps pages it left in
        // its back/forward cache with that request open, so after six pages its six
        // connections to the origin are all held and the next page waits up to 25 s.
        "--disable-features=BackForwardCache".into(),
    ];
    let mut options = json!({
        "binary": chromium.to_string_lossy(),
        "args": args,
    });
    if js == Js::Off {
        options["prefs"] = json!({ "profile.managed_default_content_settings.javascript": 2 });
    }
    let mut logs = json!({ "browser": "ALL" });
    if record_requests {
        options["perfLoggingPrefs"] = json!({ "enableNetwork": true, "enablePage": false });
        logs["performance"] = json!("ALL");
    }
    let caps = json!({
        "browserName": "chrome",
        "goog:chromeOptions": options,
        "goog:loggingPrefs": logs,
    });
    match caps {
        Value::Object(map) => map,
        _ => unreachable!("a JSON object"),
    }
}

/// chromedriver's `POST /session/{id}/se/log {"type":…}`: the console messages (`browser`) or
/// the DevTools events (`performance`).
#[derive(Debug)]
struct GetBrowserLog(&'static str);

impl WebDriverCompatibleCommand for GetBrowserLog {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/se/log",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _request_url: &url::Url) -> (Method, Option<String>) {
        (Method::POST, Some(json!({ "type": self.0 }).to_string()))
    }
}

/// chromedriver's `POST /session/{id}/goog/cdp/execute`: one DevTools protocol command.
#[derive(Debug)]
struct Cdp {
    cmd: &'static str,
    params: Value,
}

impl WebDriverCompatibleCommand for Cdp {
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

    fn method_and_body(&self, _request_url: &url::Url) -> (Method, Option<String>) {
        let body = json!({ "cmd": self.cmd, "params": self.params });
        (Method::POST, Some(body.to_string()))
    }
}

/// Console messages that report a Content-Security-Policy violation.
pub fn csp_violations(console: &[Value]) -> Vec<String> {
    console
        .iter()
        .filter_map(|e| e["message"].as_str())
        .filter(|m| m.contains("Content Security Policy") || m.contains("Content-Security-Policy"))
        .map(str::to_string)
        .collect()
}

/// Console messages logged as errors (`SEVERE`).
pub fn console_errors(console: &[Value]) -> Vec<String> {
    console
        .iter()
        .filter(|e| e["level"].as_str() == Some("SEVERE"))
        .map(|e| {
            format!(
                "{} [{}]",
                e["message"].as_str().unwrap_or("?"),
                e["source"].as_str().unwrap_or("?")
            )
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// DynamoDB Local
// ---------------------------------------------------------------------------------------------

/// A state on the DynamoDB store: DynamoDB Local at `$DYNAMODB_ENDPOINT`, a fresh uniquely
/// named table made with `init_table`, dummy credentials, and mail written to the outbox of the
/// returned temp dir (which also holds the signer key: keep it alive as long as the state).
/// `None` (after saying why) when DynamoDB Local is not configured and the run does not
/// require it.
pub async fn dynamo_state(test: &str) -> Option<(AppState, TempDir)> {
    dynamo::state(test).await
}

#[cfg(feature = "dynamodb")]
mod dynamo {
    use std::sync::Arc;

    use contract::bundle::SiteBundle;
    use petition_fn::AppState;
    use petition_fn::protect::SignerKeys;
    use petition_fn::store::testing;
    use tempfile::TempDir;

    use super::skip_or_fail;

    pub(super) async fn state(test: &str) -> Option<(AppState, TempDir)> {
        // Not `testing::endpoint_or_skip`: here REQUIRE_BROWSER=1 also turns a skip into a failure.
        let Some(endpoint) = testing::endpoint() else {
            skip_or_fail(
                test,
                "DYNAMODB_ENDPOINT is not set (start DynamoDB Local and set it to its URL)",
            );
            return None;
        };
        let store = testing::fresh_store(&endpoint, &format!("e2e-{test}")).await;
        let dir = tempfile::tempdir().expect("creates a temp dir for the signer key");
        let keys = SignerKeys::load_or_create(dir.path()).expect("makes signer keys");
        let outbox = Arc::new(petition_fn::mail::Outbox::new(dir.path()));
        Some((
            AppState::new(Arc::new(store), keys, SiteBundle::default()).with_mailer(outbox),
            dir,
        ))
    }
}

#[cfg(not(feature = "dynamodb"))]
mod dynamo {
    use petition_fn::AppState;
    use tempfile::TempDir;

    use super::skip_or_fail;

    pub(super) async fn state(test: &str) -> Option<(AppState, TempDir)> {
        skip_or_fail(
            test,
            "e2e-tests was built without its `dynamodb` feature (run with --all-features)",
        );
        None
    }
}

// ---------------------------------------------------------------------------------------------
// The built site
// ---------------------------------------------------------------------------------------------

/// A copy of the repository's site (settings, content, theme) in a temp dir, its `site.toml`
/// changed by `edit`.
pub fn site_copy(edit: impl FnOnce(&str) -> String) -> TempDir {
    fn copy(from: &Path, to: &Path) {
        std::fs::create_dir_all(to).expect("creates a folder of the site copy");
        for entry in std::fs::read_dir(from).expect("reads the repository's site") {
            let entry = entry.expect("reads a directory entry");
            let (path, dest) = (entry.path(), to.join(entry.file_name()));
            if path.is_dir() {
                copy(&path, &dest);
            } else {
                std::fs::copy(&path, &dest).expect("copies a site file");
            }
        }
    }
    let dir = tempfile::tempdir().expect("creates a temp site folder");
    let root = repo_root();
    for folder in ["content", "themes"] {
        copy(&root.join(folder), &dir.path().join(folder));
    }
    let toml = std::fs::read_to_string(root.join("site.toml")).expect("reads site.toml");
    std::fs::write(dir.path().join("site.toml"), edit(&toml)).expect("writes the copy's site.toml");
    dir
}

/// A unique suffix, so addresses never repeat across runs on a shared table.
pub fn nonce() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("{nanos:x}{}", std::process::id())
}

/// Builds the repository's site in memory (the petition manifest included).
pub fn build_site() -> site_gen::site::Built {
    let opts = site_gen::site::BuildOptions {
        root: repo_root(),
        ..Default::default()
    };
    site_gen::site::build(&opts)
        .unwrap_or_else(|e| panic!("the repository's site does not build:\n{e}"))
}

/// The id of the site's first petition, from the built bundle (declared in
/// `content/petition/_index.md`).
pub fn petition_id(built: &site_gen::site::Built) -> String {
    built
        .bundle
        .petitions
        .first()
        .map(|p| p.id.clone())
        .expect("the site declares a petition")
}
