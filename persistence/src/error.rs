//! Repository errors: named constraint conflicts are told apart from real failures.

use sea_orm::{DbErr, SqlErr};

/// The conflict of a save whose version was changed meanwhile by someone else.
pub const STALE: &str = "stale_version";

/// What a repository function can fail with.
#[derive(Debug, thiserror::Error)]
pub enum RepoError {
    /// A unique or check constraint refused the write; the name is the constraint's (or, on
    /// SQLite, which does not report names, the one derived from the table and columns).
    #[error("constraint {0} refused the write")]
    Conflict(String),
    /// Anything else: connection lost, SQL error, … (a 500 for the caller).
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// Unique-constraint names by the columns SQLite reports (`UNIQUE constraint failed: t.c`).
const SQLITE_UNIQUE: &[(&str, &str)] = &[
    ("users.username", "users_username_key"),
    ("audit_events.id", "audit_events_id_key"),
    ("work_types.occupation_code, work_types.name", "work_types_occupation_name_key"),
    ("access_type_entries.name", "access_type_entries_name_key"),
    ("schools.credit_code", "schools_credit_code_key"),
    (
        "filing_evaluations.filing_id, filing_evaluations.expert_id, filing_evaluations.round",
        "filing_evaluations_once_key",
    ),
    ("institution_codes.code", "institution_codes_pkey"),
    ("institution_codes.serial", "institution_codes_serial_key"),
    ("institutions.code", "institutions_code_key"),
    (
        "candidates.plan_id, candidates.id_hash, candidates.occupation_code, candidates.work_type, candidates.level",
        "candidates_once_key",
    ),
    ("certificates.code", "certificates_code_key"),
    ("certificates.institution_id, certificates.issue_year, certificates.serial", "certificates_serial_key"),
    ("certificates.verify_token", "certificates_token_key"),
    ("certificates.candidate_id", "certificates_candidate_once"),
    ("filings.school_id", "filings_one_open_per_school"),
    ("certificates.supersedes_id", "certificates_supersedes_key"),
    (
        "certificates.id_hash, certificates.occupation_code, certificates.work_type, certificates.level",
        "certificates_one_valid",
    ),
    ("standard_levels.occupation_code, standard_levels.level", "standard_levels_one_norm"),
    ("personnel.kind, personnel.certificate_number", "personnel_certificate_key"),
    ("personnel.kind, personnel.id_hash", "personnel_person_key"),
    ("personnel.user_id", "personnel_user_key"),
    ("plan_quality_supervisors.plan_id", "plan_quality_supervisors_pkey"),
];

impl RepoError {
    /// Classifies a database error, mapping unique violations to [`RepoError::Conflict`].
    pub fn from_db(err: DbErr) -> RepoError {
        if let Some(SqlErr::UniqueConstraintViolation(msg)) = err.sql_err() {
            return RepoError::Conflict(constraint_name(&msg));
        }
        RepoError::Db(err)
    }

    /// Whether this is a conflict on the named constraint.
    pub fn is_conflict(&self, name: &str) -> bool {
        matches!(self, RepoError::Conflict(n) if n == name)
    }
}

fn constraint_name(msg: &str) -> String {
    for (cols, name) in SQLITE_UNIQUE {
        if msg.contains(name) || msg.ends_with(cols) {
            return (*name).to_owned();
        }
    }
    msg.to_owned()
}
