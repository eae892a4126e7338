//! Request extractors that answer every malformed input with problem+json: JSON bodies
//! ([`ApiJson`]), query strings ([`ApiQuery`]) and pagination ([`Pagination`]).

use crate::error::{ApiError, FieldError};
use crate::i18n::{Problem, Rule};
use actix_web::{FromRequest, HttpRequest, dev::Payload};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use utoipa::IntoParams;

mod json;
pub use json::{ApiJson, JSON_LIMIT, parse_json};

fn quoted(message: &str, prefix: &str) -> Option<String> {
    let rest = message.strip_prefix(prefix)?;
    rest.split('`').next().map(str::to_owned)
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

/// The largest form body (the verification page's holder form: a name and an ID number).
pub const FORM_LIMIT: usize = 4096;

/// A form body that cannot be read, as a problem: the wrong media type (415), too large (413),
/// anything else (a field given twice) 422 `invalid_type` on `body`. Bytes that are not UTF-8 are
/// read lossily by actix and reach the handler.
pub fn form_error(e: actix_web::error::UrlencodedError) -> ApiError {
    use actix_web::error::UrlencodedError as E;
    match e {
        E::ContentType => {
            ApiError::new(Problem::UnsupportedMediaType).with("expected", "application/x-www-form-urlencoded")
        }
        E::Overflow { .. } | E::UnknownLength => {
            ApiError::new(Problem::PayloadTooLarge).with("limit_kib", FORM_LIMIT / 1024)
        }
        _ => ApiError::validation(vec![FieldError::new("body", Rule::InvalidType)]),
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
