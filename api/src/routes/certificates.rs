//! Certificates (证书, notice 四(三)–(四), Annexes 5–6): issuance with gapless codes, records,
//! revocation, and free public verification (R24–R31).

use crate::audit;
use crate::auth::{Caller, MaybePrincipal, Principal};
use crate::context::RequestContext;
use crate::error::{ApiError, FieldError};
use crate::extract::ApiJson;
use crate::i18n::{self, Lang, Name, Problem, Rule};
use crate::state::AppState;
use crate::use_case;
use crate::views::institution::status_on;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use domain::certificate::{Statement, printed_work_type};
use domain::{CertificateCode, InstitutionCode, Level, Role, Serial};
use ed25519_dalek::Signer as _;
use persistence::entity::certificate;
use persistence::repo;
use persistence::repo::certificate::Claim;
use persistence::repo::certificate::PublicQuery;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use utoipa::ToSchema;
use uuid::Uuid;

/// A certificate as its institution, the centre and the bureau see it.
#[derive(Clone, Serialize, Deserialize, ToSchema)]
pub struct CertificateView {
    pub id: Uuid,
    /// The 22-character code (Annex 6).
    #[schema(example = "S000050000001264000001")]
    pub code: String,
    pub holder_name: String,
    pub gender: String,
    pub gender_name: String,
    /// Shown to the issuing institution, the centre and the bureau only.
    pub id_number: String,
    pub occupation_code: String,
    pub occupation_name: String,
    /// The work type, or "——".
    pub work_type: String,
    #[schema(value_type = crate::schemas::LevelCodeSchema)]
    pub level: String,
    pub level_name: String,
    /// The institution's name exactly as filed (R39).
    pub institution_name: String,
    pub issue_date: NaiveDate,
    /// `valid`, `revoked` or `superseded`.
    pub status: String,
    pub status_name: String,
    pub revoked_reason: Option<String>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub plan_id: Uuid,
    pub candidate_id: Uuid,
    /// The path of the public verification page (the QR code's target).
    pub verify_path: String,
    /// Id of the key that signed the statement (see `/.well-known/skillcert-keys.json`).
    pub key_id: String,
    /// Ed25519 signature (base64url) over the canonical statement.
    pub signature: String,
}

fn view(c: certificate::Model, lang: Lang) -> CertificateView {
    let level_name = c.level.parse::<Level>().map(|l| i18n::name(lang, Name::Level(l))).unwrap_or_default();
    CertificateView {
        verify_path: format!("/verify/{}", c.verify_token),
        id: c.id,
        code: c.code,
        holder_name: c.holder_name,
        gender_name: i18n::code_name(lang, "gender", &c.gender),
        gender: c.gender,
        id_number: c.id_number,
        occupation_code: c.occupation_code,
        occupation_name: c.occupation_name,
        work_type: c.work_type,
        level: c.level,
        level_name,
        institution_name: c.institution_name,
        issue_date: c.issue_date,
        status_name: i18n::code_name(lang, "certificate_status", &c.status),
        status: c.status,
        revoked_reason: c.revoked_reason,
        revoked_at: c.revoked_at,
        plan_id: c.plan_id,
        candidate_id: c.candidate_id,
        key_id: c.key_id,
        signature: c.signature,
    }
}

/// Which candidates to issue for.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IssueRequest {
    /// Approved candidates to issue for; all approved candidates without a certificate when absent.
    pub candidate_ids: Option<Vec<Uuid>>,
}

/// What an issuance produced.
#[derive(Clone, Serialize, Deserialize, ToSchema)]
pub struct IssueResponse {
    pub items: Vec<CertificateView>,
}

/// Issue certificates for a reviewed plan (the institution; `Idempotency-Key` honoured: a retry
/// returns the same certificates and never issues twice). Only candidates the centre approved
/// (R23), only inside the institution's scope while it is active (R12, R15). Codes are the filing
/// code + issue year + level + the next serials of the institution's counter for the year,
/// allocated for the whole request in the transaction that writes the certificates: gapless and
/// unique, also across replicas (R24–R27). Past 999,999 the request is refused (409).
#[utoipa::path(tag = "certificates", security(("bearer" = [])),
    params(("id" = Uuid, Path), ("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe")),
    request_body = IssueRequest,
    responses((status = 201, description = "Issued", body = IssueResponse),
        (status = 409, description = "Not reviewed, institution not active, or serials exhausted", body = crate::error::ProblemBody, content_type = "application/problem+json")))]
#[post("/plans/{id}/certificates")]
pub async fn issue(
    state: web::Data<AppState>,
    caller: Caller,
    ctx: RequestContext,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: ApiJson<IssueRequest>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::School])?;
    let (p, i) = crate::views::plan::load(&state.db, &caller, *id).await?;
    let key =
        req.headers().get("idempotency-key").and_then(|v| v.to_str().ok()).map(str::trim).map(str::to_owned);
    if key.as_deref().is_some_and(|k| k.is_empty() || k.len() > 200) {
        return Err(ApiError::validation(vec![
            FieldError::new("Idempotency-Key", Rule::TooLong).with("max", 200),
        ]));
    }
    let request = body.0;
    let request_hash: String = Sha256::digest(format!("{}:{:?}", p.id, request.candidate_ids).as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let today = state.clock.today();
    let now = state.clock.now();
    let tx = persistence::begin_write(&state.db).await?;
    if let Some(k) = &key {
        match repo::certificate::claim(&tx, caller.id(), k, "issue", &request_hash, now).await? {
            Claim::New => {}
            Claim::Replay { status, response } => {
                tx.commit().await?;
                let status = actix_web::http::StatusCode::from_u16(status as u16)
                    .unwrap_or(actix_web::http::StatusCode::CREATED);
                return Ok(HttpResponse::build(status)
                    .insert_header(("Idempotency-Replayed", "true"))
                    .json(response));
            }
            Claim::Mismatch => return Err(ApiError::new(Problem::IdempotencyMismatch)),
        }
    }
    let current = repo::plan::find(&tx, p.id).await?.ok_or_else(ApiError::not_found)?;
    if current.phase != "reviewed" {
        return Err(ApiError::new(Problem::WrongStatus)
            .with_name("action", Name::Code("result_action", "issue"))
            .with_name(
                "status",
                Name::Code(
                    "plan_phase",
                    i18n::group_code("plan_phase", &current.phase).map_or("assessment", |(_, c)| c),
                ),
            ));
    }
    let inst = repo::institution::find(&tx, i.id).await?.ok_or_else(ApiError::not_found)?;
    status_on(&inst, today)?.may_act().map_err(|st| {
        ApiError::new(Problem::InstitutionNotActive)
            .with_name("status", Name::Code("institution_status", st.code()))
    })?;
    let scope = repo::institution::scope(&tx, inst.id).await?;
    let issued: std::collections::HashSet<Uuid> =
        repo::certificate::issued_candidates(&tx, p.id).await?.into_iter().collect();
    let candidates = repo::results::issuable(&tx, p.id).await?;
    let by_id: HashMap<Uuid, &_> = candidates.iter().map(|c| (c.id, c)).collect();
    let mut errors = Vec::new();
    let chosen: Vec<_> = match &request.candidate_ids {
        Some(ids) => {
            for (k, id) in ids.iter().enumerate() {
                match by_id.get(id) {
                    None => errors.push(
                        FieldError::new(format!("candidate_ids[{k}]"), Rule::NotInPlan).with("code", id),
                    ),
                    Some(c) if c.review_status != "approved" => {
                        errors.push(FieldError::new(format!("candidate_ids[{k}]"), Rule::NotApproved))
                    }
                    Some(c) if issued.contains(&c.id) => {
                        errors.push(FieldError::new(format!("candidate_ids[{k}]"), Rule::AlreadyIssued))
                    }
                    Some(_) => {}
                }
            }
            let wanted: std::collections::HashSet<&Uuid> = ids.iter().collect();
            candidates.iter().filter(|c| wanted.contains(&c.id)).collect()
        }
        None => {
            candidates.iter().filter(|c| c.review_status == "approved" && !issued.contains(&c.id)).collect()
        }
    };
    if chosen.is_empty() && errors.is_empty() {
        errors.push(FieldError::new("candidate_ids", Rule::NothingToIssue));
    }
    let mut names: HashMap<String, String> = HashMap::new();
    // The institution's name is printed on every certificate: checked once, not once per name.
    let institution_missing = crate::pdf::missing_glyphs(&inst.name).map_err(ApiError::internal)?;
    for (k, c) in chosen.iter().enumerate() {
        if !scope.iter().any(|s| {
            s.occupation_code == c.occupation_code && s.work_type == c.work_type && s.level == c.level
        }) {
            errors.push(
                FieldError::new(format!("candidates[{k}]"), Rule::OutsideScope)
                    .with("code", &c.occupation_code)
                    .with("level", &c.level),
            );
        }
        if !names.contains_key(&c.occupation_code) {
            let n =
                repo::occupation::find(&tx, &c.occupation_code).await?.map(|o| o.name).unwrap_or_default();
            names.insert(c.occupation_code.clone(), n);
        }
        let mut missing = crate::pdf::missing_glyphs(&c.name).map_err(ApiError::internal)?;
        if !institution_missing.is_empty() {
            missing.extend(&institution_missing);
            missing.sort_unstable();
            missing.dedup();
        }
        if !missing.is_empty() {
            errors.push(
                FieldError::new(format!("candidates[{k}].name"), Rule::MissingGlyphs)
                    .with("chars", missing.iter().collect::<String>()),
            );
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let year = today.year();
    let n = i32::try_from(chosen.len()).map_err(ApiError::internal)?;
    let first = repo::certificate::allocate(&tx, inst.id, year, n)
        .await?
        .ok_or_else(|| ApiError::new(Problem::CertificateSerialsExhausted).with("year", year))?;
    let institution_code = InstitutionCode::parse(&inst.code)
        .map_err(|e| ApiError::internal(format!("stored institution code: {e}")))?;
    let signer = &state.certificate_key;
    let mut rows = Vec::with_capacity(chosen.len());
    let ids = crate::auth::keys::ordered_ids(chosen.len());
    let tokens = crate::auth::keys::random_tokens(chosen.len(), 18);
    for ((k, c), (id, verify_token)) in chosen.iter().enumerate().zip(ids.into_iter().zip(tokens)) {
        let serial = Serial::new(u32::try_from(first + k as i32).map_err(ApiError::internal)?)
            .ok_or_else(|| ApiError::new(Problem::CertificateSerialsExhausted).with("year", year))?;
        let level = c.level.parse::<Level>().map_err(|()| ApiError::internal("stored level"))?;
        let code = CertificateCode::new(institution_code, year, level, serial)
            .ok_or_else(|| ApiError::internal("issue year out of range"))?
            .to_string();
        let occupation_name = names.get(&c.occupation_code).cloned().unwrap_or_default();
        let work_type = printed_work_type(&c.work_type).to_owned();
        rows.push(certificate::Model {
            id,
            code,
            institution_id: inst.id,
            plan_id: p.id,
            candidate_id: c.id,
            issue_year: year,
            serial: serial.get() as i32,
            holder_name: c.name.clone(),
            gender: c.gender.clone(),
            id_number: c.id_number.clone(),
            occupation_code: c.occupation_code.clone(),
            occupation_name,
            work_type,
            level: c.level.clone(),
            institution_name: inst.name.clone(),
            issue_date: today,
            photo_key: c.photo_key.clone(),
            status: "valid".into(),
            revoked_reason: None,
            revoked_at: None,
            supersedes_id: None,
            verify_token,
            key_id: signer.kid.clone(),
            // Signed below, chunk by chunk.
            signature: String::new(),
            created_at: now,
        });
    }
    // Signing is most of the CPU work of an issuance. One thread signs chunk after chunk (a chunk
    // at a time, sharing one field inversion: `auth::batch`) while this one writes the outbox
    // events and then each chunk as soon as it is signed, so that the database writes while the
    // next chunk is signed.
    let statements: Vec<String> = rows.iter().map(|c| statement_of(c).canonical()).collect();
    let (signed_tx, mut signed_rx) = tokio::sync::mpsc::unbounded_channel::<Vec<String>>();
    let signing_key = state.certificate_key.clone();
    let signing = tokio::task::spawn_blocking(move || {
        for chunk in statements.chunks(SIGNED_CHUNK) {
            let signatures = crate::auth::batch::sign_all(&signing_key.key, chunk)
                .iter()
                .map(|s| URL_SAFE_NO_PAD.encode(s.to_bytes()))
                .collect();
            if signed_tx.send(signatures).is_err() {
                // The request failed meanwhile: nothing is waiting for the rest.
                return;
            }
        }
    });
    let first_code = rows.first().map(|r| r.code.clone());
    let last_code = rows.last().map(|r| r.code.clone());
    crate::outbox::certificates_event(&tx, "certificates.issued", &inst, &rows, None, now).await?;
    // The answer ({"items":[...]}, as `IssueResponse` serialises) is written chunk by chunk, each
    // while the database writes the chunk: one core would otherwise idle once signing is done.
    const OPEN: &[u8] = b"{\"items\":[";
    let backend = persistence::ConnectionTrait::get_database_backend(&tx);
    let mut body: Vec<u8> = Vec::with_capacity(rows.len() * 640 + 16);
    body.extend_from_slice(OPEN);
    let mut pending = rows.into_iter().peekable();
    while pending.peek().is_some() {
        let mut chunk: Vec<certificate::Model> = pending.by_ref().take(SIGNED_CHUNK).collect();
        let signatures =
            signed_rx.recv().await.ok_or_else(|| ApiError::internal("the signing thread stopped"))?;
        if signatures.len() != chunk.len() {
            return Err(ApiError::internal("a chunk of signatures is incomplete"));
        }
        for (row, signature) in chunk.iter_mut().zip(signatures) {
            row.signature = signature;
        }
        let write =
            repo::certificate::execute_all(&tx, repo::certificate::insert_statements(backend, &chunk));
        // Polled first, the write is on its way to the database before this thread serialises.
        let (written, serialised) = futures_util::future::join(write, async {
            for c in chunk {
                if body.len() > OPEN.len() {
                    body.push(b',');
                }
                serde_json::to_writer(&mut body, &view(c, ctx.lang))?;
            }
            Ok::<(), serde_json::Error>(())
        })
        .await;
        written?;
        serialised.map_err(ApiError::internal)?;
    }
    body.extend_from_slice(b"]}");
    signing.await.map_err(|_| ApiError::internal("the signing thread failed"))?;
    audit::record(
        &tx,
        &ctx,
        &caller,
        "certificate.issued",
        ("plan", p.id.to_string()),
        serde_json::json!({"count": n, "first": first_code, "last": last_code, "issue_year": year}),
        now,
    )
    .await?;
    if let Some(k) = &key {
        let stored: serde_json::Value = serde_json::from_slice(&body).map_err(ApiError::internal)?;
        repo::certificate::complete(&tx, caller.id(), k, 201, &stored).await?;
    }
    tx.commit().await?;
    state.metrics.certificates_issued(n as u64);
    Ok(HttpResponse::Created().content_type("application/json").body(body))
}

/// The statement of a certificate record, as signed.
fn statement_of(c: &certificate::Model) -> Statement<'_> {
    Statement {
        code: &c.code,
        holder_name: &c.holder_name,
        gender: &c.gender,
        id_number: &c.id_number,
        occupation_code: &c.occupation_code,
        occupation_name: &c.occupation_name,
        work_type: &c.work_type,
        level: &c.level,
        institution_name: &c.institution_name,
        issue_date: c.issue_date,
    }
}

/// Certificates signed and written per chunk during an issuance: a chunk is written while the
/// next is signed.
const SIGNED_CHUNK: usize = 1000;

/// Certificates of a plan (its institution, the centre, the bureau, the plan's district).
#[utoipa::path(tag = "certificates", security(("bearer" = [])), params(("id" = Uuid, Path)),
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
        .map(|c| {
            let mut v = view(c, ctx.lang);
            if !full {
                v.id_number = domain::ResidentId::parse(&v.id_number).map(|r| r.masked()).unwrap_or_default();
            }
            v
        })
        .collect();
    Ok(HttpResponse::Ok().json(IssueResponse { items }))
}

/// A verification query: code and holder name, or the QR token.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifyRequest {
    pub code: Option<String>,
    pub name: Option<String>,
    /// The token of the QR code's URL.
    pub token: Option<String>,
}

/// What anyone may learn about a certificate.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicCertificate {
    pub code: String,
    /// `valid`, `revoked` or `superseded`.
    pub status: String,
    pub status_name: String,
    pub revoked_reason: Option<String>,
    pub revoked_at: Option<DateTime<Utc>>,
    /// Partly masked (王**).
    pub holder_name: String,
    pub occupation_name: String,
    pub work_type: String,
    pub level: String,
    pub level_name: String,
    pub institution_name: String,
    pub issue_date: NaiveDate,
    /// For a superseded certificate: the code that replaced it.
    pub superseded_by: Option<String>,
}

/// The public view of a certificate.
pub fn public_view(c: repo::certificate::PublicRecord, lang: Lang) -> PublicCertificate {
    PublicCertificate {
        status_name: i18n::group_code("certificate_status", &c.status)
            .map_or_else(|| c.status.clone(), |(g, k)| i18n::name(lang, Name::Code(g, k))),
        level_name: c.level.parse::<Level>().map(|l| i18n::name(lang, Name::Level(l))).unwrap_or_default(),
        code: c.code,
        status: c.status,
        revoked_reason: c.revoked_reason,
        revoked_at: c.revoked_at,
        holder_name: domain::results::mask_name(&c.holder_name),
        occupation_name: c.occupation_name,
        work_type: c.work_type,
        level: c.level,
        institution_name: c.institution_name,
        issue_date: c.issue_date,
        superseded_by: c.superseded_by,
    }
}

/// Answers that hold a certificate's details are not kept by caches on the way.
const NO_STORE: (header::HeaderName, header::HeaderValue) =
    (header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));

/// Free public verification (R31), no account: by code and the holder's full name, or by the QR
/// token. "No such code" and "wrong name" get the same answer; a hit never shows the ID number.
/// Machine clients with the scope `certificates:verify` may send their token: they are not bound
/// by the per-address limit.
#[utoipa::path(tag = "public", request_body = VerifyRequest, security((), ("bearer" = [])),
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
    let q = body.0;
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

/// The public keys that sign certificate statements, current and earlier ones (public). After a
/// key rotation, earlier keys stay here with their validity, so older certificates still verify.
#[utoipa::path(tag = "public", responses((status = 200, description = "Keys", body = KeySet)))]
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

/// Loads a certificate the caller may see (the issuing institution, the centre, the bureau, the
/// institution's district), 404 otherwise.
async fn load(
    db: &impl persistence::ConnectionTrait,
    caller: &Caller,
    code: &str,
) -> Result<certificate::Model, ApiError> {
    let c = repo::certificate::by_code(db, code).await?.ok_or_else(ApiError::not_found)?;
    let i = repo::institution::find(db, c.institution_id).await?.ok_or_else(ApiError::not_found)?;
    if !crate::views::institution::may_see(caller, &i) {
        return Err(ApiError::not_found());
    }
    Ok(c)
}

/// One certificate (its institution, the centre, the bureau, machine clients with
/// `certificates:read`; its district with the ID masked).
#[utoipa::path(tag = "certificates", security(("bearer" = [])), params(("code" = String, Path)),
    responses((status = 200, description = "The certificate", body = CertificateView)))]
#[get("/certificates/{code}")]
pub async fn get(
    state: web::Data<AppState>,
    principal: Principal,
    ctx: RequestContext,
    code: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let (c, district) = match &principal {
        Principal::User(caller) => (load(&state.db, caller, &code).await?, caller.role == Role::District),
        Principal::Client(_) => {
            principal.require(&[], "certificates:read")?;
            let c =
                repo::certificate::by_code(&state.db, code.trim()).await?.ok_or_else(ApiError::not_found)?;
            (c, false)
        }
    };
    let mut v = view(c, ctx.lang);
    if district {
        v.id_number = domain::ResidentId::parse(&v.id_number).map(|r| r.masked()).unwrap_or_default();
    }
    Ok(HttpResponse::Ok().json(v))
}

/// A revocation or reissue.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LifecycleRequest {
    pub reason: String,
    /// For a reissue: the corrected holder name (else the same).
    pub holder_name: Option<String>,
}

fn reason_of(text: &str) -> Result<String, ApiError> {
    domain::text::multi_line(text, 1000)
        .map(str::to_owned)
        .map_err(|_| ApiError::validation(vec![FieldError::new("reason", Rule::ReasonRequired)]))
}

/// Revoke a certificate (its institution), with a required reason. The code stays taken for ever
/// (R28); verification shows the revocation with its reason and date.
#[utoipa::path(tag = "certificates", security(("bearer" = [])), params(("code" = String, Path)), request_body = LifecycleRequest,
    responses((status = 200, description = "Revoked", body = CertificateView),
        (status = 409, description = "Not valid", body = crate::error::ProblemBody, content_type = "application/problem+json")))]
#[post("/certificates/{code}/revoke")]
pub async fn revoke(
    state: web::Data<AppState>,
    caller: Caller,
    ctx: RequestContext,
    code: web::Path<String>,
    body: ApiJson<LifecycleRequest>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::School])?;
    let c = load(&state.db, &caller, &code).await?;
    let reason = reason_of(&body.0.reason)?;
    let now = state.clock.now();
    let tx = persistence::begin_write(&state.db).await?;
    let current = repo::certificate::by_code(&tx, &c.code).await?.ok_or_else(ApiError::not_found)?;
    if current.status != "valid" {
        return Err(not_valid(&current, "revoke"));
    }
    if !repo::certificate::revoke(&tx, current.id, &reason, now).await? {
        let now_is = repo::certificate::by_code(&tx, &c.code).await?.ok_or_else(ApiError::not_found)?;
        return Err(not_valid(&now_is, "revoke"));
    }
    let revoked = repo::certificate::by_code(&tx, &current.code).await?.ok_or_else(ApiError::not_found)?;
    let inst = repo::institution::find(&tx, revoked.institution_id).await?.ok_or_else(ApiError::not_found)?;
    crate::outbox::certificates_event(&tx, "certificate.revoked", &inst, &[revoked], None, now).await?;
    audit::record(
        &tx,
        &ctx,
        &caller,
        "certificate.revoked",
        ("certificate", current.code.clone()),
        serde_json::json!({"reason": reason}),
        now,
    )
    .await?;
    let saved = repo::certificate::by_code(&tx, &c.code).await?.ok_or_else(ApiError::not_found)?;
    tx.commit().await?;
    Ok(HttpResponse::Ok().json(view(saved, ctx.lang)))
}

fn not_valid(c: &certificate::Model, action: &'static str) -> ApiError {
    let status = i18n::group_code("certificate_status", &c.status).map_or("revoked", |(_, s)| s);
    ApiError::new(Problem::WrongStatus)
        .with_name("action", Name::Code("result_action", action))
        .with_name("status", Name::Code("certificate_status", status))
}

/// Reissue (correct) a certificate (its institution): a new certificate with a new code from the
/// counter, linked to the old one, which becomes `superseded`; both show at verification.
#[utoipa::path(tag = "certificates", security(("bearer" = [])), params(("code" = String, Path)), request_body = LifecycleRequest,
    responses((status = 201, description = "The new certificate", body = CertificateView),
        (status = 409, description = "Not valid, institution not active, or serials exhausted", body = crate::error::ProblemBody, content_type = "application/problem+json")))]
#[post("/certificates/{code}/reissue")]
pub async fn reissue(
    state: web::Data<AppState>,
    caller: Caller,
    ctx: RequestContext,
    code: web::Path<String>,
    body: ApiJson<LifecycleRequest>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::School])?;
    let c = load(&state.db, &caller, &code).await?;
    let req = body.0;
    let reason = reason_of(&req.reason)?;
    let holder_name = match &req.holder_name {
        Some(n) => domain::text::single_line(n, 50)
            .map(str::to_owned)
            .map_err(|_| ApiError::validation(vec![FieldError::new("holder_name", Rule::Blank)]))?,
        None => c.holder_name.clone(),
    };
    let missing = crate::pdf::missing_glyphs(&holder_name).map_err(ApiError::internal)?;
    if !missing.is_empty() {
        return Err(ApiError::validation(vec![
            FieldError::new("holder_name", Rule::MissingGlyphs)
                .with("chars", missing.iter().collect::<String>()),
        ]));
    }
    let today = state.clock.today();
    let now = state.clock.now();
    let tx = persistence::begin_write(&state.db).await?;
    let old = repo::certificate::by_code(&tx, &c.code).await?.ok_or_else(ApiError::not_found)?;
    if old.status != "valid" {
        return Err(not_valid(&old, "reissue"));
    }
    // The check that counts: only a still valid certificate is superseded, and its row stays
    // locked until this transaction ends (a concurrent revocation or reissue waits, then fails).
    if !repo::certificate::supersede(&tx, old.id).await? {
        let now_is = repo::certificate::by_code(&tx, &c.code).await?.ok_or_else(ApiError::not_found)?;
        return Err(not_valid(&now_is, "reissue"));
    }
    let inst = repo::institution::find(&tx, old.institution_id).await?.ok_or_else(ApiError::not_found)?;
    status_on(&inst, today)?.may_act().map_err(|st| {
        ApiError::new(Problem::InstitutionNotActive)
            .with_name("status", Name::Code("institution_status", st.code()))
    })?;
    let year = today.year();
    let serial = repo::certificate::allocate(&tx, inst.id, year, 1)
        .await?
        .ok_or_else(|| ApiError::new(Problem::CertificateSerialsExhausted).with("year", year))?;
    let serial = Serial::new(u32::try_from(serial).map_err(ApiError::internal)?)
        .ok_or_else(|| ApiError::internal("serial range"))?;
    let level = old.level.parse::<Level>().map_err(|()| ApiError::internal("stored level"))?;
    let institution_code = InstitutionCode::parse(&inst.code)
        .map_err(|e| ApiError::internal(format!("stored institution code: {e}")))?;
    let new_code = CertificateCode::new(institution_code, year, level, serial)
        .ok_or_else(|| ApiError::internal("year range"))?
        .to_string();
    let statement = Statement {
        code: &new_code,
        holder_name: &holder_name,
        gender: &old.gender,
        id_number: &old.id_number,
        occupation_code: &old.occupation_code,
        occupation_name: &old.occupation_name,
        work_type: &old.work_type,
        level: &old.level,
        institution_name: &inst.name,
        issue_date: today,
    };
    let signature =
        URL_SAFE_NO_PAD.encode(state.certificate_key.key.sign(statement.canonical().as_bytes()).to_bytes());
    let new = certificate::Model {
        id: Uuid::now_v7(),
        code: new_code.clone(),
        institution_id: inst.id,
        plan_id: old.plan_id,
        candidate_id: old.candidate_id,
        issue_year: year,
        serial: serial.get() as i32,
        holder_name,
        gender: old.gender.clone(),
        id_number: old.id_number.clone(),
        occupation_code: old.occupation_code.clone(),
        occupation_name: old.occupation_name.clone(),
        work_type: old.work_type.clone(),
        level: old.level.clone(),
        institution_name: inst.name.clone(),
        issue_date: today,
        photo_key: old.photo_key.clone(),
        status: "valid".into(),
        revoked_reason: None,
        revoked_at: None,
        supersedes_id: Some(old.id),
        verify_token: crate::auth::keys::random_token(18),
        key_id: state.certificate_key.kid.clone(),
        signature,
        created_at: now,
    };
    repo::certificate::insert(&tx, std::slice::from_ref(&new)).await?;
    let superseded = repo::certificate::by_code(&tx, &old.code).await?.ok_or_else(ApiError::not_found)?;
    crate::outbox::certificates_event(&tx, "certificate.superseded", &inst, &[superseded], None, now).await?;
    crate::outbox::certificates_event(
        &tx,
        "certificates.issued",
        &inst,
        std::slice::from_ref(&new),
        Some(&old.code),
        now,
    )
    .await?;
    audit::record(
        &tx,
        &ctx,
        &caller,
        "certificate.reissued",
        ("certificate", old.code.clone()),
        serde_json::json!({"new_code": new_code, "reason": reason}),
        now,
    )
    .await?;
    tx.commit().await?;
    state.metrics.certificates_issued(1);
    Ok(HttpResponse::Created().json(view(new, ctx.lang)))
}

/// The e-certificate as a PDF (Annex 5 layout, Kai typeface, photo, QR code to the verification
/// page): the issuing institution, the centre and the bureau. It shows the holder's full ID
/// number, so each download is an audit event (`certificate.downloaded`).
#[utoipa::path(tag = "certificates", security(("bearer" = [])), params(("code" = String, Path)),
    responses((status = 200, description = "The certificate", content_type = "application/pdf", body = Vec<u8>)))]
#[get("/certificates/{code}/pdf")]
pub async fn pdf(
    state: web::Data<AppState>,
    caller: Caller,
    code: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    if caller.role == Role::District {
        return Err(ApiError::not_found());
    }
    let c = load(&state.db, &caller, &code).await?;
    let public_url = state.public_url.clone();
    let dir = state.attachments_dir.clone();
    let bytes = web::block(move || render_pdf(&c, &public_url, &dir))
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)?;
    use_case::run(&state, caller.actor(), async |change| use_case::certificates::downloaded(change, &code))
        .await?;
    Ok(HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header(("Content-Disposition", format!("inline; filename=\"{}.pdf\"", code.as_str())))
        .insert_header(("Cache-Control", "private, no-store"))
        .body(bytes))
}

/// Renders a certificate's PDF (blocking: reads the photo file).
pub fn render_pdf(
    c: &certificate::Model,
    public_url: &str,
    attachments_dir: &std::path::Path,
) -> Result<Vec<u8>, crate::pdf::PdfError> {
    let photo = c
        .photo_key
        .as_ref()
        .and_then(|key| std::fs::read(attachments_dir.join(key)).ok())
        .and_then(|b| crate::pdf::Image::prepare(&b));
    let level_name =
        c.level.parse::<Level>().map(|l| i18n::name(Lang::ZhCn, Name::Level(l))).unwrap_or_default();
    let verify_url = format!("{public_url}/verify/{}", c.verify_token);
    let website = format!("{public_url}/verify");
    let face = crate::pdf::certificate::CertificateFace {
        code: &c.code,
        holder_name: &c.holder_name,
        gender: if c.gender == "male" { "男" } else { "女" },
        id_number: &c.id_number,
        occupation_name: &c.occupation_name,
        work_type: &c.work_type,
        level_name: &level_name,
        institution_name: &c.institution_name,
        issue_date: c.issue_date,
        verify_url: &verify_url,
        website: &website,
        photo,
    };
    crate::pdf::certificate::certificate_pdf(&face)
}
