//! The DynamoDB store (feature `dynamodb`).
//!
//! One table, its schema in `petition-fn/table.json` (shared with the infra template and
//! created by [`init_table`], in `admin`): string keys `pk` (hash) and `sk` (range), on-demand billing, TTL on
//! `expires_at`.
//!
//! | item | `pk` | `sk` | attributes |
//! | --- | --- | --- | --- |
//! | signature | `SIG#<petition>#<hash>` | `SIG` | `name_enc` (B), `email_enc` (B, only with updates), `country`, `updates` (BOOL), `created_at`, `expires_at` (N) |
//! | country counter | `CNT#<petition>#<00..15>` | `CNT#<CC>` | `total` (N), `c_<CC>` (N): one small item per (shard, country) |
//! | older whole-shard counter (read, never written) | `CNT#<petition>#<00..15>` | `CNT` | `total` (N), `c_<CC>` (N) per country |
//! | letter | `LTR#<hash>#<STATE>` | `LTR#` (before: `LTR#<letter hash>`, one per text) | `private_enc` (B, only when letters are kept in full), `state`, `senators` (SS), `suggested` (BOOL), `created_at`, `expires_at` (N) |
//! | letter counter shard | `LCNT#<00..15>` | `LCNT#<STATE>` | `s_<STATE>` (N), `b_<bioguide>` (N) per senator |
//! | pending signature | `PEND#<petition>#<hash>` | `PEND` | the signature's `name_enc` (B), `email_enc` (B, only with updates), `country`, `updates` (BOOL), `created_at`; `at` (N, when last mailed), `expires_at` (N, its `pending_until`) |
//! | confirmation token | `TOK#<token hash>` | `TOK` | `petition`, `hash` (of the pending signature it confirms), `used` (BOOL), `expires_at` (N, the `pending_until` it was issued with) |
//! | fair-use counter, spent challenge | `FAIR#<name>` (named by `crate::fair`) | `FAIR` | `n` (N), `expires_at` (N) |
//! | client note | `CLI#<petition>#<client hash>` | `<address hash>` | `expires_at` (N, a day after signing) |
//! | pause | `PAUSE#<petition>` | `PAUSE` | `since`, `message` (optional) |
//! | outcome counter | `ACT#<kind>` | `<STATE>#<bioguide>` | `n` (N) |
//! | signer key | `META#signer-key` | `META` | `fingerprint` (of the key the table was written with) |
//! | hourly snapshot | `HIST#<petition>` | `<hour>` (unix seconds, 12 digits) | `total` (N), `c_<CC>` (N) per country, `expires_at` (N, the hour + `HISTORY_SECS`) |
//!
//! The key formats and attribute names are written once, in `keys`; records map to items in
//! `items`; transactions and their retries are in `write`, reads (with the SDK's paginators)
//! in `read`, the hourly snapshots in `history`, and SDK errors become [`StoreError`]s in `error`, keeping the SDK's error as the
//! source. The letter counter names are shared with the embedded store (`store::counts`).
//!
//! A signature's key holds the keyed hash of the address, so writes spread over partitions.
//! Counts are spread over 16 shards (one partition takes about 1,000 writes/s, so 16 shards
//! carry a burst of about 16,000 signatures/s); the shard comes from the hash, so a retry hits
//! the same shard. Each (shard, country) is its own item of a few dozen bytes, so no item grows
//! with the number of countries (one item holding all 250 would pass 1 KB and make each write
//! cost more units). Reading a count is one consistent `Query` per shard partition, summed;
//! a table written before this layout has one whole-shard item per partition, which the same
//! query reads and adds in (`petition-fn recount --fix` folds it into the new items).
//!
//! Signing is ONE `TransactWriteItems`: put the signature if `attribute_not_exists(pk)` and
//! `ADD total :one, c_XX :one` on the shard, with a `ClientRequestToken` derived from the
//! petition and the hash so a retried request within 10 minutes is not applied twice. A failed
//! condition is a repeat signature (`new: false`, not an error); a transaction conflict is retried
//! with jittered backoff; throttling or an unreachable service is [`StoreError::Throttled`] /
//! [`StoreError::Unavailable`], and then nothing was written.
//!
//! Cost: a transactional write costs 2 WCU per item of up to 1 KB, so a new signature consumes
//! **4 WCU** (signature + its country's counter item), measured with
//! `ReturnConsumedCapacity::TOTAL` in the tests ([`DynamoStore::sign_measured`]), whatever the
//! number of countries (`every_country_keeps_a_signature_at_two_small_items`). A count costs 16
//! consistent queries, each reading its partition's small items (1 RCU per 4 KB read: 16 RCU
//! for up to about 60 countries per shard, 64 at most for all 250); the API's `s-maxage=5`
//! lets the CDN absorb repeated reads.
//!
//! A letter is the same kind of transaction: put the letter if `attribute_not_exists(pk)` and
//! `ADD s_<STATE> :one, b_<senator> :one` (both senators) on a letter counter shard. Each
//! (shard, state) pair is its own small item (`sk = LCNT#<STATE>`), not one item per shard with
//! every state's and senator's counters: such an item grows past 1 KB once 150 counters are in
//! it, and an update is billed on the item's whole size. The personal fields are one encrypted
//! value, and the suggested letter is not stored (its keyed hash is in the key), so a letter
//! with the suggested text and an address of ordinary length is one item of under 1 KB:
//! **4 WCU** a letter, measured in the tests ([`DynamoStore::send_letter_measured`]). A letter
//! in the writer's own words adds its text: 2 WCU more per started KB of item. Reading the
//! letter counts is one consistent `Query` per shard (16 RCU), for the operator only.
//!
//! A signature waiting for confirmation ([`Store::sign_pending`]) is ONE `TransactWriteItems`:
//! a `ConditionCheck` that the signature item does not exist, the put of the pending item on
//! condition that there is none, or it has expired (`expires_at <= at`), or it was mailed at
//! least an hour before (`at <= :at - MAIL_INTERVAL_SECS`), and the put of the token item. The
//! failed condition says why not: the check → `AlreadyConfirmed`, the pending put →
//! `RecentlyMailed`. A replaced pending item keeps its earlier tokens: they name the (petition,
//! hash), not the submission. Both items carry `expires_at`, so the TTL deletes them; it
//! deletes late (within days), so every read compares `expires_at` with the time it is given,
//! and [`Store::sweep`] has nothing to do (it returns 0).
//!
//! Confirming ([`Store::confirm`]) reads the token and the pending item (consistent `GetItem`s;
//! the signature item too when the pending one is gone or expired), then writes ONE
//! `TransactWriteItems`: the signature put on `attribute_not_exists(pk)` with its counter
//! shard's `ADD`, as signing writes them; the pending item's delete on condition that it is
//! the one read (`at = :at`); and the token's `SET used = true` on `attribute_exists(pk)` (so
//! the update never recreates a token the TTL deleted, without its `expires_at`). A failed
//! signature put is a racing confirmation that won: `AlreadyConfirmed`; any other failed
//! condition or a conflict is read again. It has no `ClientRequestToken` of ours, unlike
//! signing: racing confirmations would then be one request, each told `Confirmed`.
//!
//! Cost: the pending item holds what the signature item holds, with `at` and a key a few bytes
//! longer; the largest is under 1 KB, like the largest signature, and a token item is about
//! 200 bytes (both bounded in the tests). So a pending put costs **6 WCU** (three items of a
//! transaction, the `ConditionCheck` included, each 2 WCU), a confirmation **8 WCU** (four
//! items) and 2 RCU for its reads (3 when the pending item is gone). These follow from the
//! service's pricing and the item sizes: DynamoDB Local does not model transactional billing
//! (it reports 2 WCU for either), so the tests only bound what it reports
//! ([`DynamoStore::sign_pending_measured`], [`DynamoStore::confirm_measured`]). The pending
//! count of a petition ([`Store::pending_count`], for the
//! operator's `stats`) is a consistent `Scan` of the whole table counting the petition's
//! unexpired pending items: 1 RCU per 4 KB of table, never on a request's path.
//!
//! Forgetting a person ([`Store::forget`], for a removal request) first finds their items with
//! ONE consistent `Scan` of the table, keeping only the keys of signatures `SIG#<any
//! petition>#<hash>`, pending signatures `PEND#<any petition>#<hash>` and letters
//! `LTR#<hash>#<any state>`. A scan reads the whole table
//! (about 1 RCU per 4 KB, consistent), but it needs no list of petitions or states: it finds
//! the signatures of a petition no longer in the site's bundle, and of a petition id nobody
//! remembers, and letters whatever the state code. Querying the letter partitions state by
//! state would still need the scan for signatures (their partitions are per petition), so one
//! scan serves both; a removal request is rare and run by hand, so its cost is immaterial.
//! Then each item is deleted with its counters in ONE `TransactWriteItems`: a consistent
//! `GetItem` reads the item (its country, or its state and senators, name the counters), then
//! `Delete` on condition `created_at = :at` (so the item exists and is the one read) with
//! `ADD … :minus_one` on its counter shard. A failed condition means the item went or changed
//! meanwhile: it is read again, and an item gone is not counted. So a repeated forget is a
//! no-op, and an item the TTL deleted (whose counts stay) is not decremented. A counter at
//! zero stays in its shard as `0` and is left out of the counts read. Pending signatures are
//! in no count: each is one `DeleteItem`, counted when it was there. Their tokens stay until
//! their TTL and then confirm nothing (`Expired`).

use aws_sdk_dynamodb::Client;

use super::{
    ActionCount, ClientNote, ConfirmOutcome, Counts, Forgotten, Invalidated, LetterCounts,
    LetterFilter, LetterRecord, Pause, PendingOutcome, PendingRecord, Recipient, Recount,
    SignOutcome, SignatureRecord, Snapshot, Store, StoreError, StoreFuture, StoredLetter,
    StoredSignature,
};

mod admin;
mod error;
mod fair;
mod history;
mod items;
mod keys;
mod read;
mod write;

pub use admin::{TABLE_SCHEMA, init_table};
pub use keys::SHARDS;

/// Environment variable naming the table.
pub const TABLE_ENV: &str = "TABLE_NAME";

/// The DynamoDB store.
#[derive(Debug, Clone)]
pub struct DynamoStore {
    client: Client,
    table: String,
}

impl DynamoStore {
    /// A store over a client and a table.
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }

    /// The client.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The table name.
    pub fn table(&self) -> &str {
        &self.table
    }

    /// Signs like [`Store::sign`] and also returns the write capacity units consumed, as
    /// DynamoDB reports them (`ReturnConsumedCapacity::TOTAL`).
    pub async fn sign_measured(
        &self,
        rec: &SignatureRecord,
    ) -> Result<(SignOutcome, Option<f64>), StoreError> {
        let writes = items::signature_writes(&self.table, rec)?;
        let token = keys::signature_token(&self.table, &rec.petition, &rec.hash);
        let key = keys::signature(&rec.petition, &rec.hash);
        self.put_counted(writes, &token, &key).await
    }

    /// Stores a letter like [`Store::send_letter`] and also returns the write capacity units
    /// consumed, as DynamoDB reports them.
    pub async fn send_letter_measured(
        &self,
        rec: &LetterRecord,
    ) -> Result<(SignOutcome, Option<f64>), StoreError> {
        let writes = items::letter_writes(&self.table, rec)?;
        let token = keys::letter_token(&self.table, rec);
        let (outcome, units) = self.put_counted(writes, &token, &keys::letter(rec)).await?;
        if !outcome.new && rec.private_enc.is_some() {
            // The same writer again, to the same state: the letter kept is the latest.
            self.client
                .put_item()
                .table_name(&self.table)
                .set_item(Some(items::letter_item(rec)?))
                .send()
                .await
                .map_err(|e| error::sdk_error("PutItem", e))?;
        }
        Ok((outcome, units))
    }

    /// Keeps a pending signature like [`Store::sign_pending`] and also returns the write
    /// capacity units consumed when it was stored, as DynamoDB reports them.
    pub async fn sign_pending_measured(
        &self,
        rec: &PendingRecord,
    ) -> Result<(PendingOutcome, Option<f64>), StoreError> {
        self.put_pending(rec).await
    }

    /// Confirms like [`Store::confirm`] and also returns the write capacity units consumed
    /// when it confirmed, as DynamoDB reports them.
    pub async fn confirm_measured(
        &self,
        token_hash: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<(ConfirmOutcome, Option<f64>), StoreError> {
        self.confirm_token(token_hash, now, expires_at).await
    }
}

impl Store for DynamoStore {
    fn kind(&self) -> &'static str {
        "dynamodb"
    }

    fn health(&self) -> StoreFuture<'_, ()> {
        Box::pin(async move {
            self.client
                .get_item()
                .table_name(&self.table)
                .set_key(Some(keys::health().attributes()))
                .send()
                .await
                .map_err(|e| error::sdk_error("GetItem", e))?;
            Ok(())
        })
    }

    fn sign(&self, rec: SignatureRecord) -> StoreFuture<'_, SignOutcome> {
        Box::pin(async move { self.sign_measured(&rec).await.map(|(out, _)| out) })
    }

    fn count<'a>(&'a self, petition: &'a str) -> StoreFuture<'a, Counts> {
        Box::pin(self.read_counts(petition))
    }

    fn sign_pending(&self, rec: PendingRecord) -> StoreFuture<'_, PendingOutcome> {
        Box::pin(async move { self.put_pending(&rec).await.map(|(out, _)| out) })
    }

    fn confirm<'a>(
        &'a self,
        token_hash: &'a str,
        now: i64,
        expires_at: i64,
    ) -> StoreFuture<'a, ConfirmOutcome> {
        Box::pin(async move {
            let (out, _) = self.confirm_token(token_hash, now, expires_at).await?;
            Ok(out)
        })
    }

    fn recipients<'a>(&'a self, petition: &'a str) -> StoreFuture<'a, Vec<Recipient>> {
        Box::pin(async move { Ok(super::recipients_of(self.scan_signatures(petition).await?)) })
    }

    fn unsubscribe<'a>(&'a self, hash: &'a str, petitions: &'a [String]) -> StoreFuture<'a, u64> {
        Box::pin(self.unsubscribe_person(hash, petitions))
    }

    fn mail_failed<'a>(&'a self, petition: &'a str, hash: &'a str, at: i64) -> StoreFuture<'a, ()> {
        Box::pin(self.unmark_mailed(petition, hash, at))
    }

    fn pending_count<'a>(&'a self, petition: &'a str, now: i64) -> StoreFuture<'a, u64> {
        Box::pin(self.count_pending(petition, now))
    }

    /// Deletes nothing and returns 0: the table's TTL on `expires_at` deletes expired pending
    /// signatures and tokens by itself, at no write cost, within days of their
    /// `pending_until`. Until then every read compares `expires_at` with the time it is given,
    /// so an expired item that is still there confirms nothing and is counted nowhere. A sweep
    /// here would have to scan the whole table to find them.
    fn sweep(&self, _now: i64) -> StoreFuture<'_, u64> {
        Box::pin(async { Ok(0) })
    }

    fn export_signatures<'a>(&'a self, petition: &'a str) -> StoreFuture<'a, Vec<StoredSignature>> {
        Box::pin(self.scan_signatures(petition))
    }

    fn send_letter(&self, rec: LetterRecord) -> StoreFuture<'_, SignOutcome> {
        Box::pin(async move { self.send_letter_measured(&rec).await.map(|(out, _)| out) })
    }

    fn letter_counts(&self) -> StoreFuture<'_, LetterCounts> {
        Box::pin(self.read_letter_counts())
    }

    fn strip_letters(&self) -> StoreFuture<'_, u64> {
        Box::pin(self.strip_all_letters())
    }

    fn export_letters<'a>(
        &'a self,
        filter: &'a LetterFilter,
    ) -> StoreFuture<'a, Vec<StoredLetter>> {
        Box::pin(self.scan_letters(filter))
    }

    fn forget<'a>(&'a self, hash: &'a str) -> StoreFuture<'a, Forgotten> {
        Box::pin(self.forget_person(hash))
    }

    fn hit<'a>(&'a self, key: &'a str, expires_at: i64) -> StoreFuture<'a, u64> {
        Box::pin(self.hit_counter(key, expires_at))
    }

    fn peek<'a>(&'a self, key: &'a str, now: i64) -> StoreFuture<'a, u64> {
        Box::pin(self.peek_counter(key, now))
    }

    fn spend<'a>(&'a self, key: &'a str, expires_at: i64) -> StoreFuture<'a, bool> {
        Box::pin(self.spend_key(key, expires_at))
    }

    fn note_client(&self, note: ClientNote) -> StoreFuture<'_, ()> {
        Box::pin(async move { self.put_note(&note).await })
    }

    fn client_notes<'a>(
        &'a self,
        petition: &'a str,
        client: Option<&'a str>,
        now: i64,
    ) -> StoreFuture<'a, Vec<ClientNote>> {
        Box::pin(self.read_notes(petition, client, now))
    }

    fn invalidate<'a>(
        &'a self,
        petition: &'a str,
        hashes: &'a [String],
    ) -> StoreFuture<'a, Invalidated> {
        Box::pin(self.invalidate_hashes(petition, hashes))
    }

    fn count_action<'a>(
        &'a self,
        kind: &'a str,
        state: &'a str,
        senator: &'a str,
    ) -> StoreFuture<'a, ()> {
        Box::pin(self.add_action(kind, state, senator))
    }

    fn action_counts(&self) -> StoreFuture<'_, Vec<ActionCount>> {
        Box::pin(self.read_actions())
    }

    fn recount<'a>(&'a self, petition: &'a str, fix: bool) -> StoreFuture<'a, Recount> {
        Box::pin(self.recount_petition(petition, fix))
    }

    fn set_pause<'a>(&'a self, petition: &'a str, pause: Option<Pause>) -> StoreFuture<'a, ()> {
        Box::pin(self.write_pause(petition, pause))
    }

    fn pause<'a>(&'a self, petition: &'a str) -> StoreFuture<'a, Option<Pause>> {
        Box::pin(self.read_pause(petition))
    }

    fn key_fingerprint<'a>(&'a self, record: Option<&'a str>) -> StoreFuture<'a, Option<String>> {
        Box::pin(self.bind_key(record))
    }

    fn write_snapshot(&self, snapshot: Snapshot) -> StoreFuture<'_, ()> {
        Box::pin(async move { self.put_snapshot(&snapshot).await.map(|_| ()) })
    }

    fn history<'a>(
        &'a self,
        petition: &'a str,
        since: i64,
        now: i64,
    ) -> StoreFuture<'a, Vec<Snapshot>> {
        Box::pin(self.read_history(petition, since, now))
    }
}

#[cfg(test)]
mod tests;
