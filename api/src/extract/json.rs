//! JSON bodies ([`ApiJson`]): parsed, shaped as their type, and checked against the rules the
//! type declares.

use super::quoted;
use crate::error::{ApiError, FieldError};
use crate::i18n::{Problem, Rule};
use crate::validate::Errors;
use actix_web::{FromRequest, HttpMessage, HttpRequest, dev::Payload, http::header, web};
use serde::de::DeserializeOwned;
use std::future::Future;
use std::pin::Pin;

/// Largest JSON body accepted.
pub const JSON_LIMIT: usize = 1024 * 1024;

/// A JSON body: `Content-Type: application/json`, at most [`JSON_LIMIT`] bytes, syntactically
/// valid (else 400) and matching `T` (else 422 naming the field: unknown fields, missing fields,
/// wrong types). The rules `T` declares with validator's derive are checked too
/// ([`crate::validate`]); the body is reached only through [`ApiJson::valid`] (422 when a rule is
/// broken) or [`ApiJson::with_violations`] (the violations go on, to be reported together with
/// those only the handler or its use case can find), so that no handler can skip them.
#[derive(Debug)]
pub struct ApiJson<T> {
    body: T,
    violations: Errors,
}

impl<T> ApiJson<T> {
    /// The body, or the 422 listing every rule it breaks.
    pub fn valid(self) -> Result<T, ApiError> {
        self.violations.finish()?;
        Ok(self.body)
    }

    /// The body and the rules it breaks, for the caller to add its own findings and report all
    /// of them at once.
    pub fn with_violations(self) -> (T, Errors) {
        (self.body, self.violations)
    }
}

impl<T: DeserializeOwned + validator::Validate + 'static> FromRequest for ApiJson<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        // The usual `application/json` is recognised without parsing it as a media type.
        let plain = req
            .headers()
            .get(header::CONTENT_TYPE)
            .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"application/json"));
        let content_type_ok = plain
            || req.mime_type().ok().flatten().is_some_and(|m| {
                m.type_() == "application"
                    && (m.subtype() == "json" || m.suffix().is_some_and(|s| s == "json"))
            });
        let declared_len = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        let mut payload = payload.take();
        let mut deadline = crate::upload::BodyDeadline::of(req);
        Box::pin(async move {
            if !content_type_ok {
                return Err(ApiError::new(Problem::UnsupportedMediaType).with("expected", "application/json"));
            }
            let too_large = || ApiError::new(Problem::PayloadTooLarge).with("limit_kib", JSON_LIMIT / 1024);
            if declared_len.is_some_and(|n| n > JSON_LIMIT) {
                return Err(too_large());
            }
            let mut body = web::BytesMut::new();
            while let Some(chunk) = deadline.next(&mut payload).await? {
                if body.len() + chunk.len() > JSON_LIMIT {
                    return Err(too_large());
                }
                body.extend_from_slice(&chunk);
            }
            let value: T = parse_json(&body)?;
            let violations = Errors::of(&value);
            Ok(ApiJson { body: value, violations })
        })
    }
}

/// The path of the first string (or object key) holding a NUL character, which no text field
/// accepts (PostgreSQL cannot store it).
fn nul_path(v: &serde_json::Value, path: &mut String) -> bool {
    match v {
        serde_json::Value::String(s) => s.contains('\0'),
        serde_json::Value::Array(items) => items.iter().enumerate().any(|(i, x)| {
            let len = path.len();
            path.push_str(&format!("[{i}]"));
            let found = nul_path(x, path);
            if !found {
                path.truncate(len);
            }
            found
        }),
        serde_json::Value::Object(map) => map.iter().any(|(k, x)| {
            let len = path.len();
            if !path.is_empty() {
                path.push('.');
            }
            path.push_str(k);
            let found = k.contains('\0') || nul_path(x, path);
            if !found {
                path.truncate(len);
            }
            found
        }),
        _ => false,
    }
}

/// Deserialises a JSON document, classifying failures.
pub fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    // Only an escaped NUL (`\u0000`) can reach a string; look closer when one is there.
    if body.contains(&b'\\')
        && body.windows(6).any(|w| w == b"\\u0000")
        && let Ok(v) = serde_json::from_slice::<serde_json::Value>(body)
    {
        let mut path = String::new();
        if nul_path(&v, &mut path) {
            let field = if path.is_empty() { "body".to_owned() } else { path };
            return Err(ApiError::validation(vec![FieldError::new(field, Rule::ControlCharacter)]));
        }
    }
    // Most bodies are valid: read them without tracking the path, which only an error needs.
    if let Ok(v) = serde_json::from_slice(body) {
        return Ok(v);
    }
    let mut de = serde_json::Deserializer::from_slice(body);
    let result: Result<T, _> = serde_path_to_error::deserialize(&mut de);
    let err = match result {
        Ok(v) => {
            return match de.end() {
                Ok(()) => Ok(v),
                Err(e) => Err(ApiError::new(Problem::MalformedJson)
                    .with("line", e.line())
                    .with("column", e.column())),
            };
        }
        Err(e) => e,
    };
    let inner = err.inner();
    match inner.classify() {
        serde_json::error::Category::Data => {}
        _ => {
            return Err(ApiError::new(Problem::MalformedJson)
                .with("line", inner.line())
                .with("column", inner.column()));
        }
    }
    let message = inner.to_string();
    let path = err.path().to_string();
    let base = if path == "." { String::new() } else { path };
    let (rule, field) = if let Some(name) = quoted(&message, "unknown field `") {
        (Rule::UnknownField, join(&base, &name))
    } else if let Some(name) = quoted(&message, "missing field `") {
        (Rule::Required, join(&base, &name))
    } else if message.starts_with("unknown variant") {
        let allowed = message.split("expected ").nth(1).unwrap_or("").split(" at line").next().unwrap_or("");
        let allowed = allowed.replace('`', "").replace("one of ", "");
        return Err(ApiError::validation(vec![
            FieldError::new(or_root(base), Rule::NotOneOf).with("allowed", allowed),
        ]));
    } else {
        (Rule::InvalidType, or_root(base))
    };
    Err(ApiError::validation(vec![FieldError::new(field, rule)]))
}

fn join(base: &str, name: &str) -> String {
    if base.is_empty() || base.ends_with(name) { name.to_owned() } else { format!("{base}.{name}") }
}

fn or_root(base: String) -> String {
    if base.is_empty() { "body".into() } else { base }
}
