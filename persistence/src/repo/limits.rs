//! Shared state for rate limits and published signing keys.

use crate::error::RepoError;
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbBackend, Statement};

/// Counts one request for `key` in a fixed window of `window_seconds` and returns the count in
/// the current window. One atomic statement, so every replica sharing the database agrees.
pub async fn hit(
    db: &impl ConnectionTrait,
    key: &str,
    now: DateTime<Utc>,
    window_seconds: i64,
) -> Result<i64, RepoError> {
    let window_start = now - chrono::Duration::seconds(window_seconds);
    let backend = db.get_database_backend();
    let sql = match backend {
        DbBackend::Postgres => {
            "INSERT INTO rate_limits (key, window_start, count) VALUES ($1, $2, 1) \
             ON CONFLICT (key) DO UPDATE SET \
               count = CASE WHEN rate_limits.window_start <= $3 THEN 1 ELSE rate_limits.count + 1 END, \
               window_start = CASE WHEN rate_limits.window_start <= $3 THEN $2 ELSE rate_limits.window_start END \
             RETURNING count"
        }
        _ => {
            "INSERT INTO rate_limits (key, window_start, count) VALUES (?1, ?2, 1) \
             ON CONFLICT (key) DO UPDATE SET \
               count = CASE WHEN rate_limits.window_start <= ?3 THEN 1 ELSE rate_limits.count + 1 END, \
               window_start = CASE WHEN rate_limits.window_start <= ?3 THEN ?2 ELSE rate_limits.window_start END \
             RETURNING count"
        }
    };
    let row = db
        .query_one_raw(Statement::from_sql_and_values(
            backend,
            sql,
            [key.into(), now.into(), window_start.into()],
        ))
        .await?
        .ok_or_else(|| RepoError::Db(sea_orm::DbErr::Custom("rate limit returned no row".into())))?;
    let count: i32 = row.try_get("", "count")?;
    Ok(i64::from(count))
}

/// A published key.
#[derive(Debug, Clone)]
pub struct PublishedKey {
    pub kid: String,
    pub public_key: String,
    pub usage: String,
    pub valid_from: DateTime<Utc>,
    pub valid_until: Option<DateTime<Utc>>,
}

/// Publishes the current key of `usage` (idempotent); earlier keys of that usage get
/// `valid_until = now` and stay published.
pub async fn publish_key(
    db: &impl ConnectionTrait,
    kid: &str,
    public_key: &str,
    usage: &str,
    now: DateTime<Utc>,
) -> Result<(), RepoError> {
    let backend = db.get_database_backend();
    let p = |pg: &'static str, lite: &'static str| if backend == DbBackend::Postgres { pg } else { lite };
    db.execute_raw(Statement::from_sql_and_values(
        backend,
        p(
            "UPDATE signing_keys SET valid_until = $1 WHERE usage = $2 AND kid <> $3 AND valid_until IS NULL",
            "UPDATE signing_keys SET valid_until = ?1 WHERE usage = ?2 AND kid <> ?3 AND valid_until IS NULL",
        ),
        [now.into(), usage.into(), kid.into()],
    ))
    .await?;
    db.execute_raw(Statement::from_sql_and_values(
        backend,
        p(
            "INSERT INTO signing_keys (kid, public_key, usage, valid_from) VALUES ($1, $2, $3, $4) ON CONFLICT (kid) DO NOTHING",
            "INSERT INTO signing_keys (kid, public_key, usage, valid_from) VALUES (?1, ?2, ?3, ?4) ON CONFLICT (kid) DO NOTHING",
        ),
        [kid.into(), public_key.into(), usage.into(), now.into()],
    ))
    .await?;
    Ok(())
}

/// Every published key, oldest first.
pub async fn keys(db: &impl ConnectionTrait) -> Result<Vec<PublishedKey>, RepoError> {
    let backend = db.get_database_backend();
    let rows = db
        .query_all_raw(Statement::from_string(
            backend,
            "SELECT kid, public_key, usage, valid_from, valid_until FROM signing_keys ORDER BY valid_from, kid",
        ))
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        out.push(PublishedKey {
            kid: r.try_get("", "kid")?,
            public_key: r.try_get("", "public_key")?,
            usage: r.try_get("", "usage")?,
            valid_from: r.try_get("", "valid_from")?,
            valid_until: r.try_get("", "valid_until")?,
        });
    }
    Ok(out)
}
