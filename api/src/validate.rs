//! Field checks shared by handlers; each adds [`FieldError`]s so that every violation of a
//! request is reported at once.

use crate::config::{PASSWORD_MAX, PASSWORD_MIN};
use crate::error::FieldError;
use crate::i18n::Rule;
use domain::text::{self, TextError};

/// Collects field errors.
#[derive(Debug, Default)]
pub struct Errors(pub Vec<FieldError>);

impl Errors {
    /// Adds one.
    pub fn push(&mut self, e: FieldError) {
        self.0.push(e);
    }

    /// `Ok(())` when nothing was added, else the 422 listing everything.
    pub fn finish(self) -> Result<(), crate::error::ApiError> {
        if self.0.is_empty() { Ok(()) } else { Err(crate::error::ApiError::validation(self.0)) }
    }

    /// A single-line text of at most `max` characters; returns the trimmed value.
    pub fn single_line(&mut self, field: &str, value: &str, max: usize) -> Option<String> {
        match text::single_line(value, max) {
            Ok(v) => Some(v.to_owned()),
            Err(e) => {
                self.push(text_error(field, e));
                None
            }
        }
    }

    /// A username: 3–64 of `[a-z0-9._-]`, starting with a letter or digit; upper case is folded.
    pub fn username(&mut self, field: &str, value: &str) -> Option<String> {
        let v = value.trim().to_ascii_lowercase();
        let ok = (3..=64).contains(&v.len())
            && v.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'_'))
            && v.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric());
        if ok {
            Some(v)
        } else {
            self.push(FieldError::new(field, Rule::UsernameFormat));
            None
        }
    }

    /// A password of [`PASSWORD_MIN`]–[`PASSWORD_MAX`] characters without control characters.
    pub fn password(&mut self, field: &str, value: &str) -> bool {
        let n = value.chars().count();
        if !(PASSWORD_MIN..=PASSWORD_MAX).contains(&n) {
            self.push(
                FieldError::new(field, Rule::PasswordLength)
                    .with("min", PASSWORD_MIN)
                    .with("max", PASSWORD_MAX),
            );
            false
        } else if value.chars().any(char::is_control) {
            self.push(FieldError::new(field, Rule::ControlCharacter));
            false
        } else {
            true
        }
    }
}

fn text_error(field: &str, e: TextError) -> FieldError {
    match e {
        TextError::Blank => FieldError::new(field, Rule::Blank),
        TextError::TooLong { max } => FieldError::new(field, Rule::TooLong).with("max", max),
        TextError::ControlCharacter => FieldError::new(field, Rule::ControlCharacter),
    }
}

/// Checks a phone number: digits, spaces, `-` and `+`, 7–20 characters.
pub fn phone(errors: &mut Errors, field: &str, v: &str) -> Option<String> {
    let t = v.trim();
    let ok =
        (7..=20).contains(&t.len()) && t.chars().all(|c| c.is_ascii_digit() || matches!(c, '-' | ' ' | '+'));
    if ok {
        Some(t.to_owned())
    } else {
        errors.push(FieldError::new(field, Rule::InvalidPhone));
        None
    }
}
