//! How a candidate (评价对象) is shown: ID and phone numbers masked for district offices.

use crate::i18n::Lang;
use crate::views::mask::IdNumbers;
use chrono::{DateTime, Utc};
use persistence::entity::candidate;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// A candidate as the API shows it.
#[derive(Serialize, ToSchema)]
pub struct CandidateView {
    pub id: Uuid,
    pub name: String,
    pub gender: String,
    pub gender_name: String,
    /// Masked (`50**************1X`) for district offices.
    pub id_number: String,
    /// The school's name in the registry when the candidate was listed.
    pub school_name: String,
    /// The school in the registry (R19); `null` only for another school's candidate listed
    /// before schools were named from the registry.
    pub school_id: Option<Uuid>,
    /// Whether the school is the institution's own.
    pub own_school: bool,
    /// 学号; `null` for district offices.
    pub student_number: Option<String>,
    pub major: String,
    pub class_name: String,
    pub full_time_confirmed: bool,
    pub consent_recorded: bool,
    pub phone: Option<String>,
    pub occupation_code: String,
    pub work_type: Option<String>,
    pub level: String,
    pub level_name: String,
    /// The centre's review: `pending`, `approved` or `rejected`.
    pub review_status: String,
    pub review_status_name: String,
    /// Whether the candidate's 2-inch photo is on record: issuance refuses candidates without
    /// one (R29).
    pub has_photo: bool,
    pub created_at: DateTime<Utc>,
    /// The code of a valid certificate the person already holds for the same occupation, work
    /// type and level, from another listing (any plan, any institution): issuance refuses them,
    /// a person holds one.
    pub held_certificate: Option<String>,
    /// When the school withdrew the candidate (kept on record with their results, left out of
    /// results entry, publicity, the report and issuance).
    pub withdrawn_at: Option<DateTime<Utc>>,
    pub withdrawal_reason: Option<String>,
}

/// For each of `rows`, the code of a valid certificate its person already holds for the same
/// occupation, work type and level from another listing.
pub async fn held_certificates(
    db: &(impl persistence::ConnectionTrait + persistence::TransactionTrait),
    rows: &[candidate::Model],
) -> Result<std::collections::HashMap<Uuid, String>, persistence::RepoError> {
    use persistence::repo::certificate::Held;
    let hashes: Vec<&str> = rows.iter().filter_map(|c| c.id_hash.as_deref()).collect();
    let found = persistence::repo::certificate::held(db, &hashes).await?;
    let mut out = std::collections::HashMap::new();
    for c in rows {
        let hash = c.id_hash.as_deref().unwrap_or_default();
        let key = Held::key_of(hash, &c.occupation_code, &c.work_type, &c.level);
        if let Some(h) = found.iter().find(|h| h.key() == key && h.candidate_id != c.id) {
            out.insert(c.id, h.code.clone());
        }
    }
    Ok(out)
}

/// The view of a candidate; ID and phone numbers masked unless `ids` is full; `held` from
/// [`held_certificates`].
pub fn view(c: candidate::Model, ids: IdNumbers, held: Option<String>, lang: Lang) -> CandidateView {
    let full = matches!(ids, IdNumbers::Full(_));
    let id_number = ids.show(&c.id_sealed, c.id_masked.as_deref());
    CandidateView {
        id: c.id,
        name: c.name,
        gender_name: crate::i18n::code_name(lang, "gender", &c.gender),
        gender: c.gender,
        id_number,
        school_name: c.school_name,
        school_id: c.school_id,
        own_school: c.own_school,
        student_number: full.then_some(c.student_number),
        major: c.major,
        class_name: c.class_name,
        full_time_confirmed: c.full_time_confirmed,
        consent_recorded: c.consent_recorded,
        phone: c.phone.map(|p| if full { p } else { crate::views::mask::phone(&p) }),
        occupation_code: c.occupation_code,
        work_type: Some(c.work_type).filter(|w| !w.is_empty()),
        level_name: crate::i18n::level_name(lang, &c.level),
        level: c.level,
        review_status_name: crate::i18n::code_name(lang, "review_status", &c.review_status),
        review_status: c.review_status,
        has_photo: c.photo_key.is_some(),
        created_at: c.created_at,
        held_certificate: held,
        withdrawn_at: c.withdrawn_at,
        withdrawal_reason: c.withdrawal_reason,
    }
}
