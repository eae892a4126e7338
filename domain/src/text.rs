//! Rules for free text that users type (names, titles, reasons).

/// Why a piece of free text was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    /// Empty, or only white space.
    #[error("must not be blank")]
    Blank,
    /// Longer than the limit, counted in Unicode characters.
    #[error("at most {max} characters")]
    TooLong { max: usize },
    /// Contains a control character (NUL, escape, …); line breaks only where allowed.
    #[error("contains a control character")]
    ControlCharacter,
}

/// Trims `s` and checks it is a single line of at most `max` characters with no control
/// characters. Returns the trimmed text.
pub fn single_line(s: &str, max: usize) -> Result<&str, TextError> {
    let t = s.trim();
    if t.is_empty() {
        return Err(TextError::Blank);
    }
    if t.chars().any(char::is_control) {
        return Err(TextError::ControlCharacter);
    }
    if t.chars().count() > max {
        return Err(TextError::TooLong { max });
    }
    Ok(t)
}

/// Like [`single_line`] but allows line breaks and tabs (for reasons and opinions).
pub fn multi_line(s: &str, max: usize) -> Result<&str, TextError> {
    let t = s.trim();
    if t.is_empty() {
        return Err(TextError::Blank);
    }
    if t.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) {
        return Err(TextError::ControlCharacter);
    }
    if t.chars().count() > max {
        return Err(TextError::TooLong { max });
    }
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nul_bytes_and_long_names_are_refused() {
        assert_eq!(single_line("张\0三", 50), Err(TextError::ControlCharacter));
        assert_eq!(single_line(&"张".repeat(10_000), 50), Err(TextError::TooLong { max: 50 }));
        assert_eq!(single_line("   ", 50), Err(TextError::Blank));
        assert_eq!(single_line(" 张三 ", 2), Ok("张三"));
        assert_eq!(single_line("a\nb", 10), Err(TextError::ControlCharacter));
        assert_eq!(multi_line("a\nb", 10), Ok("a\nb"));
        assert_eq!(multi_line("a\u{1b}b", 10), Err(TextError::ControlCharacter));
    }
}
