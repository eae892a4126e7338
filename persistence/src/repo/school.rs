//! Technical schools.

use super::{Page, PageRequest};
use crate::entity::school::{self, Column};
use crate::error::RepoError;
use sea_orm::sea_query::{Expr, ExprTrait, LikeExpr};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder,
};
use uuid::Uuid;

/// Name of the unique constraint on credit codes.
pub const CREDIT_CODE_TAKEN: &str = "schools_credit_code_key";

/// Inserts a school.
pub async fn insert(db: &impl ConnectionTrait, m: school::Model) -> Result<school::Model, RepoError> {
    school::Entity::insert(m.into_active_model()).exec_with_returning(db).await.map_err(RepoError::from_db)
}

/// One school.
pub async fn find(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<school::Model>, RepoError> {
    Ok(school::Entity::find_by_id(id).one(db).await?)
}

/// The schools with any of `ids` or `credit_codes`, looked up 500 at a time: an import naming
/// 100,000 different schools costs a few hundred statements, not one per school.
pub async fn by_ids_or_codes(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
    credit_codes: &[String],
) -> Result<Vec<school::Model>, RepoError> {
    let mut out = Vec::new();
    for chunk in ids.chunks(500) {
        out.extend(school::Entity::find().filter(Column::Id.is_in(chunk.iter().copied())).all(db).await?);
    }
    for chunk in credit_codes.chunks(500) {
        out.extend(
            school::Entity::find().filter(Column::CreditCode.is_in(chunk.iter().cloned())).all(db).await?,
        );
    }
    Ok(out)
}

/// Saves an edited school.
pub async fn update(db: &impl ConnectionTrait, m: school::ActiveModel) -> Result<school::Model, RepoError> {
    m.update(db).await.map_err(RepoError::from_db)
}

/// Filters for listing schools.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub district_code: Option<String>,
    pub only_id: Option<Uuid>,
    pub q: Option<String>,
}

/// Schools by name.
pub async fn list(
    db: &impl ConnectionTrait,
    f: &Filter,
    page: PageRequest,
) -> Result<Page<school::Model>, RepoError> {
    let mut q = school::Entity::find();
    if let Some(d) = &f.district_code {
        q = q.filter(Column::DistrictCode.eq(d.clone()));
    }
    if let Some(id) = f.only_id {
        q = q.filter(Column::Id.eq(id));
    }
    if let Some(text) = &f.q {
        let esc = text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
        q = q.filter(Expr::col(Column::Name).like(LikeExpr::new(format!("%{esc}%")).escape('\\')));
    }
    super::fetch_page(db, q.order_by_asc(Column::Name), page).await
}
