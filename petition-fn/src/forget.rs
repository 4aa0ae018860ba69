//! The operator's removal of a person's data, as the privacy notice promises: the person
//! emails the address they used; the operator runs `petition-fn forget --email ADDRESS`.
//!
//! The address is normalised exactly as signing and writing a letter normalise it
//! ([`crate::domain::normalise_email`]), and its keyed hash
//! ([`SignerKeys::dedup_hash`]) is computed with the deployment's signer key: the same
//! fingerprint the records are stored under. Every signature (any petition) and every letter
//! (any state) under it is deleted with its counts ([`Store::forget`]). The address itself is
//! never stored, logged or printed: the command reports only how many records it removed.
//!
//! Like the export, it works on the store directly, with the operator's own access (AWS
//! credentials for the DynamoDB table named by `TABLE_NAME`, or the local data folder), and is
//! never an HTTP endpoint.

use crate::domain::{EmailError, normalise_email};
use crate::protect::SignerKeys;
use crate::store::{Forgotten, Store, StoreError};

/// Why a removal failed. Records already deleted stay deleted; running the command again
/// finishes the job (forgetting is idempotent).
#[derive(Debug, thiserror::Error)]
pub enum ForgetError {
    /// The address given is not an email address (the message says why, without repeating
    /// it).
    #[error("that is not a usable email address")]
    Address(#[from] EmailError),
    /// The store could not be read or written.
    #[error(
        "the store failed part-way: records removed so far stay removed; run the command again to finish"
    )]
    Store(#[from] StoreError),
}

/// The fingerprint a person's records are stored under: the keyed hash of their normalised
/// address, as signing computes it.
pub(crate) fn address_hash(keys: &SignerKeys, address: &str) -> Result<String, EmailError> {
    Ok(keys.dedup_hash(&normalise_email(address)?))
}

/// Deletes every signature and letter of the person who used `address`, with their counts.
pub async fn forget_address(
    store: &dyn Store,
    keys: &SignerKeys,
    address: &str,
) -> Result<Forgotten, ForgetError> {
    let hash = address_hash(keys, address)?;
    Ok(store.forget(&hash).await?)
}

/// The one-line report: `removed 1 signature and 2 letters`.
pub fn summary(done: Forgotten) -> String {
    let plural = |n: u64, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let mut text = format!(
        "removed {} and {}",
        plural(done.signatures, "signature", "signatures"),
        plural(done.letters, "letter", "letters")
    );
    if done.pending > 0 {
        let waiting = plural(done.pending, "signature", "signatures");
        text.push_str(&format!(", and {waiting} waiting for confirmation"));
    }
    text
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::store::conformance::{letter, record};
    use crate::store::local::LocalStore;

    fn keys() -> SignerKeys {
        SignerKeys::from_secret(&[3; 32]).expect("keys")
    }

    #[test]
    fn the_report_holds_counts_only() {
        assert_eq!(
            summary(Forgotten {
                signatures: 1,
                letters: 2,
                pending: 0
            }),
            "removed 1 signature and 2 letters"
        );
        assert_eq!(
            summary(Forgotten::default()),
            "removed 0 signatures and 0 letters"
        );
        assert_eq!(
            summary(Forgotten {
                signatures: 3,
                letters: 1,
                pending: 2
            }),
            "removed 3 signatures and 1 letter, and 2 signatures waiting for confirmation"
        );
    }

    #[test]
    fn the_fingerprint_is_the_one_signing_stores() {
        let k = keys();
        let stored = k.dedup_hash("janedoe@gmail.com");
        for typed in [
            "janedoe@gmail.com",
            "  Jane.Doe+petition@GoogleMail.com ",
            "JANEDOE@GMAIL.COM",
        ] {
            assert_eq!(address_hash(&k, typed).expect("valid"), stored, "{typed}");
        }
        assert_ne!(address_hash(&k, "jane@example.org").expect("valid"), stored);
        assert!(address_hash(&k, "not an address").is_err());
    }

    #[tokio::test]
    async fn forgets_the_records_of_an_address() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store: Arc<dyn Store> = Arc::new(LocalStore::open_in(dir.path()).expect("opens"));
        let k = keys();
        let hash = k.dedup_hash("ada@example.org");
        store.sign(record("p1", &hash, "FR")).await.expect("signs");
        store
            .send_letter(letter(&hash, "CA", "l"))
            .await
            .expect("sends");
        store
            .sign(record("p1", &k.dedup_hash("bob@example.org"), "FR"))
            .await
            .expect("signs");
        let done = forget_address(store.as_ref(), &k, " ADA+x@Example.org")
            .await
            .expect("forgets");
        assert_eq!(
            done,
            Forgotten {
                signatures: 1,
                letters: 1,
                pending: 0
            }
        );
        assert_eq!(store.count("p1").await.expect("counts").total, 1);
        assert!(matches!(
            forget_address(store.as_ref(), &k, "ada").await,
            Err(ForgetError::Address(_))
        ));
    }
}
