//! What is wrong with a field, as data: a code (the key of its message in the theme's strings)
//! and the values the message names. The words are chosen when answering, in the reader's
//! language (`crate::words`); nothing here is English.

use super::text::Unwanted;

/// Declares the codes once: the enum, its text (`name_missing`), the key of its message
/// (`error_name_missing`) and the list of all of them (tested against the strings).
macro_rules! codes {
    ($($(#[$doc:meta])* $variant:ident => $code:literal,)*) => {
        /// Why a field was refused. Its text is what scripts read (`errors[].code`); its
        /// message is the interface string `error_<code>`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub(crate) enum Code {
            $($(#[$doc])* $variant,)*
        }

        impl Code {
            /// Every code, for the test that each has its message in the default strings.
            #[cfg(test)]
            pub(crate) const ALL: &[Code] = &[$(Code::$variant,)*];

            /// The code as scripts read it.
            pub(crate) fn as_str(self) -> &'static str {
                match self {
                    $(Code::$variant => $code,)*
                }
            }

            /// The key of its message in the theme's strings.
            pub(crate) fn key(self) -> &'static str {
                match self {
                    $(Code::$variant => concat!("error_", $code),)*
                }
            }
        }
    };
}

codes! {
    /// No name on a signature.
    NameMissing => "name_missing",
    /// No name on a letter.
    LetterNameMissing => "letter_name_missing",
    /// A line over its length (`{what}`, `{max}`).
    TooLong => "too_long",
    /// A name without a letter of any script.
    NameNoLetter => "name_no_letter",
    /// A web address in a name.
    NameLink => "name_link",
    /// No email address.
    EmailEmpty => "email_empty",
    /// An address over `{max}` characters.
    EmailTooLong => "email_too_long",
    /// Not exactly one `@`.
    EmailAt => "email_at",
    /// The part before the `@`.
    EmailLocal => "email_local",
    /// The part after the `@`.
    EmailDomain => "email_domain",
    /// No country chosen.
    CountryMissing => "country_missing",
    /// A country code not in the list (`{value}`).
    CountryUnknown => "country_unknown",
    /// The signature's consent box not ticked.
    ConsentMissing => "consent_missing",
    /// The letter's consent box not ticked.
    LetterConsentMissing => "letter_consent_missing",
    /// An updates box with another value than a box sends.
    UpdatesInvalid => "updates_invalid",
    /// No street address.
    StreetMissing => "street_missing",
    /// No city.
    CityMissing => "city_missing",
    /// No state chosen.
    StateMissing => "state_missing",
    /// A state code not in the list (`{value}`).
    StateUnknown => "state_unknown",
    /// Washington, D.C., which has no senators.
    StateDc => "state_dc",
    /// A military mail "state" (`{state}`, `{code}`).
    StateMilitary => "state_military",
    /// A territory without senators (`{state}`).
    StateTerritory => "state_territory",
    /// No ZIP code.
    ZipMissing => "zip_missing",
    /// A ZIP code that is neither 5 digits nor ZIP+4.
    ZipFormat => "zip_format",
    /// A ZIP code of another state (`{zip}`, `{state}`).
    ZipNotInState => "zip_not_in_state",
    /// An empty letter.
    MessageMissing => "message_missing",
    /// A letter over its length (`{count}`, `{max}`, `{over}`).
    MessageTooLong => "message_too_long",
    /// A control character or line break (`{what}`).
    TextControl => "text_control",
    /// A bidirectional control (`{what}`).
    TextBidi => "text_bidi",
    /// Tag characters (`{what}`).
    TextTag => "text_tag",
    /// A line or paragraph separator (`{what}`).
    TextSeparator => "text_separator",
    /// An invisible format character (`{what}`).
    TextInvisible => "text_invisible",
    /// A code point of no script (`{what}`).
    TextNoCharacter => "text_no_character",
    /// U+FFFD (`{what}`).
    TextReplacement => "text_replacement",
    /// Too many combining marks (`{what}`, `{max}`).
    TextMarks => "text_marks",
    /// A form field that did not arrive as UTF-8 (`{what}`).
    NotUtf8 => "not_utf8",
    /// A JSON field sent as a list or an object (`{field}`).
    NotText => "not_text",
    /// An outcome's kind not among the kinds (`{kinds}`).
    KindUnknown => "kind_unknown",
    /// An outcome's state that has no senators.
    ActionStateUnknown => "action_state_unknown",
    /// An outcome's senator not of the state (`{state}`, `{senators}`).
    SenatorUnknown => "senator_unknown",
}

/// A value a message names, put into words in the reader's language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Param {
    /// Shown as it is: what the visitor typed, a name from the site's data.
    Text(String),
    /// A number, grouped the language's way (`5,000`).
    Number(u64),
    /// A field named in a sentence about it: the string `error_what_<field>` ("street
    /// address"), or the field's own name when the strings have none.
    Field(&'static str),
    /// `n` of something: the string `one` when `n` is 1, else `other`, with `{n}` filled in.
    Count {
        /// How many.
        n: u64,
        /// The key for one (`error_characters_one`).
        one: &'static str,
        /// The key for any other number.
        other: &'static str,
    },
    /// Alternatives, joined by the string `list_or`.
    OneOf(Vec<String>),
}

/// The values a message names, by placeholder.
pub(crate) type Params = Vec<(&'static str, Param)>;

/// What is wrong with a value, before it is known which field it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Problem {
    /// Why.
    pub(crate) code: Code,
    /// The values its message names.
    pub(crate) params: Params,
}

impl Problem {
    /// A problem whose message names nothing.
    pub(crate) fn new(code: Code) -> Self {
        Self {
            code,
            params: Vec::new(),
        }
    }

    /// The same problem naming `param` as `{name}`.
    pub(crate) fn with(mut self, name: &'static str, param: Param) -> Self {
        self.params.push((name, param));
        self
    }

    /// The problem of the field `field`.
    pub(crate) fn on(self, field: &'static str) -> FieldError {
        FieldError {
            field,
            code: self.code,
            params: self.params,
        }
    }

    /// The message in `words`' language.
    pub(crate) fn message(&self, words: &crate::words::Words<'_>) -> String {
        words.say(self.code.key(), &self.params)
    }
}

impl From<Unwanted> for Code {
    fn from(kind: Unwanted) -> Self {
        match kind {
            Unwanted::Control => Self::TextControl,
            Unwanted::Bidi => Self::TextBidi,
            Unwanted::Tag => Self::TextTag,
            Unwanted::Separator => Self::TextSeparator,
            Unwanted::Invisible => Self::TextInvisible,
            Unwanted::NoCharacter => Self::TextNoCharacter,
            Unwanted::Replacement => Self::TextReplacement,
            Unwanted::Marks => Self::TextMarks,
        }
    }
}

/// One problem with one field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The field's name as in the API (`name`, `email`, …).
    pub field: &'static str,
    /// What is wrong; its message says how to fix it.
    pub(crate) code: Code,
    /// The values the message names.
    pub(crate) params: Params,
}

impl FieldError {
    /// A problem of `field` whose message names nothing.
    pub(crate) fn new(field: &'static str, code: Code) -> Self {
        Problem::new(code).on(field)
    }

    /// The same error naming `param` as `{name}`.
    pub(crate) fn with(mut self, name: &'static str, param: Param) -> Self {
        self.params.push((name, param));
        self
    }

    /// The message, in `words`' language: what is wrong and how to fix it.
    pub(crate) fn message(&self, words: &crate::words::Words<'_>) -> String {
        words.say(self.code.key(), &self.params)
    }
}
