//! The contract's examples (issue 24, point 5): for every operation a request and an answer
//! that the real server exchanged in the end-to-end suite, and for every problem response one
//! document per code it can carry.
//!
//! `openapi-examples.json` is recorded, not written by hand: `tests/record_examples.py` explains
//! how. Its `operations` map an operationId to `request` (content type → body), `responses`
//! (status → content type → body) and `parameters` (name → value); its `problems` map a problem
//! code to a document the server answered with it.

use crate::error::ApiError;
use crate::i18n::{Lang, Problem};
use serde_json::Value;
use utoipa::openapi::example::Example;
use utoipa::openapi::path::{Operation, ParameterBuilder};
use utoipa::openapi::{Components, OpenApi as Spec, RefOr};

const RECORDED: &str = include_str!("../../openapi-examples.json");

/// The recorded examples, parsed once per process (the contract is built at start-up and again
/// for each `openapi` command).
fn recorded() -> &'static Value {
    static PARSED: std::sync::LazyLock<Value> =
        std::sync::LazyLock::new(|| serde_json::from_str(RECORDED).unwrap_or_default());
    &PARSED
}

/// Puts the recorded examples on the operations of `spec`.
pub fn add(spec: &mut Spec) {
    let recorded = recorded();
    let Some(recorded) = recorded["operations"].as_object() else { return };
    for item in spec.paths.paths.values_mut() {
        for op in [&mut item.get, &mut item.post, &mut item.put, &mut item.patch, &mut item.delete]
            .into_iter()
            .flatten()
        {
            if let Some(example) = op.operation_id.as_ref().and_then(|id| recorded.get(id)) {
                on_operation(op, example);
            }
        }
    }
}

fn on_operation(op: &mut Operation, example: &Value) {
    if let (Some(RefOr::T(body)), Some(request)) = (op.request_body.as_mut(), example["request"].as_object())
    {
        for (kind, value) in request {
            if let Some(RefOr::T(content)) = body.content.get_mut(kind) {
                content.example = Some(value.clone());
            }
        }
    }
    if let Some(responses) = example["responses"].as_object() {
        for (status, kinds) in responses {
            let Some(RefOr::T(response)) = op.responses.responses.get_mut(status) else { continue };
            for (kind, value) in kinds.as_object().into_iter().flatten() {
                if let Some(RefOr::T(content)) = response.content.get_mut(kind) {
                    content.example = Some(value.clone());
                }
            }
        }
    }
    if let Some(values) = example["parameters"].as_object() {
        for p in op.parameters.iter_mut().flatten() {
            let RefOr::T(p) = p else { continue };
            let Some(value) = values.get(&p.name) else { continue };
            // An example the handler declares stays; utoipa keeps it private to the builder.
            if serde_json::to_value(&*p).is_ok_and(|v| v.get("example").is_none()) {
                *p = ParameterBuilder::from(p.clone()).example(Some(value.clone())).build();
            }
        }
    }
}

/// One example per code on each shared problem response (`#/components/responses/…`): a
/// document the server answered with it, or, for a code the suite never met, the document in
/// zh-CN with `{placeholders}` where the detail names values.
pub fn on_problems(components: &mut Components) {
    let recorded = recorded();
    for response in components.responses.values_mut() {
        let RefOr::T(response) = response else { continue };
        for content in response.content.values_mut() {
            let RefOr::T(content) = content else { continue };
            let codes = codes_of(content);
            for problem in Problem::ALL.iter().filter(|p| codes.iter().any(|c| c == p.as_str())) {
                let value = match &recorded["problems"][problem.as_str()] {
                    Value::Null => template(*problem),
                    seen => seen.clone(),
                };
                content.examples.insert(
                    problem.as_str().to_owned(),
                    RefOr::T(Example::builder().summary(problem.as_str()).value(Some(value)).build()),
                );
            }
        }
    }
}

fn template(problem: Problem) -> Value {
    let error =
        problem.params().iter().fold(ApiError::new(problem), |e, key| e.with(key, format!("{{{key}}}")));
    serde_json::to_value(error.body(Lang::ZhCn, "00000000-0000-4000-8000-000000000000")).unwrap_or_default()
}

/// The codes the schema of a problem response enumerates.
fn codes_of(content: &utoipa::openapi::Content) -> Vec<String> {
    let schema = serde_json::to_value(&content.schema).unwrap_or_default();
    schema["allOf"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|part| part["properties"]["code"]["enum"].as_array().cloned().unwrap_or_default())
        .filter_map(|c| c.as_str().map(str::to_owned))
        .collect()
}
