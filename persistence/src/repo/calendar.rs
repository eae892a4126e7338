//! The working-day calendar: loaded from the shipped data, extended year by year by the bureau.

use crate::entity::{calendar_day, calendar_year};
use crate::error::RepoError;
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use domain::calendar::{Calendar, DayKind};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

const SHIPPED: &str = include_str!("../../../data/reference/cn-workday-calendar.csv");
/// The years the shipped file covers completely.
pub const SHIPPED_YEARS: std::ops::RangeInclusive<i32> = 2020..=2026;

/// One listed day.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct DayRow {
    pub date: NaiveDate,
    pub kind: String,
    pub name: String,
}

/// Loads the shipped calendar (idempotent).
pub async fn load_reference(db: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<(), RepoError> {
    let mut rows = Vec::new();
    for r in csv::Reader::from_reader(SHIPPED.as_bytes()).deserialize::<DayRow>() {
        rows.push(r.map_err(|e| RepoError::Db(sea_orm::DbErr::Custom(e.to_string())))?);
    }
    let models: Vec<calendar_day::ActiveModel> = rows
        .into_iter()
        .map(|r| calendar_day::ActiveModel { day: Set(r.date), kind: Set(r.kind), name: Set(r.name) })
        .collect();
    calendar_day::Entity::insert_many(models)
        .on_conflict(OnConflict::column(calendar_day::Column::Day).do_nothing().to_owned())
        .exec_without_returning(db)
        .await?;
    let years: Vec<calendar_year::ActiveModel> = SHIPPED_YEARS
        .map(|y| calendar_year::ActiveModel {
            year: Set(y),
            source: Set(
                "State Council notices via NateScarlet/holiday-cn (data/reference/PROVENANCE.md §1)".into()
            ),
            published_at: Set(now),
        })
        .collect();
    calendar_year::Entity::insert_many(years)
        .on_conflict(OnConflict::column(calendar_year::Column::Year).do_nothing().to_owned())
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// The whole calendar.
pub async fn calendar(db: &impl ConnectionTrait) -> Result<Calendar, RepoError> {
    let days = calendar_day::Entity::find().all(db).await?;
    let years = calendar_year::Entity::find().all(db).await?;
    Ok(Calendar::new(
        days.into_iter()
            .map(|d| (d.day, if d.kind == "holiday" { DayKind::Holiday } else { DayKind::Workday })),
        years.into_iter().map(|y| y.year),
    ))
}

/// Replaces a year's arrangement and marks it published.
pub async fn publish_year(
    db: &impl ConnectionTrait,
    year: i32,
    rows: &[DayRow],
    source: &str,
    now: DateTime<Utc>,
) -> Result<(), RepoError> {
    let first = NaiveDate::from_ymd_opt(year, 1, 1)
        .ok_or_else(|| RepoError::Db(sea_orm::DbErr::Custom("year".into())))?;
    let last = NaiveDate::from_ymd_opt(year, 12, 31)
        .ok_or_else(|| RepoError::Db(sea_orm::DbErr::Custom("year".into())))?;
    calendar_day::Entity::delete_many()
        .filter(calendar_day::Column::Day.between(first, last))
        .exec(db)
        .await?;
    if !rows.is_empty() {
        let models: Vec<calendar_day::ActiveModel> = rows
            .iter()
            .filter(|r| r.date.year() == year)
            .map(|r| calendar_day::ActiveModel {
                day: Set(r.date),
                kind: Set(r.kind.clone()),
                name: Set(r.name.clone()),
            })
            .collect();
        calendar_day::Entity::insert_many(models).exec_without_returning(db).await?;
    }
    calendar_year::Entity::delete_many().filter(calendar_year::Column::Year.eq(year)).exec(db).await?;
    calendar_year::Entity::insert(calendar_year::ActiveModel {
        year: Set(year),
        source: Set(source.to_owned()),
        published_at: Set(now),
    })
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// Listed days of a year.
pub async fn days_of(db: &impl ConnectionTrait, year: i32) -> Result<Vec<calendar_day::Model>, RepoError> {
    let first = NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or_default();
    let last = NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or_default();
    use sea_orm::QueryOrder;
    Ok(calendar_day::Entity::find()
        .filter(calendar_day::Column::Day.between(first, last))
        .order_by_asc(calendar_day::Column::Day)
        .all(db)
        .await?)
}

/// Published years.
pub async fn years(db: &impl ConnectionTrait) -> Result<Vec<calendar_year::Model>, RepoError> {
    use sea_orm::QueryOrder;
    Ok(calendar_year::Entity::find().order_by_asc(calendar_year::Column::Year).all(db).await?)
}
