//! The outbox (issue 7): events written in the transaction of the change they report, claimed by
//! the delivery worker of any replica with a lease, in order per institution.

use super::{Page, PageRequest, fetch_page};
use crate::entity::outbox_event;
use crate::error::RepoError;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Statement,
};
use uuid::Uuid;

/// On PostgreSQL, serialises the writers of one institution's events until commit, so that ids
/// (the delivery order) follow commit order per institution. SQLite has one writer anyway.
async fn order_lock(db: &impl ConnectionTrait, institution_id: Uuid) -> Result<(), RepoError> {
    if db.get_database_backend() == DbBackend::Postgres {
        db.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT pg_advisory_xact_lock(hashtextextended($1, 7))",
            [institution_id.to_string().into()],
        ))
        .await?;
    }
    Ok(())
}

/// Writes one event (call inside the change's transaction).
pub async fn enqueue(
    db: &impl ConnectionTrait,
    event_type: &str,
    institution_id: Uuid,
    payload: serde_json::Value,
    delivery_id: Uuid,
    now: DateTime<Utc>,
) -> Result<(), RepoError> {
    order_lock(db, institution_id).await?;
    let m = outbox_event::ActiveModel {
        id: sea_orm::ActiveValue::NotSet,
        delivery_id: sea_orm::ActiveValue::Set(delivery_id),
        event_type: sea_orm::ActiveValue::Set(event_type.to_owned()),
        institution_id: sea_orm::ActiveValue::Set(institution_id),
        payload: sea_orm::ActiveValue::Set(payload),
        status: sea_orm::ActiveValue::Set("pending".into()),
        attempts: sea_orm::ActiveValue::Set(0),
        next_attempt_at: sea_orm::ActiveValue::Set(Utc::now()),
        locked_until: sea_orm::ActiveValue::Set(None),
        last_status: sea_orm::ActiveValue::Set(None),
        last_error: sea_orm::ActiveValue::Set(None),
        created_at: sea_orm::ActiveValue::Set(now),
        delivered_at: sea_orm::ActiveValue::Set(None),
    };
    outbox_event::Entity::insert(m).exec_without_returning(db).await.map_err(RepoError::from_db)?;
    Ok(())
}

/// Claims up to `limit` due events with a lease until `lease_until`: for each institution only its
/// oldest pending event, so that events are delivered in order per institution. On PostgreSQL the
/// rows are chosen `FOR UPDATE SKIP LOCKED`, so replicas claiming at once never take the same row;
/// on SQLite the single statement runs under the database's one write lock.
pub async fn claim(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<outbox_event::Model>, RepoError> {
    let backend = db.get_database_backend();
    let sql = if backend == DbBackend::Postgres {
        "UPDATE outbox SET locked_until = $1 WHERE id IN ( \
           SELECT o.id FROM outbox o \
           WHERE o.status = 'pending' AND o.next_attempt_at <= $2 \
             AND (o.locked_until IS NULL OR o.locked_until < $2) \
             AND NOT EXISTS (SELECT 1 FROM outbox e WHERE e.institution_id = o.institution_id \
                             AND e.status = 'pending' AND e.id <> o.id \
                             AND (e.id < o.id OR e.locked_until >= $2)) \
           ORDER BY o.id LIMIT $3 FOR UPDATE SKIP LOCKED) \
         RETURNING *"
    } else {
        "UPDATE outbox SET locked_until = ?1 WHERE id IN ( \
           SELECT o.id FROM outbox o \
           WHERE o.status = 'pending' AND o.next_attempt_at <= ?2 \
             AND (o.locked_until IS NULL OR o.locked_until < ?2) \
             AND NOT EXISTS (SELECT 1 FROM outbox e WHERE e.institution_id = o.institution_id \
                             AND e.status = 'pending' AND e.id <> o.id \
                             AND (e.id < o.id OR e.locked_until >= ?2)) \
           ORDER BY o.id LIMIT ?3) \
         RETURNING *"
    };
    let mut rows = outbox_event::Entity::find()
        .from_raw_sql(Statement::from_sql_and_values(
            backend,
            sql,
            [lease_until.into(), now.into(), (limit as i64).into()],
        ))
        .all(db)
        .await?;
    rows.sort_by_key(|r| r.id);
    Ok(rows)
}

/// Records a delivery, if the row is still under this worker's lease (`lease`, from the claim).
pub async fn mark_delivered(
    db: &impl ConnectionTrait,
    id: i64,
    lease: Option<DateTime<Utc>>,
    http_status: i32,
    now: DateTime<Utc>,
) -> Result<(), RepoError> {
    outbox_event::Entity::update_many()
        .col_expr(outbox_event::Column::Status, Expr::val("delivered"))
        .col_expr(outbox_event::Column::Attempts, Expr::col(outbox_event::Column::Attempts).add(1))
        .col_expr(outbox_event::Column::LastStatus, Expr::val(http_status))
        .col_expr(outbox_event::Column::LastError, Expr::val(Option::<String>::None))
        .col_expr(outbox_event::Column::LockedUntil, Expr::val(Option::<DateTime<Utc>>::None))
        .col_expr(outbox_event::Column::DeliveredAt, Expr::val(now))
        .filter(outbox_event::Column::Id.eq(id))
        .filter(outbox_event::Column::Status.eq("pending"))
        .filter(outbox_event::Column::LockedUntil.eq(lease))
        .exec(db)
        .await?;
    Ok(())
}

/// Records a failed attempt: retried at `next_attempt_at`, or dead-lettered — if the row is
/// still under this worker's lease.
#[allow(clippy::too_many_arguments, reason = "one attempt's outcome has these parts")]
pub async fn mark_failed(
    db: &impl ConnectionTrait,
    id: i64,
    lease: Option<DateTime<Utc>>,
    attempts: i32,
    dead: bool,
    next_attempt_at: DateTime<Utc>,
    http_status: Option<i32>,
    error: &str,
) -> Result<(), RepoError> {
    outbox_event::Entity::update_many()
        .col_expr(outbox_event::Column::Status, Expr::val(if dead { "dead" } else { "pending" }))
        .col_expr(outbox_event::Column::Attempts, Expr::val(attempts))
        .col_expr(outbox_event::Column::NextAttemptAt, Expr::val(next_attempt_at))
        .col_expr(outbox_event::Column::LastStatus, Expr::val(http_status))
        .col_expr(outbox_event::Column::LastError, Expr::val(error.chars().take(500).collect::<String>()))
        .col_expr(outbox_event::Column::LockedUntil, Expr::val(Option::<DateTime<Utc>>::None))
        .filter(outbox_event::Column::Id.eq(id))
        .filter(outbox_event::Column::Status.eq("pending"))
        .filter(outbox_event::Column::LockedUntil.eq(lease))
        .exec(db)
        .await?;
    Ok(())
}

/// Which events to list.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub status: Option<String>,
    pub institution_id: Option<Uuid>,
    pub event_type: Option<String>,
}

/// Events, newest first.
pub async fn list(
    db: &impl ConnectionTrait,
    f: &Filter,
    page: PageRequest,
) -> Result<Page<outbox_event::Model>, RepoError> {
    let mut q = outbox_event::Entity::find();
    if let Some(s) = &f.status {
        q = q.filter(outbox_event::Column::Status.eq(s.clone()));
    }
    if let Some(i) = f.institution_id {
        q = q.filter(outbox_event::Column::InstitutionId.eq(i));
    }
    if let Some(t) = &f.event_type {
        q = q.filter(outbox_event::Column::EventType.eq(t.clone()));
    }
    fetch_page(db, q.order_by_desc(outbox_event::Column::Id), page).await
}

/// One event.
pub async fn find(db: &impl ConnectionTrait, id: i64) -> Result<Option<outbox_event::Model>, RepoError> {
    Ok(outbox_event::Entity::find_by_id(id).one(db).await?)
}

/// Puts a dead or delivered event back in the queue (same delivery id, attempts from 0); `false`
/// if it is pending already.
pub async fn replay(db: &impl ConnectionTrait, id: i64, now: DateTime<Utc>) -> Result<bool, RepoError> {
    let r = outbox_event::Entity::update_many()
        .col_expr(outbox_event::Column::Status, Expr::val("pending"))
        .col_expr(outbox_event::Column::Attempts, Expr::val(0))
        .col_expr(outbox_event::Column::NextAttemptAt, Expr::val(now))
        .col_expr(outbox_event::Column::LockedUntil, Expr::val(Option::<DateTime<Utc>>::None))
        .filter(outbox_event::Column::Id.eq(id))
        .filter(outbox_event::Column::Status.ne("pending"))
        .exec(db)
        .await?;
    Ok(r.rows_affected == 1)
}

/// Pending events and the creation time of the oldest.
pub async fn depth(db: &impl ConnectionTrait) -> Result<(u64, Option<DateTime<Utc>>), RepoError> {
    let q = outbox_event::Entity::find().filter(outbox_event::Column::Status.eq("pending"));
    let n = q.clone().count(db).await?;
    let oldest = q.order_by_asc(outbox_event::Column::Id).one(db).await?.map(|r| r.created_at);
    Ok((n, oldest))
}

/// Events by status (for metrics).
pub async fn count_by_status(db: &impl ConnectionTrait, status: &str) -> Result<u64, RepoError> {
    Ok(outbox_event::Entity::find().filter(outbox_event::Column::Status.eq(status)).count(db).await?)
}

/// Every event, oldest first (for tests and exports).
pub async fn all(db: &impl ConnectionTrait) -> Result<Vec<outbox_event::Model>, RepoError> {
    Ok(outbox_event::Entity::find().order_by_asc(outbox_event::Column::Id).all(db).await?)
}

/// An event to write whose payload is serialised already.
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub delivery_id: Uuid,
    pub event_type: String,
    pub institution_id: Uuid,
    /// The payload as JSON text.
    pub payload: String,
    pub created_at: DateTime<Utc>,
}

/// Inserts many events in one statement (certificates issued in one request). The payloads come as
/// JSON text, so that no `serde_json::Value` tree is built for events of up to 500 certificates.
pub async fn enqueue_many(db: &impl ConnectionTrait, rows: Vec<NewEvent>) -> Result<(), RepoError> {
    use std::fmt::Write as _;
    if rows.is_empty() {
        return Ok(());
    }
    let backend = db.get_database_backend();
    let mut sql = String::from(
        "INSERT INTO outbox (delivery_id, event_type, institution_id, payload, status, attempts, \
         next_attempt_at, created_at) VALUES ",
    );
    let mut values: Vec<sea_orm::Value> = Vec::with_capacity(rows.len() * 6);
    let due = Utc::now();
    for (k, r) in rows.into_iter().enumerate() {
        if k > 0 {
            sql.push_str(", ");
        }
        if backend == DbBackend::Postgres {
            let n = k * 6;
            let _ = write!(
                sql,
                "(${}, ${}, ${}, CAST(${} AS json), 'pending', 0, ${}, ${})",
                n + 1,
                n + 2,
                n + 3,
                n + 4,
                n + 5,
                n + 6
            );
        } else {
            sql.push_str("(?, ?, ?, ?, 'pending', 0, ?, ?)");
        }
        values.extend([
            r.delivery_id.into(),
            r.event_type.into(),
            r.institution_id.into(),
            r.payload.into(),
            due.into(),
            r.created_at.into(),
        ]);
    }
    db.execute_raw(Statement::from_sql_and_values(backend, sql, values)).await.map_err(RepoError::from_db)?;
    Ok(())
}
