//! `institutions`: An evaluation institution (评价机构).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "institutions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub code: String,
    pub school_id: Uuid,
    pub name: String,
    pub credit_code: String,
    pub registered_address: String,
    pub office_address: String,
    pub legal_representative: String,
    pub district_code: String,
    pub status: String,
    pub status_reason: Option<String>,
    pub valid_from: Date,
    pub valid_until: Date,
    pub filing_id: Uuid,
    pub bureau_opinion: String,
    pub decided_on: Date,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

impl Model {
    /// The status as stored, parsed (the database's CHECK keeps it one of these); what users see
    /// depends on the day as well (`domain::institution::InstitutionStatus::on`).
    pub fn stored_status(&self) -> Result<domain::institution::StoredStatus, DbErr> {
        domain::institution::StoredStatus::from_code(&self.status).ok_or_else(|| {
            DbErr::Type(format!("institutions.status {:?} is not an institution status", self.status))
        })
    }
}
