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
            if claims.scope.is_some() {
                // A machine client's token on an endpoint for people.
                return Err(ApiError::forbidden());
            }
            user_of(&state, &claims).await
        })
    }
}

async fn user_of(state: &AppState, claims: &crate::auth::token::Claims) -> Result<Caller, ApiError> {
    let user =
        repo::user::find(&state.db, claims.sub).await?.ok_or_else(|| ApiError::new(Problem::InvalidToken))?;
    let role = Role::from_code(&user.role).ok_or_else(|| ApiError::new(Problem::InvalidToken))?;
    if user.disabled || user.auth_generation != claims.generation || Some(role) != claims.role {
        return Err(ApiError::new(Problem::InvalidToken));
    }
    Ok(Caller { user, role })
}

/// Scopes a machine client can hold.
pub const SCOPES: [&str; 4] =
    ["institutions:read", "certificates:read", "certificates:verify", "statistics:read"];

/// A machine client (client credentials), checked against the database on every request so that
/// a revoked client's tokens end at once.
#[derive(Debug, Clone)]
pub struct ClientCaller {
    pub client: persistence::entity::api_client::Model,
    pub scopes: Vec<String>,
}

/// Who calls an endpoint open to both people and machine clients.
#[derive(Debug, Clone)]
pub enum Principal {
    User(Caller),
    Client(ClientCaller),
}

impl Principal {
    /// The user, if one of `roles`; a client, if it holds `scope`; else 403.
    pub fn require(&self, roles: &[Role], scope: &str) -> Result<(), ApiError> {
        match self {
            Principal::User(c) => c.require(roles),
            Principal::Client(c) if c.scopes.iter().any(|s| s == scope) => Ok(()),
            Principal::Client(_) => Err(ApiError::forbidden()),
        }
    }

    /// The user, if it is one.
    pub fn user(&self) -> Option<&Caller> {
        match self {
            Principal::User(c) => Some(c),
            Principal::Client(_) => None,
        }
    }
}

impl FromRequest for Principal {
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
            match &claims.scope {
                None => Ok(Principal::User(user_of(&state, &claims).await?)),
                Some(scope) => {
                    let client = repo::api_client::find(&state.db, claims.sub)
                        .await?
                        .filter(|c| c.revoked_at.is_none())
                        .ok_or_else(|| ApiError::new(Problem::InvalidToken))?;
                    Ok(Principal::Client(ClientCaller {
                        client,
                        scopes: scope.split(' ').map(str::to_owned).collect(),
                    }))
                }
            }
        })
    }
}

/// The optional caller of a public endpoint: `None` without an `Authorization` header.
pub struct MaybePrincipal(pub Option<Principal>);

impl FromRequest for MaybePrincipal {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        if req.headers().get(header::AUTHORIZATION).is_none() {
            return Box::pin(async { Ok(MaybePrincipal(None)) });
        }
        let fut = Principal::from_request(req, payload);
        Box::pin(async move { Ok(MaybePrincipal(Some(fut.await?))) })
    }
}
