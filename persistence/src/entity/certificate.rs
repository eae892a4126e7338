//! `certificates`: A certificate: a signed snapshot of the holder's data (R29); the ID number is stored sealed.

use sea_orm::entity::prelude::*;

#[derive(Clone, PartialEq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "certificates")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub code: String,
    pub institution_id: Uuid,
    pub plan_id: Uuid,
    pub candidate_id: Uuid,
    pub issue_year: i32,
    pub serial: i32,
    pub holder_name: String,
    pub gender: String,
    /// The resident ID number sealed under the data key (`persistence::sealed`); open it only
    /// for an answer or a file that may show it in full.
    pub id_sealed: String,
    /// Its lookup hash (NULL only between the migration and the start-up that seals).
    pub id_hash: Option<String>,
    /// Its masked form, what most answers show.
    pub id_masked: Option<String>,
    /// The address code of the holder's ID number (first six digits), for a district's scope;
    /// NULL until the start after migration 000033 gives it.
    pub id_region: Option<String>,
    pub occupation_code: String,
    pub occupation_name: String,
    pub work_type: String,
    pub level: String,
    pub institution_name: String,
    pub issue_date: Date,
    pub photo_key: Option<String>,
    pub status: String,
    pub revoked_reason: Option<String>,
    pub revoked_at: Option<DateTimeUtc>,
    pub supersedes_id: Option<Uuid>,
    pub verify_token: String,
    pub key_id: String,
    pub signature: String,
    pub created_at: DateTimeUtc,
    /// When the bureau or the centre ordered the revocation (issue 26, point 5): the account,
    /// its role (`bureau` or `centre`) and the inspection task or complaint it rests on. NULL
    /// for a revocation by the institution itself.
    pub revoked_by: Option<Uuid>,
    pub revocation_ordered_by: Option<String>,
    pub revocation_inspection_task_id: Option<Uuid>,
    pub revocation_complaint_id: Option<Uuid>,
}

/// Never prints the ID number.
impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Certificate")
            .field("code", &self.code)
            .field("status", &self.status)
            .finish_non_exhaustive()
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

impl Model {
    /// The certificate's status, parsed (the database's CHECK keeps it one of these).
    pub fn certificate_status(&self) -> Result<domain::certificate::CertificateStatus, DbErr> {
        domain::certificate::CertificateStatus::from_code(&self.status).ok_or_else(|| {
            DbErr::Type(format!("certificates.status {:?} is not a certificate status", self.status))
        })
    }
}
