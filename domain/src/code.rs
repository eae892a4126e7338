//! Institution filing codes and certificate codes (notice Annex 6, rules R9, R24–R27).
//!
//! A certificate code has 22 characters: `S` (institution category: technical school), `0000`
//! (filing route: Chongqing HR department), `50` (province: Chongqing), a 6-digit institution
//! serial, the last two digits of the issue year, the level digit and a 6-digit certificate serial.
//! Positions 1–13 are the institution's filing code.

use crate::level::Level;
use std::fmt;

/// Position 1: institution category, `S` = technical school.
pub const CATEGORY: char = 'S';
/// Positions 2–5: filing route, `0000` = filed with the Chongqing HR department.
pub const ROUTE: &str = "0000";
/// Positions 6–7: province of the institution, `50` = Chongqing.
pub const PROVINCE: &str = "50";
/// The first year a certificate can carry: the notice dates from 2020.
pub const FIRST_YEAR: u8 = 20;

/// A six-digit serial `000001`–`999999` (institution serial or certificate serial).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Serial(u32);

impl Serial {
    /// The largest serial: the 999,999th is the last one (R27).
    pub const MAX: u32 = 999_999;

    /// A serial from a number; `None` outside 1..=999,999.
    pub fn new(n: u32) -> Option<Serial> {
        (1..=Self::MAX).contains(&n).then_some(Serial(n))
    }

    /// The number.
    pub fn get(self) -> u32 {
        self.0
    }
}

impl fmt::Display for Serial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:06}", self.0)
    }
}

/// What is wrong at a position of a code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodeErrorKind {
    /// The code has the wrong number of characters.
    Length { expected: usize, actual: usize },
    /// A character that is not an ASCII digit where a digit belongs (full-width digits included).
    NotADigit { found: char },
    /// Position 1 is not `S`.
    Category { found: char },
    /// Positions 2–5 are not `0000`.
    Route { found: String },
    /// Positions 6–7 are not `50`.
    Province { found: String },
    /// Positions 8–13 are `000000`.
    InstitutionSerial { found: String },
    /// Positions 14–15 give a year before 2020.
    Year { found: String },
    /// Position 16 is not 3, 4, 5 or 9.
    Level { found: char },
    /// Positions 17–22 are `000000`.
    CertificateSerial { found: String },
}

/// A code that does not follow Annex 6; `position` is 1-based, the first position of the part
/// that is wrong (`end` its last), so a front-end can point at it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid code at positions {position}–{end}: {kind:?}")]
pub struct CodeError {
    pub position: usize,
    pub end: usize,
    pub kind: CodeErrorKind,
}

impl CodeError {
    fn at(position: usize, end: usize, kind: CodeErrorKind) -> CodeError {
        CodeError { position, end, kind }
    }
}

/// An institution filing code (机构备案编码), positions 1–13 of a certificate code (R9).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct InstitutionCode {
    serial: Serial,
}

impl InstitutionCode {
    /// Number of characters.
    pub const LEN: usize = 13;

    /// The filing code of the institution with this municipal serial (R9, R10).
    pub fn from_serial(serial: Serial) -> InstitutionCode {
        InstitutionCode { serial }
    }

    /// The institution serial, positions 8–13.
    pub fn serial(self) -> Serial {
        self.serial
    }

    /// Parses a 13-character filing code, checking every position.
    pub fn parse(s: &str) -> Result<InstitutionCode, CodeError> {
        let chars: Vec<char> = s.chars().collect();
        if chars.len() != Self::LEN {
            return Err(CodeError::at(
                1,
                Self::LEN,
                CodeErrorKind::Length { expected: Self::LEN, actual: chars.len() },
            ));
        }
        parse_institution_part(&chars)
    }
}

impl fmt::Display for InstitutionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{CATEGORY}{ROUTE}{PROVINCE}{}", self.serial)
    }
}

impl fmt::Debug for InstitutionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "InstitutionCode({self})")
    }
}

/// A 22-character certificate code (证书编码, R24–R26).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CertificateCode {
    institution: InstitutionCode,
    year: u8,
    level: Level,
    serial: Serial,
}

impl CertificateCode {
    /// Number of characters.
    pub const LEN: usize = 22;

    /// Builds a code; `year` is the full issue year (2020–2099).
    pub fn new(
        institution: InstitutionCode,
        issue_year: i32,
        level: Level,
        serial: Serial,
    ) -> Option<CertificateCode> {
        let yy = u8::try_from(issue_year - 2000).ok()?;
        (FIRST_YEAR..=99).contains(&yy).then_some(CertificateCode { institution, year: yy, level, serial })
    }

    /// Parses a 22-character code, checking every position (R24–R26).
    pub fn parse(s: &str) -> Result<CertificateCode, CodeError> {
        let chars: Vec<char> = s.chars().collect();
        if chars.len() != Self::LEN {
            return Err(CodeError::at(
                1,
                Self::LEN,
                CodeErrorKind::Length { expected: Self::LEN, actual: chars.len() },
            ));
        }
        let institution = parse_institution_part(&chars[..13])?;
        let year_digits = digits(&chars, 14, 15)?;
        let year = u8::try_from(year_digits).unwrap_or(0);
        if year < FIRST_YEAR {
            return Err(CodeError::at(14, 15, CodeErrorKind::Year { found: span(&chars, 14, 15) }));
        }
        let level = Level::from_digit(chars[15]).ok_or(CodeError::at(
            16,
            16,
            CodeErrorKind::Level { found: chars[15] },
        ))?;
        let serial = Serial::new(digits(&chars, 17, 22)?).ok_or_else(|| {
            CodeError::at(17, 22, CodeErrorKind::CertificateSerial { found: span(&chars, 17, 22) })
        })?;
        Ok(CertificateCode { institution, year, level, serial })
    }

    /// Positions 1–13.
    pub fn institution(self) -> InstitutionCode {
        self.institution
    }

    /// The full issue year (positions 14–15 are its last two digits, R25).
    pub fn issue_year(self) -> i32 {
        2000 + i32::from(self.year)
    }

    /// Position 16 (R26).
    pub fn level(self) -> Level {
        self.level
    }

    /// Positions 17–22 (R27).
    pub fn serial(self) -> Serial {
        self.serial
    }
}

impl fmt::Display for CertificateCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{:02}{}{}", self.institution, self.year, self.level.digit(), self.serial)
    }
}

impl fmt::Debug for CertificateCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CertificateCode({self})")
    }
}

/// Checks positions 1–13 (`chars` has at least 13 characters).
fn parse_institution_part(chars: &[char]) -> Result<InstitutionCode, CodeError> {
    if chars[0] != CATEGORY {
        return Err(CodeError::at(1, 1, CodeErrorKind::Category { found: chars[0] }));
    }
    digits(chars, 2, 5)?;
    if span(chars, 2, 5) != ROUTE {
        return Err(CodeError::at(2, 5, CodeErrorKind::Route { found: span(chars, 2, 5) }));
    }
    digits(chars, 6, 7)?;
    if span(chars, 6, 7) != PROVINCE {
        return Err(CodeError::at(6, 7, CodeErrorKind::Province { found: span(chars, 6, 7) }));
    }
    let serial = Serial::new(digits(chars, 8, 13)?).ok_or_else(|| {
        CodeError::at(8, 13, CodeErrorKind::InstitutionSerial { found: span(chars, 8, 13) })
    })?;
    Ok(InstitutionCode { serial })
}

/// The characters at 1-based positions `from..=to`.
fn span(chars: &[char], from: usize, to: usize) -> String {
    chars[from - 1..to].iter().collect()
}

/// The number at 1-based positions `from..=to`, which must all be ASCII digits.
fn digits(chars: &[char], from: usize, to: usize) -> Result<u32, CodeError> {
    let mut n = 0u32;
    for (i, c) in chars[from - 1..to].iter().enumerate() {
        let d = c.to_digit(10).filter(|_| c.is_ascii_digit()).ok_or(CodeError::at(
            from + i,
            from + i,
            CodeErrorKind::NotADigit { found: *c },
        ))?;
        n = n * 10 + d;
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const EXAMPLE: &str = "S000050000001204000001";

    // R24: the Annex 6 example decodes into its parts.
    #[test]
    fn r24_annex_6_example_decodes() {
        let code = CertificateCode::parse(EXAMPLE).expect("the notice's example is valid");
        assert_eq!(code.institution().to_string(), "S000050000001");
        assert_eq!(code.issue_year(), 2020);
        assert_eq!(code.level(), Level::Four);
        assert_eq!(code.serial().get(), 1);
        assert_eq!(code.to_string(), EXAMPLE);
    }

    // R9: filing code = S + 0000 + 50 + 6-digit serial.
    #[test]
    fn r9_filing_code_is_built_from_the_serial() {
        let serial = Serial::new(50).expect("50 is a serial");
        assert_eq!(InstitutionCode::from_serial(serial).to_string(), "S000050000050");
        assert_eq!(InstitutionCode::parse("S000050000050").map(|c| c.serial().get()), Ok(50));
    }

    fn err(s: &str) -> CodeError {
        CertificateCode::parse(s).expect_err("must be refused")
    }

    #[test]
    fn r24_every_position_is_checked() {
        assert_eq!(err("X000050000001204000001").position, 1);
        let e = err("S000150000001204000001");
        assert_eq!((e.position, e.end), (2, 5));
        let e = err("S000051000001204000001");
        assert_eq!((e.position, e.kind), (6, CodeErrorKind::Province { found: "51".into() }));
        let e = err("S000050000000204000001");
        assert_eq!((e.position, e.end), (8, 13));
        let e = err("S000050000001194000001");
        assert_eq!((e.position, e.end), (14, 15));
        assert_eq!(err("S000050000001206000001").kind, CodeErrorKind::Level { found: '6' });
        let e = err("S000050000001204000000");
        assert_eq!((e.position, e.end), (17, 22));
        assert_eq!(err("S00005000000120400000").kind, CodeErrorKind::Length { expected: 22, actual: 21 });
        assert_eq!(err("S0000500000012040000011").kind, CodeErrorKind::Length { expected: 22, actual: 23 });
        assert_eq!(err("s000050000001204000001").position, 1);
    }

    #[test]
    fn full_width_digits_are_refused_at_their_position() {
        let e = err("S００0050000001204000001");
        assert_eq!((e.position, e.kind), (2, CodeErrorKind::NotADigit { found: '０' }));
        let e = err("S000050000001204００0001");
        assert_eq!(e.position, 17);
    }

    // R26: position 16 is the level digit.
    #[test]
    fn r26_level_digit_matches_the_level() {
        for level in Level::ALL {
            let inst = InstitutionCode::from_serial(Serial::new(7).expect("serial"));
            let code =
                CertificateCode::new(inst, 2026, level, Serial::new(1).expect("serial")).expect("valid");
            assert_eq!(code.to_string().chars().nth(15), Some(level.digit()));
        }
    }

    // R25: positions 14–15 are the last two digits of the year of issue.
    #[test]
    fn r25_positions_14_and_15_are_the_year_of_issue() {
        let inst = InstitutionCode::from_serial(Serial::new(1).expect("serial"));
        let s = Serial::new(1).expect("serial");
        for year in 2020..=2099 {
            let code = CertificateCode::new(inst, year, Level::Four, s).expect("a year of this century");
            assert_eq!(code.to_string()[13..15], format!("{:02}", year - 2000));
            assert_eq!(CertificateCode::parse(&code.to_string()).map(|c| c.issue_year()), Ok(year));
        }
    }

    // R25 and R27: the year and the serial bounds.
    #[test]
    fn r27_serials_run_from_1_to_999999() {
        assert!(Serial::new(0).is_none());
        assert!(Serial::new(1).is_some());
        assert!(Serial::new(999_999).is_some());
        assert!(Serial::new(1_000_000).is_none());
        let inst = InstitutionCode::from_serial(Serial::new(1).expect("serial"));
        let s = Serial::new(1).expect("serial");
        assert!(CertificateCode::new(inst, 2019, Level::Four, s).is_none());
        assert!(CertificateCode::new(inst, 2100, Level::Four, s).is_none());
        assert_eq!(CertificateCode::new(inst, 2025, Level::Four, s).map(|c| c.issue_year()), Some(2025));
    }

    fn any_code() -> impl Strategy<Value = CertificateCode> {
        (1u32..=999_999, 2020i32..=2099, 0usize..4, 1u32..=999_999).prop_map(|(i, y, l, s)| {
            let inst = InstitutionCode::from_serial(Serial::new(i).expect("in range"));
            CertificateCode::new(inst, y, Level::ALL[l], Serial::new(s).expect("in range")).expect("in range")
        })
    }

    proptest! {
        #[test]
        fn round_trip(code in any_code()) {
            let s = code.to_string();
            prop_assert_eq!(s.len(), 22);
            prop_assert_eq!(CertificateCode::parse(&s), Ok(code));
            prop_assert_eq!(InstitutionCode::parse(&s[..13]), Ok(code.institution()));
        }

        #[test]
        fn every_single_character_change_is_refused_or_another_code(
            code in any_code(), pos in 0usize..22, c in proptest::char::any()
        ) {
            let mut chars: Vec<char> = code.to_string().chars().collect();
            prop_assume!(chars[pos] != c);
            chars[pos] = c;
            let changed: String = chars.into_iter().collect();
            if let Ok(other) = CertificateCode::parse(&changed) {
                prop_assert_ne!(other, code);
                prop_assert_eq!(other.to_string(), changed);
            }
        }

        #[test]
        fn whatever_parses_formats_back_to_the_input(s in "[S0-9５\\PC]{20,23}") {
            if let Ok(code) = CertificateCode::parse(&s) {
                prop_assert_eq!(code.to_string(), s.clone());
            }
            if let Ok(code) = InstitutionCode::parse(&s) {
                prop_assert_eq!(code.to_string(), s);
            }
        }
    }
}
