//! The working-day calendar as the API shows it.

use crate::error::ApiError;
use chrono::{DateTime, NaiveDate, Utc};
use persistence::repo;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

/// A listed day.
#[derive(Debug, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct CalendarDay {
    #[schema(value_type = String, format = Date, example = "2027-10-01")]
    pub date: NaiveDate,
    /// `holiday` (rest day) or `workday` (a weekend day worked, 调休).
    #[schema(example = "holiday")]
    #[validate(custom(function = "check_kind"))]
    pub kind: String,
    #[schema(example = "国庆节")]
    #[validate(custom(function = "crate::validate::line::<50>"))]
    pub name: String,
}

/// `holiday` or `workday`.
fn check_kind(s: &str) -> Result<(), validator::ValidationError> {
    crate::validate::one_of(s, &["holiday", "workday"])
}

/// A year's arrangement.
#[derive(Debug, Serialize, ToSchema)]
pub struct CalendarYear {
    pub year: i32,
    pub published: bool,
    pub source: Option<String>,
    pub published_at: Option<DateTime<Utc>>,
    pub days: Vec<CalendarDay>,
}

/// A year as stored.
pub async fn year_view(db: &impl persistence::ConnectionTrait, year: i32) -> Result<CalendarYear, ApiError> {
    let published = repo::calendar::years(db).await?.into_iter().find(|y| y.year == year);
    let days = repo::calendar::days_of(db, year)
        .await?
        .into_iter()
        .map(|d| CalendarDay { date: d.day, kind: d.kind, name: d.name })
        .collect();
    Ok(CalendarYear {
        year,
        published: published.is_some(),
        source: published.as_ref().map(|p| p.source.clone()),
        published_at: published.map(|p| p.published_at),
        days,
    })
}
