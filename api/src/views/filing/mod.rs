//! How a filing application (备案申请) is shown, and who may see it; its document (Annex 1–3).

pub mod document;

use crate::auth::Caller;
use crate::error::ApiError;
use crate::i18n::{self, Lang, Name};
use chrono::{DateTime, NaiveDate, Utc};
use document::mask_personal;
use domain::Role;
use persistence::entity::{filing, school};
use persistence::repo;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

/// An application with its history.
#[derive(Serialize, ToSchema)]
pub struct FilingView {
    pub id: Uuid,
    pub school_id: Uuid,
    pub school_name: String,
    /// `initial`, `renewal` or `change` (变更备案).
    #[schema(example = "initial")]
    pub kind: String,
    pub kind_name: String,
    /// For a renewal or a change: the institution renewed or changed.
    pub institution_id: Option<Uuid>,
    /// For a submitted change filing: the occupation × work type × level entries it adds to the
    /// institution's scope (`[]` when none). Null for other applications and unsubmitted drafts.
    #[schema(value_type = Option<Vec<ScopeEntry>>)]
    pub scope_added: Option<serde_json::Value>,
    /// Whether the bureau decides only after an expert evaluation (R8): false only for a change
    /// filing that adds nothing to the scope.
    pub evaluation_required: bool,
    /// `draft`, `submitted`, `accepted`, `under_evaluation`, `approved`, `rejected` or `returned`.
    #[schema(example = "draft")]
    pub status: String,
    pub status_name: String,
    /// The current round (1 + the number of times it was returned).
    pub round: i32,
    /// Annex 1–3. ID and phone numbers are masked for everyone but the school and the bureau.
    #[schema(value_type = document::FilingDocument)]
    pub document: serde_json::Value,
    pub submitted_at: Option<DateTime<Utc>>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decision_opinion: Option<String>,
    /// When and why the school withdrew it.
    pub withdrawn_at: Option<DateTime<Utc>>,
    pub withdrawal_reason: Option<String>,
    pub valid_until: Option<NaiveDate>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub experts: Vec<AssignedExpert>,
    pub evaluations: Vec<EvaluationView>,
    pub rounds: Vec<RoundView>,
    pub attachments: Vec<AttachmentView>,
}

/// One entry of an institution's scope, as a change filing adds it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScopeEntry {
    #[schema(example = "6-18-01-01")]
    pub occupation_code: String,
    /// Empty when the occupation has no work types.
    pub work_type: String,
    #[schema(example = "4")]
    pub level: String,
}

/// An expert assigned to an application.
#[derive(Debug, Serialize, ToSchema)]
pub struct AssignedExpert {
    pub id: Uuid,
    pub display_name: String,
    pub assigned_at: DateTime<Utc>,
}

/// An expert's technical evaluation.
#[derive(Debug, Serialize, ToSchema)]
pub struct EvaluationView {
    pub id: Uuid,
    pub expert_id: Uuid,
    pub round: i32,
    #[schema(value_type = EvaluationFindings)]
    pub findings: serde_json::Value,
    /// `approve`, `reject` or `revise`.
    pub recommendation: String,
    pub recommendation_name: String,
    pub created_at: DateTime<Utc>,
}

/// One submitted round.
#[derive(Debug, Serialize, ToSchema)]
pub struct RoundView {
    pub round: i32,
    pub submitted_at: DateTime<Utc>,
    pub returned_at: Option<DateTime<Utc>>,
    pub return_reasons: Option<String>,
}

/// An uploaded file.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttachmentView {
    pub id: Uuid,
    /// `commitment`, `agreement`, `legal_person_certificate` or `other`.
    pub purpose: String,
    pub file_name: String,
    pub media_type: String,
    pub size_bytes: i64,
    /// SHA-256 of the content, hex.
    pub sha256: String,
    pub created_at: DateTime<Utc>,
}

/// Whether the caller may see this application (404 otherwise).
pub async fn may_see(
    db: &impl persistence::ConnectionTrait,
    caller: &Caller,
    f: &filing::Model,
    s: &school::Model,
) -> Result<bool, ApiError> {
    Ok(match caller.role {
        Role::Bureau | Role::Centre => true,
        Role::School => caller.user.school_id == Some(f.school_id),
        Role::District => caller.user.district_code.as_deref() == Some(s.district_code.as_str()),
        Role::Expert => repo::filing::is_assigned(db, f.id, caller.id()).await?,
    })
}

/// Whether the caller sees ID and phone numbers in full.
pub fn sees_personal_data(caller: &Caller, f: &filing::Model) -> bool {
    caller.role == Role::Bureau || (caller.role == Role::School && caller.user.school_id == Some(f.school_id))
}

fn name_of(lang: Lang, group: &str, code: &str) -> String {
    i18n::group_code(group, code).map_or_else(|| code.to_owned(), |(g, c)| i18n::name(lang, Name::Code(g, c)))
}

/// Builds the full view.
pub async fn build(
    db: &impl persistence::ConnectionTrait,
    caller: &Caller,
    f: filing::Model,
    s: &school::Model,
    data_key: &persistence::sealed::DataKey,
    lang: Lang,
) -> Result<FilingView, ApiError> {
    // Stored sealed; opened here, and masked again for those who may not see them.
    let mut document = f.document.clone();
    crate::views::mask::open_id_numbers(&mut document, data_key);
    if !sees_personal_data(caller, &f) {
        mask_personal(&mut document);
    }
    let mut experts = Vec::new();
    for e in repo::filing::experts(db, f.id).await? {
        let name = repo::user::find(db, e.expert_id).await?.map(|u| u.display_name).unwrap_or_default();
        experts.push(AssignedExpert { id: e.expert_id, display_name: name, assigned_at: e.assigned_at });
    }
    let evaluations = repo::filing::evaluations(db, f.id)
        .await?
        .into_iter()
        .map(|e| EvaluationView {
            recommendation_name: name_of(lang, "recommendation", &e.recommendation),
            id: e.id,
            expert_id: e.expert_id,
            round: e.round,
            findings: e.findings,
            recommendation: e.recommendation,
            created_at: e.created_at,
        })
        .collect();
    let rounds = repo::filing::rounds(db, f.id)
        .await?
        .into_iter()
        .map(|r| RoundView {
            round: r.round,
            submitted_at: r.submitted_at,
            returned_at: r.returned_at,
            return_reasons: r.return_reasons,
        })
        .collect();
    let attachments = repo::filing::attachments(db, f.id)
        .await?
        .into_iter()
        .map(|a| AttachmentView {
            id: a.id,
            purpose: a.purpose,
            file_name: a.file_name,
            media_type: a.media_type,
            size_bytes: a.size_bytes,
            sha256: a.sha256,
            created_at: a.created_at,
        })
        .collect();
    Ok(FilingView {
        id: f.id,
        school_id: f.school_id,
        school_name: s.name.clone(),
        kind_name: name_of(lang, "filing_kind", &f.kind),
        evaluation_required: f.evaluation_required(),
        scope_added: f.scope_added,
        kind: f.kind,
        institution_id: f.institution_id,
        status_name: name_of(lang, "filing_status", &f.status),
        status: f.status,
        round: f.round,
        document,
        submitted_at: f.submitted_at,
        decided_at: f.decided_at,
        decision_opinion: f.decision_opinion,
        withdrawn_at: f.withdrawn_at,
        withdrawal_reason: f.withdrawal_reason,
        valid_until: f.valid_until,
        version: f.version,
        created_at: f.created_at,
        updated_at: f.updated_at,
        experts,
        evaluations,
        rounds,
        attachments,
    })
}

/// The findings of a technical evaluation, one per condition of notice 一.
#[derive(Debug, Clone, serde::Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct EvaluationFindings {
    /// 1: department, full-time staff, experts, examiners (≥ 3 per occupation) and supervisors.
    #[validate(nested)]
    pub organisation_and_people: Finding,
    /// 2: sites, facilities, instruments and video monitoring, meeting safety requirements.
    #[validate(nested)]
    pub sites_and_equipment: Finding,
    /// 3: question bank or test resources and the ability to build them.
    #[validate(nested)]
    pub question_bank: Finding,
    /// 4: stable funding; not for profit.
    #[validate(nested)]
    pub funding: Finding,
}

/// One condition's finding.
#[derive(Debug, Clone, serde::Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct Finding {
    /// Whether the condition is met.
    pub met: bool,
    #[validate(custom(function = "crate::validate::lines::<2000>"))]
    pub comment: String,
}

/// The `ETag` of a filing version.
pub fn etag(version: i32) -> String {
    format!("\"f{version}\"")
}

/// Loads an application and its school, answering 404 when the caller may not see it.
pub async fn load(
    db: &impl persistence::ConnectionTrait,
    caller: &Caller,
    id: Uuid,
) -> Result<(filing::Model, school::Model), ApiError> {
    let f = repo::filing::find(db, id).await?.ok_or_else(ApiError::not_found)?;
    let s = repo::school::find(db, f.school_id).await?.ok_or_else(ApiError::not_found)?;
    if !may_see(db, caller, &f, &s).await? {
        return Err(ApiError::not_found());
    }
    Ok((f, s))
}

/// The view of an application as a change left it, its school read again.
pub async fn of(
    db: &impl persistence::ConnectionTrait,
    caller: &Caller,
    f: filing::Model,
    data_key: &persistence::sealed::DataKey,
    lang: Lang,
) -> Result<FilingView, ApiError> {
    let s = repo::school::find(db, f.school_id).await?.ok_or_else(ApiError::not_found)?;
    build(db, caller, f, &s, data_key, lang).await
}
