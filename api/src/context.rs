//! Per-request context set by the middleware: request id and negotiated language.

use crate::i18n::Lang;
use actix_web::{FromRequest, HttpMessage, HttpRequest, dev::Payload};
use std::future::{Ready, ready};

/// The request id (from `X-Request-Id` when well formed, else generated) and the language.
#[derive(Debug, Clone)]
pub struct RequestContext {
    pub request_id: String,
    pub lang: Lang,
}

impl RequestContext {
    /// The context of `req` (a fresh default when the middleware did not run, e.g. in unit tests).
    pub fn of(req: &HttpRequest) -> RequestContext {
        req.extensions().get::<RequestContext>().cloned().unwrap_or_else(|| RequestContext {
            request_id: uuid::Uuid::now_v7().simple().to_string(),
            lang: Lang::default(),
        })
    }
}

impl FromRequest for RequestContext {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(RequestContext::of(req)))
    }
}

/// Extracts just the language.
impl FromRequest for Lang {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(RequestContext::of(req).lang))
    }
}
