//! `Idempotency-Key` for every creating `POST` (docs/API-DESIGN.md), one mechanism for all: the
//! first answer (2xx) to a key is stored with a hash of the request; a retry with the same key and request gets that
//! answer again (`Idempotency-Replayed: true`) instead of creating twice, on any replica. The same
//! key with another request is a 422; while the first request still runs, a retry gets 409 with
//! `Retry-After`. A failed first request (4xx/5xx) frees the key. Keys belong to the caller: the
//! user or machine client of the token, or, without a token, the client address. Secrets shown
//! once (a complaint's secret, a client's secret) are never stored: a replay answers without them.

use crate::error::{ApiError, FieldError};
use crate::i18n::{Problem, Rule};
use crate::state::AppState;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform};
use actix_web::http::Method;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpMessage as _, HttpResponse, ResponseError as _, web};
use futures_util::TryFutureExt as _;
use futures_util::future::{Either, LocalBoxFuture, MapOk};
use persistence::repo::idempotency::{self, Keyed, STALE_SECONDS, Stored};
use sha2::{Digest, Sha256};
use std::future::{Ready, ready};
use std::rc::Rc;

/// The header naming a creating request.
const IDEMPOTENCY_KEY: header::HeaderName = header::HeaderName::from_static("idempotency-key");
/// Routes whose change claims the key and stores its answer inside its own transaction
/// ([`crate::use_case::Change::claim_key`]), so that the answer commits with the change or not
/// at all, even if the process dies between the two, and a concurrent retry waits for the first
/// request and replays its answer: certificate issuance. For them this middleware only checks
/// the key, hashes the request and hands the [`Keyed`] request on in the request's extensions.
const CLAIMED_IN_CHANGE: [&str; 1] = ["/api/v1/plans/{id}/certificates"];
/// Sign-in routes create nothing and answer tokens, which are never stored: no idempotency.
pub const NOT_IDEMPOTENT: [&str; 2] = ["/api/v1/auth/login", "/api/v1/auth/token"];
/// Secrets shown once are never stored: a replay answers without them.
const SECRET_FIELDS: [&str; 3] = ["client_secret", "secret", "access_token"];
/// Bodies larger than this are not buffered for idempotency (uploads are at most 10 MiB).
const MAX_BODY: usize = 12 * 1024 * 1024;
/// The public forms that keep idempotency keys without a token (by client address).
const PUBLIC_IDEMPOTENT: [&str; 2] =
    ["/api/v1/public/complaints", "/api/v1/public/publicity/{id}/objections"];
/// The largest body of a public form buffered for its key.
const MAX_PUBLIC_BODY: usize = 64 * 1024;
/// Stored answers are kept this long.
const KEEP_HOURS: i64 = 24;

/// The answer stored under a key, sent again with `Idempotency-Replayed: true`.
pub fn replay(stored: Stored, data_key: &persistence::sealed::DataKey) -> HttpResponse {
    let Stored::Done { status, content_type, location, etag, mut body } = stored else {
        return ApiError::internal("no stored answer to replay").error_response();
    };
    // ID numbers are kept sealed (see `keyed`): opened for the caller they were answered to.
    if body.contains("\"s1.")
        && let Ok(mut v) = serde_json::from_str::<serde_json::Value>(&body)
    {
        crate::views::mask::open_id_numbers(&mut v, data_key);
        body = v.to_string();
    }
    let status =
        actix_web::http::StatusCode::from_u16(status as u16).unwrap_or(actix_web::http::StatusCode::OK);
    let mut r = HttpResponse::build(status);
    r.insert_header(("Idempotency-Replayed", "true"));
    r.insert_header((header::CACHE_CONTROL, "no-store"));
    if let Some(c) = content_type {
        r.insert_header((header::CONTENT_TYPE, c));
    }
    if let Some(l) = location {
        r.insert_header((header::LOCATION, l));
    }
    if let Some(t) = etag {
        r.insert_header((header::ETAG, t));
    }
    r.body(body)
}

fn problem(req: ServiceRequest, e: ApiError) -> ServiceResponse<BoxBody> {
    req.error_response(e).map_into_boxed_body()
}

/// The middleware: `App::wrap(Idempotency)`.
#[derive(Debug, Clone, Copy)]
pub struct Idempotency;

impl<S, B> Transform<S, ServiceRequest> for Idempotency
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<BoxBody>;
    type Error = actix_web::Error;
    type Transform = IdempotencyService<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(IdempotencyService { service: Rc::new(service) }))
    }
}

/// [`Idempotency`] around the service it wraps.
#[derive(Debug)]
pub struct IdempotencyService<S> {
    service: Rc<S>,
}

/// A response of the wrapped service with its body boxed.
type Boxed<B> = fn(ServiceResponse<B>) -> ServiceResponse<BoxBody>;

impl<S, B> Service<ServiceRequest> for IdempotencyService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<BoxBody>;
    type Error = actix_web::Error;
    type Future =
        Either<MapOk<S::Future, Boxed<B>>, LocalBoxFuture<'static, Result<Self::Response, Self::Error>>>;

    actix_web::dev::forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        // Every request but a POST with the header goes straight on, without a future of its own
        // (most requests: public verification among them).
        if req.method() != Method::POST || !req.headers().contains_key(IDEMPOTENCY_KEY) {
            return Either::Left(
                self.service.call(req).map_ok(ServiceResponse::map_into_boxed_body as Boxed<B>),
            );
        }
        Either::Right(Box::pin(keyed(req, Rc::clone(&self.service))))
    }
}

/// A POST with an `Idempotency-Key`.
async fn keyed<S, B>(
    mut req: ServiceRequest,
    next: Rc<S>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody + 'static,
{
    let key = req.headers().get(IDEMPOTENCY_KEY).and_then(|v| v.to_str().ok()).map(|k| k.trim().to_owned());
    let Some(key) = key else {
        // Not text at all: as if there were none.
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    // Only now, for a keyed POST: finding the route template walks the route table again.
    let route = req.match_pattern().unwrap_or_default();
    if NOT_IDEMPOTENT.contains(&route.as_str()) {
        return Ok(next.call(req).await?.map_into_boxed_body());
    }
    if key.is_empty() || key.len() > 200 || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Ok(problem(
            req,
            ApiError::validation(vec![FieldError::new("Idempotency-Key", Rule::TooLong).with("max", 200)]),
        ));
    }
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let principal = match req.headers().get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) {
        Some(auth) => {
            let token = match auth.split_once(' ') {
                Some((scheme, t)) if scheme.eq_ignore_ascii_case("bearer") => t.trim(),
                _ => "",
            };
            match state.tokens.verify(token, state.clock.now()) {
                Ok(c) if c.scope.is_some() => format!("client:{}", c.sub),
                Ok(c) => format!("user:{}", c.sub),
                // The handler answers the bad token.
                Err(_) => return Ok(next.call(req).await?.map_into_boxed_body()),
            }
        }
        // Without a token, only the public forms keep keys (by client address), and only for
        // bodies of a form's size: anyone else's key is ignored, never buffered or stored.
        None if PUBLIC_IDEMPOTENT.contains(&route.as_str()) => {
            format!("public:{}", crate::client_address::ClientAddress::of(req.request()))
        }
        None => return Ok(next.call(req).await?.map_into_boxed_body()),
    };
    let max = if principal.starts_with("public:") { MAX_PUBLIC_BODY } else { MAX_BODY };
    // Buffer the body to hash it, then hand it on unchanged.
    let mut deadline = crate::upload::BodyDeadline::of(req.request());
    let mut payload = req.take_payload();
    let mut body = web::BytesMut::new();
    loop {
        let chunk = match deadline.next(&mut payload).await {
            Ok(Some(chunk)) => chunk,
            Ok(None) => break,
            Err(e) => return Ok(problem(req, e)),
        };
        if body.len() + chunk.len() > max {
            return Ok(problem(req, ApiError::new(Problem::PayloadTooLarge).with("limit_kib", max / 1024)));
        }
        body.extend_from_slice(&chunk);
    }
    // The handler reads the body again (and counts it again): this read's share goes back now.
    drop(deadline);
    let body = body.freeze();
    // Keyed with the server's secret key: the hash of a body that holds a password cannot be
    // searched offline by someone who reads the database.
    let mut h = Sha256::new();
    h.update(b"skillcert-idempotency-v1\n");
    h.update(state.certificate_key.key.to_bytes());
    h.update(req.method().as_str());
    h.update(b"\n");
    h.update(req.uri().to_string());
    h.update(b"\n");
    h.update(req.headers().get(header::CONTENT_TYPE).map(HeaderValue::as_bytes).unwrap_or_default());
    h.update(b"\n");
    h.update(&body);
    let hash: String = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
    req.set_payload(actix_web::dev::Payload::from(body));
    if CLAIMED_IN_CHANGE.contains(&route.as_str()) {
        req.extensions_mut().insert(Keyed { principal, key, request_hash: hash });
        return Ok(next.call(req).await?.map_into_boxed_body());
    }

    // Real time, not the adjustable business clock, so that replicas agree on staleness.
    let now = chrono::Utc::now();
    let stale = now - chrono::Duration::seconds(STALE_SECONDS);
    if crate::auth::keys::random_bytes::<1>()[0] < 4 {
        let _ = idempotency::purge(&state.db, now - chrono::Duration::hours(KEEP_HOURS)).await;
    }
    let claim = match idempotency::claim(&state.db, &principal, &key, &hash, now, stale).await {
        Ok(c) => c,
        Err(e) => return Ok(problem(req, e.into())),
    };
    match claim {
        Stored::Mismatch => Ok(problem(req, ApiError::new(Problem::IdempotencyMismatch))),
        Stored::InProgress => {
            let mut e = ApiError::new(Problem::IdempotencyInProgress);
            e.retry_after = Some(1);
            Ok(problem(req, e))
        }
        done @ Stored::Done { .. } => {
            let (http_req, _) = req.into_parts();
            Ok(ServiceResponse::new(http_req, replay(done, &state.data_key)))
        }
        Stored::Claimed(claimed_at) => {
            let res = match next.call(req).await {
                Ok(r) => r.map_into_boxed_body(),
                Err(e) => {
                    let _ = idempotency::release(&state.db, &principal, &key, claimed_at).await;
                    return Err(e);
                }
            };
            if !res.status().is_success() || res.response().error().is_some() {
                let _ = idempotency::release(&state.db, &principal, &key, claimed_at).await;
                return Ok(res);
            }
            let status = res.status().as_u16();
            let header_text = |name: header::HeaderName| {
                res.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned)
            };
            let (content_type, location, etag) =
                (header_text(header::CONTENT_TYPE), header_text(header::LOCATION), header_text(header::ETAG));
            let (http_req, http_res) = res.into_parts();
            let (http_res, body) = http_res.into_parts();
            let bytes =
                actix_web::body::to_bytes(body).await.map_err(|_| ApiError::internal("response body"))?;
            let stored = match serde_json::from_slice::<serde_json::Value>(&bytes) {
                Ok(serde_json::Value::Object(mut map)) => {
                    for f in SECRET_FIELDS {
                        map.remove(f);
                    }
                    // No ID number is kept in clear at rest (persistence::sealed).
                    let mut v = serde_json::Value::Object(map);
                    crate::views::mask::seal_id_numbers(&mut v, &state.data_key);
                    serde_json::to_string(&v).ok()
                }
                _ => std::str::from_utf8(&bytes).ok().map(str::to_owned),
            };
            match stored.as_deref() {
                Some(text) => {
                    if let Err(e) = idempotency::complete(
                        &state.db,
                        &principal,
                        &key,
                        claimed_at,
                        i32::from(status),
                        content_type.as_deref(),
                        location.as_deref(),
                        etag.as_deref(),
                        text,
                    )
                    .await
                    {
                        crate::context::with_request_id(
                            |id| tracing::warn!(request_id = %id, error = %e, "could not store an idempotent answer"),
                        );
                    }
                }
                None => {
                    let _ = idempotency::release(&state.db, &principal, &key, claimed_at).await;
                }
            }
            Ok(ServiceResponse::new(http_req, http_res.set_body(BoxBody::new(bytes))))
        }
    }
}
