//! Certificates (证书): issuance (in [`issue`]), revocation and reissue (R28), downloads and
//! exports, and the reports of certificate data to the centre.

pub mod credential;
pub mod holder;
pub mod issue;
pub mod search;

use super::Change;
use crate::error::{ApiError, FieldError};
use crate::i18n::{Name, Problem, Rule};
use crate::state::CertificateKey;
use crate::views::institution::status_on;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Datelike;
use domain::certificate::{CertificateAction, CertificateStatus, transition};
use domain::{CertificateCode, InstitutionCode, Level, Serial};
use ed25519_dalek::Signer as _;
use persistence::entity::{certificate, plan};
use persistence::repo;
use persistence::sea_orm::ActiveValue::Set;
use persistence::sealed::DataKey;
use uuid::Uuid;

/// 409 naming certificate `c`'s status unless `action` may be applied to it.
fn check(c: &certificate::Model, action: CertificateAction, name: &'static str) -> Result<(), ApiError> {
    transition(c.certificate_status()?, action).map(|_| ()).map_err(|status| {
        ApiError::new(Problem::WrongStatus)
            .with_name("action", Name::Code("result_action", name))
            .with_name("status", Name::Code("certificate_status", status.code()))
    })
}

/// Loads a certificate the caller may see (the issuing institution, the centre, the bureau, the
/// institution's district), 404 otherwise.
pub async fn visible(
    db: &impl persistence::ConnectionTrait,
    caller: &crate::auth::Caller,
    code: &str,
) -> Result<certificate::Model, ApiError> {
    let c = repo::certificate::by_code(db, code).await?.ok_or_else(ApiError::not_found)?;
    let i = repo::institution::find(db, c.institution_id).await?.ok_or_else(ApiError::not_found)?;
    if !crate::views::institution::may_see(caller, &i) {
        return Err(ApiError::not_found());
    }
    Ok(c)
}

/// Reads certificate `code` in the change.
async fn find(change: &Change, code: &str) -> Result<certificate::Model, ApiError> {
    repo::certificate::by_code(change.db(), code).await?.ok_or_else(ApiError::not_found)
}

/// What the bureau or the centre orders a revocation on (issue 26, point 5).
#[derive(Debug, Clone)]
pub enum Grounds {
    /// An inspection task that drew the certificate's institution.
    Inspection(Uuid),
    /// A complaint (by its tracking number) about the certificate's institution.
    Complaint(String),
}

/// An ordered revocation: by whom and on what.
#[derive(Debug, Clone)]
pub struct Order {
    /// `bureau` or `centre`.
    pub role: &'static str,
    pub grounds: Grounds,
}

/// The inspection task or complaint of an order, checked against the certificate's
/// institution: 422 naming `inspection_task_id` or `complaint_number` when there is no such
/// thing or it concerns another institution.
async fn order_of(
    change: &Change,
    order: &Order,
    c: &certificate::Model,
) -> Result<repo::certificate::RevocationOrder, ApiError> {
    let by = change.actor_id().ok_or_else(|| ApiError::internal("an order without an account"))?;
    // (field, found, concerns the institution, task, complaint)
    let (field, found, concerns, inspection_task_id, complaint_id) = match &order.grounds {
        Grounds::Inspection(task) => {
            let found = repo::supervision::task(change.db(), *task).await?.is_some();
            let drawn = repo::supervision::targets(change.db(), *task).await?;
            let concerns = drawn.iter().any(|t| t.institution_id == c.institution_id);
            ("inspection_task_id", found, concerns, Some(*task), None)
        }
        Grounds::Complaint(number) => {
            let k = repo::supervision::complaint_by_tracking(change.db(), number.trim()).await?;
            let concerns = k.as_ref().is_some_and(|k| k.institution_id == c.institution_id);
            ("complaint_number", k.is_some(), concerns, None, k.map(|k| k.id))
        }
    };
    if !found {
        return Err(ApiError::validation(vec![FieldError::new(field, Rule::UnknownOrder)]));
    }
    if !concerns {
        return Err(ApiError::validation(vec![FieldError::new(field, Rule::OrderOfAnotherInstitution)]));
    }
    Ok(repo::certificate::RevocationOrder { by, role: order.role, inspection_task_id, complaint_id })
}

/// Revokes valid certificate `code` for `reason` — by its institution, or ordered by the bureau
/// or the centre (`order`) on an inspection or a complaint about the institution; the code stays
/// taken for ever (R28), and the national platform is told (outbox) with who ordered it.
pub async fn revoke(
    change: &mut Change,
    code: &str,
    reason: &str,
    order: Option<&Order>,
) -> Result<certificate::Model, ApiError> {
    let current = find(change, code).await?;
    let ordered = match order {
        Some(o) => Some(order_of(change, o, &current).await?),
        None => None,
    };
    check(&current, CertificateAction::Revoke, "revoke")?;
    // The conditional update is the check: two revocations cannot both pass it.
    if !repo::certificate::revoke(change.db(), current.id, reason, change.now(), ordered.as_ref()).await? {
        let now_is = find(change, code).await?;
        check(&now_is, CertificateAction::Revoke, "revoke")?;
        return Err(ApiError::new(Problem::ConcurrentChange));
    }
    let revoked = find(change, code).await?;
    let inst = repo::institution::find(change.db(), revoked.institution_id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    crate::outbox::certificates_event(
        change.db(),
        "certificate.revoked",
        &inst,
        std::slice::from_ref(&revoked),
        None,
        change.now(),
    )
    .await?;
    let summary = match &ordered {
        None => serde_json::json!({"reason": reason}),
        Some(o) => serde_json::json!({"reason": reason, "ordered_by": o.role,
            "inspection_task_id": o.inspection_task_id, "complaint_id": o.complaint_id,
            "institution_id": revoked.institution_id}),
    };
    change.record("certificate.revoked", ("certificate", current.code.clone()), summary);
    Ok(revoked)
}

/// Reissues (corrects) valid certificate `code` for `reason`, with `holder_name` (checked by the
/// caller): a new certificate with a new code from the counter, linked to the old one, which
/// becomes superseded; both show at verification.
pub async fn reissue(
    change: &mut Change,
    signer: &CertificateKey,
    code: &str,
    reason: &str,
    holder_name: Option<String>,
) -> Result<certificate::Model, ApiError> {
    let (today, now) = (change.today(), change.now());
    let old = find(change, code).await?;
    check(&old, CertificateAction::Reissue, "reissue")?;
    let tx = change.db();
    // The check that counts: only a still valid certificate is superseded, and its row stays
    // locked until this change ends (a concurrent revocation or reissue waits, then fails).
    if !repo::certificate::supersede(tx, old.id).await? {
        let now_is = repo::certificate::by_code(tx, code).await?.ok_or_else(ApiError::not_found)?;
        check(&now_is, CertificateAction::Reissue, "reissue")?;
        return Err(ApiError::new(Problem::ConcurrentChange));
    }
    let inst = repo::institution::find(tx, old.institution_id).await?.ok_or_else(ApiError::not_found)?;
    status_on(&inst, today)?.may_act().map_err(|st| {
        ApiError::new(Problem::InstitutionNotActive)
            .with_name("status", Name::Code("institution_status", st.code()))
    })?;
    // R29: the reissue carries the photo the old certificate carried; one issued without (before
    // photos were required) takes the listing's photo, uploaded since, under the lock that
    // uploads take.
    let photo_key = match &old.photo_key {
        Some(key) => key.clone(),
        None => {
            persistence::lock_row(tx, "plans", "id", old.plan_id.into()).await?;
            repo::results::candidate(tx, old.candidate_id).await?.and_then(|c| c.photo_key).ok_or_else(
                || {
                    ApiError::validation(vec![
                        FieldError::new("code", Rule::PhotoRequired).with("name", &old.holder_name),
                    ])
                },
            )?
        }
    };
    let year = today.year();
    let serial = repo::certificate::allocate(tx, inst.id, year, 1)
        .await?
        .ok_or_else(|| ApiError::new(Problem::CertificateSerialsExhausted).with("year", year))?;
    let serial = Serial::new(u32::try_from(serial).map_err(ApiError::internal)?)
        .ok_or_else(|| ApiError::internal("serial range"))?;
    let level = old.level.parse::<Level>().map_err(|()| ApiError::internal("stored level"))?;
    let institution_code = InstitutionCode::parse(&inst.code)
        .map_err(|e| ApiError::internal(format!("stored institution code: {e}")))?;
    let new_code = CertificateCode::new(institution_code, year, level, serial)
        .ok_or_else(|| ApiError::internal("year range"))?
        .to_string();
    let mut new = certificate::Model {
        id: Uuid::now_v7(),
        code: new_code.clone(),
        institution_id: inst.id,
        plan_id: old.plan_id,
        candidate_id: old.candidate_id,
        issue_year: year,
        serial: serial.get() as i32,
        holder_name: holder_name.unwrap_or_else(|| old.holder_name.clone()),
        gender: old.gender.clone(),
        id_sealed: old.id_sealed.clone(),
        id_hash: old.id_hash.clone(),
        id_masked: old.id_masked.clone(),
        id_region: None,
        occupation_code: old.occupation_code.clone(),
        occupation_name: old.occupation_name.clone(),
        work_type: old.work_type.clone(),
        level: old.level.clone(),
        institution_name: inst.name.clone(),
        issue_date: today,
        photo_key: Some(photo_key),
        status: CertificateStatus::Valid.code().into(),
        revoked_reason: None,
        revoked_at: None,
        supersedes_id: Some(old.id),
        verify_token: crate::auth::keys::random_token(18),
        key_id: signer.kid.clone(),
        signature: String::new(),
        created_at: now,
        revoked_by: None,
        revocation_ordered_by: None,
        revocation_inspection_task_id: None,
        revocation_complaint_id: None,
    };
    let id_number = open_id(change.data_key(), &new.id_sealed)?;
    new.id_region = Some(region_of(&id_number));
    new.signature = URL_SAFE_NO_PAD
        .encode(signer.key.sign(issue::statement_of(&new, &id_number).canonical().as_bytes()).to_bytes());
    repo::certificate::insert(tx, std::slice::from_ref(&new)).await?;
    let superseded = repo::certificate::by_code(tx, &old.code).await?.ok_or_else(ApiError::not_found)?;
    crate::outbox::certificates_event(tx, "certificate.superseded", &inst, &[superseded], None, now).await?;
    crate::outbox::certificates_event(
        tx,
        "certificates.issued",
        &inst,
        std::slice::from_ref(&new),
        Some(&old.code),
        now,
    )
    .await?;
    change.record(
        "certificate.reissued",
        ("certificate", old.code.clone()),
        serde_json::json!({"new_code": new_code, "reason": reason}),
    );
    Ok(new)
}

/// Records that the caller took the e-certificate `code` as a PDF: it shows the holder's full ID
/// number, so every download is an audit event (`certificate.downloaded`).
pub fn downloaded(change: &mut Change, code: &str) -> Result<(), ApiError> {
    change.record(
        "certificate.downloaded",
        ("certificate", code.to_owned()),
        serde_json::json!({"format": "pdf", "full_id_numbers": true}),
    );
    Ok(())
}

/// Records that the caller took a batch's certificates (with full ID numbers) as `format`
/// (`csv`, `xlsx`, `pdf_zip`): written before the first byte of the export leaves.
pub fn exported(
    change: &mut Change,
    plan: uuid::Uuid,
    format: &str,
    certificates: usize,
) -> Result<(), ApiError> {
    change.record(
        "certificates.exported",
        ("plan", plan.to_string()),
        serde_json::json!({"format": format, "certificates": certificates, "full_id_numbers": true}),
    );
    Ok(())
}

/// The error of a certificate-data step the plan's phase does not allow.
fn wrong(action: &'static str, p: &plan::Model) -> ApiError {
    let phase = crate::i18n::group_code("plan_phase", &p.phase).map_or("reviewed", |(_, c)| c);
    ApiError::new(Problem::WrongStatus)
        .with_name("action", Name::Code("result_action", action))
        .with_name("status", Name::Code("plan_phase", phase))
}

/// Reports a batch's certificate data to the centre (R30), once certificates are issued;
/// reporting again after more issuance updates the date and asks for a new acknowledgement.
/// Answers the plan and its number of certificates.
pub async fn report_data(change: &mut Change, plan_id: uuid::Uuid) -> Result<(plan::Model, usize), ApiError> {
    let n = repo::certificate::of_plan(change.db(), plan_id).await?.len();
    let current = repo::plan::find(change.db(), plan_id).await?.ok_or_else(ApiError::not_found)?;
    if n == 0 {
        return Err(wrong("report", &current));
    }
    let version = current.version;
    let mut m: plan::ActiveModel = current.into();
    m.certificates_reported_at = Set(Some(change.now()));
    m.certificates_acknowledged_at = Set(None);
    let saved = repo::plan::save(change.db(), m, version, change.now()).await?;
    change.record(
        "certificate.data_reported",
        ("plan", plan_id.to_string()),
        serde_json::json!({"certificates": n}),
    );
    Ok((saved, n))
}

/// The centre acknowledges a batch's reported certificate data.
pub async fn acknowledge_data(
    change: &mut Change,
    plan_id: uuid::Uuid,
) -> Result<(plan::Model, usize), ApiError> {
    let current = repo::plan::find(change.db(), plan_id).await?.ok_or_else(ApiError::not_found)?;
    if current.certificates_reported_at.is_none() {
        return Err(wrong("review", &current));
    }
    let n = repo::certificate::of_plan(change.db(), plan_id).await?.len();
    let version = current.version;
    let mut m: plan::ActiveModel = current.into();
    m.certificates_acknowledged_at = Set(Some(change.now()));
    let saved = repo::plan::save(change.db(), m, version, change.now()).await?;
    change.record(
        "certificate.data_acknowledged",
        ("plan", plan_id.to_string()),
        serde_json::json!({"certificates": n}),
    );
    Ok((saved, n))
}

/// A stored resident ID number, opened (for a signed statement, an export, a PDF). A value that
/// does not open is a server fault: the start refuses a key that cannot open what is stored.
pub fn open_id(data_key: &DataKey, sealed: &str) -> Result<String, ApiError> {
    data_key.open(sealed).map_err(|e| ApiError::internal(format!("stored ID number: {e}")))
}

/// The address code of an opened ID number, kept on a certificate for a district's scope.
pub fn region_of(id_number: &str) -> String {
    domain::resident_id::region_of(id_number).to_owned()
}
