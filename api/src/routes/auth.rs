//! Sign-in, the current user, and changing one's own password.

use crate::auth::{Caller, password, throttle};
use crate::client_address::ClientAddress;
use crate::context::RequestContext;
use crate::error::{ApiError, FieldError};
use crate::extract::ApiJson;
use crate::i18n::{Problem, Rule};
use crate::state::AppState;
use crate::use_case;
use crate::views::token::TokenResponse;
use crate::views::user::UserView;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use persistence::repo;
use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

/// Credentials.
#[derive(Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    #[schema(example = "admin")]
    pub username: String,
    #[schema(example = "correct-horse-battery", format = Password)]
    pub password: String,
}

fn invalid_credentials() -> ApiError {
    ApiError::new(Problem::InvalidCredentials)
}

/// 用户登录
///
/// 使用用户名和密码登录。
///
/// Sign in with username and password.
///
/// Unknown users, wrong passwords and disabled accounts all get the same 401 answer in about the
/// same time. Failures slow down the address they come from, not the account: past three
/// failures of one account from one address (or twenty from one address over all accounts) each
/// failure doubles the wait before the next try, answered 429 with `Retry-After` (docs/SECURITY.md).
#[utoipa::path(
    operation_id = "signIn",
    tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in", body = TokenResponse),
        (status = 401, description = "Wrong credentials", body = crate::error::ProblemBody, content_type = "application/problem+json"),
        (status = 429, description = "Too many failures from this address: wait Retry-After seconds", body = crate::error::ProblemBody, content_type = "application/problem+json"),
    )
)]
#[post("/auth/login")]
pub async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: ApiJson<LoginRequest>,
) -> Result<HttpResponse, ApiError> {
    let LoginRequest { username, password: given } = body.valid()?;
    let username = username.trim().to_ascii_lowercase();
    let now = state.clock.now();
    let attempt = throttle::Attempt::new("user", &username, ClientAddress::of(&req));
    throttle::check(&state.db, &attempt, now).await?;
    let user =
        if username.len() <= 64 { repo::user::find_by_username(&state.db, &username).await? } else { None };
    let usable = user.filter(|u| !u.disabled);
    let too_long = given.chars().count() > crate::config::PASSWORD_MAX;
    let hash = if too_long { None } else { usable.as_ref().map(|u| u.password_hash.clone()) };
    let matches = password::verify(if too_long { String::new() } else { given }, hash).await?;

    let actor = match &usable {
        Some(u) => repo::audit::Actor {
            id: Some(u.id),
            username: Some(u.username.clone()),
            role: Some(u.role.clone()),
        },
        None => repo::audit::Actor::nobody(),
    };
    let outcome = use_case::run(&state, actor, async |change| {
        use_case::auth::sign_in(change, &attempt, usable.as_ref(), matches).await
    })
    .await?;
    let (use_case::auth::SignIn::Granted(role), Some(user)) = (outcome, usable) else {
        return Err(invalid_credentials());
    };
    let issued = state.tokens.issue(user.id, role, user.auth_generation, now);
    Ok(HttpResponse::Ok().insert_header(("Cache-Control", "no-store")).json(TokenResponse {
        access_token: issued.token,
        token_type: "Bearer",
        expires_in: issued.expires_in,
        scope: None,
    }))
}

/// 获取当前用户
///
/// 当前登录的用户。
///
/// The signed-in user.
#[utoipa::path(
    operation_id = "getCurrentUser",
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
    let view = UserView::load(&state.db, caller.user, ctx.lang).await?;
    Ok(HttpResponse::Ok().json(view))
}

/// A new password for oneself.
#[derive(Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct ChangePassword {
    #[schema(format = Password)]
    pub current_password: String,
    /// 12–128 characters.
    #[schema(format = Password)]
    #[validate(custom(function = "crate::validate::password"))]
    pub new_password: String,
}

/// 修改本人密码
///
/// 修改本人密码。该账号的所有令牌（包括本次使用的）随即失效，须用新密码重新登录。
///
/// Change one's own password. Every token of the account, this one included, stops working:
/// sign in again with the new password.
#[utoipa::path(
    operation_id = "changeOwnPassword",
    tag = "auth",
    security(("bearer" = [])),
    request_body = ChangePassword,
    responses((status = 204, description = "Changed"),
        (status = 422, description = "Wrong current password or a new password out of bounds", body = crate::error::ProblemBody, content_type = "application/problem+json"),
        (status = 429, description = "Too many wrong current passwords from this address: wait Retry-After seconds", body = crate::error::ProblemBody, content_type = "application/problem+json"))
)]
#[post("/me/password")]
pub async fn change_own_password(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    body: ApiJson<ChangePassword>,
) -> Result<HttpResponse, ApiError> {
    let (ChangePassword { current_password, new_password }, mut errors) = body.with_violations();
    // A stolen token must not allow unlimited guessing: failures count like failed sign-ins.
    let attempt = throttle::Attempt::new("user", &caller.user.username, ClientAddress::of(&req));
    throttle::check(&state.db, &attempt, state.clock.now()).await?;
    let current_ok = current_password.chars().count() <= crate::config::PASSWORD_MAX
        && password::verify(current_password, Some(caller.user.password_hash.clone())).await?;
    if !current_ok {
        use_case::run(&state, caller.actor(), async |change| {
            use_case::auth::wrong_current_password(change, &attempt, &caller.user).await
        })
        .await?;
        errors.push(FieldError::new("current_password", Rule::WrongPassword));
    }
    errors.finish()?;
    let hash = password::hash(new_password).await?;
    use_case::run(&state, caller.actor(), async |change| {
        use_case::auth::change_password(change, &caller.user, hash).await
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
