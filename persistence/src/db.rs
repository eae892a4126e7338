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
        });
    let db = sea_orm::Database::connect(options).await?;
    Migrator::up(&db, None).await?;
    Ok(db)
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
