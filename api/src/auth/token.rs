//! Access tokens: compact JWS (JWT) signed with Ed25519 by `jsonwebtoken`, the algorithm pinned
//! to `EdDSA`.
//!
//! The header must be `{"alg":"EdDSA","typ":"JWT","kid":<ours>}`: anything else (`none`, HS256
//! with our public key, another key id) is refused before the signature is looked at, and
//! `jsonwebtoken`'s `Validation` allows the one algorithm and checks `iss` and `aud`. Time claims
//! (`iat`, `nbf`, `exp`, all required) are checked here against the service's clock (the business
//! clock that tests and demonstrations move), with at most 30 s of leeway, since the library's
//! own checks read the system clock.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use domain::Role;
use ed25519_dalek::SigningKey;
use ed25519_dalek::pkcs8::spki::der::pem::LineEnding;
use ed25519_dalek::pkcs8::{EncodePrivateKey as _, EncodePublicKey as _};
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// Clock skew tolerated between replicas, in seconds.
pub const LEEWAY_SECONDS: i64 = 30;
/// The `aud` of every token this service issues and accepts.
pub const AUDIENCE: &str = "skillcert-api";

/// The claims of an access token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Claims {
    pub iss: String,
    pub aud: String,
    /// The user id.
    pub sub: Uuid,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
    pub jti: Uuid,
    /// The role at issue time (user tokens).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
    /// Space-separated scopes (machine-client tokens, which have no role).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// The user's `auth_generation` at issue time; a reset password or changed binding bumps
    /// it and so ends older tokens.
    #[serde(rename = "gen")]
    pub generation: i32,
}

/// Why a token was refused (all answered the same way, as `invalid_token`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("not three base64url parts")]
    Format,
    #[error("header is not EdDSA/JWT with our key id")]
    Header,
    #[error("bad signature")]
    Signature,
    #[error("claims missing or malformed")]
    Claims,
    #[error("wrong issuer or audience")]
    Audience,
    #[error("expired")]
    Expired,
    #[error("not yet valid")]
    NotYetValid,
}

/// Signs and checks tokens.
pub struct TokenService {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    kid: String,
    issuer: String,
    ttl_seconds: i64,
}

impl std::fmt::Debug for TokenService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenService")
            .field("kid", &self.kid)
            .field("issuer", &self.issuer)
            .finish_non_exhaustive()
    }
}

/// A freshly issued token.
#[derive(Debug, Clone)]
pub struct Issued {
    pub token: String,
    pub expires_in: i64,
}

impl TokenService {
    /// A service signing with `key`; `kid` is derived from the public key.
    pub fn new(key: SigningKey, issuer: String, ttl_seconds: i64) -> TokenService {
        let verifying = key.verifying_key();
        let digest = Sha256::digest(verifying.as_bytes());
        let kid = URL_SAFE_NO_PAD.encode(&digest[..12]);
        // An Ed25519 key always encodes as PKCS#8 and SPKI, and those always load back.
        let private = key.to_pkcs8_pem(LineEnding::LF).map(|p| p.to_string()).unwrap_or_default();
        let public = verifying.to_public_key_pem(LineEnding::LF).unwrap_or_default();
        let encoding =
            EncodingKey::from_ed_pem(private.as_bytes()).unwrap_or_else(|_| EncodingKey::from_ed_der(&[]));
        let decoding =
            DecodingKey::from_ed_pem(public.as_bytes()).unwrap_or_else(|_| DecodingKey::from_ed_der(&[]));
        let mut validation = Validation::new(Algorithm::EdDSA);
        validation.set_issuer(&[issuer.as_str()]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["iss", "aud", "sub", "exp", "nbf"]);
        // Checked against the service's clock in `verify`.
        validation.validate_exp = false;
        validation.validate_nbf = false;
        TokenService { encoding, decoding, validation, kid, issuer, ttl_seconds }
    }

    /// The key id sent in token headers.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// Issues a token for a user.
    pub fn issue(&self, sub: Uuid, role: Role, generation: i32, now: DateTime<Utc>) -> Issued {
        let iat = now.timestamp();
        let claims = Claims {
            iss: self.issuer.clone(),
            aud: AUDIENCE.to_owned(),
            sub,
            iat,
            nbf: iat,
            exp: iat + self.ttl_seconds,
            jti: Uuid::new_v4(),
            role: Some(role),
            scope: None,
            generation,
        };
        Issued { token: self.sign(&claims), expires_in: self.ttl_seconds }
    }

    /// Issues a token for a machine client, limited to `scope` (space-separated).
    pub fn issue_client(&self, client: Uuid, scope: &str, now: DateTime<Utc>) -> Issued {
        let iat = now.timestamp();
        let claims = Claims {
            iss: self.issuer.clone(),
            aud: AUDIENCE.to_owned(),
            sub: client,
            iat,
            nbf: iat,
            exp: iat + self.ttl_seconds,
            jti: Uuid::new_v4(),
            role: None,
            scope: Some(scope.to_owned()),
            generation: 0,
        };
        Issued { token: self.sign(&claims), expires_in: self.ttl_seconds }
    }

    fn sign(&self, claims: &Claims) -> String {
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some(self.kid.clone());
        // Signing plain claims with a loaded Ed25519 key cannot fail.
        jsonwebtoken::encode(&header, claims, &self.encoding).unwrap_or_default()
    }

    /// Checks a token completely and returns its claims.
    pub fn verify(&self, token: &str, now: DateTime<Utc>) -> Result<Claims, TokenError> {
        if token.len() > 4096 || token.split('.').count() != 3 {
            return Err(TokenError::Format);
        }
        let header = jsonwebtoken::decode_header(token).map_err(|_| TokenError::Header)?;
        if header.alg != Algorithm::EdDSA
            || header.typ.as_deref() != Some("JWT")
            || header.kid.as_deref() != Some(self.kid.as_str())
        {
            return Err(TokenError::Header);
        }
        let claims = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map_err(|e| match e.kind() {
                ErrorKind::InvalidSignature | ErrorKind::Base64(_) | ErrorKind::InvalidToken => {
                    TokenError::Signature
                }
                ErrorKind::InvalidIssuer | ErrorKind::InvalidAudience => TokenError::Audience,
                ErrorKind::InvalidAlgorithm | ErrorKind::InvalidAlgorithmName => TokenError::Header,
                _ => TokenError::Claims,
            })?
            .claims;
        let t = now.timestamp();
        if claims.exp + LEEWAY_SECONDS <= t {
            return Err(TokenError::Expired);
        }
        if claims.nbf - LEEWAY_SECONDS > t || claims.iat - LEEWAY_SECONDS > t {
            return Err(TokenError::NotYetValid);
        }
        Ok(claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    fn service() -> TokenService {
        TokenService::new(SigningKey::from_bytes(&[7u8; 32]), "http://test".into(), 900)
    }

    fn b64(v: &serde_json::Value) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(v).expect("json"))
    }

    /// A token with our header and these claims, signed by `key` (to forge one in a test).
    fn forge(key: &SigningKey, kid: &str, claims: &Claims) -> String {
        use ed25519_dalek::Signer as _;
        let h = b64(&serde_json::json!({"alg": "EdDSA", "typ": "JWT", "kid": kid}));
        let c = URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims).expect("json"));
        let input = format!("{h}.{c}");
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(key.sign(input.as_bytes()).to_bytes()))
    }

    #[test]
    fn a_fresh_token_verifies() {
        let s = service();
        let now = Utc::now();
        let id = Uuid::now_v7();
        let t = s.issue(id, Role::Bureau, 3, now);
        let c = s.verify(&t.token, now).expect("valid");
        assert_eq!((c.sub, c.role, c.generation, c.exp - c.iat), (id, Some(Role::Bureau), 3, 900));
    }

    #[test]
    fn expiry_is_checked_with_30_seconds_of_leeway() {
        let s = service();
        let now = Utc::now();
        let t = s.issue(Uuid::now_v7(), Role::Centre, 0, now);
        assert!(s.verify(&t.token, now + Duration::seconds(900 + 29)).is_ok());
        assert_eq!(s.verify(&t.token, now + Duration::seconds(900 + 30)), Err(TokenError::Expired));
        assert_eq!(s.verify(&t.token, now - Duration::seconds(31)), Err(TokenError::NotYetValid));
    }

    #[test]
    fn alg_none_and_other_keys_are_refused() {
        let s = service();
        let now = Utc::now();
        let t = s.issue(Uuid::now_v7(), Role::Bureau, 0, now).token;
        let parts: Vec<&str> = t.split('.').collect();
        let none = b64(&serde_json::json!({"alg": "none", "typ": "JWT", "kid": s.kid()}));
        assert_eq!(s.verify(&format!("{none}.{}.", parts[1]), now), Err(TokenError::Header));
        let hs = b64(&serde_json::json!({"alg": "HS256", "typ": "JWT", "kid": s.kid()}));
        assert_eq!(s.verify(&format!("{hs}.{}.{}", parts[1], parts[2]), now), Err(TokenError::Header));
        // Same kid claimed, signed by another key.
        let other = TokenService::new(SigningKey::from_bytes(&[9u8; 32]), "http://test".into(), 900);
        let forged = forge(&SigningKey::from_bytes(&[9u8; 32]), s.kid(), &s.verify(&t, now).expect("valid"));
        assert_eq!(s.verify(&forged, now), Err(TokenError::Signature));
        assert_eq!(
            s.verify(&other.issue(Uuid::now_v7(), Role::Bureau, 0, now).token, now),
            Err(TokenError::Header)
        );
        assert_eq!(s.verify("a.b", now), Err(TokenError::Format));
        assert_eq!(s.verify("", now), Err(TokenError::Format));
    }

    #[test]
    fn wrong_audience_or_issuer_is_refused() {
        let s = service();
        let now = Utc::now();
        let mut claims = s.verify(&s.issue(Uuid::now_v7(), Role::Bureau, 0, now).token, now).expect("valid");
        claims.aud = "another-service".into();
        let key = SigningKey::from_bytes(&[7u8; 32]);
        assert_eq!(s.verify(&forge(&key, s.kid(), &claims), now), Err(TokenError::Audience));
        claims.aud = AUDIENCE.into();
        claims.iss = "http://elsewhere".into();
        assert_eq!(s.verify(&forge(&key, s.kid(), &claims), now), Err(TokenError::Audience));
    }

    #[test]
    fn a_tampered_payload_fails_the_signature() {
        let s = service();
        let now = Utc::now();
        let t = s.issue(Uuid::now_v7(), Role::Expert, 0, now).token;
        let parts: Vec<&str> = t.split('.').collect();
        let mut claims = s.verify(&t, now).expect("valid");
        claims.role = Some(Role::Bureau);
        let c = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims).expect("json"));
        assert_eq!(s.verify(&format!("{}.{c}.{}", parts[0], parts[2]), now), Err(TokenError::Signature));
    }
}
