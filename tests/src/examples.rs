//! Recording the suite's exchanges as the contract's examples (issue 24, point 5).
//!
//! With `SKILLCERT_RECORD_EXAMPLES=<dir>`, every request a test sends through [`crate::TestApp`]
//! and its answer are appended to `<dir>/<process id>.jsonl`: method, path, query, the JSON
//! request body, the status and the answer (JSON, or the first characters of a text answer).
//! `tests/record_examples.py` then picks one exchange per operation and writes
//! `api/openapi-examples.json`, which the contract carries as its request and response examples.
//! Without the variable nothing is recorded.

use crate::Answer;
use serde_json::{Value, json};
use std::io::Write;
use std::sync::Mutex;

/// The variable naming the directory to record into.
pub const RECORD: &str = "SKILLCERT_RECORD_EXAMPLES";

/// Text answers (CSV, plain text, HTML) are kept up to this many characters.
const TEXT_KEPT: usize = 600;

/// One file per test process; the tests of a process write one line at a time.
static FILE: Mutex<Option<std::fs::File>> = Mutex::new(None);

/// What was sent, taken before the request goes.
pub struct Sent {
    method: String,
    path: String,
    query: Option<String>,
    kind: String,
    body: Option<Value>,
}

impl Sent {
    /// The method, path, query and body of `request`: a JSON body as it is, a form as an object of
    /// its fields (other bodies are not recorded).
    pub fn of(request: &reqwest::Request) -> Sent {
        let kind = request
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        let bytes = request.body().and_then(|b| b.as_bytes()).unwrap_or_default();
        let body = if kind.starts_with("application/json") {
            serde_json::from_slice(bytes).ok()
        } else if kind.starts_with("application/x-www-form-urlencoded") {
            let fields = format!("http://form/?{}", String::from_utf8_lossy(bytes));
            reqwest::Url::parse(&fields).ok().map(|u| {
                Value::Object(
                    u.query_pairs().map(|(k, v)| (k.into_owned(), Value::String(v.into_owned()))).collect(),
                )
            })
        } else {
            None
        };
        Sent {
            method: request.method().as_str().to_owned(),
            path: request.url().path().to_owned(),
            query: request.url().query().map(str::to_owned),
            kind: kind.split(';').next().unwrap_or_default().trim().to_owned(),
            body,
        }
    }
}

/// Appends the exchange to this process's file.
pub fn record(sent: Sent, answer: &Answer) {
    let Some(dir) = std::env::var_os(RECORD) else { return };
    let kind = answer.header("content-type").unwrap_or_default().to_owned();
    let response = if kind.contains("json") {
        answer.body.clone()
    } else if kind.starts_with("text/") {
        Value::String(answer.text.chars().take(TEXT_KEPT).collect())
    } else {
        Value::Null
    };
    let line = json!({
        "method": sent.method,
        "path": sent.path,
        "query": sent.query,
        "request_type": sent.kind,
        "request": sent.body,
        "status": answer.status.as_u16(),
        "content_type": kind,
        "response": response,
    });
    let mut file = FILE.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    if file.is_none() {
        let path = std::path::Path::new(&dir).join(format!("{}.jsonl", std::process::id()));
        *file = std::fs::OpenOptions::new().create(true).append(true).open(path).ok();
    }
    if let Some(f) = file.as_mut() {
        // A recording is an aid to writing the contract; a failed write only loses an example.
        let _ = writeln!(f, "{line}");
    }
}
