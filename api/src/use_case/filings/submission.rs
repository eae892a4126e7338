//! The facts the submission rules of the notice need (R1–R5, R7), gathered from the database
//! and checked by `domain::filing::check_submission`, each violation named by its field.

use crate::error::{ApiError, FieldError};
use crate::i18n::{Name, Rule};
use crate::views::filing::document::{self, FilingDocument};
use domain::filing::{
    ExaminerFacts, OccupationRowFacts, SubmissionFacts, SubmissionViolation, check_submission,
};
use domain::{Level, SchoolType};
use persistence::entity::{filing, school};
use persistence::repo;
use std::collections::HashMap;
use uuid::Uuid;

/// Gathers the facts the submission rules need and checks them all (R1–R5, R7), and that every
/// examiner is in the centre's registry, valid on `today` and qualified for the occupations
/// they examine at the levels of the application (notice 五(一)).
pub async fn check(
    db: &impl persistence::ConnectionTrait,
    f: &filing::Model,
    s: &school::Model,
    today: chrono::NaiveDate,
    data_key: &persistence::sealed::DataKey,
) -> Result<Vec<FieldError>, ApiError> {
    let mut stored = f.document.clone();
    crate::views::mask::open_id_numbers(&mut stored, data_key);
    let doc: FilingDocument = serde_json::from_value(stored).map_err(ApiError::internal)?;
    let mut errors = document::check_formats(&doc).0;
    let attachments: Vec<(Uuid, String)> =
        repo::filing::attachments(db, f.id).await?.into_iter().map(|a| (a.id, a.purpose)).collect();
    let mut missing = Vec::new();
    for (field, rule) in document::missing_parts(&doc, &attachments) {
        if rule == Rule::Missing {
            missing.push(field);
        } else {
            errors.push(FieldError::new(field, rule));
        }
    }
    let confirmed = repo::occupation::confirmed_access_codes(db).await?;
    let mut names: HashMap<String, Option<String>> = HashMap::new();
    let mut rows = Vec::new();
    for r in &doc.occupations {
        let code = r.occupation_code.clone().filter(|c| !c.trim().is_empty());
        let level = r.level.as_deref().and_then(|l| l.parse::<Level>().ok());
        let known = match &code {
            Some(c) => {
                if !names.contains_key(c) {
                    let name = repo::occupation::find(db, c).await?.map(|o| o.name);
                    names.insert(c.clone(), name);
                }
                names.get(c).is_some_and(Option::is_some)
            }
            None => false,
        };
        let has_standard = match (r.standard_id, &code, level) {
            (Some(id), Some(c), Some(l)) => repo::standard::covers(db, id, c, l.code()).await?,
            _ => false,
        };
        // R5: a norm only where no national standard covers the occupation at the level.
        let national_standard_instead = match (has_standard, r.standard_id, &code, level) {
            (true, Some(id), Some(c), Some(l)) => {
                let named = repo::standard::find(db, id).await?.map(|(s, _)| s.kind);
                if named.as_deref() == Some("evaluation_norm") {
                    repo::standard::national_covering(db, c, l.code())
                        .await?
                        .map(|s| (s.id.to_string(), s.title))
                } else {
                    None
                }
            }
            _ => None,
        };
        rows.push(OccupationRowFacts {
            major: r.major.clone(),
            access_type: code.as_ref().is_some_and(|c| confirmed.contains(c)),
            occupation_code: code,
            occupation_known: known,
            level,
            has_standard,
            national_standard_instead,
        });
    }
    let others_open = repo::filing::open_of_school(db, f.school_id).await?.iter().any(|o| o.id != f.id);
    let live = repo::institution::live_of_school(db, f.school_id).await?;
    let facts = SubmissionFacts {
        school_type: SchoolType::from_code(&s.school_type)
            .ok_or_else(|| ApiError::internal("bad school type"))?,
        rows,
        preparatory_majors: doc
            .majors
            .iter()
            .filter(|m| m.preparatory_technician_class)
            .filter_map(|m| m.name.clone())
            .collect(),
        examiners: examiner_facts(&doc),
        people: people(&doc),
        missing,
        already_filed: others_open || (f.kind == "initial" && live.is_some()),
    };
    errors.extend(registered_examiners(db, &doc, today, data_key).await?);
    // A withdrawn standard or norm is no basis for a new application.
    let named: Vec<Uuid> = doc.occupations.iter().filter_map(|r| r.standard_id).collect();
    let withdrawn = repo::standard::withdrawn_of(db, &named).await?;
    for (i, r) in doc.occupations.iter().enumerate() {
        if let Some(id) = r.standard_id.filter(|id| withdrawn.contains(id)) {
            let title = repo::standard::find(db, id).await?.map(|(s, _)| s.title).unwrap_or_default();
            errors.push(
                FieldError::new(format!("occupations[{i}].standard_id"), Rule::StandardWithdrawn)
                    .with("title", title),
            );
        }
    }
    for (field, v) in check_submission(&facts) {
        let e = match v {
            SubmissionViolation::NoStandard => {
                let i = field_index(&field);
                let row = doc.occupations.get(i);
                let code = row.and_then(|r| r.occupation_code.clone()).unwrap_or_default();
                let level = row.and_then(|r| r.level.as_deref()).and_then(|l| l.parse::<Level>().ok());
                let e = FieldError::new(field, Rule::NoStandard).with("code", code);
                match level {
                    Some(l) => e.with_name("level", Name::Level(l)),
                    None => e.with("level", ""),
                }
            }
            v => field_error(field, v, &names),
        };
        errors.push(e);
    }
    Ok(errors)
}

/// The field error of a broken submission rule, occupations named from `names` (code → name).
/// `NoStandard` needs the document; the caller names it.
pub(crate) fn field_error(
    field: String,
    v: SubmissionViolation,
    names: &HashMap<String, Option<String>>,
) -> FieldError {
    match v {
        SubmissionViolation::LevelNotAllowed { level, school_type } => {
            FieldError::new(field, Rule::LevelNotAllowed)
                .with_name("level", Name::Level(level))
                .with_name("school_type", Name::SchoolType(school_type))
        }
        SubmissionViolation::PreparatoryClassRequired { major } => {
            FieldError::new(field, Rule::PreparatoryClassRequired).with("major", major)
        }
        SubmissionViolation::AccessTypeOccupation { occupation_code } => {
            let name = names.get(&occupation_code).cloned().flatten().unwrap_or_default();
            FieldError::new(field, Rule::AccessTypeOccupation)
                .with("code", occupation_code)
                .with("name", name)
        }
        SubmissionViolation::TooFewExaminers { occupation_code, count } => {
            FieldError::new(field, Rule::TooFewExaminers)
                .with("code", occupation_code)
                .with("count", count)
                .with("min", domain::filing::MIN_EXAMINERS_PER_OCCUPATION)
        }
        SubmissionViolation::UnknownOccupation { occupation_code } => {
            FieldError::new(field, Rule::UnknownOccupation).with("code", occupation_code)
        }
        SubmissionViolation::SamePerson { other } => {
            FieldError::new(field, Rule::SamePerson).with("other", other)
        }
        SubmissionViolation::SameCertificateNumber { other } => {
            FieldError::new(field, Rule::SameCertificateNumber).with("other", other)
        }
        SubmissionViolation::NationalStandardFirst { standard_id, title } => {
            FieldError::new(field, Rule::NationalStandardFirst)
                .with("standard_id", standard_id)
                .with("title", title)
        }
        SubmissionViolation::Missing => FieldError::new(field, Rule::Missing),
        SubmissionViolation::AlreadyFiled => FieldError::new(field, Rule::AlreadyFiled),
        SubmissionViolation::NoStandard => FieldError::new(field, Rule::NoStandard),
    }
}

/// The field errors of examiners not in the centre's registry, another person's certificate
/// number, expired on `today`, or not qualified for an occupation they are listed for at every
/// level the application names for it (`examiners[i].occupation_codes[j]`).
async fn registered_examiners(
    db: &impl persistence::ConnectionTrait,
    doc: &FilingDocument,
    today: chrono::NaiveDate,
    data_key: &persistence::sealed::DataKey,
) -> Result<Vec<FieldError>, ApiError> {
    let numbers: Vec<String> = examiner_facts(doc).into_iter().filter_map(|e| e.certificate_number).collect();
    let registry = crate::use_case::personnel::examiners(db, &numbers).await?;
    let mut errors = Vec::new();
    for (i, e) in doc.examiners.iter().enumerate() {
        // A missing number is reported with the other missing parts.
        let Some(number) = e.certificate_number.as_deref().map(str::trim).filter(|n| !n.is_empty()) else {
            continue;
        };
        let at = format!("examiners[{i}].certificate_number");
        let found = crate::use_case::personnel::examiner_errors(
            &registry,
            &at,
            number,
            person(&e.id_number).map(|p| data_key.hash(&p)).as_deref(),
            today,
            &[],
        );
        if !found.is_empty() {
            errors.extend(found);
            continue;
        }
        for (j, code) in e.occupation_codes.iter().enumerate() {
            let needs: Vec<(String, Level)> = doc
                .occupations
                .iter()
                .filter(|r| r.occupation_code.as_deref().map(str::trim) == Some(code.trim()))
                .filter_map(|r| r.level.as_deref().and_then(|l| l.parse::<Level>().ok()))
                .map(|l| (code.trim().to_owned(), l))
                .collect();
            errors.extend(crate::use_case::personnel::examiner_errors(
                &registry,
                &format!("examiners[{i}].occupation_codes[{j}]"),
                number,
                None,
                today,
                &needs,
            ));
        }
    }
    Ok(errors)
}

/// The examiners of a filing's roster, as R4 sees them.
pub(crate) fn examiner_facts(doc: &FilingDocument) -> Vec<ExaminerFacts> {
    doc.examiners
        .iter()
        .map(|e| ExaminerFacts {
            person: person(&e.id_number),
            certificate_number: e
                .certificate_number
                .as_deref()
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .map(str::to_owned),
            occupation_codes: e.occupation_codes.clone(),
        })
        .collect()
}

/// A resident ID number as people are told apart by it: the canonical form when it is valid,
/// else as written (trimmed, upper case; its format is refused elsewhere); `None` when blank.
fn person(id_number: &Option<String>) -> Option<String> {
    let written = id_number.as_deref().map(str::trim).filter(|n| !n.is_empty())?;
    Some(
        domain::ResidentId::parse(written)
            .map_or_else(|_| written.to_uppercase(), |id| id.as_str().to_owned()),
    )
}

/// Every person of the four rosters with their position, in document order (R4).
fn people(doc: &FilingDocument) -> Vec<(String, String)> {
    let rosters = [
        ("staff", doc.staff.iter().map(|p| &p.id_number).collect::<Vec<_>>()),
        ("experts", doc.experts.iter().map(|p| &p.id_number).collect()),
        ("examiners", doc.examiners.iter().map(|p| &p.id_number).collect()),
        ("supervisors", doc.supervisors.iter().map(|p| &p.id_number).collect()),
    ];
    rosters
        .iter()
        .flat_map(|(roster, ids)| {
            ids.iter()
                .enumerate()
                .filter_map(move |(i, id)| person(id).map(|p| (format!("{roster}[{i}]"), p)))
        })
        .collect()
}

fn field_index(field: &str) -> usize {
    field.split('[').nth(1).and_then(|r| r.split(']').next()).and_then(|n| n.parse().ok()).unwrap_or(0)
}
