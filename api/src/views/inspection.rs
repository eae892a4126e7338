//! How the double-random inspections (双随机, R36) are shown: the inspector pool, and each task
//! with its seed, population, pool, draw and results (published as is: no personal data).

use crate::error::ApiError;
use crate::i18n::{self, Lang};
use chrono::{DateTime, Utc};
use persistence::entity::{inspection_target, inspection_task, inspector};
use persistence::repo;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

/// An inspector of the pool.
#[derive(Debug, Serialize, ToSchema)]
pub struct InspectorView {
    pub id: Uuid,
    pub name: String,
    pub organisation: String,
    pub employer_school_id: Option<Uuid>,
    pub active: bool,
    pub created_at: DateTime<Utc>,
}

/// The view of an inspector.
pub fn inspector_view(i: inspector::Model) -> InspectorView {
    InspectorView {
        id: i.id,
        name: i.name,
        organisation: i.organisation,
        employer_school_id: i.employer_school_id,
        active: i.active,
        created_at: i.created_at,
    }
}

/// Which institutions may be drawn.
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct Criteria {
    /// Only institutions of these districts (all when empty or absent).
    #[serde(default)]
    #[validate(length(max = 50, code = "too_long"))]
    pub district_codes: Vec<String>,
    /// Only institutions whose scope includes this occupation.
    pub occupation_code: Option<String>,
}

/// A population member as published: enough to repeat the draw.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PopulationEntry {
    pub institution_code: String,
    pub institution_id: Uuid,
    pub school_id: Uuid,
}

/// A pool member as published: enough to repeat the draw.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PoolEntry {
    pub inspector_id: Uuid,
    pub name: String,
    pub employer_school_id: Option<Uuid>,
}

/// A drawn institution with its inspectors and result.
#[derive(Debug, Serialize, ToSchema)]
pub struct TargetView {
    pub draw_order: i32,
    pub institution_id: Uuid,
    pub institution_code: String,
    pub institution_name: String,
    pub inspector_ids: Vec<Uuid>,
    pub inspector_names: Vec<String>,
    /// `pass`, `rectify` (整改) or `fail`, once recorded.
    pub result: Option<String>,
    pub result_name: Option<String>,
    pub findings: Option<String>,
    pub recorded_at: Option<DateTime<Utc>>,
}

/// An inspection task with its draw; published as is (no personal data).
#[derive(Debug, Serialize, ToSchema)]
pub struct TaskView {
    pub id: Uuid,
    pub title: String,
    pub kind: String,
    pub kind_name: String,
    pub criteria: Criteria,
    pub sample_size: i32,
    pub inspectors_per_institution: i32,
    /// The seed of the draw (random, chosen by the server).
    pub seed: String,
    /// The population in draw order (by institution code).
    pub population: Vec<PopulationEntry>,
    /// The inspector pool in draw order (by id).
    pub pool: Vec<PoolEntry>,
    /// The draw, in draw order.
    pub targets: Vec<TargetView>,
    pub created_at: DateTime<Utc>,
}

/// The view of a task and its targets.
pub fn task_view(
    t: inspection_task::Model,
    targets: Vec<inspection_target::Model>,
    lang: Lang,
) -> Result<TaskView, ApiError> {
    let criteria: Criteria = serde_json::from_value(t.criteria).map_err(ApiError::internal)?;
    let population: Vec<PopulationEntry> =
        serde_json::from_value(t.population).map_err(ApiError::internal)?;
    let pool: Vec<PoolEntry> = serde_json::from_value(t.pool).map_err(ApiError::internal)?;
    let codes: HashMap<Uuid, &PopulationEntry> = population.iter().map(|p| (p.institution_id, p)).collect();
    let names: HashMap<Uuid, &str> = pool.iter().map(|p| (p.inspector_id, p.name.as_str())).collect();
    let mut tv = Vec::with_capacity(targets.len());
    for x in targets {
        let ids: Vec<Uuid> = serde_json::from_value(x.inspector_ids).map_err(ApiError::internal)?;
        tv.push(TargetView {
            draw_order: x.draw_order,
            institution_id: x.institution_id,
            institution_code: codes
                .get(&x.institution_id)
                .map(|p| p.institution_code.clone())
                .unwrap_or_default(),
            institution_name: String::new(),
            inspector_names: ids
                .iter()
                .map(|i| names.get(i).copied().unwrap_or_default().to_owned())
                .collect(),
            inspector_ids: ids,
            result_name: x.result.as_deref().map(|r| i18n::code_name(lang, "inspection_result", r)),
            result: x.result,
            findings: x.findings,
            recorded_at: x.recorded_at,
        });
    }
    Ok(TaskView {
        id: t.id,
        title: t.title,
        kind_name: i18n::code_name(lang, "inspection_kind", &t.kind),
        kind: t.kind,
        criteria,
        sample_size: t.sample_size,
        inspectors_per_institution: t.inspectors_per_institution,
        seed: t.seed,
        population,
        pool,
        targets: tv,
        created_at: t.created_at,
    })
}

/// The view of a task with its targets and their institutions' names; for a district office
/// (`district`), only the targets of its district (R38). The seed, population and pool stay
/// whole: they are published, and the draw can be repeated only from all of them.
pub async fn full_task(
    db: &impl persistence::ConnectionTrait,
    t: inspection_task::Model,
    district: Option<&str>,
    lang: Lang,
) -> Result<TaskView, ApiError> {
    let targets = repo::supervision::targets(db, t.id).await?;
    let mut v = task_view(t, targets, lang)?;
    let mut kept = Vec::with_capacity(v.targets.len());
    for mut x in v.targets {
        let found = repo::institution::find(db, x.institution_id).await?;
        if district.is_some_and(|d| found.as_ref().is_none_or(|i| i.district_code != d)) {
            continue;
        }
        x.institution_name = found.map(|i| i.name).unwrap_or_default();
        kept.push(x);
    }
    v.targets = kept;
    Ok(v)
}
