//! TOML front matter between `+++` lines, validated: unknown keys and wrong types are errors.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Diagnostic, line_col};

/// How a section orders its pages.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum SortBy {
    /// By `weight`, lightest first (the default).
    #[default]
    Weight,
    /// By `date`, newest first.
    Date,
    /// By title, alphabetically.
    Title,
}

/// A petition declared by a page: the single source of truth the function loads. On a
/// translation of that page, only `id`, `title` and `addressee` (its words in the language);
/// the rest is the default-language page's.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PetitionMeta {
    /// Stable identifier used in API paths.
    pub id: String,
    /// Its title.
    pub title: String,
    /// To whom it is addressed.
    pub addressee: String,
    /// How many signatures it aims for (required on the default-language page).
    #[serde(default)]
    pub goal: Option<u64>,
    /// First day it accepts signatures (required on the default-language page).
    #[serde(default)]
    pub opens: Option<toml::value::Datetime>,
    /// Last day it accepts signatures; open-ended when absent.
    #[serde(default)]
    pub closes: Option<toml::value::Datetime>,
    /// The `@/` path of the thank-you page (required on the default-language page).
    #[serde(default)]
    pub thank_you: Option<String>,
    /// Whether a signature counts only once its mailbox confirms it (double opt-in; yes
    /// unless set).
    #[serde(default)]
    pub confirm: Option<bool>,
    /// The `@/` path of the "check your inbox" page a confirming petition's form leads to.
    #[serde(default)]
    pub check_inbox: Option<String>,
    /// Counts to celebrate on the way to the goal.
    #[serde(default)]
    pub milestones: Milestones,
}

/// How a milestone error begins: [`help_for`] recognises it in the TOML parser's message.
const MILESTONES_MUST: &str = "milestones must";

/// A petition's milestones: positive and ascending, checked as the front matter is read so the
/// error names the line.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Vec<u64>", into = "Vec<u64>")]
pub(crate) struct Milestones(pub Vec<u64>);

impl TryFrom<Vec<u64>> for Milestones {
    type Error = String;

    fn try_from(list: Vec<u64>) -> Result<Self, String> {
        if list.contains(&0) {
            return Err(format!(
                "{MILESTONES_MUST} be positive numbers of signatures, but one is 0"
            ));
        }
        if let Some(w) = list.windows(2).find(|w| w[0] >= w[1]) {
            return Err(format!(
                "{MILESTONES_MUST} go up, but {} comes after {}",
                w[1], w[0]
            ));
        }
        Ok(Self(list))
    }
}

impl From<Milestones> for Vec<u64> {
    fn from(m: Milestones) -> Self {
        m.0
    }
}

impl PetitionMeta {
    /// The keys set that only the default-language page may set, for a translation's error.
    pub(crate) fn settings_set(&self) -> Vec<&'static str> {
        [
            ("goal", self.goal.is_some()),
            ("opens", self.opens.is_some()),
            ("closes", self.closes.is_some()),
            ("thank_you", self.thank_you.is_some()),
            ("confirm", self.confirm.is_some()),
            ("check_inbox", self.check_inbox.is_some()),
            ("milestones", !self.milestones.0.is_empty()),
        ]
        .into_iter()
        .filter_map(|(k, set)| set.then_some(k))
        .collect()
    }
}

/// The keys a page or section may set.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FrontMatter {
    /// The title (required).
    pub title: Option<String>,
    /// A one-sentence description for search engines and link previews.
    pub description: Option<String>,
    /// Publication date.
    pub date: Option<toml::value::Datetime>,
    /// Last significant update.
    pub updated: Option<toml::value::Datetime>,
    /// Left out of the build unless `--drafts`.
    #[serde(default)]
    pub draft: bool,
    /// Position in its section when sorted by weight.
    #[serde(default)]
    pub weight: i64,
    /// A template other than the default one.
    pub template: Option<String>,
    /// The last part of the URL, instead of the file name.
    pub slug: Option<String>,
    /// Old URL paths that redirect here.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Tags.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Free values for templates.
    #[serde(default)]
    pub extra: toml::Table,
    /// A petition this page carries.
    pub petition: Option<PetitionMeta>,
    /// Sections only: how pages are ordered.
    pub sort_by: Option<SortBy>,
    /// Sections only: how many pages a listing page shows.
    pub paginate_by: Option<usize>,
    /// Sections only: publish an Atom feed of the section.
    pub feed: Option<bool>,
    /// Translations only: whether a fluent speaker has reviewed this translation.
    pub reviewed: Option<bool>,
    /// Sections only: pages of this section not translated into a language are published
    /// there with this language's text and a notice (instead of not at all).
    pub fallback: Option<bool>,
}

/// A file split into its front matter and body.
#[derive(Debug)]
pub(crate) struct Split<'a> {
    /// The parsed front matter.
    pub meta: FrontMatter,
    /// The Markdown after the closing `+++`.
    pub body: &'a str,
    /// Lines before the body (to report body positions as file positions).
    pub body_line_offset: usize,
}

/// Splits and parses a content file. `file` names it in errors.
pub(crate) fn split<'a>(text: &'a str, file: &Path) -> Result<Split<'a>, Diagnostic> {
    let text_no_bom = text.strip_prefix('\u{feff}').unwrap_or(text);
    let Some(rest) = text_no_bom
        .strip_prefix("+++\n")
        .or_else(|| text_no_bom.strip_prefix("+++\r\n"))
    else {
        return Err(Diagnostic::at(
            file,
            1,
            1,
            "the file does not start with front matter",
            "begin the file with a `+++` line, then `title = \"…\"`, then another `+++` line",
        ));
    };
    let close = find_closing(rest).ok_or_else(|| {
        Diagnostic::at(
            file,
            1,
            1,
            "the front matter is never closed",
            "add a line with only `+++` after the front matter",
        )
    })?;
    let toml_text = &rest[..close.start];
    let body = &rest[close.end..];
    let meta: FrontMatter = toml::from_str(toml_text).map_err(|e| {
        let (line, column) = e.span().map_or((0, 0), |s| line_col(toml_text, s.start));
        Diagnostic::at(
            file,
            line + 1,
            column,
            describe(e.message()),
            help_for(e.message()),
        )
    })?;
    if meta.title.as_deref().is_none_or(|t| t.trim().is_empty()) {
        return Err(Diagnostic::at(
            file,
            1,
            1,
            "the page has no title",
            "add `title = \"…\"` to the front matter",
        ));
    }
    if let Some(p) = &meta.petition
        && let Some(goal) = p.goal
        && let Some(m) = p.milestones.0.iter().find(|&&m| m >= goal)
    {
        // The line of the `milestones` key, after the opening `+++`.
        let line = toml_text
            .lines()
            .position(|l| l.trim_start().starts_with("milestones"))
            .map_or(0, |i| i + 2);
        return Err(Diagnostic::at(
            file,
            line,
            1,
            format!("the petition's milestone {m} is not below its goal {goal}"),
            "list only milestones below the goal: the counter shows the goal after the last one",
        ));
    }
    let body_line_offset = 1 + toml_text.matches('\n').count() + 1;
    Ok(Split {
        meta,
        body,
        body_line_offset,
    })
}

struct Close {
    start: usize,
    end: usize,
}

fn find_closing(rest: &str) -> Option<Close> {
    let mut pos = 0;
    for line in rest.split_inclusive('\n') {
        if line.trim_end_matches(['\n', '\r']) == "+++" {
            return Some(Close {
                start: pos,
                end: pos + line.len(),
            });
        }
        pos += line.len();
    }
    None
}

fn describe(message: &str) -> String {
    message.trim().replace('\n', " ")
}

fn help_for(message: &str) -> String {
    if message.contains(MILESTONES_MUST) {
        "list them from the smallest up, like milestones = [1000, 10000, 50000]".into()
    } else if message.contains("unknown field") {
        "remove or rename this key; the allowed keys are listed in content/README.md (put your own values under [extra])".into()
    } else if message.contains("invalid type") {
        "give this key a value of the expected type (see content/README.md)".into()
    } else {
        "fix the TOML syntax: strings in double quotes, dates like 2026-11-28, lists in [ ]".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Split<'_>, Diagnostic> {
        split(text, Path::new("content/a.md"))
    }

    #[test]
    fn splits_and_counts_body_lines() {
        let s = parse("+++\ntitle = \"A\"\nweight = 2\n+++\nHello\n").expect("valid");
        assert_eq!(s.meta.title.as_deref(), Some("A"));
        assert_eq!(s.meta.weight, 2);
        assert_eq!(s.body, "Hello\n");
        assert_eq!(s.body_line_offset, 4);
    }

    #[test]
    fn unknown_key_names_its_line() {
        let e = parse("+++\ntitle = \"A\"\ntitel = \"B\"\n+++\n").expect_err("unknown");
        assert_eq!((e.line, e.column), (3, 1));
        assert!(e.message.contains("titel"));
        assert!(e.help.contains("[extra]"));
    }

    #[test]
    fn wrong_type_names_its_line() {
        let e = parse("+++\ntitle = \"A\"\nweight = \"heavy\"\n+++\n").expect_err("type");
        assert_eq!(e.line, 3);
        assert!(e.help.contains("expected type"));
    }

    #[test]
    fn milestones_must_be_positive_and_go_up_and_the_error_names_the_line() {
        let petition = |m: &str| {
            format!(
                "+++\ntitle = \"A\"\n[petition]\nid = \"p\"\ntitle = \"P\"\naddressee = \"X\"\ngoal = 100\nopens = 2026-01-01\nthank_you = \"@/t.md\"\nmilestones = {m}\n+++\n"
            )
        };
        let ok = petition("[10, 50]");
        let split = parse(&ok).expect("ascending");
        let meta = split.meta.petition.expect("petition");
        assert_eq!(meta.milestones, Milestones(vec![10, 50]));
        for (list, says) in [
            ("[10, 10]", "10 comes after 10"),
            ("[50, 10]", "10 comes after 50"),
            ("[0, 10]", "one is 0"),
        ] {
            let text = petition(list);
            let e = parse(&text).expect_err(list);
            assert_eq!(e.line, 10, "{list}: {e:?}");
            assert!(e.message.contains(says), "{list}: {}", e.message);
            assert!(e.help.contains("from the smallest up"), "{}", e.help);
        }
        let text = petition("[-1]");
        assert_eq!(parse(&text).expect_err("negative").line, 10);
        let text = petition("[10, 100]");
        let e = parse(&text).expect_err("at the goal");
        assert_eq!(e.line, 10);
        assert!(
            e.message
                .contains("milestone 100 is not below its goal 100"),
            "{}",
            e.message
        );
    }

    #[test]
    fn bad_toml_names_its_line() {
        let e = parse("+++\ntitle = \"A\ndate = 1\n+++\n").expect_err("syntax");
        assert_eq!(e.line, 2);
    }

    #[test]
    fn missing_title_and_missing_fences_are_explained() {
        assert!(
            parse("+++\ndraft = true\n+++\n")
                .expect_err("title")
                .help
                .contains("title")
        );
        assert!(parse("# Hello\n").expect_err("fence").help.contains("+++"));
        assert!(
            parse("+++\ntitle = \"A\"\n")
                .expect_err("open")
                .message
                .contains("never closed")
        );
    }
}

#[cfg(test)]
mod proptests;
