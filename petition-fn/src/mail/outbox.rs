//! The local mailer: each mail an `.eml` file in `<data-dir>/outbox/`, for the preview (which
//! lists them at `/_outbox/`) and `petition-fn serve`. Nothing leaves the machine.
//!
//! The files hold addresses, so the folder is the owner's only (0700) and each file 0600;
//! each is written atomically (staged beside its name, then linked into place) and never
//! replaces another. Names sort by time: `20261201T120000Z-0123456789abcdef.eml`.

use std::io;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use contract::fs::{Access, stage};

use super::mime::{self, ParseError, Parsed};
use super::{Mail, MailError, MailFuture, Mailer};

/// The sender of the outbox's mails unless [`Outbox::with_from`] says otherwise.
const DEFAULT_FROM: &str = "Campaign preview <preview@localhost>";

/// Writes mail into `<data-dir>/outbox/` instead of sending it.
#[derive(Debug, Clone)]
pub struct Outbox {
    dir: PathBuf,
    from: String,
}

/// One mail of the outbox, as listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxEntry {
    /// The file name (`20261201T120000Z-….eml`).
    pub name: String,
    /// The `Date` header.
    pub date: String,
    /// The `To` header.
    pub to: String,
    /// The `Subject` header, decoded.
    pub subject: String,
}

/// Why the outbox could not be written or read. The text names the folder or a generated file
/// name, never an address.
#[derive(Debug, thiserror::Error)]
pub enum OutboxError {
    /// The mail could not be written.
    #[error("cannot write the mail into the outbox {}: {source}", dir.display())]
    Write {
        /// The outbox folder.
        dir: PathBuf,
        /// The cause.
        source: io::Error,
    },
    /// The folder or a mail could not be read.
    #[error("cannot read the outbox {}: {source}", dir.display())]
    Read {
        /// The outbox folder.
        dir: PathBuf,
        /// The cause.
        source: io::Error,
    },
    /// The name is not one the outbox gives its mails (so it is not looked up at all).
    #[error("not the name of an outbox mail (20261201T120000Z-<16 hex digits>.eml)")]
    Name,
    /// The file is not a message the outbox can read back.
    #[error("the outbox mail {name} cannot be read: {source}")]
    Parse {
        /// The file name.
        name: String,
        /// The cause.
        source: ParseError,
    },
}

impl Outbox {
    /// The folder's name inside the data dir.
    pub const DIR: &'static str = "outbox";

    /// The outbox of the data dir `data_dir` (`<data_dir>/outbox/`, created on the first mail).
    pub fn new(data_dir: &Path) -> Self {
        Self {
            dir: data_dir.join(Self::DIR),
            from: DEFAULT_FROM.to_owned(),
        }
    }

    /// The same outbox with the sender `from` (an address or `Name <address>`).
    pub fn with_from(self, from: impl Into<String>) -> Self {
        Self {
            from: from.into(),
            ..self
        }
    }

    /// The outbox folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Writes `mail` as a new file and returns its name. Blocking: [`Mailer::send`] runs it
    /// off the async threads.
    pub fn write(&self, mail: &Mail) -> Result<String, MailError> {
        let now = SystemTime::now();
        let unique = mime::unique_token();
        let message = mime::write_message(&self.from, mail, now, &unique)?;
        let name = format!("{}-{unique}.eml", mime::compact_timestamp(now));
        let fail = |source| OutboxError::Write {
            dir: self.dir.clone(),
            source,
        };
        contract::fs::create_private_dir(&self.dir).map_err(fail)?;
        stage(&self.dir.join(&name), message.as_bytes(), Access::Private)
            .and_then(|s| s.commit_new())
            .map_err(fail)?;
        Ok(name)
    }

    /// The mails, newest first. An outbox never written to is empty.
    pub fn list(&self) -> Result<Vec<OutboxEntry>, OutboxError> {
        let read_err = |source| OutboxError::Read {
            dir: self.dir.clone(),
            source,
        };
        let dir = match std::fs::read_dir(&self.dir) {
            Ok(d) => d,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(read_err(e)),
        };
        let mut found = Vec::new();
        for item in dir {
            let item = item.map_err(read_err)?;
            let name = item.file_name().to_string_lossy().into_owned();
            if !Self::is_mail_name(&name) {
                continue;
            }
            // Names sort by the second; the file's time orders mails of the same second.
            let modified = item
                .metadata()
                .and_then(|m| m.modified())
                .unwrap_or(SystemTime::UNIX_EPOCH);
            found.push((name, modified));
        }
        found.sort_by(|(a, at), (b, bt)| b[..16].cmp(&a[..16]).then(bt.cmp(at)));
        let mut entries = Vec::with_capacity(found.len());
        for (name, _) in found {
            let mail = self.read(&name)?;
            let header = |h| mail.header(h).unwrap_or_default().to_owned();
            entries.push(OutboxEntry {
                date: header("Date"),
                to: header("To"),
                subject: header("Subject"),
                name,
            });
        }
        Ok(entries)
    }

    /// The mail named `name`, read back. Only names the outbox gives are looked up, so a
    /// name from a URL cannot reach another file.
    pub fn read(&self, name: &str) -> Result<Parsed, OutboxError> {
        if !Self::is_mail_name(name) {
            return Err(OutboxError::Name);
        }
        let raw =
            std::fs::read_to_string(self.dir.join(name)).map_err(|source| OutboxError::Read {
                dir: self.dir.clone(),
                source,
            })?;
        mime::parse_message(&raw).map_err(|source| OutboxError::Parse {
            name: name.to_owned(),
            source,
        })
    }

    /// Whether `name` has the form the outbox gives its files:
    /// `YYYYMMDDTHHMMSSZ-<16 lowercase hex digits>.eml`.
    pub fn is_mail_name(name: &str) -> bool {
        let b = name.as_bytes();
        let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
        b.len() == 37
            && digits(0..8)
            && b[8] == b'T'
            && digits(9..15)
            && b[15] == b'Z'
            && b[16] == b'-'
            && b[17..33]
                .iter()
                .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(c))
            && &b[33..] == b".eml"
    }
}

impl Mailer for Outbox {
    fn send<'a>(&'a self, mail: &'a Mail) -> MailFuture<'a> {
        let (outbox, mail) = (self.clone(), mail.clone());
        Box::pin(async move {
            // The write syncs the file: keep it off the async threads.
            let written = tokio::task::spawn_blocking(move || outbox.write(&mail)).await;
            match written {
                Ok(result) => result.map(|_| ()),
                Err(join) => Err(OutboxError::Write {
                    dir: self.dir.clone(),
                    source: io::Error::other(join.to_string()),
                }
                .into()),
            }
        })
    }

    fn kind(&self) -> &'static str {
        "outbox"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mail(subject: &str) -> Mail {
        Mail {
            to: "jane@example.org".into(),
            subject: subject.into(),
            text: "Confirm: https://example.org/api/confirm?token=abc".into(),
            html: "<p>Confirm</p>".into(),
            headers: Vec::new(),
        }
    }

    #[tokio::test]
    async fn mails_are_private_files_listed_newest_first() -> Result<(), Box<dyn std::error::Error>>
    {
        let data = tempfile::tempdir()?;
        let outbox = Outbox::new(data.path());
        assert!(outbox.list()?.is_empty(), "no folder yet: empty");
        assert_eq!(outbox.kind(), "outbox");
        outbox.send(&mail("First")).await?;
        std::thread::sleep(std::time::Duration::from_millis(20));
        outbox.send(&mail("确认您的签名")).await?;

        let listed = outbox.list()?;
        let subjects: Vec<_> = listed.iter().map(|e| e.subject.as_str()).collect();
        assert_eq!(subjects, ["确认您的签名", "First"]);
        assert!(listed.iter().all(|e| e.to == "jane@example.org"));
        assert!(listed.iter().all(|e| Outbox::is_mail_name(&e.name)));
        assert!(listed[0].date.ends_with("+0000"), "{}", listed[0].date);
        let back = outbox.read(&listed[1].name)?;
        assert_eq!(back.text.as_deref(), Some(mail("").text.as_str()));
        assert_eq!(back.header("From"), Some(DEFAULT_FROM));

        let names: Vec<_> = std::fs::read_dir(outbox.dir())?
            .map(|e| e.map(|e| e.file_name()))
            .collect::<Result<_, _>>()?;
        assert_eq!(names.len(), 2, "no temporary file left: {names:?}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = |p: &Path| std::fs::metadata(p).map(|m| m.permissions().mode() & 0o777);
            assert_eq!(mode(outbox.dir())?, 0o700);
            assert_eq!(mode(&outbox.dir().join(&listed[0].name))?, 0o600);
        }
        Ok(())
    }

    #[test]
    fn only_generated_names_are_read() {
        let outbox = Outbox::new(Path::new("/nonexistent"));
        assert!(Outbox::is_mail_name(
            "20261201T120000Z-0123456789abcdef.eml"
        ));
        for name in [
            "../../etc/passwd",
            "20261201T120000Z-0123456789abcdef.eml/..",
            "20261201T120000Z-0123456789ABCDEF.eml",
            "20261201T120000Z-0123456789abcde.eml",
            ".20261201T120000Z-0123456789abcdef.eml.1.tmp",
            "2026120xT120000Z-0123456789abcdef.eml",
            "",
        ] {
            assert!(!Outbox::is_mail_name(name), "{name}");
            assert!(
                matches!(outbox.read(name), Err(OutboxError::Name)),
                "{name}"
            );
        }
    }

    #[tokio::test]
    async fn a_refused_mail_writes_nothing() -> Result<(), Box<dyn std::error::Error>> {
        let data = tempfile::tempdir()?;
        let outbox = Outbox::new(data.path()).with_from("Campaign <noreply@example.org>");
        let err = outbox
            .send(&mail("Hi\r\nBcc: everyone@example.net"))
            .await
            .expect_err("header injection");
        assert!(matches!(err, MailError::Header { .. }), "{err}");
        assert!(!err.is_transient());
        assert!(outbox.list()?.is_empty());
        Ok(())
    }
}
