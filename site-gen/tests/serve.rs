//! The live preview: serves the site and the API on one origin, shows a broken build's errors
//! on the page while it keeps running, and recovers when the file is fixed.

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use common::Fixture;
use site_gen::serve::{ServeOptions, run};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A plain HTTP/1.1 request; returns the status and the body.
async fn request(addr: SocketAddr, method: &str, path: &str, json: Option<&str>) -> (u16, String) {
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let body = json.unwrap_or("");
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Type: application/json\r\nAccept: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.expect("write");
    stream.write_all(body.as_bytes()).await.expect("write");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.expect("read");
    let text = String::from_utf8_lossy(&raw).into_owned();
    let status = text.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

async fn version(addr: SocketAddr) -> u64 {
    let (_, body) = request(addr, "GET", "/__livereload", None).await;
    body.trim().parse().expect("a version number")
}

/// Waits (up to 20 s) for the preview to finish a build after `since`.
async fn next_build(addr: SocketAddr, since: u64) {
    let wait = async {
        loop {
            let (_, body) =
                request(addr, "GET", &format!("/__livereload?since={since}"), None).await;
            if body.trim().parse::<u64>().is_ok_and(|v| v > since) {
                return;
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(20), wait)
        .await
        .expect("the preview rebuilt");
}

/// `site-gen serve` on the fixture site, on a free loopback port, data in `<site>/.data`.
struct Preview {
    addr: SocketAddr,
    data_dir: std::path::PathBuf,
    stop: tokio::sync::oneshot::Sender<()>,
    server: tokio::task::JoinHandle<Result<(), site_gen::serve::ServeError>>,
}

impl Preview {
    async fn start(f: &Fixture) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let data_dir = f.path().join(".data");
        let opts = ServeOptions {
            root: f.path().to_path_buf(),
            bind: addr.ip(),
            port: addr.port(),
            data_dir: data_dir.clone(),
            drafts: false,
        };
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(run(listener, opts, None, async {
            let _ = stopped.await;
        }));
        Self {
            addr,
            data_dir,
            stop,
            server,
        }
    }

    async fn stop(self) {
        let _ = self.stop.send(());
        self.server
            .await
            .expect("join")
            .expect("the server stopped cleanly");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn preview_serves_rebuilds_shows_errors_and_recovers() {
    let f = Fixture::new();
    let preview = Preview::start(&f).await;
    let (addr, data_dir) = (preview.addr, preview.data_dir.clone());

    let (status, home) = request(addr, "GET", "/", None).await;
    assert_eq!(status, 200);
    assert!(
        home.contains("<script src=\"/__livereload.js\" defer></script></body>"),
        "reload script injected"
    );
    assert_eq!(request(addr, "GET", "/__livereload.js", None).await.0, 200);
    assert_eq!(
        request(addr, "GET", "/_app/bundle.json", None).await.0,
        404,
        "the function's bundle is not served"
    );
    assert_eq!(request(addr, "GET", "/no/such/page/", None).await.0, 404);

    let (status, health) = request(addr, "GET", "/api/health", None).await;
    assert_eq!(status, 200);
    assert!(health.contains("\"store\":\"local\""), "{health}");
    let signature =
        r#"{"name":"Ada Lovelace","email":"ada@example.org","country":"GB","consent":true}"#;
    let (status, body) = request(
        addr,
        "POST",
        "/api/petitions/test-petition/signatures",
        Some(signature),
    )
    .await;
    assert!(status == 201 || status == 202, "{status} {body}");
    assert!(
        data_dir.join("petitions.redb").exists(),
        "stored in the data dir"
    );

    let v = version(addr).await;
    f.write("content/thanks.md", "+++\ntitle = \"Thanks\n+++\n");
    next_build(addr, v).await;
    let (status, page) = request(addr, "GET", "/thanks/", None).await;
    assert_eq!(status, 500);
    assert!(
        page.contains("content/thanks.md:2"),
        "the error names file and line: {page}"
    );
    assert!(
        page.contains("/__livereload.js"),
        "the error page reloads when fixed"
    );

    let v = version(addr).await;
    f.write(
        "content/thanks.md",
        "+++\ntitle = \"Thanks again\"\ndescription = \"Thank you.\"\n+++\nFixed.\n",
    );
    next_build(addr, v).await;
    let (status, page) = request(addr, "GET", "/thanks/", None).await;
    assert_eq!(status, 200, "recovered without a restart");
    assert!(page.contains("Thanks again"));

    preview.stop().await;
}

/// A GET's headers, lower-cased names.
async fn headers(addr: SocketAddr, path: &str) -> Vec<(String, String)> {
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let head = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(head.as_bytes()).await.expect("write");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.expect("read");
    let text = String::from_utf8_lossy(&raw).into_owned();
    let head = text.split_once("\r\n\r\n").map_or(&*text, |(h, _)| h);
    head.lines()
        .skip(1)
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect()
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Vec<&'a str> {
    headers
        .iter()
        .filter(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_embed_pages_may_be_framed_and_only_by_the_allowed_origins() {
    let f = Fixture::new();
    let settings = std::fs::read_to_string(f.path().join("site.toml")).expect("settings");
    f.write(
        "site.toml",
        &format!("{settings}\n[embed]\nallow = [\"https://partner.example\"]\n"),
    );
    let preview = Preview::start(&f).await;
    let embed = headers(preview.addr, "/embed/test-petition/").await;
    assert_eq!(
        header(&embed, "content-security-policy"),
        [site_gen::render::embed::content_security_policy(
            "https://partner.example"
        )]
        .as_slice(),
        "{embed:?}"
    );
    assert!(header(&embed, "x-frame-options").is_empty(), "{embed:?}");
    for path in ["/", "/sign/", "/no/such/page/"] {
        let other = headers(preview.addr, path).await;
        assert_eq!(
            header(&other, "content-security-policy"),
            [site_gen::CONTENT_SECURITY_POLICY].as_slice(),
            "{path}: {other:?}"
        );
    }
    preview.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_outbox_lists_mails_and_shows_their_links() {
    let f = Fixture::new();
    let preview = Preview::start(&f).await;
    let (addr, data_dir) = (preview.addr, preview.data_dir.clone());

    let (status, empty) = request(addr, "GET", "/_outbox/", None).await;
    assert_eq!(status, 200, "{empty}");
    assert!(empty.contains("No mail yet"), "{empty}");

    let outbox = petition_fn::mail::Outbox::new(&data_dir);
    let confirm = "https://fixture.example/api/confirm?token=abc&lang=zh";
    let name = outbox
        .write(&petition_fn::mail::Mail {
            to: "ada@example.org".into(),
            subject: "请确认 <your> signature".into(),
            text: format!("Confirm here: {confirm}.\n"),
            html: format!("<p><a href=\"{confirm}\">Confirm</a></p>"),
            headers: Vec::new(),
        })
        .expect("written");

    let (status, list) = request(addr, "GET", "/_outbox/", None).await;
    assert_eq!(status, 200);
    assert!(list.contains("ada@example.org"), "{list}");
    let link = format!("<a href=\"/_outbox/{name}\">请确认 &lt;your&gt; signature</a>");
    assert!(list.contains(&link), "{link} in {list}");
    assert!(
        !list.contains("<script>") && !list.contains("style="),
        "no inline script or style"
    );

    let (status, shown) = request(addr, "GET", &format!("/_outbox/{name}"), None).await;
    assert_eq!(status, 200, "{shown}");
    let escaped = confirm.replace('&', "&amp;");
    assert!(
        shown.contains(&format!("<a href=\"{escaped}\">{escaped}</a>.")),
        "the confirmation link is clickable: {shown}"
    );
    assert!(
        shown.contains("&lt;p&gt;&lt;a href=&quot;"),
        "the HTML part is shown as source: {shown}"
    );

    for refused in [
        "/_outbox/..%2F..%2Fsite.toml",
        "/_outbox/..%2F.data%2Fpetitions.redb",
        "/_outbox/20261201T120000Z-0123456789abcdef.eml",
    ] {
        assert_eq!(
            request(addr, "GET", refused, None).await.0,
            404,
            "{refused}"
        );
    }

    preview.stop().await;
}
