//! The one error model: RFC 9457 `application/problem+json`.
//!
//! Handlers and extractors return [`ApiError`]; it carries a stable problem code, the values its
//! text needs and, for validation, every broken rule at once. The texts are filled in by the
//! request middleware (`middleware.rs`), which knows the negotiated language and request id.

use crate::i18n::{self, Lang, Name, Problem, Rule};
use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use std::fmt;
use utoipa::ToSchema;

/// One broken rule of one field.
#[derive(Debug, Clone)]
pub struct FieldError {
    /// Path of the field in the request, e.g. `occupations[2].level`, or a query parameter.
    pub field: String,
    pub rule: Rule,
    pub params: Vec<(&'static str, Param)>,
    /// For codes: the 1-based position of the first wrong character.
    pub position: Option<usize>,
}

impl FieldError {
    /// A broken rule without values.
    pub fn new(field: impl Into<String>, rule: Rule) -> FieldError {
        FieldError { field: field.into(), rule, params: Vec::new(), position: None }
    }

    /// Adds a value the message names.
    pub fn with(mut self, key: &'static str, value: impl ToString) -> FieldError {
        self.params.push((key, Param::Text(value.to_string())));
        self
    }

    /// The 1-based position of the first wrong character.
    pub fn at(mut self, position: usize) -> FieldError {
        self.position = Some(position);
        self
    }

    /// Adds an enumeration value, shown by its display name in the caller's language.
    pub fn with_name(mut self, key: &'static str, name: Name) -> FieldError {
        self.params.push((key, Param::Name(name)));
        self
    }
}

/// A value named in a message: plain text, or an enumeration shown in the caller's language.
#[derive(Debug, Clone)]
pub enum Param {
    Text(String),
    Name(Name),
}

fn resolve(lang: Lang, params: &[(&'static str, Param)]) -> Vec<(&'static str, String)> {
    params
        .iter()
        .map(|(k, v)| {
            let text = match v {
                Param::Text(t) => t.clone(),
                Param::Name(n) => i18n::name(lang, *n),
            };
            (*k, text)
        })
        .collect()
}

/// An error answered as problem+json.
#[derive(Debug)]
pub struct ApiError {
    pub problem: Problem,
    pub params: Vec<(&'static str, Param)>,
    pub errors: Vec<FieldError>,
    /// `Allow` header for 405.
    pub allow: Option<String>,
    /// `Retry-After` (seconds) for 429.
    pub retry_after: Option<u64>,
}

impl ApiError {
    /// A problem without values.
    pub fn new(problem: Problem) -> ApiError {
        ApiError { problem, params: Vec::new(), errors: Vec::new(), allow: None, retry_after: None }
    }

    /// Adds a value the detail names.
    pub fn with(mut self, key: &'static str, value: impl ToString) -> ApiError {
        self.params.push((key, Param::Text(value.to_string())));
        self
    }

    /// Adds an enumeration value, shown by its display name in the caller's language.
    pub fn with_name(mut self, key: &'static str, name: Name) -> ApiError {
        self.params.push((key, Param::Name(name)));
        self
    }

    /// 422 listing every broken rule.
    pub fn validation(errors: Vec<FieldError>) -> ApiError {
        let count = errors.len();
        ApiError { errors, ..ApiError::new(Problem::ValidationFailed) }.with("count", count)
    }

    /// 404: unknown, or outside the caller's scope (never reveals which).
    pub fn not_found() -> ApiError {
        ApiError::new(Problem::NotFound)
    }

    /// 403: the caller's role may not do this.
    pub fn forbidden() -> ApiError {
        ApiError::new(Problem::Forbidden)
    }

    /// 500: logs the cause once, with the id of the request being handled, and answers a generic
    /// problem.
    pub fn internal(cause: impl fmt::Display) -> ApiError {
        crate::context::with_request_id(
            |id| tracing::error!(request_id = %id, error = %cause, "internal error"),
        );
        ApiError::new(Problem::InternalError)
    }

    /// The problem document in `lang`.
    pub fn body(&self, lang: Lang, request_id: &str) -> ProblemBody {
        let (title, detail) = i18n::problem_text(lang, self.problem, &resolve(lang, &self.params));
        ProblemBody {
            r#type: format!("/problems/{}", self.problem.as_str()),
            title,
            status: self.problem.status().as_u16(),
            code: self.problem.as_str().to_owned(),
            detail,
            request_id: request_id.to_owned(),
            errors: self
                .errors
                .iter()
                .map(|e| FieldErrorBody {
                    field: e.field.clone(),
                    code: e.rule.as_str().to_owned(),
                    message: i18n::rule_text(lang, e.rule, &resolve(lang, &e.params)),
                    position: e.position,
                })
                .collect(),
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.problem.as_str())
    }
}

impl From<persistence::RepoError> for ApiError {
    /// A constraint conflict that a handler did not map itself is a concurrent change (two
    /// requests racing for the same thing): 409, to be retried. Anything else is a 500.
    fn from(e: persistence::RepoError) -> ApiError {
        match e {
            persistence::RepoError::Conflict(name) => {
                crate::context::with_request_id(
                    |id| tracing::info!(request_id = %id, constraint = %name, "concurrent change refused"),
                );
                ApiError::new(Problem::ConcurrentChange)
            }
            other => ApiError::internal(other),
        }
    }
}

impl From<persistence::DbErr> for ApiError {
    fn from(e: persistence::DbErr) -> ApiError {
        ApiError::internal(e)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.problem.status()
    }

    /// A placeholder in the default language; the middleware re-renders it with the caller's
    /// language and request id (it finds this error attached to the response).
    fn error_response(&self) -> HttpResponse {
        let mut res = HttpResponse::build(self.status_code());
        res.insert_header((header::CONTENT_TYPE, PROBLEM_JSON));
        if let Some(allow) = &self.allow {
            res.insert_header((header::ALLOW, allow.clone()));
        }
        if let Some(seconds) = self.retry_after {
            res.insert_header((header::RETRY_AFTER, seconds.to_string()));
        }
        if matches!(self.problem, Problem::Unauthenticated | Problem::InvalidToken) {
            let value = if self.problem == Problem::InvalidToken {
                "Bearer error=\"invalid_token\""
            } else {
                "Bearer"
            };
            res.insert_header((header::WWW_AUTHENTICATE, value));
        }
        res.json(self.body(Lang::default(), ""))
    }
}

/// The media type of problem documents.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// An RFC 9457 problem document.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Problem)]
pub struct ProblemBody {
    /// URI reference naming the problem kind: `/problems/{code}`.
    #[schema(example = "/problems/validation_failed")]
    pub r#type: String,
    /// Short summary in the negotiated language.
    pub title: String,
    /// The HTTP status.
    pub status: u16,
    /// Stable snake_case code; never changes with the language.
    #[schema(example = "validation_failed")]
    pub code: String,
    /// Explanation of this occurrence in the negotiated language.
    pub detail: String,
    /// The request id (also in the `X-Request-Id` header); quote it when asking for help.
    pub request_id: String,
    /// For validation problems: every broken rule, at once.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldErrorBody>,
}

/// One broken rule.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = FieldError)]
pub struct FieldErrorBody {
    /// Path of the field (`occupations[2].level`) or name of the parameter.
    pub field: String,
    /// Stable snake_case code of the rule.
    pub code: String,
    /// The rule and the values involved, in the negotiated language.
    pub message: String,
    /// For codes: the 1-based position of the first wrong character.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub position: Option<usize>,
}
