//! The Lambda mailer: Amazon SES API v2 `SendEmail` with the raw message of
//! [`mime::write_message`], from [`MAIL_FROM_ENV`].
//!
//! The stack (infra/template.yaml) creates the sending domain's identity, with the
//! configuration set that sends bounces and complaints to SNS as its default, and allows the
//! function `ses:SendEmail`/`ses:SendRawEmail` on that identity only. Throttling, the daily
//! quota, SES's own failures, timeouts and an unreachable endpoint are transient
//! ([`MailError::Unavailable`]); anything else is [`MailError::Rejected`].

use std::time::{Duration, SystemTime};

use aws_sdk_sesv2::Client;
use aws_sdk_sesv2::config::timeout::TimeoutConfig;
use aws_sdk_sesv2::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_sesv2::operation::send_email::SendEmailError;
use aws_sdk_sesv2::primitives::Blob;
use aws_sdk_sesv2::types::{Destination, EmailContent, RawMessage};

use super::{Mail, MailError, MailFuture, Mailer, mime};

/// How long one send may take, retries included: a confirmation mail should not hold the
/// signer's request for long.
const SEND_TIMEOUT: Duration = Duration::from_secs(10);

/// Sends mail through Amazon SES (API v2).
#[derive(Debug, Clone)]
pub struct Ses {
    client: Client,
    from: String,
}

impl Ses {
    /// A mailer from a loaded SDK configuration (region, credentials, and
    /// `AWS_ENDPOINT_URL_SESV2` if set), sending from `from` (an address or
    /// `Name <address>`), with a 10-second operation timeout.
    pub fn new(config: &aws_config::SdkConfig, from: impl Into<String>) -> Result<Self, MailError> {
        let conf = aws_sdk_sesv2::config::Builder::from(config)
            .timeout_config(
                TimeoutConfig::builder()
                    .operation_timeout(SEND_TIMEOUT)
                    .build(),
            )
            .build();
        Self::with_client(Client::from_conf(conf), from)
    }

    /// A mailer over a client (tests point one at a local stand-in).
    pub fn with_client(client: Client, from: impl Into<String>) -> Result<Self, MailError> {
        let from = from.into();
        // Checked once here rather than on every mail.
        mime::sender_address(&from)?;
        Ok(Self { client, from })
    }

    /// The client.
    pub fn client(&self) -> &Client {
        &self.client
    }

    async fn send_now(&self, mail: &Mail) -> Result<(), MailError> {
        let message =
            mime::write_message(&self.from, mail, SystemTime::now(), &mime::unique_token())?;
        let raw = RawMessage::builder()
            .data(Blob::new(message.into_bytes()))
            .build()
            .map_err(|e| MailError::Rejected {
                what: "an SES SendEmail request could not be built".into(),
                source: e.into(),
            })?;
        self.client
            .send_email()
            .from_email_address(mime::sender_address(&self.from)?)
            .destination(
                Destination::builder()
                    .to_addresses(mime::recipient_address(&mail.to)?)
                    .build(),
            )
            .content(EmailContent::builder().raw(raw).build())
            .send()
            .await
            .map_err(sdk_error)?;
        Ok(())
    }
}

impl Mailer for Ses {
    fn send<'a>(&'a self, mail: &'a Mail) -> MailFuture<'a> {
        Box::pin(self.send_now(mail))
    }

    fn kind(&self) -> &'static str {
        "ses"
    }
}

/// Sorts an SDK error into transient or not, in words without the service's message (which
/// can name an address); the error itself is kept as the source.
fn sdk_error(
    err: SdkError<SendEmailError, aws_sdk_sesv2::config::http::HttpResponse>,
) -> MailError {
    let unavailable = |what: String, err| MailError::Unavailable {
        what,
        source: Box::new(err),
    };
    match &err {
        SdkError::TimeoutError(_) => unavailable("SES SendEmail timed out".into(), err),
        SdkError::DispatchFailure(_) => {
            unavailable("SES SendEmail could not reach SES".into(), err)
        }
        SdkError::ResponseError(_) => unavailable(
            "SES SendEmail got a response that could not be read".into(),
            err,
        ),
        SdkError::ServiceError(service) => {
            let code = service
                .err()
                .code()
                .unwrap_or("an unnamed error")
                .to_owned();
            let status = service.raw().status().as_u16();
            match code.as_str() {
                "TooManyRequestsException"
                | "LimitExceededException"
                | "Throttling"
                | "ThrottlingException" => {
                    unavailable(format!("SES SendEmail was throttled ({code})"), err)
                }
                _ if status >= 500 => unavailable(
                    format!("SES SendEmail failed on SES's side ({code}, HTTP {status})"),
                    err,
                ),
                _ => MailError::Rejected {
                    what: format!("SES refused the mail: {code}{}", hint(&code)),
                    source: Box::new(err),
                },
            }
        }
        _ => unavailable("SES SendEmail could not be sent".into(), err),
    }
}

/// How to fix the usual refusals.
fn hint(code: &str) -> &'static str {
    match code {
        "MessageRejected" | "MailFromDomainNotVerifiedException" | "NotFoundException" => {
            " (is the sending domain's identity verified? In the SES sandbox every recipient must be verified too: see infra/README.md)"
        }
        "SendingPausedException" | "AccountSuspendedException" => {
            " (sending is paused for the account or the configuration set: see the SES console)"
        }
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use aws_sdk_sesv2::config::{BehaviorVersion, Credentials, Region};

    use super::*;

    fn config() -> aws_config::SdkConfig {
        aws_config::SdkConfig::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .credentials_provider(aws_sdk_sesv2::config::SharedCredentialsProvider::new(
                Credentials::new("test", "test", None, None, "test"),
            ))
            .build()
    }

    #[test]
    fn the_sender_is_checked_when_the_mailer_is_made() {
        assert!(Ses::new(&config(), "Campaign <noreply@example.org>").is_ok());
        let err = Ses::new(&config(), "not an address").expect_err("refused");
        assert!(
            matches!(err, MailError::Address { field: "from", .. }),
            "{err}"
        );
        assert!(
            MailError::MissingFrom
                .to_string()
                .starts_with("MAIL_FROM is not set"),
            "the variable is named"
        );
    }
}
