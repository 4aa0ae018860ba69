//! Errors an editor can act on: each names the file, line and column and says how to fix it.

use std::fmt;
use std::path::{Path, PathBuf};

/// One problem found in the site's sources.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The file, relative to the site root where possible.
    pub file: PathBuf,
    /// 1-based line, 0 when the problem concerns the whole file.
    pub line: usize,
    /// 1-based column, 0 when unknown.
    pub column: usize,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub help: String,
}

impl Diagnostic {
    /// A problem at a position in a file.
    pub fn at(
        file: impl Into<PathBuf>,
        line: usize,
        column: usize,
        message: impl Into<String>,
        help: impl Into<String>,
    ) -> Self {
        Self {
            file: file.into(),
            line,
            column,
            message: message.into(),
            help: help.into(),
        }
    }

    /// A problem with a whole file.
    pub fn file(
        file: impl Into<PathBuf>,
        message: impl Into<String>,
        help: impl Into<String>,
    ) -> Self {
        Self::at(file, 0, 0, message, help)
    }

    /// Returns the same diagnostic shifted down by `lines` (for text embedded in a file).
    pub fn offset_lines(mut self, lines: usize) -> Self {
        if self.line > 0 {
            self.line += lines;
        }
        self
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if self.line > 0 {
            write!(f, ":{}", self.line)?;
            if self.column > 0 {
                write!(f, ":{}", self.column)?;
            }
        }
        write!(f, ": error: {}", self.message)?;
        if !self.help.is_empty() {
            write!(f, "\n  help: {}", self.help)?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostic {}

/// Why a build failed.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// Problems in the sources, all of them, in file order.
    #[error("{}", render_list(.0))]
    Content(Vec<Diagnostic>),
    /// A file or folder could not be read or written.
    #[error("{action} {}: {source}", path.display())]
    Io {
        /// What was being done (`cannot read`).
        action: &'static str,
        /// The path.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}

impl BuildError {
    /// An I/O error with the path it concerns.
    pub fn io(action: &'static str, path: &Path, source: std::io::Error) -> Self {
        Self::Io {
            action,
            path: path.to_path_buf(),
            source,
        }
    }

    /// The diagnostics, when the error is about content.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        match self {
            Self::Content(list) => list,
            Self::Io { .. } => &[],
        }
    }
}

impl From<Diagnostic> for BuildError {
    fn from(d: Diagnostic) -> Self {
        Self::Content(vec![d])
    }
}

fn render_list(list: &[Diagnostic]) -> String {
    let mut out = String::new();
    for (i, d) in list.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&d.to_string());
    }
    out
}

/// Converts a byte offset in `text` to a 1-based (line, column); the column counts characters.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..floor_char_boundary(text, offset)];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

fn floor_char_boundary(text: &str, mut i: usize) -> usize {
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_from_one() {
        let t = "ab\ncdé\nf";
        assert_eq!(line_col(t, 0), (1, 1));
        assert_eq!(line_col(t, 3), (2, 1));
        assert_eq!(line_col(t, 7), (2, 4));
        assert_eq!(line_col(t, 99), (3, 2));
    }

    #[test]
    fn display_names_file_line_column_and_help() {
        let d = Diagnostic::at(
            "content/a.md",
            3,
            7,
            "unknown key `titel`",
            "did you mean `title`?",
        );
        assert_eq!(
            d.to_string(),
            "content/a.md:3:7: error: unknown key `titel`\n  help: did you mean `title`?"
        );
    }
}
