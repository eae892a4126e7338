//! How a complaint (投诉举报, R35) is shown: to its complainant (status and outcome) and to those
//! handling it (with the contact and internal notes).

use crate::auth::Caller;
use crate::i18n::{self, Lang};
use chrono::{DateTime, NaiveDate, Utc};
use domain::Role;
use persistence::entity::complaint;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// What the complainant keeps: the tracking number and the secret (shown once).
#[derive(Debug, Serialize, ToSchema)]
pub struct ComplaintReceipt {
    #[schema(example = "TS20261128-7KQ2M9XA")]
    pub tracking_number: String,
    /// Send it in the `X-Complaint-Secret` header to follow the complaint; it is not stored and
    /// cannot be shown again.
    pub secret: String,
    pub status: String,
    pub status_name: String,
    pub received_at: DateTime<Utc>,
}

/// A complaint as its complainant sees it: status and outcome, never internal notes.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicComplaintView {
    pub tracking_number: String,
    pub target_type: String,
    pub status: String,
    pub status_name: String,
    pub received_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    /// Whether the complaint was found justified (when closed).
    pub upheld: Option<bool>,
    pub outcome: Option<String>,
    pub actions: Option<String>,
}

/// An internal investigation note.
#[derive(Debug, Serialize, ToSchema)]
pub struct NoteView {
    pub id: Uuid,
    pub author_id: Uuid,
    pub body: String,
    pub created_at: DateTime<Utc>,
}

/// A complaint as those handling it see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ComplaintView {
    pub id: Uuid,
    pub tracking_number: String,
    pub target_type: String,
    pub target_type_name: String,
    pub target: String,
    pub institution_id: Uuid,
    pub district_code: String,
    pub content: String,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub contact_email: Option<String>,
    /// `received`, `assigned` or `closed`.
    pub status: String,
    pub status_name: String,
    /// `centre` or `district`.
    pub assigned_to: Option<String>,
    pub assigned_district: Option<String>,
    /// The deadline: for triage while received, for the investigation once assigned.
    pub due_on: NaiveDate,
    /// Open and past its deadline.
    pub overdue: bool,
    pub upheld: Option<bool>,
    pub outcome: Option<String>,
    pub actions: Option<String>,
    pub received_at: DateTime<Utc>,
    pub assigned_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    /// Internal notes (only in the single view).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notes: Option<Vec<NoteView>>,
    pub version: i32,
}

/// The display name of a complaint status.
pub fn status_name(lang: Lang, s: &str) -> String {
    i18n::code_name(lang, "complaint_status", s)
}

/// The view of a complaint for those handling it (`notes` only in the single view).
pub fn view(
    c: complaint::Model,
    today: NaiveDate,
    lang: Lang,
    notes: Option<Vec<NoteView>>,
) -> ComplaintView {
    ComplaintView {
        overdue: c.complaint_status().is_ok_and(|s| s.is_open()) && c.due_on < today,
        status_name: status_name(lang, &c.status),
        target_type_name: i18n::code_name(lang, "complaint_target", &c.target_type),
        id: c.id,
        tracking_number: c.tracking_number,
        target_type: c.target_type,
        target: c.target_ref,
        institution_id: c.institution_id,
        district_code: c.district_code,
        content: c.content,
        contact_name: c.contact_name,
        contact_phone: c.contact_phone,
        contact_email: c.contact_email,
        status: c.status,
        assigned_to: c.assigned_to,
        assigned_district: c.assigned_district,
        due_on: c.due_on,
        upheld: c.upheld,
        outcome: c.outcome,
        actions: c.actions,
        received_at: c.received_at,
        assigned_at: c.assigned_at,
        closed_at: c.closed_at,
        notes,
        version: c.version,
    }
}

/// Whether the caller handles complaints of this kind: bureau and centre all, a district those
/// assigned to it.
pub fn may_handle(caller: &Caller, c: &complaint::Model) -> bool {
    match caller.role {
        Role::Bureau | Role::Centre => true,
        Role::District => {
            c.assigned_to.as_deref() == Some("district")
                && c.assigned_district.is_some()
                && c.assigned_district == caller.user.district_code
        }
        _ => false,
    }
}
