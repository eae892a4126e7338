//! Verifiable credentials (issue 27): the deployment's secrets and the statuses a status list is
//! read from.

use crate::error::RepoError;
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbBackend, Statement};

fn pick(backend: DbBackend, pg: &'static str, lite: &'static str) -> &'static str {
    if backend == DbBackend::Postgres { pg } else { lite }
}

/// The secret called `name`: the one stored, or else `candidate`, stored now. Concurrent first
/// starts agree: the insert does nothing when a row exists, and every start reads the row.
pub async fn secret(
    db: &impl ConnectionTrait,
    name: &str,
    candidate: &str,
    now: DateTime<Utc>,
) -> Result<String, RepoError> {
    let backend = db.get_database_backend();
    db.execute_raw(Statement::from_sql_and_values(
        backend,
        pick(
            backend,
            "INSERT INTO credential_secrets (name, secret, created_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING",
            "INSERT INTO credential_secrets (name, secret, created_at) VALUES (?1, ?2, ?3) ON CONFLICT (name) DO NOTHING",
        ),
        [name.into(), candidate.into(), now.into()],
    ))
    .await?;
    let row = db
        .query_one_raw(Statement::from_sql_and_values(
            backend,
            pick(
                backend,
                "SELECT secret FROM credential_secrets WHERE name = $1",
                "SELECT secret FROM credential_secrets WHERE name = ?1",
            ),
            [name.into()],
        ))
        .await?
        .ok_or_else(|| RepoError::Db(sea_orm::DbErr::RecordNotFound(format!("credential secret {name}"))))?;
    Ok(row.try_get("", "secret")?)
}

/// The serials of the certificates of the institution with `institution_code`, issued in
/// `issue_year`, that are no longer valid (revoked or superseded), in order.
pub async fn not_valid_serials(
    db: &impl ConnectionTrait,
    institution_code: &str,
    issue_year: i32,
) -> Result<Vec<u32>, RepoError> {
    let backend = db.get_database_backend();
    let rows = db
        .query_all_raw(Statement::from_sql_and_values(
            backend,
            pick(
                backend,
                "SELECT c.serial FROM certificates c JOIN institutions i ON i.id = c.institution_id \
                 WHERE i.code = $1 AND c.issue_year = $2 AND c.status <> 'valid' ORDER BY c.serial",
                "SELECT c.serial FROM certificates c JOIN institutions i ON i.id = c.institution_id \
                 WHERE i.code = ?1 AND c.issue_year = ?2 AND c.status <> 'valid' ORDER BY c.serial",
            ),
            [institution_code.into(), issue_year.into()],
        ))
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let serial: i32 = r.try_get("", "serial")?;
        out.push(
            u32::try_from(serial)
                .map_err(|_| RepoError::Db(sea_orm::DbErr::Custom("a negative serial".into())))?,
        );
    }
    Ok(out)
}

/// The standard an institution's scope names for an occupation, work type and level (the one its
/// certificates of that kind were assessed against), if the scope still holds it.
pub async fn standard_of(
    db: &impl ConnectionTrait,
    institution_id: uuid::Uuid,
    occupation_code: &str,
    work_type: &str,
    level: &str,
) -> Result<Option<crate::entity::standard::Model>, RepoError> {
    use crate::entity::{institution_scope, standard};
    use sea_orm::EntityTrait;
    let scope = institution_scope::Entity::find_by_id((
        institution_id,
        occupation_code.to_owned(),
        work_type.to_owned(),
        level.to_owned(),
    ))
    .one(db)
    .await?;
    match scope {
        Some(s) => Ok(standard::Entity::find_by_id(s.standard_id).one(db).await?),
        None => Ok(None),
    }
}
