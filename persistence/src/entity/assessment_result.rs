//! `assessment_results`: One entered value of a candidate's component; never updated (R20, R33).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "assessment_results")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub plan_id: Uuid,
    pub candidate_id: Uuid,
    pub component: String,
    pub score: Option<f64>,
    pub award: Option<bool>,
    pub reason: Option<String>,
    pub entered_by: Uuid,
    pub entered_at: DateTimeUtc,
    pub seq: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
