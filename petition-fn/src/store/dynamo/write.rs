//! Transactions: a record's put with its counter increments, a pending signature's put and
//! its confirmation, a record's delete with its counter decrements, their retries, and what a
//! failed transaction means.

use std::fmt::Debug;
use std::time::Duration;

use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::transact_write_items::{
    TransactWriteItemsError, TransactWriteItemsOutput,
};
use aws_sdk_dynamodb::types::{
    AttributeValue, Delete, ReturnConsumedCapacity, ReturnValue, TransactWriteItem,
};

use super::DynamoStore;
use super::error::{build_error, sdk_error};
use super::items::{
    CONFIRM_SIGNATURE_PUT, PENDING_CONFIRMED_CHECK, PENDING_PUT, confirm_writes,
    letter_counter_update, letter_from_item, pending_writes, s, signature_counter_update,
    signature_from_item,
};
use super::keys::{self, CREATED_AT, Key, PK};
use crate::store::{
    ConfirmOutcome, Detail, Forgotten, PendingOutcome, PendingRecord, SignOutcome, SignatureRecord,
    StoreError,
};

/// Attempts at a transaction that keeps conflicting with others on the same counter shard.
const MAX_ATTEMPTS: u32 = 10;

/// Exponential backoff with full jitter: up to 10 ms · 2^attempt, capped at 640 ms.
pub(super) async fn backoff(attempt: u32) {
    let cap = 10u64 << attempt.min(6);
    let jitter = getrandom::u64().unwrap_or(cap / 2) % (cap + 1);
    tokio::time::sleep(Duration::from_millis(jitter.max(2))).await;
}

/// What a failed transaction means.
enum Failure {
    /// A condition failed: the item exists already (a put), or is gone or changed (a delete).
    /// Holds the positions, in the transaction, of the items whose condition failed.
    ConditionFailed(Vec<usize>),
    /// Try the same request again.
    Retry(StoreError),
    /// The token was used with other parameters: another request for the same item.
    TokenReused,
    /// Give up.
    Fail(StoreError),
}

/// What a record is, which names the counters it counts in.
#[derive(Debug, Clone, Copy)]
pub(super) enum Record {
    Signature,
    Letter,
}

fn classify<R>(err: SdkError<TransactWriteItemsError, R>) -> Failure
where
    R: Debug + Send + Sync + 'static,
{
    type Kind = fn(Detail) -> StoreError;
    let (kind, what): (Kind, String) = match err.as_service_error() {
        Some(TransactWriteItemsError::TransactionCanceledException(cancel)) => {
            let reasons = cancel.cancellation_reasons();
            let failed: Vec<usize> = reasons
                .iter()
                .enumerate()
                .filter(|(_, r)| r.code() == Some("ConditionalCheckFailed"))
                .map(|(i, _)| i)
                .collect();
            if !failed.is_empty() {
                return Failure::ConditionFailed(failed);
            }
            let codes: Vec<&str> = reasons.iter().filter_map(|r| r.code()).collect();
            if codes.contains(&"TransactionConflict") {
                let what = "the transaction kept conflicting with concurrent signatures";
                return Failure::Retry(StoreError::Unavailable(Detail::caused_by(what, err)));
            }
            let throttled = codes
                .iter()
                .any(|c| matches!(*c, "ThrottlingError" | "ProvisionedThroughputExceeded"));
            let what = format!("TransactWriteItems cancelled: {codes:?}");
            if throttled {
                (StoreError::Throttled, what)
            } else {
                (StoreError::Other, what)
            }
        }
        Some(TransactWriteItemsError::TransactionInProgressException(_)) => {
            let what = "an earlier request for the same signature is still in progress";
            return Failure::Retry(StoreError::Unavailable(Detail::caused_by(what, err)));
        }
        Some(TransactWriteItemsError::IdempotentParameterMismatchException(_)) => {
            return Failure::TokenReused;
        }
        _ => return Failure::Fail(sdk_error("TransactWriteItems", err)),
    };
    Failure::Fail(kind(Detail::caused_by(what, err)))
}

impl DynamoStore {
    /// Runs a conditional put + counter update once: `new: false` when the item `key` exists
    /// already. Retries conflicts; a token reused with other data (the same item from another
    /// request) is a repeat once that item is there. Also returns the write capacity units
    /// consumed, as DynamoDB reports them.
    pub(super) async fn put_counted(
        &self,
        items: Vec<TransactWriteItem>,
        token: &str,
        key: &Key,
    ) -> Result<(SignOutcome, Option<f64>), StoreError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let failure = match self.transact(items.clone(), Some(token)).await {
                Ok(units) => return Ok((SignOutcome { new: true }, units)),
                Err(failure) => failure,
            };
            match failure {
                Failure::ConditionFailed(_) => return Ok((SignOutcome { new: false }, None)),
                Failure::TokenReused => {
                    // The same item was submitted with other data (a fresh nonce) in the last
                    // 10 minutes: it is a repeat if that one was stored.
                    return if self.item_exists(key).await? {
                        Ok((SignOutcome { new: false }, None))
                    } else if attempt < MAX_ATTEMPTS {
                        backoff(attempt).await;
                        continue;
                    } else {
                        Err(unresolved())
                    };
                }
                Failure::Retry(e) if attempt >= MAX_ATTEMPTS => return Err(e),
                Failure::Retry(_) => backoff(attempt).await,
                Failure::Fail(e) => return Err(e),
            }
        }
    }

    /// Keeps a pending signature with its token: ONE transaction (`items::pending_writes`).
    /// Which condition failed says why not. Retries conflicts (a concurrent submission or
    /// confirmation for the same address). Also returns the write capacity units consumed.
    ///
    /// No `ClientRequestToken` of ours: the SDK makes one per call, which its own retries
    /// reuse, so a retried request is applied once.
    pub(super) async fn put_pending(
        &self,
        rec: &PendingRecord,
    ) -> Result<(PendingOutcome, Option<f64>), StoreError> {
        let writes = pending_writes(&self.table, rec)?;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let failure = match self.transact(writes.clone(), None).await {
                Ok(units) => return Ok((PendingOutcome::Mail, units)),
                Err(failure) => failure,
            };
            match failure {
                Failure::ConditionFailed(failed) if failed.contains(&PENDING_CONFIRMED_CHECK) => {
                    return Ok((PendingOutcome::AlreadyConfirmed, None));
                }
                Failure::ConditionFailed(failed) if failed.contains(&PENDING_PUT) => {
                    return Ok((PendingOutcome::RecentlyMailed, None));
                }
                Failure::ConditionFailed(failed) => {
                    return Err(StoreError::Other(Detail::new(format!(
                        "a pending signature's transaction failed on a condition it does not have (items {failed:?})"
                    ))));
                }
                Failure::Retry(_) | Failure::TokenReused if attempt < MAX_ATTEMPTS => {
                    backoff(attempt).await;
                }
                Failure::TokenReused => return Err(unresolved()),
                Failure::Retry(e) | Failure::Fail(e) => return Err(e),
            }
        }
    }

    /// Confirms the pending signature of a token: reads the token, then the pending signature
    /// it names, and when the token is unused and the pending signature not expired at `now`,
    /// writes ONE transaction (`items::confirm_writes`). A failed signature put means the
    /// signature is there (a racing confirmation won, or the address signed without
    /// confirmation): `AlreadyConfirmed`. Any other failed condition (the pending signature
    /// replaced, deleted or expired since it was read, the token gone) and any conflict are
    /// read again. Also returns the write capacity units consumed.
    ///
    /// Without a pending signature (or with an expired one), the signature is read last: a
    /// confirmation deletes the pending signature and puts the signature at once, so when a
    /// racing confirmation took the pending signature away, its signature is there by then.
    ///
    /// No `ClientRequestToken` derived from the token: racing confirmations would then be the
    /// same request, and each be told `Confirmed`. The SDK's own token per call keeps its
    /// retries idempotent.
    pub(super) async fn confirm_token(
        &self,
        token_hash: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<(ConfirmOutcome, Option<f64>), StoreError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let Some(token) = self.read_token(token_hash).await? else {
                return Ok((ConfirmOutcome::Unknown, None));
            };
            if token.used {
                let petition = token.petition;
                return Ok((ConfirmOutcome::AlreadyConfirmed { petition }, None));
            }
            // The TTL deletes late: expiry is decided here, by the times stored.
            let pending = self
                .read_pending(&token.petition, &token.hash)
                .await?
                .filter(|p| p.pending_until > now && token.pending_until > now);
            let petition = token.petition;
            let Some(pending) = pending else {
                let signature = keys::signature(&petition, &token.hash);
                return Ok(if self.item_exists(&signature).await? {
                    (ConfirmOutcome::AlreadyConfirmed { petition }, None)
                } else {
                    (ConfirmOutcome::Expired { petition }, None)
                });
            };
            let signature = SignatureRecord {
                expires_at,
                ..pending.signature
            };
            let writes = confirm_writes(&self.table, &signature, pending.at, token_hash)?;
            let failure = match self.transact(writes, None).await {
                Ok(units) => return Ok((ConfirmOutcome::Confirmed { petition }, units)),
                Err(failure) => failure,
            };
            match failure {
                Failure::ConditionFailed(failed) if failed.contains(&CONFIRM_SIGNATURE_PUT) => {
                    return Ok((ConfirmOutcome::AlreadyConfirmed { petition }, None));
                }
                Failure::ConditionFailed(_) | Failure::TokenReused if attempt < MAX_ATTEMPTS => {}
                Failure::Retry(_) if attempt < MAX_ATTEMPTS => backoff(attempt).await,
                Failure::ConditionFailed(_) | Failure::TokenReused => return Err(unresolved()),
                Failure::Retry(e) | Failure::Fail(e) => return Err(e),
            }
        }
    }

    /// Deletes a person's signatures and letters, each with its counters, and their pending
    /// signatures.
    /// Sets the mail time of the pending signature stored at `at` back by the mail interval,
    /// so the next submission mails again; a pending signature stored since is left alone
    /// (the condition fails, which is no error here).
    pub(super) async fn unmark_mailed(
        &self,
        petition: &str,
        hash: &str,
        at: i64,
    ) -> Result<(), StoreError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(keys::pending(petition, hash).attributes()))
            .update_expression("SET #at = :earlier")
            .condition_expression("#at = :at")
            .expression_attribute_names("#at", keys::AT)
            .expression_attribute_values(":at", super::items::n(at))
            .expression_attribute_values(
                ":earlier",
                super::items::n(at.saturating_sub(crate::store::MAIL_INTERVAL_SECS)),
            )
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_conditional_check_failed_exception()) =>
            {
                Ok(())
            }
            Err(e) => Err(sdk_error("UpdateItem", e)),
        }
    }

    /// Removes the encrypted address and the updates flag from each of a person's signatures:
    /// one conditional `UpdateItem` each (the condition keeps a second call from counting).
    /// One conditional `UpdateItem` per petition (1 WCU each; a failed condition, where there
    /// is no such signature or nothing to remove, costs 1 WCU too).
    pub(super) async fn unsubscribe_person(
        &self,
        hash: &str,
        petitions: &[String],
    ) -> Result<u64, StoreError> {
        let mut changed = 0;
        for key in petitions.iter().map(|p| keys::signature(p, hash)) {
            let update = self
                .client
                .update_item()
                .table_name(&self.table)
                .set_key(Some(key.attributes()))
                .update_expression("SET #updates = :no REMOVE #email")
                .condition_expression(
                    "attribute_exists(#pk) AND (#updates = :yes OR attribute_exists(#email))",
                )
                .expression_attribute_names("#pk", PK)
                .expression_attribute_names("#updates", keys::UPDATES)
                .expression_attribute_names("#email", keys::EMAIL_ENC)
                .expression_attribute_values(":yes", AttributeValue::Bool(true))
                .expression_attribute_values(":no", AttributeValue::Bool(false));
            if update_if(update).await? {
                changed += 1;
            }
        }
        Ok(changed)
    }

    pub(super) async fn forget_person(&self, hash: &str) -> Result<Forgotten, StoreError> {
        let person = self.find_person(hash).await?;
        let mut out = Forgotten::default();
        for key in &person.signatures {
            if self.forget_item(key, Record::Signature).await? {
                out.signatures += 1;
            }
        }
        for key in &person.letters {
            if self.forget_item(key, Record::Letter).await? {
                out.letters += 1;
            }
        }
        for key in &person.pending {
            if self.delete_pending(key).await? {
                out.pending += 1;
            }
        }
        Ok(out)
    }

    /// Deletes a pending signature (it is in no count): one `DeleteItem`. `Ok(false)` when it
    /// is not there (anymore). Its tokens stay until their TTL; they then confirm nothing
    /// (`Expired`).
    pub(super) async fn delete_pending(&self, key: &Key) -> Result<bool, StoreError> {
        let out = self
            .client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(key.attributes()))
            .return_values(ReturnValue::AllOld)
            .send()
            .await
            .map_err(|e| sdk_error("DeleteItem", e))?;
        Ok(out.attributes().is_some_and(|a| !a.is_empty()))
    }

    /// Deletes one signature or letter (`key`) with the decrement of its counters, in one
    /// transaction conditional on the item being the one just read. `Ok(false)` when the
    /// item is not there (anymore).
    pub(super) async fn forget_item(&self, key: &Key, record: Record) -> Result<bool, StoreError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let Some(item) = self.get_consistent(key).await? else {
                return Ok(false);
            };
            // The stored record names the counters it was counted in.
            let (created_at, update) = match record {
                Record::Signature => {
                    let rec = signature_from_item(&item)?;
                    let update = signature_counter_update(&self.table, &rec, -1);
                    (rec.created_at, update)
                }
                Record::Letter => {
                    let rec = letter_from_item(&item)?;
                    let update = letter_counter_update(&self.table, &rec, -1);
                    (rec.created_at, update)
                }
            };
            let delete = Delete::builder()
                .table_name(&self.table)
                .set_key(Some(key.attributes()))
                .condition_expression(format!("{CREATED_AT} = :at"))
                .expression_attribute_values(":at", s(created_at))
                .build()
                .map_err(build_error)?;
            let writes = vec![
                TransactWriteItem::builder().delete(delete).build(),
                TransactWriteItem::builder()
                    .update(update.build().map_err(build_error)?)
                    .build(),
            ];
            let Err(failure) = self.transact(writes, None).await else {
                return Ok(true);
            };
            match failure {
                // Deleted or replaced since it was read: read it again.
                Failure::ConditionFailed(_) | Failure::TokenReused if attempt < MAX_ATTEMPTS => {}
                Failure::Retry(_) if attempt < MAX_ATTEMPTS => backoff(attempt).await,
                Failure::ConditionFailed(_) | Failure::TokenReused => {
                    return Err(StoreError::Unavailable(Detail::new(
                        "a record kept changing while it was being deleted",
                    )));
                }
                Failure::Retry(e) | Failure::Fail(e) => return Err(e),
            }
        }
    }

    /// Sends one transaction (with `token` as its `ClientRequestToken` when given): the write
    /// units it consumed, or what its failure means.
    async fn transact(
        &self,
        items: Vec<TransactWriteItem>,
        token: Option<&str>,
    ) -> Result<Option<f64>, Failure> {
        self.client
            .transact_write_items()
            .set_transact_items(Some(items))
            .set_client_request_token(token.map(str::to_owned))
            .return_consumed_capacity(ReturnConsumedCapacity::Total)
            .send()
            .await
            .map(|out| consumed(&out))
            .map_err(classify)
    }

    async fn item_exists(&self, key: &Key) -> Result<bool, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key.attributes()))
            .projection_expression(PK)
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| sdk_error("GetItem", e))?;
        Ok(out.item().is_some())
    }
}

/// The write capacity units a transaction consumed, as DynamoDB reports them.
fn consumed(out: &TransactWriteItemsOutput) -> Option<f64> {
    out.consumed_capacity()
        .iter()
        .filter_map(|c| c.capacity_units())
        .reduce(|a, b| a + b)
}

/// A request that kept meeting another for the same items.
fn unresolved() -> StoreError {
    StoreError::Unavailable(Detail::new(
        "an earlier request for the same item is still unresolved",
    ))
}

impl DynamoStore {
    /// A consistent `Scan` for letters that hold personal fields, then one conditional
    /// `UpdateItem` each that removes them.
    pub(super) async fn strip_all_letters(&self) -> Result<u64, StoreError> {
        let mut items = self
            .client
            .scan()
            .table_name(&self.table)
            .filter_expression(format!(
                "begins_with({PK}, :ltr) AND begins_with(sk, :ltr) AND attribute_exists({})",
                keys::PRIVATE_ENC
            ))
            .expression_attribute_values(":ltr", s(keys::LETTER_PREFIX))
            .projection_expression(format!("{PK}, sk"))
            .consistent_read(true)
            .into_paginator()
            .items()
            .send();
        let mut changed = 0;
        while let Some(item) = items.try_next().await.map_err(|e| sdk_error("Scan", e))? {
            let Some(key) = Key::of_item(&item) else {
                continue;
            };
            let update = self
                .client
                .update_item()
                .table_name(&self.table)
                .set_key(Some(key.attributes()))
                .update_expression("REMOVE #private")
                .condition_expression("attribute_exists(#private)")
                .expression_attribute_names("#private", keys::PRIVATE_ENC);
            if update_if(update).await? {
                changed += 1;
            }
        }
        Ok(changed)
    }
}

/// Sends a conditional `UpdateItem`: `true` when it changed the item, `false` when its
/// condition did not hold (nothing to change).
async fn update_if(
    update: aws_sdk_dynamodb::operation::update_item::builders::UpdateItemFluentBuilder,
) -> Result<bool, StoreError> {
    match update.send().await {
        Ok(_) => Ok(true),
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_conditional_check_failed_exception()) =>
        {
            Ok(false)
        }
        Err(e) => Err(sdk_error("UpdateItem", e)),
    }
}
