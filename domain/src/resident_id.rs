//! Resident identity card numbers (公民身份号码, GB 11643-1999), rule R40.
//!
//! 18 characters: 6-digit address code, 8-digit birth date, 3-digit sequence (odd for men, even
//! for women) and a check character (ISO 7064 MOD 11-2, `0`–`9` or `X`). The number is sensitive
//! personal information: `Debug` prints it masked, and only [`ResidentId::as_str`] reveals it.

use chrono::{Datelike, NaiveDate};
use std::fmt;

/// Weights of positions 1–17 for the check character.
const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
/// Check character for `sum mod 11`.
const CHECK: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];
/// Province-level codes of GB/T 2260 (positions 1–2).
const PROVINCES: [u32; 34] = [
    11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52, 53, 54,
    61, 62, 63, 64, 65, 71, 81, 82,
];

/// Gender as recorded by the sequence digit (position 17).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Gender {
    /// 男
    Male,
    /// 女
    Female,
}

impl Gender {
    /// The stable code.
    pub fn code(self) -> &'static str {
        match self {
            Gender::Male => "male",
            Gender::Female => "female",
        }
    }
}

/// Why a resident ID number was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResidentIdError {
    /// Not 18 characters.
    #[error("must have 18 characters")]
    Length { actual: usize },
    /// Positions 1–17 must be ASCII digits, position 18 a digit or X.
    #[error("invalid character at position {position}")]
    Character { position: usize },
    /// Positions 1–2 are not a province code.
    #[error("unknown province code")]
    Province,
    /// Positions 7–14 are not a real date (or before 1900).
    #[error("birth date is not a real date")]
    BirthDate,
    /// Position 18 does not match positions 1–17.
    #[error("check character does not match")]
    CheckCharacter,
}

/// A valid 18-character resident ID number.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ResidentId {
    value: String,
    birth_date: NaiveDate,
}

/// The address code (first six digits) of a stored number that has already been validated; empty
/// for a number stored before validation existed that lacks them.
pub fn region_of(number: &str) -> &str {
    number.get(..6).filter(|r| r.bytes().all(|b| b.is_ascii_digit())).unwrap_or_default()
}

impl ResidentId {
    /// Parses and checks a number; a lower-case `x` is accepted and stored as `X`.
    pub fn parse(s: &str) -> Result<ResidentId, ResidentIdError> {
        let chars: Vec<char> = s.chars().collect();
        if chars.len() != 18 {
            return Err(ResidentIdError::Length { actual: chars.len() });
        }
        let mut digits = [0u32; 17];
        for (i, c) in chars[..17].iter().enumerate() {
            if !c.is_ascii_digit() {
                return Err(ResidentIdError::Character { position: i + 1 });
            }
            digits[i] = u32::from(*c as u8 - b'0');
        }
        let last = chars[17].to_ascii_uppercase();
        if !(last.is_ascii_digit() || last == 'X') {
            return Err(ResidentIdError::Character { position: 18 });
        }
        if !PROVINCES.contains(&(digits[0] * 10 + digits[1])) {
            return Err(ResidentIdError::Province);
        }
        let num = |from: usize, to: usize| digits[from..to].iter().fold(0u32, |n, d| n * 10 + d);
        let birth_date = NaiveDate::from_ymd_opt(num(6, 10) as i32, num(10, 12), num(12, 14))
            .filter(|d| d.year() >= 1900)
            .ok_or(ResidentIdError::BirthDate)?;
        let sum: u32 = digits.iter().zip(WEIGHTS).map(|(d, w)| d * w).sum();
        if CHECK[(sum % 11) as usize] != last {
            return Err(ResidentIdError::CheckCharacter);
        }
        let mut value: String = chars[..17].iter().collect();
        value.push(last);
        Ok(ResidentId { value, birth_date })
    }

    /// The full number. Sensitive: never log it, and mask it in public answers.
    pub fn as_str(&self) -> &str {
        &self.value
    }

    /// The address code, positions 1–6 (GB/T 2260: the county-level division where the number was
    /// first registered; a Chongqing district's code is its own).
    pub fn region(&self) -> &str {
        &self.value[..6]
    }

    /// The birth date, positions 7–14.
    pub fn birth_date(&self) -> NaiveDate {
        self.birth_date
    }

    /// The gender, from the parity of position 17.
    pub fn gender(&self) -> Gender {
        let d = self.value.as_bytes()[16] - b'0';
        if d % 2 == 1 { Gender::Male } else { Gender::Female }
    }

    /// Age in whole years on `today`.
    pub fn age_on(&self, today: NaiveDate) -> i32 {
        today.years_since(self.birth_date).map_or(-1, |y| y as i32)
    }

    /// The number with everything but the first two and the last two characters hidden,
    /// as shown wherever a full number is not needed.
    pub fn masked(&self) -> String {
        format!("{}{}{}", &self.value[..2], "*".repeat(14), &self.value[16..])
    }

    /// The check character for 17 digits, for tests and generators.
    pub fn check_character(first17: &[u8; 17]) -> char {
        let sum: u32 = first17.iter().zip(WEIGHTS).map(|(d, w)| u32::from(*d) * w).sum();
        CHECK[(sum % 11) as usize]
    }
}

impl fmt::Debug for ResidentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ResidentId({})", self.masked())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// GB 11643-1999's own example number (a fictitious person born 1949-12-31).
    const STANDARD_EXAMPLE: &str = "11010519491231002X";

    // R40: the check character of GB 11643.
    #[test]
    fn r40_standard_example_is_valid() {
        let id = ResidentId::parse(STANDARD_EXAMPLE).expect("valid");
        assert_eq!(id.birth_date(), NaiveDate::from_ymd_opt(1949, 12, 31).expect("date"));
        assert_eq!(id.gender(), Gender::Female);
        assert_eq!(id.region(), "110105");
        assert_eq!(
            ResidentId::parse("11010519491231002x").map(|i| i.as_str().to_owned()),
            Ok(STANDARD_EXAMPLE.into())
        );
    }

    #[test]
    fn r40_wrong_check_character_is_refused() {
        assert_eq!(ResidentId::parse("110105194912310021"), Err(ResidentIdError::CheckCharacter));
    }

    #[test]
    fn impossible_dates_lengths_and_characters_are_refused() {
        assert_eq!(ResidentId::parse("500101200602300011").err(), Some(ResidentIdError::BirthDate));
        assert_eq!(ResidentId::parse("5001012006").err(), Some(ResidentIdError::Length { actual: 10 }));
        assert_eq!(
            ResidentId::parse("５00101200601010011").err(),
            Some(ResidentIdError::Character { position: 1 })
        );
        assert_eq!(ResidentId::parse("990101200601010011").err(), Some(ResidentIdError::Province));
    }

    #[test]
    fn debug_output_never_shows_the_number() {
        let id = ResidentId::parse(STANDARD_EXAMPLE).expect("valid");
        let shown = format!("{id:?}");
        assert!(!shown.contains("19491231"), "{shown}");
        assert_eq!(id.masked(), "11**************2X");
    }

    fn valid_id() -> impl Strategy<Value = String> {
        (0usize..PROVINCES.len(), 0u32..10_000, 1950i32..2015, 1u32..=365, 0u32..1000).prop_map(
            |(p, area, year, day, seq)| {
                let date = NaiveDate::from_yo_opt(year, day).expect("day of year");
                let body = format!("{:02}{:04}{}{:03}", PROVINCES[p], area, date.format("%Y%m%d"), seq);
                let mut d = [0u8; 17];
                for (i, b) in body.bytes().enumerate() {
                    d[i] = b - b'0';
                }
                format!("{body}{}", ResidentId::check_character(&d))
            },
        )
    }

    proptest! {
        #[test]
        fn generated_numbers_round_trip(s in valid_id()) {
            let id = ResidentId::parse(&s).expect("generated valid");
            prop_assert_eq!(id.as_str(), s.as_str());
        }

        // Changing any one digit of positions 1–17 breaks the check (MOD 11-2 detects it),
        // unless the change itself makes another error first.
        #[test]
        fn any_single_digit_change_is_refused(s in valid_id(), pos in 0usize..17, d in 0u8..10) {
            let mut b = s.into_bytes();
            prop_assume!(b[pos] != b'0' + d);
            b[pos] = b'0' + d;
            let changed = String::from_utf8(b).expect("ascii");
            prop_assert!(ResidentId::parse(&changed).is_err());
        }
    }
}
