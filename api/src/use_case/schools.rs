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

/// The `ETag` of a school record's version.
pub fn etag(version: i32) -> String {
    format!("\"s{version}\"")
}

/// Corrects school `id` (bureau) to `next` (its fields checked), if `if_match` is the record's
/// ETag (428 without, 412 when stale; the row is locked first, so two corrections at once are
/// compared in turn). The id, credit-code review flag and creation stay; the version moves on.
/// What an institution of the school was filed under does not change (a change filing does,
/// R39). 409 naming `credit_code_text` when the credit code is another school's.
pub async fn correct(
    change: &mut Change,
    id: uuid::Uuid,
    if_match: Option<&str>,
    next: school::Model,
    credit_code_text: String,
) -> Result<school::Model, ApiError> {
    persistence::lock_row(change.db(), "schools", "id", id.into()).await?;
    let current = repo::school::find(change.db(), id).await?.ok_or_else(ApiError::not_found)?;
    crate::precondition::matches(if_match, &etag(current.version))?;
    let fields = |m: &school::Model| {
        [
            ("name", m.name.clone()),
            ("school_type", m.school_type.clone()),
            ("credit_code", m.credit_code.clone()),
            ("district_code", m.district_code.clone()),
            ("registered_address", m.registered_address.clone()),
            ("office_address", m.office_address.clone()),
            ("legal_representative", m.legal_representative.clone()),
            ("legal_representative_position", m.legal_representative_position.clone().unwrap_or_default()),
            ("contact_name", m.contact_name.clone().unwrap_or_default()),
            ("contact_phone", m.contact_phone.clone().unwrap_or_default()),
            ("email", m.email.clone().unwrap_or_default()),
            ("old_station_code", m.old_station_code.clone().unwrap_or_default()),
        ]
    };
    let changed: Vec<&str> = fields(&current)
        .iter()
        .zip(fields(&next).iter())
        .filter(|(a, b)| a.1 != b.1)
        .map(|(a, _)| a.0)
        .collect();
    if changed.is_empty() {
        return Ok(current);
    }
    let previous = serde_json::json!({"name": current.name, "school_type": current.school_type,
                                      "credit_code": current.credit_code, "district_code": current.district_code});
    let version = current.version;
    let saved = school::Model {
        id: current.id,
        created_at: current.created_at,
        version: version + 1,
        updated_at: change.now(),
        ..next
    };
    let m = persistence::sea_orm::ActiveModelTrait::reset_all(
        persistence::sea_orm::IntoActiveModel::into_active_model(saved),
    );
    let saved = repo::school::update(change.db(), m).await.map_err(|err| {
        if err.is_conflict(repo::school::CREDIT_CODE_TAKEN) {
            ApiError::new(Problem::AlreadyExists).with("what", credit_code_text)
        } else {
            err.into()
        }
    })?;
    // Phone numbers and e-mail are named, never copied into the audit log.
    change.record(
        "school.corrected",
        ("school", id.to_string()),
        serde_json::json!({"changed": changed, "previous": previous}),
    );
    Ok(saved)
}
