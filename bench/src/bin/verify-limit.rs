//! The limit for public verification: the least a server can do to answer one — actix-web, one
//! sqlx pool, the same single indexed lookup by code and name as skillcert's handler (the same
//! SQL text) and the same fields as JSON. No rate limit, no logging, no metrics, no masking.
//!
//! Its pools are set up as skillcert's are: a connection idle for less than 30 s is handed out
//! without a ping first (sqlx's default pings on every checkout).
//!
//! `DATABASE_URL` (postgres:// or sqlite://), `BIND` (127.0.0.1:18090), `POOL` (8) and `WORKERS`
//! (1). `POST /verify` with `{"code": ..., "name": ...}` answers 200 or 404.

use actix_web::{App, HttpResponse, HttpServer, web};
use chrono::{DateTime, NaiveDate, Utc};
use persistence::sea_orm::sqlx::{self, PgPool, SqlitePool};
use serde::{Deserialize, Serialize};

#[derive(Deserialize)]
struct Query {
    code: String,
    name: String,
}

#[derive(Serialize)]
struct Record {
    code: String,
    status: String,
    revoked_reason: Option<String>,
    revoked_at: Option<DateTime<Utc>>,
    holder_name: String,
    occupation_name: String,
    work_type: String,
    level: String,
    institution_name: String,
    issue_date: NaiveDate,
    superseded_by: Option<String>,
}

const COLUMNS: &str = "SELECT c.code, c.status, c.revoked_reason, c.revoked_at, c.holder_name, c.occupation_name, \
    c.work_type, c.level, c.institution_name, c.issue_date, \
    CASE WHEN c.status = 'superseded' THEN \
      (SELECT s.code FROM certificates s WHERE s.supersedes_id = c.id ORDER BY s.serial LIMIT 1) \
    END AS superseded_by FROM certificates c ";

/// A pool with its statement (built once; sqlx wants statement text that lives forever).
enum Pool {
    Pg(PgPool, &'static str),
    Sqlite(SqlitePool, &'static str),
}

/// Runs the lookup on one kind of pool and reads the row by column name.
macro_rules! lookup {
    ($pool:expr, $sql:expr, $q:expr) => {{
        use sqlx::Row as _;
        match sqlx::query($sql).bind($q.code.trim()).bind($q.name.trim()).fetch_optional($pool).await {
            Ok(Some(row)) => (|| {
                Ok(Some(Record {
                    code: row.try_get("code")?,
                    status: row.try_get("status")?,
                    revoked_reason: row.try_get("revoked_reason")?,
                    revoked_at: row.try_get("revoked_at")?,
                    holder_name: row.try_get("holder_name")?,
                    occupation_name: row.try_get("occupation_name")?,
                    work_type: row.try_get("work_type")?,
                    level: row.try_get("level")?,
                    institution_name: row.try_get("institution_name")?,
                    issue_date: row.try_get("issue_date")?,
                    superseded_by: row.try_get("superseded_by")?,
                }))
            })(),
            Ok(None) => Ok(None),
            Err(e) => Err(e),
        }
    }};
}

async fn verify(pool: web::Data<Pool>, q: web::Json<Query>) -> HttpResponse {
    let found: Result<Option<Record>, sqlx::Error> = match pool.get_ref() {
        Pool::Pg(p, sql) => lookup!(p, *sql, q),
        Pool::Sqlite(p, sql) => lookup!(p, *sql, q),
    };
    match found {
        Ok(Some(r)) => HttpResponse::Ok().json(r),
        Ok(None) => HttpResponse::NotFound().finish(),
        Err(e) => HttpResponse::InternalServerError().body(e.to_string()),
    }
}

/// A connection idle for this long is pinged before it is handed out (as skillcert's pool does).
const IDLE_PING: std::time::Duration = std::time::Duration::from_secs(30);

/// Pings a connection before it is handed out only if it was idle for [`IDLE_PING`] or longer.
fn ping_if_idle<DB: sqlx::Database>(
    conn: &mut DB::Connection,
    meta: sqlx::pool::PoolConnectionMetadata,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<bool, sqlx::Error>> + Send + '_>> {
    Box::pin(async move {
        if meta.idle_for >= IDLE_PING {
            sqlx::Connection::ping(conn).await?;
        }
        Ok(true)
    })
}

fn env(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_owned())
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let url = env("DATABASE_URL", "sqlite://data/skillcert.db");
    let bind = env("BIND", "127.0.0.1:18090");
    let size: u32 = env("POOL", "8").parse().map_err(std::io::Error::other)?;
    let workers: usize = env("WORKERS", "1").parse().map_err(std::io::Error::other)?;
    let pool = if url.starts_with("postgres") {
        let p = sqlx::postgres::PgPoolOptions::new()
            .max_connections(size)
            .test_before_acquire(false)
            .before_acquire(ping_if_idle::<sqlx::Postgres>)
            .connect(&url)
            .await
            .map_err(std::io::Error::other)?;
        Pool::Pg(p, format!("{COLUMNS}WHERE c.code = $1 AND c.holder_name = $2").leak())
    } else {
        let options: sqlx::sqlite::SqliteConnectOptions = url.parse().map_err(std::io::Error::other)?;
        let p = sqlx::sqlite::SqlitePoolOptions::new()
            .max_connections(size)
            .test_before_acquire(false)
            .before_acquire(ping_if_idle::<sqlx::Sqlite>)
            .connect_with(options.read_only(true))
            .await
            .map_err(std::io::Error::other)?;
        Pool::Sqlite(p, format!("{COLUMNS}WHERE c.code = ?1 AND c.holder_name = ?2").leak())
    };
    let pool = web::Data::new(pool);
    HttpServer::new(move || App::new().app_data(pool.clone()).route("/verify", web::post().to(verify)))
        .workers(workers)
        .bind(bind)?
        .run()
        .await
}
