//! Integrity ratings (诚信评价) of institutions per calendar year: computed from the year's
//! inspections, complaints, violations and reports, adjusted by the bureau with a reason, then
//! published and fixed.

use super::Change;
use crate::error::ApiError;
use crate::i18n::Problem;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use domain::institution::StoredStatus;
use domain::supervision::{self as rules, LATE_REPORT_DAYS, RatingInputs};
use persistence::entity::integrity_rating;
use persistence::repo;
use std::collections::HashMap;
use uuid::Uuid;

/// Computes (or recomputes) the ratings of `period` (the year from `from` to `to`) for every
/// institution filed by its end; an adjustment already made is kept. 409 once it is published.
pub async fn compute(
    change: &mut Change,
    period: i32,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<integrity_rating::Model>, ApiError> {
    let now = change.now();
    let last_day = NaiveDate::from_ymd_opt(period, 12, 31).ok_or_else(|| ApiError::internal("bad year"))?;
    let first_day = NaiveDate::from_ymd_opt(period, 1, 1).ok_or_else(|| ApiError::internal("bad year"))?;
    let existing: HashMap<Uuid, integrity_rating::Model> =
        repo::supervision::ratings(change.db(), period, false)
            .await?
            .into_iter()
            .map(|r| (r.institution_id, r))
            .collect();
    if existing.values().any(|r| r.published_at.is_some()) {
        return Err(ApiError::new(Problem::RatingsPublished).with("period", period));
    }
    let mut inputs: HashMap<Uuid, RatingInputs> = HashMap::new();
    // Institutions whose validity overlaps the year and that were not cancelled before it began.
    for i in repo::institution::all(change.db()).await? {
        let cancelled_before = i.stored_status()? == StoredStatus::Cancelled && i.updated_at < from;
        if i.valid_from <= last_day && i.valid_until >= first_day && !cancelled_before {
            inputs.insert(i.id, RatingInputs::default());
        }
    }
    for t in repo::supervision::results_between(change.db(), from, to).await? {
        if let Some(x) = inputs.get_mut(&t.institution_id) {
            match t.result.as_deref() {
                Some("pass") => x.inspections_passed += 1,
                Some("rectify") => x.inspections_rectify += 1,
                Some("fail") => x.inspections_failed += 1,
                _ => {}
            }
        }
    }
    for c in repo::supervision::upheld_complaints_between(change.db(), from, to).await? {
        if let Some(x) = inputs.get_mut(&c.institution_id) {
            x.complaints_upheld += 1;
        }
    }
    for v in repo::supervision::violations_between(change.db(), first_day, last_day).await? {
        if let Some(x) = inputs.get_mut(&v.institution_id) {
            match v.sanction.as_str() {
                "warning" => x.warnings += 1,
                "suspension" => x.suspensions += 1,
                "cancellation" => x.cancellations += 1,
                _ => x.violations_without_sanction += 1,
            }
        }
    }
    for id in repo::supervision::returned_reports_between(change.db(), from, to).await? {
        if let Some(x) = inputs.get_mut(&id) {
            x.reports_returned += 1;
        }
    }
    // A batch is late when its certificate data reached the centre more than 30 days after its
    // first certificate, or had not reached it 30 days after (counted up to now or the year's end).
    let horizon = now.min(to);
    for b in repo::supervision::batch_reports(change.db()).await? {
        if b.first_issued < from || b.first_issued >= to {
            continue;
        }
        let deadline = b.first_issued + Duration::days(LATE_REPORT_DAYS);
        let late = match b.reported_at {
            Some(r) => r > deadline,
            None => horizon > deadline,
        };
        if late && let Some(x) = inputs.get_mut(&b.institution_id) {
            x.reports_late += 1;
        }
    }
    let mut n = 0;
    for (id, i) in inputs {
        let computed = i.score();
        let prior = existing.get(&id);
        let adjustment = prior.map_or(0, |p| p.adjustment);
        let score = rules::adjusted(computed, adjustment);
        let row = integrity_rating::Model {
            period,
            institution_id: id,
            computed_score: computed,
            inputs: serde_json::to_value(&i).map_err(ApiError::internal)?,
            adjustment,
            adjustment_reason: prior.and_then(|p| p.adjustment_reason.clone()),
            score,
            grade: rules::grade(score).into(),
            computed_at: now,
            published_at: None,
            version: 1,
        };
        repo::supervision::put_rating(change.db(), row, prior.map(|p| p.version)).await?;
        n += 1;
    }
    change.record(
        "ratings.computed",
        ("integrity_period", period.to_string()),
        serde_json::json!({"institutions": n}),
    );
    Ok(repo::supervision::ratings(change.db(), period, false).await?)
}

/// Adjusts one institution's computed score of `period` by `adjustment` points, for `reason`
/// (409 once the year is published).
pub async fn adjust(
    change: &mut Change,
    period: i32,
    id: Uuid,
    adjustment: i32,
    reason: String,
) -> Result<integrity_rating::Model, ApiError> {
    let r = repo::supervision::rating(change.db(), period, id).await?.ok_or_else(ApiError::not_found)?;
    if r.published_at.is_some() {
        return Err(ApiError::new(Problem::RatingsPublished).with("period", period));
    }
    let score = rules::adjusted(r.computed_score, adjustment);
    let before = r.score;
    let version = r.version;
    let row = integrity_rating::Model {
        adjustment,
        adjustment_reason: Some(reason.clone()),
        score,
        grade: rules::grade(score).into(),
        ..r
    };
    repo::supervision::put_rating(change.db(), row, Some(version)).await?;
    change.record(
        "rating.adjusted",
        ("institution", id.to_string()),
        serde_json::json!({"period": period, "adjustment": adjustment, "reason": reason, "score_before": before, "score": score}),
    );
    repo::supervision::rating(change.db(), period, id).await?.ok_or_else(ApiError::not_found)
}

/// Publishes the ratings of `period`: from now on they are public and fixed. Answers how many.
pub async fn publish(change: &mut Change, period: i32) -> Result<u64, ApiError> {
    let existing = repo::supervision::ratings(change.db(), period, false).await?;
    if existing.is_empty() {
        return Err(ApiError::new(Problem::NothingToPublish).with("period", period));
    }
    let n = repo::supervision::publish_ratings(change.db(), period, change.now()).await?;
    if n == 0 {
        return Err(ApiError::new(Problem::RatingsPublished).with("period", period));
    }
    change.record(
        "ratings.published",
        ("integrity_period", period.to_string()),
        serde_json::json!({"institutions": n}),
    );
    Ok(n)
}
