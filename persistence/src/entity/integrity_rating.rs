//! `integrity_ratings`: An institution's integrity rating for a year (R37).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "integrity_ratings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub period: i32,
    #[sea_orm(primary_key, auto_increment = false)]
    pub institution_id: Uuid,
    pub computed_score: i32,
    pub inputs: Json,
    pub adjustment: i32,
    pub adjustment_reason: Option<String>,
    pub score: i32,
    pub grade: String,
    pub computed_at: DateTimeUtc,
    pub published_at: Option<DateTimeUtc>,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
