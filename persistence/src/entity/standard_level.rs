//! `standard_levels`: A level a standard covers.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "standard_levels")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub standard_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub level: String,
    pub occupation_code: String,
    pub kind: String,
    /// Registered by the bureau with an override reason: exempt from "one norm per occupation
    /// and level" (R6), which a unique index keeps for the others.
    pub overridden: bool,
    /// The standard was withdrawn: it no longer counts for R5 and R6.
    pub withdrawn: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
