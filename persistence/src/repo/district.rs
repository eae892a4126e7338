//! Districts: loaded from the shipped reference data, read by code.

use crate::entity::district;
use crate::error::RepoError;
use chrono::NaiveDate;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ConnectionTrait, EntityTrait, QueryOrder};

/// The current list (since 2025-11, 37 codes) and management zones without codes.
const CURRENT: &str = include_str!("../../../data/reference/chongqing-districts.csv");
/// The list valid until 2025-11 (38 codes).
const BEFORE_2025: &str = include_str!("../../../data/reference/chongqing-districts-2024.csv");
/// Codes abolished since, with their date and successor.
const CHANGES: &str = include_str!("../../../data/reference/chongqing-district-changes.csv");

/// Parses the shipped district files into rows: every coded district of both lists, the
/// abolished ones marked. Management zones have no code and are skipped.
pub fn reference_rows() -> Result<Vec<district::Model>, csv::Error> {
    #[derive(serde::Deserialize)]
    struct Row {
        code: String,
        name: String,
        kind: String,
    }
    #[derive(serde::Deserialize)]
    struct Change {
        code: String,
        abolished_on: NaiveDate,
        successor_code: String,
    }
    let mut changes = Vec::new();
    for c in csv::Reader::from_reader(CHANGES.as_bytes()).deserialize::<Change>() {
        changes.push(c?);
    }
    let mut rows: Vec<district::Model> = Vec::new();
    for file in [CURRENT, BEFORE_2025] {
        for r in csv::Reader::from_reader(file.as_bytes()).deserialize::<Row>() {
            let r = r?;
            if r.code.is_empty() || rows.iter().any(|d| d.code == r.code) {
                continue;
            }
            let change = changes.iter().find(|c| c.code == r.code);
            rows.push(district::Model {
                code: r.code,
                name: r.name,
                kind: r.kind,
                abolished_on: change.map(|c| c.abolished_on),
                successor_code: change.map(|c| c.successor_code.clone()),
            });
        }
    }
    rows.sort_by(|a, b| a.code.cmp(&b.code));
    Ok(rows)
}

/// Inserts the reference districts that are not there yet (idempotent, safe for replicas
/// starting together). Returns how many rows were new.
pub async fn load_reference(db: &impl ConnectionTrait) -> Result<u64, RepoError> {
    let rows = reference_rows().map_err(|e| RepoError::Db(sea_orm::DbErr::Custom(e.to_string())))?;
    let before = district::Entity::find().all(db).await?.len() as u64;
    let models: Vec<district::ActiveModel> = rows.into_iter().map(Into::into).collect();
    district::Entity::insert_many(models)
        .on_conflict(OnConflict::column(district::Column::Code).do_nothing().to_owned())
        .exec_without_returning(db)
        .await?;
    let after = district::Entity::find().all(db).await?.len() as u64;
    Ok(after - before)
}

/// One district by code.
pub async fn find(db: &impl ConnectionTrait, code: &str) -> Result<Option<district::Model>, RepoError> {
    Ok(district::Entity::find_by_id(code.to_owned()).one(db).await?)
}

/// Every district, by code.
pub async fn list(db: &impl ConnectionTrait) -> Result<Vec<district::Model>, RepoError> {
    Ok(district::Entity::find().order_by_asc(district::Column::Code).all(db).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_has_37_current_and_2_abolished_codes() {
        let rows = reference_rows().expect("shipped data parses");
        assert_eq!(rows.iter().filter(|d| d.abolished_on.is_none()).count(), 37);
        let abolished: Vec<_> =
            rows.iter().filter(|d| d.abolished_on.is_some()).map(|d| d.code.as_str()).collect();
        assert_eq!(abolished, ["500105", "500112"]);
        assert!(rows.iter().any(|d| d.code == "500157" && d.name == "两江新区"));
        for d in &rows {
            assert!(domain::DistrictCode::parse(&d.code).is_ok(), "{}", d.code);
        }
    }
}
