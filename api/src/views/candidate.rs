//! How a candidate (评价对象) is shown: ID and phone numbers masked for district offices.

use crate::i18n::Lang;
use chrono::{DateTime, Utc};
use domain::ResidentId;
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
    pub school_name: String,
    /// Whether the school is the institution's own.
    pub own_school: bool,
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
    pub created_at: DateTime<Utc>,
}

/// The view of a candidate; ID and phone numbers masked unless `full`.
pub fn view(c: candidate::Model, full: bool, lang: Lang) -> CandidateView {
    let id_number = if full {
        c.id_number
    } else {
        ResidentId::parse(&c.id_number).map(|r| r.masked()).unwrap_or_default()
    };
    CandidateView {
        id: c.id,
        name: c.name,
        gender_name: crate::i18n::code_name(lang, "gender", &c.gender),
        gender: c.gender,
        id_number,
        school_name: c.school_name,
        own_school: c.own_school,
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
        created_at: c.created_at,
    }
}
