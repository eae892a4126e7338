//! The centre's registry of examiners, quality supervisors and experts (notice 五(一)), and the
//! quality supervisor it dispatches to each plan by a seeded draw (`docs/SUPERVISION.md`).

use crate::auth::Caller;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiQuery, ListBody, Pagination, query_errors};
use crate::state::AppState;
use crate::use_case;
use crate::use_case::personnel::{self, AddQualifications, NewPerson};
use crate::validate;
use crate::views::personnel::{PersonView, PlanSupervisorView, people, plan_supervisor};
use actix_web::{HttpResponse, get, post, web};
use domain::Role;
use persistence::repo;
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;
use validator::Validate;

/// 登记人员
///
/// 向鉴定中心的人员库登记考评人员、质量督导人员或专家及其资格（鉴定中心）。
///
/// Register an examiner, quality supervisor or expert with their qualifications (centre).
/// Filings and plans name examiners by certificate number; experts are linked to their `expert`
/// account. The ID number is never shown again in full.
#[utoipa::path(operation_id = "registerPerson", tag = "personnel", security(("bearer" = [])), request_body = NewPerson,
    responses((status = 201, description = "Registered", body = PersonView),
        (status = 409, description = "Certificate number, person or account registered already", body = crate::error::ProblemBody, content_type = "application/problem+json")))]
#[post("/personnel")]
pub async fn register(
    state: web::Data<AppState>,
    caller: Caller,
    body: ApiJson<NewPerson>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Centre])?;
    let (body, found) = body.with_violations();
    let m =
        use_case::run(&state, caller.actor(), async |c| personnel::register(c, &body, found).await).await?;
    let id = m.id;
    let v = people(&state.db, vec![m]).await?.pop().ok_or_else(ApiError::not_found)?;
    Ok(HttpResponse::Created().insert_header(("Location", format!("/api/v1/personnel/{id}"))).json(v))
}

/// A page of the registry, filtered.
#[derive(Debug, Deserialize, IntoParams, Validate)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PersonnelQuery {
    /// `examiner`, `quality_supervisor` or `expert`.
    #[validate(custom(function = "validate::personnel_kind"))]
    pub kind: Option<String>,
    /// Only active (`true`) or deactivated (`false`) people.
    pub active: Option<bool>,
    /// The holder of this certificate number.
    pub certificate_number: Option<String>,
    /// Page number, from 1.
    #[param(minimum = 1, maximum = 100000, default = 1)]
    pub page: Option<u64>,
    /// Items per page, 1–100.
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub per_page: Option<u64>,
}

/// 查询人员库
///
/// 鉴定中心的人员库（市人社局、鉴定中心），按姓名排列；身份证号码脱敏。
///
/// The registry (bureau, centre), by name; ID numbers masked.
#[utoipa::path(operation_id = "listPersonnel", tag = "personnel", security(("bearer" = [])), params(PersonnelQuery),
    responses((status = 200, description = "A page of the registry", body = ListBody<PersonView>)))]
#[get("/personnel")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    query: ApiQuery<PersonnelQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Bureau, Role::Centre])?;
    let q = query.0;
    let mut errors = validate::Errors::of(&q).0;
    let page = Pagination { page: q.page, per_page: q.per_page, sort: None }.check(&mut errors, &[]);
    query_errors(errors)?;
    let number = q.certificate_number.as_deref().map(str::trim);
    let found = repo::personnel::page(&state.db, q.kind.as_deref(), q.active, number, page).await?;
    let items = people(&state.db, found.items).await?;
    Ok(HttpResponse::Ok().json(ListBody::<PersonView> {
        items,
        total: found.total,
        page: page.page,
        per_page: page.per_page,
    }))
}

/// 查询人员
///
/// 人员库中的一人及其资格（市人社局、鉴定中心）。
///
/// One registered person with their qualifications (bureau, centre).
#[utoipa::path(operation_id = "getPerson", tag = "personnel", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, description = "The person", body = PersonView)))]
#[get("/personnel/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Bureau, Role::Centre])?;
    let p = repo::personnel::find(&state.db, *id).await?.ok_or_else(ApiError::not_found)?;
    Ok(HttpResponse::Ok().json(people(&state.db, vec![p]).await?.pop().ok_or_else(ApiError::not_found)?))
}

/// 增加资格
///
/// 为人员增加可考评（或督导、评估）的职业和等级（鉴定中心）；已有的资格不变。
///
/// Add occupations and levels a registered person is qualified for (centre); those held stay.
#[utoipa::path(operation_id = "qualifyPerson", tag = "personnel", security(("bearer" = [])), params(("id" = Uuid, Path)),
    request_body = AddQualifications,
    responses((status = 200, description = "The person with every qualification", body = PersonView)))]
#[post("/personnel/{id}/qualifications")]
pub async fn qualify(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: ApiJson<AddQualifications>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Centre])?;
    let (body, found) = body.with_violations();
    let m = use_case::run(&state, caller.actor(), async |c| personnel::qualify(c, *id, &body, found).await)
        .await?;
    Ok(HttpResponse::Ok().json(people(&state.db, vec![m]).await?.pop().ok_or_else(ApiError::not_found)?))
}

/// 停用人员
///
/// 停用人员（鉴定中心）：此后的备案、计划、指派和抽取不再使用；以往的记录保留。
///
/// Take a person out of future filings, plans, assignments and draws (centre); past records keep
/// them.
#[utoipa::path(operation_id = "deactivatePerson", tag = "personnel", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, description = "Deactivated", body = PersonView)))]
#[post("/personnel/{id}/deactivate")]
pub async fn deactivate(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Centre])?;
    let m = use_case::run(&state, caller.actor(), async |c| personnel::deactivate(c, *id).await).await?;
    Ok(HttpResponse::Ok().json(people(&state.db, vec![m]).await?.pop().ok_or_else(ApiError::not_found)?))
}

/// 抽取质量督导人员
///
/// 为已报备的批次计划随机抽取一名质量督导人员（鉴定中心）：从证书有效期覆盖最后一场考核、不属于本机构
/// 所在学校的在用质量督导人员中，按 id 顺序以服务器生成的种子抽取；种子和候选名单公开，任何人可复核。
/// 每个计划只抽一次。
///
/// Dispatch a quality supervisor to a filed plan by a seeded draw (centre): from the active quality
/// supervisors whose certificate is valid through the plan's last session and who are not
/// employed by the plan's school, in id order, with a seed from the server's random source; the
/// seed and the pool are published so anyone can repeat the draw. Once per plan.
#[utoipa::path(operation_id = "drawPlanSupervisor", tag = "personnel", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 201, description = "Drawn", body = PlanSupervisorView),
        (status = 409, description = "Plan not filed, drawn already, or no one eligible", body = crate::error::ProblemBody, content_type = "application/problem+json")))]
#[post("/plans/{id}/quality-supervisor")]
pub async fn draw(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Centre])?;
    crate::views::plan::load(&state.db, &caller, *id).await?;
    let m = use_case::run(&state, caller.actor(), async |c| personnel::draw_quality_supervisor(c, *id).await)
        .await?;
    Ok(HttpResponse::Created().json(plan_supervisor(&state.db, m).await?))
}

/// 查询质量督导人员
///
/// 为批次计划抽取的质量督导人员及抽取记录（市人社局、鉴定中心、所属区县、本机构）。
///
/// The quality supervisor dispatched to a plan, with the draw's record (bureau, centre, the
/// plan's district and school); 404 before the draw.
#[utoipa::path(operation_id = "getPlanSupervisor", tag = "personnel", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, description = "The drawn quality supervisor", body = PlanSupervisorView)))]
#[get("/plans/{id}/quality-supervisor")]
pub async fn drawn(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Bureau, Role::Centre, Role::District, Role::School])?;
    crate::views::plan::load(&state.db, &caller, *id).await?;
    let m = repo::personnel::plan_supervisor(&state.db, *id).await?.ok_or_else(ApiError::not_found)?;
    Ok(HttpResponse::Ok().json(plan_supervisor(&state.db, m).await?))
}
