//! The API key: a secret that can be handed around but never printed, and
//! redacted from any text that might echo it.

use std::borrow::Cow;
use std::collections::HashSet;
use std::fmt;

/// Runs of at least this many characters of the key are redacted wherever
/// they appear, so no truncation or splitting can reveal most of it.
pub const REDACT_RUN: usize = 8;

/// An OpenCX API key. `Debug` and `Display` print `ApiKey(***)`, never the
/// value, so it can sit inside configs and errors without leaking.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    /// Wraps a key obtained some other way (tests, the embedded emulator).
    pub fn new(value: String) -> ApiKey {
        ApiKey(value)
    }

    /// The secret itself. Only for building the `Authorization` header or
    /// configuring a local emulator with the same key; never print it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// `text` with the key, and every run of [`REDACT_RUN`] or more
    /// consecutive characters of it, replaced by `***`. Redact before
    /// shortening: a cut can then only keep fewer than [`REDACT_RUN`] of its
    /// characters.
    pub fn redact<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let key = self.0.as_bytes();
        let bytes = text.as_bytes();
        let run = REDACT_RUN.min(key.len());
        if run == 0 || bytes.len() < run {
            return Cow::Borrowed(text);
        }
        // Spans covered by some `run`-long window that occurs in the key,
        // widened to whole characters (a non-ASCII key could match inside one).
        let windows: HashSet<&[u8]> = key.windows(run).collect();
        let mut spans: Vec<(usize, usize)> = Vec::new();
        for (start, window) in bytes.windows(run).enumerate() {
            if !windows.contains(window) {
                continue;
            }
            let mut start = start;
            let mut end = start + run;
            while !text.is_char_boundary(start) {
                start -= 1;
            }
            while !text.is_char_boundary(end) {
                end += 1;
            }
            match spans.last_mut() {
                Some(last) if start <= last.1 => last.1 = last.1.max(end),
                _ => spans.push((start, end)),
            }
        }
        if spans.is_empty() {
            return Cow::Borrowed(text);
        }
        let mut out = String::with_capacity(text.len());
        let mut copied = 0;
        for (start, end) in spans {
            out.push_str(&text[copied..start]);
            out.push_str("***");
            copied = end;
        }
        out.push_str(&text[copied..]);
        Cow::Owned(out)
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey(***)")
    }
}

impl fmt::Display for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_hide_the_value() {
        let key = ApiKey::new("ocx_live_supersecret".into());
        assert_eq!(format!("{key:?}"), "ApiKey(***)");
        assert_eq!(format!("{key}"), "ApiKey(***)");
        assert_eq!(format!("{:?}", Some(&key)), "Some(ApiKey(***))");
        assert_eq!(key.expose(), "ocx_live_supersecret");
    }

    #[test]
    fn redacts_the_key_and_every_long_run_of_it() {
        let key = ApiKey::new("ocx_live_0123456789abcdef".into());
        assert_eq!(key.redact("no secret here"), "no secret here");
        assert_eq!(key.redact("token ocx_live_0123456789abcdef!"), "token ***!");
        // A cut or split echo: runs of 8 or more go, shorter ones stay.
        assert_eq!(key.redact("x=e_0123456789ab"), "x=***");
        assert_eq!(key.redact("x=01234567|89abcdef"), "x=***|***");
        assert_eq!(key.redact("x=0123456 cdef"), "x=0123456 cdef");
        assert_eq!(key.redact("ocx_live_0123456789abcdefocx_live_0123"), "***");
        assert_eq!(key.redact("ü0123456789ü"), "ü***ü");
        // Keys shorter than a run are redacted whole.
        let short = ApiKey::new("k3y".into());
        assert_eq!(short.redact("a k3y and k3"), "a *** and k3");
        let non_ascii = ApiKey::new("ééééé".into());
        assert_eq!(non_ascii.redact("xééééy"), "x***y");
    }
}
