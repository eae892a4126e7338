//! Over 400 lines: every institution route with its OpenAPI annotations.
//!
//! Evaluation institutions (评价机构): lists, the public directory, receipts and the lifecycle
//! (suspension, reinstatement, cancellation, merger; renewal goes through a filing).

use crate::auth::{Caller, Principal};
use crate::context::RequestContext;
use crate::error::{ApiError, FieldError};
use crate::extract::{ApiJson, ApiQuery, ListBody, Pagination};
use crate::i18n::{Lang, Problem, Rule};
use crate::state::AppState;
use crate::use_case;
use crate::validate;
use crate::views::institution::{InstitutionView, Receipt, ScopeView, load, receipt_of, view};
use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use domain::Role;
use domain::institution::{InstitutionStatus, LifecycleAction};
use persistence::repo;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

/// Fields a list here can be sorted by (`sort`).
const SORTABLE: &[&str] = &["code", "name", "district_code", "valid_until", "created_at"];

/// Filters for institutions.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct InstitutionQuery {
    /// Part of the name, or the start of the code.
    pub q: Option<String>,
    pub district_code: Option<String>,
    /// Only institutions whose scope includes this occupation.
    pub occupation_code: Option<String>,
    /// `active`, `expired`, `suspended` or `cancelled`.
    pub status: Option<String>,
    #[param(minimum = 1, maximum = 100000)]
    pub page: Option<u64>,
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<u64>,
    /// Sort by `code`, `name`, `district_code`, `valid_until`, `created_at` (`-` first for descending, e.g. `-code`).
    pub sort: Option<String>,
}

fn filter_from(
    q: &InstitutionQuery,
    errors: &mut Vec<FieldError>,
    today: NaiveDate,
) -> repo::institution::Filter {
    if q.status.as_deref().is_some_and(|s| !InstitutionStatus::ALL.iter().any(|x| x.code() == s)) {
        errors.push(
            FieldError::new("status", Rule::NotOneOf)
                .with("allowed", "active, expired, suspended, cancelled"),
        );
    }
    if q.q.as_deref().is_some_and(|t| t.chars().count() > 100) {
        errors.push(FieldError::new("q", Rule::TooLong).with("max", 100));
    }
    // `active` and `expired` are both stored as active; the validity tells them apart, in SQL, so
    // that pages and totals are right.
    let (stored, expired_on) = match q.status.as_deref() {
        Some("expired") => (Some("active".to_owned()), Some((today, true))),
        Some("active") => (Some("active".to_owned()), Some((today, false))),
        other => (other.map(str::to_owned), None),
    };
    repo::institution::Filter {
        district_code: q.district_code.clone(),
        school_id: None,
        stored_status: stored,
        q: q.q.clone(),
        occupation_code: q.occupation_code.clone(),
        expired_on,
    }
}

/// 查询评价机构
///
/// 评价机构：市人社局和鉴定中心（及有 institutions:read 权限的接口客户端）可见全部，区县可见本区县
/// 的（R38），学校可见本校的。
///
/// Institutions: all for bureau and centre (and machine clients with `institutions:read`), a
/// district's own (R38), a school its own.
#[utoipa::path(
    operation_id = "listInstitutions",
    tag = "institutions",
    security(("bearer" = [])),
    params(InstitutionQuery),
    responses((status = 200, description = "A page of institutions", body = ListBody<InstitutionView>))
)]
#[get("/institutions")]
pub async fn list(
    state: web::Data<AppState>,
    principal: Principal,
    ctx: RequestContext,
    query: ApiQuery<InstitutionQuery>,
) -> Result<HttpResponse, ApiError> {
    principal.require(&[Role::Bureau, Role::Centre, Role::District, Role::School], "institutions:read")?;
    let q = query.0;
    let mut errors = Vec::new();
    let page =
        Pagination { page: q.page, per_page: q.per_page, sort: q.sort.clone() }.check(&mut errors, SORTABLE);
    let today = state.clock.today();
    let mut filter = filter_from(&q, &mut errors, today);
    if !errors.is_empty() {
        return Err(ApiError { errors, ..ApiError::new(Problem::InvalidQuery) });
    }
    if let Some(caller) = principal.user() {
        match caller.role {
            Role::District => filter.district_code = caller.user.district_code.clone(),
            Role::School => filter.school_id = Some(caller.user.school_id.unwrap_or_default()),
            _ => {}
        }
    }
    let found = repo::institution::list(&state.db, &filter, page).await?;
    let mut items = Vec::new();
    for i in found.items {
        items.push(view(&state.db, i, today, ctx.lang).await?);
    }
    Ok(HttpResponse::Ok().json(ListBody {
        items,
        total: found.total,
        page: page.page,
        per_page: page.per_page,
    }))
}

/// 查询评价机构详情
///
/// 查询一个评价机构。
///
/// One institution.
#[utoipa::path(
    operation_id = "getInstitution",
    tag = "institutions",
    security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 200, description = "The institution", body = InstitutionView))
)]
#[get("/institutions/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    principal: Principal,
    ctx: RequestContext,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let i = match &principal {
        Principal::User(caller) => load(&state.db, caller, *id).await?,
        Principal::Client(_) => {
            principal.require(&[], "institutions:read")?;
            repo::institution::find(&state.db, *id).await?.ok_or_else(ApiError::not_found)?
        }
    };
    Ok(HttpResponse::Ok().json(view(&state.db, i, state.clock.today(), ctx.lang).await?))
}

/// An institution in the public directory: no personal data.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicInstitution {
    pub code: String,
    pub name: String,
    pub district_code: String,
    pub district_name: Option<String>,
    pub status: String,
    pub status_name: String,
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
    pub scope: Vec<ScopeView>,
}

/// 评价机构公示目录
///
/// 评价机构公示目录（供公众和国家平台）：名称、编码、备案范围、有效期和状态；不含个人信息。
///
/// The public directory of evaluation institutions (for citizens and the national platform):
/// name, code, scope, validity and status; no personal data, no account needed.
#[utoipa::path(
    operation_id = "listPublicInstitutions",
    tag = "public",
    params(InstitutionQuery),
    responses((status = 200, description = "A page of institutions", body = ListBody<PublicInstitution>))
)]
#[get("/public/institutions")]
pub async fn public_directory(
    state: web::Data<AppState>,
    ctx: RequestContext,
    query: ApiQuery<InstitutionQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.0;
    let mut errors = Vec::new();
    let page =
        Pagination { page: q.page, per_page: q.per_page, sort: q.sort.clone() }.check(&mut errors, SORTABLE);
    let today = state.clock.today();
    let filter = filter_from(&q, &mut errors, today);
    if !errors.is_empty() {
        return Err(ApiError { errors, ..ApiError::new(Problem::InvalidQuery) });
    }
    let found = repo::institution::list(&state.db, &filter, page).await?;
    let mut items = Vec::new();
    for i in found.items {
        let v = view(&state.db, i, today, ctx.lang).await?;
        items.push(PublicInstitution {
            code: v.code,
            name: v.name,
            district_code: v.district_code,
            district_name: v.district_name,
            status: v.status,
            status_name: v.status_name,
            valid_from: v.valid_from,
            valid_until: v.valid_until,
            scope: v.scope,
        });
    }
    Ok(HttpResponse::Ok().json(ListBody {
        items,
        total: found.total,
        page: page.page,
        per_page: page.per_page,
    }))
}

/// A lifecycle decision.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct LifecycleRequest {
    /// Why; kept with the institution and in the audit log.
    #[validate(custom(function = "validate::lines::<2000>"))]
    pub reason: String,
}

async fn change_status(
    state: &AppState,
    caller: &Caller,
    ctx: &RequestContext,
    id: Uuid,
    reason: &str,
    action: LifecycleAction,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Bureau])?;
    load(&state.db, caller, id).await?;
    let reason = validate::trimmed(reason);
    let saved = use_case::run(state, caller.actor(), async |change| {
        use_case::institutions::change_status(change, id, action, &reason).await
    })
    .await?;
    Ok(HttpResponse::Ok().json(view(&state.db, saved, state.clock.today(), ctx.lang).await?))
}

/// 暂停评价机构
///
/// 暂停评价机构（市人社局）：暂停期间不能报备批次计划，也不能颁发证书（R12）。
///
/// Suspend an institution (bureau): it can neither file plans nor issue certificates (R12).
#[utoipa::path(operation_id = "suspendInstitution", tag = "institutions", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = LifecycleRequest,
    responses((status = 200, description = "Suspended", body = InstitutionView),
        (status = 409, description = "Not active or expired", body = crate::error::ProblemBody, content_type = "application/problem+json")))]
#[post("/institutions/{id}/suspend")]
pub async fn suspend(
    state: web::Data<AppState>,
    caller: Caller,
    ctx: RequestContext,
    id: web::Path<Uuid>,
    body: ApiJson<LifecycleRequest>,
) -> Result<HttpResponse, ApiError> {
    change_status(&state, &caller, &ctx, *id, &body.valid()?.reason, LifecycleAction::Suspend).await
}

/// 恢复评价机构
///
/// 恢复被暂停的评价机构（市人社局）。
///
/// Reinstate a suspended institution (bureau).
#[utoipa::path(operation_id = "reinstateInstitution", tag = "institutions", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = LifecycleRequest,
    responses((status = 200, description = "Reinstated", body = InstitutionView),
        (status = 409, description = "Not suspended", body = crate::error::ProblemBody, content_type = "application/problem+json")))]
#[post("/institutions/{id}/reinstate")]
pub async fn reinstate(
    state: web::Data<AppState>,
    caller: Caller,
    ctx: RequestContext,
    id: web::Path<Uuid>,
    body: ApiJson<LifecycleRequest>,
) -> Result<HttpResponse, ApiError> {
    change_status(&state, &caller, &ctx, *id, &body.valid()?.reason, LifecycleAction::Reinstate).await
}

/// 注销评价机构
///
/// 注销评价机构（市人社局）：其编码即时退入注销编码库，永不再分配（R13）；已注销的机构不能恢复。
///
/// Cancel an institution (bureau): its code goes to the retired-code store at once and is never
/// assigned again (R13); a cancelled institution is never revived.
#[utoipa::path(operation_id = "cancelInstitution", tag = "institutions", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = LifecycleRequest,
    responses((status = 200, description = "Cancelled", body = InstitutionView),
        (status = 409, description = "Already cancelled", body = crate::error::ProblemBody, content_type = "application/problem+json")))]
#[post("/institutions/{id}/cancel")]
pub async fn cancel(
    state: web::Data<AppState>,
    caller: Caller,
    ctx: RequestContext,
    id: web::Path<Uuid>,
    body: ApiJson<LifecycleRequest>,
) -> Result<HttpResponse, ApiError> {
    change_status(&state, &caller, &ctx, *id, &body.valid()?.reason, LifecycleAction::Cancel).await
}

/// A merger of institutions into a new one.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct MergerRequest {
    /// Two to twenty distinct institutions to merge; each is cancelled and its code retired.
    #[validate(length(max = 20, code = "too_long"), custom(function = "two_at_least"))]
    pub institution_ids: Vec<Uuid>,
    /// The school that runs the new institution (usually one of the merged ones').
    pub school_id: Uuid,
    /// The new institution's name as filed.
    #[validate(custom(function = "validate::line::<100>"))]
    pub name: String,
    /// Last day of validity, at most 3 years from today (R11).
    pub valid_until: NaiveDate,
    /// The bureau's opinion.
    #[validate(custom(function = "validate::lines::<2000>"))]
    pub opinion: String,
    /// Rows of the merged scope not handed to the new institution: those that fail R1–R4 for the
    /// receiving school must be dropped here (or the merger is refused, naming them). Recorded in
    /// the audit event.
    #[serde(default)]
    #[validate(length(max = 200, code = "too_long"), nested)]
    pub drop_scope: Vec<ScopeRowRef>,
}

/// One row of an institution's scope, by occupation, work type and level.
#[derive(Debug, Deserialize, Serialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct ScopeRowRef {
    #[schema(example = "6-18-01-01")]
    #[validate(custom(function = "validate::line::<20>"))]
    pub occupation_code: String,
    /// The work type (工种), if the row has one.
    #[validate(custom(function = "validate::line::<50>"))]
    pub work_type: Option<String>,
    /// Level code: 3, 4, 5 or 9.
    #[schema(example = "4")]
    #[validate(custom(function = "validate::line::<2>"))]
    pub level: String,
}

/// Two distinct institutions at least.
fn two_at_least(ids: &[Uuid]) -> Result<(), validator::ValidationError> {
    let distinct: std::collections::BTreeSet<&Uuid> = ids.iter().collect();
    if distinct.len() >= 2 { Ok(()) } else { Err(validate::rule(Rule::TooFew, &[("min", &2)])) }
}

/// 合并评价机构
///
/// 把两个或更多评价机构合并为一个新机构，分配新编码（R14）：备案范围取各机构之和，并按承接学校重新核验
/// （学校类型、预备技师班、准入类职业、考评人员不少于 3 人）；不符合的范围须在 drop_scope 中删去，否则拒绝合并。
/// 被合并的机构注销，其编码退入注销编码库并指向新编码，沿革关系予以记录。
///
/// Merge two or more institutions into a new one with a new code (R14): the scope is the union
/// of theirs, re-checked for the receiving school (R1 school type, R2 预备技师班, R3 access-type
/// occupations, R4 three examiners as people, from the merged filings); rows that fail are named
/// (`institution_ids[i].scope[j]`) and the merger refused (422) unless `drop_scope` drops them,
/// which the audit event records. Each merged institution is cancelled, its code retired with the
/// new code as successor, and the lineage recorded.
#[utoipa::path(operation_id = "mergeInstitutions", tag = "institutions", security(("bearer" = [])), request_body = MergerRequest,
    responses((status = 201, description = "The new institution", body = InstitutionView),
        (status = 409, description = "An institution is already cancelled", body = crate::error::ProblemBody, content_type = "application/problem+json")))]
#[post("/institutions/mergers")]
pub async fn merge(
    state: web::Data<AppState>,
    caller: Caller,
    ctx: RequestContext,
    body: ApiJson<MergerRequest>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Bureau])?;
    let (req, mut errors) = body.with_violations();
    let today = state.clock.today();
    let mut ids = req.institution_ids.clone();
    ids.sort();
    ids.dedup();
    if let Err(e) = domain::filing::check_validity(today, req.valid_until) {
        errors.push(match e {
            domain::filing::DecisionError::ValidityTooLong { latest } => {
                FieldError::new("valid_until", Rule::ValidityTooLong).with("latest", latest)
            }
            _ => FieldError::new("valid_until", Rule::ValidityNotAfterStart),
        });
    }
    let school = repo::school::find(&state.db, req.school_id).await?;
    if school.is_none() {
        errors.push(FieldError::new("school_id", Rule::UnknownSchool));
    }
    for (i, id) in req.institution_ids.iter().enumerate() {
        if repo::institution::find(&state.db, *id).await?.is_none() {
            errors.push(FieldError::new(format!("institution_ids[{i}]"), Rule::UnknownInstitution));
        }
    }
    errors.finish()?;
    let Some(school) = school else {
        return Err(ApiError::internal("validation passed without values"));
    };
    let (name, opinion) = (validate::trimmed(&req.name), validate::trimmed(&req.opinion));
    let drop = req
        .drop_scope
        .iter()
        .map(|r| {
            let work_type = validate::trimmed_opt(&r.work_type).unwrap_or_default();
            (validate::trimmed(&r.occupation_code), work_type, validate::trimmed(&r.level))
        })
        .collect();
    let merger = use_case::institutions::Merger {
        ids,
        named: req.institution_ids.clone(),
        school,
        name,
        valid_until: req.valid_until,
        opinion,
        drop,
    };
    let created = use_case::run(&state, caller.actor(), async |change| {
        use_case::institutions::merge(change, merger).await
    })
    .await?;
    let new_id = created.id;
    let v = view(&state.db, created, state.clock.today(), ctx.lang).await?;
    Ok(HttpResponse::Created().insert_header(("Location", format!("/api/v1/institutions/{new_id}"))).json(v))
}

/// A code in the retired-code store (废置库).
#[derive(Debug, Serialize, ToSchema)]
pub struct RetiredCodeView {
    #[schema(example = "S000050000001")]
    pub code: String,
    pub institution_name: Option<String>,
    /// Why: the cancellation reason, or `merger`.
    pub reason: Option<String>,
    pub retired_at: Option<DateTime<Utc>>,
    /// For a merger: the new institution's code.
    pub successor_code: Option<String>,
}

crate::paged_query!(
    RetiredCodeQuery,
    "Sort by `retired_at`, `code` (`-` first for descending, e.g. `-retired_at`)."
);

/// 查询注销编码库
///
/// 注销编码库：已注销和被合并机构的编码，留作历史和追溯，永不再分配（R13）。市人社局和鉴定中心可查
/// 。
///
/// The retired-code store: codes of cancelled and merged institutions, kept for history and
/// tracing and never assigned again (R13). Bureau and centre.
#[utoipa::path(operation_id = "listRetiredCodes", tag = "institutions", security(("bearer" = [])), params(RetiredCodeQuery),
    responses((status = 200, description = "A page of retired codes", body = ListBody<RetiredCodeView>)))]
#[get("/retired-codes")]
pub async fn retired_codes(
    state: web::Data<AppState>,
    caller: Caller,
    query: ApiQuery<RetiredCodeQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Bureau, Role::Centre])?;
    let mut errors = Vec::new();
    let page = query.0.pagination().check(&mut errors, &["retired_at", "code"]);
    if !errors.is_empty() {
        return Err(ApiError { errors, ..ApiError::new(Problem::InvalidQuery) });
    }
    let found = repo::institution::retired_codes(&state.db, page).await?;
    let items = found
        .items
        .into_iter()
        .map(|(c, i)| RetiredCodeView {
            code: c.code,
            institution_name: i.map(|i| i.name),
            reason: c.retired_reason,
            retired_at: c.retired_at,
            successor_code: c.successor_code,
        })
        .collect();
    Ok(HttpResponse::Ok().json(ListBody {
        items,
        total: found.total,
        page: page.page,
        per_page: page.per_page,
    }))
}

/// 查询备案回执
///
/// 评价机构的备案回执（附件 4），JSON 格式。
///
/// The filing receipt (Annex 4) of an institution, as JSON.
#[utoipa::path(operation_id = "getFilingReceipt", tag = "institutions", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, description = "The receipt", body = Receipt)))]
#[get("/institutions/{id}/receipt")]
pub async fn receipt(
    state: web::Data<AppState>,
    caller: Caller,
    ctx: RequestContext,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let i = load(&state.db, &caller, *id).await?;
    Ok(HttpResponse::Ok().json(receipt_of(&state.db, i, ctx.lang).await?))
}

/// 下载备案回执
///
/// 评价机构的备案回执（附件 4），楷体 PDF。
///
/// The filing receipt (Annex 4) of an institution, as a PDF in the Kai typeface.
#[utoipa::path(operation_id = "getFilingReceiptPdf", tag = "institutions", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, description = "The receipt", content_type = "application/pdf", body = Vec<u8>)))]
#[get("/institutions/{id}/receipt.pdf")]
pub async fn receipt_pdf(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let i = load(&state.db, &caller, *id).await?;
    let code = i.code.clone();
    let r = receipt_of(&state.db, i, Lang::ZhCn).await?;
    let bytes = web::block(move || crate::pdf::receipt::receipt_pdf(&r))
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header(("Content-Disposition", format!("inline; filename=\"receipt-{code}.pdf\"")))
        .body(bytes))
}
