//! Candidates (评价对象) of a plan: full-time technical-school students, on their own will (R19),
//! added one by one or imported from CSV or XLSX with a per-row report.

use crate::auth::Caller;
use crate::context::RequestContext;
use crate::error::{ApiError, FieldError, FieldErrorBody};
use crate::extract::{ApiJson, ApiQuery, ListBody};
use crate::i18n::{Lang, Problem, Rule};
use crate::state::AppState;
use crate::upload::{self, sheet, sheet::Projection};
use crate::use_case::{self, plans};
use crate::views::plan::load;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use domain::{Gender, Level, ResidentId, Role};
use persistence::entity::{candidate, plan, plan_occupation};
use persistence::repo;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// Youngest and oldest age accepted for a full-time technical-school student on the day they are
/// added (a decision: the notice says only "全日制在校学生").
pub const STUDENT_AGE: std::ops::RangeInclusive<i32> = 14..=40;

/// A candidate to add.
#[derive(Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CandidateInput {
    #[schema(example = "王小明")]
    pub name: String,
    /// `male` or `female` (男/女 accepted); must agree with the ID number.
    #[schema(example = "male")]
    pub gender: String,
    /// 公民身份号码 (GB 11643). Sensitive: shown only to the institution, the centre and the bureau.
    pub id_number: String,
    /// The candidate's school: the institution's own or another technical school (校校联合).
    pub school_name: String,
    pub major: String,
    pub class_name: String,
    /// Confirmed full-time enrolled student (全日制在校学生), R19.
    pub full_time_confirmed: bool,
    /// The candidate's own will (自愿) is recorded, R19.
    pub consent_recorded: bool,
    pub phone: Option<String>,
    pub occupation_code: String,
    pub work_type: Option<String>,
    #[schema(value_type = crate::schemas::LevelCodeSchema)]
    pub level: String,
}

/// A candidate as the API shows it.
#[derive(Serialize, ToSchema)]
pub struct CandidateView {
    pub id: Uuid,
    pub name: String,
    pub gender: String,
    pub gender_name: String,
    /// Masked (`50**************1X`) for district offices.
    pub id_number: String,
    pub school_name: String,
    /// Whether the school is the institution's own.
    pub own_school: bool,
    pub major: String,
    pub class_name: String,
    pub full_time_confirmed: bool,
    pub consent_recorded: bool,
    pub phone: Option<String>,
    pub occupation_code: String,
    pub work_type: Option<String>,
    pub level: String,
    pub level_name: String,
    /// The centre's review: `pending`, `approved` or `rejected`.
    pub review_status: String,
    pub review_status_name: String,
    pub created_at: DateTime<Utc>,
}

fn view(c: candidate::Model, full: bool, lang: Lang) -> CandidateView {
    let id_number = if full {
        c.id_number
    } else {
        ResidentId::parse(&c.id_number).map(|r| r.masked()).unwrap_or_default()
    };
    CandidateView {
        id: c.id,
        name: c.name,
        gender_name: crate::i18n::code_name(lang, "gender", &c.gender),
        gender: c.gender,
        id_number,
        school_name: c.school_name,
        own_school: c.own_school,
        major: c.major,
        class_name: c.class_name,
        full_time_confirmed: c.full_time_confirmed,
        consent_recorded: c.consent_recorded,
        phone: c.phone.map(|p| if full { p } else { crate::views::mask::phone(&p) }),
        occupation_code: c.occupation_code,
        work_type: Some(c.work_type).filter(|w| !w.is_empty()),
        level_name: crate::i18n::level_name(lang, &c.level),
        level: c.level,
        review_status_name: crate::i18n::code_name(lang, "review_status", &c.review_status),
        review_status: c.review_status,
        created_at: c.created_at,
    }
}

/// What a candidate is checked against.
pub struct Context<'a> {
    pub plan: &'a plan::Model,
    pub occupations: &'a [plan_occupation::Model],
    pub own_school: &'a str,
    pub today: NaiveDate,
    pub now: DateTime<Utc>,
}

fn text(errors: &mut Vec<FieldError>, prefix: &str, field: &str, v: &str, max: usize) -> String {
    match domain::text::single_line(v, max) {
        Ok(t) => t.to_owned(),
        Err(e) => {
            let f = format!("{prefix}{field}");
            errors.push(match e {
                domain::text::TextError::Blank => FieldError::new(f, Rule::Required),
                domain::text::TextError::TooLong { max } => {
                    FieldError::new(f, Rule::TooLong).with("max", max)
                }
                domain::text::TextError::ControlCharacter => FieldError::new(f, Rule::ControlCharacter),
            });
            String::new()
        }
    }
}

/// Checks one candidate; field names get `prefix` (e.g. `rows[3].`).
pub fn check(
    input: &CandidateInput,
    ctx: &Context<'_>,
    prefix: &str,
) -> Result<candidate::Model, Vec<FieldError>> {
    let mut e = Vec::new();
    let name = text(&mut e, prefix, "name", &input.name, 50);
    let gender = match input.gender.trim() {
        "male" | "男" => Some(Gender::Male),
        "female" | "女" => Some(Gender::Female),
        _ => {
            e.push(
                FieldError::new(format!("{prefix}gender"), Rule::NotOneOf)
                    .with("allowed", "male, female, 男, 女"),
            );
            None
        }
    };
    let id = match ResidentId::parse(input.id_number.trim()) {
        Ok(id) => {
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
            Some(id)
        }
        Err(_) => {
            e.push(FieldError::new(format!("{prefix}id_number"), Rule::InvalidResidentId));
            None
        }
    };
    let school_name = text(&mut e, prefix, "school_name", &input.school_name, 100);
    let major = text(&mut e, prefix, "major", &input.major, 100);
    let class_name = text(&mut e, prefix, "class_name", &input.class_name, 100);
    if !input.full_time_confirmed {
        e.push(FieldError::new(format!("{prefix}full_time_confirmed"), Rule::FullTimeRequired));
    }
    if !input.consent_recorded {
        e.push(FieldError::new(format!("{prefix}consent_recorded"), Rule::ConsentRequired));
    }
    let phone = input.phone.as_deref().map(str::trim).filter(|p| !p.is_empty()).map(str::to_owned);
    if let Some(p) = &phone
        && !((7..=20).contains(&p.len())
            && p.chars().all(|c| c.is_ascii_digit() || matches!(c, '-' | ' ' | '+')))
    {
        e.push(FieldError::new(format!("{prefix}phone"), Rule::InvalidPhone));
    }
    let work_type = input.work_type.clone().unwrap_or_default().trim().to_owned();
    let level_ok = input.level.parse::<Level>().is_ok();
    if !level_ok {
        e.push(FieldError::new(format!("{prefix}level"), Rule::InvalidLevel));
    }
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
    match (e.is_empty(), id, gender) {
        (true, Some(id), Some(gender)) => Ok(candidate::Model {
            id: Uuid::now_v7(),
            plan_id: ctx.plan.id,
            own_school: school_name == ctx.own_school,
            name,
            gender: gender.code().into(),
            id_number: id.as_str().to_owned(),
            school_name,
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
        }),
        _ => Err(e),
    }
}

async fn editable(
    state: &AppState,
    caller: &Caller,
    id: Uuid,
) -> Result<(plan::Model, persistence::entity::institution::Model), ApiError> {
    caller.require(&[Role::School])?;
    let (p, i) = load(&state.db, caller, id).await?;
    plans::candidates::editable(&p)?;
    Ok((p, i))
}

/// Add one candidate (the institution, while the plan is a draft or returned). The same person
/// twice for the same occupation and level is refused (409).
#[utoipa::path(tag = "plans", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = CandidateInput,
    responses((status = 201, description = "Added", body = CandidateView),
        (status = 409, description = "Already a candidate for this occupation and level", body = crate::error::ProblemBody, content_type = "application/problem+json")))]
#[post("/plans/{id}/candidates")]
pub async fn add(
    state: web::Data<AppState>,
    caller: Caller,
    ctx: RequestContext,
    id: web::Path<Uuid>,
    body: ApiJson<CandidateInput>,
) -> Result<HttpResponse, ApiError> {
    let (p, i) = editable(&state, &caller, *id).await?;
    let school =
        repo::school::find(&state.db, i.school_id).await?.ok_or_else(|| ApiError::internal("no school"))?;
    let occupations = repo::plan::occupations(&state.db, p.id).await?;
    let now = state.clock.now();
    let c = Context {
        plan: &p,
        occupations: &occupations,
        own_school: &school.name,
        today: state.clock.today(),
        now,
    };
    let row = check(&body.0, &c, "").map_err(ApiError::validation)?;
    use_case::run(&state, caller.actor(), async |c| plans::candidates::add(c, row.clone()).await).await?;
    Ok(HttpResponse::Created().json(view(row, true, ctx.lang)))
}

crate::paged_query!(
    CandidatePage,
    "Sort by `name`, `created_at`, `occupation_code` (`-` first for descending, e.g. `-name`)."
);

/// A page of candidates.
#[utoipa::path(tag = "plans", security(("bearer" = [])), params(("id" = Uuid, Path), CandidatePage),
    responses((status = 200, description = "Candidates by name", body = ListBody<CandidateView>)))]
#[get("/plans/{id}/candidates")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    ctx: RequestContext,
    id: web::Path<Uuid>,
    query: ApiQuery<CandidatePage>,
) -> Result<HttpResponse, ApiError> {
    let (p, _) = load(&state.db, &caller, *id).await?;
    let mut errors = Vec::new();
    let page = query.0.pagination().check(&mut errors, &["name", "created_at", "occupation_code"]);
    if !errors.is_empty() {
        return Err(ApiError { errors, ..ApiError::new(Problem::InvalidQuery) });
    }
    let full = matches!(caller.role, Role::School | Role::Centre | Role::Bureau);
    let found = repo::plan::candidates(&state.db, p.id, page).await?;
    let items = found.items.into_iter().map(|c| view(c, full, ctx.lang)).collect();
    Ok(HttpResponse::Ok().json(ListBody {
        items,
        total: found.total,
        page: page.page,
        per_page: page.per_page,
    }))
}

/// How to treat bad rows.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// `all_or_nothing` (any bad row: nothing imported, 422 listing every bad row) or
    /// `valid_rows_only` (good rows imported, bad ones reported).
    pub mode: String,
}

/// A rejected row.
#[derive(Debug, Serialize, ToSchema)]
pub struct RejectedRow {
    /// Row number in the file (the header is row 1).
    pub row: usize,
    pub errors: Vec<FieldErrorBody>,
}

/// What an import did.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportReport {
    pub mode: String,
    /// Data rows read.
    pub rows: usize,
    pub imported: usize,
    pub rejected: Vec<RejectedRow>,
}

/// Column names accepted in the header row (English or Chinese).
const COLUMNS: &[(&str, &[&str])] = &[
    ("name", &["name", "姓名"]),
    ("gender", &["gender", "性别"]),
    ("id_number", &["id_number", "身份证号", "公民身份号码", "身份证号码"]),
    ("school_name", &["school_name", "学校", "所在学校"]),
    ("major", &["major", "专业"]),
    ("class_name", &["class_name", "班级"]),
    ("full_time_confirmed", &["full_time_confirmed", "全日制", "全日制在校"]),
    ("consent_recorded", &["consent_recorded", "自愿", "本人自愿"]),
    ("phone", &["phone", "联系电话", "电话"]),
    ("occupation_code", &["occupation_code", "职业编码"]),
    ("work_type", &["work_type", "工种"]),
    ("level", &["level", "等级"]),
];

fn yes(v: &str) -> bool {
    matches!(v.trim().to_lowercase().as_str(), "是" | "true" | "yes" | "y" | "1")
}

/// Maps the header row onto [`COLUMNS`] (slot = the column's place there), or lists the unknown
/// and missing columns.
fn project(header: &[String]) -> Result<Projection, ApiError> {
    let mut columns = Vec::with_capacity(header.len());
    let mut found = [false; COLUMNS.len()];
    let mut errors = Vec::new();
    for (i, h) in header.iter().enumerate() {
        let h = h.trim().trim_start_matches('\u{feff}');
        match COLUMNS.iter().position(|(_, names)| names.contains(&h)) {
            Some(slot) => {
                found[slot] = true;
                columns.push(Some(slot));
            }
            None if h.is_empty() => columns.push(None),
            None => {
                errors.push(FieldError::new(format!("columns[{i}]"), Rule::UnknownField));
                columns.push(None);
            }
        }
    }
    for ((field, _), found) in COLUMNS.iter().zip(found) {
        if !found && !matches!(*field, "phone" | "work_type") {
            errors.push(FieldError::new(format!("columns.{field}"), Rule::Required));
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    Ok(Projection { slots: COLUMNS.len(), columns })
}

/// A row's cells (in [`COLUMNS`] order) as an input.
fn to_input(cells: Vec<String>) -> CandidateInput {
    let mut cells = cells.into_iter();
    let mut next = || cells.next().unwrap_or_default();
    let (name, gender, id_number, school_name, major, class_name) =
        (next(), next(), next(), next(), next(), next());
    let (full_time, consent, phone, occupation_code, work_type, level) =
        (next(), next(), next(), next(), next(), next());
    CandidateInput {
        name,
        gender,
        id_number,
        school_name,
        major,
        class_name,
        full_time_confirmed: yes(&full_time),
        consent_recorded: yes(&consent),
        phone: Some(phone),
        occupation_code,
        work_type: Some(work_type),
        level,
    }
}

/// Import candidates from a CSV (`text/csv`, UTF-8) or XLSX file (first sheet), header in the
/// first row (English or Chinese column names: 姓名, 性别, 身份证号, 学校, 专业, 班级, 全日制, 自愿,
/// 联系电话, 职业编码, 工种, 等级). Every row is checked like a single candidate; duplicates within
/// the file or against the plan are refused per row.
#[utoipa::path(tag = "plans", security(("bearer" = [])), params(("id" = Uuid, Path), ImportQuery),
    request_body(content = Vec<u8>, content_type = "text/csv", description = "CSV, or XLSX with its media type"),
    responses((status = 200, description = "Imported; rejected rows listed", body = ImportReport),
        (status = 413, description = "Over an upload limit (bytes, rows, columns, cell, inflated size; docs/SECURITY.md): nothing imported", body = crate::error::ProblemBody, content_type = "application/problem+json"),
        (status = 415, description = "Not a CSV or XLSX, or not what its Content-Type says", body = crate::error::ProblemBody, content_type = "application/problem+json"),
        (status = 422, description = "all_or_nothing and some row is bad, or the file cannot be read: nothing imported", body = crate::error::ProblemBody, content_type = "application/problem+json")))]
#[post("/plans/{id}/candidates/import")]
pub async fn import(
    state: web::Data<AppState>,
    caller: Caller,
    ctx: RequestContext,
    req: HttpRequest,
    id: web::Path<Uuid>,
    query: ApiQuery<ImportQuery>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let mode = query.0.mode;
    if !matches!(mode.as_str(), "all_or_nothing" | "valid_rows_only") {
        return Err(ApiError {
            errors: vec![
                FieldError::new("mode", Rule::NotOneOf).with("allowed", "all_or_nothing, valid_rows_only"),
            ],
            ..ApiError::new(Problem::InvalidQuery)
        });
    }
    let (p, i) = editable(&state, &caller, *id).await?;
    let content_type =
        req.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_ascii_lowercase();
    let is_csv = content_type.starts_with("text/csv");
    let is_xlsx = content_type.starts_with(upload::XLSX);
    if !is_csv && !is_xlsx {
        return Err(ApiError::new(Problem::UnsupportedMediaType)
            .with("expected", format!("text/csv, {}", upload::XLSX)));
    }
    let bytes = upload::read_body(&req, payload, upload::IMPORT_BYTES).await?;
    let rows = web::block(move || {
        if is_xlsx { sheet::read_xlsx(&bytes, project) } else { sheet::read_csv(&bytes, project) }
    })
    .await
    .map_err(ApiError::internal)??;
    let school =
        repo::school::find(&state.db, i.school_id).await?.ok_or_else(|| ApiError::internal("no school"))?;
    let occupations = repo::plan::occupations(&state.db, p.id).await?;
    let now = state.clock.now();
    let c = Context {
        plan: &p,
        occupations: &occupations,
        own_school: &school.name,
        today: state.clock.today(),
        now,
    };
    let mut existing: HashSet<(String, String, String, String)> =
        repo::plan::candidate_keys(&state.db, p.id).await?.into_iter().collect();
    // Each row is freed once checked, and the keys once all are: a large file is held about
    // once in memory, as the rows to insert (docs/PERFORMANCE.md).
    let total = rows.len();
    let mut good = Vec::with_capacity(total);
    let mut bad: Vec<(usize, Vec<FieldError>)> = Vec::new();
    for row in rows {
        let row_number = row.number;
        match check(&to_input(row.cells), &c, "") {
            Ok(row) if !existing.insert(plans::candidates::key(&row)) => {
                bad.push((row_number, vec![FieldError::new("id_number", Rule::Duplicate)]))
            }
            Ok(row) => good.push(row),
            Err(errors) => bad.push((row_number, errors)),
        }
    }
    drop(existing);
    if mode == "all_or_nothing" && !bad.is_empty() {
        let errors = bad
            .into_iter()
            .flat_map(|(row, errs)| {
                errs.into_iter().map(move |mut e| {
                    e.field = format!("rows[{row}].{}", e.field);
                    e
                })
            })
            .collect();
        return Err(ApiError::validation(errors));
    }
    let imported = good.len();
    let summary =
        serde_json::json!({"rows": total, "imported": imported, "rejected": bad.len(), "mode": mode});
    use_case::run(&state, caller.actor(), async |c| plans::candidates::import(c, p.id, good, summary).await)
        .await?;
    let rejected =
        bad.into_iter().map(|(row, errors)| RejectedRow { row, errors: render(errors, ctx.lang) }).collect();
    Ok(HttpResponse::Ok().json(ImportReport { mode, rows: total, imported, rejected }))
}

fn render(errors: Vec<FieldError>, lang: Lang) -> Vec<FieldErrorBody> {
    ApiError::validation(errors).body(lang, "").errors
}
