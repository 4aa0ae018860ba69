//! Sending mail (the double opt-in's confirmation, campaign updates) behind the small
//! [`Mailer`] trait.
//!
//! - [`Outbox`]: writes each mail as an `.eml` file into `<data-dir>/outbox/`, for
//!   `site-gen serve` (which lists them at `/_outbox/`) and `petition-fn serve`;
//! - `Ses` (feature `ses`, on with `lambda`): Amazon SES API v2, a raw message from
//!   [`MAIL_FROM_ENV`].
//!
//! Both send the same bytes: the RFC 5322 message of [`mime::write_message`]. [`MailError`]'s
//! text never holds the recipient's address, so it can be logged as it is.

use std::future::Future;
use std::pin::Pin;

pub mod mime;
mod outbox;
#[cfg(feature = "ses")]
mod ses;

pub use outbox::{Outbox, OutboxEntry, OutboxError};
#[cfg(feature = "ses")]
pub use ses::Ses;

/// Environment variable holding the sender (`noreply@example.org` or
/// `Campaign <noreply@example.org>`), an address of the stack's SES identity.
pub const MAIL_FROM_ENV: &str = "MAIL_FROM";

/// One mail to one recipient, with a plain-text and an HTML version of the same words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mail {
    /// The recipient's address (an addr-spec: `jane@example.org`).
    pub to: String,
    /// The subject, any language (encoded as RFC 2047 words when not ASCII).
    pub subject: String,
    /// The plain-text part.
    pub text: String,
    /// The HTML part.
    pub html: String,
    /// Extra header fields, such as `List-Unsubscribe` and
    /// `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 8058). Names are field names,
    /// values ASCII on one line.
    pub headers: Vec<(String, String)>,
}

/// A boxed future returned by [`Mailer::send`], so the trait is usable as `Arc<dyn Mailer>`.
pub type MailFuture<'a> = Pin<Box<dyn Future<Output = Result<(), MailError>> + Send + 'a>>;

/// Something that delivers mail: SES on Lambda, the outbox locally.
pub trait Mailer: Send + Sync {
    /// Sends `mail`; on success it is accepted for delivery (or written to the outbox).
    fn send<'a>(&'a self, mail: &'a Mail) -> MailFuture<'a>;

    /// `"outbox"` or `"ses"`, for logs and the health answer.
    fn kind(&self) -> &'static str;
}

/// The error underneath a [`MailError`].
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Why a mail was not sent. The text names the header, the operation or the service's error
/// code, never an address or a header's value: it can go to the logs as it is. (The SES
/// error underneath, [`std::error::Error::source`], may quote the service's message, which
/// can name an address: log this error's text, not its chain.)
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// A header value holds a line break (header injection), or a header is not usable.
    #[error("the mail's {name} header is refused: {reason}")]
    Header {
        /// The header's name (never its value).
        name: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// An address (`to` or the sender) is not a single usable mail address.
    #[error("the {field} address is not a usable mail address: {reason}")]
    Address {
        /// `"to"` or `"from"`.
        field: &'static str,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// [`MAIL_FROM_ENV`] is not set (on Lambda the SAM template sets it).
    #[error(
        "{MAIL_FROM_ENV} is not set: set it to the sender address of the stack's SES identity (the SAM template does, from its MailFrom parameter)"
    )]
    MissingFrom,
    /// The outbox could not be written.
    #[error(transparent)]
    Outbox(#[from] OutboxError),
    /// The mail service could not be reached, timed out, failed on its side or throttled the
    /// request: nothing was sent, try again later.
    #[error("{what}")]
    Unavailable {
        /// What failed (the operation and the service's error code).
        what: String,
        /// The SDK's error.
        source: BoxError,
    },
    /// The mail service refused this mail (not verified, rejected, wrong configuration):
    /// sending it again will not help.
    #[error("{what}")]
    Rejected {
        /// What failed (the operation and the service's error code).
        what: String,
        /// The SDK's error.
        source: BoxError,
    },
}

impl MailError {
    /// Whether sending again later may succeed (the service was unreachable, slow, failing
    /// on its side or throttling).
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::Unavailable { .. })
    }
}
