//! Certificates (证书, notice 四(三)–(四), Annexes 5–6): issuance with gapless codes, records,
//! revocation, and free public verification (R24–R31).

use crate::auth::{Caller, MaybePrincipal, Principal};
use crate::context::RequestContext;
use crate::error::{ApiError, FieldError};
use crate::extract::ApiJson;
use crate::i18n::{Lang, Problem, Rule};
use crate::state::AppState;
use crate::use_case::certificates::issue::Issuance;
use crate::use_case::{self, certificates};
use crate::views::certificate::{CertificateView, IssueResponse, PublicCertificate, public_view, view};
use crate::views::mask::IdNumbers;
use actix_web::http::header;
use actix_web::{HttpMessage as _, HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use domain::Role;
use persistence::repo;
use persistence::repo::certificate::PublicQuery;
use persistence::repo::idempotency::Keyed;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

/// Which candidates to issue for.
#[derive(Debug, Default, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct IssueRequest {
    /// Approved candidates to issue for; all approved candidates without a certificate when absent.
    pub candidate_ids: Option<Vec<Uuid>>,
}

/// 颁发证书
///
/// 为审核通过的批次颁发证书（所属机构；支持 Idempotency-Key：重试时返回同一批证书，绝不重复颁发）。
///
/// Issue certificates for a reviewed plan (the institution; `Idempotency-Key` honoured: a retry
/// returns the same certificates and never issues twice). Only candidates the centre approved
/// (R23), only inside the institution's scope while it is active (R12, R15). Codes are the filing
/// code + issue year + level + the next serials of the institution's counter for the year,
/// allocated for the whole request in the transaction that writes the certificates: gapless and
/// unique, also across replicas (R24–R27). Past 999,999 the request is refused (409).
#[utoipa::path(operation_id = "issueCertificates", tag = "certificates", security(("bearer" = [])),
    params(("id" = Uuid, Path), ("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe")),
    request_body = IssueRequest,
    responses((status = 201, description = "Issued. ID numbers are masked here (the answer is kept for replays); the plan's certificates show them in full", body = IssueResponse),
        (status = 409, description = "Not reviewed, institution not active, or serials exhausted", body = crate::error::ProblemBody, content_type = "application/problem+json")))]
#[post("/plans/{id}/certificates")]
pub async fn issue(
    state: web::Data<AppState>,
    caller: Caller,
    lang: Lang,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: ApiJson<IssueRequest>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::School])?;
    let (p, _) = crate::views::plan::load(&state.db, &caller, *id).await?;
    let keyed = req.extensions().get::<Keyed>().cloned();
    let body = body.valid()?;
    let ids = body.candidate_ids.as_deref();
    let signer = &state.certificate_key;
    let done = use_case::run(&state, caller.actor(), async |c| {
        certificates::issue::issue(c, signer, p.id, ids, keyed.as_ref(), lang).await
    })
    .await?;
    match done {
        Issuance::Replayed(stored) => Ok(crate::idempotency::replay(stored, &state.data_key)),
        Issuance::Issued { body, count } => {
            state.metrics.certificates_issued(count);
            Ok(HttpResponse::Created().content_type("application/json").body(body))
        }
    }
}

/// 查询批次证书
///
/// 查询批次的证书（所属机构、鉴定中心、市人社局、计划所在区县）。
///
/// Certificates of a plan (its institution, the centre, the bureau, the plan's district).
#[utoipa::path(operation_id = "listPlanCertificates", tag = "certificates", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, description = "By serial", body = IssueResponse)))]
#[get("/plans/{id}/certificates")]
pub async fn of_plan(
    state: web::Data<AppState>,
    caller: Caller,
    ctx: RequestContext,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let (p, _) = crate::views::plan::load(&state.db, &caller, *id).await?;
    let full = caller.role != Role::District;
    let items = repo::certificate::of_plan(&state.db, p.id)
        .await?
        .into_iter()
        .map(|c| view(c, IdNumbers::full_if(full, &state.data_key), ctx.lang))
        .collect();
    Ok(HttpResponse::Ok().json(IssueResponse { items }))
}

/// A verification query: code and holder name, or the QR token.
#[derive(Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct VerifyRequest {
    pub code: Option<String>,
    pub name: Option<String>,
    /// The token of the QR code's URL.
    pub token: Option<String>,
}

/// Answers that hold a certificate's details are not kept by caches on the way.
const NO_STORE: (header::HeaderName, header::HeaderValue) =
    (header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));

/// 证书查询验证
///
/// 免费公开查询验证证书（R31），无需账号：凭证书编号和持证人姓名，或凭二维码令牌查询。“编号不存在”
/// 与“姓名不符”的回答相同；查到的证书不显示身份证号。
///
/// Free public verification (R31), no account: by code and the holder's full name, or by the QR
/// token. "No such code" and "wrong name" get the same answer; a hit never shows the ID number.
/// Machine clients with the scope `certificates:verify` may send their token: they are not bound
/// by the per-address limit.
#[utoipa::path(operation_id = "verifyCertificate", tag = "public", request_body = VerifyRequest, security((), ("bearer" = [])),
    responses((status = 200, description = "Found", body = PublicCertificate),
        (status = 429, description = "Too many queries from this address", body = crate::error::ProblemBody, content_type = "application/problem+json"),
        (status = 404, description = "No certificate matches", body = crate::error::ProblemBody, content_type = "application/problem+json")))]
#[post("/public/certificates/verify")]
pub async fn verify(
    state: web::Data<AppState>,
    lang: Lang,
    req: HttpRequest,
    who: MaybePrincipal,
    body: ApiJson<VerifyRequest>,
) -> Result<HttpResponse, ApiError> {
    // Machine clients with `certificates:verify` (e.g. the national platform) are not bound by
    // the per-address limit meant for the public.
    let trusted =
        matches!(&who.0, Some(p @ Principal::Client(_)) if p.require(&[], "certificates:verify").is_ok());
    if !trusted {
        crate::throttle::public_request(&state, &req).await?;
    }
    let q = body.valid()?;
    let miss = || ApiError::new(Problem::CertificateNotFound);
    let query = match (&q.code, &q.name, &q.token) {
        (Some(code), Some(name), None) => {
            if code.chars().count() > 30 || name.chars().count() > 50 {
                return Err(miss());
            }
            PublicQuery::CodeAndName(code.trim(), name.trim())
        }
        (None, None, Some(token)) => {
            if token.len() > 64 {
                return Err(miss());
            }
            PublicQuery::Token(token.trim())
        }
        _ => {
            return Err(ApiError::validation(vec![
                FieldError::new("body", Rule::NotOneOf).with("allowed", "code + name, token"),
            ]));
        }
    };
    let c = repo::certificate::public_record(&state.db, state.metrics.statements(), query)
        .await?
        .ok_or_else(miss)?;
    Ok(HttpResponse::Ok().insert_header(NO_STORE).json(public_view(c, lang)))
}

/// A published verification key.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublishedKey {
    pub kid: String,
    /// Always `Ed25519`.
    pub alg: &'static str,
    /// The raw 32-byte public key, base64url.
    pub public_key: String,
    /// What it signs.
    #[schema(example = "certificate")]
    pub usage: &'static str,
    /// Certificates signed from this time on use this key.
    pub valid_from: DateTime<Utc>,
    /// Set once the key was replaced; certificates signed before stay valid.
    pub valid_until: Option<DateTime<Utc>>,
}

/// The keys that sign certificates, with the canonical form they sign (see docs).
#[derive(Debug, Serialize, ToSchema)]
pub struct KeySet {
    pub keys: Vec<PublishedKey>,
    /// How the signed statement is serialised.
    pub canonical_form: &'static str,
}

/// 获取证书签名公钥
///
/// 证书签名公钥，包括当前的和以前的（公开）。密钥轮换后，以前的公钥连同其有效期仍在此公布，旧证书照
/// 样可验。
///
/// The public keys that sign certificate statements, current and earlier ones (public). After a
/// key rotation, earlier keys stay here with their validity, so older certificates still verify.
#[utoipa::path(operation_id = "getCertificateKeys", tag = "public", responses((status = 200, description = "Keys", body = KeySet)))]
#[get("/.well-known/skillcert-keys.json")]
pub async fn keys(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let keys = repo::limits::keys(&state.db)
        .await?
        .into_iter()
        .map(|k| PublishedKey {
            kid: k.kid,
            alg: "Ed25519",
            public_key: k.public_key,
            usage: "certificate",
            valid_from: k.valid_from,
            valid_until: k.valid_until,
        })
        .collect();
    Ok(HttpResponse::Ok().insert_header(("Cache-Control", "public, max-age=300")).json(KeySet {
        keys,
        canonical_form: "UTF-8 lines: 'skillcert-certificate-v1', then key=value for code, holder_name, gender, id_number, occupation_code, occupation_name, work_type, level, institution_name, issue_date (YYYY-MM-DD), each line ending in \\n",
    }))
}

/// 查询证书
///
/// 查询一张证书（所属机构、鉴定中心、市人社局、有 certificates:read 权限的接口客户端；所在区县可见
/// ，身份证号遮盖）。
///
/// One certificate (its institution, the centre, the bureau, machine clients with
/// `certificates:read`; its district with the ID masked).
#[utoipa::path(operation_id = "getCertificate", tag = "certificates", security(("bearer" = [])), params(("code" = String, Path)),
    responses((status = 200, description = "The certificate", body = CertificateView)))]
#[get("/certificates/{code}")]
pub async fn get(
    state: web::Data<AppState>,
    principal: Principal,
    ctx: RequestContext,
    code: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let (c, district) = match &principal {
        Principal::User(caller) => {
            (certificates::visible(&state.db, caller, &code).await?, caller.role == Role::District)
        }
        Principal::Client(_) => {
            principal.require(&[], "certificates:read")?;
            let c =
                repo::certificate::by_code(&state.db, code.trim()).await?.ok_or_else(ApiError::not_found)?;
            (c, false)
        }
    };
    Ok(HttpResponse::Ok().json(view(c, IdNumbers::full_if(!district, &state.data_key), ctx.lang)))
}

/// A revocation or reissue.
#[derive(Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct LifecycleRequest {
    /// Why (required), at most 1,000 characters.
    #[validate(custom(function = "check_reason"))]
    pub reason: String,
    /// For a reissue: the corrected holder name (else the same).
    #[validate(custom(function = "crate::validate::line::<50>"))]
    pub holder_name: Option<String>,
}

/// A reason of at most 1,000 characters; a blank one is missing.
fn check_reason(s: &str) -> Result<(), validator::ValidationError> {
    if s.trim().is_empty() {
        Err(crate::validate::rule(Rule::ReasonRequired, &[]))
    } else {
        crate::validate::lines::<1000>(s)
    }
}

/// 撤销证书
///
/// 撤销证书（所属机构），须说明理由。证书编号永久占用（R28）；查询验证时显示撤销及其理由和日期。
///
/// Revoke a certificate (its institution), with a required reason. The code stays taken for ever
/// (R28); verification shows the revocation with its reason and date.
#[utoipa::path(operation_id = "revokeCertificate", tag = "certificates", security(("bearer" = [])), params(("code" = String, Path)), request_body = LifecycleRequest,
    responses((status = 200, description = "Revoked", body = CertificateView),
        (status = 409, description = "Not valid", body = crate::error::ProblemBody, content_type = "application/problem+json")))]
#[post("/certificates/{code}/revoke")]
pub async fn revoke(
    state: web::Data<AppState>,
    caller: Caller,
    lang: Lang,
    code: web::Path<String>,
    body: ApiJson<LifecycleRequest>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::School])?;
    let c = certificates::visible(&state.db, &caller, &code).await?;
    let reason = crate::validate::trimmed(&body.valid()?.reason);
    let saved = use_case::run(&state, caller.actor(), async |ch| {
        certificates::revoke(ch, &c.code, &reason, None).await
    })
    .await?;
    Ok(HttpResponse::Ok().json(view(saved, IdNumbers::Full(&state.data_key), lang)))
}

/// 补发更正证书
///
/// 补发更正证书（所属机构）：新证书从计数器取得新编号，与原证书关联，原证书变为“已更正”。
///
/// Reissue (correct) a certificate (its institution): a new certificate with a new code from the
/// counter, linked to the old one, which becomes `superseded`; both show at verification.
#[utoipa::path(operation_id = "reissueCertificate", tag = "certificates", security(("bearer" = [])), params(("code" = String, Path)), request_body = LifecycleRequest,
    responses((status = 201, description = "The new certificate", body = CertificateView),
        (status = 409, description = "Not valid, institution not active, or serials exhausted", body = crate::error::ProblemBody, content_type = "application/problem+json")))]
#[post("/certificates/{code}/reissue")]
pub async fn reissue(
    state: web::Data<AppState>,
    caller: Caller,
    lang: Lang,
    code: web::Path<String>,
    body: ApiJson<LifecycleRequest>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::School])?;
    let c = certificates::visible(&state.db, &caller, &code).await?;
    let req = body.valid()?;
    let reason = crate::validate::trimmed(&req.reason);
    let holder_name = crate::validate::trimmed_opt(&req.holder_name).unwrap_or_else(|| c.holder_name.clone());
    let missing = crate::pdf::missing_glyphs(&holder_name).map_err(ApiError::internal)?;
    if !missing.is_empty() {
        return Err(ApiError::validation(vec![
            FieldError::new("holder_name", Rule::MissingGlyphs)
                .with("chars", missing.iter().collect::<String>()),
        ]));
    }
    let signer = &state.certificate_key;
    let new = use_case::run(&state, caller.actor(), async |ch| {
        certificates::reissue(ch, signer, &c.code, &reason, Some(holder_name)).await
    })
    .await?;
    state.metrics.certificates_issued(1);
    Ok(HttpResponse::Created().json(view(new, IdNumbers::Full(&state.data_key), lang)))
}

/// 下载电子证书
///
/// 电子证书 PDF（附件 5 版式，楷体，含照片和指向验证页面的二维码）：颁证机构、鉴定中心和市人社局可
/// 下载。
///
/// The e-certificate as a PDF (Annex 5 layout, Kai typeface, photo, QR code to the verification
/// page): the issuing institution, the centre and the bureau. It shows the holder's full ID
/// number, so each download is an audit event (`certificate.downloaded`). One issued without a
/// photo (before R29 was enforced) answers 409 `certificate_without_photo`: reissue it.
#[utoipa::path(operation_id = "getCertificatePdf", tag = "certificates", security(("bearer" = [])), params(("code" = String, Path)),
    responses((status = 200, description = "The certificate", content_type = "application/pdf", body = Vec<u8>),
        (status = 409, description = "Issued without a photo: reissue it", body = crate::error::ProblemBody, content_type = "application/problem+json")))]
#[get("/certificates/{code}/pdf")]
pub async fn pdf(
    state: web::Data<AppState>,
    caller: Caller,
    code: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    if caller.role == Role::District {
        return Err(ApiError::not_found());
    }
    let c = certificates::visible(&state.db, &caller, &code).await?;
    let public_url = state.public_url.clone();
    let dir = state.attachments_dir.clone();
    let no_photo = ApiError::new(Problem::CertificateWithoutPhoto).with("count", 1);
    let id_number = certificates::open_id(&state.data_key, &c.id_sealed)?;
    let bytes = web::block(move || crate::pdf::certificate::of_record(&c, &id_number, &public_url, &dir))
        .await
        .map_err(ApiError::internal)?
        .map_err(|e| match e {
            crate::pdf::PdfError::NoPhoto => no_photo.with("code", code.as_str()),
            e => ApiError::internal(e),
        })?;
    use_case::run(&state, caller.actor(), async |change| use_case::certificates::downloaded(change, &code))
        .await?;
    Ok(HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header(("Content-Disposition", format!("inline; filename=\"{}.pdf\"", code.as_str())))
        .insert_header(("Cache-Control", "private, no-store"))
        .body(bytes))
}
