//! Email addresses: a syntax check for the signature form, and the normal form used to
//! recognise the same person signing twice.
//!
//! The check accepts what people really type (dot-atom local parts, internationalised domains
//! such as `bücher.example`) and rejects what cannot be delivered. Quoted local parts
//! (`"john doe"@example.org`) and address literals (`user@[192.0.2.1]`) are refused: no one signs
//! petitions with them, and bots do.

use unicode_normalization::UnicodeNormalization as _;

use super::problem::{Code, Param, Problem};

/// Longest address accepted, in characters of its ASCII (IDNA) form (RFC 5321 path limit).
pub(crate) const MAX_EMAIL_LEN: usize = 254;
/// Longest local part (RFC 5321).
const MAX_LOCAL_LEN: usize = 64;
/// Longest domain in its ASCII form.
const MAX_DOMAIN_LEN: usize = 253;
/// Longest domain label.
const MAX_LABEL_LEN: usize = 63;

/// Why an address was refused. Each kind's message (`error_email_*` in the theme's strings)
/// says what is wrong and how to fix it; shown to the operator in the default theme's English.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmailError {
    /// Nothing was entered.
    Empty,
    /// Longer than `MAX_EMAIL_LEN`.
    TooLong,
    /// No `@`, or more than one.
    At,
    /// The part before `@` is empty, too long or has characters addresses cannot have.
    Local,
    /// The part after `@` is not a domain name.
    Domain,
}

impl EmailError {
    /// What is wrong, as a code and the values its message names.
    pub(crate) fn problem(self) -> Problem {
        match self {
            Self::Empty => Problem::new(Code::EmailEmpty),
            Self::TooLong => {
                Problem::new(Code::EmailTooLong).with("max", Param::Number(MAX_EMAIL_LEN as u64))
            }
            Self::At => Problem::new(Code::EmailAt),
            Self::Local => Problem::new(Code::EmailLocal),
            Self::Domain => Problem::new(Code::EmailDomain),
        }
    }
}

impl std::fmt::Display for EmailError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.problem().message(&crate::words::Words::ENGLISH))
    }
}

impl std::error::Error for EmailError {}

/// An address that passed the syntax check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedEmail {
    /// The address as typed, trimmed (what the person will recognise).
    pub display: String,
    /// The local part as typed.
    pub local: String,
    /// The domain in its ASCII (punycode, lower-case) form.
    pub ascii_domain: String,
}

/// Checks the syntax of an address.
pub fn check_email(input: &str) -> Result<CheckedEmail, EmailError> {
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return Err(EmailError::Empty);
    }
    if trimmed.chars().count() > MAX_EMAIL_LEN {
        return Err(EmailError::TooLong);
    }
    let mut parts = trimmed.split('@');
    let (Some(local), Some(domain), None) = (parts.next(), parts.next(), parts.next()) else {
        return Err(EmailError::At);
    };
    check_local(local)?;
    let ascii_domain = domain_to_ascii(domain)?;
    if local.len() + 1 + ascii_domain.len() > MAX_EMAIL_LEN {
        return Err(EmailError::TooLong);
    }
    Ok(CheckedEmail {
        display: trimmed.to_owned(),
        local: local.to_owned(),
        ascii_domain,
    })
}

/// RFC 5322 dot-atom, extended to non-ASCII letters and digits as RFC 6531 allows.
fn check_local(local: &str) -> Result<(), EmailError> {
    if local.is_empty() || local.len() > MAX_LOCAL_LEN {
        return Err(EmailError::Local);
    }
    if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
        return Err(EmailError::Local);
    }
    let atext = |c: char| {
        c.is_ascii_alphanumeric()
            || "!#$%&'*+/=?^_`{|}~-.".contains(c)
            || (!c.is_ascii() && c.is_alphanumeric())
    };
    if local.chars().all(atext) {
        Ok(())
    } else {
        Err(EmailError::Local)
    }
}

/// Converts a domain to its ASCII form with IDNA (UTS #46) and checks it is a host name with
/// at least two labels.
fn domain_to_ascii(domain: &str) -> Result<String, EmailError> {
    if domain.is_empty() || domain.starts_with('[') {
        return Err(EmailError::Domain);
    }
    let ascii = idna::domain_to_ascii(domain).map_err(|_| EmailError::Domain)?;
    if ascii.is_empty() || ascii.len() > MAX_DOMAIN_LEN {
        return Err(EmailError::Domain);
    }
    let labels: Vec<&str> = ascii.split('.').collect();
    if labels.len() < 2 {
        return Err(EmailError::Domain);
    }
    for label in &labels {
        let ok = !label.is_empty()
            && label.len() <= MAX_LABEL_LEN
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !ok {
            return Err(EmailError::Domain);
        }
    }
    // A top-level domain is never all digits: refuses `user@192.168.0.1`.
    if labels
        .last()
        .is_some_and(|tld| tld.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(EmailError::Domain);
    }
    Ok(ascii)
}

/// The normal form of an address, used only to recognise the same person signing twice (it is
/// hashed, never stored or shown).
///
/// - surrounding spaces are dropped, and the domain is converted to ASCII (IDNA) lower case;
/// - the local part is put in NFKC form: fullwidth `ｊａｎｅ` and the ligature `ﬁ` are the
///   letters `jane` and `fi`, which every provider's mailbox names are typed in;
/// - the local part is lower-cased too: RFC 5321 lets a server treat `John` and `john` as two
///   mailboxes, but practically every provider delivers both to the same person, and a
///   petition must not count one person twice because of a capital letter;
/// - a `+tag` suffix is dropped (`name+petition@…` reaches `name@…` at every major provider);
/// - at Gmail, dots in the local part are ignored and `googlemail.com` is `gmail.com`.
///
/// Returns an error when the address does not pass [`check_email`].
pub fn normalise_email(input: &str) -> Result<String, EmailError> {
    let checked = check_email(input)?;
    Ok(normalise_checked(&checked))
}

/// [`normalise_email`] for an address already checked.
pub(crate) fn normalise_checked(email: &CheckedEmail) -> String {
    let mut local = email.local.nfkc().collect::<String>().to_lowercase();
    if let Some(plus) = local.find('+') {
        // Keep the address usable when it *starts* with `+` (then it has no tag to drop).
        if plus > 0 {
            local.truncate(plus);
        }
    }
    let mut domain = email.ascii_domain.as_str();
    if domain == "googlemail.com" {
        domain = "gmail.com";
    }
    if domain == "gmail.com" {
        local.retain(|c| c != '.');
    }
    format!("{local}@{domain}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_ordinary_addresses() {
        for ok in [
            "name@example.org",
            "  first.last@example.co.uk ",
            "a+tag@sub.example.com",
            "o'brien@example.ie",
            "x@a.io",
            "user_name-1@xn--bcher-kva.example",
        ] {
            assert!(check_email(ok).is_ok(), "{ok} should be accepted");
        }
    }

    #[test]
    fn accepts_internationalised_domains() {
        let checked = check_email("anna@bücher.example").expect("IDN accepted");
        assert_eq!(checked.ascii_domain, "xn--bcher-kva.example");
        assert_eq!(checked.display, "anna@bücher.example");
        let checked = check_email("li@例子.测试").expect("IDN accepted");
        assert!(checked.ascii_domain.starts_with("xn--"));
        // Upper case IDN domains are mapped to lower case.
        assert_eq!(
            check_email("a@BÜCHER.Example").map(|c| c.ascii_domain),
            Ok("xn--bcher-kva.example".into())
        );
    }

    #[test]
    fn refuses_each_broken_part() {
        assert_eq!(check_email("   "), Err(EmailError::Empty));
        assert_eq!(check_email("name.example.org"), Err(EmailError::At));
        assert_eq!(check_email("a@b@example.org"), Err(EmailError::At));
        assert_eq!(check_email("@example.org"), Err(EmailError::Local));
        assert_eq!(check_email(".a@example.org"), Err(EmailError::Local));
        assert_eq!(check_email("a.@example.org"), Err(EmailError::Local));
        assert_eq!(check_email("a..b@example.org"), Err(EmailError::Local));
        assert_eq!(check_email("a b@example.org"), Err(EmailError::Local));
        assert_eq!(check_email("\"ab\"@example.org"), Err(EmailError::Local));
        assert_eq!(
            check_email(&format!("{}@example.org", "a".repeat(65))),
            Err(EmailError::Local)
        );
        assert_eq!(check_email("a@"), Err(EmailError::Domain));
        assert_eq!(check_email("a@localhost"), Err(EmailError::Domain));
        assert_eq!(check_email("a@-example.org"), Err(EmailError::Domain));
        assert_eq!(check_email("a@example-.org"), Err(EmailError::Domain));
        assert_eq!(check_email("a@exa mple.org"), Err(EmailError::Domain));
        assert_eq!(check_email("a@example..org"), Err(EmailError::Domain));
        assert_eq!(check_email("a@192.168.0.1"), Err(EmailError::Domain));
        assert_eq!(check_email("a@[192.168.0.1]"), Err(EmailError::Domain));
        assert_eq!(check_email("a@exam_ple.org"), Err(EmailError::Domain));
        let long_label = format!("a@{}.org", "b".repeat(64));
        assert_eq!(check_email(&long_label), Err(EmailError::Domain));
    }

    #[test]
    fn refuses_too_long_addresses() {
        let long = format!("{}@{}.org", "a".repeat(60), "b.".repeat(100));
        assert_eq!(check_email(&long), Err(EmailError::TooLong));
        let labels = vec!["c".repeat(60); 4].join(".");
        let just_over = format!("{}@{labels}.org", "a".repeat(9));
        assert!(just_over.len() > MAX_EMAIL_LEN);
        assert_eq!(check_email(&just_over), Err(EmailError::TooLong));
    }

    #[test]
    fn messages_say_how_to_fix() {
        assert!(EmailError::Empty.to_string().contains("name@example.org"));
        assert!(EmailError::At.to_string().contains('@'));
    }

    #[test]
    fn normalises_for_matching() {
        let n = |s: &str| normalise_email(s).expect("valid");
        assert_eq!(n("  Jane.Doe@Example.ORG "), "jane.doe@example.org");
        assert_eq!(n("jane+petitions@example.org"), "jane@example.org");
        assert_eq!(n("j.a.n.e+x@gmail.com"), "jane@gmail.com");
        assert_eq!(n("J.A.N.E@GoogleMail.com"), "jane@gmail.com");
        assert_eq!(n("jane@googlemail.com"), n("jane@gmail.com"));
        // Dots matter elsewhere.
        assert_eq!(n("j.ane@example.org"), "j.ane@example.org");
        assert_eq!(n("anna@BÜCHER.example"), "anna@xn--bcher-kva.example");
        assert_eq!(n("anna@bücher.example"), n("ANNA@xn--bcher-kva.example"));
        // Compatibility forms are the letters they stand for (the domain is mapped by IDNA).
        assert_eq!(n("ｊａｎｅ@ｅｘａｍｐｌｅ.org"), "jane@example.org");
        assert_eq!(n("Ｊ.ＡＮＥ+ｘ@gmail.com"), "jane@gmail.com");
        assert_eq!(n("ﬁona@example.org"), "fiona@example.org");
        // A leading + is not a tag.
        assert_eq!(n("+x@example.org"), "+x@example.org");
        assert!(normalise_email("nope").is_err());
    }

    /// Found by `the_normal_form_is_stable`: the normal form is a key to hash, not always an
    /// address, and still the same for every way of writing the address.
    #[test]
    fn a_dropped_tag_may_leave_a_trailing_dot() {
        assert_eq!(normalise_email("0.+a@a0.org"), Ok("0.@a0.org".into()));
        assert_eq!(normalise_email("0.+b@A0.org"), Ok("0.@a0.org".into()));
        assert!(normalise_email("0.@a0.org").is_err());
    }

    proptest::proptest! {
        #[test]
        fn any_text_is_checked_without_panicking(text in "\\PC{0,80}") {
            let _ = normalise_email(&text);
        }

        /// The normal form is stable, ignores case and compatibility forms, and is accepted as
        /// an address itself.
        #[test]
        fn the_normal_form_is_stable(local in "[a-z0-9][a-z0-9._+-]{0,20}[a-z0-9]", domain in "[a-z][a-z0-9-]{0,10}[a-z0-9]\\.(org|com|fr|xn--fiqs8s)") {
            proptest::prop_assume!(!local.contains(".."));
            let address = format!("{local}@{domain}");
            let normal = normalise_email(&address).expect("a valid address");
            // Dropping a tag can leave a form that is not an address itself ("0.+a" gives
            // "0."): it is only hashed, never mailed (`a_dropped_tag_may_leave_a_trailing_dot`).
            if let Ok(again) = normalise_email(&normal) {
                proptest::prop_assert_eq!(&again, &normal);
            }
            proptest::prop_assert_eq!(&normalise_email(&address.to_uppercase()).expect("valid"), &normal);
            // The same letters and digits typed in fullwidth forms (U+FF01..U+FF5E).
            let fullwidth: String = local
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() {
                    char::from_u32(u32::from(c) - 0x21 + 0xFF01).unwrap_or(c)
                } else {
                    c
                })
                .collect();
            let wide = format!("{fullwidth}@{domain}");
            proptest::prop_assert_eq!(&normalise_email(&wide).expect("valid"), &normal);
        }
    }
}
