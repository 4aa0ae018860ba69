//! Site settings from `site.toml`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Diagnostic, line_col};

/// The file name of the settings at the site root.
pub const CONFIG_FILE: &str = "site.toml";

/// Everything `site.toml` may hold. Unknown keys are errors, so a typo never goes unnoticed.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SiteConfig {
    /// The site's title.
    pub title: String,
    /// The default description, used where a page has none.
    #[serde(default)]
    pub description: String,
    /// The absolute URL the site is published at.
    pub base_url: String,
    /// The language of pages without a language suffix.
    #[serde(default = "default_language")]
    pub default_language: String,
    /// The languages the site is written in, by code.
    #[serde(default)]
    pub languages: BTreeMap<String, Language>,
    /// The theme folder under `themes/`.
    #[serde(default = "default_theme")]
    pub theme: String,
    /// The main menu.
    #[serde(default)]
    pub menu: Vec<MenuItem>,
    /// The bill the senator letter supports.
    #[serde(default)]
    pub letter: Option<contract::bundle::Bill>,
    /// The documentary.
    #[serde(default)]
    pub documentary: Documentary,
    /// How much one client address may submit per hour before a proof of work is asked.
    #[serde(default)]
    pub limits: contract::bundle::Limits,
    /// Who may frame the embed pages.
    #[serde(default)]
    pub embed: Embed,
    /// Free settings for templates.
    #[serde(default)]
    pub extra: toml::Table,
    /// The share cards' font.
    #[serde(default)]
    pub cards: CardSettings,
}

/// `[cards]`: the font the share cards are drawn with (their colours are the theme's).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CardSettings {
    /// A TrueType/OpenType font or collection, relative to the site root or absolute.
    #[serde(default = "default_card_font")]
    pub font: PathBuf,
    /// The face to use in a collection (`.ttc`).
    #[serde(default = "default_card_face")]
    pub face: u32,
}

impl Default for CardSettings {
    fn default() -> Self {
        Self {
            font: default_card_font(),
            face: default_card_face(),
        }
    }
}

/// Where Debian's `fonts-noto-cjk` puts Noto Sans CJK (Latin, Cyrillic, Greek and CJK glyphs).
fn default_card_font() -> PathBuf {
    PathBuf::from("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc")
}

/// Noto Sans CJK's collection holds the Japanese, Korean, Simplified and Traditional Chinese
/// faces in this order; Simplified Chinese by default.
fn default_card_face() -> u32 {
    2
}

// --- [embed] ---------------------------------------------------------------------------------

/// `[embed]`: the partner sites that may show `/embed/<petition>/` in a frame.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Embed {
    /// Their origins; empty, nobody may frame the embed pages.
    #[serde(default)]
    pub allow: Vec<Origin>,
}

impl Embed {
    /// The allowed origins, separated by spaces (empty when there are none).
    pub fn origins(&self) -> String {
        let origins: Vec<&str> = self.allow.iter().map(Origin::as_str).collect();
        origins.join(" ")
    }

    /// The source list of the embed pages' `frame-ancestors` directive: the allowed origins,
    /// or `'none'`.
    pub fn frame_ancestors(&self) -> String {
        if self.allow.is_empty() {
            "'none'".to_string()
        } else {
            self.origins()
        }
    }
}

/// A web origin, `scheme://host[:port]`, checked when `site.toml` is read. No path and no
/// wildcard: each partner site is named on its own, so a frame on any other site (a
/// look-alike subdomain included) is refused.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(try_from = "String", into = "String")]
pub struct Origin(String);

impl Origin {
    /// The origin as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<Origin> for String {
    fn from(o: Origin) -> String {
        o.0
    }
}

impl TryFrom<String> for Origin {
    type Error = String;

    fn try_from(text: String) -> Result<Self, String> {
        let bad = |why: &str| {
            Err(format!(
                "`{text}` is not an origin ({why}): write the partner site's address as scheme://host or scheme://host:port, like \"https://partner.example\""
            ))
        };
        if text.contains('*') {
            return bad("wildcards are not accepted, name each site");
        }
        let Some((scheme, rest)) = text.split_once("://") else {
            return bad("it has no scheme");
        };
        if scheme != "https" && scheme != "http" {
            return bad("its scheme must be https or http");
        }
        if rest.contains(['/', '?', '#']) {
            return bad("it has a path; an origin ends after the host or the port, with no slash");
        }
        if rest.contains('@') {
            return bad("it holds a user name");
        }
        let (host, port) = match rest.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (rest, None),
        };
        let label_ok = |l: &str| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        };
        if host.is_empty() || host.len() > 253 || !host.split('.').all(label_ok) {
            return bad(
                "its host must be a lower-case name like partner.example or an IPv4 address",
            );
        }
        if let Some(p) = port
            && !p.parse::<u16>().is_ok_and(|n| n > 0 && p == n.to_string())
        {
            return bad("its port must be a number from 1 to 65535");
        }
        Ok(Origin(text))
    }
}

// ---------------------------------------------------------------------------------------------

/// A language the site is written in: `[languages.<code>]`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Language {
    /// Its name in that language (`Français`), as the language switcher shows it.
    pub name: String,
    /// The direction of its script.
    #[serde(default)]
    pub dir: Direction,
    /// The site's title in this language (the site's `title` when empty).
    #[serde(default)]
    pub title: String,
    /// The site's description in this language (the site's `description` when empty).
    #[serde(default)]
    pub description: String,
    /// The Open Graph locale (`fr_FR`); the code with `_` for `-` when empty.
    #[serde(default)]
    pub locale: String,
    /// The main menu's link texts in this language, by the item's `url` (`"@/_index.md" =
    /// "Accueil"`); an item without one shows its default-language `name`.
    #[serde(default)]
    pub menu: BTreeMap<String, String>,
    /// A page not translated into this language is published at this language's address
    /// with the default language's text and a notice (instead of not at all).
    #[serde(default)]
    pub fallback: bool,
}

/// The direction of a script: `dir` on `<html>`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// Left to right (Latin, Chinese, …).
    #[default]
    Ltr,
    /// Right to left (Arabic, Hebrew, …).
    Rtl,
}

/// An entry of the main menu.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct MenuItem {
    /// The link text.
    pub name: String,
    /// An `@/` content path or a site path.
    pub url: String,
}

/// The documentary's settings.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Documentary {
    /// Its title.
    #[serde(default)]
    pub title: String,
    /// Where to watch it; empty until an editor sets it.
    #[serde(default)]
    pub url: String,
    /// The year it was released, when known.
    #[serde(default)]
    pub year: Option<u16>,
}

/// The default of a `[limits]` setting, for the message that suggests it.
fn default_limit(name: &str) -> u32 {
    let d = contract::bundle::Limits::default();
    match name {
        "letters_per_hour" => d.letters_per_hour,
        "actions_per_hour" => d.actions_per_hour,
        _ => d.signatures_per_hour,
    }
}

fn default_language() -> String {
    "en".into()
}
fn default_theme() -> String {
    "default".into()
}

impl SiteConfig {
    /// Parses `site.toml` text; `file` names it in errors.
    pub fn parse(text: &str, file: &Path) -> Result<Self, Diagnostic> {
        let mut config: SiteConfig = toml::from_str(text).map_err(|e| {
            let (line, column) = e.span().map_or((0, 0), |s| line_col(text, s.start));
            Diagnostic::at(
                file,
                line,
                column,
                e.message().trim().to_string(),
                if e.message().contains("`api_base`") {
                    // The setting existed once; the API's place is now part of the contract.
                    "delete this line: the petition API is always at /api on the site's own origin (the CDN sends /api/* to the function)"
                } else {
                    "fix this setting; the settings are described in content/README.md"
                },
            )
        })?;
        config.base_url = config.base_url.trim_end_matches('/').to_string();
        config.validate(file)?;
        Ok(config)
    }

    fn validate(&self, file: &Path) -> Result<(), Diagnostic> {
        if !(self.base_url.starts_with("https://") || self.base_url.starts_with("http://")) {
            return Err(Diagnostic::file(
                file,
                format!("base_url `{}` is not an absolute URL", self.base_url),
                "write it with its scheme, like base_url = \"https://example.org\"",
            ));
        }
        if !self.languages.is_empty() && !self.languages.contains_key(&self.default_language) {
            return Err(Diagnostic::file(
                file,
                format!(
                    "default_language `{}` is not among [languages]",
                    self.default_language
                ),
                format!("add a [languages.{}] table", self.default_language),
            ));
        }
        if let Some(name) = self.limits.zeros().first() {
            return Err(Diagnostic::file(
                file,
                format!("[limits] {name} is 0, which would turn every signer away"),
                format!(
                    "set {name} to at least 1 (the default is {}), or delete the line to keep the default",
                    default_limit(name)
                ),
            ));
        }
        Ok(())
    }

    /// Whether `code` is a language of the site.
    pub fn has_language(&self, code: &str) -> bool {
        code == self.default_language || self.languages.contains_key(code)
    }

    /// Every language code, the default one first.
    pub fn language_codes(&self) -> Vec<&str> {
        std::iter::once(self.default_language.as_str())
            .chain(
                self.languages
                    .keys()
                    .map(String::as_str)
                    .filter(|c| *c != self.default_language),
            )
            .collect()
    }

    /// The settings of language `code`, when `[languages]` lists it.
    pub(crate) fn language(&self, code: &str) -> Option<&Language> {
        self.languages.get(code)
    }

    /// The own name of language `code` (its code when `[languages]` does not list it).
    pub(crate) fn language_name(&self, code: &str) -> String {
        self.language(code)
            .map_or_else(|| code.to_owned(), |l| l.name.clone())
    }

    /// The site's title in `lang`.
    pub(crate) fn title_in(&self, lang: &str) -> String {
        self.own_or(lang, |l| &l.title, &self.title)
    }

    /// The site's description in `lang`.
    pub(crate) fn description_in(&self, lang: &str) -> String {
        self.own_or(lang, |l| &l.description, &self.description)
    }

    /// A setting of language `lang` where it sets one (not empty), else `default`.
    fn own_or<'a>(
        &'a self,
        lang: &str,
        setting: impl Fn(&'a Language) -> &'a String,
        default: &'a str,
    ) -> String {
        self.language(lang)
            .map(setting)
            .filter(|v| !v.is_empty())
            .map_or(default, String::as_str)
            .to_owned()
    }

    /// The URL path of `lang`'s home: `/` for the default language, `/<code>/` for another.
    pub(crate) fn home_of(&self, lang: &str) -> String {
        if lang == self.default_language {
            "/".to_owned()
        } else {
            format!("/{lang}/")
        }
    }

    /// The absolute URL of a site path (`/petition/`).
    pub fn absolute(&self, path: &str) -> String {
        format!("{}{}", self.base_url, path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_have_defaults_overrides_and_refuse_zero() {
        let c = SiteConfig::parse(
            "title = \"T\"\nbase_url = \"https://e.org\"\n[limits]\nletters_per_hour = 3\n",
            Path::new("site.toml"),
        )
        .expect("valid");
        assert_eq!(c.limits.letters_per_hour, 3);
        assert_eq!(
            c.limits.signatures_per_hour,
            contract::bundle::Limits::default().signatures_per_hour
        );
        let Err(e) = SiteConfig::parse(
            "title = \"T\"\nbase_url = \"https://e.org\"\n[limits]\nsignatures_per_hour = 0\n",
            Path::new("site.toml"),
        ) else {
            panic!("zero is refused");
        };
        let text = e.to_string();
        assert!(text.contains("signatures_per_hour is 0"), "{text}");
        assert!(text.contains("at least 1 (the default is 30)"), "{text}");
        let Err(e) = SiteConfig::parse(
            "title = \"T\"\nbase_url = \"https://e.org\"\n[limits]\nsignatures = 5\n",
            Path::new("site.toml"),
        ) else {
            panic!("unknown keys are refused");
        };
        assert!(e.to_string().contains("signatures"), "{e}");
    }

    #[test]
    fn minimal_settings_get_defaults() {
        let c = SiteConfig::parse(
            "title = \"T\"\nbase_url = \"https://e.org/\"\n",
            Path::new("site.toml"),
        )
        .expect("valid");
        assert_eq!(c.base_url, "https://e.org");
        assert_eq!(c.default_language, "en");
        assert_eq!(c.absolute("/a/"), "https://e.org/a/");
    }

    #[test]
    fn unknown_key_is_located() {
        let err = SiteConfig::parse(
            "title = \"T\"\nbase_url = \"https://e.org\"\ntheem = \"x\"\n",
            Path::new("site.toml"),
        )
        .expect_err("unknown key");
        assert_eq!((err.line, err.column), (3, 1));
        assert!(err.message.contains("theem"), "{}", err.message);
    }

    #[test]
    fn embed_origins_are_checked_where_they_are_written() {
        let c = SiteConfig::parse(
            "title = \"T\"\nbase_url = \"https://e.org\"\n[embed]\nallow = [\"https://partner.example\", \"http://127.0.0.2:8080\"]\n",
            Path::new("site.toml"),
        )
        .expect("valid");
        assert_eq!(
            c.embed.frame_ancestors(),
            "https://partner.example http://127.0.0.2:8080"
        );
        let none = SiteConfig::parse(
            "title = \"T\"\nbase_url = \"https://e.org\"\n",
            Path::new("site.toml"),
        )
        .expect("valid");
        assert_eq!(none.embed.frame_ancestors(), "'none'");
        for (origin, why) in [
            ("partner.example", "no scheme"),
            ("ftp://partner.example", "scheme must be https or http"),
            ("https://*.partner.example", "wildcards"),
            ("*", "wildcards"),
            ("https://partner.example/", "has a path"),
            ("https://partner.example/news", "has a path"),
            ("https://Partner.example", "lower-case"),
            ("https://partner..example", "lower-case"),
            ("https://partner.example:0", "port"),
            ("https://partner.example:99999", "port"),
            ("https://partner.example:80x", "port"),
            ("https://me@partner.example", "user name"),
        ] {
            let text = format!(
                "title = \"T\"\nbase_url = \"https://e.org\"\n\n[embed]\nallow = [\n  \"https://ok.example\",\n  \"{origin}\",\n]\n"
            );
            let err = SiteConfig::parse(&text, Path::new("site.toml")).expect_err(origin);
            // toml points at the setting: the line of `allow`.
            assert_eq!(err.line, 5, "{origin}: the line of the setting");
            assert!(err.message.contains(why), "{origin}: {}", err.message);
            assert!(err.message.contains(origin), "{origin}: {}", err.message);
        }
    }

    #[test]
    fn relative_base_url_is_refused() {
        let err = SiteConfig::parse(
            "title = \"T\"\nbase_url = \"example.org\"\n",
            Path::new("site.toml"),
        )
        .expect_err("relative");
        assert!(err.help.contains("https://"));
    }
}
