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
    let app = TestApp::spawn().await;
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
    assert!(json.body["components"]["securitySchemes"]["bearer"].is_object());
    // Every operation documents its problem answers.
    for (path, item) in json.body["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("path item") {
            let responses = op["responses"].as_object().expect("responses");
            assert!(responses.contains_key("500"), "{method} {path} lacks 500");
            if op.get("security").is_some() {
                assert!(responses.contains_key("401"), "{method} {path} lacks 401");
            }
        }
    }
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
