//! Colour: when to use it ([`ColorChoice`], `NO_COLOR`) and how ([`Paint`],
//! ANSI styles). Every coloured printer goes through these two.

/// `--color`: when to colour output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ColorChoice {
    /// Colour a terminal, unless `NO_COLOR` is set.
    #[default]
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

impl ColorChoice {
    /// Whether a stream gets colours under this choice.
    pub fn paint_for(self, is_terminal: bool) -> Paint {
        Paint(match self {
            Self::Always => true,
            Self::Never => false,
            Self::Auto => is_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
        })
    }
}

/// Red: deletes, failures, what goes away.
pub const RED: &str = "31";
/// Green: creates, success, what comes in.
pub const GREEN: &str = "32";
/// Yellow: updates, moves, warnings.
pub const YELLOW: &str = "33";
/// Blue: publishing.
pub const BLUE: &str = "34";
/// Cyan: names and headers.
pub const CYAN: &str = "36";

/// A diff line's sign and colour: `-` red, `+` green, context plain.
pub(crate) fn diff_mark(tag: similar::ChangeTag) -> (&'static str, &'static str) {
    match tag {
        similar::ChangeTag::Delete => ("-", RED),
        similar::ChangeTag::Insert => ("+", GREEN),
        similar::ChangeTag::Equal => (" ", ""),
    }
}

/// ANSI styling when enabled, plain text otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paint(pub bool);

impl Paint {
    /// Whether styling is on.
    pub fn enabled(self) -> bool {
        self.0
    }

    /// `text` in an SGR `style` (such as [`RED`] or `"1"`); empty text stays
    /// empty.
    pub fn paint(&self, style: &str, text: &str) -> String {
        if self.0 && !style.is_empty() && !text.is_empty() {
            format!("\x1b[{style}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }

    /// Bold.
    pub fn bold(&self, text: &str) -> String {
        self.paint("1", text)
    }

    /// Dim.
    pub fn dim(&self, text: &str) -> String {
        self.paint("2", text)
    }

    /// A dim field name padded to one width, so the values after it line up.
    pub fn label(&self, name: &str) -> String {
        self.dim(&format!("{name:<9}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn styles_only_when_enabled_and_never_empty_text() {
        assert_eq!(Paint(true).paint(RED, "x"), "\x1b[31mx\x1b[0m");
        assert_eq!(Paint(false).paint(RED, "x"), "x");
        assert_eq!(Paint(true).paint(RED, ""), "");
        assert_eq!(Paint(false).label("title"), "title    ");
        assert_eq!(ColorChoice::Always.paint_for(false), Paint(true));
        assert_eq!(ColorChoice::Never.paint_for(true), Paint(false));
        assert_eq!(ColorChoice::Auto.paint_for(false), Paint(false));
    }
}
