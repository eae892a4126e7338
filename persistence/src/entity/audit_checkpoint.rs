//! `audit_checkpoints`: signed checkpoints of the audit hash chain (append-only).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_checkpoints")]
pub struct Model {
    /// How many events the chain held.
    #[sea_orm(primary_key, auto_increment = false)]
    pub count: i64,
    /// The hash of the last of them.
    pub head_hash: String,
    pub taken_at: DateTimeUtc,
    pub kid: String,
    /// Ed25519 signature (base64url) of the checkpoint's text.
    pub signature: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
