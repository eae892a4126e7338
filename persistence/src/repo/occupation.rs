//! The occupation catalogue, work types and the access-type (准入类) list.

use super::{Page, PageRequest};
use crate::entity::{access_type_entry, occupation, work_type};
use crate::error::RepoError;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, LikeExpr, OnConflict};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use std::collections::HashSet;
use uuid::Uuid;

const OCCUPATIONS: &str = include_str!("../../../data/reference/occupations.csv");
const ACCESS_TYPES: &str = include_str!("../../../data/reference/access-type-occupations.csv");

/// Name of the unique constraint on work types (409 for the caller).
pub const WORK_TYPE_TAKEN: &str = "work_types_occupation_name_key";

/// One row of an occupation CSV (`code,name,work_type,major_group`, the shipped layout).
#[derive(Debug, Clone, serde::Deserialize)]
pub struct OccupationRow {
    pub code: String,
    pub name: String,
    #[serde(default)]
    pub work_type: String,
    pub major_group: i32,
}

/// Parses an occupation CSV.
pub fn parse_occupations(text: &str) -> Result<Vec<OccupationRow>, csv::Error> {
    csv::Reader::from_reader(text.as_bytes()).deserialize().collect()
}

/// Loads the shipped catalogue and access-type list; existing rows are kept as they are.
/// Returns the number of occupations added.
pub async fn load_reference(db: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<u64, RepoError> {
    let rows =
        parse_occupations(OCCUPATIONS).map_err(|e| RepoError::Db(sea_orm::DbErr::Custom(e.to_string())))?;
    let before = count(db).await?;
    for chunk in rows.chunks(400) {
        let models: Vec<occupation::ActiveModel> = chunk
            .iter()
            .map(|r| occupation::ActiveModel {
                code: Set(r.code.clone()),
                name: Set(r.name.clone()),
                major_group: Set(r.major_group),
                updated_at: Set(now),
            })
            .collect();
        occupation::Entity::insert_many(models)
            .on_conflict(OnConflict::column(occupation::Column::Code).do_nothing().to_owned())
            .exec_without_returning(db)
            .await?;
    }
    #[derive(serde::Deserialize)]
    struct AccessRow {
        name: String,
        code: String,
        source: String,
        category_2021: String,
        verification: String,
    }
    let mut entries = Vec::new();
    for r in csv::Reader::from_reader(ACCESS_TYPES.as_bytes()).deserialize::<AccessRow>() {
        let r = r.map_err(|e| RepoError::Db(sea_orm::DbErr::Custom(e.to_string())))?;
        let confirmed = r.verification.starts_with("confirmed");
        entries.push(access_type_entry::ActiveModel {
            id: Set(Uuid::now_v7()),
            name: Set(r.name),
            occupation_code: Set(Some(r.code).filter(|c| !c.is_empty())),
            source: Set(r.source),
            verification: Set(if confirmed { "confirmed" } else { "unverified" }.into()),
            note: Set(Some(format!("{}; {}", r.category_2021, r.verification))),
            updated_at: Set(now),
        });
    }
    access_type_entry::Entity::insert_many(entries)
        .on_conflict(OnConflict::column(access_type_entry::Column::Name).do_nothing().to_owned())
        .exec_without_returning(db)
        .await?;
    Ok(count(db).await? - before)
}

async fn count(db: &impl ConnectionTrait) -> Result<u64, RepoError> {
    use sea_orm::PaginatorTrait;
    Ok(occupation::Entity::find().count(db).await?)
}

/// Inserts or renames occupations from an import; returns (added, renamed).
pub async fn upsert(
    db: &impl ConnectionTrait,
    rows: &[OccupationRow],
    now: DateTime<Utc>,
) -> Result<(u64, u64), RepoError> {
    let (mut added, mut renamed) = (0, 0);
    for r in rows {
        match occupation::Entity::find_by_id(r.code.clone()).one(db).await? {
            None => {
                occupation::Entity::insert(occupation::ActiveModel {
                    code: Set(r.code.clone()),
                    name: Set(r.name.clone()),
                    major_group: Set(r.major_group),
                    updated_at: Set(now),
                })
                .exec_without_returning(db)
                .await?;
                added += 1;
            }
            Some(o) if o.name != r.name => {
                occupation::Entity::update_many()
                    .col_expr(occupation::Column::Name, Expr::val(r.name.clone()))
                    .col_expr(occupation::Column::UpdatedAt, Expr::val(now))
                    .filter(occupation::Column::Code.eq(r.code.clone()))
                    .exec(db)
                    .await?;
                renamed += 1;
            }
            Some(_) => {}
        }
    }
    Ok((added, renamed))
}

/// One occupation.
pub async fn find(db: &impl ConnectionTrait, code: &str) -> Result<Option<occupation::Model>, RepoError> {
    Ok(occupation::Entity::find_by_id(code.to_owned()).one(db).await?)
}

/// Occupations whose code starts with `q` or whose name contains it.
pub async fn search(
    db: &impl ConnectionTrait,
    q: Option<&str>,
    major_group: Option<i32>,
    page: PageRequest,
) -> Result<Page<occupation::Model>, RepoError> {
    let mut s = occupation::Entity::find();
    if let Some(q) = q {
        let esc = q.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
        s = s.filter(
            Expr::col(occupation::Column::Code)
                .like(LikeExpr::new(format!("{esc}%")).escape('\\'))
                .or(Expr::col(occupation::Column::Name).like(LikeExpr::new(format!("%{esc}%")).escape('\\'))),
        );
    }
    if let Some(g) = major_group {
        s = s.filter(occupation::Column::MajorGroup.eq(g));
    }
    super::fetch_page(db, s.order_by_asc(occupation::Column::Code), page).await
}

/// Adds a work type; a duplicate name is `Conflict(WORK_TYPE_TAKEN)`.
pub async fn add_work_type(
    db: &impl ConnectionTrait,
    occupation_code: &str,
    name: &str,
    now: DateTime<Utc>,
) -> Result<work_type::Model, RepoError> {
    work_type::Entity::insert(work_type::ActiveModel {
        id: Set(Uuid::now_v7()),
        occupation_code: Set(occupation_code.to_owned()),
        name: Set(name.to_owned()),
        created_at: Set(now),
    })
    .exec_with_returning(db)
    .await
    .map_err(RepoError::from_db)
}

/// Work types of occupations, by name.
pub async fn work_types(
    db: &impl ConnectionTrait,
    codes: &[String],
) -> Result<Vec<work_type::Model>, RepoError> {
    Ok(work_type::Entity::find()
        .filter(work_type::Column::OccupationCode.is_in(codes.iter().cloned()))
        .order_by_asc(work_type::Column::Name)
        .all(db)
        .await?)
}

/// The access-type list.
pub async fn access_types(db: &impl ConnectionTrait) -> Result<Vec<access_type_entry::Model>, RepoError> {
    Ok(access_type_entry::Entity::find().order_by_asc(access_type_entry::Column::Name).all(db).await?)
}

/// Access-type entries of these occupations.
pub async fn access_types_of(
    db: &impl ConnectionTrait,
    codes: &[String],
) -> Result<Vec<access_type_entry::Model>, RepoError> {
    Ok(access_type_entry::Entity::find()
        .filter(access_type_entry::Column::OccupationCode.is_in(codes.iter().cloned()))
        .all(db)
        .await?)
}

/// Occupation codes that a confirmed access-type entry blocks (R3).
pub async fn confirmed_access_codes(db: &impl ConnectionTrait) -> Result<HashSet<String>, RepoError> {
    Ok(access_type_entry::Entity::find()
        .filter(access_type_entry::Column::Verification.eq("confirmed"))
        .all(db)
        .await?
        .into_iter()
        .filter_map(|e| e.occupation_code)
        .collect())
}

/// Marks an occupation access-type (confirmed, with the source) or clears the mark.
pub async fn set_access_type(
    db: &impl ConnectionTrait,
    occ: &occupation::Model,
    access_type: bool,
    source: Option<String>,
    now: DateTime<Utc>,
) -> Result<(), RepoError> {
    let existing = access_type_entry::Entity::find()
        .filter(access_type_entry::Column::OccupationCode.eq(occ.code.clone()))
        .all(db)
        .await?;
    if access_type {
        if let Some(e) = existing.first() {
            access_type_entry::Entity::update_many()
                .col_expr(access_type_entry::Column::Verification, Expr::val("confirmed"))
                .col_expr(
                    access_type_entry::Column::Source,
                    Expr::val(source.unwrap_or_else(|| e.source.clone())),
                )
                .col_expr(access_type_entry::Column::UpdatedAt, Expr::val(now))
                .filter(access_type_entry::Column::Id.eq(e.id))
                .exec(db)
                .await?;
        } else {
            access_type_entry::Entity::insert(access_type_entry::ActiveModel {
                id: Set(Uuid::now_v7()),
                name: Set(occ.name.clone()),
                occupation_code: Set(Some(occ.code.clone())),
                source: Set(source.unwrap_or_default()),
                verification: Set("confirmed".into()),
                note: Set(None),
                updated_at: Set(now),
            })
            .exec_without_returning(db)
            .await
            .map_err(RepoError::from_db)?;
        }
    } else {
        access_type_entry::Entity::update_many()
            .col_expr(access_type_entry::Column::Verification, Expr::val("unverified"))
            .col_expr(access_type_entry::Column::UpdatedAt, Expr::val(now))
            .filter(access_type_entry::Column::OccupationCode.eq(occ.code.clone()))
            .exec(db)
            .await?;
    }
    Ok(())
}

/// Every occupation's name by code.
pub async fn names(
    db: &impl ConnectionTrait,
) -> Result<std::collections::HashMap<String, String>, RepoError> {
    let rows: Vec<(String, String)> = occupation::Entity::find()
        .select_only()
        .column(occupation::Column::Code)
        .column(occupation::Column::Name)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows.into_iter().collect())
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_shipped_catalogue_has_1639_occupations_with_valid_codes() {
        let rows = super::parse_occupations(super::OCCUPATIONS).expect("parses");
        assert_eq!(rows.len(), 1639);
        assert!(rows.iter().all(|r| domain::occupation::OccupationCode::parse(&r.code).is_some()));
        assert!(rows.iter().any(|r| r.code == "6-18-01-01" && r.name == "车工"));
    }
}
