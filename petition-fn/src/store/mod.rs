//! Where signatures and letters are kept: the [`Store`] trait and its implementations.
//!
//! - [`local::LocalStore`]: embedded (redb), for `site-gen serve` and `petition-fn serve`
//!   without AWS;
//! - `dynamo::DynamoStore` (feature `dynamodb`): the production store.
//!
//! Both pass the same conformance suite (`store::conformance`, run by `cargo test`), and share
//! the letter counter names (`store::counts`). [`testing`] is test support for DynamoDB Local.
//!
//! Signing is idempotent: the same (petition, dedup hash) is stored and counted once, whether
//! two requests race or one is retried. The store never sees a plaintext address: only the
//! keyed hash and the encrypted fields of [`SignatureRecord`]. Letters likewise: the same
//! (address hash, state, letter hash) is stored and counted once ([`LetterRecord`]).
//!
//! A person's records can be deleted by their address hash ([`Store::forget`]), with their
//! counts, for the privacy notice's removal requests (`petition-fn forget`).

use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;

use serde::{Deserialize, Serialize};

#[cfg(test)]
pub(crate) mod conformance;
pub(crate) mod counts;
#[cfg(feature = "dynamodb")]
pub mod dynamo;
pub mod local;
pub mod testing;

/// How long a signature or a letter (its encrypted personal data) is kept after it was made:
/// two years.
/// Counts are aggregates without personal data and are kept.
pub const RETENTION_SECS: i64 = 2 * 365 * 24 * 60 * 60;

/// One signature as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignatureRecord {
    /// The petition's id.
    pub petition: String,
    /// The keyed hash of the normalised address ([`crate::protect::SignerKeys::dedup_hash`]).
    pub hash: String,
    /// The encrypted name.
    pub name_enc: String,
    /// The encrypted address, only when the signer asked for updates.
    pub email_enc: Option<String>,
    /// ISO 3166-1 alpha-2 country code, upper case.
    pub country: String,
    /// Whether the signer asked for campaign updates.
    pub updates: bool,
    /// When it was signed (RFC 3339, UTC).
    pub created_at: String,
    /// When the stored personal data may be deleted (unix seconds; the DynamoDB TTL).
    pub expires_at: i64,
}

/// A signature read back for the operator's export (the same fields as written).
pub type StoredSignature = SignatureRecord;

/// A confirmed signer who asked for campaign updates: whom `petition-fn mail` writes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    /// The keyed hash of the address (for the unsubscribe link and the resumable progress).
    pub hash: String,
    /// The encrypted address.
    pub email_enc: String,
}

/// The [`Recipient`]s among a petition's signatures: those who asked for updates and whose
/// address is kept.
pub(crate) fn recipients_of(signatures: Vec<SignatureRecord>) -> Vec<Recipient> {
    signatures
        .into_iter()
        .filter(|rec| rec.updates)
        .filter_map(|rec| {
            rec.email_enc.map(|email_enc| Recipient {
                hash: rec.hash,
                email_enc,
            })
        })
        .collect()
}

/// How long a signature waits for its mailbox to confirm it before it is deleted: 7 days.
pub const PENDING_SECS: i64 = 7 * 24 * 60 * 60;

/// The least time between two confirmation mails to one address for one petition: an hour,
/// so the form cannot be used to flood someone's mailbox.
pub const MAIL_INTERVAL_SECS: i64 = 60 * 60;

/// A signature waiting for confirmation, with the keyed hash of the token its mail carries.
///
/// The store keeps it apart from confirmed signatures (it is in no count) until
/// [`Store::confirm`], and deletes it after `pending_until`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingRecord {
    /// The signature it becomes once confirmed (its `expires_at` is set again then).
    pub signature: SignatureRecord,
    /// The hash of the confirmation token (the token itself is only in the mail).
    pub token_hash: String,
    /// When this submission was made (unix seconds): the time of its mail, if one is sent.
    pub at: i64,
    /// When the pending signature and its token are deleted (unix seconds; the DynamoDB TTL).
    pub pending_until: i64,
}

/// What [`Store::sign_pending`] did; the answer to the signer is the same in every case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PendingOutcome {
    /// Stored (new, or replacing a pending one last mailed over [`MAIL_INTERVAL_SECS`] ago)
    /// with its token: send the confirmation mail.
    Mail,
    /// A mail went to this address for this petition less than [`MAIL_INTERVAL_SECS`] ago:
    /// nothing changed, send nothing.
    RecentlyMailed,
    /// This address has already confirmed a signature of this petition: nothing changed.
    AlreadyConfirmed,
}

/// What [`Store::confirm`] did with a token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfirmOutcome {
    /// The pending signature is now confirmed and counted.
    Confirmed {
        /// The petition's id.
        petition: String,
    },
    /// The token's signature was confirmed before (a second click): nothing changed.
    AlreadyConfirmed {
        /// The petition's id.
        petition: String,
    },
    /// The token was valid once but its pending signature has expired or been removed.
    Expired {
        /// The petition's id.
        petition: String,
    },
    /// No such token (never issued, or deleted after expiry).
    Unknown,
}

/// What signing did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignOutcome {
    /// `true` when this (petition, hash) was new and is now counted; `false` for a repeat.
    pub new: bool,
}

/// A petition's signature counts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    /// All signatures.
    pub total: u64,
    /// Signatures per country code.
    pub by_country: BTreeMap<String, u64>,
}

/// One letter to senators as stored: one per writer and state (the same person writing again
/// to the same state is the same letter). The store sees no plaintext personal data, and by
/// default none at all: only the writer's keyed hash (to count them once), the state and the
/// senators; the personal fields only when the campaign keeps letters in full.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LetterRecord {
    /// The keyed hash of the writer's normalised address
    /// ([`crate::protect::SignerKeys::dedup_hash`]).
    pub hash: String,
    /// The USPS code of the writer's state (one of the 50).
    pub state: String,
    /// The bioguide ids of the state's senators when it was written, sorted (each is counted).
    pub senators: Vec<String>,
    /// The personal fields ([`crate::domain::LetterPrivate`]: name, email, street, city, ZIP and
    /// the letter unless it is the suggested one), as JSON encrypted in one value; only when
    /// the campaign keeps letters in full (`site.toml [letter] keep = true`).
    #[serde(default)]
    pub private_enc: Option<String>,
    /// Whether the letter is the campaign's suggested text, unchanged (then it is not stored).
    pub suggested: bool,
    /// When it was written (RFC 3339, UTC).
    pub created_at: String,
    /// When the stored personal data may be deleted (unix seconds; the DynamoDB TTL).
    pub expires_at: i64,
}

/// A letter read back for the operator's export (the same fields as written).
pub type StoredLetter = LetterRecord;

/// Letter counts: per state and per senator, all letters since the start.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LetterCounts {
    /// All letters (the sum of `by_state`).
    pub total: u64,
    /// Letters per USPS state code.
    pub by_state: BTreeMap<String, u64>,
    /// Letters per senator (bioguide id); each letter counts for both senators of its state.
    pub by_senator: BTreeMap<String, u64>,
}

/// Which letters an export wants.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum LetterFilter {
    /// Every letter.
    #[default]
    All,
    /// Letters from one state (USPS code, upper case).
    State(String),
    /// Letters counted for one senator (bioguide id).
    Senator(String),
}

impl LetterFilter {
    /// Whether a letter passes the filter.
    pub fn matches(&self, letter: &LetterRecord) -> bool {
        match self {
            Self::All => true,
            Self::State(code) => letter.state == *code,
            Self::Senator(id) => letter.senators.iter().any(|s| s == id),
        }
    }
}

/// What [`Store::forget`] removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Forgotten {
    /// Signatures deleted (one per petition the person signed).
    pub signatures: u64,
    /// Letters deleted.
    pub letters: u64,
    /// Signatures deleted while still waiting for confirmation.
    pub pending: u64,
}

/// A note that a client (its day's keyed hash) sent a signature of a petition, kept for a day
/// so that a flood can be undone (`petition-fn invalidate --client-hash`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientNote {
    /// The petition's id.
    pub petition: String,
    /// The client's keyed hash for the day it signed.
    pub client: String,
    /// The signature's address hash.
    pub hash: String,
    /// When the note is deleted (unix seconds; the DynamoDB TTL).
    pub expires_at: i64,
}

/// How long an hourly snapshot of a petition's counts is kept: 400 days, so a year of history
/// is always there and a petition's series stays bounded (about 9,600 points). DynamoDB's TTL
/// deletes older ones; the embedded store prunes them when it writes a snapshot.
pub const HISTORY_SECS: i64 = 400 * 24 * 60 * 60;

/// A petition's confirmed counts at the start of one UTC hour: aggregates only, nothing about
/// any person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    /// The petition's id.
    pub petition: String,
    /// The UTC hour it was taken in (unix seconds, a multiple of 3,600).
    pub hour: i64,
    /// The confirmed counts then.
    pub counts: Counts,
}

impl Snapshot {
    /// When the store may delete it (unix seconds; the DynamoDB TTL).
    pub fn expires_at(&self) -> i64 {
        self.hour + HISTORY_SECS
    }

    /// The hour it was taken in, as RFC 3339 UTC (`2026-12-02T09:00:00Z`): its `at` in the
    /// history's JSON and CSV.
    pub fn at(&self) -> String {
        let secs = std::time::Duration::from_secs(self.hour.max(0).unsigned_abs());
        contract::date::rfc3339(std::time::UNIX_EPOCH + secs)
    }
}

/// A petition whose signing the operator paused (`petition-fn pause`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pause {
    /// What signers are told, beside the standard words.
    pub message: Option<String>,
    /// When it was paused (RFC 3339, UTC).
    pub since: String,
}

/// How many times one outcome was reported for one senator: nothing personal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionCount {
    /// `letter_sent` or `called` (`contract::api::ACTION_KINDS`).
    pub kind: String,
    /// The USPS code of the senator's state.
    pub state: String,
    /// The senator's bioguide id.
    pub senator: String,
    /// How many times.
    pub count: u64,
}

/// A petition's counters against its stored signatures ([`Store::recount`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recount {
    /// What the stored signatures add up to.
    pub stored: Counts,
    /// What the counters said (before a fix).
    pub counted: Counts,
    /// Whether the counters were set to `stored`.
    pub fixed: bool,
}

impl Recount {
    /// Whether the counters and the signatures agree.
    pub fn agrees(&self) -> bool {
        self.stored == self.counted
    }
}

/// What [`Store::invalidate`] removed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invalidated {
    /// The confirmed signatures removed, as counts (they are no longer in the petition's).
    pub signatures: Counts,
    /// Signatures removed while still waiting for confirmation (in no count).
    pub pending: u64,
}

/// An error from the layer underneath a store (the AWS SDK, redb, serde).
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// What failed and how to fix it, in words that never hold personal data, with the error
/// underneath when there is one (the [`StoreError`]'s source).
#[derive(Debug)]
pub struct Detail {
    what: String,
    source: Option<BoxError>,
}

impl Detail {
    /// A detail with no error underneath.
    pub fn new(what: impl Into<String>) -> Self {
        Self {
            what: what.into(),
            source: None,
        }
    }

    /// A detail caused by `source`.
    pub fn caused_by(what: impl Into<String>, source: impl Into<BoxError>) -> Self {
        Self {
            what: what.into(),
            source: Some(source.into()),
        }
    }

    /// What failed (without the error underneath).
    pub fn what(&self) -> &str {
        &self.what
    }
}

impl From<&str> for Detail {
    fn from(what: &str) -> Self {
        Self::new(what)
    }
}

impl From<String> for Detail {
    fn from(what: String) -> Self {
        Self::new(what)
    }
}

impl fmt::Display for Detail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.what)
    }
}

/// Why a store operation failed.
#[derive(Debug)]
pub enum StoreError {
    /// The store cannot be reached or is failing for now; nothing was written. Retry later.
    Unavailable(Detail),
    /// The store refused the request for lack of capacity; nothing was written. Retry later.
    Throttled(Detail),
    /// Anything else (a bug, a missing table, corrupt data).
    Other(Detail),
}

impl StoreError {
    /// Whether the caller should answer 503 and ask the client to retry.
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::Unavailable(_) | Self::Throttled(_))
    }

    /// What failed.
    pub fn detail(&self) -> &Detail {
        match self {
            Self::Unavailable(d) | Self::Throttled(d) | Self::Other(d) => d,
        }
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unavailable(d) => write!(f, "the signature store is unavailable: {d}"),
            Self::Throttled(d) => write!(f, "the signature store is busy (throttled): {d}"),
            Self::Other(d) => write!(f, "signature store error: {d}"),
        }
    }
}

// Written by hand rather than derived: the source is the error underneath the detail, so a
// printed chain does not repeat the detail's words.
impl std::error::Error for StoreError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        let source = self.detail().source.as_deref()?;
        Some(source)
    }
}

/// A boxed future returned by [`Store`] methods, so the trait is usable as `Arc<dyn Store>`.
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 'a>>;

/// Why a store cannot be used with the signer key given ([`check_key`]).
#[derive(Debug, thiserror::Error)]
pub enum KeyCheckError {
    /// The store did not answer.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The store was written with another key.
    #[error(
        "the store ({location}) was written with another signer key (fingerprint {held}; the key given has {given}): with it, people who signed would be counted again. Set {key_env} to the key the store was written with (on AWS the value of the secret named by {arn_env}; locally the backed-up signer.key of this data folder)",
        key_env = crate::protect::KEY_ENV,
        arn_env = crate::secret::SECRET_ARN_ENV
    )]
    Other {
        /// Where the store is.
        location: String,
        /// The fingerprint the store holds.
        held: String,
        /// The fingerprint of the key given.
        given: String,
    },
}

/// Refuses `keys` unless `store` (at `location`, for the message) was written with them. A
/// server starting (`record`) records their fingerprint in a store that holds none yet; a
/// command that only reads records nothing (a mistaken key must not become the store's).
pub async fn check_key(
    store: &dyn Store,
    keys: &crate::protect::SignerKeys,
    location: &str,
    record: bool,
) -> Result<(), KeyCheckError> {
    let given = keys.fingerprint();
    match store
        .key_fingerprint(record.then_some(given.as_str()))
        .await?
    {
        Some(held) if held != given => Err(KeyCheckError::Other {
            location: location.to_owned(),
            held,
            given,
        }),
        _ => Ok(()),
    }
}

/// A place to keep signatures, letters and their counts.
pub trait Store: Send + Sync + 'static {
    /// `"local"` or `"dynamodb"`.
    fn kind(&self) -> &'static str;

    /// Checks that the store answers.
    fn health(&self) -> StoreFuture<'_, ()>;

    /// Stores a signature and counts it, once per (petition, hash): a repeat returns
    /// `new: false` and changes nothing. Either both the signature and its count are written,
    /// or neither is.
    fn sign(&self, rec: SignatureRecord) -> StoreFuture<'_, SignOutcome>;

    /// A petition's counts of confirmed signatures (zero for a petition never signed).
    fn count<'a>(&'a self, petition: &'a str) -> StoreFuture<'a, Counts>;

    /// Keeps a signature waiting for confirmation, with its token, unless the address has
    /// already confirmed this petition or was mailed for it within [`MAIL_INTERVAL_SECS`] of
    /// `rec.at` ([`PendingOutcome`]). A replaced pending signature's earlier tokens stay
    /// valid until they expire. Counts do not change.
    fn sign_pending(&self, rec: PendingRecord) -> StoreFuture<'_, PendingOutcome>;

    /// Confirms the pending signature of the token with hash `token_hash` at `now` (unix
    /// seconds): stores it as a signature (with `expires_at`) and counts it, deletes the pending
    /// one and the token, atomically. Confirming twice, or racing, counts once.
    fn confirm<'a>(
        &'a self,
        token_hash: &'a str,
        now: i64,
        expires_at: i64,
    ) -> StoreFuture<'a, ConfirmOutcome>;

    /// The confirmation mail of the pending signature of (`petition`, `hash`) stored at `at`
    /// could not be sent: forgets when it was mailed, so that the next submission mails again
    /// instead of meeting [`PendingOutcome::RecentlyMailed`]. Nothing else changes; a pending
    /// signature stored since (another `at`) is left alone.
    fn mail_failed<'a>(&'a self, petition: &'a str, hash: &'a str, at: i64) -> StoreFuture<'a, ()>;

    /// The confirmed signers of a petition who asked for updates and whose address is kept,
    /// in no particular order.
    fn recipients<'a>(&'a self, petition: &'a str) -> StoreFuture<'a, Vec<Recipient>>;

    /// Stops updates to the address with hash `hash`: its signature of each of `petitions` (the
    /// site's, the only ones mail can be sent for) loses its encrypted address and its
    /// `updates` flag, and stays counted. A key lookup per petition, never a scan, so it stays
    /// fast however many signatures there are. Returns how many signatures changed; a second
    /// call changes nothing.
    fn unsubscribe<'a>(&'a self, hash: &'a str, petitions: &'a [String]) -> StoreFuture<'a, u64>;

    /// How many signatures of a petition wait for confirmation (not yet expired at `now`),
    /// for the operator's `stats`.
    fn pending_count<'a>(&'a self, petition: &'a str, now: i64) -> StoreFuture<'a, u64>;

    /// Deletes pending signatures and tokens expired at `now`; returns how many pending
    /// signatures went. DynamoDB's TTL does this by itself (it returns 0); the embedded store
    /// runs it from time to time.
    fn sweep(&self, now: i64) -> StoreFuture<'_, u64>;

    /// Every stored signature of a petition, for the operator's export.
    fn export_signatures<'a>(&'a self, petition: &'a str) -> StoreFuture<'a, Vec<StoredSignature>>;

    /// Stores a letter and counts it for its state and each of its senators, once per (hash,
    /// state): a repeat returns `new: false`, is not counted again, and replaces the stored
    /// personal fields when it carries some (a changed letter replaces the earlier one).
    /// Either the letter and its counts are written, or nothing is.
    fn send_letter(&self, rec: LetterRecord) -> StoreFuture<'_, SignOutcome>;

    /// The letter counts (empty when no letter was written).
    fn letter_counts(&self) -> StoreFuture<'_, LetterCounts>;

    /// Removes the personal fields of every stored letter (the migration to storing none);
    /// the letters stay, counted. Returns how many changed; a second call changes nothing.
    fn strip_letters(&self) -> StoreFuture<'_, u64>;

    /// The stored letters that pass `filter` (not past their `expires_at`), for the
    /// operator's export, in no particular order.
    fn export_letters<'a>(&'a self, filter: &'a LetterFilter)
    -> StoreFuture<'a, Vec<StoredLetter>>;

    /// Deletes every signature (of any petition, in the bundle or not), every pending
    /// signature and every letter (any state, any text) stored under the address hash `hash`,
    /// for a removal request.
    /// Each record is deleted together with the decrement of the counters it was counted in,
    /// atomically, so counts stay exact; a counter that reaches zero is no longer reported.
    /// Records already gone (a repeated request, or expired and deleted by the TTL) change
    /// nothing: forgetting twice is a no-op that returns zeros the second time.
    fn forget<'a>(&'a self, hash: &'a str) -> StoreFuture<'a, Forgotten>;

    /// Adds one to the counter `key` (created at zero, kept until `expires_at`, unix seconds)
    /// and returns its new value. Concurrent hits are all counted.
    fn hit<'a>(&'a self, key: &'a str, expires_at: i64) -> StoreFuture<'a, u64>;

    /// The value of the counter `key` at `now` (zero when absent or expired).
    fn peek<'a>(&'a self, key: &'a str, now: i64) -> StoreFuture<'a, u64>;

    /// Marks `key` as used until `expires_at`: `true` the first time, `false` after (also when
    /// two race).
    fn spend<'a>(&'a self, key: &'a str, expires_at: i64) -> StoreFuture<'a, bool>;

    /// Keeps a [`ClientNote`] until its `expires_at`.
    fn note_client(&self, note: ClientNote) -> StoreFuture<'_, ()>;

    /// The notes of a petition not expired at `now`, of one client or of all.
    fn client_notes<'a>(
        &'a self,
        petition: &'a str,
        client: Option<&'a str>,
        now: i64,
    ) -> StoreFuture<'a, Vec<ClientNote>>;

    /// Removes the signatures of a petition made with the address hashes `hashes`, confirmed
    /// or pending: each confirmed one with the decrement of its counters, atomically, so the
    /// counts stay exact. Hashes with nothing stored change nothing.
    fn invalidate<'a>(
        &'a self,
        petition: &'a str,
        hashes: &'a [String],
    ) -> StoreFuture<'a, Invalidated>;

    /// Counts one reported outcome `kind` for `senator` of `state`.
    fn count_action<'a>(
        &'a self,
        kind: &'a str,
        state: &'a str,
        senator: &'a str,
    ) -> StoreFuture<'a, ()>;

    /// Every outcome counted, by kind, state and senator, sorted.
    fn action_counts(&self) -> StoreFuture<'_, Vec<ActionCount>>;

    /// Recounts a petition's confirmed signatures from their items (expired or not) and
    /// compares them with its counters; with `fix`, sets the counters to the recount. The fix
    /// is not atomic on DynamoDB: pause the petition first (`petition-fn recount` insists).
    fn recount<'a>(&'a self, petition: &'a str, fix: bool) -> StoreFuture<'a, Recount>;

    /// Keeps `snapshot`, one per (petition, hour): a second one for the same hour replaces
    /// the first, so a retried or repeated run changes nothing but the counts. Snapshots older
    /// than [`HISTORY_SECS`] go (the TTL on DynamoDB, pruned here by the embedded store).
    fn write_snapshot(&self, snapshot: Snapshot) -> StoreFuture<'_, ()>;

    /// A petition's snapshots of an hour at or after `since` (unix seconds) and not older than
    /// [`HISTORY_SECS`] at `now`, oldest first (empty for a petition never snapshotted).
    fn history<'a>(
        &'a self,
        petition: &'a str,
        since: i64,
        now: i64,
    ) -> StoreFuture<'a, Vec<Snapshot>>;

    /// Pauses signing of a petition (`Some`) or resumes it (`None`).
    fn set_pause<'a>(&'a self, petition: &'a str, pause: Option<Pause>) -> StoreFuture<'a, ()>;

    /// Whether signing of a petition is paused.
    fn pause<'a>(&'a self, petition: &'a str) -> StoreFuture<'a, Option<Pause>>;

    /// The fingerprint of the signer key the store was written with, if it holds one; when
    /// it holds none and `record` is given (a server starting), records that one first. A
    /// store used with another key would count returning signers again
    /// (`runtime::check_key` refuses it).
    fn key_fingerprint<'a>(&'a self, record: Option<&'a str>) -> StoreFuture<'a, Option<String>>;
}

#[cfg(test)]
mod tests {
    /// Without the `dynamodb` feature the DynamoDB suite is not even built: say so, and fail
    /// when the run of record asks for it (`REQUIRE_DYNAMODB=1`).
    #[cfg(not(feature = "dynamodb"))]
    #[test]
    fn dynamodb_suite_is_not_silently_skipped() {
        super::testing::skip(
            "the DynamoDB store suite",
            "petition-fn was built without the `dynamodb` feature (run `cargo test -p petition-fn --all-features` with DYNAMODB_ENDPOINT set)",
        );
    }
}
