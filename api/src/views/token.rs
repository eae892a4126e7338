//! What a sign-in or a token request answers.

use serde::Serialize;
use utoipa::ToSchema;

/// An access token in the OAuth 2.0 token response shape (RFC 6749 §5.1).
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    /// A JWT signed with EdDSA (Ed25519); send it as `Authorization: Bearer …`.
    pub access_token: String,
    /// Always `Bearer`.
    #[schema(example = "Bearer")]
    pub token_type: &'static str,
    /// Seconds until the token expires.
    #[schema(example = 900)]
    pub expires_in: i64,
    /// The scopes granted (machine clients only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
}
