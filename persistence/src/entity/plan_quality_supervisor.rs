//! `plan_quality_supervisors`: The quality supervisor drawn for a plan, with the seed and pool.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "plan_quality_supervisors")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub plan_id: Uuid,
    pub person_id: Uuid,
    pub seed: String,
    /// The eligible pool in draw order (ids).
    pub pool: Json,
    pub drawn_by: Uuid,
    pub drawn_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
