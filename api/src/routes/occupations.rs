//! The occupation catalogue (职业分类大典 2022), work types and the access-type list (R3).

use crate::auth::Caller;
use crate::context::RequestContext;
use crate::error::{ApiError, FieldError};
use crate::extract::{ApiJson, ApiQuery, ListBody, Pagination};
use crate::i18n::{Problem, Rule};
use crate::state::AppState;
use crate::use_case;
use crate::validate::{self, Errors};
pub use crate::views::occupation::{AccessTypeView, OccupationView, access_view, occupation_etag, views};
use actix_web::{HttpRequest, HttpResponse, get, post, put, web};
use domain::Role;
use domain::occupation::OccupationCode;
use persistence::repo;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

/// Fields a list here can be sorted by (`sort`).
const SORTABLE: &[&str] = &["code", "name"];

/// Search parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct OccupationQuery {
    /// Start of a code (`6-18`) or part of a name (`车工`).
    pub q: Option<String>,
    /// Only this major group (1–8).
    pub major_group: Option<i32>,
    #[param(minimum = 1, maximum = 100000)]
    pub page: Option<u64>,
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<u64>,
    /// Sort by `code`, `name` (`-` first for descending, e.g. `-code`).
    pub sort: Option<String>,
}

/// 查询职业
///
/// 按代码或名称查询职业分类目录（公开：即国家职业分类）。
///
/// Search the occupation catalogue by code or name (public: it is the national classification).
#[utoipa::path(
    operation_id = "searchOccupations",
    tag = "occupations",
    params(OccupationQuery),
    responses((status = 200, description = "A page of occupations", body = ListBody<OccupationView>))
)]
#[get("/occupations")]
pub async fn search(
    state: web::Data<AppState>,
    ctx: RequestContext,
    query: ApiQuery<OccupationQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.0;
    let mut errors = Vec::new();
    let page =
        Pagination { page: q.page, per_page: q.per_page, sort: q.sort.clone() }.check(&mut errors, SORTABLE);
    let text = q.q.as_deref().map(str::trim).filter(|t| !t.is_empty());
    if text.is_some_and(|t| t.chars().count() > 50 || t.chars().any(char::is_control)) {
        errors.push(FieldError::new("q", Rule::TooLong).with("max", 50));
    }
    if q.major_group.is_some_and(|g| !(1..=8).contains(&g)) {
        errors.push(FieldError::new("major_group", Rule::OutOfRange).with("min", 1).with("max", 8));
    }
    if !errors.is_empty() {
        return Err(ApiError { errors, ..ApiError::new(Problem::InvalidQuery) });
    }
    let found = repo::occupation::search(&state.db, text, q.major_group, page).await?;
    let items = views(&state.db, found.items, ctx.lang).await?;
    Ok(HttpResponse::Ok().json(ListBody {
        items,
        total: found.total,
        page: page.page,
        per_page: page.per_page,
    }))
}

/// 查询职业详情
///
/// 查询一个职业。
///
/// One occupation.
#[utoipa::path(
    operation_id = "getOccupation",
    tag = "occupations",
    params(("code" = String, Path, example = "6-18-01-01")),
    responses((status = 200, description = "The occupation", body = OccupationView))
)]
#[get("/occupations/{code}")]
pub async fn get(
    state: web::Data<AppState>,
    ctx: RequestContext,
    code: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let o = repo::occupation::find(&state.db, &code).await?.ok_or_else(ApiError::not_found)?;
    let etag = occupation_etag(&state.db, &o).await?;
    let mut v = views(&state.db, vec![o], ctx.lang).await?;
    Ok(HttpResponse::Ok().insert_header(("ETag", etag)).json(v.pop()))
}

/// A work type to add.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct NewWorkType {
    #[schema(example = "数控车工")]
    #[validate(custom(function = "validate::line::<50>"))]
    pub name: String,
}

/// 新增工种
///
/// 为职业新增工种（市人社局）。
///
/// Add a work type (工种) to an occupation (bureau).
#[utoipa::path(
    operation_id = "addWorkType",
    tag = "occupations",
    security(("bearer" = [])),
    params(("code" = String, Path, example = "6-18-01-01")),
    request_body = NewWorkType,
    responses(
        (status = 201, description = "Added; the occupation", body = OccupationView),
        (status = 409, description = "Already there", body = crate::error::ProblemBody, content_type = "application/problem+json"),
    )
)]
#[post("/occupations/{code}/work-types")]
pub async fn add_work_type(
    state: web::Data<AppState>,
    caller: Caller,
    ctx: RequestContext,
    code: web::Path<String>,
    body: ApiJson<NewWorkType>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Bureau])?;
    let o = repo::occupation::find(&state.db, &code).await?.ok_or_else(ApiError::not_found)?;
    let name = validate::trimmed(&body.valid()?.name);
    let o = use_case::run(&state, caller.actor(), async |change| {
        use_case::occupations::add_work_type(change, o, name).await
    })
    .await?;
    let mut v = views(&state.db, vec![o], ctx.lang).await?;
    Ok(HttpResponse::Created().json(v.pop()))
}

/// Whether an occupation is access-type.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct AccessTypeChange {
    /// `true` marks the occupation as a confirmed access-type (准入类) qualification, which blocks
    /// filings for it (R3); `false` clears the mark.
    pub access_type: bool,
    /// Where this comes from (required when marking), e.g. 《国家职业资格目录（2021年版）》.
    #[validate(custom(function = "validate::line::<500>"))]
    pub source: Option<String>,
}

/// 设置准入类职业
///
/// 标记或取消准入类职业（市人社局）；须以 If-Match 提交职业的 ETag。
///
/// Mark or unmark an occupation as access-type (bureau); needs `If-Match` with the occupation's
/// ETag.
#[utoipa::path(
    operation_id = "setAccessType",
    tag = "occupations",
    security(("bearer" = [])),
    params(("code" = String, Path, example = "4-07-05-01"), ("If-Match" = String, Header, description = "The occupation's ETag")),
    request_body = AccessTypeChange,
    responses((status = 200, description = "The occupation", body = OccupationView))
)]
#[put("/occupations/{code}/access-type")]
pub async fn set_access_type(
    state: web::Data<AppState>,
    caller: Caller,
    ctx: RequestContext,
    req: actix_web::HttpRequest,
    code: web::Path<String>,
    body: ApiJson<AccessTypeChange>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Bureau])?;
    let o = repo::occupation::find(&state.db, &code).await?.ok_or_else(ApiError::not_found)?;
    crate::precondition::check_if_match(&req, &occupation_etag(&state.db, &o).await?)?;
    let (change, mut errors) = body.with_violations();
    let checked_etag = occupation_etag(&state.db, &o).await?;
    let source = validate::trimmed_opt(&change.source);
    if source.is_none() && change.access_type {
        errors.push(FieldError::new("source", Rule::Required));
    }
    errors.finish()?;
    let marked = change.access_type;
    let o = use_case::run(&state, caller.actor(), async |c| {
        use_case::occupations::set_access_type(c, o, &checked_etag, marked, source).await
    })
    .await?;
    let mut v = views(&state.db, vec![o], ctx.lang).await?;
    Ok(HttpResponse::Ok().json(v.pop()))
}

/// 查询准入类职业目录
///
/// 准入类职业目录及每条的核实状态。
///
/// The access-type (准入类) list with the verification status of each entry.
#[utoipa::path(operation_id = "listAccessTypes", tag = "occupations", responses((status = 200, description = "All entries", body = Vec<AccessTypeView>)))]
#[get("/access-types")]
pub async fn access_types(state: web::Data<AppState>, ctx: RequestContext) -> Result<HttpResponse, ApiError> {
    let rows = repo::occupation::access_types(&state.db).await?;
    Ok(HttpResponse::Ok().json(rows.into_iter().map(|e| access_view(e, ctx.lang)).collect::<Vec<_>>()))
}

/// What an import changed.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportResult {
    pub added: u64,
    pub renamed: u64,
    pub unchanged: u64,
}

/// 导入职业分类
///
/// 导入职业分类目录的更新（市人社局）：请求体为 CSV（text/csv，UTF-8）。
///
/// Import catalogue updates (bureau): a CSV body (`text/csv`, UTF-8) with the header
/// `code,name,work_type,major_group`, as in `data/reference/occupations.csv`. New codes are added,
/// changed names updated; nothing is deleted. A `work_type` value adds that work type. Every bad
/// row is reported at once and nothing is written.
#[utoipa::path(
    operation_id = "importOccupations",
    tag = "occupations",
    security(("bearer" = [])),
    request_body(content = String, content_type = "text/csv"),
    responses((status = 200, description = "Imported", body = ImportResult))
)]
#[post("/occupations/import")]
pub async fn import(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Bureau])?;
    let is_csv = req
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/csv"));
    if !is_csv {
        return Err(ApiError::new(Problem::UnsupportedMediaType).with("expected", "text/csv"));
    }
    let text = std::str::from_utf8(&body).map_err(|_| ApiError::new(Problem::BadRequest))?;
    let rows = repo::occupation::parse_occupations(text).map_err(|_| ApiError::new(Problem::BadRequest))?;
    let mut errors = Errors::default();
    for (i, r) in rows.iter().enumerate() {
        if OccupationCode::parse(&r.code).is_none_or(|c| i32::from(c.major_group()) != r.major_group) {
            errors.push(FieldError::new(format!("rows[{i}].code"), Rule::InvalidOccupationCode));
        }
        errors.check(&format!("rows[{i}].name"), validate::line::<100>(&r.name));
        errors.check(&format!("rows[{i}].work_type"), validate::line_or_blank::<50>(&r.work_type));
    }
    errors.finish()?;
    let (added, renamed, unchanged) = use_case::run(&state, caller.actor(), async |change| {
        use_case::occupations::import(change, &rows).await
    })
    .await?;
    Ok(HttpResponse::Ok().json(ImportResult { added, renamed, unchanged }))
}
