//! Basis standards (R5, R6): national occupational skill standards, and the industry or
//! enterprise evaluation norms filed for an occupation and level (one per occupation and level,
//! unless the bureau records why a second is needed).

use super::Change;
use crate::error::{ApiError, FieldError};
use crate::i18n::{Name, Problem, Rule};
use crate::validate::{self, Errors};
use chrono::NaiveDate;
use domain::Level;
use persistence::entity::standard;
use persistence::repo;
use persistence::sea_orm::TransactionTrait as _;
use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

/// A standard to register.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct NewStandard {
    #[schema(example = "6-18-01-01")]
    pub occupation_code: String,
    /// `national_standard` or `evaluation_norm`.
    #[schema(example = "national_standard")]
    #[validate(custom(function = "validate::standard_kind"))]
    pub kind: String,
    #[schema(example = "车工国家职业技能标准（2018年版）")]
    #[validate(custom(function = "validate::line::<200>"))]
    pub title: String,
    #[schema(value_type = Vec<crate::schemas::LevelCodeSchema>, example = json!(["3", "4", "5"]))]
    #[validate(custom(function = "validate::levels"))]
    pub levels: Vec<String>,
    /// Required for an evaluation norm.
    #[validate(custom(function = "validate::line::<100>"))]
    pub filing_reference: Option<String>,
    /// Required for an evaluation norm.
    pub filing_date: Option<NaiveDate>,
    /// Bureau only: registers a second evaluation norm for an occupation and level that has one,
    /// recording why (R6).
    #[validate(custom(function = "validate::line::<1000>"))]
    pub override_reason: Option<String>,
}

/// Registers standard `s` (an `override_reason` only from the bureau: checked by the caller).
/// Answers it with its levels.
pub async fn register(
    change: &mut Change,
    s: &NewStandard,
    found: Errors,
) -> Result<(standard::Model, Vec<String>), ApiError> {
    let mut errors = found;
    let occupation = repo::occupation::find(change.db(), &s.occupation_code).await?;
    if occupation.is_none() {
        errors.push(
            FieldError::new("occupation_code", Rule::UnknownOccupation).with("code", &s.occupation_code),
        );
    }
    let title = validate::trimmed(&s.title);
    // Levels that are no levels are among the body's violations (`found`) already.
    let levels: Vec<String> =
        s.levels.iter().filter_map(|l| l.parse::<Level>().ok()).map(|l| l.code().to_owned()).collect();
    let reference = validate::trimmed_opt(&s.filing_reference);
    if s.kind == "evaluation_norm" && (reference.is_none() || s.filing_date.is_none()) {
        errors.push(FieldError::new("filing_reference", Rule::NormNeedsFiling));
    }
    let override_reason = validate::trimmed_opt(&s.override_reason);
    errors.finish()?;
    // R6: one norm per occupation and level. This read gives the friendly answer; the unique
    // index `standard_levels_one_norm` is the check that holds when two requests race.
    let norm_exists = |existing: &[persistence::entity::standard_level::Model]| -> ApiError {
        match existing.first().map(|n| n.level.parse::<Level>()) {
            Some(Ok(level)) => ApiError::new(Problem::NormExists)
                .with("occupation", &s.occupation_code)
                .with_name("level", Name::Level(level)),
            _ => ApiError::internal("bad level in database"),
        }
    };
    if s.kind == "evaluation_norm" && override_reason.is_none() {
        let existing = repo::standard::norms_covering(change.db(), &s.occupation_code, &levels).await?;
        if !existing.is_empty() {
            return Err(norm_exists(&existing));
        }
    }
    let new = repo::standard::NewStandard {
        occupation_code: s.occupation_code.clone(),
        kind: s.kind.clone(),
        title,
        levels: levels.clone(),
        filing_reference: reference,
        filing_date: s.filing_date,
        override_reason: override_reason.clone(),
    };
    // Inside a savepoint: when a concurrent registration took the norm first, the failed insert
    // is undone alone and the norm that won can still be read in this change to name it.
    let attempt = change.db().begin().await?;
    let saved = match repo::standard::insert(&attempt, new, change.now()).await {
        Ok(saved) => {
            attempt.commit().await?;
            saved
        }
        Err(e) if e.is_conflict("standard_levels_one_norm") => {
            attempt.rollback().await?;
            let existing = repo::standard::norms_covering(change.db(), &s.occupation_code, &levels).await?;
            return Err(norm_exists(&existing));
        }
        Err(e) => return Err(e.into()),
    };
    change.record(
        "standard.registered",
        ("standard", saved.id.to_string()),
        serde_json::json!({"occupation_code": s.occupation_code, "kind": s.kind, "levels": levels, "override_reason": override_reason}),
    );
    Ok((saved, levels))
}

/// A correction of a standard's record (bureau): its title, and for an evaluation norm its filing
/// reference and date. A field left out stays as it is. The occupation, kind and levels are what
/// filings and plans were decided on: a standard registered with the wrong ones is withdrawn and
/// registered again.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct StandardCorrection {
    #[schema(example = "车工国家职业技能标准（2018年版）")]
    #[validate(custom(function = "validate::line::<200>"))]
    pub title: Option<String>,
    /// An evaluation norm's only.
    #[validate(custom(function = "validate::line::<100>"))]
    pub filing_reference: Option<String>,
    /// An evaluation norm's only.
    pub filing_date: Option<NaiveDate>,
}

/// The version of standard `s` for `ETag`/`If-Match`: a hash of what may change in it (its
/// record and its withdrawal).
pub fn etag(s: &standard::Model) -> String {
    crate::precondition::content_etag(&(&s.title, &s.filing_reference, &s.filing_date, &s.withdrawn_at))
}

/// Corrects standard `id` as `c` says, if `if_match` names its current version (428 without, 412
/// when stale; checked under the row's lock, so of two corrections from the same version one
/// passes). A filing reference or date for a national standard is refused (422
/// `not_for_national_standard` on the field). Unchanged: answered as it is, no event.
pub async fn correct(
    change: &mut Change,
    id: uuid::Uuid,
    if_match: Option<&str>,
    c: &StandardCorrection,
    found: Errors,
) -> Result<standard::Model, ApiError> {
    persistence::lock_row(change.db(), "standards", "id", id.into()).await?;
    let (current, _) = repo::standard::find(change.db(), id).await?.ok_or_else(ApiError::not_found)?;
    crate::precondition::matches(if_match, &etag(&current))?;
    let mut errors = found;
    if current.kind != "evaluation_norm" {
        for (given, field) in
            [(c.filing_reference.is_some(), "filing_reference"), (c.filing_date.is_some(), "filing_date")]
        {
            if given {
                errors.push(FieldError::new(field, Rule::NotForNationalStandard));
            }
        }
    }
    errors.finish()?;
    let title = c.title.as_ref().map(|t| validate::trimmed(t)).unwrap_or_else(|| current.title.clone());
    let reference = match &c.filing_reference {
        Some(r) => Some(validate::trimmed(r)),
        None => current.filing_reference.clone(),
    };
    let date = c.filing_date.or(current.filing_date);
    let mut changed = serde_json::Map::new();
    if title != current.title {
        changed.insert("title".into(), serde_json::json!({"from": current.title, "to": title}));
    }
    if reference != current.filing_reference {
        changed.insert(
            "filing_reference".into(),
            serde_json::json!({"from": current.filing_reference, "to": reference}),
        );
    }
    if date != current.filing_date {
        changed.insert("filing_date".into(), serde_json::json!({"from": current.filing_date, "to": date}));
    }
    if changed.is_empty() {
        return Ok(current);
    }
    repo::standard::correct(change.db(), id, &title, reference.as_deref(), date).await?;
    change.record("standard.corrected", ("standard", id.to_string()), serde_json::Value::Object(changed));
    repo::standard::find(change.db(), id).await?.map(|(s, _)| s).ok_or_else(ApiError::not_found)
}

/// Withdraws standard `id` with `reason` (bureau): it stays on record, with the institutions that
/// name it, but no new filing or plan may name it, and a withdrawn norm no longer blocks a new
/// one for its occupation and level (R6). 409 `already_withdrawn` the second time.
pub async fn withdraw(
    change: &mut Change,
    id: uuid::Uuid,
    reason: &str,
) -> Result<standard::Model, ApiError> {
    repo::standard::find(change.db(), id).await?.ok_or_else(ApiError::not_found)?;
    if !repo::standard::withdraw(change.db(), id, reason, change.now()).await? {
        return Err(ApiError::new(Problem::AlreadyWithdrawn));
    }
    let named: Vec<String> =
        repo::institution::naming_standard(change.db(), id).await?.into_iter().map(|i| i.code).collect();
    change.record(
        "standard.withdrawn",
        ("standard", id.to_string()),
        serde_json::json!({"reason": reason, "institutions": named}),
    );
    repo::standard::find(change.db(), id).await?.map(|(s, _)| s).ok_or_else(ApiError::not_found)
}
