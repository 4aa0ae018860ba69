//! The local HTTP server of `petition-fn serve` and `site-gen serve`: a router on a socket,
//! with limits no client can get around.
//!
//! `axum::serve` keeps a connection open for as long as its client likes: an adversarial run
//! opened 1,100 sockets that never sent a request and took the API down under a 1,024
//! descriptor limit. Here a connection must send its request headers within
//! [`Limits::header_timeout`] (also while idle between requests), at most
//! [`Limits::per_client`] connections come from one address (more are closed at once), and at
//! most [`Limits::connections`] are open in all (more wait in the listen backlog). The
//! request's body and its handling are bounded by the router's own deadline
//! (`http::layers::bounds`), which also holds on Lambda.

use std::collections::HashMap;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};
use tower::ServiceExt as _;

/// How much of the server one client may hold.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Time to send a request's headers, from the connection's start or the previous answer.
    pub header_timeout: Duration,
    /// Connections open at once, in all.
    pub connections: usize,
    /// Connections open at once from one IP address.
    pub per_client: usize,
}

impl Default for Limits {
    /// 10 s for headers; 512 connections (half of the usual 1,024 descriptors, leaving the
    /// rest to the store and the site's files), 32 of them per address (a browser opens 6).
    fn default() -> Self {
        Self {
            header_timeout: Duration::from_secs(10),
            connections: 512,
            per_client: 32,
        }
    }
}

/// Answers `app` on `listener` until `shutdown` completes, then lets the requests in flight
/// finish (at most 10 s). The router sees each connection's peer as
/// `ConnectInfo<SocketAddr>`, the client a fair-use limit counts.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()> + Send,
) {
    let slots = Arc::new(Semaphore::new(limits.connections));
    let clients = Clients::default();
    let (stop, stopped) = watch::channel(());
    tokio::pin!(shutdown);
    loop {
        let slot = tokio::select! {
            slot = Arc::clone(&slots).acquire_owned() => slot,
            () = &mut shutdown => break,
        };
        // The semaphore is never closed.
        let Ok(slot) = slot else { break };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of descriptors or a connection reset before accept: wait, go on.
                    crate::http::log_failure("accept", e);
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Some(seat) = clients.seat(peer.ip(), limits.per_client) else {
            drop(stream);
            continue;
        };
        let app = app.clone();
        let mut stopped = stopped.clone();
        tokio::spawn(async move {
            let _held = (slot, seat);
            let service = hyper::service::service_fn(move |request: hyper::Request<_>| {
                let mut request = request.map(axum::body::Body::new);
                request
                    .extensions_mut()
                    .insert(ConnectInfo::<SocketAddr>(peer));
                app.clone().oneshot(request)
            });
            let connection = http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(limits.header_timeout)
                .serve_connection(TokioIo::new(stream), service);
            tokio::pin!(connection);
            tokio::select! {
                _ = connection.as_mut() => {}
                _ = stopped.changed() => {
                    connection.as_mut().graceful_shutdown();
                    let _ = connection.await;
                }
            }
        });
    }
    drop(stop);
    let all = u32::try_from(limits.connections).unwrap_or(u32::MAX);
    let _ = tokio::time::timeout(Duration::from_secs(10), slots.acquire_many(all)).await;
}

/// Open connections per client address.
#[derive(Default, Clone)]
struct Clients(Arc<Mutex<HashMap<IpAddr, usize>>>);

impl Clients {
    /// A seat for one more connection from `ip`, or `None` when it holds `max` already.
    fn seat(&self, ip: IpAddr, max: usize) -> Option<Seat> {
        let mut open = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let n = open.entry(ip).or_insert(0);
        if *n >= max {
            return None;
        }
        *n += 1;
        Some(Seat {
            clients: self.clone(),
            ip,
        })
    }
}

/// One open connection of a client; dropping it frees the seat.
struct Seat {
    clients: Clients,
    ip: IpAddr,
}

impl Drop for Seat {
    fn drop(&mut self) {
        let mut open = self
            .clients
            .0
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(n) = open.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                open.remove(&self.ip);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seats_are_counted_per_address_and_freed() {
        let clients = Clients::default();
        let a: IpAddr = [127, 0, 0, 1].into();
        let b: IpAddr = [127, 0, 0, 2].into();
        let first = clients.seat(a, 2);
        let second = clients.seat(a, 2);
        assert!(first.is_some() && second.is_some());
        assert!(clients.seat(a, 2).is_none(), "a third from one address");
        assert!(
            clients.seat(b, 2).is_some(),
            "another address is not affected"
        );
        drop(first);
        assert!(
            clients.seat(a, 2).is_some(),
            "a closed connection frees its seat"
        );
        drop(second);
        let open = clients.0.lock().unwrap_or_else(PoisonError::into_inner);
        assert!(!open.contains_key(&a) && !open.contains_key(&b), "{open:?}");
    }
}
