//! Calling off a plan (issue 26): by its school before the first session, by the centre until
//! certificates are issued; a cancelled plan stays on record and nothing more happens to it.

use crate::error::ApiError;
use crate::i18n::{Name, Problem};
use crate::use_case::Change;
use domain::plan::PlanStatus;
use persistence::entity::plan;
use persistence::repo;
use persistence::sea_orm::ActiveValue::Set;
use uuid::Uuid;

/// 409 when plan `p` was cancelled: nothing more happens to it (results, publicity, review,
/// issuance), whatever its phase.
pub(crate) fn not_cancelled(p: &plan::Model, named: (&'static str, &'static str)) -> Result<(), ApiError> {
    if p.cancelled_at.is_some() {
        return Err(ApiError::new(Problem::WrongStatus)
            .with_name("action", Name::Code(named.0, named.1))
            .with_name("status", Name::Code("plan_status", PlanStatus::Cancelled.code())));
    }
    Ok(())
}

/// Cancels plan `id` with `reason`: by its school (`by_centre` false) until the day before its
/// first session, by the centre until a certificate is issued from it. The plan stays on record
/// with its candidates and results; nothing more happens to it.
pub async fn cancel(
    change: &mut Change,
    id: Uuid,
    by_centre: bool,
    reason: &str,
) -> Result<plan::Model, ApiError> {
    let (today, now) = (change.today(), change.now());
    persistence::lock_row(change.db(), "plans", "id", id.into()).await?;
    let current = repo::plan::find(change.db(), id).await?.ok_or_else(ApiError::not_found)?;
    let first = repo::plan::sessions(change.db(), id).await?.iter().map(|s| s.day).min();
    let issued = repo::certificate::count_of_plan(change.db(), id).await? > 0;
    domain::plan::may_cancel(current.plan_status()?, by_centre, today, first, issued).map_err(
        |r| match r {
            domain::plan::CancelRefusal::AlreadyCancelled => ApiError::new(Problem::WrongStatus)
                .with_name("action", Name::Code("plan_action", "cancel"))
                .with_name("status", Name::Code("plan_status", PlanStatus::Cancelled.code())),
            domain::plan::CancelRefusal::Underway { first } => {
                ApiError::new(Problem::PlanUnderway).with("first_session", first)
            }
            domain::plan::CancelRefusal::CertificatesIssued => ApiError::new(Problem::CertificatesIssued),
        },
    )?;
    let (version, status) = (current.version, current.status.clone());
    let mut m: plan::ActiveModel = current.into();
    m.cancelled_at = Set(Some(now));
    m.cancellation_reason = Set(Some(reason.to_owned()));
    m.cancelled_by = Set(change.actor_id());
    let saved = repo::plan::save(change.db(), m, version, now).await?;
    change.record(
        "plan.cancelled",
        ("plan", id.to_string()),
        serde_json::json!({"reason": reason, "by_centre": by_centre, "status": status}),
    );
    Ok(saved)
}
