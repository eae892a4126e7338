//! How registered people are shown: ID numbers always masked (the registry matches them, no one
//! needs to read them back); the quality supervisor drawn for a plan with the draw's record.

use crate::error::ApiError;
use chrono::{DateTime, NaiveDate, Utc};
use persistence::entity::{personnel, personnel_qualification, plan_quality_supervisor};
use persistence::repo;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// An occupation and the levels a person is qualified for.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct QualificationView {
    pub occupation_code: String,
    pub levels: Vec<String>,
}

/// A registered person.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PersonView {
    pub id: Uuid,
    /// `examiner`, `quality_supervisor` or `expert`.
    pub kind: String,
    pub name: String,
    /// Masked (first two and last two characters).
    pub id_number: String,
    pub certificate_number: String,
    pub valid_until: NaiveDate,
    pub employer: String,
    pub employer_school_id: Option<Uuid>,
    pub user_id: Option<Uuid>,
    pub active: bool,
    pub qualifications: Vec<QualificationView>,
    pub created_at: DateTime<Utc>,
}

/// The views of `people`, with their qualifications (one query).
pub async fn people(
    db: &impl persistence::ConnectionTrait,
    people: Vec<personnel::Model>,
) -> Result<Vec<PersonView>, ApiError> {
    let ids: Vec<Uuid> = people.iter().map(|p| p.id).collect();
    let quals = repo::personnel::qualifications(db, &ids).await?;
    Ok(people.into_iter().map(|p| person_view(p, &quals)).collect())
}

fn person_view(p: personnel::Model, quals: &[personnel_qualification::Model]) -> PersonView {
    let mut qualifications: Vec<QualificationView> = Vec::new();
    for q in quals.iter().filter(|q| q.person_id == p.id) {
        match qualifications.last_mut() {
            Some(last) if last.occupation_code == q.occupation_code => last.levels.push(q.level.clone()),
            _ => qualifications.push(QualificationView {
                occupation_code: q.occupation_code.clone(),
                levels: vec![q.level.clone()],
            }),
        }
    }
    PersonView {
        id: p.id,
        kind: p.kind,
        name: p.name,
        id_number: p.id_masked.unwrap_or_default(),
        certificate_number: p.certificate_number,
        valid_until: p.valid_until,
        employer: p.employer,
        employer_school_id: p.employer_school_id,
        user_id: p.user_id,
        active: p.active,
        qualifications,
        created_at: p.created_at,
    }
}

/// The quality supervisor dispatched to a plan, and how they were drawn.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PlanSupervisorView {
    pub plan_id: Uuid,
    pub person_id: Uuid,
    pub name: String,
    pub certificate_number: String,
    pub employer: String,
    /// The seed of the draw (`docs/SUPERVISION.md`).
    pub seed: String,
    /// The eligible quality supervisors in draw order (by id).
    pub pool: Vec<Uuid>,
    pub drawn_at: DateTime<Utc>,
}

/// The view of a plan's drawn quality supervisor.
pub async fn plan_supervisor(
    db: &impl persistence::ConnectionTrait,
    m: plan_quality_supervisor::Model,
) -> Result<PlanSupervisorView, ApiError> {
    let p = repo::personnel::find(db, m.person_id)
        .await?
        .ok_or_else(|| ApiError::internal("drawn supervisor not in the registry"))?;
    Ok(PlanSupervisorView {
        plan_id: m.plan_id,
        person_id: p.id,
        name: p.name,
        certificate_number: p.certificate_number,
        employer: p.employer,
        seed: m.seed,
        pool: serde_json::from_value(m.pool).map_err(ApiError::internal)?,
        drawn_at: m.drawn_at,
    })
}
