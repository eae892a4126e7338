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
    }
}
