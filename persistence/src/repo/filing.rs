//! Filing applications, their rounds, experts, evaluations and attachments.

use super::{Page, PageRequest};
use crate::entity::{attachment, filing, filing_evaluation, filing_expert, filing_round};
use crate::error::RepoError;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

/// Name of the constraint that allows one evaluation per expert and round.
pub const EVALUATED_ONCE: &str = "filing_evaluations_once_key";

/// Inserts a new application.
pub async fn insert(db: &impl ConnectionTrait, m: filing::Model) -> Result<filing::Model, RepoError> {
    filing::Entity::insert(m.into_active_model()).exec_with_returning(db).await.map_err(RepoError::from_db)
}

/// One application.
pub async fn find(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<filing::Model>, RepoError> {
    Ok(filing::Entity::find_by_id(id).one(db).await?)
}

/// Saves an edited application, bumping its version.
pub async fn save(
    db: &impl ConnectionTrait,
    mut m: filing::ActiveModel,
    version: i32,
    now: DateTime<Utc>,
) -> Result<filing::Model, RepoError> {
    // Optimistic guard: only the version read can be saved; a concurrent change (another
    // replica on PostgreSQL) makes this a `Conflict(STALE)` instead of a lost update.
    let id = match &m.id {
        sea_orm::ActiveValue::Set(v) | sea_orm::ActiveValue::Unchanged(v) => *v,
        sea_orm::ActiveValue::NotSet => return Err(RepoError::Conflict(crate::error::STALE.into())),
    };
    let guard = filing::Entity::update_many()
        .col_expr(filing::Column::Version, sea_orm::sea_query::Expr::val(version + 1))
        .filter(filing::Column::Id.eq(id))
        .filter(filing::Column::Version.eq(version))
        .exec(db)
        .await?;
    if guard.rows_affected == 0 {
        return Err(RepoError::Conflict(crate::error::STALE.into()));
    }
    m.version = Set(version + 1);
    m.updated_at = Set(now);
    m.update(db).await.map_err(RepoError::from_db)
}

/// Open applications of a school (not approved or rejected).
pub async fn open_of_school(
    db: &impl ConnectionTrait,
    school_id: Uuid,
) -> Result<Vec<filing::Model>, RepoError> {
    Ok(filing::Entity::find()
        .filter(filing::Column::SchoolId.eq(school_id))
        .filter(filing::Column::Status.is_not_in(["approved", "rejected", "withdrawn"]))
        .all(db)
        .await?)
}

/// Who may see which applications.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub school_id: Option<Uuid>,
    pub expert_id: Option<Uuid>,
    pub district_code: Option<String>,
    pub status: Option<String>,
}

/// Applications, newest first.
pub async fn list(
    db: &impl ConnectionTrait,
    f: &Filter,
    page: PageRequest,
) -> Result<Page<filing::Model>, RepoError> {
    let mut q = filing::Entity::find();
    if let Some(id) = f.school_id {
        q = q.filter(filing::Column::SchoolId.eq(id));
    }
    if let Some(s) = &f.status {
        q = q.filter(filing::Column::Status.eq(s.clone()));
    }
    if let Some(expert) = f.expert_id {
        let assigned: Vec<Uuid> = filing_expert::Entity::find()
            .filter(filing_expert::Column::ExpertId.eq(expert))
            .all(db)
            .await?
            .into_iter()
            .map(|e| e.filing_id)
            .collect();
        q = q.filter(filing::Column::Id.is_in(assigned));
    }
    if let Some(d) = &f.district_code {
        let schools: Vec<Uuid> = crate::entity::school::Entity::find()
            .filter(crate::entity::school::Column::DistrictCode.eq(d.clone()))
            .select_only()
            .column(crate::entity::school::Column::Id)
            .into_tuple()
            .all(db)
            .await?;
        q = q.filter(filing::Column::SchoolId.is_in(schools));
    }
    super::fetch_page(db, q.order_by_desc(filing::Column::CreatedAt), page).await
}

/// Records a submitted round.
pub async fn insert_round(
    db: &impl ConnectionTrait,
    filing_id: Uuid,
    round: i32,
    document: serde_json::Value,
    now: DateTime<Utc>,
) -> Result<(), RepoError> {
    filing_round::Entity::insert(filing_round::ActiveModel {
        filing_id: Set(filing_id),
        round: Set(round),
        submitted_at: Set(now),
        document: Set(document),
        returned_at: Set(None),
        return_reasons: Set(None),
    })
    .exec_without_returning(db)
    .await
    .map_err(RepoError::from_db)?;
    Ok(())
}

/// Marks a round as returned with reasons.
pub async fn return_round(
    db: &impl ConnectionTrait,
    filing_id: Uuid,
    round: i32,
    reasons: &str,
    now: DateTime<Utc>,
) -> Result<(), RepoError> {
    filing_round::Entity::update_many()
        .col_expr(filing_round::Column::ReturnedAt, Expr::val(now))
        .col_expr(filing_round::Column::ReturnReasons, Expr::val(reasons))
        .filter(filing_round::Column::FilingId.eq(filing_id))
        .filter(filing_round::Column::Round.eq(round))
        .exec(db)
        .await?;
    Ok(())
}

/// Every round of an application.
pub async fn rounds(
    db: &impl ConnectionTrait,
    filing_id: Uuid,
) -> Result<Vec<filing_round::Model>, RepoError> {
    Ok(filing_round::Entity::find()
        .filter(filing_round::Column::FilingId.eq(filing_id))
        .order_by_asc(filing_round::Column::Round)
        .all(db)
        .await?)
}

/// Assigns an expert (idempotent).
pub async fn assign_expert(
    db: &impl ConnectionTrait,
    filing_id: Uuid,
    expert_id: Uuid,
    now: DateTime<Utc>,
) -> Result<bool, RepoError> {
    if filing_expert::Entity::find_by_id((filing_id, expert_id)).one(db).await?.is_some() {
        return Ok(false);
    }
    filing_expert::Entity::insert(filing_expert::ActiveModel {
        filing_id: Set(filing_id),
        expert_id: Set(expert_id),
        assigned_at: Set(now),
    })
    .exec_without_returning(db)
    .await
    .map_err(RepoError::from_db)?;
    Ok(true)
}

/// Experts assigned to an application.
pub async fn experts(
    db: &impl ConnectionTrait,
    filing_id: Uuid,
) -> Result<Vec<filing_expert::Model>, RepoError> {
    Ok(filing_expert::Entity::find()
        .filter(filing_expert::Column::FilingId.eq(filing_id))
        .order_by_asc(filing_expert::Column::AssignedAt)
        .all(db)
        .await?)
}

/// Whether an expert is assigned.
pub async fn is_assigned(
    db: &impl ConnectionTrait,
    filing_id: Uuid,
    expert_id: Uuid,
) -> Result<bool, RepoError> {
    Ok(filing_expert::Entity::find_by_id((filing_id, expert_id)).one(db).await?.is_some())
}

/// Records an evaluation; a second one by the same expert in the same round is
/// `Conflict(EVALUATED_ONCE)`.
pub async fn insert_evaluation(
    db: &impl ConnectionTrait,
    m: filing_evaluation::Model,
) -> Result<filing_evaluation::Model, RepoError> {
    filing_evaluation::Entity::insert(m.into_active_model())
        .exec_with_returning(db)
        .await
        .map_err(RepoError::from_db)
}

/// Evaluations of an application, by round.
pub async fn evaluations(
    db: &impl ConnectionTrait,
    filing_id: Uuid,
) -> Result<Vec<filing_evaluation::Model>, RepoError> {
    Ok(filing_evaluation::Entity::find()
        .filter(filing_evaluation::Column::FilingId.eq(filing_id))
        .order_by_asc(filing_evaluation::Column::Round)
        .order_by_asc(filing_evaluation::Column::CreatedAt)
        .all(db)
        .await?)
}

/// Evaluations of one round (R8).
pub async fn evaluations_in_round(
    db: &impl ConnectionTrait,
    filing_id: Uuid,
    round: i32,
) -> Result<u64, RepoError> {
    Ok(filing_evaluation::Entity::find()
        .filter(filing_evaluation::Column::FilingId.eq(filing_id))
        .filter(filing_evaluation::Column::Round.eq(round))
        .count(db)
        .await?)
}

/// Stores an attachment's record.
pub async fn insert_attachment(
    db: &impl ConnectionTrait,
    m: attachment::Model,
) -> Result<attachment::Model, RepoError> {
    attachment::Entity::insert(m.into_active_model())
        .exec_with_returning(db)
        .await
        .map_err(RepoError::from_db)
}

/// One attachment.
pub async fn attachment(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<attachment::Model>, RepoError> {
    Ok(attachment::Entity::find_by_id(id).one(db).await?)
}

/// Attachments of an application.
pub async fn attachments(
    db: &impl ConnectionTrait,
    filing_id: Uuid,
) -> Result<Vec<attachment::Model>, RepoError> {
    Ok(attachment::Entity::find()
        .filter(attachment::Column::FilingId.eq(filing_id))
        .order_by_asc(attachment::Column::CreatedAt)
        .all(db)
        .await?)
}
