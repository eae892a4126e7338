//! What every handler can reach: the database pool, the token service and the clock.

use crate::auth::token::TokenService;
use crate::clock::Clock;
use persistence::Database;
use std::path::PathBuf;
use std::sync::Arc;

/// Shared application state, built once at start-up.
#[derive(Debug, Clone)]
pub struct AppState {
    pub db: Database,
    pub tokens: Arc<TokenService>,
    pub clock: Arc<Clock>,
    /// Where attachments are stored.
    pub attachments_dir: PathBuf,
    /// Signs certificates.
    pub certificate_key: Arc<CertificateKey>,
    /// The system's DID and the secrets of its verifiable credentials (issue 27).
    pub credentials: Arc<crate::credential::Credentials>,
    /// Seals and opens resident ID numbers at rest (`persistence::sealed`).
    pub data_key: Arc<persistence::sealed::DataKey>,
    /// The public base URL (`SKILLCERT_ISSUER`): QR codes point at `{public_url}/verify/{token}`.
    pub public_url: String,
    /// The bound on public verifications and complaints per client address and minute.
    pub limiter: Arc<crate::limiter::Limiter>,
    /// Prometheus metrics of this process.
    pub metrics: Arc<crate::metrics::Metrics>,
    /// `SKILLCERT_METRICS_TOKEN`: when set, `/metrics` wants it as a bearer token.
    pub metrics_token: Option<crate::config::Secret>,
    /// `SKILLCERT_TRUSTED_PROXIES` (see [`crate::client_address`]).
    pub trusted_proxies: Arc<Vec<crate::client_address::Cidr>>,
    /// `SKILLCERT_BODY_IDLE_SECONDS`: the longest pause within a request body (see
    /// [`crate::upload::BodyDeadline`]).
    pub body_idle: std::time::Duration,
    /// `SKILLCERT_BODY_BUDGET_MIB`, in KiB permits: the bytes of request bodies being received,
    /// all requests together (see [`crate::upload::BodyDeadline`]).
    pub body_budget: Arc<tokio::sync::Semaphore>,
}

/// The Ed25519 key that signs certificate statements, with its published id.
pub struct CertificateKey {
    pub key: ed25519_dalek::SigningKey,
    /// `kid`: base64url of the first 12 bytes of SHA-256 of the public key.
    pub kid: String,
}

impl std::fmt::Debug for CertificateKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CertificateKey").field("kid", &self.kid).finish_non_exhaustive()
    }
}

impl CertificateKey {
    /// Wraps a key.
    pub fn new(key: ed25519_dalek::SigningKey) -> CertificateKey {
        use base64::Engine as _;
        use sha2::Digest as _;
        let digest = sha2::Sha256::digest(key.verifying_key().as_bytes());
        let kid = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&digest[..12]);
        CertificateKey { key, kid }
    }
}
