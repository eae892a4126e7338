//! The working-day calendar (工作日): the bureau publishes a year's State Council arrangement.

use super::Change;
use crate::error::ApiError;
use crate::views::calendar::{CalendarYear, year_view};
use persistence::repo;

/// Publishes (or corrects) `year`. A correction of a published year needs `if_match` equal to the
/// year's ETag (428 without it, 412 when stale); publications of one year are serialised, so the
/// comparison holds until the commit.
pub async fn publish(
    change: &mut Change,
    year: i32,
    days: Vec<repo::calendar::DayRow>,
    source: String,
    if_match: Option<&str>,
) -> Result<CalendarYear, ApiError> {
    persistence::lock_key(change.db(), 0x5343_0000_0000 + i64::from(year)).await?;
    let current = year_view(change.db(), year).await?;
    if current.published {
        crate::precondition::matches(if_match, &crate::precondition::content_etag(&current))?;
    }
    repo::calendar::publish_year(change.db(), year, &days, &source, change.now()).await?;
    change.record(
        "calendar.published",
        ("calendar_year", year.to_string()),
        serde_json::json!({"days": days.len(), "source": source}),
    );
    year_view(change.db(), year).await
}
