//! Filing applications (备案申请, notice 三): drafts edited by the school, attachments, and the
//! evaluation workflow of the bureau and its experts.

pub mod attachments;
pub mod decision;
pub mod document;
pub mod view;
pub mod workflow;

use crate::audit;
use crate::auth::Caller;
use crate::context::RequestContext;
use crate::error::{ApiError, FieldError};
use crate::extract::{ApiJson, ApiQuery, ListBody, Pagination};
use crate::i18n::{Name, Problem, Rule};
use crate::state::AppState;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, put, web};
use document::FilingDocument;
use domain::Role;
use domain::filing::{FilingAction, FilingStatus, transition};
use persistence::entity::{filing, school};
use persistence::repo;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// Fields a list here can be sorted by (`sort`).
const SORTABLE: &[&str] = &["created_at", "submitted_at", "status"];
pub use view::FilingView;

/// The findings of a technical evaluation, one per condition of notice 一.
#[derive(Debug, Clone, serde::Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EvaluationFindings {
    /// 1: department, full-time staff, experts, examiners (≥ 3 per occupation) and supervisors.
    pub organisation_and_people: Finding,
    /// 2: sites, facilities, instruments and video monitoring, meeting safety requirements.
    pub sites_and_equipment: Finding,
    /// 3: question bank or test resources and the ability to build them.
    pub question_bank: Finding,
    /// 4: stable funding; not for profit.
    pub funding: Finding,
}

/// One condition's finding.
#[derive(Debug, Clone, serde::Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Finding {
    /// Whether the condition is met.
    pub met: bool,
    pub comment: String,
}

/// The `ETag` of a filing version.
pub fn etag(version: i32) -> String {
    format!("\"f{version}\"")
}

/// Loads an application and its school, answering 404 when the caller may not see it.
pub async fn load(
    db: &impl persistence::ConnectionTrait,
    caller: &Caller,
    id: Uuid,
) -> Result<(filing::Model, school::Model), ApiError> {
    let f = repo::filing::find(db, id).await?.ok_or_else(ApiError::not_found)?;
    let s = repo::school::find(db, f.school_id).await?.ok_or_else(ApiError::not_found)?;
    if !view::may_see(db, caller, &f, &s).await? {
        return Err(ApiError::not_found());
    }
    Ok((f, s))
}

/// The status of a stored application.
pub fn status_of(f: &filing::Model) -> Result<FilingStatus, ApiError> {
    FilingStatus::from_code(&f.status).ok_or_else(|| ApiError::internal("unknown filing status in database"))
}

/// Applies the workflow: the next status, or 409 naming the current one.
pub fn next_status(f: &filing::Model, action: FilingAction) -> Result<FilingStatus, ApiError> {
    let current = status_of(f)?;
    transition(current, action).map_err(|e| {
        ApiError::new(Problem::WrongStatus)
            .with_name("action", Name::Code("filing_action", e.action.code()))
            .with_name("status", Name::Code("filing_status", e.current.code()))
    })
}

/// A new application.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewFiling {
    /// `initial` (first filing) or `renewal` (of the school's institution; keeps its code).
    #[schema(example = "initial")]
    pub kind: String,
}

/// Start an application (school). The draft's basic information is filled from the school's
/// registration; a school has at most one open application.
#[utoipa::path(
    tag = "filings",
    security(("bearer" = [])),
    request_body = NewFiling,
    responses(
        (status = 201, description = "A new draft", body = FilingView),
        (status = 409, description = "An open application exists", body = crate::error::ProblemBody, content_type = "application/problem+json"),
    )
)]
#[post("/filings")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    ctx: RequestContext,
    body: ApiJson<NewFiling>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::School])?;
    let school_id = caller.user.school_id.ok_or_else(ApiError::forbidden)?;
    let kind = body.0.kind;
    if !matches!(kind.as_str(), "initial" | "renewal") {
        return Err(ApiError::validation(vec![
            FieldError::new("kind", Rule::NotOneOf).with("allowed", "initial, renewal"),
        ]));
    }
    let now = state.clock.now();
    let tx = persistence::begin_write(&state.db).await?;
    let s = repo::school::find(&tx, school_id).await?.ok_or_else(ApiError::not_found)?;
    if !repo::filing::open_of_school(&tx, school_id).await?.is_empty() {
        return Err(
            ApiError::new(Problem::AlreadyExists).with_name("what", Name::Code("filing_kind", "initial"))
        );
    }
    let live = repo::institution::live_of_school(&tx, school_id).await?;
    let institution_id = match (kind.as_str(), &live) {
        ("renewal", Some(i)) => Some(i.id),
        ("renewal", None) => {
            return Err(ApiError::validation(vec![FieldError::new("kind", Rule::UnknownInstitution)]));
        }
        (_, Some(_)) => {
            return Err(ApiError::validation(vec![FieldError::new("kind", Rule::AlreadyFiled)]));
        }
        _ => None,
    };
    let mut doc = FilingDocument::default();
    doc.basic.name = Some(live.as_ref().map_or_else(|| s.name.clone(), |i| i.name.clone()));
    doc.basic.registered_address = Some(s.registered_address.clone());
    doc.basic.office_address = Some(s.office_address.clone());
    doc.basic.credit_code = Some(s.credit_code.clone());
    doc.basic.old_station_code = s.old_station_code.clone();
    doc.basic.legal_representative = Some(s.legal_representative.clone());
    doc.basic.legal_representative_position = s.legal_representative_position.clone();
    doc.basic.contact_name = s.contact_name.clone();
    doc.basic.email = s.email.clone();
    let document = serde_json::to_value(&doc).map_err(ApiError::internal)?;
    let saved = repo::filing::insert(
        &tx,
        filing::Model {
            id: Uuid::now_v7(),
            school_id,
            kind: kind.clone(),
            institution_id,
            status: FilingStatus::Draft.code().into(),
            round: 1,
            document,
            submitted_at: None,
            decided_at: None,
            decision_opinion: None,
            valid_until: None,
            version: 1,
            created_at: now,
            updated_at: now,
        },
    )
    .await?;
    audit::record(
        &tx,
        &ctx,
        &caller,
        "filing.created",
        ("filing", saved.id.to_string()),
        serde_json::json!({"kind": kind}),
        now,
    )
    .await?;
    let v = view::build(&tx, &caller, saved, &s, ctx.lang).await?;
    tx.commit().await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/filings/{}", v.id)))
        .insert_header((header::ETAG, etag(v.version)))
        .json(v))
}

/// Filters for applications.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct FilingQuery {
    /// Only this status.
    pub status: Option<String>,
    #[param(minimum = 1, maximum = 100000)]
    pub page: Option<u64>,
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<u64>,
    /// Sort by `created_at`, `submitted_at`, `status` (`-` first for descending, e.g. `-created_at`).
    pub sort: Option<String>,
}

/// Applications the caller may see: a school its own, an expert those assigned to them, a
/// district those of its schools, bureau and centre all. Newest first.
#[utoipa::path(
    tag = "filings",
    security(("bearer" = [])),
    params(FilingQuery),
    responses((status = 200, description = "A page of applications", body = ListBody<FilingView>))
)]
#[get("/filings")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    ctx: RequestContext,
    query: ApiQuery<FilingQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.0;
    let mut errors = Vec::new();
    let page =
        Pagination { page: q.page, per_page: q.per_page, sort: q.sort.clone() }.check(&mut errors, SORTABLE);
    if q.status.as_deref().is_some_and(|s| FilingStatus::from_code(s).is_none()) {
        errors.push(
            FieldError::new("status", Rule::NotOneOf).with(
                "allowed",
                "draft, submitted, accepted, under_evaluation, approved, rejected, returned",
            ),
        );
    }
    if !errors.is_empty() {
        return Err(ApiError { errors, ..ApiError::new(Problem::InvalidQuery) });
    }
    let mut filter = repo::filing::Filter { status: q.status, ..Default::default() };
    match caller.role {
        Role::School => filter.school_id = Some(caller.user.school_id.unwrap_or_default()),
        Role::Expert => filter.expert_id = Some(caller.id()),
        Role::District => filter.district_code = Some(caller.user.district_code.clone().unwrap_or_default()),
        Role::Bureau | Role::Centre => {}
    }
    let found = repo::filing::list(&state.db, &filter, page).await?;
    let mut items = Vec::new();
    for f in found.items {
        let s = repo::school::find(&state.db, f.school_id)
            .await?
            .ok_or_else(|| ApiError::internal("filing without school"))?;
        items.push(view::build(&state.db, &caller, f, &s, ctx.lang).await?);
    }
    Ok(HttpResponse::Ok().json(ListBody {
        items,
        total: found.total,
        page: page.page,
        per_page: page.per_page,
    }))
}

/// One application with its rounds, experts, evaluations and attachments.
#[utoipa::path(
    tag = "filings",
    security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 200, description = "The application", body = FilingView, headers(("ETag" = String, description = "Its version"))))
)]
#[get("/filings/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    ctx: RequestContext,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let (f, s) = load(&state.db, &caller, *id).await?;
    let v = view::build(&state.db, &caller, f, &s, ctx.lang).await?;
    Ok(HttpResponse::Ok().insert_header((header::ETAG, etag(v.version))).json(v))
}

/// Replace the application's document (school, while `draft` or `returned`). Formats are
/// checked now; completeness and the rules of the notice when it is submitted. Needs `If-Match`.
#[utoipa::path(
    tag = "filings",
    security(("bearer" = [])),
    params(("id" = Uuid, Path), ("If-Match" = String, Header, description = "The ETag read from the application")),
    request_body = FilingDocument,
    responses(
        (status = 200, description = "Saved", body = FilingView, headers(("ETag" = String, description = "The new version"))),
        (status = 409, description = "Not editable in its status", body = crate::error::ProblemBody, content_type = "application/problem+json"),
        (status = 412, description = "Stale If-Match", body = crate::error::ProblemBody, content_type = "application/problem+json"),
        (status = 428, description = "Missing If-Match", body = crate::error::ProblemBody, content_type = "application/problem+json"),
    )
)]
#[put("/filings/{id}/document")]
pub async fn put_document(
    state: web::Data<AppState>,
    caller: Caller,
    ctx: RequestContext,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: ApiJson<FilingDocument>,
) -> Result<HttpResponse, ApiError> {
    let (f, _) = load(&state.db, &caller, *id).await?;
    if caller.role != Role::School {
        return Err(ApiError::forbidden());
    }
    let if_match = crate::precondition::if_match(&req);
    let Some(if_match) = if_match else { return Err(ApiError::new(Problem::PreconditionRequired)) };
    next_status(&f, FilingAction::Edit)?;
    document::check_formats(&body.0).finish()?;
    let document = serde_json::to_value(&body.0).map_err(ApiError::internal)?;
    let now = state.clock.now();
    let tx = persistence::begin_write(&state.db).await?;
    let current = repo::filing::find(&tx, f.id).await?.ok_or_else(ApiError::not_found)?;
    if if_match.trim() != "*" && if_match.trim() != etag(current.version) {
        return Err(ApiError::new(Problem::PreconditionFailed));
    }
    next_status(&current, FilingAction::Edit)?;
    let version = current.version;
    let mut m: filing::ActiveModel = current.into();
    m.document = persistence::sea_orm::ActiveValue::Set(document);
    let saved = repo::filing::save(&tx, m, version, now).await?;
    audit::record(
        &tx,
        &ctx,
        &caller,
        "filing.document_saved",
        ("filing", saved.id.to_string()),
        serde_json::json!({"occupations": body.0.occupations.len(), "examiners": body.0.examiners.len()}),
        now,
    )
    .await?;
    let s = repo::school::find(&tx, saved.school_id).await?.ok_or_else(ApiError::not_found)?;
    let v = view::build(&tx, &caller, saved, &s, ctx.lang).await?;
    tx.commit().await?;
    Ok(HttpResponse::Ok().insert_header((header::ETAG, etag(v.version))).json(v))
}
