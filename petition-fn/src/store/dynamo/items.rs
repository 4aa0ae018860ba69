//! Records to DynamoDB items and counter updates, and items back to records and counts.

use std::collections::HashMap;

use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::builders::UpdateBuilder;
use aws_sdk_dynamodb::types::{
    AttributeValue, ConditionCheck, Delete, Put, TransactWriteItem, Update,
};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use super::error::build_error;
use super::keys::{
    self, AT, COUNTRY, CREATED_AT, EMAIL_ENC, EXPIRES_AT, HASH, Key, NAME_ENC, PETITION, PK,
    PRIVATE_ENC, SENATORS, SK, STATE, SUGGESTED, TOTAL, UPDATES, USED,
};
use crate::store::counts::{add_letter_count, letter_counters};
use crate::store::{
    Counts, Detail, LetterCounts, LetterRecord, MAIL_INTERVAL_SECS, PendingRecord, SignatureRecord,
    StoreError,
};

/// An item as the SDK holds it.
pub(super) type Item = HashMap<String, AttributeValue>;

/// A string attribute.
pub(super) fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

/// A number attribute.
pub(super) fn n(v: impl ToString) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

/// Protected fields: a value encrypted before sealing (base64 of AES-GCM output) is stored as
/// binary, a quarter smaller than its text; a value sealed to the operator's key
/// (`crate::protect`, `s1:` and base64) as that text, so the attribute's type tells the two
/// apart (random bytes could begin with any prefix). Either keeps the largest signature item
/// well under the 1 KB write unit.
pub(super) fn blob(text: &str) -> Result<AttributeValue, StoreError> {
    if text.starts_with(crate::protect::SEALED) {
        return Ok(AttributeValue::S(text.to_owned()));
    }
    STANDARD
        .decode(text)
        .map(|bytes| AttributeValue::B(Blob::new(bytes)))
        .map_err(|e| StoreError::Other(Detail::caused_by("an encrypted field is not base64", e)))
}

fn blob_text(value: &AttributeValue) -> Option<String> {
    match value {
        AttributeValue::B(b) => Some(STANDARD.encode(b.as_ref())),
        AttributeValue::S(text) if text.starts_with(crate::protect::SEALED) => Some(text.clone()),
        _ => None,
    }
}

/// A new item: its key and fields.
fn new_item(key: &Key, fields: Vec<(&str, AttributeValue)>) -> Item {
    let mut item = key.attributes();
    item.extend(fields.into_iter().map(|(name, v)| (name.to_owned(), v)));
    item
}

/// The put of `item`, only when no item has its key yet.
fn put_new(table: &str, item: Item) -> Result<TransactWriteItem, StoreError> {
    let put = Put::builder()
        .table_name(table)
        .set_item(Some(item))
        .condition_expression(format!("attribute_not_exists({PK})"))
        .build()
        .map_err(build_error)?;
    Ok(TransactWriteItem::builder().put(put).build())
}

fn update(update: UpdateBuilder) -> Result<TransactWriteItem, StoreError> {
    let update = update.build().map_err(build_error)?;
    Ok(TransactWriteItem::builder().update(update).build())
}

/// The fields a signature holds, confirmed or pending, but its `expires_at`.
fn signature_fields(
    rec: &SignatureRecord,
) -> Result<Vec<(&'static str, AttributeValue)>, StoreError> {
    let mut fields = vec![
        (NAME_ENC, blob(&rec.name_enc)?),
        (COUNTRY, s(&rec.country)),
        (UPDATES, AttributeValue::Bool(rec.updates)),
        (CREATED_AT, s(&rec.created_at)),
    ];
    if let Some(email) = &rec.email_enc {
        fields.push((EMAIL_ENC, blob(email)?));
    }
    Ok(fields)
}

/// The writes of a new signature: its put if it is new and the increment of its counters.
pub(super) fn signature_writes(
    table: &str,
    rec: &SignatureRecord,
) -> Result<Vec<TransactWriteItem>, StoreError> {
    let mut fields = signature_fields(rec)?;
    fields.push((EXPIRES_AT, n(rec.expires_at)));
    let item = new_item(&keys::signature(&rec.petition, &rec.hash), fields);
    Ok(vec![
        put_new(table, item)?,
        update(signature_counter_update(table, rec, 1))?,
    ])
}

/// In [`pending_writes`], the check that the signature is not confirmed yet.
pub(super) const PENDING_CONFIRMED_CHECK: usize = 0;
/// In [`pending_writes`], the put of the pending signature.
pub(super) const PENDING_PUT: usize = 1;

/// The writes of a pending signature, in this order: the check that its signature is not
/// confirmed ([`PENDING_CONFIRMED_CHECK`]); its put ([`PENDING_PUT`]) unless one is pending that
/// has not expired at `rec.at` and was mailed less than [`MAIL_INTERVAL_SECS`] before; and the
/// put of its token. The pending item holds the signature's fields (its `expires_at` is set at
/// confirmation), `at`, and `pending_until` as its `expires_at`, so the TTL deletes it; so
/// does the token's.
pub(super) fn pending_writes(
    table: &str,
    rec: &PendingRecord,
) -> Result<Vec<TransactWriteItem>, StoreError> {
    let sig = &rec.signature;
    let check = ConditionCheck::builder()
        .table_name(table)
        .set_key(Some(keys::signature(&sig.petition, &sig.hash).attributes()))
        .condition_expression(format!("attribute_not_exists({PK})"))
        .build()
        .map_err(build_error)?;
    let mut fields = signature_fields(sig)?;
    fields.push((AT, n(rec.at)));
    fields.push((EXPIRES_AT, n(rec.pending_until)));
    let pending = Put::builder()
        .table_name(table)
        .set_item(Some(new_item(
            &keys::pending(&sig.petition, &sig.hash),
            fields,
        )))
        .condition_expression(format!(
            "attribute_not_exists({PK}) OR #expires <= :at OR #at <= :mailable"
        ))
        .expression_attribute_names("#expires", EXPIRES_AT)
        .expression_attribute_names("#at", AT)
        .expression_attribute_values(":at", n(rec.at))
        .expression_attribute_values(":mailable", n(rec.at - MAIL_INTERVAL_SECS))
        .build()
        .map_err(build_error)?;
    let token = new_item(
        &keys::token(&rec.token_hash),
        vec![
            (PETITION, s(&sig.petition)),
            (HASH, s(&sig.hash)),
            (USED, AttributeValue::Bool(false)),
            (EXPIRES_AT, n(rec.pending_until)),
        ],
    );
    let token = Put::builder()
        .table_name(table)
        .set_item(Some(token))
        .build()
        .map_err(build_error)?;
    Ok(vec![
        TransactWriteItem::builder().condition_check(check).build(),
        TransactWriteItem::builder().put(pending).build(),
        TransactWriteItem::builder().put(token).build(),
    ])
}

/// In [`confirm_writes`], the put of the confirmed signature.
pub(super) const CONFIRM_SIGNATURE_PUT: usize = 0;

/// The writes of a confirmation, in this order: the signature's put if it is new
/// ([`CONFIRM_SIGNATURE_PUT`]) and the increment of its counters (as [`signature_writes`]);
/// the delete of the pending signature it was made of, if it is still the one read (mailed
/// at `at`); and the token marked used, if it is still there.
pub(super) fn confirm_writes(
    table: &str,
    signature: &SignatureRecord,
    at: i64,
    token_hash: &str,
) -> Result<Vec<TransactWriteItem>, StoreError> {
    let mut writes = signature_writes(table, signature)?;
    let delete = Delete::builder()
        .table_name(table)
        .set_key(Some(
            keys::pending(&signature.petition, &signature.hash).attributes(),
        ))
        .condition_expression("#at = :at")
        .expression_attribute_names("#at", AT)
        .expression_attribute_values(":at", n(at))
        .build()
        .map_err(build_error)?;
    writes.push(TransactWriteItem::builder().delete(delete).build());
    // Without its condition, an update of a token the TTL just deleted would create an item
    // with no `expires_at`, kept for ever.
    writes.push(update(
        Update::builder()
            .table_name(table)
            .set_key(Some(keys::token(token_hash).attributes()))
            .update_expression("SET #used = :used")
            .condition_expression(format!("attribute_exists({PK})"))
            .expression_attribute_names("#used", USED)
            .expression_attribute_values(":used", AttributeValue::Bool(true)),
    )?);
    Ok(writes)
}

/// A letter's item.
pub(super) fn letter_item(rec: &LetterRecord) -> Result<Item, StoreError> {
    let senators = distinct(&rec.senators);
    let mut fields = vec![
        (STATE, s(&rec.state)),
        (SUGGESTED, AttributeValue::Bool(rec.suggested)),
        (CREATED_AT, s(&rec.created_at)),
        (EXPIRES_AT, n(rec.expires_at)),
    ];
    if let Some(private) = &rec.private_enc {
        fields.push((PRIVATE_ENC, blob(private)?));
    }
    // DynamoDB refuses an empty set.
    if !senators.is_empty() {
        fields.push((SENATORS, AttributeValue::Ss(senators)));
    }
    Ok(new_item(&keys::letter(rec), fields))
}

/// The writes of a new letter: its put if it is new and the increment of its counters.
pub(super) fn letter_writes(
    table: &str,
    rec: &LetterRecord,
) -> Result<Vec<TransactWriteItem>, StoreError> {
    Ok(vec![
        put_new(table, letter_item(rec)?)?,
        update(letter_counter_update(table, rec, 1))?,
    ])
}

/// A string set holds distinct values.
fn distinct(senators: &[String]) -> Vec<String> {
    let mut senators = senators.to_vec();
    senators.sort_unstable();
    senators.dedup();
    senators
}

/// The update adding `delta` to a signature's counters on its shard: the total and its
/// country's.
pub(super) fn signature_counter_update(
    table: &str,
    rec: &SignatureRecord,
    delta: i64,
) -> UpdateBuilder {
    let shard = keys::country_shard(&rec.petition, keys::shard_of(&rec.hash), &rec.country);
    Update::builder()
        .table_name(table)
        .set_key(Some(shard.attributes()))
        .update_expression("ADD #total :delta, #country :delta")
        .expression_attribute_names("#total", TOTAL)
        .expression_attribute_names("#country", keys::country_counter(&rec.country))
        .expression_attribute_values(":delta", n(delta))
}

/// The update adding `delta` to a letter's counters on its letter counter shard: its state's
/// and each of its senators'.
pub(super) fn letter_counter_update(table: &str, rec: &LetterRecord, delta: i64) -> UpdateBuilder {
    let shard = keys::letter_shard(keys::shard_of(&rec.hash), &rec.state);
    let counters = letter_counters(&rec.state, &distinct(&rec.senators));
    let additions: Vec<String> = (0..counters.len())
        .map(|i| format!("#c{i} :delta"))
        .collect();
    let mut update = Update::builder()
        .table_name(table)
        .set_key(Some(shard.attributes()))
        .update_expression(format!("ADD {}", additions.join(", ")))
        .expression_attribute_values(":delta", n(delta));
    for (i, name) in counters.into_iter().enumerate() {
        update = update.expression_attribute_names(format!("#c{i}"), name);
    }
    update
}

/// The fields of a stored item, read back with an error naming the field that is missing or
/// invalid (never its value).
struct Fields<'a> {
    item: &'a Item,
    kind: &'static str,
}

impl Fields<'_> {
    fn damaged(&self, name: &str) -> StoreError {
        StoreError::Other(Detail::new(format!(
            "a stored {} lacks a valid `{name}`",
            self.kind
        )))
    }

    fn text(&self, name: &str) -> Result<String, StoreError> {
        self.item
            .get(name)
            .and_then(|v| v.as_s().ok())
            .cloned()
            .ok_or_else(|| self.damaged(name))
    }

    fn encrypted(&self, name: &str) -> Result<String, StoreError> {
        self.item
            .get(name)
            .and_then(blob_text)
            .ok_or_else(|| self.damaged(name))
    }

    /// A flag, `false` when absent.
    fn flag(&self, name: &str) -> bool {
        self.item
            .get(name)
            .and_then(|v| v.as_bool().ok())
            .copied()
            .unwrap_or(false)
    }

    fn seconds(&self, name: &str) -> Result<i64, StoreError> {
        self.item
            .get(name)
            .and_then(|v| v.as_n().ok())
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| self.damaged(name))
    }

    fn key(&self) -> Result<Key, StoreError> {
        Ok(Key {
            pk: self.text(PK)?,
            sk: self.text(SK)?,
        })
    }
}

/// A stored signature item as a record.
pub(super) fn signature_from_item(item: &Item) -> Result<SignatureRecord, StoreError> {
    let fields = Fields {
        item,
        kind: "signature",
    };
    let key = fields.key()?;
    let (petition, hash) = keys::parse_signature(&key).ok_or_else(|| fields.damaged(PK))?;
    signature_fields_of(&fields, petition, hash)
}

/// The signature fields of a signature or pending signature item (their layouts agree:
/// `signature_fields` writes both).
fn signature_fields_of(
    fields: &Fields<'_>,
    petition: &str,
    hash: &str,
) -> Result<SignatureRecord, StoreError> {
    Ok(SignatureRecord {
        petition: petition.to_owned(),
        hash: hash.to_owned(),
        name_enc: fields.encrypted(NAME_ENC)?,
        email_enc: fields.item.get(EMAIL_ENC).and_then(blob_text),
        country: fields.text(COUNTRY)?,
        updates: fields.flag(UPDATES),
        created_at: fields.text(CREATED_AT)?,
        expires_at: fields.seconds(EXPIRES_AT)?,
    })
}

/// A pending signature as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct StoredPending {
    /// The signature it becomes, with its `expires_at` still to be set.
    pub(super) signature: SignatureRecord,
    /// When it was last mailed (unix seconds).
    pub(super) at: i64,
    /// When it expires (unix seconds; its `expires_at`).
    pub(super) pending_until: i64,
}

/// A stored pending signature item. The signature's `expires_at` is `pending_until` until it
/// is confirmed.
pub(super) fn pending_from_item(item: &Item) -> Result<StoredPending, StoreError> {
    let fields = Fields {
        item,
        kind: "pending signature",
    };
    let key = fields.key()?;
    let (petition, hash) = keys::parse_pending(&key).ok_or_else(|| fields.damaged(PK))?;
    let signature = signature_fields_of(&fields, petition, hash)?;
    Ok(StoredPending {
        at: fields.seconds(AT)?,
        pending_until: signature.expires_at,
        signature,
    })
}

/// A confirmation token as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct StoredToken {
    /// The petition of the pending signature it confirms.
    pub(super) petition: String,
    /// The address hash of the pending signature it confirms.
    pub(super) hash: String,
    /// When it expires (unix seconds; its `expires_at`).
    pub(super) pending_until: i64,
    /// Whether it confirmed its signature.
    pub(super) used: bool,
}

/// A stored token item.
pub(super) fn token_from_item(item: &Item) -> Result<StoredToken, StoreError> {
    let fields = Fields {
        item,
        kind: "confirmation token",
    };
    Ok(StoredToken {
        petition: fields.text(PETITION)?,
        hash: fields.text(HASH)?,
        pending_until: fields.seconds(EXPIRES_AT)?,
        used: fields.flag(USED),
    })
}

/// A stored letter item as a record.
pub(super) fn letter_from_item(item: &Item) -> Result<LetterRecord, StoreError> {
    let fields = Fields {
        item,
        kind: "letter",
    };
    let key = fields.key()?;
    let (hash, state) = keys::parse_letter(&key).ok_or_else(|| fields.damaged(PK))?;
    let mut senators = item
        .get(SENATORS)
        .and_then(|v| v.as_ss().ok())
        .cloned()
        .unwrap_or_default();
    senators.sort_unstable();
    Ok(LetterRecord {
        hash: hash.to_owned(),
        state: state.to_owned(),
        senators,
        private_enc: item
            .contains_key(PRIVATE_ENC)
            .then(|| fields.encrypted(PRIVATE_ENC))
            .transpose()?,
        suggested: fields.flag(SUGGESTED),
        created_at: fields.text(CREATED_AT)?,
        expires_at: fields.seconds(EXPIRES_AT)?,
    })
}

/// The number attributes of an item: its counters.
fn counters(item: &Item) -> impl Iterator<Item = (&str, u64)> {
    item.iter().filter_map(|(name, value)| {
        let v = value.as_n().ok()?.parse::<u64>().ok()?;
        Some((name.as_str(), v))
    })
}

/// Adds a counter shard item's counters to a petition's counts.
pub(super) fn add_counter_shard(counts: &mut Counts, item: &Item) {
    for (name, v) in counters(item) {
        if name == TOTAL {
            counts.total += v;
        } else if let Some(cc) = keys::parse_country_counter(name) {
            *counts.by_country.entry(cc.to_owned()).or_insert(0) += v;
        }
    }
}

/// Adds a letter counter item's counters to the letter counts.
pub(super) fn add_letter_shard(counts: &mut LetterCounts, item: &Item) {
    for (name, v) in counters(item) {
        add_letter_count(counts, name, v);
    }
}
