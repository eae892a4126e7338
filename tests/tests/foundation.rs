//! Operations, the contract, documentation, unknown routes, request ids and languages.

#![allow(clippy::expect_used, reason = "test code: a failed setup step should fail the test loudly")]

use reqwest::Method;
use serde_json::json;
use tests::TestApp;

#[tokio::test]
async fn health_and_readiness_answer() {
    let app = TestApp::spawn().await;
    let a = app.get("/health", None).await;
    assert_eq!((a.status.as_u16(), a.body.clone()), (200, json!({"status": "ok"})));
    let a = app.get("/ready", None).await;
    assert_eq!((a.status.as_u16(), a.body.clone()), (200, json!({"status": "ready"})));
}

#[tokio::test]
async fn every_response_carries_a_request_id_and_a_language() {
    let app = TestApp::spawn().await;
    let a = app.get("/health", None).await;
    let id = a.header("x-request-id").expect("generated id");
    assert!(id.len() >= 16);
    assert_eq!(a.header("content-language"), Some("zh-CN"));
    // A well-formed client id is echoed; a malformed one is replaced.
    let a = app.send(app.request(Method::GET, "/health").header("X-Request-Id", "trace-42.abc")).await;
    assert_eq!(a.header("x-request-id"), Some("trace-42.abc"));
    let a = app.send(app.request(Method::GET, "/health").header("X-Request-Id", "bad id with spaces")).await;
    assert_ne!(a.header("x-request-id"), Some("bad id with spaces"));
}

#[tokio::test]
async fn the_committed_contract_equals_what_the_server_serves() {
    // `servers` names the configured public base URL: the committed file is the default's.
    let app = TestApp::spawn_with(&[("SKILLCERT_ISSUER", api::openapi::DEFAULT_PUBLIC_URL)]).await;
    let served = app.send(app.request(Method::GET, "/openapi.yaml")).await;
    assert_eq!(served.status.as_u16(), 200);
    let committed = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi.yaml"))
        .expect("openapi.yaml at the repository root");
    assert!(
        served.text == committed,
        "openapi.yaml is stale: regenerate it with `cargo run -p api -- openapi > openapi.yaml`"
    );
    let json = app.get("/openapi.json", None).await;
    assert_eq!(json.body["openapi"], "3.1.0");
    assert_eq!(json.body["servers"][0]["url"], api::openapi::DEFAULT_PUBLIC_URL);
    let other = TestApp::spawn_with(&[("SKILLCERT_ISSUER", "https://skillcert.example.cn")]).await;
    assert_eq!(
        other.get("/openapi.json", None).await.body["servers"][0]["url"],
        "https://skillcert.example.cn"
    );
    assert!(json.body["components"]["securitySchemes"]["bearer"].is_object());
    // Every operation documents its problem answers.
    for (path, item) in json.body["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("path item") {
            let responses = op["responses"].as_object().expect("responses");
            assert!(responses.contains_key("500"), "{method} {path} lacks 500");
            // Every operation declares its security; public ones as `security: []`.
            let security =
                op["security"].as_array().unwrap_or_else(|| panic!("{method} {path}: no security"));
            if !security.is_empty() {
                assert!(responses.contains_key("401"), "{method} {path} lacks 401");
            }
        }
    }
}

/// Issue 24, point 1: every operation has a unique, stable operationId in lowerCamelCase (verb +
/// noun, as a front-end developer calls it), a tag, and a summary in Chinese.
#[tokio::test]
async fn every_operation_has_a_unique_lower_camel_case_id_a_tag_and_a_chinese_summary() {
    let app = TestApp::spawn().await;
    let json = app.get("/openapi.json", None).await;
    let mut seen = std::collections::BTreeMap::new();
    for (path, item) in json.body["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("path item") {
            let id = op["operationId"].as_str().unwrap_or_else(|| panic!("{method} {path}: no operationId"));
            assert!(
                id.chars().next().is_some_and(|c| c.is_ascii_lowercase())
                    && id.chars().all(|c| c.is_ascii_alphanumeric())
                    && id.chars().any(|c| c.is_ascii_uppercase()),
                "{method} {path}: operationId {id} is not lowerCamelCase verb + noun"
            );
            if let Some(other) = seen.insert(id.to_owned(), format!("{method} {path}")) {
                panic!("operationId {id} twice: {other} and {method} {path}");
            }
            assert!(op["tags"].as_array().is_some_and(|t| t.len() == 1), "{method} {path}: one tag");
            let summary = op["summary"].as_str().unwrap_or_default();
            assert!(
                summary.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)) && !summary.contains('\n'),
                "{method} {path}: the summary is one line in Chinese, the English goes in the description: {summary:?}"
            );
            assert!(
                op["description"].as_str().is_some_and(|d| !d.is_empty()),
                "{method} {path}: no description"
            );
        }
    }
    assert!(seen.len() > 100, "{} operations", seen.len());
    assert!(
        seen.contains_key("listPlans")
            && seen.contains_key("issueCertificates")
            && seen.contains_key("verifyCertificate")
    );
}

#[tokio::test]
async fn swagger_ui_is_served_without_any_cdn() {
    let app = TestApp::spawn().await;
    let a = app.get("/docs", None).await;
    assert_eq!(a.status.as_u16(), 308);
    let page = app.get("/docs/", None).await;
    assert_eq!(page.status.as_u16(), 200);
    assert!(page.text.contains("swagger-ui"), "{}", page.text);
    for asset in ["/docs/swagger-ui-bundle.js", "/docs/swagger-ui.css", "/docs/swagger-initializer.js"] {
        let a = app.get(asset, None).await;
        assert_eq!(a.status.as_u16(), 200, "{asset}");
    }
    let init = app.get("/docs/swagger-initializer.js", None).await;
    assert!(init.text.contains("/openapi.json"));
    for text in [&page.text, &init.text] {
        assert!(!text.contains("https://"), "external asset referenced: {text}");
    }
}

#[tokio::test]
async fn unknown_routes_and_wrong_methods_get_problems() {
    let app = TestApp::spawn().await;
    app.get("/no/such/route", None).await.problem(404, "not_found");
    let a = app.send(app.request(Method::DELETE, "/health")).await;
    a.problem(405, "method_not_allowed");
    assert_eq!(a.header("allow"), Some("GET"));
    let a = app.send(app.request(Method::PUT, "/api/v1/users")).await;
    a.problem(405, "method_not_allowed");
    assert_eq!(a.header("allow"), Some("GET, POST"));
    let a = app.send(app.request(Method::DELETE, "/api/v1/users/0194f0f0-0000-7000-8000-000000000000")).await;
    assert_eq!(a.header("allow"), Some("GET, PATCH"));
    // A path parameter that cannot be an id names nothing: 404, as problem+json.
    let token = app.admin_token().await;
    app.get("/api/v1/users/not-a-uuid", Some(&token)).await.problem(404, "not_found");
}

// Issue 9: zh-CN by default, English on request; the code never changes with the language.
#[tokio::test]
async fn problems_are_in_chinese_by_default_and_english_on_request() {
    let app = TestApp::spawn().await;
    let zh = app.get("/no/such/route", None).await;
    let en = app
        .send(app.request(Method::GET, "/no/such/route").header("Accept-Language", "en-US,en;q=0.9"))
        .await;
    let fr = app.send(app.request(Method::GET, "/no/such/route").header("Accept-Language", "fr")).await;
    assert_eq!(zh.problem(404, "not_found")["title"], "未找到");
    assert_eq!(en.problem(404, "not_found")["title"], "Not found");
    assert_eq!(fr.body["title"], "未找到");
    assert_eq!((zh.header("content-language"), en.header("content-language")), (Some("zh-CN"), Some("en")));
    assert_eq!(zh.body["code"], en.body["code"]);
}

/// Issue 24, point 9: `openapi.yaml` reads the same in YAML 1.1 parsers (PyYAML and many tools):
/// no plain scalar that such a parser turns into a number, a boolean or a date. (`.ci/run` also
/// loads the file with PyYAML and compares it with the contract as JSON: bench/yaml11.py.)
#[test]
fn the_committed_contract_reads_the_same_in_yaml_1_1() {
    use api::openapi::{quote_for_yaml_1_1, yaml_1_1_reads_otherwise};
    for v in ["11:00", "09:00", "1:30:00", "yes", "No", "off", "y", "0b101", "0755", "2026-12-15"] {
        assert!(yaml_1_1_reads_otherwise(v), "{v}");
    }
    for v in ["S000050000001", "abc:def", "11:00 to 12:00", "12", "2026", "true-ish", "'11:00'"] {
        assert!(!yaml_1_1_reads_otherwise(v), "{v}");
    }
    assert_eq!(quote_for_yaml_1_1("          example: 11:00"), "          example: '11:00'");
    assert_eq!(quote_for_yaml_1_1("      - yes"), "      - 'yes'");
    assert_eq!(quote_for_yaml_1_1("      - date: 2026-01-01"), "      - date: '2026-01-01'");
    assert_eq!(
        quote_for_yaml_1_1("  - created_at: 2026-11-02T01:00:00.26Z"),
        "  - created_at: '2026-11-02T01:00:00.26Z'"
    );
    assert_eq!(quote_for_yaml_1_1("  - name: 王小明"), "  - name: 王小明");
    let committed = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi.yaml"))
        .expect("openapi.yaml at the repository root");
    let ambiguous: Vec<&str> = committed.lines().filter(|l| quote_for_yaml_1_1(l) != *l).collect();
    assert!(ambiguous.is_empty(), "read otherwise by YAML 1.1: {ambiguous:#?}");
}

/// Issue 24, point 5: every operation shows a request and an answer the real server exchanged
/// (recorded from this suite: tests/record_examples.py), and every shared problem response
/// shows a document for each code it can carry. (.ci/run's redocly checks each example against
/// its schema.)
#[test]
fn every_operation_has_a_request_and_a_response_example() {
    let spec = serde_json::to_value(api::openapi::spec()).expect("contract as JSON");
    let mut missing = Vec::new();
    for (path, item) in spec["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("path item") {
            let at = format!("{} {path} ({})", method.to_uppercase(), op["operationId"]);
            for (kind, content) in op["requestBody"]["content"].as_object().into_iter().flatten() {
                let typed = kind == "application/json" || kind == "application/x-www-form-urlencoded";
                if typed && content.get("example").is_none() {
                    missing.push(format!("{at}: request {kind}"));
                }
            }
            for p in op["parameters"].as_array().into_iter().flatten() {
                if p["in"] == "path" && p.get("example").is_none() {
                    missing.push(format!("{at}: parameter {}", p["name"]));
                }
            }
            let mut shown = false;
            for (status, response) in op["responses"].as_object().expect("responses") {
                let response = match response["$ref"].as_str() {
                    Some(r) => &spec["components"]["responses"][r.rsplit('/').next().unwrap_or_default()],
                    None => response,
                };
                for (kind, content) in response["content"].as_object().into_iter().flatten() {
                    let has = content.get("example").is_some() || content.get("examples").is_some();
                    shown |= has;
                    let readable = kind.ends_with("json") || kind.starts_with("text/");
                    if status.starts_with('2') && readable && !has {
                        missing.push(format!("{at}: answer {status} {kind}"));
                    }
                }
            }
            if !shown {
                missing.push(format!("{at}: no answer example"));
            }
        }
    }
    assert!(missing.is_empty(), "record them again (tests/record_examples.py): {missing:#?}");
    for (name, response) in spec["components"]["responses"].as_object().expect("problem responses") {
        let content = &response["content"]["application/problem+json"];
        for code in content["schema"]["allOf"][1]["properties"]["code"]["enum"].as_array().expect("codes") {
            let code = code.as_str().expect("code");
            let example = &content["examples"][code]["value"];
            assert_eq!(example["code"], code, "{name}: no example for {code}");
            assert!(example["title"].is_string() && example["detail"].is_string(), "{name}: {code}");
        }
    }
}
