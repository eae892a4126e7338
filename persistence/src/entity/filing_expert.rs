//! `filing_experts`: An expert assigned to a filing.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "filing_experts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub filing_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub expert_id: Uuid,
    pub assigned_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
