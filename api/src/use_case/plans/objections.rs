//! Objections (异议) to a plan's published results (R22): lodged by anyone during the publicity,
//! answered by the institution; an upheld objection may correct results.

use super::Change;
use super::results::{ResultInput, check_values, find, step, wrong_phase};
use crate::error::{ApiError, FieldError};
use crate::i18n::{Problem, Rule};
use crate::validate::{self, Errors};
use crate::views::results::{AnsweredMany, ObjectionReceipt};
use domain::plan::{PlanPhase, ResultsAction};
use persistence::entity::{objection, plan};
use persistence::repo;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use utoipa::ToSchema;
use uuid::Uuid;
use validator::{Validate, ValidationError};

/// Objections one client address may lodge against one plan's publicity.
pub const OBJECTIONS_PER_ADDRESS: i32 = 5;
/// The shortest reason for an objection, in characters.
pub const OBJECTION_MIN_CHARS: usize = 10;
/// The longest reason for an objection, in characters.
pub const OBJECTION_MAX_CHARS: usize = 2000;

/// An objection.
#[derive(Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct NewObjection {
    /// The published candidate concerned, if any.
    pub candidate_id: Option<Uuid>,
    /// The reason, 10–2,000 characters.
    #[validate(custom(function = "objection_content"))]
    pub content: String,
    /// How the institution can reach the objector: a mobile number or an e-mail address;
    /// required, never published.
    #[validate(custom(function = "objection_contact"))]
    pub contact: String,
}

/// An objection's reason: [`OBJECTION_MIN_CHARS`] characters at least besides white space,
/// [`OBJECTION_MAX_CHARS`] at most.
fn objection_content(s: &str) -> Result<(), ValidationError> {
    match domain::text::multi_line(s, OBJECTION_MAX_CHARS) {
        Ok(t) if t.chars().filter(|c| !c.is_whitespace()).count() >= OBJECTION_MIN_CHARS => Ok(()),
        Ok(_) => Err(validate::rule(Rule::TooShort, &[("min", &OBJECTION_MIN_CHARS)])),
        Err(_) => validate::lines::<OBJECTION_MAX_CHARS>(s),
    }
}

/// How to reach an objector: one line of at most 100 characters, a mobile number or an e-mail
/// address.
fn objection_contact(s: &str) -> Result<(), ValidationError> {
    validate::line::<100>(s)?;
    if contact_ok(s.trim()) { Ok(()) } else { Err(validate::rule(Rule::InvalidContact, &[])) }
}

/// A mobile number (11 digits from 1, `+86` allowed) or an e-mail address.
fn contact_ok(c: &str) -> bool {
    let digits: String =
        c.strip_prefix("+86").unwrap_or(c).chars().filter(|ch| !matches!(ch, ' ' | '-')).collect();
    let mobile = digits.len() == 11 && digits.starts_with('1') && digits.bytes().all(|b| b.is_ascii_digit());
    let email = c.split_once('@').is_some_and(|(user, host)| {
        !user.is_empty()
            && host.contains('.')
            && !host.starts_with('.')
            && !host.ends_with('.')
            && !c.contains(' ')
    });
    mobile || email
}

/// The key identical objections share: the candidate and the reason with its spacing normalised.
fn content_key(candidate: Option<Uuid>, content: &str) -> String {
    let normal: Vec<&str> = content.split_whitespace().collect();
    let mut h = Sha256::new();
    h.update(candidate.map(|c| c.to_string()).unwrap_or_default());
    h.update(b"\n");
    h.update(normal.join(" "));
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// An answer to an objection.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct AnswerObjection {
    #[validate(custom(function = "validate::lines::<2000>"))]
    pub answer: String,
    /// Whether the objection is upheld.
    pub upheld: bool,
    /// For an upheld objection: the changed results (the answer is recorded as their reason).
    #[serde(default)]
    #[validate(nested)]
    pub corrections: Vec<ResultInput>,
}

/// One answer of many.
#[derive(Deserialize, ToSchema, Validate, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct OneAnswer {
    pub objection_id: Uuid,
    #[validate(custom(function = "validate::lines::<2000>"))]
    pub answer: String,
    /// Whether the objection is upheld (results are corrected one objection at a time, with
    /// `POST /plans/{id}/objections/{objection_id}/answer`).
    pub upheld: bool,
}

/// Answers to many objections at once.
#[derive(Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct AnswerMany {
    /// 1–500 answers, each to an open objection of the plan.
    #[validate(length(min = 1, max = 500, code = "out_of_range"), nested)]
    pub answers: Vec<OneAnswer>,
}

/// Lodges objection `b` from client address `client` against plan `id`'s publicity (409
/// `publicity_closed` outside it). One address lodges at most [`OBJECTIONS_PER_ADDRESS`] (the
/// slot is taken in the change, so concurrent objections cannot both take the last one); an
/// objection identical to one already lodged is merged into it (`merged` in the receipt).
pub async fn lodge(
    change: &mut Change,
    id: Uuid,
    b: &NewObjection,
    found: Errors,
    client: String,
) -> Result<ObjectionReceipt, ApiError> {
    let p = find(change, id).await?;
    let (Some(start), Some(end)) = (p.publicity_started_on, p.publicity_ends_on) else {
        return Err(ApiError::not_found());
    };
    let today = change.today();
    // A cancelled plan's publicity is over.
    if p.plan_phase()? != PlanPhase::Publicity || p.cancelled_at.is_some() || today < start || today > end {
        return Err(ApiError::new(Problem::PublicityClosed).with("ends_on", end));
    }
    let mut e = found;
    if let Some(c) = b.candidate_id
        && repo::results::candidate(change.db(), c).await?.is_none_or(|x| x.plan_id != p.id)
    {
        e.push(FieldError::new("candidate_id", Rule::NotInPlan).with("code", c));
    }
    e.finish()?;
    let (content, contact) = (validate::trimmed(&b.content), validate::trimmed(&b.contact));
    let key = content_key(b.candidate_id, &content);
    if let Some(first) = repo::results::objection_by_content(change.db(), p.id, &key).await? {
        repo::results::merge_objection(change.db(), first.id).await?;
        change.record(
            "plan.objection_merged",
            ("plan", p.id.to_string()),
            serde_json::json!({"objection_id": first.id}),
        );
        return Ok(ObjectionReceipt { id: first.id, lodged_at: first.lodged_at, merged: true });
    }
    let slot = repo::results::next_address_slot(change.db(), p.id, &client).await?;
    if slot > OBJECTIONS_PER_ADDRESS {
        let mut err = ApiError::new(Problem::ObjectionLimit).with("max", OBJECTIONS_PER_ADDRESS);
        err.retry_after = Some(u64::try_from((end - today).num_days().max(1) * 86_400).unwrap_or(86_400));
        return Err(err);
    }
    let saved = repo::results::lodge(
        change.db(),
        objection::Model {
            id: Uuid::now_v7(),
            plan_id: p.id,
            candidate_id: b.candidate_id,
            content,
            contact,
            lodged_at: change.now(),
            answer: None,
            upheld: None,
            answered_at: None,
            answered_by: None,
            client_key: Some(client),
            address_slot: Some(slot),
            content_key: Some(key),
            merged: 0,
        },
    )
    .await?;
    change.record(
        "plan.objection_lodged",
        ("plan", p.id.to_string()),
        serde_json::json!({"objection_id": saved.id}),
    );
    Ok(ObjectionReceipt { id: saved.id, lodged_at: saved.lodged_at, merged: false })
}

/// Answers many objections of plan `id` at once, all or none (409 `concurrent_change` when one
/// was answered meanwhile).
pub async fn answer_many(
    change: &mut Change,
    id: Uuid,
    answers: &[OneAnswer],
    found: Errors,
) -> Result<AnsweredMany, ApiError> {
    let p = find(change, id).await?;
    step(&p, ResultsAction::Object, "answer")?;
    let mut e = found;
    let open: HashMap<Uuid, objection::Model> = repo::results::objections(change.db(), p.id)
        .await?
        .into_iter()
        .filter(|o| o.answered_at.is_none())
        .map(|o| (o.id, o))
        .collect();
    let mut seen = std::collections::HashSet::new();
    let mut texts = Vec::with_capacity(answers.len());
    for (k, a) in answers.iter().enumerate() {
        if !seen.insert(a.objection_id) {
            e.push(FieldError::new(format!("answers[{k}].objection_id"), Rule::Duplicate));
        } else if !open.contains_key(&a.objection_id) {
            e.push(
                FieldError::new(format!("answers[{k}].objection_id"), Rule::NotInPlan)
                    .with("code", a.objection_id),
            );
        }
        texts.push(validate::trimmed(&a.answer));
    }
    e.finish()?;
    let by = change.actor_id().ok_or_else(|| ApiError::internal("objections are answered by an account"))?;
    for (a, text) in answers.iter().zip(&texts) {
        // Conditional on still being open: a concurrent answer makes this whole change fail.
        if !repo::results::answer(change.db(), a.objection_id, text, a.upheld, by, change.now()).await? {
            return Err(ApiError::new(Problem::ConcurrentChange));
        }
    }
    let upheld = answers.iter().filter(|a| a.upheld).count();
    change.record(
        "plan.objections_answered",
        ("plan", p.id.to_string()),
        serde_json::json!({"answered": answers.len(), "upheld": upheld}),
    );
    let still_open = repo::results::open_objections(change.db(), p.id).await?;
    Ok(AnsweredMany { answered: answers.len(), open: still_open })
}

/// Answers objection `objection_id` of plan `id` with `a`; an upheld objection may correct
/// results, each with the answer as its reason.
pub async fn answer(
    change: &mut Change,
    id: Uuid,
    objection_id: Uuid,
    a: &AnswerObjection,
    found: Errors,
) -> Result<plan::Model, ApiError> {
    let p = find(change, id).await?;
    let o = repo::results::objections(change.db(), p.id)
        .await?
        .into_iter()
        .find(|o| o.id == objection_id)
        .ok_or_else(ApiError::not_found)?;
    if o.answered_at.is_some() {
        return Err(wrong_phase(p.plan_phase()?, "answer"));
    }
    step(&p, ResultsAction::Object, "answer")?;
    found.finish()?;
    let text = validate::trimmed(&a.answer);
    if !a.upheld && !a.corrections.is_empty() {
        return Err(ApiError::validation(vec![FieldError::new("corrections", Rule::CorrectionsNeedUpheld)]));
    }
    let corrections: Vec<ResultInput> = a
        .corrections
        .iter()
        .cloned()
        .map(|mut c| {
            c.reason = Some(format!("异议成立 / objection upheld: {text}"));
            c
        })
        .collect();
    let rows = if corrections.is_empty() {
        Vec::new()
    } else {
        check_values(change.db(), &p, &corrections, true, Errors::default()).await?
    };
    let by = change.actor_id().ok_or_else(|| ApiError::internal("objections are answered by an account"))?;
    if !repo::results::answer(change.db(), o.id, &text, a.upheld, by, change.now()).await? {
        return Err(ApiError::new(Problem::ConcurrentChange));
    }
    let changed = rows.len();
    if !rows.is_empty() {
        repo::results::record(change.db(), p.id, rows, by, change.now()).await?;
    }
    change.record(
        "plan.objection_answered",
        ("plan", p.id.to_string()),
        serde_json::json!({"objection_id": o.id, "upheld": a.upheld, "results_changed": changed}),
    );
    Ok(p)
}
