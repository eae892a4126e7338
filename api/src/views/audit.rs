//! The audit chain as the API shows it.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

/// A signed checkpoint of the chain: truncation or a rewrite of the log later no longer matches
/// it. Stored ones are held against the chain by every whole-chain verification; keep copies
/// outside skillcert too.
#[derive(Debug, Serialize, ToSchema)]
pub struct Checkpoint {
    pub head_hash: String,
    pub count: i64,
    pub at: DateTime<Utc>,
    /// The signing key (see `/.well-known/skillcert-keys.json`).
    pub kid: String,
    /// Ed25519 signature (base64url) over `skillcert-audit-checkpoint-v1\n{head_hash}\n{count}\n{at}`
    /// with `at` in RFC 3339 (UTC, microseconds).
    pub signature: String,
}

impl From<persistence::entity::audit_checkpoint::Model> for Checkpoint {
    fn from(c: persistence::entity::audit_checkpoint::Model) -> Checkpoint {
        Checkpoint {
            head_hash: c.head_hash,
            count: c.count,
            at: c.taken_at,
            kid: c.kid,
            signature: c.signature,
        }
    }
}
