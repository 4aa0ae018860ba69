//! Signer-data protection: the keyed hash that recognises a returning signer, and the
//! encryption of the personal fields the campaign keeps.
//!
//! One secret, given as `SIGNER_HMAC_KEY` (base64 or hex of at least 32 bytes; on Lambda it
//! comes from the deployment's secret), is stretched with HKDF-SHA256 into independent
//! subkeys:
//!
//! - the *dedup* key: HMAC-SHA256 of the normalised email address, written as base64url
//!   without padding (43 characters). It is the only trace of the address in keys and
//!   indexes; without the secret it cannot be reversed by hashing candidate addresses. The
//!   store records its fingerprint ([`SignerKeys::fingerprint`]) and refuses another key.
//! - the *fair-use* key: the root of the daily keys that hash a client's address
//!   ([`SignerKeys::client_hash`]) and of the MAC that signs proof-of-work challenges
//!   ([`SignerKeys::challenge_mac`]).
//! - the *data* key: AES-256-GCM, which encrypted personal fields before they were sealed;
//!   kept only to read such older values.
//!
//! Personal fields (a name, and the address of a signer who asked for updates) are *sealed*
//! to the operator's public key ([`SealTo`], `OPERATOR_PUBLIC_KEY`): an anonymous sealed box
//! (X25519 and XSalsa20-Poly1305, libsodium's `crypto_box_seal`), stored as `s1:` and base64.
//! The function holds only the public key, so a compromised function or a copy of the table
//! reads no name; `export` and `mail` open them with the operator's private key
//! ([`OperatorKey`], a file kept off the servers) through an [`Opener`]. `forget` needs only
//! the dedup key.
//!
//! Locally the signer secret is generated once with the operating system's random source and
//! kept in `<data-dir>/signer.key`, and (unless `OPERATOR_PUBLIC_KEY` is set) an operator key
//! in `<data-dir>/operator.key`, both mode 0600. Losing the signer key lets a person sign
//! again; losing the operator key makes stored names unreadable: back them up.

use std::fmt;
use std::path::{Path, PathBuf};

use contract::fs::{Access, stage};

use aes_gcm::Aes256Gcm;
use aes_gcm::aead::{Aead, KeyInit};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Environment variable holding the secret.
pub const KEY_ENV: &str = "SIGNER_HMAC_KEY";
/// Environment variable holding the operator's public key (base64 of 32 bytes), to which the
/// function seals personal fields.
pub const OPERATOR_PUBLIC_ENV: &str = "OPERATOR_PUBLIC_KEY";
/// Environment variable naming the operator's private key file, for `export` and `mail`.
pub const OPERATOR_KEY_FILE_ENV: &str = "OPERATOR_KEY_FILE";
/// File name of the locally generated operator key inside the data folder.
pub const OPERATOR_KEY_FILE: &str = "operator.key";
/// What a sealed value starts with (base64 never holds `:`).
pub(crate) const SEALED: &str = "s1:";
/// File name of the locally generated secret inside the data folder.
pub const KEY_FILE: &str = "signer.key";
/// Fewest secret bytes accepted.
pub const MIN_SECRET_BYTES: usize = 32;

const HKDF_SALT: &[u8] = b"petition-fn/signer-keys/v1";
const DEDUP_INFO: &[u8] = b"dedup-hmac-sha256";
const DATA_INFO: &[u8] = b"personal-data-aes-256-gcm";
const FAIR_INFO: &[u8] = b"fair-use-hmac-sha256";
const NONCE_LEN: usize = 12;

/// Why the keys could not be set up, or a value not be decrypted.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// `SIGNER_HMAC_KEY` is not set where it is required.
    #[error(
        "{KEY_ENV} is not set: give it base64 or hex of at least 32 random bytes (for example the output of `openssl rand -base64 32`)"
    )]
    Missing,
    /// The secret is neither hex nor base64.
    #[error(
        "{KEY_ENV} is neither hex nor base64: give it base64 or hex of at least 32 random bytes"
    )]
    Encoding,
    /// The secret is too short.
    #[error("{KEY_ENV} holds {0} bytes; it needs at least 32 random bytes")]
    TooShort(usize),
    /// The key file could not be read or written.
    #[error("cannot use the signer key file {path}: {source}")]
    File {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The operating system's random source failed.
    #[error("the operating system's random source failed: {0}")]
    Random(String),
    /// A stored value is not valid base64 or was not encrypted with these keys.
    #[error("cannot decrypt a stored value: it is damaged or was encrypted with another key")]
    Decrypt,
    /// Encryption failed (not expected with valid keys).
    #[error("cannot encrypt a value")]
    Encrypt,
    /// `OPERATOR_PUBLIC_KEY` is not base64 of 32 bytes.
    #[error(
        "{OPERATOR_PUBLIC_ENV} is not an operator public key: give the base64 line `petition-fn keygen` printed (44 characters)"
    )]
    PublicKey,
    /// The operator key file does not hold a key.
    #[error(
        "{path} is not an operator key file: give the file `petition-fn keygen` wrote (its last line is base64 of 32 bytes)"
    )]
    OperatorFile {
        /// The file.
        path: PathBuf,
    },
    /// A sealed value and no operator private key to open it.
    #[error(
        "the stored names and addresses are sealed to the operator's public key: give the operator's private key file with --operator-key FILE (or {OPERATOR_KEY_FILE_ENV})"
    )]
    NoOperatorKey,
    /// A value from before sealing and no signer key to read it.
    #[error(
        "some stored values were encrypted before sealing, with the signer key: set {KEY_ENV} to the deployment's signer secret to read them"
    )]
    NoLegacyKey,
}

/// The subkeys derived from the signer secret, and the operator's public key when the
/// personal fields are sealed. Cheap to clone; never printed.
#[derive(Clone)]
pub struct SignerKeys {
    dedup: [u8; 32],
    data: [u8; 32],
    fair: [u8; 32],
    seal_to: Option<SealTo>,
}

impl fmt::Debug for SignerKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SignerKeys { .. }")
    }
}

impl SignerKeys {
    /// Derives the subkeys from secret bytes (at least [`MIN_SECRET_BYTES`]).
    pub fn from_secret(secret: &[u8]) -> Result<Self, KeyError> {
        if secret.len() < MIN_SECRET_BYTES {
            return Err(KeyError::TooShort(secret.len()));
        }
        let hk = Hkdf::<Sha256>::new(Some(HKDF_SALT), secret);
        let mut dedup = [0u8; 32];
        let mut data = [0u8; 32];
        let mut fair = [0u8; 32];
        // 32 bytes is far below HKDF-SHA256's 8160-byte limit, so expand cannot fail.
        for (info, out) in [
            (DEDUP_INFO, &mut dedup),
            (DATA_INFO, &mut data),
            (FAIR_INFO, &mut fair),
        ] {
            hk.expand(info, out)
                .map_err(|_| KeyError::TooShort(secret.len()))?;
        }
        Ok(Self {
            dedup,
            data,
            fair,
            seal_to: None,
        })
    }

    /// The same keys sealing personal fields to `operator` ([`SignerKeys::encrypt`]).
    #[must_use]
    pub fn sealing_to(mut self, operator: SealTo) -> Self {
        self.seal_to = Some(operator);
        self
    }

    /// Whether personal fields are sealed to an operator's public key.
    pub fn seals(&self) -> bool {
        self.seal_to.is_some()
    }

    /// Parses a secret written as hex or base64 (standard or URL alphabet, padded or not).
    pub fn from_encoded(text: &str) -> Result<Self, KeyError> {
        let bytes = decode_secret(text.trim())?;
        Self::from_secret(&bytes)
    }

    /// Reads the secret from `SIGNER_HMAC_KEY`; `Ok(None)` when unset or empty.
    pub fn from_env() -> Result<Option<Self>, KeyError> {
        match std::env::var(KEY_ENV) {
            Ok(v) if !v.trim().is_empty() => Self::from_encoded(&v).map(Some),
            _ => Ok(None),
        }
    }

    /// `SIGNER_HMAC_KEY` when set, else the secret in `<data_dir>/signer.key`, generated on
    /// first use.
    pub fn from_env_or_file(data_dir: &Path) -> Result<Self, KeyError> {
        match Self::from_env()? {
            Some(keys) => Ok(keys),
            None => Self::load_or_create(data_dir),
        }
    }

    /// The secret in `<data_dir>/signer.key`; generates 32 random bytes and writes them there
    /// (hex, mode 0600, put in place whole and only if absent, so two processes starting together
    /// agree) when the
    /// file does not exist yet.
    pub fn load_or_create(data_dir: &Path) -> Result<Self, KeyError> {
        let path = data_dir.join(KEY_FILE);
        let file_err = |source| KeyError::File {
            path: path.clone(),
            source,
        };
        match std::fs::read_to_string(&path) {
            Ok(text) => return Self::from_encoded(&text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(file_err(e)),
        }
        contract::fs::create_private_dir(data_dir).map_err(file_err)?;
        let mut secret = [0u8; 32];
        getrandom::fill(&mut secret).map_err(|e| KeyError::Random(e.to_string()))?;
        let staged = stage(
            &path,
            format!("{}\n", hex(&secret)).as_bytes(),
            Access::Private,
        )
        .map_err(file_err)?;
        match staged.commit_new() {
            Ok(()) => Self::from_secret(&secret),
            // Another process created it first: use theirs.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                let text = std::fs::read_to_string(&path).map_err(file_err)?;
                Self::from_encoded(&text)
            }
            Err(e) => Err(file_err(e)),
        }
    }

    /// A fingerprint of the dedup key, which the store records (`Store::key_fingerprint`):
    /// `k1:` and base64url of 12 bytes of an HMAC under it. It tells two keys apart and
    /// says nothing about the key.
    pub fn fingerprint(&self) -> String {
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&self.dedup) else {
            unreachable!("HMAC takes keys of any length")
        };
        mac.update(b"fingerprint\0");
        format!(
            "k1:{}",
            URL_SAFE_NO_PAD.encode(&mac.finalize().into_bytes()[..12])
        )
    }

    /// The keys of a local server on `data_dir`: [`SignerKeys::from_env_or_file`], sealing to
    /// `OPERATOR_PUBLIC_KEY` when set, else to `<data_dir>/operator.key` (generated on first
    /// use, so that the local `export` opens what the preview stored).
    pub fn for_local_server(data_dir: &Path) -> Result<Self, KeyError> {
        let keys = Self::from_env_or_file(data_dir)?;
        let operator = match std::env::var(OPERATOR_PUBLIC_ENV) {
            Ok(v) if !v.trim().is_empty() => SealTo::from_encoded(&v)?,
            _ => OperatorKey::load_or_create(data_dir)?.public(),
        };
        Ok(keys.sealing_to(operator))
    }

    /// The dedup hash of a *normalised* address: HMAC-SHA256, base64url without padding.
    pub fn dedup_hash(&self, normalised_email: &str) -> String {
        // HMAC accepts keys of any length, so this cannot fail with a 32-byte key.
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&self.dedup) else {
            unreachable!("HMAC takes keys of any length")
        };
        mac.update(normalised_email.as_bytes());
        URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    }

    /// The unsubscribe token of an address hash: the hash and an HMAC of it under the dedup
    /// key (`<hash>.<mac>`, base64url), so the link needs nothing stored and nobody can make
    /// one for another address.
    pub fn unsubscribe_token(&self, hash: &str) -> String {
        format!("{hash}.{}", self.unsubscribe_mac(hash))
    }

    /// The address hash an unsubscribe token is for, when its MAC is right.
    pub fn check_unsubscribe_token(&self, token: &str) -> Option<String> {
        let (hash, mac) = token.rsplit_once('.')?;
        let Ok(mut check) = Hmac::<Sha256>::new_from_slice(&self.dedup) else {
            unreachable!("HMAC takes keys of any length")
        };
        check.update(b"unsubscribe\0");
        check.update(hash.as_bytes());
        let given = URL_SAFE_NO_PAD.decode(mac).ok()?;
        // Constant time: the comparison says nothing about how much of a forged MAC was right.
        check.verify_slice(&given).ok()?;
        Some(hash.to_owned())
    }

    fn unsubscribe_mac(&self, hash: &str) -> String {
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&self.dedup) else {
            unreachable!("HMAC takes keys of any length")
        };
        mac.update(b"unsubscribe\0");
        mac.update(hash.as_bytes());
        URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    }

    /// The keyed hash that stands for a client address on one UTC day (`YYYY-MM-DD`):
    /// HMAC-SHA256 under a key derived from the fair-use key and the day, of the address (an
    /// IPv6 address by its /64 network, which one household holds), base64url of the first
    /// 16 bytes. The key changes every day, so hashes of two days cannot be linked, and
    /// without the secret no address can be tried against a hash.
    pub fn client_hash(&self, address: std::net::IpAddr, day: &str) -> String {
        let day_key = self.fair_mac(&[b"client-day\0", day.as_bytes()]);
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&day_key) else {
            unreachable!("HMAC takes keys of any length")
        };
        match address {
            std::net::IpAddr::V4(v4) => mac.update(&v4.octets()),
            std::net::IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => mac.update(&v4.octets()),
                None => mac.update(&v6.octets()[..8]),
            },
        }
        URL_SAFE_NO_PAD.encode(&mac.finalize().into_bytes()[..16])
    }

    /// The MAC that signs a proof-of-work challenge for one client (its day's hash): hex
    /// HMAC-SHA256 under the fair-use key, so a solution is worth something only to the
    /// client it was issued to.
    pub fn challenge_mac(&self, client: &str, challenge: &str) -> String {
        hex(&self.fair_mac(&[b"altcha\0", client.as_bytes(), b"\0", challenge.as_bytes()]))
    }

    fn fair_mac(&self, parts: &[&[u8]]) -> [u8; 32] {
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&self.fair) else {
            unreachable!("HMAC takes keys of any length")
        };
        for part in parts {
            mac.update(part);
        }
        mac.finalize().into_bytes().into()
    }

    /// A new confirmation token and the hash the store keeps of it: 32 random bytes in
    /// base64url (so the token says nothing about the address), and its SHA-256 (the token is
    /// random, so a plain hash cannot be reversed; a copy of the store cannot confirm).
    pub fn new_token() -> Result<(String, String), KeyError> {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).map_err(|e| KeyError::Random(e.to_string()))?;
        let token = URL_SAFE_NO_PAD.encode(bytes);
        let hash = Self::token_hash(&token);
        Ok((token, hash))
    }

    /// The hash under which the store knows a confirmation token.
    pub fn token_hash(token: &str) -> String {
        use sha2::Digest as _;
        URL_SAFE_NO_PAD.encode(Sha256::digest(format!("confirm\0{token}").as_bytes()))
    }

    fn cipher(&self) -> Result<Aes256Gcm, KeyError> {
        Aes256Gcm::new_from_slice(&self.data).map_err(|_| KeyError::Encrypt)
    }

    /// Protects a personal field: sealed to the operator's public key (`s1:` and base64)
    /// when there is one, which these keys cannot open; otherwise (tests, older setups)
    /// AES-256-GCM under the data key: base64 of a fresh random nonce, the ciphertext and its
    /// tag.
    pub fn encrypt(&self, plaintext: &str) -> Result<String, KeyError> {
        if let Some(operator) = &self.seal_to {
            return operator.seal(plaintext);
        }
        let mut nonce = [0u8; NONCE_LEN];
        getrandom::fill(&mut nonce).map_err(|e| KeyError::Random(e.to_string()))?;
        let sealed = self
            .cipher()?
            .encrypt(&nonce.into(), plaintext.as_bytes())
            .map_err(|_| KeyError::Encrypt)?;
        let mut out = Vec::with_capacity(NONCE_LEN + sealed.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        Ok(STANDARD.encode(out))
    }

    /// Protects the address of a signer who asked for updates ([`SignerKeys::encrypt`]);
    /// sealed, it travels with its unsubscribe token, so that the operator's `mail` makes the
    /// links without the signer secret ([`Opener::open_address`]).
    pub fn encrypt_address(&self, address: &str, hash: &str) -> Result<String, KeyError> {
        if self.seal_to.is_some() {
            self.encrypt(&format!("{address}\n{}", self.unsubscribe_token(hash)))
        } else {
            self.encrypt(address)
        }
    }

    /// Decrypts a value written by [`SignerKeys::encrypt`] with the same secret and no
    /// operator key (a sealed value needs the operator's [`Opener`]).
    pub fn decrypt(&self, encoded: &str) -> Result<String, KeyError> {
        let bytes = STANDARD.decode(encoded).map_err(|_| KeyError::Decrypt)?;
        if bytes.len() < NONCE_LEN {
            return Err(KeyError::Decrypt);
        }
        let (nonce, sealed) = bytes.split_at(NONCE_LEN);
        let nonce: [u8; NONCE_LEN] = nonce.try_into().map_err(|_| KeyError::Decrypt)?;
        let plain = self
            .cipher()?
            .decrypt(&nonce.into(), sealed)
            .map_err(|_| KeyError::Decrypt)?;
        String::from_utf8(plain).map_err(|_| KeyError::Decrypt)
    }
}

/// The operator's public key: what the function seals personal fields to.
#[derive(Clone)]
pub struct SealTo(crypto_box::PublicKey);

impl fmt::Debug for SealTo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SealTo({})", self.encoded())
    }
}

impl SealTo {
    /// Reads the base64 that [`OperatorKey::public`] writes (`OPERATOR_PUBLIC_KEY`).
    pub fn from_encoded(text: &str) -> Result<Self, KeyError> {
        let bytes: [u8; 32] = decode_secret(text.trim())
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or(KeyError::PublicKey)?;
        Ok(Self(crypto_box::PublicKey::from(bytes)))
    }

    /// Base64 (standard, padded) of the 32 bytes.
    pub fn encoded(&self) -> String {
        STANDARD.encode(self.0.as_bytes())
    }

    fn seal(&self, plaintext: &str) -> Result<String, KeyError> {
        let sealed = self
            .0
            .seal(&mut crypto_box::aead::OsRng, plaintext.as_bytes())
            .map_err(|_| KeyError::Encrypt)?;
        Ok(format!("{SEALED}{}", STANDARD.encode(sealed)))
    }
}

/// The operator's private key, which opens what the function sealed. It belongs on the
/// operator's machine, never on a server: `petition-fn keygen` writes it.
pub struct OperatorKey(crypto_box::SecretKey);

impl fmt::Debug for OperatorKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "OperatorKey(public {})", self.public().encoded())
    }
}

impl OperatorKey {
    /// A new key from the operating system's random source.
    pub fn generate() -> Result<Self, KeyError> {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).map_err(|e| KeyError::Random(e.to_string()))?;
        Ok(Self(crypto_box::SecretKey::from(bytes)))
    }

    /// Its public key.
    pub fn public(&self) -> SealTo {
        SealTo(self.0.public_key())
    }

    /// Writes the key to a new file `path` (mode 0600; an existing file is never replaced):
    /// two comment lines naming the public key, then base64 of the 32 secret bytes.
    pub fn write_new(&self, path: &Path) -> Result<(), KeyError> {
        let file_err = |source| KeyError::File {
            path: path.to_owned(),
            source,
        };
        let text = format!(
            "# petition-fn operator key: it opens the signers' names and addresses. Keep it off the servers.\n# public key ({OPERATOR_PUBLIC_ENV}): {}\n{}\n",
            self.public().encoded(),
            STANDARD.encode(self.0.to_bytes())
        );
        stage(path, text.as_bytes(), Access::Private)
            .and_then(|staged| staged.commit_new())
            .map_err(file_err)
    }

    /// Reads a key file written by [`OperatorKey::write_new`].
    pub fn load(path: &Path) -> Result<Self, KeyError> {
        let text = std::fs::read_to_string(path).map_err(|source| KeyError::File {
            path: path.to_owned(),
            source,
        })?;
        let bytes: [u8; 32] = text
            .lines()
            .map(str::trim)
            .rfind(|l| !l.is_empty() && !l.starts_with('#'))
            .and_then(|l| decode_secret(l).ok())
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| KeyError::OperatorFile {
                path: path.to_owned(),
            })?;
        Ok(Self(crypto_box::SecretKey::from(bytes)))
    }

    /// `<data_dir>/operator.key`, generated on first use: the local servers seal to it, and
    /// the local `export` finds it there.
    pub fn load_or_create(data_dir: &Path) -> Result<Self, KeyError> {
        let path = data_dir.join(OPERATOR_KEY_FILE);
        match Self::load(&path) {
            Err(KeyError::File { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => {
                contract::fs::create_private_dir(data_dir).map_err(|source| KeyError::File {
                    path: path.clone(),
                    source,
                })?;
                let key = Self::generate()?;
                match key.write_new(&path) {
                    Ok(()) => Ok(key),
                    // Another process created it first: use theirs.
                    Err(KeyError::File { source, .. })
                        if source.kind() == std::io::ErrorKind::AlreadyExists =>
                    {
                        Self::load(&path)
                    }
                    Err(e) => Err(e),
                }
            }
            other => other,
        }
    }

    fn open(&self, sealed: &str) -> Result<String, KeyError> {
        let bytes = STANDARD.decode(sealed).map_err(|_| KeyError::Decrypt)?;
        let plain = self.0.unseal(&bytes).map_err(|_| KeyError::Decrypt)?;
        String::from_utf8(plain).map_err(|_| KeyError::Decrypt)
    }
}

/// What opens stored personal fields for the operator's commands: the operator's private
/// key for sealed values, the signer keys for values from before sealing. Either may be
/// absent when the store holds none of its kind.
#[derive(Debug)]
pub struct Opener {
    operator: Option<OperatorKey>,
    legacy: Option<SignerKeys>,
}

impl Opener {
    /// An opener from what the operator has.
    pub fn new(operator: Option<OperatorKey>, legacy: Option<SignerKeys>) -> Self {
        Self { operator, legacy }
    }

    /// A stored address ([`SignerKeys::encrypt_address`]) and the unsubscribe token of its
    /// hash: sealed with the address, or (before sealing) made with the signer keys.
    pub fn open_address(&self, value: &str, hash: &str) -> Result<(String, String), KeyError> {
        let plain = self.open(value)?;
        if let Some((address, token)) = plain.split_once('\n') {
            return Ok((address.to_owned(), token.to_owned()));
        }
        let legacy = self.legacy.as_ref().ok_or(KeyError::NoLegacyKey)?;
        Ok((plain, legacy.unsubscribe_token(hash)))
    }

    /// The plaintext of a stored personal field.
    pub fn open(&self, value: &str) -> Result<String, KeyError> {
        match value.strip_prefix(SEALED) {
            Some(sealed) => self
                .operator
                .as_ref()
                .ok_or(KeyError::NoOperatorKey)?
                .open(sealed),
            None => self
                .legacy
                .as_ref()
                .ok_or(KeyError::NoLegacyKey)?
                .decrypt(value),
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

fn decode_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

fn decode_secret(text: &str) -> Result<Vec<u8>, KeyError> {
    if let Some(bytes) = decode_hex(text) {
        return Ok(bytes);
    }
    [STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD]
        .iter()
        .find_map(|engine| engine.decode(text).ok())
        .ok_or(KeyError::Encoding)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsubscribe_tokens_check_out_only_with_their_key_and_hash() -> Result<(), KeyError> {
        let keys = SignerKeys::from_secret(&[1; 32])?;
        let other = SignerKeys::from_secret(&[2; 32])?;
        let hash = keys.dedup_hash("ada@example.org");
        let token = keys.unsubscribe_token(&hash);
        assert_eq!(keys.check_unsubscribe_token(&token), Some(hash.clone()));
        assert_eq!(other.check_unsubscribe_token(&token), None);
        let forged = format!(
            "{}.{}",
            keys.dedup_hash("bob@example.org"),
            token.rsplit_once('.').map_or("", |t| t.1)
        );
        assert_eq!(keys.check_unsubscribe_token(&forged), None);
        for junk in ["", ".", "abc", "abc.", "abc.!!!", &format!("{hash}.")] {
            assert_eq!(keys.check_unsubscribe_token(junk), None, "{junk}");
        }
        Ok(())
    }

    #[test]
    fn tokens_are_random_and_hashed_apart() -> Result<(), KeyError> {
        let (a, hash_a) = SignerKeys::new_token()?;
        let (b, _) = SignerKeys::new_token()?;
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert_eq!(SignerKeys::token_hash(&a), hash_a);
        assert_ne!(hash_a, a);
        Ok(())
    }

    fn keys(byte: u8) -> SignerKeys {
        SignerKeys::from_secret(&[byte; 32]).expect("32 bytes")
    }

    #[test]
    fn hash_is_stable_and_keyed() {
        let a = keys(1);
        let h = a.dedup_hash("jane@example.org");
        assert_eq!(h, keys(1).dedup_hash("jane@example.org"));
        assert_eq!(h.len(), 43);
        assert!(!h.contains('=') && !h.contains('+') && !h.contains('/'));
        assert_ne!(h, a.dedup_hash("john@example.org"));
        assert_ne!(h, keys(2).dedup_hash("jane@example.org"));
        assert!(!h.contains("jane"));
    }

    #[test]
    fn encryption_round_trips_with_fresh_nonces() {
        let k = keys(7);
        let one = k.encrypt("Zoë O'Brien").expect("encrypts");
        let two = k.encrypt("Zoë O'Brien").expect("encrypts");
        assert_ne!(one, two, "a fresh nonce each time");
        assert_eq!(k.decrypt(&one).expect("decrypts"), "Zoë O'Brien");
        assert_eq!(k.decrypt(&two).expect("decrypts"), "Zoë O'Brien");
        assert!(matches!(keys(8).decrypt(&one), Err(KeyError::Decrypt)));
        assert!(matches!(k.decrypt("not base64!"), Err(KeyError::Decrypt)));
        assert!(matches!(k.decrypt("AAAA"), Err(KeyError::Decrypt)));
        // Tampering is detected.
        let mut raw = STANDARD.decode(&one).expect("base64");
        if let Some(last) = raw.last_mut() {
            *last ^= 1;
        }
        assert!(k.decrypt(&STANDARD.encode(raw)).is_err());
    }

    #[test]
    fn subkeys_are_independent() {
        let k = keys(3);
        assert_ne!(k.dedup, k.data);
        assert_ne!(k.fair, k.dedup);
        assert_ne!(k.fair, k.data);
    }

    #[test]
    fn client_hashes_change_with_the_day_and_the_key() {
        use std::net::IpAddr;
        let k = keys(4);
        let ip: IpAddr = "203.0.113.7".parse().expect("ip");
        let today = k.client_hash(ip, "2026-12-01");
        assert_eq!(today, k.client_hash(ip, "2026-12-01"));
        assert_eq!(today.len(), 22);
        assert_ne!(today, k.client_hash(ip, "2026-12-02"));
        assert_ne!(today, keys(5).client_hash(ip, "2026-12-01"));
        let other: IpAddr = "203.0.113.8".parse().expect("ip");
        assert_ne!(today, k.client_hash(other, "2026-12-01"));
        // One /64 is one household; the mapped form of an IPv4 address is that address.
        let a: IpAddr = "2001:db8:1:2::1".parse().expect("ip");
        let b: IpAddr = "2001:db8:1:2:ffff::9".parse().expect("ip");
        let c: IpAddr = "2001:db8:1:3::1".parse().expect("ip");
        assert_eq!(k.client_hash(a, "d"), k.client_hash(b, "d"));
        assert_ne!(k.client_hash(a, "d"), k.client_hash(c, "d"));
        let mapped: IpAddr = "::ffff:203.0.113.7".parse().expect("ip");
        assert_eq!(k.client_hash(mapped, "2026-12-01"), today);
        assert!(!today.contains("203"));
    }

    #[test]
    fn challenge_macs_bind_the_client() {
        let k = keys(6);
        let mac = k.challenge_mac("client-a", "abc");
        assert_eq!(mac.len(), 64);
        assert_eq!(mac, k.challenge_mac("client-a", "abc"));
        assert_ne!(mac, k.challenge_mac("client-b", "abc"));
        assert_ne!(mac, k.challenge_mac("client-a", "abd"));
    }

    #[test]
    fn secrets_parse_as_hex_or_base64() {
        let secret = [0xabu8; 32];
        let from_hex = SignerKeys::from_encoded(&hex(&secret)).expect("hex");
        let from_b64 = SignerKeys::from_encoded(&STANDARD.encode(secret)).expect("b64");
        let from_url = SignerKeys::from_encoded(&URL_SAFE_NO_PAD.encode(secret)).expect("b64url");
        let h = keys(0xab).dedup_hash("x@example.org");
        for k in [from_hex, from_b64, from_url] {
            assert_eq!(k.dedup_hash("x@example.org"), h);
        }
        assert!(matches!(
            SignerKeys::from_encoded(&hex(&[1u8; 16])),
            Err(KeyError::TooShort(16))
        ));
        assert!(matches!(
            SignerKeys::from_encoded("not a key at all!"),
            Err(KeyError::Encoding)
        ));
        assert_eq!(format!("{:?}", keys(1)), "SignerKeys { .. }");
    }

    #[test]
    fn key_file_is_created_once_with_private_mode() {
        let dir = tempfile::tempdir().expect("tempdir");
        let first = SignerKeys::load_or_create(dir.path()).expect("created");
        let again = SignerKeys::load_or_create(dir.path()).expect("read back");
        assert_eq!(
            first.dedup_hash("a@example.org"),
            again.dedup_hash("a@example.org")
        );
        let other_dir = tempfile::tempdir().expect("tempdir");
        let other = SignerKeys::load_or_create(other_dir.path()).expect("created");
        assert_ne!(
            first.dedup_hash("a@example.org"),
            other.dedup_hash("a@example.org"),
            "each data folder gets its own random secret"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(KEY_FILE))
                .expect("exists")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn sealed_values_open_only_with_the_operator_key() {
        let operator = OperatorKey::generate().expect("key");
        let keys = SignerKeys::from_secret(&[1; 32])
            .expect("keys")
            .sealing_to(operator.public());
        assert!(keys.seals());
        let name = keys.encrypt("Zoë 李").expect("seals");
        assert!(name.starts_with("s1:"));
        assert_ne!(name, keys.encrypt("Zoë 李").expect("seals"), "randomised");
        assert!(keys.decrypt(&name).is_err(), "the function cannot read it");
        let opener = Opener::new(Some(operator), None);
        assert_eq!(opener.open(&name).expect("opens"), "Zoë 李");
        let address = keys.encrypt_address("a@example.org", "h").expect("seals");
        assert_eq!(
            opener.open_address(&address, "h").expect("opens"),
            ("a@example.org".into(), keys.unsubscribe_token("h"))
        );
        let stranger = Opener::new(Some(OperatorKey::generate().expect("key")), None);
        assert!(matches!(stranger.open(&name), Err(KeyError::Decrypt)));
        let legacy = SignerKeys::from_secret(&[1; 32]).expect("keys");
        let old = legacy.encrypt("Ada").expect("encrypts");
        assert!(matches!(opener.open(&old), Err(KeyError::NoLegacyKey)));
        assert!(matches!(
            Opener::new(None, Some(legacy.clone())).open(&name),
            Err(KeyError::NoOperatorKey)
        ));
        assert_eq!(
            Opener::new(None, Some(legacy.clone()))
                .open_address(
                    &legacy.encrypt_address("a@example.org", "h").expect("enc"),
                    "h"
                )
                .expect("opens"),
            ("a@example.org".into(), legacy.unsubscribe_token("h"))
        );
    }

    #[test]
    fn operator_key_files_round_trip_and_are_never_replaced() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("op.key");
        let key = OperatorKey::generate().expect("key");
        key.write_new(&path).expect("writes");
        assert!(key.write_new(&path).is_err(), "never replaced");
        let text = std::fs::read_to_string(&path).expect("reads");
        assert!(text.contains(&key.public().encoded()), "{text}");
        let back = OperatorKey::load(&path).expect("loads");
        assert_eq!(back.public().encoded(), key.public().encoded());
        assert_eq!(
            SealTo::from_encoded(&key.public().encoded())
                .expect("parses")
                .encoded(),
            key.public().encoded()
        );
        assert!(matches!(
            SealTo::from_encoded("nope"),
            Err(KeyError::PublicKey)
        ));
        std::fs::write(dir.path().join("bad.key"), "# only a comment\n").expect("writes");
        assert!(matches!(
            OperatorKey::load(&dir.path().join("bad.key")),
            Err(KeyError::OperatorFile { .. })
        ));
        let made = OperatorKey::load_or_create(dir.path()).expect("creates");
        let again = OperatorKey::load_or_create(dir.path()).expect("loads");
        assert_eq!(made.public().encoded(), again.public().encoded());
    }
}
