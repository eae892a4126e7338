//! Shared state for rate limits and published signing keys.

use crate::error::RepoError;
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbBackend, Statement};

/// Requests counted by one replica for `key` in the window starting at `window_start`.
#[derive(Debug, Clone, PartialEq)]
pub struct Increment {
    pub key: String,
    pub window_start: DateTime<Utc>,
    pub delta: i64,
}

/// The count of `key` in the database after an [`add`].
#[derive(Debug, Clone, PartialEq)]
pub struct Total {
    pub key: String,
    pub window_start: DateTime<Utc>,
    pub count: i64,
}

/// Adds replicas' counts to the shared rows in one statement (keys must be distinct) and returns
/// the totals. A row of an earlier window starts over; an increment for a window older than the
/// row's is not added (it arrived late) and the row's newer total is returned instead.
pub async fn add(db: &impl ConnectionTrait, increments: &[Increment]) -> Result<Vec<Total>, RepoError> {
    if increments.is_empty() {
        return Ok(Vec::new());
    }
    let backend = db.get_database_backend();
    let mut sql = String::from("INSERT INTO rate_limits (key, window_start, count) VALUES ");
    let mut values: Vec<sea_orm::Value> = Vec::with_capacity(increments.len() * 3);
    for (i, inc) in increments.iter().enumerate() {
        if i > 0 {
            sql.push_str(", ");
        }
        let n = i * 3;
        if backend == DbBackend::Postgres {
            sql.push_str(&format!("(${}, ${}, ${})", n + 1, n + 2, n + 3));
        } else {
            sql.push_str(&format!("(?{}, ?{}, ?{})", n + 1, n + 2, n + 3));
        }
        values.push(inc.key.clone().into());
        values.push(inc.window_start.into());
        values.push(i32::try_from(inc.delta).unwrap_or(i32::MAX).into());
    }
    sql.push_str(
        " ON CONFLICT (key) DO UPDATE SET \
           count = CASE WHEN rate_limits.window_start = excluded.window_start THEN rate_limits.count + excluded.count \
                        WHEN rate_limits.window_start < excluded.window_start THEN excluded.count \
                        ELSE rate_limits.count END, \
           window_start = CASE WHEN rate_limits.window_start < excluded.window_start THEN excluded.window_start \
                               ELSE rate_limits.window_start END \
         RETURNING key, window_start, count",
    );
    let rows = db.query_all_raw(Statement::from_sql_and_values(backend, sql, values)).await?;
    rows.iter()
        .map(|row| {
            Ok(Total {
                key: row.try_get("", "key")?,
                window_start: row.try_get("", "window_start")?,
                count: i64::from(row.try_get::<i32>("", "count")?),
            })
        })
        .collect()
}

/// Deletes the rows of windows that started before `before`.
pub async fn purge(db: &impl ConnectionTrait, before: DateTime<Utc>) -> Result<u64, RepoError> {
    let backend = db.get_database_backend();
    let sql = if backend == DbBackend::Postgres {
        "DELETE FROM rate_limits WHERE window_start < $1"
    } else {
        "DELETE FROM rate_limits WHERE window_start < ?1"
    };
    let done = db.execute_raw(Statement::from_sql_and_values(backend, sql, [before.into()])).await?;
    Ok(done.rows_affected())
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
