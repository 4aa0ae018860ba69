//! Proof-of-work challenges in the ALTCHA form: the server picks a random salt and a secret
//! number up to `maxnumber`, publishes `challenge = hex(SHA-256(salt ‖ number))` with a MAC of
//! it, and the client finds the number by trying them all. The salt carries the expiry and the
//! difficulty (`?expires=…&max=…`), so both are covered by the MAC through the challenge.
//!
//! Pure functions: the caller gives the keys, the client's hash, the time, and spends each
//! solution once in the store.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::protect::SignerKeys;

/// The one algorithm offered and accepted.
const ALGORITHM: &str = "SHA-256";

/// How long a challenge may be solved and used.
pub(crate) const CHALLENGE_SECS: i64 = 10 * 60;

/// Work of the easiest challenge (the largest number tried): a tenth of a second or so in a
/// browser.
pub(crate) const BASE_MAXNUMBER: u64 = 10_000;

/// How many times the work may double: the hardest challenge is 2^10 times the easiest.
const MAX_LEVEL: u32 = 10;

/// A challenge as `GET /api/challenge` and a 429 answer give it (ALTCHA's field names).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Challenge {
    pub(crate) algorithm: &'static str,
    pub(crate) challenge: String,
    pub(crate) salt: String,
    pub(crate) signature: String,
    pub(crate) maxnumber: u64,
}

/// A checked solution: what the store must spend once, until when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Solved {
    pub(crate) challenge: String,
    pub(crate) expires: i64,
    pub(crate) maxnumber: u64,
}

/// Why a solution is not accepted. The client is then given a new challenge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub(crate) enum Unsolved {
    /// Not base64 of the JSON payload.
    #[error("the altcha field is not a solution payload")]
    Malformed,
    /// Not one of ours, or issued to another client.
    #[error("the challenge was not issued to this client")]
    Forged,
    /// Past its expiry.
    #[error("the challenge has expired")]
    Expired,
    /// The number does not solve it.
    #[error("the number does not solve the challenge")]
    Wrong,
}

/// The solution payload the client sends (base64 of this JSON).
#[derive(Debug, Deserialize)]
struct Payload {
    algorithm: String,
    challenge: String,
    number: u64,
    salt: String,
    signature: String,
}

/// The work asked of a client `over` submissions past its limit: it doubles each time `over`
/// doubles, from [`BASE_MAXNUMBER`] up to 2^10 times that.
pub(crate) fn maxnumber_for(over: u64) -> u64 {
    let level = (u64::BITS - over.leading_zeros()).min(MAX_LEVEL);
    BASE_MAXNUMBER << level
}

/// A new challenge for `client` of difficulty `maxnumber`, valid until `now` +
/// [`CHALLENGE_SECS`].
pub(crate) fn issue(
    keys: &SignerKeys,
    client: &str,
    maxnumber: u64,
    now: i64,
) -> Result<Challenge, getrandom::Error> {
    let mut random = [0u8; 24];
    getrandom::fill(&mut random)?;
    let (nonce, pick) = random.split_at(16);
    let mut pick_bytes = [0u8; 8];
    pick_bytes.copy_from_slice(pick);
    let number = u64::from_le_bytes(pick_bytes) % (maxnumber + 1);
    let salt = format!(
        "{}?expires={}&max={maxnumber}",
        URL_SAFE_NO_PAD.encode(nonce),
        now.saturating_add(CHALLENGE_SECS)
    );
    let challenge = digest(&salt, number);
    Ok(Challenge {
        algorithm: ALGORITHM,
        signature: keys.challenge_mac(client, &challenge),
        challenge,
        salt,
        maxnumber,
    })
}

/// Checks a solution payload sent by `client` at `now`.
pub(crate) fn verify(
    keys: &SignerKeys,
    client: &str,
    payload: &str,
    now: i64,
) -> Result<Solved, Unsolved> {
    let json = STANDARD
        .decode(payload.trim())
        .map_err(|_| Unsolved::Malformed)?;
    let p: Payload = serde_json::from_slice(&json).map_err(|_| Unsolved::Malformed)?;
    if p.algorithm != ALGORITHM {
        return Err(Unsolved::Malformed);
    }
    let expected = keys.challenge_mac(client, &p.challenge);
    if !same(expected.as_bytes(), p.signature.as_bytes()) {
        return Err(Unsolved::Forged);
    }
    // The MAC covers the challenge, and the challenge the salt: these are our own values.
    let (expires, maxnumber) = salt_params(&p.salt).ok_or(Unsolved::Forged)?;
    if now > expires {
        return Err(Unsolved::Expired);
    }
    if p.number > maxnumber || digest(&p.salt, p.number) != p.challenge {
        return Err(Unsolved::Wrong);
    }
    Ok(Solved {
        challenge: p.challenge,
        expires,
        maxnumber,
    })
}

/// `hex(SHA-256(salt ‖ decimal number))`, as ALTCHA clients compute it.
fn digest(salt: &str, number: u64) -> String {
    let hash = Sha256::digest(format!("{salt}{number}").as_bytes());
    hash.iter().map(|b| format!("{b:02x}")).collect()
}

/// The expiry and the difficulty a salt carries.
fn salt_params(salt: &str) -> Option<(i64, u64)> {
    let (_, query) = salt.split_once('?')?;
    let (mut expires, mut max) = (None, None);
    for pair in query.split('&') {
        match pair.split_once('=')? {
            ("expires", v) => expires = v.parse().ok(),
            ("max", v) => max = v.parse().ok(),
            _ => {}
        }
    }
    Some((expires?, max?))
}

/// Constant-time equality, so a forged MAC learns nothing from the time taken.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn keys() -> SignerKeys {
        SignerKeys::from_secret(&[9u8; 32]).expect("key")
    }

    /// Solves a challenge by brute force, as `site.js` does, and packs the payload.
    pub(crate) fn solve(c: &Challenge) -> String {
        let number = (0..=c.maxnumber)
            .find(|n| digest(&c.salt, *n) == c.challenge)
            .expect("a challenge has a solution");
        let json = serde_json::json!({
            "algorithm": c.algorithm, "challenge": c.challenge, "number": number,
            "salt": c.salt, "signature": c.signature,
        });
        STANDARD.encode(json.to_string())
    }

    #[test]
    fn difficulty_doubles_with_the_excess_and_is_capped() {
        assert_eq!(maxnumber_for(0), BASE_MAXNUMBER);
        assert_eq!(maxnumber_for(1), 2 * BASE_MAXNUMBER);
        assert_eq!(maxnumber_for(3), 4 * BASE_MAXNUMBER);
        assert_eq!(maxnumber_for(4), 8 * BASE_MAXNUMBER);
        assert_eq!(maxnumber_for(1 << 40), BASE_MAXNUMBER << MAX_LEVEL);
    }

    #[test]
    fn a_solution_checks_out_for_its_client_only_and_until_it_expires() {
        let k = keys();
        let c = issue(&k, "client-a", 500, 1_000).expect("random");
        assert_eq!(c.algorithm, "SHA-256");
        assert!(c.salt.contains("expires=1600&max=500"), "{}", c.salt);
        let payload = solve(&c);
        let solved = verify(&k, "client-a", &payload, 1_100).expect("valid");
        assert_eq!(solved.challenge, c.challenge);
        assert_eq!((solved.expires, solved.maxnumber), (1_600, 500));
        assert_eq!(
            verify(&k, "client-b", &payload, 1_100),
            Err(Unsolved::Forged)
        );
        assert_eq!(
            verify(&k, "client-a", &payload, 1_601),
            Err(Unsolved::Expired)
        );
        let other_key = SignerKeys::from_secret(&[8u8; 32]).expect("key");
        assert_eq!(
            verify(&other_key, "client-a", &payload, 1_100),
            Err(Unsolved::Forged)
        );
    }

    #[test]
    fn wrong_numbers_raised_difficulty_and_garbage_are_refused() {
        let k = keys();
        let c = issue(&k, "c", 50, 0).expect("random");
        let good = solve(&c);
        let mut p: serde_json::Value =
            serde_json::from_slice(&STANDARD.decode(&good).expect("b64")).expect("json");
        let n = p["number"].as_u64().expect("n");
        p["number"] = (n + 1).into();
        let wrong = STANDARD.encode(p.to_string());
        assert_eq!(verify(&k, "c", &wrong, 1), Err(Unsolved::Wrong));
        // Claiming an easier salt breaks the MAC chain.
        p["number"] = n.into();
        p["salt"] = c.salt.replace("max=50", "max=5").into();
        let cheaper = STANDARD.encode(p.to_string());
        assert_eq!(verify(&k, "c", &cheaper, 1), Err(Unsolved::Wrong));
        assert_eq!(verify(&k, "c", "not base64!", 1), Err(Unsolved::Malformed));
        assert_eq!(
            verify(&k, "c", &STANDARD.encode("{}"), 1),
            Err(Unsolved::Malformed)
        );
    }
}
