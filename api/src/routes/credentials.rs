//! Certificates as W3C Verifiable Credentials (issue 27): a certificate's signed Open Badges 3.0
//! credential for staff, the status lists that revoke credentials, and the system's DID document.
//! The holder's own credential is in [`super::holder`] and on the verification page.

use crate::auth::Caller;
use crate::error::ApiError;
use crate::state::AppState;
use crate::use_case::{self, certificates};
use actix_web::{HttpResponse, get, web};
use domain::Role;

/// The media type of a credential secured by an embedded proof (VC Data Model 2.0, §6.3).
pub const VC_MEDIA_TYPE: &str = "application/vc";

/// 下载证书的可验证凭证
///
/// 证书的 W3C 可验证凭证（VC 2.0，Open Badges 3.0 `OpenBadgeCredential`），带 `eddsa-rdfc-2022`
/// 数据完整性证明，任何标准验证器可离线验证；身份证号码只以加盐散列出现。颁证机构、鉴定中心和市人社局
/// 可下载；每次下载记入审计日志。
///
/// The certificate as a W3C Verifiable Credential 2.0 of type `OpenBadgeCredential` (Open Badges
/// 3.0), secured by a Data Integrity proof (`eddsa-rdfc-2022`) with the key named in
/// `/.well-known/did.json`; any standard verifier checks it offline. The holder's resident ID
/// number appears only as a salted SHA-256 hash. Its `credentialStatus` names its bit in a
/// revocation status list. For the issuing institution, the centre and the bureau; each download
/// is an audit event (`certificate.credential_downloaded`).
#[utoipa::path(operation_id = "getCertificateCredential", tag = "certificates", security(("bearer" = [])), params(("code" = String, Path)),
    responses((status = 200, description = "The signed credential", content_type = "application/vc", body = Object),
        (status = 404, description = "No such certificate within the caller's scope", body = crate::error::ProblemBody, content_type = "application/problem+json")))]
#[get("/certificates/{code}/credential")]
pub async fn credential(
    state: web::Data<AppState>,
    caller: Caller,
    code: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    // The district sees ID numbers masked: a salted hash would let it search for the number.
    if caller.role == Role::District {
        return Err(ApiError::not_found());
    }
    let c = certificates::visible(&state.db, &caller, &code).await?;
    let code = c.code.clone();
    let id_number = certificates::open_id(&state.data_key, &c.id_sealed)?;
    let signed = certificates::credential::signed(&state, c, id_number).await?;
    use_case::run(&state, caller.actor(), async |change| {
        certificates::credential::downloaded(change, &code, false)
    })
    .await?;
    Ok(HttpResponse::Ok()
        .content_type(VC_MEDIA_TYPE)
        .insert_header(("Content-Disposition", format!("inline; filename=\"{code}.credential.json\"")))
        .insert_header(("Cache-Control", "private, no-store"))
        .json(signed))
}

/// 吊销状态列表
///
/// 一个机构一个年度的证书吊销状态列表（W3C Bitstring Status List），签名方式与凭证相同。凭证的
/// `credentialStatus` 指向这里：证书撤销或更正后，其位在同一事务中置位。位的序号不透露持证人和颁发次序。
///
/// The revocation status list of an institution's certificates of one year of issue (W3C
/// Bitstring Status List v1.0: 2^20 bits, GZIP, base64url), signed as the credentials are. Each
/// credential's `credentialStatus` points here with its index; the bit is set once the certificate
/// is revoked or superseded, by the same transaction. Indexes are a keyed permutation of the
/// serials: they tell nothing of the holder or the order of issue. Public, no account.
#[utoipa::path(operation_id = "getStatusList", tag = "public", security(()),
    params(("list" = String, Path, description = "`{institution code}-{year of issue}`", example = "S000050000001-2026")),
    responses((status = 200, description = "The signed status list credential", content_type = "application/vc", body = Object),
        (status = 404, description = "No such list", body = crate::error::ProblemBody, content_type = "application/problem+json")))]
#[get("/public/status-lists/{list}")]
pub async fn status_list(
    state: web::Data<AppState>,
    list: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let list = crate::credential::status::ListId::parse(&list).ok_or_else(ApiError::not_found)?;
    let signed =
        certificates::credential::status_list(&state, list).await?.ok_or_else(ApiError::not_found)?;
    Ok(HttpResponse::Ok()
        .content_type(VC_MEDIA_TYPE)
        .insert_header(("Cache-Control", "public, max-age=60"))
        .json(&*signed))
}

/// 系统的 DID 文档
///
/// `did:web` 文档：列出所有证书签名密钥（当前的和已轮换的）作为 Multikey 验证方法，凭证验证器据此
/// 取得公钥。
///
/// The system's DID document (`did:web` of `SKILLCERT_ISSUER`): every certificate-signing key,
/// current and rotated, as a Multikey verification method for assertions, so that a credential
/// signed before a rotation still verifies.
#[utoipa::path(operation_id = "getDidDocument", tag = "public", security(()),
    responses((status = 200, description = "The DID document", body = Object)))]
#[get("/.well-known/did.json")]
pub async fn did_document(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let doc = certificates::credential::did_document(&state).await?;
    Ok(HttpResponse::Ok().insert_header(("Cache-Control", "public, max-age=300")).json(doc))
}
