//! Validation of a signature submission: pure functions, no I/O.

use serde::Serialize;

use super::email::{CheckedEmail, check_email};
use super::problem::{Code, FieldError, Param, Problem};
use super::text;
use contract::bundle::Country;

/// Longest name accepted, in characters after trimming.
pub(crate) const MAX_NAME_CHARS: usize = 100;

/// A submission as received, every field as text (absent fields are `None`).
///
/// Both the form and the JSON body are reduced to this shape before validation.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RawSubmission {
    /// The signer's name.
    pub name: Option<String>,
    /// The signer's email address.
    pub email: Option<String>,
    /// ISO 3166-1 alpha-2 country code.
    pub country: Option<String>,
    /// Agreement to sign (`true`, `on`, `1` or `yes`).
    pub consent: Option<String>,
    /// Optional opt-in to campaign updates.
    pub updates: Option<String>,
    /// The honeypot: people never see it, so it must stay empty.
    pub website: Option<String>,
}

/// A submission that passed every rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    /// The name, trimmed.
    pub name: String,
    /// The checked email address.
    pub email: CheckedEmail,
    /// The country code, upper case.
    pub country: String,
    /// Whether the signer wants campaign updates by email.
    pub updates: bool,
}

/// What to do with a submission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Valid: record it.
    Valid(Signature),
    /// Invalid: show these errors, in the order of the form's fields.
    Invalid(Vec<FieldError>),
    /// The honeypot is filled in: a bot. Answer as if it succeeded and store nothing.
    Bot,
}

impl RawSubmission {
    /// Whether the honeypot field was filled in.
    pub fn is_bot(&self) -> bool {
        self.website
            .as_deref()
            .is_some_and(|w| !w.trim().is_empty())
    }

    /// Applies every rule. `countries` is the list a signer may choose from.
    pub fn validate(&self, countries: &[Country]) -> Verdict {
        if self.is_bot() {
            return Verdict::Bot;
        }
        let mut errors = Vec::new();
        let name = check_name(self.name.as_deref().unwrap_or(""))
            .map_err(|p| errors.push(p.on("name")))
            .ok();
        let email = check_email(self.email.as_deref().unwrap_or(""))
            .map_err(|e| errors.push(e.problem().on("email")))
            .ok();
        let country = check_country(self.country.as_deref().unwrap_or(""), countries)
            .map_err(|p| errors.push(p.on("country")))
            .ok();
        match parse_bool(self.consent.as_deref()) {
            Some(true) => {}
            _ => errors.push(FieldError::new("consent", Code::ConsentMissing)),
        }
        let updates = match parse_bool(self.updates.as_deref()) {
            Some(b) => b,
            None => {
                errors.push(FieldError::new("updates", Code::UpdatesInvalid));
                false
            }
        };
        match (name, email, country) {
            (Some(name), Some(email), Some(country)) if errors.is_empty() => {
                Verdict::Valid(Signature {
                    name,
                    email,
                    country,
                    updates,
                })
            }
            _ => Verdict::Invalid(errors),
        }
    }
}

/// Reads a checkbox or boolean: absent or empty is `false`; `None` when unrecognised.
pub(crate) fn parse_bool(value: Option<&str>) -> Option<bool> {
    let Some(v) = value else {
        return Some(false);
    };
    match v.trim().to_ascii_lowercase().as_str() {
        "true" | "on" | "1" | "yes" => Some(true),
        "" | "false" | "off" | "0" | "no" => Some(false),
        _ => None,
    }
}

/// Checks a name; returns it in its stored form ([`text::clean_line`]), or what is wrong.
pub(crate) fn check_name(input: &str) -> Result<String, Problem> {
    let name = input.trim();
    if name.is_empty() {
        return Err(Problem::new(Code::NameMissing));
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(too_long("name", MAX_NAME_CHARS));
    }
    if let Some(kind) = text::unwanted(name, false) {
        return Err(kind.on("name"));
    }
    if !text::has_letter(name) {
        return Err(Problem::new(Code::NameNoLetter));
    }
    if looks_like_url(name) {
        return Err(Problem::new(Code::NameLink));
    }
    Ok(text::clean_line(name))
}

/// The field `field` is longer than `max` characters.
pub(crate) fn too_long(field: &'static str, max: usize) -> Problem {
    Problem::new(Code::TooLong)
        .with("what", Param::Field(field))
        .with("max", Param::Number(max as u64))
}

/// What the visitor typed, shortened, to quote in a message.
pub(crate) fn quoted(input: &str) -> Param {
    Param::Text(input.trim().chars().take(10).collect())
}

/// Whether the text contains a web address: a scheme, `www.`, or a `domain.tld/` path.
fn looks_like_url(text: &str) -> bool {
    let lower = text.to_lowercase();
    if lower.contains("http://") || lower.contains("https://") || lower.contains("www.") {
        return true;
    }
    lower.split_whitespace().any(|word| {
        word.contains("://")
            || word.split_once('/').is_some_and(|(host, _)| {
                host.rsplit_once('.').is_some_and(|(before, tld)| {
                    !before.is_empty()
                        && tld.len() >= 2
                        && tld.chars().all(|c| c.is_alphabetic() || c == '-')
                })
            })
    })
}

/// Checks a country code against the list; returns it upper case.
pub(crate) fn check_country(input: &str, countries: &[Country]) -> Result<String, Problem> {
    let code = input.trim().to_ascii_uppercase();
    if code.is_empty() {
        return Err(Problem::new(Code::CountryMissing));
    }
    if countries.iter().any(|c| c.code.eq_ignore_ascii_case(&code)) {
        Ok(code)
    } else {
        Err(Problem::new(Code::CountryUnknown).with("value", quoted(input)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn countries() -> Vec<Country> {
        ["FR", "US", "CN"]
            .into_iter()
            .map(|c| Country {
                code: c.into(),
                name: c.into(),
            })
            .collect()
    }

    fn good() -> RawSubmission {
        RawSubmission {
            name: Some("  Ada Lovelace ".into()),
            email: Some("ada@example.org".into()),
            country: Some("fr".into()),
            consent: Some("on".into()),
            updates: None,
            website: None,
        }
    }

    fn errors(raw: &RawSubmission) -> Vec<&'static str> {
        match raw.validate(&countries()) {
            Verdict::Invalid(errs) => errs.iter().map(|e| e.field).collect(),
            other => panic!("expected errors, got {other:?}"),
        }
    }

    #[test]
    fn valid_submission_is_normalised() {
        let Verdict::Valid(sig) = good().validate(&countries()) else {
            panic!("valid");
        };
        assert_eq!(sig.name, "Ada Lovelace");
        assert_eq!(sig.country, "FR");
        assert!(!sig.updates);
        assert_eq!(sig.email.display, "ada@example.org");
    }

    #[test]
    fn consent_and_updates_accept_checkbox_values() {
        for yes in ["true", "on", "1", "yes", "TRUE", " Yes "] {
            let raw = RawSubmission {
                consent: Some(yes.into()),
                updates: Some(yes.into()),
                ..good()
            };
            let Verdict::Valid(sig) = raw.validate(&countries()) else {
                panic!("{yes} is consent");
            };
            assert!(sig.updates);
        }
        for no in [
            None,
            Some(""),
            Some("false"),
            Some("off"),
            Some("0"),
            Some("no"),
        ] {
            let raw = RawSubmission {
                consent: no.map(Into::into),
                ..good()
            };
            assert_eq!(errors(&raw), ["consent"]);
        }
        let raw = RawSubmission {
            consent: Some("maybe".into()),
            updates: Some("perhaps".into()),
            ..good()
        };
        assert_eq!(errors(&raw), ["consent", "updates"]);
    }

    #[test]
    fn name_rules() {
        assert!(check_name("Zoë O'Brien-Smith").is_ok());
        assert!(check_name("J.R.R. Tolkien").is_ok());
        assert!(check_name("李小龙").is_ok());
        assert!(check_name(&"a".repeat(100)).is_ok());
        assert!(check_name(&format!("  {}  ", "é".repeat(100))).is_ok());
        assert!(check_name(&"a".repeat(101)).is_err());
        assert!(check_name("   ").is_err());
        assert!(check_name("Ada\u{0007}").is_err());
        assert!(check_name("Ada\nLovelace").is_err());
        assert!(check_name("Ada \u{202E}ecalevoL").is_err());
        for url in [
            "http://spam.example",
            "Visit HTTPS://spam.example now",
            "www.spam.example",
            "cheap pills example.com/buy",
            "ftp://x",
        ] {
            assert!(check_name(url).is_err(), "{url} is a link");
        }
        // Slashes and dots alone are fine.
        assert!(check_name("Anne-Marie / Jean").is_ok());
    }

    #[test]
    fn every_field_is_reported_in_form_order() {
        let raw = RawSubmission::default();
        assert_eq!(errors(&raw), ["name", "email", "country", "consent"]);
        let raw = RawSubmission {
            email: Some("nope".into()),
            country: Some("XX".into()),
            ..good()
        };
        assert_eq!(errors(&raw), ["email", "country"]);
    }

    #[test]
    fn messages_say_how_to_fix() {
        let Verdict::Invalid(errs) = RawSubmission::default().validate(&countries()) else {
            panic!("invalid");
        };
        let words = crate::words::Words::ENGLISH;
        let email = errs.iter().find(|e| e.field == "email");
        assert_eq!(
            email.map(|e| (e.code.as_str(), e.message(&words))),
            Some((
                "email_empty",
                "Enter your email address in the form name@example.org.".to_owned()
            ))
        );
        let country = check_country("zz", &countries())
            .expect_err("unknown")
            .message(&words);
        assert_eq!(
            country,
            "Choose your country from the list: “zz” is not one of its codes."
        );
        assert_eq!(
            check_name(&"a".repeat(101)).map_err(|p| p.message(&words)),
            Err(
                "Your name is longer than 100 characters: shorten it to 100 characters or fewer."
                    .to_owned()
            )
        );
    }

    #[test]
    fn country_is_case_insensitive_and_upper_cased() {
        assert_eq!(check_country(" us ", &countries()), Ok("US".into()));
        assert!(check_country("", &countries()).is_err());
        assert!(check_country("USA", &countries()).is_err());
    }

    #[test]
    fn honeypot_wins_over_everything() {
        let raw = RawSubmission {
            website: Some("http://spam.example".into()),
            ..RawSubmission::default()
        };
        assert_eq!(raw.validate(&countries()), Verdict::Bot);
        let raw = RawSubmission {
            website: Some("   ".into()),
            ..good()
        };
        assert!(matches!(raw.validate(&countries()), Verdict::Valid(_)));
    }
}
