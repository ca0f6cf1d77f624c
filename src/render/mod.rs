//! render (being built).

pub mod diagnostics;

use crate::cli::ColorChoice;

/// Whether to colour output for a stream, honouring `--color` and `NO_COLOR`.
pub fn use_color(choice: ColorChoice, is_terminal: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            is_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    }
}
