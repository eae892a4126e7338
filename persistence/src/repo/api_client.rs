//! Machine clients (client credentials).

use crate::entity::api_client;
use crate::error::RepoError;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder};
use uuid::Uuid;

/// Registers a client.
pub async fn insert(db: &impl ConnectionTrait, c: api_client::Model) -> Result<(), RepoError> {
    api_client::Entity::insert(c.into_active_model())
        .exec_without_returning(db)
        .await
        .map_err(RepoError::from_db)?;
    Ok(())
}

/// One client by id.
pub async fn find(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<api_client::Model>, RepoError> {
    Ok(api_client::Entity::find_by_id(id).one(db).await?)
}

/// One client by its public client id.
pub async fn by_client_id(
    db: &impl ConnectionTrait,
    client_id: &str,
) -> Result<Option<api_client::Model>, RepoError> {
    Ok(api_client::Entity::find().filter(api_client::Column::ClientId.eq(client_id)).one(db).await?)
}

/// Clients, newest first: one page.
pub async fn list(
    db: &impl ConnectionTrait,
    page: super::PageRequest,
) -> Result<super::Page<api_client::Model>, RepoError> {
    super::fetch_page(db, api_client::Entity::find().order_by_desc(api_client::Column::CreatedAt), page).await
}

/// Revokes a client; `false` if it was revoked already.
pub async fn revoke(db: &impl ConnectionTrait, id: Uuid, now: DateTime<Utc>) -> Result<bool, RepoError> {
    let r = api_client::Entity::update_many()
        .col_expr(api_client::Column::RevokedAt, Expr::val(now))
        .filter(api_client::Column::Id.eq(id))
        .filter(api_client::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(r.rows_affected == 1)
}

/// Notes a token issued to a client.
pub async fn used(db: &impl ConnectionTrait, id: Uuid, now: DateTime<Utc>) -> Result<(), RepoError> {
    api_client::Entity::update_many()
        .col_expr(api_client::Column::LastUsedAt, Expr::val(now))
        .filter(api_client::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}
