//! The occupation catalogue (职业分类大典) and the access-type list as the API shows them.

use crate::error::ApiError;
use crate::i18n::{self, Lang, Name};
use persistence::repo;
use serde::Serialize;
use utoipa::ToSchema;

/// An occupation with its work types and access-type status.
#[derive(Debug, Serialize, ToSchema)]
pub struct OccupationView {
    #[schema(example = "6-18-01-01")]
    pub code: String,
    #[schema(example = "车工")]
    pub name: String,
    /// Major group (大类) 1–8.
    pub major_group: i32,
    /// Work types (工种) the bureau has added.
    pub work_types: Vec<String>,
    /// Whether a confirmed access-type (准入类) entry names it: such occupations cannot be filed (R3).
    pub access_type: bool,
    /// Access-type entries naming this occupation, confirmed or not.
    pub access_type_entries: Vec<AccessTypeView>,
}

/// An entry of the access-type (准入类) list.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccessTypeView {
    pub name: String,
    pub occupation_code: Option<String>,
    pub source: String,
    /// `confirmed` entries block filings; `unverified` ones are shown for information only.
    #[schema(example = "confirmed")]
    pub verification: String,
    pub verification_name: String,
    pub note: Option<String>,
}

pub fn access_view(e: persistence::entity::access_type_entry::Model, lang: i18n::Lang) -> AccessTypeView {
    let verification_name = i18n::group_code("access_verification", &e.verification)
        .map_or_else(|| e.verification.clone(), |(g, c)| i18n::name(lang, Name::Code(g, c)));
    AccessTypeView {
        name: e.name,
        occupation_code: e.occupation_code,
        source: e.source,
        verification: e.verification,
        verification_name,
        note: e.note,
    }
}

pub async fn views(
    db: &impl persistence::ConnectionTrait,
    rows: Vec<persistence::entity::occupation::Model>,
    lang: i18n::Lang,
) -> Result<Vec<OccupationView>, ApiError> {
    let codes: Vec<String> = rows.iter().map(|o| o.code.clone()).collect();
    let work_types = repo::occupation::work_types(db, &codes).await?;
    let access = repo::occupation::access_types_of(db, &codes).await?;
    Ok(rows
        .into_iter()
        .map(|o| {
            let entries: Vec<AccessTypeView> = access
                .iter()
                .filter(|e| e.occupation_code.as_deref() == Some(o.code.as_str()))
                .cloned()
                .map(|e| access_view(e, lang))
                .collect();
            OccupationView {
                work_types: work_types
                    .iter()
                    .filter(|w| w.occupation_code == o.code)
                    .map(|w| w.name.clone())
                    .collect(),
                access_type: entries.iter().any(|e| e.verification == "confirmed"),
                access_type_entries: entries,
                code: o.code,
                name: o.name,
                major_group: o.major_group,
            }
        })
        .collect())
}

/// The ETag of an occupation: its stored content, whatever the caller's language.
pub async fn occupation_etag(
    db: &impl persistence::ConnectionTrait,
    o: &persistence::entity::occupation::Model,
) -> Result<String, ApiError> {
    let v = views(db, vec![o.clone()], Lang::ZhCn).await?;
    Ok(crate::precondition::content_etag(&v))
}
