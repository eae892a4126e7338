//! Basis standards: national occupational skill standards and filed industry/enterprise
//! evaluation norms (R5, R6).

use crate::audit;
use crate::auth::Caller;
use crate::context::RequestContext;
use crate::error::{ApiError, FieldError};
use crate::extract::{ApiJson, ApiQuery};
use crate::i18n::{self, Lang, Name, Problem, Rule};
use crate::state::AppState;
use crate::validate::Errors;
use actix_web::{HttpResponse, get, post, web};
use chrono::NaiveDate;
use domain::{Level, Role};
use persistence::entity::standard;
use persistence::repo;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// A registered standard.
#[derive(Debug, Serialize, ToSchema)]
pub struct StandardView {
    pub id: Uuid,
    #[schema(example = "6-18-01-01")]
    pub occupation_code: String,
    /// `national_standard` or `evaluation_norm`.
    #[schema(example = "national_standard")]
    pub kind: String,
    pub kind_name: String,
    #[schema(example = "车工国家职业技能标准（2018年版）")]
    pub title: String,
    /// Levels covered, as codes.
    #[schema(value_type = Vec<crate::schemas::LevelCodeSchema>)]
    pub levels: Vec<String>,
    pub level_names: Vec<String>,
    /// For evaluation norms: the filing reference and date.
    pub filing_reference: Option<String>,
    pub filing_date: Option<NaiveDate>,
    /// Why the bureau registered a second norm for the same occupation and level, if it did.
    pub override_reason: Option<String>,
}

/// The view of a standard in `lang`.
pub fn view(s: standard::Model, levels: Vec<String>, lang: Lang) -> StandardView {
    let kind_name = i18n::group_code("standard_kind", &s.kind)
        .map_or_else(|| s.kind.clone(), |(g, c)| i18n::name(lang, Name::Code(g, c)));
    let level_names = levels
        .iter()
        .filter_map(|l| l.parse::<Level>().ok())
        .map(|l| i18n::name(lang, Name::Level(l)))
        .collect();
    StandardView {
        id: s.id,
        occupation_code: s.occupation_code,
        kind: s.kind,
        kind_name,
        title: s.title,
        levels,
        level_names,
        filing_reference: s.filing_reference,
        filing_date: s.filing_date,
        override_reason: s.override_reason,
    }
}

/// A standard to register.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewStandard {
    #[schema(example = "6-18-01-01")]
    pub occupation_code: String,
    /// `national_standard` or `evaluation_norm`.
    #[schema(example = "national_standard")]
    pub kind: String,
    #[schema(example = "车工国家职业技能标准（2018年版）")]
    pub title: String,
    #[schema(value_type = Vec<crate::schemas::LevelCodeSchema>, example = json!(["3", "4", "5"]))]
    pub levels: Vec<String>,
    /// Required for an evaluation norm.
    pub filing_reference: Option<String>,
    /// Required for an evaluation norm.
    pub filing_date: Option<NaiveDate>,
    /// Bureau only: registers a second evaluation norm for an occupation and level that has one,
    /// recording why (R6).
    pub override_reason: Option<String>,
}

/// Register a standard or a filed evaluation norm (bureau; schools register the norms they have
/// developed and filed). A second norm for the same occupation and level is refused (409) unless
/// the bureau gives an `override_reason` (R6).
#[utoipa::path(
    tag = "standards",
    security(("bearer" = [])),
    request_body = NewStandard,
    responses(
        (status = 201, description = "Registered", body = StandardView),
        (status = 409, description = "A norm already exists (R6)", body = crate::error::ProblemBody, content_type = "application/problem+json"),
    )
)]
#[post("/standards")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    ctx: RequestContext,
    body: ApiJson<NewStandard>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Bureau, Role::School])?;
    let s = body.0;
    let mut errors = Errors::default();
    let occupation = repo::occupation::find(&state.db, &s.occupation_code).await?;
    if occupation.is_none() {
        errors.push(
            FieldError::new("occupation_code", Rule::UnknownOccupation).with("code", &s.occupation_code),
        );
    }
    if i18n::group_code("standard_kind", &s.kind).is_none() {
        errors.push(
            FieldError::new("kind", Rule::NotOneOf).with("allowed", "national_standard, evaluation_norm"),
        );
    }
    let title = errors.single_line("title", &s.title, 200);
    let mut levels: Vec<String> = Vec::new();
    for (i, l) in s.levels.iter().enumerate() {
        match l.parse::<Level>() {
            Ok(level) if !levels.contains(&level.code().to_owned()) => levels.push(level.code().to_owned()),
            Ok(_) => errors.push(FieldError::new(format!("levels[{i}]"), Rule::Duplicate)),
            Err(()) => errors.push(FieldError::new(format!("levels[{i}]"), Rule::InvalidLevel)),
        }
    }
    if s.levels.is_empty() {
        errors.push(FieldError::new("levels", Rule::TooFew).with("min", 1));
    }
    let reference =
        s.filing_reference.as_deref().and_then(|r| errors.single_line("filing_reference", r, 100));
    if s.kind == "evaluation_norm" && (reference.is_none() || s.filing_date.is_none()) {
        errors.push(FieldError::new("filing_reference", Rule::NormNeedsFiling));
    }
    let override_reason = match &s.override_reason {
        Some(r) if caller.role == Role::Bureau => errors.single_line("override_reason", r, 1000),
        Some(_) => return Err(ApiError::forbidden()),
        None => None,
    };
    errors.finish()?;
    let now = state.clock.now();
    let tx = persistence::begin_write(&state.db).await?;
    // R6: one norm per occupation and level. This read gives the friendly answer; the unique
    // index `standard_levels_one_norm` is the check that holds when two requests race.
    let norm_exists = |existing: &[persistence::entity::standard_level::Model]| -> ApiError {
        match existing.first().map(|n| n.level.parse::<Level>()) {
            Some(Ok(level)) => ApiError::new(Problem::NormExists)
                .with("occupation", &s.occupation_code)
                .with_name("level", Name::Level(level)),
            _ => ApiError::internal("bad level in database"),
        }
    };
    if s.kind == "evaluation_norm" && override_reason.is_none() {
        let existing = repo::standard::norms_covering(&tx, &s.occupation_code, &levels).await?;
        if !existing.is_empty() {
            return Err(norm_exists(&existing));
        }
    }
    let inserted = repo::standard::insert(
        &tx,
        repo::standard::NewStandard {
            occupation_code: s.occupation_code.clone(),
            kind: s.kind.clone(),
            title: title.unwrap_or_default(),
            levels: levels.clone(),
            filing_reference: reference,
            filing_date: s.filing_date,
            override_reason: override_reason.clone(),
        },
        now,
    )
    .await;
    let saved = match inserted {
        Ok(saved) => saved,
        Err(e) if e.is_conflict("standard_levels_one_norm") => {
            tx.rollback().await?;
            let existing = repo::standard::norms_covering(&state.db, &s.occupation_code, &levels).await?;
            return Err(norm_exists(&existing));
        }
        Err(e) => return Err(e.into()),
    };
    audit::record(
        &tx,
        &ctx,
        &caller,
        "standard.registered",
        ("standard", saved.id.to_string()),
        serde_json::json!({"occupation_code": s.occupation_code, "kind": s.kind, "levels": levels, "override_reason": override_reason}),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/standards/{}", saved.id)))
        .json(view(saved, levels, ctx.lang)))
}

/// Filter for standards.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct StandardQuery {
    /// Only standards of this occupation.
    pub occupation_code: Option<String>,
    #[param(minimum = 1, maximum = 100000)]
    pub page: Option<u64>,
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<u64>,
    /// Sort by `occupation_code`, `title`, `created_at` (`-` first for descending, e.g. `-created_at`).
    pub sort: Option<String>,
}

/// Registered standards (public reference data).
#[utoipa::path(tag = "standards", params(StandardQuery), responses((status = 200, description = "A page of standards", body = crate::extract::ListBody<StandardView>)))]
#[get("/standards")]
pub async fn list(
    state: web::Data<AppState>,
    ctx: RequestContext,
    query: ApiQuery<StandardQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.0;
    let mut errors = Vec::new();
    let page = crate::extract::Pagination { page: q.page, per_page: q.per_page, sort: q.sort.clone() }
        .check(&mut errors, &["occupation_code", "title", "created_at"]);
    if !errors.is_empty() {
        return Err(ApiError { errors, ..ApiError::new(crate::i18n::Problem::InvalidQuery) });
    }
    let found = repo::standard::list(&state.db, q.occupation_code.as_deref(), page).await?;
    let items = found.items.into_iter().map(|(s, l)| view(s, l, ctx.lang)).collect();
    Ok(HttpResponse::Ok().json(crate::extract::ListBody::<StandardView> {
        items,
        total: found.total,
        page: page.page,
        per_page: page.per_page,
    }))
}

/// One standard.
#[utoipa::path(tag = "standards", params(("id" = Uuid, Path)), responses((status = 200, description = "The standard", body = StandardView)))]
#[get("/standards/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    ctx: RequestContext,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let (s, levels) = repo::standard::find(&state.db, *id).await?.ok_or_else(ApiError::not_found)?;
    Ok(HttpResponse::Ok().json(view(s, levels, ctx.lang)))
}
