//! The centre's pools of people (notice 五(一)): examiners (考评人员), quality supervisors
//! (质量督导人员) and experts (专家) with their qualifications. Filings and plans may name only
//! registered examiners qualified for the occupation and level and valid on the day; the centre
//! dispatches a quality supervisor to each plan by a seeded draw that anyone can repeat, never
//! one employed by the plan's school; an expert never evaluates an application of the school
//! that employs them (recusal). Decisions in `docs/DECISIONS.md`.

use super::Change;
use crate::error::{ApiError, FieldError};
use crate::i18n::{Name, Problem, Rule};
use crate::validate::{self, Errors};
use chrono::NaiveDate;
use domain::Level;
use domain::personnel::{NamedViolation, Registered, check_named, recused};
use domain::plan::PlanStatus;
use domain::supervision as draw_rules;
use persistence::entity::{personnel, personnel_qualification, plan_quality_supervisor};
use persistence::repo;
use serde::Deserialize;
use std::collections::{BTreeSet, HashMap};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

/// Most qualification rows one request names.
pub const MAX_QUALIFICATIONS: usize = 200;

/// A person to register.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct NewPerson {
    /// `examiner` (考评人员), `quality_supervisor` (质量督导人员) or `expert` (专家).
    #[schema(example = "examiner")]
    #[validate(custom(function = "validate::personnel_kind"))]
    pub kind: String,
    #[validate(custom(function = "validate::line::<50>"))]
    pub name: String,
    /// Resident ID number (never shown again in full).
    #[validate(custom(function = "validate::resident_id"))]
    pub id_number: String,
    /// The number of their certificate (考评员证、质量督导员证、专家聘书): how filings and plans
    /// name examiners. Unique within a kind.
    #[validate(custom(function = "validate::line::<50>"))]
    pub certificate_number: String,
    /// The certificate's last valid day: no filing, plan or draw names them after it.
    pub valid_until: NaiveDate,
    /// Where they work.
    #[validate(custom(function = "validate::line::<100>"))]
    pub employer: String,
    /// The school that employs them, if a school: never named for its institution.
    pub employer_school_id: Option<Uuid>,
    /// An expert's `expert` account, required for experts (they evaluate with it); absent for
    /// the other kinds.
    pub user_id: Option<Uuid>,
    /// What they may take on: occupations at levels (one at least for an examiner).
    #[serde(default)]
    #[validate(nested)]
    pub qualifications: Vec<NewQualification>,
}

/// Occupation and levels a person is qualified for.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct NewQualification {
    #[schema(example = "6-18-01-01")]
    #[validate(custom(function = "validate::occupation_code"))]
    pub occupation_code: String,
    /// Levels `3`, `4`, `5`, `9`.
    #[schema(example = json!(["4", "5"]))]
    pub levels: Vec<String>,
}

/// Qualifications to add.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct AddQualifications {
    #[validate(nested)]
    pub qualifications: Vec<NewQualification>,
}

/// The qualification rows of `q` for `person`, their violations added to `e` as
/// `qualifications[i]…`.
async fn qualification_rows(
    db: &impl persistence::ConnectionTrait,
    person: Uuid,
    q: &[NewQualification],
    e: &mut Errors,
) -> Result<Vec<personnel_qualification::Model>, ApiError> {
    if q.len() > MAX_QUALIFICATIONS {
        e.push(FieldError::new("qualifications", Rule::TooLong).with("max", MAX_QUALIFICATIONS));
        return Ok(Vec::new());
    }
    let mut rows = Vec::new();
    for (i, x) in q.iter().enumerate() {
        let code = x.occupation_code.trim();
        if domain::occupation::OccupationCode::parse(code).is_some()
            && repo::occupation::find(db, code).await?.is_none()
        {
            e.push(
                FieldError::new(format!("qualifications[{i}].occupation_code"), Rule::UnknownOccupation)
                    .with("code", code),
            );
        }
        if x.levels.is_empty() {
            e.push(FieldError::new(format!("qualifications[{i}].levels"), Rule::TooFew).with("min", 1));
        }
        if x.levels.len() > Level::ALL.len() {
            e.push(
                FieldError::new(format!("qualifications[{i}].levels"), Rule::TooLong)
                    .with("max", Level::ALL.len()),
            );
            continue;
        }
        for (j, l) in x.levels.iter().enumerate() {
            match l.parse::<Level>() {
                Ok(level) => rows.push(personnel_qualification::Model {
                    person_id: person,
                    occupation_code: code.to_owned(),
                    level: level.code().to_owned(),
                }),
                Err(()) => {
                    e.push(FieldError::new(format!("qualifications[{i}].levels[{j}]"), Rule::InvalidLevel))
                }
            }
        }
    }
    rows.sort_by(|a, b| (&a.occupation_code, &a.level).cmp(&(&b.occupation_code, &b.level)));
    rows.dedup();
    Ok(rows)
}

/// Registers person `b` (centre). 409 `already_exists` when the certificate number, the person
/// (for the kind) or the expert account is registered already.
pub async fn register(
    change: &mut Change,
    b: &NewPerson,
    found: Errors,
) -> Result<personnel::Model, ApiError> {
    let mut e = found;
    let id = Uuid::now_v7();
    let expert = b.kind == "expert";
    if b.valid_until < change.today() {
        e.push(FieldError::new("valid_until", Rule::QualificationExpired).with("valid_until", b.valid_until));
    }
    if let Some(s) = b.employer_school_id
        && repo::school::find(change.db(), s).await?.is_none()
    {
        e.push(FieldError::new("employer_school_id", Rule::UnknownSchool));
    }
    match (expert, b.user_id) {
        (true, None) => e.push(FieldError::new("user_id", Rule::Missing)),
        (true, Some(u)) => {
            let ok =
                repo::user::find(change.db(), u).await?.is_some_and(|u| u.role == "expert" && !u.disabled);
            if !ok {
                e.push(FieldError::new("user_id", Rule::UnknownExpert));
            }
        }
        (false, Some(_)) => e.push(FieldError::new("user_id", Rule::OnlyForExperts)),
        (false, None) => {}
    }
    if b.kind == "examiner" && b.qualifications.is_empty() {
        e.push(FieldError::new("qualifications", Rule::TooFew).with("min", 1));
    }
    let rows = qualification_rows(change.db(), id, &b.qualifications, &mut e).await?;
    e.finish()?;
    let id_number = domain::ResidentId::parse(b.id_number.trim())
        .map_err(|_| ApiError::validation(vec![FieldError::new("id_number", Rule::InvalidResidentId)]))?;
    let stored = change.data_key().store(&id_number);
    let m = personnel::Model {
        id,
        kind: b.kind.clone(),
        name: validate::trimmed(&b.name),
        id_sealed: stored.sealed,
        id_hash: Some(stored.hash),
        id_masked: Some(stored.masked),
        certificate_number: validate::trimmed(&b.certificate_number),
        valid_until: b.valid_until,
        employer: validate::trimmed(&b.employer),
        employer_school_id: b.employer_school_id,
        user_id: b.user_id,
        active: true,
        created_at: change.now(),
    };
    let count = rows.len();
    repo::personnel::insert(change.db(), m.clone(), rows).await.map_err(|err| {
        let what = if err.is_conflict(repo::personnel::CERTIFICATE_TAKEN) {
            Some(format!("{} {}", b.kind, m.certificate_number))
        } else if err.is_conflict(repo::personnel::PERSON_TAKEN) {
            Some(format!("{} {}", b.kind, id_number.masked()))
        } else if err.is_conflict(repo::personnel::ACCOUNT_TAKEN) {
            Some(format!("user {}", b.user_id.unwrap_or_default()))
        } else {
            None
        };
        match what {
            Some(w) => ApiError::new(Problem::AlreadyExists).with("what", w),
            None => err.into(),
        }
    })?;
    change.record(
        "personnel.registered",
        ("personnel", m.id.to_string()),
        serde_json::json!({"kind": m.kind, "certificate_number": m.certificate_number, "valid_until": m.valid_until,
                           "employer_school_id": m.employer_school_id, "user_id": m.user_id, "qualifications": count}),
    );
    Ok(m)
}

/// Adds qualifications to person `id` (centre); those held already are kept.
pub async fn qualify(
    change: &mut Change,
    id: Uuid,
    b: &AddQualifications,
    found: Errors,
) -> Result<personnel::Model, ApiError> {
    let p = repo::personnel::find(change.db(), id).await?.ok_or_else(ApiError::not_found)?;
    let mut e = found;
    if b.qualifications.is_empty() {
        e.push(FieldError::new("qualifications", Rule::TooFew).with("min", 1));
    }
    let rows = qualification_rows(change.db(), p.id, &b.qualifications, &mut e).await?;
    e.finish()?;
    let added: Vec<serde_json::Value> =
        rows.iter().map(|r| serde_json::json!([r.occupation_code, r.level])).collect();
    repo::personnel::add_qualifications(change.db(), rows).await?;
    change.record(
        "personnel.qualified",
        ("personnel", p.id.to_string()),
        serde_json::json!({"qualifications": added}),
    );
    Ok(p)
}

/// Takes person `id` out of future filings, plans, assignments and draws (centre); what named
/// them before keeps them.
pub async fn deactivate(change: &mut Change, id: Uuid) -> Result<personnel::Model, ApiError> {
    repo::personnel::find(change.db(), id).await?.ok_or_else(ApiError::not_found)?;
    if repo::personnel::deactivate(change.db(), id).await? {
        change.record("personnel.deactivated", ("personnel", id.to_string()), serde_json::json!({}));
    }
    repo::personnel::find(change.db(), id).await?.ok_or_else(ApiError::not_found)
}

/// The registered examiners holding `numbers`, by certificate number, as the rules see them.
pub async fn examiners(
    db: &impl persistence::ConnectionTrait,
    numbers: &[String],
) -> Result<HashMap<String, Registered>, ApiError> {
    let people = repo::personnel::by_certificate_numbers(db, "examiner", numbers).await?;
    let ids: Vec<Uuid> = people.iter().map(|p| p.id).collect();
    let mut held: HashMap<Uuid, BTreeSet<(String, Level)>> = HashMap::new();
    for q in repo::personnel::qualifications(db, &ids).await? {
        if let Ok(level) = q.level.parse::<Level>() {
            held.entry(q.person_id).or_default().insert((q.occupation_code, level));
        }
    }
    Ok(people
        .into_iter()
        .map(|p| {
            let r = Registered {
                active: p.active,
                valid_until: p.valid_until,
                person: p.id_hash.unwrap_or_default(),
                qualifications: held.remove(&p.id).unwrap_or_default(),
            };
            (p.certificate_number, r)
        })
        .collect())
}

/// The field errors of an examiner named at `at` by certificate number `number` (and ID number
/// `person`, when the document gives one), who must be registered, valid on `on` and qualified
/// for `needs`.
pub fn examiner_errors(
    registry: &HashMap<String, Registered>,
    at: &str,
    number: &str,
    person: Option<&str>,
    on: NaiveDate,
    needs: &[(String, Level)],
) -> Vec<FieldError> {
    check_named(registry.get(number), person, on, needs)
        .into_iter()
        .map(|v| match v {
            NamedViolation::NotRegistered => FieldError::new(at, Rule::NotRegistered).with("number", number),
            NamedViolation::OtherPerson => FieldError::new(at, Rule::RegistryMismatch).with("number", number),
            NamedViolation::Expired { valid_until } => {
                FieldError::new(at, Rule::QualificationExpired).with("valid_until", valid_until)
            }
            NamedViolation::NotQualified { occupation_code, level } => {
                FieldError::new(at, Rule::NotQualified)
                    .with("code", occupation_code)
                    .with_name("level", Name::Level(level))
            }
        })
        .collect()
}

/// The violations of assigning `experts` (accounts) to an application of school `school` on
/// `today`: each must be an active registered expert, valid today, not employed by the school.
pub async fn expert_errors(
    db: &impl persistence::ConnectionTrait,
    school: Uuid,
    today: NaiveDate,
    experts: &[Uuid],
) -> Result<Vec<FieldError>, ApiError> {
    let mut e = Vec::new();
    for (i, u) in experts.iter().enumerate() {
        let at = format!("expert_ids[{i}]");
        match repo::personnel::by_user(db, *u).await? {
            Some(p) if p.active && p.kind == "expert" => {
                if p.valid_until < today {
                    e.push(
                        FieldError::new(at, Rule::QualificationExpired).with("valid_until", p.valid_until),
                    );
                } else if recused(p.employer_school_id.as_ref(), &school) {
                    e.push(FieldError::new(at, Rule::Recused));
                }
            }
            _ => e.push(FieldError::new(at, Rule::ExpertNotRegistered)),
        }
    }
    Ok(e)
}

/// Draws the quality supervisor of plan `plan_id` (centre), once: from the active quality
/// supervisors valid through the plan's last session, not employed by the plan's school, in id
/// order, with a seed from the server's random source (`docs/SUPERVISION.md`). 409 when the
/// plan is not filed, was drawn already, or no one is eligible.
pub async fn draw_quality_supervisor(
    change: &mut Change,
    plan_id: Uuid,
) -> Result<plan_quality_supervisor::Model, ApiError> {
    persistence::lock_row(change.db(), "plans", "id", plan_id.into()).await?;
    let p = repo::plan::find(change.db(), plan_id).await?.ok_or_else(ApiError::not_found)?;
    let status = p.plan_status()?;
    if !matches!(status, PlanStatus::Filed | PlanStatus::Acknowledged) {
        return Err(ApiError::new(Problem::WrongStatus)
            .with_name("action", Name::Code("plan_action", "acknowledge"))
            .with_name("status", Name::Code("plan_status", status.code())));
    }
    if repo::personnel::plan_supervisor(change.db(), plan_id).await?.is_some() {
        return Err(ApiError::new(Problem::AlreadyDrawn));
    }
    let institution =
        repo::institution::find(change.db(), p.institution_id).await?.ok_or_else(ApiError::not_found)?;
    let sessions = repo::plan::sessions(change.db(), plan_id).await?;
    let last = sessions.iter().map(|s| s.day).max().unwrap_or_else(|| change.today()).max(change.today());
    let pool = repo::personnel::supervisors_valid_through(change.db(), last).await?;
    let members: Vec<draw_rules::PoolMember<Uuid>> =
        pool.iter().map(|m| draw_rules::PoolMember { id: m.id, employer: m.employer_school_id }).collect();
    // The seed comes from the operating system's random source, never from the caller (as for
    // inspections, R36); it is recorded with the pool so that the draw can be repeated.
    let seed: String = crate::auth::keys::random_bytes::<16>().iter().map(|b| format!("{b:02x}")).collect();
    let population = [draw_rules::Candidate { id: plan_id, school: institution.school_id }];
    let drawn = draw_rules::draw(&seed, &population, &members, 1, 1)
        .map_err(|_| ApiError::new(Problem::NoEligibleSupervisor).with("through", last))?;
    let person_id = drawn
        .first()
        .and_then(|d| d.inspectors.first().copied())
        .ok_or_else(|| ApiError::new(Problem::NoEligibleSupervisor).with("through", last))?;
    let m = plan_quality_supervisor::Model {
        plan_id,
        person_id,
        seed: seed.clone(),
        pool: serde_json::json!(pool.iter().map(|m| m.id).collect::<Vec<_>>()),
        drawn_by: change.actor_id().ok_or_else(|| ApiError::internal("a draw is made by an account"))?,
        drawn_at: change.now(),
    };
    repo::personnel::insert_plan_supervisor(change.db(), m.clone()).await.map_err(|err| {
        if err.is_conflict(repo::personnel::ALREADY_DRAWN) {
            ApiError::new(Problem::AlreadyDrawn)
        } else {
            err.into()
        }
    })?;
    change.record(
        "plan.quality_supervisor_drawn",
        ("plan", plan_id.to_string()),
        serde_json::json!({"seed": seed, "pool": pool.len(), "person_id": person_id, "through": last}),
    );
    Ok(m)
}
