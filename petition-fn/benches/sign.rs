//! Signing throughput and latency, over real HTTP on 127.0.0.1 (not a test; figures in
//! `BENCHMARKS.md`).
//!
//! The router runs in this process (`axum::serve` on a loopback port, as `petition-fn serve`
//! runs it) and a hyper client sends `BENCH_SIGNATURES` JSON signatures (default 2,000), each
//! from a new address, with at most `BENCH_CONCURRENCY` in flight (default 32), then checks the
//! count. Client and server share the machine's cores, so the throughput is a floor.
//!
//! - the embedded store (redb) in a temp folder: always;
//! - DynamoDB Local at `DYNAMODB_ENDPOINT`: when set (a fresh table per run), plus the write
//!   units one new signature consumes as DynamoDB reports them.
//!
//! Each store runs twice: on a petition without confirmation (`free-them`: every signature
//! counts at once), and on a confirming one (`confirm-me`: every signature is stored pending
//! and its mail written to an outbox; then every mailed token is confirmed, `BENCH_CONCURRENCY`
//! at a time, and the count checked).
//!
//! ```sh
//! cargo bench -p petition-fn --features dynamodb --bench sign > /dev/null   # results on stderr
//! DYNAMODB_ENDPOINT=http://127.0.0.1:8000 cargo bench -p petition-fn --features dynamodb --bench sign > /dev/null
//! ```
//!
//! stdout carries the server's request log (one JSON line per request, as in production);
//! the results go to stderr. Every run is bounded: at most the given count, and 120 s.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use axum::body::Bytes;
use axum::http::{Method, Request, header};
use contract::bundle::SiteBundle;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use petition_fn::mail::Outbox;
use petition_fn::protect::SignerKeys;
use petition_fn::store::dynamo::DynamoStore;
use petition_fn::store::testing;
use petition_fn::store::{PENDING_SECS, PendingRecord, SignatureRecord};
use petition_fn::{AppState, local_state, standalone_app};
use serde_json::json;

/// The fixture petition without confirmation (open since 2026-01-01, never closes).
const PETITION: &str = "free-them";
/// The fixture petition with confirmation by mail.
const CONFIRMING: &str = "confirm-me";
/// Longest a run may take.
const TIME_LIMIT: Duration = Duration::from_secs(120);
/// Countries the signers come from (those of the fixture bundle, spread over the
/// per-country counters).
const COUNTRIES: [&str; 4] = ["CN", "DE", "FR", "US"];

type HttpClient = Client<HttpConnector, Full<Bytes>>;

/// The test bundle (the same fixture as the router tests).
fn bundle() -> anyhow::Result<SiteBundle> {
    let mut bundle = SiteBundle::from_json(include_bytes!("../tests/fixtures/bundle.json"))
        .context("the fixture bundle")?;
    bundle.pages.shell = include_str!("../tests/fixtures/shell.html").into();
    bundle.pages.components = include_str!("../tests/fixtures/components.html").into();
    // Every request comes from this one process: measure the store's throughput with each
    // signature still counted against its client (one more write), never held back.
    bundle.limits.signatures_per_hour = u32::MAX;
    Ok(bundle)
}

fn setting(name: &str, default: usize) -> anyhow::Result<usize> {
    match std::env::var(name) {
        Ok(v) => v
            .trim()
            .parse()
            .with_context(|| format!("{name} must be a whole number")),
        Err(_) => Ok(default),
    }
}

/// What one run measured.
struct Figures {
    sent: usize,
    ok: usize,
    elapsed: Duration,
    latencies: Vec<Duration>,
    counted: u64,
}

/// Nearest-rank percentile of sorted latencies, in milliseconds.
fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    let idx = rank.clamp(1, sorted.len()) - 1;
    sorted[idx].as_secs_f64() * 1e3
}

fn report(label: &str, f: &Figures, concurrency: usize) {
    let mut sorted = f.latencies.clone();
    sorted.sort_unstable();
    eprintln!(
        "sign [{label}]: {ok}/{sent} signatures accepted at concurrency {concurrency} in {secs:.2} s = {rate:.0} signatures/s; latency p50 {p50:.2} ms, p99 {p99:.2} ms, max {max:.2} ms; count read back {counted}",
        ok = f.ok,
        sent = f.sent,
        secs = f.elapsed.as_secs_f64(),
        rate = f.ok as f64 / f.elapsed.as_secs_f64(),
        p50 = percentile(&sorted, 50.0),
        p99 = percentile(&sorted, 99.0),
        max = percentile(&sorted, 100.0),
        counted = f.counted,
    );
}

async fn sign_once(
    client: &HttpClient,
    base: &str,
    petition: &str,
    tag: &str,
    i: usize,
) -> anyhow::Result<(u16, Bytes)> {
    let body = json!({
        "name": "Bench Signer",
        "email": format!("bench-{tag}-{i}@example.org"),
        "country": COUNTRIES[i % COUNTRIES.len()],
        "consent": true,
    });
    let req = Request::builder()
        .method(Method::POST)
        .uri(format!("{base}/api/petitions/{petition}/signatures"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Full::new(Bytes::from(body.to_string())))?;
    let res = client.request(req).await?;
    let status = res.status().as_u16();
    let bytes = res.into_body().collect().await?.to_bytes();
    Ok((status, bytes))
}

async fn confirm_once(
    client: &HttpClient,
    base: &str,
    token: &str,
) -> anyhow::Result<(u16, Bytes)> {
    let req = Request::builder()
        .method(Method::POST)
        .uri(format!("{base}/api/confirm"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Full::new(Bytes::from(
            json!({ "token": token }).to_string(),
        )))?;
    let res = client.request(req).await?;
    let status = res.status().as_u16();
    let bytes = res.into_body().collect().await?.to_bytes();
    Ok((status, bytes))
}

/// The confirmation tokens of the mails in `outbox` (to `tag`'s addresses).
fn mailed_tokens(outbox: &Outbox, tag: &str) -> anyhow::Result<Vec<String>> {
    let mut tokens = Vec::new();
    for entry in outbox.list()? {
        if !entry.to.contains(&format!("bench-{tag}-")) {
            continue;
        }
        let text = outbox.read(&entry.name)?.text.unwrap_or_default();
        let start = text.find("token=").context("a confirmation link")? + "token=".len();
        tokens.push(text[start..].chars().take(43).collect());
    }
    Ok(tokens)
}

async fn read_count(client: &HttpClient, base: &str, petition: &str) -> anyhow::Result<u64> {
    let req = Request::builder()
        .uri(format!("{base}/api/petitions/{petition}"))
        .body(Full::new(Bytes::new()))?;
    let res = client.request(req).await?;
    let bytes = res.into_body().collect().await?.to_bytes();
    let value: serde_json::Value = serde_json::from_slice(&bytes)?;
    value["count"]
        .as_u64()
        .context("the status answer has a count")
}

/// One measured phase: `n` requests, `concurrency` in flight, each made by `call(i)`.
async fn phase<F, Fut>(
    n: usize,
    concurrency: usize,
    label: &str,
    call: F,
) -> anyhow::Result<Figures>
where
    F: Fn(usize) -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = anyhow::Result<(u16, Bytes)>> + Send,
{
    let next = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let deadline = start + TIME_LIMIT;
    let mut workers = Vec::with_capacity(concurrency);
    for _ in 0..concurrency {
        let (call, next) = (call.clone(), Arc::clone(&next));
        workers.push(tokio::spawn(async move {
            let mut seen = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= n || Instant::now() > deadline {
                    return Ok::<_, anyhow::Error>(seen);
                }
                let t = Instant::now();
                let (status, body) = call(i).await?;
                seen.push((t.elapsed(), status, body));
            }
        }));
    }
    let mut latencies = Vec::with_capacity(n);
    let mut ok = 0;
    let mut first_failure = None;
    for worker in workers {
        for (latency, status, body) in worker.await?? {
            latencies.push(latency);
            if (200..400).contains(&status) {
                ok += 1;
            } else if first_failure.is_none() {
                first_failure = Some(format!("{status}: {}", String::from_utf8_lossy(&body)));
            }
        }
    }
    if let Some(failure) = first_failure {
        eprintln!("{label}: first refused request: {failure}");
    }
    Ok(Figures {
        sent: latencies.len(),
        ok,
        elapsed: start.elapsed(),
        latencies,
        counted: 0,
    })
}

/// Serves `state` on a loopback port and signs `petition` `n` times with `concurrency` in
/// flight; on the confirming petition, then confirms every mailed token. Returns the signing
/// figures and, when confirming, the confirmation figures; `counted` is the count's rise.
async fn run(
    state: AppState,
    outbox: &Outbox,
    petition: &'static str,
    tag: &str,
    n: usize,
    concurrency: usize,
) -> anyhow::Result<(Figures, Option<Figures>)> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(
        axum::serve(listener, standalone_app(state))
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .into_future(),
    );
    let client: HttpClient = Client::builder(TokioExecutor::new())
        .pool_max_idle_per_host(concurrency)
        .build_http();

    // Warm up connections and caches (distinct addresses, not measured, never confirmed).
    for i in 0..concurrency {
        sign_once(&client, &base, petition, &format!("warm{tag}"), i).await?;
    }
    let before = read_count(&client, &base, petition).await?;
    let signer = {
        let (client, base, tag) = (client.clone(), base.clone(), tag.to_owned());
        move |i| {
            let (client, base, tag) = (client.clone(), base.clone(), tag.clone());
            async move { sign_once(&client, &base, petition, &tag, i).await }
        }
    };
    let mut signing = phase(n, concurrency, &format!("sign [{tag}]"), signer).await?;
    let confirming = if petition == CONFIRMING {
        let tokens = Arc::new(mailed_tokens(outbox, tag)?);
        let confirmer = {
            let (client, base, tokens) = (client.clone(), base.clone(), Arc::clone(&tokens));
            move |i: usize| {
                let (client, base, tokens) = (client.clone(), base.clone(), Arc::clone(&tokens));
                async move { confirm_once(&client, &base, &tokens[i]).await }
            }
        };
        Some(
            phase(
                tokens.len(),
                concurrency,
                &format!("confirm [{tag}]"),
                confirmer,
            )
            .await?,
        )
    } else {
        None
    };
    signing.counted = read_count(&client, &base, petition)
        .await?
        .saturating_sub(before);
    let _ = stop.send(());
    server.await??;
    Ok((signing, confirming))
}

/// Runs both petitions on `state` and checks that every signature counted.
async fn both(
    state: AppState,
    outbox: &Outbox,
    label: &str,
    n: usize,
    concurrency: usize,
) -> anyhow::Result<()> {
    // The tag goes into the signers' addresses: letters and digits only.
    let tag: String = label.chars().filter(char::is_ascii_alphanumeric).collect();
    let (plain, _) = run(
        state.clone(),
        outbox,
        PETITION,
        &format!("{tag}-plain"),
        n,
        concurrency,
    )
    .await?;
    report(label, &plain, concurrency);
    let (signing, confirming) = run(
        state,
        outbox,
        CONFIRMING,
        &format!("{tag}-confirm"),
        n,
        concurrency,
    )
    .await?;
    report(
        &format!("{label}, confirming: signing (pending + mail)"),
        &signing,
        concurrency,
    );
    if let Some(confirming) = &confirming {
        report(
            &format!("{label}, confirming: confirmations"),
            confirming,
            concurrency,
        );
    }
    let confirmed = confirming.as_ref().map_or(0, |c| c.ok);
    if plain.ok != n
        || plain.counted != n as u64
        || signing.ok != n
        || confirmed != n
        || signing.counted != n as u64
    {
        bail!("{label}: not every signature was accepted, confirmed and counted");
    }
    Ok(())
}

/// The write units DynamoDB reports for one new signature (and one repeat).
async fn measure_units(store: &DynamoStore, keys: &SignerKeys) -> anyhow::Result<()> {
    let rec = SignatureRecord {
        petition: PETITION.to_owned(),
        hash: keys.dedup_hash("wcu-probe@example.org"),
        name_enc: keys.encrypt("Probe Signer")?,
        email_enc: Some(keys.encrypt("wcu-probe@example.org")?),
        country: "FR".to_owned(),
        updates: true,
        created_at: "2026-11-28T00:00:00Z".to_owned(),
        expires_at: 1_900_000_000,
    };
    let (first, units) = store.sign_measured(&rec).await?;
    let mut again = rec.clone();
    again.name_enc = keys.encrypt("Probe Signer")?;
    let (repeat, repeat_units) = store.sign_measured(&again).await?;
    eprintln!(
        "write units [dynamodb-local]: new signature (new={}) reported {units:?} WCU; repeat (new={}) reported {repeat_units:?}; billed by the service: 2 items x 2 (transactional) = 4 WCU",
        first.new, repeat.new
    );
    let pending = PendingRecord {
        signature: SignatureRecord {
            petition: CONFIRMING.to_owned(),
            ..rec
        },
        token_hash: SignerKeys::token_hash("wcu-probe-token"),
        at: 1_800_000_000,
        pending_until: 1_800_000_000 + PENDING_SECS,
    };
    let (outcome, pending_units) = store.sign_pending_measured(&pending).await?;
    let (confirmed, confirm_units) = store
        .confirm_measured(&pending.token_hash, 1_800_000_060, 1_900_000_000)
        .await?;
    eprintln!(
        "write units [dynamodb-local]: pending signature ({outcome:?}) reported {pending_units:?} WCU, billed 3 items x 2 = 6 WCU; confirmation ({confirmed:?}) reported {confirm_units:?} WCU, billed 4 items x 2 = 8 WCU"
    );
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let n = setting("BENCH_SIGNATURES", 2_000)?;
    let concurrency = setting("BENCH_CONCURRENCY", 32)?.max(1);
    let bundle = bundle()?;

    let dir = tempfile::tempdir()?;
    let outbox = Outbox::new(dir.path());
    let state = local_state(dir.path(), bundle.clone()).await?;
    both(state, &outbox, "local (redb)", n, concurrency).await?;

    if let Some(endpoint) = testing::endpoint_or_skip("sign [dynamodb-local]") {
        let store = testing::fresh_store(&endpoint, "petitions-bench").await;
        let (client, table) = (store.client().clone(), store.table().to_owned());
        let mut secret = [0u8; 32];
        getrandom::fill(&mut secret).map_err(|e| anyhow::anyhow!("random: {e}"))?;
        let keys = SignerKeys::from_secret(&secret)?;
        measure_units(&store, &keys).await?;
        let mail_dir = tempfile::tempdir()?;
        let outbox = Outbox::new(mail_dir.path());
        let state = AppState::new(Arc::new(store), keys, bundle)
            .with_mailer(Arc::new(Outbox::new(mail_dir.path())));
        let result = both(state, &outbox, "dynamodb-local", n, concurrency).await;
        let _ = client.delete_table().table_name(&table).send().await;
        result?;
    }
    Ok(())
}
