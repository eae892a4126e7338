//! Unified social credit codes (统一社会信用代码, GB 32100-2015), rule R40.
//!
//! 18 characters from the set `0-9 A-H J-N P-R T U W-Y` (no I, O, S, V, Z). The last is a check
//! character over the first 17 (weights 3^i mod 31). Some codes on old paper records fail the
//! check; they are kept recognisable (`check_passes() == false`) so that a filing can carry them
//! with a `needs_manual_review` flag instead of being refused.

use std::fmt;

/// The 31 characters of GB 32100, in value order.
const CHARSET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
/// Weights of positions 1–17.
const WEIGHTS: [u32; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/// Why a credit code was refused outright.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CreditCodeError {
    /// Not 18 characters.
    #[error("must have 18 characters")]
    Length { actual: usize },
    /// A character outside the GB 32100 set.
    #[error("invalid character at position {position}")]
    Character { position: usize },
    /// Positions 3–8 (administrative division) must be digits.
    #[error("administrative division code must be digits")]
    Division,
}

/// A well-formed credit code. `check_passes()` says whether its check character is right.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct CreditCode {
    value: String,
    check_passes: bool,
}

fn value_of(c: u8) -> Option<u32> {
    CHARSET.iter().position(|x| *x == c).map(|p| p as u32)
}

impl CreditCode {
    /// Parses a code that is well formed; the check character may fail (see [`Self::strict`]).
    /// Lower-case letters are accepted and stored upper-case.
    pub fn parse(s: &str) -> Result<CreditCode, CreditCodeError> {
        let chars: Vec<char> = s.chars().collect();
        if chars.len() != 18 {
            return Err(CreditCodeError::Length { actual: chars.len() });
        }
        let mut values = [0u32; 18];
        for (i, c) in chars.iter().enumerate() {
            let up = c.to_ascii_uppercase();
            values[i] = (up.is_ascii())
                .then(|| value_of(up as u8))
                .flatten()
                .ok_or(CreditCodeError::Character { position: i + 1 })?;
        }
        if values[2..8].iter().any(|v| *v > 9) {
            return Err(CreditCodeError::Division);
        }
        let sum: u32 = values[..17].iter().zip(WEIGHTS).map(|(v, w)| v * w).sum();
        let expected = (31 - sum % 31) % 31;
        let value = chars.iter().map(char::to_ascii_uppercase).collect();
        Ok(CreditCode { value, check_passes: values[17] == expected })
    }

    /// Parses and also requires the check character to pass.
    pub fn strict(s: &str) -> Result<CreditCode, CreditCodeError> {
        let code = Self::parse(s)?;
        if code.check_passes { Ok(code) } else { Err(CreditCodeError::Character { position: 18 }) }
    }

    /// Whether position 18 matches positions 1–17; `false` means "accept only with manual review".
    pub fn check_passes(&self) -> bool {
        self.check_passes
    }

    /// The 18 characters.
    pub fn as_str(&self) -> &str {
        &self.value
    }

    /// The check character for 17 characters, for tests and generators.
    pub fn check_character(first17: &str) -> Option<char> {
        let mut sum = 0;
        for (c, w) in first17.bytes().zip(WEIGHTS) {
            sum += value_of(c)? * w;
        }
        Some(char::from(CHARSET[((31 - sum % 31) % 31) as usize]))
    }
}

impl fmt::Display for CreditCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.value)
    }
}

impl fmt::Debug for CreditCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CreditCode({}, check_passes: {})", self.value, self.check_passes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    // A code built here from a public-sector prefix (1 = 机构编制, 2 = 事业单位, 500000 = 重庆).
    fn sample() -> String {
        let body = "12500000MB1234567";
        format!("{body}{}", CreditCode::check_character(body).expect("charset"))
    }

    // R40: GB 32100 check character.
    #[test]
    fn r40_a_correct_check_character_passes() {
        let s = sample();
        let code = CreditCode::strict(&s).expect("valid");
        assert!(code.check_passes());
        assert_eq!(CreditCode::parse(&s.to_lowercase()).map(|c| c.to_string()), Ok(s));
    }

    #[test]
    fn r40_a_legacy_code_failing_the_check_is_recognisable_not_refused() {
        let mut s = sample();
        let last = s.pop().expect("18 chars");
        s.push(if last == '0' { '1' } else { '0' });
        let code = CreditCode::parse(&s).expect("well formed");
        assert!(!code.check_passes());
        assert!(CreditCode::strict(&s).is_err());
    }

    #[test]
    fn malformed_codes_are_refused() {
        assert_eq!(CreditCode::parse("1250"), Err(CreditCodeError::Length { actual: 4 }));
        assert_eq!(CreditCode::parse("12500000MB123456IX"), Err(CreditCodeError::Character { position: 17 }));
        assert_eq!(CreditCode::parse("12A00000MB1234567X"), Err(CreditCodeError::Division));
    }

    proptest! {
        #[test]
        fn generated_codes_pass_and_single_changes_fail(
            body in "[1-9][1-9][0-9]{6}[0-9A-HJ-NPQRTUWXY]{9}", pos in 0usize..17, c in 0usize..31
        ) {
            let good = format!("{body}{}", CreditCode::check_character(&body).expect("charset"));
            prop_assert!(CreditCode::strict(&good).is_ok());
            let mut b = good.clone().into_bytes();
            prop_assume!(b[pos] != CHARSET[c] && !(2..8).contains(&pos));
            b[pos] = CHARSET[c];
            let changed = String::from_utf8(b).expect("ascii");
            // Weights 3^i mod 31 are all distinct and non-zero mod the prime 31, so a single
            // substitution always changes the check.
            prop_assert!(!CreditCode::parse(&changed).expect("well formed").check_passes());
        }
    }
}
