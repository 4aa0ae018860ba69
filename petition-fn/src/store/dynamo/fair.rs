//! Fair use on DynamoDB: counters (`UpdateItem ADD`), spent challenges (a conditional put),
//! client notes (one partition per client and petition), pauses, and undoing a flood.
//! Every item carries `expires_at`, so the table's TTL deletes it; reads ignore expired ones
//! meanwhile (TTL runs within days, not at once).

use aws_sdk_dynamodb::types::ReturnValue;

use super::DynamoStore;
use super::error::sdk_error;
use super::items::{Item, n, s, signature_from_item};
use super::keys::{self, COUNT, EXPIRES_AT, FINGERPRINT, Key, MESSAGE, NOTE_PREFIX, PK, SINCE};
use super::write::Record;
use std::collections::BTreeMap;

use crate::store::{
    ActionCount, ClientNote, Counts, Detail, Invalidated, Pause, Recount, StoreError,
};

fn number(item: &Item, name: &str) -> Option<i64> {
    item.get(name)?.as_n().ok()?.parse().ok()
}

fn damaged(what: &str) -> StoreError {
    StoreError::Other(Detail::new(format!("a stored {what} is damaged")))
}

impl DynamoStore {
    /// One `UpdateItem` (1 WCU): `ADD n :one`, the expiry set, the new value returned.
    pub(super) async fn hit_counter(&self, name: &str, expires_at: i64) -> Result<u64, StoreError> {
        let out = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(keys::fair(name).attributes()))
            .update_expression(format!("ADD {COUNT} :one SET {EXPIRES_AT} = :exp"))
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":exp", n(expires_at))
            .return_values(ReturnValue::UpdatedNew)
            .send()
            .await
            .map_err(|e| sdk_error("UpdateItem", e))?;
        out.attributes()
            .and_then(|a| number(a, COUNT))
            .and_then(|v| u64::try_from(v).ok())
            .ok_or_else(|| damaged("fair-use counter"))
    }

    /// One eventually consistent `GetItem` (0.5 RCU).
    pub(super) async fn peek_counter(&self, name: &str, now: i64) -> Result<u64, StoreError> {
        let item = self.get(&keys::fair(name), false).await?;
        Ok(item
            .as_ref()
            .filter(|item| number(item, EXPIRES_AT).is_some_and(|e| e > now))
            .and_then(|item| number(item, COUNT))
            .and_then(|v| u64::try_from(v).ok())
            .unwrap_or(0))
    }

    /// One conditional `PutItem` (1 WCU): only if the key is new.
    pub(super) async fn spend_key(&self, name: &str, expires_at: i64) -> Result<bool, StoreError> {
        let mut item = keys::fair(name).attributes();
        item.insert(COUNT.to_owned(), n(1));
        item.insert(EXPIRES_AT.to_owned(), n(expires_at));
        self.put_new(item).await
    }

    /// One `PutItem` only if its key is new: `false` when the key was there already.
    async fn put_new(&self, item: Item) -> Result<bool, StoreError> {
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression(format!("attribute_not_exists({PK})"))
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_conditional_check_failed_exception()) =>
            {
                Ok(false)
            }
            Err(e) => Err(sdk_error("PutItem", e)),
        }
    }

    /// One `PutItem` (1 WCU).
    pub(super) async fn put_note(&self, note: &ClientNote) -> Result<(), StoreError> {
        let mut item = keys::note(&note.petition, &note.client, &note.hash).attributes();
        item.insert(EXPIRES_AT.to_owned(), n(note.expires_at));
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .send()
            .await
            .map_err(|e| sdk_error("PutItem", e))?;
        Ok(())
    }

    /// One client's notes: a `Query` of its partition; every client's: a `Scan` (the
    /// operator's occasional look at a flood).
    pub(super) async fn read_notes(
        &self,
        petition: &str,
        client: Option<&str>,
        now: i64,
    ) -> Result<Vec<ClientNote>, StoreError> {
        let mut out = Vec::new();
        let mut keep = |item: &Item| {
            let Some(key) = Key::of_item(item) else {
                return;
            };
            let Some((p, c)) = keys::parse_note(&key) else {
                return;
            };
            let expires_at = number(item, EXPIRES_AT).unwrap_or(0);
            if p == petition && expires_at > now {
                out.push(ClientNote {
                    petition: p.to_owned(),
                    client: c.to_owned(),
                    hash: key.sk.clone(),
                    expires_at,
                });
            }
        };
        match client {
            Some(client) => {
                let mut items = self
                    .client
                    .query()
                    .table_name(&self.table)
                    .key_condition_expression(format!("{PK} = :pk"))
                    .expression_attribute_values(":pk", s(keys::notes_of(petition, client)))
                    .consistent_read(true)
                    .into_paginator()
                    .items()
                    .send();
                while let Some(item) = items.try_next().await.map_err(|e| sdk_error("Query", e))? {
                    keep(&item);
                }
            }
            None => {
                let mut items = self
                    .client
                    .scan()
                    .table_name(&self.table)
                    .filter_expression(format!("begins_with({PK}, :prefix)"))
                    .expression_attribute_values(":prefix", s(format!("{NOTE_PREFIX}{petition}#")))
                    .consistent_read(true)
                    .into_paginator()
                    .items()
                    .send();
                while let Some(item) = items.try_next().await.map_err(|e| sdk_error("Scan", e))? {
                    keep(&item);
                }
            }
        }
        Ok(out)
    }

    /// Each signature: read (for its country), then deleted with its counters in one
    /// transaction; each pending one deleted.
    pub(super) async fn invalidate_hashes(
        &self,
        petition: &str,
        hashes: &[String],
    ) -> Result<Invalidated, StoreError> {
        let mut out = Invalidated::default();
        for hash in hashes {
            let key = keys::signature(petition, hash);
            if let Some(item) = self.get_consistent(&key).await? {
                let country = signature_from_item(&item)?.country;
                if self.forget_item(&key, Record::Signature).await? {
                    out.signatures.total += 1;
                    *out.signatures.by_country.entry(country).or_default() += 1;
                }
            }
            if self.delete_pending(&keys::pending(petition, hash)).await? {
                out.pending += 1;
            }
        }
        Ok(out)
    }

    /// `PutItem` or `DeleteItem` of the pause item.
    pub(super) async fn write_pause(
        &self,
        petition: &str,
        pause: Option<Pause>,
    ) -> Result<(), StoreError> {
        let key = keys::pause(petition);
        match pause {
            Some(p) => {
                let mut item = key.attributes();
                item.insert(SINCE.to_owned(), s(p.since));
                if let Some(message) = p.message {
                    item.insert(MESSAGE.to_owned(), s(message));
                }
                self.client
                    .put_item()
                    .table_name(&self.table)
                    .set_item(Some(item))
                    .send()
                    .await
                    .map_err(|e| sdk_error("PutItem", e))?;
            }
            None => {
                self.client
                    .delete_item()
                    .table_name(&self.table)
                    .set_key(Some(key.attributes()))
                    .send()
                    .await
                    .map_err(|e| sdk_error("DeleteItem", e))?;
            }
        }
        Ok(())
    }

    /// One consistent `GetItem`; on first use a conditional `PutItem` too (and, when another
    /// process recorded one meanwhile, a second `GetItem`).
    pub(super) async fn bind_key(
        &self,
        record: Option<&str>,
    ) -> Result<Option<String>, StoreError> {
        let key = keys::signer_key();
        let held = |item: Option<Item>| {
            item.and_then(|i| i.get(FINGERPRINT).and_then(|v| v.as_s().ok()).cloned())
        };
        let found = held(self.get(&key, true).await?);
        let (None, Some(fingerprint)) = (&found, record) else {
            return Ok(found);
        };
        let mut item = key.attributes();
        item.insert(FINGERPRINT.to_owned(), s(fingerprint.to_owned()));
        if self.put_new(item).await? {
            return Ok(Some(fingerprint.to_owned()));
        }
        // Another process recorded one meanwhile: theirs holds.
        held(self.get(&key, true).await?)
            .map(Some)
            .ok_or_else(|| damaged("signer key"))
    }

    /// One eventually consistent `GetItem` (0.5 RCU): the function caches the answer a few
    /// seconds, so a pause is seen within seconds anyway.
    pub(super) async fn read_pause(&self, petition: &str) -> Result<Option<Pause>, StoreError> {
        let Some(item) = self.get(&keys::pause(petition), false).await? else {
            return Ok(None);
        };
        let text = |name: &str| item.get(name).and_then(|v| v.as_s().ok()).cloned();
        Ok(Some(Pause {
            message: text(MESSAGE),
            since: text(SINCE).ok_or_else(|| damaged("pause"))?,
        }))
    }
}

impl DynamoStore {
    /// The petition's signatures (a consistent `Scan`, expired ones the TTL has not deleted
    /// yet included) against its counter items (16 `Query`s); with `fix`, each (shard,
    /// country) item is set to the signatures it stands for (the shard comes from each
    /// signature's hash, as signing chose it, so later decrements land where they should) and
    /// every other counter item of the petition, an older whole-shard item included, is
    /// deleted. Not atomic: the petition must be paused meanwhile.
    pub(super) async fn recount_petition(
        &self,
        petition: &str,
        fix: bool,
    ) -> Result<Recount, StoreError> {
        let signatures = self.scan_signatures_until(petition, i64::MIN).await?;
        let counted = self.read_counts(petition).await?;
        let mut stored = Counts::default();
        let mut wanted: BTreeMap<Key, (String, u64)> = BTreeMap::new();
        for rec in &signatures {
            stored.total += 1;
            *stored.by_country.entry(rec.country.clone()).or_default() += 1;
            let key = keys::country_shard(petition, keys::shard_of(&rec.hash), &rec.country);
            wanted
                .entry(key)
                .or_insert_with(|| (rec.country.clone(), 0))
                .1 += 1;
        }
        let mut out = Recount {
            stored,
            counted,
            fixed: false,
        };
        if !fix || out.agrees() {
            return Ok(out);
        }
        for shard in 0..keys::SHARDS {
            for item in self.counter_items(petition, shard).await? {
                let Some(key) = Key::of_item(&item) else {
                    continue;
                };
                if !wanted.contains_key(&key) {
                    self.client
                        .delete_item()
                        .table_name(&self.table)
                        .set_key(Some(key.attributes()))
                        .send()
                        .await
                        .map_err(|e| sdk_error("DeleteItem", e))?;
                }
            }
        }
        for (key, (country, count)) in wanted {
            let mut item = key.attributes();
            item.insert(keys::TOTAL.to_owned(), n(count));
            item.insert(keys::country_counter(&country), n(count));
            self.client
                .put_item()
                .table_name(&self.table)
                .set_item(Some(item))
                .send()
                .await
                .map_err(|e| sdk_error("PutItem", e))?;
        }
        out.fixed = true;
        Ok(out)
    }
}

impl DynamoStore {
    /// One `UpdateItem` (1 WCU): `ADD n :one` on the outcome's counter.
    pub(super) async fn add_action(
        &self,
        kind: &str,
        state: &str,
        senator: &str,
    ) -> Result<(), StoreError> {
        self.client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(keys::action(kind, state, senator).attributes()))
            .update_expression(format!("ADD {COUNT} :one"))
            .expression_attribute_values(":one", n(1))
            .send()
            .await
            .map_err(|e| sdk_error("UpdateItem", e))?;
        Ok(())
    }

    /// One consistent `Query` per kind of outcome (the operator's export and stats).
    pub(super) async fn read_actions(&self) -> Result<Vec<ActionCount>, StoreError> {
        let mut out = Vec::new();
        for kind in contract::api::ACTION_KINDS {
            let mut items = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression(format!("{PK} = :pk"))
                .expression_attribute_values(":pk", s(keys::actions_of(kind)))
                .consistent_read(true)
                .into_paginator()
                .items()
                .send();
            while let Some(item) = items.try_next().await.map_err(|e| sdk_error("Query", e))? {
                let Some(key) = Key::of_item(&item) else {
                    continue;
                };
                let Some((state, senator)) = keys::parse_action_sk(&key.sk) else {
                    continue;
                };
                out.push(ActionCount {
                    kind: (*kind).to_owned(),
                    state: state.to_owned(),
                    senator: senator.to_owned(),
                    count: number(&item, COUNT)
                        .and_then(|v| u64::try_from(v).ok())
                        .unwrap_or(0),
                });
            }
        }
        out.sort_by(|a, b| (&a.kind, &a.state, &a.senator).cmp(&(&b.kind, &b.state, &b.senator)));
        Ok(out)
    }
}
