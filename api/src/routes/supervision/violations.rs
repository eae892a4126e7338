//! Violations and sanctions: the bureau records a violation of an institution with its sanction;
//! a suspension or cancellation acts through the institution lifecycle in the same transaction.

use crate::auth::Caller;
use crate::context::RequestContext;
use crate::error::{ApiError, FieldError};
use crate::extract::{ApiJson, ApiQuery, ListBody};
use crate::i18n::{self, Lang, Rule};
use crate::state::AppState;
use crate::use_case;
use crate::validate;
use crate::views::institution::InstitutionView;
use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use domain::Role;
use domain::supervision::SANCTIONS;
use persistence::entity::violation;
use persistence::repo;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

/// A violation to record.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct NewViolation {
    /// When it happened: from 2020 (the notice) to today.
    pub occurred_on: NaiveDate,
    /// What happened; kept with the institution and used in its integrity rating (R37).
    #[validate(custom(function = "validate::lines::<5000>"))]
    pub description: String,
    /// `none`, `warning`, `suspension` or `cancellation`.
    #[schema(example = "warning")]
    #[validate(custom(function = "check_sanction"))]
    pub sanction: String,
    /// The complaint that revealed it, if any.
    pub complaint_id: Option<Uuid>,
    /// The inspection task that found it, if any.
    pub inspection_task_id: Option<Uuid>,
}

/// One of [`SANCTIONS`].
fn check_sanction(s: &str) -> Result<(), validator::ValidationError> {
    validate::one_of(s, &SANCTIONS)
}

/// A recorded violation.
#[derive(Debug, Serialize, ToSchema)]
pub struct ViolationView {
    pub id: Uuid,
    pub institution_id: Uuid,
    pub occurred_on: NaiveDate,
    pub description: String,
    pub sanction: String,
    pub sanction_name: String,
    pub complaint_id: Option<Uuid>,
    pub inspection_task_id: Option<Uuid>,
    pub recorded_at: DateTime<Utc>,
}

/// The answer to recording a violation: the violation and the institution afterwards.
#[derive(Debug, Serialize, ToSchema)]
pub struct ViolationRecorded {
    pub violation: ViolationView,
    pub institution: InstitutionView,
}

fn view(v: violation::Model, lang: Lang) -> ViolationView {
    let sanction_name = i18n::code_name(lang, "sanction", &v.sanction);
    ViolationView {
        id: v.id,
        institution_id: v.institution_id,
        occurred_on: v.occurred_on,
        description: v.description,
        sanction: v.sanction,
        sanction_name,
        complaint_id: v.complaint_id,
        inspection_task_id: v.inspection_task_id,
        recorded_at: v.recorded_at,
    }
}

/// 记录违规行为
///
/// 记录违规行为及其处理（市人社局）。暂停即暂停该机构，注销即注销该机构并退回其编码（R13）。
///
/// Record a violation and its sanction (bureau). `suspension` suspends the institution and
/// `cancellation` cancels it and retires its code (R13), exactly as the lifecycle endpoints do,
/// in the same transaction; a sanction the institution's status does not allow is a 409 and
/// records nothing.
#[utoipa::path(operation_id = "recordViolation", tag = "supervision", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = NewViolation,
    responses((status = 201, description = "Recorded", body = ViolationRecorded),
        (status = 409, description = "The sanction does not fit the institution's status", body = crate::error::ProblemBody, content_type = "application/problem+json")))]
#[post("/institutions/{id}/violations")]
pub async fn record(
    state: web::Data<AppState>,
    caller: Caller,
    ctx: RequestContext,
    id: web::Path<Uuid>,
    body: ApiJson<NewViolation>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Bureau])?;
    crate::views::institution::load(&state.db, &caller, *id).await?;
    let (req, mut errors) = body.with_violations();
    let today = state.clock.today();
    if req.occurred_on > today
        || req.occurred_on < chrono::NaiveDate::from_ymd_opt(2020, 1, 1).unwrap_or(today)
    {
        errors.push(FieldError::new("occurred_on", Rule::InvalidDate));
    }
    if let Some(c) = req.complaint_id
        && repo::supervision::complaint(&state.db, c).await?.is_none_or(|c| c.institution_id != *id)
    {
        errors.push(FieldError::new("complaint_id", Rule::Missing));
    }
    if let Some(t) = req.inspection_task_id
        && repo::supervision::task(&state.db, t).await?.is_none()
    {
        errors.push(FieldError::new("inspection_task_id", Rule::Missing));
    }
    errors.finish()?;
    let description = validate::trimmed(&req.description);
    let new = use_case::supervision::NewViolation {
        institution_id: *id,
        occurred_on: req.occurred_on,
        description,
        sanction: req.sanction,
        complaint_id: req.complaint_id,
        inspection_task_id: req.inspection_task_id,
    };
    let (v, institution) = use_case::run(&state, caller.actor(), async |change| {
        use_case::supervision::record_violation(change, new).await
    })
    .await?;
    let inst = crate::views::institution::view(&state.db, institution, today, ctx.lang).await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/institutions/{}/violations", inst.id)))
        .json(ViolationRecorded { violation: view(v, ctx.lang), institution: inst }))
}

crate::paged_query!(
    ViolationPage,
    "Sort by `occurred_on`, `recorded_at`, `sanction` (`-` first for descending, e.g. `-occurred_on`)."
);

/// 查询违规记录
///
/// 评价机构的违规记录，最新的在前：市人社局、鉴定中心、机构所在区县和机构本身可查。
///
/// An institution's recorded violations, newest first: bureau and centre, the district of the
/// institution, and the institution itself.
#[utoipa::path(operation_id = "listViolations", tag = "supervision", security(("bearer" = [])), params(("id" = Uuid, Path), ViolationPage),
    responses((status = 200, description = "A page of violations", body = ListBody<ViolationView>)))]
#[get("/institutions/{id}/violations")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    ctx: RequestContext,
    id: web::Path<Uuid>,
    query: ApiQuery<ViolationPage>,
) -> Result<HttpResponse, ApiError> {
    let i = crate::views::institution::load(&state.db, &caller, *id).await?;
    let mut errors = Vec::new();
    let page = query.0.pagination().check(&mut errors, &["occurred_on", "recorded_at", "sanction"]);
    crate::extract::query_errors(errors)?;
    let found = repo::supervision::violations(&state.db, i.id, page).await?;
    let items = found.items.into_iter().map(|v| view(v, ctx.lang)).collect();
    Ok(HttpResponse::Ok().json(ListBody::<ViolationView> {
        items,
        total: found.total,
        page: page.page,
        per_page: page.per_page,
    }))
}
