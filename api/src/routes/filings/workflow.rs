//! Submission and the bureau's and experts' steps before the decision.

use super::document::{self, FilingDocument};
use super::{EvaluationFindings, FilingView, load, next_status, view};
use crate::audit;
use crate::auth::Caller;
use crate::context::RequestContext;
use crate::error::{ApiError, FieldError};
use crate::extract::ApiJson;
use crate::i18n::{Name, Problem, Rule};
use crate::state::AppState;
use crate::validate::Errors;
use actix_web::{HttpResponse, post, web};
use domain::filing::{
    FilingAction, OccupationRowFacts, SubmissionFacts, SubmissionViolation, check_submission,
};
use domain::{Level, Role, SchoolType};
use persistence::entity::{filing, filing_evaluation, school};
use persistence::repo;
use persistence::sea_orm::ActiveValue::Set;
use serde::Deserialize;
use std::collections::HashMap;
use utoipa::ToSchema;
use uuid::Uuid;

/// Gathers the facts the submission rules need and checks them all (R1–R5, R7).
pub async fn check(
    db: &impl persistence::ConnectionTrait,
    f: &filing::Model,
    s: &school::Model,
) -> Result<Vec<FieldError>, ApiError> {
    let doc: FilingDocument = serde_json::from_value(f.document.clone()).map_err(ApiError::internal)?;
    let mut errors = document::check_formats(&doc).0;
    let attachments: Vec<(Uuid, String)> =
        repo::filing::attachments(db, f.id).await?.into_iter().map(|a| (a.id, a.purpose)).collect();
    let mut missing = Vec::new();
    for (field, rule) in document::missing_parts(&doc, &attachments) {
        if rule == Rule::Missing {
            missing.push(field);
        } else {
            errors.push(FieldError::new(field, rule));
        }
    }
    let confirmed = repo::occupation::confirmed_access_codes(db).await?;
    let mut names: HashMap<String, Option<String>> = HashMap::new();
    let mut rows = Vec::new();
    for r in &doc.occupations {
        let code = r.occupation_code.clone().filter(|c| !c.trim().is_empty());
        let level = r.level.as_deref().and_then(|l| l.parse::<Level>().ok());
        let known = match &code {
            Some(c) => {
                if !names.contains_key(c) {
                    let name = repo::occupation::find(db, c).await?.map(|o| o.name);
                    names.insert(c.clone(), name);
                }
                names.get(c).is_some_and(Option::is_some)
            }
            None => false,
        };
        let has_standard = match (r.standard_id, &code, level) {
            (Some(id), Some(c), Some(l)) => repo::standard::covers(db, id, c, l.code()).await?,
            _ => false,
        };
        rows.push(OccupationRowFacts {
            major: r.major.clone(),
            access_type: code.as_ref().is_some_and(|c| confirmed.contains(c)),
            occupation_code: code,
            occupation_known: known,
            level,
            has_standard,
        });
    }
    let others_open = repo::filing::open_of_school(db, f.school_id).await?.iter().any(|o| o.id != f.id);
    let live = repo::institution::live_of_school(db, f.school_id).await?;
    let facts = SubmissionFacts {
        school_type: SchoolType::from_code(&s.school_type)
            .ok_or_else(|| ApiError::internal("bad school type"))?,
        rows,
        preparatory_majors: doc
            .majors
            .iter()
            .filter(|m| m.preparatory_technician_class)
            .filter_map(|m| m.name.clone())
            .collect(),
        examiner_occupations: doc.examiners.iter().map(|e| e.occupation_codes.clone()).collect(),
        missing,
        already_filed: others_open || (f.kind == "initial" && live.is_some()),
    };
    for (field, v) in check_submission(&facts) {
        let e = match v {
            SubmissionViolation::LevelNotAllowed { level, school_type } => {
                FieldError::new(field, Rule::LevelNotAllowed)
                    .with_name("level", Name::Level(level))
                    .with_name("school_type", Name::SchoolType(school_type))
            }
            SubmissionViolation::PreparatoryClassRequired { major } => {
                FieldError::new(field, Rule::PreparatoryClassRequired).with("major", major)
            }
            SubmissionViolation::AccessTypeOccupation { occupation_code } => {
                let name = names.get(&occupation_code).cloned().flatten().unwrap_or_default();
                FieldError::new(field, Rule::AccessTypeOccupation)
                    .with("code", occupation_code)
                    .with("name", name)
            }
            SubmissionViolation::TooFewExaminers { occupation_code, count } => {
                FieldError::new(field, Rule::TooFewExaminers)
                    .with("code", occupation_code)
                    .with("count", count)
                    .with("min", domain::filing::MIN_EXAMINERS_PER_OCCUPATION)
            }
            SubmissionViolation::NoStandard => {
                let i = field_index(&field);
                let row = doc.occupations.get(i);
                let code = row.and_then(|r| r.occupation_code.clone()).unwrap_or_default();
                let level = row.and_then(|r| r.level.as_deref()).and_then(|l| l.parse::<Level>().ok());
                let e = FieldError::new(field, Rule::NoStandard).with("code", code);
                match level {
                    Some(l) => e.with_name("level", Name::Level(l)),
                    None => e.with("level", ""),
                }
            }
            SubmissionViolation::UnknownOccupation { occupation_code } => {
                FieldError::new(field, Rule::UnknownOccupation).with("code", occupation_code)
            }
            SubmissionViolation::Missing => FieldError::new(field, Rule::Missing),
            SubmissionViolation::AlreadyFiled => FieldError::new(field, Rule::AlreadyFiled),
        };
        errors.push(e);
    }
    Ok(errors)
}

fn field_index(field: &str) -> usize {
    field.split('[').nth(1).and_then(|r| r.split(']').next()).and_then(|n| n.parse().ok()).unwrap_or(0)
}

async fn finish(
    tx: persistence::DatabaseTransaction,
    caller: &Caller,
    ctx: &RequestContext,
    saved: filing::Model,
) -> Result<HttpResponse, ApiError> {
    let s = repo::school::find(&tx, saved.school_id).await?.ok_or_else(ApiError::not_found)?;
    let v = view::build(&tx, caller, saved, &s, ctx.lang).await?;
    tx.commit().await?;
    Ok(HttpResponse::Ok().insert_header(("ETag", super::etag(v.version))).json(v))
}

/// Re-reads the application inside the transaction and moves it with `action`.
async fn reload_and_move(
    tx: &persistence::DatabaseTransaction,
    id: Uuid,
    action: FilingAction,
) -> Result<(filing::Model, domain::filing::FilingStatus), ApiError> {
    let current = repo::filing::find(tx, id).await?.ok_or_else(ApiError::not_found)?;
    let next = next_status(&current, action)?;
    Ok((current, next))
}

/// Submit the application (school). Every rule is checked and every violation reported at
/// once (422): levels the school type may not certify (R1), level 9 without a 预备技师班 (R2),
/// access-type occupations (R3), fewer than 3 examiners per occupation (R4), rows without a basis
/// standard (R5), missing parts, people or attachments (R7), another live filing or institution.
#[utoipa::path(
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
    ctx: RequestContext,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let (f, s) = load(&state.db, &caller, *id).await?;
    if caller.role != Role::School {
        return Err(ApiError::forbidden());
    }
    next_status(&f, FilingAction::Submit)?;
    let errors = check(&state.db, &f, &s).await?;
    if !errors.is_empty() {
        let count = errors.len();
        return Err(ApiError { errors, ..ApiError::new(Problem::SubmissionIncomplete) }.with("count", count));
    }
    let now = state.clock.now();
    let tx = persistence::begin_write(&state.db).await?;
    let (current, next) = reload_and_move(&tx, f.id, FilingAction::Submit).await?;
    if current.version != f.version {
        return Err(ApiError::new(Problem::PreconditionFailed));
    }
    repo::filing::insert_round(&tx, current.id, current.round, current.document.clone(), now).await?;
    let version = current.version;
    let round = current.round;
    let mut m: filing::ActiveModel = current.into();
    m.status = Set(next.code().into());
    m.submitted_at = Set(Some(now));
    let saved = repo::filing::save(&tx, m, version, now).await?;
    audit::record(
        &tx,
        &ctx,
        &caller,
        "filing.submitted",
        ("filing", saved.id.to_string()),
        serde_json::json!({"round": round}),
        now,
    )
    .await?;
    finish(tx, &caller, &ctx, saved).await
}

/// Accept a submitted application for evaluation (bureau).
#[utoipa::path(
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
    ctx: RequestContext,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Bureau])?;
    load(&state.db, &caller, *id).await?;
    let now = state.clock.now();
    let tx = persistence::begin_write(&state.db).await?;
    let (current, next) = reload_and_move(&tx, *id, FilingAction::Accept).await?;
    let version = current.version;
    let mut m: filing::ActiveModel = current.into();
    m.status = Set(next.code().into());
    let saved = repo::filing::save(&tx, m, version, now).await?;
    audit::record(
        &tx,
        &ctx,
        &caller,
        "filing.accepted",
        ("filing", saved.id.to_string()),
        serde_json::json!({}),
        now,
    )
    .await?;
    finish(tx, &caller, &ctx, saved).await
}

/// Why an application goes back.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReturnRequest {
    /// What the school must correct.
    pub reasons: String,
}

/// Return an application to the school with reasons (bureau); the school corrects it and
/// submits again, which starts a new round. Every round is kept.
#[utoipa::path(
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
    ctx: RequestContext,
    id: web::Path<Uuid>,
    body: ApiJson<ReturnRequest>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Bureau])?;
    load(&state.db, &caller, *id).await?;
    let reasons = match domain::text::multi_line(&body.0.reasons, 2000) {
        Ok(r) => r.to_owned(),
        Err(_) => return Err(ApiError::validation(vec![FieldError::new("reasons", Rule::Blank)])),
    };
    let now = state.clock.now();
    let tx = persistence::begin_write(&state.db).await?;
    let (current, next) = reload_and_move(&tx, *id, FilingAction::Return).await?;
    repo::filing::return_round(&tx, current.id, current.round, &reasons, now).await?;
    let version = current.version;
    let round = current.round;
    let mut m: filing::ActiveModel = current.into();
    m.status = Set(next.code().into());
    m.round = Set(round + 1);
    let saved = repo::filing::save(&tx, m, version, now).await?;
    audit::record(
        &tx,
        &ctx,
        &caller,
        "filing.returned",
        ("filing", saved.id.to_string()),
        serde_json::json!({"round": round, "reasons": reasons}),
        now,
    )
    .await?;
    finish(tx, &caller, &ctx, saved).await
}

/// Experts to assign.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignRequest {
    /// Ids of enabled `expert` accounts.
    pub expert_ids: Vec<Uuid>,
}

/// Assign experts to an accepted application (bureau); it is then under evaluation.
#[utoipa::path(
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
    ctx: RequestContext,
    id: web::Path<Uuid>,
    body: ApiJson<AssignRequest>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Bureau])?;
    load(&state.db, &caller, *id).await?;
    let ids = body.0.expert_ids;
    let mut errors = Errors::default();
    if ids.is_empty() {
        errors.push(FieldError::new("expert_ids", Rule::TooFew).with("min", 1));
    }
    if ids.len() > 20 {
        errors.push(FieldError::new("expert_ids", Rule::TooLong).with("max", 20));
    }
    for (i, expert) in ids.iter().enumerate() {
        let ok =
            repo::user::find(&state.db, *expert).await?.is_some_and(|u| u.role == "expert" && !u.disabled);
        if !ok {
            errors.push(FieldError::new(format!("expert_ids[{i}]"), Rule::UnknownExpert));
        }
    }
    errors.finish()?;
    let now = state.clock.now();
    let tx = persistence::begin_write(&state.db).await?;
    let (current, next) = reload_and_move(&tx, *id, FilingAction::AssignExperts).await?;
    for expert in &ids {
        repo::filing::assign_expert(&tx, current.id, *expert, now).await?;
    }
    let version = current.version;
    let mut m: filing::ActiveModel = current.into();
    m.status = Set(next.code().into());
    let saved = repo::filing::save(&tx, m, version, now).await?;
    audit::record(
        &tx,
        &ctx,
        &caller,
        "filing.experts_assigned",
        ("filing", saved.id.to_string()),
        serde_json::json!({"expert_ids": ids}),
        now,
    )
    .await?;
    finish(tx, &caller, &ctx, saved).await
}

/// A technical evaluation.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EvaluationRequest {
    pub findings: EvaluationFindings,
    /// `approve`, `reject` or `revise`.
    #[schema(example = "approve")]
    pub recommendation: String,
}

/// Record one's technical evaluation of the current round (assigned expert; once per round).
#[utoipa::path(
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
    ctx: RequestContext,
    id: web::Path<Uuid>,
    body: ApiJson<EvaluationRequest>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Expert])?;
    load(&state.db, &caller, *id).await?;
    let r = body.0;
    let mut errors = Errors::default();
    if crate::i18n::group_code("recommendation", &r.recommendation).is_none() {
        errors.push(
            FieldError::new("recommendation", Rule::NotOneOf).with("allowed", "approve, reject, revise"),
        );
    }
    for (f, finding) in [
        ("organisation_and_people", &r.findings.organisation_and_people),
        ("sites_and_equipment", &r.findings.sites_and_equipment),
        ("question_bank", &r.findings.question_bank),
        ("funding", &r.findings.funding),
    ] {
        if let Err(e) = domain::text::multi_line(&finding.comment, 2000) {
            let rule = match e {
                domain::text::TextError::Blank => Rule::Blank,
                domain::text::TextError::TooLong { .. } => Rule::TooLong,
                domain::text::TextError::ControlCharacter => Rule::ControlCharacter,
            };
            let fe = FieldError::new(format!("findings.{f}.comment"), rule);
            errors.push(if rule == Rule::TooLong { fe.with("max", 2000) } else { fe });
        }
    }
    errors.finish()?;
    let now = state.clock.now();
    let tx = persistence::begin_write(&state.db).await?;
    let (current, next) = reload_and_move(&tx, *id, FilingAction::Evaluate).await?;
    let already = repo::filing::evaluations(&tx, current.id)
        .await?
        .iter()
        .any(|e| e.expert_id == caller.id() && e.round == current.round);
    if already {
        return Err(ApiError::new(Problem::AlreadyEvaluated));
    }
    repo::filing::insert_evaluation(
        &tx,
        filing_evaluation::Model {
            id: Uuid::now_v7(),
            filing_id: current.id,
            expert_id: caller.id(),
            round: current.round,
            findings: serde_json::to_value(&r.findings).map_err(ApiError::internal)?,
            recommendation: r.recommendation.clone(),
            created_at: now,
        },
    )
    .await?;
    let version = current.version;
    let round = current.round;
    let mut m: filing::ActiveModel = current.into();
    m.status = Set(next.code().into());
    let saved = repo::filing::save(&tx, m, version, now).await?;
    audit::record(
        &tx,
        &ctx,
        &caller,
        "filing.evaluated",
        ("filing", saved.id.to_string()),
        serde_json::json!({"round": round, "recommendation": r.recommendation}),
        now,
    )
    .await?;
    let s = repo::school::find(&tx, saved.school_id).await?.ok_or_else(ApiError::not_found)?;
    let v = view::build(&tx, &caller, saved, &s, ctx.lang).await?;
    tx.commit().await?;
    Ok(HttpResponse::Created().json(v))
}
