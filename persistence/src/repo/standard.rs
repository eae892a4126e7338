//! Standards and evaluation norms (R5, R6).

use crate::entity::{standard, standard_level};
use crate::error::RepoError;
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

/// A standard to register.
#[derive(Debug, Clone)]
pub struct NewStandard {
    pub occupation_code: String,
    pub kind: String,
    pub title: String,
    pub levels: Vec<String>,
    pub filing_reference: Option<String>,
    pub filing_date: Option<NaiveDate>,
    pub override_reason: Option<String>,
}

/// Inserts a standard and its levels.
pub async fn insert(
    db: &impl ConnectionTrait,
    s: NewStandard,
    now: DateTime<Utc>,
) -> Result<standard::Model, RepoError> {
    let id = Uuid::now_v7();
    let model = standard::Entity::insert(standard::ActiveModel {
        id: Set(id),
        occupation_code: Set(s.occupation_code.clone()),
        kind: Set(s.kind.clone()),
        title: Set(s.title),
        filing_reference: Set(s.filing_reference),
        filing_date: Set(s.filing_date),
        override_reason: Set(s.override_reason.clone()),
        created_at: Set(now),
        withdrawn_at: Set(None),
        withdrawal_reason: Set(None),
    })
    .exec_with_returning(db)
    .await
    .map_err(RepoError::from_db)?;
    let levels: Vec<standard_level::ActiveModel> = s
        .levels
        .iter()
        .map(|l| standard_level::ActiveModel {
            standard_id: Set(id),
            level: Set(l.clone()),
            occupation_code: Set(s.occupation_code.clone()),
            kind: Set(s.kind.clone()),
            overridden: Set(s.override_reason.is_some()),
            withdrawn: Set(false),
        })
        .collect();
    standard_level::Entity::insert_many(levels)
        .exec_without_returning(db)
        .await
        .map_err(RepoError::from_db)?;
    Ok(model)
}

/// Evaluation norms already registered for this occupation at any of these levels (R6).
pub async fn norms_covering(
    db: &impl ConnectionTrait,
    occupation_code: &str,
    levels: &[String],
) -> Result<Vec<standard_level::Model>, RepoError> {
    Ok(standard_level::Entity::find()
        .filter(standard_level::Column::OccupationCode.eq(occupation_code))
        .filter(standard_level::Column::Kind.eq("evaluation_norm"))
        .filter(standard_level::Column::Withdrawn.eq(false))
        .filter(standard_level::Column::Level.is_in(levels.iter().cloned()))
        .all(db)
        .await?)
}

/// One standard with its levels.
pub async fn find(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Option<(standard::Model, Vec<String>)>, RepoError> {
    let Some(s) = standard::Entity::find_by_id(id).one(db).await? else { return Ok(None) };
    let levels = levels_of(db, id).await?;
    Ok(Some((s, levels)))
}

async fn levels_of(db: &impl ConnectionTrait, id: Uuid) -> Result<Vec<String>, RepoError> {
    Ok(standard_level::Entity::find()
        .filter(standard_level::Column::StandardId.eq(id))
        .order_by_asc(standard_level::Column::Level)
        .all(db)
        .await?
        .into_iter()
        .map(|l| l.level)
        .collect())
}

/// Standards, optionally of one occupation, with their levels: one page.
pub async fn list(
    db: &impl ConnectionTrait,
    occupation_code: Option<&str>,
    page: super::PageRequest,
) -> Result<super::Page<(standard::Model, Vec<String>)>, RepoError> {
    let mut q = standard::Entity::find();
    if let Some(code) = occupation_code {
        q = q.filter(standard::Column::OccupationCode.eq(code));
    }
    let q = q.order_by_asc(standard::Column::OccupationCode).order_by_asc(standard::Column::CreatedAt);
    let found = super::fetch_page(db, q, page).await?;
    let mut out = Vec::with_capacity(found.items.len());
    for s in found.items {
        let levels = levels_of(db, s.id).await?;
        out.push((s, levels));
    }
    Ok(super::Page { items: out, total: found.total })
}

/// Whether standard `id` covers this occupation at this level (R5).
pub async fn covers(
    db: &impl ConnectionTrait,
    id: Uuid,
    occupation_code: &str,
    level: &str,
) -> Result<bool, RepoError> {
    Ok(standard_level::Entity::find()
        .filter(standard_level::Column::StandardId.eq(id))
        .filter(standard_level::Column::OccupationCode.eq(occupation_code))
        .filter(standard_level::Column::Level.eq(level))
        .one(db)
        .await?
        .is_some())
}

/// A national standard covering this occupation at this level, if one is registered (R5: where
/// one exists, a norm may not be the basis).
pub async fn national_covering(
    db: &impl ConnectionTrait,
    occupation_code: &str,
    level: &str,
) -> Result<Option<standard::Model>, RepoError> {
    let Some(row) = standard_level::Entity::find()
        .filter(standard_level::Column::OccupationCode.eq(occupation_code))
        .filter(standard_level::Column::Level.eq(level))
        .filter(standard_level::Column::Kind.eq("national_standard"))
        .filter(standard_level::Column::Withdrawn.eq(false))
        .order_by_asc(standard_level::Column::StandardId)
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    Ok(standard::Entity::find_by_id(row.standard_id).one(db).await?)
}

/// Withdraws standard `id` with `reason`; `false` when it was withdrawn already (the conditional
/// update is the check: two withdrawals cannot both pass it).
pub async fn withdraw(
    db: &impl ConnectionTrait,
    id: Uuid,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<bool, RepoError> {
    let r = standard::Entity::update_many()
        .col_expr(standard::Column::WithdrawnAt, sea_orm::sea_query::Expr::val(Some(now)))
        .col_expr(standard::Column::WithdrawalReason, sea_orm::sea_query::Expr::val(Some(reason.to_owned())))
        .filter(standard::Column::Id.eq(id))
        .filter(standard::Column::WithdrawnAt.is_null())
        .exec(db)
        .await?;
    if r.rows_affected == 0 {
        return Ok(false);
    }
    standard_level::Entity::update_many()
        .col_expr(standard_level::Column::Withdrawn, sea_orm::sea_query::Expr::val(true))
        .filter(standard_level::Column::StandardId.eq(id))
        .exec(db)
        .await?;
    Ok(true)
}

/// Writes standard `id`'s corrected title and filing (reference and date); the caller holds the
/// row's lock (`lock_row`) and has checked the version it read.
pub async fn correct(
    db: &impl ConnectionTrait,
    id: Uuid,
    title: &str,
    filing_reference: Option<&str>,
    filing_date: Option<NaiveDate>,
) -> Result<(), RepoError> {
    standard::Entity::update_many()
        .col_expr(standard::Column::Title, sea_orm::sea_query::Expr::val(title.to_owned()))
        .col_expr(
            standard::Column::FilingReference,
            sea_orm::sea_query::Expr::val(filing_reference.map(str::to_owned)),
        )
        .col_expr(standard::Column::FilingDate, sea_orm::sea_query::Expr::val(filing_date))
        .filter(standard::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// Which of `ids` are withdrawn standards.
pub async fn withdrawn_of(db: &impl ConnectionTrait, ids: &[Uuid]) -> Result<Vec<Uuid>, RepoError> {
    Ok(standard::Entity::find()
        .filter(standard::Column::Id.is_in(ids.iter().copied()))
        .filter(standard::Column::WithdrawnAt.is_not_null())
        .all(db)
        .await?
        .into_iter()
        .map(|s| s.id)
        .collect())
}
