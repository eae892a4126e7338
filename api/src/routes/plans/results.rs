//! Results of a plan: photos, assessment results with their history (R20), publicity with
//! objections (R21, R22), reporting and the centre's review (R23).

use super::{AssessmentMethod, load};
use crate::audit;
use crate::auth::Caller;
use crate::context::RequestContext;
use crate::error::{ApiError, FieldError};
use crate::extract::ApiJson;
use crate::i18n::{Name, Problem, Rule};
use crate::state::AppState;
use crate::upload::{self, image, image::ImageError};
use crate::validate::Errors;
use actix_web::{HttpRequest, HttpResponse, get, post, put, web};
use chrono::{DateTime, NaiveDate, Utc};
use domain::Role;
use domain::results::{
    ComponentResult, DEFAULT_PASS_MARK, ReportBlock, mask_name, may_report, passed, publicity_end,
};
use persistence::entity::{assessment_result, candidate, objection, plan, plan_report};
use persistence::repo;
use persistence::repo::results::NewResult;
use persistence::sea_orm::ActiveValue::Set;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use utoipa::ToSchema;
use uuid::Uuid;

/// The components a plan assesses: process assessment (when used) and its final components.
pub fn components(method: &AssessmentMethod) -> Vec<String> {
    let mut c = Vec::new();
    if method.process_assessment {
        c.push("process".to_owned());
    }
    c.extend(method.components.iter().cloned());
    c
}

fn method_of(p: &plan::Model) -> Result<AssessmentMethod, ApiError> {
    serde_json::from_value(p.method.clone()).map_err(ApiError::internal)
}

fn wrong_plan_status(p: &plan::Model, action: &'static str) -> ApiError {
    let status = domain::plan::PlanStatus::from_code(&p.status).map_or("draft", |s| s.code());
    ApiError::new(Problem::WrongStatus)
        .with_name("action", Name::Code("result_action", action))
        .with_name("status", Name::Code("plan_status", status))
}

fn wrong_phase(p: &plan::Model, action: &'static str) -> ApiError {
    let phase = crate::i18n::group_code("plan_phase", &p.phase).map_or("assessment", |(_, c)| c);
    ApiError::new(Problem::WrongStatus)
        .with_name("action", Name::Code("result_action", action))
        .with_name("status", Name::Code("plan_phase", phase))
}

fn value(r: &assessment_result::Model) -> Option<ComponentResult> {
    match (r.score, r.award) {
        (Some(s), _) => Some(ComponentResult::Score(s)),
        (None, Some(a)) => Some(ComponentResult::Award(a)),
        _ => None,
    }
}

/// Whether each candidate passed (R20); `None` while a result is missing.
pub(crate) fn outcomes(
    p: &plan::Model,
    cands: &[candidate::Model],
    history: &[assessment_result::Model],
) -> Result<HashMap<Uuid, Option<bool>>, ApiError> {
    let method = method_of(p)?;
    let comps = components(&method);
    let current = repo::results::current(history);
    let mark = method.pass_mark.map_or(DEFAULT_PASS_MARK, f64::from);
    Ok(cands
        .iter()
        .map(|c| {
            let values: Vec<Option<ComponentResult>> =
                comps.iter().map(|k| current.get(&(c.id, k.clone())).and_then(value)).collect();
            (c.id, passed(&values, mark))
        })
        .collect())
}

/// One entered value.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResultInput {
    pub candidate_id: Uuid,
    /// `process`, `theory_exam`, `practical_exam`, `enterprise_evaluation` or `competition_selection`.
    pub component: String,
    /// Score out of 100 (one of `score` and `award`).
    pub score: Option<f64>,
    /// For `competition_selection`: an award (stands for the exam, R20).
    pub award: Option<bool>,
    /// Why a value is changed (required when the component already has one).
    pub reason: Option<String>,
}

/// Values to record.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResultsInput {
    pub results: Vec<ResultInput>,
}

/// A component's history entry.
#[derive(Debug, Serialize, ToSchema)]
pub struct ResultEntry {
    pub component: String,
    pub score: Option<f64>,
    pub award: Option<bool>,
    pub reason: Option<String>,
    pub entered_by: Uuid,
    pub entered_at: DateTime<Utc>,
}

/// A candidate's results.
#[derive(Debug, Serialize, ToSchema)]
pub struct CandidateResults {
    pub candidate_id: Uuid,
    pub name: String,
    pub occupation_code: String,
    pub level: String,
    pub level_name: String,
    /// Current value per component.
    pub current: Vec<ResultEntry>,
    /// `true`/`false` once every component has a value (R20), else absent.
    pub passed: Option<bool>,
    /// The centre's review: `pending`, `approved` or `rejected`.
    pub review_status: String,
    pub review_status_name: String,
    /// Every value ever entered, oldest first (never updated in place).
    pub history: Vec<ResultEntry>,
}

/// A plan's results.
#[derive(Debug, Serialize, ToSchema)]
pub struct ResultsView {
    /// `assessment`, `publicity`, `reported`, `review_returned` or `reviewed`.
    pub phase: String,
    pub phase_name: String,
    pub components: Vec<String>,
    pub pass_mark: f64,
    pub publicity_started_on: Option<NaiveDate>,
    pub publicity_ends_on: Option<NaiveDate>,
    pub candidates: Vec<CandidateResults>,
    pub reports: Vec<ReportView>,
}

/// A report round.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportView {
    pub round: i32,
    pub reported_at: DateTime<Utc>,
    /// `approved` or `returned` once the centre decided.
    pub decision: Option<String>,
    pub reasons: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
}

fn entry(r: &assessment_result::Model) -> ResultEntry {
    ResultEntry {
        component: r.component.clone(),
        score: r.score,
        award: r.award,
        reason: r.reason.clone(),
        entered_by: r.entered_by,
        entered_at: r.entered_at,
    }
}

async fn results_view(
    db: &impl persistence::ConnectionTrait,
    p: &plan::Model,
    lang: crate::i18n::Lang,
) -> Result<ResultsView, ApiError> {
    let method = method_of(p)?;
    let cands = repo::results::candidates(db, p.id).await?;
    let history = repo::results::all(db, p.id).await?;
    let current = repo::results::current(&history);
    let outcome = outcomes(p, &cands, &history)?;
    let comps = components(&method);
    let candidates = cands
        .into_iter()
        .map(|c| CandidateResults {
            current: comps.iter().filter_map(|k| current.get(&(c.id, k.clone()))).map(entry).collect(),
            history: history.iter().filter(|r| r.candidate_id == c.id).map(entry).collect(),
            passed: outcome.get(&c.id).copied().flatten(),
            candidate_id: c.id,
            name: c.name,
            occupation_code: c.occupation_code,
            level_name: crate::i18n::level_name(lang, &c.level),
            level: c.level,
            review_status_name: crate::i18n::code_name(lang, "review_status", &c.review_status),
            review_status: c.review_status,
        })
        .collect();
    let reports = repo::results::reports(db, p.id)
        .await?
        .into_iter()
        .map(|r: plan_report::Model| ReportView {
            round: r.round,
            reported_at: r.reported_at,
            decision: r.decision,
            reasons: r.reasons,
            decided_at: r.decided_at,
        })
        .collect();
    Ok(ResultsView {
        phase_name: crate::i18n::code_name(lang, "plan_phase", &p.phase),
        phase: p.phase.clone(),
        components: comps,
        pass_mark: method.pass_mark.map_or(DEFAULT_PASS_MARK, f64::from),
        publicity_started_on: p.publicity_started_on,
        publicity_ends_on: p.publicity_ends_on,
        candidates,
        reports,
    })
}

/// Results of a plan with every change (institution, centre, bureau, the plan's district).
#[utoipa::path(tag = "results", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, description = "Results", body = ResultsView)))]
#[get("/plans/{id}/results")]
pub async fn get_results(
    state: web::Data<AppState>,
    caller: Caller,
    ctx: RequestContext,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let (p, _) = load(&state.db, &caller, *id).await?;
    Ok(HttpResponse::Ok().json(results_view(&state.db, &p, ctx.lang).await?))
}

/// Checks values against the plan; returns the rows to append.
async fn check_values(
    db: &impl persistence::ConnectionTrait,
    p: &plan::Model,
    input: &[ResultInput],
    require_reason: bool,
) -> Result<Vec<NewResult>, ApiError> {
    let method = method_of(p)?;
    let comps = components(&method);
    let cands: HashMap<Uuid, candidate::Model> =
        repo::results::candidates(db, p.id).await?.into_iter().map(|c| (c.id, c)).collect();
    let history = repo::results::all(db, p.id).await?;
    let current = repo::results::current(&history);
    let mut e = Errors::default();
    let mut out = Vec::new();
    for (k, r) in input.iter().enumerate() {
        let at = |f: &str| format!("results[{k}].{f}");
        if !cands.contains_key(&r.candidate_id) {
            e.push(FieldError::new(at("candidate_id"), Rule::NotInPlan).with("code", r.candidate_id));
        }
        if !comps.contains(&r.component) {
            e.push(FieldError::new(at("component"), Rule::NotOneOf).with("allowed", comps.join(", ")));
        }
        match (r.score, r.award) {
            (Some(s), None) if (0.0..=100.0).contains(&s) && (s * 10.0).fract() == 0.0 => {}
            (Some(_), None) => {
                e.push(FieldError::new(at("score"), Rule::OutOfRange).with("min", 0).with("max", 100))
            }
            (None, Some(_)) if r.component == "competition_selection" => {}
            _ => e.push(FieldError::new(at("score"), Rule::ScoreOrAward)),
        }
        let reason = r.reason.as_deref().map(str::trim).filter(|t| !t.is_empty());
        if reason.is_some_and(|t| t.chars().count() > 500 || t.chars().any(char::is_control)) {
            e.push(FieldError::new(at("reason"), Rule::TooLong).with("max", 500));
        }
        let changes = current.contains_key(&(r.candidate_id, r.component.clone()));
        if (changes || require_reason) && reason.is_none() {
            e.push(FieldError::new(at("reason"), Rule::ReasonRequired));
        }
        out.push(NewResult {
            candidate_id: r.candidate_id,
            component: r.component.clone(),
            score: r.score,
            award: r.award,
            reason: reason.map(str::to_owned),
        });
    }
    if input.is_empty() {
        e.push(FieldError::new("results", Rule::TooFew).with("min", 1));
    }
    e.finish()?;
    Ok(out)
}

/// Record results (the institution, once the centre acknowledged the plan, before publicity or
/// after the centre returned the report). Values are appended, never overwritten: changing a
/// value needs a reason, and every change is kept. Locked once reported.
#[utoipa::path(tag = "results", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = ResultsInput,
    responses((status = 200, description = "Recorded", body = ResultsView),
        (status = 409, description = "Not acknowledged, in publicity, or reported", body = crate::error::ProblemBody, content_type = "application/problem+json")))]
#[post("/plans/{id}/results")]
pub async fn record(
    state: web::Data<AppState>,
    caller: Caller,
    ctx: RequestContext,
    id: web::Path<Uuid>,
    body: ApiJson<ResultsInput>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::School])?;
    let (p, _) = load(&state.db, &caller, *id).await?;
    if p.status != "acknowledged" {
        return Err(wrong_plan_status(&p, "record"));
    }
    if !matches!(p.phase.as_str(), "assessment" | "review_returned") {
        return Err(wrong_phase(&p, "record"));
    }
    let rows = check_values(&state.db, &p, &body.0.results, false).await?;
    let now = state.clock.now();
    let tx = persistence::begin_write(&state.db).await?;
    let current = repo::plan::find(&tx, p.id).await?.ok_or_else(ApiError::not_found)?;
    if current.phase != p.phase {
        return Err(wrong_phase(&current, "record"));
    }
    let count = rows.len();
    repo::results::record(&tx, p.id, rows, caller.id(), now).await?;
    audit::record(
        &tx,
        &ctx,
        &caller,
        "plan.results_recorded",
        ("plan", p.id.to_string()),
        serde_json::json!({"values": count}),
        now,
    )
    .await?;
    let v = results_view(&tx, &current, ctx.lang).await?;
    tx.commit().await?;
    Ok(HttpResponse::Ok().json(v))
}

/// Start the publicity (公示) of the results (institution): every candidate needs every result.
/// It runs over the 5 working days after today (R21).
#[utoipa::path(tag = "results", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, description = "Publicity started", body = ResultsView),
        (status = 409, description = "Wrong phase", body = crate::error::ProblemBody, content_type = "application/problem+json")))]
#[post("/plans/{id}/publicity")]
pub async fn start_publicity(
    state: web::Data<AppState>,
    caller: Caller,
    ctx: RequestContext,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::School])?;
    let (p, _) = load(&state.db, &caller, *id).await?;
    if p.status != "acknowledged" {
        return Err(wrong_plan_status(&p, "publish"));
    }
    if p.phase != "assessment" {
        return Err(wrong_phase(&p, "publish"));
    }
    let cands = repo::results::candidates(&state.db, p.id).await?;
    let history = repo::results::all(&state.db, p.id).await?;
    let outcome = outcomes(&p, &cands, &history)?;
    let mut e = Errors::default();
    for (k, c) in cands.iter().enumerate() {
        if outcome.get(&c.id).copied().flatten().is_none() {
            e.push(
                FieldError::new(format!("candidates[{k}]"), Rule::ResultsIncomplete).with("name", &c.name),
            );
        }
    }
    e.finish()?;
    let today = state.clock.today();
    let cal = repo::calendar::calendar(&state.db).await?;
    let ends = publicity_end(&cal, today).ok_or_else(|| ApiError::internal("calendar span"))?;
    let now = state.clock.now();
    let tx = persistence::begin_write(&state.db).await?;
    let current = repo::plan::find(&tx, p.id).await?.ok_or_else(ApiError::not_found)?;
    if current.phase != "assessment" {
        return Err(wrong_phase(&current, "publish"));
    }
    let version = current.version;
    let mut m: plan::ActiveModel = current.into();
    m.phase = Set("publicity".into());
    m.publicity_started_on = Set(Some(today));
    m.publicity_ends_on = Set(Some(ends));
    let saved = repo::plan::save(&tx, m, version, now).await?;
    audit::record(
        &tx,
        &ctx,
        &caller,
        "plan.publicity_started",
        ("plan", p.id.to_string()),
        serde_json::json!({"from": today, "ends_on": ends}),
        now,
    )
    .await?;
    let v = results_view(&tx, &saved, ctx.lang).await?;
    tx.commit().await?;
    Ok(HttpResponse::Ok().json(v))
}

/// One passing candidate as published.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicCandidate {
    /// Reference for objections.
    pub candidate_id: Uuid,
    /// Partly masked (王**).
    pub name: String,
    pub occupation_code: String,
    pub work_type: String,
    pub level: String,
    pub level_name: String,
}

/// A publicity notice.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicityView {
    pub plan_id: Uuid,
    pub title: String,
    pub institution_code: String,
    pub institution_name: String,
    pub starts_on: NaiveDate,
    /// The last day of the publicity; objections are accepted until then.
    pub ends_on: NaiveDate,
    /// Candidates who passed: names partly masked, no ID numbers.
    pub passed: Vec<PublicCandidate>,
}

/// The publicity of a plan's results: who passed, names partly masked, no ID numbers (public).
#[utoipa::path(tag = "public", params(("id" = Uuid, Path)), responses((status = 200, description = "The notice", body = PublicityView)))]
#[get("/public/publicity/{id}")]
pub async fn public_notice(
    state: web::Data<AppState>,
    ctx: RequestContext,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let p = repo::plan::find(&state.db, *id).await?.ok_or_else(ApiError::not_found)?;
    let (Some(starts_on), Some(ends_on)) = (p.publicity_started_on, p.publicity_ends_on) else {
        return Err(ApiError::not_found());
    };
    let i = repo::institution::find(&state.db, p.institution_id).await?.ok_or_else(ApiError::not_found)?;
    let cands = repo::results::candidates(&state.db, p.id).await?;
    let history = repo::results::all(&state.db, p.id).await?;
    let outcome = outcomes(&p, &cands, &history)?;
    let passed = cands
        .into_iter()
        .filter(|c| outcome.get(&c.id).copied().flatten() == Some(true))
        .map(|c| PublicCandidate {
            level_name: c
                .level
                .parse()
                .map(|l| crate::i18n::name(ctx.lang, Name::Level(l)))
                .unwrap_or_default(),
            candidate_id: c.id,
            name: mask_name(&c.name),
            occupation_code: c.occupation_code,
            work_type: if c.work_type.is_empty() { "——".into() } else { c.work_type },
            level: c.level,
        })
        .collect();
    Ok(HttpResponse::Ok().json(PublicityView {
        plan_id: p.id,
        title: p.title,
        institution_code: i.code,
        institution_name: i.name,
        starts_on,
        ends_on,
        passed,
    }))
}

/// Objections one client address may lodge against one plan's publicity.
pub const OBJECTIONS_PER_ADDRESS: i32 = 5;
/// The shortest reason for an objection, in characters.
pub const OBJECTION_MIN_CHARS: usize = 10;
/// The longest reason for an objection, in characters.
pub const OBJECTION_MAX_CHARS: usize = 2000;

/// An objection.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewObjection {
    /// The published candidate concerned, if any.
    pub candidate_id: Option<Uuid>,
    /// The reason, 10–2,000 characters.
    pub content: String,
    /// How the institution can reach the objector: a mobile number or an e-mail address;
    /// required, never published.
    pub contact: String,
}

/// A lodged objection's receipt.
#[derive(Debug, Serialize, ToSchema)]
pub struct ObjectionReceipt {
    pub id: Uuid,
    pub lodged_at: DateTime<Utc>,
    /// The same objection (same candidate, same reason) was already lodged: this one was merged
    /// into it, and its receipt is answered.
    pub merged: bool,
}

/// A mobile number (11 digits from 1, `+86` allowed) or an e-mail address.
fn contact_ok(c: &str) -> bool {
    let digits: String =
        c.strip_prefix("+86").unwrap_or(c).chars().filter(|ch| !matches!(ch, ' ' | '-')).collect();
    let mobile = digits.len() == 11 && digits.starts_with('1') && digits.bytes().all(|b| b.is_ascii_digit());
    let email = c.split_once('@').is_some_and(|(user, host)| {
        !user.is_empty()
            && host.contains('.')
            && !host.starts_with('.')
            && !host.ends_with('.')
            && !c.contains(' ')
    });
    mobile || email
}

/// The key identical objections share: the candidate and the reason with its spacing normalised.
fn content_key(candidate: Option<Uuid>, content: &str) -> String {
    let normal: Vec<&str> = content.split_whitespace().collect();
    let mut h = Sha256::new();
    h.update(candidate.map(|c| c.to_string()).unwrap_or_default());
    h.update(b"\n");
    h.update(normal.join(" "));
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Lodge an objection during the publicity (anyone, no account). A reason of 10–2,000 characters
/// and a contact (mobile or e-mail) are required; one client address may lodge at most five
/// objections against one publicity (429 after that), within the per-address limit of public
/// requests; an objection identical to one already lodged (same candidate, same reason) is merged
/// into it and its receipt answered (200, `merged`).
#[utoipa::path(tag = "public", params(("id" = Uuid, Path)), request_body = NewObjection,
    responses((status = 201, description = "Lodged", body = ObjectionReceipt),
        (status = 200, description = "Identical to one already lodged: merged into it", body = ObjectionReceipt),
        (status = 409, description = "The publicity is not running", body = crate::error::ProblemBody, content_type = "application/problem+json"),
        (status = 422, description = "Reason or contact missing or out of bounds", body = crate::error::ProblemBody, content_type = "application/problem+json"),
        (status = 429, description = "Too many objections from this address", body = crate::error::ProblemBody, content_type = "application/problem+json")))]
#[post("/public/publicity/{id}/objections")]
pub async fn lodge(
    state: web::Data<AppState>,
    ctx: RequestContext,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: ApiJson<NewObjection>,
) -> Result<HttpResponse, ApiError> {
    crate::routes::certificates::rate_limit(&state, &req).await?;
    let p = repo::plan::find(&state.db, *id).await?.ok_or_else(ApiError::not_found)?;
    let (Some(start), Some(end)) = (p.publicity_started_on, p.publicity_ends_on) else {
        return Err(ApiError::not_found());
    };
    let today = state.clock.today();
    if p.phase != "publicity" || today < start || today > end {
        return Err(ApiError::new(Problem::PublicityClosed).with("ends_on", end));
    }
    let b = body.0;
    let mut e = Errors::default();
    let content = match domain::text::multi_line(&b.content, OBJECTION_MAX_CHARS) {
        Ok(t) if t.chars().filter(|c| !c.is_whitespace()).count() >= OBJECTION_MIN_CHARS => {
            Some(t.to_owned())
        }
        Ok(_) => {
            e.push(FieldError::new("content", Rule::TooShort).with("min", OBJECTION_MIN_CHARS));
            None
        }
        Err(_) if b.content.chars().count() > OBJECTION_MAX_CHARS => {
            e.push(FieldError::new("content", Rule::TooLong).with("max", OBJECTION_MAX_CHARS));
            None
        }
        Err(_) => {
            e.push(FieldError::new("content", Rule::Blank));
            None
        }
    };
    let contact = e.single_line("contact", &b.contact, 100);
    if let Some(c) = &contact
        && !contact_ok(c)
    {
        e.push(FieldError::new("contact", Rule::InvalidContact));
    }
    if let Some(c) = b.candidate_id
        && repo::results::candidate(&state.db, c).await?.is_none_or(|x| x.plan_id != p.id)
    {
        e.push(FieldError::new("candidate_id", Rule::NotInPlan).with("code", c));
    }
    e.finish()?;
    let content = content.unwrap_or_default();
    let key = content_key(b.candidate_id, &content);
    let client = crate::client_address::ClientAddress::of(&req).to_string();
    let now = state.clock.now();
    let tx = persistence::begin_write(&state.db).await?;
    let current = repo::plan::find(&tx, p.id).await?.ok_or_else(ApiError::not_found)?;
    if current.phase != "publicity" {
        return Err(ApiError::new(Problem::PublicityClosed).with("ends_on", end));
    }
    if let Some(first) = repo::results::objection_by_content(&tx, p.id, &key).await? {
        repo::results::merge_objection(&tx, first.id).await?;
        crate::audit::record_public(
            &tx,
            &ctx,
            "plan.objection_merged",
            ("plan", p.id.to_string()),
            serde_json::json!({"objection_id": first.id}),
            now,
        )
        .await?;
        tx.commit().await?;
        return Ok(HttpResponse::Ok().json(ObjectionReceipt {
            id: first.id,
            lodged_at: first.lodged_at,
            merged: true,
        }));
    }
    // The slot is the check: unique per plan and address, so concurrent objections cannot both
    // take the last one.
    let slot = repo::results::next_address_slot(&tx, p.id, &client).await?;
    if slot > OBJECTIONS_PER_ADDRESS {
        let mut err = ApiError::new(Problem::ObjectionLimit).with("max", OBJECTIONS_PER_ADDRESS);
        err.retry_after = Some(u64::try_from((end - today).num_days().max(1) * 86_400).unwrap_or(86_400));
        return Err(err);
    }
    let saved = repo::results::lodge(
        &tx,
        objection::Model {
            id: Uuid::now_v7(),
            plan_id: p.id,
            candidate_id: b.candidate_id,
            content,
            contact: contact.unwrap_or_default(),
            lodged_at: now,
            answer: None,
            upheld: None,
            answered_at: None,
            answered_by: None,
            client_key: Some(client),
            address_slot: Some(slot),
            content_key: Some(key),
            merged: 0,
        },
    )
    .await?;
    crate::audit::record_public(
        &tx,
        &ctx,
        "plan.objection_lodged",
        ("plan", p.id.to_string()),
        serde_json::json!({"objection_id": saved.id}),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(HttpResponse::Created().json(ObjectionReceipt {
        id: saved.id,
        lodged_at: saved.lodged_at,
        merged: false,
    }))
}

/// An objection as the institution and supervisors see it.
#[derive(Serialize, ToSchema)]
pub struct ObjectionView {
    pub id: Uuid,
    pub candidate_id: Option<Uuid>,
    pub content: String,
    /// Masked for district offices.
    pub contact: String,
    pub lodged_at: DateTime<Utc>,
    pub answer: Option<String>,
    pub upheld: Option<bool>,
    pub answered_at: Option<DateTime<Utc>>,
}

/// Objections to a plan's results.
#[utoipa::path(tag = "results", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, description = "Objections, oldest first", body = Vec<ObjectionView>)))]
#[get("/plans/{id}/objections")]
pub async fn objections(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let (p, _) = load(&state.db, &caller, *id).await?;
    let full = caller.role != Role::District;
    let list: Vec<ObjectionView> = repo::results::objections(&state.db, p.id)
        .await?
        .into_iter()
        .map(|o| ObjectionView {
            id: o.id,
            candidate_id: o.candidate_id,
            content: o.content,
            contact: if full { o.contact } else { crate::routes::schools::mask_phone(&o.contact) },
            lodged_at: o.lodged_at,
            answer: o.answer,
            upheld: o.upheld,
            answered_at: o.answered_at,
        })
        .collect();
    Ok(HttpResponse::Ok().json(list))
}

/// An answer to an objection.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswerObjection {
    pub answer: String,
    /// Whether the objection is upheld.
    pub upheld: bool,
    /// For an upheld objection: the changed results (the answer is recorded as their reason).
    #[serde(default)]
    pub corrections: Vec<ResultInput>,
}

/// One answer of many.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OneAnswer {
    pub objection_id: Uuid,
    pub answer: String,
    /// Whether the objection is upheld (results are corrected one objection at a time, with
    /// `POST /plans/{id}/objections/{objection_id}/answer`).
    pub upheld: bool,
}

/// Answers to many objections at once.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswerMany {
    /// 1–500 answers, each to an open objection of the plan.
    pub answers: Vec<OneAnswer>,
}

/// What answering many did.
#[derive(Debug, Serialize, ToSchema)]
pub struct AnsweredMany {
    pub answered: usize,
    /// Objections of the plan still open.
    pub open: u64,
}

/// Most answers in one request.
const MAX_ANSWERS: usize = 500;

/// Answer many objections at once (the institution), in one change: all are answered or none.
#[utoipa::path(tag = "results", security(("bearer" = [])), params(("id" = Uuid, Path)),
    request_body = AnswerMany, responses((status = 200, description = "Answered", body = AnsweredMany),
        (status = 409, description = "Not in publicity, or one of them was answered meanwhile", body = crate::error::ProblemBody, content_type = "application/problem+json"),
        (status = 422, description = "An answer is blank, an objection unknown, open twice or already answered", body = crate::error::ProblemBody, content_type = "application/problem+json")))]
#[post("/plans/{id}/objections/answers")]
pub async fn answer_many(
    state: web::Data<AppState>,
    caller: Caller,
    ctx: RequestContext,
    id: web::Path<Uuid>,
    body: ApiJson<AnswerMany>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::School])?;
    let (p, _) = load(&state.db, &caller, *id).await?;
    if p.phase != "publicity" {
        return Err(wrong_phase(&p, "answer"));
    }
    let answers = body.0.answers;
    if answers.is_empty() || answers.len() > MAX_ANSWERS {
        return Err(ApiError::validation(vec![
            FieldError::new("answers", Rule::OutOfRange).with("min", 1).with("max", MAX_ANSWERS),
        ]));
    }
    let mut e = Errors::default();
    let open: HashMap<Uuid, objection::Model> = repo::results::objections(&state.db, p.id)
        .await?
        .into_iter()
        .filter(|o| o.answered_at.is_none())
        .map(|o| (o.id, o))
        .collect();
    let mut seen = std::collections::HashSet::new();
    let mut texts = Vec::with_capacity(answers.len());
    for (k, a) in answers.iter().enumerate() {
        if !seen.insert(a.objection_id) {
            e.push(FieldError::new(format!("answers[{k}].objection_id"), Rule::Duplicate));
        } else if !open.contains_key(&a.objection_id) {
            e.push(
                FieldError::new(format!("answers[{k}].objection_id"), Rule::NotInPlan)
                    .with("code", a.objection_id),
            );
        }
        match domain::text::multi_line(&a.answer, 2000) {
            Ok(t) => texts.push(t.to_owned()),
            Err(_) => {
                e.push(FieldError::new(format!("answers[{k}].answer"), Rule::Blank));
                texts.push(String::new());
            }
        }
    }
    e.finish()?;
    let now = state.clock.now();
    let tx = persistence::begin_write(&state.db).await?;
    let current = repo::plan::find(&tx, p.id).await?.ok_or_else(ApiError::not_found)?;
    if current.phase != "publicity" {
        return Err(wrong_phase(&current, "answer"));
    }
    for (a, text) in answers.iter().zip(&texts) {
        // Conditional on still being open: a concurrent answer makes this whole change fail.
        if !repo::results::answer(&tx, a.objection_id, text, a.upheld, caller.id(), now).await? {
            return Err(ApiError::new(Problem::ConcurrentChange));
        }
    }
    let upheld = answers.iter().filter(|a| a.upheld).count();
    audit::record(
        &tx,
        &ctx,
        &caller,
        "plan.objections_answered",
        ("plan", p.id.to_string()),
        serde_json::json!({"answered": answers.len(), "upheld": upheld}),
        now,
    )
    .await?;
    let still_open = repo::results::open_objections(&tx, p.id).await?;
    tx.commit().await?;
    Ok(HttpResponse::Ok().json(AnsweredMany { answered: answers.len(), open: still_open }))
}

/// Answer an objection (the institution). An upheld objection may change results; each change is
/// recorded with the answer as its reason.
#[utoipa::path(tag = "results", security(("bearer" = [])), params(("id" = Uuid, Path), ("objection_id" = Uuid, Path)),
    request_body = AnswerObjection, responses((status = 200, description = "Answered", body = ResultsView)))]
#[post("/plans/{id}/objections/{objection_id}/answer")]
pub async fn answer(
    state: web::Data<AppState>,
    caller: Caller,
    ctx: RequestContext,
    path: web::Path<(Uuid, Uuid)>,
    body: ApiJson<AnswerObjection>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::School])?;
    let (plan_id, objection_id) = path.into_inner();
    let (p, _) = load(&state.db, &caller, plan_id).await?;
    let o = repo::results::objections(&state.db, p.id)
        .await?
        .into_iter()
        .find(|o| o.id == objection_id)
        .ok_or_else(ApiError::not_found)?;
    if o.answered_at.is_some() || p.phase != "publicity" {
        return Err(wrong_phase(&p, "answer"));
    }
    let a = body.0;
    let text = domain::text::multi_line(&a.answer, 2000)
        .map(str::to_owned)
        .map_err(|_| ApiError::validation(vec![FieldError::new("answer", Rule::Blank)]))?;
    if !a.upheld && !a.corrections.is_empty() {
        return Err(ApiError::validation(vec![FieldError::new("corrections", Rule::CorrectionsNeedUpheld)]));
    }
    let corrections: Vec<ResultInput> = a
        .corrections
        .iter()
        .cloned()
        .map(|mut c| {
            c.reason = Some(format!("异议成立 / objection upheld: {text}"));
            c
        })
        .collect();
    let rows = if corrections.is_empty() {
        Vec::new()
    } else {
        check_values(&state.db, &p, &corrections, true).await?
    };
    let now = state.clock.now();
    let tx = persistence::begin_write(&state.db).await?;
    let current = repo::plan::find(&tx, p.id).await?.ok_or_else(ApiError::not_found)?;
    if current.phase != "publicity" {
        return Err(wrong_phase(&current, "answer"));
    }
    if !repo::results::answer(&tx, o.id, &text, a.upheld, caller.id(), now).await? {
        return Err(ApiError::new(Problem::ConcurrentChange));
    }
    let changed = rows.len();
    if !rows.is_empty() {
        repo::results::record(&tx, p.id, rows, caller.id(), now).await?;
    }
    audit::record(
        &tx,
        &ctx,
        &caller,
        "plan.objection_answered",
        ("plan", p.id.to_string()),
        serde_json::json!({"objection_id": o.id, "upheld": a.upheld, "results_changed": changed}),
        now,
    )
    .await?;
    let v = results_view(&tx, &p, ctx.lang).await?;
    tx.commit().await?;
    Ok(HttpResponse::Ok().json(v))
}

/// Report the results to the centre (institution): only after the publicity window has ended
/// (R21) and every objection is answered (R22); after a returned review, report again. Results
/// are locked from now on.
#[utoipa::path(tag = "results", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, description = "Reported", body = ResultsView),
        (status = 409, description = "Publicity running, objections open, or wrong phase", body = crate::error::ProblemBody, content_type = "application/problem+json")))]
#[post("/plans/{id}/report")]
pub async fn report(
    state: web::Data<AppState>,
    caller: Caller,
    ctx: RequestContext,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::School])?;
    let (p, _) = load(&state.db, &caller, *id).await?;
    if !matches!(p.phase.as_str(), "publicity" | "review_returned") {
        return Err(wrong_phase(&p, "report"));
    }
    let today = state.clock.today();
    let now = state.clock.now();
    let tx = persistence::begin_write(&state.db).await?;
    let current = repo::plan::find(&tx, p.id).await?.ok_or_else(ApiError::not_found)?;
    let ends = current.publicity_ends_on.ok_or_else(|| ApiError::internal("publicity without end"))?;
    let open = repo::results::open_objections(&tx, p.id).await? as usize;
    match may_report(today, ends, open) {
        Ok(()) => {}
        Err(ReportBlock::PublicityRunning { ends_on }) => {
            return Err(ApiError::new(Problem::PublicityRunning).with("ends_on", ends_on));
        }
        Err(ReportBlock::ObjectionsOpen { count }) => {
            return Err(ApiError::new(Problem::ObjectionsOpen).with("count", count));
        }
    }
    let cands = repo::results::candidates(&tx, p.id).await?;
    let history = repo::results::all(&tx, p.id).await?;
    let outcome = outcomes(&current, &cands, &history)?;
    let passed_count = outcome.values().filter(|v| **v == Some(true)).count();
    let round = current.report_round + 1;
    repo::results::report(
        &tx,
        plan_report::Model {
            plan_id: p.id,
            round,
            reported_at: now,
            reported_by: caller.id(),
            summary: serde_json::json!({"candidates": cands.len(), "passed": passed_count}),
            decision: None,
            reasons: None,
            decided_at: None,
            decided_by: None,
        },
    )
    .await?;
    let version = current.version;
    let mut m: plan::ActiveModel = current.into();
    m.phase = Set("reported".into());
    m.report_round = Set(round);
    let saved = repo::plan::save(&tx, m, version, now).await?;
    audit::record(
        &tx,
        &ctx,
        &caller,
        "plan.reported",
        ("plan", p.id.to_string()),
        serde_json::json!({"round": round, "candidates": cands.len(), "passed": passed_count}),
        now,
    )
    .await?;
    let v = results_view(&tx, &saved, ctx.lang).await?;
    tx.commit().await?;
    Ok(HttpResponse::Ok().json(v))
}

/// The centre's review.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewRequest {
    /// `approve` (all passing candidates, except those listed in `rejected`) or `return`.
    pub decision: String,
    /// With `approve`: passing candidates the centre does not approve, with the reason in `reasons`.
    #[serde(default)]
    pub rejected: Vec<Uuid>,
    /// Required with `return` or when some candidates are rejected.
    pub reasons: Option<String>,
}

/// Review reported results (centre): approve in whole or per candidate, or return with reasons
/// (the institution corrects and reports again; every round is kept). Only approved candidates can
/// receive certificates (R23).
#[utoipa::path(tag = "results", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = ReviewRequest,
    responses((status = 200, description = "Reviewed", body = ResultsView),
        (status = 409, description = "Not reported", body = crate::error::ProblemBody, content_type = "application/problem+json")))]
#[post("/plans/{id}/review")]
pub async fn review(
    state: web::Data<AppState>,
    caller: Caller,
    ctx: RequestContext,
    id: web::Path<Uuid>,
    body: ApiJson<ReviewRequest>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Centre])?;
    let (p, _) = load(&state.db, &caller, *id).await?;
    if p.phase != "reported" {
        return Err(wrong_phase(&p, "review"));
    }
    let r = body.0;
    let mut e = Errors::default();
    if !matches!(r.decision.as_str(), "approve" | "return") {
        e.push(FieldError::new("decision", Rule::NotOneOf).with("allowed", "approve, return"));
    }
    let reasons =
        r.reasons.as_deref().and_then(|t| domain::text::multi_line(t, 2000).ok()).map(str::to_owned);
    if (r.decision == "return" || !r.rejected.is_empty()) && reasons.is_none() {
        e.push(FieldError::new("reasons", Rule::ReasonRequired));
    }
    let cands = repo::results::candidates(&state.db, p.id).await?;
    for (k, c) in r.rejected.iter().enumerate() {
        if !cands.iter().any(|x| x.id == *c) {
            e.push(FieldError::new(format!("rejected[{k}]"), Rule::NotInPlan).with("code", c));
        }
    }
    e.finish()?;
    let now = state.clock.now();
    let tx = persistence::begin_write(&state.db).await?;
    let current = repo::plan::find(&tx, p.id).await?.ok_or_else(ApiError::not_found)?;
    if current.phase != "reported" {
        return Err(wrong_phase(&current, "review"));
    }
    let history = repo::results::all(&tx, p.id).await?;
    let outcome = outcomes(&current, &cands, &history)?;
    let round = current.report_round;
    let (phase, decision) = if r.decision == "approve" {
        let approved: Vec<Uuid> = cands
            .iter()
            .filter(|c| outcome.get(&c.id).copied().flatten() == Some(true) && !r.rejected.contains(&c.id))
            .map(|c| c.id)
            .collect();
        let rejected: Vec<Uuid> = cands.iter().map(|c| c.id).filter(|c| !approved.contains(c)).collect();
        repo::results::set_review(&tx, &approved, "approved", None).await?;
        repo::results::set_review(&tx, &rejected, "rejected", reasons.as_deref()).await?;
        ("reviewed", "approved")
    } else {
        ("review_returned", "returned")
    };
    repo::results::decide(&tx, p.id, round, decision, reasons.as_deref(), caller.id(), now).await?;
    let version = current.version;
    let mut m: plan::ActiveModel = current.into();
    m.phase = Set(phase.into());
    let saved = repo::plan::save(&tx, m, version, now).await?;
    audit::record(
        &tx,
        &ctx,
        &caller,
        "plan.reviewed",
        ("plan", p.id.to_string()),
        serde_json::json!({"round": round, "decision": decision, "rejected": r.rejected}),
        now,
    )
    .await?;
    let v = results_view(&tx, &saved, ctx.lang).await?;
    tx.commit().await?;
    Ok(HttpResponse::Ok().json(v))
}

/// A 2-inch photo: 35 × 49 mm, so width/height between 0.65 and 0.78, at least 260 × 364 pixels
/// (about 190 dpi), at most [`upload::PHOTO_BYTES`] and [`upload::PHOTO_PIXELS`], a kind of JPEG
/// or PNG the e-certificate can show, and data that decode to the size the header declares.
pub async fn check_photo(bytes: web::Bytes) -> Result<image::Format, ApiError> {
    let field = |rule| ApiError::validation(vec![FieldError::new("photo", rule)]);
    if bytes.len() > upload::PHOTO_BYTES {
        return Err(field(Rule::PhotoTooLarge));
    }
    let h = image::header(&bytes).map_err(|_| field(Rule::PhotoUnreadable))?;
    let ratio = f64::from(h.width) / f64::from(h.height.max(1));
    if h.pixels() <= upload::PHOTO_PIXELS
        && (h.width < 260 || h.height < 364 || !(0.65..=0.78).contains(&ratio))
    {
        return Err(field(Rule::PhotoShape));
    }
    match image::decode_checked(bytes, upload::PHOTO_PIXELS).await {
        Ok(h) => Ok(h.format),
        Err(ImageError::TooManyPixels { width, height }) => Err(ApiError {
            errors: vec![
                FieldError::new("photo", Rule::TooManyPixels)
                    .with("width", width)
                    .with("height", height)
                    .with("max", upload::PHOTO_PIXELS),
            ],
            ..ApiError::new(Problem::UploadLimit)
        }),
        Err(ImageError::Format) => Err(field(Rule::PhotoFormat)),
        Err(ImageError::Unreadable) => Err(field(Rule::PhotoUnreadable)),
        Err(ImageError::Mismatch { width, height }) => Err(ApiError::validation(vec![
            FieldError::new("photo", Rule::ImageMismatch).with("width", width).with("height", height),
        ])),
    }
}

/// Upload a candidate's 2-inch photo (institution, while the plan is a draft or returned): the
/// raw JPEG or PNG as the body; type from the bytes, size and aspect checked. Replacing a photo
/// needs `If-Match` with its ETag.
#[utoipa::path(tag = "plans", security(("bearer" = [])), params(("id" = Uuid, Path), ("candidate_id" = Uuid, Path),
        ("If-Match" = Option<String>, Header, description = "The current photo's ETag, to replace it")),
    request_body(content = Vec<u8>, content_type = "image/jpeg", description = "JPEG or PNG"),
    responses((status = 204, description = "Stored"),
        (status = 412, description = "The photo changed since the ETag sent", body = crate::error::ProblemBody, content_type = "application/problem+json"),
        (status = 413, description = "Over 2 MiB or over the pixel limit", body = crate::error::ProblemBody, content_type = "application/problem+json"),
        (status = 415, description = "Not a JPEG or PNG", body = crate::error::ProblemBody, content_type = "application/problem+json"),
        (status = 422, description = "Not a 2-inch photo, or its data do not decode to its declared size", body = crate::error::ProblemBody, content_type = "application/problem+json")))]
#[put("/plans/{id}/candidates/{candidate_id}/photo")]
pub async fn put_photo(
    state: web::Data<AppState>,
    caller: Caller,
    ctx: RequestContext,
    req: HttpRequest,
    path: web::Path<(Uuid, Uuid)>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::School])?;
    let (plan_id, candidate_id) = path.into_inner();
    let (p, _) = load(&state.db, &caller, plan_id).await?;
    let c = repo::results::candidate(&state.db, candidate_id)
        .await?
        .filter(|c| c.plan_id == p.id)
        .ok_or_else(ApiError::not_found)?;
    if !matches!(p.status.as_str(), "draft" | "returned") {
        return Err(wrong_plan_status(&p, "photo"));
    }
    // Replacing a photo needs its ETag; the first upload not.
    if let Some(sha) = &c.photo_sha256 {
        crate::precondition::check_if_match(&req, &format!("\"{sha}\""))?;
    }
    let declared = upload::media_type(&req);
    if !matches!(declared.as_str(), "image/jpeg" | "image/png") {
        return Err(ApiError::new(Problem::UnsupportedFileType).with("allowed", "image/jpeg, image/png"));
    }
    let body = upload::read_body(&req, payload, upload::PHOTO_BYTES).await?;
    if upload::sniff(&body) != Some(declared.as_str()) {
        return Err(upload::content_mismatch("photo", &declared, &body));
    }
    let format = check_photo(body.clone()).await?;
    let sha: String = Sha256::digest(&body).iter().map(|b| format!("{b:02x}")).collect();
    // Named by content: a photo file is never overwritten, so a concurrent upload that loses the
    // race below cannot replace the winner's file, and certificates keep the photo they were
    // issued with.
    let key = format!("photos/{}/{}.{}", p.id, c.id, &sha[..16]);
    let path = state.attachments_dir.join(&key);
    let bytes = body;
    web::block(move || -> std::io::Result<()> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        // A temporary name of this request's own: concurrent uploads never write the same file.
        let mut tmp = path.clone().into_os_string();
        tmp.push(format!(".{}.part", Uuid::now_v7().simple()));
        std::fs::write(&tmp, &bytes)?;
        std::fs::rename(&tmp, &path)
    })
    .await
    .map_err(ApiError::internal)?
    .map_err(ApiError::internal)?;
    let now = state.clock.now();
    let tx = persistence::begin_write(&state.db).await?;
    super::candidates::touch(&tx, p.id, now).await?;
    if !repo::results::set_photo(&tx, c.id, &key, format.media_type(), &sha, c.photo_sha256.as_deref())
        .await?
    {
        return Err(ApiError::new(Problem::PreconditionFailed));
    }
    audit::record(
        &tx,
        &ctx,
        &caller,
        "plan.photo_uploaded",
        ("plan", p.id.to_string()),
        serde_json::json!({"candidate_id": c.id, "sha256": sha}),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(HttpResponse::NoContent().insert_header(("ETag", format!("\"{sha}\""))).finish())
}

/// A candidate's photo (institution, centre, bureau).
#[utoipa::path(tag = "plans", security(("bearer" = [])), params(("id" = Uuid, Path), ("candidate_id" = Uuid, Path)),
    responses((status = 200, description = "The photo", content_type = "image/jpeg", body = Vec<u8>)))]
#[get("/plans/{id}/candidates/{candidate_id}/photo")]
pub async fn get_photo(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let (plan_id, candidate_id) = path.into_inner();
    let (p, _) = load(&state.db, &caller, plan_id).await?;
    if caller.role == Role::District {
        return Err(ApiError::not_found());
    }
    let c = repo::results::candidate(&state.db, candidate_id)
        .await?
        .filter(|c| c.plan_id == p.id)
        .ok_or_else(ApiError::not_found)?;
    let (Some(key), Some(media)) = (c.photo_key, c.photo_media_type) else {
        return Err(ApiError::not_found());
    };
    let etag = format!("\"{}\"", c.photo_sha256.unwrap_or_default());
    let file = state.attachments_dir.join(key);
    let bytes = web::block(move || std::fs::read(file))
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok()
        .content_type(media)
        .insert_header(("Cache-Control", "private, no-store"))
        .insert_header(("ETag", etag))
        .body(bytes))
}
