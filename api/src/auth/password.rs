//! Argon2id password hashing (OWASP minimum: m = 19 MiB, t = 2, p = 1, the argon2 crate's
//! defaults), run off the async workers.

use crate::error::ApiError;
use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use std::sync::OnceLock;

/// Hashes a password into a PHC string.
pub async fn hash(password: String) -> Result<String, ApiError> {
    actix_web::web::block(move || Argon2::default().hash_password(password.as_bytes()).map(|h| h.to_string()))
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)
}

/// Checks a password against a stored hash. With `None` it checks against a fixed dummy hash,
/// so that an unknown user costs the same time as a wrong password.
pub async fn verify(password: String, stored: Option<String>) -> Result<bool, ApiError> {
    actix_web::web::block(move || {
        let stored = stored.as_deref().unwrap_or_else(|| dummy_hash());
        let Ok(parsed) = PasswordHash::new(stored) else { return false };
        Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok()
    })
    .await
    .map_err(ApiError::internal)
}

/// A hash of a random password, made once per process with the same parameters as real ones.
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        let random = crate::auth::keys::random_token(24);
        Argon2::default().hash_password(random.as_bytes()).map(|h| h.to_string()).unwrap_or_default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[actix_web::test]
    async fn hashes_verify_and_use_argon2id_at_owasp_minimum() {
        let h = hash("correct horse battery".into()).await.expect("hashes");
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(verify("correct horse battery".into(), Some(h.clone())).await.expect("runs"));
        assert!(!verify("wrong horse battery".into(), Some(h)).await.expect("runs"));
        assert!(!verify("anything".into(), None).await.expect("runs"));
    }
}
