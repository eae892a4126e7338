//! Double-random inspections (双随机、一公开, R36): the bureau keeps an inspector pool and defines
//! inspection tasks; institutions and inspectors are drawn with a recorded seed that is published
//! with the task, together with the population and the pool in draw order, so anyone can repeat
//! the draw (`docs/SUPERVISION.md`, `docs/reproduce_draw.py`). An inspector is never drawn for the
//! school that employs them. Results are recorded once and published.

use crate::auth::Caller;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiQuery, ListBody, Pagination, query_errors};
use crate::i18n::Lang;
use crate::state::AppState;
use crate::use_case;
use crate::use_case::inspections::{self, NewInspector, NewResult, NewTask};
use crate::views::inspection::{InspectorView, TaskView, full_task, inspector_view};
use actix_web::{HttpResponse, get, post, web};
use domain::Role;
use persistence::repo;
use uuid::Uuid;

/// 新增检查人员
///
/// 向检查人员库新增检查人员（市人社局）。
///
/// Add an inspector to the pool (bureau).
#[utoipa::path(operation_id = "addInspector", tag = "supervision", security(("bearer" = [])), request_body = NewInspector,
    responses((status = 201, description = "Added", body = InspectorView)))]
#[post("/inspectors")]
pub async fn add_inspector(
    state: web::Data<AppState>,
    caller: Caller,
    body: ApiJson<NewInspector>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Bureau])?;
    let (body, found) = body.with_violations();
    let m =
        use_case::run(&state, caller.actor(), async |c| inspections::add_inspector(c, &body, found).await)
            .await?;
    Ok(HttpResponse::Created().json(inspector_view(m)))
}

/// 停用检查人员
///
/// 停用检查人员，不再参加以后的抽取（市人社局），例如离职时；以往的抽取结果保留。
///
/// Take an inspector out of future draws (bureau), e.g. when they leave; past draws keep them.
#[utoipa::path(operation_id = "deactivateInspector", tag = "supervision", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, description = "Deactivated", body = InspectorView)))]
#[post("/inspectors/{id}/deactivate")]
pub async fn deactivate_inspector(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Bureau])?;
    let i = use_case::run(&state, caller.actor(), async |c| inspections::deactivate_inspector(c, *id).await)
        .await?;
    Ok(HttpResponse::Ok().json(inspector_view(i)))
}

crate::paged_query!(
    InspectorPage,
    "Sort by `name`, `organisation`, `created_at` (`-` first for descending, e.g. `name`)."
);

/// 查询检查人员库
///
/// 检查人员库（市人社局、鉴定中心），按抽取顺序（按 id）排列。
///
/// The inspector pool (bureau, centre), in draw order (by id).
#[utoipa::path(operation_id = "listInspectors", tag = "supervision", security(("bearer" = [])), params(InspectorPage),
    responses((status = 200, description = "A page of the pool", body = ListBody<InspectorView>)))]
#[get("/inspectors")]
pub async fn inspectors(
    state: web::Data<AppState>,
    caller: Caller,
    query: ApiQuery<InspectorPage>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Bureau, Role::Centre])?;
    let mut errors = Vec::new();
    let page = query.0.pagination().check(&mut errors, &["name", "organisation", "created_at"]);
    query_errors(errors)?;
    let found = repo::supervision::inspectors_page(&state.db, page).await?;
    let items = found.items.into_iter().map(inspector_view).collect();
    Ok(HttpResponse::Ok().json(ListBody::<InspectorView> {
        items,
        total: found.total,
        page: page.page,
        per_page: page.per_page,
    }))
}

/// 创建双随机抽查任务
///
/// 创建并抽取双随机抽查任务（市人社局）：抽查对象为符合条件的全部在用评价机构，检查人员从在用人员中
/// 抽取；种子来自服务器的随机源。
///
/// Define an inspection task and draw it (bureau): the population is every active institution
/// matching the criteria, by code; the pool every active inspector (or those listed), by id. The
/// seed (random, from the server), the population and the pool are recorded and published, so the
/// draw can be repeated by anyone; tasks can never be withdrawn.
#[utoipa::path(operation_id = "drawInspection", tag = "supervision", security(("bearer" = [])), request_body = NewTask,
    responses((status = 201, description = "Defined and drawn", body = TaskView),
        (status = 422, description = "Empty population, sample too large, or too few eligible inspectors", body = crate::error::ProblemBody, content_type = "application/problem+json")))]
#[post("/inspection-tasks")]
pub async fn create_task(
    state: web::Data<AppState>,
    caller: Caller,
    lang: Lang,
    body: ApiJson<NewTask>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Bureau])?;
    let (body, found) = body.with_violations();
    let task =
        use_case::run(&state, caller.actor(), async |c| inspections::draw(c, &body, found).await).await?;
    let id = task.id;
    let v = full_task(&state.db, task, None, lang).await?;
    Ok(HttpResponse::Created().insert_header(("Location", format!("/api/v1/inspection-tasks/{id}"))).json(v))
}

crate::paged_query!(
    TaskPage,
    "Sort by `created_at`, `title`, `kind` (`-` first for descending, e.g. `-created_at`)."
);

/// 查询抽查任务
///
/// 查询抽查任务，最新的在前（市人社局、鉴定中心、区县）。
///
/// Inspection tasks, newest first (bureau, centre, districts).
#[utoipa::path(operation_id = "listInspections", tag = "supervision", security(("bearer" = [])), params(TaskPage),
    responses((status = 200, description = "A page of tasks", body = ListBody<TaskView>)))]
#[get("/inspection-tasks")]
pub async fn list_tasks(
    state: web::Data<AppState>,
    caller: Caller,
    lang: Lang,
    query: ApiQuery<TaskPage>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Bureau, Role::Centre, Role::District])?;
    tasks_page(&state, lang, query.0.pagination(), district_of(&caller)).await
}

/// A district office's district (R38): it sees the tasks that drew its institutions, and of
/// each only those institutions; `None` for the bureau and the centre.
fn district_of(caller: &Caller) -> Option<&str> {
    match caller.role {
        Role::District => Some(caller.user.district_code.as_deref().unwrap_or_default()),
        _ => None,
    }
}

async fn tasks_page(
    state: &AppState,
    lang: Lang,
    p: Pagination,
    district: Option<&str>,
) -> Result<HttpResponse, ApiError> {
    let mut errors = Vec::new();
    let page = p.check(&mut errors, &["created_at", "title", "kind"]);
    query_errors(errors)?;
    let found = repo::supervision::tasks(&state.db, district, page).await?;
    let mut items = Vec::with_capacity(found.items.len());
    for t in found.items {
        items.push(full_task(&state.db, t, district, lang).await?);
    }
    Ok(HttpResponse::Ok().json(ListBody {
        items,
        total: found.total,
        page: page.page,
        per_page: page.per_page,
    }))
}

/// 查询抽查任务详情
///
/// 查询一个抽查任务及其抽取情况和结果（市人社局、鉴定中心、区县）。
///
/// One inspection task with its draw and results (bureau, centre, districts).
#[utoipa::path(operation_id = "getInspection", tag = "supervision", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, description = "The task", body = TaskView)))]
#[get("/inspection-tasks/{id}")]
pub async fn get_task(
    state: web::Data<AppState>,
    caller: Caller,
    lang: Lang,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Bureau, Role::Centre, Role::District])?;
    let t = repo::supervision::task(&state.db, *id).await?.ok_or_else(ApiError::not_found)?;
    let district = district_of(&caller);
    let v = full_task(&state.db, t, district, lang).await?;
    // Outside a district's scope: as unknown (R38).
    if district.is_some() && v.targets.is_empty() {
        return Err(ApiError::not_found());
    }
    Ok(HttpResponse::Ok().json(v))
}

/// 录入抽查结果
///
/// 录入被抽中机构的检查结果（市人社局、鉴定中心）；只录入一次，随后公示。
///
/// Record the result of a drawn institution (bureau, centre); recorded once, then published.
#[utoipa::path(operation_id = "recordInspectionResult", tag = "supervision", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = NewResult,
    responses((status = 200, description = "Recorded", body = TaskView),
        (status = 409, description = "Already recorded", body = crate::error::ProblemBody, content_type = "application/problem+json")))]
#[post("/inspection-tasks/{id}/results")]
pub async fn record_result(
    state: web::Data<AppState>,
    caller: Caller,
    lang: Lang,
    id: web::Path<Uuid>,
    body: ApiJson<NewResult>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Bureau, Role::Centre])?;
    let (body, found) = body.with_violations();
    let t = use_case::run(&state, caller.actor(), async |c| {
        inspections::record_result(c, *id, &body, found).await
    })
    .await?;
    Ok(HttpResponse::Ok().json(full_task(&state.db, t, None, lang).await?))
}

/// 抽查结果公示
///
/// 抽查结果公示（R36，面向所有人）：每个任务的种子、抽查对象、人员库、抽取结果和已录入的检查结果。
///
/// Published inspections (R36), for everyone: each task with its seed, population, pool, draw,
/// and the results recorded so far.
#[utoipa::path(operation_id = "listPublicInspections", tag = "public", params(TaskPage),
    responses((status = 200, description = "A page of tasks", body = ListBody<TaskView>)))]
#[get("/public/inspections")]
pub async fn public_inspections(
    state: web::Data<AppState>,
    lang: Lang,
    query: ApiQuery<TaskPage>,
) -> Result<HttpResponse, ApiError> {
    tasks_page(&state, lang, query.0.pagination(), None).await
}
