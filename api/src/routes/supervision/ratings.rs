//! Integrity ratings (诚信评比, R37): per calendar year, a score and grade per institution from
//! documented inputs (`docs/SUPERVISION.md`): inspection results, upheld complaints, recorded
//! violations, returned and late reports. The bureau may adjust a score (±20) with a recorded
//! reason, then publishes the year; published ratings no longer change.

use crate::auth::Caller;
use crate::clock::china_standard_time;
use crate::context::RequestContext;
use crate::error::{ApiError, FieldError};
use crate::extract::{ApiJson, ApiQuery, ListBody, Pagination};
use crate::i18n::{self, Lang, Problem, Rule};
use crate::state::AppState;
use crate::use_case;
use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};
use domain::Role;
use domain::supervision::{MAX_ADJUSTMENT, RatingInputs};
use persistence::entity::integrity_rating;
use persistence::repo;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

/// An institution's rating.
#[derive(Debug, Serialize, ToSchema)]
pub struct RatingView {
    #[schema(example = 2026)]
    pub period: i32,
    pub institution_id: Uuid,
    pub institution_code: String,
    pub institution_name: String,
    pub district_code: String,
    /// What the score was computed from.
    pub inputs: RatingInputsView,
    /// 100 minus the deductions.
    pub computed_score: i32,
    /// The bureau's adjustment (−20 to 20) and its reason.
    pub adjustment: i32,
    pub adjustment_reason: Option<String>,
    /// The final score, 0–100.
    pub score: i32,
    /// `A` (≥ 90), `B` (≥ 75), `C` (≥ 60) or `D`.
    pub grade: String,
    pub grade_name: String,
    pub computed_at: DateTime<Utc>,
    pub published_at: Option<DateTime<Utc>>,
}

/// The inputs of a score (the same fields as the formula in `docs/SUPERVISION.md`).
#[derive(Debug, Serialize, ToSchema)]
pub struct RatingInputsView {
    pub inspections_passed: u32,
    pub inspections_rectify: u32,
    pub inspections_failed: u32,
    pub complaints_upheld: u32,
    pub violations_without_sanction: u32,
    pub warnings: u32,
    pub suspensions: u32,
    pub cancellations: u32,
    pub reports_returned: u32,
    pub reports_late: u32,
}

impl From<RatingInputs> for RatingInputsView {
    fn from(i: RatingInputs) -> Self {
        RatingInputsView {
            inspections_passed: i.inspections_passed,
            inspections_rectify: i.inspections_rectify,
            inspections_failed: i.inspections_failed,
            complaints_upheld: i.complaints_upheld,
            violations_without_sanction: i.violations_without_sanction,
            warnings: i.warnings,
            suspensions: i.suspensions,
            cancellations: i.cancellations,
            reports_returned: i.reports_returned,
            reports_late: i.reports_late,
        }
    }
}

async fn views(
    db: &impl persistence::ConnectionTrait,
    rows: Vec<integrity_rating::Model>,
    lang: Lang,
) -> Result<Vec<RatingView>, ApiError> {
    let institutions: HashMap<Uuid, persistence::entity::institution::Model> =
        repo::institution::all(db).await?.into_iter().map(|i| (i.id, i)).collect();
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let i = institutions
            .get(&r.institution_id)
            .ok_or_else(|| ApiError::internal("rating without institution"))?;
        let inputs: RatingInputs = serde_json::from_value(r.inputs).map_err(ApiError::internal)?;
        out.push(RatingView {
            period: r.period,
            institution_id: r.institution_id,
            institution_code: i.code.clone(),
            institution_name: i.name.clone(),
            district_code: i.district_code.clone(),
            inputs: inputs.into(),
            computed_score: r.computed_score,
            adjustment: r.adjustment,
            adjustment_reason: r.adjustment_reason,
            score: r.score,
            grade_name: i18n::code_name(lang, "integrity_grade", &r.grade),
            grade: r.grade,
            computed_at: r.computed_at,
            published_at: r.published_at,
        });
    }
    Ok(out)
}

/// The instants a year spans in China Standard Time: `[from, to)`.
fn year_bounds(year: i32) -> Result<(DateTime<Utc>, DateTime<Utc>), ApiError> {
    let start = |y: i32| {
        NaiveDate::from_ymd_opt(y, 1, 1)
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .and_then(|t| china_standard_time().from_local_datetime(&t).single())
            .map(|t| t.with_timezone(&Utc))
            .ok_or_else(|| ApiError::internal("year out of range"))
    };
    Ok((start(year)?, start(year + 1)?))
}

fn check_period(state: &AppState, period: i32) -> Result<(), ApiError> {
    let current = state.clock.today().year();
    if !(2020..=current).contains(&period) {
        return Err(ApiError::validation(vec![
            FieldError::new("period", Rule::OutOfRange).with("min", 2020).with("max", current),
        ]));
    }
    Ok(())
}

/// 计算诚信评级
///
/// 计算（或重新计算）某年的诚信评级（市人社局），覆盖年底前备案的每个机构。已作的调整予以保留。
///
/// Compute (or recompute) the ratings of a year (bureau), for every institution filed by the end
/// of it. An adjustment already made is kept. 409 once the year is published.
#[utoipa::path(operation_id = "computeRatings", tag = "supervision", security(("bearer" = [])), params(("period" = i32, Path, description = "The calendar year")),
    responses((status = 200, description = "The ratings, best first", body = Vec<RatingView>),
        (status = 409, description = "Already published", body = crate::error::ProblemBody, content_type = "application/problem+json")))]
#[post("/integrity-ratings/{period}/compute")]
pub async fn compute(
    state: web::Data<AppState>,
    caller: Caller,
    ctx: RequestContext,
    period: web::Path<i32>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Bureau])?;
    let period = *period;
    check_period(&state, period)?;
    let (from, to) = year_bounds(period)?;
    let rows = use_case::run(&state, caller.actor(), async |change| {
        use_case::ratings::compute(change, period, from, to).await
    })
    .await?;
    let out = views(&state.db, rows, ctx.lang).await?;
    Ok(HttpResponse::Ok().json(out))
}

/// An adjustment of a computed score.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct Adjustment {
    /// Points added to the computed score, −20 to 20 (0 removes an adjustment).
    #[schema(example = -5, minimum = -20, maximum = 20)]
    #[validate(range(min = -MAX_ADJUSTMENT, max = MAX_ADJUSTMENT, code = "out_of_range"))]
    pub adjustment: i32,
    /// Why; published with the rating.
    #[validate(custom(function = "crate::validate::lines::<2000>"))]
    pub reason: String,
}

/// 调整诚信评级
///
/// 调整一个机构的评分并说明理由（市人社局），须在该年评级发布之前。
///
/// Adjust one institution's score with a reason (bureau), before the year is published.
#[utoipa::path(operation_id = "adjustRating", tag = "supervision", security(("bearer" = [])),
    params(("period" = i32, Path), ("institution_id" = Uuid, Path)), request_body = Adjustment,
    responses((status = 200, description = "Adjusted", body = RatingView),
        (status = 409, description = "Already published", body = crate::error::ProblemBody, content_type = "application/problem+json")))]
#[post("/integrity-ratings/{period}/{institution_id}/adjust")]
pub async fn adjust(
    state: web::Data<AppState>,
    caller: Caller,
    ctx: RequestContext,
    path: web::Path<(i32, Uuid)>,
    body: ApiJson<Adjustment>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Bureau])?;
    let (period, id) = *path;
    let b = body.valid()?;
    let reason = crate::validate::trimmed(&b.reason);
    let saved = use_case::run(&state, caller.actor(), async |change| {
        use_case::ratings::adjust(change, period, id, b.adjustment, reason).await
    })
    .await?;
    let mut v = views(&state.db, vec![saved], ctx.lang).await?;
    v.pop().map(|v| HttpResponse::Ok().json(v)).ok_or_else(ApiError::not_found)
}

/// The result of publishing a year.
#[derive(Debug, Serialize, ToSchema)]
pub struct Published {
    pub period: i32,
    pub published: u64,
}

/// 发布诚信评级
///
/// 发布某年的诚信评级（市人社局）：此后公开且不再变更。
///
/// Publish a year's ratings (bureau): from now on they are public and fixed.
#[utoipa::path(operation_id = "publishRatings", tag = "supervision", security(("bearer" = [])), params(("period" = i32, Path)),
    responses((status = 200, description = "Published", body = Published),
        (status = 409, description = "Nothing computed, or already published", body = crate::error::ProblemBody, content_type = "application/problem+json")))]
#[post("/integrity-ratings/{period}/publish")]
pub async fn publish(
    state: web::Data<AppState>,
    caller: Caller,
    period: web::Path<i32>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Bureau])?;
    let period = *period;
    let n = use_case::run(&state, caller.actor(), async |change| {
        use_case::ratings::publish(change, period).await
    })
    .await?;
    Ok(HttpResponse::Ok().json(Published { period, published: n }))
}

/// Which year, and which page.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PeriodQuery {
    /// The calendar year.
    #[param(example = 2026)]
    pub period: i32,
    #[param(minimum = 1, maximum = 100000)]
    pub page: Option<u64>,
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<u64>,
    /// Sort by `score`, `computed_score`, `institution_code`, `district_code` (`-` first for
    /// descending, e.g. `-score`; default: best first).
    pub sort: Option<String>,
}

const SORTABLE: &[&str] = &["score", "computed_score", "institution_code", "district_code"];

/// One page of ratings, in the asked order (ratings are at most one per institution and year, so
/// they are ordered in memory).
fn page_of(mut out: Vec<RatingView>, q: &PeriodQuery) -> Result<ListBody<RatingView>, ApiError> {
    let mut errors = Vec::new();
    let page =
        Pagination { page: q.page, per_page: q.per_page, sort: q.sort.clone() }.check(&mut errors, SORTABLE);
    if !errors.is_empty() {
        return Err(ApiError { errors, ..ApiError::new(Problem::InvalidQuery) });
    }
    if let Some(sort) = page.sort {
        out.sort_by(|a, b| {
            let o = match sort.column {
                "computed_score" => a.computed_score.cmp(&b.computed_score),
                "institution_code" => a.institution_code.cmp(&b.institution_code),
                "district_code" => a.district_code.cmp(&b.district_code),
                _ => a.score.cmp(&b.score),
            };
            let o = if sort.descending { o.reverse() } else { o };
            o.then_with(|| a.institution_code.cmp(&b.institution_code))
        });
    }
    let total = out.len() as u64;
    let items = out.into_iter().skip(page.offset() as usize).take(page.per_page as usize).collect();
    Ok(ListBody { items, total, page: page.page, per_page: page.per_page })
}

/// 查询诚信评级
///
/// 某年的诚信评级（无论是否已发布）：市人社局和鉴定中心可见全部，区县可见本区县机构的，学校可见本校
/// 的。
///
/// A year's ratings, published or not: bureau and centre all, a district its institutions, a
/// school its own.
#[utoipa::path(operation_id = "listRatings", tag = "supervision", security(("bearer" = [])), params(PeriodQuery),
    responses((status = 200, description = "A page of ratings, best first", body = ListBody<RatingView>)))]
#[get("/integrity-ratings")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    ctx: RequestContext,
    query: ApiQuery<PeriodQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Bureau, Role::Centre, Role::District, Role::School])?;
    let rows = repo::supervision::ratings(&state.db, query.0.period, false).await?;
    let mut out = views(&state.db, rows, ctx.lang).await?;
    match caller.role {
        Role::District => {
            out.retain(|r| caller.user.district_code.as_deref() == Some(r.district_code.as_str()))
        }
        Role::School => {
            let own: Vec<Uuid> = repo::institution::all(&state.db)
                .await?
                .into_iter()
                .filter(|i| Some(i.school_id) == caller.user.school_id)
                .map(|i| i.id)
                .collect();
            out.retain(|r| own.contains(&r.institution_id));
        }
        _ => {}
    }
    Ok(HttpResponse::Ok().json(page_of(out, &query.0)?))
}

/// 诚信评级公示
///
/// 诚信评级公示（R37，面向所有人）：评分、等级、计算依据及调整和理由。
///
/// Published integrity ratings (R37), for everyone: score, grade, inputs and any adjustment with
/// its reason.
#[utoipa::path(operation_id = "listPublicRatings", tag = "public", params(PeriodQuery),
    responses((status = 200, description = "A page of the published ratings, best first", body = ListBody<RatingView>)))]
#[get("/public/integrity-ratings")]
pub async fn public_ratings(
    state: web::Data<AppState>,
    ctx: RequestContext,
    query: ApiQuery<PeriodQuery>,
) -> Result<HttpResponse, ApiError> {
    let rows = repo::supervision::ratings(&state.db, query.0.period, true).await?;
    let out = views(&state.db, rows, ctx.lang).await?;
    Ok(HttpResponse::Ok().json(page_of(out, &query.0)?))
}
