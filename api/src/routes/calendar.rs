//! The working-day calendar (工作日): State Council arrangements, published per year.

use crate::auth::Caller;
use crate::context::RequestContext;
use crate::error::{ApiError, FieldError};
use crate::extract::{ApiJson, ApiQuery};
use crate::i18n::{self, Lang, Problem, Rule};
use crate::state::AppState;
use crate::use_case;
use crate::validate;
pub use crate::views::calendar::{CalendarDay, CalendarYear, year_view};
use actix_web::{HttpResponse, get, put, web};
use chrono::{Datelike, NaiveDate, Weekday};
use domain::Role;
use persistence::repo;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

/// A note that a result rests on an assumption.
#[derive(Debug, Serialize, ToSchema)]
pub struct Warning {
    /// Stable code, e.g. `calendar_year_unpublished`.
    pub code: String,
    pub message: String,
    /// The year concerned.
    pub year: i32,
}

/// Warnings for years without a published arrangement.
pub fn unpublished_warnings(lang: Lang, years: &[i32]) -> Vec<Warning> {
    years
        .iter()
        .map(|y| Warning {
            code: Rule::CalendarYearUnpublished.as_str().into(),
            message: i18n::rule_text(lang, Rule::CalendarYearUnpublished, &[("year", y.to_string())]),
            year: *y,
        })
        .collect()
}

/// Either `add` or `to`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct WorkingDaysQuery {
    /// Start date (YYYY-MM-DD, China Standard Time); it is not counted itself.
    #[param(value_type = String, format = Date, example = "2024-09-27")]
    pub from: Option<String>,
    /// Working days to add: answers the `add`th working day after `from`.
    #[param(minimum = 0, maximum = 1000)]
    pub add: Option<u32>,
    /// End date: answers the number of working days after `from` up to and including `to`.
    #[param(value_type = Option<String>, format = Date)]
    pub to: Option<String>,
}

/// The answer of a working-day computation.
#[derive(Debug, Serialize, ToSchema)]
pub struct WorkingDays {
    pub from: NaiveDate,
    /// With `add`: the resulting date.
    pub date: Option<NaiveDate>,
    pub add: Option<u32>,
    /// With `to`: the count.
    pub to: Option<NaiveDate>,
    pub working_days: Option<u32>,
    /// Present when a year without a published arrangement was involved (weekdays were then
    /// treated as working days).
    pub warnings: Vec<Warning>,
}

fn date(field: &str, v: &str, errors: &mut Vec<FieldError>) -> Option<NaiveDate> {
    match NaiveDate::parse_from_str(v, "%Y-%m-%d") {
        Ok(d) => Some(d),
        Err(_) => {
            errors.push(FieldError::new(field, Rule::InvalidDate));
            None
        }
    }
}

/// 计算工作日
///
/// 工作日计算：?from=…&add=n 给出 from 之后的第 n 个工作日；?from=…&to=… 计算 from 之后至 to（含）
/// 的工作日数。
///
/// Working-day arithmetic: `?from=…&add=n` gives the nth working day after `from`;
/// `?from=…&to=…` counts working days after `from` up to and including `to`.
#[utoipa::path(operation_id = "countWorkingDays", tag = "calendar", params(WorkingDaysQuery), responses((status = 200, description = "The result", body = WorkingDays)))]
#[get("/calendar/working-days")]
pub async fn working_days(
    state: web::Data<AppState>,
    ctx: RequestContext,
    query: ApiQuery<WorkingDaysQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.0;
    let mut errors = Vec::new();
    let from = match &q.from {
        Some(f) => date("from", f, &mut errors),
        None => {
            errors.push(FieldError::new("from", Rule::Required));
            None
        }
    };
    let to = q.to.as_deref().and_then(|t| date("to", t, &mut errors));
    match (q.add, &q.to) {
        (Some(_), Some(_)) | (None, None) => {
            errors.push(FieldError::new("add", Rule::NotOneOf).with("allowed", "add, to"))
        }
        _ => {}
    }
    if q.add.is_some_and(|n| n > 1000) {
        errors.push(FieldError::new("add", Rule::OutOfRange).with("min", 0).with("max", 1000));
    }
    if let (Some(f), Some(t)) = (from, to)
        && (t - f).num_days() > domain::calendar::MAX_SPAN_DAYS
    {
        errors.push(
            FieldError::new("to", Rule::OutOfRange)
                .with("min", f)
                .with("max", f + chrono::Duration::days(domain::calendar::MAX_SPAN_DAYS)),
        );
    }
    if !errors.is_empty() {
        return Err(ApiError { errors, ..ApiError::new(Problem::InvalidQuery) });
    }
    let from = from.ok_or_else(|| ApiError::internal("checked"))?;
    let cal = repo::calendar::calendar(&state.db).await?;
    let answer = if let Some(n) = q.add {
        let r = cal.add_working_days(from, n).ok_or_else(|| ApiError::new(Problem::InvalidQuery))?;
        WorkingDays {
            from,
            date: Some(r.value),
            add: Some(n),
            to: None,
            working_days: None,
            warnings: unpublished_warnings(ctx.lang, &r.unpublished_years),
        }
    } else {
        let to = to.ok_or_else(|| ApiError::internal("checked"))?;
        let r = cal.count_working_days(from, to).ok_or_else(|| ApiError::new(Problem::InvalidQuery))?;
        WorkingDays {
            from,
            date: None,
            add: None,
            to: Some(to),
            working_days: Some(r.value),
            warnings: unpublished_warnings(ctx.lang, &r.unpublished_years),
        }
    };
    Ok(HttpResponse::Ok().json(answer))
}

/// 查询年度工作日历
///
/// 查询某年的节假日和调休安排（公开）。
///
/// A year's arrangement: its holidays and make-up working days (public).
#[utoipa::path(operation_id = "getCalendarYear", tag = "calendar", params(("year" = i32, Path, example = 2024)), responses((status = 200, description = "The year", body = CalendarYear)))]
#[get("/calendar/years/{year}")]
pub async fn get_year(state: web::Data<AppState>, year: web::Path<i32>) -> Result<HttpResponse, ApiError> {
    let year = *year;
    if !(1900..=2200).contains(&year) {
        return Err(ApiError::not_found());
    }
    let v = year_view(&state.db, year).await?;
    let etag = crate::precondition::content_etag(&v);
    Ok(HttpResponse::Ok().insert_header(("ETag", etag)).json(v))
}

/// A year's arrangement to publish.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct PublishYear {
    /// The State Council notice, e.g. 国办发明电〔2026〕…号.
    #[validate(custom(function = "validate::line::<200>"))]
    pub source: String,
    /// At most 366.
    #[validate(length(max = 366, code = "too_long"), nested)]
    pub days: Vec<CalendarDay>,
}

/// 发布年度工作日历
///
/// 发布（或更正）某年的节假日安排（市人社局）。节假日可在任何一天；调休上班日必须是周六或周日。更正
/// 已发布的年份须提交 If-Match。
///
/// Publish (or correct) a year's arrangement (bureau). Holidays may fall on any day; a `workday`
/// must be a Saturday or Sunday. Correcting a published year needs `If-Match` with its ETag.
#[utoipa::path(operation_id = "publishCalendarYear", tag = "calendar", security(("bearer" = [])),
    params(("year" = i32, Path, example = 2027), ("If-Match" = Option<String>, Header, description = "The year's ETag (when it is published already)")),
    request_body = PublishYear,
    responses((status = 200, description = "Published", body = CalendarYear),
        (status = 412, description = "Stale If-Match", body = crate::error::ProblemBody, content_type = "application/problem+json"),
        (status = 428, description = "Missing If-Match", body = crate::error::ProblemBody, content_type = "application/problem+json")))]
#[put("/calendar/years/{year}")]
pub async fn publish(
    state: web::Data<AppState>,
    caller: Caller,
    req: actix_web::HttpRequest,
    year: web::Path<i32>,
    body: ApiJson<PublishYear>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Bureau])?;
    let year = *year;
    if !(2000..=2100).contains(&year) {
        return Err(ApiError::not_found());
    }
    let (p, mut e) = body.with_violations();
    let mut seen = std::collections::HashSet::new();
    for (i, d) in p.days.iter().enumerate() {
        if d.date.year() != year {
            e.push(
                FieldError::new(format!("days[{i}].date"), Rule::OutOfRange)
                    .with("min", format!("{year}-01-01"))
                    .with("max", format!("{year}-12-31")),
            );
        }
        if !seen.insert(d.date) {
            e.push(FieldError::new(format!("days[{i}].date"), Rule::Duplicate));
        }
        match d.kind.as_str() {
            "holiday" => {}
            "workday" if matches!(d.date.weekday(), Weekday::Sat | Weekday::Sun) => {}
            "workday" => e.push(FieldError::new(format!("days[{i}].kind"), Rule::WorkdayNotWeekend)),
            // Refused by `CalendarDay`'s rules.
            _ => {}
        }
    }
    e.finish()?;
    let rows: Vec<repo::calendar::DayRow> = p
        .days
        .iter()
        .map(|d| repo::calendar::DayRow {
            date: d.date,
            kind: d.kind.clone(),
            name: d.name.trim().to_owned(),
        })
        .collect();
    let if_match = crate::precondition::if_match(&req);
    let source = validate::trimmed(&p.source);
    let v = use_case::run(&state, caller.actor(), async |change| {
        use_case::calendar::publish(change, year, rows, source, if_match.as_deref()).await
    })
    .await?;
    Ok(HttpResponse::Ok().insert_header(("ETag", crate::precondition::content_etag(&v))).json(v))
}
