//! Reads: counts from the counter shards, the operator's exports, confirmation tokens and the
//! pending signatures they confirm, the count of pending signatures, and the keys of a
//! person's records. Scans and queries go through the SDK's paginators.

use std::time::SystemTime;

use aws_sdk_dynamodb::types::Select;

use super::DynamoStore;
use super::error::sdk_error;
use super::items::{
    Item, StoredPending, StoredToken, add_counter_shard, add_letter_shard, letter_from_item, n,
    pending_from_item, s, signature_from_item, token_from_item,
};
use super::keys::{
    self, COUNTER_SK_PREFIX, EXPIRES_AT, Key, LETTER_PREFIX, LETTER_SHARD_PREFIX, PENDING_PREFIX,
    PENDING_SK, PK, SHARDS, SIGNATURE_PREFIX, SIGNATURE_SK, SK,
};
use crate::store::{Counts, LetterCounts, LetterFilter, StoreError, StoredLetter, StoredSignature};
use contract::date::unix_seconds;

impl DynamoStore {
    /// A petition's counts: one consistent `Query` of each of its 16 shard partitions (every
    /// country's small item, and a table's older whole-shard item), summed.
    pub(super) async fn read_counts(&self, petition: &str) -> Result<Counts, StoreError> {
        let mut counts = Counts::default();
        for shard in 0..SHARDS {
            for item in self.counter_items(petition, shard).await? {
                add_counter_shard(&mut counts, &item);
            }
        }
        // Countries brought back to zero by `forget` are not reported.
        counts.by_country.retain(|_, v| *v > 0);
        Ok(counts)
    }

    /// Every counter item of one shard of a petition: one consistent, paginated `Query`.
    pub(super) async fn counter_items(
        &self,
        petition: &str,
        shard: u32,
    ) -> Result<Vec<Item>, StoreError> {
        let mut items = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression(format!("{PK} = :pk AND begins_with({SK}, :prefix)"))
            .expression_attribute_values(":pk", s(keys::counter_shard_pk(petition, shard)))
            .expression_attribute_values(":prefix", s(COUNTER_SK_PREFIX))
            .consistent_read(true)
            .into_paginator()
            .items()
            .send();
        let mut out = Vec::new();
        while let Some(item) = items.try_next().await.map_err(|e| sdk_error("Query", e))? {
            out.push(item);
        }
        Ok(out)
    }

    /// The letter counts: one consistent `Query` per letter counter shard.
    pub(super) async fn read_letter_counts(&self) -> Result<LetterCounts, StoreError> {
        let mut counts = LetterCounts::default();
        for shard in 0..SHARDS {
            let mut items = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression(format!("{PK} = :pk AND begins_with({SK}, :prefix)"))
                .expression_attribute_values(":pk", s(keys::letter_shard_pk(shard)))
                .expression_attribute_values(":prefix", s(LETTER_SHARD_PREFIX))
                .consistent_read(true)
                .into_paginator()
                .items()
                .send();
            while let Some(item) = items.try_next().await.map_err(|e| sdk_error("Query", e))? {
                add_letter_shard(&mut counts, &item);
            }
        }
        // Counters brought back to zero by `forget` are not reported.
        counts.by_state.retain(|_, v| *v > 0);
        counts.by_senator.retain(|_, v| *v > 0);
        Ok(counts)
    }

    /// Every signature of a petition not past its `expires_at`: one consistent `Scan`.
    pub(super) async fn scan_signatures(
        &self,
        petition: &str,
    ) -> Result<Vec<StoredSignature>, StoreError> {
        self.scan_signatures_until(petition, unix_seconds(SystemTime::now()))
            .await
    }

    /// Every signature of a petition with `expires_at` after `now`: one consistent `Scan`.
    pub(super) async fn scan_signatures_until(
        &self,
        petition: &str,
        now: i64,
    ) -> Result<Vec<StoredSignature>, StoreError> {
        let mut items = self
            .client
            .scan()
            .table_name(&self.table)
            .filter_expression(format!("begins_with({PK}, :prefix) AND {SK} = :sig"))
            .expression_attribute_values(":prefix", s(keys::signatures_of(petition)))
            .expression_attribute_values(":sig", s(SIGNATURE_SK))
            .consistent_read(true)
            .into_paginator()
            .items()
            .send();
        let mut out = Vec::new();
        while let Some(item) = items.try_next().await.map_err(|e| sdk_error("Scan", e))? {
            let rec = signature_from_item(&item)?;
            // TTL deletion runs within days of expiry, not at once.
            if rec.expires_at > now {
                out.push(rec);
            }
        }
        Ok(out)
    }

    /// Every letter passing `filter` not past its `expires_at`: one consistent `Scan`.
    pub(super) async fn scan_letters(
        &self,
        filter: &LetterFilter,
    ) -> Result<Vec<StoredLetter>, StoreError> {
        let now = unix_seconds(SystemTime::now());
        let mut items = self
            .client
            .scan()
            .table_name(&self.table)
            .filter_expression(format!(
                "begins_with({PK}, :prefix) AND begins_with({SK}, :prefix)"
            ))
            .expression_attribute_values(":prefix", s(LETTER_PREFIX))
            .consistent_read(true)
            .into_paginator()
            .items()
            .send();
        let mut out = Vec::new();
        while let Some(item) = items.try_next().await.map_err(|e| sdk_error("Scan", e))? {
            let rec = letter_from_item(&item)?;
            if rec.expires_at > now && filter.matches(&rec) {
                out.push(rec);
            }
        }
        Ok(out)
    }

    /// The keys of every signature, pending signature and letter stored under an address
    /// hash: one consistent `Scan` (see the module documentation for why a scan).
    pub(super) async fn find_person(&self, hash: &str) -> Result<Person, StoreError> {
        let letters_by = keys::letters_by(hash);
        let mut items = self
            .client
            .scan()
            .table_name(&self.table)
            .filter_expression(format!(
                "({SK} = :sig AND begins_with({PK}, :sig_prefix) AND contains({PK}, :tail)) \
                 OR ({SK} = :pend AND begins_with({PK}, :pend_prefix) AND contains({PK}, :tail)) \
                 OR (begins_with({PK}, :ltr) AND begins_with({SK}, :ltr_sk))"
            ))
            .expression_attribute_values(":sig", s(SIGNATURE_SK))
            .expression_attribute_values(":sig_prefix", s(SIGNATURE_PREFIX))
            .expression_attribute_values(":pend", s(PENDING_SK))
            .expression_attribute_values(":pend_prefix", s(PENDING_PREFIX))
            .expression_attribute_values(":tail", s(keys::made_by(hash)))
            .expression_attribute_values(":ltr", s(letters_by.as_str()))
            .expression_attribute_values(":ltr_sk", s(LETTER_PREFIX))
            .projection_expression(format!("{PK}, {SK}"))
            .consistent_read(true)
            .into_paginator()
            .items()
            .send();
        let mut person = Person::default();
        while let Some(item) = items.try_next().await.map_err(|e| sdk_error("Scan", e))? {
            let Some(key) = Key::of_item(&item) else {
                continue;
            };
            // `contains` matches longer hashes too: the hash is all after the second `#`.
            if keys::parse_signature(&key).is_some_and(|(_, h)| h == hash) {
                person.signatures.push(key);
            } else if keys::parse_pending(&key).is_some_and(|(_, h)| h == hash) {
                person.pending.push(key);
            } else if key.pk.starts_with(&letters_by) && key.sk.starts_with(LETTER_PREFIX) {
                person.letters.push(key);
            }
        }
        Ok(person)
    }

    /// A confirmation token: one consistent `GetItem` (1 RCU).
    pub(super) async fn read_token(
        &self,
        token_hash: &str,
    ) -> Result<Option<StoredToken>, StoreError> {
        self.get_consistent(&keys::token(token_hash))
            .await?
            .as_ref()
            .map(token_from_item)
            .transpose()
    }

    /// The pending signature of a (petition, hash), if there is one: one consistent `GetItem`
    /// (1 RCU).
    pub(super) async fn read_pending(
        &self,
        petition: &str,
        hash: &str,
    ) -> Result<Option<StoredPending>, StoreError> {
        self.get_consistent(&keys::pending(petition, hash))
            .await?
            .as_ref()
            .map(pending_from_item)
            .transpose()
    }

    /// The item at `key`, read consistently.
    pub(super) async fn get_consistent(&self, key: &Key) -> Result<Option<Item>, StoreError> {
        self.get(key, true).await
    }

    /// An item by its key: one `GetItem`, strongly consistent (1 RCU) or not (0.5 RCU).
    pub(super) async fn get(
        &self,
        key: &Key,
        consistent: bool,
    ) -> Result<Option<Item>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key.attributes()))
            .consistent_read(consistent)
            .send()
            .await
            .map_err(|e| sdk_error("GetItem", e))?;
        Ok(out.item)
    }

    /// How many pending signatures of a petition have not expired at `now`: one consistent
    /// `Scan` counting (`Select::COUNT`) the pending items of the petition.
    ///
    /// Its cost: a scan reads the WHOLE table (1 RCU per 4 KB read, consistent, whatever the
    /// filter keeps), so a table of a million signatures (about 300 bytes each) costs about
    /// 75,000 RCU a call. It is for the operator's `stats`, run by hand, never on a request's
    /// path. (A query would need the pending signatures of a petition in one partition, which
    /// a burst of signing would make hot; or an index, which the one-table schema has not.)
    /// The TTL deletes expired items late (within days), so `expires_at` is compared with
    /// `now` too.
    pub(super) async fn count_pending(&self, petition: &str, now: i64) -> Result<u64, StoreError> {
        let mut pages = self
            .client
            .scan()
            .table_name(&self.table)
            .filter_expression(format!(
                "begins_with({PK}, :prefix) AND {SK} = :pend AND #expires > :now"
            ))
            .expression_attribute_names("#expires", EXPIRES_AT)
            .expression_attribute_values(":prefix", s(keys::pending_of(petition)))
            .expression_attribute_values(":pend", s(PENDING_SK))
            .expression_attribute_values(":now", n(now))
            .select(Select::Count)
            .consistent_read(true)
            .into_paginator()
            .send();
        let mut count = 0;
        while let Some(page) = pages.try_next().await.map_err(|e| sdk_error("Scan", e))? {
            count += u64::try_from(page.count()).unwrap_or(0);
        }
        Ok(count)
    }
}

/// The keys of a person's records (found by [`DynamoStore::find_person`]).
#[derive(Debug, Default)]
pub(super) struct Person {
    /// Confirmed signatures.
    pub(super) signatures: Vec<Key>,
    /// Pending signatures.
    pub(super) pending: Vec<Key>,
    /// Letters.
    pub(super) letters: Vec<Key>,
}
