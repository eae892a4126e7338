//! The schools registry (技工院校): the bureau registers a school before it can apply.

use super::Change;
use crate::error::ApiError;
use crate::i18n::Problem;
use persistence::entity::school;
use persistence::repo;

/// Registers `school` (its fields checked); 409 naming `credit_code_text` when its unified
/// social credit code is registered already.
pub async fn register(
    change: &mut Change,
    school: school::Model,
    credit_code_text: String,
) -> Result<school::Model, ApiError> {
    let saved = repo::school::insert(change.db(), school).await.map_err(|err| {
        if err.is_conflict(repo::school::CREDIT_CODE_TAKEN) {
            ApiError::new(Problem::AlreadyExists).with("what", credit_code_text)
        } else {
            err.into()
        }
    })?;
    change.record(
        "school.registered",
        ("school", saved.id.to_string()),
        serde_json::json!({"name": saved.name, "school_type": saved.school_type, "district_code": saved.district_code, "needs_manual_review": saved.needs_manual_review}),
    );
    Ok(saved)
}
