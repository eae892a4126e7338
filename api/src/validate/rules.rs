//! The field rules that request types name in their `#[validate(custom(function = ...))]`
//! attributes, and the helpers that read a value once its rules hold. Each calls the domain's own
//! check where there is one and answers an error whose code is a [`Rule`].

use super::{ITEM, rule};
use crate::config::{PASSWORD_MAX, PASSWORD_MIN};
use crate::i18n::Rule;
use domain::text::{self, TextError};
use validator::ValidationError;

fn text_error(e: TextError) -> ValidationError {
    match e {
        TextError::Blank => rule(Rule::Blank, &[]),
        TextError::TooLong { max } => rule(Rule::TooLong, &[("max", &max)]),
        TextError::ControlCharacter => rule(Rule::ControlCharacter, &[]),
    }
}

/// A single line of at most `MAX` characters, not blank, without control characters (trimmed
/// before counting: use the value trimmed).
pub fn line<const MAX: usize>(s: &str) -> Result<(), ValidationError> {
    text::single_line(s, MAX).map(drop).map_err(text_error)
}

/// Like [`line`], with line breaks and tabs allowed (reasons, opinions, findings).
pub fn lines<const MAX: usize>(s: &str) -> Result<(), ValidationError> {
    text::multi_line(s, MAX).map(drop).map_err(text_error)
}

/// Blank (taken as absent), or like [`lines`].
pub fn lines_or_blank<const MAX: usize>(s: &str) -> Result<(), ValidationError> {
    if s.trim().is_empty() { Ok(()) } else { lines::<MAX>(s) }
}

/// Blank (taken as absent), or like [`line`].
pub fn line_or_blank<const MAX: usize>(s: &str) -> Result<(), ValidationError> {
    if s.trim().is_empty() { Ok(()) } else { line::<MAX>(s) }
}

/// An optional text field once its rules hold: trimmed, and absent when blank.
pub fn nonblank(s: &Option<String>) -> Option<String> {
    s.as_deref().map(str::trim).filter(|t| !t.is_empty()).map(str::to_owned)
}

/// A username: 3–64 of `[a-z0-9._-]`, starting with a letter or digit, once trimmed and folded to
/// lower case (see [`username_of`]).
pub fn username(s: &str) -> Result<(), ValidationError> {
    let v = username_of(s);
    let ok = (3..=64).contains(&v.len())
        && v.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'_'))
        && v.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric());
    if ok { Ok(()) } else { Err(rule(Rule::UsernameFormat, &[])) }
}

/// A username as stored: trimmed, upper case folded.
pub fn username_of(s: &str) -> String {
    s.trim().to_ascii_lowercase()
}

/// A password of [`PASSWORD_MIN`]–[`PASSWORD_MAX`] characters without control characters.
pub fn password(s: &str) -> Result<(), ValidationError> {
    let n = s.chars().count();
    if !(PASSWORD_MIN..=PASSWORD_MAX).contains(&n) {
        Err(rule(Rule::PasswordLength, &[("min", &PASSWORD_MIN), ("max", &PASSWORD_MAX)]))
    } else if s.chars().any(char::is_control) {
        Err(rule(Rule::ControlCharacter, &[]))
    } else {
        Ok(())
    }
}

/// A phone number: digits, spaces, `-` and `+`, 7–20 characters once trimmed.
pub fn phone(s: &str) -> Result<(), ValidationError> {
    let t = s.trim();
    let ok =
        (7..=20).contains(&t.len()) && t.chars().all(|c| c.is_ascii_digit() || matches!(c, '-' | ' ' | '+'));
    if ok { Ok(()) } else { Err(rule(Rule::InvalidPhone, &[])) }
}

/// An e-mail address of at most 100 characters: something, `@`, something, no spaces.
pub fn email(s: &str) -> Result<(), ValidationError> {
    line::<100>(s)?;
    let t = s.trim();
    if t.contains('@') && !t.starts_with('@') && !t.ends_with('@') && !t.contains(' ') {
        Ok(())
    } else {
        Err(rule(Rule::InvalidEmail, &[]))
    }
}

/// A text field once its rules hold: trimmed.
pub fn trimmed(s: &str) -> String {
    s.trim().to_owned()
}

/// An optional text field once its rules hold: trimmed.
pub fn trimmed_opt(s: &Option<String>) -> Option<String> {
    s.as_deref().map(trimmed)
}

/// Not one of the codes of a closed list.
fn not_one_of(allowed: &[&str]) -> ValidationError {
    rule(Rule::NotOneOf, &[("allowed", &allowed.join(", "))])
}

/// One of `allowed`.
pub fn one_of(s: &str, allowed: &[&str]) -> Result<(), ValidationError> {
    if allowed.contains(&s) { Ok(()) } else { Err(not_one_of(allowed)) }
}

/// A school type (R1): `technician_college`, `senior_technical_school` or `technical_school`.
pub fn school_type(s: &str) -> Result<(), ValidationError> {
    match domain::SchoolType::from_code(s) {
        Some(_) => Ok(()),
        None => Err(not_one_of(&["technician_college", "senior_technical_school", "technical_school"])),
    }
}

/// A unified social credit code (统一社会信用代码) of the right shape (GB 32100); its check
/// character is looked at later (a failing one is accepted for manual review).
pub fn credit_code(s: &str) -> Result<(), ValidationError> {
    domain::CreditCode::parse(s.trim()).map(drop).map_err(|_| rule(Rule::InvalidCreditCode, &[]))
}

/// What a complaint is about (R35): `institution`, `plan` or `certificate`.
pub fn complaint_target(s: &str) -> Result<(), ValidationError> {
    one_of(s, &["institution", "plan", "certificate"])
}

/// Who investigates a complaint: `centre` or `district`.
pub fn complaint_assignee(s: &str) -> Result<(), ValidationError> {
    one_of(s, &["centre", "district"])
}

/// A kind of inspection: `on_site` (现场检查), `special` (专项检查) or `comprehensive` (综合检查).
pub fn inspection_kind(s: &str) -> Result<(), ValidationError> {
    one_of(s, &["on_site", "special", "comprehensive"])
}

/// A kind of registered person: `examiner`, `quality_supervisor` or `expert`.
pub fn personnel_kind(s: &str) -> Result<(), ValidationError> {
    one_of(s, &domain::personnel::KINDS)
}

/// The result of inspecting an institution: `pass`, `rectify` or `fail`.
pub fn inspection_result(s: &str) -> Result<(), ValidationError> {
    one_of(s, &domain::supervision::INSPECTION_RESULTS)
}

/// The kind of a standard: `national_standard` (国家职业技能标准) or `evaluation_norm` (评价规范).
pub fn standard_kind(s: &str) -> Result<(), ValidationError> {
    one_of(s, &["national_standard", "evaluation_norm"])
}

/// At least one skill level, each a level code (`1`–`5`, [`domain::Level`]) named once.
pub fn levels(list: &[String]) -> Result<(), ValidationError> {
    if list.is_empty() {
        return Err(rule(Rule::TooFew, &[("min", &1)]));
    }
    let mut seen = Vec::with_capacity(list.len());
    for (i, l) in list.iter().enumerate() {
        match l.parse::<domain::Level>() {
            Err(()) => return Err(rule(Rule::InvalidLevel, &[(ITEM, &i)])),
            Ok(level) if seen.contains(&level) => return Err(rule(Rule::Duplicate, &[(ITEM, &i)])),
            Ok(level) => seen.push(level),
        }
    }
    Ok(())
}

/// A skill level code (`1`–`5`, [`domain::Level`]).
pub fn level(s: &str) -> Result<(), ValidationError> {
    s.parse::<domain::Level>().map(drop).map_err(|()| rule(Rule::InvalidLevel, &[]))
}

/// A time of day as `HH:MM`.
pub fn time(s: &str) -> Result<(), ValidationError> {
    chrono::NaiveTime::parse_from_str(s, "%H:%M").map(drop).map_err(|_| rule(Rule::InvalidTime, &[]))
}

/// Like [`line`], but a blank value is reported as missing (`required`): for rows of imports,
/// where an empty cell is a missing value.
pub fn required_line<const MAX: usize>(s: &str) -> Result<(), ValidationError> {
    match text::single_line(s, MAX) {
        Err(TextError::Blank) => Err(rule(Rule::Required, &[])),
        other => other.map(drop).map_err(text_error),
    }
}

/// Blank (taken as absent), or a phone number.
pub fn phone_or_blank(s: &str) -> Result<(), ValidationError> {
    if s.trim().is_empty() { Ok(()) } else { phone(s) }
}

/// `male` or `female` (男 and 女 accepted).
pub fn gender(s: &str) -> Result<(), ValidationError> {
    match s.trim() {
        "male" | "男" | "female" | "女" => Ok(()),
        _ => Err(not_one_of(&["male", "female", "男", "女"])),
    }
}

/// A resident ID number (公民身份号码, GB 11643) with its check character right.
pub fn resident_id(s: &str) -> Result<(), ValidationError> {
    domain::ResidentId::parse(s.trim()).map(drop).map_err(|_| rule(Rule::InvalidResidentId, &[]))
}

/// An occupation code of the national classification (`6-18-01-01`).
pub fn occupation_code(s: &str) -> Result<(), ValidationError> {
    match domain::occupation::OccupationCode::parse(s) {
        Some(_) => Ok(()),
        None => Err(rule(Rule::InvalidOccupationCode, &[])),
    }
}
