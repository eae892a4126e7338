//! Failed sign-ins by key (`sign_in_failures`): how many, since when, and until when the key must
//! wait. The key says what was tried from where (`user:admin@203.0.113.9`); the rule that turns
//! failures into delays is the api's (`auth::throttle`).

use crate::error::RepoError;
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbBackend, Statement, Value};

/// The same SQL for both backends: written with `$n`, given to SQLite as `?n`.
fn statement(backend: DbBackend, sql: &str, values: Vec<Value>) -> Statement {
    let sql = if backend == DbBackend::Postgres { sql.to_owned() } else { sql.replace('$', "?") };
    Statement::from_sql_and_values(backend, sql, values)
}

/// The latest time until which any of `keys` must wait, if later than `now`.
pub async fn blocked_until(
    db: &impl ConnectionTrait,
    keys: &[String],
    now: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>, RepoError> {
    let mut latest = None;
    for key in keys {
        let row = db
            .query_one_raw(statement(
                db.get_database_backend(),
                "SELECT blocked_until FROM sign_in_failures WHERE key = $1 AND blocked_until > $2",
                vec![key.clone().into(), now.into()],
            ))
            .await?;
        if let Some(row) = row {
            let until: DateTime<Utc> = row.try_get("", "blocked_until")?;
            latest = latest.max(Some(until));
        }
    }
    Ok(latest)
}

/// Counts one more failure of `key` (starting again at 1 when the last one is older than
/// `forget_before`) and returns the count. Atomic: concurrent failures are all counted.
pub async fn record_failure(
    db: &impl ConnectionTrait,
    key: &str,
    now: DateTime<Utc>,
    forget_before: DateTime<Utc>,
) -> Result<i32, RepoError> {
    let row = db
        .query_one_raw(statement(
            db.get_database_backend(),
            "INSERT INTO sign_in_failures (key, failures, blocked_until, updated_at) VALUES ($1, 1, $2, $2) \
             ON CONFLICT (key) DO UPDATE SET \
               failures = CASE WHEN sign_in_failures.updated_at < $3 THEN 1 ELSE sign_in_failures.failures + 1 END, \
               updated_at = $2 \
             RETURNING failures",
            vec![key.into(), now.into(), forget_before.into()],
        ))
        .await?;
    let failures: i32 = match row {
        Some(row) => row.try_get("", "failures")?,
        None => 1,
    };
    Ok(failures)
}

/// Makes `key` wait until `until`.
pub async fn block(db: &impl ConnectionTrait, key: &str, until: DateTime<Utc>) -> Result<(), RepoError> {
    db.execute_raw(statement(
        db.get_database_backend(),
        "UPDATE sign_in_failures SET blocked_until = $2 WHERE key = $1",
        vec![key.into(), until.into()],
    ))
    .await?;
    Ok(())
}

/// Forgets `key` (after a successful sign-in).
pub async fn clear(db: &impl ConnectionTrait, key: &str) -> Result<(), RepoError> {
    db.execute_raw(statement(
        db.get_database_backend(),
        "DELETE FROM sign_in_failures WHERE key = $1",
        vec![key.into()],
    ))
    .await?;
    Ok(())
}

/// Deletes the keys without a failure since `before` (through the index on `updated_at`), so
/// the table does not grow with every address ever seen.
pub async fn purge(db: &impl ConnectionTrait, before: DateTime<Utc>) -> Result<u64, RepoError> {
    let done = db
        .execute_raw(statement(
            db.get_database_backend(),
            "DELETE FROM sign_in_failures WHERE updated_at < $1",
            vec![before.into()],
        ))
        .await?;
    Ok(done.rows_affected())
}
