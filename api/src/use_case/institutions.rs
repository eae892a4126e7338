//! Evaluation institutions (评价机构): their lifecycle (suspension, reinstatement, cancellation,
//! R12, R13) and mergers (R14).

use super::Change;
use crate::error::{ApiError, FieldError};
use crate::i18n::{Name, Problem, Rule};
use crate::views::institution::status_on;
use chrono::NaiveDate;
use domain::institution::{LifecycleAction, StoredStatus, lifecycle};
use domain::{InstitutionCode, Serial, retired};
use persistence::entity::{institution, institution_scope, school};
use persistence::repo;
use persistence::sea_orm::ActiveValue::Set;
use uuid::Uuid;

/// The code of a stored institution.
fn stored_code(i: &institution::Model) -> Result<InstitutionCode, ApiError> {
    InstitutionCode::parse(&i.code).map_err(|e| ApiError::internal(format!("stored institution code: {e}")))
}

/// Retires `code` in the retired-code store; a code already retired is an invariant broken (the
/// lifecycle lets an institution be cancelled or merged once).
async fn retire(change: &Change, code: InstitutionCode, why: &retired::Retirement) -> Result<(), ApiError> {
    if repo::institution::retire_code(change.db(), code, why, change.now()).await? {
        Ok(())
    } else {
        Err(ApiError::internal(format!("code {code} was not in service")))
    }
}

/// Suspends, reinstates or cancels institution `id` for `reason`.
pub async fn change_status(
    change: &mut Change,
    id: Uuid,
    action: LifecycleAction,
    reason: &str,
) -> Result<institution::Model, ApiError> {
    let current = repo::institution::find(change.db(), id).await?.ok_or_else(ApiError::not_found)?;
    apply_lifecycle(change, current, action, reason).await
}

/// Suspends, reinstates or cancels `current` within the change, with its audit and outbox events
/// (a cancellation retires the code, R13). 409 when its status does not allow it.
pub async fn apply_lifecycle(
    change: &mut Change,
    current: institution::Model,
    action: LifecycleAction,
    reason: &str,
) -> Result<institution::Model, ApiError> {
    let (today, now) = (change.today(), change.now());
    let id = current.id;
    let status = status_on(&current, today)?;
    let next = lifecycle(status, action).map_err(|st| {
        ApiError::new(Problem::InstitutionNotActive)
            .with_name("status", Name::Code("institution_status", st.code()))
    })?;
    if action == LifecycleAction::Cancel {
        let (code, why) = retired::on_cancellation(stored_code(&current)?, reason);
        retire(change, code, &why).await?;
    }
    let version = current.version;
    let code = current.code.clone();
    let mut m: institution::ActiveModel = current.into();
    m.status = Set(next.code().into());
    m.status_reason = Set(Some(reason.to_owned()));
    let saved = repo::institution::save(change.db(), m, version, now).await?;
    let event = match action {
        LifecycleAction::Suspend => "institution.suspended",
        LifecycleAction::Reinstate => "institution.reinstated",
        _ => "institution.cancelled",
    };
    crate::outbox::institution_event(change.db(), event, &saved, None, now).await?;
    change.record(
        event,
        ("institution", id.to_string()),
        serde_json::json!({"code": code, "reason": reason}),
    );
    Ok(saved)
}

/// A merger decided by the bureau, its fields checked: the institutions merged (sorted, no
/// duplicates), the school that runs the new one, its name, validity and the bureau's opinion.
pub struct Merger {
    pub ids: Vec<Uuid>,
    pub school: school::Model,
    pub name: String,
    pub valid_until: NaiveDate,
    pub opinion: String,
}

/// Merges institutions into a new one with a new code (R14): the scope is the union of theirs,
/// each merged one is cancelled, its code retired with the new code as successor, and the
/// lineage recorded.
pub async fn merge(change: &mut Change, m: Merger) -> Result<institution::Model, ApiError> {
    let Merger { ids, school, name, valid_until, opinion } = m;
    let (today, now) = (change.today(), change.now());
    let mut merged = Vec::new();
    for id in &ids {
        let i = repo::institution::find(change.db(), *id).await?.ok_or_else(ApiError::not_found)?;
        lifecycle(status_on(&i, today)?, LifecycleAction::Merge).map_err(|st| {
            ApiError::new(Problem::InstitutionNotActive)
                .with_name("status", Name::Code("institution_status", st.code()))
        })?;
        merged.push(i);
    }
    // The running school may not keep another live institution besides the merged ones.
    if let Some(live) = repo::institution::live_of_school(change.db(), school.id).await?
        && !ids.contains(&live.id)
    {
        return Err(ApiError::validation(vec![FieldError::new("school_id", Rule::AlreadyFiled)]));
    }
    let serial = repo::institution::allocate_serial(change.db())
        .await?
        .ok_or_else(|| ApiError::new(Problem::SerialsExhausted))?;
    let serial = Serial::new(serial).ok_or_else(|| ApiError::internal("counter outside 1..=999999"))?;
    let successor = InstitutionCode::from_serial(serial);
    let code = successor.to_string();
    repo::institution::register_code(change.db(), successor, now).await?;
    let new_id = Uuid::now_v7();
    let mut scope: Vec<institution_scope::Model> = Vec::new();
    for i in &merged {
        for r in repo::institution::scope(change.db(), i.id).await? {
            if !scope.iter().any(|x| {
                x.occupation_code == r.occupation_code && x.work_type == r.work_type && x.level == r.level
            }) {
                scope.push(institution_scope::Model { institution_id: new_id, ..r });
            }
        }
    }
    // The merged institutions are cancelled before the new one is inserted: the receiving
    // school's own institution may be among them, and a school has one live institution
    // (institutions_one_live_per_school).
    let first_filing = merged[0].filing_id;
    let mut cancelled = Vec::new();
    for i in merged {
        let version = i.version;
        let mut m: institution::ActiveModel = i.into();
        m.status = Set(StoredStatus::Cancelled.code().into());
        m.status_reason = Set(Some(format!("merged into {code}")));
        cancelled.push(repo::institution::save(change.db(), m, version, now).await?);
    }
    let created = repo::institution::insert(
        change.db(),
        institution::Model {
            id: new_id,
            code: code.clone(),
            school_id: school.id,
            name,
            credit_code: school.credit_code.clone(),
            registered_address: school.registered_address.clone(),
            office_address: school.office_address.clone(),
            legal_representative: school.legal_representative.clone(),
            district_code: school.district_code.clone(),
            status: StoredStatus::Active.code().into(),
            status_reason: None,
            valid_from: today,
            valid_until,
            filing_id: first_filing,
            bureau_opinion: opinion.clone(),
            decided_on: today,
            version: 1,
            created_at: now,
            updated_at: now,
        },
        scope,
    )
    .await?;
    // Rows first, audit events last: the audit chain head is locked by each append, so taking it
    // before other row locks could deadlock with a concurrent change of one of these rows.
    let codes = cancelled.iter().map(stored_code).collect::<Result<Vec<_>, _>>()?;
    let retirements = retired::on_merger(&codes, successor)
        .map_err(|e| ApiError::internal(format!("merger retirements: {e:?}")))?;
    let mut merged_codes = Vec::new();
    for (saved, (old, why)) in cancelled.into_iter().zip(retirements) {
        retire(change, old, &why).await?;
        repo::institution::record_merger(change.db(), saved.id, new_id, now).await?;
        merged_codes.push((saved.id, saved.code.clone()));
        crate::outbox::institution_event(change.db(), "institution.merged", &saved, Some(code.clone()), now)
            .await?;
    }
    crate::outbox::institution_event(change.db(), "institution.filed", &created, None, now).await?;
    for (old_id, old_code) in merged_codes {
        change.record(
            "institution.merged",
            ("institution", old_id.to_string()),
            serde_json::json!({"code": old_code, "successor_code": code}),
        );
    }
    change.record(
        "institution.filed",
        ("institution", new_id.to_string()),
        serde_json::json!({"code": code, "merger_of": ids}),
    );
    Ok(created)
}
