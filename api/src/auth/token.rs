//! Access tokens: compact JWS (JWT) signed with Ed25519, algorithm pinned to `EdDSA`.
//!
//! Written here rather than taken from a general JWT crate so that exactly one algorithm exists
//! in the code: the header must say `{"alg":"EdDSA","typ":"JWT","kid":<ours>}`, anything else
//! (`none`, HS256 with our public key, another key id) is refused before the signature is even
//! looked at. Claims `iss`, `aud`, `sub`, `iat`, `nbf`, `exp`, `jti` are all required and checked
//! with at most 30 s of leeway. The signature check is `verify_strict` (no malleable signatures).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use domain::Role;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
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

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Header {
    alg: String,
    typ: String,
    kid: String,
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
    signing: SigningKey,
    verifying: VerifyingKey,
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
        TokenService { signing: key, verifying, kid, issuer, ttl_seconds }
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
        let header = Header { alg: "EdDSA".into(), typ: "JWT".into(), kid: self.kid.clone() };
        Issued { token: self.sign(&header, &claims), expires_in: self.ttl_seconds }
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
        let header = Header { alg: "EdDSA".into(), typ: "JWT".into(), kid: self.kid.clone() };
        Issued { token: self.sign(&header, &claims), expires_in: self.ttl_seconds }
    }

    fn sign(&self, header: &Header, claims: &Claims) -> String {
        // Serialising these plain structs cannot fail.
        let h = URL_SAFE_NO_PAD.encode(serde_json::to_vec(header).unwrap_or_default());
        let c = URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims).unwrap_or_default());
        let input = format!("{h}.{c}");
        let sig = self.signing.sign(input.as_bytes());
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(sig.to_bytes()))
    }

    /// Checks a token completely and returns its claims.
    pub fn verify(&self, token: &str, now: DateTime<Utc>) -> Result<Claims, TokenError> {
        if token.len() > 4096 {
            return Err(TokenError::Format);
        }
        let mut parts = token.split('.');
        let (Some(h), Some(c), Some(s), None) = (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(TokenError::Format);
        };
        let header: Header = URL_SAFE_NO_PAD
            .decode(h)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .ok_or(TokenError::Header)?;
        if header.alg != "EdDSA" || header.typ != "JWT" || header.kid != self.kid {
            return Err(TokenError::Header);
        }
        let sig_bytes: [u8; 64] =
            URL_SAFE_NO_PAD.decode(s).ok().and_then(|b| b.try_into().ok()).ok_or(TokenError::Signature)?;
        let signature = Signature::from_bytes(&sig_bytes);
        let input_len = h.len() + 1 + c.len();
        self.verifying
            .verify_strict(&token.as_bytes()[..input_len], &signature)
            .map_err(|_| TokenError::Signature)?;
        let claims: Claims = URL_SAFE_NO_PAD
            .decode(c)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .ok_or(TokenError::Claims)?;
        if claims.iss != self.issuer || claims.aud != AUDIENCE {
            return Err(TokenError::Audience);
        }
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
        let forged = other.sign(
            &Header { alg: "EdDSA".into(), typ: "JWT".into(), kid: s.kid().into() },
            &s.verify(&t, now).expect("valid"),
        );
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
        let header = Header { alg: "EdDSA".into(), typ: "JWT".into(), kid: s.kid().into() };
        assert_eq!(s.verify(&s.sign(&header, &claims), now), Err(TokenError::Audience));
        claims.aud = AUDIENCE.into();
        claims.iss = "http://elsewhere".into();
        assert_eq!(s.verify(&s.sign(&header, &claims), now), Err(TokenError::Audience));
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
