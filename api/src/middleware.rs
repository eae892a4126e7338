//! The outermost middleware: request id, language negotiation, one access-log line per request
//! (route template, status, latency; never the raw path or query, which may hold personal data),
//! and rendering of every error as problem+json in the caller's language.

use crate::context::RequestContext;
use crate::error::{ApiError, PROBLEM_JSON};
use crate::i18n::{Lang, Problem};
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform};
use actix_web::http::Method;
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::{HttpMessage, HttpResponse};
use futures_util::future::LocalBoxFuture;
use std::cell::RefCell;
use std::collections::HashMap;
use std::future::{Future, Ready, ready};
use std::rc::Rc;
use std::sync::Arc;
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

/// The outermost middleware (`App::wrap(RequestScope)`): request id, language, access log and
/// problem rendering. A `Transform` of its own rather than `from_fn`, which boxes the future of
/// every layer below it once more on every request.
#[derive(Debug, Clone, Copy)]
pub struct RequestScope;

impl<S, B> Transform<S, ServiceRequest> for RequestScope
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    S::Future: 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<BoxBody>;
    type Error = actix_web::Error;
    type Transform = RequestScopeService<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(RequestScopeService { service, routes: Rc::default() }))
    }
}

/// [`RequestScope`] around the service it wraps.
#[derive(Debug)]
pub struct RequestScopeService<S> {
    service: S,
    routes: Rc<Routes>,
}

/// The route templates of the paths that are a template themselves (routes without parameters,
/// such as public verification's), by method and path, per worker: finding a request's template
/// walks the route table again, which for these is done once. By method too, since the route a
/// path reaches depends on it (`GET /institutions/mergers` is `/institutions/{id}`, its `POST`
/// the route of that name). At most one entry per such route and standard method.
#[derive(Debug, Default)]
struct Routes(RefCell<HashMap<&'static str, Templates>>);

/// Route templates by path.
type Templates = HashMap<Box<str>, Arc<str>>;

impl Routes {
    /// The route template `req` (of method `label`, see [`method_label`]) matched, or
    /// `(unmatched)`.
    fn of(&self, label: &'static str, req: &actix_web::HttpRequest) -> Arc<str> {
        let path = req.path();
        if let Some(route) = self.0.borrow().get(label).and_then(|paths| paths.get(path)) {
            return Arc::clone(route);
        }
        let Some(route) = req.match_pattern() else { return Arc::from("(unmatched)") };
        let route = Arc::<str>::from(route);
        if *route == *path && label != "OTHER" {
            self.0.borrow_mut().entry(label).or_default().insert(path.into(), Arc::clone(&route));
        }
        route
    }
}

/// The method as a metrics label: only the standard methods, so that odd requests cannot grow
/// the metrics (or the route cache).
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        _ => "OTHER",
    }
}

impl<S, B> Service<ServiceRequest> for RequestScopeService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error>,
    S::Future: 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<BoxBody>;
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self::Response, Self::Error>>;

    actix_web::dev::forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        let started = Instant::now();
        let request_id = client_request_id(&req).unwrap_or_else(crate::context::new_request_id);
        let lang = Lang::negotiate(req.headers().get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()));
        let method = req.method().clone();
        let metrics =
            req.app_data::<actix_web::web::Data<crate::state::AppState>>().map(|s| s.metrics.clone());
        req.extensions_mut().insert(RequestContext { request_id: request_id.clone(), lang });
        // A NUL character in the path (`%00`) is refused before routing: no identifier holds one.
        let inner = if req.path().contains("%00") || req.path().contains('\0') {
            Err(req)
        } else {
            Ok(self.service.call(req))
        };
        let routes = Rc::clone(&self.routes);
        Box::pin(respond(inner, Request { started, request_id, lang, method, metrics, routes }))
    }
}

/// What the middleware knows of a request before it is handled.
struct Request {
    started: Instant,
    request_id: String,
    lang: Lang,
    method: Method,
    metrics: Option<Arc<crate::metrics::Metrics>>,
    routes: Rc<Routes>,
}

/// Awaits the answer (or refuses the request), then renders problems, sets the common headers,
/// logs the access line and counts the request.
async fn respond<F, B>(
    inner: Result<F, ServiceRequest>,
    Request { started, request_id, lang, method, metrics, routes }: Request,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error>
where
    F: Future<Output = Result<ServiceResponse<B>, actix_web::Error>>,
    B: MessageBody + 'static,
{
    // Errors raised by inner middleware come back as `Err` without the request; they are
    // rendered by actix itself. Handler and extractor errors come back inside the response.
    let res = match inner {
        Err(req) => req.error_response(ApiError::new(Problem::BadRequest)).map_into_boxed_body(),
        // No tracing span per request: creating, entering, leaving and closing one was, with the
        // random request id, about 7,000 instructions of a public verification's 148,000
        // (docs/PERFORMANCE.md). What a handler logs names the request through the task-local
        // id instead (`context::with_request_id`).
        Ok(answer) => crate::context::in_request(request_id.clone(), answer).await?.map_into_boxed_body(),
    };
    let mut res = render_problem(res, lang, &request_id);

    let headers = res.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        headers.insert(REQUEST_ID, v);
    }
    headers.insert(header::CONTENT_LANGUAGE, HeaderValue::from_static(lang.tag()));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));

    let label = method_label(&method);
    let route = routes.of(label, res.request());
    let status = res.status().as_u16();
    let elapsed = started.elapsed();
    let latency_ms = crate::telemetry::milliseconds(elapsed);
    tracing::info!(target: "access", request_id = request_id.as_str(), method = method.as_str(), route = &*route, status, latency_ms = latency_ms.as_str(), "request");
    if let Some(m) = metrics {
        m.observe(label, route, status, elapsed.as_secs_f64());
    }
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
