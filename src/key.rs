//! The rules every training key obeys, wherever it comes from: a file's
//! `key:` (checked by `validate`), an `[adopt]` entry, or a remote
//! training's `cxtrain_key` (which `pull` turns into a file path). One
//! definition, so `pull` never writes a key that `validate` refuses, nor a
//! path that escapes the root.

/// Longest key, in bytes.
pub const MAX_KEY_BYTES: usize = 512;

/// Longest name between two `/` of a key, in bytes: with `.md` it must fit
/// the 255-byte file names of common file systems, with room to spare.
pub const MAX_SEGMENT_BYTES: usize = 200;

/// Why a key is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyError {
    /// Empty or blank.
    Empty,
    /// A `..` segment: it would name something outside the root.
    Climbs,
    /// A leading `/`, a `\`, or an empty segment (`a//b`, `a/`).
    NotRelative,
    /// A `.` segment (`./a`, `a/./b`): not the one spelling of its path.
    DotSegment,
    /// A segment starting or ending with spaces (`a/ b`): invisible in most
    /// listings, and not the one spelling of its path.
    Spaces,
    /// A `:` — a drive (`C:`) or an alternate data stream on Windows.
    Colon,
    /// A control character, line or paragraph separator, or bidi override.
    Control,
    /// Longer than [`MAX_KEY_BYTES`], or a segment longer than
    /// [`MAX_SEGMENT_BYTES`].
    TooLong,
}

/// Checks `key` against every rule.
pub fn check(key: &str) -> Result<(), KeyError> {
    if key.trim().is_empty() {
        return Err(KeyError::Empty);
    }
    if key.chars().any(crate::text::is_unsafe) || key.contains(['\n', '\t']) {
        return Err(KeyError::Control);
    }
    let segments = || key.split('/');
    if segments().any(|s| s == "..") {
        return Err(KeyError::Climbs);
    }
    if key.contains('\\') || segments().any(str::is_empty) {
        return Err(KeyError::NotRelative);
    }
    if segments().any(|s| s == ".") {
        return Err(KeyError::DotSegment);
    }
    if segments().any(|s| s.trim() != s) {
        return Err(KeyError::Spaces);
    }
    if key.contains(':') {
        return Err(KeyError::Colon);
    }
    if key.len() > MAX_KEY_BYTES || segments().any(|s| s.len() > MAX_SEGMENT_BYTES) {
        return Err(KeyError::TooLong);
    }
    Ok(())
}

impl KeyError {
    /// What is wrong, as a sentence about `key`.
    pub fn message(self) -> String {
        match self {
            Self::Empty => "`key` is empty".to_owned(),
            Self::Climbs => "`key` must not contain `..` segments".to_owned(),
            Self::NotRelative => {
                "`key` must be a relative `/`-separated path without empty segments".to_owned()
            }
            Self::DotSegment => "`key` must not contain `.` segments".to_owned(),
            Self::Spaces => "`key` segments must not start or end with spaces".to_owned(),
            Self::Colon => "`key` must not contain `:`".to_owned(),
            Self::Control => "`key` must not contain control characters".to_owned(),
            Self::TooLong => format!(
                "`key` must be at most {MAX_KEY_BYTES} bytes, each `/`-separated name at most \
                 {MAX_SEGMENT_BYTES}"
            ),
        }
    }

    /// How to fix `key`: its one normal spelling when it has one (`./a//b/`
    /// → `a/b`), else what a key looks like.
    pub fn help(self, key: &str) -> String {
        if matches!(self, Self::NotRelative | Self::DotSegment | Self::Spaces)
            && let Some(normal) = normal_spelling(key)
        {
            return format!("write it as `{normal}`");
        }
        match self {
            Self::Empty => {
                "remove `key` to use the file path, or give a name like `billing/refunds`"
            }
            Self::Climbs => "keys name trainings below the root; use a path like `billing/refunds`",
            Self::NotRelative | Self::DotSegment | Self::Spaces => {
                "use a path like `billing/refunds` (no leading `/`, no `\\`, no `.` segments)"
            }
            Self::Colon | Self::Control => {
                "keys become file paths; use letters, digits, `-`, `_` and `/`, like \
                 `billing/refunds`"
            }
            Self::TooLong => "use a shorter key",
        }
        .to_owned()
    }
}

/// The normal spelling of a key written with `\`, `.`, empty or padded
/// segments, when it names a path below the root.
fn normal_spelling(key: &str) -> Option<String> {
    let segments: Vec<&str> = key
        .split(['/', '\\'])
        .map(str::trim)
        .filter(|s| !s.is_empty() && *s != ".")
        .collect();
    (!segments.is_empty() && !segments.contains(&"..")).then(|| segments.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_plain_paths() {
        for key in ["a", "billing/refund-late", "x_y/z.v2", "ünï/ok", "a b/c"] {
            assert_eq!(check(key), Ok(()), "{key}");
        }
    }

    #[test]
    fn refuses_every_unsafe_key() {
        let long_segment = format!("a/{}", "b".repeat(MAX_SEGMENT_BYTES + 1));
        let long = vec!["seg"; MAX_KEY_BYTES / 4 + 1].join("/");
        for (key, error) in [
            ("", KeyError::Empty),
            ("  ", KeyError::Empty),
            ("..", KeyError::Climbs),
            ("../../x", KeyError::Climbs),
            ("a/../b", KeyError::Climbs),
            ("/abs", KeyError::NotRelative),
            ("a//b", KeyError::NotRelative),
            ("a/", KeyError::NotRelative),
            ("..\\..\\..\\PWNED3", KeyError::NotRelative),
            ("./a", KeyError::DotSegment),
            ("a/./b", KeyError::DotSegment),
            ("a/ b", KeyError::Spaces),
            (" a", KeyError::Spaces),
            ("C:x", KeyError::Colon),
            ("a:b", KeyError::Colon),
            ("::error::k", KeyError::Colon),
            ("a\u{0}b", KeyError::Control),
            ("a\u{1b}[2Jb", KeyError::Control),
            ("a\nb", KeyError::Control),
            ("a\tb", KeyError::Control),
            ("a\u{7f}", KeyError::Control),
            ("a\u{9b}", KeyError::Control),
            ("a\u{202e}b", KeyError::Control),
            (long_segment.as_str(), KeyError::TooLong),
            (long.as_str(), KeyError::TooLong),
        ] {
            assert_eq!(check(key), Err(error), "{key:?}");
        }
    }
}
