//! `complaints`: A complaint or report (举报投诉, R35); the contact fields are personal data.

use sea_orm::entity::prelude::*;

#[derive(Clone, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "complaints")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tracking_number: String,
    pub secret_hash: String,
    pub target_type: String,
    pub target_ref: String,
    pub institution_id: Uuid,
    pub district_code: String,
    pub content: String,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub contact_email: Option<String>,
    pub status: String,
    pub assigned_to: Option<String>,
    pub assigned_district: Option<String>,
    pub due_on: Date,
    pub upheld: Option<bool>,
    pub outcome: Option<String>,
    pub actions: Option<String>,
    pub received_at: DateTimeUtc,
    pub assigned_at: Option<DateTimeUtc>,
    pub closed_at: Option<DateTimeUtc>,
    pub version: i32,
}

/// Never prints the contact or the secret's hash.
impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Complaint")
            .field("id", &self.id)
            .field("tracking_number", &self.tracking_number)
            .field("status", &self.status)
            .finish_non_exhaustive()
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

impl Model {
    /// The complaint's status, parsed (the database's CHECK keeps it one of these).
    pub fn complaint_status(&self) -> Result<domain::supervision::ComplaintStatus, DbErr> {
        domain::supervision::ComplaintStatus::from_code(&self.status).ok_or_else(|| {
            DbErr::Type(format!("complaints.status {:?} is not a complaint status", self.status))
        })
    }
}
