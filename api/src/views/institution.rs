//! Institutions as the API shows them: the full view, its scope with names, the filing receipt
//! (备案回执, Annex 4) that the JSON route and the PDF renderer both use.

use crate::auth::Caller;
use crate::error::ApiError;
use crate::i18n::{self, Lang, Name};
use chrono::{DateTime, NaiveDate, Utc};
use domain::institution::InstitutionStatus;
use domain::{Level, Role};
use persistence::entity::{institution, institution_scope};
use persistence::repo;
use serde::Serialize;
use std::collections::HashMap;
use utoipa::ToSchema;
use uuid::Uuid;

/// One row of an institution's scope.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ScopeView {
    #[schema(example = "6-18-01-01")]
    pub occupation_code: String,
    #[schema(example = "车工")]
    pub occupation_name: String,
    /// The work type, or "——" when there is none (as printed on certificates).
    #[schema(example = "——")]
    pub work_type: String,
    #[schema(value_type = crate::schemas::LevelCodeSchema)]
    pub level: String,
    pub level_name: String,
    pub standard_id: Uuid,
}

/// An institution.
#[derive(Debug, Serialize, ToSchema)]
pub struct InstitutionView {
    pub id: Uuid,
    /// The filing code (机构备案编码), positions 1–13 of its certificate codes.
    #[schema(example = "S000050000001")]
    pub code: String,
    /// The name exactly as filed (printed on certificates, R39).
    pub name: String,
    pub school_id: Uuid,
    pub credit_code: String,
    pub registered_address: String,
    pub office_address: String,
    pub legal_representative: String,
    pub district_code: String,
    pub district_name: Option<String>,
    /// `active`, `expired`, `suspended` or `cancelled` (expired = past `valid_until`, R12).
    #[schema(example = "active")]
    pub status: String,
    pub status_name: String,
    pub status_reason: Option<String>,
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
    pub scope: Vec<ScopeView>,
    /// Institutions merged into this one (R14).
    pub merged_from: Vec<Uuid>,
    /// The institution this one was merged into.
    pub merged_into: Option<Uuid>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
}

/// Today's status of a stored institution.
pub fn status_on(i: &institution::Model, today: NaiveDate) -> Result<InstitutionStatus, ApiError> {
    let stored = i.stored_status()?;
    Ok(InstitutionStatus::on(stored, i.valid_until, today))
}

fn status_name(lang: Lang, s: InstitutionStatus) -> String {
    i18n::name(lang, Name::Code("institution_status", s.code()))
}

/// The scope with names in `lang`.
pub async fn scope_views(
    db: &impl persistence::ConnectionTrait,
    rows: Vec<institution_scope::Model>,
    lang: Lang,
) -> Result<Vec<ScopeView>, ApiError> {
    let mut names: HashMap<String, String> = HashMap::new();
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        if !names.contains_key(&r.occupation_code) {
            let n = repo::occupation::find(db, &r.occupation_code).await?.map(|o| o.name).unwrap_or_default();
            names.insert(r.occupation_code.clone(), n);
        }
        let level_name =
            r.level.parse::<Level>().map(|l| i18n::name(lang, Name::Level(l))).unwrap_or_default();
        out.push(ScopeView {
            occupation_name: names.get(&r.occupation_code).cloned().unwrap_or_default(),
            occupation_code: r.occupation_code,
            work_type: if r.work_type.is_empty() { "——".into() } else { r.work_type },
            level: r.level,
            level_name,
            standard_id: r.standard_id,
        });
    }
    Ok(out)
}

/// The full view.
pub async fn view(
    db: &impl persistence::ConnectionTrait,
    i: institution::Model,
    today: NaiveDate,
    lang: Lang,
) -> Result<InstitutionView, ApiError> {
    let status = status_on(&i, today)?;
    let scope = scope_views(db, repo::institution::scope(db, i.id).await?, lang).await?;
    let (predecessors, successors) = repo::institution::lineage(db, i.id).await?;
    let district_name = repo::district::find(db, &i.district_code).await?.map(|d| d.name);
    Ok(InstitutionView {
        id: i.id,
        code: i.code,
        name: i.name,
        school_id: i.school_id,
        credit_code: i.credit_code,
        registered_address: i.registered_address,
        office_address: i.office_address,
        legal_representative: i.legal_representative,
        district_code: i.district_code,
        district_name,
        status: status.code().into(),
        status_name: status_name(lang, status),
        status_reason: i.status_reason,
        valid_from: i.valid_from,
        valid_until: i.valid_until,
        scope,
        merged_from: predecessors.into_iter().map(|l| l.predecessor_id).collect(),
        merged_into: successors.first().map(|l| l.successor_id),
        version: i.version,
        created_at: i.created_at,
    })
}

/// The filing receipt (备案回执, Annex 4).
#[derive(Debug, Serialize, ToSchema)]
pub struct Receipt {
    /// 单位名称.
    pub unit_name: String,
    /// 机构备案编码.
    pub filing_code: String,
    /// 统一社会信用代码.
    pub credit_code: String,
    /// 注册地址.
    pub registered_address: String,
    /// 办公地址.
    pub office_address: String,
    /// 法定代表人.
    pub legal_representative: String,
    /// 备案职业（工种）及等级.
    pub scope: Vec<ScopeView>,
    /// 有效期 from.
    pub valid_from: NaiveDate,
    /// 有效期 to.
    pub valid_until: NaiveDate,
    /// 市人力社保局意见.
    pub bureau_opinion: String,
    /// The date of the decision (China Standard Time).
    pub date: NaiveDate,
    /// The issuing authority.
    pub issued_by: String,
}

/// Builds the receipt of an institution.
pub async fn receipt_of(
    db: &impl persistence::ConnectionTrait,
    i: institution::Model,
    lang: Lang,
) -> Result<Receipt, ApiError> {
    let scope = scope_views(db, repo::institution::scope(db, i.id).await?, lang).await?;
    Ok(Receipt {
        unit_name: i.name,
        filing_code: i.code,
        credit_code: i.credit_code,
        registered_address: i.registered_address,
        office_address: i.office_address,
        legal_representative: i.legal_representative,
        scope,
        valid_from: i.valid_from,
        valid_until: i.valid_until,
        bureau_opinion: i.bureau_opinion,
        date: i.decided_on,
        issued_by: "重庆市人力资源和社会保障局".into(),
    })
}

/// Whether the caller may see this institution (R38): bureau and centre all, a district its own,
/// a school its own, an expert none.
pub fn may_see(caller: &Caller, i: &institution::Model) -> bool {
    match caller.role {
        Role::Bureau | Role::Centre => true,
        Role::District => caller.user.district_code.as_deref() == Some(i.district_code.as_str()),
        Role::School => caller.user.school_id == Some(i.school_id),
        Role::Expert => false,
    }
}

/// Loads an institution the caller may see (404 otherwise).
pub async fn load(
    db: &impl persistence::ConnectionTrait,
    caller: &Caller,
    id: Uuid,
) -> Result<institution::Model, ApiError> {
    repo::institution::find(db, id).await?.filter(|i| may_see(caller, i)).ok_or_else(ApiError::not_found)
}
