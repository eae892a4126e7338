//! `filing_rounds`: One submitted round of a filing, kept for ever.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "filing_rounds")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub filing_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub round: i32,
    pub submitted_at: DateTimeUtc,
    pub document: Json,
    pub returned_at: Option<DateTimeUtc>,
    pub return_reasons: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
