//! The centre's registry of examiners, quality supervisors and experts, their qualifications,
//! and the quality supervisors drawn for plans.

use super::{Page, PageRequest, fetch_page};
use crate::entity::{personnel, personnel_qualification as qualification, plan_quality_supervisor};
use crate::error::RepoError;
use chrono::NaiveDate;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder};
use uuid::Uuid;

/// The constraint that keeps certificate numbers unique within a kind.
pub const CERTIFICATE_TAKEN: &str = "personnel_certificate_key";
/// The constraint that registers a person once per kind.
pub const PERSON_TAKEN: &str = "personnel_person_key";
/// The constraint that links an account to one registered person.
pub const ACCOUNT_TAKEN: &str = "personnel_user_key";
/// The constraint that draws one quality supervisor per plan.
pub const ALREADY_DRAWN: &str = "plan_quality_supervisors_pkey";

/// Registers a person with their qualifications.
pub async fn insert(
    db: &impl ConnectionTrait,
    p: personnel::Model,
    qualifications: Vec<qualification::Model>,
) -> Result<(), RepoError> {
    personnel::Entity::insert(p.into_active_model())
        .exec_without_returning(db)
        .await
        .map_err(RepoError::from_db)?;
    add_qualifications(db, qualifications).await
}

/// Adds qualifications; those already held are kept as they are.
pub async fn add_qualifications(
    db: &impl ConnectionTrait,
    rows: Vec<qualification::Model>,
) -> Result<(), RepoError> {
    for chunk in rows.chunks(500) {
        qualification::Entity::insert_many(chunk.iter().cloned().map(IntoActiveModel::into_active_model))
            .on_conflict(
                OnConflict::columns([
                    qualification::Column::PersonId,
                    qualification::Column::OccupationCode,
                    qualification::Column::Level,
                ])
                .do_nothing()
                .to_owned(),
            )
            .exec_without_returning(db)
            .await
            .map_err(RepoError::from_db)?;
    }
    Ok(())
}

/// One registered person.
pub async fn find(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<personnel::Model>, RepoError> {
    Ok(personnel::Entity::find_by_id(id).one(db).await?)
}

/// The registered people of `kind` (all kinds when `None`), active or not as asked: one page, by
/// name then id.
pub async fn page(
    db: &impl ConnectionTrait,
    kind: Option<&str>,
    active: Option<bool>,
    certificate_number: Option<&str>,
    page: PageRequest,
) -> Result<Page<personnel::Model>, RepoError> {
    let mut q = personnel::Entity::find();
    if let Some(k) = kind {
        q = q.filter(personnel::Column::Kind.eq(k));
    }
    if let Some(a) = active {
        q = q.filter(personnel::Column::Active.eq(a));
    }
    if let Some(n) = certificate_number {
        q = q.filter(personnel::Column::CertificateNumber.eq(n));
    }
    fetch_page(db, q.order_by_asc(personnel::Column::Name).order_by_asc(personnel::Column::Id), page).await
}

/// The qualifications of `people`, by person, occupation and level.
pub async fn qualifications(
    db: &impl ConnectionTrait,
    people: &[Uuid],
) -> Result<Vec<qualification::Model>, RepoError> {
    let mut out = Vec::new();
    for chunk in people.chunks(500) {
        out.extend(
            qualification::Entity::find()
                .filter(qualification::Column::PersonId.is_in(chunk.iter().copied()))
                .order_by_asc(qualification::Column::PersonId)
                .order_by_asc(qualification::Column::OccupationCode)
                .order_by_asc(qualification::Column::Level)
                .all(db)
                .await?,
        );
    }
    Ok(out)
}

/// The people of `kind` holding these certificate numbers, active or not.
pub async fn by_certificate_numbers(
    db: &impl ConnectionTrait,
    kind: &str,
    numbers: &[String],
) -> Result<Vec<personnel::Model>, RepoError> {
    let mut out = Vec::new();
    for chunk in numbers.chunks(500) {
        out.extend(
            personnel::Entity::find()
                .filter(personnel::Column::Kind.eq(kind))
                .filter(personnel::Column::CertificateNumber.is_in(chunk.iter().cloned()))
                .all(db)
                .await?,
        );
    }
    Ok(out)
}

/// The person an account belongs to, if registered.
pub async fn by_user(
    db: &impl ConnectionTrait,
    user_id: Uuid,
) -> Result<Option<personnel::Model>, RepoError> {
    Ok(personnel::Entity::find().filter(personnel::Column::UserId.eq(user_id)).one(db).await?)
}

/// Takes a person out of future filings, plans and draws; `false` if already inactive.
pub async fn deactivate(db: &impl ConnectionTrait, id: Uuid) -> Result<bool, RepoError> {
    let r = personnel::Entity::update_many()
        .col_expr(personnel::Column::Active, Expr::val(false))
        .filter(personnel::Column::Id.eq(id))
        .filter(personnel::Column::Active.eq(true))
        .exec(db)
        .await?;
    Ok(r.rows_affected == 1)
}

/// The active quality supervisors whose certificate is valid through `through`, by id (the
/// published draw order).
pub async fn supervisors_valid_through(
    db: &impl ConnectionTrait,
    through: NaiveDate,
) -> Result<Vec<personnel::Model>, RepoError> {
    Ok(personnel::Entity::find()
        .filter(personnel::Column::Kind.eq("quality_supervisor"))
        .filter(personnel::Column::Active.eq(true))
        .filter(personnel::Column::ValidUntil.gte(through))
        .order_by_asc(personnel::Column::Id)
        .all(db)
        .await?)
}

/// Records the quality supervisor drawn for a plan (a second draw is a conflict on
/// [`ALREADY_DRAWN`]).
pub async fn insert_plan_supervisor(
    db: &impl ConnectionTrait,
    m: plan_quality_supervisor::Model,
) -> Result<(), RepoError> {
    plan_quality_supervisor::Entity::insert(m.into_active_model())
        .exec_without_returning(db)
        .await
        .map_err(RepoError::from_db)?;
    Ok(())
}

/// The quality supervisor drawn for a plan, if any.
pub async fn plan_supervisor(
    db: &impl ConnectionTrait,
    plan_id: Uuid,
) -> Result<Option<plan_quality_supervisor::Model>, RepoError> {
    Ok(plan_quality_supervisor::Entity::find_by_id(plan_id).one(db).await?)
}
