//! Reading the audit log (R33).

use crate::auth::Caller;
use crate::error::{ApiError, FieldError};
use crate::extract::{ApiQuery, ListBody, Pagination};
use crate::i18n::{Problem, Rule};
use crate::state::AppState;
use actix_web::{HttpResponse, get, web};
use chrono::{DateTime, Utc};
use domain::Role;
use persistence::repo;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// Who acted.
#[derive(Debug, Serialize, ToSchema)]
pub struct ActorView {
    /// The account; absent for the system itself.
    pub id: Option<Uuid>,
    pub username: Option<String>,
    pub role: Option<String>,
}

/// One audit event.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEventView {
    /// Position in the log, increasing.
    pub seq: i64,
    pub id: Uuid,
    pub occurred_at: DateTime<Utc>,
    /// The request that made the change.
    pub request_id: String,
    pub actor: ActorView,
    /// What happened, e.g. `user.created`, `auth.login_failed`.
    #[schema(example = "user.created")]
    pub action: String,
    #[schema(example = "user")]
    pub target_type: String,
    pub target_id: String,
    /// What changed (never secrets or ID numbers).
    #[schema(value_type = Object)]
    pub summary: serde_json::Value,
}

/// Filters for the audit log.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Only events by this account.
    pub actor_id: Option<String>,
    /// Only this action, e.g. `user.updated`.
    pub action: Option<String>,
    /// Only events on this kind of object, e.g. `user`.
    pub target_type: Option<String>,
    /// Only events on this object.
    pub target_id: Option<String>,
    /// From this time on (RFC 3339, inclusive).
    pub from: Option<String>,
    /// Before this time (RFC 3339, exclusive).
    pub to: Option<String>,
    #[param(minimum = 1, maximum = 100000)]
    pub page: Option<u64>,
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<u64>,
}

fn timestamp(field: &str, v: Option<&str>, errors: &mut Vec<FieldError>) -> Option<DateTime<Utc>> {
    let v = v?;
    match DateTime::parse_from_rfc3339(v) {
        Ok(t) => Some(t.with_timezone(&Utc)),
        Err(_) => {
            errors.push(FieldError::new(field, Rule::InvalidTimestamp));
            None
        }
    }
}

fn bounded(field: &str, v: Option<String>, errors: &mut Vec<FieldError>) -> Option<String> {
    let v = v?;
    if v.chars().count() > 200 {
        errors.push(FieldError::new(field, Rule::TooLong).with("max", 200));
        return None;
    }
    Some(v)
}

/// The audit log, newest first (bureau and centre).
#[utoipa::path(
    tag = "audit",
    security(("bearer" = [])),
    params(AuditQuery),
    responses((status = 200, description = "A page of events", body = ListBody<AuditEventView>))
)]
#[get("/audit-events")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    query: ApiQuery<AuditQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Bureau, Role::Centre])?;
    let q = query.0;
    let mut errors = Vec::new();
    let page = Pagination { page: q.page, per_page: q.per_page }.check(&mut errors);
    let actor_id = match q.actor_id.as_deref().map(Uuid::parse_str) {
        Some(Ok(id)) => Some(id),
        Some(Err(_)) => {
            errors.push(FieldError::new("actor_id", Rule::InvalidUuid));
            None
        }
        None => None,
    };
    let filter = repo::audit::Filter {
        actor_id,
        action: bounded("action", q.action, &mut errors),
        target_type: bounded("target_type", q.target_type, &mut errors),
        target_id: bounded("target_id", q.target_id, &mut errors),
        from: timestamp("from", q.from.as_deref(), &mut errors),
        to: timestamp("to", q.to.as_deref(), &mut errors),
    };
    if !errors.is_empty() {
        return Err(ApiError { errors, ..ApiError::new(Problem::InvalidQuery) });
    }
    let found = repo::audit::list(&state.db, &filter, page).await?;
    let items = found
        .items
        .into_iter()
        .map(|e| AuditEventView {
            seq: e.seq,
            id: e.id,
            occurred_at: e.occurred_at,
            request_id: e.request_id,
            actor: ActorView { id: e.actor_id, username: e.actor_username, role: e.actor_role },
            action: e.action,
            target_type: e.target_type,
            target_id: e.target_id,
            summary: e.summary,
        })
        .collect();
    Ok(HttpResponse::Ok().json(ListBody {
        items,
        total: found.total,
        page: page.page,
        per_page: page.per_page,
    }))
}
