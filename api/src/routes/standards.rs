//! Basis standards: national occupational skill standards and filed industry/enterprise
//! evaluation norms (R5, R6).

use crate::auth::Caller;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiQuery};
use crate::i18n::Lang;
use crate::state::AppState;
use crate::use_case;
use crate::use_case::standards::{self, NewStandard, StandardCorrection};
use crate::views::standard::{StandardView, full, view};
use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use domain::Role;
use persistence::repo;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

/// 登记标准规范
///
/// 登记国家职业技能标准或已备案的评价规范（市人社局；学校登记其自行开发并备案的评价规范）。
///
/// Register a standard or a filed evaluation norm (bureau; schools register the norms they have
/// developed and filed). A second norm for the same occupation and level is refused (409) unless
/// the bureau gives an `override_reason` (R6).
#[utoipa::path(
    operation_id = "registerStandard",
    tag = "standards",
    security(("bearer" = [])),
    request_body = NewStandard,
    responses(
        (status = 201, description = "Registered", body = StandardView),
        (status = 409, description = "A norm already exists (R6)", body = crate::error::ProblemBody, content_type = "application/problem+json"),
    )
)]
#[post("/standards")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    lang: Lang,
    body: ApiJson<NewStandard>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Bureau, Role::School])?;
    let (body, found) = body.with_violations();
    if body.override_reason.is_some() && caller.role != Role::Bureau {
        return Err(ApiError::forbidden());
    }
    let (saved, levels) =
        use_case::run(&state, caller.actor(), async |c| standards::register(c, &body, found).await).await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/standards/{}", saved.id)))
        .json(view(saved, levels, lang)))
}

/// Filter for standards.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct StandardQuery {
    /// Only standards of this occupation.
    pub occupation_code: Option<String>,
    #[param(minimum = 1, maximum = 100000)]
    pub page: Option<u64>,
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<u64>,
    /// Sort by `occupation_code`, `title`, `created_at` (`-` first for descending, e.g. `-created_at`).
    pub sort: Option<String>,
}

/// 查询标准规范
///
/// 已登记的标准规范（公开的参考数据）。
///
/// Registered standards (public reference data).
#[utoipa::path(operation_id = "listStandards", tag = "standards", params(StandardQuery), responses((status = 200, description = "A page of standards", body = crate::extract::ListBody<StandardView>)))]
#[get("/standards")]
pub async fn list(
    state: web::Data<AppState>,
    lang: Lang,
    query: ApiQuery<StandardQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.0;
    let mut errors = Vec::new();
    let page = crate::extract::Pagination { page: q.page, per_page: q.per_page, sort: q.sort.clone() }
        .check(&mut errors, &["occupation_code", "title", "created_at"]);
    if !errors.is_empty() {
        return Err(ApiError { errors, ..ApiError::new(crate::i18n::Problem::InvalidQuery) });
    }
    let found = repo::standard::list(&state.db, q.occupation_code.as_deref(), page).await?;
    let items = found.items.into_iter().map(|(s, l)| view(s, l, lang)).collect();
    Ok(HttpResponse::Ok().json(crate::extract::ListBody::<StandardView> {
        items,
        total: found.total,
        page: page.page,
        per_page: page.per_page,
    }))
}

/// 查询标准规范详情
///
/// 查询一项标准规范，以及以其为依据的评价机构。
///
/// One standard, with the institutions whose scope names it as a basis.
#[utoipa::path(operation_id = "getStandard", tag = "standards", params(("id" = Uuid, Path)), responses((status = 200, description = "The standard", body = StandardView)))]
#[get("/standards/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    lang: Lang,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let (s, levels) = repo::standard::find(&state.db, *id).await?.ok_or_else(ApiError::not_found)?;
    let tag = standards::etag(&s);
    Ok(HttpResponse::Ok().insert_header(("ETag", tag)).json(full(&state.db, s, levels, lang).await?))
}

/// 更正标准规范
///
/// 更正一项标准规范的名称，以及评价规范的备案文号和备案日期（市人社局），须带 `If-Match`。未给出的字段不变。
/// 职业、类别和等级是备案和批次计划的依据，不能更正：登记有误的，撤销后重新登记。
///
/// Correct a standard's title, and an evaluation norm's filing reference and date (bureau), with
/// `If-Match`; a field left out stays. The occupation, kind and levels are what filings and plans
/// were decided on and cannot be corrected: withdraw a standard registered with the wrong ones and
/// register it again. The audit event (`standard.corrected`) names each change with its old value.
#[utoipa::path(operation_id = "correctStandard", tag = "standards", security(("bearer" = [])),
    params(("id" = Uuid, Path), ("If-Match" = String, Header, description = "The standard's ETag")), request_body = StandardCorrection,
    responses((status = 200, description = "The corrected standard", body = StandardView, headers(("ETag" = String, description = "Its new version"))),
        (status = 412, description = "Stale If-Match", body = crate::error::ProblemBody, content_type = "application/problem+json"),
        (status = 422, description = "A field of the wrong form, or a filing for a national standard", body = crate::error::ProblemBody, content_type = "application/problem+json"),
        (status = 428, description = "Missing If-Match", body = crate::error::ProblemBody, content_type = "application/problem+json")))]
#[patch("/standards/{id}")]
pub async fn correct(
    state: web::Data<AppState>,
    caller: Caller,
    lang: Lang,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: ApiJson<StandardCorrection>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Bureau])?;
    let if_match = crate::precondition::if_match(&req);
    let (c, found) = body.with_violations();
    let s = use_case::run(&state, caller.actor(), async |change| {
        standards::correct(change, *id, if_match.as_deref(), &c, found).await
    })
    .await?;
    let (s, levels) = repo::standard::find(&state.db, s.id).await?.ok_or_else(ApiError::not_found)?;
    let tag = standards::etag(&s);
    Ok(HttpResponse::Ok().insert_header(("ETag", tag)).json(full(&state.db, s, levels, lang).await?))
}

/// Why a standard is withdrawn.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct WithdrawStandard {
    #[validate(custom(function = "crate::validate::lines::<2000>"))]
    pub reason: String,
}

/// 撤销标准规范
///
/// 撤销一项标准规范并说明理由（市人社局）。撤销后保留备查，并列出以其为依据的评价机构；新的备案申请和
/// 批次计划不能再以其为依据；撤销的评价规范不再占用该职业和等级（R6）。
///
/// Withdraw a standard or norm with a reason (bureau). It stays on record, with the institutions
/// whose scope names it; no new filing or plan may name it (`standard_withdrawn`), and a withdrawn
/// norm no longer counts as the one of its occupation and level (R6).
#[utoipa::path(operation_id = "withdrawStandard", tag = "standards", security(("bearer" = [])), params(("id" = Uuid, Path)),
    request_body = WithdrawStandard,
    responses((status = 200, description = "Withdrawn", body = StandardView),
        (status = 409, description = "Withdrawn already", body = crate::error::ProblemBody, content_type = "application/problem+json")))]
#[post("/standards/{id}/withdraw")]
pub async fn withdraw(
    state: web::Data<AppState>,
    caller: Caller,
    lang: Lang,
    id: web::Path<Uuid>,
    body: ApiJson<WithdrawStandard>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Bureau])?;
    let reason = crate::validate::trimmed(&body.valid()?.reason);
    let s =
        use_case::run(&state, caller.actor(), async |c| standards::withdraw(c, *id, &reason).await).await?;
    let (s, levels) = repo::standard::find(&state.db, s.id).await?.ok_or_else(ApiError::not_found)?;
    let tag = standards::etag(&s);
    Ok(HttpResponse::Ok().insert_header(("ETag", tag)).json(full(&state.db, s, levels, lang).await?))
}
