//! Published fee standards (R34): an institution publishes its fee per occupation and level; the
//! list is public.

use crate::auth::Caller;
use crate::context::RequestContext;
use crate::error::{ApiError, FieldError};
use crate::extract::query_errors;
use crate::extract::{ApiJson, ApiQuery, ListBody, Pagination};
use crate::i18n::{self, Lang, Name, Problem, Rule};
use crate::state::AppState;
use crate::use_case;
use crate::use_case::supervision::MAX_FEES;
use crate::validate;
use crate::views::institution::status_on;
use actix_web::{HttpResponse, get, put, web};
use chrono::{DateTime, Utc};
use domain::institution::InstitutionStatus;
use domain::{Level, Role};
use persistence::entity::fee_standard;
use persistence::repo;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

/// Fields a list here can be sorted by (`sort`).
const SORTABLE: &[&str] = &["occupation_code", "level", "amount_fen", "published_at"];

/// The largest fee: 1,000,000 yuan, in fen.
const MAX_FEN: i64 = 100_000_000;

// `FeeList`'s rule names the number itself (validator's attribute takes a literal of its type).
const _: () = assert!(MAX_FEES == 500);

/// One published fee.
#[derive(Debug, Deserialize, ToSchema, Validate, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct FeeInput {
    #[schema(example = "6-18-01-01")]
    pub occupation_code: String,
    #[schema(value_type = crate::schemas::LevelCodeSchema)]
    #[validate(custom(function = "validate::level"))]
    pub level: String,
    /// The fee in fen (分): 35000 is 350.00 yuan. 0 means free.
    #[schema(example = 35000, minimum = 0, maximum = 100000000)]
    #[validate(range(min = 0, max = MAX_FEN, code = "out_of_range"))]
    pub amount_fen: i64,
    /// The pricing basis (收费依据), e.g. the price authority's document number.
    #[validate(custom(function = "validate::line::<200>"))]
    pub basis: Option<String>,
}

/// An institution's whole fee list; it replaces the list published before.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct FeeList {
    /// At most 500.
    #[validate(length(max = 500, code = "too_long"), nested)]
    pub items: Vec<FeeInput>,
}

/// A published fee.
#[derive(Debug, Serialize, ToSchema)]
pub struct FeeView {
    #[schema(example = "S000050000001")]
    pub institution_code: String,
    pub institution_name: String,
    pub occupation_code: String,
    pub occupation_name: String,
    #[schema(value_type = crate::schemas::LevelCodeSchema)]
    pub level: String,
    pub level_name: String,
    #[schema(example = 35000)]
    pub amount_fen: i64,
    /// The same amount in yuan with two decimals.
    #[schema(example = "350.00")]
    pub amount_yuan: String,
    pub basis: Option<String>,
    pub published_at: DateTime<Utc>,
}

fn yuan(fen: i64) -> String {
    format!("{}.{:02}", fen / 100, fen % 100)
}

async fn views(
    db: &impl persistence::ConnectionTrait,
    rows: Vec<fee_standard::Model>,
    lang: Lang,
) -> Result<Vec<FeeView>, ApiError> {
    let mut institutions: HashMap<Uuid, (String, String)> = HashMap::new();
    let mut occupations: HashMap<String, String> = HashMap::new();
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        if let std::collections::hash_map::Entry::Vacant(slot) = institutions.entry(r.institution_id) {
            let i = repo::institution::find(db, r.institution_id).await?.ok_or_else(ApiError::not_found)?;
            slot.insert((i.code, i.name));
        }
        if !occupations.contains_key(&r.occupation_code) {
            let n = repo::occupation::find(db, &r.occupation_code).await?.map(|o| o.name).unwrap_or_default();
            occupations.insert(r.occupation_code.clone(), n);
        }
        let (code, name) = institutions.get(&r.institution_id).cloned().unwrap_or_default();
        out.push(FeeView {
            institution_code: code,
            institution_name: name,
            occupation_name: occupations.get(&r.occupation_code).cloned().unwrap_or_default(),
            level_name: r
                .level
                .parse::<Level>()
                .map(|l| i18n::name(lang, Name::Level(l)))
                .unwrap_or_default(),
            occupation_code: r.occupation_code,
            level: r.level,
            amount_yuan: yuan(r.amount_fen),
            amount_fen: r.amount_fen,
            basis: r.basis,
            published_at: r.published_at,
        });
    }
    Ok(out)
}

/// 查询收费标准
///
/// 评价机构已公布的收费标准及其 ETag（可查看该机构者）。
///
/// An institution's published fee list with its ETag (those who may see the institution).
#[utoipa::path(operation_id = "getFees", tag = "supervision", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, description = "The fee list", body = Vec<FeeView>)))]
#[get("/institutions/{id}/fees")]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    ctx: RequestContext,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let i = crate::views::institution::load(&state.db, &caller, *id).await?;
    let page = repo::PageRequest { page: 1, per_page: MAX_FEES as u64, sort: None };
    let rows = repo::supervision::fees(&state.db, Some(vec![i.id]), None, None, page).await?;
    let etag = use_case::supervision::fees_etag(&state.db, i.id).await?;
    Ok(HttpResponse::Ok().insert_header(("ETag", etag)).json(views(&state.db, rows.items, ctx.lang).await?))
}

/// 公布收费标准
///
/// 公布评价机构的收费标准（机构本身，R34）：备案范围内每个职业和等级一项收费。新清单替换此前公布的
/// 清单。
///
/// Publish the institution's fee standard (the institution itself, R34): one fee per occupation
/// and level of its filed scope. The list replaces the one published before (send `If-Match`
/// with the list's ETag from `GET …/fees`); every change is in the audit log.
#[utoipa::path(operation_id = "publishFees", tag = "supervision", security(("bearer" = [])),
    params(("id" = Uuid, Path), ("If-Match" = String, Header, description = "The fee list's ETag")), request_body = FeeList,
    responses((status = 200, description = "The published list", body = Vec<FeeView>),
        (status = 409, description = "The institution is not active", body = crate::error::ProblemBody, content_type = "application/problem+json"),
        (status = 412, description = "Stale If-Match", body = crate::error::ProblemBody, content_type = "application/problem+json"),
        (status = 428, description = "Missing If-Match", body = crate::error::ProblemBody, content_type = "application/problem+json")))]
#[put("/institutions/{id}/fees")]
pub async fn publish(
    state: web::Data<AppState>,
    caller: Caller,
    ctx: RequestContext,
    http: actix_web::HttpRequest,
    id: web::Path<Uuid>,
    body: ApiJson<FeeList>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::School])?;
    let i = crate::views::institution::load(&state.db, &caller, *id).await?;
    let today = state.clock.today();
    let status = status_on(&i, today)?;
    if status != InstitutionStatus::Active {
        return Err(ApiError::new(Problem::InstitutionNotActive)
            .with_name("status", Name::Code("institution_status", status.code())));
    }
    let (req, mut errors) = body.with_violations();
    let scope = repo::institution::scope(&state.db, i.id).await?;
    let now = state.clock.now();
    let mut rows: Vec<fee_standard::Model> = Vec::with_capacity(req.items.len());
    for (n, f) in req.items.iter().enumerate() {
        let field = |name: &str| format!("items[{n}].{name}");
        let basis = validate::trimmed_opt(&f.basis);
        // A level that is no level is among the body's violations already.
        if f.level.parse::<Level>().is_ok()
            && !scope.iter().any(|s| s.occupation_code == f.occupation_code && s.level == f.level)
        {
            errors.push(
                FieldError::new(field("occupation_code"), Rule::OutsideScope)
                    .with("code", &f.occupation_code)
                    .with("level", &f.level),
            );
        }
        if rows.iter().any(|r| r.occupation_code == f.occupation_code && r.level == f.level) {
            errors.push(FieldError::new(field("occupation_code"), Rule::Duplicate));
        }
        rows.push(fee_standard::Model {
            institution_id: i.id,
            occupation_code: f.occupation_code.clone(),
            level: f.level.clone(),
            amount_fen: f.amount_fen,
            basis,
            published_at: now,
        });
    }
    errors.finish()?;
    let summary: Vec<serde_json::Value> = rows
        .iter()
        .map(|r| serde_json::json!({"occupation_code": r.occupation_code, "level": r.level, "amount_fen": r.amount_fen}))
        .collect();
    let if_match = crate::precondition::if_match(&http);
    let (saved, etag) = use_case::run(&state, caller.actor(), async |change| {
        use_case::supervision::publish_fees(change, i.id, rows, summary, if_match.as_deref()).await
    })
    .await?;
    let out = views(&state.db, saved, ctx.lang).await?;
    Ok(HttpResponse::Ok().insert_header(("ETag", etag)).json(out))
}

/// Filters for the public fee list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct FeeQuery {
    /// One institution's fees, by its filing code.
    pub institution_code: Option<String>,
    pub occupation_code: Option<String>,
    /// `3`, `4`, `5` or `9`.
    pub level: Option<String>,
    #[param(minimum = 1, maximum = 100000)]
    pub page: Option<u64>,
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<u64>,
    /// Sort by `occupation_code`, `level`, `amount_fen`, `published_at` (`-` first for descending, e.g. `-occupation_code`).
    pub sort: Option<String>,
}

/// 收费标准公示
///
/// 收费标准公示（R34，面向所有人）：每个在用评价机构按职业和等级的收费。
///
/// Published fees (R34), for everyone: what each active institution charges per occupation and
/// level (fees of suspended, expired or cancelled institutions are not listed).
#[utoipa::path(operation_id = "listPublicFees", tag = "public", params(FeeQuery),
    responses((status = 200, description = "A page of fees", body = ListBody<FeeView>)))]
#[get("/public/fees")]
pub async fn public_fees(
    state: web::Data<AppState>,
    ctx: RequestContext,
    query: ApiQuery<FeeQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.0;
    let mut errors = Vec::new();
    let page =
        Pagination { page: q.page, per_page: q.per_page, sort: q.sort.clone() }.check(&mut errors, SORTABLE);
    if q.level.as_deref().is_some_and(|l| l.parse::<Level>().is_err()) {
        errors.push(FieldError::new("level", Rule::InvalidLevel));
    }
    query_errors(errors)?;
    let today = state.clock.today();
    let mut ids: Vec<Uuid> = Vec::new();
    for i in repo::institution::all(&state.db).await? {
        if status_on(&i, today)? == InstitutionStatus::Active
            && q.institution_code.as_deref().is_none_or(|c| c == i.code)
        {
            ids.push(i.id);
        }
    }
    let found =
        repo::supervision::fees(&state.db, Some(ids), q.occupation_code.as_deref(), q.level.as_deref(), page)
            .await?;
    let items = views(&state.db, found.items, ctx.lang).await?;
    Ok(HttpResponse::Ok().json(ListBody {
        items,
        total: found.total,
        page: page.page,
        per_page: page.per_page,
    }))
}
