//! `filings`: A filing application (备案申请); `document` holds Annex 1–3.

use sea_orm::entity::prelude::*;

#[derive(Clone, PartialEq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "filings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub school_id: Uuid,
    pub kind: String,
    pub institution_id: Option<Uuid>,
    pub status: String,
    pub round: i32,
    pub document: Json,
    pub submitted_at: Option<DateTimeUtc>,
    pub decided_at: Option<DateTimeUtc>,
    pub decision_opinion: Option<String>,
    pub valid_until: Option<Date>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// When the school withdrew it, and why.
    pub withdrawn_at: Option<DateTimeUtc>,
    pub withdrawal_reason: Option<String>,
    /// A change filing's additions to the scope, written at its submission (NULL otherwise).
    pub scope_added: Option<Json>,
}

/// Never prints phone numbers or the application's personal data.
impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Filing")
            .field("id", &self.id)
            .field("school_id", &self.school_id)
            .field("status", &self.status)
            .field("round", &self.round)
            .finish_non_exhaustive()
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

impl Model {
    /// Whether the bureau's decision waits for an expert evaluation (R8): always, except for a
    /// change filing whose submission found that it adds nothing to the scope
    /// (`domain::filing::evaluation_required`).
    pub fn evaluation_required(&self) -> bool {
        let added = self.scope_added.as_ref().and_then(|v| v.as_array()).map(Vec::len);
        domain::filing::evaluation_required(self.kind == "change", added)
    }
}
