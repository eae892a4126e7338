//! The bureau's decision (R8, R11): approval allocates the next municipal serial and creates the
//! institution with its filing code and scope (R9, R10); a renewal keeps the code.

use crate::auth::Caller;
use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::i18n::Lang;
use crate::state::AppState;
use crate::use_case::{self, filings::decision};
use crate::views::filing::{self, FilingView};
use actix_web::{HttpResponse, post, web};
use chrono::NaiveDate;
use domain::Role;
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

/// An approval.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct ApproveRequest {
    /// Last day of validity: after today, at most 3 years from today (R11). Required for an
    /// initial filing or a renewal; left out for a change filing, which keeps the institution's.
    #[schema(example = "2029-11-27")]
    #[serde(default)]
    pub valid_until: Option<NaiveDate>,
    /// The bureau's opinion, printed on the receipt.
    #[schema(example = "经评估，符合技工院校职业技能等级认定评价机构条件，同意备案。")]
    #[validate(custom(function = "crate::validate::lines::<2000>"))]
    pub opinion: String,
}

/// A rejection.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct RejectRequest {
    #[validate(custom(function = "crate::validate::lines::<2000>"))]
    pub opinion: String,
}

/// 备案审批通过
///
/// 审批通过评估中的申请（市人社局），须至少有一位专家已评估当前轮次（R8）。首次备案分配新的机构编码
/// ，延续备案保留原编码；有效期最长 3 年（R11）。变更备案保留编码和有效期（不填 `valid_until`）；
/// 未增加职业或等级的变更备案受理后即可审批，无需专家评估。
///
/// Approve an application under evaluation (bureau), once at least one expert has evaluated the
/// current round (R8). An initial filing gets the next municipal serial and the filing code
/// `S000050` + serial (R9, R10), never reused; a renewal keeps its code. Validity runs from today
/// to `valid_until`, at most 3 years (R11). A change filing (变更备案) keeps the code and the
/// validity (no `valid_until`); one that adds no occupation or level to the scope
/// (`evaluation_required` false) is approved once accepted, without experts. The receipt is then
/// at `/api/v1/institutions/{id}/receipt`.
#[utoipa::path(
    operation_id = "approveFiling",
    tag = "filings",
    security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    request_body = ApproveRequest,
    responses(
        (status = 200, description = "Approved", body = FilingView),
        (status = 409, description = "Wrong status, no evaluation yet, or serials exhausted", body = crate::error::ProblemBody, content_type = "application/problem+json"),
    )
)]
#[post("/filings/{id}/approve")]
pub async fn approve(
    state: web::Data<AppState>,
    caller: Caller,
    lang: Lang,
    id: web::Path<Uuid>,
    body: ApiJson<ApproveRequest>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Bureau])?;
    filing::load(&state.db, &caller, *id).await?;
    let body = body.valid()?;
    let opinion = crate::validate::trimmed(&body.opinion);
    let (saved, institution) = use_case::run(&state, caller.actor(), async |c| {
        decision::approve(c, *id, body.valid_until, &opinion).await
    })
    .await?;
    let v = filing::of(&state.db, &caller, saved, &state.data_key, lang).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Location", format!("/api/v1/institutions/{}", institution.id)))
        .json(v))
}

/// 备案不予通过
///
/// 对评估中的申请作出不予备案决定（市人社局），须至少有一份评估意见（R8）；未增加职业或等级的变更备案
/// 受理后即可决定。
///
/// Reject an application under evaluation (bureau), after at least one evaluation (R8); a change
/// filing that adds nothing to the scope may be rejected once accepted.
#[utoipa::path(
    operation_id = "rejectFiling",
    tag = "filings",
    security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    request_body = RejectRequest,
    responses(
        (status = 200, description = "Rejected", body = FilingView),
        (status = 409, description = "Wrong status or no evaluation yet", body = crate::error::ProblemBody, content_type = "application/problem+json"),
    )
)]
#[post("/filings/{id}/reject")]
pub async fn reject(
    state: web::Data<AppState>,
    caller: Caller,
    lang: Lang,
    id: web::Path<Uuid>,
    body: ApiJson<RejectRequest>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Bureau])?;
    filing::load(&state.db, &caller, *id).await?;
    let body = body.valid()?;
    let opinion = crate::validate::trimmed(&body.opinion);
    let saved =
        use_case::run(&state, caller.actor(), async |c| decision::reject(c, *id, &opinion).await).await?;
    Ok(HttpResponse::Ok().json(filing::of(&state.db, &caller, saved, &state.data_key, lang).await?))
}
