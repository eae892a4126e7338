//! Persistence for skillcert: sea-orm entities that follow the schema in `migrations/sql/`, and
//! repository functions that take `&impl ConnectionTrait`, so the same function runs inside or
//! outside a transaction, on SQLite or PostgreSQL.

pub mod db;
pub mod entity;
pub mod error;
pub mod repo;
pub mod sealed;
pub mod test_support;

pub use db::{
    Database, backup_sqlite, begin_write, connect, count_statements, lock_key, lock_row, pool_stats,
    spawn_wal_checkpoints,
};
pub use error::RepoError;
pub use sea_orm;
pub use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr, TransactionTrait,
};
