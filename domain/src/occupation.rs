//! Occupation codes of the national occupation classification (职业分类大典, 2022): `8-88-88-88`.

use std::fmt;

/// An occupation code: major group 1–8, then three two-digit groups, separated by `-`.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OccupationCode(String);

impl OccupationCode {
    /// Parses `d-dd-dd-dd` with a major group from 1 to 8.
    pub fn parse(s: &str) -> Option<OccupationCode> {
        let b = s.as_bytes();
        let shape = b.len() == 10
            && b.iter()
                .enumerate()
                .all(|(i, c)| if matches!(i, 1 | 4 | 7) { *c == b'-' } else { c.is_ascii_digit() });
        (shape && (b'1'..=b'8').contains(&b[0])).then(|| OccupationCode(s.to_owned()))
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The major group (大类), 1–8.
    pub fn major_group(&self) -> u8 {
        self.0.as_bytes()[0] - b'0'
    }
}

impl fmt::Display for OccupationCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for OccupationCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "OccupationCode({})", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn occupation_codes_have_the_classification_shape() {
        let c = OccupationCode::parse("6-18-01-01").expect("车工");
        assert_eq!((c.major_group(), c.as_str()), (6, "6-18-01-01"));
        for bad in ["6-18-01-1", "9-18-01-01", "0-18-01-01", "6_18_01_01", "6-18-01-011", "６-18-01-01", ""]
        {
            assert!(OccupationCode::parse(bad).is_none(), "{bad}");
        }
    }
}
