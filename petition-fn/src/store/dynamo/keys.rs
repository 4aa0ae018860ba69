//! Every key and attribute name of the table, written once (the layout is in the module
//! documentation of `store::dynamo`).
//!
//! Petition ids never hold `#`, so a signature key splits back at its second `#`; an address
//! hash may hold `#`, so a letter key splits at its last `#`.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

use crate::store::LetterRecord;

/// Number of counter shards per petition (and of letter counter shards).
pub const SHARDS: u32 = 16;

/// The partition key attribute.
pub(super) const PK: &str = "pk";
/// The sort key attribute.
pub(super) const SK: &str = "sk";

/// Encrypted name of a signature (binary).
pub(super) const NAME_ENC: &str = "name_enc";
/// Encrypted address of a signature, only with updates (binary).
pub(super) const EMAIL_ENC: &str = "email_enc";
/// Country code of a signature.
pub(super) const COUNTRY: &str = "country";
/// Whether a signer asked for updates (boolean).
pub(super) const UPDATES: &str = "updates";
/// Encrypted personal fields of a letter (binary).
pub(super) const PRIVATE_ENC: &str = "private_enc";
/// State of a letter.
pub(super) const STATE: &str = "state";
/// Senators a letter counts for (string set).
pub(super) const SENATORS: &str = "senators";
/// Whether a letter is the suggested text (boolean).
pub(super) const SUGGESTED: &str = "suggested";
/// When a record was made (RFC 3339), also the condition of its deletion.
pub(super) const CREATED_AT: &str = "created_at";
/// When a record's personal data may be deleted (unix seconds): the table's TTL attribute.
pub(super) const EXPIRES_AT: &str = "expires_at";
/// A counter shard's total of signatures.
pub(super) const TOTAL: &str = "total";
/// When a pending signature was last mailed (unix seconds).
pub(super) const AT: &str = "at";
/// The petition a confirmation token confirms a signature of.
pub(super) const PETITION: &str = "petition";
/// The address hash of the pending signature a confirmation token confirms.
pub(super) const HASH: &str = "hash";
/// Whether a confirmation token was used (boolean).
pub(super) const USED: &str = "used";

/// A fair-use counter's value (N).
pub(super) const COUNT: &str = "n";
/// The signer key's fingerprint (S).
pub(super) const FINGERPRINT: &str = "fingerprint";
/// A pause's message (S, absent without one).
pub(super) const MESSAGE: &str = "message";
/// When a petition was paused (RFC 3339).
pub(super) const SINCE: &str = "since";
/// The sort key of every fair-use counter and spent challenge.
const FAIR_SK: &str = "FAIR";
/// The start of the `pk` of every client note.
pub(super) const NOTE_PREFIX: &str = "CLI#";
/// The sort key of every pause.
const PAUSE_SK: &str = "PAUSE";

/// The sort key of every signature.
pub(super) const SIGNATURE_SK: &str = "SIG";
/// The start of the partition key of every signature.
pub(super) const SIGNATURE_PREFIX: &str = "SIG#";
/// The sort key of every pending signature.
pub(super) const PENDING_SK: &str = "PEND";
/// The start of the partition key of every pending signature.
pub(super) const PENDING_PREFIX: &str = "PEND#";
/// The sort key of every confirmation token.
const TOKEN_SK: &str = "TOK";
/// The start of the partition key of every confirmation token.
const TOKEN_PREFIX: &str = "TOK#";
/// The start of both keys of every letter.
pub(super) const LETTER_PREFIX: &str = "LTR#";
/// The start of both keys of every letter counter item.
pub(super) const LETTER_SHARD_PREFIX: &str = "LCNT#";
const COUNTER_SK: &str = "CNT";
const COUNTRY_PREFIX: &str = "c_";
const HEALTH: &str = "HEALTH";

/// An item's key.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Key {
    /// The partition key.
    pub(super) pk: String,
    /// The sort key.
    pub(super) sk: String,
}

impl Key {
    fn new(pk: impl Into<String>, sk: impl Into<String>) -> Self {
        Self {
            pk: pk.into(),
            sk: sk.into(),
        }
    }

    /// The key's attributes, for `GetItem`, `Delete`, `Update` and a new item.
    pub(super) fn attributes(&self) -> HashMap<String, AttributeValue> {
        HashMap::from([
            (PK.to_owned(), AttributeValue::S(self.pk.clone())),
            (SK.to_owned(), AttributeValue::S(self.sk.clone())),
        ])
    }

    /// The key of an item, when it has one.
    pub(super) fn of_item(item: &HashMap<String, AttributeValue>) -> Option<Self> {
        let text = |name: &str| item.get(name).and_then(|v| v.as_s().ok());
        Some(Self::new(text(PK)?, text(SK)?))
    }
}

/// The key of a signature: (`SIG#<petition>#<hash>`, `SIG`).
pub(super) fn signature(petition: &str, hash: &str) -> Key {
    Key::new(format!("{SIGNATURE_PREFIX}{petition}#{hash}"), SIGNATURE_SK)
}

/// The petition and hash of a signature's key, `None` for any other key.
pub(super) fn parse_signature(key: &Key) -> Option<(&str, &str)> {
    if key.sk != SIGNATURE_SK {
        return None;
    }
    key.pk.strip_prefix(SIGNATURE_PREFIX)?.split_once('#')
}

/// The start of the `pk` of every signature of a petition.
pub(super) fn signatures_of(petition: &str) -> String {
    format!("{SIGNATURE_PREFIX}{petition}#")
}

/// The end of the `pk` of every signature and pending signature made with an address hash.
pub(super) fn made_by(hash: &str) -> String {
    format!("#{hash}")
}

/// The key of a pending signature: (`PEND#<petition>#<hash>`, `PEND`).
pub(super) fn pending(petition: &str, hash: &str) -> Key {
    Key::new(format!("{PENDING_PREFIX}{petition}#{hash}"), PENDING_SK)
}

/// The petition and hash of a pending signature's key, `None` for any other key.
pub(super) fn parse_pending(key: &Key) -> Option<(&str, &str)> {
    if key.sk != PENDING_SK {
        return None;
    }
    key.pk.strip_prefix(PENDING_PREFIX)?.split_once('#')
}

/// The start of the `pk` of every pending signature of a petition.
pub(super) fn pending_of(petition: &str) -> String {
    format!("{PENDING_PREFIX}{petition}#")
}

/// The key of a confirmation token: (`TOK#<token hash>`, `TOK`).
pub(super) fn token(token_hash: &str) -> Key {
    Key::new(format!("{TOKEN_PREFIX}{token_hash}"), TOKEN_SK)
}

/// The key of a fair-use counter or spent challenge named `name` by `crate::fair`:
/// (`FAIR#<name>`, `FAIR`).
pub(super) fn fair(name: &str) -> Key {
    Key::new(format!("FAIR#{name}"), FAIR_SK)
}

/// The key of a client note: (`CLI#<petition>#<client>`, `<address hash>`), so one client's
/// notes are one query.
pub(super) fn note(petition: &str, client: &str, hash: &str) -> Key {
    Key::new(notes_of(petition, client), hash)
}

/// The `pk` of a client's notes for a petition.
pub(super) fn notes_of(petition: &str, client: &str) -> String {
    format!("{NOTE_PREFIX}{petition}#{client}")
}

/// The petition and client of a note's key (a client hash holds no `#`).
pub(super) fn parse_note(key: &Key) -> Option<(&str, &str)> {
    key.pk.strip_prefix(NOTE_PREFIX)?.rsplit_once('#')
}

/// The key of an outcome's counter: (`ACT#<kind>`, `<STATE>#<bioguide>`), so each kind's
/// counters are one query.
pub(super) fn action(kind: &str, state: &str, senator: &str) -> Key {
    Key::new(actions_of(kind), format!("{state}#{senator}"))
}

/// The partition of one kind of outcome's counters.
pub(super) fn actions_of(kind: &str) -> String {
    format!("ACT#{kind}")
}

/// The state and senator of an outcome counter's sort key.
pub(super) fn parse_action_sk(sk: &str) -> Option<(&str, &str)> {
    sk.split_once('#')
}

/// The key of the signer key's fingerprint: (`META#signer-key`, `META`).
pub(super) fn signer_key() -> Key {
    Key::new("META#signer-key".to_owned(), "META")
}

/// The key of a petition's pause: (`PAUSE#<petition>`, `PAUSE`).
pub(super) fn pause(petition: &str) -> Key {
    Key::new(format!("PAUSE#{petition}"), PAUSE_SK)
}

/// The start of the `pk` of every petition's snapshots.
const HISTORY_PREFIX: &str = "HIST#";

/// The partition of a petition's hourly snapshots: `HIST#<petition>`, so its series is one
/// query.
pub(super) fn history_of(petition: &str) -> String {
    format!("{HISTORY_PREFIX}{petition}")
}

/// The key of a petition's snapshot of an hour: (`HIST#<petition>`, `<hour>`), the hour in
/// unix seconds zero-padded to 12 digits so the sort key's order is time's.
pub(super) fn snapshot(petition: &str, hour: i64) -> Key {
    Key::new(history_of(petition), history_sk(hour))
}

/// The sort key of a snapshot of `hour` (hours before 1970 are taken as 1970).
pub(super) fn history_sk(hour: i64) -> String {
    format!("{:012}", hour.max(0))
}

/// The hour of a snapshot's sort key.
pub(super) fn parse_history_sk(sk: &str) -> Option<i64> {
    sk.parse().ok()
}

/// The partition of a petition's counter shard: `CNT#<petition>#<00..15>`.
pub(super) fn counter_shard_pk(petition: &str, shard: u32) -> String {
    format!("CNT#{petition}#{shard:02}")
}

/// The counter item of one country on a petition's counter shard:
/// (`CNT#<petition>#<00..15>`, `CNT#<CC>`), holding `total` and `c_<CC>`. One small item per
/// (shard, country), so an item stays far under 1 KB whatever the number of countries.
///
/// Tables written before this layout hold one item per shard, (`CNT#<petition>#<00..15>`,
/// `CNT`), with `total` and every country's counter: reads add it in (it shares the
/// partition), writes no longer touch it, and `recount --fix` folds it away.
pub(super) fn country_shard(petition: &str, shard: u32, country: &str) -> Key {
    Key::new(
        counter_shard_pk(petition, shard),
        format!("{COUNTER_SK}#{country}"),
    )
}

/// The start of the sort key of every counter item of a shard (the old whole-shard item
/// `CNT` included).
pub(super) const COUNTER_SK_PREFIX: &str = COUNTER_SK;

/// The counter of a country on a counter shard: `c_<CC>`.
pub(super) fn country_counter(country: &str) -> String {
    format!("{COUNTRY_PREFIX}{country}")
}

/// The country of a counter name, `None` for any other attribute.
pub(super) fn parse_country_counter(name: &str) -> Option<&str> {
    name.strip_prefix(COUNTRY_PREFIX)
}

/// The key of a letter, one per writer and state: (`LTR#<hash>#<STATE>`, `LTR#`). Tables
/// written before hold letters keyed one per text, (`LTR#<hash>#<STATE>`, `LTR#<letter
/// hash>`): they are read, counted and removed like the others.
pub(super) fn letter(rec: &LetterRecord) -> Key {
    Key::new(
        format!("{LETTER_PREFIX}{}#{}", rec.hash, rec.state),
        LETTER_PREFIX,
    )
}

/// The hash and state of a letter's key (of either layout), `None` for any other key.
pub(super) fn parse_letter(key: &Key) -> Option<(&str, &str)> {
    let (hash, state) = key.pk.strip_prefix(LETTER_PREFIX)?.rsplit_once('#')?;
    key.sk.starts_with(LETTER_PREFIX).then_some((hash, state))
}

/// The start of the `pk` of every letter written with an address hash.
pub(super) fn letters_by(hash: &str) -> String {
    format!("{LETTER_PREFIX}{hash}#")
}

/// The letter counter shard of a (shard, state): (`LCNT#<00..15>`, `LCNT#<STATE>`).
pub(super) fn letter_shard(shard: u32, state: &str) -> Key {
    Key::new(
        letter_shard_pk(shard),
        format!("{LETTER_SHARD_PREFIX}{state}"),
    )
}

/// The partition of a letter counter shard, holding one item per state.
pub(super) fn letter_shard_pk(shard: u32) -> String {
    format!("{LETTER_SHARD_PREFIX}{shard:02}")
}

/// The item the health check reads (it never exists: reading it proves the table answers).
pub(super) fn health() -> Key {
    Key::new(HEALTH, HEALTH)
}

/// The counter shard a signature or letter counts on (stable for a hash, so a retry hits the
/// same shard).
pub(super) fn shard_of(hash: &str) -> u32 {
    hash.bytes().fold(0u32, |acc, b| {
        acc.wrapping_mul(31).wrapping_add(u32::from(b))
    }) % SHARDS
}

/// The idempotency token of a signature's transaction.
pub(super) fn signature_token(table: &str, petition: &str, hash: &str) -> String {
    request_token(table, petition, hash)
}

/// The idempotency token of a letter's transaction. Petition ids never hold `#`, so letter
/// tokens cannot meet signature tokens.
pub(super) fn letter_token(table: &str, rec: &LetterRecord) -> String {
    request_token(table, &format!("{LETTER_PREFIX}{}", rec.state), &rec.hash)
}

/// A `ClientRequestToken` (36 characters at most, as DynamoDB requires). Tokens are scoped to
/// the account, not the table, so the table is part of it.
fn request_token(table: &str, scope: &str, id: &str) -> String {
    let digest = Sha256::new()
        .chain_update(table.as_bytes())
        .chain_update([0u8])
        .chain_update(scope.as_bytes())
        .chain_update([0u8])
        .chain_update(id.as_bytes())
        .finalize();
    URL_SAFE_NO_PAD.encode(&digest[..27])
}
