//! Request extractors that answer every malformed input with problem+json: JSON bodies
//! ([`ApiJson`]), query strings ([`ApiQuery`]) and pagination ([`Pagination`]).

use crate::error::{ApiError, FieldError};
use crate::i18n::{Problem, Rule};
use actix_web::{FromRequest, HttpMessage, HttpRequest, dev::Payload, http::header, web};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use std::future::Future;
use std::pin::Pin;
use utoipa::IntoParams;

/// Largest JSON body accepted.
pub const JSON_LIMIT: usize = 1024 * 1024;

/// A JSON body: `Content-Type: application/json`, at most [`JSON_LIMIT`] bytes, syntactically
/// valid (else 400), and matching `T` (else 422 naming the field: unknown fields, missing
/// fields, wrong types).
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for ApiJson<T> {
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
            parse_json(&body).map(ApiJson)
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

fn quoted(message: &str, prefix: &str) -> Option<String> {
    let rest = message.strip_prefix(prefix)?;
    rest.split('`').next().map(str::to_owned)
}

fn join(base: &str, name: &str) -> String {
    if base.is_empty() || base.ends_with(name) { name.to_owned() } else { format!("{base}.{name}") }
}

fn or_root(base: String) -> String {
    if base.is_empty() { "body".into() } else { base }
}

/// A query string deserialised into `T` (which should `deny_unknown_fields`); a bad value is a
/// 400 naming the parameter.
#[derive(Debug)]
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned> FromRequest for ApiQuery<T> {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(parse_query(req.query_string()).map(ApiQuery))
    }
}

/// Parses a query string; on failure, finds which parameters are at fault.
pub fn parse_query<T: DeserializeOwned>(query: &str) -> Result<T, ApiError> {
    // No parameter may hold a NUL character (PostgreSQL cannot compare with it).
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap_or_default();
    let bad: Vec<FieldError> = pairs
        .iter()
        .filter(|(k, v)| k.contains('\0') || v.contains('\0'))
        .map(|(k, _)| FieldError::new(k.replace('\0', ""), Rule::ControlCharacter))
        .collect();
    if !bad.is_empty() {
        return Err(ApiError { errors: bad, ..ApiError::new(Problem::InvalidQuery) });
    }
    let err = match serde_urlencoded::from_str::<T>(query) {
        Ok(v) => return Ok(v),
        Err(e) => e,
    };
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap_or_default();
    let mut errors = Vec::new();
    for (k, v) in &pairs {
        let single = serde_urlencoded::to_string([(k, v)]).unwrap_or_default();
        if let Err(e) = serde_urlencoded::from_str::<T>(&single) {
            let text = e.to_string();
            let rule = if text.starts_with("unknown field") { Rule::UnknownField } else { Rule::InvalidType };
            if !errors.iter().any(|f: &FieldError| f.field == *k) {
                errors.push(FieldError::new(k.clone(), rule));
            }
        }
    }
    if errors.is_empty() {
        let text = err.to_string();
        let field = quoted(&text, "missing field `").unwrap_or_else(|| "query".into());
        errors.push(FieldError::new(
            field,
            if text.starts_with("missing field") { Rule::Required } else { Rule::InvalidType },
        ));
    }
    Err(ApiError { errors, ..ApiError::new(Problem::InvalidQuery) })
}

/// `page` (from 1), `per_page` (1–100, default 20) and `sort`: the same on every list.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct Pagination {
    /// Page number, from 1.
    #[param(minimum = 1, maximum = 100000, default = 1)]
    pub page: Option<u64>,
    /// Items per page, 1–100.
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub per_page: Option<u64>,
    /// A field to sort by, `-` first for descending (e.g. `-created_at`); each list names its
    /// fields. Without it, the list's default order.
    pub sort: Option<String>,
}

/// A query of only `page`, `per_page` and `sort`, with the sort fields named in its
/// documentation: `paged_query!(TaskPage, "Sort by `created_at`, … (`-` first for descending).")`.
#[macro_export]
macro_rules! paged_query {
    ($name:ident, $sort_doc:literal) => {
        /// Page, page size and order of a list.
        #[derive(Debug, Clone, serde::Deserialize, utoipa::IntoParams)]
        #[serde(deny_unknown_fields)]
        #[into_params(parameter_in = Query)]
        pub struct $name {
            /// Page number, from 1.
            #[param(minimum = 1, maximum = 100000, default = 1)]
            pub page: Option<u64>,
            /// Items per page, 1–100.
            #[param(minimum = 1, maximum = 100, default = 20)]
            pub per_page: Option<u64>,
            #[doc = $sort_doc]
            pub sort: Option<String>,
        }

        impl $name {
            /// As a [`Pagination`]($crate::extract::Pagination).
            pub fn pagination(&self) -> $crate::extract::Pagination {
                $crate::extract::Pagination {
                    page: self.page,
                    per_page: self.per_page,
                    sort: self.sort.clone(),
                }
            }
        }
    };
}

/// Parses `sort` (`field` or `-field`) against the fields a list allows.
pub fn parse_sort(
    sort: Option<&str>,
    allowed: &[&'static str],
    errors: &mut Vec<FieldError>,
) -> Option<persistence::repo::SortKey> {
    let s = sort?.trim();
    let (descending, name) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    match allowed.iter().find(|a| **a == name) {
        Some(column) => Some(persistence::repo::SortKey { column, descending }),
        None => {
            let list: Vec<String> = allowed.iter().flat_map(|a| [a.to_string(), format!("-{a}")]).collect();
            errors.push(FieldError::new("sort", Rule::NotOneOf).with("allowed", list.join(", ")));
            None
        }
    }
}

impl Pagination {
    /// Checks the ranges and the sort field (one of `sortable`), adding a field error per bad
    /// value.
    pub fn check(
        self,
        errors: &mut Vec<FieldError>,
        sortable: &[&'static str],
    ) -> persistence::repo::PageRequest {
        let sort = parse_sort(self.sort.as_deref(), sortable, errors);
        let page = self.page.unwrap_or(1);
        let per_page = self.per_page.unwrap_or(20);
        if !(1..=100_000).contains(&page) {
            errors.push(FieldError::new("page", Rule::OutOfRange).with("min", 1).with("max", 100_000));
        }
        if !(1..=100).contains(&per_page) {
            errors.push(FieldError::new("per_page", Rule::OutOfRange).with("min", 1).with("max", 100));
        }
        persistence::repo::PageRequest {
            page: page.clamp(1, 100_000),
            per_page: per_page.clamp(1, 100),
            sort,
        }
    }
}

/// A page of results: the same shape on every list.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ListBody<T> {
    pub items: Vec<T>,
    /// Items matching the filter, on all pages.
    pub total: u64,
    pub page: u64,
    pub per_page: u64,
}

/// A 400 `invalid_query` from collected field errors, or nothing.
pub fn query_errors(errors: Vec<crate::error::FieldError>) -> Result<(), crate::error::ApiError> {
    if errors.is_empty() {
        Ok(())
    } else {
        Err(crate::error::ApiError {
            errors,
            ..crate::error::ApiError::new(crate::i18n::Problem::InvalidQuery)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[expect(dead_code, reason = "fields are only deserialised")]
    struct Body {
        name: String,
        count: u32,
        inner: Option<Inner>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[expect(dead_code, reason = "fields are only deserialised")]
    struct Inner {
        level: u8,
    }

    fn fail(json: &str) -> ApiError {
        parse_json::<Body>(json.as_bytes()).expect_err("must fail")
    }

    #[test]
    fn json_failures_name_the_field_and_rule() {
        let e = fail(r#"{"name": "a", "count": "7"}"#);
        assert_eq!(
            (e.problem, e.errors[0].field.as_str(), e.errors[0].rule),
            (Problem::ValidationFailed, "count", Rule::InvalidType)
        );
        let e = fail(r#"{"name": "a", "count": 7, "extra": 1}"#);
        assert_eq!((e.errors[0].field.as_str(), e.errors[0].rule), ("extra", Rule::UnknownField));
        let e = fail(r#"{"name": "a"}"#);
        assert_eq!((e.errors[0].field.as_str(), e.errors[0].rule), ("count", Rule::Required));
        let e = fail(r#"{"name": "a", "count": 1, "inner": {"level": "x"}}"#);
        assert_eq!(e.errors[0].field, "inner.level");
        let e = fail(r#"{"name": "a", "count": 1, "inner": {}}"#);
        assert_eq!(e.errors[0].field, "inner.level");
        assert_eq!(fail(r#"{"name": "a", "cou"#).problem, Problem::MalformedJson);
        assert_eq!(fail(r#"{"name": "a", "count": 1} trailing"#).problem, Problem::MalformedJson);
        assert_eq!(fail("").problem, Problem::MalformedJson);
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[expect(dead_code, reason = "fields are only deserialised")]
    struct Q {
        page: Option<u64>,
        role: Option<String>,
    }

    #[test]
    fn query_failures_name_the_parameter() {
        assert!(parse_query::<Q>("page=2&role=bureau").is_ok());
        let e = parse_query::<Q>("page=two&role=x&bogus=1").expect_err("bad");
        let fields: Vec<(&str, Rule)> = e.errors.iter().map(|f| (f.field.as_str(), f.rule)).collect();
        assert_eq!(fields, [("page", Rule::InvalidType), ("bogus", Rule::UnknownField)]);
        assert_eq!(e.problem, Problem::InvalidQuery);
    }
}
