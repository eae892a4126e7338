//! Batch plans (计划报备, notice 四(一)): created and changed by their institution within its scope
//! and validity (R15) and roster (R18), filed with the centre at least 10 working days ahead
//! (R17), acknowledged or returned by the centre.

pub mod cancellation;
pub mod candidates;
pub mod objections;
pub mod results;

use super::Change;
use crate::error::{ApiError, FieldError};
use crate::i18n::{Name, Problem, Rule};
use crate::validate::Errors;
use crate::views::institution::status_on;
use crate::views::plan::{AssessmentMethod, PlanBody, Session, etag, session_of};
pub use cancellation::cancel;
pub(crate) use cancellation::not_cancelled;
use chrono::{NaiveDate, NaiveTime};
use domain::Level;
use domain::plan::{PlanAction, PlanPhase, PlanStatus, check_notice, transition};
use persistence::entity::{institution, plan, plan_occupation, plan_session};
use persistence::repo;
use persistence::sea_orm::ActiveValue::Set;
use uuid::Uuid;

/// The plan's next status, or 409 naming the current one.
pub fn next(p: &plan::Model, action: PlanAction) -> Result<PlanStatus, ApiError> {
    allows(p, action, ("plan_action", action.code()))
}

/// Plan `p`'s status after `action`, or 409 naming its status and the action as `named` (a code
/// and its display-name group: the step the caller tried, which may be more specific than the
/// plan action, e.g. `result_action`/`photo`).
pub(crate) fn allows(
    p: &plan::Model,
    action: PlanAction,
    named: (&'static str, &'static str),
) -> Result<PlanStatus, ApiError> {
    transition(p.plan_status()?, action).map_err(|st| {
        ApiError::new(Problem::WrongStatus)
            .with_name("action", Name::Code(named.0, named.1))
            .with_name("status", Name::Code("plan_status", st.code()))
    })
}

/// 409 unless the institution may act today (not expired, suspended or cancelled, R12).
fn may_act(i: &institution::Model, today: NaiveDate) -> Result<(), ApiError> {
    status_on(i, today)?.may_act().map_err(|st| {
        ApiError::new(Problem::InstitutionNotActive)
            .with_name("status", Name::Code("institution_status", st.code()))
    })
}

/// Checks a plan body against the institution's scope and validity (R15) and roster (R18), and
/// reports what it finds with `found`, the violations of the body's own rules (formats:
/// `PlanBody`). Returns the rows to store.
pub async fn contents(
    db: &impl persistence::ConnectionTrait,
    i: &institution::Model,
    b: &PlanBody,
    found: Errors,
    plan_id: Uuid,
) -> Result<(Vec<plan_occupation::Model>, Vec<plan_session::Model>), ApiError> {
    let mut e = found;
    let scope = repo::institution::scope(db, i.id).await?;
    let bases: Vec<Uuid> = scope.iter().map(|s| s.standard_id).collect();
    let withdrawn = repo::standard::withdrawn_of(db, &bases).await?;
    let mut occupations: Vec<plan_occupation::Model> = Vec::new();
    for (k, o) in b.occupations.iter().enumerate() {
        let work_type = o.work_type.clone().unwrap_or_default().trim().to_owned();
        // A level that is no level is among the body's violations (`found`) already.
        let Ok(level) = o.level.parse::<Level>() else { continue };
        let in_scope = scope.iter().any(|s| {
            s.occupation_code == o.occupation_code && s.work_type == work_type && s.level == o.level
        });
        if !in_scope {
            e.push(
                FieldError::new(format!("occupations[{k}]"), Rule::OutsideScope)
                    .with("code", &o.occupation_code)
                    .with_name("level", Name::Level(level)),
            );
        }
        // A plan assesses against the scope row's basis: not a withdrawn one.
        let basis = scope.iter().find(|s| {
            s.occupation_code == o.occupation_code && s.work_type == work_type && s.level == o.level
        });
        if let Some(row) = basis.filter(|r| withdrawn.contains(&r.standard_id)) {
            let title =
                repo::standard::find(db, row.standard_id).await?.map(|(s, _)| s.title).unwrap_or_default();
            e.push(
                FieldError::new(format!("occupations[{k}]"), Rule::StandardWithdrawn).with("title", title),
            );
        }
        if occupations
            .iter()
            .any(|x| x.occupation_code == o.occupation_code && x.work_type == work_type && x.level == o.level)
        {
            e.push(FieldError::new(format!("occupations[{k}]"), Rule::Duplicate));
            continue;
        }
        occupations.push(plan_occupation::Model {
            plan_id,
            occupation_code: o.occupation_code.clone(),
            work_type,
            level: o.level.clone(),
        });
    }
    let roster = crate::views::roster::of(db, i).await?;
    let named: Vec<String> = b.sessions.iter().flat_map(|s| s.examiners.iter().cloned()).collect();
    let registry = crate::use_case::personnel::examiners(db, &named).await?;
    let mut sessions = Vec::new();
    for (k, s) in b.sessions.iter().enumerate() {
        let at = |f: &str| format!("sessions[{k}].{f}");
        if !b.occupations.iter().any(|o| o.occupation_code == s.occupation_code) {
            e.push(FieldError::new(at("occupation_code"), Rule::NotInPlan).with("code", &s.occupation_code));
        }
        let start = NaiveTime::parse_from_str(&s.starts_at, "%H:%M");
        let end = NaiveTime::parse_from_str(&s.ends_at, "%H:%M");
        if let (Ok(a), Ok(z)) = (start, end)
            && a >= z
        {
            e.push(FieldError::new(at("ends_at"), Rule::EndBeforeStart));
        }
        if s.date > i.valid_until {
            e.push(FieldError::new(at("date"), Rule::AfterValidity).with("valid_until", i.valid_until));
        }
        for (x, cert) in s.examiners.iter().enumerate() {
            let ok = roster
                .examiners
                .iter()
                .any(|r| r.certificate_number == *cert && r.occupation_codes.contains(&s.occupation_code));
            if !ok {
                e.push(
                    FieldError::new(format!("sessions[{k}].examiners[{x}]"), Rule::NotOnRoster)
                        .with("name", cert),
                );
                continue;
            }
            // Registered, valid on the session's day, qualified for the occupation at every
            // level the plan assesses it (notice 五(一)).
            let needs: Vec<(String, Level)> = b
                .occupations
                .iter()
                .filter(|o| o.occupation_code == s.occupation_code)
                .filter_map(|o| o.level.parse::<Level>().ok())
                .map(|l| (s.occupation_code.clone(), l))
                .collect();
            e.0.extend(crate::use_case::personnel::examiner_errors(
                &registry,
                &format!("sessions[{k}].examiners[{x}]"),
                cert,
                None,
                s.date,
                &needs,
            ));
        }
        for (x, name) in s.supervisors.iter().enumerate() {
            if !roster.supervisors.iter().any(|r| r.name == *name) {
                e.push(
                    FieldError::new(format!("sessions[{k}].supervisors[{x}]"), Rule::NotOnRoster)
                        .with("name", name),
                );
            }
        }
        sessions.push(plan_session::Model {
            id: Uuid::now_v7(),
            plan_id,
            occupation_code: s.occupation_code.clone(),
            day: s.date,
            starts_at: s.starts_at.clone(),
            ends_at: s.ends_at.clone(),
            venue: s.venue.trim().to_owned(),
            kind: s.kind.clone(),
            examiners: serde_json::json!(s.examiners),
            supervisors: serde_json::json!(s.supervisors),
        });
    }
    e.finish()?;
    Ok((occupations, sessions))
}

/// R17 for `dates` filed on `today`: 422 naming the earliest allowed date.
async fn notice(
    db: &impl persistence::ConnectionTrait,
    today: NaiveDate,
    dates: &[(NaiveDate, bool)],
) -> Result<(), ApiError> {
    let cal = repo::calendar::calendar(db).await?;
    check_notice(&cal, today, dates).map(|_| ()).map_err(|too_soon| {
        let errors = too_soon
            .sessions
            .iter()
            .map(|k| {
                FieldError::new(format!("sessions[{k}].date"), Rule::TooSoon)
                    .with("earliest", too_soon.earliest)
                    .with("days", domain::plan::NOTICE_WORKING_DAYS)
            })
            .collect();
        ApiError { errors, ..ApiError::new(Problem::NoticeTooShort) }.with("earliest", too_soon.earliest)
    })
}

/// Creates draft plan `body` for school `school_id`'s live institution (404 without one; no one
/// acts for another, R16), its contents checked by [`contents`] (`found`: the violations of the
/// body's own rules).
pub async fn create(
    change: &mut Change,
    school_id: Uuid,
    body: &PlanBody,
    found: Errors,
) -> Result<plan::Model, ApiError> {
    let i =
        repo::institution::live_of_school(change.db(), school_id).await?.ok_or_else(ApiError::not_found)?;
    let id = Uuid::now_v7();
    let (occupations, sessions) = contents(change.db(), &i, body, found, id).await?;
    let now = change.now();
    let saved = repo::plan::insert(
        change.db(),
        plan::Model {
            id,
            institution_id: i.id,
            title: body.title.trim().to_owned(),
            status: PlanStatus::Draft.code().into(),
            method: serde_json::to_value(&body.method).map_err(ApiError::internal)?,
            filed_on: None,
            filed_at: None,
            round: 1,
            return_reasons: None,
            acknowledged_at: None,
            version: 1,
            created_at: now,
            updated_at: now,
            phase: PlanPhase::Assessment.code().into(),
            publicity_started_on: None,
            publicity_ends_on: None,
            report_round: 0,
            certificates_reported_at: None,
            certificates_acknowledged_at: None,
            publicity_started_at: None,
            publicity_round: 0,
            previous_publicity_at: None,
            cancelled_at: None,
            cancellation_reason: None,
            cancelled_by: None,
        },
    )
    .await?;
    repo::plan::replace_contents(change.db(), id, occupations, sessions).await?;
    change.record("plan.created", ("plan", id.to_string()), serde_json::json!({"institution": i.code}));
    Ok(saved)
}

/// Replaces plan `id`'s contents with `body` (checked by [`contents`]), if `if_match` is its
/// ETag (or `*`). While draft or returned anything may change; a filed or acknowledged plan's
/// changed sessions are filed again (R17 applies to them) and it goes back to `filed`. Once its
/// results are published the plan no longer changes.
pub async fn change(
    change: &mut Change,
    id: Uuid,
    if_match: &str,
    body: &PlanBody,
    found: Errors,
) -> Result<plan::Model, ApiError> {
    let (today, now) = (change.today(), change.now());
    let tx = change.db();
    let current = repo::plan::find(tx, id).await?.ok_or_else(ApiError::not_found)?;
    let next_status = next(&current, PlanAction::Edit)?;
    let i = repo::institution::find(tx, current.institution_id).await?.ok_or_else(ApiError::not_found)?;
    let (occupations, sessions) = contents(tx, &i, body, found, id).await?;
    if if_match.trim() != "*" && if_match.trim() != etag(current.version) {
        return Err(ApiError::new(Problem::PreconditionFailed));
    }
    let phase = current.plan_phase()?;
    if domain::plan::phase_transition(phase, domain::plan::ResultsAction::EditPlan).is_err() {
        // Results are published, reported or reviewed: the plan they rest on no longer changes.
        return Err(ApiError::new(Problem::WrongStatus)
            .with_name("action", Name::Code("plan_action", "edit"))
            .with_name("status", Name::Code("plan_phase", phase.code())));
    }
    let refiled = matches!(current.plan_status()?, PlanStatus::Filed | PlanStatus::Acknowledged);
    if refiled {
        may_act(&i, today)?;
        // Only sessions that differ from the filed ones are filed again.
        let old: Vec<Session> = repo::plan::sessions(tx, id).await?.into_iter().map(session_of).collect();
        let dates: Vec<(NaiveDate, bool)> =
            body.sessions.iter().map(|s| (s.date, !old.contains(s))).collect();
        notice(tx, today, &dates).await?;
    }
    // The replaced contents go into the audit event, so every version of a plan stays traceable
    // (R32, R33).
    let previous = serde_json::json!({
        "occupations": repo::plan::occupations(tx, id).await?,
        "sessions": repo::plan::sessions(tx, id).await?,
    });
    repo::plan::replace_contents(tx, id, occupations, sessions).await?;
    let version = current.version;
    let mut m: plan::ActiveModel = current.into();
    m.title = Set(body.title.trim().to_owned());
    m.method = Set(serde_json::to_value(&body.method).map_err(ApiError::internal)?);
    m.status = Set(next_status.code().into());
    if refiled {
        m.filed_on = Set(Some(today));
        m.filed_at = Set(Some(now));
        m.acknowledged_at = Set(None);
    }
    let saved = repo::plan::save(tx, m, version, now).await?;
    change.record(
        "plan.changed",
        ("plan", id.to_string()),
        serde_json::json!({"refiled": refiled, "previous": previous}),
    );
    Ok(saved)
}

/// Files plan `id` with the centre. Refused when the institution may not act (R12), when contents
/// are missing (R18: occupations, sessions for each, method, candidates), or when a session is
/// sooner than 10 working days after today (R17).
pub async fn file(change: &mut Change, id: Uuid) -> Result<plan::Model, ApiError> {
    let (today, now) = (change.today(), change.now());
    let tx = change.db();
    let current = repo::plan::find(tx, id).await?.ok_or_else(ApiError::not_found)?;
    let next_status = next(&current, PlanAction::File)?;
    let i = repo::institution::find(tx, current.institution_id).await?.ok_or_else(ApiError::not_found)?;
    may_act(&i, today)?;
    let occupations = repo::plan::occupations(tx, id).await?;
    let sessions = repo::plan::sessions(tx, id).await?;
    let method: AssessmentMethod =
        serde_json::from_value(current.method.clone()).map_err(ApiError::internal)?;
    let mut e = Errors::default();
    if occupations.is_empty() {
        e.push(FieldError::new("occupations", Rule::TooFew).with("min", 1));
    }
    for (k, o) in occupations.iter().enumerate() {
        if !sessions.iter().any(|s| s.occupation_code == o.occupation_code) {
            e.push(
                FieldError::new(format!("occupations[{k}]"), Rule::NoSession)
                    .with("code", &o.occupation_code),
            );
        }
    }
    if method.components.is_empty() {
        e.push(FieldError::new("method.components", Rule::TooFew).with("min", 1));
    }
    if repo::plan::candidate_count(tx, id).await? == 0 {
        e.push(FieldError::new("candidates", Rule::TooFew).with("min", 1));
    }
    e.finish()?;
    let dates: Vec<(NaiveDate, bool)> = sessions.iter().map(|s| (s.day, true)).collect();
    notice(tx, today, &dates).await?;
    let version = current.version;
    let mut m: plan::ActiveModel = current.into();
    m.status = Set(next_status.code().into());
    m.filed_on = Set(Some(today));
    m.filed_at = Set(Some(now));
    let saved = repo::plan::save(tx, m, version, now).await?;
    change.record(
        "plan.filed",
        ("plan", id.to_string()),
        serde_json::json!({"filed_on": today, "sessions": sessions.len()}),
    );
    Ok(saved)
}

/// The centre acknowledges filed plan `id`.
pub async fn acknowledge(change: &mut Change, id: Uuid) -> Result<plan::Model, ApiError> {
    let current = repo::plan::find(change.db(), id).await?.ok_or_else(ApiError::not_found)?;
    let next_status = next(&current, PlanAction::Acknowledge)?;
    let version = current.version;
    let mut m: plan::ActiveModel = current.into();
    m.status = Set(next_status.code().into());
    m.acknowledged_at = Set(Some(change.now()));
    let saved = repo::plan::save(change.db(), m, version, change.now()).await?;
    change.record("plan.acknowledged", ("plan", id.to_string()), serde_json::json!({}));
    Ok(saved)
}

/// The centre returns filed plan `id` to its institution with `reasons`.
pub async fn return_plan(change: &mut Change, id: Uuid, reasons: &str) -> Result<plan::Model, ApiError> {
    let current = repo::plan::find(change.db(), id).await?.ok_or_else(ApiError::not_found)?;
    let next_status = next(&current, PlanAction::Return)?;
    let (version, round) = (current.version, current.round);
    let mut m: plan::ActiveModel = current.into();
    m.status = Set(next_status.code().into());
    m.return_reasons = Set(Some(reasons.to_owned()));
    m.round = Set(round + 1);
    let saved = repo::plan::save(change.db(), m, version, change.now()).await?;
    change.record(
        "plan.returned",
        ("plan", id.to_string()),
        serde_json::json!({"reasons": reasons, "round": round}),
    );
    Ok(saved)
}
