//! Double-random inspections (双随机, R36): the bureau keeps a pool of inspectors, defines tasks
//! that draw institutions and inspectors with a published seed, and records each result once.

use super::Change;
use crate::error::{ApiError, FieldError};
use crate::i18n::{Problem, Rule};
use crate::validate::{self, Errors};
use crate::views::inspection::{Criteria, PoolEntry, PopulationEntry};
use crate::views::institution::status_on;
use domain::institution::InstitutionStatus;
use domain::supervision as rules;
use persistence::entity::{inspection_target, inspection_task, inspector};
use persistence::repo;
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

/// An inspector to add to the pool.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct NewInspector {
    #[validate(custom(function = "validate::line::<50>"))]
    pub name: String,
    /// Where they work (e.g. 市职业技能鉴定指导中心, or a school).
    #[validate(custom(function = "validate::line::<100>"))]
    pub organisation: String,
    /// The school that employs them, if it is a school: they are never drawn for its
    /// institution.
    pub employer_school_id: Option<Uuid>,
}

/// An inspection task to define and draw.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct NewTask {
    #[validate(custom(function = "validate::line::<200>"))]
    pub title: String,
    /// `on_site` (现场检查), `special` (专项检查) or `comprehensive` (综合检查).
    #[schema(example = "on_site")]
    #[validate(custom(function = "validate::inspection_kind"))]
    pub kind: String,
    #[serde(default)]
    #[validate(nested)]
    pub criteria: Criteria,
    /// How many institutions to draw (at most the population).
    #[schema(example = 3, minimum = 1)]
    pub sample_size: i32,
    /// How many inspectors per drawn institution (1–5, default 2).
    #[schema(example = 2, minimum = 1, maximum = 5)]
    #[validate(range(min = 1, max = 5, code = "out_of_range"))]
    pub inspectors_per_institution: Option<i32>,
    /// The pool: these inspectors only (all active inspectors when absent).
    pub inspector_ids: Option<Vec<Uuid>>,
}

/// The result of inspecting one drawn institution.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct NewResult {
    pub institution_id: Uuid,
    /// `pass`, `rectify` (整改) or `fail`.
    #[schema(example = "pass")]
    #[validate(custom(function = "validate::inspection_result"))]
    pub result: String,
    /// What the inspectors found (published).
    #[validate(custom(function = "validate::lines::<5000>"))]
    pub findings: String,
}

/// Adds inspector `b` to the pool.
pub async fn add_inspector(
    change: &mut Change,
    b: &NewInspector,
    found: Errors,
) -> Result<inspector::Model, ApiError> {
    let mut e = found;
    if let Some(s) = b.employer_school_id
        && repo::school::find(change.db(), s).await?.is_none()
    {
        e.push(FieldError::new("employer_school_id", Rule::UnknownSchool));
    }
    e.finish()?;
    let now = change.now();
    let m = inspector::Model {
        id: Uuid::now_v7(),
        name: validate::trimmed(&b.name),
        organisation: validate::trimmed(&b.organisation),
        employer_school_id: b.employer_school_id,
        active: true,
        created_at: now,
    };
    repo::supervision::insert_inspector(change.db(), m.clone()).await?;
    change.record(
        "inspector.added",
        ("inspector", m.id.to_string()),
        serde_json::json!({"organisation": m.organisation, "employer_school_id": m.employer_school_id}),
    );
    Ok(m)
}

/// Takes inspector `id` out of future draws (past draws keep them); once is enough.
pub async fn deactivate_inspector(change: &mut Change, id: Uuid) -> Result<inspector::Model, ApiError> {
    repo::supervision::inspector(change.db(), id).await?.ok_or_else(ApiError::not_found)?;
    if repo::supervision::deactivate_inspector(change.db(), id).await? {
        change.record("inspector.deactivated", ("inspector", id.to_string()), serde_json::json!({}));
    }
    repo::supervision::inspector(change.db(), id).await?.ok_or_else(ApiError::not_found)
}

/// Defines task `b` and draws it: the population is every active institution matching the
/// criteria, by code; the pool every active inspector (or those listed), by id; the seed comes
/// from the server's random source. Tasks are never withdrawn.
pub async fn draw(
    change: &mut Change,
    b: &NewTask,
    found: Errors,
) -> Result<inspection_task::Model, ApiError> {
    let mut e = found;
    let title = validate::trimmed(&b.title);
    let per = b.inspectors_per_institution.unwrap_or(2);
    let today = change.today();
    let mut population = Vec::new();
    for i in repo::institution::all(change.db()).await? {
        if status_on(&i, today)? != InstitutionStatus::Active {
            continue;
        }
        if !b.criteria.district_codes.is_empty() && !b.criteria.district_codes.contains(&i.district_code) {
            continue;
        }
        if let Some(code) = &b.criteria.occupation_code
            && !repo::institution::scope(change.db(), i.id).await?.iter().any(|s| &s.occupation_code == code)
        {
            continue;
        }
        population.push(PopulationEntry {
            institution_code: i.code,
            institution_id: i.id,
            school_id: i.school_id,
        });
    }
    population.sort_by(|a, b| a.institution_code.cmp(&b.institution_code));
    if population.is_empty() {
        e.push(FieldError::new("criteria", Rule::EmptyPopulation));
    } else if b.sample_size < 1 || b.sample_size as usize > population.len() {
        e.push(FieldError::new("sample_size", Rule::OutOfRange).with("min", 1).with("max", population.len()));
    }
    let active = repo::supervision::active_inspectors(change.db()).await?;
    if let Some(ids) = &b.inspector_ids {
        if ids.len() > 1000 {
            e.push(FieldError::new("inspector_ids", Rule::TooLong).with("max", 1000));
        }
        for (n, id) in ids.iter().enumerate() {
            if !active.iter().any(|i| i.id == *id) {
                e.push(FieldError::new(format!("inspector_ids[{n}]"), Rule::UnknownInspector));
            }
        }
    }
    let pool: Vec<PoolEntry> = active
        .into_iter()
        .filter(|i| b.inspector_ids.as_ref().is_none_or(|ids| ids.contains(&i.id)))
        .map(|i| PoolEntry { inspector_id: i.id, name: i.name, employer_school_id: i.employer_school_id })
        .collect();
    e.finish()?;
    // The seed comes from the operating system's random source, never from the caller, so no one
    // can search for a seed that draws a favoured result; it is recorded and published, and every
    // task stays published for good, so a repeated draw would show.
    let seed: String = crate::auth::keys::random_bytes::<16>().iter().map(|b| format!("{b:02x}")).collect();
    let candidates: Vec<rules::Candidate<Uuid>> =
        population.iter().map(|p| rules::Candidate { id: p.institution_id, school: p.school_id }).collect();
    let members: Vec<rules::PoolMember<Uuid>> = pool
        .iter()
        .map(|p| rules::PoolMember { id: p.inspector_id, employer: p.employer_school_id })
        .collect();
    let drawn =
        rules::draw(&seed, &candidates, &members, b.sample_size as usize, per as usize).map_err(|err| {
            let rules::DrawError::TooFewInspectors { eligible, .. } = err;
            ApiError::validation(vec![
                FieldError::new("inspectors_per_institution", Rule::TooFewInspectors)
                    .with("eligible", eligible)
                    .with("needed", per),
            ])
        })?;
    let now = change.now();
    let id = Uuid::now_v7();
    let task = inspection_task::Model {
        id,
        title,
        kind: b.kind.clone(),
        criteria: serde_json::to_value(&b.criteria).map_err(ApiError::internal)?,
        population: serde_json::to_value(&population).map_err(ApiError::internal)?,
        pool: serde_json::to_value(&pool).map_err(ApiError::internal)?,
        sample_size: b.sample_size,
        inspectors_per_institution: per,
        seed: seed.clone(),
        created_by: change.actor_id().ok_or_else(|| ApiError::internal("a task is drawn by an account"))?,
        created_at: now,
    };
    let targets: Vec<inspection_target::Model> = drawn
        .iter()
        .enumerate()
        .map(|(n, d)| inspection_target::Model {
            task_id: id,
            institution_id: d.institution,
            draw_order: n as i32 + 1,
            inspector_ids: serde_json::json!(d.inspectors),
            result: None,
            findings: None,
            recorded_at: None,
            recorded_by: None,
        })
        .collect();
    repo::supervision::insert_task(change.db(), task.clone(), targets).await?;
    change.record(
        "inspection.drawn",
        ("inspection_task", id.to_string()),
        serde_json::json!({"seed": seed, "population": population.len(), "pool": pool.len(),
                           "drawn": drawn.iter().map(|d| d.institution).collect::<Vec<_>>()}),
    );
    Ok(task)
}

/// Records the result `b` of a drawn institution of task `task_id`, once (409 after that).
pub async fn record_result(
    change: &mut Change,
    task_id: Uuid,
    b: &NewResult,
    found: Errors,
) -> Result<inspection_task::Model, ApiError> {
    let t = repo::supervision::task(change.db(), task_id).await?.ok_or_else(ApiError::not_found)?;
    let mut e = found;
    let targets = repo::supervision::targets(change.db(), t.id).await?;
    if !targets.iter().any(|x| x.institution_id == b.institution_id) {
        e.push(FieldError::new("institution_id", Rule::NotDrawn));
    }
    e.finish()?;
    let findings = validate::trimmed(&b.findings);
    let by = change.actor_id().ok_or_else(|| ApiError::internal("results are recorded by an account"))?;
    if !repo::supervision::record_result(
        change.db(),
        t.id,
        b.institution_id,
        &b.result,
        &findings,
        by,
        change.now(),
    )
    .await?
    {
        return Err(ApiError::new(Problem::ResultRecorded));
    }
    change.record(
        "inspection.result_recorded",
        ("inspection_task", t.id.to_string()),
        serde_json::json!({"institution_id": b.institution_id, "result": b.result}),
    );
    Ok(t)
}
