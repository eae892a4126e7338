//! `objections`: An objection lodged during publicity (R22); `contact` is personal data.

use sea_orm::entity::prelude::*;

#[derive(Clone, PartialEq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "objections")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub plan_id: Uuid,
    pub candidate_id: Option<Uuid>,
    pub content: String,
    pub contact: String,
    pub lodged_at: DateTimeUtc,
    pub answer: Option<String>,
    pub upheld: Option<bool>,
    pub answered_at: Option<DateTimeUtc>,
    pub answered_by: Option<Uuid>,
    /// The client address it came from (see the api's `client_address`); personal data.
    pub client_key: Option<String>,
    /// Its place among that address's objections to the plan (unique, bounded by the api).
    pub address_slot: Option<i32>,
    /// SHA-256 of the candidate and the normalised content: identical objections are merged.
    pub content_key: Option<String>,
    /// How many identical objections were merged into this one.
    pub merged: i32,
}

/// Never prints the objector's contact.
impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Objection")
            .field("id", &self.id)
            .field("plan_id", &self.plan_id)
            .finish_non_exhaustive()
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
