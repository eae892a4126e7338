//! Over 400 lines: the supervision tables share one repository.
//!
//! Supervision records: fees (R34), violations, complaints (R35), inspections (R36) and
//! integrity ratings (R37).

use super::{Page, PageRequest, fetch_page};
use crate::entity::{
    complaint, complaint_note, fee_standard, inspection_target, inspection_task, inspector, institution,
    integrity_rating, violation,
};
use crate::error::{RepoError, STALE};
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, Statement,
};
use uuid::Uuid;

// ---- fees ------------------------------------------------------------------------------------

/// Replaces an institution's published fee list.
pub async fn replace_fees(
    db: &impl ConnectionTrait,
    institution_id: Uuid,
    rows: Vec<fee_standard::Model>,
) -> Result<(), RepoError> {
    fee_standard::Entity::delete_many()
        .filter(fee_standard::Column::InstitutionId.eq(institution_id))
        .exec(db)
        .await?;
    if !rows.is_empty() {
        fee_standard::Entity::insert_many(rows.into_iter().map(IntoActiveModel::into_active_model))
            .exec_without_returning(db)
            .await
            .map_err(RepoError::from_db)?;
    }
    Ok(())
}

/// Published fees, optionally of some institutions, an occupation and a level.
pub async fn fees(
    db: &impl ConnectionTrait,
    institution_ids: Option<Vec<Uuid>>,
    occupation_code: Option<&str>,
    level: Option<&str>,
    page: PageRequest,
) -> Result<Page<fee_standard::Model>, RepoError> {
    let mut q = fee_standard::Entity::find();
    if let Some(ids) = institution_ids {
        q = q.filter(fee_standard::Column::InstitutionId.is_in(ids));
    }
    if let Some(c) = occupation_code {
        q = q.filter(fee_standard::Column::OccupationCode.eq(c));
    }
    if let Some(l) = level {
        q = q.filter(fee_standard::Column::Level.eq(l));
    }
    let q = q
        .order_by_asc(fee_standard::Column::InstitutionId)
        .order_by_asc(fee_standard::Column::OccupationCode)
        .order_by_asc(fee_standard::Column::Level);
    fetch_page(db, q, page).await
}

// ---- violations ------------------------------------------------------------------------------

/// Records a violation.
pub async fn insert_violation(db: &impl ConnectionTrait, v: violation::Model) -> Result<(), RepoError> {
    violation::Entity::insert(v.into_active_model())
        .exec_without_returning(db)
        .await
        .map_err(RepoError::from_db)?;
    Ok(())
}

/// Violations of an institution, newest first: one page.
pub async fn violations(
    db: &impl ConnectionTrait,
    institution_id: Uuid,
    page: PageRequest,
) -> Result<Page<violation::Model>, RepoError> {
    let q = violation::Entity::find()
        .filter(violation::Column::InstitutionId.eq(institution_id))
        .order_by_desc(violation::Column::OccurredOn)
        .order_by_desc(violation::Column::RecordedAt);
    fetch_page(db, q, page).await
}

/// Violations that occurred between two dates (inclusive).
pub async fn violations_between(
    db: &impl ConnectionTrait,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<violation::Model>, RepoError> {
    Ok(violation::Entity::find()
        .filter(violation::Column::OccurredOn.gte(from))
        .filter(violation::Column::OccurredOn.lte(to))
        .all(db)
        .await?)
}

// ---- complaints ------------------------------------------------------------------------------

/// Files a complaint.
pub async fn insert_complaint(db: &impl ConnectionTrait, c: complaint::Model) -> Result<(), RepoError> {
    complaint::Entity::insert(c.into_active_model())
        .exec_without_returning(db)
        .await
        .map_err(RepoError::from_db)?;
    Ok(())
}

/// One complaint.
pub async fn complaint(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<complaint::Model>, RepoError> {
    Ok(complaint::Entity::find_by_id(id).one(db).await?)
}

/// One complaint by its tracking number.
pub async fn complaint_by_tracking(
    db: &impl ConnectionTrait,
    tracking_number: &str,
) -> Result<Option<complaint::Model>, RepoError> {
    Ok(complaint::Entity::find()
        .filter(complaint::Column::TrackingNumber.eq(tracking_number))
        .one(db)
        .await?)
}

/// Saves a changed complaint if nobody changed it since `version` was read.
pub async fn save_complaint(
    db: &impl ConnectionTrait,
    mut m: complaint::ActiveModel,
    id: Uuid,
    version: i32,
) -> Result<complaint::Model, RepoError> {
    let guard = complaint::Entity::update_many()
        .col_expr(complaint::Column::Version, Expr::val(version + 1))
        .filter(complaint::Column::Id.eq(id))
        .filter(complaint::Column::Version.eq(version))
        .exec(db)
        .await?;
    if guard.rows_affected == 0 {
        return Err(RepoError::Conflict(STALE.into()));
    }
    m.version = sea_orm::ActiveValue::Set(version + 1);
    m.update(db).await.map_err(RepoError::from_db)
}

/// Bumps a complaint's version (a note was added) if nobody changed it since `version`.
pub async fn touch_complaint(db: &impl ConnectionTrait, id: Uuid, version: i32) -> Result<(), RepoError> {
    let guard = complaint::Entity::update_many()
        .col_expr(complaint::Column::Version, Expr::val(version + 1))
        .filter(complaint::Column::Id.eq(id))
        .filter(complaint::Column::Version.eq(version))
        .exec(db)
        .await?;
    if guard.rows_affected == 0 {
        return Err(RepoError::Conflict(STALE.into()));
    }
    Ok(())
}

/// Which complaints to list.
#[derive(Debug, Clone, Default)]
pub struct ComplaintFilter {
    pub status: Option<String>,
    /// Only those assigned to this district.
    pub assigned_district: Option<String>,
    pub institution_id: Option<Uuid>,
    /// Only those still open whose deadline is before this day.
    pub overdue_on: Option<NaiveDate>,
}

/// Complaints, oldest deadline first.
pub async fn complaints(
    db: &impl ConnectionTrait,
    f: &ComplaintFilter,
    page: PageRequest,
) -> Result<Page<complaint::Model>, RepoError> {
    let mut q = complaint::Entity::find();
    if let Some(s) = &f.status {
        q = q.filter(complaint::Column::Status.eq(s.clone()));
    }
    if let Some(d) = &f.assigned_district {
        q = q
            .filter(complaint::Column::AssignedTo.eq("district"))
            .filter(complaint::Column::AssignedDistrict.eq(d.clone()));
    }
    if let Some(i) = f.institution_id {
        q = q.filter(complaint::Column::InstitutionId.eq(i));
    }
    if let Some(today) = f.overdue_on {
        q = q.filter(complaint::Column::Status.ne("closed")).filter(complaint::Column::DueOn.lt(today));
    }
    let q = q.order_by_asc(complaint::Column::DueOn).order_by_asc(complaint::Column::ReceivedAt);
    fetch_page(db, q, page).await
}

/// Upheld complaints closed between two instants.
pub async fn upheld_complaints_between(
    db: &impl ConnectionTrait,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<complaint::Model>, RepoError> {
    Ok(complaint::Entity::find()
        .filter(complaint::Column::Upheld.eq(true))
        .filter(complaint::Column::ClosedAt.gte(from))
        .filter(complaint::Column::ClosedAt.lt(to))
        .all(db)
        .await?)
}

/// Adds an internal note.
pub async fn add_note(db: &impl ConnectionTrait, n: complaint_note::Model) -> Result<(), RepoError> {
    complaint_note::Entity::insert(n.into_active_model())
        .exec_without_returning(db)
        .await
        .map_err(RepoError::from_db)?;
    Ok(())
}

/// The notes of a complaint, oldest first.
pub async fn notes(
    db: &impl ConnectionTrait,
    complaint_id: Uuid,
) -> Result<Vec<complaint_note::Model>, RepoError> {
    Ok(complaint_note::Entity::find()
        .filter(complaint_note::Column::ComplaintId.eq(complaint_id))
        .order_by_asc(complaint_note::Column::CreatedAt)
        .order_by_asc(complaint_note::Column::Id)
        .all(db)
        .await?)
}

// ---- inspections -----------------------------------------------------------------------------

/// Adds an inspector to the pool.
pub async fn insert_inspector(db: &impl ConnectionTrait, i: inspector::Model) -> Result<(), RepoError> {
    inspector::Entity::insert(i.into_active_model())
        .exec_without_returning(db)
        .await
        .map_err(RepoError::from_db)?;
    Ok(())
}

/// The active inspectors, by id (the published draw order).
pub async fn active_inspectors(db: &impl ConnectionTrait) -> Result<Vec<inspector::Model>, RepoError> {
    Ok(inspector::Entity::find()
        .filter(inspector::Column::Active.eq(true))
        .order_by_asc(inspector::Column::Id)
        .all(db)
        .await?)
}

/// Takes an inspector out of future draws; `false` if already inactive or unknown.
pub async fn deactivate_inspector(db: &impl ConnectionTrait, id: Uuid) -> Result<bool, RepoError> {
    let r = inspector::Entity::update_many()
        .col_expr(inspector::Column::Active, Expr::val(false))
        .filter(inspector::Column::Id.eq(id))
        .filter(inspector::Column::Active.eq(true))
        .exec(db)
        .await?;
    Ok(r.rows_affected == 1)
}

/// The inspector pool by id: one page.
pub async fn inspectors_page(
    db: &impl ConnectionTrait,
    page: PageRequest,
) -> Result<Page<inspector::Model>, RepoError> {
    fetch_page(db, inspector::Entity::find().order_by_asc(inspector::Column::Id), page).await
}

/// One inspector.
pub async fn inspector(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<inspector::Model>, RepoError> {
    Ok(inspector::Entity::find_by_id(id).one(db).await?)
}

/// Records a task and its drawn targets.
pub async fn insert_task(
    db: &impl ConnectionTrait,
    task: inspection_task::Model,
    targets: Vec<inspection_target::Model>,
) -> Result<(), RepoError> {
    inspection_task::Entity::insert(task.into_active_model())
        .exec_without_returning(db)
        .await
        .map_err(RepoError::from_db)?;
    if !targets.is_empty() {
        inspection_target::Entity::insert_many(targets.into_iter().map(IntoActiveModel::into_active_model))
            .exec_without_returning(db)
            .await
            .map_err(RepoError::from_db)?;
    }
    Ok(())
}

/// Inspection tasks, newest first.
pub async fn tasks(
    db: &impl ConnectionTrait,
    district_code: Option<&str>,
    page: PageRequest,
) -> Result<Page<inspection_task::Model>, RepoError> {
    let mut q = inspection_task::Entity::find();
    if let Some(d) = district_code {
        q = q.filter(inspection_task::Column::Id.in_subquery(tasks_drawing_in(d)));
    }
    let q = q.order_by_desc(inspection_task::Column::CreatedAt).order_by_desc(inspection_task::Column::Id);
    fetch_page(db, q, page).await
}

/// The ids of the tasks that drew an institution of district `d` (R38).
fn tasks_drawing_in(d: &str) -> sea_orm::sea_query::SelectStatement {
    sea_orm::sea_query::Query::select()
        .column((inspection_target::Entity, inspection_target::Column::TaskId))
        .from(inspection_target::Entity)
        .inner_join(
            institution::Entity,
            Expr::col((institution::Entity, institution::Column::Id))
                .equals((inspection_target::Entity, inspection_target::Column::InstitutionId)),
        )
        .and_where(Expr::col((institution::Entity, institution::Column::DistrictCode)).eq(d))
        .to_owned()
}

/// One task.
pub async fn task(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<inspection_task::Model>, RepoError> {
    Ok(inspection_task::Entity::find_by_id(id).one(db).await?)
}

/// The drawn targets of a task, in draw order.
pub async fn targets(
    db: &impl ConnectionTrait,
    task_id: Uuid,
) -> Result<Vec<inspection_target::Model>, RepoError> {
    Ok(inspection_target::Entity::find()
        .filter(inspection_target::Column::TaskId.eq(task_id))
        .order_by_asc(inspection_target::Column::DrawOrder)
        .all(db)
        .await?)
}

/// Records the result of an inspected institution; `false` when it already has one.
pub async fn record_result(
    db: &impl ConnectionTrait,
    task_id: Uuid,
    institution_id: Uuid,
    result: &str,
    findings: &str,
    by: Uuid,
    now: DateTime<Utc>,
) -> Result<bool, RepoError> {
    let r = inspection_target::Entity::update_many()
        .col_expr(inspection_target::Column::Result, Expr::val(result))
        .col_expr(inspection_target::Column::Findings, Expr::val(findings))
        .col_expr(inspection_target::Column::RecordedAt, Expr::val(now))
        .col_expr(inspection_target::Column::RecordedBy, Expr::val(by))
        .filter(inspection_target::Column::TaskId.eq(task_id))
        .filter(inspection_target::Column::InstitutionId.eq(institution_id))
        .filter(inspection_target::Column::Result.is_null())
        .exec(db)
        .await?;
    Ok(r.rows_affected == 1)
}

/// Results recorded between two instants.
pub async fn results_between(
    db: &impl ConnectionTrait,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<inspection_target::Model>, RepoError> {
    Ok(inspection_target::Entity::find()
        .filter(inspection_target::Column::RecordedAt.gte(from))
        .filter(inspection_target::Column::RecordedAt.lt(to))
        .all(db)
        .await?)
}

// ---- integrity ratings -----------------------------------------------------------------------

/// The ratings of a period, by score (best first).
pub async fn ratings(
    db: &impl ConnectionTrait,
    period: i32,
    published_only: bool,
) -> Result<Vec<integrity_rating::Model>, RepoError> {
    let mut q = integrity_rating::Entity::find().filter(integrity_rating::Column::Period.eq(period));
    if published_only {
        q = q.filter(integrity_rating::Column::PublishedAt.is_not_null());
    }
    Ok(q.order_by_desc(integrity_rating::Column::Score)
        .order_by_asc(integrity_rating::Column::InstitutionId)
        .all(db)
        .await?)
}

/// One rating.
pub async fn rating(
    db: &impl ConnectionTrait,
    period: i32,
    institution_id: Uuid,
) -> Result<Option<integrity_rating::Model>, RepoError> {
    Ok(integrity_rating::Entity::find_by_id((period, institution_id)).one(db).await?)
}

/// Inserts a rating, or replaces one read at `prior_version` if it is still unpublished and
/// unchanged (`Conflict(STALE)` otherwise: a concurrent compute, adjustment or publication).
pub async fn put_rating(
    db: &impl ConnectionTrait,
    r: integrity_rating::Model,
    prior_version: Option<i32>,
) -> Result<(), RepoError> {
    match prior_version {
        Some(v) => {
            let guard = integrity_rating::Entity::update_many()
                .col_expr(integrity_rating::Column::Version, Expr::val(v + 1))
                .filter(integrity_rating::Column::Period.eq(r.period))
                .filter(integrity_rating::Column::InstitutionId.eq(r.institution_id))
                .filter(integrity_rating::Column::Version.eq(v))
                .filter(integrity_rating::Column::PublishedAt.is_null())
                .exec(db)
                .await?;
            if guard.rows_affected == 0 {
                return Err(RepoError::Conflict(STALE.into()));
            }
            let row = integrity_rating::Model { version: v + 1, ..r };
            row.into_active_model().reset_all().update(db).await.map_err(RepoError::from_db)?;
        }
        None => {
            integrity_rating::Entity::insert(r.into_active_model())
                .exec_without_returning(db)
                .await
                .map_err(RepoError::from_db)?;
        }
    }
    Ok(())
}

/// Marks every rating of a period published; returns how many.
pub async fn publish_ratings(
    db: &impl ConnectionTrait,
    period: i32,
    now: DateTime<Utc>,
) -> Result<u64, RepoError> {
    let r = integrity_rating::Entity::update_many()
        .col_expr(integrity_rating::Column::PublishedAt, Expr::val(now))
        .col_expr(integrity_rating::Column::Version, Expr::col(integrity_rating::Column::Version).add(1))
        .filter(integrity_rating::Column::Period.eq(period))
        .filter(integrity_rating::Column::PublishedAt.is_null())
        .exec(db)
        .await?;
    Ok(r.rows_affected)
}

/// The institution of each result report (R22) the centre returned between two instants (one
/// entry per returned report).
pub async fn returned_reports_between(
    db: &impl ConnectionTrait,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<Uuid>, RepoError> {
    let backend = db.get_database_backend();
    let sql = if backend == DbBackend::Postgres {
        "SELECT p.institution_id FROM plan_reports r JOIN plans p ON p.id = r.plan_id \
         WHERE r.decision = 'returned' AND r.decided_at >= $1 AND r.decided_at < $2"
    } else {
        "SELECT p.institution_id FROM plan_reports r JOIN plans p ON p.id = r.plan_id \
         WHERE r.decision = 'returned' AND r.decided_at >= ?1 AND r.decided_at < ?2"
    };
    let rows =
        db.query_all_raw(Statement::from_sql_and_values(backend, sql, [from.into(), to.into()])).await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        out.push(r.try_get("", "institution_id")?);
    }
    Ok(out)
}

/// A batch with certificates: when its first certificate was issued and when its certificate
/// data was reported to the centre (R30).
#[derive(Debug, Clone)]
pub struct BatchReport {
    pub institution_id: Uuid,
    pub first_issued: DateTime<Utc>,
    pub reported_at: Option<DateTime<Utc>>,
}

/// Every batch with certificates.
pub async fn batch_reports(db: &impl ConnectionTrait) -> Result<Vec<BatchReport>, RepoError> {
    let backend = db.get_database_backend();
    let rows = db
        .query_all_raw(Statement::from_string(
            backend,
            "SELECT p.institution_id, MIN(c.created_at) AS first_issued, p.certificates_reported_at \
             FROM certificates c JOIN plans p ON p.id = c.plan_id \
             GROUP BY p.id, p.institution_id, p.certificates_reported_at",
        ))
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        out.push(BatchReport {
            institution_id: r.try_get("", "institution_id")?,
            first_issued: r.try_get("", "first_issued")?,
            reported_at: r.try_get("", "certificates_reported_at")?,
        });
    }
    Ok(out)
}

/// Certificate counts per issue year, institution, occupation, level and status.
#[derive(Debug, Clone)]
pub struct CertificateCount {
    pub issue_year: i32,
    pub institution_id: Uuid,
    pub occupation_code: String,
    pub level: String,
    pub status: String,
    pub count: i64,
}

/// Counts every certificate, grouped (one indexed scan, grouped in the database).
pub async fn certificate_counts(
    db: &impl ConnectionTrait,
    year: Option<i32>,
) -> Result<Vec<CertificateCount>, RepoError> {
    let backend = db.get_database_backend();
    let (sql, values): (&str, Vec<sea_orm::Value>) = match year {
        Some(y) => (
            if backend == DbBackend::Postgres {
                "SELECT issue_year, institution_id, occupation_code, level, status, COUNT(*) AS n FROM certificates \
                 WHERE issue_year = $1 GROUP BY issue_year, institution_id, occupation_code, level, status"
            } else {
                "SELECT issue_year, institution_id, occupation_code, level, status, COUNT(*) AS n FROM certificates \
                 WHERE issue_year = ?1 GROUP BY issue_year, institution_id, occupation_code, level, status"
            },
            vec![y.into()],
        ),
        None => (
            "SELECT issue_year, institution_id, occupation_code, level, status, COUNT(*) AS n FROM certificates \
             GROUP BY issue_year, institution_id, occupation_code, level, status",
            vec![],
        ),
    };
    let rows = db.query_all_raw(Statement::from_sql_and_values(backend, sql, values)).await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        out.push(CertificateCount {
            issue_year: r.try_get("", "issue_year")?,
            institution_id: r.try_get("", "institution_id")?,
            occupation_code: r.try_get("", "occupation_code")?,
            level: r.try_get("", "level")?,
            status: r.try_get("", "status")?,
            count: r.try_get("", "n")?,
        });
    }
    Ok(out)
}
