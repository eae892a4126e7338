//! `plan_sessions`: A session (场次) of a plan.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "plan_sessions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub plan_id: Uuid,
    pub occupation_code: String,
    pub day: Date,
    pub starts_at: String,
    pub ends_at: String,
    pub venue: String,
    pub kind: String,
    pub examiners: Json,
    pub supervisors: Json,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
