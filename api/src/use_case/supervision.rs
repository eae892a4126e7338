//! Supervision (监管): violations recorded against institutions, with their sanctions.

use super::Change;
use crate::error::ApiError;
use chrono::NaiveDate;
use domain::institution::LifecycleAction;
use persistence::entity::{institution, violation};
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
