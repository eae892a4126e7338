//! The bureau's decision (R8, R11): approval allocates the next municipal serial and creates the
//! institution with its filing code and scope (R9, R10); a renewal keeps the code.

use super::document::FilingDocument;
use super::{FilingView, load, next_status, view};
use crate::audit;
use crate::auth::Caller;
use crate::context::RequestContext;
use crate::error::{ApiError, FieldError};
use crate::extract::ApiJson;
use crate::i18n::{Problem, Rule};
use crate::state::AppState;
use actix_web::{HttpResponse, post, web};
use chrono::NaiveDate;
use domain::filing::{DecisionError, FilingAction, check_evaluated, check_validity};
use domain::institution::{InstitutionStatus, LifecycleAction, StoredStatus, lifecycle};
use domain::{InstitutionCode, Role, Serial};
use persistence::entity::{filing, institution, institution_scope, school};
use persistence::repo;
use persistence::sea_orm::ActiveValue::Set;
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// An approval.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApproveRequest {
    /// Last day of validity: after today, at most 3 years from today (R11).
    #[schema(example = "2029-11-27")]
    pub valid_until: NaiveDate,
    /// The bureau's opinion, printed on the receipt.
    #[schema(example = "经评估，符合技工院校职业技能等级认定评价机构条件，同意备案。")]
    pub opinion: String,
}

/// A rejection.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RejectRequest {
    pub opinion: String,
}

fn opinion(text: &str) -> Result<String, ApiError> {
    domain::text::multi_line(text, 2000)
        .map(str::to_owned)
        .map_err(|_| ApiError::validation(vec![FieldError::new("opinion", Rule::Blank)]))
}

/// The scope rows of an approved document (duplicates collapse).
fn scope_rows(institution_id: Uuid, doc: &FilingDocument) -> Vec<institution_scope::Model> {
    let mut rows: Vec<institution_scope::Model> = Vec::new();
    for r in &doc.occupations {
        let (Some(code), Some(level), Some(standard_id)) = (&r.occupation_code, &r.level, r.standard_id)
        else {
            continue;
        };
        let work_type = r.work_type.clone().unwrap_or_default().trim().to_owned();
        if rows.iter().any(|x| x.occupation_code == *code && x.work_type == work_type && x.level == *level) {
            continue;
        }
        rows.push(institution_scope::Model {
            institution_id,
            occupation_code: code.clone(),
            work_type,
            level: level.clone(),
            standard_id,
        });
    }
    rows
}

/// What the bureau decided, and when.
struct Decision<'a> {
    valid_until: NaiveDate,
    opinion: &'a str,
    today: NaiveDate,
    now: chrono::DateTime<chrono::Utc>,
}

/// Creates the institution of an approved initial filing (inside the approving transaction).
async fn create_institution(
    tx: &persistence::DatabaseTransaction,
    f: &filing::Model,
    s: &school::Model,
    doc: &FilingDocument,
    d: Decision<'_>,
) -> Result<institution::Model, ApiError> {
    let Decision { valid_until, opinion, today, now } = d;
    let serial = repo::institution::allocate_serial(tx)
        .await?
        .ok_or_else(|| ApiError::new(Problem::SerialsExhausted))?;
    let serial = Serial::new(serial).ok_or_else(|| ApiError::internal("counter outside 1..=999999"))?;
    let code = InstitutionCode::from_serial(serial).to_string();
    repo::institution::register_code(tx, &code, serial.get(), now).await?;
    let id = Uuid::now_v7();
    let basic = &doc.basic;
    let m = institution::Model {
        id,
        code,
        school_id: s.id,
        name: basic.name.clone().unwrap_or_else(|| s.name.clone()),
        credit_code: basic.credit_code.clone().unwrap_or_else(|| s.credit_code.clone()),
        registered_address: basic.registered_address.clone().unwrap_or_else(|| s.registered_address.clone()),
        office_address: basic.office_address.clone().unwrap_or_else(|| s.office_address.clone()),
        legal_representative: basic
            .legal_representative
            .clone()
            .unwrap_or_else(|| s.legal_representative.clone()),
        district_code: s.district_code.clone(),
        status: StoredStatus::Active.code().into(),
        status_reason: None,
        valid_from: today,
        valid_until,
        filing_id: f.id,
        bureau_opinion: opinion.to_owned(),
        decided_on: today,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    Ok(repo::institution::insert(tx, m, scope_rows(id, doc)).await?)
}

/// Approve an application under evaluation (bureau), once at least one expert has evaluated the
/// current round (R8). An initial filing gets the next municipal serial and the filing code
/// `S000050` + serial (R9, R10), never reused; a renewal keeps its code. Validity runs from today
/// to `valid_until`, at most 3 years (R11). The receipt is then at
/// `/api/v1/institutions/{id}/receipt`.
#[utoipa::path(
    tag = "filings",
    security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    request_body = ApproveRequest,
    responses(
        (status = 200, description = "Approved", body = FilingView),
        (status = 409, description = "Wrong status, no evaluation yet, or serials exhausted", body = crate::error::ProblemBody, content_type = "application/problem+json"),
    )
)]
#[post("/filings/{id}/approve")]
pub async fn approve(
    state: web::Data<AppState>,
    caller: Caller,
    ctx: RequestContext,
    id: web::Path<Uuid>,
    body: ApiJson<ApproveRequest>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Bureau])?;
    load(&state.db, &caller, *id).await?;
    let req = body.0;
    let opinion = opinion(&req.opinion)?;
    let today = state.clock.today();
    match check_validity(today, req.valid_until) {
        Ok(()) => {}
        Err(DecisionError::ValidityTooLong { latest }) => {
            return Err(ApiError::validation(vec![
                FieldError::new("valid_until", Rule::ValidityTooLong).with("latest", latest),
            ]));
        }
        Err(_) => {
            return Err(ApiError::validation(vec![FieldError::new(
                "valid_until",
                Rule::ValidityNotAfterStart,
            )]));
        }
    }
    let now = state.clock.now();
    let tx = persistence::begin_write(&state.db).await?;
    let current = repo::filing::find(&tx, *id).await?.ok_or_else(ApiError::not_found)?;
    let next = next_status(&current, FilingAction::Approve)?;
    let evaluated = repo::filing::evaluations_in_round(&tx, current.id, current.round).await?;
    check_evaluated(evaluated as usize).map_err(|_| ApiError::new(Problem::EvaluationRequired))?;
    let s = repo::school::find(&tx, current.school_id).await?.ok_or_else(ApiError::not_found)?;
    let doc: FilingDocument = serde_json::from_value(current.document.clone()).map_err(ApiError::internal)?;

    if current.institution_id.is_none() && repo::institution::live_of_school(&tx, s.id).await?.is_some() {
        return Err(ApiError::validation(vec![FieldError::new("school_id", Rule::AlreadyFiled)]));
    }
    let institution = match current.institution_id {
        None => {
            let d = Decision { valid_until: req.valid_until, opinion: &opinion, today, now };
            create_institution(&tx, &current, &s, &doc, d).await?
        }
        Some(existing) => {
            let inst = repo::institution::find(&tx, existing).await?.ok_or_else(ApiError::not_found)?;
            let stored =
                StoredStatus::from_code(&inst.status).ok_or_else(|| ApiError::internal("bad status"))?;
            let status = InstitutionStatus::on(stored, inst.valid_until, today);
            lifecycle(status, LifecycleAction::Renew).map_err(|st| {
                ApiError::new(Problem::InstitutionNotActive)
                    .with_name("status", crate::i18n::Name::Code("institution_status", st.code()))
            })?;
            repo::institution::replace_scope(&tx, inst.id, scope_rows(inst.id, &doc)).await?;
            let version = inst.version;
            let mut m: institution::ActiveModel = inst.into();
            m.status = Set(StoredStatus::Active.code().into());
            m.valid_from = Set(today);
            m.valid_until = Set(req.valid_until);
            m.filing_id = Set(current.id);
            m.bureau_opinion = Set(opinion.clone());
            m.decided_on = Set(today);
            if let Some(name) = doc.basic.name.clone() {
                m.name = Set(name);
            }
            repo::institution::save(&tx, m, version, now).await?
        }
    };
    let version = current.version;
    let kind = current.kind.clone();
    let mut m: filing::ActiveModel = current.into();
    m.status = Set(next.code().into());
    m.decided_at = Set(Some(now));
    m.decision_opinion = Set(Some(opinion));
    m.valid_until = Set(Some(req.valid_until));
    let saved = repo::filing::save(&tx, m, version, now).await?;
    audit::record(
        &tx,
        &ctx,
        &caller,
        "filing.approved",
        ("filing", saved.id.to_string()),
        serde_json::json!({"institution_id": institution.id, "code": institution.code, "valid_until": req.valid_until, "kind": kind}),
        now,
    )
    .await?;
    let action = if kind == "renewal" { "institution.renewed" } else { "institution.filed" };
    crate::outbox::institution_event(&tx, action, &institution, None, now).await?;
    audit::record(
        &tx,
        &ctx,
        &caller,
        action,
        ("institution", institution.id.to_string()),
        serde_json::json!({"code": institution.code, "name": institution.name, "valid_from": institution.valid_from, "valid_until": institution.valid_until}),
        now,
    )
    .await?;
    let v = view::build(&tx, &caller, saved, &s, ctx.lang).await?;
    tx.commit().await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Location", format!("/api/v1/institutions/{}", institution.id)))
        .json(v))
}

/// Reject an application under evaluation (bureau), after at least one evaluation (R8).
#[utoipa::path(
    tag = "filings",
    security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    request_body = RejectRequest,
    responses(
        (status = 200, description = "Rejected", body = FilingView),
        (status = 409, description = "Wrong status or no evaluation yet", body = crate::error::ProblemBody, content_type = "application/problem+json"),
    )
)]
#[post("/filings/{id}/reject")]
pub async fn reject(
    state: web::Data<AppState>,
    caller: Caller,
    ctx: RequestContext,
    id: web::Path<Uuid>,
    body: ApiJson<RejectRequest>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Bureau])?;
    load(&state.db, &caller, *id).await?;
    let opinion = opinion(&body.0.opinion)?;
    let now = state.clock.now();
    let tx = persistence::begin_write(&state.db).await?;
    let current = repo::filing::find(&tx, *id).await?.ok_or_else(ApiError::not_found)?;
    let next = next_status(&current, FilingAction::Reject)?;
    let evaluated = repo::filing::evaluations_in_round(&tx, current.id, current.round).await?;
    check_evaluated(evaluated as usize).map_err(|_| ApiError::new(Problem::EvaluationRequired))?;
    let s = repo::school::find(&tx, current.school_id).await?.ok_or_else(ApiError::not_found)?;
    let version = current.version;
    let mut m: filing::ActiveModel = current.into();
    m.status = Set(next.code().into());
    m.decided_at = Set(Some(now));
    m.decision_opinion = Set(Some(opinion.clone()));
    let saved = repo::filing::save(&tx, m, version, now).await?;
    audit::record(
        &tx,
        &ctx,
        &caller,
        "filing.rejected",
        ("filing", saved.id.to_string()),
        serde_json::json!({"opinion": opinion}),
        now,
    )
    .await?;
    let v = view::build(&tx, &caller, saved, &s, ctx.lang).await?;
    tx.commit().await?;
    Ok(HttpResponse::Ok().json(v))
}
