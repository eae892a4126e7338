//! Issuance (发证, R23–R27): certificates for the candidates the centre approved, inside the
//! institution's scope while it is active, with gapless codes from the institution's counter for
//! the year, signed, written and answered chunk by chunk.

use super::super::Change;
use crate::error::{ApiError, FieldError};
use crate::i18n::{Lang, Name, Problem, Rule};
use crate::state::CertificateKey;
use crate::views::certificate::view;
use crate::views::institution::status_on;
use crate::views::mask::IdNumbers;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Datelike;
use domain::certificate::{CertificateStatus, printed_work_type};
use domain::plan::{ResultsAction, phase_transition};
use domain::results::ReviewStatus;
use domain::{CertificateCode, InstitutionCode, Level, Serial};
use persistence::entity::certificate;
use persistence::repo;
use persistence::repo::idempotency::{Keyed, Stored};
use std::collections::HashMap;
use std::sync::Arc;
use uuid::Uuid;

/// Certificates signed and written per chunk during an issuance: a chunk is written while the
/// next is signed.
const SIGNED_CHUNK: usize = 1000;

/// What an issuance answered.
pub enum Issuance {
    /// The certificates issued, as the JSON answer (`{"items": [...]}`, `IssueResponse`).
    Issued { body: Vec<u8>, count: u64 },
    /// The answer of an earlier request with the same `Idempotency-Key`: nothing was issued.
    Replayed(Stored),
}

/// Issues certificates for plan `plan_id` (reviewed): for `candidate_ids`, or every approved
/// candidate without one. With `keyed`, the key is claimed in the change and the answer stored
/// with it: a retry replays the answer and never issues twice. Past 999,999 serials in a year
/// the request is refused (409).
pub async fn issue(
    change: &mut Change,
    signer: &Arc<CertificateKey>,
    plan_id: Uuid,
    candidate_ids: Option<&[Uuid]>,
    keyed: Option<&Keyed>,
    lang: Lang,
) -> Result<Issuance, ApiError> {
    if let Some(k) = keyed
        && let Some(done) = change.claim_key(k).await?
    {
        return Ok(Issuance::Replayed(done));
    }
    let (today, now) = (change.today(), change.now());
    let tx = change.db();
    // Serialised with photo uploads (`plans::candidates::set_photo`): a photo replaced while
    // this issuance runs would not be the one printed.
    persistence::lock_row(tx, "plans", "id", plan_id.into()).await?;
    let current = repo::plan::find(tx, plan_id).await?.ok_or_else(ApiError::not_found)?;
    crate::use_case::plans::not_cancelled(&current, ("result_action", "issue"))?;
    phase_transition(current.plan_phase()?, ResultsAction::Issue).map_err(|phase| {
        ApiError::new(Problem::WrongStatus)
            .with_name("action", Name::Code("result_action", "issue"))
            .with_name("status", Name::Code("plan_phase", phase.code()))
    })?;
    let p = current;
    let inst = repo::institution::find(tx, p.institution_id).await?.ok_or_else(ApiError::not_found)?;
    status_on(&inst, today)?.may_act().map_err(|st| {
        ApiError::new(Problem::InstitutionNotActive)
            .with_name("status", Name::Code("institution_status", st.code()))
    })?;
    let scope = repo::institution::scope(tx, inst.id).await?;
    let issued: std::collections::HashSet<Uuid> =
        repo::certificate::issued_candidates(tx, p.id).await?.into_iter().collect();
    let candidates = repo::results::issuable(tx, p.id).await?;
    let by_id: HashMap<Uuid, &_> = candidates.iter().map(|c| (c.id, c)).collect();
    let mut errors = Vec::new();
    let chosen: Vec<_> = match candidate_ids {
        Some(ids) => {
            for (k, id) in ids.iter().enumerate() {
                match by_id.get(id) {
                    None => errors.push(
                        FieldError::new(format!("candidate_ids[{k}]"), Rule::NotInPlan).with("code", id),
                    ),
                    Some(c) if c.review()? != ReviewStatus::Approved => {
                        errors.push(FieldError::new(format!("candidate_ids[{k}]"), Rule::NotApproved))
                    }
                    Some(c) if issued.contains(&c.id) => {
                        errors.push(FieldError::new(format!("candidate_ids[{k}]"), Rule::AlreadyIssued))
                    }
                    Some(_) => {}
                }
            }
            let wanted: std::collections::HashSet<&Uuid> = ids.iter().collect();
            candidates.iter().filter(|c| wanted.contains(&c.id)).collect()
        }
        None => {
            let mut approved = Vec::with_capacity(candidates.len());
            for c in &candidates {
                if c.review()? == ReviewStatus::Approved && !issued.contains(&c.id) {
                    approved.push(c);
                }
            }
            approved
        }
    };
    if chosen.is_empty() && errors.is_empty() {
        errors.push(FieldError::new("candidate_ids", Rule::NothingToIssue));
    }
    // Named where the caller named them: by position in `candidate_ids`, or in the plan.
    let position: HashMap<Uuid, usize> =
        candidate_ids.unwrap_or_default().iter().enumerate().map(|(k, id)| (*id, k)).collect();
    let at = |k: usize, id: &Uuid| match candidate_ids {
        Some(_) => format!("candidate_ids[{}]", position.get(id).copied().unwrap_or(k)),
        None => format!("candidates[{k}]"),
    };
    // R29: the certificate carries the holder's 2-inch photo; never an empty frame.
    for (k, c) in chosen.iter().enumerate() {
        if c.photo_key.is_none() {
            errors.push(FieldError::new(at(k, &c.id), Rule::PhotoRequired).with("name", &c.name));
        }
    }
    let mut names: HashMap<String, String> = HashMap::new();
    // The institution's name is printed on every certificate: checked once, not once per name.
    let institution_missing = crate::pdf::missing_glyphs(&inst.name).map_err(ApiError::internal)?;
    for (k, c) in chosen.iter().enumerate() {
        if !scope.iter().any(|s| {
            s.occupation_code == c.occupation_code && s.work_type == c.work_type && s.level == c.level
        }) {
            errors.push(
                FieldError::new(format!("candidates[{k}]"), Rule::OutsideScope)
                    .with("code", &c.occupation_code)
                    .with("level", &c.level),
            );
        }
        if !names.contains_key(&c.occupation_code) {
            let n = repo::occupation::find(tx, &c.occupation_code).await?.map(|o| o.name).unwrap_or_default();
            names.insert(c.occupation_code.clone(), n);
        }
        let mut missing = crate::pdf::missing_glyphs(&c.name).map_err(ApiError::internal)?;
        if !institution_missing.is_empty() {
            missing.extend(&institution_missing);
            missing.sort_unstable();
            missing.dedup();
        }
        if !missing.is_empty() {
            errors.push(
                FieldError::new(format!("candidates[{k}].name"), Rule::MissingGlyphs)
                    .with("chars", missing.iter().collect::<String>()),
            );
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    refuse_holders(tx, &chosen, &at).await?;
    let year = today.year();
    let n = i32::try_from(chosen.len()).map_err(ApiError::internal)?;
    let first = repo::certificate::allocate(tx, inst.id, year, n)
        .await?
        .ok_or_else(|| ApiError::new(Problem::CertificateSerialsExhausted).with("year", year))?;
    let institution_code = InstitutionCode::parse(&inst.code)
        .map_err(|e| ApiError::internal(format!("stored institution code: {e}")))?;
    let mut rows = Vec::with_capacity(chosen.len());
    // The statement names the holder's ID number in full: opened here, never stored in clear.
    let mut numbers = Vec::with_capacity(chosen.len());
    let ids = crate::auth::keys::ordered_ids(chosen.len());
    let tokens = crate::auth::keys::random_tokens(chosen.len(), 18);
    for ((k, c), (id, verify_token)) in chosen.iter().enumerate().zip(ids.into_iter().zip(tokens)) {
        let serial = Serial::new(u32::try_from(first + k as i32).map_err(ApiError::internal)?)
            .ok_or_else(|| ApiError::new(Problem::CertificateSerialsExhausted).with("year", year))?;
        let level = c.level.parse::<Level>().map_err(|()| ApiError::internal("stored level"))?;
        let code = CertificateCode::new(institution_code, year, level, serial)
            .ok_or_else(|| ApiError::internal("issue year out of range"))?
            .to_string();
        let occupation_name = names.get(&c.occupation_code).cloned().unwrap_or_default();
        let work_type = printed_work_type(&c.work_type).to_owned();
        let number = super::open_id(change.data_key(), &c.id_sealed)?;
        let id_region = super::region_of(&number);
        numbers.push(number);
        rows.push(certificate::Model {
            id,
            code,
            institution_id: inst.id,
            plan_id: p.id,
            candidate_id: c.id,
            issue_year: year,
            serial: serial.get() as i32,
            holder_name: c.name.clone(),
            gender: c.gender.clone(),
            id_sealed: c.id_sealed.clone(),
            id_hash: c.id_hash.clone(),
            id_masked: c.id_masked.clone(),
            id_region: Some(id_region),
            occupation_code: c.occupation_code.clone(),
            occupation_name,
            work_type,
            level: c.level.clone(),
            institution_name: inst.name.clone(),
            issue_date: today,
            photo_key: c.photo_key.clone(),
            status: CertificateStatus::Valid.code().into(),
            revoked_reason: None,
            revoked_at: None,
            supersedes_id: None,
            verify_token,
            key_id: signer.kid.clone(),
            // Signed below, chunk by chunk.
            signature: String::new(),
            created_at: now,
            revoked_by: None,
            revocation_ordered_by: None,
            revocation_inspection_task_id: None,
            revocation_complaint_id: None,
        });
    }
    // Signing is most of the CPU work of an issuance. A blocking thread signs chunk after chunk
    // (each over all cores: `auth::signing`) while this one writes the outbox events and then each
    // chunk as soon as it is signed, so that the database writes while the next chunk is signed.
    let statements: Vec<String> =
        rows.iter().zip(&numbers).map(|(c, number)| statement_of(c, number).canonical()).collect();
    drop(numbers);
    let (signed_tx, mut signed_rx) = tokio::sync::mpsc::unbounded_channel::<Vec<String>>();
    let signing_key = Arc::clone(signer);
    let signing = tokio::task::spawn_blocking(move || {
        for chunk in statements.chunks(SIGNED_CHUNK) {
            let signatures = crate::auth::signing::sign_all(&signing_key.key, chunk)
                .iter()
                .map(|s| URL_SAFE_NO_PAD.encode(s.to_bytes()))
                .collect();
            if signed_tx.send(signatures).is_err() {
                // The request failed meanwhile: nothing is waiting for the rest.
                return;
            }
        }
    });
    let first_code = rows.first().map(|r| r.code.clone());
    let last_code = rows.last().map(|r| r.code.clone());
    crate::outbox::certificates_event(tx, "certificates.issued", &inst, &rows, None, now).await?;
    // The answer ({"items":[...]}, as `IssueResponse` serialises) is written chunk by chunk, each
    // while the database writes the chunk: one core would otherwise idle once signing is done.
    const OPEN: &[u8] = b"{\"items\":[";
    let backend = persistence::ConnectionTrait::get_database_backend(tx);
    let mut body: Vec<u8> = Vec::with_capacity(rows.len() * 640 + 16);
    body.extend_from_slice(OPEN);
    let mut pending = rows.into_iter().peekable();
    while pending.peek().is_some() {
        let mut chunk: Vec<certificate::Model> = pending.by_ref().take(SIGNED_CHUNK).collect();
        let signatures =
            signed_rx.recv().await.ok_or_else(|| ApiError::internal("the signing thread stopped"))?;
        if signatures.len() != chunk.len() {
            return Err(ApiError::internal("a chunk of signatures is incomplete"));
        }
        for (row, signature) in chunk.iter_mut().zip(signatures) {
            row.signature = signature;
        }
        let write = repo::certificate::execute_all(tx, repo::certificate::insert_statements(backend, &chunk));
        // Polled first, the write is on its way to the database before this thread serialises.
        let (written, serialised) = futures_util::future::join(write, async {
            for c in chunk {
                if body.len() > OPEN.len() {
                    body.push(b',');
                }
                // Masked: the answer is kept for replays (Idempotency-Key), and nothing keeps an
                // ID number in clear; the plan's certificates show them in full.
                serde_json::to_writer(&mut body, &view(c, IdNumbers::Masked, lang))?;
            }
            Ok::<(), serde_json::Error>(())
        })
        .await;
        written?;
        serialised.map_err(ApiError::internal)?;
    }
    body.extend_from_slice(b"]}");
    signing.await.map_err(|_| ApiError::internal("the signing thread failed"))?;
    change.record(
        "certificate.issued",
        ("plan", p.id.to_string()),
        serde_json::json!({"count": n, "first": first_code, "last": last_code, "issue_year": year}),
    );
    let text = String::from_utf8(body).map_err(ApiError::internal)?;
    change.answer_key(201, &text).await?;
    Ok(Issuance::Issued { body: text.into_bytes(), count: n as u64 })
}

/// The statement of a certificate record, as signed.
/// 409 when any chosen candidate already holds a valid certificate of the same occupation, work
/// type and level, from any plan of any institution (one per person), each named in `errors` with
/// that certificate's code, never with the ID number. `certificates_one_valid` holds the same
/// rule against a concurrent issuance.
async fn refuse_holders(
    tx: &(impl persistence::ConnectionTrait + persistence::TransactionTrait),
    chosen: &[&repo::results::Issuable],
    at: &impl Fn(usize, &Uuid) -> String,
) -> Result<(), ApiError> {
    let hashes: Vec<&str> = chosen.iter().filter_map(|c| c.id_hash.as_deref()).collect();
    let found = repo::certificate::held(tx, &hashes).await?;
    if found.is_empty() {
        return Ok(());
    }
    let held: HashMap<_, &str> = found.iter().map(|h| (h.key(), h.code.as_str())).collect();
    let mut errors = Vec::new();
    let mut first = None;
    for (k, c) in chosen.iter().enumerate() {
        let hash = c.id_hash.as_deref().unwrap_or_default();
        let key = repo::certificate::Held::key_of(hash, &c.occupation_code, &c.work_type, &c.level);
        if let Some(&code) = held.get(&key) {
            errors.push(FieldError::new(at(k, &c.id), Rule::HoldsCertificate).with("code", code));
            first.get_or_insert_with(|| code.to_owned());
        }
    }
    let Some(first) = first else { return Ok(()) };
    let count = errors.len();
    Err(ApiError { errors, ..ApiError::new(Problem::CertificateHeld) }
        .with("count", count)
        .with("code", first))
}

/// The statement of a certificate record, with the holder's ID number opened.
pub(super) fn statement_of<'a>(
    c: &'a certificate::Model,
    id_number: &'a str,
) -> domain::certificate::Statement<'a> {
    domain::certificate::Statement {
        code: &c.code,
        holder_name: &c.holder_name,
        gender: &c.gender,
        id_number,
        occupation_code: &c.occupation_code,
        occupation_name: &c.occupation_name,
        work_type: &c.work_type,
        level: &c.level,
        institution_name: &c.institution_name,
        issue_date: c.issue_date,
    }
}
