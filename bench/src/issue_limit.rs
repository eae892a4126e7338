//! The limit of issuance (issue 24, point 8): what issuing the certificates of a plan needs of
//! the database and of Ed25519 at the least, without the server. In one transaction: the plan's
//! institution and approved candidates are read with bare SQL, the serials taken from the same
//! counter, the same rows built (the same code, statement, token length and signature encoding),
//! signed by ed25519-dalek over all cores (`api::auth::signing`, a chunk at a time on a blocking
//! thread while the previous chunk is written) and written into the same `certificates` table:
//! a bare multi-row `INSERT` on SQLite, `COPY ... FROM STDIN` on PostgreSQL. No audit event, no
//! outbox event, no idempotency key, no checks of scope or glyphs, no answer.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{Datelike as _, NaiveDate, Utc};
use domain::certificate::{Statement, printed_work_type};
use domain::{CertificateCode, InstitutionCode, Level, Serial};
use ed25519_dalek::SigningKey;
use persistence::sea_orm::sqlx::{self, Row as _};
use persistence::{Database, DbBackend};
use std::time::{Duration, Instant};
use uuid::Uuid;

/// Rows per chunk, as issuance signs and writes them.
const CHUNK: usize = 1000;

/// One certificate row, as issuance writes it.
struct Row {
    id: Uuid,
    code: String,
    candidate_id: Uuid,
    serial: i32,
    holder_name: String,
    gender: String,
    /// As stored (sealed), with its hash and masked form: copied to the certificate.
    id_sealed: String,
    id_hash: Option<String>,
    id_masked: Option<String>,
    /// The number's address code, from the number opened for the statement.
    id_region: String,
    occupation_code: String,
    occupation_name: String,
    work_type: String,
    level: String,
    photo_key: Option<String>,
    verify_token: String,
    signature: String,
}

struct Plan {
    plan_id: Uuid,
    institution_id: Uuid,
    institution_code: String,
    institution_name: String,
}

/// Issues the approved candidates of `plan_id` as described above; returns how many rows were
/// written and the time from the first statement to the commit.
pub async fn issue(
    db: &Database,
    plan_id: Uuid,
    key: &SigningKey,
    data_key: &std::sync::Arc<persistence::sealed::DataKey>,
    today: NaiveDate,
) -> (usize, Duration) {
    let started = Instant::now();
    let n = match db.get_database_backend() {
        DbBackend::Postgres => {
            let mut tx =
                db.get_postgres_connection_pool().begin().await.unwrap_or_else(|e| panic!("begin: {e}"));
            let plan = pg::plan(&mut tx, plan_id).await;
            let candidates = pg::candidates(&mut tx, plan_id).await;
            let first = pg::allocate(&mut tx, &plan, today.year(), candidates.len()).await;
            let n = candidates.len();
            let mut signed = sign_in_chunks(candidates, &plan, first, key.clone(), data_key.clone(), today);
            while let Some(chunk) = signed.recv().await {
                let mut copy = tx
                    .copy_in_raw(concat!("COPY certificates (", columns!(), ") FROM STDIN"))
                    .await
                    .unwrap_or_else(|e| panic!("copy: {e}"));
                copy.send(copy_text(&chunk, &plan, today)).await.unwrap_or_else(|e| panic!("copy: {e}"));
                copy.finish().await.unwrap_or_else(|e| panic!("copy: {e}"));
            }
            tx.commit().await.unwrap_or_else(|e| panic!("commit: {e}"));
            n
        }
        _ => {
            let mut tx =
                db.get_sqlite_connection_pool().begin().await.unwrap_or_else(|e| panic!("begin: {e}"));
            let plan = lite::plan(&mut tx, plan_id).await;
            let candidates = lite::candidates(&mut tx, plan_id).await;
            let first = lite::allocate(&mut tx, &plan, today.year(), candidates.len()).await;
            let n = candidates.len();
            let mut signed = sign_in_chunks(candidates, &plan, first, key.clone(), data_key.clone(), today);
            let now = Utc::now();
            while let Some(chunk) = signed.recv().await {
                let placeholders = vec![format!("({})", ["?"; 28].join(",")); chunk.len()].join(",");
                let sql = format!("INSERT INTO certificates ({}) VALUES {placeholders}", columns!());
                // Placeholders only: the values are bound.
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                for r in &chunk {
                    q = q
                        .bind(r.id)
                        .bind(&r.code)
                        .bind(plan.institution_id)
                        .bind(plan.plan_id)
                        .bind(r.candidate_id)
                        .bind(today.year())
                        .bind(r.serial)
                        .bind(&r.holder_name)
                        .bind(&r.gender)
                        .bind(&r.id_sealed)
                        .bind(&r.occupation_code)
                        .bind(&r.occupation_name)
                        .bind(&r.work_type)
                        .bind(&r.level)
                        .bind(&plan.institution_name)
                        .bind(today)
                        .bind(&r.photo_key)
                        .bind("valid")
                        .bind(None::<String>)
                        .bind(None::<chrono::DateTime<Utc>>)
                        .bind(None::<Uuid>)
                        .bind(&r.verify_token)
                        .bind(KEY_ID)
                        .bind(&r.signature)
                        .bind(now)
                        .bind(&r.id_hash)
                        .bind(&r.id_masked)
                        .bind(&r.id_region);
                }
                q.execute(&mut *tx).await.unwrap_or_else(|e| panic!("insert: {e}"));
            }
            tx.commit().await.unwrap_or_else(|e| panic!("commit: {e}"));
            n
        }
    };
    (n, started.elapsed())
}

/// The key id written on the limit's rows (nothing reads them back).
const KEY_ID: &str = "issue-limit";

macro_rules! columns {
    () => {
        "id, code, institution_id, plan_id, candidate_id, issue_year, serial, holder_name, gender, \
         id_sealed, occupation_code, occupation_name, work_type, level, institution_name, issue_date, \
         photo_key, status, revoked_reason, revoked_at, supersedes_id, verify_token, key_id, signature, \
         created_at, id_hash, id_masked, id_region"
    };
}
use columns;

/// The reads and the serials, the same on both databases but for the connection's type.
macro_rules! reads {
    ($module:ident, $connection:ty) => {
        mod $module {
            use super::*;

            pub async fn plan(db: &mut $connection, plan_id: Uuid) -> Plan {
                let row = sqlx::query(
                    "SELECT i.id, i.code, i.name FROM plans p JOIN institutions i ON i.id = p.institution_id \
                     WHERE p.id = $1",
                )
                .bind(plan_id)
                .fetch_one(&mut *db)
                .await
                .unwrap_or_else(|e| panic!("plan: {e}"));
                Plan { plan_id, institution_id: row.get(0), institution_code: row.get(1), institution_name: row.get(2) }
            }

            /// The approved candidates, in the order issuance numbers them, with their occupation's name.
            pub async fn candidates(db: &mut $connection, plan_id: Uuid) -> Vec<Row> {
                let rows = sqlx::query(
                    "SELECT c.id, c.name, c.gender, c.id_sealed, c.occupation_code, c.work_type, c.level, \
                     c.photo_key, o.name, c.id_hash, c.id_masked FROM candidates c JOIN occupations o ON o.code = c.occupation_code \
                     WHERE c.plan_id = $1 AND c.review_status = 'approved' ORDER BY c.name, c.id",
                )
                .bind(plan_id)
                .fetch_all(&mut *db)
                .await
                .unwrap_or_else(|e| panic!("candidates: {e}"));
                rows.iter()
                    .map(|r| Row {
                        id: Uuid::nil(),
                        code: String::new(),
                        candidate_id: r.get(0),
                        serial: 0,
                        holder_name: r.get(1),
                        gender: r.get(2),
                        id_sealed: r.get(3),
                        id_hash: r.get(9),
                        id_masked: r.get(10),
                        id_region: String::new(),
                        occupation_code: r.get(4),
                        work_type: printed_work_type(r.get::<&str, _>(5)).to_owned(),
                        level: r.get(6),
                        photo_key: r.get(7),
                        occupation_name: r.get(8),
                        verify_token: String::new(),
                        signature: String::new(),
                    })
                    .collect()
            }

            /// The first of `n` serials from the institution's counter for `year`.
            pub async fn allocate(db: &mut $connection, plan: &Plan, year: i32, n: usize) -> i32 {
                sqlx::query(
                    "INSERT INTO certificate_counters (institution_id, issue_year, last_serial) VALUES ($1, $2, 0) \
                     ON CONFLICT DO NOTHING",
                )
                .bind(plan.institution_id)
                .bind(year)
                .execute(&mut *db)
                .await
                .unwrap_or_else(|e| panic!("counter: {e}"));
                let n = i32::try_from(n).unwrap_or(i32::MAX);
                let last: i32 = sqlx::query_scalar(
                    "UPDATE certificate_counters SET last_serial = last_serial + $1 \
                     WHERE institution_id = $2 AND issue_year = $3 RETURNING last_serial",
                )
                .bind(n)
                .bind(plan.institution_id)
                .bind(year)
                .fetch_one(&mut *db)
                .await
                .unwrap_or_else(|e| panic!("counter: {e}"));
                last - n + 1
            }
        }
    };
}
reads!(pg, sqlx::PgConnection);
reads!(lite, sqlx::SqliteConnection);

/// Numbers, states and signs the rows on a blocking thread, a chunk at a time, and hands each
/// chunk over as soon as it is signed.
fn sign_in_chunks(
    mut rows: Vec<Row>,
    plan: &Plan,
    first: i32,
    key: SigningKey,
    data_key: std::sync::Arc<persistence::sealed::DataKey>,
    today: NaiveDate,
) -> tokio::sync::mpsc::Receiver<Vec<Row>> {
    let institution = InstitutionCode::parse(&plan.institution_code).unwrap_or_else(|e| panic!("code: {e}"));
    let institution_name = plan.institution_name.clone();
    let (tx, rx) = tokio::sync::mpsc::channel(rows.len() / CHUNK + 1);
    tokio::task::spawn_blocking(move || {
        let year = today.year();
        for (k, r) in rows.iter_mut().enumerate() {
            let serial = first + k as i32;
            let level: Level = r.level.parse().unwrap_or_else(|()| panic!("level {}", r.level));
            let code = Serial::new(serial as u32)
                .and_then(|s| CertificateCode::new(institution, year, level, s))
                .unwrap_or_else(|| panic!("serial {serial}"));
            r.id = Uuid::now_v7();
            r.code = code.to_string();
            r.serial = serial;
            // 18 bytes, as issuance's tokens: 16 random, 2 of the row's place.
            let mut token = [0u8; 18];
            token[..16].copy_from_slice(Uuid::new_v4().as_bytes());
            token[16..].copy_from_slice(&(k as u16).to_le_bytes());
            r.verify_token = URL_SAFE_NO_PAD.encode(token);
        }
        let mut rest = rows.into_iter().peekable();
        while rest.peek().is_some() {
            let mut chunk: Vec<Row> = rest.by_ref().take(CHUNK).collect();
            // The statement names the ID number in clear: opened, as issuance does.
            let numbers: Vec<String> = chunk
                .iter()
                .map(|r| data_key.open(&r.id_sealed).unwrap_or_else(|e| panic!("stored ID number: {e}")))
                .collect();
            for (r, number) in chunk.iter_mut().zip(&numbers) {
                r.id_region = number[..6].to_owned();
            }
            let statements: Vec<String> = chunk
                .iter()
                .zip(&numbers)
                .map(|(r, id_number)| {
                    Statement {
                        code: &r.code,
                        holder_name: &r.holder_name,
                        gender: &r.gender,
                        id_number,
                        occupation_code: &r.occupation_code,
                        occupation_name: &r.occupation_name,
                        work_type: &r.work_type,
                        level: &r.level,
                        institution_name: &institution_name,
                        issue_date: today,
                    }
                    .canonical()
                })
                .collect();
            for (r, s) in chunk.iter_mut().zip(api::auth::signing::sign_all(&key, &statements)) {
                r.signature = URL_SAFE_NO_PAD.encode(s.to_bytes());
            }
            if tx.blocking_send(chunk).is_err() {
                return;
            }
        }
    });
    rx
}

/// A chunk as `COPY`'s text format: tab-separated, `\N` for NULL, backslashes doubled.
fn copy_text(rows: &[Row], plan: &Plan, today: NaiveDate) -> Vec<u8> {
    use std::fmt::Write as _;
    fn text(s: &str) -> std::borrow::Cow<'_, str> {
        if s.contains(['\\', '\t', '\n', '\r']) {
            s.replace('\\', "\\\\").replace('\t', "\\t").replace('\n', "\\n").replace('\r', "\\r").into()
        } else {
            s.into()
        }
    }
    let now = Utc::now().to_rfc3339();
    let year = today.year();
    let mut out = String::with_capacity(rows.len() * 400);
    for r in rows {
        let _ = writeln!(
            out,
            "{}\t{}\t{}\t{}\t{}\t{year}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{today}\t{}\tvalid\t\\N\t\\N\t\\N\t{}\t{KEY_ID}\t{}\t{now}\t{}\t{}\t{}",
            r.id,
            text(&r.code),
            plan.institution_id,
            plan.plan_id,
            r.candidate_id,
            r.serial,
            text(&r.holder_name),
            text(&r.gender),
            text(&r.id_sealed),
            text(&r.occupation_code),
            text(&r.occupation_name),
            text(&r.work_type),
            text(&r.level),
            text(&plan.institution_name),
            r.photo_key.as_deref().map_or("\\N".into(), text),
            text(&r.verify_token),
            text(&r.signature),
            r.id_hash.as_deref().map_or("\\N".into(), text),
            r.id_masked.as_deref().map_or("\\N".into(), text),
            text(&r.id_region),
        );
    }
    out.into_bytes()
}
