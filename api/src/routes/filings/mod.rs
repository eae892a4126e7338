//! Filing applications (备案申请, notice 三): drafts edited by the school, attachments, and the
//! evaluation workflow of the bureau and its experts.

pub mod attachments;
pub mod decision;
pub mod workflow;

use crate::auth::Caller;
use crate::error::{ApiError, FieldError};
use crate::extract::{ApiJson, ApiQuery, ListBody, Pagination};
use crate::i18n::{Lang, Problem, Rule};
use crate::state::AppState;
use crate::use_case::{self, filings};
use crate::views::filing::{self, FilingView, document};
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, put, web};
use document::FilingDocument;
use domain::Role;
use domain::filing::{FilingAction, FilingStatus};
use persistence::repo;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

/// Fields a list here can be sorted by (`sort`).
const SORTABLE: &[&str] = &["created_at", "submitted_at", "status"];

/// A new application.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct NewFiling {
    /// `initial` (first filing), `renewal` (of the school's institution; keeps its code) or
    /// `change` (变更备案 of the school's institution: keeps its code and validity; the draft
    /// starts from the institution's filed document).
    #[schema(example = "initial")]
    #[validate(custom(function = "check_kind"))]
    pub kind: String,
}

/// `initial`, `renewal` or `change`.
fn check_kind(s: &str) -> Result<(), validator::ValidationError> {
    crate::validate::one_of(s, &["initial", "renewal", "change"])
}

/// 创建备案申请
///
/// 创建备案申请（学校）。草稿的基本信息取自学校的登记信息；变更备案（`change`）的草稿取自评价机构已备案
/// 的材料，承诺书须重新签署。一所学校同时至多有一份未办结的申请。
///
/// Start an application (school). The draft's basic information is filled from the school's
/// registration; a change filing's (`change`) draft is the institution's filed document, with
/// an empty commitment to sign anew. A school has at most one open application.
#[utoipa::path(
    operation_id = "createFiling",
    tag = "filings",
    security(("bearer" = [])),
    request_body = NewFiling,
    responses(
        (status = 201, description = "A new draft", body = FilingView),
        (status = 409, description = "An open application exists", body = crate::error::ProblemBody, content_type = "application/problem+json"),
    )
)]
#[post("/filings")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    lang: Lang,
    body: ApiJson<NewFiling>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::School])?;
    let school_id = caller.user.school_id.ok_or_else(ApiError::forbidden)?;
    let kind = body.valid()?.kind;
    let saved =
        use_case::run(&state, caller.actor(), async |c| filings::open(c, school_id, &kind).await).await?;
    let v = filing::of(&state.db, &caller, saved, &state.data_key, lang).await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/filings/{}", v.id)))
        .insert_header((header::ETAG, filing::etag(v.version)))
        .json(v))
}

/// Filters for applications.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct FilingQuery {
    /// Only this status.
    pub status: Option<String>,
    #[param(minimum = 1, maximum = 100000)]
    pub page: Option<u64>,
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<u64>,
    /// Sort by `created_at`, `submitted_at`, `status` (`-` first for descending, e.g. `-created_at`).
    pub sort: Option<String>,
}

/// 查询备案申请
///
/// 调用者可见的备案申请：学校可见本校的，专家可见指派给自己的，区县可见本区县学校的，市人社局和鉴定
/// 中心可见全部。最新的在前。
///
/// Applications the caller may see: a school its own, an expert those assigned to them, a
/// district those of its schools, bureau and centre all. Newest first.
#[utoipa::path(
    operation_id = "listFilings",
    tag = "filings",
    security(("bearer" = [])),
    params(FilingQuery),
    responses((status = 200, description = "A page of applications", body = ListBody<FilingView>))
)]
#[get("/filings")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    lang: Lang,
    query: ApiQuery<FilingQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.0;
    let mut errors = Vec::new();
    let page =
        Pagination { page: q.page, per_page: q.per_page, sort: q.sort.clone() }.check(&mut errors, SORTABLE);
    if q.status.as_deref().is_some_and(|s| FilingStatus::from_code(s).is_none()) {
        errors.push(
            FieldError::new("status", Rule::NotOneOf).with(
                "allowed",
                "draft, submitted, accepted, under_evaluation, approved, rejected, returned",
            ),
        );
    }
    if !errors.is_empty() {
        return Err(ApiError { errors, ..ApiError::new(Problem::InvalidQuery) });
    }
    let mut filter = repo::filing::Filter { status: q.status, ..Default::default() };
    match caller.role {
        Role::School => filter.school_id = Some(caller.user.school_id.unwrap_or_default()),
        Role::Expert => filter.expert_id = Some(caller.id()),
        Role::District => filter.district_code = Some(caller.user.district_code.clone().unwrap_or_default()),
        Role::Bureau | Role::Centre => {}
    }
    let found = repo::filing::list(&state.db, &filter, page).await?;
    let mut items = Vec::new();
    for f in found.items {
        let s = repo::school::find(&state.db, f.school_id)
            .await?
            .ok_or_else(|| ApiError::internal("filing without school"))?;
        items.push(filing::build(&state.db, &caller, f, &s, &state.data_key, lang).await?);
    }
    Ok(HttpResponse::Ok().json(ListBody {
        items,
        total: found.total,
        page: page.page,
        per_page: page.per_page,
    }))
}

/// 查询备案申请详情
///
/// 查询一份备案申请及其各轮次、评估专家、评估意见和附件。
///
/// One application with its rounds, experts, evaluations and attachments.
#[utoipa::path(
    operation_id = "getFiling",
    tag = "filings",
    security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 200, description = "The application", body = FilingView, headers(("ETag" = String, description = "Its version"))))
)]
#[get("/filings/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    lang: Lang,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let (f, s) = filing::load(&state.db, &caller, *id).await?;
    let v = filing::build(&state.db, &caller, f, &s, &state.data_key, lang).await?;
    Ok(HttpResponse::Ok().insert_header((header::ETAG, filing::etag(v.version))).json(v))
}

/// 保存备案申请材料
///
/// 保存备案申请材料（学校，在草稿或退回状态下）。保存时检查格式；提交时检查完整性和通知的各项规定。
///
/// Replace the application's document (school, while `draft` or `returned`). Formats are
/// checked now; completeness and the rules of the notice when it is submitted. Needs `If-Match`.
#[utoipa::path(
    operation_id = "saveFilingDocument",
    tag = "filings",
    security(("bearer" = [])),
    params(("id" = Uuid, Path), ("If-Match" = String, Header, description = "The ETag read from the application")),
    request_body = FilingDocument,
    responses(
        (status = 200, description = "Saved", body = FilingView, headers(("ETag" = String, description = "The new version"))),
        (status = 409, description = "Not editable in its status", body = crate::error::ProblemBody, content_type = "application/problem+json"),
        (status = 412, description = "Stale If-Match", body = crate::error::ProblemBody, content_type = "application/problem+json"),
        (status = 428, description = "Missing If-Match", body = crate::error::ProblemBody, content_type = "application/problem+json"),
    )
)]
#[put("/filings/{id}/document")]
pub async fn put_document(
    state: web::Data<AppState>,
    caller: Caller,
    lang: Lang,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: ApiJson<FilingDocument>,
) -> Result<HttpResponse, ApiError> {
    let (f, _) = filing::load(&state.db, &caller, *id).await?;
    if caller.role != Role::School {
        return Err(ApiError::forbidden());
    }
    let if_match = crate::precondition::if_match(&req);
    let Some(if_match) = if_match else { return Err(ApiError::new(Problem::PreconditionRequired)) };
    filings::next_status(&f, FilingAction::Edit)?;
    let document = body.valid()?;
    let saved = use_case::run(&state, caller.actor(), async |c| {
        filings::save_document(c, f.id, &if_match, &document).await
    })
    .await?;
    let v = filing::of(&state.db, &caller, saved, &state.data_key, lang).await?;
    Ok(HttpResponse::Ok().insert_header((header::ETAG, filing::etag(v.version))).json(v))
}
