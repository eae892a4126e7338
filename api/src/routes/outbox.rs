//! The outbox's admin API (bureau): what was sent to the national platform, what failed, and
//! replaying a dead-lettered (or any delivered) event.

use crate::auth::Caller;
use crate::error::{ApiError, FieldError};
use crate::extract::{ApiQuery, ListBody, Pagination};
use crate::i18n::{Problem, Rule};
use crate::state::AppState;
use crate::use_case;
use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use domain::Role;
use persistence::entity::outbox_event;
use persistence::repo;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// Fields a list here can be sorted by (`sort`).
const SORTABLE: &[&str] = &["id", "created_at", "status", "attempts"];

/// An event of the outbox.
#[derive(Debug, Serialize, ToSchema)]
pub struct OutboxView {
    /// Position in the outbox (delivery order per institution).
    pub id: i64,
    pub delivery_id: Uuid,
    pub event_type: String,
    pub institution_id: Uuid,
    /// `pending`, `delivered` or `dead`.
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    /// The receiver's last HTTP status, if it answered.
    pub last_status: Option<i32>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
    /// The body sent (only in the single view).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<crate::outbox::WebhookEvent>)]
    pub payload: Option<serde_json::Value>,
}

fn view(e: outbox_event::Model, with_payload: bool) -> OutboxView {
    OutboxView {
        id: e.id,
        delivery_id: e.delivery_id,
        event_type: e.event_type,
        institution_id: e.institution_id,
        status: e.status,
        attempts: e.attempts,
        next_attempt_at: e.next_attempt_at,
        last_status: e.last_status,
        last_error: e.last_error,
        created_at: e.created_at,
        delivered_at: e.delivered_at,
        payload: with_payload.then_some(e.payload),
    }
}

/// Filters for the outbox.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct OutboxQuery {
    /// `pending`, `delivered` or `dead`.
    pub status: Option<String>,
    pub institution_id: Option<Uuid>,
    pub event_type: Option<String>,
    #[param(minimum = 1, maximum = 100000)]
    pub page: Option<u64>,
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<u64>,
    /// Sort by `id`, `created_at`, `status`, `attempts` (`-` first for descending, e.g. `-id`).
    pub sort: Option<String>,
}

/// 查询推送事件
///
/// 推送给国家平台的事件，最新的在前（市人社局）。
///
/// Events for the national platform, newest first (bureau).
#[utoipa::path(operation_id = "listOutboxEvents", tag = "integration", security(("bearer" = [])), params(OutboxQuery),
    responses((status = 200, description = "A page of events", body = ListBody<OutboxView>)))]
#[get("/outbox")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    query: ApiQuery<OutboxQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Bureau])?;
    let q = query.0;
    let mut errors = Vec::new();
    let page =
        Pagination { page: q.page, per_page: q.per_page, sort: q.sort.clone() }.check(&mut errors, SORTABLE);
    if q.status.as_deref().is_some_and(|s| !["pending", "delivered", "dead"].contains(&s)) {
        errors.push(FieldError::new("status", Rule::NotOneOf).with("allowed", "pending, delivered, dead"));
    }
    if q.event_type.as_deref().is_some_and(|t| !crate::outbox::EVENT_TYPES.contains(&t)) {
        errors.push(
            FieldError::new("event_type", Rule::NotOneOf)
                .with("allowed", crate::outbox::EVENT_TYPES.join(", ")),
        );
    }
    if !errors.is_empty() {
        return Err(ApiError { errors, ..ApiError::new(Problem::InvalidQuery) });
    }
    let filter =
        repo::outbox::Filter { status: q.status, institution_id: q.institution_id, event_type: q.event_type };
    let found = repo::outbox::list(&state.db, &filter, page).await?;
    let items = found.items.into_iter().map(|e| view(e, false)).collect();
    Ok(HttpResponse::Ok().json(ListBody::<OutboxView> {
        items,
        total: found.total,
        page: page.page,
        per_page: page.per_page,
    }))
}

/// 查询推送事件详情
///
/// 查询一条推送事件及其发送内容（市人社局；证书事件含身份证号）。
///
/// One event with the body sent (bureau; certificate events hold ID numbers).
#[utoipa::path(operation_id = "getOutboxEvent", tag = "integration", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, description = "The event", body = OutboxView)))]
#[get("/outbox/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Bureau])?;
    let mut e = repo::outbox::find(&state.db, *id).await?.ok_or_else(ApiError::not_found)?;
    // Stored sealed; the bureau sees the body as it is sent.
    use_case::data_key::open_payload(&state.data_key, &mut e.payload);
    Ok(HttpResponse::Ok().json(view(e, true)))
}

/// 重新推送事件
///
/// 重新推送一条事件（市人社局）：接收方修复后重推进入死信的事件，或接收方丢失的已送达事件。
///
/// Send an event again (bureau): a dead-lettered one after the receiver is fixed, or a delivered
/// one the receiver lost. It keeps its delivery id and starts over with 0 attempts; events of the
/// same institution after it wait until it is delivered. 409 while it is still pending.
#[utoipa::path(operation_id = "replayOutboxEvent", tag = "integration", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, description = "Queued again", body = OutboxView),
        (status = 409, description = "Still pending", body = crate::error::ProblemBody, content_type = "application/problem+json")))]
#[post("/outbox/{id}/replay")]
pub async fn replay(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Bureau])?;
    repo::outbox::find(&state.db, *id).await?.ok_or_else(ApiError::not_found)?;
    let e = use_case::run(&state, caller.actor(), async |change| {
        use_case::integration::replay_event(change, *id).await
    })
    .await?;
    Ok(HttpResponse::Ok().json(view(e, false)))
}
