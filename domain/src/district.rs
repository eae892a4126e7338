//! Chongqing district and county codes (GB/T 2260, six digits starting `50`). The names and
//! the list itself are reference data (`data/reference/chongqing-districts*.csv`).

use std::fmt;

/// A six-digit Chongqing administrative division code of a district or county.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DistrictCode(u32);

/// Why a district code was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DistrictCodeError {
    /// Not six ASCII digits.
    #[error("must be six digits")]
    Format,
    /// Six digits, but not a Chongqing (50xxxx) county-level code.
    #[error("not a Chongqing district or county code")]
    NotChongqing,
}

impl DistrictCode {
    /// Parses six digits of the form `50xx00`..`50xx99` excluding the city itself (`500000`).
    pub fn parse(s: &str) -> Result<DistrictCode, DistrictCodeError> {
        if s.len() != 6 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(DistrictCodeError::Format);
        }
        let n: u32 = s.parse().map_err(|_| DistrictCodeError::Format)?;
        if !(500_101..=500_299).contains(&n) {
            return Err(DistrictCodeError::NotChongqing);
        }
        Ok(DistrictCode(n))
    }
}

impl fmt::Display for DistrictCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:06}", self.0)
    }
}

impl fmt::Debug for DistrictCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DistrictCode({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chongqing_codes_parse_and_others_do_not() {
        assert_eq!(DistrictCode::parse("500157").map(|c| c.to_string()), Ok("500157".into()));
        assert_eq!(DistrictCode::parse("500243").map(|c| c.to_string()), Ok("500243".into()));
        assert_eq!(DistrictCode::parse("510104"), Err(DistrictCodeError::NotChongqing));
        assert_eq!(DistrictCode::parse("500000"), Err(DistrictCodeError::NotChongqing));
        assert_eq!(DistrictCode::parse("50015"), Err(DistrictCodeError::Format));
        assert_eq!(DistrictCode::parse("５00157"), Err(DistrictCodeError::Format));
    }
}
