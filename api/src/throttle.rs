//! The per-address limit of public requests (verification, objections, complaints): counted in
//! memory, shared through the database once a second ([`crate::limiter`]).

use crate::error::ApiError;
use crate::i18n::Problem;
use crate::state::AppState;
use actix_web::HttpRequest;

/// Counts a public request of the client address; 429 past the configured bound (see
/// [`crate::limiter`]: counted in memory, shared through the database once a second).
pub async fn public_request(state: &AppState, req: &HttpRequest) -> Result<(), ApiError> {
    // The client's address: the peer, or behind a trusted proxy the address it forwards
    // (crate::client_address; SKILLCERT_TRUSTED_PROXIES).
    let key = match crate::client_address::ClientAddress::behind(req, &state.trusted_proxies).ip() {
        // An IPv4 address without core::fmt, whose Display of one costs more than the count.
        Some(std::net::IpAddr::V4(ip)) => {
            let mut key = String::with_capacity(22);
            key.push_str("verify:");
            for (i, octet) in ip.octets().into_iter().enumerate() {
                if i > 0 {
                    key.push('.');
                }
                crate::telemetry::push_u64(&mut key, u64::from(octet));
            }
            key
        }
        Some(ip) => format!("verify:{ip}/64"),
        None => "verify:unknown".to_owned(),
    };
    state.limiter.hit(&key, state.clock.now()).map_err(|e| {
        let mut err = ApiError::new(Problem::RateLimited).with("seconds", e.retry_after);
        err.retry_after = Some(e.retry_after as u64);
        err
    })
}
