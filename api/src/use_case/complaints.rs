//! Complaints and reports (投诉举报, R35): filed by anyone, triaged by the bureau or the centre to
//! the centre or the institution's district, investigated with internal notes, closed with an
//! outcome the complainant can follow.

use super::Change;
use crate::auth::Caller;
use crate::auth::keys::sha256_hex;
use crate::error::{ApiError, FieldError};
use crate::i18n::{Name, Problem, Rule};
use crate::validate::{self, Errors};
use crate::views::complaint::may_handle;
use chrono::NaiveDate;
use domain::plan::PlanStatus;
use domain::supervision::{
    ComplaintAction, ComplaintStatus, INVESTIGATION_WORKING_DAYS, TRIAGE_WORKING_DAYS, complaint_transition,
};
use persistence::entity::{complaint, complaint_note};
use persistence::repo;
use persistence::sea_orm::ActiveValue::Set;
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

/// How to reach the complainant (optional: complaints may be anonymous). Personal data: shown
/// only to those handling the complaint.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct Contact {
    #[validate(custom(function = "validate::line::<50>"))]
    pub name: Option<String>,
    #[validate(custom(function = "validate::phone"))]
    pub phone: Option<String>,
    #[validate(custom(function = "validate::email"))]
    pub email: Option<String>,
}

/// A complaint or report.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct NewComplaint {
    /// `institution`, `plan` or `certificate`.
    #[schema(example = "institution")]
    #[validate(custom(function = "validate::complaint_target"))]
    pub target_type: String,
    /// The institution's filing code, the plan's id (as on its publicity notice), or the
    /// certificate's 22-character code.
    #[schema(example = "S000050000001")]
    pub target: String,
    /// What happened.
    #[validate(custom(function = "validate::lines::<5000>"))]
    pub content: String,
    #[validate(nested)]
    pub contact: Option<Contact>,
}

/// A triage decision.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct Assignment {
    /// `centre` (the centre investigates) or `district` (the district of the institution does).
    #[schema(example = "district")]
    #[validate(custom(function = "validate::complaint_assignee"))]
    pub to: String,
    /// The investigation deadline, within a year; by default 20 working days from today.
    pub due_on: Option<NaiveDate>,
}

/// An investigation note.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct NewNote {
    #[validate(custom(function = "validate::lines::<5000>"))]
    pub body: String,
}

/// The outcome of an investigation.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct Outcome {
    /// Whether the complaint was found justified (upheld complaints count in the integrity
    /// rating, R37).
    pub upheld: bool,
    /// The finding, told to the complainant.
    #[validate(custom(function = "validate::lines::<5000>"))]
    pub outcome: String,
    /// What was done (e.g. a violation recorded, a rectification ordered).
    #[validate(custom(function = "validate::lines::<5000>"))]
    pub actions: Option<String>,
}

/// A tracking number: `TS`, the date (China Standard Time) and 8 characters from an alphabet
/// without look-alikes (40 random bits).
fn tracking_number(today: NaiveDate) -> String {
    const ALPHABET: &[u8] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
    let bytes: [u8; 8] = crate::auth::keys::random_bytes();
    let tail: String = bytes.iter().map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char).collect();
    format!("TS{}-{tail}", today.format("%Y%m%d"))
}

async fn add_working_days(change: &Change, from: NaiveDate, n: u32) -> Result<NaiveDate, ApiError> {
    let cal = repo::calendar::calendar(change.db()).await?;
    cal.add_working_days(from, n).map(|c| c.value).ok_or_else(|| ApiError::internal("deadline out of range"))
}

/// Complaint `c`'s status after `action`, or 409 naming its status.
fn step(c: &complaint::Model, action: ComplaintAction) -> Result<ComplaintStatus, ApiError> {
    complaint_transition(c.complaint_status()?, action).map_err(|status| {
        ApiError::new(Problem::WrongStatus)
            .with_name("action", Name::Code("complaint_action", action.code()))
            .with_name("status", Name::Code("complaint_status", status.code()))
    })
}

/// Reads complaint `id` again in the change, 404 unless `caller` handles it (it may have been
/// reassigned meanwhile).
async fn handled(change: &Change, caller: &Caller, id: Uuid) -> Result<complaint::Model, ApiError> {
    repo::supervision::complaint(change.db(), id)
        .await?
        .filter(|c| may_handle(caller, c))
        .ok_or_else(ApiError::not_found)
}

/// Files complaint `b` (anonymous when it has no contact). Answers the complaint and the secret
/// that lets its complainant follow it (shown once, stored only as a hash).
pub async fn file(
    change: &mut Change,
    b: &NewComplaint,
    found: Errors,
) -> Result<(complaint::Model, String), ApiError> {
    let mut e = found;
    let content = validate::trimmed(&b.content);
    let contact = b.contact.as_ref();
    let name = contact.and_then(|c| validate::trimmed_opt(&c.name));
    let phone = contact.and_then(|c| validate::trimmed_opt(&c.phone));
    let email = contact.and_then(|c| validate::trimmed_opt(&c.email));
    let target = b.target.trim().to_owned();
    let institution = match b.target_type.as_str() {
        "institution" => repo::institution::by_code(change.db(), &target).await?,
        "plan" => match target.parse::<Uuid>() {
            Ok(id) => match repo::plan::find(change.db(), id)
                .await?
                .filter(|p| p.plan_status().is_ok_and(|s| s != PlanStatus::Draft))
            {
                Some(p) => repo::institution::find(change.db(), p.institution_id).await?,
                None => None,
            },
            Err(_) => None,
        },
        // A certificate's code names its institution in positions 1–13; whether the certificate
        // exists is not revealed here (that is what the rate-limited verification is for).
        "certificate" => match domain::CertificateCode::parse(&target) {
            Ok(code) => repo::institution::by_code(change.db(), &code.institution().to_string()).await?,
            Err(_) => {
                e.push(FieldError::new("target", Rule::UnknownTarget));
                None
            }
        },
        // Refused by the body's rules (`validate::complaint_target`).
        _ => None,
    };
    if institution.is_none() && e.0.iter().all(|x| !x.field.starts_with("target")) {
        e.push(FieldError::new("target", Rule::UnknownTarget));
    }
    e.finish()?;
    let Some(institution) = institution else {
        return Err(ApiError::internal("validation passed without a target"));
    };
    let (today, now) = (change.today(), change.now());
    let due_on = add_working_days(change, today, TRIAGE_WORKING_DAYS).await?;
    let secret = crate::auth::keys::random_token(18);
    let c = complaint::Model {
        id: Uuid::now_v7(),
        tracking_number: tracking_number(today),
        secret_hash: sha256_hex(&secret),
        target_type: b.target_type.clone(),
        target_ref: target,
        institution_id: institution.id,
        district_code: institution.district_code.clone(),
        content,
        contact_name: name,
        contact_phone: phone,
        contact_email: email,
        status: ComplaintStatus::Received.code().into(),
        assigned_to: None,
        assigned_district: None,
        due_on,
        upheld: None,
        outcome: None,
        actions: None,
        received_at: now,
        assigned_at: None,
        closed_at: None,
        version: 1,
    };
    repo::supervision::insert_complaint(change.db(), c.clone()).await?;
    change.record(
        "complaint.filed",
        ("complaint", c.id.to_string()),
        serde_json::json!({"tracking_number": c.tracking_number, "target_type": c.target_type,
                           "institution_id": c.institution_id, "anonymous": b.contact.is_none()}),
    );
    Ok((c, secret))
}

/// Assigns (or reassigns) complaint `id` as `req` says, until it is closed.
pub async fn assign(
    change: &mut Change,
    id: Uuid,
    req: &Assignment,
    found: Errors,
) -> Result<complaint::Model, ApiError> {
    let today = change.today();
    let mut e = found;
    if req.due_on.is_some_and(|d| d <= today || d > today + chrono::Duration::days(366)) {
        e.push(FieldError::new("due_on", Rule::InvalidDate));
    }
    e.finish()?;
    let due_on = match req.due_on {
        Some(d) => d,
        None => add_working_days(change, today, INVESTIGATION_WORKING_DAYS).await?,
    };
    let current = repo::supervision::complaint(change.db(), id).await?.ok_or_else(ApiError::not_found)?;
    let next = step(&current, ComplaintAction::Assign)?;
    let version = current.version;
    let district = (req.to == "district").then(|| current.district_code.clone());
    let mut m: complaint::ActiveModel = current.into();
    m.status = Set(next.code().into());
    m.assigned_to = Set(Some(req.to.clone()));
    m.assigned_district = Set(district.clone());
    m.assigned_at = Set(Some(change.now()));
    m.due_on = Set(due_on);
    let saved = repo::supervision::save_complaint(change.db(), m, id, version).await?;
    change.record(
        "complaint.assigned",
        ("complaint", id.to_string()),
        serde_json::json!({"to": req.to, "district_code": district, "due_on": due_on}),
    );
    Ok(saved)
}

/// Adds `caller`'s internal note `text` (checked by the caller) to complaint `id` under
/// investigation.
pub async fn add_note(change: &mut Change, caller: &Caller, id: Uuid, text: String) -> Result<(), ApiError> {
    let current = handled(change, caller, id).await?;
    step(&current, ComplaintAction::Note)?;
    repo::supervision::touch_complaint(change.db(), id, current.version).await?;
    let note_id = Uuid::now_v7();
    let note = complaint_note::Model {
        id: note_id,
        complaint_id: id,
        author_id: caller.id(),
        body: text,
        created_at: change.now(),
    };
    repo::supervision::add_note(change.db(), note).await?;
    change.record("complaint.noted", ("complaint", id.to_string()), serde_json::json!({"note_id": note_id}));
    Ok(())
}

/// Closes complaint `id` under investigation with `req`'s outcome.
pub async fn close(
    change: &mut Change,
    caller: &Caller,
    id: Uuid,
    req: &Outcome,
) -> Result<complaint::Model, ApiError> {
    let (outcome, actions) = (validate::trimmed(&req.outcome), validate::trimmed_opt(&req.actions));
    let current = handled(change, caller, id).await?;
    let next = step(&current, ComplaintAction::Close)?;
    let version = current.version;
    let mut m: complaint::ActiveModel = current.into();
    m.status = Set(next.code().into());
    m.upheld = Set(Some(req.upheld));
    m.outcome = Set(Some(outcome));
    m.actions = Set(actions);
    m.closed_at = Set(Some(change.now()));
    let saved = repo::supervision::save_complaint(change.db(), m, id, version).await?;
    change.record(
        "complaint.closed",
        ("complaint", id.to_string()),
        serde_json::json!({"upheld": req.upheld, "institution_id": saved.institution_id}),
    );
    Ok(saved)
}
