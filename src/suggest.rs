//! "Did you mean …?" for a misspelt name: shared by the config loader and
//! the front matter parser, so neither has to import the other.

/// The closest of `candidates` to `input`, if one is close enough to be
/// what was meant (Jaro-Winkler similarity of at least 0.7).
pub fn did_you_mean<'a>(
    input: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(input, c), c))
        .filter(|(score, _)| *score >= 0.7)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names_only() {
        let fields = ["channels", "segments", "title"];
        assert_eq!(did_you_mean("chanels", fields), Some("channels"));
        assert_eq!(did_you_mean("tilte", fields), Some("title"));
        assert_eq!(did_you_mean("zzzz", fields), None);
    }
}
