//! How a plan's results are shown (R20): current values and their history per candidate,
//! who passed, the publicity notice, objections and the report rounds.

use crate::error::ApiError;
use crate::views::plan::AssessmentMethod;
use chrono::{DateTime, NaiveDate, Utc};
use domain::results::{ComponentResult, DEFAULT_PASS_MARK, passed};
use persistence::entity::{assessment_result, candidate, plan, plan_report};
use persistence::repo;
use serde::Serialize;
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

/// The plan's assessment method.
pub fn method_of(p: &plan::Model) -> Result<AssessmentMethod, ApiError> {
    serde_json::from_value(p.method.clone()).map_err(ApiError::internal)
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
    /// 1 for the first publicity, 2 and on when changed results were published again (R21).
    pub publicity_round: i32,
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

/// The results of plan `p`, every value ever entered with them.
pub async fn results_view(
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
        publicity_round: p.publicity_round,
        publicity_ends_on: p.publicity_ends_on,
        candidates,
        reports,
    })
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
    /// 1 for the first publicity; 2 and on when results that changed were published again (R21).
    pub round: i32,
    /// In a republication: the candidates whose results changed since the publicity before,
    /// with whether they pass now (names partly masked). Empty in the first round.
    pub changed: Vec<PublicChange>,
}

/// A candidate whose results changed, as a republication shows them.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicChange {
    #[serde(flatten)]
    pub candidate: PublicCandidate,
    /// Whether the candidate passes with the changed results.
    pub passed: bool,
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

/// What answering many did.
#[derive(Debug, Serialize, ToSchema)]
pub struct AnsweredMany {
    pub answered: usize,
    /// Objections of the plan still open.
    pub open: u64,
}
