//! How a batch plan (计划报备) is shown: its method, occupations and sessions, and who may see it.

use crate::auth::Caller;
use crate::error::ApiError;
use crate::i18n::Name;
use chrono::{DateTime, NaiveDate, Utc};
use persistence::entity::{institution, plan, plan_session};
use persistence::repo;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

/// Final assessment components a plan may combine (notice 四(二)).
pub const COMPONENTS: [&str; 4] =
    ["theory_exam", "practical_exam", "enterprise_evaluation", "competition_selection"];
/// Session kinds.
pub const SESSION_KINDS: [&str; 5] =
    ["theory", "practical", "enterprise_evaluation", "competition", "process"];

/// How candidates are assessed.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct AssessmentMethod {
    /// Process assessment during teaching (过程考核) is part of the result.
    pub process_assessment: bool,
    /// Final components used: `theory_exam`, `practical_exam`, `enterprise_evaluation`,
    /// `competition_selection`.
    #[validate(custom(function = "check_components"))]
    pub components: Vec<String>,
    /// Pass mark out of 100 for each assessed component, when the standard sets one other than
    /// 60 (R20).
    #[validate(range(min = 1, max = 100, code = "out_of_range"))]
    pub pass_mark: Option<u8>,
}

/// An occupation × level the plan assesses.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct PlanOccupation {
    #[schema(example = "6-18-01-01")]
    pub occupation_code: String,
    /// 工种, if the scope names one.
    pub work_type: Option<String>,
    #[schema(value_type = crate::schemas::LevelCodeSchema)]
    #[validate(custom(function = "crate::validate::level"))]
    pub level: String,
    /// The level's display name (in answers; ignored when sent).
    #[serde(default)]
    #[schema(read_only)]
    pub level_name: Option<String>,
}

/// A session (场次).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct Session {
    pub occupation_code: String,
    #[schema(value_type = String, format = Date, example = "2026-12-15")]
    pub date: NaiveDate,
    /// `HH:MM`, China Standard Time.
    #[schema(example = "09:00")]
    #[validate(custom(function = "crate::validate::time"))]
    pub starts_at: String,
    #[schema(example = "11:00")]
    #[validate(custom(function = "crate::validate::time"))]
    pub ends_at: String,
    #[validate(custom(function = "crate::validate::line::<200>"))]
    pub venue: String,
    /// `theory`, `practical`, `enterprise_evaluation`, `competition` or `process`.
    #[schema(example = "theory")]
    #[validate(custom(function = "session_kind"))]
    pub kind: String,
    /// The kind's display name (in answers; ignored when sent).
    #[serde(default)]
    #[schema(read_only)]
    pub kind_name: Option<String>,
    /// Examiners by examiner certificate number, from the institution's roster for this occupation.
    #[validate(length(min = 1, code = "too_few"))]
    pub examiners: Vec<String>,
    /// Supervisors by name, from the institution's roster.
    #[validate(length(min = 1, code = "too_few"))]
    pub supervisors: Vec<String>,
}

/// What a plan holds (sent whole when created or changed).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct PlanBody {
    #[schema(example = "2026年12月数控车工批次")]
    #[validate(custom(function = "crate::validate::line::<100>"))]
    pub title: String,
    #[validate(nested)]
    pub method: AssessmentMethod,
    /// At most 100.
    #[validate(length(max = 100, code = "too_long"), nested)]
    pub occupations: Vec<PlanOccupation>,
    /// At most 500.
    #[validate(length(max = 500, code = "too_long"), nested)]
    pub sessions: Vec<Session>,
}

/// Final components of an assessment, each one of [`COMPONENTS`].
fn check_components(list: &[String]) -> Result<(), validator::ValidationError> {
    match list.iter().position(|c| !COMPONENTS.contains(&c.as_str())) {
        Some(i) => Err(crate::validate::rule(
            crate::i18n::Rule::NotOneOf,
            &[("allowed", &COMPONENTS.join(", ")), (crate::validate::ITEM, &i)],
        )),
        None => Ok(()),
    }
}

/// A kind of session, one of [`SESSION_KINDS`].
fn session_kind(s: &str) -> Result<(), validator::ValidationError> {
    crate::validate::one_of(s, &SESSION_KINDS)
}

/// A plan as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlanView {
    pub id: Uuid,
    pub institution_id: Uuid,
    pub institution_code: String,
    pub institution_name: String,
    pub title: String,
    /// `draft`, `filed`, `returned`, `acknowledged` or `cancelled`.
    pub status: String,
    pub status_name: String,
    /// Where its results stand: `assessment`, `publicity`, `reported`, `review_returned` or `reviewed`.
    pub phase: String,
    pub phase_name: String,
    pub method: AssessmentMethod,
    pub occupations: Vec<PlanOccupation>,
    pub sessions: Vec<Session>,
    pub candidates: u64,
    /// Date the plan (or its latest change) was filed, China Standard Time.
    pub filed_on: Option<NaiveDate>,
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub return_reasons: Option<String>,
    /// When and why the plan was cancelled.
    pub cancelled_at: Option<DateTime<Utc>>,
    pub cancellation_reason: Option<String>,
    pub round: i32,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The `ETag` of a plan version.
pub fn etag(version: i32) -> String {
    format!("\"p{version}\"")
}

/// Loads a plan and its institution, 404 outside the caller's scope.
pub async fn load(
    db: &impl persistence::ConnectionTrait,
    caller: &Caller,
    id: Uuid,
) -> Result<(plan::Model, institution::Model), ApiError> {
    let p = repo::plan::find(db, id).await?.ok_or_else(ApiError::not_found)?;
    let i = repo::institution::find(db, p.institution_id).await?.ok_or_else(ApiError::not_found)?;
    if !crate::views::institution::may_see(caller, &i) {
        return Err(ApiError::not_found());
    }
    Ok((p, i))
}

/// Builds the view.
pub async fn view(
    db: &impl persistence::ConnectionTrait,
    p: plan::Model,
    i: &institution::Model,
    lang: crate::i18n::Lang,
) -> Result<PlanView, ApiError> {
    let occupations = repo::plan::occupations(db, p.id)
        .await?
        .into_iter()
        .map(|o| PlanOccupation {
            occupation_code: o.occupation_code,
            work_type: Some(o.work_type).filter(|w| !w.is_empty()),
            level_name: Some(crate::i18n::level_name(lang, &o.level)),
            level: o.level,
        })
        .collect();
    let sessions = repo::plan::sessions(db, p.id)
        .await?
        .into_iter()
        .map(session_of)
        .map(|mut s| {
            s.kind_name = Some(crate::i18n::code_name(lang, "session_kind", &s.kind));
            s
        })
        .collect();
    let candidates = repo::plan::candidate_count(db, p.id).await?;
    let status = p.plan_status()?;
    let method: AssessmentMethod = serde_json::from_value(p.method.clone()).map_err(ApiError::internal)?;
    Ok(PlanView {
        status_name: crate::i18n::group_code("plan_status", status.code())
            .map_or_else(|| status.code().to_owned(), |(g, c)| crate::i18n::name(lang, Name::Code(g, c))),
        id: p.id,
        institution_id: i.id,
        institution_code: i.code.clone(),
        institution_name: i.name.clone(),
        title: p.title,
        status: status.code().to_owned(),
        phase_name: crate::i18n::code_name(lang, "plan_phase", &p.phase),
        phase: p.phase,
        method,
        occupations,
        sessions,
        candidates,
        filed_on: p.filed_on,
        acknowledged_at: p.acknowledged_at,
        return_reasons: p.return_reasons,
        cancelled_at: p.cancelled_at,
        cancellation_reason: p.cancellation_reason,
        round: p.round,
        version: p.version,
        created_at: p.created_at,
        updated_at: p.updated_at,
    })
}

pub fn session_of(s: plan_session::Model) -> Session {
    Session {
        occupation_code: s.occupation_code,
        date: s.day,
        starts_at: s.starts_at,
        ends_at: s.ends_at,
        venue: s.venue,
        kind: s.kind,
        kind_name: None,
        examiners: serde_json::from_value(s.examiners).unwrap_or_default(),
        supervisors: serde_json::from_value(s.supervisors).unwrap_or_default(),
    }
}
