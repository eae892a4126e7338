//! The holder's own e-certificate (issue 26, point 7): a public endpoint, under the same
//! per-address limit as verification, that answers a PDF for a certificate's code, its holder's
//! full name and resident ID number, and one and the same 404 for every kind of miss. The ID
//! number travels in the body, never in a URL.

use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::i18n::Problem;
use crate::state::AppState;
use crate::use_case::certificates::holder::{self, Which};
use actix_web::{HttpRequest, HttpResponse, post, web};
use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

/// What the holder knows: the code printed on the certificate, their full name and their
/// resident ID number.
#[derive(Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct HolderPdfRequest {
    /// The 22-character certificate code.
    #[schema(example = "S000050000001264000001")]
    pub code: String,
    /// The holder's full name as printed on the certificate.
    #[schema(example = "张三")]
    pub name: String,
    /// The holder's 18-character resident ID number.
    #[schema(example = "11010519491231002X")]
    pub id_number: String,
}

/// 持证人下载本人电子证书
///
/// 持证人凭证书编号、本人姓名和身份证号码下载本人的电子证书 PDF，无需账号；与证书查询共用每个地址的
/// 次数限制。编号不存在、姓名或身份证号码不符、证书已撤销或已替换，回答都相同（404）。每次下载记入
/// 审计日志。
///
/// The holder's own e-certificate as a PDF, with the certificate code, the holder's full name and
/// resident ID number; no account. Under the per-address limit of public verification. No such
/// code, another name, another number, a certificate revoked or superseded: the same 404 for every
/// miss. Each download is an audit event (`certificate.downloaded_by_holder`).
#[utoipa::path(operation_id = "downloadOwnCertificate", tag = "public", request_body = HolderPdfRequest, security(()),
    responses((status = 200, description = "The e-certificate", content_type = "application/pdf", body = Vec<u8>),
        (status = 404, description = "No valid certificate matches all three", body = crate::error::ProblemBody, content_type = "application/problem+json"),
        (status = 409, description = "Issued without a photo: the institution must reissue it", body = crate::error::ProblemBody, content_type = "application/problem+json"),
        (status = 429, description = "Too many queries from this address", body = crate::error::ProblemBody, content_type = "application/problem+json")))]
#[post("/public/certificates/pdf")]
pub async fn own_pdf(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: ApiJson<HolderPdfRequest>,
) -> Result<HttpResponse, ApiError> {
    crate::throttle::public_request(&state, &req).await?;
    let b = body.valid()?;
    let miss = || ApiError::new(Problem::CertificateNotFound);
    if b.code.chars().count() > 30 || b.name.chars().count() > 50 || b.id_number.chars().count() > 30 {
        return Err(miss());
    }
    let (code, bytes) =
        holder::download(&state, Which::Code(&b.code), &b.name, &b.id_number).await?.ok_or_else(miss)?;
    Ok(HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header(("Content-Disposition", format!("attachment; filename=\"{code}.pdf\"")))
        .insert_header(("Cache-Control", "private, no-store"))
        .body(bytes))
}

/// 持证人下载本人可验证凭证
///
/// 持证人凭证书编号、本人姓名和身份证号码下载本人证书的 W3C 可验证凭证（Open Badges 3.0，JSON），
/// 可交给雇主或放入数字钱包，任何标准验证器可离线验证。限制与回答同下载电子证书。
///
/// The holder's own certificate as a W3C Verifiable Credential (Open Badges 3.0, JSON), to hand
/// to an employer or keep in a wallet; any standard verifier checks it offline
/// (docs/INTEGRATION.md). Asked for as the PDF is: the same limit, one 404 for every kind of miss.
/// Each download is an audit event (`certificate.credential_downloaded_by_holder`).
#[utoipa::path(operation_id = "downloadOwnCredential", tag = "public", request_body = HolderPdfRequest, security(()),
    responses((status = 200, description = "The signed credential", content_type = "application/vc", body = Object),
        (status = 404, description = "No valid certificate matches all three", body = crate::error::ProblemBody, content_type = "application/problem+json"),
        (status = 429, description = "Too many queries from this address", body = crate::error::ProblemBody, content_type = "application/problem+json")))]
#[post("/public/certificates/credential")]
pub async fn own_credential(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: ApiJson<HolderPdfRequest>,
) -> Result<HttpResponse, ApiError> {
    crate::throttle::public_request(&state, &req).await?;
    let b = body.valid()?;
    let miss = || ApiError::new(Problem::CertificateNotFound);
    if b.code.chars().count() > 30 || b.name.chars().count() > 50 || b.id_number.chars().count() > 30 {
        return Err(miss());
    }
    let (code, signed) =
        holder::credential(&state, Which::Code(&b.code), &b.name, &b.id_number).await?.ok_or_else(miss)?;
    Ok(HttpResponse::Ok()
        .content_type("application/vc")
        .insert_header(("Content-Disposition", format!("attachment; filename=\"{code}.credential.json\"")))
        .insert_header(("Cache-Control", "private, no-store"))
        .json(signed))
}
