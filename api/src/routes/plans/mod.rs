//! Batch plans (计划报备, notice 四(一)): occupations and levels within the institution's scope
//! and validity (R15), sessions with examiners from its roster and supervisors (R18), the
//! assessment method, candidates; filed with the centre at least 10 working days ahead (R17).

pub mod candidates;
pub mod results;
pub mod roster;

use crate::auth::Caller;
use crate::error::{ApiError, FieldError};
use crate::extract::{ApiJson, ApiQuery, ListBody, Pagination};
use crate::i18n::{Lang, Problem, Rule};
use crate::state::AppState;
use crate::use_case::{self, plans};
use crate::views::plan::{PlanBody, PlanView, etag, load, view};
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, put, web};
use domain::Role;
use domain::plan::PlanStatus;
use persistence::entity::plan;
use persistence::repo;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

/// The plan as a change left it.
async fn respond(state: &AppState, saved: plan::Model, lang: Lang) -> Result<PlanView, ApiError> {
    let i =
        repo::institution::find(&state.db, saved.institution_id).await?.ok_or_else(ApiError::not_found)?;
    view(&state.db, saved, &i, lang).await
}

/// Fields a list here can be sorted by (`sort`).
const SORTABLE: &[&str] = &["created_at", "title", "filed_on", "status"];

/// 创建批次计划
///
/// 为调用者本校的评价机构创建批次计划（学校账号；不得代他人报备，R16）。学校没有已备案的机构时回答
/// 404。
///
/// Create a plan for the caller's own institution (school account; no one acts for another, R16).
/// A school without a filed institution gets 404.
#[utoipa::path(operation_id = "createPlan", tag = "plans", security(("bearer" = [])), request_body = PlanBody,
    responses((status = 201, description = "A new draft", body = PlanView),
        (status = 404, description = "The school has no evaluation institution", body = crate::error::ProblemBody, content_type = "application/problem+json")))]
#[post("/plans")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    lang: Lang,
    body: ApiJson<PlanBody>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::School])?;
    let school_id = caller.user.school_id.ok_or_else(ApiError::forbidden)?;
    let (body, found) = body.with_violations();
    let saved =
        use_case::run(&state, caller.actor(), async |c| plans::create(c, school_id, &body, found).await)
            .await?;
    let v = respond(&state, saved, lang).await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/plans/{}", v.id)))
        .insert_header((header::ETAG, etag(v.version)))
        .json(v))
}

/// 修改批次计划
///
/// 修改批次计划（所属机构；须提交 If-Match）。草稿或退回状态下可改任何内容；已报备或已确认的计划，
/// 改动的考场须重新报备（适用 R17）。
///
/// Change a plan (its institution; `If-Match` required). While draft or returned anything may
/// change. On a filed or acknowledged plan the changed sessions are filed again: each must be at
/// least 10 working days after today (R17), and the plan goes back to `filed` for the centre.
#[utoipa::path(operation_id = "updatePlan", tag = "plans", security(("bearer" = [])),
    params(("id" = Uuid, Path), ("If-Match" = String, Header, description = "The plan's ETag")),
    request_body = PlanBody,
    responses((status = 200, description = "Changed", body = PlanView),
        (status = 412, description = "Stale If-Match", body = crate::error::ProblemBody, content_type = "application/problem+json"),
        (status = 428, description = "Missing If-Match", body = crate::error::ProblemBody, content_type = "application/problem+json")))]
#[put("/plans/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    caller: Caller,
    lang: Lang,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: ApiJson<PlanBody>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::School])?;
    let (p, _) = load(&state.db, &caller, *id).await?;
    let if_match = crate::precondition::if_match(&req);
    let Some(if_match) = if_match else { return Err(ApiError::new(Problem::PreconditionRequired)) };
    let (body, found) = body.with_violations();
    let saved = use_case::run(&state, caller.actor(), async |c| {
        plans::change(c, p.id, &if_match, &body, found).await
    })
    .await?;
    let v = respond(&state, saved, lang).await?;
    Ok(HttpResponse::Ok().insert_header((header::ETAG, etag(v.version))).json(v))
}

/// Filters for plans.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PlanQuery {
    /// `draft`, `filed`, `returned` or `acknowledged`.
    pub status: Option<String>,
    #[param(minimum = 1, maximum = 100000)]
    pub page: Option<u64>,
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<u64>,
    /// Sort by `created_at`, `title`, `filed_on`, `status` (`-` first for descending, e.g. `-created_at`).
    pub sort: Option<String>,
}

/// 查询批次计划
///
/// 调用者可见的批次计划：评价机构可见本机构的（R16），区县可见本区县的（R38），鉴定中心和市人社局可
/// 见全部。
///
/// Plans the caller may see: an institution its own (R16), a district its district's (R38),
/// centre and bureau all.
#[utoipa::path(operation_id = "listPlans", tag = "plans", security(("bearer" = [])), params(PlanQuery),
    responses((status = 200, description = "A page of plans", body = ListBody<PlanView>)))]
#[get("/plans")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    lang: Lang,
    query: ApiQuery<PlanQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Bureau, Role::Centre, Role::District, Role::School])?;
    let q = query.0;
    let mut errors = Vec::new();
    let page =
        Pagination { page: q.page, per_page: q.per_page, sort: q.sort.clone() }.check(&mut errors, SORTABLE);
    if q.status.as_deref().is_some_and(|s| PlanStatus::from_code(s).is_none()) {
        errors.push(
            FieldError::new("status", Rule::NotOneOf)
                .with("allowed", "draft, filed, returned, acknowledged, cancelled"),
        );
    }
    if !errors.is_empty() {
        return Err(ApiError { errors, ..ApiError::new(Problem::InvalidQuery) });
    }
    let institution_ids = match caller.role {
        Role::School => Some(
            repo::institution::list(
                &state.db,
                &repo::institution::Filter { school_id: caller.user.school_id, ..Default::default() },
                all(),
            )
            .await?
            .items
            .into_iter()
            .map(|i| i.id)
            .collect(),
        ),
        Role::District => Some(
            repo::institution::list(
                &state.db,
                &repo::institution::Filter {
                    district_code: caller.user.district_code.clone(),
                    ..Default::default()
                },
                all(),
            )
            .await?
            .items
            .into_iter()
            .map(|i| i.id)
            .collect(),
        ),
        _ => None,
    };
    let found =
        repo::plan::list(&state.db, &repo::plan::Filter { institution_ids, status: q.status }, page).await?;
    let mut items = Vec::new();
    for p in found.items {
        let i = repo::institution::find(&state.db, p.institution_id)
            .await?
            .ok_or_else(|| ApiError::internal("plan without institution"))?;
        items.push(view(&state.db, p, &i, lang).await?);
    }
    Ok(HttpResponse::Ok().json(ListBody {
        items,
        total: found.total,
        page: page.page,
        per_page: page.per_page,
    }))
}

fn all() -> repo::PageRequest {
    repo::PageRequest { page: 1, per_page: 100_000, sort: None }
}

/// 查询批次计划详情
///
/// 查询一个批次计划。
///
/// One plan.
#[utoipa::path(operation_id = "getPlan", tag = "plans", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, description = "The plan", body = PlanView, headers(("ETag" = String, description = "Its version")))))]
#[get("/plans/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    lang: Lang,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let (p, i) = load(&state.db, &caller, *id).await?;
    let v = view(&state.db, p, &i, lang).await?;
    Ok(HttpResponse::Ok().insert_header((header::ETAG, etag(v.version))).json(v))
}

/// 报备批次计划
///
/// 向鉴定中心报备批次计划（所属机构）。机构过期、暂停或注销时（R12），或内容不全时（R18），不予报备
/// 。
///
/// File the plan with the centre (its institution). Refused when the institution is expired,
/// suspended or cancelled (R12), when contents are missing (R18: occupations, sessions with
/// examiners and supervisors, method, candidates), or when a session is sooner than 10 working
/// days after today (R17; the answer gives the earliest allowed date).
#[utoipa::path(operation_id = "filePlan", tag = "plans", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, description = "Filed", body = PlanView),
        (status = 409, description = "Wrong status or institution not active", body = crate::error::ProblemBody, content_type = "application/problem+json")))]
#[post("/plans/{id}/file")]
pub async fn file(
    state: web::Data<AppState>,
    caller: Caller,
    lang: Lang,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::School])?;
    let (p, _) = load(&state.db, &caller, *id).await?;
    let saved = use_case::run(&state, caller.actor(), async |c| plans::file(c, p.id).await).await?;
    let v = respond(&state, saved, lang).await?;
    Ok(HttpResponse::Ok().insert_header((header::ETAG, etag(v.version))).json(v))
}

/// The centre's answer to a filed plan.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct ReturnPlan {
    #[validate(custom(function = "crate::validate::lines::<2000>"))]
    pub reasons: String,
}

/// 确认批次计划备案
///
/// 确认已报备的批次计划（鉴定中心）。
///
/// Acknowledge a filed plan (centre).
#[utoipa::path(operation_id = "acknowledgePlan", tag = "plans", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, description = "Acknowledged", body = PlanView),
        (status = 409, description = "Not filed", body = crate::error::ProblemBody, content_type = "application/problem+json")))]
#[post("/plans/{id}/acknowledge")]
pub async fn acknowledge(
    state: web::Data<AppState>,
    caller: Caller,
    lang: Lang,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Centre])?;
    load(&state.db, &caller, *id).await?;
    let saved = use_case::run(&state, caller.actor(), async |c| plans::acknowledge(c, *id).await).await?;
    Ok(HttpResponse::Ok().json(respond(&state, saved, lang).await?))
}

/// 退回批次计划
///
/// 退回已报备的批次计划并说明理由（鉴定中心）。
///
/// Return a filed plan to the institution with reasons (centre).
#[utoipa::path(operation_id = "returnPlan", tag = "plans", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = ReturnPlan,
    responses((status = 200, description = "Returned", body = PlanView),
        (status = 409, description = "Not filed", body = crate::error::ProblemBody, content_type = "application/problem+json")))]
#[post("/plans/{id}/return")]
pub async fn return_plan(
    state: web::Data<AppState>,
    caller: Caller,
    lang: Lang,
    id: web::Path<Uuid>,
    body: ApiJson<ReturnPlan>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Centre])?;
    load(&state.db, &caller, *id).await?;
    let reasons = crate::validate::trimmed(&body.valid()?.reasons);
    let saved =
        use_case::run(&state, caller.actor(), async |c| plans::return_plan(c, *id, &reasons).await).await?;
    Ok(HttpResponse::Ok().json(respond(&state, saved, lang).await?))
}

/// Why a plan is called off.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct CancelPlan {
    #[validate(custom(function = "crate::validate::lines::<2000>"))]
    pub reason: String,
}

/// 取消批次计划
///
/// 取消批次计划并说明理由：本机构在首场考核前一日之前可以取消，此后只有鉴定中心可以取消（颁发证书后
/// 不能取消）。计划及其考生、成绩保留备查，此后不再进行任何操作。
///
/// Cancel a plan with a reason: its school until the day before the first session, the centre
/// after that, until a certificate is issued from it. The plan stays on record with its
/// candidates and results; nothing more happens to it (409 `wrong_status` for every later step).
#[utoipa::path(operation_id = "cancelPlan", tag = "plans", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = CancelPlan,
    responses((status = 200, description = "Cancelled", body = PlanView),
        (status = 409, description = "Cancelled already, under way (school), or certificates issued", body = crate::error::ProblemBody, content_type = "application/problem+json")))]
#[post("/plans/{id}/cancel")]
pub async fn cancel(
    state: web::Data<AppState>,
    caller: Caller,
    lang: Lang,
    id: web::Path<Uuid>,
    body: ApiJson<CancelPlan>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::School, Role::Centre])?;
    load(&state.db, &caller, *id).await?;
    let reason = crate::validate::trimmed(&body.valid()?.reason);
    let by_centre = caller.role == Role::Centre;
    let saved =
        use_case::run(&state, caller.actor(), async |c| plans::cancel(c, *id, by_centre, &reason).await)
            .await?;
    let v = respond(&state, saved, lang).await?;
    Ok(HttpResponse::Ok().insert_header((header::ETAG, etag(v.version))).json(v))
}
