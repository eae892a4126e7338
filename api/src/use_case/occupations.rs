//! The occupation catalogue (职业分类大典): work types (工种), the access-type mark (准入类, R3),
//! imports of catalogue updates. The bureau's changes.

use super::Change;
use crate::error::ApiError;
use crate::i18n::Problem;
use crate::views::occupation::occupation_etag;
use persistence::entity::occupation;
use persistence::repo;

/// Adds the work type `name` to occupation `o` (409 when it has it already).
pub async fn add_work_type(
    change: &mut Change,
    o: occupation::Model,
    name: String,
) -> Result<occupation::Model, ApiError> {
    repo::occupation::add_work_type(change.db(), &o.code, &name, change.now()).await.map_err(|e| {
        if e.is_conflict(repo::occupation::WORK_TYPE_TAKEN) {
            ApiError::new(Problem::AlreadyExists).with("what", format!("{} / {name}", o.name))
        } else {
            e.into()
        }
    })?;
    change.record(
        "occupation.work_type_added",
        ("occupation", o.code.clone()),
        serde_json::json!({"work_type": name}),
    );
    Ok(o)
}

/// Marks (or unmarks) `o` as access-type, if it is still as the caller saw it (`checked_etag`;
/// a change committed meanwhile is a 412, checked again under a lock of the occupation).
pub async fn set_access_type(
    change: &mut Change,
    o: occupation::Model,
    checked_etag: &str,
    access_type: bool,
    source: Option<String>,
) -> Result<occupation::Model, ApiError> {
    persistence::lock_row(change.db(), "occupations", "code", o.code.clone().into()).await?;
    if occupation_etag(change.db(), &o).await? != checked_etag {
        return Err(ApiError::new(Problem::PreconditionFailed));
    }
    repo::occupation::set_access_type(change.db(), &o, access_type, source.clone(), change.now()).await?;
    change.record(
        "occupation.access_type_set",
        ("occupation", o.code.clone()),
        serde_json::json!({"access_type": access_type, "source": source}),
    );
    Ok(o)
}

/// Imports catalogue rows (checked): new codes added, changed names updated, named work types
/// added; nothing deleted. Answers (added, renamed, unchanged).
pub async fn import(
    change: &mut Change,
    rows: &[repo::occupation::OccupationRow],
) -> Result<(u64, u64, u64), ApiError> {
    let now = change.now();
    let (added, renamed) = repo::occupation::upsert(change.db(), rows, now).await?;
    for r in rows.iter().filter(|r| !r.work_type.is_empty()) {
        // Checked first: on PostgreSQL a failed insert would abort the whole transaction.
        let existing = repo::occupation::work_types(change.db(), std::slice::from_ref(&r.code)).await?;
        if !existing.iter().any(|w| w.name == r.work_type) {
            repo::occupation::add_work_type(change.db(), &r.code, &r.work_type, now).await?;
        }
    }
    let unchanged = rows.len() as u64 - added - renamed;
    change.record(
        "occupation.imported",
        ("occupation_catalogue", "2022".into()),
        serde_json::json!({"rows": rows.len(), "added": added, "renamed": renamed}),
    );
    Ok((added, renamed, unchanged))
}
