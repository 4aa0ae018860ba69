//! What a person's text may hold: the characters a name, an address line or a letter can
//! contain, and the clean form it is stored in.
//!
//! Refused: control characters, bidirectional controls (they can make a name read as
//! another), tag characters, line and paragraph separators, zero-width and other invisible
//! format characters, private-use, unassigned and non-characters, the replacement character
//! (what undecodable bytes become), and stacks of combining marks. Allowed: every script's
//! letters, marks and symbols, and the zero-width joiners where scripts and emoji need them,
//! between two visible characters.

use unicode_normalization::UnicodeNormalization;
use unicode_properties::{GeneralCategory, GeneralCategoryGroup, UnicodeGeneralCategory};

use super::problem::{Param, Problem};

/// Most combining marks accepted on one base character (Vietnamese needs two, some Indic
/// clusters three or four; more is "Zalgo" text).
const MAX_MARKS: usize = 4;

/// A kind of character a person's text may not contain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Unwanted {
    /// A control character (C0, C1, DEL), a line break where one line is expected.
    Control,
    /// A bidirectional control (U+061C, U+200E/F, U+202A–E, U+2066–9).
    Bidi,
    /// Tag characters (U+E0000–E007F), invisible text.
    Tag,
    /// U+2028 or U+2029.
    Separator,
    /// Another invisible format character (zero-width space, word joiner, BOM, soft hyphen…).
    Invisible,
    /// Private-use, unassigned, surrogate or non-character code points.
    NoCharacter,
    /// U+FFFD: what a broken encoding becomes.
    Replacement,
    /// More than [`MAX_MARKS`] combining marks in a row.
    Marks,
}

impl Unwanted {
    /// What is wrong with the field `field` (named in the message) and how to fix it.
    pub(crate) fn on(self, field: &'static str) -> Problem {
        let problem = Problem::new(self.into()).with("what", Param::Field(field));
        match self {
            Self::Marks => problem.with("max", Param::Number(MAX_MARKS as u64)),
            _ => problem,
        }
    }
}

/// The first kind of unwanted character in `text`. `lines` allows line feeds and tabs (a
/// letter's text); otherwise the text must be one line.
pub(crate) fn unwanted(text: &str, lines: bool) -> Option<Unwanted> {
    let chars: Vec<char> = text.chars().collect();
    let mut marks = 0;
    for (i, &c) in chars.iter().enumerate() {
        let category = c.general_category();
        if c.general_category_group() == GeneralCategoryGroup::Mark {
            marks += 1;
            if marks > MAX_MARKS {
                return Some(Unwanted::Marks);
            }
        } else {
            marks = 0;
        }
        let found = match c {
            '\n' | '\t' if lines => None,
            '\u{FFFD}' => Some(Unwanted::Replacement),
            '\u{2028}' | '\u{2029}' => Some(Unwanted::Separator),
            '\u{061C}'
            | '\u{200E}'
            | '\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2066}'..='\u{2069}' => Some(Unwanted::Bidi),
            '\u{E0000}'..='\u{E007F}' => Some(Unwanted::Tag),
            // Persian, Indic scripts and emoji sequences need the joiners, between two
            // visible characters only.
            '\u{200C}' | '\u{200D}' => {
                let visible = |n: Option<&char>| n.is_some_and(|&n| joinable(n));
                (!(i > 0 && visible(chars.get(i - 1)) && visible(chars.get(i + 1))))
                    .then_some(Unwanted::Invisible)
            }
            _ if is_noncharacter(c) => Some(Unwanted::NoCharacter),
            _ => match category {
                GeneralCategory::Control => Some(Unwanted::Control),
                GeneralCategory::Format => Some(Unwanted::Invisible),
                GeneralCategory::PrivateUse
                | GeneralCategory::Unassigned
                | GeneralCategory::Surrogate => Some(Unwanted::NoCharacter),
                _ => None,
            },
        };
        if found.is_some() {
            return found;
        }
    }
    None
}

fn joinable(c: char) -> bool {
    c.is_alphanumeric()
        || matches!(
            c.general_category_group(),
            GeneralCategoryGroup::Mark | GeneralCategoryGroup::Symbol
        )
}

fn is_noncharacter(c: char) -> bool {
    let c = u32::from(c);
    (0xFDD0..=0xFDEF).contains(&c) || c & 0xFFFE == 0xFFFE
}

/// Whether `text` has a letter of some script: a name is more than digits and punctuation.
pub(crate) fn has_letter(text: &str) -> bool {
    text.chars().any(char::is_alphabetic)
}

/// The stored form of one line of text: canonically composed (NFC, so that the same name
/// typed on two keyboards is the same text), every run of spaces one ASCII space, trimmed.
pub(crate) fn clean_line(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text.nfc().collect::<String>().split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn every_kind_is_found() {
        let one = |s: &str| unwanted(s, false);
        assert_eq!(one("Ada\u{7}"), Some(Unwanted::Control));
        assert_eq!(one("Ada\u{85}"), Some(Unwanted::Control));
        assert_eq!(one("Ada\nLovelace"), Some(Unwanted::Control));
        assert_eq!(unwanted("Dear\n\tSenator", true), None);
        assert_eq!(unwanted("Dear\rSenator", true), Some(Unwanted::Control));
        for bidi in ['\u{202E}', '\u{2066}', '\u{200F}', '\u{061C}'] {
            assert_eq!(one(&format!("Ada {bidi}ecalevoL")), Some(Unwanted::Bidi));
        }
        assert_eq!(one("Ada\u{E0041}\u{E0042}"), Some(Unwanted::Tag));
        assert_eq!(one("Ada\u{2028}"), Some(Unwanted::Separator));
        assert_eq!(one("Ada\u{2029}"), Some(Unwanted::Separator));
        for invisible in ['\u{200B}', '\u{2060}', '\u{FEFF}', '\u{00AD}', '\u{180E}'] {
            assert_eq!(
                one(&format!("A{invisible}da")),
                Some(Unwanted::Invisible),
                "{:X}",
                u32::from(invisible)
            );
        }
        assert_eq!(one("Ada\u{E000}"), Some(Unwanted::NoCharacter));
        assert_eq!(one("Ada\u{10FFFD}"), Some(Unwanted::NoCharacter));
        assert_eq!(one("Ada\u{FDD0}"), Some(Unwanted::NoCharacter));
        assert_eq!(one("Ada\u{FFFF}"), Some(Unwanted::NoCharacter));
        assert_eq!(one("Ada\u{FFFD}"), Some(Unwanted::Replacement));
        assert_eq!(
            one(&format!("Z{}", "\u{0301}".repeat(5))),
            Some(Unwanted::Marks)
        );
    }

    #[test]
    fn real_names_of_every_script_pass() {
        for name in [
            "Zoë O'Brien-Smith",
            "李小龙",
            "Nguyễn Thị Minh Khai",
            // Persian: a zero-width non-joiner inside a word.
            "می\u{200C}خواهم",
            // Malayalam: a zero-width joiner between letters.
            "ന്\u{200D}",
            "नमस्ते",
            "Ægir Þórsson",
            "👩\u{200D}🔬 Marie",
            "Ｊａｎｅ",
            "Jean\u{00A0}Dupont",
        ] {
            // The Malayalam joiner ends the text, so it needs a letter after it.
            let name = if name.ends_with('\u{200D}') {
                format!("{name}ന")
            } else {
                name.to_owned()
            };
            assert_eq!(unwanted(&name, false), None, "{name}");
            assert!(has_letter(&name), "{name}");
        }
        assert_eq!(unwanted("\u{200C}Ada", false), Some(Unwanted::Invisible));
        assert_eq!(unwanted("Ada\u{200D}", false), Some(Unwanted::Invisible));
        assert!(!has_letter("12345"));
        assert!(!has_letter("-- . !!"));
    }

    #[test]
    fn lines_are_composed_and_spaced_once() {
        assert_eq!(
            clean_line("  Zoe\u{0308}   O'Brien\u{3000}x "),
            "Zoë O'Brien x"
        );
        assert_eq!(clean_line("Jean\u{00A0}Dupont"), "Jean Dupont");
    }

    #[test]
    fn every_message_names_the_field() {
        let words = crate::words::Words::ENGLISH;
        for kind in [
            Unwanted::Control,
            Unwanted::Bidi,
            Unwanted::Tag,
            Unwanted::Separator,
            Unwanted::Invisible,
            Unwanted::NoCharacter,
            Unwanted::Replacement,
            Unwanted::Marks,
        ] {
            let message = kind.on("city").message(&words);
            assert!(message.starts_with("Your city "), "{kind:?}: {message}");
        }
        assert!(
            Unwanted::Marks
                .on("name")
                .message(&words)
                .contains("more than 4 accents")
        );
    }

    proptest! {
        #[test]
        fn clean_text_is_stable_and_clean(text in "\\PC{0,40}") {
            if unwanted(&text, false).is_none() {
                let clean = clean_line(&text);
                prop_assert_eq!(unwanted(&clean, false), None);
                prop_assert_eq!(clean_line(&clean), clean.clone());
                prop_assert!(!clean.starts_with(' ') && !clean.ends_with(' '));
            }
        }

        #[test]
        fn any_text_is_judged_without_panicking(text in any::<String>()) {
            let _ = unwanted(&text, true);
            let _ = clean_line(&text);
        }
    }
}
