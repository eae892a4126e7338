//! Liveness and readiness.

use crate::error::ApiError;
use crate::i18n::Problem;
use crate::state::AppState;
use actix_web::{HttpResponse, get, web};
use persistence::ConnectionTrait;
use serde::Serialize;
use utoipa::ToSchema;

/// Health status.
#[derive(Debug, Serialize, ToSchema)]
pub struct Status {
    /// `ok` (alive) or `ready` (database reachable).
    #[schema(example = "ok")]
    pub status: &'static str,
}

/// 存活检查
///
/// 存活检查：进程能应答 HTTP。
///
/// Liveness: the process answers HTTP.
#[utoipa::path(operation_id = "getHealth", tag = "operations", responses((status = 200, description = "Alive", body = Status)))]
#[get("/health")]
pub async fn health() -> HttpResponse {
    HttpResponse::Ok().json(Status { status: "ok" })
}

/// 就绪检查
///
/// 就绪检查：数据库能应答。
///
/// Readiness: the database answers.
#[utoipa::path(
    operation_id = "getReadiness",
    tag = "operations",
    responses(
        (status = 200, description = "Ready", body = Status),
        (status = 503, description = "Database unreachable", body = crate::error::ProblemBody, content_type = "application/problem+json"),
    )
)]
#[get("/ready")]
pub async fn ready(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    match state.db.execute_unprepared("SELECT 1").await {
        Ok(_) => Ok(HttpResponse::Ok().json(Status { status: "ready" })),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            Err(ApiError::new(Problem::NotReady))
        }
    }
}

/// 运行指标
///
/// 本进程的 Prometheus 指标（文本格式 0.0.4）：按路由模板和状态统计的请求数和延迟、数据库连接池、推
/// 送队列深度等。
///
/// Prometheus metrics of this process (text format 0.0.4): requests and latency by route
/// template and status, the database pool, the outbox's depth and age, certificates issued.
/// With `SKILLCERT_METRICS_TOKEN` set, send it as a bearer token.
#[utoipa::path(operation_id = "getMetrics", tag = "operations",
    responses((status = 200, description = "The metrics", content_type = "text/plain", body = String),
        (status = 401, description = "Token required", body = crate::error::ProblemBody, content_type = "application/problem+json")))]
#[get("/metrics")]
pub async fn metrics(
    state: web::Data<AppState>,
    req: actix_web::HttpRequest,
) -> Result<HttpResponse, ApiError> {
    if let Some(expected) = &state.metrics_token {
        let given = req
            .headers()
            .get(actix_web::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or_default();
        if !crate::auth::keys::constant_time_eq(given, expected.expose()) {
            return Err(ApiError::new(Problem::Unauthenticated));
        }
    }
    let (pool_size, pool_idle, pool_max) = persistence::pool_stats(&state.db);
    let (pending, oldest) = persistence::repo::outbox::depth(&state.db).await?;
    let dead = persistence::repo::outbox::count_by_status(&state.db, "dead").await?;
    let now = state.clock.now();
    let gauges = crate::metrics::Gauges {
        pool_size,
        pool_idle,
        pool_max,
        outbox_pending: pending,
        outbox_dead: dead,
        rate_limit_statements: state.limiter.statements(),
        outbox_oldest_age_seconds: oldest
            .map_or(0.0, |t| (now - t).num_milliseconds().max(0) as f64 / 1000.0),
    };
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(state.metrics.render(&gauges)))
}
