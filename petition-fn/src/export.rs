//! The operator's export to CSV: a petition's signatures, the letters to senators (all, one
//! state's, or one senator's) and the letter counts.
//!
//! It reads the store directly, with the operator's own access (AWS credentials for the
//! DynamoDB table, or the local data folder), and opens the personal fields with the
//! operator's private key (`crate::protect::Opener`). It is a
//! command of the `petition-fn` binary (`petition-fn export`), never an HTTP endpoint.
//!
//! The CSV follows RFC 4180 (a header row, `,` between cells, CRLF line ends, a cell holding
//! `,`, `"`, CR or LF in double quotes with `"` doubled). A cell that a spreadsheet would read
//! as a formula (one beginning with `=`, `+`, `-`, `@`, a tab or a CR) is written with a `'`
//! before it, so opening the file never runs what a visitor typed.

use contract::fs::{Access, write_atomic};
use std::borrow::Cow;

use crate::domain::LetterPrivate;
use crate::protect::{KeyError, Opener};
use crate::store::{LetterFilter, Store, StoreError};

/// Why an export failed. Nothing is written to the output file then.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// The store could not be read.
    #[error("cannot read the store")]
    Store(#[from] StoreError),
    /// A stored value could not be opened: the operator key (or, for values from before
    /// sealing, the signer key) is missing or not the one it was written with.
    #[error("cannot open a stored {what}: {source}")]
    Decrypt {
        /// What was being read (`signature`, `letter`).
        what: &'static str,
        /// Why.
        source: KeyError,
    },
    /// A stored letter's personal fields are not in the expected shape.
    #[error("a stored letter is damaged: {0}")]
    Damaged(String),
    /// The output could not be written.
    #[error("cannot write the export to {path}")]
    Write {
        /// Where.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
}

/// One CSV cell: formula-like values neutralised with a leading `'`, then quoted when it
/// holds `,`, `"`, CR or LF (RFC 4180), with `"` doubled.
pub(crate) fn csv_cell(value: &str) -> Cow<'_, str> {
    let risky = value.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let needs_quotes = value.contains([',', '"', '\r', '\n']);
    if !risky && !needs_quotes {
        return Cow::Borrowed(value);
    }
    let mut out = String::with_capacity(value.len() + 4);
    if needs_quotes {
        out.push('"');
    }
    if risky {
        out.push('\'');
    }
    for c in value.chars() {
        if c == '"' {
            out.push('"');
        }
        out.push(c);
    }
    if needs_quotes {
        out.push('"');
    }
    Cow::Owned(out)
}

/// One CSV record: the cells, separated by `,`, ended by CRLF.
pub(crate) fn csv_row<S: AsRef<str>>(cells: &[S]) -> String {
    let mut line = cells
        .iter()
        .map(|c| csv_cell(c.as_ref()))
        .collect::<Vec<_>>()
        .join(",");
    line.push_str("\r\n");
    line
}

/// The header of the signatures export.
pub(crate) const SIGNATURE_COLUMNS: &[&str] = &[
    "petition",
    "created_at",
    "name",
    "email",
    "country",
    "updates",
];

/// The header of the letters export. `letter` is `suggested` (the campaign's letter, not
/// stored) or `own` (the writer's words, in `message`).
pub(crate) const LETTER_COLUMNS: &[&str] = &[
    "created_at",
    "state",
    "senators",
    "name",
    "email",
    "street",
    "city",
    "zip",
    "letter",
    "message",
];

/// The header of the letter counts export: `scope` is `state` or `senator`.
pub(crate) const LETTER_COUNT_COLUMNS: &[&str] = &["scope", "id", "letters"];

/// The columns of the outcome counts export.
pub(crate) const ACTION_COLUMNS: &[&str] = &["kind", "state", "senator", "count"];

/// A petition's signatures as CSV, oldest first; returns the text and the number of rows.
/// Email addresses appear only where they are stored (signers who asked for updates).
pub async fn signatures_csv(
    store: &dyn Store,
    opener: &Opener,
    petition: &str,
) -> Result<(String, usize), ExportError> {
    let mut rows = store.export_signatures(petition).await?;
    rows.sort_by(|a, b| (&a.created_at, &a.hash).cmp(&(&b.created_at, &b.hash)));
    let failed = |source| ExportError::Decrypt {
        what: "signature",
        source,
    };
    let mut out = csv_row(SIGNATURE_COLUMNS);
    for rec in &rows {
        let name = opener.open(&rec.name_enc).map_err(failed)?;
        let email = match &rec.email_enc {
            Some(e) => opener.open_address(e, &rec.hash).map_err(failed)?.0,
            None => String::new(),
        };
        out.push_str(&csv_row(&[
            rec.petition.as_str(),
            &rec.created_at,
            &name,
            &email,
            &rec.country,
            if rec.updates { "true" } else { "false" },
        ]));
    }
    Ok((out, rows.len()))
}

/// The letters that pass `filter` as CSV, oldest first; returns the text and the number of
/// rows.
pub async fn letters_csv(
    store: &dyn Store,
    opener: &Opener,
    filter: &LetterFilter,
) -> Result<(String, usize), ExportError> {
    let mut rows = store.export_letters(filter).await?;
    rows.sort_by(|a, b| {
        (&a.created_at, &a.state, &a.hash).cmp(&(&b.created_at, &b.state, &b.hash))
    });
    let mut out = csv_row(LETTER_COLUMNS);
    for rec in &rows {
        // Without `[letter] keep` nothing personal was kept: the row has the counts' facts.
        let private: LetterPrivate = match &rec.private_enc {
            Some(enc) => {
                let json = opener.open(enc).map_err(|source| ExportError::Decrypt {
                    what: "letter",
                    source,
                })?;
                serde_json::from_str(&json).map_err(|e| ExportError::Damaged(e.to_string()))?
            }
            None => LetterPrivate::default(),
        };
        out.push_str(&csv_row(&[
            rec.created_at.as_str(),
            &rec.state,
            &rec.senators.join(" "),
            &private.name,
            &private.email,
            &private.street,
            &private.city,
            &private.zip,
            if rec.suggested { "suggested" } else { "own" },
            private.message.as_deref().unwrap_or(""),
        ]));
    }
    Ok((out, rows.len()))
}

/// The letter counts as CSV (states, then senators); returns the text and the number of rows.
pub async fn letter_counts_csv(store: &dyn Store) -> Result<(String, usize), ExportError> {
    let counts = store.letter_counts().await?;
    let mut out = csv_row(LETTER_COUNT_COLUMNS);
    let rows = counts
        .by_state
        .iter()
        .map(|(k, v)| ("state", k, v))
        .chain(counts.by_senator.iter().map(|(k, v)| ("senator", k, v)));
    let mut n = 0;
    for (scope, id, count) in rows {
        out.push_str(&csv_row(&[scope, id.as_str(), &count.to_string()]));
        n += 1;
    }
    Ok((out, n))
}

/// The reported outcomes as CSV, one row per kind, state and senator (no personal data);
/// returns the text and the number of rows.
pub async fn actions_csv(store: &dyn Store) -> Result<(String, usize), ExportError> {
    let counts = store.action_counts().await?;
    let mut out = csv_row(ACTION_COLUMNS);
    for a in &counts {
        out.push_str(&csv_row(&[
            a.kind.as_str(),
            a.state.as_str(),
            a.senator.as_str(),
            &a.count.to_string(),
        ]));
    }
    Ok((out, counts.len()))
}

/// Writes an export to `path` (mode 0600: it holds personal data), through a temporary file
/// renamed into place, so a failed write leaves no half file.
pub fn write_private_file(path: &std::path::Path, text: &str) -> Result<(), ExportError> {
    write_atomic(path, text.as_bytes(), Access::Private).map_err(|source| ExportError::Write {
        path: path.display().to_string(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::protect::SignerKeys;
    use crate::store::local::LocalStore;
    use crate::store::{LetterRecord, SignatureRecord};

    /// An RFC 4180 reader of one record (CRLF-ended), for the property below.
    fn read_record(line: &str) -> Vec<String> {
        let body = line.strip_suffix("\r\n").expect("a record ends with CRLF");
        let (mut cells, mut cell, mut quoted, mut chars) =
            (Vec::new(), String::new(), false, body.chars().peekable());
        while let Some(c) = chars.next() {
            match (quoted, c) {
                (true, '"') if chars.peek() == Some(&'"') => {
                    chars.next();
                    cell.push('"');
                }
                (true, '"') => quoted = false,
                (false, '"') if cell.is_empty() => quoted = true,
                (false, ',') => cells.push(std::mem::take(&mut cell)),
                (_, c) => cell.push(c),
            }
        }
        cells.push(cell);
        cells
    }

    proptest::proptest! {
        /// Any cells come back from a CSV reader as written, except that a formula-like cell
        /// gains one leading `'`; and no cell ever starts with a formula character unquoted.
        #[test]
        fn any_cells_survive_a_csv_reader(cells in proptest::collection::vec("\\PC*|[=+@\t\r\n,\"-][ -~\r\n]{0,8}", 1..6)) {
            let row = csv_row(&cells);
            let back = read_record(&row);
            proptest::prop_assert_eq!(back.len(), cells.len(), "{:?}", row);
            for (cell, got) in cells.iter().zip(&back) {
                let risky = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
                let expected = if risky { format!("'{cell}") } else { cell.clone() };
                proptest::prop_assert_eq!(got, &expected);
                proptest::prop_assert!(!got.starts_with(['=', '+', '-', '@', '\t', '\r']));
            }
        }
    }

    #[test]
    fn plain_cells_are_left_alone() {
        assert_eq!(csv_cell("Ada Lovelace"), "Ada Lovelace");
        assert_eq!(csv_cell(""), "");
        assert_eq!(csv_cell("Zoë 李"), "Zoë 李");
        assert_eq!(csv_cell("a-b=c"), "a-b=c", "only a leading sign is risky");
    }

    #[test]
    fn rfc_4180_quoting() {
        assert_eq!(csv_cell("Doe, Jane"), "\"Doe, Jane\"");
        assert_eq!(csv_cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_cell("two\nlines"), "\"two\nlines\"");
        assert_eq!(csv_cell("cr\rhere"), "\"cr\rhere\"");
        assert_eq!(csv_row(&["a", "b,c", ""]), "a,\"b,c\",\r\n");
    }

    #[test]
    fn formulas_are_neutralised() {
        assert_eq!(csv_cell("=1+1"), "'=1+1");
        assert_eq!(csv_cell("+33 1 23"), "'+33 1 23");
        assert_eq!(csv_cell("-2"), "'-2");
        assert_eq!(csv_cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_cell("\tx"), "'\tx");
        assert_eq!(csv_cell("\rx"), "\"'\rx\"");
        assert_eq!(
            csv_cell("=HYPERLINK(\"http://x\",\"y\")"),
            "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\""
        );
        assert_eq!(csv_cell("=a,b"), "\"'=a,b\"");
    }

    fn keys() -> SignerKeys {
        SignerKeys::from_secret(&[5; 32]).expect("keys")
    }

    /// Keys that seal to a new operator key, and the opener of that key and the legacy keys.
    fn sealing() -> (SignerKeys, Opener) {
        let operator = crate::protect::OperatorKey::generate().expect("a key");
        let keys = keys().sealing_to(operator.public());
        (keys, Opener::new(Some(operator), Some(self::keys())))
    }

    #[tokio::test]
    async fn signatures_export_decrypts_and_keeps_emails_only_where_stored() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store: Arc<dyn Store> = Arc::new(LocalStore::open_in(dir.path()).expect("opens"));
        // One signature from before sealing (the signer keys' AES), one sealed.
        let (sealed, opener) = sealing();
        let sig = |hash: &str, name: &str, email: Option<&str>, at: &str| {
            let k = if hash == "h1" { sealed.clone() } else { keys() };
            SignatureRecord {
                petition: "p".into(),
                hash: hash.into(),
                name_enc: k.encrypt(name).expect("enc"),
                email_enc: email.map(|e| k.encrypt_address(e, hash).expect("enc")),
                country: "FR".into(),
                updates: email.is_some(),
                created_at: at.into(),
                expires_at: 4_102_444_800,
            }
        };
        store
            .sign(sig(
                "h2",
                "=cmd|' /C calc'!A0",
                None,
                "2026-03-02T00:00:00Z",
            ))
            .await
            .expect("signs");
        store
            .sign(sig(
                "h1",
                "Doe, Jane",
                Some("jane@example.org"),
                "2026-03-01T00:00:00Z",
            ))
            .await
            .expect("signs");
        let (csv, n) = signatures_csv(store.as_ref(), &opener, "p")
            .await
            .expect("exports");
        assert_eq!(n, 2);
        assert_eq!(
            csv,
            "petition,created_at,name,email,country,updates\r\n\
             p,2026-03-01T00:00:00Z,\"Doe, Jane\",jane@example.org,FR,true\r\n\
             p,2026-03-02T00:00:00Z,'=cmd|' /C calc'!A0,,FR,false\r\n"
        );
        let (_, other) = sealing();
        assert!(matches!(
            signatures_csv(store.as_ref(), &other, "p").await,
            Err(ExportError::Decrypt {
                source: KeyError::Decrypt,
                ..
            })
        ));
        let Err(e) = signatures_csv(store.as_ref(), &Opener::new(None, Some(keys())), "p").await
        else {
            panic!("a sealed name needs the operator key")
        };
        assert!(e.to_string().contains("--operator-key"), "{e}");
        // The function's keys seal, and cannot open what they sealed.
        assert!(
            sealed
                .decrypt(&sealed.encrypt("Ada").expect("seals"))
                .is_err()
        );
    }

    #[tokio::test]
    async fn letters_export_filters_and_shows_own_words() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store: Arc<dyn Store> = Arc::new(LocalStore::open_in(dir.path()).expect("opens"));
        let (k, opener) = sealing();
        let letter = |hash: &str, state: &str, senators: &[&str], message: Option<&str>| {
            let private = LetterPrivate {
                name: format!("Writer {hash}"),
                email: format!("{hash}@example.org"),
                street: "1 Main St, Apt 2".into(),
                city: "Springfield".into(),
                zip: "94103".into(),
                message: message.map(Into::into),
            };
            LetterRecord {
                hash: hash.into(),
                state: state.into(),
                senators: senators.iter().map(|s| (*s).to_owned()).collect(),
                private_enc: Some(
                    k.encrypt(&serde_json::to_string(&private).expect("json"))
                        .expect("enc"),
                ),
                suggested: message.is_none(),
                created_at: format!("2026-03-01T00:00:0{}Z", hash.len()),
                expires_at: 4_102_444_800,
            }
        };
        for rec in [
            letter("a", "CA", &["C1", "C2"], None),
            letter(
                "bb",
                "NY",
                &["N1", "N2"],
                Some("Dear Senator,\n-please act"),
            ),
        ] {
            store.send_letter(rec).await.expect("sends");
        }
        let (csv, n) = letters_csv(store.as_ref(), &opener, &LetterFilter::All)
            .await
            .expect("exports");
        assert_eq!(n, 2);
        let mut lines = csv.split("\r\n");
        assert_eq!(
            lines.next(),
            Some("created_at,state,senators,name,email,street,city,zip,letter,message")
        );
        assert_eq!(
            lines.next(),
            Some(
                "2026-03-01T00:00:01Z,CA,C1 C2,Writer a,a@example.org,\"1 Main St, Apt 2\",Springfield,94103,suggested,"
            )
        );
        assert_eq!(
            lines.next(),
            Some(
                "2026-03-01T00:00:02Z,NY,N1 N2,Writer bb,bb@example.org,\"1 Main St, Apt 2\",Springfield,94103,own,\"Dear Senator,\n-please act\""
            )
        );
        let (_, n) = letters_csv(store.as_ref(), &opener, &LetterFilter::Senator("N2".into()))
            .await
            .expect("exports");
        assert_eq!(n, 1);
        let (_, n) = letters_csv(store.as_ref(), &opener, &LetterFilter::State("TX".into()))
            .await
            .expect("exports");
        assert_eq!(n, 0);
        let (counts, n) = letter_counts_csv(store.as_ref()).await.expect("counts");
        assert_eq!(n, 6);
        assert_eq!(
            counts,
            "scope,id,letters\r\nstate,CA,1\r\nstate,NY,1\r\nsenator,C1,1\r\nsenator,C2,1\r\nsenator,N1,1\r\nsenator,N2,1\r\n"
        );
    }

    #[test]
    fn private_files_are_written_whole_and_private() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("out.csv");
        write_private_file(&path, "a,b\r\n").expect("writes");
        assert_eq!(std::fs::read_to_string(&path).expect("reads"), "a,b\r\n");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path)
                .expect("exists")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let missing = dir.path().join("no/such/dir/out.csv");
        assert!(matches!(
            write_private_file(&missing, "x"),
            Err(ExportError::Write { .. })
        ));
        let leftovers: Vec<_> = std::fs::read_dir(dir.path())
            .expect("lists")
            .filter_map(Result::ok)
            .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty());
    }
}
