//! What each language of the site lacks: the theme's interface strings it has no text for, the
//! default language's pages it has neither a translation nor a fallback for, and its
//! translations no fluent speaker has reviewed yet. `site-gen build` fails on a missing string
//! (the preview shows the default language's text instead, with a warning); `site-gen check`
//! lists everything.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::config::SiteConfig;
use crate::content::{Content, translated_rel};
use crate::error::Diagnostic;
use crate::render::templates::Strings;

/// One language's gaps.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LanguageGaps {
    /// Pages published in this language: translations, and fallbacks.
    pub pages: usize,
    /// Interface strings it has (of the default language's).
    pub keys: usize,
    /// Interface strings of the default language it has no text for.
    pub missing_keys: Vec<String>,
    /// Default-language content files (`petition/_index.md`) with neither a translation nor a
    /// fallback in this language: no page there.
    pub missing_pages: Vec<String>,
    /// Default-language content files shown at this language's address with a notice.
    pub fallbacks: Vec<String>,
    /// Its translations whose front matter does not say `reviewed = true`, as files.
    pub unreviewed: Vec<PathBuf>,
}

/// Every language but the default one, by code.
pub type LanguageReport = BTreeMap<String, LanguageGaps>;

/// The gaps of each language of `config` in `content` and the theme's `strings`.
pub(crate) fn report(config: &SiteConfig, content: &Content, strings: &Strings) -> LanguageReport {
    let default = &config.default_language;
    let all_keys = strings.get(default).map_or(0, BTreeMap::len);
    config
        .language_codes()
        .into_iter()
        .skip(1)
        .map(|lang| {
            let own = strings.get(lang);
            let missing_keys: Vec<String> = strings
                .get(default)
                .into_iter()
                .flat_map(BTreeMap::keys)
                .filter(|k| own.is_none_or(|m| !m.contains_key(*k)))
                .cloned()
                .collect();
            let mut gaps = LanguageGaps {
                keys: all_keys - missing_keys.len(),
                missing_keys,
                ..LanguageGaps::default()
            };
            for e in content.entries.values() {
                if e.lang == lang {
                    gaps.pages += 1;
                    if e.fallback {
                        gaps.fallbacks.push(e.base.clone());
                    } else if e.meta.reviewed != Some(true) {
                        gaps.unreviewed.push(e.file.clone());
                    }
                } else if e.lang == *default
                    && !content.entries.contains_key(&translated_rel(&e.base, lang))
                {
                    gaps.missing_pages.push(e.base.clone());
                }
            }
            (lang.to_owned(), gaps)
        })
        .collect()
}

/// The build's error for interface strings a language lacks: one per language, naming the
/// file to add them to.
pub(crate) fn missing_strings(report: &LanguageReport, theme_dir: &Path) -> Vec<Diagnostic> {
    report
        .iter()
        .filter(|(_, g)| !g.missing_keys.is_empty())
        .map(|(lang, g)| {
            Diagnostic::file(
                theme_dir.join("i18n").join(format!("{lang}.toml")),
                format!(
                    "the language `{lang}` has no text for {} interface string(s): {}",
                    g.missing_keys.len(),
                    g.missing_keys.join(", ")
                ),
                format!(
                    "translate them into {lang} in this file (the English is in i18n/en.toml); `site-gen serve` shows the default language's text meanwhile"
                ),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_strings_name_the_file_and_the_keys() {
        let report = LanguageReport::from([
            (
                "fr".to_owned(),
                LanguageGaps {
                    missing_keys: vec!["a".into(), "b".into()],
                    ..LanguageGaps::default()
                },
            ),
            ("es".to_owned(), LanguageGaps::default()),
        ]);
        let d = missing_strings(&report, Path::new("themes/default"));
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].file, Path::new("themes/default/i18n/fr.toml"));
        assert!(
            d[0].message.contains("2 interface string(s): a, b"),
            "{}",
            d[0].message
        );
    }
}
