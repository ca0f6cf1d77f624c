//! Located diagnostics: a [`Problem`] plus the file it is in, its line and
//! column, and the source text the human renderer quotes.

use std::ops::Range;
use std::sync::Arc;

use crate::workspace::problem::{Code, Problem, Severity};

/// One finding, ready to render.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// Stable class, e.g. `cxtrain::unknown-key`.
    pub code: Code,
    /// What is wrong.
    pub message: String,
    /// The file as the user can open it (the repository argument joined
    /// with the path below it, `/`-separated).
    pub file: String,
    /// 1-based line of `span.start`.
    pub line: usize,
    /// 1-based column (in characters) of `span.start`.
    pub column: usize,
    /// Byte span in `source`.
    pub span: Range<usize>,
    /// Text shown under the span.
    pub label: String,
    /// What to do about it.
    pub help: Option<String>,
    /// Other places that explain it.
    pub related: Vec<Related>,
    /// The file text (empty when the file could not be read as text).
    pub source: Arc<str>,
}

/// A secondary location of a diagnostic, in another file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Related {
    /// The file, as in [`Diagnostic::file`].
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column in characters.
    pub column: usize,
    /// Byte span in `source`.
    pub span: Range<usize>,
    /// Text shown under the span.
    pub label: String,
    /// The file text.
    pub source: Arc<str>,
}

/// Every diagnostic of one validation run, sorted by file and position.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// How many files were checked.
    pub files: usize,
    /// The diagnostics.
    pub diagnostics: Vec<Diagnostic>,
}

impl Report {
    /// Number of error-level diagnostics.
    pub fn errors(&self) -> usize {
        self.count(Severity::Error)
    }

    /// Number of warnings.
    pub fn warnings(&self) -> usize {
        self.count(Severity::Warning)
    }

    fn count(&self, severity: Severity) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == severity)
            .count()
    }

    /// Sorts into the stable output order: file, position, code.
    pub fn sort(&mut self) {
        self.diagnostics.sort_by(|a, b| {
            (&a.file, a.span.start, a.code, &a.message).cmp(&(
                &b.file,
                b.span.start,
                b.code,
                &b.message,
            ))
        });
    }
}

/// Resolves file paths to what the user sees and to their text.
pub trait Sources {
    /// The display path and text of a path below the repository.
    fn lookup(&self, path: &str) -> (String, Arc<str>);
}

impl Diagnostic {
    /// Locates a problem found in `path`.
    pub fn locate(problem: Problem, path: &str, sources: &dyn Sources) -> Diagnostic {
        let (file, source) = sources.lookup(path);
        let (line, column) = position(&source, problem.span.start);
        let related = problem
            .related
            .into_iter()
            .map(|r| {
                let (file, source) = sources.lookup(r.path.as_str());
                let (line, column) = position(&source, r.span.start);
                Related {
                    file,
                    line,
                    column,
                    span: r.span,
                    label: r.label,
                    source,
                }
            })
            .collect();
        Diagnostic {
            severity: problem.code.severity(),
            code: problem.code,
            message: problem.message,
            file,
            line,
            column,
            span: problem.span,
            label: problem.label,
            help: problem.help,
            related,
            source,
        }
    }
}

/// 1-based line and character column of a byte offset.
pub fn position(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_characters() {
        let text = "ab\nçé x\n";
        assert_eq!(position(text, 0), (1, 1));
        assert_eq!(position(text, 3), (2, 1));
        assert_eq!(position(text, 8), (2, 4));
        assert_eq!(position(text, 100), (3, 1));
    }
}
