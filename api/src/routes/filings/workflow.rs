//! Submission and the bureau's and experts' steps before the decision.

use crate::auth::Caller;
use crate::error::{ApiError, FieldError};
use crate::extract::ApiJson;
use crate::i18n::{Lang, Rule};
use crate::state::AppState;
use crate::use_case::{self, filings};
use crate::validate;
use crate::views::filing::{self, EvaluationFindings, FilingView};
use actix_web::{HttpResponse, post, web};
use domain::Role;
use persistence::entity::filing as stored;
use persistence::repo;
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

/// The application as a change left it, with its ETag.
async fn respond(
    state: &AppState,
    caller: &Caller,
    saved: stored::Model,
    lang: Lang,
) -> Result<HttpResponse, ApiError> {
    let v = filing::of(&state.db, caller, saved, &state.data_key, lang).await?;
    Ok(HttpResponse::Ok().insert_header(("ETag", filing::etag(v.version))).json(v))
}

/// 提交备案申请
///
/// 提交备案申请（学校）。逐条检查全部规定，所有问题一次性报告（422）。
///
/// Submit the application (school). Every rule is checked and every violation reported at
/// once (422): levels the school type may not certify (R1), level 9 without a 预备技师班 (R2),
/// access-type occupations (R3), fewer than 3 examiners per occupation (R4), rows without a basis
/// standard (R5), missing parts, people or attachments (R7), another live filing or institution.
#[utoipa::path(
    operation_id = "submitFiling",
    tag = "filings",
    security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, description = "Submitted", body = FilingView),
        (status = 409, description = "Not in draft or returned", body = crate::error::ProblemBody, content_type = "application/problem+json"),
    )
)]
#[post("/filings/{id}/submit")]
pub async fn submit(
    state: web::Data<AppState>,
    caller: Caller,
    lang: Lang,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let (f, _) = filing::load(&state.db, &caller, *id).await?;
    if caller.role != Role::School {
        return Err(ApiError::forbidden());
    }
    let saved = use_case::run(&state, caller.actor(), async |c| filings::submit(c, f.id).await).await?;
    respond(&state, &caller, saved, lang).await
}

/// 受理备案申请
///
/// 受理已提交的备案申请，进入评估（市人社局）。
///
/// Accept a submitted application for evaluation (bureau).
#[utoipa::path(
    operation_id = "acceptFiling",
    tag = "filings",
    security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, description = "Accepted", body = FilingView),
        (status = 409, description = "Not submitted", body = crate::error::ProblemBody, content_type = "application/problem+json"),
    )
)]
#[post("/filings/{id}/accept")]
pub async fn accept(
    state: web::Data<AppState>,
    caller: Caller,
    lang: Lang,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Bureau])?;
    filing::load(&state.db, &caller, *id).await?;
    let saved = use_case::run(&state, caller.actor(), async |c| filings::accept(c, *id).await).await?;
    respond(&state, &caller, saved, lang).await
}

/// Why an application goes back.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct ReturnRequest {
    /// What the school must correct.
    #[validate(custom(function = "validate::lines::<2000>"))]
    pub reasons: String,
}

/// 退回备案申请
///
/// 退回备案申请并说明理由（市人社局）；学校修改后重新提交，开始新的一轮。各轮次都予保留。
///
/// Return an application to the school with reasons (bureau); the school corrects it and
/// submits again, which starts a new round. Every round is kept.
#[utoipa::path(
    operation_id = "returnFiling",
    tag = "filings",
    security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    request_body = ReturnRequest,
    responses(
        (status = 200, description = "Returned", body = FilingView),
        (status = 409, description = "Not returnable in its status", body = crate::error::ProblemBody, content_type = "application/problem+json"),
    )
)]
#[post("/filings/{id}/return")]
pub async fn return_to_school(
    state: web::Data<AppState>,
    caller: Caller,
    lang: Lang,
    id: web::Path<Uuid>,
    body: ApiJson<ReturnRequest>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Bureau])?;
    filing::load(&state.db, &caller, *id).await?;
    let reasons = validate::trimmed(&body.valid()?.reasons);
    let saved =
        use_case::run(&state, caller.actor(), async |c| filings::return_to_school(c, *id, &reasons).await)
            .await?;
    respond(&state, &caller, saved, lang).await
}

/// Experts to assign.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct AssignRequest {
    /// Ids of enabled `expert` accounts, 1–20.
    #[validate(custom(function = "one_to_twenty"))]
    pub expert_ids: Vec<Uuid>,
}

/// One expert at least, twenty at most.
fn one_to_twenty(ids: &[Uuid]) -> Result<(), validator::ValidationError> {
    match ids.len() {
        0 => Err(validate::rule(Rule::TooFew, &[("min", &1)])),
        n if n > 20 => Err(validate::rule(Rule::TooLong, &[("max", &20)])),
        _ => Ok(()),
    }
}

/// 指派评估专家
///
/// 为已受理的申请指派评估专家（市人社局），申请随即进入评估。
///
/// Assign experts to an accepted application (bureau); it is then under evaluation.
#[utoipa::path(
    operation_id = "assignFilingExperts",
    tag = "filings",
    security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    request_body = AssignRequest,
    responses(
        (status = 200, description = "Assigned", body = FilingView),
        (status = 409, description = "Not accepted yet", body = crate::error::ProblemBody, content_type = "application/problem+json"),
    )
)]
#[post("/filings/{id}/experts")]
pub async fn assign_experts(
    state: web::Data<AppState>,
    caller: Caller,
    lang: Lang,
    id: web::Path<Uuid>,
    body: ApiJson<AssignRequest>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Bureau])?;
    filing::load(&state.db, &caller, *id).await?;
    let (AssignRequest { expert_ids: ids }, mut errors) = body.with_violations();
    for (i, expert) in ids.iter().enumerate() {
        let ok =
            repo::user::find(&state.db, *expert).await?.is_some_and(|u| u.role == "expert" && !u.disabled);
        if !ok {
            errors.push(FieldError::new(format!("expert_ids[{i}]"), Rule::UnknownExpert));
        }
    }
    errors.finish()?;
    let saved =
        use_case::run(&state, caller.actor(), async |c| filings::assign_experts(c, *id, &ids).await).await?;
    respond(&state, &caller, saved, lang).await
}

/// A technical evaluation.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct EvaluationRequest {
    #[validate(nested)]
    pub findings: EvaluationFindings,
    /// `approve`, `reject` or `revise`.
    #[schema(example = "approve")]
    #[validate(custom(function = "check_recommendation"))]
    pub recommendation: String,
}

/// An expert's recommendation: `approve`, `reject` or `revise`.
fn check_recommendation(s: &str) -> Result<(), validator::ValidationError> {
    validate::one_of(s, &["approve", "reject", "revise"])
}

/// 提交技术评估意见
///
/// 提交本人对当前轮次的技术评估意见（被指派的专家；每轮一次）。
///
/// Record one's technical evaluation of the current round (assigned expert; once per round).
#[utoipa::path(
    operation_id = "evaluateFiling",
    tag = "filings",
    security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    request_body = EvaluationRequest,
    responses(
        (status = 201, description = "Recorded", body = FilingView),
        (status = 409, description = "Not under evaluation, or already evaluated", body = crate::error::ProblemBody, content_type = "application/problem+json"),
    )
)]
#[post("/filings/{id}/evaluations")]
pub async fn evaluate(
    state: web::Data<AppState>,
    caller: Caller,
    lang: Lang,
    id: web::Path<Uuid>,
    body: ApiJson<EvaluationRequest>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Expert])?;
    filing::load(&state.db, &caller, *id).await?;
    let r = body.valid()?;
    let saved = use_case::run(&state, caller.actor(), async |c| {
        filings::evaluate(c, *id, &r.findings, &r.recommendation).await
    })
    .await?;
    Ok(HttpResponse::Created().json(filing::of(&state.db, &caller, saved, &state.data_key, lang).await?))
}

/// Why the school withdraws its application.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct WithdrawRequest {
    #[validate(custom(function = "validate::lines::<2000>"))]
    pub reason: String,
}

/// 撤回备案申请
///
/// 学校在市人社局作出决定前撤回备案申请并说明理由；申请保留备查，学校可以另行申请。
///
/// Withdraw the application with a reason (its school), before the bureau decides. It stays on
/// record; the school may start another.
#[utoipa::path(
    operation_id = "withdrawFiling",
    tag = "filings",
    security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    request_body = WithdrawRequest,
    responses(
        (status = 200, description = "Withdrawn", body = FilingView),
        (status = 409, description = "Decided already", body = crate::error::ProblemBody, content_type = "application/problem+json"),
    )
)]
#[post("/filings/{id}/withdraw")]
pub async fn withdraw(
    state: web::Data<AppState>,
    caller: Caller,
    lang: Lang,
    id: web::Path<Uuid>,
    body: ApiJson<WithdrawRequest>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::School])?;
    filing::load(&state.db, &caller, *id).await?;
    let reason = validate::trimmed(&body.valid()?.reason);
    let saved =
        use_case::run(&state, caller.actor(), async |c| filings::withdraw(c, *id, &reason).await).await?;
    respond(&state, &caller, saved, lang).await
}
