//! Start-up: the stored resident ID numbers under the configured data key (issue 26, point 8).
//!
//! Before the server listens, every number is sealed under the current seal key and hashed under
//! the lookup key: the numbers written before sealing existed (migration 000030 left them in
//! clear), those sealed under a key since rotated away, and — when the lookup key changed — every
//! hash. The ID numbers inside stored documents (outbox events, filing applications and their
//! rounds) are sealed and re-sealed the same way, once per seal key. Each batch is one change with its audit event; a start interrupted half-way goes on where
//! it stopped. A key file that cannot open what is stored (lost and regenerated, or another
//! installation's) stops the start with the reason, before anything is written.

use super::Change;
use crate::error::ApiError;
use chrono::{DateTime, Utc};
use persistence::repo::audit::Actor;
use persistence::repo::sealed::{self, TABLES};
use persistence::sealed::{DataKey, StoredId, is_sealed};
use std::sync::Arc;

/// Rows sealed per change.
const BATCH: u64 = 1000;

/// What a start did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Sealing {
    /// Whether every hash was made again (the lookup key changed).
    pub rehashed: bool,
    /// Rows sealed or re-sealed, all tables together.
    pub rows: u64,
    /// Documents (outbox events, filing applications and their rounds) whose ID numbers were
    /// sealed or re-sealed.
    pub events: u64,
}

/// Why the stored numbers cannot be brought under the key.
#[derive(Debug, thiserror::Error)]
pub enum SealingError {
    #[error("SKILLCERT_DATA_KEY: {0}")]
    Key(String),
    #[error("{0}")]
    Database(#[from] persistence::RepoError),
    #[error("{0}")]
    Change(String),
}

impl From<ApiError> for SealingError {
    fn from(e: ApiError) -> SealingError {
        SealingError::Change(e.to_string())
    }
}

impl From<persistence::DbErr> for SealingError {
    fn from(e: persistence::DbErr) -> SealingError {
        SealingError::Database(e.into())
    }
}

fn refused(what: String) -> SealingError {
    SealingError::Key(what)
}

/// Brings every stored number under `key` (see the module).
pub async fn bring_up_to_date(
    db: &persistence::Database,
    key: &Arc<DataKey>,
    now: impl Fn() -> DateTime<Utc>,
) -> Result<Sealing, SealingError> {
    let mut done = Sealing::default();
    let fingerprint = key.lookup_fingerprint();

    // 1. The lookup key: the first start records it; another one means every hash is made again,
    //    once the key is shown to open what is stored.
    let mut change = Change::begin_on(db, key, now(), Actor::system()).await?.as_part_of("startup");
    sealed::lock(change.db()).await?;
    let state = sealed::key_state(change.db()).await?;
    if state.lookup_fingerprint.as_deref() != Some(fingerprint.as_str()) {
        for table in TABLES {
            if let Some(sample) = sealed::sample(change.db(), table).await? {
                key.open(&sample).map_err(|e| {
                    refused(format!("cannot open the ID numbers stored in {table}: {e}. Start with the key file that sealed them."))
                })?;
            }
        }
        if state.lookup_fingerprint.is_some() {
            for table in TABLES {
                sealed::forget_hashes(change.db(), table).await?;
            }
            done.rehashed = true;
            // A fingerprint of another form means this version hashes another way (shorter
            // hashes since `h2.`), not that the key changed.
            let reason = match &state.lookup_fingerprint {
                Some(old) if !old.starts_with(persistence::sealed::HASH_FORM) => "hash_form",
                _ => "lookup_key",
            };
            change.record(
                "data_key.lookup_changed",
                ("data_key", "lookup".into()),
                serde_json::json!({"reason": reason}),
            );
        }
        sealed::set_key_state(change.db(), "lookup_fingerprint", &fingerprint).await?;
    }
    change.commit().await?;

    // 2. Every row not sealed under the current key, or without a hash.
    for table in TABLES {
        let mut after = None;
        loop {
            let mut change = Change::begin_on(db, key, now(), Actor::system()).await?.as_part_of("startup");
            let rows = sealed::pending(change.db(), table, key, after, BATCH).await?;
            let Some(last) = rows.last() else { break };
            after = Some(last.id);
            let mut written = Vec::with_capacity(rows.len());
            for row in &rows {
                let plain = if is_sealed(&row.stored) {
                    key.open(&row.stored).map_err(|e| refused(format!("{table} row {}: {e}", row.id)))?
                } else {
                    row.stored.clone()
                };
                written.push((row.id, stored(key, &plain)));
            }
            sealed::write(change.db(), table, &written).await?;
            change.record(
                "data_key.sealed",
                ("data_key", table.into()),
                serde_json::json!({"table": table, "rows": written.len(), "seal_key": key.current()}),
            );
            change.commit().await?;
            done.rows += written.len() as u64;
        }
    }

    // 3. The ID numbers in documents (outbox events for the national platform, filing
    //    applications and the rounds they were submitted in), once per seal key.
    if sealed::key_state(db).await?.sealed_with != Some(key.current()) {
        let mut after = 0;
        loop {
            let mut change = Change::begin_on(db, key, now(), Actor::system()).await?.as_part_of("startup");
            let events = sealed::certificate_events(change.db(), after, 100).await?;
            let Some(last) = events.last() else { break };
            after = last.0;
            let mut changed = 0;
            for (id, mut payload) in events {
                if reseal(key, &mut payload).map_err(|e| refused(format!("outbox event {id}: {e}")))? {
                    sealed::set_payload(change.db(), id, payload).await?;
                    changed += 1;
                }
            }
            recorded(&mut change, "outbox", changed, key);
            change.commit().await?;
            done.events += changed;
        }
        let mut after = None;
        loop {
            let mut change = Change::begin_on(db, key, now(), Actor::system()).await?.as_part_of("startup");
            let filings = sealed::filing_documents(change.db(), after, 100).await?;
            let Some(last) = filings.last() else { break };
            after = Some(last.0);
            let mut changed = 0;
            for (id, mut document) in filings {
                if reseal(key, &mut document).map_err(|e| refused(format!("filing {id}: {e}")))? {
                    sealed::set_filing_document(change.db(), id, document).await?;
                    changed += 1;
                }
                for r in persistence::repo::filing::rounds(change.db(), id).await? {
                    let mut document = r.document;
                    if reseal(key, &mut document)
                        .map_err(|e| refused(format!("filing {id} round {}: {e}", r.round)))?
                    {
                        sealed::set_round_document(change.db(), id, r.round, document).await?;
                        changed += 1;
                    }
                }
            }
            recorded(&mut change, "filings", changed, key);
            change.commit().await?;
            done.events += changed;
        }
        let change = Change::begin_on(db, key, now(), Actor::system()).await?.as_part_of("startup");
        sealed::set_key_state(change.db(), "sealed_with", &key.current().to_string()).await?;
        change.commit().await?;
    }
    Ok(done)
}

/// A number as stored: sealed, hashed, masked (a number stored before validation existed is
/// masked all but its last two characters).
fn stored(key: &DataKey, plain: &str) -> StoredId {
    match domain::ResidentId::parse(plain) {
        Ok(id) => key.store(&id),
        Err(_) => StoredId {
            sealed: key.seal(plain),
            hash: key.hash(plain),
            masked: format!(
                "{}{}",
                "*".repeat(16),
                plain.chars().rev().take(2).collect::<Vec<_>>().into_iter().rev().collect::<String>()
            ),
            region: domain::resident_id::region_of(plain).to_owned(),
        },
    }
}

/// Records a batch of documents sealed, if there were any.
fn recorded(change: &mut Change, table: &'static str, rows: u64, key: &DataKey) {
    if rows > 0 {
        change.record(
            "data_key.sealed",
            ("data_key", table.into()),
            serde_json::json!({"table": table, "rows": rows, "seal_key": key.current()}),
        );
    }
}

/// Seals under the current key every non-empty `id_number` of a document not sealed under it
/// (in clear, or under an older key). Returns whether anything changed.
fn reseal(key: &DataKey, v: &mut serde_json::Value) -> Result<bool, persistence::sealed::OpenError> {
    let prefix = key.current_prefix();
    let mut changed = false;
    match v {
        serde_json::Value::Object(map) => {
            for (k, val) in map.iter_mut() {
                match val {
                    serde_json::Value::String(text) if k == "id_number" => {
                        if text.trim().is_empty() || text.starts_with(&prefix) {
                            continue;
                        }
                        let plain = if is_sealed(text) { key.open(text)? } else { text.clone() };
                        *text = key.seal(&plain);
                        changed = true;
                    }
                    other => changed |= reseal(key, other)?,
                }
            }
        }
        serde_json::Value::Array(items) => {
            for i in items {
                changed |= reseal(key, i)?;
            }
        }
        _ => {}
    }
    Ok(changed)
}

/// Opens every sealed ID number of an outbox event, for its delivery or for the bureau reading it.
pub fn open_payload(key: &DataKey, payload: &mut serde_json::Value) {
    crate::views::mask::open_id_numbers(payload, key);
}
