//! The local server's limits over real sockets: idle and half-sent requests are cut off, one
//! address holds at most its share, a flood of idle sockets leaves the API answering, and a
//! body announced over the limit is refused before it is sent.

mod common;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

use petition_fn::server::{Limits, serve};
use petition_fn::{local_state, standalone_app};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpSocket, TcpStream};

/// Longest any step may take before the test calls the server stuck: generous, so that a
/// loaded machine never fails a test that is not about speed.
const STUCK: Duration = Duration::from_secs(30);

struct Running {
    addr: SocketAddr,
    _dir: tempfile::TempDir,
    _stop: tokio::sync::oneshot::Sender<()>,
}

async fn start(limits: Limits) -> Running {
    let dir = tempfile::tempdir().expect("tempdir");
    let bundle = common::fixture_bundle();
    let state = local_state(dir.path(), bundle).await.expect("state");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("binds");
    let addr = listener.local_addr().expect("address");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(serve(listener, standalone_app(state), limits, async {
        let _ = stopped.await;
    }));
    Running {
        addr,
        _dir: dir,
        _stop: stop,
    }
}

fn limits(header_timeout_ms: u64, connections: usize, per_client: usize) -> Limits {
    Limits {
        header_timeout: Duration::from_millis(header_timeout_ms),
        connections,
        per_client,
    }
}

/// A connection to `to` from the loopback address `from` (Linux routes all of 127/8 to lo).
async fn connect_from(from: IpAddr, to: SocketAddr) -> TcpStream {
    let socket = TcpSocket::new_v4().expect("socket");
    socket
        .bind(SocketAddr::new(from, 0))
        .expect("binds a loopback source");
    socket.connect(to).await.expect("connects")
}

fn loopback(i: usize) -> IpAddr {
    let [a, b] = u16::try_from(i + 2).expect("small").to_be_bytes();
    IpAddr::V4(Ipv4Addr::new(127, 1, a, b))
}

/// Reads until the server closes the connection; returns what it sent.
async fn read_to_close(stream: &mut TcpStream) -> String {
    let mut out = Vec::new();
    let read = tokio::time::timeout(STUCK, stream.read_to_end(&mut out)).await;
    assert!(
        read.is_ok(),
        "the server kept the connection open past {STUCK:?}"
    );
    String::from_utf8_lossy(&out).into_owned()
}

async fn health(addr: SocketAddr, from: IpAddr) -> String {
    let mut stream = connect_from(from, addr).await;
    stream
        .write_all(b"GET /api/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .expect("writes");
    read_to_close(&mut stream).await
}

#[tokio::test]
async fn idle_and_half_sent_requests_are_cut_off() {
    let server = start(limits(300, 64, 8)).await;
    let mut idle = connect_from(loopback(0), server.addr).await;
    let mut half = connect_from(loopback(1), server.addr).await;
    half.write_all(b"POST /api/petitions/free-them/signatures HTTP/1.1\r\nHost: x\r\n")
        .await
        .expect("writes");
    let idle_answer = read_to_close(&mut idle).await;
    let half_answer = read_to_close(&mut half).await;
    // hyper answers 408 when a request had begun, and closes silently otherwise.
    assert!(idle_answer.is_empty(), "{idle_answer}");
    assert!(
        half_answer.is_empty() || half_answer.starts_with("HTTP/1.1 408"),
        "{half_answer}"
    );
    assert!(
        health(server.addr, loopback(2))
            .await
            .starts_with("HTTP/1.1 200")
    );
}

#[tokio::test]
async fn one_address_holds_at_most_its_share() {
    let server = start(limits(10_000, 64, 4)).await;
    let greedy = loopback(10);
    let mut held = Vec::new();
    for _ in 0..4 {
        held.push(connect_from(greedy, server.addr).await);
    }
    // The server may accept the fifth before it sees it is one too many: it closes it at once.
    let mut fifth = connect_from(greedy, server.addr).await;
    let answer = read_to_close(&mut fifth).await;
    assert!(answer.is_empty(), "{answer}");
    assert!(
        health(server.addr, loopback(11))
            .await
            .starts_with("HTTP/1.1 200")
    );
    drop(held);
}

/// The adversarial finding: 1,100 sockets that never send anything took the API down. With
/// a cap of 64 connections and a short header timeout, 300 of them only delay an honest
/// request until the server has cut the idle ones off.
#[tokio::test]
async fn a_flood_of_idle_sockets_leaves_the_api_answering() {
    let server = start(limits(500, 64, 32)).await;
    let mut flood = Vec::new();
    for i in 0..300 {
        // Connections past the cap wait in the listen backlog; connect still succeeds.
        flood.push(connect_from(loopback(100 + i % 50), server.addr).await);
    }
    let answer = tokio::time::timeout(STUCK, health(server.addr, loopback(99))).await;
    let answer = answer.unwrap_or_else(|_| panic!("no answer within {STUCK:?} under the flood"));
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    drop(flood);
}

#[tokio::test]
async fn an_announced_oversized_body_is_refused_before_it_is_sent() {
    let server = start(limits(10_000, 64, 8)).await;
    let mut stream = connect_from(loopback(200), server.addr).await;
    stream
        .write_all(
            b"POST /api/petitions/free-them/signatures HTTP/1.1\r\nHost: x\r\n\
              Content-Type: application/json\r\nContent-Length: 1000000\r\n\
              Expect: 100-continue\r\nConnection: close\r\n\r\n",
        )
        .await
        .expect("writes");
    let answer = read_to_close(&mut stream).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(!answer.contains("100 Continue"), "{answer}");
}
