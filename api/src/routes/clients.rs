//! Machine clients (client credentials, RFC 6749 §4.4): the bureau registers the API clients of
//! other systems (the national platform, provincial systems) with scopes; a client exchanges its
//! id and secret for a short-lived token limited to those scopes. Secrets are shown once and
//! stored as SHA-256; a revoked client's tokens stop at once.

use crate::auth::caller::SCOPES;
use crate::auth::keys::{constant_time_eq, sha256_hex};
use crate::auth::{Caller, throttle};
use crate::client_address::ClientAddress;
use crate::error::{ApiError, FieldError};
use crate::extract::ApiJson;
use crate::i18n::{Problem, Rule};
use crate::state::AppState;
use crate::use_case;
use crate::validate;
use crate::views::token::TokenResponse;
use actix_web::{HttpRequest, HttpResponse, get, http::header, post, web};
use chrono::{DateTime, Utc};
use domain::Role;
use persistence::entity::api_client;
use persistence::repo;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

/// A client to register.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct NewClient {
    /// Who it is, e.g. 国家技能人才评价信息服务平台.
    #[validate(custom(function = "validate::line::<100>"))]
    pub name: String,
    /// Among `institutions:read`, `certificates:read`, `certificates:verify`, `statistics:read`.
    #[schema(example = json!(["institutions:read", "certificates:read"]))]
    #[validate(custom(function = "check_scopes"))]
    pub scopes: Vec<String>,
}

/// One scope at least, each one of [`SCOPES`].
fn check_scopes(given: &[String]) -> Result<(), validator::ValidationError> {
    if given.is_empty() {
        return Err(validate::rule(Rule::TooFew, &[("min", &1)]));
    }
    match given.iter().position(|s| !SCOPES.contains(&s.as_str())) {
        Some(i) => {
            Err(validate::rule(Rule::NotOneOf, &[("allowed", &SCOPES.join(", ")), (validate::ITEM, &i)]))
        }
        None => Ok(()),
    }
}

/// A registered client.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClientView {
    pub id: Uuid,
    /// The public id to send as `client_id`.
    #[schema(example = "skc_3kq9T2mPz7Ab")]
    pub client_id: String,
    pub name: String,
    pub scopes: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
}

/// A new client with its secret, shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedClient {
    #[serde(flatten)]
    pub client: ClientView,
    /// Keep it safe: it is stored only as a hash and cannot be shown again.
    pub client_secret: String,
}

fn view(c: api_client::Model) -> ClientView {
    ClientView {
        id: c.id,
        client_id: c.client_id,
        name: c.name,
        scopes: serde_json::from_value(c.scopes).unwrap_or_default(),
        created_at: c.created_at,
        revoked_at: c.revoked_at,
        last_used_at: c.last_used_at,
    }
}

/// 创建接口客户端
///
/// 登记接口客户端及其权限范围（市人社局）。密钥只在本次回答中出现。
///
/// Register a machine client with its scopes (bureau). The secret is in this answer only.
#[utoipa::path(operation_id = "createApiClient", tag = "integration", security(("bearer" = [])), request_body = NewClient,
    responses((status = 201, description = "Registered", body = CreatedClient)))]
#[post("/api-clients")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    body: ApiJson<NewClient>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Bureau])?;
    let b = body.valid()?;
    let mut scopes = b.scopes.clone();
    scopes.sort();
    scopes.dedup();
    let secret = crate::auth::keys::random_token(32);
    let now = state.clock.now();
    let c = api_client::Model {
        id: Uuid::now_v7(),
        client_id: format!("skc_{}", crate::auth::keys::random_token(9)),
        name: validate::trimmed(&b.name),
        secret_hash: sha256_hex(&secret),
        scopes: serde_json::json!(scopes),
        created_by: caller.id(),
        created_at: now,
        revoked_at: None,
        last_used_at: None,
    };
    use_case::run(&state, caller.actor(), async |change| {
        use_case::integration::register(change, c.clone(), &scopes).await
    })
    .await?;
    Ok(HttpResponse::Created()
        .insert_header(("Cache-Control", "no-store"))
        .json(CreatedClient { client: view(c), client_secret: secret }))
}

crate::paged_query!(
    ClientPage,
    "Sort by `created_at`, `name`, `client_id` (`-` first for descending, e.g. `-created_at`)."
);

/// 查询接口客户端
///
/// 查询已登记的接口客户端（市人社局），最新的在前。
///
/// Registered machine clients (bureau), newest first.
#[utoipa::path(operation_id = "listApiClients", tag = "integration", security(("bearer" = [])), params(ClientPage),
    responses((status = 200, description = "A page of clients", body = crate::extract::ListBody<ClientView>)))]
#[get("/api-clients")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    query: crate::extract::ApiQuery<ClientPage>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Bureau])?;
    let mut errors = Vec::new();
    let page = query.0.pagination().check(&mut errors, &["created_at", "name", "client_id"]);
    if !errors.is_empty() {
        return Err(ApiError { errors, ..ApiError::new(Problem::InvalidQuery) });
    }
    let found = repo::api_client::list(&state.db, page).await?;
    let items = found.items.into_iter().map(view).collect();
    Ok(HttpResponse::Ok().json(crate::extract::ListBody::<ClientView> {
        items,
        total: found.total,
        page: page.page,
        per_page: page.per_page,
    }))
}

/// 吊销接口客户端
///
/// 吊销接口客户端（市人社局）：其令牌自下一次请求起失效。
///
/// Revoke a machine client (bureau): its tokens stop working at their next request.
#[utoipa::path(operation_id = "revokeApiClient", tag = "integration", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, description = "Revoked", body = ClientView)))]
#[post("/api-clients/{id}/revoke")]
pub async fn revoke(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Bureau])?;
    repo::api_client::find(&state.db, *id).await?.ok_or_else(ApiError::not_found)?;
    let c = use_case::run(&state, caller.actor(), async |change| {
        use_case::integration::revoke(change, *id).await
    })
    .await?;
    Ok(HttpResponse::Ok().json(view(c)))
}

/// A client-credentials token request (RFC 6749 §4.4), as a form or JSON. The id and secret may
/// instead come in an HTTP Basic `Authorization` header.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClientCredentials {
    /// `client_credentials`.
    #[schema(example = "client_credentials")]
    pub grant_type: String,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    /// Space-separated scopes to ask for (a subset of the client's; all of them when absent).
    pub scope: Option<String>,
}

fn invalid_client() -> ApiError {
    ApiError::new(Problem::InvalidClient)
}

fn basic(req: &HttpRequest) -> Option<(String, String)> {
    use base64::Engine as _;
    let v = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, b64) = v.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let text = String::from_utf8(base64::engine::general_purpose::STANDARD.decode(b64.trim()).ok()?).ok()?;
    let (id, secret) = text.split_once(':')?;
    Some((id.to_owned(), secret.to_owned()))
}

/// 获取访问令牌（客户端凭证）
///
/// 为接口客户端签发访问令牌（授权类型 client_credentials），权限以其范围为限。
///
/// A token for a machine client (grant type `client_credentials`), limited to its scopes. Send
/// the form `grant_type=client_credentials&client_id=…&client_secret=…` (or the same as JSON, or
/// the id and secret as HTTP Basic). An unknown, revoked or wrong client gets 401
/// `invalid_client`.
#[utoipa::path(operation_id = "requestToken", tag = "auth",
    request_body(content((ClientCredentials = "application/x-www-form-urlencoded"), (ClientCredentials = "application/json"))),
    responses((status = 200, description = "A token", body = TokenResponse),
        (status = 401, description = "Unknown, revoked or wrong client", body = crate::error::ProblemBody, content_type = "application/problem+json"),
        (status = 429, description = "Too many wrong secrets from this address: wait Retry-After seconds", body = crate::error::ProblemBody, content_type = "application/problem+json")))]
#[post("/auth/token")]
pub async fn token(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let content_type = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let form: ClientCredentials = if content_type.starts_with("application/x-www-form-urlencoded") {
        serde_urlencoded::from_bytes(&body).map_err(|_| ApiError::new(Problem::BadRequest))?
    } else if content_type.starts_with("application/json") {
        serde_json::from_slice(&body).map_err(|_| ApiError::new(Problem::BadRequest))?
    } else {
        return Err(ApiError::new(Problem::UnsupportedMediaType)
            .with("expected", "application/x-www-form-urlencoded, application/json"));
    };
    if form.grant_type != "client_credentials" {
        return Err(ApiError::validation(vec![
            FieldError::new("grant_type", Rule::NotOneOf).with("allowed", "client_credentials"),
        ]));
    }
    let (id, secret) = match (form.client_id.clone(), form.client_secret.clone(), basic(&req)) {
        (Some(i), Some(s), _) => (i, s),
        (_, _, Some(pair)) => pair,
        _ => return Err(invalid_client()),
    };
    // Wrong secrets slow down the address they come from, as failed sign-ins do.
    let attempt = throttle::Attempt::new("client", &id, ClientAddress::of(&req));
    throttle::check(&state.db, &attempt, state.clock.now()).await?;
    let usable = id.len() <= 64 && !id.contains('\0') && !secret.contains('\0');
    let client = if usable { repo::api_client::by_client_id(&state.db, &id).await? } else { None };
    let client = client
        .filter(|c| c.revoked_at.is_none())
        .filter(|c| constant_time_eq(&sha256_hex(&secret), &c.secret_hash));
    let Some(client) = client else {
        use_case::run(&state, persistence::repo::audit::Actor::nobody(), async |change| {
            use_case::integration::refused_token(change, &attempt).await
        })
        .await?;
        return Err(invalid_client());
    };
    let held: Vec<String> = serde_json::from_value(client.scopes.clone()).unwrap_or_default();
    let asked: Vec<String> = match &form.scope {
        Some(s) => s.split_whitespace().map(str::to_owned).collect(),
        None => held.clone(),
    };
    if asked.is_empty() || asked.iter().any(|s| !held.contains(s)) {
        return Err(ApiError::validation(vec![
            FieldError::new("scope", Rule::NotOneOf).with("allowed", held.join(" ")),
        ]));
    }
    let scope = asked.join(" ");
    let now = state.clock.now();
    use_case::run(&state, persistence::repo::audit::Actor::nobody(), async |change| {
        use_case::integration::granted_token(change, &attempt, &client, &scope).await
    })
    .await?;
    let issued = state.tokens.issue_client(client.id, &scope, now);
    Ok(HttpResponse::Ok().insert_header(("Cache-Control", "no-store")).json(TokenResponse {
        access_token: issued.token,
        token_type: "Bearer",
        expires_in: issued.expires_in,
        scope: Some(scope),
    }))
}
