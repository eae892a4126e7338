//! How a certificate is shown: in full to those who may see it, partly masked to anyone
//! verifying it (R31).

use crate::i18n::{self, Lang, Name};
use crate::views::mask::IdNumbers;
use chrono::{DateTime, NaiveDate, Utc};
use domain::Level;
use persistence::entity::certificate;
use persistence::repo;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// A certificate as its institution, the centre and the bureau see it.
#[derive(Clone, Serialize, Deserialize, ToSchema)]
pub struct CertificateView {
    pub id: Uuid,
    /// The 22-character code (Annex 6).
    #[schema(example = "S000050000001264000001")]
    pub code: String,
    pub holder_name: String,
    pub gender: String,
    pub gender_name: String,
    /// In full to the issuing institution, the centre and the bureau; masked to a district.
    pub id_number: String,
    pub occupation_code: String,
    pub occupation_name: String,
    /// The work type, or "——".
    pub work_type: String,
    #[schema(value_type = crate::schemas::LevelCodeSchema)]
    pub level: String,
    pub level_name: String,
    /// The institution's name exactly as filed (R39).
    pub institution_name: String,
    pub issue_date: NaiveDate,
    /// `valid`, `revoked` or `superseded`.
    pub status: String,
    pub status_name: String,
    pub revoked_reason: Option<String>,
    pub revoked_at: Option<DateTime<Utc>>,
    /// `bureau` or `centre` when either ordered the revocation (else the institution revoked it).
    pub revocation_ordered_by: Option<String>,
    /// The inspection task an ordered revocation rests on.
    pub revocation_inspection_task_id: Option<Uuid>,
    /// The complaint an ordered revocation rests on.
    pub revocation_complaint_id: Option<Uuid>,
    pub plan_id: Uuid,
    pub candidate_id: Uuid,
    /// The path of the public verification page (the QR code's target).
    pub verify_path: String,
    /// Id of the key that signed the statement (see `/.well-known/skillcert-keys.json`).
    pub key_id: String,
    /// Ed25519 signature (base64url) over the canonical statement.
    pub signature: String,
}

/// The view of a stored certificate, its ID number shown as `ids` says.
pub fn view(c: certificate::Model, ids: IdNumbers, lang: Lang) -> CertificateView {
    let level_name = c.level.parse::<Level>().map(|l| i18n::name(lang, Name::Level(l))).unwrap_or_default();
    CertificateView {
        verify_path: format!("/verify/{}", c.verify_token),
        id: c.id,
        code: c.code,
        holder_name: c.holder_name,
        gender_name: i18n::code_name(lang, "gender", &c.gender),
        gender: c.gender,
        id_number: ids.show(&c.id_sealed, c.id_masked.as_deref()),
        occupation_code: c.occupation_code,
        occupation_name: c.occupation_name,
        work_type: c.work_type,
        level: c.level,
        level_name,
        institution_name: c.institution_name,
        issue_date: c.issue_date,
        status_name: i18n::code_name(lang, "certificate_status", &c.status),
        status: c.status,
        revoked_reason: c.revoked_reason,
        revoked_at: c.revoked_at,
        revocation_ordered_by: c.revocation_ordered_by,
        revocation_inspection_task_id: c.revocation_inspection_task_id,
        revocation_complaint_id: c.revocation_complaint_id,
        plan_id: c.plan_id,
        candidate_id: c.candidate_id,
        key_id: c.key_id,
        signature: c.signature,
    }
}

/// What an issuance produced.
#[derive(Clone, Serialize, Deserialize, ToSchema)]
pub struct IssueResponse {
    pub items: Vec<CertificateView>,
}

/// What anyone may learn about a certificate.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicCertificate {
    pub code: String,
    /// `valid`, `revoked` or `superseded`.
    pub status: String,
    pub status_name: String,
    pub revoked_reason: Option<String>,
    pub revoked_at: Option<DateTime<Utc>>,
    /// Partly masked (王**).
    pub holder_name: String,
    pub occupation_name: String,
    pub work_type: String,
    pub level: String,
    pub level_name: String,
    pub institution_name: String,
    pub issue_date: NaiveDate,
    /// For a superseded certificate: the code that replaced it.
    pub superseded_by: Option<String>,
}

/// The public view of a certificate.
pub fn public_view(c: repo::certificate::PublicRecord, lang: Lang) -> PublicCertificate {
    PublicCertificate {
        status_name: i18n::group_code("certificate_status", &c.status)
            .map_or_else(|| c.status.clone(), |(g, k)| i18n::name(lang, Name::Code(g, k))),
        level_name: c.level.parse::<Level>().map(|l| i18n::name(lang, Name::Level(l))).unwrap_or_default(),
        code: c.code,
        status: c.status,
        revoked_reason: c.revoked_reason,
        revoked_at: c.revoked_at,
        holder_name: domain::results::mask_name(&c.holder_name),
        occupation_name: c.occupation_name,
        work_type: c.work_type,
        level: c.level,
        institution_name: c.institution_name,
        issue_date: c.issue_date,
        superseded_by: c.superseded_by,
    }
}
