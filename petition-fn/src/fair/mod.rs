//! Fair use: no client crowds out the others, and nothing about a client is kept that could
//! follow it. One mechanism for every limited action (signing a petition, a letter, a reported
//! action), in one place:
//!
//! 1. the client is its address's keyed hash for the day ([`Client`]);
//! 2. each submission adds one to the client's counter for the action and the hour, kept in the
//!    store until the hour is over ([`crate::store::Store::hit`]);
//! 3. within the limit (`site.toml [limits]`) it passes; past it, it passes only with a solved
//!    proof-of-work challenge ([`challenge`]), each accepted once
//!    ([`crate::store::Store::spend`]) and at least as hard as the excess asks; otherwise the
//!    answer is 429 with `Retry-After` and a new, harder challenge.
//!
//! A refused submission also counts: a client that keeps pushing makes its own work harder.
//! Each refusal is logged as one `limit_trip` line (action and excess only, never the hash) and
//! counted per action and UTC day for `petition-fn stats`.

pub(crate) mod challenge;
mod client;
pub mod operator;

pub(crate) use challenge::Challenge;
pub(crate) use client::{Client, through_cdn};
pub use client::{ORIGIN_VERIFY_HEADER, VIEWER_ADDRESS_HEADER};

use contract::bundle::Limits;
use contract::date::{unix_seconds, utc_date};
use serde_json::json;

use crate::http::AppState;
use crate::store::StoreError;

/// The length of a limit's window: an hour (fixed windows, on the UTC hour).
pub(crate) const WINDOW_SECS: i64 = 60 * 60;

/// How long the note tying a signature to the client that sent it is kept, so that a flood
/// can be undone (`petition-fn invalidate --client-hash`): a day. With the store's hourly
/// sweep nothing about a client outlives 48 hours.
pub const NOTE_SECS: i64 = 24 * 60 * 60;

/// A limited action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Action<'a> {
    /// Signing the petition with this id.
    Sign(&'a str),
    /// Sending a letter to senators.
    Letter,
    /// Reporting an outcome (a letter sent, a call made).
    Report,
}

impl Action<'_> {
    /// The name in logs and metrics.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Sign(_) => "sign",
            Self::Letter => "letter",
            Self::Report => "action",
        }
    }

    /// What the counters are kept for: per petition for signing.
    fn scope(self) -> String {
        match self {
            Self::Sign(petition) => format!("sign:{petition}"),
            other => other.name().to_owned(),
        }
    }

    fn limit(self, limits: &Limits) -> u64 {
        u64::from(match self {
            Self::Sign(_) => limits.signatures_per_hour,
            Self::Letter => limits.letters_per_hour,
            Self::Report => limits.actions_per_hour,
        })
    }
}

/// The store key of a client's counter for an action in the hour `window` (unix hours).
fn counter_key(action: Action<'_>, client: &Client, window: i64) -> String {
    format!("lim:{}:{}:{window}", action.scope(), client.hash)
}

/// The store key of the day's (`YYYY-MM-DD`) count of refused signing attempts of a petition,
/// which `stats` reads.
pub fn trips_key_for_petition(petition: &str, day: &str) -> String {
    trips_key(Action::Sign(petition), day)
}

fn trips_key(action: Action<'_>, day: &str) -> String {
    format!("trips:{}:{day}", action.scope())
}

/// The store key that marks a challenge's solution as used.
fn spent_key(challenge: &str) -> String {
    format!("used:{challenge}")
}

/// A client over its limit: how long until the window ends, and the challenge that lets one
/// more submission through now.
#[derive(Debug, Clone)]
pub(crate) struct Over {
    /// Seconds until the client's window starts again.
    pub(crate) retry_after: i64,
    /// A new challenge, of the difficulty the excess asks.
    pub(crate) challenge: Challenge,
}

/// Why [`admit`] did not let a submission through.
#[derive(Debug)]
pub(crate) enum Held {
    /// Over the limit without a usable solution.
    Over(Over),
    /// The store failed.
    Store(StoreError),
    /// No random numbers for a challenge.
    Random(getrandom::Error),
}

/// Counts a submission of `client` for `action` and lets it through when it is within the
/// limit, or pays for itself with `altcha` (a solution payload).
pub(crate) async fn admit(
    state: &AppState,
    action: Action<'_>,
    client: &Client,
    altcha: Option<&str>,
) -> Result<(), Held> {
    let now = unix_seconds(state.now());
    let window = now.div_euclid(WINDOW_SECS);
    let window_end = (window + 1) * WINDOW_SECS;
    let store = state.store();
    let n = store
        .hit(&counter_key(action, client, window), window_end)
        .await
        .map_err(Held::Store)?;
    let limit = action.limit(&state.bundle().limits);
    if n <= limit {
        return Ok(());
    }
    let over = n - limit;
    let needed = challenge::maxnumber_for(over);
    if let Some(payload) = altcha.filter(|p| !p.trim().is_empty())
        && let Ok(solved) = challenge::verify(state.keys(), &client.hash, payload, now)
        // The excess has grown by one since the challenge was given: allow one level less.
        && solved.maxnumber >= needed / 2
        && store
            .spend(&spent_key(&solved.challenge), solved.expires)
            .await
            .map_err(Held::Store)?
    {
        return Ok(());
    }
    println!(
        "{}",
        json!({ "level": "warn", "event": "limit_trip", "action": action.name(), "over": over })
    );
    let day = utc_date(state.now());
    // Only for the operator's figures: a failure here must not turn a 429 into a 503.
    if let Err(e) = store
        .hit(&trips_key(action, &day), now + 3 * 24 * 60 * 60)
        .await
    {
        crate::http::log_failure("limit_trip_count", crate::http::chain(&e));
    }
    let challenge =
        challenge::issue(state.keys(), &client.hash, needed, now).map_err(Held::Random)?;
    Err(Held::Over(Over {
        retry_after: window_end - now,
        challenge,
    }))
}

/// Whether this is the first time today (UTC) that `client` does `what`: the store marks it
/// spent until the day is over. Pressing a button twice then counts once.
pub(crate) async fn first_today(
    state: &AppState,
    client: &Client,
    what: &str,
) -> Result<bool, StoreError> {
    let now = unix_seconds(state.now());
    let day_end = (now.div_euclid(86_400) + 1) * 86_400;
    let day = utc_date(state.now());
    state
        .store()
        .spend(&format!("once:{what}:{}:{day}", client.hash), day_end)
        .await
}

/// A challenge for `client` at the easiest difficulty, for `GET /api/challenge`; a harder one
/// is asked when the solution is used, if the client is further over by then.
pub(crate) fn fresh_challenge(
    state: &AppState,
    client: &Client,
) -> Result<Challenge, getrandom::Error> {
    let now = unix_seconds(state.now());
    challenge::issue(state.keys(), &client.hash, challenge::maxnumber_for(1), now)
}
