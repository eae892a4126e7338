//! Complaints and reports (举报投诉, R35): anyone files one against an institution, a batch plan
//! or a certificate and follows it with a tracking number and a secret; the centre (or the
//! bureau) triages and assigns it to itself or the district concerned, the assignee investigates
//! with internal notes and closes it with an outcome. Deadlines are working days; open complaints
//! past their deadline are listed as overdue.

use crate::auth::Caller;
use crate::auth::keys::{constant_time_eq, sha256_hex};
use crate::error::{ApiError, FieldError};
use crate::extract::{ApiJson, ApiQuery, ListBody, Pagination, query_errors};
use crate::i18n::{Lang, Rule};
use crate::state::AppState;
use crate::use_case;
use crate::use_case::complaints::{self, Assignment, NewComplaint, NewNote, Outcome};
use crate::views::complaint::{
    ComplaintReceipt, ComplaintView, NoteView, PublicComplaintView, may_handle, status_name, view,
};
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use domain::Role;
use domain::supervision::ComplaintStatus;
use persistence::entity::complaint;
use persistence::repo;
use persistence::repo::audit::Actor;
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

/// Fields a list here can be sorted by (`sort`).
const SORTABLE: &[&str] = &["due_on", "received_at", "status"];

/// The header that carries a complaint's secret.
pub const SECRET_HEADER: &str = "X-Complaint-Secret";

/// 投诉举报
///
/// 投诉举报（任何人，无需账号；R35）。可匿名投诉；留下联系方式便于办理人员询问。回答中含有查询办理
/// 进度所需的编号和密钥。
///
/// File a complaint or report (anyone, no account; R35). Anonymous complaints are accepted; a
/// contact lets the handler ask questions. The answer holds the tracking number and a secret to
/// follow the complaint; keep both.
#[utoipa::path(operation_id = "fileComplaint", tag = "public", request_body = NewComplaint,
    responses((status = 201, description = "Filed", body = ComplaintReceipt),
        (status = 422, description = "Invalid or unknown target", body = crate::error::ProblemBody, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests from this address", body = crate::error::ProblemBody, content_type = "application/problem+json")))]
#[post("/public/complaints")]
pub async fn file(
    state: web::Data<AppState>,
    lang: Lang,
    req: HttpRequest,
    body: ApiJson<NewComplaint>,
) -> Result<HttpResponse, ApiError> {
    crate::throttle::public_request(&state, &req).await?;
    let (body, found) = body.with_violations();
    let (c, secret) =
        use_case::run(&state, Actor::public(), async |ch| complaints::file(ch, &body, found).await).await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/public/complaints/{}", c.tracking_number)))
        .json(ComplaintReceipt {
            status_name: status_name(lang, &c.status),
            tracking_number: c.tracking_number,
            secret,
            status: c.status,
            received_at: c.received_at,
        }))
}

/// 查询投诉办理进度
///
/// 投诉人查询办理进度：在 X-Complaint-Secret 请求头中发送密钥。编号不存在与密钥错误的回答相同（404
/// ）。
///
/// Follow a complaint (its complainant): send the secret in the `X-Complaint-Secret` header. An
/// unknown number and a wrong secret get the same 404.
#[utoipa::path(operation_id = "followComplaint", tag = "public", params(("tracking_number" = String, Path),
        ("X-Complaint-Secret" = String, Header, description = "The secret given when the complaint was filed")),
    responses((status = 200, description = "Status and outcome", body = PublicComplaintView),
        (status = 404, description = "No complaint with this number and secret", body = crate::error::ProblemBody, content_type = "application/problem+json")))]
#[get("/public/complaints/{tracking_number}")]
pub async fn follow(
    state: web::Data<AppState>,
    lang: Lang,
    req: HttpRequest,
    tracking_number: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    crate::throttle::public_request(&state, &req).await?;
    let secret = req.headers().get(SECRET_HEADER).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let number = tracking_number.into_inner();
    let c = if number.len() <= 40 {
        repo::supervision::complaint_by_tracking(&state.db, &number).await?
    } else {
        None
    };
    let c = c
        .filter(|c| constant_time_eq(&c.secret_hash, &sha256_hex(secret)))
        .ok_or_else(ApiError::not_found)?;
    Ok(HttpResponse::Ok().json(PublicComplaintView {
        status_name: status_name(lang, &c.status),
        tracking_number: c.tracking_number,
        target_type: c.target_type,
        status: c.status,
        received_at: c.received_at,
        closed_at: c.closed_at,
        upheld: c.upheld,
        outcome: c.outcome,
        actions: c.actions,
    }))
}

async fn load(state: &AppState, caller: &Caller, id: Uuid) -> Result<complaint::Model, ApiError> {
    caller.require(&[Role::Bureau, Role::Centre, Role::District])?;
    repo::supervision::complaint(&state.db, id)
        .await?
        .filter(|c| may_handle(caller, c))
        .ok_or_else(ApiError::not_found)
}

/// Filters for complaints.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ComplaintQuery {
    /// `received`, `assigned` or `closed`.
    pub status: Option<String>,
    /// Only open complaints past their deadline.
    pub overdue: Option<bool>,
    pub institution_id: Option<Uuid>,
    #[param(minimum = 1, maximum = 100000)]
    pub page: Option<u64>,
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<u64>,
    /// Sort by `due_on`, `received_at`, `status` (`-` first for descending, e.g. `-due_on`).
    pub sort: Option<String>,
}

/// 查询投诉举报
///
/// 查询投诉，最早到期的在前：市人社局和鉴定中心可见全部，区县可见分派给本区县的。
///
/// Complaints, earliest deadline first: bureau and centre all, a district those assigned to it.
/// `overdue=true` lists the open ones past their deadline.
#[utoipa::path(operation_id = "listComplaints", tag = "supervision", security(("bearer" = [])), params(ComplaintQuery),
    responses((status = 200, description = "A page of complaints", body = ListBody<ComplaintView>)))]
#[get("/complaints")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    lang: Lang,
    query: ApiQuery<ComplaintQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Bureau, Role::Centre, Role::District])?;
    let q = query.0;
    let mut errors = Vec::new();
    let page =
        Pagination { page: q.page, per_page: q.per_page, sort: q.sort.clone() }.check(&mut errors, SORTABLE);
    if q.status.as_deref().is_some_and(|s| ComplaintStatus::from_code(s).is_none()) {
        errors.push(FieldError::new("status", Rule::NotOneOf).with("allowed", "received, assigned, closed"));
    }
    query_errors(errors)?;
    let today = state.clock.today();
    let filter = repo::supervision::ComplaintFilter {
        status: q.status,
        assigned_district: if caller.role == Role::District {
            Some(caller.user.district_code.clone().unwrap_or_default())
        } else {
            None
        },
        institution_id: q.institution_id,
        overdue_on: q.overdue.filter(|o| *o).map(|_| today),
    };
    let found = repo::supervision::complaints(&state.db, &filter, page).await?;
    let items = found.items.into_iter().map(|c| view(c, today, lang, None)).collect();
    Ok(HttpResponse::Ok().json(ListBody::<ComplaintView> {
        items,
        total: found.total,
        page: page.page,
        per_page: page.per_page,
    }))
}

async fn full_view(state: &AppState, c: complaint::Model, lang: Lang) -> Result<ComplaintView, ApiError> {
    let notes = repo::supervision::notes(&state.db, c.id)
        .await?
        .into_iter()
        .map(|n| NoteView { id: n.id, author_id: n.author_id, body: n.body, created_at: n.created_at })
        .collect();
    Ok(view(c, state.clock.today(), lang, Some(notes)))
}

/// 查询投诉详情
///
/// 查询一件投诉及其内部调查记录和投诉人联系方式（办理人员）。
///
/// One complaint with its internal notes and the complainant's contact (those handling it).
#[utoipa::path(operation_id = "getComplaint", tag = "supervision", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, description = "The complaint", body = ComplaintView)))]
#[get("/complaints/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    lang: Lang,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let c = load(&state, &caller, *id).await?;
    Ok(HttpResponse::Ok().json(full_view(&state, c, lang).await?))
}

/// 分派投诉
///
/// 分派（或改派）投诉给鉴定中心或被投诉机构所在区县，并设定办理期限（市人社局、鉴定中心）。
///
/// Triage: assign (or reassign) a complaint to the centre or to the district of the institution
/// concerned, with a deadline (bureau, centre).
#[utoipa::path(operation_id = "assignComplaint", tag = "supervision", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = Assignment,
    responses((status = 200, description = "Assigned", body = ComplaintView),
        (status = 409, description = "Already closed", body = crate::error::ProblemBody, content_type = "application/problem+json")))]
#[post("/complaints/{id}/assign")]
pub async fn assign(
    state: web::Data<AppState>,
    caller: Caller,
    lang: Lang,
    id: web::Path<Uuid>,
    body: ApiJson<Assignment>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Bureau, Role::Centre])?;
    let c = load(&state, &caller, *id).await?;
    let (body, found) = body.with_violations();
    let saved =
        use_case::run(&state, caller.actor(), async |ch| complaints::assign(ch, c.id, &body, found).await)
            .await?;
    Ok(HttpResponse::Ok().json(full_view(&state, saved, lang).await?))
}

/// 添加调查记录
///
/// 添加内部调查记录（承办方，或市人社局和鉴定中心）；投诉人看不到调查记录。
///
/// Add an internal investigation note (the assignee, or bureau and centre); the complainant never
/// sees notes.
#[utoipa::path(operation_id = "addComplaintNote", tag = "supervision", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = NewNote,
    responses((status = 201, description = "Added", body = ComplaintView),
        (status = 409, description = "Not under investigation", body = crate::error::ProblemBody, content_type = "application/problem+json")))]
#[post("/complaints/{id}/notes")]
pub async fn add_note(
    state: web::Data<AppState>,
    caller: Caller,
    lang: Lang,
    id: web::Path<Uuid>,
    body: ApiJson<NewNote>,
) -> Result<HttpResponse, ApiError> {
    let c = load(&state, &caller, *id).await?;
    let text = crate::validate::trimmed(&body.valid()?.body);
    use_case::run(&state, caller.actor(), async |ch| complaints::add_note(ch, &caller, c.id, text).await)
        .await?;
    let c = repo::supervision::complaint(&state.db, c.id).await?.ok_or_else(ApiError::not_found)?;
    Ok(HttpResponse::Created().json(full_view(&state, c, lang).await?))
}

/// 办结投诉
///
/// 办结投诉并给出处理结果（承办方，或市人社局和鉴定中心）。
///
/// Close a complaint with its outcome (the assignee, or bureau and centre).
#[utoipa::path(operation_id = "closeComplaint", tag = "supervision", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = Outcome,
    responses((status = 200, description = "Closed", body = ComplaintView),
        (status = 409, description = "Not under investigation", body = crate::error::ProblemBody, content_type = "application/problem+json")))]
#[post("/complaints/{id}/close")]
pub async fn close(
    state: web::Data<AppState>,
    caller: Caller,
    lang: Lang,
    id: web::Path<Uuid>,
    body: ApiJson<Outcome>,
) -> Result<HttpResponse, ApiError> {
    let c = load(&state, &caller, *id).await?;
    let body = body.valid()?;
    let saved =
        use_case::run(&state, caller.actor(), async |ch| complaints::close(ch, &caller, c.id, &body).await)
            .await?;
    Ok(HttpResponse::Ok().json(full_view(&state, saved, lang).await?))
}
