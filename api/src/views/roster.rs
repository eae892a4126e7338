//! An institution's roster: the examiners (with the occupations they examine) and internal
//! supervisors of its approved filing. Plans assign them to sessions (R18).

use crate::error::ApiError;
use crate::views::filing::document::FilingDocument;
use persistence::entity::institution;
use persistence::repo;
use serde::Serialize;
use utoipa::ToSchema;

/// An examiner on the roster (no ID number).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RosterExaminer {
    pub name: String,
    /// Examiner certificate number: how sessions name them.
    pub certificate_number: String,
    pub occupation_codes: Vec<String>,
}

/// A supervisor on the roster.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RosterSupervisor {
    pub name: String,
}

/// The roster.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Roster {
    pub examiners: Vec<RosterExaminer>,
    pub supervisors: Vec<RosterSupervisor>,
}

/// The roster of an institution, from its approved filing.
pub async fn of(db: &impl persistence::ConnectionTrait, i: &institution::Model) -> Result<Roster, ApiError> {
    let filing = repo::filing::find(db, i.filing_id)
        .await?
        .ok_or_else(|| ApiError::internal("institution without filing"))?;
    let doc: FilingDocument = serde_json::from_value(filing.document).map_err(ApiError::internal)?;
    Ok(Roster {
        examiners: doc
            .examiners
            .into_iter()
            .filter_map(|e| {
                Some(RosterExaminer {
                    name: e.name?,
                    certificate_number: e.certificate_number?,
                    occupation_codes: e.occupation_codes,
                })
            })
            .collect(),
        supervisors: doc
            .supervisors
            .into_iter()
            .filter_map(|s| Some(RosterSupervisor { name: s.name? }))
            .collect(),
    })
}
