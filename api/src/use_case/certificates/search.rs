//! Searching certificates (issue 26, point 6): the bureau and the centre search them all, a district
//! office those of the institutions in its district and of the holders registered there (notice
//! 五(二): the districts bring the policies to certificate holders). A search naming a resident ID
//! number is a look at one person's records: it is audited, the number masked in the event.

use super::super::Change;
use crate::error::ApiError;
use persistence::entity::certificate;
use persistence::repo::certificate_search::{self, Search};
use persistence::repo::{Page, PageRequest};

/// What to search for, checked: the ID number valid (GB 11643), the other criteria as given.
#[derive(Debug, Default)]
pub struct Criteria {
    pub code: Option<String>,
    pub holder_name: Option<String>,
    pub id_number: Option<domain::ResidentId>,
    pub occupation_code: Option<String>,
    pub level: Option<String>,
    pub institution_id: Option<uuid::Uuid>,
    pub issue_year: Option<i32>,
    pub status: Option<String>,
}

/// One page of the certificates matching `criteria` within `district` (a district office's code;
/// `None` for the bureau and the centre). Without an ID number: a read, no change.
pub async fn search(
    db: &impl persistence::ConnectionTrait,
    criteria: &Criteria,
    district: Option<&str>,
    page: PageRequest,
) -> Result<Page<certificate::Model>, ApiError> {
    debug_assert!(criteria.id_number.is_none(), "a search by ID number is audited: search_by_id_number");
    Ok(certificate_search::search(db, &of(criteria, None, district), page).await?)
}

/// The same, naming an ID number: found by its lookup hash and audited
/// (`certificate.searched_by_id_number`, with the number masked, how many were found and the codes
/// of this page), in `change`.
pub async fn search_by_id_number(
    change: &mut Change,
    criteria: &Criteria,
    district: Option<&str>,
    page: PageRequest,
) -> Result<Page<certificate::Model>, ApiError> {
    let Some(id) = &criteria.id_number else {
        return Err(ApiError::internal("search_by_id_number without an ID number"));
    };
    let hash = change.data_key().hash(id.as_str());
    let found = certificate_search::search(change.db(), &of(criteria, Some(&hash), district), page).await?;
    let codes: Vec<&str> = found.items.iter().map(|c| c.code.as_str()).collect();
    change.record(
        "certificate.searched_by_id_number",
        ("resident", id.masked()),
        serde_json::json!({
            "found": found.total,
            "codes": codes,
            "district": district,
            "page": page.page,
        }),
    );
    Ok(found)
}

fn of<'a>(c: &'a Criteria, id_hash: Option<&'a str>, district: Option<&'a str>) -> Search<'a> {
    Search {
        code: c.code.as_deref(),
        holder_name: c.holder_name.as_deref(),
        id_hash,
        occupation_code: c.occupation_code.as_deref(),
        level: c.level.as_deref(),
        institution_id: c.institution_id,
        issue_year: c.issue_year,
        status: c.status.as_deref(),
        district,
    }
}
