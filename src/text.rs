//! Untrusted text made safe to show on a terminal or in a CI log: control
//! characters become visible escapes, and no line can act as a GitHub
//! Actions workflow command.

use std::borrow::Cow;
use std::fmt::Write;

/// `text` with everything that could drive a terminal or a CI log made
/// visible and inert, for multi-line text such as a diff body:
///
/// - every control character except `\n` and `\t` (C0, so ESC, BEL, CR and
///   the start of every CSI/OSC sequence; DEL; C1), the Unicode line and
///   paragraph separators, and the bidirectional overrides and isolates are
///   written as `\u{1b}`;
/// - a line that would start (after any whitespace, as the Actions runner
///   trims it) with `::` gets its first colon
///   escaped (`\u{3a}:error::…`), and every `##[` becomes `#\u{23}[`, so
///   neither can be read as a workflow command. The start of `text` counts
///   as a line start, since callers may print it at one.
///
/// Text that needs none of this is returned as is.
pub fn escape(text: &str) -> Cow<'_, str> {
    escape_with(text, Mode::Lines, None)
}

/// [`escape`] for text shown on one line (a title, a key, an id, a path, a
/// server's message): line breaks and tabs are escaped too, so the text can
/// neither start a line of its own nor shift the columns around it.
pub fn escape_line(text: &str) -> Cow<'_, str> {
    escape_with(text, Mode::Line, None)
}

/// [`escape`] for a file shown as a source snippet, where `\r\n` line ends
/// stay as they are. Also returns, when anything was escaped, where each
/// byte offset of `text` (and its end) lands in the result, so spans into
/// `text` can be moved onto it.
pub fn escape_source(text: &str) -> (Cow<'_, str>, Option<Vec<usize>>) {
    let mut map = Vec::new();
    match escape_with(text, Mode::Source, Some(&mut map)) {
        Cow::Borrowed(same) => (Cow::Borrowed(same), None),
        escaped => (escaped, Some(map)),
    }
}

/// Whether `c` must not reach a terminal raw, even inside multi-line text.
/// Keys refuse every such character (see `workspace::key`).
pub fn is_unsafe(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(
            c,
            '\u{2028}' | '\u{2029}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
        )
}

/// What the escaped text is shown as.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// One line: `\n` and `\t` are escaped too.
    Line,
    /// Lines: `\n` and `\t` are kept.
    Lines,
    /// A file: `\n`, `\t` and the `\r` of `\r\n` are kept.
    Source,
}

impl Mode {
    /// Whether `c`, followed by `rest`, is written as an escape.
    fn escapes(self, c: char, rest: &str) -> bool {
        match c {
            '\n' | '\t' => self == Mode::Line,
            '\r' if self == Mode::Source => !rest.starts_with('\n'),
            c => is_unsafe(c),
        }
    }
}

fn escape_with<'a>(text: &'a str, mode: Mode, mut map: Option<&mut Vec<usize>>) -> Cow<'a, str> {
    if !needs_escape(text, mode) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    let mut line_start = true;
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        let at = out.len();
        let consumed = if line_start && !c.is_whitespace() && rest.starts_with("::") {
            out.push_str("\\u{3a}");
            1
        } else if rest.starts_with("##[") {
            out.push_str("#\\u{23}[");
            3
        } else if mode.escapes(c, &rest[c.len_utf8()..]) {
            // Writing to a String cannot fail.
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            c.len_utf8()
        } else {
            out.push(c);
            c.len_utf8()
        };
        if line_start && !c.is_whitespace() {
            line_start = false;
        }
        if c == '\n' && !mode.escapes(c, "") {
            line_start = true;
        }
        if let Some(map) = map.as_deref_mut() {
            map.extend(std::iter::repeat_n(at, consumed));
        }
        rest = &rest[consumed..];
    }
    if let Some(map) = map {
        map.push(out.len());
    }
    Cow::Owned(out)
}

fn needs_escape(text: &str, mode: Mode) -> bool {
    text.char_indices()
        .any(|(i, c)| mode.escapes(c, &text[i + c.len_utf8()..]))
        || text.contains("##[")
        || text
            .split('\n')
            .any(|line| line.trim_start().starts_with("::"))
}

/// A path as the user should see it: without `./` segments, and with
/// control characters in its names escaped (file names are untrusted text).
pub fn shown(path: &std::path::Path) -> String {
    let path: std::path::PathBuf = path
        .components()
        .filter(|c| *c != std::path::Component::CurDir)
        .collect();
    escape_line(&path.display().to_string()).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_borrowed() {
        for s in ["", "plain text", "a: b :: c", "tab\tand\nnewline", "ünï ✓"] {
            assert!(matches!(escape(s), Cow::Borrowed(_)), "{s:?}");
        }
    }

    #[test]
    fn control_characters_become_visible() {
        assert_eq!(
            escape("\u{1b}]52;c;cHduZWQ=\u{7}done"),
            "\\u{1b}]52;c;cHduZWQ=\\u{7}done"
        );
        assert_eq!(escape("a\rb\u{7f}c\u{9b}31m"), "a\\u{d}b\\u{7f}c\\u{9b}31m");
        assert_eq!(escape("\0"), "\\u{0}");
        assert_eq!(escape("x\u{202e}y"), "x\\u{202e}y");
        assert_eq!(escape("keep\ttabs\nand lines"), "keep\ttabs\nand lines");
    }

    #[test]
    fn source_keeps_its_line_ends_and_maps_offsets() {
        let (same, map) = escape_source("a\r\nb\tc\n");
        assert_eq!((same.as_ref(), map), ("a\r\nb\tc\n", None));
        let text = "ü\u{1b}[1m\rx\r\n::y";
        let (escaped, map) = escape_source(text);
        assert_eq!(escaped, "ü\\u{1b}[1m\\u{d}x\r\n\\u{3a}:y");
        let map = map.unwrap();
        assert_eq!(map.len(), text.len() + 1);
        // `[` after the ESC, `x`, and the end.
        assert_eq!(&escaped[map[3]..map[3] + 1], "[");
        assert_eq!(&escaped[map[7]..map[7] + 1], "x");
        assert_eq!(map[text.len()], escaped.len());
    }

    #[test]
    fn one_line_text_stays_on_its_line() {
        assert_eq!(escape_line("plain: text"), "plain: text");
        assert_eq!(
            escape_line("a\tb\n::error::x\u{1b}[2J"),
            "a\\u{9}b\\u{a}::error::x\\u{1b}[2J"
        );
        assert_eq!(escape_line("::x"), "\\u{3a}:x");
        assert_eq!(escape_line("\u{85}next line"), "\\u{85}next line");
    }

    #[test]
    fn no_line_can_be_a_workflow_command() {
        assert_eq!(escape("::error::pwned"), "\\u{3a}:error::pwned");
        assert_eq!(
            escape("fine\n  ::set-output name=x::y"),
            "fine\n  \\u{3a}:set-output name=x::y"
        );
        assert_eq!(escape("a ##[error]b ##["), "a #\\u{23}[error]b #\\u{23}[");
        assert_eq!(escape("not :: at the start"), "not :: at the start");
        for hostile in [
            "::a",
            "\n::b",
            " \t::c",
            "\u{2003}::f",
            "x##[d",
            "\u{1b}\n::e",
        ] {
            let out = escape(hostile);
            assert!(!out.contains("##["), "{out}");
            assert!(
                out.lines().all(|l| !l.trim_start().starts_with("::")),
                "{out}"
            );
            assert!(!out.chars().any(is_unsafe), "{out}");
        }
    }
}
