//! Appending audit events from handlers (R33): one call, inside the change's transaction.

use crate::auth::Caller;
use crate::context::RequestContext;
use crate::error::ApiError;
use chrono::{DateTime, Utc};
use persistence::ConnectionTrait;
use persistence::repo::audit::{self, NewEvent};

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
    audit::append(
        db,
        NewEvent {
            occurred_at: now,
            request_id: ctx.request_id.clone(),
            actor: caller.actor(),
            action,
            target_type: target.0,
            target_id: target.1,
            summary,
        },
    )
    .await?;
    Ok(())
}
