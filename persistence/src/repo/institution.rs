//! Institutions, their scope, the municipal serial counter and the code registry.

use super::{Page, PageRequest};
use crate::entity::{institution, institution_code, institution_lineage, institution_scope};
use crate::error::RepoError;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, LikeExpr};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel,
    QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

/// Allocates the next municipal institution serial (R10). Call it inside the approving
/// transaction: the counter row stays locked until commit (PostgreSQL row lock; SQLite
/// `BEGIN IMMEDIATE`), so concurrent approvals queue and never share a serial, and a rolled-back
/// approval leaves no gap. Returns `None` once 999,999 serials are used.
pub async fn allocate_serial(db: &impl ConnectionTrait) -> Result<Option<u32>, RepoError> {
    use crate::entity::institution_serial_counter as counter;
    let updated = counter::Entity::update_many()
        .col_expr(counter::Column::LastSerial, Expr::col(counter::Column::LastSerial).add(1))
        .filter(counter::Column::Id.eq(1))
        .filter(counter::Column::LastSerial.lt(999_999))
        .exec(db)
        .await?;
    if updated.rows_affected == 0 {
        return Ok(None);
    }
    let row = counter::Entity::find_by_id(1).one(db).await?;
    Ok(row.map(|r| r.last_serial as u32))
}

/// Registers a newly assigned code in the retired-code store's registry
/// (`domain::retired::CodeRegistry::assign`): the primary key and the unique serial refuse any
/// code or serial it has seen.
pub async fn register_code(
    db: &impl ConnectionTrait,
    code: domain::InstitutionCode,
    now: DateTime<Utc>,
) -> Result<(), RepoError> {
    institution_code::Entity::insert(institution_code::ActiveModel {
        code: Set(code.to_string()),
        serial: Set(code.serial().get() as i32),
        assigned_at: Set(now),
        retired_at: Set(None),
        retired_reason: Set(None),
        successor_code: Set(None),
    })
    .exec_without_returning(db)
    .await
    .map_err(RepoError::from_db)?;
    Ok(())
}

/// Retires `code` for `why` (`domain::retired::CodeRegistry::retire`): only a code in service
/// (the conditional update is the check; the triggers refuse changing a retirement). `false`
/// when it was not in service.
pub async fn retire_code(
    db: &impl ConnectionTrait,
    code: domain::InstitutionCode,
    why: &domain::retired::Retirement,
    now: DateTime<Utc>,
) -> Result<bool, RepoError> {
    let done = institution_code::Entity::update_many()
        .col_expr(institution_code::Column::RetiredAt, Expr::val(now))
        .col_expr(institution_code::Column::RetiredReason, Expr::val(why.reason()))
        .col_expr(institution_code::Column::SuccessorCode, Expr::val(why.successor().map(|c| c.to_string())))
        .filter(institution_code::Column::Code.eq(code.to_string()))
        .filter(institution_code::Column::RetiredAt.is_null())
        .exec(db)
        .await?;
    Ok(done.rows_affected == 1)
}

/// The retired-code store, newest first.
pub async fn retired_codes(
    db: &impl ConnectionTrait,
    page: PageRequest,
) -> Result<Page<(institution_code::Model, Option<institution::Model>)>, RepoError> {
    let found = super::fetch_page(
        db,
        institution_code::Entity::find()
            .filter(institution_code::Column::RetiredAt.is_not_null())
            .order_by_desc(institution_code::Column::RetiredAt),
        page,
    )
    .await?;
    let mut items = Vec::with_capacity(found.items.len());
    for c in found.items {
        let inst =
            institution::Entity::find().filter(institution::Column::Code.eq(c.code.clone())).one(db).await?;
        items.push((c, inst));
    }
    Ok(Page { items, total: found.total })
}

/// Inserts an institution with its scope rows.
pub async fn insert(
    db: &impl ConnectionTrait,
    m: institution::Model,
    scope: Vec<institution_scope::Model>,
) -> Result<institution::Model, RepoError> {
    let saved = institution::Entity::insert(m.into_active_model())
        .exec_with_returning(db)
        .await
        .map_err(RepoError::from_db)?;
    replace_scope(db, saved.id, scope).await?;
    Ok(saved)
}

/// Replaces an institution's scope (renewal).
pub async fn replace_scope(
    db: &impl ConnectionTrait,
    institution_id: Uuid,
    scope: Vec<institution_scope::Model>,
) -> Result<(), RepoError> {
    institution_scope::Entity::delete_many()
        .filter(institution_scope::Column::InstitutionId.eq(institution_id))
        .exec(db)
        .await?;
    if !scope.is_empty() {
        let rows: Vec<institution_scope::ActiveModel> =
            scope.into_iter().map(IntoActiveModel::into_active_model).collect();
        institution_scope::Entity::insert_many(rows)
            .exec_without_returning(db)
            .await
            .map_err(RepoError::from_db)?;
    }
    Ok(())
}

/// One institution.
pub async fn find(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<institution::Model>, RepoError> {
    Ok(institution::Entity::find_by_id(id).one(db).await?)
}

/// One institution by its filing code.
pub async fn by_code(db: &impl ConnectionTrait, code: &str) -> Result<Option<institution::Model>, RepoError> {
    Ok(institution::Entity::find().filter(institution::Column::Code.eq(code)).one(db).await?)
}

/// Every institution, by code.
pub async fn all(db: &impl ConnectionTrait) -> Result<Vec<institution::Model>, RepoError> {
    Ok(institution::Entity::find().order_by_asc(institution::Column::Code).all(db).await?)
}

/// The institution of a school that is not cancelled, if any.
pub async fn live_of_school(
    db: &impl ConnectionTrait,
    school_id: Uuid,
) -> Result<Option<institution::Model>, RepoError> {
    Ok(institution::Entity::find()
        .filter(institution::Column::SchoolId.eq(school_id))
        .filter(institution::Column::Status.ne("cancelled"))
        .one(db)
        .await?)
}

/// The scope of an institution.
pub async fn scope(db: &impl ConnectionTrait, id: Uuid) -> Result<Vec<institution_scope::Model>, RepoError> {
    Ok(institution_scope::Entity::find()
        .filter(institution_scope::Column::InstitutionId.eq(id))
        .order_by_asc(institution_scope::Column::OccupationCode)
        .order_by_asc(institution_scope::Column::Level)
        .order_by_asc(institution_scope::Column::WorkType)
        .all(db)
        .await?)
}

/// The institutions whose scope names standard `standard_id` as a basis, by code.
pub async fn naming_standard(
    db: &impl ConnectionTrait,
    standard_id: Uuid,
) -> Result<Vec<institution::Model>, RepoError> {
    let ids: Vec<Uuid> = institution_scope::Entity::find()
        .filter(institution_scope::Column::StandardId.eq(standard_id))
        .all(db)
        .await?
        .into_iter()
        .map(|s| s.institution_id)
        .collect();
    Ok(institution::Entity::find()
        .filter(institution::Column::Id.is_in(ids))
        .order_by_asc(institution::Column::Code)
        .all(db)
        .await?)
}

/// Saves an edited institution, bumping its version.
pub async fn save(
    db: &impl ConnectionTrait,
    mut m: institution::ActiveModel,
    version: i32,
    now: DateTime<Utc>,
) -> Result<institution::Model, RepoError> {
    // Optimistic guard: only the version read can be saved; a concurrent change (another
    // replica on PostgreSQL) makes this a `Conflict(STALE)` instead of a lost update.
    let id = match &m.id {
        sea_orm::ActiveValue::Set(v) | sea_orm::ActiveValue::Unchanged(v) => *v,
        sea_orm::ActiveValue::NotSet => return Err(RepoError::Conflict(crate::error::STALE.into())),
    };
    let guard = institution::Entity::update_many()
        .col_expr(institution::Column::Version, sea_orm::sea_query::Expr::val(version + 1))
        .filter(institution::Column::Id.eq(id))
        .filter(institution::Column::Version.eq(version))
        .exec(db)
        .await?;
    if guard.rows_affected == 0 {
        return Err(RepoError::Conflict(crate::error::STALE.into()));
    }
    m.version = Set(version + 1);
    m.updated_at = Set(now);
    m.update(db).await.map_err(RepoError::from_db)
}

/// Filters for listing institutions.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub district_code: Option<String>,
    pub school_id: Option<Uuid>,
    /// Stored status (`active`, `suspended`, `cancelled`).
    pub stored_status: Option<String>,
    /// Name or code contains / starts with.
    pub q: Option<String>,
    /// Only institutions whose scope includes this occupation.
    pub occupation_code: Option<String>,
    /// With `Some((today, expired))`: only institutions whose validity has (`true`) or has not
    /// (`false`) ended before `today`.
    pub expired_on: Option<(chrono::NaiveDate, bool)>,
}

/// Institutions by code.
pub async fn list(
    db: &impl ConnectionTrait,
    f: &Filter,
    page: PageRequest,
) -> Result<Page<institution::Model>, RepoError> {
    let mut q = institution::Entity::find();
    if let Some(d) = &f.district_code {
        q = q.filter(institution::Column::DistrictCode.eq(d.clone()));
    }
    if let Some(s) = f.school_id {
        q = q.filter(institution::Column::SchoolId.eq(s));
    }
    if let Some(s) = &f.stored_status {
        q = q.filter(institution::Column::Status.eq(s.clone()));
    }
    if let Some((today, expired)) = f.expired_on {
        q = if expired {
            q.filter(institution::Column::ValidUntil.lt(today))
        } else {
            q.filter(institution::Column::ValidUntil.gte(today))
        };
    }
    if let Some(text) = &f.q {
        let esc = text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
        q = q.filter(
            Expr::col(institution::Column::Name)
                .like(LikeExpr::new(format!("%{esc}%")).escape('\\'))
                .or(Expr::col(institution::Column::Code).like(LikeExpr::new(format!("{esc}%")).escape('\\'))),
        );
    }
    if let Some(code) = &f.occupation_code {
        let ids: Vec<Uuid> = institution_scope::Entity::find()
            .filter(institution_scope::Column::OccupationCode.eq(code.clone()))
            .select_only()
            .column(institution_scope::Column::InstitutionId)
            .distinct()
            .into_tuple()
            .all(db)
            .await?;
        q = q.filter(institution::Column::Id.is_in(ids));
    }
    super::fetch_page(db, q.order_by_asc(institution::Column::Code), page).await
}

/// Records that `predecessor` was merged into `successor` (R14).
pub async fn record_merger(
    db: &impl ConnectionTrait,
    predecessor: Uuid,
    successor: Uuid,
    now: DateTime<Utc>,
) -> Result<(), RepoError> {
    institution_lineage::Entity::insert(institution_lineage::ActiveModel {
        predecessor_id: Set(predecessor),
        successor_id: Set(successor),
        merged_at: Set(now),
    })
    .exec_without_returning(db)
    .await
    .map_err(RepoError::from_db)?;
    Ok(())
}

/// The institutions merged into `successor`, and the one `predecessor` was merged into.
pub async fn lineage(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> Result<(Vec<institution_lineage::Model>, Vec<institution_lineage::Model>), RepoError> {
    let predecessors = institution_lineage::Entity::find()
        .filter(institution_lineage::Column::SuccessorId.eq(id))
        .all(db)
        .await?;
    let successors = institution_lineage::Entity::find()
        .filter(institution_lineage::Column::PredecessorId.eq(id))
        .all(db)
        .await?;
    Ok((predecessors, successors))
}

/// Updates via an active model (for the lifecycle).
pub async fn update(
    db: &impl ConnectionTrait,
    m: institution::ActiveModel,
) -> Result<institution::Model, RepoError> {
    m.update(db).await.map_err(RepoError::from_db)
}
