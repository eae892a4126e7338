//! Technical schools (技工院校) and their accounts.

use crate::auth::{Caller, password};
use crate::context::RequestContext;
use crate::error::{ApiError, FieldError};
use crate::extract::{ApiJson, ApiQuery, ListBody, Pagination};
use crate::i18n::{self, Lang, Name, Problem, Rule};
use crate::state::AppState;
use crate::use_case;
use crate::use_case::schools::etag;
use crate::validate;
use crate::views::user::UserView;
use actix_web::{HttpRequest, HttpResponse, get, post, put, web};
use chrono::{DateTime, Utc};
use domain::{CreditCode, Role, SchoolType};
use persistence::entity::school;
use persistence::repo;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

/// Fields a list here can be sorted by (`sort`).
const SORTABLE: &[&str] = &["name", "district_code", "created_at"];

/// A school as the API shows it.
#[derive(Serialize, ToSchema)]
pub struct SchoolView {
    pub id: Uuid,
    #[schema(example = "重庆市渝北职业技工学校")]
    pub name: String,
    #[schema(value_type = String, example = "technical_school")]
    pub school_type: SchoolType,
    #[schema(example = "技工学校")]
    pub school_type_name: String,
    pub credit_code: String,
    /// The credit code fails the GB 32100 check character: accepted, pending manual review.
    pub needs_manual_review: bool,
    pub district_code: String,
    pub district_name: Option<String>,
    pub registered_address: String,
    pub office_address: String,
    pub legal_representative: String,
    pub legal_representative_position: Option<String>,
    pub contact_name: Option<String>,
    /// Masked unless the caller is the bureau, the centre or the school itself.
    pub contact_phone: Option<String>,
    pub email: Option<String>,
    /// Code of the school's former skill appraisal station (职业技能鉴定所(站)).
    pub old_station_code: Option<String>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
}

/// Whether `caller` may see this school at all (404 otherwise).
pub fn may_see(caller: &Caller, s: &school::Model) -> bool {
    match caller.role {
        Role::Bureau | Role::Centre => true,
        Role::District => caller.user.district_code.as_deref() == Some(s.district_code.as_str()),
        Role::School => caller.user.school_id == Some(s.id),
        Role::Expert => false,
    }
}

/// The view of a school for `caller`.
pub async fn view(
    db: &impl persistence::ConnectionTrait,
    s: school::Model,
    caller: &Caller,
    lang: Lang,
) -> Result<SchoolView, ApiError> {
    let school_type =
        SchoolType::from_code(&s.school_type).ok_or_else(|| ApiError::internal("bad school type"))?;
    let district_name = repo::district::find(db, &s.district_code).await?.map(|d| d.name);
    let full = matches!(caller.role, Role::Bureau | Role::Centre) || caller.user.school_id == Some(s.id);
    Ok(SchoolView {
        id: s.id,
        name: s.name,
        school_type,
        school_type_name: i18n::name(lang, Name::SchoolType(school_type)),
        credit_code: s.credit_code,
        needs_manual_review: s.needs_manual_review,
        district_code: s.district_code,
        district_name,
        registered_address: s.registered_address,
        office_address: s.office_address,
        legal_representative: s.legal_representative,
        legal_representative_position: s.legal_representative_position,
        contact_name: s.contact_name,
        contact_phone: s.contact_phone.map(|p| if full { p } else { crate::views::mask::phone(&p) }),
        email: s.email,
        old_station_code: s.old_station_code,
        version: s.version,
        created_at: s.created_at,
    })
}

/// A school to register.
#[derive(Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct NewSchool {
    #[schema(example = "重庆市渝北职业技工学校")]
    #[validate(custom(function = "validate::line::<100>"))]
    pub name: String,
    /// `technician_college` (技师学院), `senior_technical_school` (高级技工学校) or `technical_school` (技工学校).
    #[schema(example = "technical_school")]
    #[validate(custom(function = "validate::school_type"))]
    pub school_type: String,
    /// 统一社会信用代码. A code failing the GB 32100 check is accepted with `needs_manual_review`.
    #[schema(example = "12500000MB1234567X")]
    #[validate(custom(function = "validate::credit_code"))]
    pub credit_code: String,
    #[schema(example = "500157")]
    pub district_code: String,
    #[validate(custom(function = "validate::line::<200>"))]
    pub registered_address: String,
    #[validate(custom(function = "validate::line::<200>"))]
    pub office_address: String,
    #[validate(custom(function = "validate::line::<50>"))]
    pub legal_representative: String,
    #[validate(custom(function = "validate::line::<50>"))]
    pub legal_representative_position: Option<String>,
    #[validate(custom(function = "validate::line::<50>"))]
    pub contact_name: Option<String>,
    #[validate(custom(function = "validate::phone"))]
    pub contact_phone: Option<String>,
    #[validate(custom(function = "validate::email"))]
    pub email: Option<String>,
    #[validate(custom(function = "validate::line::<50>"))]
    pub old_station_code: Option<String>,
}

/// 登记技工院校
///
/// 登记技工院校（市人社局）。
///
/// Register a school (bureau).
#[utoipa::path(
    operation_id = "createSchool",
    tag = "schools",
    security(("bearer" = [])),
    request_body = NewSchool,
    responses(
        (status = 201, description = "Registered", body = SchoolView),
        (status = 409, description = "Credit code already registered", body = crate::error::ProblemBody, content_type = "application/problem+json"),
    )
)]
#[post("/schools")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    ctx: RequestContext,
    body: ApiJson<NewSchool>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Bureau])?;
    let (s, e) = body.with_violations();
    let now = state.clock.now();
    let school = checked(&state, &s, e, Uuid::now_v7(), now).await?;
    let taken = credit_text(&s.credit_code);
    let saved = use_case::run(&state, caller.actor(), async |change| {
        use_case::schools::register(change, school, taken).await
    })
    .await?;
    let v = view(&state.db, saved, &caller, ctx.lang).await?;
    Ok(HttpResponse::Created().insert_header(("Location", format!("/api/v1/schools/{}", v.id))).json(v))
}

/// The school record `s` describes (its district checked, `e` the body's own violations), as
/// stored under `id` at `now` (version 1: an update sets its own).
async fn checked(
    state: &AppState,
    s: &NewSchool,
    mut e: validate::Errors,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<school::Model, ApiError> {
    match repo::district::find(&state.db, &s.district_code).await? {
        None => {
            e.push(FieldError::new("district_code", Rule::DistrictUnknown).with("code", &s.district_code))
        }
        Some(d) if d.abolished_on.is_some() => e.push(
            FieldError::new("district_code", Rule::DistrictAbolished)
                .with("code", &d.code)
                .with("name", &d.name)
                .with("successor", d.successor_code.unwrap_or_default()),
        ),
        Some(_) => {}
    }
    e.finish()?;
    let school_type =
        SchoolType::from_code(&s.school_type).ok_or_else(|| ApiError::internal("school type"))?;
    let credit = CreditCode::parse(s.credit_code.trim()).map_err(ApiError::internal)?;
    Ok(school::Model {
        id,
        name: validate::trimmed(&s.name),
        school_type: school_type.code().to_owned(),
        credit_code: credit.as_str().to_owned(),
        needs_manual_review: !credit.check_passes(),
        district_code: s.district_code.clone(),
        registered_address: validate::trimmed(&s.registered_address),
        office_address: validate::trimmed(&s.office_address),
        legal_representative: validate::trimmed(&s.legal_representative),
        legal_representative_position: validate::trimmed_opt(&s.legal_representative_position),
        contact_name: validate::trimmed_opt(&s.contact_name),
        contact_phone: validate::trimmed_opt(&s.contact_phone),
        email: validate::trimmed_opt(&s.email),
        old_station_code: validate::trimmed_opt(&s.old_station_code),
        version: 1,
        created_at: now,
        updated_at: now,
    })
}

fn credit_text(code: &str) -> String {
    format!("统一社会信用代码 / credit code {}", code.trim())
}

/// Filters for schools.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SchoolQuery {
    pub district_code: Option<String>,
    /// Part of the name.
    pub q: Option<String>,
    #[param(minimum = 1, maximum = 100000)]
    pub page: Option<u64>,
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<u64>,
    /// Sort by `name`, `district_code`, `created_at` (`-` first for descending, e.g. `-name`).
    pub sort: Option<String>,
}

/// 查询技工院校
///
/// 调用者可见的技工院校：市人社局和鉴定中心可见全部，区县可见本区县的，学校可见本校。
///
/// Schools the caller may see: all for bureau and centre, a district's own, a school itself.
#[utoipa::path(
    operation_id = "listSchools",
    tag = "schools",
    security(("bearer" = [])),
    params(SchoolQuery),
    responses((status = 200, description = "A page of schools", body = ListBody<SchoolView>))
)]
#[get("/schools")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    ctx: RequestContext,
    query: ApiQuery<SchoolQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Bureau, Role::Centre, Role::District, Role::School])?;
    let q = query.0;
    let mut errors = Vec::new();
    let page =
        Pagination { page: q.page, per_page: q.per_page, sort: q.sort.clone() }.check(&mut errors, SORTABLE);
    if !errors.is_empty() {
        return Err(ApiError { errors, ..ApiError::new(Problem::InvalidQuery) });
    }
    let mut filter = repo::school::Filter { district_code: q.district_code, only_id: None, q: q.q };
    match caller.role {
        Role::District => filter.district_code = caller.user.district_code.clone(),
        Role::School => filter.only_id = Some(caller.user.school_id.unwrap_or_default()),
        _ => {}
    }
    let found = repo::school::list(&state.db, &filter, page).await?;
    let mut items = Vec::new();
    for s in found.items {
        items.push(view(&state.db, s, &caller, ctx.lang).await?);
    }
    Ok(HttpResponse::Ok().json(ListBody {
        items,
        total: found.total,
        page: page.page,
        per_page: page.per_page,
    }))
}

/// 查询技工院校详情
///
/// 查询一所技工院校。
///
/// One school.
#[utoipa::path(
    operation_id = "getSchool",
    tag = "schools",
    security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 200, description = "The school", body = SchoolView, headers(("ETag" = String, description = "Its version"))))
)]
#[get("/schools/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    ctx: RequestContext,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let s = repo::school::find(&state.db, *id)
        .await?
        .filter(|s| may_see(&caller, s))
        .ok_or_else(ApiError::not_found)?;
    let tag = etag(s.version);
    Ok(HttpResponse::Ok().insert_header(("ETag", tag)).json(view(&state.db, s, &caller, ctx.lang).await?))
}

/// A school account to create.
#[derive(Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct NewSchoolAccount {
    #[schema(example = "yubei.school")]
    #[validate(custom(function = "validate::username"))]
    pub username: String,
    #[schema(example = "渝北职业技工学校备案专员")]
    #[validate(custom(function = "validate::line::<100>"))]
    pub display_name: String,
    #[schema(format = Password)]
    #[validate(custom(function = "validate::password"))]
    pub password: String,
}

/// 创建学校账号
///
/// 为该校创建学校账号（市人社局）。
///
/// Create a `school` account bound to this school (bureau).
#[utoipa::path(
    operation_id = "createSchoolAccount",
    tag = "schools",
    security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    request_body = NewSchoolAccount,
    responses(
        (status = 201, description = "Created", body = UserView),
        (status = 409, description = "Username taken", body = crate::error::ProblemBody, content_type = "application/problem+json"),
    )
)]
#[post("/schools/{id}/accounts")]
pub async fn create_account(
    state: web::Data<AppState>,
    caller: Caller,
    ctx: RequestContext,
    id: web::Path<Uuid>,
    body: ApiJson<NewSchoolAccount>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Bureau])?;
    let s = repo::school::find(&state.db, *id).await?.ok_or_else(ApiError::not_found)?;
    let a = body.valid()?;
    let account = use_case::users::NewAccount {
        username: validate::username_of(&a.username),
        display_name: validate::trimmed(&a.display_name),
        role: Role::School,
        district_code: None,
        school_id: Some(s.id),
        password_hash: password::hash(a.password).await?,
    };
    let created =
        use_case::run(&state, caller.actor(), async |change| use_case::users::open(change, account).await)
            .await?;
    let v = UserView::load(&state.db, created, ctx.lang).await?;
    Ok(HttpResponse::Created().insert_header(("Location", format!("/api/v1/users/{}", v.id))).json(v))
}

/// 更正技工院校信息
///
/// 更正一所技工院校的登记信息（市人社局），须带 `If-Match`。已备案机构按原名称颁发的证书不变；机构自身
/// 的信息通过变更备案修改。
///
/// Correct a school's record (bureau), with `If-Match`; the whole record, as at registration.
/// Certificates keep the names they were issued under; an institution's own details change by a
/// change filing.
#[utoipa::path(operation_id = "correctSchool", tag = "schools", security(("bearer" = [])),
    params(("id" = Uuid, Path), ("If-Match" = String, Header, description = "The school's ETag")), request_body = NewSchool,
    responses((status = 200, description = "The corrected record", body = SchoolView, headers(("ETag" = String, description = "Its new version"))),
        (status = 409, description = "Credit code registered for another school", body = crate::error::ProblemBody, content_type = "application/problem+json"),
        (status = 412, description = "Stale If-Match", body = crate::error::ProblemBody, content_type = "application/problem+json"),
        (status = 428, description = "Missing If-Match", body = crate::error::ProblemBody, content_type = "application/problem+json")))]
#[put("/schools/{id}")]
pub async fn correct_school(
    state: web::Data<AppState>,
    caller: Caller,
    ctx: RequestContext,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: ApiJson<NewSchool>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Bureau])?;
    repo::school::find(&state.db, *id).await?.ok_or_else(ApiError::not_found)?;
    let if_match = crate::precondition::if_match(&req);
    let (s, e) = body.with_violations();
    let next = checked(&state, &s, e, *id, state.clock.now()).await?;
    let taken = credit_text(&s.credit_code);
    let saved = use_case::run(&state, caller.actor(), async |change| {
        use_case::schools::correct(change, *id, if_match.as_deref(), next, taken).await
    })
    .await?;
    let tag = etag(saved.version);
    let v: SchoolView = view(&state.db, saved, &caller, ctx.lang).await?;
    Ok(HttpResponse::Ok().insert_header(("ETag", tag)).json(v))
}
