//! Campaign updates to the confirmed signers who asked for them (`petition-fn mail`): the mail
//! with its unsubscribe link and RFC 8058 headers, and the progress file that makes a run
//! resumable without anyone getting the same mail twice.

use std::collections::HashSet;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use contract::api::{TOKEN_FIELD, UNSUBSCRIBE_PATH};
use contract::html::escape;
use sha2::{Digest as _, Sha256};

use contract::bundle::SiteBundle;

use crate::mail::Mail;
use crate::words::Words;

/// The updates mail to one signer of `bundle`'s site: the body as text and as HTML
/// paragraphs, then the unsubscribe link, which the headers also carry for one-click
/// unsubscribe (RFC 8058). Its foot is in the site's default language, the operator's body's.
pub fn updates_mail(
    bundle: &SiteBundle,
    to: &str,
    unsubscribe_token: &str,
    subject: &str,
    body: &str,
) -> Mail {
    let words = Words::new(bundle.pages.strings.get(&bundle.language));
    let link = format!(
        "{}{UNSUBSCRIBE_PATH}?{TOKEN_FIELD}={unsubscribe_token}",
        bundle.base_url
    );
    let footer = words.format("mail_updates_footer", &[("link", &link)]);
    let paragraphs: String = body
        .replace("\r\n", "\n")
        .split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| format!("<p>{}</p>\n", escape(p).replace('\n', "<br>")))
        .collect();
    let html = format!(
        "<!doctype html>\n<html lang=\"{lang}\"><head><meta charset=\"utf-8\"><title>{title}</title></head><body>\n{paragraphs}<hr>\n<p>{why} <a href=\"{href}\">{unsubscribe}</a>.</p>\n</body></html>\n",
        lang = escape(&bundle.language),
        title = escape(subject),
        why = escape(words.text("mail_updates_footer_html")),
        href = escape(&link),
        unsubscribe = escape(words.text("unsubscribe_button")),
    );
    Mail {
        to: to.to_owned(),
        subject: subject.to_owned(),
        text: format!("{}\n\n-- \n{footer}\n", body.trim_end()),
        html,
        headers: vec![
            ("List-Unsubscribe".into(), format!("<{link}>")),
            (
                "List-Unsubscribe-Post".into(),
                "List-Unsubscribe=One-Click".into(),
            ),
        ],
    }
}

/// Why the progress file could not be used.
#[derive(Debug, thiserror::Error)]
#[error("cannot use the progress file {}: {source}", path.display())]
pub struct ProgressError {
    path: PathBuf,
    source: std::io::Error,
}

/// The address hashes already mailed in a run, one a line, appended and synced after each
/// accepted mail, so that a run started again skips them.
#[derive(Debug)]
pub struct Progress {
    path: PathBuf,
    done: HashSet<String>,
    file: std::fs::File,
}

impl Progress {
    /// The default progress file of a mail: beside its body file, named from the petition
    /// and a hash of the subject and the body (another mail starts afresh).
    pub fn default_path(body_file: &Path, petition: &str, subject: &str, body: &str) -> PathBuf {
        let digest = Sha256::digest(format!("{subject}\0{body}").as_bytes());
        let short: String = digest.iter().take(6).map(|b| format!("{b:02x}")).collect();
        let dir = body_file.parent().unwrap_or(Path::new("."));
        dir.join(format!(".mail-{petition}-{short}.progress"))
    }

    /// Opens (creating when missing, mode 0600) the progress file at `path`.
    pub fn open(path: &Path) -> Result<Self, ProgressError> {
        let err = |source| ProgressError {
            path: path.to_owned(),
            source,
        };
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => return Err(err(e)),
        };
        let done: HashSet<String> = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect();
        let mut options = std::fs::OpenOptions::new();
        options.create(true).append(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt as _;
            options.mode(0o600);
        }
        let mut file = options.open(path).map_err(err)?;
        // A crash can leave a last line cut short: start on a line of our own, so the next hash
        // is not glued to it (the cut hash matches nobody, so that person is mailed again:
        // the lesser harm than never).
        if !text.is_empty() && !text.ends_with('\n') {
            writeln!(file).map_err(err)?;
        }
        Ok(Self {
            path: path.to_owned(),
            done,
            file,
        })
    }

    /// Whether the address with this hash was mailed already.
    pub fn is_done(&self, hash: &str) -> bool {
        self.done.contains(hash)
    }

    /// Records that the address with this hash was mailed, durably.
    pub fn record(&mut self, hash: &str) -> Result<(), ProgressError> {
        let err = |source| ProgressError {
            path: self.path.clone(),
            source,
        };
        writeln!(self.file, "{hash}").map_err(err)?;
        self.file.sync_data().map_err(err)?;
        self.done.insert(hash.to_owned());
        Ok(())
    }

    /// How many were mailed, in this run and before.
    pub fn len(&self) -> usize {
        self.done.len()
    }

    /// Whether nothing was mailed yet.
    pub fn is_empty(&self) -> bool {
        self.done.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mail_carries_the_unsubscribe_link_and_the_one_click_headers() {
        let bundle = SiteBundle {
            base_url: "https://example.org".into(),
            language: "en".into(),
            ..SiteBundle::default()
        };
        let mail = updates_mail(
            &bundle,
            "ada@example.org",
            "h.mac",
            "News <1>",
            "First paragraph.\nSame one.\n\nSecond & last.\n",
        );
        let link = "https://example.org/api/unsubscribe?token=h.mac";
        assert!(
            mail.text
                .starts_with("First paragraph.\nSame one.\n\nSecond & last.\n\n-- \n")
        );
        assert!(mail.text.contains(link));
        assert!(mail.html.contains("<p>First paragraph.<br>Same one.</p>"));
        assert!(mail.html.contains("<p>Second &amp; last.</p>"));
        assert!(mail.html.contains("<title>News &lt;1&gt;</title>"));
        assert!(
            mail.html
                .contains(&format!("href=\"{link}\">Unsubscribe</a>"))
        );
        assert!(mail.text.contains(&format!(
            "You get this mail because you asked this campaign for its updates. To get no more, open this link: {link}"
        )));
        assert_eq!(
            mail.headers,
            vec![
                ("List-Unsubscribe".to_owned(), format!("<{link}>")),
                (
                    "List-Unsubscribe-Post".to_owned(),
                    "List-Unsubscribe=One-Click".to_owned()
                ),
            ]
        );
    }

    #[test]
    fn progress_survives_a_restart_and_differs_per_mail() -> Result<(), ProgressError> {
        let dir = tempfile::tempdir().map_err(|source| ProgressError {
            path: PathBuf::from("tempdir"),
            source,
        })?;
        let body = dir.path().join("body.txt");
        let path = Progress::default_path(&body, "p", "S", "B");
        assert_ne!(path, Progress::default_path(&body, "p", "S", "B2"));
        {
            let mut p = Progress::open(&path)?;
            assert!(p.is_empty());
            p.record("a")?;
            p.record("b")?;
        }
        let mut p = Progress::open(&path)?;
        assert!(p.is_done("a") && p.is_done("b") && !p.is_done("c"));
        p.record("c")?;
        assert_eq!(p.len(), 3);
        drop(p);
        // A crash in the middle of a line: the next record starts on its own line.
        let io = |source| ProgressError {
            path: path.clone(),
            source,
        };
        let mut torn = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .map_err(io)?;
        torn.write_all(b"hal").map_err(io)?;
        drop(torn);
        let mut p = Progress::open(&path)?;
        p.record("d")?;
        drop(p);
        let p = Progress::open(&path)?;
        assert!(p.is_done("d") && p.is_done("hal") && p.is_done("c"));
        Ok(())
    }
}
