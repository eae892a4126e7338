//! Double-random inspections (双随机、一公开, R36): the bureau keeps an inspector pool and defines
//! inspection tasks; institutions and inspectors are drawn with a recorded seed that is published
//! with the task, together with the population and the pool in draw order, so anyone can repeat
//! the draw (`docs/SUPERVISION.md`, `docs/reproduce_draw.py`). An inspector is never drawn for the
//! school that employs them. Results are recorded once and published.

use super::query_errors;
use crate::audit;
use crate::auth::Caller;
use crate::context::RequestContext;
use crate::error::{ApiError, FieldError};
use crate::extract::{ApiJson, ApiQuery, ListBody, Pagination};
use crate::i18n::{self, Lang, Problem, Rule};
use crate::state::AppState;
use crate::validate::Errors;
use crate::views::institution::status_on;
use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use domain::Role;
use domain::institution::InstitutionStatus;
use domain::supervision::{self as rules, INSPECTION_RESULTS};
use persistence::entity::{inspection_target, inspection_task, inspector};
use persistence::repo;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use utoipa::ToSchema;
use uuid::Uuid;

/// An inspector to add to the pool.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewInspector {
    pub name: String,
    /// Where they work (e.g. 市职业技能鉴定指导中心, or a school).
    pub organisation: String,
    /// The school that employs them, if it is a school: they are never drawn for its
    /// institution.
    pub employer_school_id: Option<Uuid>,
}

/// An inspector of the pool.
#[derive(Debug, Serialize, ToSchema)]
pub struct InspectorView {
    pub id: Uuid,
    pub name: String,
    pub organisation: String,
    pub employer_school_id: Option<Uuid>,
    pub active: bool,
    pub created_at: DateTime<Utc>,
}

fn inspector_view(i: inspector::Model) -> InspectorView {
    InspectorView {
        id: i.id,
        name: i.name,
        organisation: i.organisation,
        employer_school_id: i.employer_school_id,
        active: i.active,
        created_at: i.created_at,
    }
}

/// Add an inspector to the pool (bureau).
#[utoipa::path(tag = "supervision", security(("bearer" = [])), request_body = NewInspector,
    responses((status = 201, description = "Added", body = InspectorView)))]
#[post("/inspectors")]
pub async fn add_inspector(
    state: web::Data<AppState>,
    caller: Caller,
    ctx: RequestContext,
    body: ApiJson<NewInspector>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Bureau])?;
    let b = body.0;
    let mut e = Errors::default();
    let name = e.single_line("name", &b.name, 50);
    let organisation = e.single_line("organisation", &b.organisation, 100);
    if let Some(s) = b.employer_school_id
        && repo::school::find(&state.db, s).await?.is_none()
    {
        e.push(FieldError::new("employer_school_id", Rule::UnknownSchool));
    }
    e.finish()?;
    let now = state.clock.now();
    let m = inspector::Model {
        id: Uuid::now_v7(),
        name: name.unwrap_or_default(),
        organisation: organisation.unwrap_or_default(),
        employer_school_id: b.employer_school_id,
        active: true,
        created_at: now,
    };
    let tx = persistence::begin_write(&state.db).await?;
    repo::supervision::insert_inspector(&tx, m.clone()).await?;
    audit::record(
        &tx,
        &ctx,
        &caller,
        "inspector.added",
        ("inspector", m.id.to_string()),
        serde_json::json!({"organisation": m.organisation, "employer_school_id": m.employer_school_id}),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(HttpResponse::Created().json(inspector_view(m)))
}

/// Take an inspector out of future draws (bureau), e.g. when they leave; past draws keep them.
#[utoipa::path(tag = "supervision", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, description = "Deactivated", body = InspectorView)))]
#[post("/inspectors/{id}/deactivate")]
pub async fn deactivate_inspector(
    state: web::Data<AppState>,
    caller: Caller,
    ctx: RequestContext,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Bureau])?;
    repo::supervision::inspector(&state.db, *id).await?.ok_or_else(ApiError::not_found)?;
    let now = state.clock.now();
    let tx = persistence::begin_write(&state.db).await?;
    if repo::supervision::deactivate_inspector(&tx, *id).await? {
        audit::record(
            &tx,
            &ctx,
            &caller,
            "inspector.deactivated",
            ("inspector", id.to_string()),
            serde_json::json!({}),
            now,
        )
        .await?;
    }
    let i = repo::supervision::inspector(&tx, *id).await?.ok_or_else(ApiError::not_found)?;
    tx.commit().await?;
    Ok(HttpResponse::Ok().json(inspector_view(i)))
}

crate::paged_query!(
    InspectorPage,
    "Sort by `name`, `organisation`, `created_at` (`-` first for descending, e.g. `name`)."
);

/// The inspector pool (bureau, centre), in draw order (by id).
#[utoipa::path(tag = "supervision", security(("bearer" = [])), params(InspectorPage),
    responses((status = 200, description = "A page of the pool", body = ListBody<InspectorView>)))]
#[get("/inspectors")]
pub async fn inspectors(
    state: web::Data<AppState>,
    caller: Caller,
    query: ApiQuery<InspectorPage>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Bureau, Role::Centre])?;
    let mut errors = Vec::new();
    let page = query.0.pagination().check(&mut errors, &["name", "organisation", "created_at"]);
    query_errors(errors)?;
    let found = repo::supervision::inspectors_page(&state.db, page).await?;
    let items = found.items.into_iter().map(inspector_view).collect();
    Ok(HttpResponse::Ok().json(ListBody::<InspectorView> {
        items,
        total: found.total,
        page: page.page,
        per_page: page.per_page,
    }))
}

/// Which institutions may be drawn.
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Criteria {
    /// Only institutions of these districts (all when empty or absent).
    #[serde(default)]
    pub district_codes: Vec<String>,
    /// Only institutions whose scope includes this occupation.
    pub occupation_code: Option<String>,
}

/// An inspection task to define and draw.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTask {
    pub title: String,
    /// `on_site` (现场检查), `special` (专项检查) or `comprehensive` (综合检查).
    #[schema(example = "on_site")]
    pub kind: String,
    #[serde(default)]
    pub criteria: Criteria,
    /// How many institutions to draw (at most the population).
    #[schema(example = 3, minimum = 1)]
    pub sample_size: i32,
    /// How many inspectors per drawn institution (1–5, default 2).
    #[schema(example = 2, minimum = 1, maximum = 5)]
    pub inspectors_per_institution: Option<i32>,
    /// The pool: these inspectors only (all active inspectors when absent).
    pub inspector_ids: Option<Vec<Uuid>>,
}

/// A population member as published: enough to repeat the draw.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PopulationEntry {
    pub institution_code: String,
    pub institution_id: Uuid,
    pub school_id: Uuid,
}

/// A pool member as published: enough to repeat the draw.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PoolEntry {
    pub inspector_id: Uuid,
    pub name: String,
    pub employer_school_id: Option<Uuid>,
}

/// A drawn institution with its inspectors and result.
#[derive(Debug, Serialize, ToSchema)]
pub struct TargetView {
    pub draw_order: i32,
    pub institution_id: Uuid,
    pub institution_code: String,
    pub institution_name: String,
    pub inspector_ids: Vec<Uuid>,
    pub inspector_names: Vec<String>,
    /// `pass`, `rectify` (整改) or `fail`, once recorded.
    pub result: Option<String>,
    pub result_name: Option<String>,
    pub findings: Option<String>,
    pub recorded_at: Option<DateTime<Utc>>,
}

/// An inspection task with its draw; published as is (no personal data).
#[derive(Debug, Serialize, ToSchema)]
pub struct TaskView {
    pub id: Uuid,
    pub title: String,
    pub kind: String,
    pub kind_name: String,
    pub criteria: Criteria,
    pub sample_size: i32,
    pub inspectors_per_institution: i32,
    /// The seed of the draw (random, chosen by the server).
    pub seed: String,
    /// The population in draw order (by institution code).
    pub population: Vec<PopulationEntry>,
    /// The inspector pool in draw order (by id).
    pub pool: Vec<PoolEntry>,
    /// The draw, in draw order.
    pub targets: Vec<TargetView>,
    pub created_at: DateTime<Utc>,
}

fn task_view(
    t: inspection_task::Model,
    targets: Vec<inspection_target::Model>,
    lang: Lang,
) -> Result<TaskView, ApiError> {
    let criteria: Criteria = serde_json::from_value(t.criteria).map_err(ApiError::internal)?;
    let population: Vec<PopulationEntry> =
        serde_json::from_value(t.population).map_err(ApiError::internal)?;
    let pool: Vec<PoolEntry> = serde_json::from_value(t.pool).map_err(ApiError::internal)?;
    let codes: HashMap<Uuid, &PopulationEntry> = population.iter().map(|p| (p.institution_id, p)).collect();
    let names: HashMap<Uuid, &str> = pool.iter().map(|p| (p.inspector_id, p.name.as_str())).collect();
    let mut tv = Vec::with_capacity(targets.len());
    for x in targets {
        let ids: Vec<Uuid> = serde_json::from_value(x.inspector_ids).map_err(ApiError::internal)?;
        tv.push(TargetView {
            draw_order: x.draw_order,
            institution_id: x.institution_id,
            institution_code: codes
                .get(&x.institution_id)
                .map(|p| p.institution_code.clone())
                .unwrap_or_default(),
            institution_name: String::new(),
            inspector_names: ids
                .iter()
                .map(|i| names.get(i).copied().unwrap_or_default().to_owned())
                .collect(),
            inspector_ids: ids,
            result_name: x.result.as_deref().map(|r| i18n::code_name(lang, "inspection_result", r)),
            result: x.result,
            findings: x.findings,
            recorded_at: x.recorded_at,
        });
    }
    Ok(TaskView {
        id: t.id,
        title: t.title,
        kind_name: i18n::code_name(lang, "inspection_kind", &t.kind),
        kind: t.kind,
        criteria,
        sample_size: t.sample_size,
        inspectors_per_institution: t.inspectors_per_institution,
        seed: t.seed,
        population,
        pool,
        targets: tv,
        created_at: t.created_at,
    })
}

async fn full_task(
    db: &impl persistence::ConnectionTrait,
    t: inspection_task::Model,
    lang: Lang,
) -> Result<TaskView, ApiError> {
    let targets = repo::supervision::targets(db, t.id).await?;
    let mut v = task_view(t, targets, lang)?;
    for x in &mut v.targets {
        x.institution_name =
            repo::institution::find(db, x.institution_id).await?.map(|i| i.name).unwrap_or_default();
    }
    Ok(v)
}

/// Define an inspection task and draw it (bureau): the population is every active institution
/// matching the criteria, by code; the pool every active inspector (or those listed), by id. The
/// seed (random, from the server), the population and the pool are recorded and published, so the
/// draw can be repeated by anyone; tasks can never be withdrawn.
#[utoipa::path(tag = "supervision", security(("bearer" = [])), request_body = NewTask,
    responses((status = 201, description = "Defined and drawn", body = TaskView),
        (status = 422, description = "Empty population, sample too large, or too few eligible inspectors", body = crate::error::ProblemBody, content_type = "application/problem+json")))]
#[post("/inspection-tasks")]
pub async fn create_task(
    state: web::Data<AppState>,
    caller: Caller,
    ctx: RequestContext,
    body: ApiJson<NewTask>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Bureau])?;
    let b = body.0;
    let mut e = Errors::default();
    let title = e.single_line("title", &b.title, 200);
    if !["on_site", "special", "comprehensive"].contains(&b.kind.as_str()) {
        e.push(FieldError::new("kind", Rule::NotOneOf).with("allowed", "on_site, special, comprehensive"));
    }
    let per = b.inspectors_per_institution.unwrap_or(2);
    if !(1..=5).contains(&per) {
        e.push(FieldError::new("inspectors_per_institution", Rule::OutOfRange).with("min", 1).with("max", 5));
    }
    if b.criteria.district_codes.len() > 50 {
        e.push(FieldError::new("criteria.district_codes", Rule::TooLong).with("max", 50));
    }
    let today = state.clock.today();
    let mut population = Vec::new();
    for i in repo::institution::all(&state.db).await? {
        if status_on(&i, today)? != InstitutionStatus::Active {
            continue;
        }
        if !b.criteria.district_codes.is_empty() && !b.criteria.district_codes.contains(&i.district_code) {
            continue;
        }
        if let Some(code) = &b.criteria.occupation_code
            && !repo::institution::scope(&state.db, i.id).await?.iter().any(|s| &s.occupation_code == code)
        {
            continue;
        }
        population.push(PopulationEntry {
            institution_code: i.code,
            institution_id: i.id,
            school_id: i.school_id,
        });
    }
    population.sort_by(|a, b| a.institution_code.cmp(&b.institution_code));
    if population.is_empty() {
        e.push(FieldError::new("criteria", Rule::EmptyPopulation));
    } else if b.sample_size < 1 || b.sample_size as usize > population.len() {
        e.push(FieldError::new("sample_size", Rule::OutOfRange).with("min", 1).with("max", population.len()));
    }
    let active = repo::supervision::active_inspectors(&state.db).await?;
    if let Some(ids) = &b.inspector_ids {
        if ids.len() > 1000 {
            e.push(FieldError::new("inspector_ids", Rule::TooLong).with("max", 1000));
        }
        for (n, id) in ids.iter().enumerate() {
            if !active.iter().any(|i| i.id == *id) {
                e.push(FieldError::new(format!("inspector_ids[{n}]"), Rule::UnknownInspector));
            }
        }
    }
    let pool: Vec<PoolEntry> = active
        .into_iter()
        .filter(|i| b.inspector_ids.as_ref().is_none_or(|ids| ids.contains(&i.id)))
        .map(|i| PoolEntry { inspector_id: i.id, name: i.name, employer_school_id: i.employer_school_id })
        .collect();
    e.finish()?;
    // The seed comes from the operating system's random source, never from the caller, so no one
    // can search for a seed that draws a favoured result; it is recorded and published, and every
    // task stays published for good, so a repeated draw would show.
    let seed: String = crate::auth::keys::random_bytes::<16>().iter().map(|b| format!("{b:02x}")).collect();
    let candidates: Vec<rules::Candidate<Uuid>> =
        population.iter().map(|p| rules::Candidate { id: p.institution_id, school: p.school_id }).collect();
    let members: Vec<rules::PoolMember<Uuid>> = pool
        .iter()
        .map(|p| rules::PoolMember { id: p.inspector_id, employer: p.employer_school_id })
        .collect();
    let drawn =
        rules::draw(&seed, &candidates, &members, b.sample_size as usize, per as usize).map_err(|err| {
            let rules::DrawError::TooFewInspectors { eligible, .. } = err;
            ApiError::validation(vec![
                FieldError::new("inspectors_per_institution", Rule::TooFewInspectors)
                    .with("eligible", eligible)
                    .with("needed", per),
            ])
        })?;
    let now = state.clock.now();
    let id = Uuid::now_v7();
    let task = inspection_task::Model {
        id,
        title: title.unwrap_or_default(),
        kind: b.kind.clone(),
        criteria: serde_json::to_value(&b.criteria).map_err(ApiError::internal)?,
        population: serde_json::to_value(&population).map_err(ApiError::internal)?,
        pool: serde_json::to_value(&pool).map_err(ApiError::internal)?,
        sample_size: b.sample_size,
        inspectors_per_institution: per,
        seed: seed.clone(),
        created_by: caller.id(),
        created_at: now,
    };
    let targets: Vec<inspection_target::Model> = drawn
        .iter()
        .enumerate()
        .map(|(n, d)| inspection_target::Model {
            task_id: id,
            institution_id: d.institution,
            draw_order: n as i32 + 1,
            inspector_ids: serde_json::json!(d.inspectors),
            result: None,
            findings: None,
            recorded_at: None,
            recorded_by: None,
        })
        .collect();
    let tx = persistence::begin_write(&state.db).await?;
    repo::supervision::insert_task(&tx, task.clone(), targets).await?;
    audit::record(
        &tx,
        &ctx,
        &caller,
        "inspection.drawn",
        ("inspection_task", id.to_string()),
        serde_json::json!({"seed": seed, "population": population.len(), "pool": pool.len(),
                           "drawn": drawn.iter().map(|d| d.institution).collect::<Vec<_>>()}),
        now,
    )
    .await?;
    let v = full_task(&tx, task, ctx.lang).await?;
    tx.commit().await?;
    Ok(HttpResponse::Created().insert_header(("Location", format!("/api/v1/inspection-tasks/{id}"))).json(v))
}

crate::paged_query!(
    TaskPage,
    "Sort by `created_at`, `title`, `kind` (`-` first for descending, e.g. `-created_at`)."
);

/// Inspection tasks, newest first (bureau, centre, districts).
#[utoipa::path(tag = "supervision", security(("bearer" = [])), params(TaskPage),
    responses((status = 200, description = "A page of tasks", body = ListBody<TaskView>)))]
#[get("/inspection-tasks")]
pub async fn list_tasks(
    state: web::Data<AppState>,
    caller: Caller,
    ctx: RequestContext,
    query: ApiQuery<TaskPage>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Bureau, Role::Centre, Role::District])?;
    tasks_page(&state, ctx.lang, query.0.pagination()).await
}

async fn tasks_page(state: &AppState, lang: Lang, p: Pagination) -> Result<HttpResponse, ApiError> {
    let mut errors = Vec::new();
    let page = p.check(&mut errors, &["created_at", "title", "kind"]);
    query_errors(errors)?;
    let found = repo::supervision::tasks(&state.db, page).await?;
    let mut items = Vec::with_capacity(found.items.len());
    for t in found.items {
        items.push(full_task(&state.db, t, lang).await?);
    }
    Ok(HttpResponse::Ok().json(ListBody {
        items,
        total: found.total,
        page: page.page,
        per_page: page.per_page,
    }))
}

/// One inspection task with its draw and results (bureau, centre, districts).
#[utoipa::path(tag = "supervision", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, description = "The task", body = TaskView)))]
#[get("/inspection-tasks/{id}")]
pub async fn get_task(
    state: web::Data<AppState>,
    caller: Caller,
    ctx: RequestContext,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Bureau, Role::Centre, Role::District])?;
    let t = repo::supervision::task(&state.db, *id).await?.ok_or_else(ApiError::not_found)?;
    Ok(HttpResponse::Ok().json(full_task(&state.db, t, ctx.lang).await?))
}

/// The result of inspecting one drawn institution.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewResult {
    pub institution_id: Uuid,
    /// `pass`, `rectify` (整改) or `fail`.
    #[schema(example = "pass")]
    pub result: String,
    /// What the inspectors found (published).
    pub findings: String,
}

/// Record the result of a drawn institution (bureau, centre); recorded once, then published.
#[utoipa::path(tag = "supervision", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = NewResult,
    responses((status = 200, description = "Recorded", body = TaskView),
        (status = 409, description = "Already recorded", body = crate::error::ProblemBody, content_type = "application/problem+json")))]
#[post("/inspection-tasks/{id}/results")]
pub async fn record_result(
    state: web::Data<AppState>,
    caller: Caller,
    ctx: RequestContext,
    id: web::Path<Uuid>,
    body: ApiJson<NewResult>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Bureau, Role::Centre])?;
    let t = repo::supervision::task(&state.db, *id).await?.ok_or_else(ApiError::not_found)?;
    let b = body.0;
    let mut e = Errors::default();
    if !INSPECTION_RESULTS.contains(&b.result.as_str()) {
        e.push(FieldError::new("result", Rule::NotOneOf).with("allowed", INSPECTION_RESULTS.join(", ")));
    }
    let findings = match domain::text::multi_line(&b.findings, 5000) {
        Ok(f) => Some(f.to_owned()),
        Err(_) => {
            e.push(FieldError::new("findings", Rule::Blank));
            None
        }
    };
    let targets = repo::supervision::targets(&state.db, t.id).await?;
    if !targets.iter().any(|x| x.institution_id == b.institution_id) {
        e.push(FieldError::new("institution_id", Rule::NotDrawn));
    }
    e.finish()?;
    let now = state.clock.now();
    let tx = persistence::begin_write(&state.db).await?;
    let findings = findings.unwrap_or_default();
    if !repo::supervision::record_result(&tx, t.id, b.institution_id, &b.result, &findings, caller.id(), now)
        .await?
    {
        return Err(ApiError::new(Problem::ResultRecorded));
    }
    audit::record(
        &tx,
        &ctx,
        &caller,
        "inspection.result_recorded",
        ("inspection_task", t.id.to_string()),
        serde_json::json!({"institution_id": b.institution_id, "result": b.result}),
        now,
    )
    .await?;
    let v = full_task(&tx, t, ctx.lang).await?;
    tx.commit().await?;
    Ok(HttpResponse::Ok().json(v))
}

/// Published inspections (R36), for everyone: each task with its seed, population, pool, draw,
/// and the results recorded so far.
#[utoipa::path(tag = "public", params(TaskPage),
    responses((status = 200, description = "A page of tasks", body = ListBody<TaskView>)))]
#[get("/public/inspections")]
pub async fn public_inspections(
    state: web::Data<AppState>,
    ctx: RequestContext,
    query: ApiQuery<TaskPage>,
) -> Result<HttpResponse, ApiError> {
    tasks_page(&state, ctx.lang, query.0.pagination()).await
}
