//! Revocations ordered by the bureau or the centre (issue 26, point 5): after an inspection finds
//! fraud, or on a complaint about the institution, with a reason and the inspection task or the
//! complaint it rests on. The institution sees who ordered it on the certificate; the national
//! platform is told (outbox).

use crate::auth::Caller;
use crate::error::{ApiError, FieldError};
use crate::extract::ApiJson;
use crate::i18n::{Lang, Rule};
use crate::state::AppState;
use crate::use_case::{self, certificates};
use crate::views::certificate::{CertificateView, view};
use crate::views::mask::IdNumbers;
use actix_web::{HttpResponse, post, web};
use domain::Role;
use persistence::repo;
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

/// An order to revoke: why, and on exactly one inspection task or complaint.
#[derive(Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct RevocationOrderRequest {
    /// Why (required), at most 1,000 characters.
    #[validate(custom(function = "crate::validate::lines::<1000>"))]
    pub reason: String,
    /// The inspection task that drew the certificate's institution.
    pub inspection_task_id: Option<Uuid>,
    /// The tracking number of a complaint about the certificate's institution.
    #[validate(custom(function = "crate::validate::line::<40>"))]
    pub complaint_number: Option<String>,
}

/// 责令撤销证书
///
/// 市人社局或鉴定中心责令撤销证书（如检查发现弄虚作假），须说明理由，并注明所依据的检查任务或投诉
/// （二者之一）；证书所属机构在证书上看到责令撤销的单位和依据，并通报全国平台。
///
/// The bureau or the centre orders a certificate revoked (for example after an inspection finds
/// fraud), with a reason and exactly one of: the inspection task that drew the certificate's
/// institution, or the tracking number of a complaint about it. The certificate shows who ordered
/// it and on what; the national platform is told (outbox, `certificate.revoked`). The code stays
/// taken for ever (R28).
#[utoipa::path(operation_id = "orderCertificateRevocation", tag = "certificates", security(("bearer" = [])),
    params(("code" = String, Path)), request_body = RevocationOrderRequest,
    responses((status = 200, description = "Revoked", body = CertificateView),
        (status = 409, description = "Not valid", body = crate::error::ProblemBody, content_type = "application/problem+json"),
        (status = 422, description = "No reason, no grounds or both, or grounds of another institution", body = crate::error::ProblemBody, content_type = "application/problem+json")))]
#[post("/certificates/{code}/revocation-order")]
pub async fn order(
    state: web::Data<AppState>,
    caller: Caller,
    lang: Lang,
    code: web::Path<String>,
    body: ApiJson<RevocationOrderRequest>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Bureau, Role::Centre])?;
    let b = body.valid()?;
    let reason = crate::validate::trimmed(&b.reason);
    let complaint = b.complaint_number.as_deref().map(str::trim).filter(|n| !n.is_empty());
    let grounds = match (b.inspection_task_id, complaint) {
        (Some(task), None) => certificates::Grounds::Inspection(task),
        (None, Some(number)) => certificates::Grounds::Complaint(number.to_owned()),
        _ => {
            return Err(ApiError::validation(vec![FieldError::new(
                "inspection_task_id",
                Rule::OrderRequired,
            )]));
        }
    };
    let c = repo::certificate::by_code(&state.db, code.trim()).await?.ok_or_else(ApiError::not_found)?;
    let role = if caller.role == Role::Bureau { "bureau" } else { "centre" };
    let order = certificates::Order { role, grounds };
    let saved = use_case::run(&state, caller.actor(), async |ch| {
        certificates::revoke(ch, &c.code, &reason, Some(&order)).await
    })
    .await?;
    Ok(HttpResponse::Ok().json(view(saved, IdNumbers::Full(&state.data_key), lang)))
}
