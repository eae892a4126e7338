//! Complaints and reports (举报投诉, R35): anyone files one against an institution, a batch plan
//! or a certificate and follows it with a tracking number and a secret; the centre (or the
//! bureau) triages and assigns it to itself or the district concerned, the assignee investigates
//! with internal notes and closes it with an outcome. Deadlines are working days; open complaints
//! past their deadline are listed as overdue.

use super::query_errors;
use crate::audit;
use crate::auth::Caller;
use crate::auth::keys::{constant_time_eq, sha256_hex};
use crate::context::RequestContext;
use crate::error::{ApiError, FieldError};
use crate::extract::{ApiJson, ApiQuery, ListBody, Pagination};
use crate::i18n::{self, Lang, Name, Problem, Rule};
use crate::routes::schools::check_phone;
use crate::state::AppState;
use crate::validate::Errors;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use domain::Role;
use domain::supervision::{ComplaintStatus, INVESTIGATION_WORKING_DAYS, TRIAGE_WORKING_DAYS};
use persistence::entity::{complaint, complaint_note};
use persistence::repo;
use persistence::sea_orm::ActiveValue::Set;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// Fields a list here can be sorted by (`sort`).
const SORTABLE: &[&str] = &["due_on", "received_at", "status"];

/// The header that carries a complaint's secret.
pub const SECRET_HEADER: &str = "X-Complaint-Secret";

/// How to reach the complainant (optional: complaints may be anonymous). Personal data: shown
/// only to those handling the complaint.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Contact {
    pub name: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
}

/// A complaint or report.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewComplaint {
    /// `institution`, `plan` or `certificate`.
    #[schema(example = "institution")]
    pub target_type: String,
    /// The institution's filing code, the plan's id (as on its publicity notice), or the
    /// certificate's 22-character code.
    #[schema(example = "S000050000001")]
    pub target: String,
    /// What happened.
    pub content: String,
    pub contact: Option<Contact>,
}

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

fn status_of(c: &complaint::Model) -> Result<ComplaintStatus, ApiError> {
    ComplaintStatus::from_code(&c.status).ok_or_else(|| ApiError::internal("bad complaint status"))
}

fn status_name(lang: Lang, s: &str) -> String {
    i18n::code_name(lang, "complaint_status", s)
}

fn view(c: complaint::Model, today: NaiveDate, lang: Lang, notes: Option<Vec<NoteView>>) -> ComplaintView {
    ComplaintView {
        overdue: c.status != "closed" && c.due_on < today,
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

/// A tracking number: `TS`, the date (China Standard Time) and 8 characters from an alphabet
/// without look-alikes (40 random bits).
fn tracking_number(today: NaiveDate) -> String {
    const ALPHABET: &[u8] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
    let bytes: [u8; 8] = crate::auth::keys::random_bytes();
    let tail: String = bytes.iter().map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char).collect();
    format!("TS{}-{tail}", today.format("%Y%m%d"))
}

async fn add_working_days(state: &AppState, from: NaiveDate, n: u32) -> Result<NaiveDate, ApiError> {
    let cal = repo::calendar::calendar(&state.db).await?;
    cal.add_working_days(from, n).map(|c| c.value).ok_or_else(|| ApiError::internal("deadline out of range"))
}

/// File a complaint or report (anyone, no account; R35). Anonymous complaints are accepted; a
/// contact lets the handler ask questions. The answer holds the tracking number and a secret to
/// follow the complaint; keep both.
#[utoipa::path(tag = "public", request_body = NewComplaint,
    responses((status = 201, description = "Filed", body = ComplaintReceipt),
        (status = 422, description = "Invalid or unknown target", body = crate::error::ProblemBody, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests from this address", body = crate::error::ProblemBody, content_type = "application/problem+json")))]
#[post("/public/complaints")]
pub async fn file(
    state: web::Data<AppState>,
    ctx: RequestContext,
    req: HttpRequest,
    body: ApiJson<NewComplaint>,
) -> Result<HttpResponse, ApiError> {
    crate::throttle::public_request(&state, &req).await?;
    let b = body.0;
    let mut e = Errors::default();
    let content = match domain::text::multi_line(&b.content, 5000) {
        Ok(t) => Some(t.to_owned()),
        Err(_) => {
            e.push(FieldError::new("content", Rule::Blank));
            None
        }
    };
    let (mut name, mut phone, mut email) = (None, None, None);
    if let Some(c) = &b.contact {
        name = c.name.as_deref().and_then(|v| e.single_line("contact.name", v, 50));
        phone = c.phone.as_deref().and_then(|v| check_phone(&mut e, "contact.phone", v));
        email = c.email.as_deref().and_then(|v| {
            let t = e.single_line("contact.email", v, 100)?;
            if t.contains('@') && !t.starts_with('@') && !t.ends_with('@') && !t.contains(' ') {
                Some(t)
            } else {
                e.push(FieldError::new("contact.email", Rule::InvalidEmail));
                None
            }
        });
    }
    let target = b.target.trim().to_owned();
    let institution = match b.target_type.as_str() {
        "institution" => repo::institution::by_code(&state.db, &target).await?,
        "plan" => match target.parse::<Uuid>() {
            Ok(id) => match repo::plan::find(&state.db, id).await?.filter(|p| p.status != "draft") {
                Some(p) => repo::institution::find(&state.db, p.institution_id).await?,
                None => None,
            },
            Err(_) => None,
        },
        // A certificate's code names its institution in positions 1–13; whether the certificate
        // exists is not revealed here (that is what the rate-limited verification is for).
        "certificate" => match domain::CertificateCode::parse(&target) {
            Ok(code) => repo::institution::by_code(&state.db, &code.institution().to_string()).await?,
            Err(_) => {
                e.push(FieldError::new("target", Rule::UnknownTarget));
                None
            }
        },
        _ => {
            e.push(
                FieldError::new("target_type", Rule::NotOneOf)
                    .with("allowed", "institution, plan, certificate"),
            );
            None
        }
    };
    if institution.is_none() && e.0.iter().all(|x| !x.field.starts_with("target")) {
        e.push(FieldError::new("target", Rule::UnknownTarget));
    }
    e.finish()?;
    let Some(institution) = institution else {
        return Err(ApiError::internal("validation passed without a target"));
    };
    let today = state.clock.today();
    let now = state.clock.now();
    let due_on = add_working_days(&state, today, TRIAGE_WORKING_DAYS).await?;
    let secret = crate::auth::keys::random_token(18);
    let c = complaint::Model {
        id: Uuid::now_v7(),
        tracking_number: tracking_number(today),
        secret_hash: sha256_hex(&secret),
        target_type: b.target_type.clone(),
        target_ref: target,
        institution_id: institution.id,
        district_code: institution.district_code.clone(),
        content: content.unwrap_or_default(),
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
    let tx = persistence::begin_write(&state.db).await?;
    repo::supervision::insert_complaint(&tx, c.clone()).await?;
    audit::record_public(
        &tx,
        &ctx,
        "complaint.filed",
        ("complaint", c.id.to_string()),
        serde_json::json!({"tracking_number": c.tracking_number, "target_type": c.target_type,
                           "institution_id": c.institution_id, "anonymous": b.contact.is_none()}),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/public/complaints/{}", c.tracking_number)))
        .json(ComplaintReceipt {
            status_name: status_name(ctx.lang, &c.status),
            tracking_number: c.tracking_number,
            secret,
            status: c.status,
            received_at: c.received_at,
        }))
}

/// Follow a complaint (its complainant): send the secret in the `X-Complaint-Secret` header. An
/// unknown number and a wrong secret get the same 404.
#[utoipa::path(tag = "public", params(("tracking_number" = String, Path),
        ("X-Complaint-Secret" = String, Header, description = "The secret given when the complaint was filed")),
    responses((status = 200, description = "Status and outcome", body = PublicComplaintView),
        (status = 404, description = "No complaint with this number and secret", body = crate::error::ProblemBody, content_type = "application/problem+json")))]
#[get("/public/complaints/{tracking_number}")]
pub async fn follow(
    state: web::Data<AppState>,
    ctx: RequestContext,
    req: HttpRequest,
    tracking_number: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    crate::throttle::public_request(&state, &req).await?;
    let secret = req.headers().get(SECRET_HEADER).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let number = tracking_number.into_inner();
    let c = if number.len() <= 40 {
        repo::supervision::complaint_by_tracking(&state.db, &number).await?
    } else {
        None
    };
    let c = c
        .filter(|c| constant_time_eq(&c.secret_hash, &sha256_hex(secret)))
        .ok_or_else(ApiError::not_found)?;
    Ok(HttpResponse::Ok().json(PublicComplaintView {
        status_name: status_name(ctx.lang, &c.status),
        tracking_number: c.tracking_number,
        target_type: c.target_type,
        status: c.status,
        received_at: c.received_at,
        closed_at: c.closed_at,
        upheld: c.upheld,
        outcome: c.outcome,
        actions: c.actions,
    }))
}

/// Whether the caller handles complaints of this kind: bureau and centre all, a district those
/// assigned to it.
fn may_handle(caller: &Caller, c: &complaint::Model) -> bool {
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

async fn load(state: &AppState, caller: &Caller, id: Uuid) -> Result<complaint::Model, ApiError> {
    caller.require(&[Role::Bureau, Role::Centre, Role::District])?;
    repo::supervision::complaint(&state.db, id)
        .await?
        .filter(|c| may_handle(caller, c))
        .ok_or_else(ApiError::not_found)
}

/// Filters for complaints.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ComplaintQuery {
    /// `received`, `assigned` or `closed`.
    pub status: Option<String>,
    /// Only open complaints past their deadline.
    pub overdue: Option<bool>,
    pub institution_id: Option<Uuid>,
    #[param(minimum = 1, maximum = 100000)]
    pub page: Option<u64>,
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<u64>,
    /// Sort by `due_on`, `received_at`, `status` (`-` first for descending, e.g. `-due_on`).
    pub sort: Option<String>,
}

/// Complaints, earliest deadline first: bureau and centre all, a district those assigned to it.
/// `overdue=true` lists the open ones past their deadline.
#[utoipa::path(tag = "supervision", security(("bearer" = [])), params(ComplaintQuery),
    responses((status = 200, description = "A page of complaints", body = ListBody<ComplaintView>)))]
#[get("/complaints")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    ctx: RequestContext,
    query: ApiQuery<ComplaintQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Bureau, Role::Centre, Role::District])?;
    let q = query.0;
    let mut errors = Vec::new();
    let page =
        Pagination { page: q.page, per_page: q.per_page, sort: q.sort.clone() }.check(&mut errors, SORTABLE);
    if q.status.as_deref().is_some_and(|s| ComplaintStatus::from_code(s).is_none()) {
        errors.push(FieldError::new("status", Rule::NotOneOf).with("allowed", "received, assigned, closed"));
    }
    query_errors(errors)?;
    let today = state.clock.today();
    let filter = repo::supervision::ComplaintFilter {
        status: q.status,
        assigned_district: if caller.role == Role::District {
            Some(caller.user.district_code.clone().unwrap_or_default())
        } else {
            None
        },
        institution_id: q.institution_id,
        overdue_on: q.overdue.filter(|o| *o).map(|_| today),
    };
    let found = repo::supervision::complaints(&state.db, &filter, page).await?;
    let items = found.items.into_iter().map(|c| view(c, today, ctx.lang, None)).collect();
    Ok(HttpResponse::Ok().json(ListBody::<ComplaintView> {
        items,
        total: found.total,
        page: page.page,
        per_page: page.per_page,
    }))
}

async fn full_view(state: &AppState, c: complaint::Model, lang: Lang) -> Result<ComplaintView, ApiError> {
    let notes = repo::supervision::notes(&state.db, c.id)
        .await?
        .into_iter()
        .map(|n| NoteView { id: n.id, author_id: n.author_id, body: n.body, created_at: n.created_at })
        .collect();
    Ok(view(c, state.clock.today(), lang, Some(notes)))
}

/// One complaint with its internal notes and the complainant's contact (those handling it).
#[utoipa::path(tag = "supervision", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, description = "The complaint", body = ComplaintView)))]
#[get("/complaints/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    ctx: RequestContext,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let c = load(&state, &caller, *id).await?;
    Ok(HttpResponse::Ok().json(full_view(&state, c, ctx.lang).await?))
}

fn wrong_status(action: &'static str, c: &complaint::Model) -> ApiError {
    ApiError::new(Problem::WrongStatus).with_name("action", Name::Code("complaint_action", action)).with_name(
        "status",
        Name::Code("complaint_status", ComplaintStatus::from_code(&c.status).map_or("closed", |s| s.code())),
    )
}

/// A triage decision.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Assignment {
    /// `centre` (the centre investigates) or `district` (the district of the institution does).
    #[schema(example = "district")]
    pub to: String,
    /// The investigation deadline, within a year; by default 20 working days from today.
    pub due_on: Option<NaiveDate>,
}

/// Triage: assign (or reassign) a complaint to the centre or to the district of the institution
/// concerned, with a deadline (bureau, centre).
#[utoipa::path(tag = "supervision", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = Assignment,
    responses((status = 200, description = "Assigned", body = ComplaintView),
        (status = 409, description = "Already closed", body = crate::error::ProblemBody, content_type = "application/problem+json")))]
#[post("/complaints/{id}/assign")]
pub async fn assign(
    state: web::Data<AppState>,
    caller: Caller,
    ctx: RequestContext,
    id: web::Path<Uuid>,
    body: ApiJson<Assignment>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Bureau, Role::Centre])?;
    let c = load(&state, &caller, *id).await?;
    let req = body.0;
    let today = state.clock.today();
    let mut e = Errors::default();
    if !["centre", "district"].contains(&req.to.as_str()) {
        e.push(FieldError::new("to", Rule::NotOneOf).with("allowed", "centre, district"));
    }
    if req.due_on.is_some_and(|d| d <= today || d > today + chrono::Duration::days(366)) {
        e.push(FieldError::new("due_on", Rule::InvalidDate));
    }
    e.finish()?;
    let due_on = match req.due_on {
        Some(d) => d,
        None => add_working_days(&state, today, INVESTIGATION_WORKING_DAYS).await?,
    };
    let now = state.clock.now();
    let tx = persistence::begin_write(&state.db).await?;
    let current = repo::supervision::complaint(&tx, c.id).await?.ok_or_else(ApiError::not_found)?;
    if !status_of(&current)?.may_assign() {
        return Err(wrong_status("assign", &current));
    }
    let version = current.version;
    let district = (req.to == "district").then(|| current.district_code.clone());
    let mut m: complaint::ActiveModel = current.into();
    m.status = Set(ComplaintStatus::Assigned.code().into());
    m.assigned_to = Set(Some(req.to.clone()));
    m.assigned_district = Set(district.clone());
    m.assigned_at = Set(Some(now));
    m.due_on = Set(due_on);
    let saved = repo::supervision::save_complaint(&tx, m, c.id, version).await?;
    audit::record(
        &tx,
        &ctx,
        &caller,
        "complaint.assigned",
        ("complaint", c.id.to_string()),
        serde_json::json!({"to": req.to, "district_code": district, "due_on": due_on}),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(HttpResponse::Ok().json(full_view(&state, saved, ctx.lang).await?))
}

/// An investigation note.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewNote {
    pub body: String,
}

/// Add an internal investigation note (the assignee, or bureau and centre); the complainant never
/// sees notes.
#[utoipa::path(tag = "supervision", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = NewNote,
    responses((status = 201, description = "Added", body = ComplaintView),
        (status = 409, description = "Not under investigation", body = crate::error::ProblemBody, content_type = "application/problem+json")))]
#[post("/complaints/{id}/notes")]
pub async fn add_note(
    state: web::Data<AppState>,
    caller: Caller,
    ctx: RequestContext,
    id: web::Path<Uuid>,
    body: ApiJson<NewNote>,
) -> Result<HttpResponse, ApiError> {
    let c = load(&state, &caller, *id).await?;
    let text = domain::text::multi_line(&body.0.body, 5000)
        .map(str::to_owned)
        .map_err(|_| ApiError::validation(vec![FieldError::new("body", Rule::Blank)]))?;
    let now = state.clock.now();
    let tx = persistence::begin_write(&state.db).await?;
    // Re-read inside the transaction: it may have been reassigned or closed meanwhile.
    let current = repo::supervision::complaint(&tx, c.id)
        .await?
        .filter(|c| may_handle(&caller, c))
        .ok_or_else(ApiError::not_found)?;
    if !status_of(&current)?.may_investigate() {
        return Err(wrong_status("note", &current));
    }
    repo::supervision::touch_complaint(&tx, c.id, current.version).await?;
    let note_id = Uuid::now_v7();
    repo::supervision::add_note(
        &tx,
        complaint_note::Model {
            id: note_id,
            complaint_id: c.id,
            author_id: caller.id(),
            body: text,
            created_at: now,
        },
    )
    .await?;
    audit::record(
        &tx,
        &ctx,
        &caller,
        "complaint.noted",
        ("complaint", c.id.to_string()),
        serde_json::json!({"note_id": note_id}),
        now,
    )
    .await?;
    tx.commit().await?;
    let c = repo::supervision::complaint(&state.db, c.id).await?.ok_or_else(ApiError::not_found)?;
    Ok(HttpResponse::Created().json(full_view(&state, c, ctx.lang).await?))
}

/// The outcome of an investigation.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Outcome {
    /// Whether the complaint was found justified (upheld complaints count in the integrity
    /// rating, R37).
    pub upheld: bool,
    /// The finding, told to the complainant.
    pub outcome: String,
    /// What was done (e.g. a violation recorded, a rectification ordered).
    pub actions: Option<String>,
}

/// Close a complaint with its outcome (the assignee, or bureau and centre).
#[utoipa::path(tag = "supervision", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = Outcome,
    responses((status = 200, description = "Closed", body = ComplaintView),
        (status = 409, description = "Not under investigation", body = crate::error::ProblemBody, content_type = "application/problem+json")))]
#[post("/complaints/{id}/close")]
pub async fn close(
    state: web::Data<AppState>,
    caller: Caller,
    ctx: RequestContext,
    id: web::Path<Uuid>,
    body: ApiJson<Outcome>,
) -> Result<HttpResponse, ApiError> {
    let c = load(&state, &caller, *id).await?;
    let req = body.0;
    let mut e = Errors::default();
    let outcome = match domain::text::multi_line(&req.outcome, 5000) {
        Ok(t) => Some(t.to_owned()),
        Err(_) => {
            e.push(FieldError::new("outcome", Rule::Blank));
            None
        }
    };
    let actions = match req.actions.as_deref().map(|a| domain::text::multi_line(a, 5000)) {
        Some(Ok(t)) => Some(t.to_owned()),
        Some(Err(_)) => {
            e.push(FieldError::new("actions", Rule::Blank));
            None
        }
        None => None,
    };
    e.finish()?;
    let now = state.clock.now();
    let tx = persistence::begin_write(&state.db).await?;
    let current = repo::supervision::complaint(&tx, c.id)
        .await?
        .filter(|c| may_handle(&caller, c))
        .ok_or_else(ApiError::not_found)?;
    if !status_of(&current)?.may_investigate() {
        return Err(wrong_status("close", &current));
    }
    let version = current.version;
    let mut m: complaint::ActiveModel = current.into();
    m.status = Set(ComplaintStatus::Closed.code().into());
    m.upheld = Set(Some(req.upheld));
    m.outcome = Set(outcome);
    m.actions = Set(actions);
    m.closed_at = Set(Some(now));
    let saved = repo::supervision::save_complaint(&tx, m, c.id, version).await?;
    audit::record(
        &tx,
        &ctx,
        &caller,
        "complaint.closed",
        ("complaint", c.id.to_string()),
        serde_json::json!({"upheld": req.upheld, "institution_id": saved.institution_id}),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(HttpResponse::Ok().json(full_view(&state, saved, ctx.lang).await?))
}
