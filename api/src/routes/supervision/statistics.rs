//! Over 400 lines: eleven statistics share their filters and grouping.
//!
//! Statistics for supervision: certificates by year, district, institution, occupation and level;
//! pass rates per plan and per occupation. Bureau and centre see all, a district its own
//! institutions. As JSON, CSV (UTF-8 with BOM) or XLSX.

use crate::auth::Principal;
use crate::context::RequestContext;
use crate::error::{ApiError, FieldError};
use crate::extract::ApiQuery;
use crate::extract::query_errors;
use crate::i18n::{self, Lang, Rule};
use crate::spreadsheet::{self, XLSX};
use crate::state::AppState;
use actix_web::{HttpResponse, get, web};
use chrono::Datelike;
use domain::Role;
use persistence::entity::institution;
use persistence::repo;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

const DIMENSIONS: [&str; 5] = ["year", "district", "institution", "occupation", "level"];

/// Certificate statistics filters.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CertificateStatsQuery {
    /// Comma-separated dimensions among `year`, `district`, `institution`, `occupation`, `level`
    /// (default: all five).
    #[param(example = "year,district")]
    pub group_by: Option<String>,
    /// Only certificates issued in this year.
    pub year: Option<i32>,
    /// Only institutions of this district (a district account always sees its own).
    pub district_code: Option<String>,
    /// `json` (default), `csv` or `xlsx`.
    pub format: Option<String>,
}

/// One group of certificates.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct CertificateStatsRow {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub year: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub district_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub district_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub institution_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub institution_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub occupation_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub occupation_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level_name: Option<String>,
    /// Every certificate issued (whatever its status now).
    pub issued: i64,
    pub valid: i64,
    pub revoked: i64,
    pub superseded: i64,
}

fn format_of(f: Option<&str>, errors: &mut Vec<FieldError>) -> &'static str {
    match f.unwrap_or("json") {
        "json" => "json",
        "csv" => "csv",
        "xlsx" => "xlsx",
        _ => {
            errors.push(FieldError::new("format", Rule::NotOneOf).with("allowed", "json, csv, xlsx"));
            "json"
        }
    }
}

/// The institutions the caller's statistics cover.
async fn institutions_in_scope(
    state: &AppState,
    principal: &Principal,
    district: Option<&str>,
) -> Result<HashMap<Uuid, institution::Model>, ApiError> {
    principal.require(&[Role::Bureau, Role::Centre, Role::District], "statistics:read")?;
    let own = principal
        .user()
        .filter(|c| c.role == Role::District)
        .map(|c| c.user.district_code.clone().unwrap_or_default());
    Ok(repo::institution::all(&state.db)
        .await?
        .into_iter()
        .filter(|i| own.as_deref().is_none_or(|d| d == i.district_code))
        .filter(|i| district.is_none_or(|d| d == i.district_code))
        .map(|i| (i.id, i))
        .collect())
}

async fn names(state: &AppState) -> Result<(HashMap<String, String>, HashMap<String, String>), ApiError> {
    let districts = repo::district::list(&state.db)
        .await?
        .into_iter()
        .map(|d| (d.code, d.name))
        .collect::<HashMap<_, _>>();
    let occupations = repo::occupation::names(&state.db).await?;
    Ok((districts, occupations))
}

fn respond(
    format: &str,
    name: &str,
    header: Vec<String>,
    rows: Vec<Vec<String>>,
    json: impl Serialize,
) -> Result<HttpResponse, ApiError> {
    let mut table = vec![header];
    table.extend(rows);
    match format {
        "csv" => Ok(HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .insert_header(("Content-Disposition", format!("attachment; filename=\"{name}.csv\"")))
            .body(spreadsheet::csv(&table).map_err(ApiError::internal)?)),
        "xlsx" => Ok(HttpResponse::Ok()
            .content_type(XLSX)
            .insert_header(("Content-Disposition", format!("attachment; filename=\"{name}.xlsx\"")))
            .body(spreadsheet::xlsx("统计", &table).map_err(ApiError::internal)?)),
        _ => Ok(HttpResponse::Ok().json(json)),
    }
}

/// 证书统计
///
/// 证书颁发统计，可按年度、区县、机构、职业和等级（任意组合）：市人社局和鉴定中心可见全部，区县可见
/// 本区县的。
///
/// Certificates issued, by year, district, institution, occupation and level (any subset): bureau
/// and centre all (and machine clients with `statistics:read`), a district its own institutions.
/// JSON, CSV or XLSX.
#[utoipa::path(operation_id = "getCertificateStatistics", tag = "statistics", security(("bearer" = [])), params(CertificateStatsQuery),
    responses((status = 200, description = "The groups, in dimension order: JSON, or CSV or XLSX with `format`", content(
        (Vec<CertificateStatsRow> = "application/json"),
        (String = "text/csv"),
        (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")))))]
#[get("/statistics/certificates")]
pub async fn certificates(
    state: web::Data<AppState>,
    principal: Principal,
    ctx: RequestContext,
    query: ApiQuery<CertificateStatsQuery>,
) -> Result<HttpResponse, ApiError> {
    principal.require(&[Role::Bureau, Role::Centre, Role::District], "statistics:read")?;
    let q = query.0;
    let mut errors = Vec::new();
    let format = format_of(q.format.as_deref(), &mut errors);
    let dims: Vec<String> = match &q.group_by {
        Some(g) => g.split(',').map(|d| d.trim().to_owned()).filter(|d| !d.is_empty()).collect(),
        None => DIMENSIONS.iter().map(|d| (*d).to_owned()).collect(),
    };
    if dims.iter().any(|d| !DIMENSIONS.contains(&d.as_str())) {
        errors.push(FieldError::new("group_by", Rule::NotOneOf).with("allowed", DIMENSIONS.join(", ")));
    }
    query_errors(errors)?;
    let has = |d: &str| dims.iter().any(|x| x == d);
    let scope = institutions_in_scope(&state, &principal, q.district_code.as_deref()).await?;
    let (districts, occupations) = names(&state).await?;
    type Key = (Option<i32>, Option<String>, Option<Uuid>, Option<String>, Option<String>);
    let mut groups: BTreeMap<Key, [i64; 4]> = BTreeMap::new();
    for c in repo::supervision::certificate_counts(&state.db, q.year).await? {
        let Some(i) = scope.get(&c.institution_id) else { continue };
        let key: Key = (
            has("year").then_some(c.issue_year),
            has("district").then(|| i.district_code.clone()),
            has("institution").then_some(i.id),
            has("occupation").then(|| c.occupation_code.clone()),
            has("level").then(|| c.level.clone()),
        );
        let e = groups.entry(key).or_insert([0; 4]);
        e[0] += c.count;
        match c.status.as_str() {
            "valid" => e[1] += c.count,
            "revoked" => e[2] += c.count,
            _ => e[3] += c.count,
        }
    }
    let lang = ctx.lang;
    let out: Vec<CertificateStatsRow> = groups
        .into_iter()
        .map(|((year, district, inst, occ, level), n)| {
            let i = inst.and_then(|id| scope.get(&id));
            CertificateStatsRow {
                year,
                district_name: district.as_ref().map(|d| districts.get(d).cloned().unwrap_or_default()),
                district_code: district,
                institution_code: i.map(|i| i.code.clone()),
                institution_name: i.map(|i| i.name.clone()),
                occupation_name: occ.as_ref().map(|o| occupations.get(o).cloned().unwrap_or_default()),
                occupation_code: occ,
                level_name: level.as_deref().map(|l| i18n::level_name(lang, l)),
                level,
                issued: n[0],
                valid: n[1],
                revoked: n[2],
                superseded: n[3],
            }
        })
        .collect();
    let zh = lang == Lang::ZhCn;
    let mut header = Vec::new();
    for (d, zh_name, en) in [
        ("year", "年度", "year"),
        ("district", "区县", "district"),
        ("institution", "评价机构", "institution"),
        ("occupation", "职业", "occupation"),
        ("level", "等级", "level"),
    ] {
        if has(d) {
            header.push(format!("{}{}", if zh { zh_name } else { en }, if zh { "编码" } else { " code" }));
            if d != "year" {
                header.push(format!(
                    "{}{}",
                    if zh { zh_name } else { en },
                    if zh { "名称" } else { " name" }
                ));
            }
        }
    }
    header.extend(
        if zh {
            ["发证数", "有效", "已撤销", "已换发"]
        } else {
            ["issued", "valid", "revoked", "superseded"]
        }
        .map(str::to_owned),
    );
    let rows = out
        .iter()
        .map(|r| {
            let mut v = Vec::new();
            if let Some(y) = r.year {
                v.push(y.to_string());
            }
            for (code, name) in [
                (&r.district_code, &r.district_name),
                (&r.institution_code, &r.institution_name),
                (&r.occupation_code, &r.occupation_name),
                (&r.level, &r.level_name),
            ] {
                if let Some(c) = code {
                    v.push(c.clone());
                    v.push(name.clone().unwrap_or_default());
                }
            }
            v.extend([r.issued, r.valid, r.revoked, r.superseded].map(|n| n.to_string()));
            v
        })
        .collect();
    respond(format, "certificate-statistics", header, rows, &out)
}

/// Pass-rate filters.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PassRateQuery {
    /// `plan` (default) or `occupation` (occupation and level).
    pub by: Option<String>,
    /// Only plans filed in this year.
    pub year: Option<i32>,
    /// Only institutions of this district (a district account always sees its own).
    pub district_code: Option<String>,
    /// `json` (default), `csv` or `xlsx`.
    pub format: Option<String>,
}

/// A pass rate.
#[derive(Debug, Serialize, ToSchema)]
pub struct PassRateRow {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plan_id: Option<Uuid>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plan_title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub institution_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub occupation_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub occupation_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level_name: Option<String>,
    /// Candidates listed.
    pub candidates: u64,
    /// Candidates with every component's result (R20).
    pub assessed: u64,
    /// Assessed candidates who passed.
    pub passed: u64,
    /// `passed / assessed`, 0–1 (absent when nobody is assessed yet).
    pub pass_rate: Option<f64>,
}

/// 通过率统计
///
/// 通过率统计，按批次或按职业和等级（R20：每个组成部分都达到合格线），统计已报备的计划。
///
/// Pass rates per plan or per occupation and level (R20: every component ≥ the pass mark), over
/// filed plans: bureau and centre all, a district its own institutions. JSON, CSV or XLSX.
#[utoipa::path(operation_id = "getPassRateStatistics", tag = "statistics", security(("bearer" = [])), params(PassRateQuery),
    responses((status = 200, description = "The pass rates: JSON, or CSV or XLSX with `format`", content(
        (Vec<PassRateRow> = "application/json"),
        (String = "text/csv"),
        (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")))))]
#[get("/statistics/pass-rates")]
pub async fn pass_rates(
    state: web::Data<AppState>,
    principal: Principal,
    ctx: RequestContext,
    query: ApiQuery<PassRateQuery>,
) -> Result<HttpResponse, ApiError> {
    principal.require(&[Role::Bureau, Role::Centre, Role::District], "statistics:read")?;
    let q = query.0;
    let mut errors = Vec::new();
    let format = format_of(q.format.as_deref(), &mut errors);
    let by_plan = match q.by.as_deref().unwrap_or("plan") {
        "plan" => true,
        "occupation" => false,
        _ => {
            errors.push(FieldError::new("by", Rule::NotOneOf).with("allowed", "plan, occupation"));
            true
        }
    };
    query_errors(errors)?;
    let scope = institutions_in_scope(&state, &principal, q.district_code.as_deref()).await?;
    let (_, occupations) = names(&state).await?;
    let plans = repo::plan::of_institutions(&state.db, scope.keys().copied().collect()).await?;
    // (plan or occupation/level) → [candidates, assessed, passed]
    type Group = (Option<Uuid>, Option<(String, String)>);
    let mut groups: BTreeMap<Group, [u64; 3]> = BTreeMap::new();
    let mut plan_info: HashMap<Uuid, (String, String)> = HashMap::new();
    for p in plans {
        if p.plan_status()? != domain::plan::PlanStatus::Acknowledged
            || q.year.is_some_and(|y| p.filed_on.is_none_or(|d| d.year() != y))
        {
            continue;
        }
        let cands = repo::results::candidates(&state.db, p.id).await?;
        let history = repo::results::all(&state.db, p.id).await?;
        let outcomes = crate::views::results::outcomes(&p, &cands, &history)?;
        let code = scope.get(&p.institution_id).map(|i| i.code.clone()).unwrap_or_default();
        plan_info.insert(p.id, (p.title.clone(), code));
        for c in &cands {
            let key = if by_plan {
                (Some(p.id), None)
            } else {
                (None, Some((c.occupation_code.clone(), c.level.clone())))
            };
            let e = groups.entry(key).or_insert([0; 3]);
            e[0] += 1;
            match outcomes.get(&c.id).copied().flatten() {
                Some(true) => {
                    e[1] += 1;
                    e[2] += 1;
                }
                Some(false) => e[1] += 1,
                None => {}
            }
        }
    }
    let lang = ctx.lang;
    let out: Vec<PassRateRow> = groups
        .into_iter()
        .map(|((plan, occ), n)| {
            let info = plan.and_then(|p| plan_info.get(&p));
            PassRateRow {
                plan_id: plan,
                plan_title: info.map(|i| i.0.clone()),
                institution_code: info.map(|i| i.1.clone()),
                occupation_name: occ.as_ref().map(|(o, _)| occupations.get(o).cloned().unwrap_or_default()),
                level_name: occ.as_ref().map(|(_, l)| i18n::level_name(lang, l)),
                occupation_code: occ.as_ref().map(|(o, _)| o.clone()),
                level: occ.map(|(_, l)| l),
                candidates: n[0],
                assessed: n[1],
                passed: n[2],
                pass_rate: (n[1] > 0).then(|| n[2] as f64 / n[1] as f64),
            }
        })
        .collect();
    let zh = lang == Lang::ZhCn;
    let header: Vec<String> = match (by_plan, zh) {
        (true, true) => vec!["计划编号", "计划名称", "机构备案编码", "考生数", "已考核", "合格", "合格率"],
        (true, false) => {
            vec!["plan id", "plan title", "institution code", "candidates", "assessed", "passed", "pass rate"]
        }
        (false, true) => {
            vec!["职业编码", "职业名称", "等级", "等级名称", "考生数", "已考核", "合格", "合格率"]
        }
        (false, false) => vec![
            "occupation code",
            "occupation name",
            "level",
            "level name",
            "candidates",
            "assessed",
            "passed",
            "pass rate",
        ],
    }
    .into_iter()
    .map(str::to_owned)
    .collect();
    let rows = out
        .iter()
        .map(|r| {
            let mut v: Vec<String> = if by_plan {
                vec![
                    r.plan_id.map(|p| p.to_string()).unwrap_or_default(),
                    r.plan_title.clone().unwrap_or_default(),
                    r.institution_code.clone().unwrap_or_default(),
                ]
            } else {
                vec![
                    r.occupation_code.clone().unwrap_or_default(),
                    r.occupation_name.clone().unwrap_or_default(),
                    r.level.clone().unwrap_or_default(),
                    r.level_name.clone().unwrap_or_default(),
                ]
            };
            v.extend([r.candidates, r.assessed, r.passed].map(|n| n.to_string()));
            v.push(r.pass_rate.map(|x| format!("{x:.4}")).unwrap_or_default());
            v
        })
        .collect();
    respond(format, "pass-rates", header, rows, &out)
}
