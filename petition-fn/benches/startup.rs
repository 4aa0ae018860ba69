//! Process start to first answered request (not a test; figures in `BENCHMARKS.md`).
//!
//! Spawns the release binary (`petition-fn serve --port P --site SITE --data-dir <fresh temp>`,
//! embedded store, no `SIGNER_HMAC_KEY`: the worst local case, which creates the store file and
//! generates the key), and polls `GET /api/health` over a raw loopback connection in a tight
//! loop until it answers 200. Reports the time from spawn to that answer, median of
//! `BENCH_RUNS` runs (default 20).
//!
//! ```sh
//! cargo run --release -p site-gen -- build        # public/_app/bundle.json
//! cargo bench -p petition-fn --features dynamodb,lambda --bench startup
//! ```
//!
//! `BENCH_SITE` overrides the site folder (default: the workspace's `public/`), `BENCH_EXE` the
//! binary (default: the one cargo built for this bench, e.g. to time
//! `target/release-lambda/petition-fn`). Bounded: each run gives up after 10 s, and every child
//! is killed and reaped.

use std::io::{Read as _, Write as _};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};

/// Longest one start may take.
const RUN_LIMIT: Duration = Duration::from_secs(10);

/// A child process killed and reaped when dropped.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> anyhow::Result<u16> {
    Ok(TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?
        .local_addr()?
        .port())
}

/// One `GET /api/health`; `true` on a 200.
fn health_ok(addr: &SocketAddr) -> bool {
    let Ok(mut stream) = TcpStream::connect(addr) else {
        return false;
    };
    let request = b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    if stream.write_all(request).is_err() {
        return false;
    }
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).is_ok() && head.starts_with(b"HTTP/1.1 200")
}

/// Time from spawn to the first 200 of one start.
fn one_start(exe: &Path, site: &Path) -> anyhow::Result<Duration> {
    let data = tempfile::tempdir()?;
    let port = free_port()?;
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let start = Instant::now();
    let child = Command::new(exe)
        .args(["serve", "--port", &port.to_string(), "--site"])
        .arg(site)
        .arg("--data-dir")
        .arg(data.path())
        .env_remove("AWS_LAMBDA_RUNTIME_API")
        .env_remove("TABLE_NAME")
        .env_remove("SIGNER_HMAC_KEY")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .with_context(|| format!("cannot start {}", exe.display()))?;
    let mut server = Server(child);
    loop {
        if health_ok(&addr) {
            return Ok(start.elapsed());
        }
        if let Some(status) = server.0.try_wait()? {
            bail!("petition-fn exited before answering ({status}); run it by hand to see why");
        }
        if start.elapsed() > RUN_LIMIT {
            bail!("no answer from {addr} within {RUN_LIMIT:?}");
        }
        std::thread::sleep(Duration::from_micros(100));
    }
}

fn main() -> anyhow::Result<()> {
    let exe = std::env::var_os("BENCH_EXE").map_or_else(
        || PathBuf::from(env!("CARGO_BIN_EXE_petition-fn")),
        PathBuf::from,
    );
    let site = std::env::var_os("BENCH_SITE").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../public"),
        PathBuf::from,
    );
    if !site.join("_app/bundle.json").is_file() {
        bail!(
            "{} has no _app/bundle.json: run `cargo run --release -p site-gen -- build` first, or set BENCH_SITE",
            site.display()
        );
    }
    let runs: usize = match std::env::var("BENCH_RUNS") {
        Ok(v) => v
            .trim()
            .parse()
            .context("BENCH_RUNS must be a whole number")?,
        Err(_) => 20,
    };
    // One unmeasured start, so the binary is in the page cache like a warm machine's.
    one_start(&exe, &site)?;
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs.max(1) {
        times.push(one_start(&exe, &site)?);
    }
    times.sort_unstable();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let mid = times.len() / 2;
    let median = if times.len() % 2 == 0 {
        (ms(times[mid - 1]) + ms(times[mid])) / 2.0
    } else {
        ms(times[mid])
    };
    let (min, max) = (ms(times[0]), ms(times[times.len() - 1]));
    eprintln!(
        "startup [{}, {}]: spawn to first 200 of GET /api/health, median of {} runs {median:.1} ms (min {min:.1}, max {max:.1}); binary {} bytes",
        exe.display(),
        site.display(),
        times.len(),
        std::fs::metadata(&exe).map_or(0, |m| m.len()),
    );
    println!("{median:.1}");
    Ok(())
}
