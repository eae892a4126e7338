//! Signing in and changing one's password: the throttle's counts and the audit events of each
//! attempt, in one change.

use super::Change;
use crate::auth::throttle;
use crate::error::ApiError;
use persistence::entity::user;
use persistence::repo;
use persistence::sea_orm::ActiveValue::Set;

/// What a sign-in attempt came to.
pub enum SignIn {
    /// The password matched an enabled account: the throttle forgets this address's failures.
    Granted(domain::Role),
    /// No such enabled account, or the wrong password: the failure is counted (and, for an
    /// existing account, recorded as `auth.login_failed`).
    Refused,
}

/// Counts a sign-in attempt of `user` (if the name is an enabled account) whose password
/// `matched` or not. The change is made by the account itself (or by nobody, for an unknown name).
pub async fn sign_in(
    change: &mut Change,
    attempt: &throttle::Attempt,
    user: Option<&user::Model>,
    matched: bool,
) -> Result<SignIn, ApiError> {
    let Some(user) = user else {
        throttle::failed(change.db(), attempt, change.now()).await?;
        return Ok(SignIn::Refused);
    };
    let target = ("user", user.id.to_string());
    if !matched {
        throttle::failed(change.db(), attempt, change.now()).await?;
        change.record("auth.login_failed", target, serde_json::json!({}));
        return Ok(SignIn::Refused);
    }
    let role =
        domain::Role::from_code(&user.role).ok_or_else(|| ApiError::internal("unknown role in database"))?;
    throttle::succeeded(change.db(), attempt).await?;
    change.record("auth.login", target, serde_json::json!({}));
    Ok(SignIn::Granted(role))
}

/// Counts a wrong current password given to change one's password, like a failed sign-in.
pub async fn wrong_current_password(
    change: &mut Change,
    attempt: &throttle::Attempt,
    user: &user::Model,
) -> Result<(), ApiError> {
    throttle::failed(change.db(), attempt, change.now()).await?;
    change.record(
        "auth.login_failed",
        ("user", user.id.to_string()),
        serde_json::json!({"via": "password_change"}),
    );
    Ok(())
}

/// Sets `user`'s password to `hash`; every token issued before stops working.
pub async fn change_password(change: &mut Change, user: &user::Model, hash: String) -> Result<(), ApiError> {
    let mut model = repo::user::editable(user.clone());
    model.password_hash = Set(hash);
    model.auth_generation = Set(user.auth_generation + 1);
    repo::user::update(change.db(), model, change.now()).await?;
    change.record("auth.password_changed", ("user", user.id.to_string()), serde_json::json!({}));
    Ok(())
}
