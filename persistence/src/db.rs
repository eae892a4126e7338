//! Connecting, migrating and starting write transactions.

use migrations::{Migrator, MigratorTrait};
use sea_orm::{
    ConnectOptions, DatabaseConnection, DatabaseTransaction, DbErr, SqliteTransactionMode,
    TransactionOptions, TransactionTrait,
};
use std::time::Duration;

/// The connection pool shared by the whole server.
pub type Database = DatabaseConnection;

/// Opens a pool for `url` (`sqlite://…` or `postgres://…`) and applies every pending migration.
///
/// SQLite is opened in WAL mode with foreign keys on and a busy timeout, so readers never block
/// the writer and concurrent writers queue (they also begin `IMMEDIATE`, see [`begin_write`]).
pub async fn connect(url: &str, max_connections: u32) -> Result<Database, DbErr> {
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .max_connections(max_connections)
        .min_connections(1)
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(10))
        // sqlx pings a connection on every checkout by default: one more round trip to the
        // SQLite worker thread or to PostgreSQL per request. A connection in use within the
        // last 30 s is handed out at once; only one idle for longer (that a server, proxy or
        // firewall may have dropped meanwhile) is pinged first. sqlx still checks each
        // connection when it comes back to the pool.
        .test_before_acquire_if_idle_for(Duration::from_secs(30))
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(|o| {
            o.create_if_missing(true)
                .journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(30))
                .pragma("wal_autocheckpoint", WAL_AUTOCHECKPOINT_PAGES)
                // Rows a query may hand over from SQLite's thread before it waits for the
                // request's thread to take them: sqlx's default of 50 made loading the 10,000
                // candidates of an issuance a few hundred hand-overs between the two threads.
                .row_buffer_size(1024)
        });
    let db = sea_orm::Database::connect(options).await?;
    Migrator::up(&db, None).await?;
    Ok(db)
}

/// SQLite: the pages of write-ahead log past which a commit copies the log back into the database
/// file itself (a checkpoint, with an fsync) before its request may answer. SQLite's default is
/// 1,000 pages (4 MB), which one issuance of 10,000 certificates passes: its commit paid 40–50 ms
/// for the checkpoint. The server checkpoints in the background instead
/// ([`spawn_wal_checkpoints`]); this bound is the fallback where nothing does, or while a
/// checkpoint cannot keep up.
const WAL_AUTOCHECKPOINT_PAGES: &str = "10000";

/// How often [`spawn_wal_checkpoints`] checkpoints.
const WAL_CHECKPOINT_EVERY: Duration = Duration::from_secs(1);

/// SQLite: checkpoints the write-ahead log every second in the background (`PASSIVE`: it copies
/// what no reader still needs and never blocks readers or writers), so that commits do not pay
/// for it on their request's time. A no-op on PostgreSQL. The task stops once `owner` is gone.
/// The checkpoint goes to the driver's pool directly, so it is not counted among the statements
/// requests send (`/metrics`).
pub fn spawn_wal_checkpoints<T: Send + Sync + 'static>(db: &Database, owner: std::sync::Weak<T>) {
    if db.get_database_backend() != sea_orm::DbBackend::Sqlite {
        return;
    }
    let pool = db.get_sqlite_connection_pool().clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(WAL_CHECKPOINT_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if owner.strong_count() == 0 || pool.is_closed() {
                return;
            }
            if let Err(e) = checkpoint_sqlite(&pool).await {
                tracing::warn!(error = %e, "write-ahead log checkpoint failed; retrying");
            }
        }
    });
}

/// One `PASSIVE` checkpoint of the write-ahead log.
async fn checkpoint_sqlite(pool: &sea_orm::sqlx::SqlitePool) -> Result<(), sea_orm::sqlx::Error> {
    sea_orm::sqlx::query("PRAGMA wal_checkpoint(PASSIVE)").execute(pool).await.map(|_| ())
}

/// Adds one to `counter` for every statement `db` (and every clone made afterwards) sends,
/// inside transactions too.
pub fn count_statements(db: &mut Database, counter: std::sync::Arc<std::sync::atomic::AtomicU64>) {
    db.set_metric_callback(move |_| {
        counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    });
}

/// Begins a transaction that will write. On SQLite it is `BEGIN IMMEDIATE`, so that concurrent
/// writers wait for the lock up front instead of failing with "database is locked" on upgrade.
pub async fn begin_write(db: &Database) -> Result<DatabaseTransaction, DbErr> {
    db.begin_with_options(TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..TransactionOptions::default()
    })
    .await
}

/// The pool's open and idle connections and its maximum size.
pub fn pool_stats(db: &Database) -> (u32, usize, u32) {
    match db.get_database_backend() {
        sea_orm::DbBackend::Postgres => {
            let p = db.get_postgres_connection_pool();
            (p.size(), p.num_idle(), p.options().get_max_connections())
        }
        sea_orm::DbBackend::Sqlite => {
            let p = db.get_sqlite_connection_pool();
            (p.size(), p.num_idle(), p.options().get_max_connections())
        }
        _ => (0, 0, 0),
    }
}

/// An online, consistent copy of a live SQLite database into the new file `path` (`VACUUM INTO`):
/// readers and writers carry on meanwhile. PostgreSQL is backed up with `pg_dump` instead.
pub async fn backup_sqlite(db: &Database, path: &std::path::Path) -> Result<(), DbErr> {
    use sea_orm::ConnectionTrait as _;
    if db.get_database_backend() != sea_orm::DbBackend::Sqlite {
        return Err(DbErr::Custom(
            "backup_sqlite needs a SQLite database; use pg_dump for PostgreSQL".into(),
        ));
    }
    if path.exists() {
        return Err(DbErr::Custom(format!("{} exists already", path.display())));
    }
    let target = path.to_str().ok_or_else(|| DbErr::Custom("the path is not UTF-8".into()))?;
    db.execute_unprepared(&format!("VACUUM INTO '{}'", target.replace('\'', "''"))).await?;
    Ok(())
}

/// Locks one row until the end of the caller's transaction (`SELECT … FOR UPDATE` on PostgreSQL;
/// SQLite's write transactions are serial already). `table` and `column` must be constants.
pub async fn lock_row(
    db: &impl sea_orm::ConnectionTrait,
    table: &'static str,
    column: &'static str,
    value: sea_orm::Value,
) -> Result<(), DbErr> {
    if db.get_database_backend() == sea_orm::DbBackend::Postgres {
        db.execute_raw(sea_orm::Statement::from_sql_and_values(
            sea_orm::DbBackend::Postgres,
            format!("SELECT 1 FROM {table} WHERE {column} = $1 FOR UPDATE"),
            [value],
        ))
        .await?;
    }
    Ok(())
}

/// Serialises transactions on one key until commit (a PostgreSQL advisory lock; SQLite's write
/// transactions are serial already).
pub async fn lock_key(db: &impl sea_orm::ConnectionTrait, key: i64) -> Result<(), DbErr> {
    if db.get_database_backend() == sea_orm::DbBackend::Postgres {
        db.execute_raw(sea_orm::Statement::from_sql_and_values(
            sea_orm::DbBackend::Postgres,
            "SELECT pg_advisory_xact_lock($1)",
            [key.into()],
        ))
        .await?;
    }
    Ok(())
}
