//! Candidates (评价对象) of a plan (R19), added or imported by its institution while the plan is a
//! draft or returned.

use super::Change;
use crate::error::ApiError;
use crate::i18n::{Name, Problem};
use domain::plan::{PlanAction, transition};
use persistence::entity::{candidate, plan};
use persistence::repo;
use uuid::Uuid;

/// 409 unless plan `p`'s candidates may change (a draft or returned plan).
pub fn editable(p: &plan::Model) -> Result<(), ApiError> {
    transition(p.plan_status()?, PlanAction::ChangeCandidates).map(|_| ()).map_err(|st| {
        ApiError::new(Problem::WrongStatus)
            .with_name("action", Name::Code("plan_action", "edit"))
            .with_name("status", Name::Code("plan_status", st.code()))
    })
}

/// Inside the change: plan `plan_id` is still editable, and its version moves on, so that a
/// concurrent filing of the plan cannot miss this change.
async fn touch(change: &Change, plan_id: Uuid) -> Result<(), ApiError> {
    let current = repo::plan::find(change.db(), plan_id).await?.ok_or_else(ApiError::not_found)?;
    editable(&current)?;
    let version = current.version;
    repo::plan::save(change.db(), current.into(), version, change.now()).await?;
    Ok(())
}

/// The same person for the same occupation, work type and level.
pub fn key(c: &candidate::Model) -> (String, String, String, String) {
    (c.id_number.clone(), c.occupation_code.clone(), c.work_type.clone(), c.level.clone())
}

/// Adds checked candidate `row` to its plan; the same person twice for the same occupation and
/// level is refused (409 `candidate_twice`).
pub async fn add(change: &mut Change, row: candidate::Model) -> Result<(), ApiError> {
    touch(change, row.plan_id).await?;
    if repo::plan::candidate_keys(change.db(), row.plan_id).await?.contains(&key(&row)) {
        return Err(ApiError::new(Problem::CandidateTwice));
    }
    let (plan_id, cid) = (row.plan_id, row.id);
    repo::plan::insert_candidates(change.db(), vec![row]).await?;
    change.record(
        "plan.candidate_added",
        ("plan", plan_id.to_string()),
        serde_json::json!({"candidate_id": cid}),
    );
    Ok(())
}

/// Adds the checked rows of an import to plan `plan_id`; `summary` counts what the file held.
pub async fn import(
    change: &mut Change,
    plan_id: Uuid,
    rows: Vec<candidate::Model>,
    summary: serde_json::Value,
) -> Result<(), ApiError> {
    touch(change, plan_id).await?;
    repo::plan::insert_candidates(change.db(), rows).await?;
    change.record("plan.candidates_imported", ("plan", plan_id.to_string()), summary);
    Ok(())
}

/// 409 unless the photos of plan `p`'s candidates may change (a draft or returned plan).
pub fn photo_editable(p: &plan::Model) -> Result<(), ApiError> {
    transition(p.plan_status()?, PlanAction::ChangeCandidates).map(|_| ()).map_err(|st| {
        ApiError::new(Problem::WrongStatus)
            .with_name("action", Name::Code("result_action", "photo"))
            .with_name("status", Name::Code("plan_status", st.code()))
    })
}

/// A stored photo file.
pub struct Photo {
    /// Where the file is, named by its content (never overwritten).
    pub key: String,
    pub media_type: &'static str,
    pub sha256: String,
}

/// Sets candidate `candidate_id`'s photo to `photo`, if its current photo is still `previous`
/// (412 otherwise: a concurrent upload won).
pub async fn set_photo(
    change: &mut Change,
    plan_id: Uuid,
    candidate_id: Uuid,
    photo: Photo,
    previous: Option<&str>,
) -> Result<(), ApiError> {
    touch(change, plan_id).await?;
    let set = repo::results::set_photo(
        change.db(),
        candidate_id,
        &photo.key,
        photo.media_type,
        &photo.sha256,
        previous,
    )
    .await?;
    if !set {
        return Err(ApiError::new(Problem::PreconditionFailed));
    }
    change.record(
        "plan.photo_uploaded",
        ("plan", plan_id.to_string()),
        serde_json::json!({"candidate_id": candidate_id, "sha256": photo.sha256}),
    );
    Ok(())
}
