//! The outermost middleware: request id, language negotiation, one access-log line per request
//! (route template, status, latency; never the raw path or query, which may hold personal data),
//! and rendering of every error as problem+json in the caller's language.

use crate::context::RequestContext;
use crate::error::{ApiError, PROBLEM_JSON};
use crate::i18n::{Lang, Problem};
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpResponse};
use std::time::Instant;

/// The header carrying the request id, in both directions.
pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Accepts a client's request id if it is 1–64 characters of `[A-Za-z0-9._-]`.
fn client_request_id(req: &ServiceRequest) -> Option<String> {
    let v = req.headers().get(&REQUEST_ID)?.to_str().ok()?;
    let ok = !v.is_empty()
        && v.len() <= 64
        && v.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    ok.then(|| v.to_owned())
}

/// Request id, language, access log and problem rendering.
pub async fn request_context(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let started = Instant::now();
    let request_id = client_request_id(&req).unwrap_or_else(crate::context::new_request_id);
    let lang = Lang::negotiate(req.headers().get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()));
    let method = req.method().clone();
    let metrics = req.app_data::<actix_web::web::Data<crate::state::AppState>>().map(|s| s.metrics.clone());
    req.extensions_mut().insert(RequestContext { request_id: request_id.clone(), lang });

    // Errors raised by inner middleware come back as `Err` without the request; they are
    // rendered by actix itself. Handler and extractor errors come back inside the response.
    // A NUL character in the path (`%00`) is refused before routing: no identifier holds one.
    let res = if req.path().contains("%00") || req.path().contains('\0') {
        req.error_response(ApiError::new(Problem::BadRequest)).map_into_boxed_body()
    } else {
        // No tracing span per request: creating, entering, leaving and closing one was, with the
        // random request id, about 7,000 instructions of a public verification's 148,000
        // (docs/PERFORMANCE.md). What a handler logs names the request through the task-local
        // id instead (`context::with_request_id`).
        crate::context::in_request(request_id.clone(), next.call(req)).await?.map_into_boxed_body()
    };
    let mut res = render_problem(res, lang, &request_id);

    let headers = res.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        headers.insert(REQUEST_ID, v);
    }
    headers.insert(header::CONTENT_LANGUAGE, HeaderValue::from_static(lang.tag()));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));

    let route = res.request().match_pattern().unwrap_or_else(|| "(unmatched)".to_owned());
    let status = res.status().as_u16();
    let elapsed = started.elapsed().as_secs_f64();
    if let Some(m) = metrics {
        // Only the standard methods become labels, so odd requests cannot grow the metrics.
        let label = match method.as_str() {
            "GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE" | "OPTIONS" => method.as_str(),
            _ => "OTHER",
        };
        m.observe(label, &route, status, elapsed);
    }
    let latency_ms = elapsed * 1000.0;
    tracing::info!(target: "access", request_id = %request_id, method = %method, route = %route, status, latency_ms = format_args!("{latency_ms:.2}"), "request");
    Ok(res)
}

/// Re-renders errors: an [`ApiError`] in `lang` with the request id; any other error status
/// without a problem body becomes a generic problem of the same status.
fn render_problem(res: ServiceResponse<BoxBody>, lang: Lang, request_id: &str) -> ServiceResponse<BoxBody> {
    let status = res.status();
    let body = if let Some(api) = res.response().error().and_then(|e| e.as_error::<ApiError>()) {
        Some((api.body(lang, request_id), status))
    } else if status.is_client_error() || status.is_server_error() {
        let content_type =
            res.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
        // Problem documents, and HTML pages made for people (the verification page), stay as they are.
        if content_type.starts_with(PROBLEM_JSON) || content_type.starts_with("text/html") {
            None
        } else {
            let problem = match status.as_u16() {
                401 => Problem::Unauthenticated,
                403 => Problem::Forbidden,
                404 => Problem::NotFound,
                413 => Problem::PayloadTooLarge,
                415 => Problem::UnsupportedMediaType,
                s if s >= 500 => Problem::InternalError,
                _ => Problem::BadRequest,
            };
            let mut api = ApiError::new(problem);
            if problem == Problem::PayloadTooLarge {
                api = api.with("limit_kib", crate::extract::JSON_LIMIT / 1024);
            }
            if problem == Problem::UnsupportedMediaType {
                api = api.with("expected", "application/json");
            }
            let mut body = api.body(lang, request_id);
            // Keep the real status even where the generic problem's own differs.
            body.status = status.as_u16();
            Some((body, status))
        }
    } else {
        None
    };
    let Some((body, status)) = body else { return res };
    let (req, old) = res.into_parts();
    let mut new = HttpResponse::build(status);
    for (name, value) in old.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            new.append_header((name.clone(), value.clone()));
        }
    }
    new.insert_header((header::CONTENT_TYPE, PROBLEM_JSON));
    ServiceResponse::new(req, new.json(body))
}

/// Unknown route: 405 with `Allow` when the path exists with other methods, else 404.
pub async fn fallback(req: actix_web::HttpRequest) -> Result<HttpResponse, ApiError> {
    let table = req.app_data::<actix_web::web::Data<crate::openapi::RouteTable>>();
    if let Some(methods) = table.and_then(|t| t.methods_for(req.path())) {
        let allowed = methods.join(", ");
        let mut err = ApiError::new(Problem::MethodNotAllowed)
            .with("method", req.method().as_str())
            .with("allowed", allowed.clone());
        err.allow = Some(allowed);
        return Err(err);
    }
    Err(ApiError::not_found())
}
