//! `site-gen serve`: the live preview. Builds in memory, serves the site and the petition API
//! on one origin, rebuilds when sources change and reloads open pages. A broken build shows its
//! errors on the page and in the terminal; the server keeps running. The mails the API sends
//! go to the data dir's outbox, which the preview lists at `/_outbox/` (`serve/outbox.rs`).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use notify::{RecursiveMode, Watcher};
use petition_fn::AppState;
use tokio::sync::watch;

use crate::output::Files;
use crate::render::components::{CountSource, Counted};
use crate::render::embed;
use crate::site::{self, BuildOptions};

mod outbox;

/// Path of the reload script, added to HTML pages only while previewing.
pub const RELOAD_SCRIPT: &str = "/__livereload.js";
const RELOAD_WAIT: &str = "/__livereload";

/// How to preview.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// The site root.
    pub root: PathBuf,
    /// Address to listen on.
    pub bind: std::net::IpAddr,
    /// Port to listen on.
    pub port: u16,
    /// Where the embedded store keeps signatures.
    pub data_dir: PathBuf,
    /// Includes drafts.
    pub drafts: bool,
}

/// Why the preview could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The port is taken or the address is wrong.
    #[error("cannot listen on {addr}: {source}. Is another preview running? Try another --port")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The cause.
        source: std::io::Error,
    },
    /// The embedded store could not be opened.
    #[error("cannot open the embedded store in {dir}: {source}")]
    Store {
        /// The data folder.
        dir: PathBuf,
        /// The cause.
        source: petition_fn::StateError,
    },
    /// Watching the sources failed.
    #[error("cannot watch the site's files for changes: {0}")]
    Watch(#[from] notify::Error),
    /// The server stopped with an error.
    #[error("the preview server failed: {0}")]
    Server(std::io::Error),
}

/// The latest build: files to serve, or the errors of a failed one.
#[derive(Debug)]
enum Snapshot {
    Ready {
        files: Arc<Files>,
        /// The embed pages' CSP, from the build's `[embed] allow`.
        embed_csp: Arc<str>,
    },
    Failed(String),
}

struct Preview {
    snapshot: RwLock<Snapshot>,
    version: watch::Sender<u64>,
}

struct StoreCounts {
    state: AppState,
    runtime: tokio::runtime::Handle,
}

impl CountSource for StoreCounts {
    fn counts(&self, petition: &str) -> Option<Counted> {
        let store = self.state.store();
        self.runtime
            .block_on(store.count(petition))
            .ok()
            .map(|c| Counted {
                total: c.total,
                by_country: c.by_country,
            })
    }

    fn history(&self, petition: &str) -> Option<Vec<contract::views::HistoryDay>> {
        let store = self.state.store();
        let now = contract::date::unix_seconds(self.state.now());
        let points = self
            .runtime
            .block_on(store.history(petition, i64::MIN, now))
            .ok()?;
        let stamps: Vec<(String, u64)> = points.iter().map(|p| (p.at(), p.counts.total)).collect();
        Some(contract::views::history_days(
            stamps.iter().map(|(at, n)| (at.as_str(), *n)),
        ))
    }
}

/// Runs the preview until interrupted (Ctrl+C).
pub async fn serve(opts: ServeOptions) -> Result<(), ServeError> {
    let addr = SocketAddr::new(opts.bind, opts.port);
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| ServeError::Bind { addr, source })?;
    run(listener, opts, None, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
}

/// Runs the preview on a listener until `shutdown` completes. With `state`, the API runs on
/// that state (tests pass one on DynamoDB); otherwise on the embedded store in the data dir.
pub async fn run(
    listener: tokio::net::TcpListener,
    opts: ServeOptions,
    state: Option<AppState>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    let addr = listener.local_addr().map_err(ServeError::Server)?;
    let base_url = format!("http://{addr}");
    let build_opts = BuildOptions {
        root: opts.root.clone(),
        base_url: Some(base_url.clone()),
        drafts: opts.drafts,
        preview: true,
        ..BuildOptions::default()
    };
    // The API starts with an empty bundle when the first build fails, and gets the real one on
    // the first successful rebuild.
    let first = site::build(&build_opts);
    let bundle = first.as_ref().map(|b| b.bundle.clone()).unwrap_or_default();
    let state = match state {
        Some(s) => {
            s.replace_bundle(bundle);
            s
        }
        None => {
            let state = petition_fn::local_state(&opts.data_dir, bundle)
                .await
                .map_err(|source| ServeError::Store {
                    dir: opts.data_dir.clone(),
                    source,
                })?;
            state.spawn_sweeper();
            state.spawn_snapshots();
            state
        }
    };
    let counts: Arc<dyn CountSource> = Arc::new(StoreCounts {
        state: state.clone(),
        runtime: tokio::runtime::Handle::current(),
    });
    let build_opts = BuildOptions {
        counts: Some(counts),
        ..build_opts
    };
    let (version, _) = watch::channel(0u64);
    let preview = Arc::new(Preview {
        snapshot: RwLock::new(Snapshot::Failed("building…".into())),
        version,
    });
    rebuild(&preview, &state, &build_opts).await;

    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        if event.is_ok_and(|e| !e.kind.is_access()) {
            let _ = tx.send(());
        }
    })?;
    for path in watched(&opts.root) {
        watcher.watch(&path, RecursiveMode::Recursive)?;
    }
    let (p, s) = (preview.clone(), state.clone());
    tokio::spawn(async move {
        while rx.recv().await.is_some() {
            // Editors' tools write files in bursts; settle before building.
            tokio::time::sleep(Duration::from_millis(80)).await;
            while rx.try_recv().is_ok() {}
            rebuild(&p, &s, &build_opts).await;
        }
    });

    let app = router(preview, state, &opts.data_dir);
    println!(
        "Previewing {} at {base_url}/ (Ctrl+C to stop)",
        opts.root.display()
    );
    petition_fn::server::serve(
        listener,
        app,
        petition_fn::server::Limits::default(),
        shutdown,
    )
    .await;
    drop(watcher);
    Ok(())
}

fn watched(root: &Path) -> Vec<PathBuf> {
    ["content", "themes", "static", crate::config::CONFIG_FILE]
        .iter()
        .map(|p| root.join(p))
        .filter(|p| p.exists())
        .collect()
}

async fn rebuild(preview: &Arc<Preview>, state: &AppState, opts: &BuildOptions) {
    let o = opts.clone();
    let result = tokio::task::spawn_blocking(move || site::build(&o)).await;
    let snapshot = match result {
        Ok(Ok(built)) => {
            println!("Built {} pages in {} ms", built.pages, built.millis);
            for w in &built.warnings {
                println!("warning: {w}");
            }
            state.replace_bundle(built.bundle);
            Snapshot::Ready {
                files: Arc::new(built.files),
                embed_csp: embed::content_security_policy(&built.config.embed.frame_ancestors())
                    .into(),
            }
        }
        Ok(Err(e)) => {
            eprintln!("{e}\nThe preview shows these errors until they are fixed.");
            Snapshot::Failed(e.to_string())
        }
        Err(e) => Snapshot::Failed(format!("the build stopped unexpectedly: {e}")),
    };
    if let Ok(mut s) = preview.snapshot.write() {
        *s = snapshot;
    }
    preview.version.send_modify(|v| *v += 1);
}

fn router(preview: Arc<Preview>, state: AppState, data_dir: &Path) -> Router {
    let site = Router::new()
        .route(RELOAD_SCRIPT, get(reload_script))
        .route(RELOAD_WAIT, get(reload_wait))
        .fallback(page)
        .with_state(preview);
    petition_fn::app(state)
        .merge(outbox::routes(petition_fn::mail::Outbox::new(data_dir)))
        .merge(site)
}

async fn reload_script() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        include_str!("serve/livereload.js"),
    )
        .into_response()
}

#[derive(serde::Deserialize)]
struct Since {
    since: Option<u64>,
}

/// Answers with the build version: at once without `since`, else once it differs from `since`
/// (or after 25 s, so that idle connections do not pile up).
async fn reload_wait(State(preview): State<Arc<Preview>>, Query(q): Query<Since>) -> Response {
    let mut rx = preview.version.subscribe();
    let current = *rx.borrow();
    if q.since == Some(current) {
        let _ = tokio::time::timeout(Duration::from_secs(25), rx.changed()).await;
    }
    let v = *rx.borrow();
    ([(header::CACHE_CONTROL, "no-store")], v.to_string()).into_response()
}

async fn page(State(preview): State<Arc<Preview>>, uri: Uri) -> Response {
    let (files, embed_csp) = match &*preview.snapshot.read().unwrap_or_else(|p| p.into_inner()) {
        Snapshot::Ready { files, embed_csp } => (files.clone(), embed_csp.clone()),
        Snapshot::Failed(errors) => return error_page(errors),
    };
    let path = percent_decode(uri.path());
    // As the CDN's `/embed/*` behaviour: only the embed pages may be framed, by `[embed] allow`.
    let csp: &str = if path.starts_with(embed::EMBED_PATH) {
        &embed_csp
    } else {
        crate::CONTENT_SECURITY_POLICY
    };
    let rel = path.trim_start_matches('/');
    let found = if rel.is_empty() || rel.ends_with('/') {
        files
            .get(&format!("{rel}index.html"))
            .map(|b| (format!("{rel}index.html"), b))
    } else if let Some(b) = files.get(rel) {
        Some((rel.to_string(), b))
    } else if files.contains_key(&format!("{rel}/index.html")) {
        return (
            StatusCode::MOVED_PERMANENTLY,
            [(header::LOCATION, format!("{path}/"))],
        )
            .into_response();
    } else {
        None
    };
    if rel.starts_with("_app/") {
        return not_found(&files);
    }
    match found {
        Some((name, bytes)) => respond(&name, bytes, StatusCode::OK, csp),
        None => not_found(&files),
    }
}

fn not_found(files: &Files) -> Response {
    match files.get("404.html") {
        Some(b) => respond(
            "404.html",
            b,
            StatusCode::NOT_FOUND,
            crate::CONTENT_SECURITY_POLICY,
        ),
        None => (StatusCode::NOT_FOUND, "Not found").into_response(),
    }
}

fn respond(name: &str, bytes: &[u8], status: StatusCode, csp: &str) -> Response {
    let mime = mime_of(name);
    let body = if mime.starts_with("text/html") {
        inject_reload(bytes)
    } else {
        bytes.to_vec()
    };
    let mut res = (status, body).into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    // Origins are checked when site.toml is read; were one not a header value, nobody frames.
    let csp = HeaderValue::from_str(csp)
        .unwrap_or_else(|_| HeaderValue::from_static(crate::CONTENT_SECURITY_POLICY));
    h.insert(header::CONTENT_SECURITY_POLICY, csp);
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    res
}

fn inject_reload(bytes: &[u8]) -> Vec<u8> {
    let html = String::from_utf8_lossy(bytes);
    let tag = format!("<script src=\"{RELOAD_SCRIPT}\" defer></script>");
    match html.rfind("</body>") {
        Some(i) => format!("{}{tag}{}", &html[..i], &html[i..]).into_bytes(),
        None => format!("{html}{tag}").into_bytes(),
    }
}

fn error_page(errors: &str) -> Response {
    let escaped = contract::html::escape(errors);
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Build error</title></head><body><main><h1>The site did not build</h1><p>Fix the problem below and save: this page reloads by itself.</p><pre>{escaped}</pre></main></body></html>"
    );
    respond(
        "error.html",
        html.as_bytes(),
        StatusCode::INTERNAL_SERVER_ERROR,
        crate::CONTENT_SECURITY_POLICY,
    )
}

fn mime_of(name: &str) -> &'static str {
    match name.rsplit('.').next().unwrap_or_default() {
        "html" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "xml" if name.ends_with("atom.xml") => "application/atom+xml",
        "xml" => "application/xml",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "webp" => "image/webp",
        "ico" => "image/x-icon",
        "txt" => "text/plain; charset=utf-8",
        "woff2" => "font/woff2",
        _ => "application/octet-stream",
    }
}

fn percent_decode(path: &str) -> String {
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(v) = path
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reload_script_goes_before_body_end() {
        let out =
            String::from_utf8(inject_reload(b"<html><body><p>x</p></body></html>")).expect("utf8");
        assert!(out.ends_with("<script src=\"/__livereload.js\" defer></script></body></html>"));
    }

    #[test]
    fn decoding_and_types() {
        assert_eq!(percent_decode("/a%20b/"), "/a b/");
        assert_eq!(mime_of("updates/atom.xml"), "application/atom+xml");
        assert_eq!(
            mime_of("css/site.0123456789.css"),
            "text/css; charset=utf-8"
        );
    }
}
