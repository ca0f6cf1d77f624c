//! Everything cxtrain prints, and the only code that does.
//!
//! Printers turn values into text on a `&mut dyn Write`: plans
//! ([`plan_human`], [`plan_markdown`], [`plan_json`], chosen by [`plan`]),
//! validation diagnostics ([`diagnostics`]), apply's progress, prompt and
//! summary ([`apply`]), `doctor`'s checks and probe ([`doctor`]), search
//! hits ([`search`]), the remote inventory ([`status`]), what the
//! file-writing commands did ([`files`]), one-line notes ([`notes`]),
//! retries while a command waits on the server ([`retries`]) and the final
//! error report ([`error`]). Commands hand every printer to one sink,
//! [`Out`] (stdout or stderr, with its colour decision), where a closed
//! pipe is a quiet end rather than an error; colour comes from one helper,
//! [`Paint`].

pub mod apply;
pub mod diagnostics;
pub mod doctor;
pub mod error;
pub mod files;
mod inert;
pub mod notes;
mod out;
mod paint;
pub mod plan;
pub mod plan_human;
pub mod plan_json;
pub mod plan_markdown;
pub mod retries;
pub mod search;
pub mod status;
mod table;

use std::fmt;

pub use out::{Out, OutputError};
use paint::diff_mark;
pub use paint::{BLUE, CYAN, ColorChoice, GREEN, Paint, RED, YELLOW};

/// `one` when there is one of something, `many` otherwise.
pub(crate) fn plural<'a, N>(n: N, one: &'a str, many: &'a str) -> &'a str
where
    N: PartialEq + From<u8>,
{
    if n == N::from(1) { one } else { many }
}

/// `n` and a noun agreeing with it: `1 training`, `3 trainings`.
pub(crate) fn count<N>(n: N, noun: &str) -> String
where
    N: Copy + fmt::Display + PartialEq + From<u8>,
{
    format!("{n} {noun}{}", plural(n, "", "s"))
}
