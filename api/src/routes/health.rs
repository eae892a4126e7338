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

/// Liveness: the process answers HTTP.
#[utoipa::path(tag = "operations", responses((status = 200, description = "Alive", body = Status)))]
#[get("/health")]
pub async fn health() -> HttpResponse {
    HttpResponse::Ok().json(Status { status: "ok" })
}

/// Readiness: the database answers.
#[utoipa::path(
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
