//! `personnel`: The centre's registry of examiners, quality supervisors and experts (notice 五(一)).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "personnel")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// `examiner`, `quality_supervisor` or `expert`.
    pub kind: String,
    pub name: String,
    /// The resident ID number sealed under the data key (`persistence::sealed`); open it only
    /// for an answer or a file that may show it in full.
    pub id_sealed: String,
    /// Its lookup hash (NULL only between the migration and the start-up that seals).
    pub id_hash: Option<String>,
    /// Its masked form, what most answers show.
    pub id_masked: Option<String>,
    pub certificate_number: String,
    pub valid_until: Date,
    pub employer: String,
    pub employer_school_id: Option<Uuid>,
    /// The `expert` account an expert evaluates with.
    pub user_id: Option<Uuid>,
    pub active: bool,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
