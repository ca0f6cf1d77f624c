//! Secret-looking strings in content (warning): known token prefixes
//! (OpenCX, OpenAI-style `sk-`, GitHub, AWS, Slack, Stripe) and long
//! high-entropy tokens. Trainings are read by the AI and may be quoted to
//! customers, so a pasted key is a leak.

use std::ops::Range;

use crate::workspace::problem::{Code, Problem};

/// Shortest token checked for entropy alone.
const GENERIC_MIN_LEN: usize = 32;
/// Bits per character above which a long mixed token looks random.
const GENERIC_MIN_ENTROPY: f64 = 4.0;

/// Problems for every secret-looking token in `text`, whose first byte is
/// at `offset` in the file.
pub fn check(text: &str, offset: usize) -> Vec<Problem> {
    tokens(text)
        .filter_map(|range| {
            let what = classify(&text[range.clone()])?;
            Some(
                Problem::new(
                    Code::Secret,
                    offset + range.start..offset + range.end,
                    format!("content contains what looks like {what}"),
                    "possible secret",
                )
                .help("remove it and rotate the credential; trainings are sent to the AI and can be repeated to customers"),
            )
        })
        .collect()
}

fn is_token_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '+' | '/' | '=')
}

fn tokens(text: &str) -> impl Iterator<Item = Range<usize>> + '_ {
    let mut rest = text.char_indices().peekable();
    std::iter::from_fn(move || {
        while rest.next_if(|(_, c)| !is_token_char(*c)).is_some() {}
        let (start, _) = *rest.peek()?;
        let mut end = start;
        while let Some((i, c)) = rest.next_if(|(_, c)| is_token_char(*c)) {
            end = i + c.len_utf8();
        }
        Some(start..end)
    })
}

/// What a token looks like, if it looks like a credential.
fn classify(token: &str) -> Option<&'static str> {
    let token = token.trim_matches(|c| matches!(c, '-' | '/' | '=' | '+'));
    let tail = |prefix: &str, min: usize| {
        token.strip_prefix(prefix).is_some_and(|t| {
            t.len() >= min
                && t.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        })
    };
    let prefixed: [(&[&str], usize, &'static str); 6] = [
        (&["ocx_live_", "ocx_test_"], 8, "an OpenCX API key"),
        (
            &["sk_live_", "sk_test_", "rk_live_"],
            16,
            "a Stripe secret key",
        ),
        (&["sk-"], 20, "an API secret key (`sk-...`)"),
        (
            &["ghp_", "gho_", "ghs_", "ghu_", "ghr_", "github_pat_"],
            20,
            "a GitHub token",
        ),
        (
            &["xoxb-", "xoxp-", "xoxa-", "xoxr-", "xoxs-"],
            10,
            "a Slack token",
        ),
        (&["AKIA", "ASIA"], 16, "an AWS access key id"),
    ];
    for (prefixes, min, what) in prefixed {
        if prefixes.iter().any(|p| tail(p, min)) {
            return Some(what);
        }
    }
    let mixed = token.chars().any(|c| c.is_ascii_uppercase())
        && token.chars().any(|c| c.is_ascii_lowercase())
        && token.chars().any(|c| c.is_ascii_digit());
    (token.len() >= GENERIC_MIN_LEN && mixed && entropy(token) >= GENERIC_MIN_ENTROPY)
        .then_some("a high-entropy token (key or password)")
}

/// Shannon entropy in bits per character.
fn entropy(s: &str) -> f64 {
    let mut counts = [0usize; 256];
    for b in s.bytes() {
        counts[usize::from(b)] += 1;
    }
    let n = s.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = c as f64 / n;
            -p * p.log2()
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(text: &str) -> Vec<&str> {
        check(text, 0)
            .iter()
            .map(|p| &text[p.span.clone()])
            .collect()
    }

    #[test]
    fn finds_known_prefixes_and_random_tokens() {
        let text = "use ocx_live_FAKE0000EXAMPLE0000NOT0000REAL, sk-abcdefghijklmnopqrstuvwx, \
                    ghp_abcdefghijklmnopqrstuvwxyz0123456789 AKIAIOSFODNN7EXAMPLE xoxb-123456789012-abc \
                    and Zx9Qm2Lp7Rt4Vw1Ks8Hd3Nf6Bj0Gc5Ya.";
        assert_eq!(
            found(text),
            vec![
                "ocx_live_FAKE0000EXAMPLE0000NOT0000REAL",
                "sk-abcdefghijklmnopqrstuvwx",
                "ghp_abcdefghijklmnopqrstuvwxyz0123456789",
                "AKIAIOSFODNN7EXAMPLE",
                "xoxb-123456789012-abc",
                "Zx9Qm2Lp7Rt4Vw1Ks8Hd3Nf6Bj0Gc5Ya",
            ]
        );
    }

    #[test]
    fn ordinary_text_is_quiet() {
        let text = "See https://help.example.com/billing/refunds-and-store-credit for the \
                    policy; ask for the order number (ORD-2024-000123), the sk-prefix, \
                    and the 40-character commit 3f786850e387550fdab836ed7e6dc881de23001b. \
                    Placeholders such as ocx_live_XXXX are fine.";
        assert!(found(text).is_empty(), "{:?}", found(text));
    }
}
