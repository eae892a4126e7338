//! Certificate search (issue 26, point 6) for the bureau, the centre and the district offices.
//! A `POST` with the criteria in the body: a name or an ID number never travels in a URL, where
//! proxies and access logs would keep it.

use crate::auth::Caller;
use crate::error::ApiError;
use crate::extract::{ApiJson, ListBody, Pagination};
use crate::i18n::Lang;
use crate::state::AppState;
use crate::use_case::{self, certificates::search as find};
use crate::views::certificate::{CertificateView, view};
use crate::views::mask::IdNumbers;
use actix_web::{HttpResponse, post, web};
use domain::Role;
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

/// What to search for: every criterion given must hold; none lists every certificate in scope.
#[derive(Debug, Default, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct CertificateSearch {
    /// The 22-character certificate code, exactly.
    #[validate(custom(function = "crate::validate::line::<40>"))]
    #[schema(example = "S000050000001264000001")]
    pub code: Option<String>,
    /// The holder's full name, exactly.
    #[validate(custom(function = "crate::validate::line::<50>"))]
    pub holder_name: Option<String>,
    /// The holder's resident ID number (18 characters, its check character right), exactly. Every
    /// search naming one is audited (`certificate.searched_by_id_number`).
    #[validate(custom(function = "crate::validate::resident_id"))]
    pub id_number: Option<String>,
    /// An occupation code of the national classification (`6-18-01-01`).
    #[validate(custom(function = "crate::validate::occupation_code"))]
    pub occupation_code: Option<String>,
    /// A skill level code.
    #[validate(custom(function = "crate::validate::level"))]
    #[schema(value_type = Option<crate::schemas::LevelCodeSchema>)]
    pub level: Option<String>,
    /// The issuing institution.
    pub institution_id: Option<Uuid>,
    /// The year of issue.
    #[validate(range(min = 2000, max = 2099, code = "out_of_range"))]
    pub issue_year: Option<i32>,
    /// `valid`, `revoked` or `superseded`.
    #[validate(custom(function = "certificate_status"))]
    pub status: Option<String>,
    /// Page number, from 1.
    #[schema(minimum = 1, maximum = 100000, default = 1)]
    pub page: Option<u64>,
    /// Items per page, 1–100.
    #[schema(minimum = 1, maximum = 100, default = 20)]
    pub per_page: Option<u64>,
}

fn certificate_status(s: &str) -> Result<(), validator::ValidationError> {
    crate::validate::one_of(s, &["valid", "revoked", "superseded"])
}

/// 检索证书
///
/// 按证书编号、姓名、身份证号码（精确）、职业、等级、机构、发证年度、状态检索证书（市人社局、鉴定中心
/// ；区县人力社保部门只见本区县机构颁发的证书和身份证号码登记地在本区县的持证人的证书），按编号排列；
/// 结果中的身份证号码一律脱敏。凡按身份证号码检索，均记入审计日志。
///
/// Search certificates by code, holder name, resident ID number (exact), occupation, level,
/// institution, year of issue and status (bureau, centre; a district office sees the certificates
/// of the institutions in its district and of the holders whose ID number was registered there,
/// by its first six digits), ordered by code. ID numbers are masked in the results for every role
/// (`GET /certificates/{code}` shows one in full to those who may see it). Every search naming an
/// ID number is audited. The criteria travel in the body, never in a URL.
#[utoipa::path(operation_id = "searchCertificates", tag = "certificates", security(("bearer" = [])),
    request_body = CertificateSearch,
    responses((status = 200, description = "A page of certificates", body = ListBody<CertificateView>),
        (status = 422, description = "A criterion of the wrong form", body = crate::error::ProblemBody, content_type = "application/problem+json")))]
#[post("/certificates/search")]
pub async fn search(
    state: web::Data<AppState>,
    caller: Caller,
    lang: Lang,
    body: ApiJson<CertificateSearch>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Bureau, Role::Centre, Role::District])?;
    let (b, mut errors) = body.with_violations();
    let page = Pagination { page: b.page, per_page: b.per_page, sort: None }.check(&mut errors.0, &[]);
    errors.finish()?;
    let given = |s: Option<String>| s.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
    let criteria = find::Criteria {
        code: given(b.code).map(|c| c.to_uppercase()),
        holder_name: given(b.holder_name),
        id_number: given(b.id_number).and_then(|n| domain::ResidentId::parse(&n).ok()),
        occupation_code: given(b.occupation_code),
        level: given(b.level),
        institution_id: b.institution_id,
        issue_year: b.issue_year,
        status: given(b.status),
    };
    let district = match caller.role {
        Role::District => Some(caller.user.district_code.clone().ok_or_else(ApiError::forbidden)?),
        _ => None,
    };
    let found = if criteria.id_number.is_some() {
        use_case::run(&state, caller.actor(), async |change| {
            find::search_by_id_number(change, &criteria, district.as_deref(), page).await
        })
        .await?
    } else {
        find::search(&state.db, &criteria, district.as_deref(), page).await?
    };
    let items = found.items.into_iter().map(|c| view(c, IdNumbers::Masked, lang)).collect();
    Ok(HttpResponse::Ok().json(ListBody {
        items,
        total: found.total,
        page: page.page,
        per_page: page.per_page,
    }))
}
