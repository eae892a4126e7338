//! User accounts: create, read, list, update, and the shared login-failure counter.

use super::{Page, PageRequest};
use crate::entity::user::{self, Column};
use crate::error::RepoError;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel,
    QueryFilter, QueryOrder,
};
use uuid::Uuid;

/// Name of the unique constraint on usernames (a 409 for the caller).
pub const USERNAME_TAKEN: &str = "users_username_key";

/// A new account; the password is already hashed.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub district_code: Option<String>,
    pub school_id: Option<Uuid>,
    pub password_hash: String,
}

/// Inserts an account; a taken username is `Conflict(USERNAME_TAKEN)`.
pub async fn insert(
    db: &impl ConnectionTrait,
    new: NewUser,
    now: DateTime<Utc>,
) -> Result<user::Model, RepoError> {
    let model = user::ActiveModel {
        id: Set(Uuid::now_v7()),
        username: Set(new.username),
        display_name: Set(new.display_name),
        role: Set(new.role),
        district_code: Set(new.district_code),
        school_id: Set(new.school_id),
        password_hash: Set(new.password_hash),
        disabled: Set(false),
        auth_generation: Set(0),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    };
    user::Entity::insert(model).exec_with_returning(db).await.map_err(RepoError::from_db)
}

/// Inserts an account unless the username is taken; `None` when it was (replicas starting
/// together both try to create the bootstrap account; only one succeeds).
pub async fn insert_if_absent(
    db: &impl ConnectionTrait,
    new: NewUser,
    now: DateTime<Utc>,
) -> Result<Option<user::Model>, RepoError> {
    match insert(db, new, now).await {
        Ok(u) => Ok(Some(u)),
        Err(e) if e.is_conflict(USERNAME_TAKEN) => Ok(None),
        Err(e) => Err(e),
    }
}

/// An account by id.
pub async fn find(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<user::Model>, RepoError> {
    Ok(user::Entity::find_by_id(id).one(db).await?)
}

/// An account by (normalised, lower-case) username.
pub async fn find_by_username(
    db: &impl ConnectionTrait,
    username: &str,
) -> Result<Option<user::Model>, RepoError> {
    Ok(user::Entity::find().filter(Column::Username.eq(username)).one(db).await?)
}

/// Filters for listing accounts.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub role: Option<String>,
    pub district_code: Option<String>,
    pub disabled: Option<bool>,
    /// Substring of the username or display name.
    pub q: Option<String>,
}

/// Accounts matching `filter`, by username.
pub async fn list(
    db: &impl ConnectionTrait,
    filter: &Filter,
    page: PageRequest,
) -> Result<Page<user::Model>, RepoError> {
    let mut q = user::Entity::find();
    if let Some(v) = &filter.role {
        q = q.filter(Column::Role.eq(v.clone()));
    }
    if let Some(v) = &filter.district_code {
        q = q.filter(Column::DistrictCode.eq(v.clone()));
    }
    if let Some(v) = filter.disabled {
        q = q.filter(Column::Disabled.eq(v));
    }
    if let Some(v) = &filter.q {
        let pattern = format!("%{}%", v.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"));
        q = q.filter(
            Expr::col(Column::Username)
                .like(sea_orm::sea_query::LikeExpr::new(pattern.clone()).escape('\\'))
                .or(Expr::col(Column::DisplayName)
                    .like(sea_orm::sea_query::LikeExpr::new(pattern).escape('\\'))),
        );
    }
    super::fetch_page(db, q.order_by_asc(Column::Username), page).await
}

/// Saves changed fields of an account, bumping its version and `updated_at`.
pub async fn update(
    db: &impl ConnectionTrait,
    mut model: user::ActiveModel,
    now: DateTime<Utc>,
) -> Result<user::Model, RepoError> {
    let version = match &model.version {
        sea_orm::ActiveValue::Set(v) | sea_orm::ActiveValue::Unchanged(v) => *v,
        sea_orm::ActiveValue::NotSet => 0,
    };
    model.version = Set(version + 1);
    model.updated_at = Set(now);
    model.update(db).await.map_err(RepoError::from_db)
}

/// Converts a loaded model for editing.
pub fn editable(model: user::Model) -> user::ActiveModel {
    model.into_active_model()
}
