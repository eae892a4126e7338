//! The audit chain's checkpoints (R33): signing the head, storing a checkpoint, checking one.

use super::Change;
use crate::error::ApiError;
use crate::state::CertificateKey;
use crate::views::audit::Checkpoint;
use chrono::{DateTime, SubsecRound as _, Utc};
use persistence::ConnectionTrait;
use persistence::repo;

/// Stores a signed checkpoint of the chain as it stands before this change; the change records
/// `audit.checkpoint_stored`, so two checkpoints never count the same events.
pub async fn store_checkpoint(change: &mut Change, key: &CertificateKey) -> Result<Checkpoint, ApiError> {
    let c = sign_head(change.db(), key, change.now()).await?;
    repo::audit::add_checkpoint(
        change.db(),
        persistence::entity::audit_checkpoint::Model {
            count: c.count,
            head_hash: c.head_hash.clone(),
            taken_at: c.at,
            kid: c.kid.clone(),
            signature: c.signature.clone(),
        },
    )
    .await?;
    change.record(
        "audit.checkpoint_stored",
        ("audit_checkpoint", c.count.to_string()),
        serde_json::json!({"count": c.count, "head_hash": c.head_hash, "kid": c.kid}),
    );
    Ok(c)
}

/// The text a checkpoint's signature covers.
fn checkpoint_text(head_hash: &str, count: i64, at: DateTime<Utc>) -> String {
    format!(
        "skillcert-audit-checkpoint-v1\n{head_hash}\n{count}\n{}",
        at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
    )
}

/// Whether `c` is signed by the published key it names (current or earlier).
pub async fn signed_by_published_key(db: &impl ConnectionTrait, c: &Checkpoint) -> Result<bool, ApiError> {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let Some(key) = repo::limits::keys(db).await?.into_iter().find(|k| k.kid == c.kid) else {
        return Ok(false);
    };
    let key = b64.decode(&key.public_key).ok().and_then(|k| <[u8; 32]>::try_from(k).ok());
    let signature = b64.decode(&c.signature).ok().and_then(|s| <[u8; 64]>::try_from(s).ok());
    let (Some(key), Some(signature)) = (key, signature) else { return Ok(false) };
    let Ok(key) = ed25519_dalek::VerifyingKey::from_bytes(&key) else { return Ok(false) };
    let text = checkpoint_text(&c.head_hash, c.count, c.at);
    Ok(key.verify_strict(text.as_bytes(), &ed25519_dalek::Signature::from_bytes(&signature)).is_ok())
}

/// Signs the chain's head as it stands in `db`, at `now`, with `key`.
pub async fn sign_head(
    db: &impl ConnectionTrait,
    key: &CertificateKey,
    now: DateTime<Utc>,
) -> Result<Checkpoint, ApiError> {
    use base64::Engine as _;
    use ed25519_dalek::Signer as _;
    let head = repo::audit::head(db).await?;
    // Stored timestamps keep microseconds: the signed text must be what is read back.
    let at = now.trunc_subsecs(6);
    let text = checkpoint_text(&head.hash, head.count, at);
    let signature =
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(key.key.sign(text.as_bytes()).to_bytes());
    Ok(Checkpoint { head_hash: head.hash, count: head.count, at, kid: key.kid.clone(), signature })
}
