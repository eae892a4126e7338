//! The bureau's decision on an application (R8, R11): approval allocates the next municipal
//! serial and creates the institution with its filing code and scope (R9, R10), a renewal keeps
//! the code, a change filing (变更备案) the code and the validity; rejection. Both only once an
//! expert has evaluated the current round, except for a change that adds nothing to the scope.

use super::{Change, filing_status, wrong_status};
use crate::error::{ApiError, FieldError};
use crate::i18n::{Problem, Rule};
use crate::use_case::institutions::lifecycle_on;
use crate::views::filing::document::FilingDocument;
use chrono::NaiveDate;
use domain::filing::{DecisionError, FilingAction, check_evaluated, check_validity, decision_transition};
use domain::institution::{LifecycleAction, StoredStatus};
use domain::{InstitutionCode, Serial};
use persistence::entity::{filing, institution, institution_scope, school};
use persistence::repo;
use persistence::sea_orm::ActiveValue::Set;
use uuid::Uuid;

/// The scope rows of an approved document (duplicates collapse).
fn scope_rows(institution_id: Uuid, doc: &FilingDocument) -> Vec<institution_scope::Model> {
    let mut rows: Vec<institution_scope::Model> = Vec::new();
    for r in &doc.occupations {
        let (Some(code), Some(level), Some(standard_id)) = (&r.occupation_code, &r.level, r.standard_id)
        else {
            continue;
        };
        let work_type = r.work_type.clone().unwrap_or_default().trim().to_owned();
        if rows.iter().any(|x| x.occupation_code == *code && x.work_type == work_type && x.level == *level) {
            continue;
        }
        rows.push(institution_scope::Model {
            institution_id,
            occupation_code: code.clone(),
            work_type,
            level: level.clone(),
            standard_id,
        });
    }
    rows
}

/// The scope entries of `doc` that institution `institution_id` does not hold yet, as a JSON
/// array of `{occupation_code, work_type, level}`: what a change filing adds, and why it goes
/// to experts.
pub async fn scope_added(
    db: &impl persistence::ConnectionTrait,
    institution_id: Uuid,
    doc: &FilingDocument,
) -> Result<serde_json::Value, ApiError> {
    let held = repo::institution::scope(db, institution_id).await?;
    let added = scope_rows(institution_id, doc)
        .into_iter()
        .filter(|r| {
            !held.iter().any(|h| {
                h.occupation_code == r.occupation_code && h.work_type == r.work_type && h.level == r.level
            })
        })
        .map(|r| serde_json::json!({"occupation_code": r.occupation_code, "work_type": r.work_type, "level": r.level}))
        .collect();
    Ok(serde_json::Value::Array(added))
}

/// What the bureau decided, and when.
struct Decision<'a> {
    valid_until: NaiveDate,
    opinion: &'a str,
    today: NaiveDate,
    now: chrono::DateTime<chrono::Utc>,
}

/// Creates the institution of an approved initial filing (inside the approving transaction).
async fn create_institution(
    tx: &impl persistence::ConnectionTrait,
    f: &filing::Model,
    s: &school::Model,
    doc: &FilingDocument,
    d: Decision<'_>,
) -> Result<institution::Model, ApiError> {
    let Decision { valid_until, opinion, today, now } = d;
    let serial = repo::institution::allocate_serial(tx)
        .await?
        .ok_or_else(|| ApiError::new(Problem::SerialsExhausted))?;
    let serial = Serial::new(serial).ok_or_else(|| ApiError::internal("counter outside 1..=999999"))?;
    let assigned = InstitutionCode::from_serial(serial);
    repo::institution::register_code(tx, assigned, now).await?;
    let code = assigned.to_string();
    let id = Uuid::now_v7();
    let basic = &doc.basic;
    let m = institution::Model {
        id,
        code,
        school_id: s.id,
        name: basic.name.clone().unwrap_or_else(|| s.name.clone()),
        credit_code: basic.credit_code.clone().unwrap_or_else(|| s.credit_code.clone()),
        registered_address: basic.registered_address.clone().unwrap_or_else(|| s.registered_address.clone()),
        office_address: basic.office_address.clone().unwrap_or_else(|| s.office_address.clone()),
        legal_representative: basic
            .legal_representative
            .clone()
            .unwrap_or_else(|| s.legal_representative.clone()),
        district_code: s.district_code.clone(),
        status: StoredStatus::Active.code().into(),
        status_reason: None,
        valid_from: today,
        valid_until,
        filing_id: f.id,
        bureau_opinion: opinion.to_owned(),
        decided_on: today,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    Ok(repo::institution::insert(tx, m, scope_rows(id, doc)).await?)
}

/// Checks that the bureau may decide application `current` with `action`: its status, and at
/// least one evaluation of the current round (R8) where one is required. Answers the next status.
async fn decidable(
    change: &Change,
    current: &filing::Model,
    action: FilingAction,
) -> Result<domain::filing::FilingStatus, ApiError> {
    let required = current.evaluation_required();
    let next = decision_transition(filing_status(current)?, action, required).map_err(wrong_status)?;
    if required {
        let evaluated = repo::filing::evaluations_in_round(change.db(), current.id, current.round).await?;
        check_evaluated(evaluated as usize).map_err(|_| ApiError::new(Problem::EvaluationRequired))?;
    }
    Ok(next)
}

/// The validity the bureau gave (R11): required for an initial filing or a renewal, within three
/// years; left out for a change filing (422 `validity_kept`), which keeps the institution's.
fn checked_validity(
    f: &filing::Model,
    today: NaiveDate,
    valid_until: Option<NaiveDate>,
) -> Result<Option<NaiveDate>, ApiError> {
    let invalid = |rule: Rule| ApiError::validation(vec![FieldError::new("valid_until", rule)]);
    match (f.kind.as_str(), valid_until) {
        ("change", None) => Ok(None),
        ("change", Some(_)) => Err(invalid(Rule::ValidityKept)),
        (_, None) => Err(invalid(Rule::Required)),
        (_, Some(until)) => match check_validity(today, until) {
            Ok(()) => Ok(Some(until)),
            Err(DecisionError::ValidityTooLong { latest }) => Err(ApiError::validation(vec![
                FieldError::new("valid_until", Rule::ValidityTooLong).with("latest", latest),
            ])),
            Err(_) => Err(invalid(Rule::ValidityNotAfterStart)),
        },
    }
}

/// Approves application `id` with `opinion` (checked by the caller), valid from today to
/// `valid_until` (at most 3 years, R11). An initial filing creates the institution with the next
/// serial's code, never reused; a renewal renews the institution, keeping its code; a change
/// filing changes it, keeping its code and validity (no `valid_until`). Answers the application
/// and the institution.
pub async fn approve(
    change: &mut Change,
    id: Uuid,
    valid_until: Option<NaiveDate>,
    opinion: &str,
) -> Result<(filing::Model, institution::Model), ApiError> {
    let (today, now) = (change.today(), change.now());
    let current = repo::filing::find(change.db(), id).await?.ok_or_else(ApiError::not_found)?;
    let valid_until = checked_validity(&current, today, valid_until)?;
    let next = decidable(change, &current, FilingAction::Approve).await?;
    let tx = change.db();
    let s = repo::school::find(tx, current.school_id).await?.ok_or_else(ApiError::not_found)?;
    let doc: FilingDocument = serde_json::from_value(current.document.clone()).map_err(ApiError::internal)?;
    if current.institution_id.is_none() && repo::institution::live_of_school(tx, s.id).await?.is_some() {
        return Err(ApiError::validation(vec![FieldError::new("school_id", Rule::AlreadyFiled)]));
    }
    let institution = match (current.institution_id, valid_until) {
        (None, Some(valid_until)) => {
            let d = Decision { valid_until, opinion, today, now };
            create_institution(tx, &current, &s, &doc, d).await?
        }
        (Some(existing), Some(valid_until)) => {
            renew(tx, existing, &current, &doc, Decision { valid_until, opinion, today, now }).await?
        }
        (Some(existing), None) => apply_change(tx, existing, &current, &doc, (opinion, today, now)).await?,
        (None, None) => return Err(ApiError::internal("an initial filing is approved with a validity")),
    };
    let version = current.version;
    let kind = current.kind.clone();
    let mut m: filing::ActiveModel = current.into();
    m.status = Set(next.code().into());
    m.decided_at = Set(Some(now));
    m.decision_opinion = Set(Some(opinion.to_owned()));
    m.valid_until = Set(Some(institution.valid_until));
    let saved = repo::filing::save(tx, m, version, now).await?;
    change.record(
        "filing.approved",
        ("filing", saved.id.to_string()),
        serde_json::json!({"institution_id": institution.id, "code": institution.code, "valid_until": valid_until, "kind": kind}),
    );
    let action = match kind.as_str() {
        "renewal" => "institution.renewed",
        "change" => "institution.changed",
        _ => "institution.filed",
    };
    crate::outbox::institution_event(change.db(), action, &institution, None, now).await?;
    change.record(
        action,
        ("institution", institution.id.to_string()),
        serde_json::json!({"code": institution.code, "name": institution.name, "valid_from": institution.valid_from, "valid_until": institution.valid_until}),
    );
    Ok((saved, institution))
}

/// Renews institution `id` from an approved renewal: active again, the new validity and scope,
/// the name of the document; 409 when its status does not allow a renewal.
async fn renew(
    tx: &impl persistence::ConnectionTrait,
    id: Uuid,
    f: &filing::Model,
    doc: &FilingDocument,
    d: Decision<'_>,
) -> Result<institution::Model, ApiError> {
    let inst = repo::institution::find(tx, id).await?.ok_or_else(ApiError::not_found)?;
    lifecycle_on(&inst, d.today, LifecycleAction::Renew)?;
    repo::institution::replace_scope(tx, inst.id, scope_rows(inst.id, doc)).await?;
    let version = inst.version;
    let mut m: institution::ActiveModel = inst.into();
    m.status = Set(StoredStatus::Active.code().into());
    m.valid_from = Set(d.today);
    m.valid_until = Set(d.valid_until);
    m.filing_id = Set(f.id);
    m.bureau_opinion = Set(d.opinion.to_owned());
    m.decided_on = Set(d.today);
    if let Some(name) = doc.basic.name.clone() {
        m.name = Set(name);
    }
    Ok(repo::institution::save(tx, m, version, d.now).await?)
}

/// Changes institution `id` from an approved change filing `f` (变更备案): the name, addresses and
/// legal representative of the document, its people (the document is the institution's filed
/// one from now on) and its scope; the code, the validity and the status stay. Certificates
/// already issued keep the name they were issued under (R39). 409 unless the institution is
/// active or suspended.
async fn apply_change(
    tx: &impl persistence::ConnectionTrait,
    id: Uuid,
    f: &filing::Model,
    doc: &FilingDocument,
    (opinion, today, now): (&str, NaiveDate, chrono::DateTime<chrono::Utc>),
) -> Result<institution::Model, ApiError> {
    persistence::lock_row(tx, "institutions", "id", id.into()).await?;
    let inst = repo::institution::find(tx, id).await?.ok_or_else(ApiError::not_found)?;
    let kept = lifecycle_on(&inst, today, LifecycleAction::Change)?;
    repo::institution::replace_scope(tx, inst.id, scope_rows(inst.id, doc)).await?;
    let version = inst.version;
    let basic = doc.basic.clone();
    let mut m: institution::ActiveModel = inst.into();
    m.status = Set(kept.code().into());
    m.filing_id = Set(f.id);
    m.bureau_opinion = Set(opinion.to_owned());
    m.decided_on = Set(today);
    if let Some(name) = basic.name {
        m.name = Set(name);
    }
    if let Some(address) = basic.registered_address {
        m.registered_address = Set(address);
    }
    if let Some(address) = basic.office_address {
        m.office_address = Set(address);
    }
    if let Some(person) = basic.legal_representative {
        m.legal_representative = Set(person);
    }
    Ok(repo::institution::save(tx, m, version, now).await?)
}

/// Rejects application `id` with `opinion` (checked by the caller).
pub async fn reject(change: &mut Change, id: Uuid, opinion: &str) -> Result<filing::Model, ApiError> {
    let current = repo::filing::find(change.db(), id).await?.ok_or_else(ApiError::not_found)?;
    let next = decidable(change, &current, FilingAction::Reject).await?;
    let version = current.version;
    let mut m: filing::ActiveModel = current.into();
    m.status = Set(next.code().into());
    m.decided_at = Set(Some(change.now()));
    m.decision_opinion = Set(Some(opinion.to_owned()));
    let saved = repo::filing::save(change.db(), m, version, change.now()).await?;
    change.record(
        "filing.rejected",
        ("filing", saved.id.to_string()),
        serde_json::json!({"opinion": opinion}),
    );
    Ok(saved)
}
