//! Filing applications (备案申请, notice 三): the school's draft, its document and attachments
//! and its submission; the bureau's acceptance, return and assignment of experts; the experts'
//! technical evaluations. The bureau's decision is in [`decision`], the submission rules'
//! facts in [`submission`].

pub mod decision;
pub mod submission;

use super::Change;
use crate::error::{ApiError, FieldError};
use crate::i18n::{Name, Problem, Rule};
use crate::views::filing::EvaluationFindings;
use crate::views::filing::document::FilingDocument;
use domain::filing::{FilingAction, FilingStatus, transition};
use persistence::entity::{attachment, filing, filing_evaluation};
use persistence::repo;
use persistence::sea_orm::ActiveValue::Set;
use uuid::Uuid;

/// The workflow applied to a stored application: its next status, or 409 naming the current one.
pub fn next_status(f: &filing::Model, action: FilingAction) -> Result<FilingStatus, ApiError> {
    transition(filing_status(f)?, action).map_err(wrong_status)
}

/// The stored status of `f`.
fn filing_status(f: &filing::Model) -> Result<FilingStatus, ApiError> {
    FilingStatus::from_code(&f.status).ok_or_else(|| ApiError::internal("unknown filing status in database"))
}

/// 409 naming the action and the status that forbids it.
fn wrong_status(e: domain::filing::WrongStatus) -> ApiError {
    ApiError::new(Problem::WrongStatus)
        .with_name("action", Name::Code("filing_action", e.action.code()))
        .with_name("status", Name::Code("filing_status", e.current.code()))
}

/// Reads application `id` in the change and checks that `action` may move it.
async fn reload(
    change: &Change,
    id: Uuid,
    action: FilingAction,
) -> Result<(filing::Model, FilingStatus), ApiError> {
    let current = repo::filing::find(change.db(), id).await?.ok_or_else(ApiError::not_found)?;
    let next = next_status(&current, action)?;
    Ok((current, next))
}

/// Saves `m` (read at `version`) and records `action` on the application with `summary`.
async fn save(
    change: &mut Change,
    m: filing::ActiveModel,
    version: i32,
    action: &'static str,
    summary: serde_json::Value,
) -> Result<filing::Model, ApiError> {
    let saved = repo::filing::save(change.db(), m, version, change.now()).await?;
    change.record(action, ("filing", saved.id.to_string()), summary);
    Ok(saved)
}

/// Starts school `school_id`'s application of `kind`: `initial`, `renewal` of its live
/// institution (which keeps its code), or `change` (变更备案) of it. The draft's basic
/// information is filled from the school's registration (the institution's name for a
/// renewal); a change starts from the institution's record and its filed document (see
/// [`change_draft`]). A school has at most one open application.
pub async fn open(change: &mut Change, school_id: Uuid, kind: &str) -> Result<filing::Model, ApiError> {
    if !matches!(kind, "initial" | "renewal" | "change") {
        return Err(ApiError::validation(vec![
            FieldError::new("kind", Rule::NotOneOf).with("allowed", "initial, renewal, change"),
        ]));
    }
    let now = change.now();
    let s = repo::school::find(change.db(), school_id).await?.ok_or_else(ApiError::not_found)?;
    if !repo::filing::open_of_school(change.db(), school_id).await?.is_empty() {
        return Err(
            ApiError::new(Problem::AlreadyExists).with_name("what", Name::Code("filing_kind", "initial"))
        );
    }
    let live = repo::institution::live_of_school(change.db(), school_id).await?;
    let institution_id = match (kind, &live) {
        ("renewal" | "change", Some(i)) => Some(i.id),
        ("renewal" | "change", None) => {
            return Err(ApiError::validation(vec![FieldError::new("kind", Rule::UnknownInstitution)]));
        }
        (_, Some(_)) => {
            return Err(ApiError::validation(vec![FieldError::new("kind", Rule::AlreadyFiled)]));
        }
        _ => None,
    };
    let mut doc = FilingDocument::default();
    doc.basic.name = Some(live.as_ref().map_or_else(|| s.name.clone(), |i| i.name.clone()));
    doc.basic.registered_address = Some(s.registered_address.clone());
    doc.basic.office_address = Some(s.office_address.clone());
    doc.basic.credit_code = Some(s.credit_code.clone());
    doc.basic.old_station_code = s.old_station_code.clone();
    doc.basic.legal_representative = Some(s.legal_representative.clone());
    doc.basic.legal_representative_position = s.legal_representative_position.clone();
    doc.basic.contact_name = s.contact_name.clone();
    doc.basic.email = s.email.clone();
    let id = Uuid::now_v7();
    let (document, carried) = match (kind, &live) {
        ("change", Some(i)) => change_draft(change, i, id).await?,
        _ => (serde_json::to_value(&doc).map_err(ApiError::internal)?, Vec::new()),
    };
    let saved = repo::filing::insert(
        change.db(),
        filing::Model {
            id,
            school_id,
            kind: kind.to_owned(),
            institution_id,
            status: FilingStatus::Draft.code().into(),
            round: 1,
            document,
            submitted_at: None,
            decided_at: None,
            decision_opinion: None,
            valid_until: None,
            version: 1,
            created_at: now,
            updated_at: now,
            withdrawn_at: None,
            withdrawal_reason: None,
            scope_added: None,
        },
    )
    .await?;
    for a in carried {
        repo::filing::insert_attachment(change.db(), a).await?;
    }
    change.record("filing.created", ("filing", saved.id.to_string()), serde_json::json!({"kind": kind}));
    Ok(saved)
}

/// The draft of a change filing `filing_id` of institution `i` (active or suspended; an expired
/// one renews instead, 409): the document the institution was filed with, with its name,
/// addresses and legal representative as they stand, so that the school changes only what
/// changed. The people's signed agreements are carried over (the new attachment records of the
/// same stored files are answered, to be written once the application is); the commitment is
/// signed anew.
async fn change_draft(
    change: &mut Change,
    i: &persistence::entity::institution::Model,
    filing_id: Uuid,
) -> Result<(serde_json::Value, Vec<attachment::Model>), ApiError> {
    use domain::institution::LifecycleAction;
    crate::use_case::institutions::lifecycle_on(i, change.today(), LifecycleAction::Change)?;
    let filed = repo::filing::find(change.db(), i.filing_id).await?.ok_or_else(ApiError::not_found)?;
    let mut doc: FilingDocument = serde_json::from_value(filed.document).map_err(ApiError::internal)?;
    doc.basic.name = Some(i.name.clone());
    doc.basic.registered_address = Some(i.registered_address.clone());
    doc.basic.office_address = Some(i.office_address.clone());
    doc.basic.legal_representative = Some(i.legal_representative.clone());
    doc.commitment = Default::default();
    let mut carried = Vec::new();
    for a in repo::filing::attachments(change.db(), filed.id).await? {
        if a.purpose != "commitment" {
            carried.push((
                a.id,
                attachment::Model { id: Uuid::now_v7(), filing_id, created_at: change.now(), ..a },
            ));
        }
    }
    for agreement in doc.agreements_mut() {
        if let Some(old) = *agreement {
            *agreement = carried.iter().find(|(from, _)| *from == old).map(|(_, copy)| copy.id);
        }
    }
    let document = serde_json::to_value(&doc).map_err(ApiError::internal)?;
    Ok((document, carried.into_iter().map(|(_, copy)| copy).collect()))
}

/// Replaces the document of application `id` (formats checked by the caller), if `if_match`
/// is its ETag (or `*`) and it is still editable.
pub async fn save_document(
    change: &mut Change,
    id: Uuid,
    if_match: &str,
    doc: &FilingDocument,
) -> Result<filing::Model, ApiError> {
    let mut document = serde_json::to_value(doc).map_err(ApiError::internal)?;
    // The people's ID numbers are stored sealed (persistence::sealed), as everywhere.
    crate::views::mask::seal_document_id_numbers(&mut document, change.data_key());
    let current = repo::filing::find(change.db(), id).await?.ok_or_else(ApiError::not_found)?;
    if if_match.trim() != "*" && if_match.trim() != crate::views::filing::etag(current.version) {
        return Err(ApiError::new(Problem::PreconditionFailed));
    }
    next_status(&current, FilingAction::Edit)?;
    let version = current.version;
    let mut m: filing::ActiveModel = current.into();
    m.document = Set(document);
    let summary = serde_json::json!({"occupations": doc.occupations.len(), "examiners": doc.examiners.len()});
    save(change, m, version, "filing.document_saved", summary).await
}

/// Submits application `id`: every rule of the notice is checked and every violation reported
/// at once (422, see [`submission::check`]); the round's document is kept.
pub async fn submit(change: &mut Change, id: Uuid) -> Result<filing::Model, ApiError> {
    let (current, next) = reload(change, id, FilingAction::Submit).await?;
    let s = repo::school::find(change.db(), current.school_id).await?.ok_or_else(ApiError::not_found)?;
    let errors = submission::check(change.db(), &current, &s, change.today(), change.data_key()).await?;
    if !errors.is_empty() {
        let count = errors.len();
        return Err(ApiError { errors, ..ApiError::new(Problem::SubmissionIncomplete) }.with("count", count));
    }
    let now = change.now();
    repo::filing::insert_round(change.db(), current.id, current.round, current.document.clone(), now).await?;
    // A change filing: what it adds to the scope decides whether experts evaluate it.
    let scope_added = match (current.kind.as_str(), current.institution_id) {
        ("change", Some(institution_id)) => {
            let doc: FilingDocument =
                serde_json::from_value(current.document.clone()).map_err(ApiError::internal)?;
            Some(decision::scope_added(change.db(), institution_id, &doc).await?)
        }
        _ => None,
    };
    let (version, round) = (current.version, current.round);
    let mut m: filing::ActiveModel = current.into();
    m.status = Set(next.code().into());
    m.submitted_at = Set(Some(now));
    let summary = serde_json::json!({"round": round, "scope_added": scope_added});
    m.scope_added = Set(scope_added);
    save(change, m, version, "filing.submitted", summary).await
}

/// Accepts submitted application `id` for evaluation.
pub async fn accept(change: &mut Change, id: Uuid) -> Result<filing::Model, ApiError> {
    let (current, next) = reload(change, id, FilingAction::Accept).await?;
    let version = current.version;
    let mut m: filing::ActiveModel = current.into();
    m.status = Set(next.code().into());
    save(change, m, version, "filing.accepted", serde_json::json!({})).await
}

/// Withdraws application `id` for its school with `reason`, before the bureau decides (409
/// after): it stays on record, no longer open, and the school may start another.
pub async fn withdraw(change: &mut Change, id: Uuid, reason: &str) -> Result<filing::Model, ApiError> {
    let (current, next) = reload(change, id, FilingAction::Withdraw).await?;
    let (version, from) = (current.version, current.status.clone());
    let mut m: filing::ActiveModel = current.into();
    m.status = Set(next.code().into());
    m.withdrawn_at = Set(Some(change.now()));
    m.withdrawal_reason = Set(Some(reason.to_owned()));
    save(change, m, version, "filing.withdrawn", serde_json::json!({"from": from, "reason": reason})).await
}

/// Returns application `id` to its school with `reasons`; its next submission starts a new round.
pub async fn return_to_school(
    change: &mut Change,
    id: Uuid,
    reasons: &str,
) -> Result<filing::Model, ApiError> {
    let (current, next) = reload(change, id, FilingAction::Return).await?;
    repo::filing::return_round(change.db(), current.id, current.round, reasons, change.now()).await?;
    let (version, round) = (current.version, current.round);
    let mut m: filing::ActiveModel = current.into();
    m.status = Set(next.code().into());
    m.round = Set(round + 1);
    let summary = serde_json::json!({"round": round, "reasons": reasons});
    save(change, m, version, "filing.returned", summary).await
}

/// Assigns `experts` (enabled `expert` accounts, checked by the caller) to accepted application
/// `id`, which is then under evaluation: each must be a registered expert valid today and not
/// employed by the applicant school (422 naming `expert_ids[i]`).
pub async fn assign_experts(
    change: &mut Change,
    id: Uuid,
    experts: &[Uuid],
) -> Result<filing::Model, ApiError> {
    let (current, next) = reload(change, id, FilingAction::AssignExperts).await?;
    // Only registered experts, valid today, never one employed by the applicant school (recusal).
    let errors =
        crate::use_case::personnel::expert_errors(change.db(), current.school_id, change.today(), experts)
            .await?;
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    for expert in experts {
        repo::filing::assign_expert(change.db(), current.id, *expert, change.now()).await?;
    }
    let version = current.version;
    let mut m: filing::ActiveModel = current.into();
    m.status = Set(next.code().into());
    save(change, m, version, "filing.experts_assigned", serde_json::json!({"expert_ids": experts})).await
}

/// Records the change's actor's technical evaluation of the current round of application `id`
/// (once per expert and round: 409 `already_evaluated`).
pub async fn evaluate(
    change: &mut Change,
    id: Uuid,
    findings: &EvaluationFindings,
    recommendation: &str,
) -> Result<filing::Model, ApiError> {
    let expert_id = change.actor_id().ok_or_else(|| ApiError::internal("an evaluation is by an expert"))?;
    let (current, next) = reload(change, id, FilingAction::Evaluate).await?;
    let already = repo::filing::evaluations(change.db(), current.id)
        .await?
        .iter()
        .any(|e| e.expert_id == expert_id && e.round == current.round);
    if already {
        return Err(ApiError::new(Problem::AlreadyEvaluated));
    }
    repo::filing::insert_evaluation(
        change.db(),
        filing_evaluation::Model {
            id: Uuid::now_v7(),
            filing_id: current.id,
            expert_id,
            round: current.round,
            findings: serde_json::to_value(findings).map_err(ApiError::internal)?,
            recommendation: recommendation.to_owned(),
            created_at: change.now(),
        },
    )
    .await?;
    let (version, round) = (current.version, current.round);
    let mut m: filing::ActiveModel = current.into();
    m.status = Set(next.code().into());
    let summary = serde_json::json!({"round": round, "recommendation": recommendation});
    save(change, m, version, "filing.evaluated", summary).await
}

/// Records attachment `a` (its file already stored) on its application, if the application is
/// still editable; the application's version moves on, so that a concurrent submission notices.
pub async fn attach(change: &mut Change, a: attachment::Model) -> Result<filing::Model, ApiError> {
    let current = repo::filing::find(change.db(), a.filing_id).await?.ok_or_else(ApiError::not_found)?;
    next_status(&current, FilingAction::Edit)?;
    let version = current.version;
    let bumped = repo::filing::save(change.db(), current.into(), version, change.now()).await?;
    let saved = repo::filing::insert_attachment(change.db(), a).await?;
    change.record(
        "filing.attachment_uploaded",
        ("filing", saved.filing_id.to_string()),
        serde_json::json!({"attachment_id": saved.id, "purpose": saved.purpose, "sha256": saved.sha256, "size_bytes": saved.size_bytes}),
    );
    Ok(bumped)
}
