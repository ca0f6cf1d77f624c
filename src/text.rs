//! Untrusted text made safe to show on a terminal or in a CI log: control
//! characters become visible escapes, and no line can act as a GitHub
//! Actions workflow command.

use std::borrow::Cow;
use std::fmt::Write;

/// `text` with everything that could drive a terminal or a CI log made
/// visible and inert:
///
/// - every control character except `\n` and `\t` — C0 (so ESC, BEL, CR and
///   the start of every CSI/OSC sequence), DEL and C1 — and the Unicode
///   bidirectional overrides and isolates are written as `\u{1b}`;
/// - a line that would start (after any whitespace, as the Actions runner
///   trims it) with `::` gets its first colon
///   escaped (`\u{3a}:error::…`), and every `##[` becomes `#\u{23}[`, so
///   neither can be read as a workflow command. The start of `text` counts
///   as a line start, since callers may print it at one.
///
/// Text that needs none of this is returned as is.
pub fn escape(text: &str) -> Cow<'_, str> {
    if !needs_escape(text) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    let mut line_start = true;
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if line_start && !c.is_whitespace() {
            line_start = false;
            if rest.starts_with("::") {
                out.push_str("\\u{3a}");
                rest = &rest[1..];
                continue;
            }
        }
        if rest.starts_with("##[") {
            out.push_str("#\\u{23}[");
            rest = &rest[3..];
            continue;
        }
        if c == '\n' {
            line_start = true;
            out.push(c);
        } else if is_unsafe(c) {
            // Writing to a String cannot fail.
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        } else {
            out.push(c);
        }
        rest = &rest[c.len_utf8()..];
    }
    Cow::Owned(out)
}

/// Whether `c` must not reach a terminal raw.
fn is_unsafe(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

fn needs_escape(text: &str) -> bool {
    text.chars().any(is_unsafe)
        || text.contains("##[")
        || text
            .split('\n')
            .any(|line| line.trim_start().starts_with("::"))
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
