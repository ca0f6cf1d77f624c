//! The Markdown body: content normalisation (SPEC §1.1) and title resolution
//! from a leading `# heading` or the file name.

use std::ops::Range;

use pulldown_cmark::{Event, HeadingLevel, Parser, Tag, TagEnd};

/// Normalises a body into the content sent to the API: CRLF → LF, blank lines before the first text dropped, exactly one trailing
/// newline removed, trailing whitespace of the last line trimmed.
///
/// Writing `content + "\n"` as a body and normalising it again gives back
/// `content`, which is what makes `pull` → files → `plan` a no-op. (The BOM
/// is removed when the file is decoded, before the front matter is split.)
pub fn normalize(body: &str) -> String {
    let mut text = body.replace("\r\n", "\n");
    // `\r\r\n` leaves a new CRLF behind; repeat so none survives.
    while text.contains("\r\n") {
        text = text.replace("\r\n", "\n");
    }
    let leading = leading_blank_lines(&text);
    text.drain(..leading);
    if text.ends_with('\n') {
        text.pop();
    }
    let last_line_start = text.rfind('\n').map_or(0, |i| i + 1);
    let kept = last_line_start + text[last_line_start..].trim_end().len();
    text.truncate(kept);
    text
}

/// Bytes taken by whitespace-only lines at the start of `text`.
pub fn leading_blank_lines(text: &str) -> usize {
    let mut offset = 0;
    while let Some(i) = text[offset..].find('\n') {
        if !text[offset..offset + i].trim().is_empty() {
            break;
        }
        offset += i + 1;
    }
    offset
}

/// A level-1 heading that opens the body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heading {
    /// The heading text (inline markup flattened).
    pub text: String,
    /// Byte span of the heading, relative to the body.
    pub span: Range<usize>,
}

/// The level-1 heading the body opens with, if any (ATX `# ...` or setext).
pub fn leading_h1(body: &str) -> Option<Heading> {
    let mut events = Parser::new(body).into_offset_iter();
    let (first, span) = events.next()?;
    if !matches!(
        first,
        Event::Start(Tag::Heading {
            level: HeadingLevel::H1,
            ..
        })
    ) {
        return None;
    }
    let mut text = String::new();
    for (event, _) in events {
        match event {
            Event::End(TagEnd::Heading(_)) => break,
            Event::Text(t) | Event::Code(t) => text.push_str(&t),
            Event::SoftBreak | Event::HardBreak => text.push(' '),
            _ => {}
        }
    }
    Some(Heading {
        text: text.trim().to_owned(),
        span,
    })
}

/// `refund-after-30-days` → `Refund after 30 days`.
pub fn humanize(stem: &str) -> String {
    let words: Vec<&str> = stem
        .split(|c: char| c == '-' || c == '_' || c.is_whitespace())
        .filter(|w| !w.is_empty())
        .collect();
    let joined = words.join(" ");
    let mut chars = joined.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn normalizes_per_spec() {
        assert_eq!(normalize("a\r\nb  \r\n"), "a\nb");
        assert_eq!(normalize("a\nb"), "a\nb");
        assert_eq!(normalize("\n  \na\n\n"), "a\n");
        assert_eq!(normalize("a \t\n"), "a");
        assert_eq!(normalize("  a\n"), "  a");
        assert_eq!(normalize(" \n\t\n"), "");
    }

    #[test]
    fn finds_leading_h1_only() {
        let h = leading_h1("\n# Refund *policy* `v2`\n\nText").unwrap();
        assert_eq!(h.text, "Refund policy v2");
        assert_eq!(h.span, 1..24);
        assert_eq!(leading_h1("Setext\n===\nx").unwrap().text, "Setext");
        assert_eq!(leading_h1("## Two\n"), None);
        assert_eq!(leading_h1("Text\n# Later\n"), None);
        assert_eq!(leading_h1("```\n# not\n```\n"), None);
    }

    #[test]
    fn humanizes_file_names() {
        assert_eq!(humanize("refund-after-30-days"), "Refund after 30 days");
        assert_eq!(humanize("élan_vital"), "Élan vital");
        assert_eq!(humanize(""), "");
    }

    proptest! {
        #[test]
        fn normalization_round_trips(body in "[a-c \t\r\n\u{feff}é]{0,40}") {
            let content = normalize(&body);
            prop_assert_eq!(normalize(&format!("{content}\n")), content.clone());
            prop_assert!(!content.contains("\r\n"));
        }

        #[test]
        fn crlf_does_not_matter(lf in "[a-c \té]{0,8}(\n[a-c \té]{0,8}){0,5}") {
            let crlf = lf.replace('\n', "\r\n");
            prop_assert_eq!(normalize(&crlf), normalize(&lf));
        }
    }
}
