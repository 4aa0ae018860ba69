//! moto_server, a local stand-in for AWS services (Secrets Manager, SES), for the tests of
//! the real SDK calls.
//!
//! [`start`] runs `python3 -m moto.server` on a free loopback port and the returned [`Moto`]
//! stops it when dropped. When moto's server is not installed (`pip install 'moto[server]'`)
//! it prints `SKIPPED` and the test passes, unless `REQUIRE_MOTO` is set (`./scripts/test`
//! sets it, with `PYTHON` naming its tool venv's Python): then its absence fails.

use std::io::{Read as _, Write as _};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

// The credential types are aws-credential-types', which every SDK client re-exports.
use aws_sdk_sesv2::config::{BehaviorVersion, Credentials, Region, SharedCredentialsProvider};

/// moto_server, stopped (killed and reaped) when dropped, even if the test fails.
pub(crate) struct Moto {
    child: Child,
    /// `http://127.0.0.1:<port>`.
    pub(crate) endpoint: String,
    port: u16,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Moto {
    /// The body of a plain `GET path` to moto's server (its `/moto-api/…` inspection routes).
    pub(crate) fn get(&self, path: &str) -> String {
        let mut stream =
            TcpStream::connect((Ipv4Addr::LOCALHOST, self.port)).expect("connects to moto");
        write!(
            stream,
            "GET {path} HTTP/1.0\r\nHost: 127.0.0.1:{}\r\n\r\n",
            self.port
        )
        .expect("writes the request");
        let mut raw = String::new();
        stream.read_to_string(&mut raw).expect("reads the answer");
        let (head, body) = raw.split_once("\r\n\r\n").expect("an HTTP answer");
        assert!(
            head.starts_with("HTTP/1.") && head.contains(" 200 "),
            "{head}"
        );
        body.to_owned()
    }
}

/// The Python that has moto: `$PYTHON` (the test command's tool venv) or `python3`.
fn python() -> String {
    std::env::var("PYTHON").unwrap_or_else(|_| "python3".into())
}

/// A loopback port nothing listens on (bound, then released).
pub(crate) fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .expect("a free loopback port")
        .port()
}

/// Starts moto_server on a free loopback port, or `None` (after saying why) when it is not
/// installed; `what` names the test for the `SKIPPED` line.
pub(crate) fn start(what: &str) -> Option<Moto> {
    let installed = Command::new(python())
        .args(["-c", "import moto.server, flask"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !installed {
        assert!(
            std::env::var_os("REQUIRE_MOTO").is_none(),
            "REQUIRE_MOTO is set but {} cannot import moto.server: run ./scripts/test, which installs it",
            python()
        );
        println!("SKIPPED {what}: moto's server is not installed (pip install 'moto[server]')");
        return None;
    }
    let port = free_port();
    let child = Command::new(python())
        .args([
            "-m",
            "moto.server",
            "-H",
            "127.0.0.1",
            "-p",
            &port.to_string(),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("starts moto_server");
    let moto = Moto {
        child,
        endpoint: format!("http://127.0.0.1:{port}"),
        port,
    };
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let deadline = Instant::now() + Duration::from_secs(30);
    while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
        assert!(
            Instant::now() < deadline,
            "moto_server did not listen on {addr} within 30 s"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    Some(moto)
}

/// An SDK configuration for `endpoint` (moto, or nothing) with test credentials.
pub(crate) fn sdk_config(endpoint: &str) -> aws_config::SdkConfig {
    aws_config::SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(endpoint)
        .credentials_provider(SharedCredentialsProvider::new(Credentials::new(
            "test", "test", None, None, "moto",
        )))
        .build()
}
