//! Stored answers of creating POSTs sent with an `Idempotency-Key` (any endpoint).

use crate::error::RepoError;
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbBackend, Statement, Value};

/// A claim older than this with no answer belongs to a crashed request and may be taken over
/// (longer than any request runs).
pub const STALE_SECONDS: i64 = 900;

/// A creating request sent with an `Idempotency-Key`: whose key it is (`user:…`, `client:…` or
/// `public:<address>`), the key, and the keyed hash of the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keyed {
    pub principal: String,
    pub key: String,
    pub request_hash: String,
}

/// What a key holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stored {
    /// Claimed now by this request; the instant is the claim's token for `complete`/`release`.
    Claimed(DateTime<Utc>),
    /// The same key with a different request.
    Mismatch,
    /// The first request with this key is still running.
    InProgress,
    /// The first request's answer.
    Done {
        status: i32,
        content_type: Option<String>,
        location: Option<String>,
        etag: Option<String>,
        body: String,
    },
}

fn q(backend: DbBackend, pg: &'static str, lite: &'static str) -> &'static str {
    if backend == DbBackend::Postgres { pg } else { lite }
}

/// Claims `key` for `principal`, or tells what it holds. A claim left running for longer than
/// `stale_after` (a crashed process) is taken over.
pub async fn claim(
    db: &impl ConnectionTrait,
    principal: &str,
    key: &str,
    request_hash: &str,
    now: DateTime<Utc>,
    stale_before: DateTime<Utc>,
) -> Result<Stored, RepoError> {
    let b = db.get_database_backend();
    let inserted = db
        .execute_raw(Statement::from_sql_and_values(
            b,
            q(
                b,
                "INSERT INTO http_idempotency (principal, key, request_hash, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
                "INSERT INTO http_idempotency (principal, key, request_hash, created_at) VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING",
            ),
            [principal.into(), key.into(), request_hash.into(), now.into()],
        ))
        .await?
        .rows_affected();
    if inserted == 1 {
        return Ok(Stored::Claimed(now));
    }
    let row = db
        .query_one_raw(Statement::from_sql_and_values(
            b,
            q(
                b,
                "SELECT request_hash, status, content_type, location, etag, body, created_at FROM http_idempotency WHERE principal = $1 AND key = $2",
                "SELECT request_hash, status, content_type, location, etag, body, created_at FROM http_idempotency WHERE principal = ?1 AND key = ?2",
            ),
            [principal.into(), key.into()],
        ))
        .await?;
    let Some(row) = row else { return Ok(Stored::InProgress) };
    let hash: String = row.try_get("", "request_hash")?;
    if hash != request_hash {
        return Ok(Stored::Mismatch);
    }
    let status: Option<i32> = row.try_get("", "status")?;
    match status {
        Some(status) => Ok(Stored::Done {
            status,
            content_type: row.try_get("", "content_type")?,
            location: row.try_get("", "location")?,
            etag: row.try_get("", "etag")?,
            body: row.try_get::<Option<String>>("", "body")?.unwrap_or_default(),
        }),
        None => {
            let created: DateTime<Utc> = row.try_get("", "created_at")?;
            if created < stale_before {
                let taken = db
                    .execute_raw(Statement::from_sql_and_values(
                        b,
                        q(
                            b,
                            "UPDATE http_idempotency SET created_at = $1 WHERE principal = $2 AND key = $3 AND status IS NULL AND created_at = $4",
                            "UPDATE http_idempotency SET created_at = ?1 WHERE principal = ?2 AND key = ?3 AND status IS NULL AND created_at = ?4",
                        ),
                        [now.into(), principal.into(), key.into(), created.into()],
                    ))
                    .await?
                    .rows_affected();
                if taken == 1 {
                    return Ok(Stored::Claimed(now));
                }
            }
            Ok(Stored::InProgress)
        }
    }
}

/// Stores the answer of a key claimed at `claimed_at` (nothing if the claim was taken over).
#[allow(clippy::too_many_arguments, reason = "one stored answer has these parts")]
pub async fn complete(
    db: &impl ConnectionTrait,
    principal: &str,
    key: &str,
    claimed_at: DateTime<Utc>,
    status: i32,
    content_type: Option<&str>,
    location: Option<&str>,
    etag: Option<&str>,
    body: &str,
) -> Result<(), RepoError> {
    let b = db.get_database_backend();
    let values: Vec<Value> = vec![
        status.into(),
        content_type.map(str::to_owned).into(),
        location.map(str::to_owned).into(),
        etag.map(str::to_owned).into(),
        body.into(),
        principal.into(),
        key.into(),
        claimed_at.into(),
    ];
    db.execute_raw(Statement::from_sql_and_values(
        b,
        q(
            b,
            "UPDATE http_idempotency SET status = $1, content_type = $2, location = $3, etag = $4, body = $5 WHERE principal = $6 AND key = $7 AND created_at = $8 AND status IS NULL",
            "UPDATE http_idempotency SET status = ?1, content_type = ?2, location = ?3, etag = ?4, body = ?5 WHERE principal = ?6 AND key = ?7 AND created_at = ?8 AND status IS NULL",
        ),
        values,
    ))
    .await?;
    Ok(())
}

/// Releases a claim (made at `claimed_at`) whose request failed, so that the key can be used
/// again; a claim taken over meanwhile is left alone.
pub async fn release(
    db: &impl ConnectionTrait,
    principal: &str,
    key: &str,
    claimed_at: DateTime<Utc>,
) -> Result<(), RepoError> {
    let b = db.get_database_backend();
    db.execute_raw(Statement::from_sql_and_values(
        b,
        q(
            b,
            "DELETE FROM http_idempotency WHERE principal = $1 AND key = $2 AND status IS NULL AND created_at = $3",
            "DELETE FROM http_idempotency WHERE principal = ?1 AND key = ?2 AND status IS NULL AND created_at = ?3",
        ),
        [principal.into(), key.into(), claimed_at.into()],
    ))
    .await?;
    Ok(())
}

/// Forgets answers stored before `before` (keys are kept for a day).
pub async fn purge(db: &impl ConnectionTrait, before: DateTime<Utc>) -> Result<u64, RepoError> {
    let b = db.get_database_backend();
    Ok(db
        .execute_raw(Statement::from_sql_and_values(
            b,
            q(
                b,
                "DELETE FROM http_idempotency WHERE created_at < $1",
                "DELETE FROM http_idempotency WHERE created_at < ?1",
            ),
            [before.into()],
        ))
        .await?
        .rows_affected())
}
