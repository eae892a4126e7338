//! Batch plans, their occupations, sessions and candidates.

use super::{Page, PageRequest};
use crate::entity::{candidate, plan, plan_occupation, plan_session};
use crate::error::RepoError;
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

/// Name of the constraint that refuses the same person twice for one occupation and level.
pub const CANDIDATE_TWICE: &str = "candidates_once_key";

/// Inserts a plan.
pub async fn insert(db: &impl ConnectionTrait, m: plan::Model) -> Result<plan::Model, RepoError> {
    plan::Entity::insert(m.into_active_model()).exec_with_returning(db).await.map_err(RepoError::from_db)
}

/// One plan.
pub async fn find(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<plan::Model>, RepoError> {
    Ok(plan::Entity::find_by_id(id).one(db).await?)
}

/// Saves a plan, bumping its version.
pub async fn save(
    db: &impl ConnectionTrait,
    mut m: plan::ActiveModel,
    version: i32,
    now: DateTime<Utc>,
) -> Result<plan::Model, RepoError> {
    // Optimistic guard: only the version read can be saved; a concurrent change (another
    // replica on PostgreSQL) makes this a `Conflict(STALE)` instead of a lost update.
    let id = match &m.id {
        sea_orm::ActiveValue::Set(v) | sea_orm::ActiveValue::Unchanged(v) => *v,
        sea_orm::ActiveValue::NotSet => return Err(RepoError::Conflict(crate::error::STALE.into())),
    };
    let guard = plan::Entity::update_many()
        .col_expr(plan::Column::Version, sea_orm::sea_query::Expr::val(version + 1))
        .filter(plan::Column::Id.eq(id))
        .filter(plan::Column::Version.eq(version))
        .exec(db)
        .await?;
    if guard.rows_affected == 0 {
        return Err(RepoError::Conflict(crate::error::STALE.into()));
    }
    m.version = Set(version + 1);
    m.updated_at = Set(now);
    m.update(db).await.map_err(RepoError::from_db)
}

/// Which plans to list.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub institution_ids: Option<Vec<Uuid>>,
    pub status: Option<String>,
}

/// Plans, newest first.
pub async fn list(
    db: &impl ConnectionTrait,
    f: &Filter,
    page: PageRequest,
) -> Result<Page<plan::Model>, RepoError> {
    let mut q = plan::Entity::find();
    if let Some(ids) = &f.institution_ids {
        q = q.filter(plan::Column::InstitutionId.is_in(ids.clone()));
    }
    match f.status.as_deref() {
        // A cancelled plan keeps its last status; `cancelled_at` makes it cancelled.
        Some("cancelled") => q = q.filter(plan::Column::CancelledAt.is_not_null()),
        Some(s) => q = q.filter(plan::Column::Status.eq(s)).filter(plan::Column::CancelledAt.is_null()),
        None => {}
    }
    super::fetch_page(db, q.order_by_desc(plan::Column::CreatedAt), page).await
}

/// Replaces a plan's occupations and sessions.
pub async fn replace_contents(
    db: &impl ConnectionTrait,
    plan_id: Uuid,
    occupations: Vec<plan_occupation::Model>,
    sessions: Vec<plan_session::Model>,
) -> Result<(), RepoError> {
    plan_occupation::Entity::delete_many()
        .filter(plan_occupation::Column::PlanId.eq(plan_id))
        .exec(db)
        .await?;
    plan_session::Entity::delete_many().filter(plan_session::Column::PlanId.eq(plan_id)).exec(db).await?;
    if !occupations.is_empty() {
        plan_occupation::Entity::insert_many(occupations.into_iter().map(IntoActiveModel::into_active_model))
            .exec_without_returning(db)
            .await
            .map_err(RepoError::from_db)?;
    }
    if !sessions.is_empty() {
        plan_session::Entity::insert_many(sessions.into_iter().map(IntoActiveModel::into_active_model))
            .exec_without_returning(db)
            .await
            .map_err(RepoError::from_db)?;
    }
    Ok(())
}

/// A plan's occupations.
pub async fn occupations(
    db: &impl ConnectionTrait,
    plan_id: Uuid,
) -> Result<Vec<plan_occupation::Model>, RepoError> {
    Ok(plan_occupation::Entity::find()
        .filter(plan_occupation::Column::PlanId.eq(plan_id))
        .order_by_asc(plan_occupation::Column::OccupationCode)
        .order_by_asc(plan_occupation::Column::Level)
        .all(db)
        .await?)
}

/// A plan's sessions, by date.
pub async fn sessions(
    db: &impl ConnectionTrait,
    plan_id: Uuid,
) -> Result<Vec<plan_session::Model>, RepoError> {
    Ok(plan_session::Entity::find()
        .filter(plan_session::Column::PlanId.eq(plan_id))
        .order_by_asc(plan_session::Column::Day)
        .order_by_asc(plan_session::Column::StartsAt)
        .all(db)
        .await?)
}

/// Inserts candidates (one statement per 500 rows).
pub async fn insert_candidates(
    db: &impl ConnectionTrait,
    rows: Vec<candidate::Model>,
) -> Result<(), RepoError> {
    super::insert_all::<candidate::Entity>(db, rows, 500).await
}

/// The keys (ID number's lookup hash, occupation, work type, level) of a plan's candidates not
/// withdrawn.
pub async fn candidate_keys(
    db: &impl ConnectionTrait,
    plan_id: Uuid,
) -> Result<Vec<(Option<String>, String, String, String)>, RepoError> {
    Ok(candidate::Entity::find()
        .filter(candidate::Column::PlanId.eq(plan_id))
        .filter(candidate::Column::WithdrawnAt.is_null())
        .select_only()
        .column(candidate::Column::IdHash)
        .column(candidate::Column::OccupationCode)
        .column(candidate::Column::WorkType)
        .column(candidate::Column::Level)
        .into_tuple()
        .all(db)
        .await?)
}

/// A plan's candidates, by name.
pub async fn candidates(
    db: &impl ConnectionTrait,
    plan_id: Uuid,
    page: PageRequest,
) -> Result<Page<candidate::Model>, RepoError> {
    let q = candidate::Entity::find().filter(candidate::Column::PlanId.eq(plan_id));
    super::fetch_page(db, q.order_by_asc(candidate::Column::Name).order_by_asc(candidate::Column::Id), page)
        .await
}

/// Number of candidates of a plan (not withdrawn).
pub async fn candidate_count(db: &impl ConnectionTrait, plan_id: Uuid) -> Result<u64, RepoError> {
    Ok(candidate::Entity::find()
        .filter(candidate::Column::PlanId.eq(plan_id))
        .filter(candidate::Column::WithdrawnAt.is_null())
        .count(db)
        .await?)
}

/// Every plan of some institutions, oldest first.
pub async fn of_institutions(
    db: &impl ConnectionTrait,
    ids: Vec<Uuid>,
) -> Result<Vec<plan::Model>, RepoError> {
    Ok(plan::Entity::find()
        .filter(plan::Column::InstitutionId.is_in(ids))
        .order_by_asc(plan::Column::CreatedAt)
        .order_by_asc(plan::Column::Id)
        .all(db)
        .await?)
}
