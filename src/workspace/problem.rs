//! A problem found in one file: what went wrong and where (a byte span into
//! that file). The validate layer turns problems into located diagnostics.

use std::ops::Range;

use crate::repo_path::RepoPath;

/// How bad a problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Fails validation.
    Error,
    /// Reported; fails only with `--strict`.
    Warning,
}

impl Severity {
    /// `error` / `warning`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Error => "error",
            Self::Warning => "warning",
        }
    }
}

macro_rules! codes {
    ($($variant:ident => $name:literal, $severity:ident;)*) => {
        /// The stable identifier of a diagnostic class (`cxtrain::unknown-key`).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code { $(
            #[doc = concat!("`cxtrain::", $name, "`")]
            $variant,
        )* }

        impl Code {
            /// Every code, for documentation and tests.
            pub const ALL: &'static [Code] = &[$(Code::$variant),*];

            /// The full name, e.g. `cxtrain::unknown-key`.
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => concat!("cxtrain::", $name),)* }
            }

            /// The severity problems of this class have.
            pub fn severity(self) -> Severity {
                match self { $(Self::$variant => Severity::$severity,)* }
            }
        }
    };
}

codes! {
    Config => "config", Error;
    RootMissing => "root-missing", Error;
    Io => "io", Error;
    FileTooLarge => "file-too-large", Error;
    InvalidUtf8 => "invalid-utf8", Error;
    Symlink => "symlink", Error;
    NoFrontMatter => "no-front-matter", Error;
    UnterminatedFrontMatter => "unterminated-front-matter", Error;
    MalformedYaml => "malformed-yaml", Error;
    FrontMatterNotAMapping => "front-matter-not-a-mapping", Error;
    UnknownKey => "unknown-key", Error;
    DuplicateYamlKey => "duplicate-yaml-key", Error;
    MergeKey => "merge-key", Error;
    NulCharacter => "nul-character", Error;
    WrongType => "wrong-type", Error;
    UnknownType => "unknown-type", Error;
    UnknownChannel => "unknown-channel", Error;
    DuplicateChannel => "duplicate-channel", Error;
    UnknownEnvironment => "unknown-environment", Error;
    ReservedMetadataKey => "reserved-metadata-key", Error;
    EmptyKey => "empty-key", Error;
    KeyEscapesRoot => "key-escapes-root", Error;
    InvalidKey => "invalid-key", Error;
    EmptyBody => "empty-body", Error;
    TitleTooShort => "title-too-short", Error;
    TitleTooLong => "title-too-long", Error;
    ContentTooShort => "content-too-short", Error;
    ContentTooLong => "content-too-long", Error;
    UnmappedFolder => "unmapped-folder", Error;
    DuplicateKey => "duplicate-key", Error;
    DuplicateTitle => "duplicate-title", Error;
    NearDuplicate => "near-duplicate", Warning;
    Secret => "secret", Warning;
}

/// A pointer into another file that explains a problem (the first file that
/// uses a duplicated key, the scenario this one nearly duplicates).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelatedSpan {
    /// The other file, below the repository.
    pub path: RepoPath,
    /// Byte span in that file.
    pub span: Range<usize>,
    /// What the span shows.
    pub label: String,
}

/// One problem in one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The class of problem (its severity follows from it).
    pub code: Code,
    /// What is wrong, in one sentence.
    pub message: String,
    /// Byte span of the offending token in the file text.
    pub span: Range<usize>,
    /// Short text shown under the span.
    pub label: String,
    /// What to do about it.
    pub help: Option<String>,
    /// Other places that explain this problem.
    pub related: Vec<RelatedSpan>,
}

impl Problem {
    /// A problem without help or related spans.
    pub fn new(
        code: Code,
        span: Range<usize>,
        message: impl Into<String>,
        label: impl Into<String>,
    ) -> Problem {
        Problem {
            code,
            message: message.into(),
            span,
            label: label.into(),
            help: None,
            related: Vec::new(),
        }
    }

    /// Adds help text.
    pub fn help(mut self, help: impl Into<String>) -> Problem {
        self.help = Some(help.into());
        self
    }

    /// Adds a related span in another file.
    pub fn related(mut self, related: RelatedSpan) -> Problem {
        self.related.push(related);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_prefixed() {
        let mut names: Vec<_> = Code::ALL.iter().map(|c| c.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Code::ALL.len());
        assert!(names.iter().all(|n| n.starts_with("cxtrain::")));
        assert_eq!(Code::Secret.severity(), Severity::Warning);
    }
}
