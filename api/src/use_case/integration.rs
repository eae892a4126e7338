//! Integration with the national platform and other provincial systems: machine clients (OAuth2
//! client credentials: registering, revoking, token requests) and replaying outbox events.

use super::Change;
use crate::auth::throttle;
use crate::error::ApiError;
use persistence::entity::api_client;
use persistence::repo;
use persistence::repo::audit::Actor;
use uuid::Uuid;

/// Registers client `c` (its secret already hashed in it).
pub async fn register(change: &mut Change, c: api_client::Model, scopes: &[String]) -> Result<(), ApiError> {
    repo::api_client::insert(change.db(), c.clone()).await?;
    change.record(
        "api_client.created",
        ("api_client", c.id.to_string()),
        serde_json::json!({"client_id": c.client_id, "name": c.name, "scopes": scopes}),
    );
    Ok(())
}

/// Revokes client `id` (once: revoking it again changes nothing and records nothing); its
/// tokens stop working at once.
pub async fn revoke(change: &mut Change, id: Uuid) -> Result<api_client::Model, ApiError> {
    if repo::api_client::revoke(change.db(), id, change.now()).await? {
        change.record("api_client.revoked", ("api_client", id.to_string()), serde_json::json!({}));
    }
    repo::api_client::find(change.db(), id).await?.ok_or_else(ApiError::not_found)
}

/// Counts a token request with a wrong client id or secret against the throttle.
pub async fn refused_token(change: &mut Change, attempt: &throttle::Attempt) -> Result<(), ApiError> {
    throttle::failed(change.db(), attempt, change.now()).await
}

/// A token granted to `client` for `scope`: the throttle forgets the address's failures, the
/// client's last use is noted, and the grant is recorded as made by the client itself.
pub async fn granted_token(
    change: &mut Change,
    attempt: &throttle::Attempt,
    client: &api_client::Model,
    scope: &str,
) -> Result<(), ApiError> {
    throttle::succeeded(change.db(), attempt).await?;
    repo::api_client::used(change.db(), client.id, change.now()).await?;
    let actor = Actor {
        id: Some(client.id),
        username: Some(client.client_id.clone()),
        role: Some("api_client".into()),
    };
    change.record_as(
        actor,
        "auth.client_token",
        ("api_client", client.id.to_string()),
        serde_json::json!({"scope": scope}),
    );
    Ok(())
}

/// Queues outbox event `id` again (a dead-lettered one after the receiver is fixed, or a
/// delivered one the receiver lost): it keeps its delivery id and starts over; 409 while it is
/// still pending.
pub async fn replay_event(
    change: &mut Change,
    id: i64,
) -> Result<persistence::entity::outbox_event::Model, ApiError> {
    // Real time, not the adjustable business clock: the worker schedules by it.
    if !repo::outbox::replay(change.db(), id, chrono::Utc::now()).await? {
        return Err(ApiError::new(crate::i18n::Problem::StillPending));
    }
    let e = repo::outbox::find(change.db(), id).await?.ok_or_else(ApiError::not_found)?;
    change.record(
        "outbox.replayed",
        ("outbox", id.to_string()),
        serde_json::json!({"delivery_id": e.delivery_id, "event_type": e.event_type}),
    );
    Ok(e)
}
