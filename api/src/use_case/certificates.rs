//! Certificates (证书): what happens to one after issuance.

use super::Change;
use crate::error::ApiError;
use crate::i18n::{Name, Problem};
use persistence::entity::plan;
use persistence::repo;
use persistence::sea_orm::ActiveValue::Set;

/// Records that the caller took the e-certificate `code` as a PDF: it shows the holder's full ID
/// number, so every download is an audit event (`certificate.downloaded`).
pub fn downloaded(change: &mut Change, code: &str) -> Result<(), ApiError> {
    change.record(
        "certificate.downloaded",
        ("certificate", code.to_owned()),
        serde_json::json!({"format": "pdf", "full_id_numbers": true}),
    );
    Ok(())
}

/// Records that the caller took a batch's certificates (with full ID numbers) as `format`
/// (`csv`, `xlsx`, `pdf_zip`): written before the first byte of the export leaves.
pub fn exported(
    change: &mut Change,
    plan: uuid::Uuid,
    format: &str,
    certificates: usize,
) -> Result<(), ApiError> {
    change.record(
        "certificates.exported",
        ("plan", plan.to_string()),
        serde_json::json!({"format": format, "certificates": certificates, "full_id_numbers": true}),
    );
    Ok(())
}

/// The error of a certificate-data step the plan's phase does not allow.
fn wrong(action: &'static str, p: &plan::Model) -> ApiError {
    let phase = crate::i18n::group_code("plan_phase", &p.phase).map_or("reviewed", |(_, c)| c);
    ApiError::new(Problem::WrongStatus)
        .with_name("action", Name::Code("result_action", action))
        .with_name("status", Name::Code("plan_phase", phase))
}

/// Reports a batch's certificate data to the centre (R30), once certificates are issued;
/// reporting again after more issuance updates the date and asks for a new acknowledgement.
/// Answers the plan and its number of certificates.
pub async fn report_data(change: &mut Change, plan_id: uuid::Uuid) -> Result<(plan::Model, usize), ApiError> {
    let n = repo::certificate::of_plan(change.db(), plan_id).await?.len();
    let current = repo::plan::find(change.db(), plan_id).await?.ok_or_else(ApiError::not_found)?;
    if n == 0 {
        return Err(wrong("report", &current));
    }
    let version = current.version;
    let mut m: plan::ActiveModel = current.into();
    m.certificates_reported_at = Set(Some(change.now()));
    m.certificates_acknowledged_at = Set(None);
    let saved = repo::plan::save(change.db(), m, version, change.now()).await?;
    change.record(
        "certificate.data_reported",
        ("plan", plan_id.to_string()),
        serde_json::json!({"certificates": n}),
    );
    Ok((saved, n))
}

/// The centre acknowledges a batch's reported certificate data.
pub async fn acknowledge_data(
    change: &mut Change,
    plan_id: uuid::Uuid,
) -> Result<(plan::Model, usize), ApiError> {
    let current = repo::plan::find(change.db(), plan_id).await?.ok_or_else(ApiError::not_found)?;
    if current.certificates_reported_at.is_none() {
        return Err(wrong("review", &current));
    }
    let n = repo::certificate::of_plan(change.db(), plan_id).await?.len();
    let version = current.version;
    let mut m: plan::ActiveModel = current.into();
    m.certificates_acknowledged_at = Set(Some(change.now()));
    let saved = repo::plan::save(change.db(), m, version, change.now()).await?;
    change.record(
        "certificate.data_acknowledged",
        ("plan", plan_id.to_string()),
        serde_json::json!({"certificates": n}),
    );
    Ok((saved, n))
}
