//! Reading the audit log (R33).

use crate::auth::Caller;
use crate::error::{ApiError, FieldError};
use crate::extract::{ApiQuery, ListBody, Pagination};
use crate::i18n::{Problem, Rule};
use crate::state::AppState;
use crate::use_case::{self, audit};
pub use crate::views::audit::Checkpoint;
use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use domain::Role;
use persistence::repo;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// Fields a list here can be sorted by (`sort`).
const SORTABLE: &[&str] = &["seq", "occurred_at", "action"];

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
    /// The previous event's hash and this event's (the hash chain, R33).
    pub prev_hash: Option<String>,
    pub hash: Option<String>,
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
    /// Sort by `seq`, `occurred_at`, `action` (`-` first for descending, e.g. `-seq`).
    pub sort: Option<String>,
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

/// 查询审计事件
///
/// 查询审计日志，最新的在前（市人社局、鉴定中心）。
///
/// The audit log, newest first (bureau and centre).
#[utoipa::path(
    operation_id = "listAuditEvents",
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
    let page =
        Pagination { page: q.page, per_page: q.per_page, sort: q.sort.clone() }.check(&mut errors, SORTABLE);
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
            prev_hash: e.prev_hash,
            hash: e.hash,
        })
        .collect();
    Ok(HttpResponse::Ok().json(ListBody {
        items,
        total: found.total,
        page: page.page,
        per_page: page.per_page,
    }))
}

/// A range of the chain to check.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct VerifyQuery {
    /// First event (`seq`) to check; from the start when absent.
    pub from: Option<i64>,
    /// Last event (`seq`) to check; to the end when absent.
    pub to: Option<i64>,
}

/// The first broken link.
#[derive(Debug, Serialize, ToSchema)]
pub struct BrokenLink {
    pub seq: i64,
    /// `link`: its `prev_hash` is not the previous event's hash (an event was removed or replaced);
    /// `hash`: its own content was changed; `unhashed`: an event without hashes was inserted;
    /// `missing`: the chain holds fewer events than the head has counted (events were removed);
    /// `head`: the chain does not end at the head's hash (its newest events are gone);
    /// `checkpoint`: the chain no longer holds the latest stored checkpoint's events ending at its
    /// hash (it was rewritten from an earlier point); `signature`: that checkpoint's signature
    /// does not verify with the published key it names.
    pub problem: String,
}

/// The result of a chain check.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChainReport {
    /// `true` when every checked event links to the one before and matches its hash.
    pub intact: bool,
    pub checked: u64,
    pub first_broken: Option<BrokenLink>,
    /// The head of the chain and the number of events appended since the chain began.
    pub head_hash: String,
    pub head_count: i64,
    /// For a check of the whole chain: the latest stored checkpoint it was held against.
    pub checkpoint: Option<Checkpoint>,
}

/// 校验审计链
///
/// 校验审计日志的哈希链（市人社局、鉴定中心）：每条事件都带有前一条的哈希（R33）；回答指出第一处断
/// 裂。
///
/// Check the audit log's hash chain (bureau and centre): each event carries the hash of the one
/// before (R33); the answer names the first broken link.
#[utoipa::path(
    operation_id = "verifyAuditChain",
    tag = "audit",
    security(("bearer" = [])),
    params(VerifyQuery),
    responses((status = 200, description = "The check", body = ChainReport))
)]
#[get("/audit-events/verify")]
pub async fn verify(
    state: web::Data<AppState>,
    caller: Caller,
    query: ApiQuery<VerifyQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Bureau, Role::Centre])?;
    let q = query.0;
    let check = repo::audit::verify(&state.db, q.from, q.to).await?;
    let mut first_broken = check.first_broken.map(|b| BrokenLink { seq: b.seq, problem: b.problem.into() });
    let held_against = check.checkpoint.map(Checkpoint::from);
    if let Some(c) = &held_against
        && first_broken.is_none()
        && !audit::signed_by_published_key(&state.db, c).await?
    {
        first_broken = Some(BrokenLink { seq: c.count, problem: "signature".into() });
    }
    Ok(HttpResponse::Ok().json(ChainReport {
        intact: first_broken.is_none(),
        checked: check.checked,
        first_broken,
        head_hash: check.head_hash,
        head_count: check.head_count,
        checkpoint: held_against,
    }))
}

/// 获取审计链签名检查点
///
/// 导出审计链的签名检查点（市人社局）。
///
/// Export a signed checkpoint of the audit chain (bureau).
#[utoipa::path(operation_id = "getAuditCheckpoint", tag = "audit", security(("bearer" = [])), responses((status = 200, description = "The checkpoint", body = Checkpoint)))]
#[get("/audit-events/checkpoint")]
pub async fn checkpoint(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Bureau])?;
    Ok(HttpResponse::Ok().json(audit::sign_head(&state.db, &state.certificate_key, state.clock.now()).await?))
}

/// 保存审计链检查点
///
/// 保存审计链的签名检查点（市人社局）：此后每次全链校验都以它为准。
///
/// Store a signed checkpoint of the audit chain (bureau): from now on every whole-chain
/// verification holds the chain against it. The checkpoint counts the events before the
/// `audit.checkpoint_stored` event that records it (so two never count the same events).
#[utoipa::path(operation_id = "storeAuditCheckpoint", tag = "audit", security(("bearer" = [])), responses(
    (status = 201, description = "The stored checkpoint", body = Checkpoint)))]
#[post("/audit-events/checkpoints")]
pub async fn store_checkpoint(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Bureau])?;
    let key = state.certificate_key.clone();
    let stored =
        use_case::run(&state, caller.actor(), async |change| audit::store_checkpoint(change, &key).await)
            .await?;
    Ok(HttpResponse::Created().json(stored))
}
