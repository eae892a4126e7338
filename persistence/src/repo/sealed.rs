//! Sealing the stored resident ID numbers (issue 26, point 8): what start-up needs to seal the
//! numbers written before sealing existed, to re-seal after a seal-key rotation and to re-hash
//! after a lookup-key change (`api::use_case::data_key` runs it; `crate::sealed` explains the
//! columns).

use crate::entity::{filing, filing_round, outbox_event};
use crate::error::RepoError;
use crate::sealed::{DataKey, StoredId};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Statement,
};
use uuid::Uuid;

/// The tables that hold an ID number in `id_sealed`, `id_hash` and `id_masked`.
pub const TABLES: [&str; 3] = ["candidates", "certificates", "personnel"];

/// The advisory lock (PostgreSQL) that serialises the start-ups of several replicas.
const LOCK: i64 = 0x5345_414c; // "SEAL"

/// A row whose number is to be sealed: its key, and what `id_sealed` holds (the number in clear
/// for rows written before sealing, else a sealed value).
pub struct Pending {
    pub id: Uuid,
    pub stored: String,
}

/// Never prints the number.
impl std::fmt::Debug for Pending {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pending").field("id", &self.id).finish_non_exhaustive()
    }
}

/// What the database says of the key that made its hashes and sealed it last.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyState {
    pub lookup_fingerprint: Option<String>,
    /// The seal key every number and outbox event was sealed under when a start last finished.
    pub sealed_with: Option<u32>,
}

fn placeholder(backend: DbBackend, k: usize) -> String {
    match backend {
        DbBackend::Postgres => format!("${k}"),
        _ => "?".into(),
    }
}

/// Serialises the start-ups of replicas sharing a PostgreSQL database until the caller commits.
pub async fn lock(db: &impl ConnectionTrait) -> Result<(), RepoError> {
    crate::lock_key(db, LOCK).await?;
    Ok(())
}

/// Reads the key state.
pub async fn key_state(db: &impl ConnectionTrait) -> Result<KeyState, RepoError> {
    let rows = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT name, value FROM data_key_state",
        ))
        .await?;
    let mut state = KeyState::default();
    for r in rows {
        let name: String = r.try_get("", "name")?;
        let value: String = r.try_get("", "value")?;
        match name.as_str() {
            "lookup_fingerprint" => state.lookup_fingerprint = Some(value),
            "sealed_with" => state.sealed_with = value.parse().ok(),
            _ => {}
        }
    }
    Ok(state)
}

/// Writes one value of the key state.
pub async fn set_key_state(db: &impl ConnectionTrait, name: &str, value: &str) -> Result<(), RepoError> {
    let backend = db.get_database_backend();
    let sql = format!(
        "INSERT INTO data_key_state (name, value) VALUES ({}, {}) \
         ON CONFLICT (name) DO UPDATE SET value = excluded.value",
        placeholder(backend, 1),
        placeholder(backend, 2)
    );
    db.execute_raw(Statement::from_sql_and_values(backend, sql, [name.into(), value.into()])).await?;
    Ok(())
}

/// One sealed value of `table`, if there is one: to prove the key opens what is stored.
pub async fn sample(db: &impl ConnectionTrait, table: &'static str) -> Result<Option<String>, RepoError> {
    let sql = format!("SELECT id_sealed FROM {table} WHERE id_sealed LIKE 's1.%' LIMIT 1");
    let row = db.query_one_raw(Statement::from_string(db.get_database_backend(), sql)).await?;
    Ok(match row {
        Some(r) => Some(r.try_get("", "id_sealed")?),
        None => None,
    })
}

/// Forgets every hash of `table` (the lookup key changed): its rows become pending.
pub async fn forget_hashes(db: &impl ConnectionTrait, table: &'static str) -> Result<u64, RepoError> {
    let sql = format!("UPDATE {table} SET id_hash = NULL");
    Ok(db.execute_raw(Statement::from_string(db.get_database_backend(), sql)).await?.rows_affected())
}

/// Up to `limit` rows of `table` not yet sealed under the current key or not hashed, after `after`.
pub async fn pending(
    db: &impl ConnectionTrait,
    table: &'static str,
    key: &DataKey,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Vec<Pending>, RepoError> {
    let backend = db.get_database_backend();
    let mut values: Vec<sea_orm::Value> = vec![format!("{}%", key.current_prefix()).into()];
    let after_clause = match after {
        Some(a) => {
            values.push(a.into());
            format!(" AND id > {}", placeholder(backend, 2))
        }
        None => String::new(),
    };
    // Certificates also keep the number's address code (migration 000033).
    let region = if table == "certificates" { " OR id_region IS NULL" } else { "" };
    let sql = format!(
        "SELECT id, id_sealed FROM {table} WHERE (id_hash IS NULL OR id_sealed NOT LIKE {}{region}){after_clause} \
         ORDER BY id LIMIT {limit}",
        placeholder(backend, 1)
    );
    let rows = db.query_all_raw(Statement::from_sql_and_values(backend, sql, values)).await?;
    rows.iter()
        .map(|r| Ok(Pending { id: r.try_get("", "id")?, stored: r.try_get("", "id_sealed")? }))
        .collect()
}

/// Writes the sealed, hashed and masked number of each row (and a certificate's address code).
pub async fn write(
    db: &impl ConnectionTrait,
    table: &'static str,
    rows: &[(Uuid, StoredId)],
) -> Result<(), RepoError> {
    let backend = db.get_database_backend();
    let certificates = table == "certificates";
    // Values in the order of the statement (SQLite's `?` are taken in order).
    let region =
        if certificates { format!(", id_region = {}", placeholder(backend, 4)) } else { String::new() };
    let sql = format!(
        "UPDATE {table} SET id_sealed = {}, id_hash = {}, id_masked = {}{region} WHERE id = {}",
        placeholder(backend, 1),
        placeholder(backend, 2),
        placeholder(backend, 3),
        placeholder(backend, if certificates { 5 } else { 4 })
    );
    for (id, s) in rows {
        let mut values: Vec<sea_orm::Value> =
            vec![s.sealed.clone().into(), s.hash.clone().into(), s.masked.clone().into()];
        if certificates {
            values.push(s.region.clone().into());
        }
        values.push((*id).into());
        db.execute_raw(Statement::from_sql_and_values(backend, sql.clone(), values))
            .await
            .map_err(RepoError::from_db)?;
    }
    Ok(())
}

/// Up to `limit` certificate events of the outbox after position `after`, by position.
pub async fn certificate_events(
    db: &impl ConnectionTrait,
    after: i64,
    limit: u64,
) -> Result<Vec<(i64, serde_json::Value)>, RepoError> {
    Ok(outbox_event::Entity::find()
        .select_only()
        .column(outbox_event::Column::Id)
        .column(outbox_event::Column::Payload)
        .filter(outbox_event::Column::EventType.starts_with("certificate"))
        .filter(outbox_event::Column::Id.gt(after))
        .order_by_asc(outbox_event::Column::Id)
        .limit(limit)
        .into_tuple()
        .all(db)
        .await?)
}

/// Replaces an outbox event's payload.
pub async fn set_payload(
    db: &impl ConnectionTrait,
    id: i64,
    payload: serde_json::Value,
) -> Result<(), RepoError> {
    outbox_event::Entity::update_many()
        .col_expr(outbox_event::Column::Payload, sea_orm::sea_query::Expr::value(payload))
        .filter(outbox_event::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// Up to `limit` filing applications after `after`, by id, with their documents (the people of
/// an application have ID numbers).
pub async fn filing_documents(
    db: &impl ConnectionTrait,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Vec<(Uuid, serde_json::Value)>, RepoError> {
    let mut q =
        filing::Entity::find().select_only().column(filing::Column::Id).column(filing::Column::Document);
    if let Some(a) = after {
        q = q.filter(filing::Column::Id.gt(a));
    }
    Ok(q.order_by_asc(filing::Column::Id).limit(limit).into_tuple().all(db).await?)
}

/// Replaces a filing application's document.
pub async fn set_filing_document(
    db: &impl ConnectionTrait,
    id: Uuid,
    document: serde_json::Value,
) -> Result<(), RepoError> {
    filing::Entity::update_many()
        .col_expr(filing::Column::Document, sea_orm::sea_query::Expr::value(document))
        .filter(filing::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// Replaces the document a filing application was submitted with in one round.
pub async fn set_round_document(
    db: &impl ConnectionTrait,
    filing_id: Uuid,
    round: i32,
    document: serde_json::Value,
) -> Result<(), RepoError> {
    filing_round::Entity::update_many()
        .col_expr(filing_round::Column::Document, sea_orm::sea_query::Expr::value(document))
        .filter(filing_round::Column::FilingId.eq(filing_id))
        .filter(filing_round::Column::Round.eq(round))
        .exec(db)
        .await?;
    Ok(())
}
