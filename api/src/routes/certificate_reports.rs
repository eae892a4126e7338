//! Reporting a batch's certificate data to the centre (R30), exports in the columns the national
//! platform takes (CSV, XLSX), and the batch's PDFs as one ZIP.

use crate::auth::Caller;
use crate::error::ApiError;
use crate::extract::ApiQuery;
use crate::i18n::{Name, Problem};
use crate::spreadsheet;
use crate::state::AppState;
use crate::use_case;
use crate::zip_stream;
use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use domain::Role;
use persistence::entity::{certificate, plan};
use persistence::repo;
use serde::{Deserialize, Serialize};
use std::io::Write as _;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// Where a batch's certificate data stands with the centre.
#[derive(Serialize, ToSchema)]
pub struct CertificateReport {
    pub plan_id: Uuid,
    pub certificates: usize,
    pub reported_at: Option<DateTime<Utc>>,
    pub acknowledged_at: Option<DateTime<Utc>>,
}

fn report_of(p: &plan::Model, n: usize) -> CertificateReport {
    CertificateReport {
        plan_id: p.id,
        certificates: n,
        reported_at: p.certificates_reported_at,
        acknowledged_at: p.certificates_acknowledged_at,
    }
}

/// 上报证书数据
///
/// 向鉴定中心上报批次的证书数据（所属机构），须在证书颁发之后（R30）。
///
/// Report the batch's certificate data to the centre (the institution), once certificates are
/// issued (R30). Reporting again after more issuance updates the date.
#[utoipa::path(operation_id = "reportCertificateData", tag = "certificates", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, description = "Reported", body = CertificateReport),
        (status = 409, description = "No certificates yet", body = crate::error::ProblemBody, content_type = "application/problem+json")))]
#[post("/plans/{id}/certificate-report")]
pub async fn report(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::School])?;
    let (p, _) = crate::views::plan::load(&state.db, &caller, *id).await?;
    let (saved, n) = use_case::run(&state, caller.actor(), async |change| {
        use_case::certificates::report_data(change, p.id).await
    })
    .await?;
    Ok(HttpResponse::Ok().json(report_of(&saved, n)))
}

/// 确认接收证书数据
///
/// 确认接收批次上报的证书数据（鉴定中心）。
///
/// Acknowledge a batch's reported certificate data (centre).
#[utoipa::path(operation_id = "acknowledgeCertificateData", tag = "certificates", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, description = "Acknowledged", body = CertificateReport),
        (status = 409, description = "Not reported", body = crate::error::ProblemBody, content_type = "application/problem+json")))]
#[post("/plans/{id}/certificate-report/acknowledge")]
pub async fn acknowledge(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Centre])?;
    let (p, _) = crate::views::plan::load(&state.db, &caller, *id).await?;
    let (saved, n) = use_case::run(&state, caller.actor(), async |change| {
        use_case::certificates::acknowledge_data(change, p.id).await
    })
    .await?;
    Ok(HttpResponse::Ok().json(report_of(&saved, n)))
}

/// Export format.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// `csv` (UTF-8 with BOM) or `xlsx`.
    pub format: String,
}

/// The national platform's columns.
const COLUMNS: [&str; 13] = [
    "证书编号",
    "姓名",
    "性别",
    "身份证号",
    "职业编码",
    "职业名称",
    "工种",
    "等级",
    "发证机构",
    "机构备案编码",
    "发证日期",
    "证书状态",
    "撤销原因",
];

fn row(c: &certificate::Model, institution_code: &str, id_number: String) -> [String; 13] {
    let level = c
        .level
        .parse::<domain::Level>()
        .map(|l| crate::i18n::name(crate::i18n::Lang::ZhCn, Name::Level(l)))
        .unwrap_or_default();
    let status = crate::i18n::group_code("certificate_status", &c.status).map_or_else(
        || c.status.clone(),
        |(g, k)| crate::i18n::name(crate::i18n::Lang::ZhCn, Name::Code(g, k)),
    );
    [
        c.code.clone(),
        c.holder_name.clone(),
        if c.gender == "male" { "男".into() } else { "女".into() },
        id_number,
        c.occupation_code.clone(),
        c.occupation_name.clone(),
        c.work_type.clone(),
        level,
        c.institution_name.clone(),
        institution_code.to_owned(),
        c.issue_date.format("%Y-%m-%d").to_string(),
        status,
        c.revoked_reason.clone().unwrap_or_default(),
    ]
}

/// 导出批次证书
///
/// 按国家平台的字段导出批次证书（所属机构、鉴定中心、市人社局）：CSV 或 XLSX。
///
/// Export a batch's certificates in the national platform's columns (institution, centre,
/// bureau): CSV or XLSX.
#[utoipa::path(operation_id = "exportCertificates", tag = "certificates", security(("bearer" = [])), params(("id" = Uuid, Path), ExportQuery),
    responses((status = 200, description = "The export", content_type = "text/csv", body = String)))]
#[get("/plans/{id}/certificates/export")]
pub async fn export(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    query: ApiQuery<ExportQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::School, Role::Centre, Role::Bureau])?;
    let (p, i) = crate::views::plan::load(&state.db, &caller, *id).await?;
    let certs = repo::certificate::of_plan(&state.db, p.id).await?;
    if matches!(query.0.format.as_str(), "csv" | "xlsx") {
        // It holds full ID numbers: who took which, in the audit log.
        exported(&state, &caller, p.id, &query.0.format, certs.len()).await?;
    }
    let mut rows: Vec<Vec<String>> = vec![COLUMNS.iter().map(|c| (*c).to_owned()).collect()];
    for c in &certs {
        rows.push(row(c, &i.code, use_case::certificates::open_id(&state.data_key, &c.id_sealed)?).to_vec());
    }
    match query.0.format.as_str() {
        "csv" => {
            let bytes = spreadsheet::csv(&rows).map_err(ApiError::internal)?;
            Ok(HttpResponse::Ok()
                .content_type("text/csv; charset=utf-8")
                .insert_header((
                    "Content-Disposition",
                    format!("attachment; filename=\"certificates-{}.csv\"", p.id),
                ))
                .body(bytes))
        }
        "xlsx" => {
            let bytes = web::block(move || spreadsheet::xlsx("证书", &rows))
                .await
                .map_err(ApiError::internal)?
                .map_err(ApiError::internal)?;
            Ok(HttpResponse::Ok()
                .content_type(spreadsheet::XLSX)
                .insert_header((
                    "Content-Disposition",
                    format!("attachment; filename=\"certificates-{}.xlsx\"", p.id),
                ))
                .body(bytes))
        }
        _ => Err(ApiError {
            errors: vec![
                crate::error::FieldError::new("format", crate::i18n::Rule::NotOneOf)
                    .with("allowed", "csv, xlsx"),
            ],
            ..ApiError::new(Problem::InvalidQuery)
        }),
    }
}

/// Records who exported a batch's certificates (with full ID numbers) in which form.
async fn exported(
    state: &AppState,
    caller: &Caller,
    plan: Uuid,
    format: &str,
    certificates: usize,
) -> Result<(), ApiError> {
    use_case::run(state, caller.actor(), async |change| {
        use_case::certificates::exported(change, plan, format, certificates)
    })
    .await
}

/// 下载批次电子证书压缩包
///
/// 把批次的全部电子证书 PDF 打包为一个 ZIP 下载（所属机构、鉴定中心、市人社局）。
///
/// Every e-certificate of a batch as PDFs in one ZIP (institution, centre, bureau). A
/// certificate in force that was issued without a photo answers 409 `certificate_without_photo`
/// (reissue it); superseded or revoked ones without a photo are left out.
#[utoipa::path(operation_id = "downloadCertificatesZip", tag = "certificates", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, description = "The ZIP", content_type = "application/zip", body = Vec<u8>),
        (status = 409, description = "A certificate in force was issued without a photo", body = crate::error::ProblemBody, content_type = "application/problem+json")))]
#[get("/plans/{id}/certificates.zip")]
pub async fn zip_batch(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::School, Role::Centre, Role::Bureau])?;
    let (p, _) = crate::views::plan::load(&state.db, &caller, *id).await?;
    let mut certs = repo::certificate::of_plan(&state.db, p.id).await?;
    // R29: never an empty frame. A certificate in force without a photo (issued before photos
    // were required) stops the download until it is reissued; superseded or revoked ones without
    // one are left out.
    let in_force = |c: &certificate::Model| {
        domain::certificate::CertificateStatus::from_code(&c.status)
            == Some(domain::certificate::CertificateStatus::Valid)
    };
    let bare: Vec<&str> =
        certs.iter().filter(|c| c.photo_key.is_none() && in_force(c)).map(|c| c.code.as_str()).collect();
    if let Some(first) = bare.first() {
        return Err(ApiError::new(Problem::CertificateWithoutPhoto)
            .with("count", bare.len())
            .with("code", *first));
    }
    certs.retain(|c| c.photo_key.is_some());
    // The PDFs show full ID numbers: who took which, in the audit log.
    exported(&state, &caller, p.id, "pdf_zip", certs.len()).await?;
    let public_url = state.public_url.clone();
    let dir = state.attachments_dir.clone();
    let data_key = std::sync::Arc::clone(&state.data_key);
    // Written as it is read: one PDF at a time, through a bounded queue (crate::zip_stream).
    Ok(zip_stream::respond(&format!("certificates-{}.zip", p.id), move |z| {
        for c in &certs {
            let id_number = data_key.open(&c.id_sealed).map_err(|e| format!("stored ID number: {e}"))?;
            let pdf = crate::pdf::certificate::of_record(c, &id_number, &public_url, &dir)
                .map_err(|e| e.to_string())?;
            z.start_file(format!("{}.pdf", c.code), zip_stream::options(false)).map_err(|e| e.to_string())?;
            z.write_all(&pdf).map_err(|e| e.to_string())?;
        }
        Ok(())
    }))
}
