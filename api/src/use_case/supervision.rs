//! Supervision (监管): fee standards published by institutions (R34), violations recorded against
//! them, with their sanctions.

use super::Change;
use crate::error::ApiError;
use chrono::NaiveDate;
use domain::institution::LifecycleAction;
use persistence::entity::{fee_standard, institution, violation};
use persistence::repo;
use uuid::Uuid;

/// A violation to record, its fields checked.
pub struct NewViolation {
    pub institution_id: Uuid,
    pub occurred_on: NaiveDate,
    pub description: String,
    /// `warning`, `rectification`, `suspension` or `cancellation`.
    pub sanction: String,
    pub complaint_id: Option<Uuid>,
    pub inspection_task_id: Option<Uuid>,
}

/// Records a violation; a suspension or cancellation is applied to the institution at once.
/// Answers the violation and the institution as it now stands.
pub async fn record_violation(
    change: &mut Change,
    new: NewViolation,
) -> Result<(violation::Model, institution::Model), ApiError> {
    let current =
        repo::institution::find(change.db(), new.institution_id).await?.ok_or_else(ApiError::not_found)?;
    let action = match new.sanction.as_str() {
        "suspension" => Some(LifecycleAction::Suspend),
        "cancellation" => Some(LifecycleAction::Cancel),
        _ => None,
    };
    let v = violation::Model {
        id: Uuid::now_v7(),
        institution_id: current.id,
        occurred_on: new.occurred_on,
        description: new.description,
        sanction: new.sanction,
        complaint_id: new.complaint_id,
        inspection_task_id: new.inspection_task_id,
        recorded_by: change
            .actor_id()
            .ok_or_else(|| ApiError::internal("a violation is recorded by an account"))?,
        recorded_at: change.now(),
    };
    repo::supervision::insert_violation(change.db(), v.clone()).await?;
    let institution = match action {
        Some(a) => {
            let reason = format!("violation {}", v.id);
            super::institutions::apply_lifecycle(change, current, a, &reason).await?
        }
        None => current,
    };
    change.record(
        "violation.recorded",
        ("institution", institution.id.to_string()),
        serde_json::json!({"violation_id": v.id, "occurred_on": v.occurred_on, "sanction": v.sanction}),
    );
    Ok((v, institution))
}

/// Most fee rows one institution publishes (one per occupation and level of its scope).
pub const MAX_FEES: usize = 500;

/// The ETag of an institution's fee list: its stored content.
pub async fn fees_etag(
    db: &impl persistence::ConnectionTrait,
    institution_id: Uuid,
) -> Result<String, ApiError> {
    let page = repo::PageRequest { page: 1, per_page: MAX_FEES as u64, sort: None };
    let rows: Vec<(String, String, i64, Option<String>)> =
        repo::supervision::fees(db, Some(vec![institution_id]), None, None, page)
            .await?
            .items
            .into_iter()
            .map(|f| (f.occupation_code, f.level, f.amount_fen, f.basis))
            .collect();
    Ok(crate::precondition::content_etag(&rows))
}

/// Publishes `rows` (checked) as the institution's whole fee list, if `if_match` is the list's
/// ETag (428 without it, 412 when stale; the institution row is locked first, so two lists sent
/// at once are compared in turn). Answers the stored list and its new ETag.
pub async fn publish_fees(
    change: &mut Change,
    institution_id: Uuid,
    rows: Vec<fee_standard::Model>,
    summary: Vec<serde_json::Value>,
    if_match: Option<&str>,
) -> Result<(Vec<fee_standard::Model>, String), ApiError> {
    persistence::lock_row(change.db(), "institutions", "id", institution_id.into()).await?;
    crate::precondition::matches(if_match, &fees_etag(change.db(), institution_id).await?)?;
    repo::supervision::replace_fees(change.db(), institution_id, rows).await?;
    change.record(
        "fees.published",
        ("institution", institution_id.to_string()),
        serde_json::json!({"fees": summary}),
    );
    let page = repo::PageRequest { page: 1, per_page: MAX_FEES as u64, sort: None };
    let saved =
        repo::supervision::fees(change.db(), Some(vec![institution_id]), None, None, page).await?.items;
    Ok((saved, fees_etag(change.db(), institution_id).await?))
}

/// Records that the caller took an institution's yearly archive (R32); `summary` says what it
/// held (year, plans, files, whether full ID numbers were in it). Written before the first byte
/// leaves: once the ZIP streams, it cannot be taken back.
pub fn archive_exported(
    change: &mut Change,
    institution_id: Uuid,
    summary: serde_json::Value,
) -> Result<(), ApiError> {
    change.record("archive.exported", ("institution", institution_id.to_string()), summary);
    Ok(())
}
