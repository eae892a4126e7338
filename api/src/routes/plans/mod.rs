//! Batch plans (计划报备, notice 四(一)): occupations and levels within the institution's scope
//! and validity (R15), sessions with examiners from its roster and supervisors (R18), the
//! assessment method, candidates; filed with the centre at least 10 working days ahead (R17).

pub mod candidates;
pub mod results;
pub mod roster;

use crate::audit;
use crate::auth::Caller;
use crate::context::RequestContext;
use crate::error::{ApiError, FieldError};
use crate::extract::{ApiJson, ApiQuery, ListBody, Pagination};
use crate::i18n::{Name, Problem, Rule};
use crate::state::AppState;
use crate::validate::Errors;
use crate::views::institution::status_on;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, put, web};
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use domain::plan::{PlanAction, PlanStatus, check_notice, transition};
use domain::{Level, Role};
use persistence::entity::{institution, plan, plan_occupation, plan_session};
use persistence::repo;
use persistence::sea_orm::ActiveValue::Set;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// Fields a list here can be sorted by (`sort`).
const SORTABLE: &[&str] = &["created_at", "title", "filed_on", "status"];

/// Final assessment components a plan may combine (notice 四(二)).
pub const COMPONENTS: [&str; 4] =
    ["theory_exam", "practical_exam", "enterprise_evaluation", "competition_selection"];
/// Session kinds.
pub const SESSION_KINDS: [&str; 5] =
    ["theory", "practical", "enterprise_evaluation", "competition", "process"];

/// How candidates are assessed.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssessmentMethod {
    /// Process assessment during teaching (过程考核) is part of the result.
    pub process_assessment: bool,
    /// Final components used: `theory_exam`, `practical_exam`, `enterprise_evaluation`,
    /// `competition_selection`.
    pub components: Vec<String>,
    /// Pass mark out of 100 for each assessed component, when the standard sets one other than
    /// 60 (R20).
    pub pass_mark: Option<u8>,
}

/// An occupation × level the plan assesses.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanOccupation {
    #[schema(example = "6-18-01-01")]
    pub occupation_code: String,
    /// 工种, if the scope names one.
    pub work_type: Option<String>,
    #[schema(value_type = crate::schemas::LevelCodeSchema)]
    pub level: String,
    /// The level's display name (in answers; ignored when sent).
    #[serde(default)]
    #[schema(read_only)]
    pub level_name: Option<String>,
}

/// A session (场次).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Session {
    pub occupation_code: String,
    #[schema(value_type = String, format = Date, example = "2026-12-15")]
    pub date: NaiveDate,
    /// `HH:MM`, China Standard Time.
    #[schema(example = "09:00")]
    pub starts_at: String,
    #[schema(example = "11:00")]
    pub ends_at: String,
    pub venue: String,
    /// `theory`, `practical`, `enterprise_evaluation`, `competition` or `process`.
    #[schema(example = "theory")]
    pub kind: String,
    /// The kind's display name (in answers; ignored when sent).
    #[serde(default)]
    #[schema(read_only)]
    pub kind_name: Option<String>,
    /// Examiners by examiner certificate number, from the institution's roster for this occupation.
    pub examiners: Vec<String>,
    /// Supervisors by name, from the institution's roster.
    pub supervisors: Vec<String>,
}

/// What a plan holds (sent whole when created or changed).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanBody {
    #[schema(example = "2026年12月数控车工批次")]
    pub title: String,
    pub method: AssessmentMethod,
    pub occupations: Vec<PlanOccupation>,
    pub sessions: Vec<Session>,
}

/// A plan as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlanView {
    pub id: Uuid,
    pub institution_id: Uuid,
    pub institution_code: String,
    pub institution_name: String,
    pub title: String,
    /// `draft`, `filed`, `returned` or `acknowledged`.
    pub status: String,
    pub status_name: String,
    /// Where its results stand: `assessment`, `publicity`, `reported`, `review_returned` or `reviewed`.
    pub phase: String,
    pub phase_name: String,
    pub method: AssessmentMethod,
    pub occupations: Vec<PlanOccupation>,
    pub sessions: Vec<Session>,
    pub candidates: u64,
    /// Date the plan (or its latest change) was filed, China Standard Time.
    pub filed_on: Option<NaiveDate>,
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub return_reasons: Option<String>,
    pub round: i32,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The `ETag` of a plan version.
pub fn etag(version: i32) -> String {
    format!("\"p{version}\"")
}

/// Whether the caller may see plans of this institution (R16, R38).
pub fn may_see(caller: &Caller, i: &institution::Model) -> bool {
    match caller.role {
        Role::Bureau | Role::Centre => true,
        Role::District => caller.user.district_code.as_deref() == Some(i.district_code.as_str()),
        Role::School => caller.user.school_id == Some(i.school_id),
        Role::Expert => false,
    }
}

/// Loads a plan and its institution, 404 outside the caller's scope.
pub async fn load(
    db: &impl persistence::ConnectionTrait,
    caller: &Caller,
    id: Uuid,
) -> Result<(plan::Model, institution::Model), ApiError> {
    let p = repo::plan::find(db, id).await?.ok_or_else(ApiError::not_found)?;
    let i = repo::institution::find(db, p.institution_id).await?.ok_or_else(ApiError::not_found)?;
    if !may_see(caller, &i) {
        return Err(ApiError::not_found());
    }
    Ok((p, i))
}

/// The plan's next status, or 409 naming the current one.
pub fn next(p: &plan::Model, action: PlanAction) -> Result<PlanStatus, ApiError> {
    let current = PlanStatus::from_code(&p.status).ok_or_else(|| ApiError::internal("bad plan status"))?;
    transition(current, action).map_err(|st| {
        ApiError::new(Problem::WrongStatus)
            .with_name("action", Name::Code("plan_action", action.code()))
            .with_name("status", Name::Code("plan_status", st.code()))
    })
}

/// Builds the view.
pub async fn view(
    db: &impl persistence::ConnectionTrait,
    p: plan::Model,
    i: &institution::Model,
    lang: crate::i18n::Lang,
) -> Result<PlanView, ApiError> {
    let occupations = repo::plan::occupations(db, p.id)
        .await?
        .into_iter()
        .map(|o| PlanOccupation {
            occupation_code: o.occupation_code,
            work_type: Some(o.work_type).filter(|w| !w.is_empty()),
            level_name: Some(crate::i18n::level_name(lang, &o.level)),
            level: o.level,
        })
        .collect();
    let sessions = repo::plan::sessions(db, p.id)
        .await?
        .into_iter()
        .map(session_of)
        .map(|mut s| {
            s.kind_name = Some(crate::i18n::code_name(lang, "session_kind", &s.kind));
            s
        })
        .collect();
    let candidates = repo::plan::candidate_count(db, p.id).await?;
    let method: AssessmentMethod = serde_json::from_value(p.method.clone()).map_err(ApiError::internal)?;
    Ok(PlanView {
        status_name: crate::i18n::group_code("plan_status", &p.status)
            .map_or_else(|| p.status.clone(), |(g, c)| crate::i18n::name(lang, Name::Code(g, c))),
        id: p.id,
        institution_id: i.id,
        institution_code: i.code.clone(),
        institution_name: i.name.clone(),
        title: p.title,
        status: p.status,
        phase_name: crate::i18n::code_name(lang, "plan_phase", &p.phase),
        phase: p.phase,
        method,
        occupations,
        sessions,
        candidates,
        filed_on: p.filed_on,
        acknowledged_at: p.acknowledged_at,
        return_reasons: p.return_reasons,
        round: p.round,
        version: p.version,
        created_at: p.created_at,
        updated_at: p.updated_at,
    })
}

fn session_of(s: plan_session::Model) -> Session {
    Session {
        occupation_code: s.occupation_code,
        date: s.day,
        starts_at: s.starts_at,
        ends_at: s.ends_at,
        venue: s.venue,
        kind: s.kind,
        kind_name: None,
        examiners: serde_json::from_value(s.examiners).unwrap_or_default(),
        supervisors: serde_json::from_value(s.supervisors).unwrap_or_default(),
    }
}

/// Checks a plan body against formats, the institution's scope and validity (R15) and roster
/// (R18). Returns the rows to store.
async fn check_body(
    db: &impl persistence::ConnectionTrait,
    i: &institution::Model,
    b: &PlanBody,
    plan_id: Uuid,
) -> Result<(Vec<plan_occupation::Model>, Vec<plan_session::Model>), ApiError> {
    let mut e = Errors::default();
    e.single_line("title", &b.title, 100);
    for (k, c) in b.method.components.iter().enumerate() {
        if !COMPONENTS.contains(&c.as_str()) {
            e.push(
                FieldError::new(format!("method.components[{k}]"), Rule::NotOneOf)
                    .with("allowed", COMPONENTS.join(", ")),
            );
        }
    }
    if b.method.pass_mark.is_some_and(|m| !(1..=100).contains(&m)) {
        e.push(FieldError::new("method.pass_mark", Rule::OutOfRange).with("min", 1).with("max", 100));
    }
    let scope = repo::institution::scope(db, i.id).await?;
    let mut occupations: Vec<plan_occupation::Model> = Vec::new();
    for (k, o) in b.occupations.iter().enumerate() {
        let work_type = o.work_type.clone().unwrap_or_default().trim().to_owned();
        let level = o.level.parse::<Level>();
        if level.is_err() {
            e.push(FieldError::new(format!("occupations[{k}].level"), Rule::InvalidLevel));
            continue;
        }
        let in_scope = scope.iter().any(|s| {
            s.occupation_code == o.occupation_code && s.work_type == work_type && s.level == o.level
        });
        if !in_scope {
            e.push(
                FieldError::new(format!("occupations[{k}]"), Rule::OutsideScope)
                    .with("code", &o.occupation_code)
                    .with_name("level", Name::Level(level.map_err(|()| ApiError::internal("checked"))?)),
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
    let roster = roster::of(db, i).await?;
    let mut sessions = Vec::new();
    for (k, s) in b.sessions.iter().enumerate() {
        let at = |f: &str| format!("sessions[{k}].{f}");
        if !b.occupations.iter().any(|o| o.occupation_code == s.occupation_code) {
            e.push(FieldError::new(at("occupation_code"), Rule::NotInPlan).with("code", &s.occupation_code));
        }
        let start = NaiveTime::parse_from_str(&s.starts_at, "%H:%M");
        let end = NaiveTime::parse_from_str(&s.ends_at, "%H:%M");
        match (start, end) {
            (Ok(a), Ok(z)) if a < z => {}
            (Ok(_), Ok(_)) => e.push(FieldError::new(at("ends_at"), Rule::EndBeforeStart)),
            _ => e.push(FieldError::new(at("starts_at"), Rule::InvalidTime)),
        }
        if s.date > i.valid_until {
            e.push(FieldError::new(at("date"), Rule::AfterValidity).with("valid_until", i.valid_until));
        }
        e.single_line(&at("venue"), &s.venue, 200);
        if !SESSION_KINDS.contains(&s.kind.as_str()) {
            e.push(FieldError::new(at("kind"), Rule::NotOneOf).with("allowed", SESSION_KINDS.join(", ")));
        }
        if s.examiners.is_empty() {
            e.push(FieldError::new(at("examiners"), Rule::TooFew).with("min", 1));
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
            }
        }
        if s.supervisors.is_empty() {
            e.push(FieldError::new(at("supervisors"), Rule::TooFew).with("min", 1));
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
    if b.occupations.len() > 100 || b.sessions.len() > 500 {
        e.push(FieldError::new("sessions", Rule::TooLong).with("max", 500));
    }
    e.finish()?;
    Ok((occupations, sessions))
}

/// Create a plan for the caller's own institution (school account; no one acts for another, R16).
/// A school without a filed institution gets 404.
#[utoipa::path(tag = "plans", security(("bearer" = [])), request_body = PlanBody,
    responses((status = 201, description = "A new draft", body = PlanView),
        (status = 404, description = "The school has no evaluation institution", body = crate::error::ProblemBody, content_type = "application/problem+json")))]
#[post("/plans")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    ctx: RequestContext,
    body: ApiJson<PlanBody>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::School])?;
    let school_id = caller.user.school_id.ok_or_else(ApiError::forbidden)?;
    let i = repo::institution::live_of_school(&state.db, school_id).await?.ok_or_else(ApiError::not_found)?;
    let id = Uuid::now_v7();
    let (occupations, sessions) = check_body(&state.db, &i, &body.0, id).await?;
    let now = state.clock.now();
    let tx = persistence::begin_write(&state.db).await?;
    let saved = repo::plan::insert(
        &tx,
        plan::Model {
            id,
            institution_id: i.id,
            title: body.0.title.trim().to_owned(),
            status: PlanStatus::Draft.code().into(),
            method: serde_json::to_value(&body.0.method).map_err(ApiError::internal)?,
            filed_on: None,
            filed_at: None,
            round: 1,
            return_reasons: None,
            acknowledged_at: None,
            version: 1,
            created_at: now,
            updated_at: now,
            phase: "assessment".into(),
            publicity_started_on: None,
            publicity_ends_on: None,
            report_round: 0,
            certificates_reported_at: None,
            certificates_acknowledged_at: None,
        },
    )
    .await?;
    repo::plan::replace_contents(&tx, id, occupations, sessions).await?;
    audit::record(
        &tx,
        &ctx,
        &caller,
        "plan.created",
        ("plan", id.to_string()),
        serde_json::json!({"institution": i.code}),
        now,
    )
    .await?;
    let v = view(&tx, saved, &i, ctx.lang).await?;
    tx.commit().await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/plans/{id}")))
        .insert_header((header::ETAG, etag(v.version)))
        .json(v))
}

/// Change a plan (its institution; `If-Match` required). While draft or returned anything may
/// change. On a filed or acknowledged plan the changed sessions are filed again: each must be at
/// least 10 working days after today (R17), and the plan goes back to `filed` for the centre.
#[utoipa::path(tag = "plans", security(("bearer" = [])),
    params(("id" = Uuid, Path), ("If-Match" = String, Header, description = "The plan's ETag")),
    request_body = PlanBody,
    responses((status = 200, description = "Changed", body = PlanView),
        (status = 412, description = "Stale If-Match", body = crate::error::ProblemBody, content_type = "application/problem+json"),
        (status = 428, description = "Missing If-Match", body = crate::error::ProblemBody, content_type = "application/problem+json")))]
#[put("/plans/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    caller: Caller,
    ctx: RequestContext,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: ApiJson<PlanBody>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::School])?;
    let (p, i) = load(&state.db, &caller, *id).await?;
    let if_match = crate::precondition::if_match(&req);
    let Some(if_match) = if_match else { return Err(ApiError::new(Problem::PreconditionRequired)) };
    next(&p, PlanAction::Edit)?;
    let (occupations, sessions) = check_body(&state.db, &i, &body.0, p.id).await?;
    let today = state.clock.today();
    let now = state.clock.now();
    let tx = persistence::begin_write(&state.db).await?;
    let current = repo::plan::find(&tx, p.id).await?.ok_or_else(ApiError::not_found)?;
    if if_match.trim() != "*" && if_match.trim() != etag(current.version) {
        return Err(ApiError::new(Problem::PreconditionFailed));
    }
    let next_status = next(&current, PlanAction::Edit)?;
    if current.phase != "assessment" {
        // Results are published, reported or reviewed: the plan they rest on no longer changes.
        return Err(ApiError::new(Problem::WrongStatus)
            .with_name("action", Name::Code("plan_action", "edit"))
            .with_name(
                "status",
                Name::Code(
                    "plan_phase",
                    crate::i18n::group_code("plan_phase", &current.phase).map_or("reported", |(_, c)| c),
                ),
            ));
    }
    let refiled = matches!(current.status.as_str(), "filed" | "acknowledged");
    if refiled {
        let inst = repo::institution::find(&tx, i.id).await?.ok_or_else(ApiError::not_found)?;
        status_on(&inst, today)?.may_act().map_err(|st| {
            ApiError::new(Problem::InstitutionNotActive)
                .with_name("status", Name::Code("institution_status", st.code()))
        })?;
    }
    if refiled {
        // Only sessions that differ from the filed ones are filed again.
        let old: Vec<Session> = repo::plan::sessions(&tx, p.id).await?.into_iter().map(session_of).collect();
        let dates: Vec<(NaiveDate, bool)> =
            body.0.sessions.iter().map(|s| (s.date, !old.contains(s))).collect();
        notice(&tx, today, &dates, ctx.lang).await?;
    }
    // The replaced contents go into the audit event, so every version of a plan stays traceable
    // (R32, R33).
    let previous = serde_json::json!({
        "occupations": repo::plan::occupations(&tx, p.id).await?,
        "sessions": repo::plan::sessions(&tx, p.id).await?,
    });
    repo::plan::replace_contents(&tx, p.id, occupations, sessions).await?;
    let version = current.version;
    let mut m: plan::ActiveModel = current.into();
    m.title = Set(body.0.title.trim().to_owned());
    m.method = Set(serde_json::to_value(&body.0.method).map_err(ApiError::internal)?);
    m.status = Set(next_status.code().into());
    if refiled {
        m.filed_on = Set(Some(today));
        m.filed_at = Set(Some(now));
        m.acknowledged_at = Set(None);
    }
    let saved = repo::plan::save(&tx, m, version, now).await?;
    audit::record(
        &tx,
        &ctx,
        &caller,
        "plan.changed",
        ("plan", p.id.to_string()),
        serde_json::json!({"refiled": refiled, "previous": previous}),
        now,
    )
    .await?;
    let v = view(&tx, saved, &i, ctx.lang).await?;
    tx.commit().await?;
    Ok(HttpResponse::Ok().insert_header((header::ETAG, etag(v.version))).json(v))
}

/// R17 for `dates` filed on `today`: 422 naming the earliest allowed date.
async fn notice(
    db: &impl persistence::ConnectionTrait,
    today: NaiveDate,
    dates: &[(NaiveDate, bool)],
    _lang: crate::i18n::Lang,
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

/// Filters for plans.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PlanQuery {
    /// `draft`, `filed`, `returned` or `acknowledged`.
    pub status: Option<String>,
    #[param(minimum = 1, maximum = 100000)]
    pub page: Option<u64>,
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<u64>,
    /// Sort by `created_at`, `title`, `filed_on`, `status` (`-` first for descending, e.g. `-created_at`).
    pub sort: Option<String>,
}

/// Plans the caller may see: an institution its own (R16), a district its district's (R38),
/// centre and bureau all.
#[utoipa::path(tag = "plans", security(("bearer" = [])), params(PlanQuery),
    responses((status = 200, description = "A page of plans", body = ListBody<PlanView>)))]
#[get("/plans")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    ctx: RequestContext,
    query: ApiQuery<PlanQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Bureau, Role::Centre, Role::District, Role::School])?;
    let q = query.0;
    let mut errors = Vec::new();
    let page =
        Pagination { page: q.page, per_page: q.per_page, sort: q.sort.clone() }.check(&mut errors, SORTABLE);
    if q.status.as_deref().is_some_and(|s| PlanStatus::from_code(s).is_none()) {
        errors.push(
            FieldError::new("status", Rule::NotOneOf).with("allowed", "draft, filed, returned, acknowledged"),
        );
    }
    if !errors.is_empty() {
        return Err(ApiError { errors, ..ApiError::new(Problem::InvalidQuery) });
    }
    let institution_ids = match caller.role {
        Role::School => Some(
            repo::institution::list(
                &state.db,
                &repo::institution::Filter { school_id: caller.user.school_id, ..Default::default() },
                all(),
            )
            .await?
            .items
            .into_iter()
            .map(|i| i.id)
            .collect(),
        ),
        Role::District => Some(
            repo::institution::list(
                &state.db,
                &repo::institution::Filter {
                    district_code: caller.user.district_code.clone(),
                    ..Default::default()
                },
                all(),
            )
            .await?
            .items
            .into_iter()
            .map(|i| i.id)
            .collect(),
        ),
        _ => None,
    };
    let found =
        repo::plan::list(&state.db, &repo::plan::Filter { institution_ids, status: q.status }, page).await?;
    let mut items = Vec::new();
    for p in found.items {
        let i = repo::institution::find(&state.db, p.institution_id)
            .await?
            .ok_or_else(|| ApiError::internal("plan without institution"))?;
        items.push(view(&state.db, p, &i, ctx.lang).await?);
    }
    Ok(HttpResponse::Ok().json(ListBody {
        items,
        total: found.total,
        page: page.page,
        per_page: page.per_page,
    }))
}

fn all() -> repo::PageRequest {
    repo::PageRequest { page: 1, per_page: 100_000, sort: None }
}

/// One plan.
#[utoipa::path(tag = "plans", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, description = "The plan", body = PlanView, headers(("ETag" = String, description = "Its version")))))]
#[get("/plans/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    ctx: RequestContext,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let (p, i) = load(&state.db, &caller, *id).await?;
    let v = view(&state.db, p, &i, ctx.lang).await?;
    Ok(HttpResponse::Ok().insert_header((header::ETAG, etag(v.version))).json(v))
}

/// File the plan with the centre (its institution). Refused when the institution is expired,
/// suspended or cancelled (R12), when contents are missing (R18: occupations, sessions with
/// examiners and supervisors, method, candidates), or when a session is sooner than 10 working
/// days after today (R17; the answer gives the earliest allowed date).
#[utoipa::path(tag = "plans", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, description = "Filed", body = PlanView),
        (status = 409, description = "Wrong status or institution not active", body = crate::error::ProblemBody, content_type = "application/problem+json")))]
#[post("/plans/{id}/file")]
pub async fn file(
    state: web::Data<AppState>,
    caller: Caller,
    ctx: RequestContext,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::School])?;
    let (p, i) = load(&state.db, &caller, *id).await?;
    let next_status = next(&p, PlanAction::File)?;
    let today = state.clock.today();
    let status = status_on(&i, today)?;
    status.may_act().map_err(|st| {
        ApiError::new(Problem::InstitutionNotActive)
            .with_name("status", Name::Code("institution_status", st.code()))
    })?;
    let occupations = repo::plan::occupations(&state.db, p.id).await?;
    let sessions = repo::plan::sessions(&state.db, p.id).await?;
    let method: AssessmentMethod = serde_json::from_value(p.method.clone()).map_err(ApiError::internal)?;
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
    if repo::plan::candidate_count(&state.db, p.id).await? == 0 {
        e.push(FieldError::new("candidates", Rule::TooFew).with("min", 1));
    }
    e.finish()?;
    let now = state.clock.now();
    let tx = persistence::begin_write(&state.db).await?;
    let dates: Vec<(NaiveDate, bool)> = sessions.iter().map(|s| (s.day, true)).collect();
    notice(&tx, today, &dates, ctx.lang).await?;
    let current = repo::plan::find(&tx, p.id).await?.ok_or_else(ApiError::not_found)?;
    next(&current, PlanAction::File)?;
    if current.version != p.version {
        // The sessions and candidates checked above changed meanwhile.
        return Err(ApiError::new(Problem::ConcurrentChange));
    }
    let version = current.version;
    let mut m: plan::ActiveModel = current.into();
    m.status = Set(next_status.code().into());
    m.filed_on = Set(Some(today));
    m.filed_at = Set(Some(now));
    let saved = repo::plan::save(&tx, m, version, now).await?;
    audit::record(
        &tx,
        &ctx,
        &caller,
        "plan.filed",
        ("plan", p.id.to_string()),
        serde_json::json!({"filed_on": today, "sessions": sessions.len()}),
        now,
    )
    .await?;
    let v = view(&tx, saved, &i, ctx.lang).await?;
    tx.commit().await?;
    Ok(HttpResponse::Ok().insert_header((header::ETAG, etag(v.version))).json(v))
}

/// The centre's answer to a filed plan.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReturnPlan {
    pub reasons: String,
}

/// Acknowledge a filed plan (centre).
#[utoipa::path(tag = "plans", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, description = "Acknowledged", body = PlanView),
        (status = 409, description = "Not filed", body = crate::error::ProblemBody, content_type = "application/problem+json")))]
#[post("/plans/{id}/acknowledge")]
pub async fn acknowledge(
    state: web::Data<AppState>,
    caller: Caller,
    ctx: RequestContext,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Centre])?;
    let (_, i) = load(&state.db, &caller, *id).await?;
    let now = state.clock.now();
    let tx = persistence::begin_write(&state.db).await?;
    let current = repo::plan::find(&tx, *id).await?.ok_or_else(ApiError::not_found)?;
    let next_status = next(&current, PlanAction::Acknowledge)?;
    let version = current.version;
    let mut m: plan::ActiveModel = current.into();
    m.status = Set(next_status.code().into());
    m.acknowledged_at = Set(Some(now));
    let saved = repo::plan::save(&tx, m, version, now).await?;
    audit::record(
        &tx,
        &ctx,
        &caller,
        "plan.acknowledged",
        ("plan", id.to_string()),
        serde_json::json!({}),
        now,
    )
    .await?;
    let v = view(&tx, saved, &i, ctx.lang).await?;
    tx.commit().await?;
    Ok(HttpResponse::Ok().json(v))
}

/// Return a filed plan to the institution with reasons (centre).
#[utoipa::path(tag = "plans", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = ReturnPlan,
    responses((status = 200, description = "Returned", body = PlanView),
        (status = 409, description = "Not filed", body = crate::error::ProblemBody, content_type = "application/problem+json")))]
#[post("/plans/{id}/return")]
pub async fn return_plan(
    state: web::Data<AppState>,
    caller: Caller,
    ctx: RequestContext,
    id: web::Path<Uuid>,
    body: ApiJson<ReturnPlan>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Centre])?;
    let (_, i) = load(&state.db, &caller, *id).await?;
    let reasons = domain::text::multi_line(&body.0.reasons, 2000)
        .map(str::to_owned)
        .map_err(|_| ApiError::validation(vec![FieldError::new("reasons", Rule::Blank)]))?;
    let now = state.clock.now();
    let tx = persistence::begin_write(&state.db).await?;
    let current = repo::plan::find(&tx, *id).await?.ok_or_else(ApiError::not_found)?;
    let next_status = next(&current, PlanAction::Return)?;
    let version = current.version;
    let round = current.round;
    let mut m: plan::ActiveModel = current.into();
    m.status = Set(next_status.code().into());
    m.return_reasons = Set(Some(reasons.clone()));
    m.round = Set(round + 1);
    let saved = repo::plan::save(&tx, m, version, now).await?;
    audit::record(
        &tx,
        &ctx,
        &caller,
        "plan.returned",
        ("plan", id.to_string()),
        serde_json::json!({"reasons": reasons, "round": round}),
        now,
    )
    .await?;
    let v = view(&tx, saved, &i, ctx.lang).await?;
    tx.commit().await?;
    Ok(HttpResponse::Ok().json(v))
}
