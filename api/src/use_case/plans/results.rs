//! A plan's results (R20): recorded by the institution with their history, published for 5
//! working days (R21), reported to the centre once every objection is answered (R22) and
//! reviewed by it (R23). Objections are in [`super::objections`].

use super::Change;
use crate::error::{ApiError, FieldError};
use crate::i18n::{Name, Problem, Rule};
use crate::validate::{self, Errors};
use crate::views::results::{components, method_of, outcomes};
use chrono::{DateTime, Utc};
use domain::plan::{PlanAction, PlanPhase, ResultsAction, phase_transition};
use domain::results::{ReportBlock, ReviewStatus, may_report, publicity_end};
use persistence::entity::{assessment_result, candidate, plan, plan_report};
use persistence::repo;
use persistence::repo::results::NewResult;
use persistence::sea_orm::ActiveValue::Set;
use serde::Deserialize;
use std::collections::{BTreeSet, HashMap};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::{Validate, ValidationError};

/// One entered value.
#[derive(Debug, Clone, Deserialize, ToSchema, Validate, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct ResultInput {
    pub candidate_id: Uuid,
    /// `process`, `theory_exam`, `practical_exam`, `enterprise_evaluation` or `competition_selection`.
    pub component: String,
    /// Score out of 100 in steps of 0.1 (one of `score` and `award`).
    #[validate(custom(function = "check_score"))]
    pub score: Option<f64>,
    /// For `competition_selection`: an award (stands for the exam, R20).
    pub award: Option<bool>,
    /// Why a value is changed (required when the component already has one); blank is none.
    #[validate(custom(function = "validate::line_or_blank::<500>"))]
    pub reason: Option<String>,
}

/// A score from 0 to 100 in steps of 0.1.
fn check_score(s: f64) -> Result<(), ValidationError> {
    if (0.0..=100.0).contains(&s) && (s * 10.0).fract() == 0.0 {
        Ok(())
    } else {
        Err(validate::rule(Rule::OutOfRange, &[("min", &0), ("max", &100)]))
    }
}

/// 409: action `name` is not possible in `phase`.
pub(super) fn wrong_phase(phase: PlanPhase, name: &'static str) -> ApiError {
    ApiError::new(Problem::WrongStatus)
        .with_name("action", Name::Code("result_action", name))
        .with_name("status", Name::Code("plan_phase", phase.code()))
}

/// Plan `p`'s phase after `action` (called `name` in answers), or 409 naming its phase.
pub(super) fn step(
    p: &plan::Model,
    action: ResultsAction,
    name: &'static str,
) -> Result<PlanPhase, ApiError> {
    super::not_cancelled(p, ("result_action", name))?;
    phase_transition(p.plan_phase()?, action).map_err(|phase| wrong_phase(phase, name))
}

/// 409 naming plan `p`'s status unless the centre has acknowledged it (results follow the plan).
pub(super) fn acknowledged(p: &plan::Model, name: &'static str) -> Result<(), ApiError> {
    super::allows(p, PlanAction::Assess, ("result_action", name)).map(|_| ())
}

/// Reads plan `id` in the change.
pub(super) async fn find(change: &Change, id: Uuid) -> Result<plan::Model, ApiError> {
    repo::plan::find(change.db(), id).await?.ok_or_else(ApiError::not_found)
}

/// Checks values against the plan; returns the rows to append.
pub(super) async fn check_values(
    db: &impl persistence::ConnectionTrait,
    p: &plan::Model,
    input: &[ResultInput],
    require_reason: bool,
    found: Errors,
) -> Result<Vec<NewResult>, ApiError> {
    let method = method_of(p)?;
    let comps = components(&method);
    let cands: HashMap<Uuid, candidate::Model> =
        repo::results::candidates(db, p.id).await?.into_iter().map(|c| (c.id, c)).collect();
    let history = repo::results::all(db, p.id).await?;
    let current = repo::results::current(&history);
    let mut e = found;
    let mut out = Vec::new();
    for (k, r) in input.iter().enumerate() {
        let at = |f: &str| format!("results[{k}].{f}");
        if !cands.contains_key(&r.candidate_id) {
            e.push(FieldError::new(at("candidate_id"), Rule::NotInPlan).with("code", r.candidate_id));
        }
        if !comps.contains(&r.component) {
            e.push(FieldError::new(at("component"), Rule::NotOneOf).with("allowed", comps.join(", ")));
        }
        // The score's range and the reason's length are the body's rules (`ResultInput`).
        match (r.score, r.award) {
            (Some(_), None) => {}
            (None, Some(_)) if r.component == "competition_selection" => {}
            _ => e.push(FieldError::new(at("score"), Rule::ScoreOrAward)),
        }
        let reason = r.reason.as_deref().map(str::trim).filter(|t| !t.is_empty());
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
    e.finish()?;
    Ok(out)
}

/// Records values `input` for plan `id` (once the centre acknowledged it; before publicity or
/// after the centre returned the report). Values are appended, never overwritten: changing one
/// needs a reason.
pub async fn record(
    change: &mut Change,
    id: Uuid,
    input: &[ResultInput],
    found: Errors,
) -> Result<plan::Model, ApiError> {
    let p = find(change, id).await?;
    acknowledged(&p, "record")?;
    step(&p, ResultsAction::Record, "record")?;
    let rows = check_values(change.db(), &p, input, false, found).await?;
    let count = rows.len();
    let by = change.actor_id().ok_or_else(|| ApiError::internal("results are entered by an account"))?;
    repo::results::record(change.db(), p.id, rows, by, change.now()).await?;
    change.record("plan.results_recorded", ("plan", p.id.to_string()), serde_json::json!({"values": count}));
    Ok(p)
}

/// The candidates with a result entered after `since` (and up to `until`): their results changed
/// after a publicity started (R21). None when `since` is unknown (a publicity of before this was
/// recorded).
pub fn changed_candidates(
    history: &[assessment_result::Model],
    since: Option<DateTime<Utc>>,
    until: Option<DateTime<Utc>>,
) -> BTreeSet<Uuid> {
    let Some(since) = since else { return BTreeSet::new() };
    history
        .iter()
        .filter(|r| r.entered_at > since && until.is_none_or(|u| r.entered_at <= u))
        .map(|r| r.candidate_id)
        .collect()
}

/// Starts the publicity (公示) of plan `id`'s results over the 5 working days after today (R21):
/// every candidate needs every result. During a publicity, or after the centre returned the
/// results, it publishes them again (a new round of 5 working days): only when some changed since
/// the publicity started (409 `nothing_changed` otherwise).
pub async fn start_publicity(change: &mut Change, id: Uuid) -> Result<plan::Model, ApiError> {
    let p = find(change, id).await?;
    acknowledged(&p, "publish")?;
    let republish = matches!(p.plan_phase()?, PlanPhase::Publicity | PlanPhase::ReviewReturned);
    let action = if republish { ResultsAction::Republish } else { ResultsAction::StartPublicity };
    let next = step(&p, action, "publish")?;
    let cands = repo::results::candidates(change.db(), p.id).await?;
    let history = repo::results::all(change.db(), p.id).await?;
    let changed = changed_candidates(&history, p.publicity_started_at, None);
    if republish && changed.is_empty() {
        return Err(ApiError::new(Problem::NothingChanged));
    }
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
    let (today, now) = (change.today(), change.now());
    let cal = repo::calendar::calendar(change.db()).await?;
    let ends = publicity_end(&cal, today).ok_or_else(|| ApiError::internal("calendar span"))?;
    let (version, round, previous) = (p.version, p.publicity_round + 1, p.publicity_started_at);
    let mut m: plan::ActiveModel = p.into();
    m.phase = Set(next.code().into());
    m.publicity_started_on = Set(Some(today));
    m.publicity_ends_on = Set(Some(ends));
    m.publicity_started_at = Set(Some(now));
    m.publicity_round = Set(round);
    m.previous_publicity_at = Set(if republish { previous } else { None });
    let saved = repo::plan::save(change.db(), m, version, now).await?;
    change.record(
        "plan.publicity_started",
        ("plan", id.to_string()),
        serde_json::json!({"from": today, "ends_on": ends, "round": round,
                           "changed": if republish { changed.len() } else { 0 }}),
    );
    Ok(saved)
}

/// Reports plan `id`'s results to the centre: only the results published (those changed since the
/// publicity started are published again first, 409 `republication_required`), once the
/// publicity has ended (R21) and every objection is answered (R22); again after a returned review.
/// Results are locked from then on.
pub async fn report(change: &mut Change, id: Uuid) -> Result<plan::Model, ApiError> {
    let p = find(change, id).await?;
    let next = step(&p, ResultsAction::Report, "report")?;
    let (today, now) = (change.today(), change.now());
    let ends = p.publicity_ends_on.ok_or_else(|| ApiError::internal("publicity without end"))?;
    let open = repo::results::open_objections(change.db(), p.id).await? as usize;
    let history = repo::results::all(change.db(), p.id).await?;
    let changed = changed_candidates(&history, p.publicity_started_at, None).len();
    match may_report(today, ends, open, changed) {
        Ok(()) => {}
        Err(ReportBlock::RepublicationRequired { changed }) => {
            return Err(ApiError::new(Problem::RepublicationRequired).with("count", changed));
        }
        Err(ReportBlock::PublicityRunning { ends_on }) => {
            return Err(ApiError::new(Problem::PublicityRunning).with("ends_on", ends_on));
        }
        Err(ReportBlock::ObjectionsOpen { count }) => {
            return Err(ApiError::new(Problem::ObjectionsOpen).with("count", count));
        }
    }
    let cands = repo::results::candidates(change.db(), p.id).await?;
    let outcome = outcomes(&p, &cands, &history)?;
    let passed_count = outcome.values().filter(|v| **v == Some(true)).count();
    let round = p.report_round + 1;
    let by = change.actor_id().ok_or_else(|| ApiError::internal("results are reported by an account"))?;
    repo::results::report(
        change.db(),
        plan_report::Model {
            plan_id: p.id,
            round,
            reported_at: now,
            reported_by: by,
            summary: serde_json::json!({"candidates": cands.len(), "passed": passed_count}),
            decision: None,
            reasons: None,
            decided_at: None,
            decided_by: None,
        },
    )
    .await?;
    let version = p.version;
    let mut m: plan::ActiveModel = p.into();
    m.phase = Set(next.code().into());
    m.report_round = Set(round);
    let saved = repo::plan::save(change.db(), m, version, now).await?;
    change.record(
        "plan.reported",
        ("plan", id.to_string()),
        serde_json::json!({"round": round, "candidates": cands.len(), "passed": passed_count}),
    );
    Ok(saved)
}

/// The centre's review.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct ReviewRequest {
    /// `approve` (all passing candidates, except those listed in `rejected`) or `return`.
    #[validate(custom(function = "check_decision"))]
    pub decision: String,
    /// With `approve`: passing candidates the centre does not approve, with the reason in `reasons`.
    #[serde(default)]
    pub rejected: Vec<Uuid>,
    /// Required with `return` or when some candidates are rejected.
    #[validate(custom(function = "validate::lines_or_blank::<2000>"))]
    pub reasons: Option<String>,
}

/// The centre's decision on reported results: `approve` or `return`.
fn check_decision(s: &str) -> Result<(), ValidationError> {
    validate::one_of(s, &["approve", "return"])
}

/// The centre reviews plan `id`'s reported results: approves them (all passing candidates but
/// those rejected, R23) or returns them with reasons for correction; every round is kept.
pub async fn review(
    change: &mut Change,
    id: Uuid,
    r: &ReviewRequest,
    found: Errors,
) -> Result<plan::Model, ApiError> {
    let p = find(change, id).await?;
    step(&p, ResultsAction::Approve, "review")?;
    let mut e = found;
    let approve = r.decision == "approve";
    let reasons = validate::nonblank(&r.reasons);
    if (r.decision == "return" || !r.rejected.is_empty()) && reasons.is_none() {
        e.push(FieldError::new("reasons", Rule::ReasonRequired));
    }
    let cands: Vec<candidate::Model> = repo::results::candidates(change.db(), p.id).await?;
    for (k, c) in r.rejected.iter().enumerate() {
        if !cands.iter().any(|x| x.id == *c) {
            e.push(FieldError::new(format!("rejected[{k}]"), Rule::NotInPlan).with("code", c));
        }
    }
    e.finish()?;
    let history = repo::results::all(change.db(), p.id).await?;
    let outcome = outcomes(&p, &cands, &history)?;
    let round = p.report_round;
    let (action, decision) = if approve {
        let approved: Vec<Uuid> = cands
            .iter()
            .filter(|c| outcome.get(&c.id).copied().flatten() == Some(true) && !r.rejected.contains(&c.id))
            .map(|c| c.id)
            .collect();
        let rejected: Vec<Uuid> = cands.iter().map(|c| c.id).filter(|c| !approved.contains(c)).collect();
        repo::results::set_review(change.db(), &approved, ReviewStatus::Approved, None).await?;
        repo::results::set_review(change.db(), &rejected, ReviewStatus::Rejected, reasons.as_deref()).await?;
        (ResultsAction::Approve, "approved")
    } else {
        (ResultsAction::ReturnForCorrection, "returned")
    };
    let phase = step(&p, action, "review")?;
    let by = change.actor_id().ok_or_else(|| ApiError::internal("results are reviewed by an account"))?;
    repo::results::decide(change.db(), p.id, round, decision, reasons.as_deref(), by, change.now()).await?;
    let version = p.version;
    let mut m: plan::ActiveModel = p.into();
    m.phase = Set(phase.code().into());
    let saved = repo::plan::save(change.db(), m, version, change.now()).await?;
    change.record(
        "plan.reviewed",
        ("plan", id.to_string()),
        serde_json::json!({"round": round, "decision": decision, "rejected": r.rejected}),
    );
    Ok(saved)
}
