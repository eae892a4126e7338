//! The signed-in caller of a request, checked against the database on every request so that a
//! disabled account, a reset password or a changed role ends existing tokens at once.

use crate::error::ApiError;
use crate::i18n::Problem;
use crate::state::AppState;
use actix_web::{FromRequest, HttpRequest, dev::Payload, http::header, web};
use domain::Role;
use persistence::entity::user;
use persistence::repo;
use std::future::Future;
use std::pin::Pin;
use uuid::Uuid;

/// An authenticated user.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user: user::Model,
    pub role: Role,
}

impl Caller {
    /// The user id.
    pub fn id(&self) -> Uuid {
        self.user.id
    }

    /// Refuses (403) unless the caller has one of `roles`.
    pub fn require(&self, roles: &[Role]) -> Result<(), ApiError> {
        if roles.contains(&self.role) { Ok(()) } else { Err(ApiError::forbidden()) }
    }

    /// The audit actor for this caller.
    pub fn actor(&self) -> repo::audit::Actor {
        repo::audit::Actor {
            id: Some(self.user.id),
            username: Some(self.user.username.clone()),
            role: Some(self.role.code().to_owned()),
        }
    }
}

fn bearer(req: &HttpRequest) -> Result<String, ApiError> {
    let value =
        req.headers().get(header::AUTHORIZATION).ok_or_else(|| ApiError::new(Problem::Unauthenticated))?;
    let text = value.to_str().map_err(|_| ApiError::new(Problem::InvalidToken))?;
    let (scheme, token) = text.split_once(' ').ok_or_else(|| ApiError::new(Problem::InvalidToken))?;
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(ApiError::new(Problem::InvalidToken));
    }
    Ok(token.trim().to_owned())
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let token = bearer(req);
        let state = req.app_data::<web::Data<AppState>>().cloned();
        Box::pin(async move {
            let token = token?;
            let state = state.ok_or_else(|| ApiError::internal("application state missing"))?;
            let claims = state
                .tokens
                .verify(&token, state.clock.now())
                .map_err(|_| ApiError::new(Problem::InvalidToken))?;
            let user = repo::user::find(&state.db, claims.sub)
                .await?
                .ok_or_else(|| ApiError::new(Problem::InvalidToken))?;
            let role = Role::from_code(&user.role).ok_or_else(|| ApiError::new(Problem::InvalidToken))?;
            if user.disabled || user.auth_generation != claims.generation || role != claims.role {
                return Err(ApiError::new(Problem::InvalidToken));
            }
            Ok(Caller { user, role })
        })
    }
}
