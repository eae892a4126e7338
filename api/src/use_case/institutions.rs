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

/// The stored status institution `i` has after `action` today, or 409 naming the status that
/// forbids the action (R12, R13).
pub fn lifecycle_on(
    i: &institution::Model,
    today: NaiveDate,
    action: LifecycleAction,
) -> Result<StoredStatus, ApiError> {
    lifecycle(status_on(i, today)?, action).map_err(|st| {
        ApiError::new(Problem::InstitutionNotActive)
            .with_name("status", Name::Code("institution_status", st.code()))
    })
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
    let next = lifecycle_on(&current, today, action)?;
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
    /// The institutions as the request listed them (`institution_ids[i]` in errors).
    pub named: Vec<Uuid>,
    pub school: school::Model,
    pub name: String,
    pub valid_until: NaiveDate,
    pub opinion: String,
    /// Rows of the merged scope the bureau drops (occupation code, work type or empty, level),
    /// as the request listed them (`drop_scope[k]`).
    pub drop: Vec<(String, String, String)>,
}

/// One row of the merged scope: the row, where the request can find it (the first merged
/// institution's scope that has it), and the majors it was filed under.
struct MergedRow {
    row: institution_scope::Model,
    at: String,
    majors: Vec<String>,
}

/// The filing document an institution was filed on, if it still reads as one, its people's ID
/// numbers opened (R4 tells examiners apart by them; sealed, the same person never compares
/// equal twice).
async fn filed_document(
    db: &impl persistence::ConnectionTrait,
    filing_id: Uuid,
    data_key: &persistence::sealed::DataKey,
) -> Result<Option<crate::views::filing::document::FilingDocument>, ApiError> {
    Ok(repo::filing::find(db, filing_id).await?.and_then(|f| {
        let mut document = f.document;
        crate::views::mask::open_id_numbers(&mut document, data_key);
        serde_json::from_value(document).ok()
    }))
}

/// R14: the merged scope, less the rows the bureau drops, re-checked for the receiving school
/// against R1–R4 (`domain::filing::check_merger`). Every failing row is named
/// (`institution_ids[i].scope[j]`, as `GET /institutions/{id}` lists it) and the merger refused,
/// unless those rows are in `drop`.
async fn merged_scope(
    db: &impl persistence::ConnectionTrait,
    merged: &[institution::Model],
    m: &Merger,
    new_id: Uuid,
    data_key: &persistence::sealed::DataKey,
) -> Result<Vec<institution_scope::Model>, ApiError> {
    use domain::filing::{MergedRowFacts, MergerFacts, check_merger};
    let key =
        |r: &institution_scope::Model| (r.occupation_code.clone(), r.work_type.clone(), r.level.clone());
    let mut rows: Vec<MergedRow> = Vec::new();
    let (mut examiners, mut preparatory) = (Vec::new(), Vec::new());
    for i in merged {
        let doc = filed_document(db, i.filing_id, data_key).await?;
        let pos = m.named.iter().position(|x| *x == i.id).unwrap_or_default();
        for (j, r) in repo::institution::scope(db, i.id).await?.into_iter().enumerate() {
            let majors: Vec<String> = doc
                .iter()
                .flat_map(|d| &d.occupations)
                .filter(|o| {
                    o.occupation_code.as_deref() == Some(r.occupation_code.as_str())
                        && o.level.as_deref() == Some(r.level.as_str())
                        && o.work_type.as_deref().unwrap_or("").trim() == r.work_type
                })
                .filter_map(|o| o.major.clone())
                .collect();
            match rows.iter_mut().find(|x| key(&x.row) == key(&r)) {
                Some(x) => x.majors.extend(majors),
                None => rows.push(MergedRow {
                    row: institution_scope::Model { institution_id: new_id, ..r },
                    at: format!("institution_ids[{pos}].scope[{j}]"),
                    majors,
                }),
            }
        }
        if let Some(d) = &doc {
            examiners.extend(crate::use_case::filings::submission::examiner_facts(d));
            if i.school_id == m.school.id {
                let with_class = d.majors.iter().filter(|x| x.preparatory_technician_class);
                preparatory.extend(with_class.filter_map(|x| x.name.clone()));
            }
        }
    }
    let mut errors = Vec::new();
    for (k, (code, work_type, level)) in m.drop.iter().enumerate() {
        match rows.iter().position(|x| key(&x.row) == (code.clone(), work_type.clone(), level.clone())) {
            Some(p) => {
                rows.remove(p);
            }
            None => errors.push(
                FieldError::new(format!("drop_scope[{k}]"), Rule::OutsideScope)
                    .with("code", code)
                    .with("level", level),
            ),
        }
    }
    if rows.is_empty() && errors.is_empty() {
        errors.push(FieldError::new("drop_scope", Rule::EmptyScope));
    }
    let confirmed = repo::occupation::confirmed_access_codes(db).await?;
    let mut names = std::collections::HashMap::new();
    let mut facts_rows = Vec::new();
    for x in &rows {
        let code = x.row.occupation_code.clone();
        if !names.contains_key(&code) {
            let name = repo::occupation::find(db, &code).await?.map(|o| o.name);
            names.insert(code.clone(), name);
        }
        let level =
            x.row.level.parse::<domain::Level>().map_err(|()| ApiError::internal("stored scope level"))?;
        facts_rows.push(MergedRowFacts {
            access_type: confirmed.contains(&code),
            occupation_code: code,
            level,
            majors: x.majors.clone(),
        });
    }
    let facts = MergerFacts {
        school_type: domain::SchoolType::from_code(&m.school.school_type)
            .ok_or_else(|| ApiError::internal("bad school type"))?,
        rows: facts_rows,
        preparatory_majors: preparatory,
        examiners,
    };
    for (i, v) in check_merger(&facts) {
        errors.push(crate::use_case::filings::submission::field_error(rows[i].at.clone(), v, &names));
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    Ok(rows.into_iter().map(|x| x.row).collect())
}

/// Merges institutions into a new one with a new code (R14): the scope is the union of theirs,
/// re-checked for the receiving school (R1–R4) less the rows the bureau drops (recorded in the
/// audit event), each merged one is cancelled, its code retired with the new code as successor,
/// and the lineage recorded.
pub async fn merge(change: &mut Change, m: Merger) -> Result<institution::Model, ApiError> {
    let (today, now) = (change.today(), change.now());
    let mut merged = Vec::new();
    for id in &m.ids {
        let i = repo::institution::find(change.db(), *id).await?.ok_or_else(ApiError::not_found)?;
        lifecycle_on(&i, today, LifecycleAction::Merge)?;
        merged.push(i);
    }
    // The running school may not keep another live institution besides the merged ones.
    if let Some(live) = repo::institution::live_of_school(change.db(), m.school.id).await?
        && !m.ids.contains(&live.id)
    {
        return Err(ApiError::validation(vec![FieldError::new("school_id", Rule::AlreadyFiled)]));
    }
    let new_id = Uuid::now_v7();
    let scope = merged_scope(change.db(), &merged, &m, new_id, change.data_key()).await?;
    let Merger { ids, school, name, valid_until, opinion, drop, .. } = m;
    let serial = repo::institution::allocate_serial(change.db())
        .await?
        .ok_or_else(|| ApiError::new(Problem::SerialsExhausted))?;
    let serial = Serial::new(serial).ok_or_else(|| ApiError::internal("counter outside 1..=999999"))?;
    let successor = InstitutionCode::from_serial(serial);
    let code = successor.to_string();
    repo::institution::register_code(change.db(), successor, now).await?;
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
        serde_json::json!({
            "code": code,
            "merger_of": ids,
            "dropped_scope": drop
                .iter()
                .map(|(c, w, l)| serde_json::json!({"occupation_code": c, "work_type": w, "level": l}))
                .collect::<Vec<_>>(),
        }),
    );
    Ok(created)
}
