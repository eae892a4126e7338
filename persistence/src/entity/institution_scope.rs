//! `institution_scope`: One occupation × work type × level an institution may certify (R15).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "institution_scope")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub institution_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub occupation_code: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub work_type: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub level: String,
    pub standard_id: Uuid,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
