//! Appending audit events from handlers (R33): one call, inside the change's transaction.

use crate::auth::Caller;
use crate::context::RequestContext;
use crate::error::ApiError;
use chrono::{DateTime, Utc};
use persistence::ConnectionTrait;
use persistence::repo::audit::{self, Actor, NewEvent};

/// Appends `action` on `target_type`/`target_id` by the caller. `summary` must hold no secrets,
/// ID numbers or phone numbers.
pub async fn record(
    db: &impl ConnectionTrait,
    ctx: &RequestContext,
    caller: &Caller,
    action: &'static str,
    target: (&'static str, String),
    summary: serde_json::Value,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    append(db, ctx, caller.actor(), action, target, summary, now).await
}

/// Appends `action` by an anonymous member of the public (no account).
pub async fn record_public(
    db: &impl ConnectionTrait,
    ctx: &RequestContext,
    action: &'static str,
    target: (&'static str, String),
    summary: serde_json::Value,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let actor = Actor { id: None, username: Some("public".into()), role: None };
    append(db, ctx, actor, action, target, summary, now).await
}

async fn append(
    db: &impl ConnectionTrait,
    ctx: &RequestContext,
    actor: Actor,
    action: &'static str,
    target: (&'static str, String),
    summary: serde_json::Value,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let event = NewEvent {
        occurred_at: now,
        request_id: ctx.request_id.clone(),
        actor,
        action,
        target_type: target.0,
        target_id: target.1,
        summary,
    };
    audit::append(db, event).await?;
    Ok(())
}
