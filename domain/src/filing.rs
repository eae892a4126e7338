//! Over 400 lines: the filing rules R1–R8 with their unit tests.
//!
//! Filing applications (备案申请, notice 一–三): the workflow and the checks made at submission.
//!
//! The rules look at facts drawn from the application (which occupations at which levels for
//! which majors, who examines what, which parts are missing), not at the form itself, so the
//! same checks serve any front-end shape.

use crate::level::{Level, LevelRuleError, SchoolType, check_level_allowed};
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

/// At least this many examiners per occupation (R4).
pub const MIN_EXAMINERS_PER_OCCUPATION: usize = 3;
/// Validity of a filing, at most (R11).
pub const MAX_VALIDITY_YEARS: i32 = 3;

/// Where an application stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FilingStatus {
    /// The school is still editing.
    Draft,
    /// Sent to the bureau, waiting to be accepted.
    Submitted,
    /// Accepted by the bureau; experts not yet assigned.
    Accepted,
    /// Experts assigned; evaluations coming in.
    UnderEvaluation,
    /// Approved: the institution exists.
    Approved,
    /// Refused by the bureau.
    Rejected,
    /// Sent back to the school with reasons; it edits and submits again (a new round).
    Returned,
    /// Withdrawn by the school before the bureau decided; kept on record.
    Withdrawn,
}

impl FilingStatus {
    /// Every status.
    pub const ALL: [FilingStatus; 8] = [
        FilingStatus::Draft,
        FilingStatus::Submitted,
        FilingStatus::Accepted,
        FilingStatus::UnderEvaluation,
        FilingStatus::Approved,
        FilingStatus::Rejected,
        FilingStatus::Returned,
        FilingStatus::Withdrawn,
    ];

    /// The stable code.
    pub fn code(self) -> &'static str {
        match self {
            FilingStatus::Draft => "draft",
            FilingStatus::Submitted => "submitted",
            FilingStatus::Accepted => "accepted",
            FilingStatus::UnderEvaluation => "under_evaluation",
            FilingStatus::Approved => "approved",
            FilingStatus::Rejected => "rejected",
            FilingStatus::Returned => "returned",
            FilingStatus::Withdrawn => "withdrawn",
        }
    }

    /// Parses a stable code.
    pub fn from_code(s: &str) -> Option<FilingStatus> {
        FilingStatus::ALL.into_iter().find(|x| x.code() == s)
    }

    /// Still open: a school with an open application may not start another.
    pub fn is_open(self) -> bool {
        !matches!(self, FilingStatus::Approved | FilingStatus::Rejected | FilingStatus::Withdrawn)
    }

    /// Whether the school may still edit it.
    pub fn is_editable(self) -> bool {
        matches!(self, FilingStatus::Draft | FilingStatus::Returned)
    }
}

/// An action on an application.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FilingAction {
    Edit,
    Submit,
    Accept,
    Return,
    AssignExperts,
    Evaluate,
    Approve,
    Reject,
    /// The school withdraws its application before the decision.
    Withdraw,
}

impl FilingAction {
    /// The stable code.
    pub fn code(self) -> &'static str {
        match self {
            FilingAction::Edit => "edit",
            FilingAction::Submit => "submit",
            FilingAction::Accept => "accept",
            FilingAction::Return => "return",
            FilingAction::AssignExperts => "assign_experts",
            FilingAction::Evaluate => "evaluate",
            FilingAction::Approve => "approve",
            FilingAction::Reject => "reject",
            FilingAction::Withdraw => "withdraw",
        }
    }
}

/// An action that the current status does not allow (a 409 naming the status).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("cannot {action:?} a filing that is {current:?}")]
pub struct WrongStatus {
    pub action: FilingAction,
    pub current: FilingStatus,
}

/// The status after `action`, or why it is not allowed now.
///
/// `draft → submitted → accepted → under_evaluation → approved | rejected`; `returned` goes back
/// to the school from submitted, accepted or under evaluation, and is submitted again.
pub fn transition(current: FilingStatus, action: FilingAction) -> Result<FilingStatus, WrongStatus> {
    use FilingAction as A;
    use FilingStatus as S;
    let next = match (current, action) {
        (S::Draft | S::Returned, A::Edit) => current,
        (S::Draft | S::Returned, A::Submit) => S::Submitted,
        (S::Submitted, A::Accept) => S::Accepted,
        (S::Submitted | S::Accepted | S::UnderEvaluation, A::Return) => S::Returned,
        (S::Accepted | S::UnderEvaluation, A::AssignExperts) => S::UnderEvaluation,
        (S::UnderEvaluation, A::Evaluate) => S::UnderEvaluation,
        (S::UnderEvaluation, A::Approve) => S::Approved,
        (S::UnderEvaluation, A::Reject) => S::Rejected,
        (S::Draft | S::Submitted | S::Accepted | S::UnderEvaluation | S::Returned, A::Withdraw) => {
            S::Withdrawn
        }
        _ => return Err(WrongStatus { action, current }),
    };
    Ok(next)
}

/// Whether the bureau's decision waits for an expert evaluation (R8): always, except for a change
/// filing (`is_change`) whose submission found that it adds nothing to the scope
/// (`scope_added`, the number of occupation × work type × level entries it adds, known once
/// submitted).
pub fn evaluation_required(is_change: bool, scope_added: Option<usize>) -> bool {
    !is_change || scope_added.is_none_or(|n| n > 0)
}

/// The status after the bureau's `action` on an application whose decision needs an expert
/// evaluation (`evaluation_required`) or not: a change filing (变更备案) that adds nothing to the
/// institution's scope is decided once accepted, without experts; every other application goes
/// through [`transition`] (experts assigned, then decided).
pub fn decision_transition(
    current: FilingStatus,
    action: FilingAction,
    evaluation_required: bool,
) -> Result<FilingStatus, WrongStatus> {
    match (current, action, evaluation_required) {
        (FilingStatus::Accepted, FilingAction::Approve, false) => Ok(FilingStatus::Approved),
        (FilingStatus::Accepted, FilingAction::Reject, false) => Ok(FilingStatus::Rejected),
        _ => transition(current, action),
    }
}

/// R8: the bureau decides only after at least one expert evaluation of the current round.
pub fn check_evaluated(evaluations_this_round: usize) -> Result<(), DecisionError> {
    if evaluations_this_round == 0 { Err(DecisionError::NoEvaluation) } else { Ok(()) }
}

/// Why a decision cannot be taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DecisionError {
    /// R8.
    #[error("no expert evaluation yet")]
    NoEvaluation,
    /// R11: the end date is after decision date + 3 years.
    #[error("validity longer than 3 years")]
    ValidityTooLong { latest: NaiveDate },
    /// The end date is not after the decision date.
    #[error("validity ends before it starts")]
    ValidityNotAfterStart,
}

/// The latest allowed end of validity for a decision on `decided` (R11): the same date three
/// years later (29 February falls back to 28 February).
pub fn latest_validity_end(decided: NaiveDate) -> NaiveDate {
    let year = decided.year() + MAX_VALIDITY_YEARS;
    NaiveDate::from_ymd_opt(year, decided.month(), decided.day())
        .or_else(|| NaiveDate::from_ymd_opt(year, decided.month(), decided.day() - 1))
        .unwrap_or(decided)
}

/// R11: a validity period from `decided` to `end` is at most 3 years and not empty.
pub fn check_validity(decided: NaiveDate, end: NaiveDate) -> Result<(), DecisionError> {
    let latest = latest_validity_end(decided);
    if end <= decided {
        Err(DecisionError::ValidityNotAfterStart)
    } else if end > latest {
        Err(DecisionError::ValidityTooLong { latest })
    } else {
        Ok(())
    }
}

/// One occupation row of an application, as the rules see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OccupationRowFacts {
    /// The row's major (专业), if given.
    pub major: Option<String>,
    /// The occupation code, if given.
    pub occupation_code: Option<String>,
    /// Whether that code is in the catalogue.
    pub occupation_known: bool,
    /// The level, if given.
    pub level: Option<Level>,
    /// Whether a basis standard is named and registered for this occupation and level (R5).
    pub has_standard: bool,
    /// Whether the occupation is a confirmed access-type (准入类) occupation (R3).
    pub access_type: bool,
    /// The row names an evaluation norm although this national standard (its id and title)
    /// covers the occupation at the level (R5: the national standard first).
    pub national_standard_instead: Option<(String, String)>,
}

/// One examiner of the application's roster, as R4 sees them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExaminerFacts {
    /// The resident ID number (normalised), if given: examiners are counted as people by it.
    pub person: Option<String>,
    /// The examiner certificate number (考评员证书编号), if given.
    pub certificate_number: Option<String>,
    /// The occupation codes they examine.
    pub occupation_codes: Vec<String>,
}

/// Everything the submission rules look at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubmissionFacts {
    pub school_type: SchoolType,
    pub rows: Vec<OccupationRowFacts>,
    /// Majors that run a 预备技师班.
    pub preparatory_majors: Vec<String>,
    /// The examiners, in roster order (`examiners[i]`).
    pub examiners: Vec<ExaminerFacts>,
    /// Every person of the four rosters (staff, experts, examiners, internal supervisors) as
    /// (position, normalised resident ID number), in document order: each person appears once.
    pub people: Vec<(String, String)>,
    /// Parts of Annex 1–3 that are missing, as field paths (R7).
    pub missing: Vec<String>,
    /// The school already has another open application or a live institution.
    pub already_filed: bool,
}

/// One broken rule at submission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubmissionViolation {
    /// R1.
    LevelNotAllowed { level: Level, school_type: SchoolType },
    /// R2.
    PreparatoryClassRequired { major: String },
    /// R3.
    AccessTypeOccupation { occupation_code: String },
    /// R4: fewer distinct people (by resident ID number) examine the occupation than required.
    TooFewExaminers { occupation_code: String, count: usize },
    /// R4: this person (resident ID number) is already on a roster at `other`.
    SamePerson { other: String },
    /// R4: this examiner certificate number is already at `other`.
    SameCertificateNumber { other: String },
    /// R5.
    NoStandard,
    /// R5: a national standard (`standard_id`, `title`) covers the row; a norm may not be its basis.
    NationalStandardFirst { standard_id: String, title: String },
    /// The occupation code is not in the catalogue.
    UnknownOccupation { occupation_code: String },
    /// R7: a required part is missing.
    Missing,
    /// A school files once at a time.
    AlreadyFiled,
}

/// Checks every rule at once (R1–R5, R7) and returns each violation with its field path.
pub fn check_submission(f: &SubmissionFacts) -> Vec<(String, SubmissionViolation)> {
    let mut out: Vec<(String, SubmissionViolation)> =
        f.missing.iter().map(|m| (m.clone(), SubmissionViolation::Missing)).collect();
    if f.rows.is_empty() && !f.missing.iter().any(|m| m == "occupations") {
        out.push(("occupations".into(), SubmissionViolation::Missing));
    }
    for (i, row) in f.rows.iter().enumerate() {
        let at = |field: &str| format!("occupations[{i}].{field}");
        if let (Some(code), false) = (&row.occupation_code, row.occupation_known) {
            out.push((
                at("occupation_code"),
                SubmissionViolation::UnknownOccupation { occupation_code: code.clone() },
            ));
        }
        if let (Some(code), true) = (&row.occupation_code, row.access_type) {
            out.push((
                at("occupation_code"),
                SubmissionViolation::AccessTypeOccupation { occupation_code: code.clone() },
            ));
        }
        if let Some(level) = row.level {
            let major = row.major.clone().unwrap_or_default();
            let has_class = f.preparatory_majors.contains(&major);
            match check_level_allowed(f.school_type, level, has_class) {
                Ok(()) => {}
                Err(LevelRuleError::LevelNotAllowedForSchoolType { level, school_type }) => {
                    out.push((at("level"), SubmissionViolation::LevelNotAllowed { level, school_type }));
                }
                Err(LevelRuleError::PreparatoryClassRequired) => {
                    out.push((at("level"), SubmissionViolation::PreparatoryClassRequired { major }));
                }
            }
        }
        if !row.has_standard && row.occupation_known && row.level.is_some() {
            out.push((at("standard_id"), SubmissionViolation::NoStandard));
        }
        if let Some((standard_id, title)) = &row.national_standard_instead {
            out.push((
                at("standard_id"),
                SubmissionViolation::NationalStandardFirst {
                    standard_id: standard_id.clone(),
                    title: title.clone(),
                },
            ));
        }
        if let Some(code) = &row.occupation_code {
            // People, not list entries: an examiner listed twice counts once.
            let count = f
                .examiners
                .iter()
                .filter(|e| e.occupation_codes.iter().any(|c| c == code))
                .filter_map(|e| e.person.as_deref())
                .collect::<std::collections::BTreeSet<_>>()
                .len();
            let first_row_for_code =
                f.rows.iter().position(|r| r.occupation_code.as_deref() == Some(code.as_str())) == Some(i);
            if count < MIN_EXAMINERS_PER_OCCUPATION && first_row_for_code {
                out.push((
                    at("occupation_code"),
                    SubmissionViolation::TooFewExaminers { occupation_code: code.clone(), count },
                ));
            }
        }
    }
    for (at, other) in repeats(f.people.iter().map(|(at, id)| (at.as_str(), id.as_str()))) {
        out.push((
            format!("{at}.id_number"),
            SubmissionViolation::SamePerson { other: format!("{other}.id_number") },
        ));
    }
    let numbers = f
        .examiners
        .iter()
        .enumerate()
        .filter_map(|(i, e)| e.certificate_number.as_deref().map(|n| (format!("examiners[{i}]"), n)));
    let numbers: Vec<(String, &str)> = numbers.collect();
    for (at, other) in repeats(numbers.iter().map(|(at, n)| (at.as_str(), *n))) {
        out.push((
            format!("{at}.certificate_number"),
            SubmissionViolation::SameCertificateNumber { other: format!("{other}.certificate_number") },
        ));
    }
    if f.already_filed {
        out.push(("school_id".into(), SubmissionViolation::AlreadyFiled));
    }
    out
}

/// One row of the scope a merger hands to the receiving school (R14), as R1–R4 see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MergedRowFacts {
    pub occupation_code: String,
    pub level: Level,
    /// The majors under which the merged institutions filed this row.
    pub majors: Vec<String>,
    /// Whether the occupation is now a confirmed access-type (准入类) occupation (R3).
    pub access_type: bool,
}

/// What a merger is re-checked against: the receiving school and the merged filings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MergerFacts {
    /// The type of the school that runs the new institution (R1).
    pub school_type: SchoolType,
    pub rows: Vec<MergedRowFacts>,
    /// The receiving school's majors with a 预备技师班, from the filings of its own merged
    /// institutions (R2: the class belongs to the school that runs the institution).
    pub preparatory_majors: Vec<String>,
    /// The examiners of every merged institution's filing: they move with the institutions (R4).
    pub examiners: Vec<ExaminerFacts>,
}

/// R14: a merger keeps every rule. Each row of the merged scope is checked for the receiving
/// school as a filing would be (R1 school type, R2 预备技师班, R3 access type, R4 at least three
/// examiners, counted as people, per occupation); every violation comes with its row's index.
pub fn check_merger(f: &MergerFacts) -> Vec<(usize, SubmissionViolation)> {
    let mut out = Vec::new();
    for (i, row) in f.rows.iter().enumerate() {
        let has_class = row.majors.iter().any(|m| f.preparatory_majors.contains(m));
        match check_level_allowed(f.school_type, row.level, has_class) {
            Ok(()) => {}
            Err(LevelRuleError::LevelNotAllowedForSchoolType { level, school_type }) => {
                out.push((i, SubmissionViolation::LevelNotAllowed { level, school_type }));
            }
            Err(LevelRuleError::PreparatoryClassRequired) => {
                let major = row.majors.first().cloned().unwrap_or_default();
                out.push((i, SubmissionViolation::PreparatoryClassRequired { major }));
            }
        }
        if row.access_type {
            out.push((
                i,
                SubmissionViolation::AccessTypeOccupation { occupation_code: row.occupation_code.clone() },
            ));
        }
        let count = f
            .examiners
            .iter()
            .filter(|e| e.occupation_codes.contains(&row.occupation_code))
            .filter_map(|e| e.person.as_deref())
            .collect::<std::collections::BTreeSet<_>>()
            .len();
        if count < MIN_EXAMINERS_PER_OCCUPATION {
            out.push((
                i,
                SubmissionViolation::TooFewExaminers { occupation_code: row.occupation_code.clone(), count },
            ));
        }
    }
    out
}

/// Each later position whose key an earlier position already has, with that first position.
fn repeats<'a>(entries: impl Iterator<Item = (&'a str, &'a str)>) -> Vec<(&'a str, &'a str)> {
    let mut first: std::collections::HashMap<&str, &str> = std::collections::HashMap::new();
    let mut out = Vec::new();
    for (at, key) in entries {
        match first.get(key) {
            Some(other) => out.push((at, *other)),
            None => {
                first.insert(key, at);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    // Issue 26, point 3: a change adding nothing to the scope is decided without experts.
    #[test]
    fn a_change_without_new_scope_is_decided_once_accepted() {
        use FilingAction as A;
        use FilingStatus as S;
        assert_eq!(decision_transition(S::Accepted, A::Approve, false), Ok(S::Approved));
        assert_eq!(decision_transition(S::Accepted, A::Reject, false), Ok(S::Rejected));
        assert_eq!(decision_transition(S::UnderEvaluation, A::Approve, false), Ok(S::Approved));
        assert!(decision_transition(S::Accepted, A::Approve, true).is_err());
        assert!(decision_transition(S::Submitted, A::Approve, false).is_err());
        assert!(decision_transition(S::Approved, A::Approve, false).is_err());
        assert!(!evaluation_required(true, Some(0)));
        assert!(evaluation_required(true, Some(1)));
        assert!(evaluation_required(true, None));
        assert!(evaluation_required(false, Some(0)));
    }

    fn one_examiner(person: &str, code: &str) -> ExaminerFacts {
        ExaminerFacts {
            person: Some(person.to_owned()),
            certificate_number: None,
            occupation_codes: vec![code.to_owned()],
        }
    }

    #[test]
    fn r14_a_merged_scope_is_checked_for_the_receiving_school() {
        let row = |code: &str, level: Level, majors: &[&str], access_type: bool| MergedRowFacts {
            occupation_code: code.to_owned(),
            level,
            majors: majors.iter().map(|m| (*m).to_owned()).collect(),
            access_type,
        };
        let mut f = MergerFacts {
            school_type: SchoolType::TechnicalSchool,
            rows: vec![
                row("A", Level::Four, &[], false),
                row("A", Level::Nine, &["数控"], false),
                row("B", Level::Three, &[], true),
            ],
            preparatory_majors: vec![],
            // Three entries for A, but two people; B has three.
            examiners: vec![
                one_examiner("1", "A"),
                one_examiner("2", "A"),
                one_examiner("1", "A"),
                one_examiner("3", "B"),
                one_examiner("4", "B"),
                one_examiner("5", "B"),
            ],
        };
        let found: Vec<(usize, &'static str)> = check_merger(&f)
            .into_iter()
            .map(|(i, v)| {
                let kind = match v {
                    SubmissionViolation::LevelNotAllowed { .. } => "R1",
                    SubmissionViolation::PreparatoryClassRequired { .. } => "R2",
                    SubmissionViolation::AccessTypeOccupation { .. } => "R3",
                    SubmissionViolation::TooFewExaminers { .. } => "R4",
                    _ => "other",
                };
                (i, kind)
            })
            .collect();
        // A has two people (R4); level 9 needs a 预备技师班 (R2); a technical school may not
        // certify level 3 (R1); B is an access-type occupation (R3).
        assert_eq!(found, [(0, "R4"), (1, "R2"), (1, "R4"), (2, "R1"), (2, "R3")]);
        f.school_type = SchoolType::SeniorTechnicalSchool;
        f.examiners.push(one_examiner("6", "A"));
        f.rows.truncate(2);
        assert_eq!(check_merger(&f).len(), 1, "level 9 needs the receiving school's 预备技师班 (R2)");
        f.preparatory_majors.push("数控".into());
        assert!(check_merger(&f).is_empty());
    }

    fn row(code: &str, level: Level, major: &str) -> OccupationRowFacts {
        OccupationRowFacts {
            major: Some(major.into()),
            occupation_code: Some(code.into()),
            occupation_known: true,
            level: Some(level),
            has_standard: true,
            access_type: false,
            national_standard_instead: None,
        }
    }

    fn examiner(person: &str, codes: &[String]) -> ExaminerFacts {
        ExaminerFacts {
            person: Some(person.into()),
            certificate_number: Some(format!("KP-{person}")),
            occupation_codes: codes.to_vec(),
        }
    }

    fn facts(school_type: SchoolType, rows: Vec<OccupationRowFacts>) -> SubmissionFacts {
        let codes: Vec<String> = rows.iter().filter_map(|r| r.occupation_code.clone()).collect();
        SubmissionFacts {
            school_type,
            rows,
            preparatory_majors: vec!["数控加工".into()],
            examiners: ["p1", "p2", "p3"].iter().map(|p| examiner(p, &codes)).collect(),
            people: vec![],
            missing: vec![],
            already_filed: false,
        }
    }

    fn rules(v: &[(String, SubmissionViolation)]) -> Vec<&SubmissionViolation> {
        v.iter().map(|(_, r)| r).collect()
    }

    #[test]
    fn a_complete_application_passes() {
        let f = facts(SchoolType::TechnicianCollege, vec![row("6-18-01-01", Level::Three, "机械加工")]);
        assert!(check_submission(&f).is_empty());
    }

    // R1
    #[test]
    fn r1_a_technical_school_cannot_apply_for_level_3() {
        let f = facts(SchoolType::TechnicalSchool, vec![row("6-18-01-01", Level::Three, "机械加工")]);
        let v = check_submission(&f);
        assert_eq!(v[0].0, "occupations[0].level");
        assert_eq!(
            v[0].1,
            SubmissionViolation::LevelNotAllowed {
                level: Level::Three,
                school_type: SchoolType::TechnicalSchool
            }
        );
    }

    // R2
    #[test]
    fn r2_level_9_needs_a_major_with_a_preparatory_class() {
        let f = facts(
            SchoolType::TechnicianCollege,
            vec![row("6-18-01-01", Level::Nine, "数控加工"), row("6-18-01-02", Level::Nine, "机械加工")],
        );
        let v = check_submission(&f);
        assert_eq!(v.len(), 1);
        assert_eq!(
            v[0],
            (
                "occupations[1].level".into(),
                SubmissionViolation::PreparatoryClassRequired { major: "机械加工".into() }
            )
        );
    }

    // R3
    #[test]
    fn r3_a_confirmed_access_type_occupation_is_refused() {
        let mut r = row("4-07-05-01", Level::Four, "安保");
        r.access_type = true;
        let v = check_submission(&facts(SchoolType::TechnicalSchool, vec![r]));
        assert_eq!(
            rules(&v),
            [&SubmissionViolation::AccessTypeOccupation { occupation_code: "4-07-05-01".into() }]
        );
    }

    // R4
    #[test]
    fn r4_fewer_than_three_examiners_is_refused_once_per_occupation() {
        let mut f = facts(
            SchoolType::TechnicianCollege,
            vec![row("6-18-01-01", Level::Four, "机械加工"), row("6-18-01-01", Level::Five, "机械加工")],
        );
        f.examiners.pop();
        let v = check_submission(&f);
        assert_eq!(
            v,
            [(
                "occupations[0].occupation_code".into(),
                SubmissionViolation::TooFewExaminers { occupation_code: "6-18-01-01".into(), count: 2 }
            )]
        );
    }

    // R4: people, not list entries.
    #[test]
    fn r4_examiners_are_counted_as_people_and_listed_once() {
        let mut f = facts(SchoolType::TechnicianCollege, vec![row("6-18-01-01", Level::Four, "机械加工")]);
        // The third examiner is the first one again, under another certificate number.
        f.examiners[2].person = Some("p1".into());
        f.examiners[1].certificate_number = Some("KP-p1".into());
        f.people = vec![
            ("staff[0]".into(), "p9".into()),
            ("examiners[0]".into(), "p1".into()),
            ("examiners[1]".into(), "p2".into()),
            ("examiners[2]".into(), "p1".into()),
            ("supervisors[0]".into(), "p2".into()),
        ];
        let v = check_submission(&f);
        assert_eq!(
            v,
            [
                (
                    "occupations[0].occupation_code".into(),
                    SubmissionViolation::TooFewExaminers { occupation_code: "6-18-01-01".into(), count: 2 }
                ),
                (
                    "examiners[2].id_number".into(),
                    SubmissionViolation::SamePerson { other: "examiners[0].id_number".into() }
                ),
                (
                    "supervisors[0].id_number".into(),
                    SubmissionViolation::SamePerson { other: "examiners[1].id_number".into() }
                ),
                (
                    "examiners[1].certificate_number".into(),
                    SubmissionViolation::SameCertificateNumber {
                        other: "examiners[0].certificate_number".into()
                    }
                ),
            ]
        );
    }

    // R5
    #[test]
    fn r5_a_row_without_a_basis_standard_is_refused() {
        let mut r = row("6-18-01-01", Level::Four, "机械加工");
        r.has_standard = false;
        let v = check_submission(&facts(SchoolType::TechnicalSchool, vec![r]));
        assert_eq!(v, [("occupations[0].standard_id".into(), SubmissionViolation::NoStandard)]);
    }

    // R5: the national standard first.
    #[test]
    fn r5_a_norm_is_refused_where_a_national_standard_covers_the_row() {
        let mut r = row("6-18-01-01", Level::Four, "机械加工");
        r.national_standard_instead = Some(("s-1".into(), "车工国家职业技能标准".into()));
        let v = check_submission(&facts(SchoolType::TechnicalSchool, vec![r]));
        assert_eq!(
            v,
            [(
                "occupations[0].standard_id".into(),
                SubmissionViolation::NationalStandardFirst {
                    standard_id: "s-1".into(),
                    title: "车工国家职业技能标准".into()
                }
            )]
        );
    }

    // R7
    #[test]
    fn r7_missing_parts_and_every_other_violation_are_reported_together() {
        let mut r = row("6-18-01-01", Level::Three, "机械加工");
        r.has_standard = false;
        let mut f = facts(SchoolType::TechnicalSchool, vec![r]);
        f.missing = vec!["work_plan.fees".into(), "commitment.attachment_id".into()];
        f.already_filed = true;
        let v = check_submission(&f);
        assert_eq!(v.len(), 5, "{v:?}");
        assert!(v.iter().any(|(p, _)| p == "work_plan.fees"));
        assert!(v.iter().any(|(_, r)| *r == SubmissionViolation::AlreadyFiled));
    }

    #[test]
    fn the_workflow_allows_only_its_moves() {
        use FilingAction as A;
        use FilingStatus as S;
        let path = [A::Submit, A::Accept, A::AssignExperts, A::Evaluate, A::Approve];
        let mut s = S::Draft;
        for a in path {
            s = transition(s, a).expect("allowed");
        }
        assert_eq!(s, S::Approved);
        assert_eq!(
            transition(S::Draft, A::Approve),
            Err(WrongStatus { action: A::Approve, current: S::Draft })
        );
        assert_eq!(transition(S::Approved, A::Edit).map_err(|e| e.current), Err(S::Approved));
        assert_eq!(transition(S::UnderEvaluation, A::Return), Ok(S::Returned));
        assert_eq!(transition(S::Returned, A::Submit), Ok(S::Submitted));
        assert!(transition(S::Submitted, A::Approve).is_err());
        for st in FilingStatus::ALL {
            assert_eq!(FilingStatus::from_code(st.code()), Some(st));
        }
    }

    // R8
    #[test]
    fn r8_no_decision_before_an_expert_evaluation() {
        assert_eq!(check_evaluated(0), Err(DecisionError::NoEvaluation));
        assert_eq!(check_evaluated(1), Ok(()));
    }

    // R11
    #[test]
    fn r11_validity_is_at_most_three_years() {
        let d = |y, m, dd| NaiveDate::from_ymd_opt(y, m, dd).expect("date");
        assert_eq!(check_validity(d(2026, 11, 28), d(2029, 11, 28)), Ok(()));
        assert_eq!(
            check_validity(d(2026, 11, 28), d(2029, 11, 29)),
            Err(DecisionError::ValidityTooLong { latest: d(2029, 11, 28) })
        );
        assert_eq!(
            check_validity(d(2026, 11, 28), d(2026, 11, 28)),
            Err(DecisionError::ValidityNotAfterStart)
        );
        assert_eq!(latest_validity_end(d(2028, 2, 29)), d(2031, 2, 28));
    }
}
