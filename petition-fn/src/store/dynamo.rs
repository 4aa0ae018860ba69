//! The DynamoDB store (feature `dynamodb`).
//!
//! One table, its schema in `petition-fn/table.json` (shared with the infra template and
//! created by [`init_table`]): string keys `pk` (hash) and `sk` (range), on-demand billing, TTL on
//! `expires_at`.
//!
//! | item | `pk` | `sk` | attributes |
//! | --- | --- | --- | --- |
//! | signature | `SIG#<petition>#<hash>` | `SIG` | `name_enc` (B), `email_enc` (B, only with updates), `country`, `updates` (BOOL), `created_at`, `expires_at` (N) |
//! | counter shard | `CNT#<petition>#<00..15>` | `CNT` | `total` (N), `c_<CC>` (N) per country |
//! | letter | `LTR#<hash>#<STATE>` | `LTR#<letter hash>` | `private_enc` (B), `state`, `senators` (SS), `suggested` (BOOL), `created_at`, `expires_at` (N) |
//! | letter counter shard | `LCNT#<00..15>` | `LCNT#<STATE>` | `s_<STATE>` (N), `b_<bioguide>` (N) per senator |
//!
//! A signature's key holds the keyed hash of the address, so writes spread over partitions.
//! Counts are spread over 16 shards (one partition takes about 1,000 writes/s, so 16 shards
//! carry a burst of about 16,000 signatures/s); the shard comes from the hash, so a retry hits
//! the same shard. Reading a count is one consistent `BatchGetItem` of the 16 shards, summed.
//!
//! Signing is ONE `TransactWriteItems`: put the signature if `attribute_not_exists(pk)` and
//! `ADD total :one, c_XX :one` on the shard, with a `ClientRequestToken` derived from the
//! petition and the hash so a retried request within 10 minutes is not applied twice. A failed
//! condition is a repeat signature (`new: false`, not an error); a transaction conflict is retried
//! with jittered backoff; throttling or an unreachable service is [`StoreError::Throttled`] /
//! [`StoreError::Unavailable`], and then nothing was written.
//!
//! Cost: a transactional write costs 2 WCU per item of up to 1 KB, so a new signature consumes
//! **4 WCU** (signature + shard), measured with `ReturnConsumedCapacity::TOTAL` in the tests
//! ([`DynamoStore::sign_measured`]). A count costs 16 strongly consistent reads of items under
//! 4 KB = 16 RCU; the API's `s-maxage=5` lets the CDN absorb repeated reads.
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
//! Forgetting a person ([`Store::forget`], for a removal request) first finds their items with
//! ONE consistent `Scan` of the table, keeping only the keys of signatures `SIG#<any
//! petition>#<hash>` and letters `LTR#<hash>#<any state>`. A scan reads the whole table
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
//! zero stays in its shard as `0` and is left out of the counts read.

use std::collections::HashMap;
use std::error::Error as StdError;
use std::fmt::Debug;
use std::time::Duration;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, Delete, KeySchemaElement, KeyType,
    KeysAndAttributes, Put, ReturnConsumedCapacity, ScalarAttributeType, TableStatus,
    TimeToLiveSpecification, TimeToLiveStatus, TransactWriteItem, Update,
};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::{
    Counts, Forgotten, LetterCounts, LetterFilter, LetterRecord, SignOutcome, SignatureRecord,
    Store, StoreError, StoreFuture, StoredLetter, StoredSignature,
};

/// The table schema, shared with the infra template.
pub const TABLE_SCHEMA: &str = include_str!("../../table.json");
/// Environment variable naming the table.
pub const TABLE_ENV: &str = "TABLE_NAME";
/// Number of counter shards per petition.
pub const SHARDS: u32 = 16;

/// Attempts at a transaction that keeps conflicting with others on the same counter shard.
const MAX_ATTEMPTS: u32 = 10;
/// Attempts at reading the shards while DynamoDB leaves some unprocessed.
const MAX_READ_ATTEMPTS: u32 = 6;

/// The DynamoDB store.
#[derive(Debug, Clone)]
pub struct DynamoStore {
    client: Client,
    table: String,
}

fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

fn n(v: impl ToString) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

/// Encrypted fields are stored as binary (a quarter smaller than their base64 text, which
/// keeps the largest possible signature item under the 1 KB write unit).
fn blob(base64_text: &str) -> Result<AttributeValue, StoreError> {
    STANDARD
        .decode(base64_text)
        .map(|bytes| AttributeValue::B(Blob::new(bytes)))
        .map_err(|_| StoreError::Other("an encrypted field is not base64".into()))
}

fn blob_text(value: &AttributeValue) -> Option<String> {
    value.as_b().ok().map(|b| STANDARD.encode(b.as_ref()))
}

/// Maps an SDK error: unreachable, timed out or server-side → Unavailable; throttled →
/// Throttled; anything else → Other.
fn sdk_err<E, R>(op: &str, err: &SdkError<E, R>) -> StoreError
where
    E: ProvideErrorMetadata + StdError + 'static,
    R: Debug + 'static,
{
    let detail = format!("{op}: {}", DisplayErrorContext(err));
    match err {
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => {
            StoreError::Unavailable(detail)
        }
        SdkError::ServiceError(se) => match se.err().code() {
            Some(
                "ThrottlingException"
                | "ProvisionedThroughputExceededException"
                | "RequestLimitExceeded",
            ) => StoreError::Throttled(detail),
            Some("InternalServerError" | "ServiceUnavailable" | "InternalFailure") => {
                StoreError::Unavailable(detail)
            }
            Some("ResourceNotFoundException") => StoreError::Other(format!(
                "{detail} (does the table exist? create it with `petition-fn init-table`)"
            )),
            _ => StoreError::Other(detail),
        },
        _ => StoreError::Other(detail),
    }
}

/// The counter shard a signature counts on (stable for a hash).
fn shard_of(hash: &str) -> u32 {
    hash.bytes().fold(0u32, |acc, b| {
        acc.wrapping_mul(31).wrapping_add(u32::from(b))
    }) % SHARDS
}

fn shard_pk(petition: &str, shard: u32) -> String {
    format!("CNT#{petition}#{shard:02}")
}

/// The key of a letter: (`LTR#<hash>#<STATE>`, `LTR#<letter hash>`).
fn letter_key(rec: &LetterRecord) -> (String, String) {
    (
        format!("LTR#{}#{}", rec.hash, rec.state),
        format!("LTR#{}", rec.letter_hash),
    )
}

/// The letter counter shard of a (shard, state): (`LCNT#<00..15>`, `LCNT#<STATE>`).
fn letter_shard_key(shard: u32, state: &str) -> (String, String) {
    (format!("LCNT#{shard:02}"), format!("LCNT#{state}"))
}

/// The idempotency token of a signature in a table (36 characters at most, as DynamoDB
/// requires). Tokens are scoped to the account, not the table, so the table is part of it.
fn request_token(table: &str, petition: &str, hash: &str) -> String {
    let digest = Sha256::new()
        .chain_update(table.as_bytes())
        .chain_update([0u8])
        .chain_update(petition.as_bytes())
        .chain_update([0u8])
        .chain_update(hash.as_bytes())
        .finalize();
    URL_SAFE_NO_PAD.encode(&digest[..27])
}

/// Exponential backoff with full jitter: up to 10 ms · 2^attempt, capped at 640 ms.
async fn backoff(attempt: u32) {
    let cap = 10u64 << attempt.min(6);
    let jitter = getrandom::u64().unwrap_or(cap / 2) % (cap + 1);
    tokio::time::sleep(Duration::from_millis(jitter.max(2))).await;
}

enum Failure {
    /// The signature exists already.
    Duplicate,
    /// Try the same request again.
    Retry(StoreError),
    /// The token was used with other parameters: another request for the same signature.
    TokenReused,
    /// Give up.
    Fail(StoreError),
}

impl DynamoStore {
    /// A store over a client and a table.
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }

    /// The store of `TABLE_NAME`, with the SDK's standard configuration (region, credentials,
    /// `AWS_ENDPOINT_URL_DYNAMODB` for DynamoDB Local).
    pub async fn from_env() -> Result<Self, StoreError> {
        let table = std::env::var(TABLE_ENV)
            .ok()
            .filter(|t| !t.trim().is_empty())
            .ok_or_else(|| {
                StoreError::Other(format!("{TABLE_ENV} is not set: name the DynamoDB table"))
            })?;
        Ok(Self::new(client_from_env().await, table))
    }

    /// The client.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The table name.
    pub fn table(&self) -> &str {
        &self.table
    }

    fn items(&self, rec: &SignatureRecord) -> Result<Vec<TransactWriteItem>, StoreError> {
        let build = |e: aws_sdk_dynamodb::error::BuildError| StoreError::Other(e.to_string());
        let mut put = Put::builder()
            .table_name(&self.table)
            .item("pk", s(format!("SIG#{}#{}", rec.petition, rec.hash)))
            .item("sk", s("SIG"))
            .item("name_enc", blob(&rec.name_enc)?)
            .item("country", s(&rec.country))
            .item("updates", AttributeValue::Bool(rec.updates))
            .item("created_at", s(&rec.created_at))
            .item("expires_at", n(rec.expires_at))
            .condition_expression("attribute_not_exists(pk)");
        if let Some(email) = &rec.email_enc {
            put = put.item("email_enc", blob(email)?);
        }
        let update = Update::builder()
            .table_name(&self.table)
            .key("pk", s(shard_pk(&rec.petition, shard_of(&rec.hash))))
            .key("sk", s("CNT"))
            .update_expression("ADD #total :one, #country :one")
            .expression_attribute_names("#total", "total")
            .expression_attribute_names("#country", format!("c_{}", rec.country))
            .expression_attribute_values(":one", n(1));
        Ok(vec![
            TransactWriteItem::builder()
                .put(put.build().map_err(build)?)
                .build(),
            TransactWriteItem::builder()
                .update(update.build().map_err(build)?)
                .build(),
        ])
    }

    /// Signs like [`Store::sign`] and also returns the write capacity units consumed, as
    /// DynamoDB reports them (`ReturnConsumedCapacity::TOTAL`).
    pub async fn sign_measured(
        &self,
        rec: &SignatureRecord,
    ) -> Result<(SignOutcome, Option<f64>), StoreError> {
        let items = self.items(rec)?;
        let token = request_token(&self.table, &rec.petition, &rec.hash);
        let key = (
            format!("SIG#{}#{}", rec.petition, rec.hash),
            "SIG".to_owned(),
        );
        self.write_once(items, &token, &key).await
    }

    fn letter_items(&self, rec: &LetterRecord) -> Result<Vec<TransactWriteItem>, StoreError> {
        let build = |e: aws_sdk_dynamodb::error::BuildError| StoreError::Other(e.to_string());
        let (pk, sk) = letter_key(rec);
        // A string set holds distinct values.
        let mut senators = rec.senators.clone();
        senators.sort_unstable();
        senators.dedup();
        let mut put = Put::builder()
            .table_name(&self.table)
            .item("pk", s(pk))
            .item("sk", s(sk))
            .item("private_enc", blob(&rec.private_enc)?)
            .item("state", s(&rec.state))
            .item("suggested", AttributeValue::Bool(rec.suggested))
            .item("created_at", s(&rec.created_at))
            .item("expires_at", n(rec.expires_at))
            .condition_expression("attribute_not_exists(pk)");
        if !senators.is_empty() {
            put = put.item("senators", AttributeValue::Ss(senators.clone()));
        }
        let (shard_pk, shard_sk) = letter_shard_key(shard_of(&rec.hash), &rec.state);
        let mut expression = "ADD #s :one".to_owned();
        let mut update = Update::builder()
            .table_name(&self.table)
            .key("pk", s(shard_pk))
            .key("sk", s(shard_sk))
            .expression_attribute_names("#s", format!("s_{}", rec.state))
            .expression_attribute_values(":one", n(1));
        for (i, bioguide) in senators.iter().enumerate() {
            expression.push_str(&format!(", #b{i} :one"));
            update = update.expression_attribute_names(format!("#b{i}"), format!("b_{bioguide}"));
        }
        let update = update.update_expression(expression);
        Ok(vec![
            TransactWriteItem::builder()
                .put(put.build().map_err(build)?)
                .build(),
            TransactWriteItem::builder()
                .update(update.build().map_err(build)?)
                .build(),
        ])
    }

    /// Stores a letter like [`Store::send_letter`] and also returns the write capacity units
    /// consumed, as DynamoDB reports them.
    pub async fn send_letter_measured(
        &self,
        rec: &LetterRecord,
    ) -> Result<(SignOutcome, Option<f64>), StoreError> {
        let items = self.letter_items(rec)?;
        // Petition ids never hold `#`, so letter tokens cannot meet signature tokens.
        let token = request_token(
            &self.table,
            &format!("LTR#{}", rec.state),
            &format!("{}#{}", rec.hash, rec.letter_hash),
        );
        self.write_once(items, &token, &letter_key(rec)).await
    }

    /// Runs a conditional put + counter update once: `new: false` when the item `key` exists
    /// already. Retries conflicts; a token reused with other data (the same item from another
    /// request) is a repeat once that item is there.
    async fn write_once(
        &self,
        items: Vec<TransactWriteItem>,
        token: &str,
        key: &(String, String),
    ) -> Result<(SignOutcome, Option<f64>), StoreError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let result = self
                .client
                .transact_write_items()
                .set_transact_items(Some(items.clone()))
                .client_request_token(token)
                .return_consumed_capacity(ReturnConsumedCapacity::Total)
                .send()
                .await;
            let failure = match result {
                Ok(out) => {
                    let units = out
                        .consumed_capacity()
                        .iter()
                        .filter_map(|c| c.capacity_units())
                        .reduce(|a, b| a + b);
                    return Ok((SignOutcome { new: true }, units));
                }
                Err(err) => classify(&err),
            };
            match failure {
                Failure::Duplicate => return Ok((SignOutcome { new: false }, None)),
                Failure::TokenReused => {
                    // The same item was submitted with other data (a fresh nonce) in the last
                    // 10 minutes: it is a repeat if that one was stored.
                    return if self.item_exists(key).await? {
                        Ok((SignOutcome { new: false }, None))
                    } else if attempt < MAX_ATTEMPTS {
                        backoff(attempt).await;
                        continue;
                    } else {
                        Err(StoreError::Unavailable(
                            "an earlier request for the same item is still unresolved".into(),
                        ))
                    };
                }
                Failure::Retry(e) if attempt >= MAX_ATTEMPTS => return Err(e),
                Failure::Retry(_) => backoff(attempt).await,
                Failure::Fail(e) => return Err(e),
            }
        }
    }

    /// The keys of every signature and letter stored under an address hash: one consistent
    /// `Scan` (see the module documentation for why a scan).
    async fn find_person(
        &self,
        hash: &str,
    ) -> Result<(Vec<(String, String)>, Vec<(String, String)>), StoreError> {
        let letter_prefix = format!("LTR#{hash}#");
        let (mut signatures, mut letters) = (Vec::new(), Vec::new());
        let mut start: Option<HashMap<String, AttributeValue>> = None;
        loop {
            let page = self
                .client
                .scan()
                .table_name(&self.table)
                .filter_expression(
                    "(sk = :sig AND begins_with(pk, :sig_prefix) AND contains(pk, :tail)) \
                     OR (begins_with(pk, :ltr) AND begins_with(sk, :ltr_sk))",
                )
                .expression_attribute_values(":sig", s("SIG"))
                .expression_attribute_values(":sig_prefix", s("SIG#"))
                .expression_attribute_values(":tail", s(format!("#{hash}")))
                .expression_attribute_values(":ltr", s(letter_prefix.as_str()))
                .expression_attribute_values(":ltr_sk", s("LTR#"))
                .projection_expression("pk, sk")
                .consistent_read(true)
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(|e| sdk_err("Scan", &e))?;
            for item in page.items() {
                let text = |key: &str| item.get(key).and_then(|v| v.as_s().ok());
                let (Some(pk), Some(sk)) = (text("pk"), text("sk")) else {
                    continue;
                };
                // Petition ids never hold `#`: the hash is all that follows the second `#`.
                let signed = pk
                    .strip_prefix("SIG#")
                    .and_then(|rest| rest.split_once('#'))
                    .is_some_and(|(_, h)| h == hash);
                if signed && sk == "SIG" {
                    signatures.push((pk.clone(), sk.clone()));
                } else if pk.starts_with(&letter_prefix) && sk.starts_with("LTR#") {
                    letters.push((pk.clone(), sk.clone()));
                }
            }
            match page.last_evaluated_key() {
                Some(key) if !key.is_empty() => start = Some(key.clone()),
                _ => return Ok((signatures, letters)),
            }
        }
    }

    /// Deletes one signature or letter (`key`) with the decrement of its counters, in one
    /// transaction conditional on the item being the one just read. `Ok(false)` when the
    /// item is not there (anymore).
    async fn forget_item(&self, key: &(String, String), letter: bool) -> Result<bool, StoreError> {
        let build = |e: aws_sdk_dynamodb::error::BuildError| StoreError::Other(e.to_string());
        let mut attempt = 0;
        loop {
            attempt += 1;
            let found = self
                .client
                .get_item()
                .table_name(&self.table)
                .key("pk", s(&key.0))
                .key("sk", s(&key.1))
                .consistent_read(true)
                .send()
                .await
                .map_err(|e| sdk_err("GetItem", &e))?;
            let Some(item) = found.item() else {
                return Ok(false);
            };
            let (created_at, update) = if letter {
                let rec = letter_from_item(item)?;
                let (pk, sk) = letter_shard_key(shard_of(&rec.hash), &rec.state);
                let mut expression = "ADD #s :minus".to_owned();
                let mut update = Update::builder()
                    .table_name(&self.table)
                    .key("pk", s(pk))
                    .key("sk", s(sk))
                    .expression_attribute_names("#s", format!("s_{}", rec.state));
                for (i, bioguide) in rec.senators.iter().enumerate() {
                    expression.push_str(&format!(", #b{i} :minus"));
                    update = update
                        .expression_attribute_names(format!("#b{i}"), format!("b_{bioguide}"));
                }
                (rec.created_at, update.update_expression(expression))
            } else {
                let rec = record_from_item(item)?;
                let update = Update::builder()
                    .table_name(&self.table)
                    .key("pk", s(shard_pk(&rec.petition, shard_of(&rec.hash))))
                    .key("sk", s("CNT"))
                    .update_expression("ADD #total :minus, #country :minus")
                    .expression_attribute_names("#total", "total")
                    .expression_attribute_names("#country", format!("c_{}", rec.country));
                (rec.created_at, update)
            };
            let update = update.expression_attribute_values(":minus", n(-1));
            let delete = Delete::builder()
                .table_name(&self.table)
                .key("pk", s(&key.0))
                .key("sk", s(&key.1))
                .condition_expression("created_at = :at")
                .expression_attribute_values(":at", s(created_at));
            let result = self
                .client
                .transact_write_items()
                .transact_items(
                    TransactWriteItem::builder()
                        .delete(delete.build().map_err(build)?)
                        .build(),
                )
                .transact_items(
                    TransactWriteItem::builder()
                        .update(update.build().map_err(build)?)
                        .build(),
                )
                .send()
                .await;
            let Err(err) = result else {
                return Ok(true);
            };
            match classify(&err) {
                // Deleted or replaced since it was read: read it again.
                Failure::Duplicate | Failure::TokenReused if attempt < MAX_ATTEMPTS => {}
                Failure::Retry(_) if attempt < MAX_ATTEMPTS => backoff(attempt).await,
                Failure::Duplicate | Failure::TokenReused => {
                    return Err(StoreError::Unavailable(
                        "a record kept changing while it was being deleted".into(),
                    ));
                }
                Failure::Retry(e) | Failure::Fail(e) => return Err(e),
            }
        }
    }

    async fn forget_person(&self, hash: &str) -> Result<Forgotten, StoreError> {
        let (signatures, letters) = self.find_person(hash).await?;
        let mut out = Forgotten::default();
        for key in &signatures {
            if self.forget_item(key, false).await? {
                out.signatures += 1;
            }
        }
        for key in &letters {
            if self.forget_item(key, true).await? {
                out.letters += 1;
            }
        }
        Ok(out)
    }

    async fn item_exists(&self, (pk, sk): &(String, String)) -> Result<bool, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("pk", s(pk))
            .key("sk", s(sk))
            .projection_expression("pk")
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| sdk_err("GetItem", &e))?;
        Ok(out.item().is_some())
    }

    async fn read_letter_counts(&self) -> Result<LetterCounts, StoreError> {
        let mut counts = LetterCounts::default();
        for shard in 0..SHARDS {
            let mut start: Option<HashMap<String, AttributeValue>> = None;
            loop {
                let page = self
                    .client
                    .query()
                    .table_name(&self.table)
                    .key_condition_expression("pk = :pk AND begins_with(sk, :prefix)")
                    .expression_attribute_values(":pk", s(format!("LCNT#{shard:02}")))
                    .expression_attribute_values(":prefix", s("LCNT#"))
                    .consistent_read(true)
                    .set_exclusive_start_key(start.take())
                    .send()
                    .await
                    .map_err(|e| sdk_err("Query", &e))?;
                for item in page.items() {
                    for (name, value) in item {
                        let Ok(text) = value.as_n() else { continue };
                        let Ok(v) = text.parse::<u64>() else { continue };
                        super::counts::add_letter_count(&mut counts, name, v);
                    }
                }
                match page.last_evaluated_key() {
                    Some(key) if !key.is_empty() => start = Some(key.clone()),
                    _ => break,
                }
            }
        }
        // Counters brought back to zero by `forget` are not reported.
        counts.by_state.retain(|_, v| *v > 0);
        counts.by_senator.retain(|_, v| *v > 0);
        Ok(counts)
    }

    async fn scan_letters(&self, filter: &LetterFilter) -> Result<Vec<StoredLetter>, StoreError> {
        let mut out = Vec::new();
        let mut start: Option<HashMap<String, AttributeValue>> = None;
        let now = crate::domain::time::unix_seconds(std::time::SystemTime::now());
        loop {
            let page = self
                .client
                .scan()
                .table_name(&self.table)
                .filter_expression("begins_with(pk, :prefix) AND begins_with(sk, :prefix)")
                .expression_attribute_values(":prefix", s("LTR#"))
                .consistent_read(true)
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(|e| sdk_err("Scan", &e))?;
            for item in page.items() {
                let rec = letter_from_item(item)?;
                if rec.expires_at > now && filter.matches(&rec) {
                    out.push(rec);
                }
            }
            match page.last_evaluated_key() {
                Some(key) if !key.is_empty() => start = Some(key.clone()),
                _ => return Ok(out),
            }
        }
    }

    async fn read_counts(&self, petition: &str) -> Result<Counts, StoreError> {
        let keys: Vec<HashMap<String, AttributeValue>> = (0..SHARDS)
            .map(|i| {
                HashMap::from([
                    ("pk".to_owned(), s(shard_pk(petition, i))),
                    ("sk".to_owned(), s("CNT")),
                ])
            })
            .collect();
        let mut pending = KeysAndAttributes::builder()
            .set_keys(Some(keys))
            .consistent_read(true)
            .build()
            .map_err(|e| StoreError::Other(e.to_string()))?;
        let mut counts = Counts::default();
        for attempt in 1..=MAX_READ_ATTEMPTS {
            let out = self
                .client
                .batch_get_item()
                .request_items(&self.table, pending.clone())
                .send()
                .await
                .map_err(|e| sdk_err("BatchGetItem", &e))?;
            for item in out
                .responses()
                .and_then(|r| r.get(&self.table))
                .into_iter()
                .flatten()
            {
                add_shard(&mut counts, item);
            }
            match out
                .unprocessed_keys()
                .and_then(|u| u.get(&self.table))
                .filter(|k| !k.keys().is_empty())
            {
                None => {
                    // Countries brought back to zero by `forget` are not reported.
                    counts.by_country.retain(|_, v| *v > 0);
                    return Ok(counts);
                }
                Some(rest) => {
                    pending = rest.clone();
                    backoff(attempt).await;
                }
            }
        }
        Err(StoreError::Throttled(
            "DynamoDB left counter shards unread after several attempts".into(),
        ))
    }

    async fn scan_signatures(&self, petition: &str) -> Result<Vec<StoredSignature>, StoreError> {
        let mut out = Vec::new();
        let mut start: Option<HashMap<String, AttributeValue>> = None;
        let now = crate::domain::time::unix_seconds(std::time::SystemTime::now());
        loop {
            let page = self
                .client
                .scan()
                .table_name(&self.table)
                .filter_expression("begins_with(pk, :prefix) AND sk = :sig")
                .expression_attribute_values(":prefix", s(format!("SIG#{petition}#")))
                .expression_attribute_values(":sig", s("SIG"))
                .consistent_read(true)
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(|e| sdk_err("Scan", &e))?;
            for item in page.items() {
                let rec = record_from_item(item)?;
                // TTL deletion runs within days of expiry, not at once.
                if rec.expires_at > now {
                    out.push(rec);
                }
            }
            match page.last_evaluated_key() {
                Some(key) if !key.is_empty() => start = Some(key.clone()),
                _ => return Ok(out),
            }
        }
    }
}

fn classify<R: Debug + 'static>(
    err: &SdkError<aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError, R>,
) -> Failure {
    use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError as E;
    let mapped = sdk_err("TransactWriteItems", err);
    let Some(service) = err.as_service_error() else {
        return Failure::Fail(mapped);
    };
    match service {
        E::TransactionCanceledException(cancel) => {
            let codes: Vec<&str> = cancel
                .cancellation_reasons()
                .iter()
                .filter_map(|r| r.code())
                .collect();
            if codes.contains(&"ConditionalCheckFailed") {
                Failure::Duplicate
            } else if codes.contains(&"TransactionConflict") {
                Failure::Retry(StoreError::Unavailable(
                    "the transaction kept conflicting with concurrent signatures".into(),
                ))
            } else if codes
                .iter()
                .any(|c| matches!(*c, "ThrottlingError" | "ProvisionedThroughputExceeded"))
            {
                Failure::Fail(StoreError::Throttled(format!(
                    "TransactWriteItems cancelled: {codes:?}"
                )))
            } else {
                Failure::Fail(StoreError::Other(format!(
                    "TransactWriteItems cancelled: {codes:?}"
                )))
            }
        }
        E::TransactionInProgressException(_) => Failure::Retry(StoreError::Unavailable(
            "an earlier request for the same signature is still in progress".into(),
        )),
        E::IdempotentParameterMismatchException(_) => Failure::TokenReused,
        _ => Failure::Fail(mapped),
    }
}

fn add_shard(counts: &mut Counts, item: &HashMap<String, AttributeValue>) {
    for (name, value) in item {
        let Ok(text) = value.as_n() else { continue };
        let Ok(v) = text.parse::<u64>() else { continue };
        if name == "total" {
            counts.total += v;
        } else if let Some(cc) = name.strip_prefix("c_") {
            *counts.by_country.entry(cc.to_owned()).or_insert(0) += v;
        }
    }
}

fn record_from_item(item: &HashMap<String, AttributeValue>) -> Result<SignatureRecord, StoreError> {
    let damaged =
        |what: &str| StoreError::Other(format!("a stored signature lacks a valid `{what}`"));
    let pk = item
        .get("pk")
        .and_then(|v| v.as_s().ok())
        .ok_or_else(|| damaged("pk"))?;
    let (petition, hash) = pk
        .strip_prefix("SIG#")
        .and_then(|rest| rest.split_once('#'))
        .ok_or_else(|| damaged("pk"))?;
    let text = |key: &str| -> Result<String, StoreError> {
        item.get(key)
            .and_then(|v| v.as_s().ok())
            .cloned()
            .ok_or_else(|| damaged(key))
    };
    Ok(SignatureRecord {
        petition: petition.to_owned(),
        hash: hash.to_owned(),
        name_enc: item
            .get("name_enc")
            .and_then(blob_text)
            .ok_or_else(|| damaged("name_enc"))?,
        email_enc: item.get("email_enc").and_then(blob_text),
        country: text("country")?,
        updates: item
            .get("updates")
            .and_then(|v| v.as_bool().ok())
            .copied()
            .unwrap_or(false),
        created_at: text("created_at")?,
        expires_at: item
            .get("expires_at")
            .and_then(|v| v.as_n().ok())
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| damaged("expires_at"))?,
    })
}

fn letter_from_item(item: &HashMap<String, AttributeValue>) -> Result<LetterRecord, StoreError> {
    let damaged = |what: &str| StoreError::Other(format!("a stored letter lacks a valid `{what}`"));
    let text = |key: &str| -> Result<String, StoreError> {
        item.get(key)
            .and_then(|v| v.as_s().ok())
            .cloned()
            .ok_or_else(|| damaged(key))
    };
    let pk = text("pk")?;
    let sk = text("sk")?;
    let (hash, state) = pk
        .strip_prefix("LTR#")
        .and_then(|rest| rest.rsplit_once('#'))
        .ok_or_else(|| damaged("pk"))?;
    let letter_hash = sk.strip_prefix("LTR#").ok_or_else(|| damaged("sk"))?;
    let mut senators = item
        .get("senators")
        .and_then(|v| v.as_ss().ok())
        .cloned()
        .unwrap_or_default();
    senators.sort_unstable();
    Ok(LetterRecord {
        hash: hash.to_owned(),
        state: state.to_owned(),
        letter_hash: letter_hash.to_owned(),
        senators,
        private_enc: item
            .get("private_enc")
            .and_then(blob_text)
            .ok_or_else(|| damaged("private_enc"))?,
        suggested: item
            .get("suggested")
            .and_then(|v| v.as_bool().ok())
            .copied()
            .unwrap_or(false),
        created_at: text("created_at")?,
        expires_at: item
            .get("expires_at")
            .and_then(|v| v.as_n().ok())
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| damaged("expires_at"))?,
    })
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
                .key("pk", s("HEALTH"))
                .key("sk", s("HEALTH"))
                .send()
                .await
                .map_err(|e| sdk_err("GetItem", &e))?;
            Ok(())
        })
    }

    fn sign(&self, rec: SignatureRecord) -> StoreFuture<'_, SignOutcome> {
        Box::pin(async move { self.sign_measured(&rec).await.map(|(out, _)| out) })
    }

    fn count<'a>(&'a self, petition: &'a str) -> StoreFuture<'a, Counts> {
        Box::pin(self.read_counts(petition))
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

    fn export_letters<'a>(
        &'a self,
        filter: &'a LetterFilter,
    ) -> StoreFuture<'a, Vec<StoredLetter>> {
        Box::pin(self.scan_letters(filter))
    }

    fn forget<'a>(&'a self, hash: &'a str) -> StoreFuture<'a, Forgotten> {
        Box::pin(self.forget_person(hash))
    }
}

/// A client from the SDK's standard configuration chain.
pub async fn client_from_env() -> Client {
    let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .load()
        .await;
    Client::new(&config)
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct TableSpec {
    attribute_definitions: Vec<AttributeSpec>,
    key_schema: Vec<KeySpec>,
    billing_mode: String,
    time_to_live_specification: Option<TtlSpec>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct AttributeSpec {
    attribute_name: String,
    attribute_type: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct KeySpec {
    attribute_name: String,
    key_type: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct TtlSpec {
    attribute_name: String,
    enabled: bool,
}

/// Creates `table` with the schema of `table.json` if it does not exist, waits until it is
/// ACTIVE, and enables its TTL. Idempotent: an existing table or TTL is fine.
pub async fn init_table(client: &Client, table: &str) -> Result<(), StoreError> {
    let spec: TableSpec = serde_json::from_str(TABLE_SCHEMA)
        .map_err(|e| StoreError::Other(format!("table.json is not valid: {e}")))?;
    let build = |e: aws_sdk_dynamodb::error::BuildError| StoreError::Other(e.to_string());
    let mut create = client
        .create_table()
        .table_name(table)
        .billing_mode(BillingMode::from(spec.billing_mode.as_str()));
    for a in &spec.attribute_definitions {
        create = create.attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name(&a.attribute_name)
                .attribute_type(ScalarAttributeType::from(a.attribute_type.as_str()))
                .build()
                .map_err(build)?,
        );
    }
    for k in &spec.key_schema {
        create = create.key_schema(
            KeySchemaElement::builder()
                .attribute_name(&k.attribute_name)
                .key_type(KeyType::from(k.key_type.as_str()))
                .build()
                .map_err(build)?,
        );
    }
    match create.send().await {
        Ok(_) => {}
        Err(e) if e.code() == Some("ResourceInUseException") => {}
        Err(e) => return Err(sdk_err("CreateTable", &e)),
    }
    wait_until_active(client, table).await?;
    if let Some(ttl) = spec.time_to_live_specification.filter(|t| t.enabled) {
        enable_ttl(client, table, &ttl.attribute_name).await?;
    }
    Ok(())
}

async fn wait_until_active(client: &Client, table: &str) -> Result<(), StoreError> {
    for _ in 0..300 {
        let out = client
            .describe_table()
            .table_name(table)
            .send()
            .await
            .map_err(|e| sdk_err("DescribeTable", &e))?;
        if out.table().and_then(|t| t.table_status()) == Some(&TableStatus::Active) {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    Err(StoreError::Unavailable(format!(
        "table {table} did not become ACTIVE within 60 seconds"
    )))
}

async fn enable_ttl(client: &Client, table: &str, attribute: &str) -> Result<(), StoreError> {
    let current = client
        .describe_time_to_live()
        .table_name(table)
        .send()
        .await
        .map_err(|e| sdk_err("DescribeTimeToLive", &e))?;
    if let Some(d) = current.time_to_live_description()
        && matches!(
            d.time_to_live_status(),
            Some(TimeToLiveStatus::Enabled | TimeToLiveStatus::Enabling)
        )
        && d.attribute_name() == Some(attribute)
    {
        return Ok(());
    }
    let spec = TimeToLiveSpecification::builder()
        .attribute_name(attribute)
        .enabled(true)
        .build()
        .map_err(|e| StoreError::Other(e.to_string()))?;
    match client
        .update_time_to_live()
        .table_name(table)
        .time_to_live_specification(spec)
        .send()
        .await
    {
        Ok(_) => Ok(()),
        Err(e)
            if e.message()
                .is_some_and(|m| m.to_ascii_lowercase().contains("already enabled")) =>
        {
            Ok(())
        }
        Err(e) => Err(sdk_err("UpdateTimeToLive", &e)),
    }
}

#[cfg(test)]
mod tests;
