//! `standards`: A national skill standard or a filed evaluation norm (R5, R6).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "standards")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub occupation_code: String,
    pub kind: String,
    pub title: String,
    pub filing_reference: Option<String>,
    pub filing_date: Option<Date>,
    pub override_reason: Option<String>,
    pub created_at: DateTimeUtc,
    /// When and why the bureau withdrew it: no new filing or plan names it.
    pub withdrawn_at: Option<DateTimeUtc>,
    pub withdrawal_reason: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
