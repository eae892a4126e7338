//! Over 400 lines: one repository per table: bulk inserts, counters, lookups, lifecycle.
//!
//! Certificates: the gapless counter, records, lookups, and idempotency keys.

use crate::entity::{certificate, certificate_counter};
use crate::error::RepoError;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Statement, TransactionSession, TransactionTrait,
};
use uuid::Uuid;

/// The largest certificate serial (R27).
pub const MAX_SERIAL: i32 = 999_999;

/// Allocates `n` consecutive serials of an institution and issue year inside the caller's
/// transaction, with one UPDATE for the whole batch: the counter row stays locked until commit
/// (PostgreSQL row lock; SQLite `BEGIN IMMEDIATE`), so concurrent issuers — also in other
/// processes — queue, and a rollback leaves no gap (R27). Returns the first serial, or `None` when
/// the batch would pass 999,999.
pub async fn allocate(
    db: &impl ConnectionTrait,
    institution_id: Uuid,
    issue_year: i32,
    n: i32,
) -> Result<Option<i32>, RepoError> {
    certificate_counter::Entity::insert(certificate_counter::ActiveModel {
        institution_id: Set(institution_id),
        issue_year: Set(issue_year),
        last_serial: Set(0),
    })
    .on_conflict(
        OnConflict::columns([
            certificate_counter::Column::InstitutionId,
            certificate_counter::Column::IssueYear,
        ])
        .do_nothing()
        .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    let updated = certificate_counter::Entity::update_many()
        .col_expr(
            certificate_counter::Column::LastSerial,
            Expr::col(certificate_counter::Column::LastSerial).add(n),
        )
        .filter(certificate_counter::Column::InstitutionId.eq(institution_id))
        .filter(certificate_counter::Column::IssueYear.eq(issue_year))
        .filter(certificate_counter::Column::LastSerial.lte(MAX_SERIAL - n))
        .exec(db)
        .await?;
    if updated.rows_affected == 0 {
        return Ok(None);
    }
    let row = certificate_counter::Entity::find_by_id((institution_id, issue_year)).one(db).await?;
    Ok(row.map(|r| r.last_serial - n + 1))
}

/// Sets a counter (for tests of exhaustion and for migrations from paper records).
pub async fn set_counter(
    db: &impl ConnectionTrait,
    institution_id: Uuid,
    issue_year: i32,
    last: i32,
) -> Result<(), RepoError> {
    certificate_counter::Entity::insert(certificate_counter::ActiveModel {
        institution_id: Set(institution_id),
        issue_year: Set(issue_year),
        last_serial: Set(last),
    })
    .on_conflict(
        OnConflict::columns([
            certificate_counter::Column::InstitutionId,
            certificate_counter::Column::IssueYear,
        ])
        .update_column(certificate_counter::Column::LastSerial)
        .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// Inserts certificates: on PostgreSQL in one statement whose parameters are one array per
/// column, on SQLite in multi-row statements of 1,000 ([`insert_statements`]).
pub async fn insert(db: &impl ConnectionTrait, rows: &[certificate::Model]) -> Result<(), RepoError> {
    execute_all(db, insert_statements(db.get_database_backend(), rows)).await
}

/// The statements that insert `rows`, built at once and owning their values, so that the caller
/// may use the rows for something else while [`execute_all`] runs them.
pub fn insert_statements(backend: DbBackend, rows: &[certificate::Model]) -> Vec<Statement> {
    if rows.is_empty() {
        return Vec::new();
    }
    match backend {
        DbBackend::Postgres => vec![postgres_statement(rows)],
        _ => rows.chunks(SQLITE_ROWS_PER_STATEMENT).map(sqlite_statement).collect(),
    }
}

/// Runs `statements` one after the other.
pub async fn execute_all(db: &impl ConnectionTrait, statements: Vec<Statement>) -> Result<(), RepoError> {
    for statement in statements {
        db.execute_raw(statement).await.map_err(RepoError::from_db)?;
    }
    Ok(())
}

/// The columns of `certificates`, in the order both inserts bind them.
macro_rules! certificate_columns {
    () => {
        "id, code, institution_id, plan_id, candidate_id, issue_year, serial, holder_name, gender, \
         id_sealed, occupation_code, occupation_name, work_type, level, institution_name, issue_date, \
         photo_key, status, revoked_reason, revoked_at, supersedes_id, verify_token, key_id, signature, \
         created_at, id_hash, id_masked, id_region"
    };
}

/// Rows per statement on SQLite: 28,000 values, under its limit of 32,766.
const SQLITE_ROWS_PER_STATEMENT: usize = 1000;

/// The number of columns.
const COLUMNS: usize = 28;

/// The values of a certificate, in the order of `certificate_columns!`.
fn row_values(r: &certificate::Model) -> [sea_orm::Value; COLUMNS] {
    [
        r.id.into(),
        r.code.clone().into(),
        r.institution_id.into(),
        r.plan_id.into(),
        r.candidate_id.into(),
        r.issue_year.into(),
        r.serial.into(),
        r.holder_name.clone().into(),
        r.gender.clone().into(),
        r.id_sealed.clone().into(),
        r.occupation_code.clone().into(),
        r.occupation_name.clone().into(),
        r.work_type.clone().into(),
        r.level.clone().into(),
        r.institution_name.clone().into(),
        r.issue_date.into(),
        r.photo_key.clone().into(),
        r.status.clone().into(),
        r.revoked_reason.clone().into(),
        r.revoked_at.into(),
        r.supersedes_id.into(),
        r.verify_token.clone().into(),
        r.key_id.clone().into(),
        r.signature.clone().into(),
        r.created_at.into(),
        r.id_hash.clone().into(),
        r.id_masked.clone().into(),
        r.id_region.clone().into(),
    ]
}

/// The places in `certificate_columns!` of the columns that may be NULL: `photo_key`,
/// `revoked_reason`, `revoked_at`, `supersedes_id`.
const NULLABLE: [usize; 4] = [16, 18, 19, 20];

/// SQLite: one multi-row `INSERT ... VALUES`. (Through the ORM's statement builder every value
/// was first wrapped in an expression tree and the statement rebuilt from it: a tenth of the
/// request thread's time in a profile of issuance.)
fn sqlite_statement(rows: &[certificate::Model]) -> Statement {
    const ROW: &str = "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
    let mut sql = String::with_capacity(300 + rows.len() * (ROW.len() + 1));
    sql.push_str(concat!("INSERT INTO certificates (", certificate_columns!(), ") VALUES "));
    let mut values: Vec<sea_orm::Value> = Vec::with_capacity(rows.len() * COLUMNS);
    for (k, r) in rows.iter().enumerate() {
        if k > 0 {
            sql.push(',');
        }
        sql.push_str(ROW);
        values.extend(row_values(r));
    }
    Statement::from_sql_and_values(DbBackend::Sqlite, sql, values)
}

/// PostgreSQL: the rows as one array per column, and a flag array per nullable column saying
/// which of its values are present.
const ARRAY_INSERT: &str = concat!(
    "INSERT INTO certificates (",
    certificate_columns!(),
    ") \
    SELECT id, code, institution_id, plan_id, candidate_id, issue_year, serial, holder_name, gender, \
    id_sealed, occupation_code, occupation_name, work_type, level, institution_name, issue_date, \
    CASE WHEN has_photo_key THEN photo_key END, status, \
    CASE WHEN has_revoked_reason THEN revoked_reason END, \
    CASE WHEN has_revoked_at THEN revoked_at END, \
    CASE WHEN has_supersedes_id THEN supersedes_id END, \
    verify_token, key_id, signature, created_at, id_hash, id_masked, id_region \
    FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::uuid[], $5::uuid[], $6::int4[], $7::int4[], \
    $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[], $15::text[], \
    $16::date[], $17::text[], $18::text[], $19::text[], $20::timestamptz[], $21::uuid[], $22::text[], \
    $23::text[], $24::text[], $25::timestamptz[], $26::text[], $27::text[], $28::text[], \
    $29::bool[], $30::bool[], $31::bool[], $32::bool[]) \
    AS t(",
    certificate_columns!(),
    ", has_photo_key, has_revoked_reason, has_revoked_at, has_supersedes_id)"
);

/// PostgreSQL: all `rows` in one `INSERT ... SELECT FROM unnest(...)` with one array parameter
/// per column. The statement text is the same whatever the number of rows, so the server parses
/// it once per connection instead of a statement of 27,000 placeholders per chunk, and the arrays
/// travel in the binary protocol. An array cannot hold a NULL here (the driver's
/// binder refuses one), so each nullable column comes with an array of presence flags.
fn postgres_statement(rows: &[certificate::Model]) -> Statement {
    let mut columns: Vec<Vec<sea_orm::Value>> =
        (0..COLUMNS).map(|_| Vec::with_capacity(rows.len())).collect();
    for r in rows {
        for (column, value) in columns.iter_mut().zip(row_values(r)) {
            column.push(value);
        }
    }
    let mut flags: Vec<sea_orm::Value> = Vec::with_capacity(NULLABLE.len());
    for k in NULLABLE {
        let column = &mut columns[k];
        flags.push(column.iter().map(sea_orm::Value::is_some).collect::<Vec<bool>>().into());
        for value in column.iter_mut().filter(|v| !v.is_some()) {
            // Any value of the column's type: the flag says it is not there.
            *value = value.dummy_value();
        }
    }
    let mut values: Vec<sea_orm::Value> = columns
        .into_iter()
        .map(|column| {
            let kind =
                column.first().map_or(sea_orm::sea_query::ArrayType::String, sea_orm::Value::array_type);
            sea_orm::Value::Array(kind, Some(Box::new(column)))
        })
        .collect();
    values.extend(flags);
    Statement::from_sql_and_values(DbBackend::Postgres, ARRAY_INSERT, values)
}

/// How many certificates (any status) were issued from a plan.
pub async fn count_of_plan(db: &impl ConnectionTrait, plan_id: Uuid) -> Result<u64, RepoError> {
    Ok(certificate::Entity::find().filter(certificate::Column::PlanId.eq(plan_id)).count(db).await?)
}

/// The candidates of a plan that have a certificate (original or reissued).
pub async fn issued_candidates(db: &impl ConnectionTrait, plan_id: Uuid) -> Result<Vec<Uuid>, RepoError> {
    Ok(certificate::Entity::find()
        .select_only()
        .column(certificate::Column::CandidateId)
        .filter(certificate::Column::PlanId.eq(plan_id))
        .into_tuple()
        .all(db)
        .await?)
}

/// The code of a valid certificate issued for listing `candidate_id` with a photo printed on it:
/// the listing's photo may no longer change.
pub async fn printed_photo(
    db: &impl ConnectionTrait,
    candidate_id: Uuid,
) -> Result<Option<String>, RepoError> {
    Ok(certificate::Entity::find()
        .select_only()
        .column(certificate::Column::Code)
        .filter(certificate::Column::CandidateId.eq(candidate_id))
        .filter(certificate::Column::Status.eq("valid"))
        .filter(certificate::Column::PhotoKey.is_not_null())
        .into_tuple()
        .one(db)
        .await?)
}

/// A valid certificate a person holds.
#[derive(Debug, Clone)]
pub struct Held {
    pub code: String,
    /// The listing it was issued for.
    pub candidate_id: Uuid,
    /// The lookup hash of the holder's ID number.
    pub id_hash: String,
    pub occupation_code: String,
    /// As printed (`——` when none).
    pub work_type: String,
    pub level: String,
}

impl Held {
    /// Person, occupation, printed work type and level: what one valid certificate covers.
    pub fn key(&self) -> (&str, &str, &str, &str) {
        (&self.id_hash, &self.occupation_code, &self.work_type, &self.level)
    }

    /// The [`Held::key`] of a listing: its work type as stored on a candidate (empty when none)
    /// is compared as printed.
    pub fn key_of<'a>(
        id_hash: &'a str,
        occupation_code: &'a str,
        work_type: &'a str,
        level: &'a str,
    ) -> (&'a str, &'a str, &'a str, &'a str) {
        (id_hash, occupation_code, domain::certificate::printed_work_type(work_type), level)
    }
}

/// The valid certificates held by any of these resident ID numbers (by lookup hash), in any plan of any
/// institution (one per person, occupation, work type and level: `certificates_one_valid`).
///
/// PostgreSQL: one statement with the numbers as one array, planned for the values it is given
/// (`plan_cache_mode = force_custom_plan` for this statement only). A cached generic plan made
/// while `certificates` was empty scanned the whole table comparing every row with each of 500
/// parameters: 1 s per chunk at 80,000 certificates, 47 s per issuance of 10,000 (bench/run.sh
/// issue). Planned with the values, it is an index scan, or at worst one hashed pass.
/// SQLite: chunks of 500 `IN` values, each an index lookup.
pub async fn held(
    db: &(impl ConnectionTrait + TransactionTrait),
    id_hashes: &[&str],
) -> Result<Vec<Held>, RepoError> {
    const COLUMNS: &str = "code, candidate_id, id_hash, occupation_code, work_type, level";
    if id_hashes.is_empty() {
        return Ok(Vec::new());
    }
    let backend = db.get_database_backend();
    let mut rows = Vec::new();
    if backend == DbBackend::Postgres {
        // A transaction of its own (a savepoint inside the caller's) bounds the setting even when
        // `db` is the pool.
        let t = db.begin().await?;
        t.execute_unprepared("SET LOCAL plan_cache_mode = force_custom_plan").await?;
        let hashes: Vec<String> = id_hashes.iter().map(|s| (*s).to_owned()).collect();
        // `status = 'valid'` written out, not bound, so that the partial index applies.
        let sql = format!(
            "SELECT {COLUMNS} FROM certificates WHERE status = 'valid' AND id_hash = ANY($1::text[])"
        );
        rows = t.query_all_raw(Statement::from_sql_and_values(backend, sql, [hashes.into()])).await?;
        t.execute_unprepared("SET LOCAL plan_cache_mode = auto").await?;
        t.commit().await?;
    } else {
        for chunk in id_hashes.chunks(500) {
            let sql = format!(
                "SELECT {COLUMNS} FROM certificates WHERE status = 'valid' AND id_hash IN ({})",
                vec!["?"; chunk.len()].join(", ")
            );
            let values = chunk.iter().map(|s| sea_orm::Value::from((*s).to_owned()));
            rows.extend(db.query_all_raw(Statement::from_sql_and_values(backend, sql, values)).await?);
        }
    }
    rows.iter()
        .map(|r| {
            Ok(Held {
                code: r.try_get("", "code")?,
                candidate_id: r.try_get("", "candidate_id")?,
                id_hash: r.try_get("", "id_hash")?,
                occupation_code: r.try_get("", "occupation_code")?,
                work_type: r.try_get("", "work_type")?,
                level: r.try_get("", "level")?,
            })
        })
        .collect()
}

/// Certificates of a plan, by serial.
pub async fn of_plan(db: &impl ConnectionTrait, plan_id: Uuid) -> Result<Vec<certificate::Model>, RepoError> {
    Ok(certificate::Entity::find()
        .filter(certificate::Column::PlanId.eq(plan_id))
        .order_by_asc(certificate::Column::IssueYear)
        .order_by_asc(certificate::Column::Serial)
        .all(db)
        .await?)
}

/// One certificate by code.
pub async fn by_code(db: &impl ConnectionTrait, code: &str) -> Result<Option<certificate::Model>, RepoError> {
    Ok(certificate::Entity::find().filter(certificate::Column::Code.eq(code)).one(db).await?)
}

/// One certificate by verification token.
pub async fn by_token(
    db: &impl ConnectionTrait,
    token: &str,
) -> Result<Option<certificate::Model>, RepoError> {
    Ok(certificate::Entity::find().filter(certificate::Column::VerifyToken.eq(token)).one(db).await?)
}

/// What public verification shows of a certificate, with the code of its successor.
#[derive(Debug, Clone)]
pub struct PublicRecord {
    pub code: String,
    pub status: String,
    pub revoked_reason: Option<String>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub holder_name: String,
    pub occupation_name: String,
    pub work_type: String,
    pub level: String,
    pub institution_name: String,
    pub issue_date: chrono::NaiveDate,
    pub superseded_by: Option<String>,
}

/// How a public verification finds its certificate.
#[derive(Debug, Clone, Copy)]
pub enum PublicQuery<'a> {
    /// The 22-character code and the holder's full name, both as stored.
    CodeAndName(&'a str, &'a str),
    /// The QR code's token.
    Token(&'a str),
}

/// The columns of [`PublicRecord`], in its order, and the successor's code for a superseded
/// certificate (through the index on `supersedes_id`).
macro_rules! public_select {
    ($filter:literal) => {
        concat!(
            "SELECT c.code, c.status, c.revoked_reason, c.revoked_at, c.holder_name, c.occupation_name, \
                    c.work_type, c.level, c.institution_name, c.issue_date, \
                    CASE WHEN c.status = 'superseded' THEN \
                      (SELECT s.code FROM certificates s WHERE s.supersedes_id = c.id ORDER BY s.serial LIMIT 1) \
                    END AS superseded_by \
             FROM certificates c WHERE ",
            $filter
        )
    };
}

/// Binds the query's values and reads the row by position, on either driver's pool.
macro_rules! public_fetch {
    ($pool:expr, $by_code:expr, $by_token:expr, $query:expr) => {{
        use sea_orm::sqlx::Row as _;
        let statement = match $query {
            PublicQuery::CodeAndName(code, name) => sea_orm::sqlx::query($by_code).bind(code).bind(name),
            PublicQuery::Token(token) => sea_orm::sqlx::query($by_token).bind(token),
        };
        match statement.fetch_optional($pool).await {
            Ok(Some(row)) => (|| {
                Ok(Some(PublicRecord {
                    code: row.try_get(0)?,
                    status: row.try_get(1)?,
                    revoked_reason: row.try_get(2)?,
                    revoked_at: row.try_get(3)?,
                    holder_name: row.try_get(4)?,
                    occupation_name: row.try_get(5)?,
                    work_type: row.try_get(6)?,
                    level: row.try_get(7)?,
                    institution_name: row.try_get(8)?,
                    issue_date: row.try_get(9)?,
                    superseded_by: row.try_get(10)?,
                }))
            })(),
            Ok(None) => Ok(None),
            Err(e) => Err(e),
        }
    }};
}

/// The public record of a certificate, in exactly one statement: one lookup through the unique
/// index on the code (with the name compared in the same row) or on the token, and the
/// successor's code from the index of `supersedes_id` only for a superseded certificate.
///
/// This is the hottest read of the service (anyone may verify, R31), so it goes to the driver's
/// pool directly, with constant SQL and the row read by position: through the ORM the same lookup
/// cost about twice the instructions (docs/PERFORMANCE.md). The statement is added to
/// `statements`, the counter the ORM's callback feeds for every other statement.
pub async fn public_record(
    db: &crate::Database,
    statements: &std::sync::atomic::AtomicU64,
    query: PublicQuery<'_>,
) -> Result<Option<PublicRecord>, RepoError> {
    let found: Result<Option<PublicRecord>, sea_orm::sqlx::Error> = match db.get_database_backend() {
        sea_orm::DbBackend::Postgres => {
            statements.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            public_fetch!(
                db.get_postgres_connection_pool(),
                public_select!("c.code = $1 AND c.holder_name = $2"),
                public_select!("c.verify_token = $1"),
                query
            )
        }
        sea_orm::DbBackend::Sqlite => {
            statements.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            public_fetch!(
                db.get_sqlite_connection_pool(),
                public_select!("c.code = ?1 AND c.holder_name = ?2"),
                public_select!("c.verify_token = ?1"),
                query
            )
        }
        other => {
            return Err(RepoError::Db(sea_orm::DbErr::Custom(format!("unsupported database: {other:?}"))));
        }
    };
    found.map_err(|e| {
        RepoError::Db(sea_orm::DbErr::Query(sea_orm::RuntimeErr::SqlxError(std::sync::Arc::new(e))))
    })
}

/// The certificate that supersedes `id`, if any.
pub async fn successor(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<certificate::Model>, RepoError> {
    Ok(certificate::Entity::find().filter(certificate::Column::SupersedesId.eq(id)).one(db).await?)
}

/// Who ordered a revocation, and on what (issue 26, point 5): the bureau or the centre, after
/// an inspection or an upheld complaint.
#[derive(Debug, Clone)]
pub struct RevocationOrder {
    pub by: Uuid,
    /// `bureau` or `centre`.
    pub role: &'static str,
    pub inspection_task_id: Option<Uuid>,
    pub complaint_id: Option<Uuid>,
}

/// Revokes a certificate if it is still valid; `false` when it is not (a concurrent revocation or
/// reissue won: the conditional update is the check, so two requests cannot both pass it).
pub async fn revoke(
    db: &impl ConnectionTrait,
    id: Uuid,
    reason: &str,
    now: DateTime<Utc>,
    order: Option<&RevocationOrder>,
) -> Result<bool, RepoError> {
    let mut update = certificate::Entity::update_many()
        .col_expr(certificate::Column::Status, Expr::val("revoked"))
        .col_expr(certificate::Column::RevokedReason, Expr::val(reason))
        .col_expr(certificate::Column::RevokedAt, Expr::val(now));
    if let Some(o) = order {
        update = update
            .col_expr(certificate::Column::RevokedBy, Expr::val(o.by))
            .col_expr(certificate::Column::RevocationOrderedBy, Expr::val(o.role))
            .col_expr(certificate::Column::RevocationInspectionTaskId, Expr::val(o.inspection_task_id))
            .col_expr(certificate::Column::RevocationComplaintId, Expr::val(o.complaint_id));
    }
    let done = update
        .filter(certificate::Column::Id.eq(id))
        .filter(certificate::Column::Status.eq("valid"))
        .exec(db)
        .await?;
    Ok(done.rows_affected == 1)
}

/// Marks a certificate superseded by a reissue, if it is still valid; `false` when it is not (a
/// concurrent revocation or reissue won). The row stays locked until the transaction ends.
pub async fn supersede(db: &impl ConnectionTrait, id: Uuid) -> Result<bool, RepoError> {
    let done = certificate::Entity::update_many()
        .col_expr(certificate::Column::Status, Expr::val("superseded"))
        .filter(certificate::Column::Id.eq(id))
        .filter(certificate::Column::Status.eq("valid"))
        .exec(db)
        .await?;
    Ok(done.rows_affected == 1)
}
