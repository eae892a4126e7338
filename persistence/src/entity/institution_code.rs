//! `institution_codes`: A filing code ever assigned; retired codes stay (R10, R13).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "institution_codes")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub code: String,
    pub serial: i32,
    pub assigned_at: DateTimeUtc,
    pub retired_at: Option<DateTimeUtc>,
    pub retired_reason: Option<String>,
    pub successor_code: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
