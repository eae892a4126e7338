//! Candidates (评价对象) of a plan (R19), added or imported by its institution while the plan is a
//! draft or returned.

use super::Change;
use crate::error::{ApiError, FieldError};
use crate::i18n::{Problem, Rule};
use crate::validate;
use chrono::{DateTime, NaiveDate, Utc};
use domain::plan::PlanAction;
use domain::{Gender, Level, ResidentId};
use persistence::entity::{candidate, plan, plan_occupation, school};
use persistence::repo;
use serde::Deserialize;
use std::collections::HashMap;
use utoipa::ToSchema;
use uuid::Uuid;
use validator::{Validate, ValidationError};

/// Youngest and oldest age accepted for a full-time technical-school student on the day they are
/// added (a decision: the notice says only "全日制在校学生").
pub const STUDENT_AGE: std::ops::RangeInclusive<i32> = 14..=40;

/// A candidate to add (one row of an import likewise).
#[derive(Clone, Default, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct CandidateInput {
    #[schema(example = "王小明")]
    #[validate(custom(function = "validate::required_line::<50>"))]
    pub name: String,
    /// `male` or `female` (男/女 accepted); must agree with the ID number.
    #[schema(example = "male")]
    #[validate(custom(function = "validate::gender"))]
    pub gender: String,
    /// 公民身份号码 (GB 11643). Sensitive: shown only to the institution, the centre and the bureau.
    #[validate(custom(function = "validate::resident_id"))]
    pub id_number: String,
    /// The candidate's school from the schools registry (every school there is a 技工院校 in
    /// Chongqing, R19): its id or its unified social credit code. Absent: the institution's own
    /// school (in an import, a blank cell).
    #[schema(example = "52500000MJ0000001W")]
    #[validate(custom(function = "validate::line::<36>"))]
    pub school: Option<String>,
    /// 学号: the candidate's student number at that school.
    #[schema(example = "2024010101")]
    #[validate(custom(function = "validate::required_line::<30>"))]
    pub student_number: String,
    #[validate(custom(function = "validate::required_line::<100>"))]
    pub major: String,
    #[validate(custom(function = "validate::required_line::<100>"))]
    pub class_name: String,
    /// Confirmed full-time enrolled student (全日制在校学生), R19.
    #[validate(custom(function = "full_time"))]
    pub full_time_confirmed: bool,
    /// The candidate's own will (自愿) is recorded, R19.
    #[validate(custom(function = "consent"))]
    pub consent_recorded: bool,
    #[validate(custom(function = "validate::phone_or_blank"))]
    pub phone: Option<String>,
    pub occupation_code: String,
    pub work_type: Option<String>,
    #[schema(value_type = crate::schemas::LevelCodeSchema)]
    #[validate(custom(function = "validate::level"))]
    pub level: String,
}

/// R19: only full-time students.
fn full_time(confirmed: &bool) -> Result<(), ValidationError> {
    if *confirmed { Ok(()) } else { Err(validate::rule(Rule::FullTimeRequired, &[])) }
}

/// R19: only of their own will.
fn consent(recorded: &bool) -> Result<(), ValidationError> {
    if *recorded { Ok(()) } else { Err(validate::rule(Rule::ConsentRequired, &[])) }
}

/// What a candidate is checked against.
pub struct Context<'a> {
    pub plan: &'a plan::Model,
    pub occupations: &'a [plan_occupation::Model],
    pub schools: &'a Schools,
    pub today: NaiveDate,
    pub now: DateTime<Utc>,
    /// Seals the ID numbers of the rows (`persistence::sealed`).
    pub data_key: &'a persistence::sealed::DataKey,
}

/// The schools candidates may name: the institution's own, and those of the registry that the
/// rows name (by id or unified social credit code), looked up once.
pub struct Schools {
    pub own: school::Model,
    /// By [`school_key`]; `None` where the registry has no such school.
    pub named: HashMap<String, Option<school::Model>>,
}

impl Schools {
    /// Looks up the schools `named` (as written in the rows) in the registry.
    pub async fn resolve<'a>(
        db: &impl persistence::ConnectionTrait,
        own: school::Model,
        named: impl IntoIterator<Item = &'a str>,
    ) -> Result<Schools, ApiError> {
        let keys: std::collections::BTreeSet<String> = named.into_iter().filter_map(school_key).collect();
        let (mut ids, mut codes) = (Vec::new(), Vec::new());
        for key in &keys {
            match key.parse::<Uuid>() {
                Ok(id) => ids.push(id),
                Err(_) => codes.push(key.clone()),
            }
        }
        let schools = repo::school::by_ids_or_codes(db, &ids, &codes).await?;
        let mut found: HashMap<String, Option<school::Model>> = keys.into_iter().map(|k| (k, None)).collect();
        for s in schools {
            for key in [s.id.to_string(), s.credit_code.to_uppercase()] {
                if let Some(slot) = found.get_mut(&key) {
                    *slot = Some(s.clone());
                }
            }
        }
        Ok(Schools { own, named: found })
    }

    /// The school a row names (`None`: the institution's own), or `Err(())` when the registry
    /// has none by that id or code.
    fn of(&self, written: Option<&str>) -> Result<&school::Model, ()> {
        match written.and_then(school_key) {
            None => Ok(&self.own),
            Some(key) => self.named.get(&key).and_then(Option::as_ref).ok_or(()),
        }
    }
}

/// A school as a row names it, normalised: a UUID in its canonical form, a credit code in upper
/// case; `None` when blank.
pub fn school_key(written: &str) -> Option<String> {
    let w = written.trim();
    if w.is_empty() {
        return None;
    }
    Some(w.parse::<Uuid>().map_or_else(|_| w.to_uppercase(), |id| id.to_string()))
}

/// Checks one candidate: its own rules, then against the plan and the day; field names get
/// `prefix` (e.g. `rows[3].`).
pub fn check(
    input: &CandidateInput,
    ctx: &Context<'_>,
    prefix: &str,
) -> Result<candidate::Model, Vec<FieldError>> {
    let mut e = match input.validate() {
        Ok(()) => Vec::new(),
        Err(v) => validate::field_errors_under(&v, prefix.trim_end_matches('.')),
    };
    let gender = match input.gender.trim() {
        "male" | "男" => Some(Gender::Male),
        "female" | "女" => Some(Gender::Female),
        _ => None,
    };
    let id = ResidentId::parse(input.id_number.trim()).ok();
    if let Some(id) = &id {
        let age = id.age_on(ctx.today);
        if !STUDENT_AGE.contains(&age) {
            e.push(
                FieldError::new(format!("{prefix}id_number"), Rule::StudentAge)
                    .with("age", age)
                    .with("min", STUDENT_AGE.start())
                    .with("max", STUDENT_AGE.end()),
            );
        }
        if gender.is_some_and(|g| g != id.gender()) {
            e.push(FieldError::new(format!("{prefix}gender"), Rule::GenderMismatch));
        }
    }
    let name = validate::trimmed(&input.name);
    let student_number = validate::trimmed(&input.student_number);
    // R19: a technical-school student; the registry holds only 技工院校 in Chongqing.
    let school = ctx.schools.of(input.school.as_deref());
    if school.is_err() {
        e.push(
            FieldError::new(format!("{prefix}school"), Rule::SchoolNotRegistered)
                .with("school", input.school.as_deref().unwrap_or_default().trim()),
        );
    }
    let (major, class_name) = (validate::trimmed(&input.major), validate::trimmed(&input.class_name));
    let phone = validate::nonblank(&input.phone);
    let work_type = input.work_type.clone().unwrap_or_default().trim().to_owned();
    let level_ok = input.level.parse::<Level>().is_ok();
    let in_plan = ctx.occupations.iter().any(|o| {
        o.occupation_code == input.occupation_code.trim()
            && o.work_type == work_type
            && o.level == input.level.trim()
    });
    if level_ok && !in_plan {
        e.push(
            FieldError::new(format!("{prefix}occupation_code"), Rule::NotInPlan)
                .with("code", input.occupation_code.trim()),
        );
    }
    match (e.is_empty(), id, gender, school) {
        (true, Some(id), Some(gender), Ok(school)) => {
            let stored = ctx.data_key.store(&id);
            Ok(candidate::Model {
                id: Uuid::now_v7(),
                id_sealed: stored.sealed,
                id_hash: Some(stored.hash),
                id_masked: Some(stored.masked),
                plan_id: ctx.plan.id,
                own_school: school.id == ctx.schools.own.id,
                name,
                gender: gender.code().into(),
                school_name: school.name.clone(),
                school_id: Some(school.id),
                student_number,
                major,
                class_name,
                full_time_confirmed: true,
                consent_recorded: true,
                phone,
                occupation_code: input.occupation_code.trim().to_owned(),
                work_type,
                level: input.level.trim().to_owned(),
                created_at: ctx.now,
                photo_key: None,
                photo_media_type: None,
                photo_sha256: None,
                review_status: domain::results::ReviewStatus::Pending.code().into(),
                review_note: None,
                withdrawn_at: None,
                withdrawal_reason: None,
                withdrawn_by: None,
            })
        }
        _ => Err(e),
    }
}

/// 409 unless plan `p`'s candidates may change (a draft or returned plan).
pub fn editable(p: &plan::Model) -> Result<(), ApiError> {
    super::allows(p, PlanAction::ChangeCandidates, ("plan_action", "edit")).map(|_| ())
}

/// Inside the change: plan `plan_id` is still editable, and its version moves on, so that a
/// concurrent filing of the plan cannot miss this change.
async fn touch(change: &Change, plan_id: Uuid) -> Result<(), ApiError> {
    let current = repo::plan::find(change.db(), plan_id).await?.ok_or_else(ApiError::not_found)?;
    editable(&current)?;
    let version = current.version;
    repo::plan::save(change.db(), current.into(), version, change.now()).await?;
    Ok(())
}

/// The same person (by ID number's lookup hash) for the same occupation, work type and level.
pub fn key(c: &candidate::Model) -> (Option<String>, String, String, String) {
    (c.id_hash.clone(), c.occupation_code.clone(), c.work_type.clone(), c.level.clone())
}

/// Adds checked candidate `row` to its plan; the same person twice for the same occupation and
/// level is refused (409 `candidate_twice`).
pub async fn add(change: &mut Change, row: candidate::Model) -> Result<(), ApiError> {
    touch(change, row.plan_id).await?;
    if repo::plan::candidate_keys(change.db(), row.plan_id).await?.contains(&key(&row)) {
        return Err(ApiError::new(Problem::CandidateTwice));
    }
    let (plan_id, cid) = (row.plan_id, row.id);
    repo::plan::insert_candidates(change.db(), vec![row]).await?;
    change.record(
        "plan.candidate_added",
        ("plan", plan_id.to_string()),
        serde_json::json!({"candidate_id": cid}),
    );
    Ok(())
}

/// Adds the checked rows of an import to plan `plan_id`; `summary` counts what the file held.
pub async fn import(
    change: &mut Change,
    plan_id: Uuid,
    rows: Vec<candidate::Model>,
    summary: serde_json::Value,
) -> Result<(), ApiError> {
    touch(change, plan_id).await?;
    repo::plan::insert_candidates(change.db(), rows).await?;
    change.record("plan.candidates_imported", ("plan", plan_id.to_string()), summary);
    Ok(())
}

/// 409 unless candidate `candidate_id`'s photo may still change: until a certificate with a
/// photo has been issued for the listing (R29: the photo printed is the one on record). Checked
/// again in [`set_photo`]'s transaction; this answers early, before the file is stored.
pub async fn photo_editable(
    db: &impl persistence::ConnectionTrait,
    candidate_id: Uuid,
) -> Result<(), ApiError> {
    match repo::certificate::printed_photo(db, candidate_id).await? {
        Some(code) => Err(ApiError::new(Problem::PhotoLocked).with("code", code)),
        None => Ok(()),
    }
}

/// A stored photo file.
pub struct Photo {
    /// Where the file is, named by its content (never overwritten).
    pub key: String,
    pub media_type: &'static str,
    pub sha256: String,
}

/// Sets candidate `candidate_id`'s photo to `photo`, if its current photo is still `previous`
/// (412 otherwise: a concurrent upload won).
pub async fn set_photo(
    change: &mut Change,
    plan_id: Uuid,
    candidate_id: Uuid,
    photo: Photo,
    previous: Option<&str>,
) -> Result<(), ApiError> {
    let current = repo::plan::find(change.db(), plan_id).await?.ok_or_else(ApiError::not_found)?;
    if editable(&current).is_ok() {
        // Part of the draft: what is filed.
        touch(change, plan_id).await?;
    } else {
        // After filing, until issued: serialised with issuance, which locks the plan first.
        persistence::lock_row(change.db(), "plans", "id", plan_id.into()).await?;
        photo_editable(change.db(), candidate_id).await?;
    }
    let set = repo::results::set_photo(
        change.db(),
        candidate_id,
        &photo.key,
        photo.media_type,
        &photo.sha256,
        previous,
    )
    .await?;
    if !set {
        return Err(ApiError::new(Problem::PreconditionFailed));
    }
    change.record(
        "plan.photo_uploaded",
        ("plan", plan_id.to_string()),
        serde_json::json!({"candidate_id": candidate_id, "sha256": photo.sha256}),
    );
    Ok(())
}

/// Withdraws candidate `candidate_id` of plan `plan_id` (its school), with `reason`, until a
/// certificate is issued from the plan. The candidate stays on record with their results and
/// is left out of results entry, publicity, the report and issuance; the same person may be
/// listed again. Serialised with issuance by the lock on the plan's row.
pub async fn withdraw(
    change: &mut Change,
    plan_id: Uuid,
    candidate_id: Uuid,
    reason: &str,
) -> Result<candidate::Model, ApiError> {
    persistence::lock_row(change.db(), "plans", "id", plan_id.into()).await?;
    let p = repo::plan::find(change.db(), plan_id).await?.ok_or_else(ApiError::not_found)?;
    let c = repo::results::candidate(change.db(), candidate_id)
        .await?
        .filter(|c| c.plan_id == plan_id)
        .ok_or_else(ApiError::not_found)?;
    super::not_cancelled(&p, ("plan_action", "withdraw_candidate"))?;
    if repo::certificate::count_of_plan(change.db(), plan_id).await? > 0 {
        return Err(ApiError::new(Problem::CertificatesIssued));
    }
    if c.withdrawn_at.is_some() {
        return Err(ApiError::new(Problem::AlreadyWithdrawn));
    }
    repo::results::withdraw_candidate(change.db(), candidate_id, reason, change.actor_id(), change.now())
        .await?;
    // The plan's version moves on: a concurrent filing or report of the plan sees the change.
    let version = p.version;
    repo::plan::save(change.db(), p.into(), version, change.now()).await?;
    change.record(
        "plan.candidate_withdrawn",
        ("plan", plan_id.to_string()),
        serde_json::json!({"candidate_id": candidate_id, "reason": reason}),
    );
    repo::results::candidate(change.db(), candidate_id).await?.ok_or_else(ApiError::not_found)
}
