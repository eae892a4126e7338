//! Certification levels (职业技能等级) and school types (办学层次), and which school type may
//! certify which level (notice 二, rules R1 and R2).

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A skill level a technical school may certify. The digit is position 16 of a certificate code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Level {
    /// 三级 / 高级工
    #[serde(rename = "3")]
    Three,
    /// 四级 / 中级工
    #[serde(rename = "4")]
    Four,
    /// 五级 / 初级工
    #[serde(rename = "5")]
    Five,
    /// 预备技师
    #[serde(rename = "9")]
    Nine,
}

impl Level {
    /// Every level, in code order.
    pub const ALL: [Level; 4] = [Level::Three, Level::Four, Level::Five, Level::Nine];

    /// The digit used in certificate codes and in the API (`"3"`, `"4"`, `"5"`, `"9"`).
    pub fn digit(self) -> char {
        match self {
            Level::Three => '3',
            Level::Four => '4',
            Level::Five => '5',
            Level::Nine => '9',
        }
    }

    /// The stable code used in the API and the database: the digit as a string.
    pub fn code(self) -> &'static str {
        match self {
            Level::Three => "3",
            Level::Four => "4",
            Level::Five => "5",
            Level::Nine => "9",
        }
    }

    /// Parses a level digit; `None` for anything other than 3, 4, 5 or 9.
    pub fn from_digit(c: char) -> Option<Level> {
        match c {
            '3' => Some(Level::Three),
            '4' => Some(Level::Four),
            '5' => Some(Level::Five),
            '9' => Some(Level::Nine),
            _ => None,
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Level {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut chars = s.chars();
        match (chars.next(), chars.next()) {
            (Some(c), None) => Level::from_digit(c).ok_or(()),
            _ => Err(()),
        }
    }
}

/// The three kinds of technical school (技工院校) named by the notice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SchoolType {
    /// 技师学院
    TechnicianCollege,
    /// 高级技工学校
    SeniorTechnicalSchool,
    /// 技工学校
    TechnicalSchool,
}

impl SchoolType {
    /// Every school type.
    pub const ALL: [SchoolType; 3] =
        [SchoolType::TechnicianCollege, SchoolType::SeniorTechnicalSchool, SchoolType::TechnicalSchool];

    /// The stable code used in the API and the database.
    pub fn code(self) -> &'static str {
        match self {
            SchoolType::TechnicianCollege => "technician_college",
            SchoolType::SeniorTechnicalSchool => "senior_technical_school",
            SchoolType::TechnicalSchool => "technical_school",
        }
    }

    /// Parses a stable code.
    pub fn from_code(s: &str) -> Option<SchoolType> {
        SchoolType::ALL.into_iter().find(|t| t.code() == s)
    }
}

/// Why a level may not be certified (R1, R2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LevelRuleError {
    /// R1: 技工学校 may certify levels 4 and 5 only.
    #[error("a {school_type:?} may not certify level {level}")]
    LevelNotAllowedForSchoolType { level: Level, school_type: SchoolType },
    /// R2: level 9 only for a major that runs a preparatory technician class (预备技师班).
    #[error("level 9 requires a major with a preparatory technician class")]
    PreparatoryClassRequired,
}

/// Checks rules R1 and R2 for one occupation row of a filing (notice 二).
///
/// * R1: 技师学院 and 高级技工学校 may certify levels 3, 4 and 5; 技工学校 only 4 and 5.
/// * R2: level 9 (预备技师) only for a major that runs a 预备技师班, whatever the school type.
pub fn check_level_allowed(
    school_type: SchoolType,
    level: Level,
    major_has_preparatory_class: bool,
) -> Result<(), LevelRuleError> {
    match level {
        Level::Nine if !major_has_preparatory_class => Err(LevelRuleError::PreparatoryClassRequired),
        Level::Nine | Level::Four | Level::Five => Ok(()),
        Level::Three => match school_type {
            SchoolType::TechnicianCollege | SchoolType::SeniorTechnicalSchool => Ok(()),
            SchoolType::TechnicalSchool => {
                Err(LevelRuleError::LevelNotAllowedForSchoolType { level, school_type })
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // R1 (notice 二): "技师学院、高级技工学校可开展三级/高级工及以下等级认定".
    #[test]
    fn r1_level_3_is_refused_for_a_technical_school() {
        assert_eq!(
            check_level_allowed(SchoolType::TechnicalSchool, Level::Three, false),
            Err(LevelRuleError::LevelNotAllowedForSchoolType {
                level: Level::Three,
                school_type: SchoolType::TechnicalSchool
            })
        );
    }

    #[test]
    fn r1_level_3_is_allowed_for_technician_colleges_and_senior_schools() {
        for t in [SchoolType::TechnicianCollege, SchoolType::SeniorTechnicalSchool] {
            assert_eq!(check_level_allowed(t, Level::Three, false), Ok(()));
        }
    }

    #[test]
    fn r1_levels_4_and_5_are_allowed_for_every_school_type() {
        for t in SchoolType::ALL {
            for l in [Level::Four, Level::Five] {
                assert_eq!(check_level_allowed(t, l, false), Ok(()));
            }
        }
    }

    // R2 (notice 二): 预备技师 only for majors running a 预备技师班.
    #[test]
    fn r2_level_9_requires_a_preparatory_technician_class() {
        for t in SchoolType::ALL {
            assert_eq!(
                check_level_allowed(t, Level::Nine, false),
                Err(LevelRuleError::PreparatoryClassRequired)
            );
            assert_eq!(check_level_allowed(t, Level::Nine, true), Ok(()));
        }
    }

    #[test]
    fn level_digits_round_trip_and_others_are_refused() {
        for l in Level::ALL {
            assert_eq!(Level::from_digit(l.digit()), Some(l));
            assert_eq!(l.code().parse::<Level>(), Ok(l));
        }
        for c in ['0', '1', '2', '6', '7', '8', 'a', '３'] {
            assert_eq!(Level::from_digit(c), None);
        }
        assert!("33".parse::<Level>().is_err());
        assert!("".parse::<Level>().is_err());
    }

    #[test]
    fn school_type_codes_round_trip() {
        for t in SchoolType::ALL {
            assert_eq!(SchoolType::from_code(t.code()), Some(t));
        }
        assert_eq!(SchoolType::from_code("university"), None);
    }
}
