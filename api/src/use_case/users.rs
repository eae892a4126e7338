//! Accounts of the bureau, centre, district offices and experts (school accounts are opened
//! through their school): opening one, changing one.

use super::Change;
use crate::error::ApiError;
use crate::i18n::Problem;
use domain::Role;
use persistence::entity::user;
use persistence::repo;
use persistence::sea_orm::ActiveValue::Set;
use uuid::Uuid;

/// A new account, its fields checked.
pub struct NewAccount {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub district_code: Option<String>,
    /// For a school account: its school.
    pub school_id: Option<Uuid>,
    pub password_hash: String,
}

/// Opens an account (409 when the username is taken).
pub async fn open(change: &mut Change, a: NewAccount) -> Result<user::Model, ApiError> {
    let created = repo::user::insert(
        change.db(),
        repo::user::NewUser {
            username: a.username.clone(),
            display_name: a.display_name,
            role: a.role.code().to_owned(),
            district_code: a.district_code.clone(),
            school_id: a.school_id,
            password_hash: a.password_hash,
        },
        change.now(),
    )
    .await
    .map_err(|e| {
        if e.is_conflict(repo::user::USERNAME_TAKEN) {
            ApiError::new(Problem::UsernameTaken).with("username", &a.username)
        } else {
            ApiError::from(e)
        }
    })?;
    let summary = match a.school_id {
        Some(school) => {
            serde_json::json!({"username": a.username, "role": a.role.code(), "school_id": school})
        }
        None => {
            serde_json::json!({"username": a.username, "role": a.role.code(), "district_code": a.district_code})
        }
    };
    change.record("user.created", ("user", created.id.to_string()), summary);
    Ok(created)
}

/// What changes in an account, its fields checked; `None` keeps a value.
pub struct AccountChange {
    pub display_name: Option<String>,
    pub disabled: Option<bool>,
    pub password_hash: Option<String>,
    /// A new role and its district.
    pub binding: Option<(Role, Option<String>)>,
}

/// Changes account `id` if `if_match` is its current ETag (or `*`; 412 otherwise). A new password, a role or district change, or disabling it ends its tokens for
/// good (enabling it again does not revive them).
pub async fn change(
    change: &mut Change,
    id: Uuid,
    if_match: &str,
    c: AccountChange,
) -> Result<user::Model, ApiError> {
    // Re-read inside the transaction: the version check and the write see the same row.
    let current = repo::user::find(change.db(), id).await?.ok_or_else(ApiError::not_found)?;
    if if_match.trim() != "*" && if_match.trim() != crate::views::user::etag(current.version) {
        return Err(ApiError::new(Problem::PreconditionFailed));
    }
    let mut summary = serde_json::Map::new();
    let mut model = repo::user::editable(current.clone());
    let mut end_tokens = false;
    if let Some(name) = c.display_name {
        summary.insert("display_name".into(), serde_json::json!(name));
        model.display_name = Set(name);
    }
    if let Some(disabled) = c.disabled {
        summary.insert("disabled".into(), serde_json::json!(disabled));
        model.disabled = Set(disabled);
        end_tokens |= disabled && !current.disabled;
    }
    if let Some(hash) = c.password_hash {
        summary.insert("password_reset".into(), serde_json::json!(true));
        model.password_hash = Set(hash);
        end_tokens = true;
    }
    if let Some((role, district)) = c.binding
        && (role.code() != current.role || district != current.district_code)
    {
        summary.insert(
            "role".into(),
            serde_json::json!({"from": current.role, "to": role.code(), "district_from": current.district_code, "district_to": district}),
        );
        model.role = Set(role.code().to_owned());
        model.district_code = Set(district);
        end_tokens = true;
    }
    if end_tokens {
        model.auth_generation = Set(current.auth_generation + 1);
    }
    let saved = repo::user::update(change.db(), model, change.now()).await?;
    change.record("user.updated", ("user", id.to_string()), serde_json::Value::Object(summary));
    Ok(saved)
}

/// Creates the bureau account `admin` with `password_hash`, unless it exists (another replica
/// may have created it first: `None`). `generated` says whether the password was generated (and
/// printed once) or configured.
pub async fn bootstrap(
    change: &mut Change,
    password_hash: String,
    generated: bool,
) -> Result<Option<user::Model>, ApiError> {
    let new = repo::user::NewUser {
        username: "admin".into(),
        display_name: "系统管理员".into(),
        role: Role::Bureau.code().into(),
        district_code: None,
        school_id: None,
        password_hash,
    };
    let Some(created) = repo::user::insert_if_absent(change.db(), new, change.now()).await? else {
        return Ok(None);
    };
    change.record(
        "user.bootstrapped",
        ("user", created.id.to_string()),
        serde_json::json!({"username": "admin", "role": "bureau", "password": if generated { "generated" } else { "from SKILLCERT_ADMIN_PASSWORD" }}),
    );
    Ok(Some(created))
}
