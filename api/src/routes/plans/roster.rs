//! The roster an institution's plans assign examiners and supervisors from (R18).

use crate::auth::Caller;
use crate::error::ApiError;
use crate::state::AppState;
use crate::views::roster::{Roster, of};
use actix_web::{HttpResponse, get, web};
use uuid::Uuid;

/// 查询考评人员名册
///
/// 评价机构可安排到考场的考评人员和督导人员（来自其备案材料）。
///
/// The examiners and supervisors an institution may assign to sessions (from its filing).
#[utoipa::path(operation_id = "getRoster", tag = "institutions", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, description = "The roster", body = Roster)))]
#[get("/institutions/{id}/roster")]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let i = crate::views::institution::load(&state.db, &caller, *id).await?;
    Ok(HttpResponse::Ok().json(of(&state.db, &i).await?))
}
