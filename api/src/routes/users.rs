//! User accounts, managed by the bureau.

use crate::auth::{Caller, password};
use crate::context::RequestContext;
use crate::error::{ApiError, FieldError};
use crate::extract::{ApiJson, ApiQuery, ListBody, Pagination};
use crate::i18n::{self, Lang, Name, Problem, Rule};
use crate::state::AppState;
use crate::use_case;
use crate::validate::{self, Errors};
pub use crate::views::user::UserView;
use crate::views::user::etag;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use domain::Role;
use domain::role::RoleBinding;
use persistence::Database;
use persistence::repo;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

/// Fields a list here can be sorted by (`sort`).
const SORTABLE: &[&str] = &["username", "role", "created_at"];

/// A new account.
#[derive(Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct NewUserRequest {
    /// 3–64 characters: lower-case letters, digits, `.`, `-`, `_`.
    #[schema(example = "li.lei")]
    #[validate(custom(function = "validate::username"))]
    pub username: String,
    #[schema(example = "李雷")]
    #[validate(custom(function = "validate::line::<100>"))]
    pub display_name: String,
    /// `bureau`, `centre`, `district` or `expert`. School accounts are created with their school.
    #[schema(value_type = crate::schemas::RoleCodeSchema, example = "district")]
    pub role: String,
    /// Required for `district`, refused for the other roles.
    #[schema(example = "500157")]
    pub district_code: Option<String>,
    /// 12–128 characters.
    #[schema(format = Password, example = "a-long-initial-password")]
    #[validate(custom(function = "validate::password"))]
    pub password: String,
}

/// Checks role and district binding together.
async fn check_binding(
    db: &Database,
    errors: &mut Errors,
    role_text: &str,
    district_code: Option<&str>,
    lang: Lang,
) -> Result<Option<(Role, Option<String>)>, ApiError> {
    let Some(role) = Role::from_code(role_text) else {
        errors.push(
            FieldError::new("role", Rule::NotOneOf).with("allowed", "bureau, centre, district, expert"),
        );
        return Ok(None);
    };
    match (role.binding(), district_code) {
        (RoleBinding::School, _) => {
            errors.push(FieldError::new("role", Rule::SchoolAccountViaSchool));
            Ok(None)
        }
        (RoleBinding::District, None) => {
            errors.push(FieldError::new("district_code", Rule::DistrictRequired));
            Ok(None)
        }
        (RoleBinding::District, Some(code)) => match repo::district::find(db, code).await? {
            None => {
                errors.push(FieldError::new("district_code", Rule::DistrictUnknown).with("code", code));
                Ok(None)
            }
            Some(d) if d.abolished_on.is_some() => {
                errors.push(
                    FieldError::new("district_code", Rule::DistrictAbolished)
                        .with("code", &d.code)
                        .with("name", &d.name)
                        .with("successor", d.successor_code.unwrap_or_default()),
                );
                Ok(None)
            }
            Some(d) => Ok(Some((role, Some(d.code)))),
        },
        (RoleBinding::None, Some(_)) => {
            errors.push(
                FieldError::new("district_code", Rule::DistrictNotAllowed)
                    .with("role", i18n::name(lang, Name::Role(role))),
            );
            Ok(None)
        }
        (RoleBinding::None, None) => Ok(Some((role, None))),
    }
}

/// 创建用户
///
/// 创建账号（仅市人社局）。
///
/// Create an account (bureau only).
#[utoipa::path(
    operation_id = "createUser",
    tag = "users",
    security(("bearer" = [])),
    request_body = NewUserRequest,
    responses(
        (status = 201, description = "Created", body = UserView,
         headers(("Location" = String, description = "The new account"), ("ETag" = String, description = "Its version"))),
        (status = 409, description = "Username taken", body = crate::error::ProblemBody, content_type = "application/problem+json"),
    )
)]
#[post("/users")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    ctx: RequestContext,
    body: ApiJson<NewUserRequest>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Bureau])?;
    let (req, mut errors) = body.with_violations();
    let binding =
        check_binding(&state.db, &mut errors, &req.role, req.district_code.as_deref(), ctx.lang).await?;
    errors.finish()?;
    let Some((role, district_code)) = binding else {
        return Err(ApiError::internal("validation passed without values"));
    };
    let password_hash = password::hash(req.password).await?;
    let account = use_case::users::NewAccount {
        username: validate::username_of(&req.username),
        display_name: validate::trimmed(&req.display_name),
        role,
        district_code,
        school_id: None,
        password_hash,
    };
    let created =
        use_case::run(&state, caller.actor(), async |change| use_case::users::open(change, account).await)
            .await?;
    let view = UserView::load(&state.db, created, ctx.lang).await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/users/{}", view.id)))
        .insert_header((header::ETAG, etag(view.version)))
        .json(view))
}

/// Filters for the account list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct UserQuery {
    /// Only this role.
    pub role: Option<String>,
    /// Only accounts bound to this district.
    pub district_code: Option<String>,
    /// Only disabled (`true`) or enabled (`false`) accounts.
    pub disabled: Option<bool>,
    /// Part of the username or display name.
    pub q: Option<String>,
    #[param(minimum = 1, maximum = 100000)]
    pub page: Option<u64>,
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<u64>,
    /// Sort by `username`, `role`, `created_at` (`-` first for descending, e.g. `-username`).
    pub sort: Option<String>,
}

/// 查询用户
///
/// 查询账号（仅市人社局），按用户名排序。
///
/// List accounts (bureau only), by username.
#[utoipa::path(
    operation_id = "listUsers",
    tag = "users",
    security(("bearer" = [])),
    params(UserQuery),
    responses((status = 200, description = "A page of accounts", body = ListBody<UserView>))
)]
#[get("/users")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    ctx: RequestContext,
    query: ApiQuery<UserQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Bureau])?;
    let q = query.0;
    let mut errors = Vec::new();
    let page =
        Pagination { page: q.page, per_page: q.per_page, sort: q.sort.clone() }.check(&mut errors, SORTABLE);
    if let Some(role) = &q.role
        && Role::from_code(role).is_none()
    {
        errors.push(
            FieldError::new("role", Rule::NotOneOf)
                .with("allowed", "bureau, centre, district, school, expert"),
        );
    }
    let text = q.q.as_deref().map(|t| domain::text::single_line(t, 100));
    if let Some(Err(_)) = text {
        errors.push(FieldError::new("q", Rule::TooLong).with("max", 100));
    }
    if !errors.is_empty() {
        return Err(ApiError { errors, ..ApiError::new(Problem::InvalidQuery) });
    }
    let filter = repo::user::Filter {
        role: q.role,
        district_code: q.district_code,
        disabled: q.disabled,
        q: text.and_then(Result::ok).map(str::to_owned),
    };
    let found = repo::user::list(&state.db, &filter, page).await?;
    let mut items = Vec::with_capacity(found.items.len());
    for u in found.items {
        items.push(UserView::load(&state.db, u, ctx.lang).await?);
    }
    Ok(HttpResponse::Ok().json(ListBody {
        items,
        total: found.total,
        page: page.page,
        per_page: page.per_page,
    }))
}

/// 查询用户详情
///
/// 查询一个账号（市人社局或账号本人）。
///
/// One account (the bureau, or the account itself).
#[utoipa::path(
    operation_id = "getUser",
    tag = "users",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Account id")),
    responses((status = 200, description = "The account", body = UserView, headers(("ETag" = String, description = "Its version"))))
)]
#[get("/users/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    ctx: RequestContext,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    if caller.role != Role::Bureau && caller.id() != id {
        return Err(ApiError::not_found());
    }
    let u = repo::user::find(&state.db, id).await?.ok_or_else(ApiError::not_found)?;
    let view = UserView::load(&state.db, u, ctx.lang).await?;
    Ok(HttpResponse::Ok().insert_header((header::ETAG, etag(view.version))).json(view))
}

/// Changes to an account; absent fields stay as they are.
#[derive(Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct UpdateUserRequest {
    #[validate(custom(function = "validate::line::<100>"))]
    pub display_name: Option<String>,
    /// `true` disables the account (its tokens stop working at once); `false` re-enables it.
    pub disabled: Option<bool>,
    /// A new password (12–128 characters); ends the account's tokens and clears a lock.
    #[schema(format = Password)]
    #[validate(custom(function = "validate::password"))]
    pub password: Option<String>,
    /// A new role (not `school`).
    #[schema(value_type = Option<crate::schemas::RoleCodeSchema>)]
    pub role: Option<String>,
    /// The district binding; required when the resulting role is `district`.
    pub district_code: Option<String>,
}

/// 修改用户
///
/// 修改账号（仅市人社局）：改名、停用或启用、重置密码、变更角色绑定；须以 If-Match 提交账号的 ETag
/// 。
///
/// Change an account (bureau only): rename, disable or re-enable, reset the password, change the
/// role binding. Needs `If-Match` with the account's `ETag`.
#[utoipa::path(
    operation_id = "updateUser",
    tag = "users",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "Account id"),
        ("If-Match" = String, Header, description = "The ETag read from the account"),
    ),
    request_body = UpdateUserRequest,
    responses(
        (status = 200, description = "Changed", body = UserView, headers(("ETag" = String, description = "The new version"))),
        (status = 409, description = "Would disable or re-role oneself", body = crate::error::ProblemBody, content_type = "application/problem+json"),
        (status = 412, description = "Stale If-Match", body = crate::error::ProblemBody, content_type = "application/problem+json"),
        (status = 428, description = "Missing If-Match", body = crate::error::ProblemBody, content_type = "application/problem+json"),
    )
)]
#[patch("/users/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    caller: Caller,
    ctx: RequestContext,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: ApiJson<UpdateUserRequest>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Bureau])?;
    let id = id.into_inner();
    let existing = repo::user::find(&state.db, id).await?.ok_or_else(ApiError::not_found)?;
    let if_match = crate::precondition::if_match(&req);
    let Some(if_match) = if_match else { return Err(ApiError::new(Problem::PreconditionRequired)) };
    let (change, mut errors) = body.with_violations();
    let display_name = validate::trimmed_opt(&change.display_name);
    if existing.role == "school" && (change.role.is_some() || change.district_code.is_some()) {
        // A school account stays bound to its school; create another account instead.
        errors.push(FieldError::new("role", Rule::SchoolAccountViaSchool));
    }
    let binding = if existing.role == "school" {
        None
    } else if change.role.is_some() || change.district_code.is_some() {
        let role = change.role.clone().unwrap_or_else(|| existing.role.clone());
        let district = match (&change.district_code, change.role.is_some()) {
            (Some(d), _) => Some(d.clone()),
            // Keeping a district role without naming a district keeps the current one.
            (None, _) if role == "district" && existing.role == "district" => existing.district_code.clone(),
            (None, _) => None,
        };
        check_binding(&state.db, &mut errors, &role, district.as_deref(), ctx.lang).await?
    } else {
        None
    };
    if change.display_name.is_none()
        && change.disabled.is_none()
        && change.password.is_none()
        && change.role.is_none()
        && change.district_code.is_none()
    {
        errors.push(FieldError::new("body", Rule::NothingToChange));
    }
    errors.finish()?;

    let own = caller.id() == id;
    let role_changes = binding.as_ref().is_some_and(|(r, _)| r.code() != existing.role);
    if own && (change.disabled == Some(true) || role_changes) {
        return Err(ApiError::new(Problem::OwnAccount));
    }
    let hash = match change.password.clone() {
        Some(p) => Some(password::hash(p).await?),
        None => None,
    };

    let account = use_case::users::AccountChange {
        display_name,
        disabled: change.disabled,
        password_hash: hash,
        binding,
    };
    let saved = use_case::run(&state, caller.actor(), async |c| {
        use_case::users::change(c, id, &if_match, account).await
    })
    .await?;
    let view = UserView::load(&state.db, saved, ctx.lang).await?;
    Ok(HttpResponse::Ok().insert_header((header::ETAG, etag(view.version))).json(view))
}
