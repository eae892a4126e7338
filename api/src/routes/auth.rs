//! Sign-in, the current user, and changing one's own password.

use super::users::UserView;
use crate::auth::{Caller, password};
use crate::context::RequestContext;
use crate::error::{ApiError, FieldError};
use crate::extract::ApiJson;
use crate::i18n::{Problem, Rule};
use crate::state::AppState;
use crate::validate::Errors;
use actix_web::{HttpResponse, get, post, web};
use persistence::repo::{self, audit::NewEvent};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Failed sign-ins that lock an account.
pub const MAX_FAILED_LOGINS: i32 = 5;
/// How long a locked account stays locked.
pub const LOCK_MINUTES: i64 = 15;

/// Credentials.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    #[schema(example = "admin")]
    pub username: String,
    #[schema(example = "correct-horse-battery", format = Password)]
    pub password: String,
}

/// An access token in the OAuth 2.0 token response shape (RFC 6749 §5.1).
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    /// A JWT signed with EdDSA (Ed25519); send it as `Authorization: Bearer …`.
    pub access_token: String,
    /// Always `Bearer`.
    #[schema(example = "Bearer")]
    pub token_type: &'static str,
    /// Seconds until the token expires.
    #[schema(example = 900)]
    pub expires_in: i64,
    /// The scopes granted (machine clients only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
}

fn invalid_credentials() -> ApiError {
    ApiError::new(Problem::InvalidCredentials).with("lock_minutes", LOCK_MINUTES)
}

/// Sign in with username and password.
///
/// Unknown users, wrong passwords, disabled and locked accounts all get the same 401 answer in
/// about the same time. Five failures in a row lock the account for 15 minutes (the counter is in
/// the database, so every replica agrees).
#[utoipa::path(
    tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in", body = TokenResponse),
        (status = 401, description = "Wrong credentials or locked account", body = crate::error::ProblemBody, content_type = "application/problem+json"),
    )
)]
#[post("/auth/login")]
pub async fn login(
    state: web::Data<AppState>,
    ctx: RequestContext,
    body: ApiJson<LoginRequest>,
) -> Result<HttpResponse, ApiError> {
    let LoginRequest { username, password: given } = body.0;
    let username = username.trim().to_ascii_lowercase();
    let now = state.clock.now();
    let user =
        if username.len() <= 64 { repo::user::find_by_username(&state.db, &username).await? } else { None };
    let usable = user.filter(|u| !u.disabled && u.locked_until.is_none_or(|t| t <= now));
    let too_long = given.chars().count() > crate::config::PASSWORD_MAX;
    let hash = if too_long { None } else { usable.as_ref().map(|u| u.password_hash.clone()) };
    let matches = password::verify(if too_long { String::new() } else { given }, hash).await?;

    let Some(user) = usable else { return Err(invalid_credentials()) };
    let tx = persistence::begin_write(&state.db).await?;
    let actor = repo::audit::Actor {
        id: Some(user.id),
        username: Some(user.username.clone()),
        role: Some(user.role.clone()),
    };
    let event = |action: &'static str, summary: serde_json::Value| NewEvent {
        occurred_at: now,
        request_id: ctx.request_id.clone(),
        actor: actor.clone(),
        action,
        target_type: "user",
        target_id: user.id.to_string(),
        summary,
    };
    if !matches {
        let outcome = repo::user::record_failed_login(
            &tx,
            user.id,
            now,
            MAX_FAILED_LOGINS,
            chrono::Duration::minutes(LOCK_MINUTES),
        )
        .await?;
        let action = if outcome.locked { "auth.locked" } else { "auth.login_failed" };
        repo::audit::append(&tx, event(action, serde_json::json!({}))).await?;
        tx.commit().await?;
        return Err(invalid_credentials());
    }
    let role =
        domain::Role::from_code(&user.role).ok_or_else(|| ApiError::internal("unknown role in database"))?;
    if user.failed_logins > 0 || user.locked_until.is_some() {
        repo::user::clear_failed_logins(&tx, user.id).await?;
    }
    repo::audit::append(&tx, event("auth.login", serde_json::json!({}))).await?;
    tx.commit().await?;
    let issued = state.tokens.issue(user.id, role, user.auth_generation, now);
    Ok(HttpResponse::Ok().insert_header(("Cache-Control", "no-store")).json(TokenResponse {
        access_token: issued.token,
        token_type: "Bearer",
        expires_in: issued.expires_in,
        scope: None,
    }))
}

/// The signed-in user.
#[utoipa::path(
    tag = "auth",
    security(("bearer" = [])),
    responses((status = 200, description = "The current user", body = UserView))
)]
#[get("/me")]
pub async fn me(
    state: web::Data<AppState>,
    caller: Caller,
    ctx: RequestContext,
) -> Result<HttpResponse, ApiError> {
    let view = UserView::load(&state.db, caller.user, ctx.lang, state.clock.now()).await?;
    Ok(HttpResponse::Ok().json(view))
}

/// A new password for oneself.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangePassword {
    #[schema(format = Password)]
    pub current_password: String,
    /// 12–128 characters.
    #[schema(format = Password)]
    pub new_password: String,
}

/// Change one's own password. Every token of the account, this one included, stops working:
/// sign in again with the new password.
#[utoipa::path(
    tag = "auth",
    security(("bearer" = [])),
    request_body = ChangePassword,
    responses((status = 204, description = "Changed"))
)]
#[post("/me/password")]
pub async fn change_own_password(
    state: web::Data<AppState>,
    caller: Caller,
    ctx: RequestContext,
    body: ApiJson<ChangePassword>,
) -> Result<HttpResponse, ApiError> {
    let ChangePassword { current_password, new_password } = body.0;
    let mut errors = Errors::default();
    errors.password("new_password", &new_password);
    let current_ok = current_password.chars().count() <= crate::config::PASSWORD_MAX
        && password::verify(current_password, Some(caller.user.password_hash.clone())).await?;
    if !current_ok {
        // A stolen token must not allow unlimited guessing: failures count towards the lock.
        let tx = persistence::begin_write(&state.db).await?;
        let now = state.clock.now();
        let outcome = repo::user::record_failed_login(
            &tx,
            caller.id(),
            now,
            MAX_FAILED_LOGINS,
            chrono::Duration::minutes(LOCK_MINUTES),
        )
        .await?;
        let action = if outcome.locked { "auth.locked" } else { "auth.login_failed" };
        repo::audit::append(
            &tx,
            NewEvent {
                occurred_at: now,
                request_id: ctx.request_id.clone(),
                actor: caller.actor(),
                action,
                target_type: "user",
                target_id: caller.id().to_string(),
                summary: serde_json::json!({"via": "password_change"}),
            },
        )
        .await?;
        tx.commit().await?;
        errors.push(FieldError::new("current_password", Rule::WrongPassword));
    }
    errors.finish()?;
    let hash = password::hash(new_password).await?;
    let now = state.clock.now();
    let tx = persistence::begin_write(&state.db).await?;
    let generation = caller.user.auth_generation + 1;
    let mut model = repo::user::editable(caller.user.clone());
    model.password_hash = sea_orm_set(hash);
    model.auth_generation = sea_orm_set(generation);
    repo::user::update(&tx, model, now).await?;
    repo::audit::append(
        &tx,
        NewEvent {
            occurred_at: now,
            request_id: ctx.request_id,
            actor: caller.actor(),
            action: "auth.password_changed",
            target_type: "user",
            target_id: caller.id().to_string(),
            summary: serde_json::json!({}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Sets an active-model field.
pub fn sea_orm_set<T: Into<persistence::sea_orm::Value>>(v: T) -> persistence::sea_orm::ActiveValue<T> {
    persistence::sea_orm::ActiveValue::Set(v)
}
