//! Candidates (评价对象) of a plan: full-time technical-school students, on their own will (R19),
//! added one by one or imported from CSV or XLSX with a per-row report.

use crate::auth::Caller;
use crate::context::RequestContext;
use crate::error::{ApiError, FieldError, FieldErrorBody};
use crate::extract::{ApiJson, ApiQuery, ListBody};
use crate::i18n::{Lang, Problem, Rule};
use crate::state::AppState;
use crate::upload::{self, sheet, sheet::Projection};
use crate::use_case::plans::candidates::{CandidateInput, Context, Schools, check};
use crate::use_case::{self, plans};
use crate::views::candidate::{CandidateView, held_certificates, view};
use crate::views::mask::IdNumbers;
use crate::views::plan::load;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use domain::Role;
use persistence::entity::plan;
use persistence::repo;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

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

/// 添加评价对象
///
/// 添加一名评价对象（所属机构，在计划为草稿或退回状态时）。同一人同一职业和等级重复添加时拒绝（409
/// ）。
///
/// Add one candidate (the institution, while the plan is a draft or returned). The same person
/// twice for the same occupation and level is refused (409).
#[utoipa::path(operation_id = "addCandidate", tag = "plans", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = CandidateInput,
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
    let (input, _) = body.with_violations();
    let schools = schools(&state, &i, input.school.as_deref()).await?;
    let occupations = repo::plan::occupations(&state.db, p.id).await?;
    let now = state.clock.now();
    let c = Context {
        plan: &p,
        occupations: &occupations,
        schools: &schools,
        today: state.clock.today(),
        now,
        data_key: &state.data_key,
    };
    // `check` validates the row itself (with the paths an import's rows need), together with
    // what the plan requires of it.
    let row = check(&input, &c, "").map_err(ApiError::validation)?;
    use_case::run(&state, caller.actor(), async |c| plans::candidates::add(c, row.clone()).await).await?;
    let held = held_certificates(&state.db, std::slice::from_ref(&row)).await?.remove(&row.id);
    Ok(HttpResponse::Created().json(view(row, IdNumbers::Full(&state.data_key), held, ctx.lang)))
}

/// The institution's own school and the registry's schools that `named` name (R19).
async fn schools<'a>(
    state: &AppState,
    i: &persistence::entity::institution::Model,
    named: impl IntoIterator<Item = &'a str>,
) -> Result<Schools, ApiError> {
    let own =
        repo::school::find(&state.db, i.school_id).await?.ok_or_else(|| ApiError::internal("no school"))?;
    Schools::resolve(&state.db, own, named).await
}

crate::paged_query!(
    CandidatePage,
    "Sort by `name`, `created_at`, `occupation_code` (`-` first for descending, e.g. `-name`)."
);

/// 查询评价对象
///
/// 分页查询评价对象。
///
/// A page of candidates.
#[utoipa::path(operation_id = "listCandidates", tag = "plans", security(("bearer" = [])), params(("id" = Uuid, Path), CandidatePage),
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
    let mut held = held_certificates(&state.db, &found.items).await?;
    let items = found
        .items
        .into_iter()
        .map(|c| {
            let h = held.remove(&c.id);
            view(c, IdNumbers::full_if(full, &state.data_key), h, ctx.lang)
        })
        .collect();
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
    ("school", &["school", "学校", "所在学校", "学校统一社会信用代码"]),
    ("student_number", &["student_number", "学号"]),
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
        if !found && !matches!(*field, "phone" | "work_type" | "school") {
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
    let (name, gender, id_number, school, student_number, major, class_name) =
        (next(), next(), next(), next(), next(), next(), next());
    let (full_time, consent, phone, occupation_code, work_type, level) =
        (next(), next(), next(), next(), next(), next());
    CandidateInput {
        name,
        gender,
        id_number,
        school: Some(school).filter(|s| !s.trim().is_empty()),
        student_number,
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

/// 导入评价对象
///
/// 从 CSV（text/csv，UTF-8）或 XLSX 文件（第一个工作表）导入评价对象，第一行为表头（中文或英文列名
/// ）。
///
/// Import candidates from a CSV (`text/csv`, UTF-8) or XLSX file (first sheet), header in the
/// first row (English or Chinese column names: 姓名, 性别, 身份证号, 学校, 学号, 专业, 班级, 全日制,
/// 自愿, 联系电话, 职业编码, 工种, 等级; 学校, 联系电话 and 工种 may be left out). 学校 names the
/// candidate's school from the registry by id or unified social credit code, blank for the
/// institution's own (R19). Every row is checked like a single candidate; unknown schools and
/// duplicates within the file or against the plan are refused per row.
#[utoipa::path(operation_id = "importCandidates", tag = "plans", security(("bearer" = [])), params(("id" = Uuid, Path), ImportQuery),
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
    let rows: Vec<(usize, CandidateInput)> =
        rows.into_iter().map(|r| (r.number, to_input(r.cells))).collect();
    // Each school the file names is looked up once (R19: unknown ones are reported per row).
    let schools = schools(&state, &i, rows.iter().filter_map(|(_, r)| r.school.as_deref())).await?;
    let occupations = repo::plan::occupations(&state.db, p.id).await?;
    let now = state.clock.now();
    let c = Context {
        plan: &p,
        occupations: &occupations,
        schools: &schools,
        today: state.clock.today(),
        now,
        data_key: &state.data_key,
    };
    let mut existing: HashSet<(Option<String>, String, String, String)> =
        repo::plan::candidate_keys(&state.db, p.id).await?.into_iter().collect();
    // Each row is freed once checked, and the keys once all are: a large file is held about
    // once in memory, as the rows to insert (docs/PERFORMANCE.md).
    let total = rows.len();
    let mut good = Vec::with_capacity(total);
    let mut bad: Vec<(usize, Vec<FieldError>)> = Vec::new();
    for (row_number, input) in rows {
        match check(&input, &c, "") {
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

/// Why a candidate is withdrawn.
#[derive(Debug, Deserialize, ToSchema, validator::Validate)]
#[serde(deny_unknown_fields)]
pub struct WithdrawCandidate {
    #[validate(custom(function = "crate::validate::lines::<2000>"))]
    pub reason: String,
}

/// 撤回考生
///
/// 撤回一名考生并说明理由（本机构，颁发证书之前）：考生及其成绩保留备查，不再参加成绩录入、公示、
/// 上报和发证；同一人可再次列入本计划。
///
/// Withdraw a candidate with a reason (their school, until a certificate is issued from the
/// plan): kept on record with their results, left out of results entry, publicity, the report
/// and issuance; the same person may be listed in the plan again.
#[utoipa::path(operation_id = "withdrawCandidate", tag = "plans", security(("bearer" = [])),
    params(("id" = Uuid, Path), ("candidate_id" = Uuid, Path)), request_body = WithdrawCandidate,
    responses((status = 200, description = "Withdrawn", body = CandidateView),
        (status = 409, description = "Withdrawn already, plan cancelled, or certificates issued", body = crate::error::ProblemBody, content_type = "application/problem+json")))]
#[post("/plans/{id}/candidates/{candidate_id}/withdraw")]
pub async fn withdraw(
    state: web::Data<AppState>,
    caller: Caller,
    ctx: RequestContext,
    path: web::Path<(Uuid, Uuid)>,
    body: ApiJson<WithdrawCandidate>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::School])?;
    let (plan_id, candidate_id) = path.into_inner();
    let (p, _) = load(&state.db, &caller, plan_id).await?;
    let reason = crate::validate::trimmed(&body.valid()?.reason);
    let saved = use_case::run(&state, caller.actor(), async |c| {
        plans::candidates::withdraw(c, p.id, candidate_id, &reason).await
    })
    .await?;
    Ok(HttpResponse::Ok().json(view(saved, IdNumbers::Full(&state.data_key), None, ctx.lang)))
}
