//! The centre's pools of people (notice 五(一)): who may be named as an examiner, and who may be
//! dispatched or assigned for a school. The registry is the centre's; these rules only read it.

use crate::Level;
use chrono::NaiveDate;
use std::collections::BTreeSet;

/// Kinds of registered people: examiners (考评人员), quality supervisors (质量督导人员) and
/// experts (专家).
pub const KINDS: [&str; 3] = ["examiner", "quality_supervisor", "expert"];

/// A registered person, as the rules see them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registered {
    /// Still in the registry (not deactivated).
    pub active: bool,
    /// The last day their certificate is valid.
    pub valid_until: NaiveDate,
    /// Who they are: the lookup hash of their resident ID number (`persistence::sealed`).
    pub person: String,
    /// The occupations (codes) they are qualified for, at each level.
    pub qualifications: BTreeSet<(String, Level)>,
}

/// Why a named person may not take part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NamedViolation {
    /// No active registered person holds the certificate number.
    NotRegistered,
    /// The certificate number is someone else's (the ID number named with it differs).
    OtherPerson,
    /// The certificate is no longer valid on the day.
    Expired { valid_until: NaiveDate },
    /// No qualification for the occupation at the level.
    NotQualified { occupation_code: String, level: Level },
}

/// Checks a person named by a filing or a plan: registered and active, the same person as
/// `person` (when the document gives an ID number), valid on `on`, and qualified for every
/// occupation and level of `needs`. Every broken rule is listed.
pub fn check_named(
    registered: Option<&Registered>,
    person: Option<&str>,
    on: NaiveDate,
    needs: &[(String, Level)],
) -> Vec<NamedViolation> {
    let Some(r) = registered.filter(|r| r.active) else {
        return vec![NamedViolation::NotRegistered];
    };
    let mut out = Vec::new();
    if person.is_some_and(|p| p != r.person) {
        out.push(NamedViolation::OtherPerson);
    }
    if r.valid_until < on {
        out.push(NamedViolation::Expired { valid_until: r.valid_until });
    }
    for (code, level) in needs {
        if !r.qualifications.contains(&(code.clone(), *level)) {
            out.push(NamedViolation::NotQualified { occupation_code: code.clone(), level: *level });
        }
    }
    out
}

/// Recusal (回避): someone employed by a school never evaluates, examines or supervises for it.
pub fn recused<Id: PartialEq>(employer: Option<&Id>, school: &Id) -> bool {
    employer == Some(school)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap_or_default()
    }

    fn examiner() -> Registered {
        Registered {
            active: true,
            valid_until: day("2027-06-30"),
            person: "A".into(),
            qualifications: [("6-18-01-01".to_owned(), Level::Four)].into_iter().collect(),
        }
    }

    #[test]
    fn a_qualified_examiner_on_a_valid_day_passes() {
        let needs = [("6-18-01-01".to_owned(), Level::Four)];
        assert!(check_named(Some(&examiner()), Some("A"), day("2027-06-30"), &needs).is_empty());
    }

    #[test]
    fn every_broken_rule_is_listed() {
        let needs = [("6-18-01-01".to_owned(), Level::Three)];
        let found = check_named(Some(&examiner()), Some("B"), day("2027-07-01"), &needs);
        assert_eq!(
            found,
            vec![
                NamedViolation::OtherPerson,
                NamedViolation::Expired { valid_until: day("2027-06-30") },
                NamedViolation::NotQualified { occupation_code: "6-18-01-01".into(), level: Level::Three },
            ]
        );
    }

    #[test]
    fn an_unknown_or_deactivated_person_is_not_registered() {
        let gone = Registered { active: false, ..examiner() };
        assert_eq!(check_named(None, None, day("2027-01-01"), &[]), vec![NamedViolation::NotRegistered]);
        assert_eq!(
            check_named(Some(&gone), None, day("2027-01-01"), &[]),
            vec![NamedViolation::NotRegistered]
        );
    }

    #[test]
    fn recusal_is_by_employer() {
        assert!(recused(Some(&1), &1));
        assert!(!recused(Some(&2), &1));
        assert!(!recused::<i32>(None, &1));
    }
}
