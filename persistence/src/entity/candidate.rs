//! `candidates`: A candidate of a plan; `id_sealed` (the ID number) and `phone` are sensitive.

use sea_orm::entity::prelude::*;

#[derive(Clone, PartialEq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "candidates")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub plan_id: Uuid,
    pub name: String,
    pub gender: String,
    /// The resident ID number sealed under the data key (`persistence::sealed`); open it only
    /// for an answer or a file that may show it in full.
    pub id_sealed: String,
    /// Its lookup hash (NULL only between the migration and the start-up that seals).
    pub id_hash: Option<String>,
    /// Its masked form, what most answers show.
    pub id_masked: Option<String>,
    pub school_name: String,
    pub own_school: bool,
    pub major: String,
    pub class_name: String,
    pub full_time_confirmed: bool,
    pub consent_recorded: bool,
    pub phone: Option<String>,
    pub occupation_code: String,
    pub work_type: String,
    pub level: String,
    pub created_at: DateTimeUtc,
    pub photo_key: Option<String>,
    pub photo_media_type: Option<String>,
    pub photo_sha256: Option<String>,
    pub review_status: String,
    pub review_note: Option<String>,
    /// The candidate's school in the registry (NULL only for another school's candidates listed
    /// before R19 named schools from the registry).
    pub school_id: Option<Uuid>,
    /// 学号.
    pub student_number: String,
    /// When the school withdrew the candidate (kept on record, left out of everything after).
    pub withdrawn_at: Option<DateTimeUtc>,
    pub withdrawal_reason: Option<String>,
    pub withdrawn_by: Option<Uuid>,
}

/// Never prints the ID number or the phone number.
impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Candidate")
            .field("id", &self.id)
            .field("plan_id", &self.plan_id)
            .finish_non_exhaustive()
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

impl Model {
    /// The centre's review of the candidate's results, parsed.
    pub fn review(&self) -> Result<domain::results::ReviewStatus, DbErr> {
        domain::results::ReviewStatus::from_code(&self.review_status).ok_or_else(|| {
            DbErr::Type(format!("candidates.review_status {:?} is not a review status", self.review_status))
        })
    }
}
