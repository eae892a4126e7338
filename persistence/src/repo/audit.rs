//! The audit log: append inside the caller's transaction, list with filters.

use super::{Page, PageRequest};
use crate::entity::audit_event::{self, Column};
use crate::error::RepoError;
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::{NotSet, Set},
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
};
use uuid::Uuid;

/// Who did something: a user, or the system itself (bootstrap, reference data).
#[derive(Debug, Clone)]
pub struct Actor {
    pub id: Option<Uuid>,
    pub username: Option<String>,
    pub role: Option<String>,
}

impl Actor {
    /// The server acting on its own (start-up tasks).
    pub fn system() -> Actor {
        Actor { id: None, username: Some("system".into()), role: None }
    }
}

/// An event to append. `summary` must never hold secrets or ID numbers.
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub occurred_at: DateTime<Utc>,
    pub request_id: String,
    pub actor: Actor,
    pub action: &'static str,
    pub target_type: &'static str,
    pub target_id: String,
    pub summary: serde_json::Value,
}

/// Appends one event. Call it with the transaction that makes the change, so that the event
/// and the change commit or roll back together.
pub async fn append(db: &impl ConnectionTrait, e: NewEvent) -> Result<audit_event::Model, RepoError> {
    let model = audit_event::ActiveModel {
        seq: NotSet,
        id: Set(Uuid::now_v7()),
        occurred_at: Set(e.occurred_at),
        request_id: Set(e.request_id),
        actor_id: Set(e.actor.id),
        actor_username: Set(e.actor.username),
        actor_role: Set(e.actor.role),
        action: Set(e.action.to_owned()),
        target_type: Set(e.target_type.to_owned()),
        target_id: Set(e.target_id),
        summary: Set(e.summary),
    };
    audit_event::Entity::insert(model).exec_with_returning(db).await.map_err(RepoError::from_db)
}

/// Filters for listing events; every field is optional.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub actor_id: Option<Uuid>,
    pub action: Option<String>,
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

/// Events matching `filter`, newest first.
pub async fn list(
    db: &impl ConnectionTrait,
    filter: &Filter,
    page: PageRequest,
) -> Result<Page<audit_event::Model>, RepoError> {
    let mut q = audit_event::Entity::find();
    if let Some(v) = filter.actor_id {
        q = q.filter(Column::ActorId.eq(v));
    }
    if let Some(v) = &filter.action {
        q = q.filter(Column::Action.eq(v.clone()));
    }
    if let Some(v) = &filter.target_type {
        q = q.filter(Column::TargetType.eq(v.clone()));
    }
    if let Some(v) = &filter.target_id {
        q = q.filter(Column::TargetId.eq(v.clone()));
    }
    if let Some(v) = filter.from {
        q = q.filter(Column::OccurredAt.gte(v));
    }
    if let Some(v) = filter.to {
        q = q.filter(Column::OccurredAt.lt(v));
    }
    super::fetch_page(db, q.order_by_desc(Column::Seq), page).await
}
