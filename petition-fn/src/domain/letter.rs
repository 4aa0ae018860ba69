//! Validation of a letter to senators (`POST /api/letters`): pure functions, no I/O.
//!
//! The name, email and consent follow the signature's rules (the same functions, with wording
//! about a letter rather than a petition). The address must be in one of the 50 states, since
//! only they elect senators, and the ZIP code must belong to the state chosen.

use serde::{Deserialize, Serialize};

use super::email::{CheckedEmail, check_email};
use super::problem::{Code, FieldError, Param, Problem};
use super::text;
use super::validate::{check_name, parse_bool, quoted, too_long};
use contract::bundle::UsState;

/// Longest street address accepted, in characters after trimming.
pub(crate) const MAX_STREET_CHARS: usize = 200;
/// Longest city accepted, in characters after trimming.
pub(crate) const MAX_CITY_CHARS: usize = 100;
/// Longest letter accepted, in characters after trimming.
pub(crate) const MAX_MESSAGE_CHARS: usize = 5_000;

/// A letter as received, every field as text (absent fields are `None`).
///
/// Both the form and the JSON body are reduced to this shape before validation.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RawLetter {
    /// The writer's name.
    pub name: Option<String>,
    /// The writer's email address.
    pub email: Option<String>,
    /// Street address (house number and street).
    pub street: Option<String>,
    /// City.
    pub city: Option<String>,
    /// USPS state code.
    pub state: Option<String>,
    /// ZIP code (5 digits or ZIP+4).
    pub zip: Option<String>,
    /// The letter's text.
    pub message: Option<String>,
    /// Agreement to the use of the data (`true`, `on`, `1` or `yes`).
    pub consent: Option<String>,
    /// Whether the writer asks for the campaign's updates by email (optional).
    pub updates: Option<String>,
    /// The honeypot: people never see it, so it must stay empty.
    pub website: Option<String>,
}

/// A letter that passed every rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Letter {
    /// The name, trimmed.
    pub name: String,
    /// The checked email address.
    pub email: CheckedEmail,
    /// The street address, trimmed.
    pub street: String,
    /// The city, trimmed.
    pub city: String,
    /// The USPS state code, upper case; always one of the 50 states.
    pub state: String,
    /// The ZIP code as given (`94103` or `94103-1234`).
    pub zip: String,
    /// The letter, trimmed, with line ends as `\n`.
    pub message: String,
    /// Whether the writer asks for the campaign's updates by email.
    pub updates: bool,
}

/// What to do with a letter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LetterVerdict {
    /// Valid: record it and answer with the state's senators.
    Valid(Letter),
    /// Invalid: show these errors, in the order of the form's fields.
    Invalid(Vec<FieldError>),
    /// Valid, but the honeypot is filled in: answer as if it succeeded and store nothing.
    Bot(Letter),
}

/// The personal fields of a letter, sealed together as one encrypted JSON value in the store
/// (one nonce and tag for all of them keeps the stored item small).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LetterPrivate {
    /// The name.
    pub name: String,
    /// The email address as typed.
    pub email: String,
    /// Street address.
    pub street: String,
    /// City.
    pub city: String,
    /// ZIP code.
    pub zip: String,
    /// The letter's text; absent when it is the campaign's suggested letter unchanged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

impl RawLetter {
    /// Whether the honeypot field was filled in.
    pub fn is_bot(&self) -> bool {
        self.website
            .as_deref()
            .is_some_and(|w| !w.trim().is_empty())
    }

    /// Applies every rule. `states` is the list the form offers (states, DC, territories).
    ///
    /// Unlike a signature, a letter is checked before the honeypot: the answer to a valid
    /// letter is the page a person needs (their senators), so a filled-in honeypot still gets
    /// it ([`LetterVerdict::Bot`]); only the storing is skipped.
    pub fn validate(&self, states: &[UsState]) -> LetterVerdict {
        let mut errors = Vec::new();
        let text = |v: &Option<String>| v.as_deref().unwrap_or("").to_owned();
        let name = match text(&self.name) {
            n if n.trim().is_empty() => {
                errors.push(FieldError::new("name", Code::LetterNameMissing));
                None
            }
            n => check_name(&n).map_err(|p| errors.push(p.on("name"))).ok(),
        };
        let email = check_email(&text(&self.email))
            .map_err(|e| errors.push(e.problem().on("email")))
            .ok();
        let street = check_street(&text(&self.street))
            .map_err(|p| errors.push(p.on("street")))
            .ok();
        let city = check_city(&text(&self.city))
            .map_err(|p| errors.push(p.on("city")))
            .ok();
        let state = check_state(&text(&self.state), states)
            .map_err(|p| errors.push(p.on("state")))
            .ok();
        let zip = check_zip(&text(&self.zip), state)
            .map_err(|p| errors.push(p.on("zip")))
            .ok();
        let message = check_message(&text(&self.message))
            .map_err(|p| errors.push(p.on("message")))
            .ok();
        if parse_bool(self.consent.as_deref()) != Some(true) {
            errors.push(FieldError::new("consent", Code::LetterConsentMissing));
        }
        match (name, email, street, city, state, zip, message) {
            (
                Some(name),
                Some(email),
                Some(street),
                Some(city),
                Some(state),
                Some(zip),
                Some(message),
            ) if errors.is_empty() => {
                let letter = Letter {
                    name,
                    email,
                    street,
                    city,
                    state: state.code.clone(),
                    zip,
                    message,
                    updates: parse_bool(self.updates.as_deref()) == Some(true),
                };
                if self.is_bot() {
                    LetterVerdict::Bot(letter)
                } else {
                    LetterVerdict::Valid(letter)
                }
            }
            _ => LetterVerdict::Invalid(errors),
        }
    }
}

/// A one-line address field: `1..=max` characters, none of them unwanted ([`text::unwanted`]),
/// in its stored form.
fn check_line(
    input: &str,
    max: usize,
    field: &'static str,
    empty: Code,
) -> Result<String, Problem> {
    let value = input.trim();
    if value.is_empty() {
        return Err(Problem::new(empty));
    }
    if value.chars().count() > max {
        return Err(too_long(field, max));
    }
    if let Some(kind) = text::unwanted(value, false) {
        return Err(kind.on(field));
    }
    Ok(text::clean_line(value))
}

/// Checks a street address; returns it trimmed, or what is wrong.
pub(crate) fn check_street(input: &str) -> Result<String, Problem> {
    check_line(input, MAX_STREET_CHARS, "street", Code::StreetMissing)
}

/// Checks a city; returns it trimmed, or what is wrong.
pub(crate) fn check_city(input: &str) -> Result<String, Problem> {
    check_line(input, MAX_CITY_CHARS, "city", Code::CityMissing)
}

/// Checks a state code against the list; returns the state, which elects senators, or what
/// is wrong (DC and the territories are named plainly).
pub(crate) fn check_state<'a>(input: &str, states: &'a [UsState]) -> Result<&'a UsState, Problem> {
    let code = input.trim().to_ascii_uppercase();
    if code.is_empty() {
        return Err(Problem::new(Code::StateMissing));
    }
    let Some(state) = states.iter().find(|s| s.code.eq_ignore_ascii_case(&code)) else {
        return Err(Problem::new(Code::StateUnknown).with("value", quoted(input)));
    };
    if state.senators {
        return Ok(state);
    }
    let name = || Param::Text(state.name.clone());
    Err(match state.code.as_str() {
        "DC" => Problem::new(Code::StateDc),
        "AA" | "AE" | "AP" => Problem::new(Code::StateMilitary)
            .with("state", name())
            .with("code", Param::Text(state.code.clone())),
        _ => Problem::new(Code::StateTerritory).with("state", name()),
    })
}

/// Checks a ZIP code (5 digits or ZIP+4) and, when the state is known, that it belongs to it.
pub(crate) fn check_zip(input: &str, state: Option<&UsState>) -> Result<String, Problem> {
    let zip = input.trim();
    if zip.is_empty() {
        return Err(Problem::new(Code::ZipMissing));
    }
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    let well_formed = match zip.split_once('-') {
        None => digits(zip, 5),
        Some((five, four)) => digits(five, 5) && digits(four, 4),
    };
    if !well_formed {
        return Err(Problem::new(Code::ZipFormat));
    }
    if let Some(state) = state
        && !state.has_zip(&zip[..5])
    {
        return Err(Problem::new(Code::ZipNotInState)
            .with("zip", Param::Text(zip[..5].to_owned()))
            .with("state", Param::Text(state.name.clone())));
    }
    Ok(zip.to_owned())
}

/// Line ends as `\n`, surrounding blank space removed: the form of a letter that is stored,
/// hashed and compared with the suggested letter.
pub(crate) fn normalise_message(input: &str) -> String {
    input
        .replace("\r\n", "\n")
        .replace('\r', "\n")
        .trim()
        .to_owned()
}

/// Checks the letter's text; returns it normalised ([`normalise_message`]).
pub(crate) fn check_message(input: &str) -> Result<String, Problem> {
    let message = normalise_message(input);
    if message.is_empty() {
        return Err(Problem::new(Code::MessageMissing));
    }
    let count = message.chars().count();
    if count > MAX_MESSAGE_CHARS {
        let number = |n: usize| Param::Number(n as u64);
        return Err(Problem::new(Code::MessageTooLong)
            .with("count", number(count))
            .with("max", number(MAX_MESSAGE_CHARS))
            .with(
                "over",
                Param::Count {
                    n: (count - MAX_MESSAGE_CHARS) as u64,
                    one: "error_characters_one",
                    other: "error_characters_other",
                },
            ));
    }
    if let Some(kind) = text::unwanted(&message, true) {
        return Err(kind.on("message"));
    }
    Ok(message)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(code: &str, name: &str, senators: bool, zip3: &[(&str, &str)]) -> UsState {
        UsState {
            code: code.into(),
            name: name.into(),
            senators,
            zip3: zip3
                .iter()
                .map(|(a, b)| [(*a).to_owned(), (*b).to_owned()])
                .collect(),
        }
    }

    fn states() -> Vec<UsState> {
        vec![
            state("CA", "California", true, &[("900", "961")]),
            state(
                "NY",
                "New York",
                true,
                &[("005", "005"), ("063", "063"), ("100", "149")],
            ),
            state("DC", "District of Columbia", false, &[("200", "205")]),
            state("PR", "Puerto Rico", false, &[("006", "009")]),
            state("AE", "Armed Forces Europe", false, &[("090", "098")]),
        ]
    }

    fn good() -> RawLetter {
        RawLetter {
            name: Some(" Ada Lovelace ".into()),
            email: Some("ada@example.org".into()),
            street: Some(" 1 Main Street ".into()),
            city: Some("San Francisco".into()),
            state: Some("ca".into()),
            zip: Some("94103".into()),
            message: Some("\r\nDear Senator,\r\n\r\nPlease act.\r\n".into()),
            consent: Some("true".into()),
            updates: None,
            website: None,
        }
    }

    fn fields(raw: &RawLetter) -> Vec<&'static str> {
        match raw.validate(&states()) {
            LetterVerdict::Invalid(errs) => errs.iter().map(|e| e.field).collect(),
            other => panic!("expected errors, got {other:?}"),
        }
    }

    fn english(problem: Problem) -> String {
        problem.message(&crate::words::Words::ENGLISH)
    }

    fn message_of(raw: &RawLetter, field: &str) -> String {
        match raw.validate(&states()) {
            LetterVerdict::Invalid(errs) => errs
                .into_iter()
                .find(|e| e.field == field)
                .map(|e| e.message(&crate::words::Words::ENGLISH))
                .unwrap_or_else(|| panic!("no error for {field}")),
            other => panic!("expected errors, got {other:?}"),
        }
    }

    #[test]
    fn valid_letter_is_normalised() {
        let LetterVerdict::Valid(letter) = good().validate(&states()) else {
            panic!("valid");
        };
        assert_eq!(letter.name, "Ada Lovelace");
        assert_eq!(letter.street, "1 Main Street");
        assert_eq!(letter.state, "CA");
        assert_eq!(letter.zip, "94103");
        assert_eq!(letter.message, "Dear Senator,\n\nPlease act.");
    }

    #[test]
    fn every_field_is_reported_in_form_order() {
        assert_eq!(
            fields(&RawLetter::default()),
            [
                "name", "email", "street", "city", "state", "zip", "message", "consent"
            ]
        );
    }

    #[test]
    fn name_email_and_consent_follow_the_signature_rules() {
        let raw = RawLetter {
            name: Some("Visit http://spam.example".into()),
            email: Some("ada@".into()),
            consent: Some("maybe".into()),
            ..good()
        };
        assert_eq!(fields(&raw), ["name", "email", "consent"]);
        assert!(message_of(&RawLetter::default(), "name").contains("letter"));
        assert_eq!(
            message_of(&RawLetter::default(), "email"),
            "Enter your email address in the form name@example.org."
        );
        for yes in ["on", "1", "yes", "TRUE"] {
            let raw = RawLetter {
                consent: Some(yes.into()),
                ..good()
            };
            assert!(matches!(raw.validate(&states()), LetterVerdict::Valid(_)));
        }
    }

    #[test]
    fn address_lines_have_limits() {
        assert!(check_street(&"a".repeat(200)).is_ok());
        assert!(check_street(&"a".repeat(201)).is_err());
        assert!(check_street("  ").is_err());
        assert!(check_street("1 Main\nStreet").is_err());
        assert!(check_city(&"é".repeat(100)).is_ok());
        assert!(check_city(&"é".repeat(101)).is_err());
        assert!(check_city("Bad\u{0}City").is_err());
        assert_eq!(check_city(" Oakland "), Ok("Oakland".into()));
    }

    #[test]
    fn places_without_senators_are_named_plainly() {
        let dc = english(check_state("dc", &states()).expect_err("DC has no senators"));
        assert!(
            dc.starts_with("Washington, D.C. has no senators in the U.S. Senate"),
            "{dc}"
        );
        let pr = english(check_state("PR", &states()).expect_err("no senators"));
        assert!(pr.starts_with("Puerto Rico has no senators"), "{pr}");
        let ae = english(check_state("AE", &states()).expect_err("no senators"));
        assert!(ae.contains("military mail"), "{ae}");
        let xx = english(check_state("XX", &states()).expect_err("unknown"));
        assert!(xx.contains("XX"), "{xx}");
        assert!(check_state("", &states()).is_err());
        assert_eq!(
            check_state(" ny ", &states()).map(|s| s.code.as_str()),
            Ok("NY")
        );
        // DC with a DC ZIP: only the state is in error, plainly.
        let raw = RawLetter {
            state: Some("DC".into()),
            zip: Some("20001".into()),
            ..good()
        };
        assert_eq!(fields(&raw), ["state"]);
    }

    #[test]
    fn zip_is_five_digits_or_zip4_and_in_the_state() {
        let ca = &states()[0];
        assert_eq!(check_zip("94103", Some(ca)), Ok("94103".into()));
        assert_eq!(check_zip(" 94103-1234 ", Some(ca)), Ok("94103-1234".into()));
        for bad in [
            "9410",
            "941033",
            "94103-12",
            "94103 1234",
            "9410a",
            "94103-",
            "-1234",
            "９４１０３",
        ] {
            let err = english(check_zip(bad, Some(ca)).expect_err(bad));
            assert!(err.contains("5 digits"), "{bad}: {err}");
        }
        let err = english(check_zip("10001", Some(ca)).expect_err("New York ZIP"));
        assert_eq!(
            err,
            "The ZIP code 10001 is not in California: check your ZIP code and the state you chose."
        );
        // Without a valid state only the format is checked.
        assert!(check_zip("10001", None).is_ok());
        let raw = RawLetter {
            zip: Some("10001".into()),
            ..good()
        };
        assert_eq!(fields(&raw), ["zip"]);
        // A prefix shared on purpose (063: Connecticut and Fishers Island, NY).
        let ny = &states()[1];
        assert!(check_zip("06390", Some(ny)).is_ok());
    }

    #[test]
    fn letter_length_and_characters() {
        assert!(check_message(&"a".repeat(5_000)).is_ok());
        let long = english(check_message(&"a".repeat(5_003)).expect_err("too long"));
        assert_eq!(
            long,
            "Your letter has 5,003 characters, more than the 5,000 this form accepts: shorten it by 3 characters."
        );
        let one = english(check_message(&"a".repeat(5_001)).expect_err("too long"));
        assert!(one.ends_with("shorten it by 1 character."), "{one}");
        assert!(check_message(" \r\n ").is_err());
        assert!(check_message("Dear Senator,\n\tThank you.").is_ok());
        assert!(check_message("Dear\u{7}Senator").is_err());
        assert!(check_message("Dear \u{202E}Senator").is_err());
        assert_eq!(normalise_message("a\r\nb\rc\n"), "a\nb\nc");
    }

    #[test]
    fn honeypot_keeps_the_answer_but_not_the_letter() {
        let raw = RawLetter {
            website: Some("http://spam.example".into()),
            ..good()
        };
        assert!(matches!(raw.validate(&states()), LetterVerdict::Bot(_)));
        let raw = RawLetter {
            website: Some("x".into()),
            ..RawLetter::default()
        };
        assert!(matches!(raw.validate(&states()), LetterVerdict::Invalid(_)));
        let raw = RawLetter {
            website: Some("  ".into()),
            ..good()
        };
        assert!(matches!(raw.validate(&states()), LetterVerdict::Valid(_)));
    }

    #[test]
    fn private_fields_leave_out_the_suggested_letter() {
        let p = LetterPrivate {
            name: "A".into(),
            email: "a@example.org".into(),
            street: "1 Main St".into(),
            city: "X".into(),
            zip: "94103".into(),
            message: None,
        };
        let json = serde_json::to_string(&p).expect("serialises");
        assert!(!json.contains("message"), "{json}");
        let back: LetterPrivate = serde_json::from_str(&json).expect("parses");
        assert_eq!(back, p);
    }

    proptest::proptest! {
        /// Without a state, exactly 5 digits or ZIP+4 pass (spaces around allowed), as typed.
        #[test]
        fn zip_codes_are_five_digits_or_zip_plus_four(text in "\\PC{0,12}|[0-9]{4,6}(-[0-9]{3,5})?") {
            let trimmed = text.trim();
            let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
            let well_formed = match trimmed.split_once('-') {
                None => digits(trimmed, 5),
                Some((five, four)) => digits(five, 5) && digits(four, 4),
            };
            proptest::prop_assert_eq!(check_zip(&text, None).is_ok(), well_formed, "{:?}", text);
            if let Ok(zip) = check_zip(&text, None) {
                proptest::prop_assert_eq!(zip, trimmed);
            }
        }
    }
}
