//! Request bodies are checked by validator's derives on their types (`#[derive(Validate)]`): the
//! shape of each field (lengths, ranges, formats, nested lists) where the type is declared. This
//! module turns validator's errors into problem+json `errors[]` entries (the field's path such as
//! `occupations[2].level`, a stable [`Rule`] code, messages in zh-CN and English from
//! [`crate::i18n`]); the custom rules the types name are in [`rules`], re-exported here.
//!
//! The `ApiJson` extractor finds a body's violations; a handler or its use case takes them on
//! (`ApiJson::with_violations`) and adds what only the database can tell (an unknown school, an
//! examiner not on the roster), so that every violation of a request is reported at once.

use crate::error::{ApiError, FieldError};
use crate::i18n::Rule;

mod rules;
pub use rules::*;
use std::borrow::Cow;
use validator::{Validate, ValidationError, ValidationErrors, ValidationErrorsKind};

/// Collects field errors.
#[derive(Debug, Default)]
pub struct Errors(pub Vec<FieldError>);

impl Errors {
    /// The violations of `body`'s declared rules, sorted by field path.
    pub fn of(body: &impl Validate) -> Errors {
        Errors(body.validate().err().map(|e| field_errors(&e)).unwrap_or_default())
    }

    /// Adds one.
    pub fn push(&mut self, e: FieldError) {
        self.0.push(e);
    }

    /// Adds the outcome of one of this module's checks of a value outside a body (a cell of an
    /// imported file), found at `field`.
    pub fn check(&mut self, field: &str, outcome: Result<(), ValidationError>) {
        if let Err(e) = outcome {
            self.0.push(field_error(field, &e));
        }
    }

    /// `Ok(())` when nothing was added, else the 422 listing everything.
    pub fn finish(self) -> Result<(), ApiError> {
        if self.0.is_empty() { Ok(()) } else { Err(ApiError::validation(self.0)) }
    }
}

/// validator's errors as ours: one per broken rule, with its path, sorted by path.
pub fn field_errors(errors: &ValidationErrors) -> Vec<FieldError> {
    field_errors_under(errors, "")
}

/// Like [`field_errors`] for a value found at `prefix` (such as `rows[3]`, a row of an import).
pub fn field_errors_under(errors: &ValidationErrors, prefix: &str) -> Vec<FieldError> {
    let mut out = Vec::new();
    walk(errors, prefix, &mut out);
    out.sort_by(|a, b| a.field.cmp(&b.field));
    out
}

fn walk(errors: &ValidationErrors, prefix: &str, out: &mut Vec<FieldError>) {
    for (field, kind) in errors.errors() {
        let path = if prefix.is_empty() { field.to_string() } else { format!("{prefix}.{field}") };
        match kind {
            ValidationErrorsKind::Field(list) => out.extend(list.iter().map(|e| match item_of(e) {
                Some(i) => field_error(&format!("{path}[{i}]"), e),
                None => field_error(&path, e),
            })),
            ValidationErrorsKind::Struct(inner) => walk(inner, &path, out),
            ValidationErrorsKind::List(items) => {
                for (i, inner) in items {
                    walk(inner, &format!("{path}[{i}]"), out);
                }
            }
        }
    }
}

/// A custom validator of a list names the item it refuses in this value of its error; the path
/// then ends with `[index]`.
pub const ITEM: &str = "item";

fn item_of(e: &ValidationError) -> Option<u64> {
    e.params.get(ITEM).and_then(serde_json::Value::as_u64)
}

/// One error, with only the values its rule's message names: validator also adds the field's
/// value, which may be personal data and is never echoed.
fn field_error(path: &str, e: &ValidationError) -> FieldError {
    // Every rule a type declares carries one of our codes; a bare built-in check (without
    // `code = ...`) would not, and a test walks every request type to keep it so.
    let rule = Rule::ALL.iter().copied().find(|r| r.as_str() == e.code).unwrap_or(Rule::InvalidType);
    let mut f = FieldError::new(path, rule);
    for &name in rule.params() {
        if let Some(v) = e.params.get(name) {
            f = f.with(name, v.as_str().map_or_else(|| v.to_string(), str::to_owned));
        }
    }
    if let Some(p) = e.params.get("position").and_then(serde_json::Value::as_u64) {
        f = f.at(p as usize);
    }
    f
}

/// An error of `rule` with the values its message names.
pub fn rule(rule: Rule, params: &[(&'static str, &dyn erased::Param)]) -> ValidationError {
    let mut e = ValidationError::new(rule.as_str());
    for (name, value) in params {
        e.params.insert(Cow::Borrowed(*name), value.json());
    }
    e
}

/// Values an error names.
pub mod erased {
    /// A value of an error's message.
    pub trait Param {
        /// As JSON.
        fn json(&self) -> serde_json::Value;
    }
    impl<T: serde::Serialize> Param for T {
        fn json(&self) -> serde_json::Value {
            serde_json::to_value(self).unwrap_or_default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use validator::Validate;

    #[derive(Validate)]
    struct Item {
        #[validate(custom(function = "line::<5>"))]
        name: String,
        #[validate(range(min = 1, max = 9, code = "out_of_range"))]
        count: u32,
    }

    #[derive(Validate)]
    struct Body {
        #[validate(custom(function = "line::<10>"))]
        title: String,
        #[validate(custom(function = "super::phone"))]
        phone: Option<String>,
        #[validate(nested)]
        items: Vec<Item>,
    }

    #[test]
    fn paths_codes_and_values_but_never_the_value_itself() {
        let body = Body {
            title: "  ".into(),
            phone: Some("13800000000x".into()),
            items: vec![
                Item { name: "ok".into(), count: 1 },
                Item { name: "far too long".into(), count: 10 },
            ],
        };
        let errors = Errors::of(&body).0;
        let seen: Vec<(&str, &str)> = errors.iter().map(|e| (e.field.as_str(), e.rule.as_str())).collect();
        assert_eq!(
            seen,
            [
                ("items[1].count", "out_of_range"),
                ("items[1].name", "too_long"),
                ("phone", "invalid_phone"),
                ("title", "blank"),
            ]
        );
        let max = |e: &FieldError| e.params.iter().find(|(k, _)| *k == "max").map(|(_, v)| format!("{v:?}"));
        assert!(max(&errors[0]).is_some_and(|v| v.contains('9')), "{:?}", errors[0].params);
        assert!(max(&errors[1]).is_some_and(|v| v.contains('5')), "{:?}", errors[1].params);
        let all = format!("{errors:?}");
        assert!(!all.contains("13800000000x") && !all.contains("far too long"), "{all}");
    }

    #[test]
    fn a_valid_body_has_no_errors() {
        let body =
            Body {
                title: "标题".into(), phone: None, items: vec![Item { name: "张三".into(), count: 9 }]
            };
        assert!(Errors::of(&body).finish().is_ok());
    }
}
