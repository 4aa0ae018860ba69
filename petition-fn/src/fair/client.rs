//! Who is asking, without knowing who: the client's address, read from the one place that can
//! be trusted for this request, turned at once into the day's keyed hash
//! ([`crate::protect::SignerKeys::client_hash`]). The address itself goes nowhere else.
//!
//! Where the address comes from, in order:
//! 1. `CloudFront-Viewer-Address`, but only on a request that carries CloudFront's secret
//!    origin header (`X-Origin-Verify`, equal to the deployment's origin secret). Anyone can
//!    send the address header to the API Gateway URL directly; without the secret it is ignored
//!    (and with a secret configured such a request is refused before it gets here:
//!    `http/origin.rs`).
//! 2. On Lambda without an origin secret, API Gateway's source address (the direct caller).
//! 3. Locally, the socket's peer.

use std::convert::Infallible;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::HeaderMap;
use axum::http::request::Parts;

use crate::http::AppState;

/// The header CloudFront adds to every request it sends to the API, holding the origin secret.
pub const ORIGIN_VERIFY_HEADER: &str = "x-origin-verify";

/// The header in which CloudFront gives the viewer's address and port.
pub const VIEWER_ADDRESS_HEADER: &str = "cloudfront-viewer-address";

/// The client of a request, known only by its keyed hash for today.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Client {
    pub(crate) hash: String,
}

impl FromRequestParts<AppState> for Client {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Infallible> {
        let address = address(parts, state.origin_secret());
        let day = contract::date::utc_date(state.now());
        Ok(Self {
            hash: state.keys().client_hash(address, &day),
        })
    }
}

/// The client's address by the rules above; an unknown one is `0.0.0.0` (one shared client).
fn address(parts: &Parts, origin_secret: Option<&str>) -> IpAddr {
    if let Some(viewer) = origin_secret.and_then(|secret| viewer_address(&parts.headers, secret)) {
        return viewer;
    }
    #[cfg(feature = "lambda")]
    if let Some(lambda_http::request::RequestContext::ApiGatewayV2(context)) =
        parts
            .extensions
            .get::<lambda_http::request::RequestContext>()
        && let Some(ip) = context
            .http
            .source_ip
            .as_deref()
            .and_then(|ip| ip.parse().ok())
    {
        return ip;
    }
    if let Some(ConnectInfo(peer)) = parts.extensions.get::<ConnectInfo<SocketAddr>>() {
        return peer.ip();
    }
    IpAddr::V4(Ipv4Addr::UNSPECIFIED)
}

/// Whether a request proves it came through CloudFront: its `X-Origin-Verify` header equals
/// the origin secret (compared in constant time).
pub(crate) fn through_cdn(headers: &HeaderMap, secret: &str) -> bool {
    headers
        .get(ORIGIN_VERIFY_HEADER)
        .is_some_and(|given| constant_time_eq(given.as_bytes(), secret.as_bytes()))
}

/// The viewer's address CloudFront reports, when the request proves it came through
/// CloudFront (the origin header equals `secret`).
fn viewer_address(headers: &HeaderMap, secret: &str) -> Option<IpAddr> {
    if !through_cdn(headers, secret) {
        return None;
    }
    let value = headers.get(VIEWER_ADDRESS_HEADER)?.to_str().ok()?.trim();
    // `198.51.100.10:46532` or `2001:db8::1:46532`: the port is after the last colon.
    let (ip, _port) = value.rsplit_once(':')?;
    ip.trim_start_matches('[')
        .trim_end_matches(']')
        .parse()
        .ok()
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use axum::http::{HeaderValue, Request};

    use super::*;

    fn parts(headers: &[(&'static str, &'static str)], peer: Option<&str>) -> Parts {
        let mut request = Request::builder().uri("/api/health");
        for (k, v) in headers {
            request = request.header(*k, HeaderValue::from_static(v));
        }
        let (mut parts, ()) = request.body(()).expect("request").into_parts();
        if let Some(peer) = peer {
            let addr: SocketAddr = peer.parse().expect("socket address");
            parts.extensions.insert(ConnectInfo(addr));
        }
        parts
    }

    #[test]
    fn the_viewer_header_counts_only_with_the_origin_secret() {
        let through_cdn = parts(
            &[
                (ORIGIN_VERIFY_HEADER, "s3cret"),
                (VIEWER_ADDRESS_HEADER, "198.51.100.10:46532"),
            ],
            Some("10.0.0.1:443"),
        );
        assert_eq!(
            address(&through_cdn, Some("s3cret")),
            "198.51.100.10".parse::<IpAddr>().expect("ip")
        );
        // A direct call that forges the header, with a wrong secret or none.
        for verify in ["wrong", ""] {
            let forged = parts(
                &[
                    (ORIGIN_VERIFY_HEADER, verify),
                    (VIEWER_ADDRESS_HEADER, "198.51.100.10:46532"),
                ],
                Some("10.0.0.1:443"),
            );
            assert_eq!(
                address(&forged, Some("s3cret")),
                "10.0.0.1".parse::<IpAddr>().expect("ip")
            );
        }
        // Without a configured secret (the local servers) the header is never trusted.
        assert_eq!(
            address(&through_cdn, None),
            "10.0.0.1".parse::<IpAddr>().expect("ip")
        );
    }

    #[test]
    fn ipv6_viewers_and_unknown_clients() {
        let v6 = parts(
            &[
                (ORIGIN_VERIFY_HEADER, "k"),
                (VIEWER_ADDRESS_HEADER, "2001:db8:85a3::8a2e:370:7334:46532"),
            ],
            None,
        );
        assert_eq!(
            address(&v6, Some("k")),
            "2001:db8:85a3::8a2e:370:7334"
                .parse::<IpAddr>()
                .expect("ip")
        );
        assert_eq!(
            address(&parts(&[], None), None),
            IpAddr::V4(Ipv4Addr::UNSPECIFIED)
        );
    }
}
