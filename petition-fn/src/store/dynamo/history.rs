//! Hourly snapshots of a petition's counts: one item per (petition, hour), in the petition's
//! own partition, so writing one is a `PutItem` and reading the series one `Query`.
//!
//! Cost: an item holds a few bytes per country (`c_<CC>` and its number), so a snapshot of a
//! petition signed in 60 countries is one 1 KB write unit, and one of all 250 at most 3
//! (measured on DynamoDB Local in the tests, `a_snapshot_costs_one_small_put`). A year of
//! hourly snapshots (8,760 items) reads in about 1,100 eventually consistent units, or
//! fewer when its items are small (a `Query` is billed on the bytes it reads). The TTL on `expires_at`
//! deletes a snapshot [`HISTORY_SECS`](crate::store::HISTORY_SECS) after its hour.

use aws_sdk_dynamodb::types::ReturnConsumedCapacity;

use super::DynamoStore;
use super::error::sdk_error;
use super::items::{add_counter_shard, n, s};
use super::keys::{self, EXPIRES_AT, Key, PK, SK, TOTAL};
use crate::store::{Counts, Detail, HISTORY_SECS, Snapshot, StoreError};

impl DynamoStore {
    /// One `PutItem`: a second snapshot of the same hour replaces the first. Returns the write
    /// units it consumed, as DynamoDB reports them.
    pub(super) async fn put_snapshot(
        &self,
        snapshot: &Snapshot,
    ) -> Result<Option<f64>, StoreError> {
        let mut item = keys::snapshot(&snapshot.petition, snapshot.hour).attributes();
        item.insert(TOTAL.to_owned(), n(snapshot.counts.total));
        for (country, count) in &snapshot.counts.by_country {
            item.insert(keys::country_counter(country), n(count));
        }
        item.insert(EXPIRES_AT.to_owned(), n(snapshot.expires_at()));
        let out = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .return_consumed_capacity(ReturnConsumedCapacity::Total)
            .send()
            .await
            .map_err(|e| sdk_error("PutItem", e))?;
        Ok(out.consumed_capacity().and_then(|c| c.capacity_units()))
    }

    /// One paginated `Query` of the petition's partition from the later of `since` and the
    /// oldest hour kept at `now` (the TTL deletes late, so the bound is applied here too).
    pub(super) async fn read_history(
        &self,
        petition: &str,
        since: i64,
        now: i64,
    ) -> Result<Vec<Snapshot>, StoreError> {
        let from = since.max(now.saturating_sub(HISTORY_SECS));
        let mut items = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression(format!("{PK} = :pk AND {SK} >= :from"))
            .expression_attribute_values(":pk", s(keys::history_of(petition)))
            .expression_attribute_values(":from", s(keys::history_sk(from)))
            .into_paginator()
            .items()
            .send();
        let mut out = Vec::new();
        while let Some(item) = items.try_next().await.map_err(|e| sdk_error("Query", e))? {
            let hour = Key::of_item(&item)
                .and_then(|key| keys::parse_history_sk(&key.sk))
                .ok_or_else(|| {
                    StoreError::Other(Detail::new(format!(
                        "a stored snapshot of {petition} has a damaged key"
                    )))
                })?;
            let mut counts = Counts::default();
            add_counter_shard(&mut counts, &item);
            out.push(Snapshot {
                petition: petition.to_owned(),
                hour,
                counts,
            });
        }
        Ok(out)
    }
}
