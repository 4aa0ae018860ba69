//! The embedded store: one [redb](https://docs.rs/redb) file, `<data-dir>/petitions.redb`.
//!
//! redb is an ACID key-value store: every commit is durable (fsync) and write transactions are
//! serialised, so checking whether a signature exists, inserting it and bumping its counters
//! in ONE write transaction keeps counts exact under any number of concurrent requests.
//! redb's calls block, so each runs in `tokio::task::spawn_blocking`.
//!
//! Tables:
//! - `signatures`: `(petition, hash)` → the [`SignatureRecord`] as JSON;
//! - `counts`: `(petition, country)` → count, with the empty country `""` holding the total;
//! - `letters`: `(state, hash, "")` → the [`LetterRecord`] as JSON, one per writer and state
//!   (a store written before that also holds `(state, hash, letter hash)` entries, one per
//!   text: they are read, counted and removed like the others);
//! - `letter_counts`: `s_<STATE>` / `b_<bioguide>` → count (the counter names of `store::counts`,
//!   shared with the DynamoDB store);
//! - `pending`: `(petition, hash)` → the [`PendingRecord`] as JSON (in no count);
//! - `tokens`: token hash → a `TokenEntry` as JSON: which pending signature it confirms, until
//!   when, and whether it was used;
//! - `fair`: a fair-use counter or a spent challenge (`crate::fair` names them) → (count,
//!   expires at);
//! - `client_notes`: `(petition, client hash, address hash)` → expires at;
//! - `pauses`: petition → the [`Pause`] as JSON;
//! - `actions`: `(kind, state, senator)` → how many times that outcome was reported;
//! - `history`: `(petition, hour)` → the hour's [`Snapshot`] counts as JSON, pruned past
//!   [`HISTORY_SECS`] whenever a snapshot of the petition is written.
//!
//! [`Store::forget`] deletes a person's records and decrements their counters in one write
//! transaction; a counter that reaches zero is removed.
//!
//! Signatures and letters past their `expires_at` are left out of exports and deleted by
//! [`Store::sweep`] (DynamoDB deletes them with its TTL); counts stay. Pending signatures and tokens past `pending_until` are
//! deleted by [`Store::sweep`], and so are fair-use counters, spent challenges and client
//! notes past their expiry.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition};

use super::counts::{add_letter_count, letter_counters};
use super::{
    ActionCount, ClientNote, ConfirmOutcome, Counts, Detail, Forgotten, HISTORY_SECS, Invalidated,
    LetterCounts, LetterFilter, LetterRecord, MAIL_INTERVAL_SECS, Pause, PendingOutcome,
    PendingRecord, Recipient, Recount, SignOutcome, SignatureRecord, Snapshot, Store, StoreError,
    StoreFuture, StoredLetter, StoredSignature,
};
use contract::date::unix_seconds;

/// File name of the database inside the data folder.
pub const DB_FILE: &str = "petitions.redb";

const SIGNATURES: TableDefinition<(&str, &str), &[u8]> = TableDefinition::new("signatures");
const COUNTS: TableDefinition<(&str, &str), u64> = TableDefinition::new("counts");
const LETTERS: TableDefinition<(&str, &str, &str), &[u8]> = TableDefinition::new("letters");
const LETTER_COUNTS: TableDefinition<&str, u64> = TableDefinition::new("letter_counts");
const PENDING: TableDefinition<(&str, &str), &[u8]> = TableDefinition::new("pending");
const TOKENS: TableDefinition<&str, &[u8]> = TableDefinition::new("tokens");
const FAIR: TableDefinition<&str, (u64, i64)> = TableDefinition::new("fair");
const NOTES: TableDefinition<(&str, &str, &str), i64> = TableDefinition::new("client_notes");
const PAUSES: TableDefinition<&str, &[u8]> = TableDefinition::new("pauses");
const ACTIONS: TableDefinition<(&str, &str, &str), u64> = TableDefinition::new("actions");
/// Facts about the store itself: `signer_key`, the fingerprint of the key it was written with.
const META: TableDefinition<&str, &str> = TableDefinition::new("meta");
/// Hourly snapshots: (petition, hour in unix seconds) → the [`Counts`] as JSON.
const HISTORY: TableDefinition<(&str, i64), &[u8]> = TableDefinition::new("history");
const SIGNER_KEY: &str = "signer_key";

/// What a confirmation token points at.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct TokenEntry {
    petition: String,
    hash: String,
    pending_until: i64,
    used: bool,
}
/// The country key that holds a petition's total.
const TOTAL: &str = "";

/// The embedded store. Cheap to clone.
#[derive(Clone)]
pub struct LocalStore {
    db: Arc<Database>,
    path: PathBuf,
}

impl std::fmt::Debug for LocalStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalStore")
            .field("path", &self.path)
            .finish()
    }
}

fn db_err(e: impl Into<redb::Error>) -> StoreError {
    match e.into() {
        redb::Error::Io(io) => StoreError::Unavailable(Detail::caused_by(
            "the database file could not be read or written (disk error)",
            io,
        )),
        other => StoreError::Other(Detail::caused_by("the embedded database failed", other)),
    }
}

/// A stored record that does not parse back.
fn damaged(what: &str, e: serde_json::Error) -> StoreError {
    StoreError::Other(Detail::caused_by(format!("a stored {what} is damaged"), e))
}

fn unencodable(e: serde_json::Error) -> StoreError {
    StoreError::Other(Detail::caused_by("a record could not be encoded", e))
}

impl LocalStore {
    /// Opens (creating when missing, owner-only) `<data_dir>/petitions.redb`. Blocking.
    pub fn open_in(data_dir: &Path) -> Result<Self, StoreError> {
        contract::fs::create_private_dir(data_dir).map_err(|e| {
            StoreError::Unavailable(Detail::caused_by(
                format!("cannot create {}", data_dir.display()),
                e,
            ))
        })?;
        Self::open(&data_dir.join(DB_FILE))
    }

    /// Opens (creating when missing) a database file. Blocking.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let db = Database::create(path).map_err(|e| match e {
            redb::DatabaseError::DatabaseAlreadyOpen => StoreError::Unavailable(Detail::new(format!(
                "{} is already open in another process (is another `serve` running with the same --data-dir?)",
                path.display()
            ))),
            other => StoreError::Other(Detail::caused_by(
                format!("cannot open {}", path.display()),
                other,
            )),
        })?;
        // Signers' (encrypted) data: owner only, however redb created the file.
        contract::fs::make_private(path).map_err(|e| {
            StoreError::Other(Detail::caused_by(
                format!("cannot make {} private (mode 0600)", path.display()),
                e,
            ))
        })?;
        // Create the tables up front so that readers never meet a missing table.
        let txn = db.begin_write().map_err(db_err)?;
        txn.open_table(SIGNATURES).map_err(db_err)?;
        txn.open_table(COUNTS).map_err(db_err)?;
        txn.open_table(LETTERS).map_err(db_err)?;
        txn.open_table(LETTER_COUNTS).map_err(db_err)?;
        txn.open_table(PENDING).map_err(db_err)?;
        txn.open_table(TOKENS).map_err(db_err)?;
        txn.open_table(FAIR).map_err(db_err)?;
        txn.open_table(NOTES).map_err(db_err)?;
        txn.open_table(PAUSES).map_err(db_err)?;
        txn.open_table(ACTIONS).map_err(db_err)?;
        txn.open_table(META).map_err(db_err)?;
        txn.open_table(HISTORY).map_err(db_err)?;
        txn.commit().map_err(db_err)?;
        Ok(Self {
            db: Arc::new(db),
            path: path.to_owned(),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn sign_blocking(&self, rec: &SignatureRecord) -> Result<SignOutcome, StoreError> {
        let txn = self.db.begin_write().map_err(db_err)?;
        let new = insert_signature(&txn, rec)?;
        if new {
            txn.commit().map_err(db_err)?;
        } else {
            txn.abort().map_err(db_err)?;
        }
        Ok(SignOutcome { new })
    }

    fn sign_pending_blocking(&self, rec: &PendingRecord) -> Result<PendingOutcome, StoreError> {
        let sig = &rec.signature;
        let key = (sig.petition.as_str(), sig.hash.as_str());
        let txn = self.db.begin_write().map_err(db_err)?;
        let outcome = {
            let sigs = txn.open_table(SIGNATURES).map_err(db_err)?;
            let mut pending = txn.open_table(PENDING).map_err(db_err)?;
            let waiting = read_pending(&pending, key)?;
            if sigs.get(key).map_err(db_err)?.is_some() {
                PendingOutcome::AlreadyConfirmed
            } else if waiting
                .is_some_and(|w| w.pending_until > rec.at && rec.at - w.at < MAIL_INTERVAL_SECS)
            {
                PendingOutcome::RecentlyMailed
            } else {
                let value = serde_json::to_vec(rec).map_err(unencodable)?;
                pending.insert(key, value.as_slice()).map_err(db_err)?;
                let token = serde_json::to_vec(&TokenEntry {
                    petition: sig.petition.clone(),
                    hash: sig.hash.clone(),
                    pending_until: rec.pending_until,
                    used: false,
                })
                .map_err(unencodable)?;
                let mut tokens = txn.open_table(TOKENS).map_err(db_err)?;
                tokens
                    .insert(rec.token_hash.as_str(), token.as_slice())
                    .map_err(db_err)?;
                PendingOutcome::Mail
            }
        };
        if outcome == PendingOutcome::Mail {
            txn.commit().map_err(db_err)?;
        } else {
            txn.abort().map_err(db_err)?;
        }
        Ok(outcome)
    }

    fn confirm_blocking(
        &self,
        token_hash: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<ConfirmOutcome, StoreError> {
        let txn = self.db.begin_write().map_err(db_err)?;
        let (outcome, changed) = {
            let mut tokens = txn.open_table(TOKENS).map_err(db_err)?;
            let entry = match tokens.get(token_hash).map_err(db_err)? {
                Some(v) => serde_json::from_slice::<TokenEntry>(v.value())
                    .map_err(|e| damaged("confirmation token", e))?,
                None => return Ok(ConfirmOutcome::Unknown),
            };
            let petition = entry.petition.clone();
            let key = (entry.petition.as_str(), entry.hash.as_str());
            let confirmed_before = txn
                .open_table(SIGNATURES)
                .map_err(db_err)?
                .get(key)
                .map_err(db_err)?
                .is_some();
            if entry.used || confirmed_before {
                (ConfirmOutcome::AlreadyConfirmed { petition }, false)
            } else {
                let mut pending = txn.open_table(PENDING).map_err(db_err)?;
                let waiting = read_pending(&pending, key)?;
                match waiting.filter(|w| w.pending_until > now && entry.pending_until > now) {
                    None => (ConfirmOutcome::Expired { petition }, false),
                    Some(w) => {
                        pending.remove(key).map_err(db_err)?;
                        let used = serde_json::to_vec(&TokenEntry {
                            used: true,
                            ..entry
                        })
                        .map_err(unencodable)?;
                        tokens.insert(token_hash, used.as_slice()).map_err(db_err)?;
                        let signature = SignatureRecord {
                            expires_at,
                            ..w.signature
                        };
                        insert_signature(&txn, &signature)?;
                        (ConfirmOutcome::Confirmed { petition }, true)
                    }
                }
            }
        };
        if changed {
            txn.commit().map_err(db_err)?;
        } else {
            txn.abort().map_err(db_err)?;
        }
        Ok(outcome)
    }

    fn recipients_blocking(&self, petition: &str) -> Result<Vec<Recipient>, StoreError> {
        Ok(super::recipients_of(self.export_blocking(petition)?))
    }

    /// Reads the table whole, as `forget` does: an occasional request.
    fn unsubscribe_blocking(&self, hash: &str, petitions: &[String]) -> Result<u64, StoreError> {
        let txn = self.db.begin_write().map_err(db_err)?;
        let mut changed = 0;
        {
            let mut sigs = txn.open_table(SIGNATURES).map_err(db_err)?;
            let mut updated = Vec::new();
            for entry in sigs.iter().map_err(db_err)? {
                let (key, value) = entry.map_err(db_err)?;
                let (petition, h) = key.value();
                if h != hash || !petitions.iter().any(|p| p == petition) {
                    continue;
                }
                let rec: SignatureRecord =
                    serde_json::from_slice(value.value()).map_err(|e| damaged("signature", e))?;
                if rec.updates || rec.email_enc.is_some() {
                    let rec = SignatureRecord {
                        updates: false,
                        email_enc: None,
                        ..rec
                    };
                    updated.push((petition.to_owned(), rec));
                }
            }
            for (petition, rec) in &updated {
                let value = serde_json::to_vec(rec).map_err(unencodable)?;
                sigs.insert((petition.as_str(), hash), value.as_slice())
                    .map_err(db_err)?;
                changed += 1;
            }
        }
        if changed > 0 {
            txn.commit().map_err(db_err)?;
        } else {
            txn.abort().map_err(db_err)?;
        }
        Ok(changed)
    }

    fn mail_failed_blocking(&self, petition: &str, hash: &str, at: i64) -> Result<(), StoreError> {
        let txn = self.db.begin_write().map_err(db_err)?;
        let changed = {
            let mut pending = txn.open_table(PENDING).map_err(db_err)?;
            let waiting = read_pending(&pending, (petition, hash))?;
            match waiting.filter(|w| w.at == at) {
                Some(w) => {
                    let unmailed = PendingRecord {
                        at: at.saturating_sub(MAIL_INTERVAL_SECS),
                        ..w
                    };
                    let value = serde_json::to_vec(&unmailed).map_err(unencodable)?;
                    pending
                        .insert((petition, hash), value.as_slice())
                        .map_err(db_err)?;
                    true
                }
                None => false,
            }
        };
        if changed {
            txn.commit().map_err(db_err)?;
        } else {
            txn.abort().map_err(db_err)?;
        }
        Ok(())
    }

    fn pending_count_blocking(&self, petition: &str, now: i64) -> Result<u64, StoreError> {
        let txn = self.db.begin_read().map_err(db_err)?;
        let pending = txn.open_table(PENDING).map_err(db_err)?;
        let mut n = 0;
        for entry in pending.range((petition, "")..).map_err(db_err)? {
            let (key, value) = entry.map_err(db_err)?;
            if key.value().0 != petition {
                break;
            }
            let rec: PendingRecord = serde_json::from_slice(value.value())
                .map_err(|e| damaged("pending signature", e))?;
            if rec.pending_until > now {
                n += 1;
            }
        }
        Ok(n)
    }

    fn sweep_blocking(&self, now: i64) -> Result<u64, StoreError> {
        let txn = self.db.begin_write().map_err(db_err)?;
        let mut swept = 0;
        {
            let mut pending = txn.open_table(PENDING).map_err(db_err)?;
            let mut doomed = Vec::new();
            for entry in pending.iter().map_err(db_err)? {
                let (key, value) = entry.map_err(db_err)?;
                let rec: PendingRecord = serde_json::from_slice(value.value())
                    .map_err(|e| damaged("pending signature", e))?;
                if rec.pending_until <= now {
                    let (petition, hash) = key.value();
                    doomed.push((petition.to_owned(), hash.to_owned()));
                }
            }
            for (petition, hash) in &doomed {
                pending
                    .remove((petition.as_str(), hash.as_str()))
                    .map_err(db_err)?;
                swept += 1;
            }
            let mut tokens = txn.open_table(TOKENS).map_err(db_err)?;
            let mut doomed = Vec::new();
            for entry in tokens.iter().map_err(db_err)? {
                let (key, value) = entry.map_err(db_err)?;
                let token: TokenEntry = serde_json::from_slice(value.value())
                    .map_err(|e| damaged("confirmation token", e))?;
                if token.pending_until <= now {
                    doomed.push(key.value().to_owned());
                }
            }
            for token in &doomed {
                tokens.remove(token.as_str()).map_err(db_err)?;
            }
            // Personal data past its retention goes; the counts it was counted in stay.
            let mut sigs = txn.open_table(SIGNATURES).map_err(db_err)?;
            let mut broken = None;
            sigs.retain(
                |_, value| match serde_json::from_slice::<SignatureRecord>(value) {
                    Ok(rec) => rec.expires_at > now,
                    Err(e) => {
                        broken.get_or_insert(e);
                        true
                    }
                },
            )
            .map_err(db_err)?;
            let mut letters = txn.open_table(LETTERS).map_err(db_err)?;
            letters
                .retain(
                    |_, value| match serde_json::from_slice::<LetterRecord>(value) {
                        Ok(rec) => rec.expires_at > now,
                        Err(e) => {
                            broken.get_or_insert(e);
                            true
                        }
                    },
                )
                .map_err(db_err)?;
            if let Some(e) = broken {
                return Err(damaged("record", e));
            }
            let mut fair = txn.open_table(FAIR).map_err(db_err)?;
            fair.retain(|_, (_, expires)| expires > now)
                .map_err(db_err)?;
            let mut notes = txn.open_table(NOTES).map_err(db_err)?;
            notes.retain(|_, expires| expires > now).map_err(db_err)?;
        }
        txn.commit().map_err(db_err)?;
        Ok(swept)
    }

    fn count_blocking(&self, petition: &str) -> Result<Counts, StoreError> {
        let txn = self.db.begin_read().map_err(db_err)?;
        let counts = txn.open_table(COUNTS).map_err(db_err)?;
        let mut out = Counts::default();
        for entry in counts.range((petition, TOTAL)..).map_err(db_err)? {
            let (key, value) = entry.map_err(db_err)?;
            let (p, country) = key.value();
            if p != petition {
                break;
            }
            if country == TOTAL {
                out.total = value.value();
            } else {
                out.by_country.insert(country.to_owned(), value.value());
            }
        }
        Ok(out)
    }

    fn export_blocking(&self, petition: &str) -> Result<Vec<StoredSignature>, StoreError> {
        let now = unix_seconds(std::time::SystemTime::now());
        let txn = self.db.begin_read().map_err(db_err)?;
        let sigs = txn.open_table(SIGNATURES).map_err(db_err)?;
        let mut out = Vec::new();
        for entry in sigs.range((petition, "")..).map_err(db_err)? {
            let (key, value) = entry.map_err(db_err)?;
            if key.value().0 != petition {
                break;
            }
            let rec: SignatureRecord =
                serde_json::from_slice(value.value()).map_err(|e| damaged("signature", e))?;
            if rec.expires_at > now {
                out.push(rec);
            }
        }
        Ok(out)
    }

    fn send_letter_blocking(&self, rec: &LetterRecord) -> Result<SignOutcome, StoreError> {
        let value = serde_json::to_vec(rec).map_err(unencodable)?;
        let txn = self.db.begin_write().map_err(db_err)?;
        {
            let mut letters = txn.open_table(LETTERS).map_err(db_err)?;
            let (state, hash) = (rec.state.as_str(), rec.hash.as_str());
            // Any letter of this writer to this state, of this layout or the older one.
            let earlier = letters
                .range((state, hash, "")..=(state, hash, "\u{10FFFF}"))
                .map_err(db_err)?
                .next()
                .transpose()
                .map_err(db_err)?
                .map(|(key, _)| key.value().2.to_owned());
            if let Some(suffix) = earlier {
                if rec.private_enc.is_some() {
                    letters
                        .insert((state, hash, suffix.as_str()), value.as_slice())
                        .map_err(db_err)?;
                    drop(letters);
                    txn.commit().map_err(db_err)?;
                } else {
                    drop(letters);
                    txn.abort().map_err(db_err)?;
                }
                return Ok(SignOutcome { new: false });
            }
            letters
                .insert((state, hash, ""), value.as_slice())
                .map_err(db_err)?;
            let mut counts = txn.open_table(LETTER_COUNTS).map_err(db_err)?;
            for name in letter_counters(&rec.state, &rec.senators) {
                let now = counts
                    .get(name.as_str())
                    .map_err(db_err)?
                    .map_or(0, |g| g.value());
                counts.insert(name.as_str(), now + 1).map_err(db_err)?;
            }
        }
        txn.commit().map_err(db_err)?;
        Ok(SignOutcome { new: true })
    }

    fn letter_counts_blocking(&self) -> Result<LetterCounts, StoreError> {
        let txn = self.db.begin_read().map_err(db_err)?;
        let counts = txn.open_table(LETTER_COUNTS).map_err(db_err)?;
        let mut out = LetterCounts::default();
        for entry in counts.iter().map_err(db_err)? {
            let (key, value) = entry.map_err(db_err)?;
            add_letter_count(&mut out, key.value(), value.value());
        }
        Ok(out)
    }

    fn export_letters_blocking(
        &self,
        filter: &LetterFilter,
    ) -> Result<Vec<StoredLetter>, StoreError> {
        let now = unix_seconds(std::time::SystemTime::now());
        let txn = self.db.begin_read().map_err(db_err)?;
        let letters = txn.open_table(LETTERS).map_err(db_err)?;
        let mut out = Vec::new();
        let range = match filter {
            LetterFilter::State(code) => letters.range((code.as_str(), "", "")..),
            _ => letters.range::<(&str, &str, &str)>(..),
        };
        for entry in range.map_err(db_err)? {
            let (key, value) = entry.map_err(db_err)?;
            if let LetterFilter::State(code) = filter
                && key.value().0 != code.as_str()
            {
                break;
            }
            let rec: LetterRecord =
                serde_json::from_slice(value.value()).map_err(|e| damaged("letter", e))?;
            if rec.expires_at > now && filter.matches(&rec) {
                out.push(rec);
            }
        }
        Ok(out)
    }

    /// Deletes a person's signatures and letters and their counts in ONE write transaction
    /// (all or nothing). The tables are keyed by petition and by state first, so this reads
    /// them whole: an operator's occasional request on a local store.
    fn forget_blocking(&self, hash: &str) -> Result<Forgotten, StoreError> {
        let txn = self.db.begin_write().map_err(db_err)?;
        let mut out = Forgotten::default();
        {
            let sigs = txn.open_table(SIGNATURES).map_err(db_err)?;
            let mut doomed = Vec::new();
            for entry in sigs.iter().map_err(db_err)? {
                let (key, value) = entry.map_err(db_err)?;
                let (petition, h) = key.value();
                if h == hash {
                    let rec: SignatureRecord = serde_json::from_slice(value.value())
                        .map_err(|e| damaged("signature", e))?;
                    doomed.push((petition.to_owned(), rec.country));
                }
            }
            drop(sigs);
            for (petition, _) in &doomed {
                if remove_signature(&txn, petition, hash)?.is_some() {
                    out.signatures += 1;
                }
            }

            let mut pending = txn.open_table(PENDING).map_err(db_err)?;
            let mut doomed = Vec::new();
            for entry in pending.iter().map_err(db_err)? {
                let (key, _) = entry.map_err(db_err)?;
                let (petition, h) = key.value();
                if h == hash {
                    doomed.push(petition.to_owned());
                }
            }
            for petition in &doomed {
                pending.remove((petition.as_str(), hash)).map_err(db_err)?;
                out.pending += 1;
            }

            let mut letters = txn.open_table(LETTERS).map_err(db_err)?;
            let mut doomed = Vec::new();
            for entry in letters.iter().map_err(db_err)? {
                let (key, value) = entry.map_err(db_err)?;
                let (state, h, letter_hash) = key.value();
                if h == hash {
                    let rec: LetterRecord =
                        serde_json::from_slice(value.value()).map_err(|e| damaged("letter", e))?;
                    doomed.push((state.to_owned(), letter_hash.to_owned(), rec.senators));
                }
            }
            let mut counts = txn.open_table(LETTER_COUNTS).map_err(db_err)?;
            for (state, letter_hash, senators) in &doomed {
                letters
                    .remove((state.as_str(), hash, letter_hash.as_str()))
                    .map_err(db_err)?;
                for name in letter_counters(state, senators) {
                    let now = counts
                        .get(name.as_str())
                        .map_err(db_err)?
                        .map_or(0, |g| g.value());
                    if now > 1 {
                        counts.insert(name.as_str(), now - 1).map_err(db_err)?;
                    } else {
                        counts.remove(name.as_str()).map_err(db_err)?;
                    }
                }
                out.letters += 1;
            }
        }
        if out == Forgotten::default() {
            txn.abort().map_err(db_err)?;
        } else {
            txn.commit().map_err(db_err)?;
        }
        Ok(out)
    }

    /// A write transaction for fair-use data (counters, spent challenges, client notes):
    /// committed without waiting for the disk. They matter for an hour or a day; the next
    /// durable commit (any signature) writes them out, and a crash loses at most the last
    /// few, which only lets a client a little more through. It keeps the limits from tripling
    /// the cost of a signature.
    fn fair_use_txn(&self) -> Result<redb::WriteTransaction, StoreError> {
        let mut txn = self.db.begin_write().map_err(db_err)?;
        txn.set_durability(redb::Durability::None)
            .map_err(|e| StoreError::Other(Detail::caused_by("the embedded database failed", e)))?;
        Ok(txn)
    }

    async fn blocking<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Self) -> Result<T, StoreError> + Send + 'static,
    {
        let this = self.clone();
        tokio::task::spawn_blocking(move || f(&this))
            .await
            .map_err(|e| StoreError::Other(Detail::caused_by("the store task failed", e)))?
    }
}

impl Store for LocalStore {
    fn kind(&self) -> &'static str {
        "local"
    }

    fn health(&self) -> StoreFuture<'_, ()> {
        Box::pin(self.blocking(|s| {
            s.db.begin_read().map_err(db_err)?;
            Ok(())
        }))
    }

    fn sign(&self, rec: SignatureRecord) -> StoreFuture<'_, SignOutcome> {
        Box::pin(self.blocking(move |s| s.sign_blocking(&rec)))
    }

    fn count<'a>(&'a self, petition: &'a str) -> StoreFuture<'a, Counts> {
        let petition = petition.to_owned();
        Box::pin(self.blocking(move |s| s.count_blocking(&petition)))
    }

    fn export_signatures<'a>(&'a self, petition: &'a str) -> StoreFuture<'a, Vec<StoredSignature>> {
        let petition = petition.to_owned();
        Box::pin(self.blocking(move |s| s.export_blocking(&petition)))
    }

    fn send_letter(&self, rec: LetterRecord) -> StoreFuture<'_, SignOutcome> {
        Box::pin(self.blocking(move |s| s.send_letter_blocking(&rec)))
    }

    fn letter_counts(&self) -> StoreFuture<'_, LetterCounts> {
        Box::pin(self.blocking(|s| s.letter_counts_blocking()))
    }

    fn strip_letters(&self) -> StoreFuture<'_, u64> {
        Box::pin(self.blocking(|s| {
            let txn = s.db.begin_write().map_err(db_err)?;
            let mut changed = 0;
            {
                let mut letters = txn.open_table(LETTERS).map_err(db_err)?;
                let mut stripped = Vec::new();
                for entry in letters.iter().map_err(db_err)? {
                    let (key, value) = entry.map_err(db_err)?;
                    let rec: LetterRecord =
                        serde_json::from_slice(value.value()).map_err(|e| damaged("letter", e))?;
                    if rec.private_enc.is_some() {
                        let (state, hash, suffix) = key.value();
                        let rec = LetterRecord {
                            private_enc: None,
                            ..rec
                        };
                        stripped
                            .push(((state.to_owned(), hash.to_owned(), suffix.to_owned()), rec));
                    }
                }
                for ((state, hash, suffix), rec) in &stripped {
                    let value = serde_json::to_vec(rec).map_err(unencodable)?;
                    letters
                        .insert(
                            (state.as_str(), hash.as_str(), suffix.as_str()),
                            value.as_slice(),
                        )
                        .map_err(db_err)?;
                    changed += 1;
                }
            }
            txn.commit().map_err(db_err)?;
            Ok(changed)
        }))
    }

    fn export_letters<'a>(
        &'a self,
        filter: &'a LetterFilter,
    ) -> StoreFuture<'a, Vec<StoredLetter>> {
        let filter = filter.clone();
        Box::pin(self.blocking(move |s| s.export_letters_blocking(&filter)))
    }

    fn forget<'a>(&'a self, hash: &'a str) -> StoreFuture<'a, Forgotten> {
        let hash = hash.to_owned();
        Box::pin(self.blocking(move |s| s.forget_blocking(&hash)))
    }

    fn sign_pending(&self, rec: PendingRecord) -> StoreFuture<'_, PendingOutcome> {
        Box::pin(self.blocking(move |s| s.sign_pending_blocking(&rec)))
    }

    fn confirm<'a>(
        &'a self,
        token_hash: &'a str,
        now: i64,
        expires_at: i64,
    ) -> StoreFuture<'a, ConfirmOutcome> {
        let token_hash = token_hash.to_owned();
        Box::pin(self.blocking(move |s| s.confirm_blocking(&token_hash, now, expires_at)))
    }

    fn recipients<'a>(&'a self, petition: &'a str) -> StoreFuture<'a, Vec<Recipient>> {
        let petition = petition.to_owned();
        Box::pin(self.blocking(move |s| s.recipients_blocking(&petition)))
    }

    fn unsubscribe<'a>(&'a self, hash: &'a str, petitions: &'a [String]) -> StoreFuture<'a, u64> {
        let (hash, petitions) = (hash.to_owned(), petitions.to_vec());
        Box::pin(self.blocking(move |s| s.unsubscribe_blocking(&hash, &petitions)))
    }

    fn mail_failed<'a>(&'a self, petition: &'a str, hash: &'a str, at: i64) -> StoreFuture<'a, ()> {
        let (petition, hash) = (petition.to_owned(), hash.to_owned());
        Box::pin(self.blocking(move |s| s.mail_failed_blocking(&petition, &hash, at)))
    }

    fn pending_count<'a>(&'a self, petition: &'a str, now: i64) -> StoreFuture<'a, u64> {
        let petition = petition.to_owned();
        Box::pin(self.blocking(move |s| s.pending_count_blocking(&petition, now)))
    }

    fn sweep(&self, now: i64) -> StoreFuture<'_, u64> {
        Box::pin(self.blocking(move |s| s.sweep_blocking(now)))
    }

    fn hit<'a>(&'a self, key: &'a str, expires_at: i64) -> StoreFuture<'a, u64> {
        let key = key.to_owned();
        Box::pin(self.blocking(move |s| {
            let txn = s.fair_use_txn()?;
            let n = {
                let mut fair = txn.open_table(FAIR).map_err(db_err)?;
                let n = fair
                    .get(key.as_str())
                    .map_err(db_err)?
                    .map_or(0, |g| g.value().0)
                    + 1;
                fair.insert(key.as_str(), (n, expires_at)).map_err(db_err)?;
                n
            };
            txn.commit().map_err(db_err)?;
            Ok(n)
        }))
    }

    fn peek<'a>(&'a self, key: &'a str, now: i64) -> StoreFuture<'a, u64> {
        let key = key.to_owned();
        Box::pin(self.blocking(move |s| {
            let txn = s.db.begin_read().map_err(db_err)?;
            let fair = txn.open_table(FAIR).map_err(db_err)?;
            Ok(fair
                .get(key.as_str())
                .map_err(db_err)?
                .map(|g| g.value())
                .filter(|(_, expires)| *expires > now)
                .map_or(0, |(n, _)| n))
        }))
    }

    fn spend<'a>(&'a self, key: &'a str, expires_at: i64) -> StoreFuture<'a, bool> {
        let key = key.to_owned();
        Box::pin(self.blocking(move |s| {
            let txn = s.fair_use_txn()?;
            let fresh = {
                let mut fair = txn.open_table(FAIR).map_err(db_err)?;
                let fresh = fair.get(key.as_str()).map_err(db_err)?.is_none();
                if fresh {
                    fair.insert(key.as_str(), (1, expires_at)).map_err(db_err)?;
                }
                fresh
            };
            txn.commit().map_err(db_err)?;
            Ok(fresh)
        }))
    }

    fn note_client(&self, note: ClientNote) -> StoreFuture<'_, ()> {
        Box::pin(self.blocking(move |s| {
            let txn = s.fair_use_txn()?;
            txn.open_table(NOTES)
                .map_err(db_err)?
                .insert(
                    (
                        note.petition.as_str(),
                        note.client.as_str(),
                        note.hash.as_str(),
                    ),
                    note.expires_at,
                )
                .map_err(db_err)?;
            txn.commit().map_err(db_err)
        }))
    }

    fn client_notes<'a>(
        &'a self,
        petition: &'a str,
        client: Option<&'a str>,
        now: i64,
    ) -> StoreFuture<'a, Vec<ClientNote>> {
        let (petition, client) = (petition.to_owned(), client.map(str::to_owned));
        Box::pin(self.blocking(move |s| {
            let txn = s.db.begin_read().map_err(db_err)?;
            let notes = txn.open_table(NOTES).map_err(db_err)?;
            let mut out = Vec::new();
            for entry in notes.iter().map_err(db_err)? {
                let (key, expires) = entry.map_err(db_err)?;
                let (p, c, h) = key.value();
                let expires_at = expires.value();
                if p == petition
                    && client.as_deref().is_none_or(|want| want == c)
                    && expires_at > now
                {
                    out.push(ClientNote {
                        petition: p.to_owned(),
                        client: c.to_owned(),
                        hash: h.to_owned(),
                        expires_at,
                    });
                }
            }
            Ok(out)
        }))
    }

    fn invalidate<'a>(
        &'a self,
        petition: &'a str,
        hashes: &'a [String],
    ) -> StoreFuture<'a, Invalidated> {
        let (petition, hashes) = (petition.to_owned(), hashes.to_vec());
        Box::pin(self.blocking(move |s| {
            let txn = s.db.begin_write().map_err(db_err)?;
            let mut out = Invalidated::default();
            for hash in &hashes {
                if let Some(country) = remove_signature(&txn, &petition, hash)? {
                    out.signatures.total += 1;
                    *out.signatures.by_country.entry(country).or_default() += 1;
                }
                let mut pending = txn.open_table(PENDING).map_err(db_err)?;
                if pending
                    .remove((petition.as_str(), hash.as_str()))
                    .map_err(db_err)?
                    .is_some()
                {
                    out.pending += 1;
                }
            }
            txn.commit().map_err(db_err)?;
            Ok(out)
        }))
    }

    fn count_action<'a>(
        &'a self,
        kind: &'a str,
        state: &'a str,
        senator: &'a str,
    ) -> StoreFuture<'a, ()> {
        let key = (kind.to_owned(), state.to_owned(), senator.to_owned());
        Box::pin(self.blocking(move |s| {
            let txn = s.db.begin_write().map_err(db_err)?;
            {
                let mut actions = txn.open_table(ACTIONS).map_err(db_err)?;
                let k = (key.0.as_str(), key.1.as_str(), key.2.as_str());
                let n = actions.get(k).map_err(db_err)?.map_or(0, |g| g.value());
                actions.insert(k, n + 1).map_err(db_err)?;
            }
            txn.commit().map_err(db_err)
        }))
    }

    fn action_counts(&self) -> StoreFuture<'_, Vec<ActionCount>> {
        Box::pin(self.blocking(|s| {
            let txn = s.db.begin_read().map_err(db_err)?;
            let actions = txn.open_table(ACTIONS).map_err(db_err)?;
            let mut out = Vec::new();
            for entry in actions.iter().map_err(db_err)? {
                let (key, count) = entry.map_err(db_err)?;
                let (kind, state, senator) = key.value();
                out.push(ActionCount {
                    kind: kind.to_owned(),
                    state: state.to_owned(),
                    senator: senator.to_owned(),
                    count: count.value(),
                });
            }
            Ok(out)
        }))
    }

    fn recount<'a>(&'a self, petition: &'a str, fix: bool) -> StoreFuture<'a, Recount> {
        let petition = petition.to_owned();
        Box::pin(self.blocking(move |s| {
            let counted = s.count_blocking(&petition)?;
            // One write transaction: the count and the fix see the same signatures.
            let txn = s.db.begin_write().map_err(db_err)?;
            let mut stored = Counts::default();
            {
                let sigs = txn.open_table(SIGNATURES).map_err(db_err)?;
                for entry in sigs.range((petition.as_str(), "")..).map_err(db_err)? {
                    let (key, value) = entry.map_err(db_err)?;
                    if key.value().0 != petition {
                        break;
                    }
                    let rec: SignatureRecord = serde_json::from_slice(value.value())
                        .map_err(|e| damaged("signature", e))?;
                    stored.total += 1;
                    *stored.by_country.entry(rec.country).or_default() += 1;
                }
            }
            let mut out = Recount {
                stored,
                counted,
                fixed: false,
            };
            if fix && !out.agrees() {
                {
                    let mut counts = txn.open_table(COUNTS).map_err(db_err)?;
                    let petition = petition.as_str();
                    counts
                        .retain_in((petition, TOTAL)..=(petition, "\u{10FFFF}"), |_, _| false)
                        .map_err(db_err)?;
                    if out.stored.total > 0 {
                        counts
                            .insert((petition, TOTAL), out.stored.total)
                            .map_err(db_err)?;
                    }
                    for (country, n) in &out.stored.by_country {
                        counts
                            .insert((petition, country.as_str()), *n)
                            .map_err(db_err)?;
                    }
                }
                txn.commit().map_err(db_err)?;
                out.fixed = true;
            } else {
                txn.abort().map_err(db_err)?;
            }
            Ok(out)
        }))
    }

    fn write_snapshot(&self, snapshot: Snapshot) -> StoreFuture<'_, ()> {
        Box::pin(self.blocking(move |s| {
            let value = serde_json::to_vec(&snapshot.counts).map_err(unencodable)?;
            let petition = snapshot.petition.as_str();
            let oldest = snapshot.hour.saturating_sub(HISTORY_SECS);
            let txn = s.db.begin_write().map_err(db_err)?;
            {
                let mut history = txn.open_table(HISTORY).map_err(db_err)?;
                history
                    .insert((petition, snapshot.hour), value.as_slice())
                    .map_err(db_err)?;
                let stale: Vec<i64> = history
                    .range((petition, i64::MIN)..(petition, oldest))
                    .map_err(db_err)?
                    .map(|entry| entry.map(|(key, _)| key.value().1))
                    .collect::<Result<_, _>>()
                    .map_err(db_err)?;
                for hour in stale {
                    history.remove((petition, hour)).map_err(db_err)?;
                }
            }
            txn.commit().map_err(db_err)
        }))
    }

    fn history<'a>(
        &'a self,
        petition: &'a str,
        since: i64,
        now: i64,
    ) -> StoreFuture<'a, Vec<Snapshot>> {
        let petition = petition.to_owned();
        Box::pin(self.blocking(move |s| {
            let from = since.max(now.saturating_sub(HISTORY_SECS));
            let txn = s.db.begin_read().map_err(db_err)?;
            let history = txn.open_table(HISTORY).map_err(db_err)?;
            let mut out = Vec::new();
            for entry in history
                .range((petition.as_str(), from)..=(petition.as_str(), i64::MAX))
                .map_err(db_err)?
            {
                let (key, value) = entry.map_err(db_err)?;
                let counts =
                    serde_json::from_slice(value.value()).map_err(|e| damaged("snapshot", e))?;
                out.push(Snapshot {
                    petition: petition.clone(),
                    hour: key.value().1,
                    counts,
                });
            }
            Ok(out)
        }))
    }

    fn set_pause<'a>(&'a self, petition: &'a str, pause: Option<Pause>) -> StoreFuture<'a, ()> {
        let petition = petition.to_owned();
        Box::pin(self.blocking(move |s| {
            let txn = s.db.begin_write().map_err(db_err)?;
            {
                let mut pauses = txn.open_table(PAUSES).map_err(db_err)?;
                match pause {
                    Some(p) => {
                        let value = serde_json::to_vec(&p).map_err(unencodable)?;
                        pauses
                            .insert(petition.as_str(), value.as_slice())
                            .map_err(db_err)?;
                    }
                    None => {
                        pauses.remove(petition.as_str()).map_err(db_err)?;
                    }
                }
            }
            txn.commit().map_err(db_err)
        }))
    }

    fn pause<'a>(&'a self, petition: &'a str) -> StoreFuture<'a, Option<Pause>> {
        let petition = petition.to_owned();
        Box::pin(self.blocking(move |s| {
            let txn = s.db.begin_read().map_err(db_err)?;
            let pauses = txn.open_table(PAUSES).map_err(db_err)?;
            match pauses.get(petition.as_str()).map_err(db_err)? {
                Some(v) => serde_json::from_slice(v.value())
                    .map(Some)
                    .map_err(|e| damaged("pause", e)),
                None => Ok(None),
            }
        }))
    }

    fn key_fingerprint<'a>(&'a self, record: Option<&'a str>) -> StoreFuture<'a, Option<String>> {
        let record = record.map(str::to_owned);
        Box::pin(self.blocking(move |s| {
            let txn = s.db.begin_write().map_err(db_err)?;
            let held = {
                let mut meta = txn.open_table(META).map_err(db_err)?;
                let held = meta
                    .get(SIGNER_KEY)
                    .map_err(db_err)?
                    .map(|v| v.value().to_owned());
                match (held, record) {
                    (None, Some(record)) => {
                        meta.insert(SIGNER_KEY, record.as_str()).map_err(db_err)?;
                        Some(record)
                    }
                    (held, _) => held,
                }
            };
            txn.commit().map_err(db_err)?;
            Ok(held)
        }))
    }
}

/// Deletes the signature (`petition`, `hash`) and decrements its counters inside `txn` (a
/// counter that reaches zero is removed); its country, or `None` when there was none.
fn remove_signature(
    txn: &redb::WriteTransaction,
    petition: &str,
    hash: &str,
) -> Result<Option<String>, StoreError> {
    let mut sigs = txn.open_table(SIGNATURES).map_err(db_err)?;
    let Some(old) = sigs.remove((petition, hash)).map_err(db_err)? else {
        return Ok(None);
    };
    let rec: SignatureRecord =
        serde_json::from_slice(old.value()).map_err(|e| damaged("signature", e))?;
    drop(old);
    let mut counts = txn.open_table(COUNTS).map_err(db_err)?;
    for c in [TOTAL, rec.country.as_str()] {
        let key = (petition, c);
        let now = counts.get(key).map_err(db_err)?.map_or(0, |g| g.value());
        if now > 1 {
            counts.insert(key, now - 1).map_err(db_err)?;
        } else {
            counts.remove(key).map_err(db_err)?;
        }
    }
    Ok(Some(rec.country))
}

/// The pending signature at `key` of the `pending` table, if any.
fn read_pending(
    pending: &impl ReadableTable<(&'static str, &'static str), &'static [u8]>,
    key: (&str, &str),
) -> Result<Option<PendingRecord>, StoreError> {
    match pending.get(key).map_err(db_err)? {
        Some(v) => serde_json::from_slice(v.value())
            .map(Some)
            .map_err(|e| damaged("pending signature", e)),
        None => Ok(None),
    }
}

/// Inserts a signature and counts it inside `txn`; `false` (and nothing written) when the
/// (petition, hash) is already there.
fn insert_signature(
    txn: &redb::WriteTransaction,
    rec: &SignatureRecord,
) -> Result<bool, StoreError> {
    let value = serde_json::to_vec(rec).map_err(unencodable)?;
    let mut sigs = txn.open_table(SIGNATURES).map_err(db_err)?;
    let key = (rec.petition.as_str(), rec.hash.as_str());
    if sigs.get(key).map_err(db_err)?.is_some() {
        return Ok(false);
    }
    sigs.insert(key, value.as_slice()).map_err(db_err)?;
    let mut counts = txn.open_table(COUNTS).map_err(db_err)?;
    for country in [TOTAL, rec.country.as_str()] {
        let key = (rec.petition.as_str(), country);
        let now = counts.get(key).map_err(db_err)?.map_or(0, |g| g.value());
        counts.insert(key, now + 1).map_err(db_err)?;
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::conformance;

    fn store() -> (tempfile::TempDir, Arc<dyn Store>) {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = LocalStore::open_in(dir.path()).expect("opens");
        (dir, Arc::new(store))
    }

    macro_rules! conformance_tests {
        ($($case:ident),* $(,)?) => {$(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() {
                let (_dir, store) = store();
                conformance::$case(store).await;
            }
        )*};
    }
    conformance::for_each_case!(conformance_tests);

    #[tokio::test]
    async fn letters_stored_by_the_old_code_are_read_repeated_and_stripped() {
        let dir = tempfile::tempdir().expect("tempdir");
        let local = LocalStore::open_in(dir.path()).expect("opens");
        // As the code before one-letter-per-state wrote it: keyed by the letter's hash too,
        // with the personal fields, and counted.
        let old = serde_json::json!({
            "hash": "writer", "state": "CA", "letter_hash": "text-hash",
            "senators": ["C000001", "C000002"], "private_enc": conformance::fake_enc("Ada"),
            "suggested": true, "created_at": "2026-03-01T12:00:00Z", "expires_at": 4_102_444_800_i64,
        });
        {
            let txn = local.db.begin_write().expect("write");
            {
                let mut letters = txn.open_table(LETTERS).expect("letters");
                let value = serde_json::to_vec(&old).expect("json");
                letters
                    .insert(("CA", "writer", "text-hash"), value.as_slice())
                    .expect("insert");
                let mut counts = txn.open_table(LETTER_COUNTS).expect("counts");
                for name in letter_counters("CA", &["C000001".into(), "C000002".into()]) {
                    counts.insert(name.as_str(), 1).expect("insert");
                }
            }
            txn.commit().expect("commit");
        }
        let store: Arc<dyn Store> = Arc::new(local);
        let all = store
            .export_letters(&LetterFilter::All)
            .await
            .expect("export");
        assert_eq!(all.len(), 1);
        assert!(all[0].private_enc.is_some());
        // The same writer again: the old letter is theirs, nothing is counted twice.
        let mut again = conformance::letter("writer", "CA", "new words");
        again.private_enc = None;
        assert!(!store.send_letter(again).await.expect("sends").new);
        assert_eq!(store.letter_counts().await.expect("counts").total, 1);
        assert_eq!(store.strip_letters().await.expect("strips"), 1);
        let all = store
            .export_letters(&LetterFilter::All)
            .await
            .expect("export");
        assert_eq!(all.len(), 1);
        assert_eq!(all[0].private_enc, None);
        assert_eq!(store.letter_counts().await.expect("counts").total, 1);
        assert_eq!(store.forget("writer").await.expect("forgets").letters, 1);
        assert_eq!(store.letter_counts().await.expect("counts").total, 0);
    }

    #[tokio::test]
    async fn recount_repairs_damaged_counters() {
        let dir = tempfile::tempdir().expect("tempdir");
        let local = LocalStore::open_in(dir.path()).expect("opens");
        let db = Arc::clone(&local.db);
        let damage = async move {
            let txn = db.begin_write().expect("write");
            {
                let mut counts = txn.open_table(COUNTS).expect("counts");
                counts.insert(("p1", TOTAL), 7).expect("insert");
                counts.insert(("p1", "FR"), 5).expect("insert");
                counts.insert(("p1", "JP"), 2).expect("insert");
            }
            txn.commit().expect("commit");
        };
        conformance::recount_repairs_damaged_counters(Arc::new(local), damage).await;
    }

    #[tokio::test]
    async fn survives_reopening() {
        let dir = tempfile::tempdir().expect("tempdir");
        {
            let store = LocalStore::open_in(dir.path()).expect("opens");
            let rec = conformance::record("reopen", "h1", "FR");
            assert!(store.sign(rec).await.expect("signs").new);
        }
        let store = LocalStore::open_in(dir.path()).expect("reopens");
        assert_eq!(store.count("reopen").await.expect("counts").total, 1);
        let again = conformance::record("reopen", "h1", "FR");
        assert!(!store.sign(again).await.expect("signs").new);
        assert_eq!(store.kind(), "local");
        assert!(store.path().ends_with(DB_FILE));
    }

    #[cfg(unix)]
    #[test]
    fn the_store_and_its_folder_are_owner_only() {
        use std::os::unix::fs::PermissionsExt as _;
        let parent = tempfile::tempdir().expect("tempdir");
        let dir = parent.path().join("data");
        let mode = |p: &Path| {
            std::fs::metadata(p)
                .map(|m| m.permissions().mode() & 0o777)
                .expect("metadata")
        };
        drop(LocalStore::open_in(&dir).expect("creates"));
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&dir.join(DB_FILE)), 0o600);
        // A store made readable by others (a copy, an old version) is made private again.
        std::fs::set_permissions(dir.join(DB_FILE), std::fs::Permissions::from_mode(0o644))
            .expect("chmod");
        drop(LocalStore::open_in(&dir).expect("opens"));
        assert_eq!(mode(&dir.join(DB_FILE)), 0o600);
    }

    #[test]
    fn second_open_of_the_same_file_is_a_clear_error() {
        let dir = tempfile::tempdir().expect("tempdir");
        let _first = LocalStore::open_in(dir.path()).expect("opens");
        match LocalStore::open_in(dir.path()) {
            Err(StoreError::Unavailable(d)) => assert!(d.what().contains("already open"), "{d}"),
            other => panic!("expected a clear error, got {other:?}"),
        }
    }
}
