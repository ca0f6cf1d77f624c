//! The interactive confirmation: only an explicit yes applies.

use std::io::BufRead;

/// Whether an answer to the prompt means yes (`y` or `yes`, any case).
pub fn is_yes(answer: &str) -> bool {
    matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes")
}

/// Reads one answer line from `input`; end of input counts as no.
pub fn read_answer(input: &mut impl BufRead) -> std::io::Result<bool> {
    let mut line = String::new();
    input.read_line(&mut line)?;
    Ok(is_yes(&line))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_explicit_yes_confirms() {
        for yes in ["y", "Y", "yes", " YES \n", "Yes\r\n"] {
            assert!(is_yes(yes), "{yes:?}");
        }
        for no in ["", "\n", "n", "no", "yess", "sure", "y y"] {
            assert!(!is_yes(no), "{no:?}");
        }
    }

    #[test]
    fn end_of_input_is_no() {
        assert!(!read_answer(&mut &b""[..]).unwrap());
        assert!(read_answer(&mut &b"y\nrest"[..]).unwrap());
    }
}
