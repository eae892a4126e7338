//! Conditional updates (docs/API-DESIGN.md): every mutable resource has an `ETag`; a `PUT` or
//! `PATCH` that changes one needs `If-Match` with it (428 when missing, 412 when stale; `*`
//! matches any current version). Resources with a version column use it (`"p3"`); the others get
//! an ETag from a hash of their stored content.

use crate::error::ApiError;
use crate::i18n::Problem;
use actix_web::HttpRequest;
use actix_web::http::header;
use sha2::{Digest, Sha256};

/// An ETag from the content of a resource (its canonical JSON).
pub fn content_etag(v: &impl serde::Serialize) -> String {
    let bytes = serde_json::to_vec(v).unwrap_or_default();
    let digest = Sha256::digest(&bytes);
    let hex: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    format!("\"h{hex}\"")
}

/// Checks `If-Match` against the current ETag: 428 when missing, 412 when stale.
pub fn check_if_match(req: &HttpRequest, current: &str) -> Result<(), ApiError> {
    matches(if_match(req).as_deref(), current)
}

/// The request's `If-Match` value, for a check made later inside a change ([`matches`]); a
/// value that is not text counts as missing.
pub fn if_match(req: &HttpRequest) -> Option<String> {
    req.headers().get(header::IF_MATCH).and_then(|v| v.to_str().ok()).map(str::to_owned)
}

/// Checks a given `If-Match` value against the current ETag: 428 when there is none, 412 when
/// stale.
pub fn matches(given: Option<&str>, current: &str) -> Result<(), ApiError> {
    let Some(given) = given else {
        return Err(ApiError::new(Problem::PreconditionRequired));
    };
    let ok = given
        .split(',')
        .map(str::trim)
        .any(|t| t == "*" || t == current || t.strip_prefix("W/") == Some(current));
    if ok { Ok(()) } else { Err(ApiError::new(Problem::PreconditionFailed)) }
}
