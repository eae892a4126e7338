//! How a basis standard (national standard or filed evaluation norm, R5, R6) is shown.

use crate::i18n::{self, Lang, Name};
use chrono::NaiveDate;
use domain::Level;
use persistence::entity::standard;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// A registered standard.
#[derive(Debug, Serialize, ToSchema)]
pub struct StandardView {
    pub id: Uuid,
    #[schema(example = "6-18-01-01")]
    pub occupation_code: String,
    /// `national_standard` or `evaluation_norm`.
    #[schema(example = "national_standard")]
    pub kind: String,
    pub kind_name: String,
    #[schema(example = "车工国家职业技能标准（2018年版）")]
    pub title: String,
    /// Levels covered, as codes.
    #[schema(value_type = Vec<crate::schemas::LevelCodeSchema>)]
    pub levels: Vec<String>,
    pub level_names: Vec<String>,
    /// For evaluation norms: the filing reference and date.
    pub filing_reference: Option<String>,
    pub filing_date: Option<NaiveDate>,
    /// Why the bureau registered a second norm for the same occupation and level, if it did.
    pub override_reason: Option<String>,
    /// When and why the bureau withdrew it: no new filing or plan may name it.
    pub withdrawn_at: Option<chrono::DateTime<chrono::Utc>>,
    pub withdrawal_reason: Option<String>,
    /// The institutions whose scope names it as a basis (in the answer for one standard only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub named_by: Option<Vec<NamingInstitution>>,
}

/// An institution whose scope names a standard.
#[derive(Debug, Serialize, ToSchema)]
pub struct NamingInstitution {
    pub id: Uuid,
    pub code: String,
    pub name: String,
}

/// The view of a standard in `lang`.
pub fn view(s: standard::Model, levels: Vec<String>, lang: Lang) -> StandardView {
    let kind_name = i18n::group_code("standard_kind", &s.kind)
        .map_or_else(|| s.kind.clone(), |(g, c)| i18n::name(lang, Name::Code(g, c)));
    let level_names = levels
        .iter()
        .filter_map(|l| l.parse::<Level>().ok())
        .map(|l| i18n::name(lang, Name::Level(l)))
        .collect();
    StandardView {
        id: s.id,
        occupation_code: s.occupation_code,
        kind: s.kind,
        kind_name,
        title: s.title,
        levels,
        level_names,
        filing_reference: s.filing_reference,
        filing_date: s.filing_date,
        override_reason: s.override_reason,
        withdrawn_at: s.withdrawn_at,
        withdrawal_reason: s.withdrawal_reason,
        named_by: None,
    }
}

/// The view of one standard with the institutions that name it.
pub async fn full(
    db: &impl persistence::ConnectionTrait,
    s: standard::Model,
    levels: Vec<String>,
    lang: Lang,
) -> Result<StandardView, crate::error::ApiError> {
    let named = persistence::repo::institution::naming_standard(db, s.id)
        .await?
        .into_iter()
        .map(|i| NamingInstitution { id: i.id, code: i.code, name: i.name })
        .collect();
    Ok(StandardView { named_by: Some(named), ..view(s, levels, lang) })
}
