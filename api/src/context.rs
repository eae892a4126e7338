//! Per-request context set by the middleware: request id and negotiated language.

use crate::i18n::Lang;
use actix_web::{FromRequest, HttpMessage, HttpRequest, dev::Payload};
use std::future::{Future, Ready, ready};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

/// The request id (from `X-Request-Id` when well formed, else generated) and the language.
#[derive(Debug, Clone)]
pub struct RequestContext {
    pub request_id: String,
    pub lang: Lang,
}

tokio::task_local! {
    /// The id of the request whose handler runs on this task (set by the middleware).
    static REQUEST_ID: String;
}

/// Runs `f` as the request `id`: what is logged meanwhile on its task names the id
/// ([`with_request_id`]).
pub async fn in_request<F: Future>(id: String, f: F) -> F::Output {
    REQUEST_ID.scope(id, f).await
}

/// Calls `f` with the id of the request being handled on this task, or `-` outside one. (For
/// what is logged: errors and refusals, not every request.)
pub fn with_request_id<R>(f: impl FnOnce(&str) -> R) -> R {
    let id = REQUEST_ID.try_with(String::clone).ok();
    f(id.as_deref().unwrap_or("-"))
}

/// A new request id: a UUIDv7 in 32 hex digits, its time the current millisecond and its other
/// bits a random number drawn once per process plus a counter, so that no request asks the
/// operating system for random bytes (a system call per request, on the public verification's
/// path; docs/PERFORMANCE.md). Unique within the process; across processes and replicas, as
/// likely as two random 64-bit starts differing.
pub fn new_request_id() -> String {
    static START: OnceLock<[u8; 10]> = OnceLock::new();
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let start = START.get_or_init(crate::auth::keys::random_bytes::<10>);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let mut bits = *start;
    let low = u64::from_le_bytes([bits[2], bits[3], bits[4], bits[5], bits[6], bits[7], bits[8], bits[9]]);
    // An odd multiplier maps distinct counters to distinct numbers.
    bits[2..].copy_from_slice(&low.wrapping_add(n.wrapping_mul(0x9E37_79B9_7F4A_7C15)).to_le_bytes());
    let millis = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64);
    uuid::Builder::from_unix_timestamp_millis(millis, &bits).into_uuid().simple().to_string()
}

impl RequestContext {
    /// The context of `req` (a fresh default when the middleware did not run, e.g. in unit tests).
    pub fn of(req: &HttpRequest) -> RequestContext {
        req.extensions()
            .get::<RequestContext>()
            .cloned()
            .unwrap_or_else(|| RequestContext { request_id: new_request_id(), lang: Lang::default() })
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
        ready(Ok(req.extensions().get::<RequestContext>().map_or_else(Lang::default, |c| c.lang)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_are_distinct_version_7_uuids_in_32_hex_digits() {
        let ids: Vec<String> = (0..10_000).map(|_| new_request_id()).collect();
        let distinct: std::collections::HashSet<&String> = ids.iter().collect();
        assert_eq!(distinct.len(), ids.len());
        for id in &ids[..10] {
            assert_eq!(id.len(), 32);
            let parsed = uuid::Uuid::parse_str(id).unwrap_or_default();
            assert_eq!(parsed.get_version_num(), 7, "{id}");
        }
    }

    #[tokio::test]
    async fn the_request_id_is_known_inside_its_request_only() {
        assert_eq!(with_request_id(str::to_owned), "-");
        let inside = in_request("abc".to_owned(), async { with_request_id(str::to_owned) }).await;
        assert_eq!(inside, "abc");
        assert_eq!(with_request_id(str::to_owned), "-");
    }
}
