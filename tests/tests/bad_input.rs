//! The "bad input to try" list of issue 2: each gets a problem+json answer and writes nothing.

#![allow(clippy::expect_used, reason = "test code: a failed setup step should fail the test loudly")]

use reqwest::Method;
use serde_json::json;
use tests::TestApp;

#[tokio::test]
async fn malformed_bodies_get_problems_and_write_nothing() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let users = app.count("users").await;
    let events = app.count("audit_events").await;
    let post = |body: Vec<u8>, content_type: &str| {
        app.request(Method::POST, "/api/v1/users")
            .bearer_auth(&admin)
            .header("Content-Type", content_type)
            .body(body)
    };

    let a = app.send(post(br#"{"username": "a", "display_na"#.to_vec(), "application/json")).await;
    let p = a.problem(400, "malformed_json");
    assert!(p["detail"].as_str().expect("detail").contains('1'));

    let a = app.send(post(vec![b' '; 10 * 1024 * 1024], "application/json")).await;
    a.problem(413, "payload_too_large");

    let a = app.send(post(b"username=a".to_vec(), "text/plain")).await;
    a.problem(415, "unsupported_media_type");
    let a = app.send(app.request(Method::POST, "/api/v1/users").bearer_auth(&admin).body("{}")).await;
    a.problem(415, "unsupported_media_type");

    let body = json!({"username": "ok.user", "display_name": "x", "role": "centre", "password": "a-long-password-1", "admin": true});
    let a = app.json(Method::POST, "/api/v1/users", Some(&admin), &body).await;
    a.problem(422, "validation_failed");
    assert_eq!(a.violations(), [("admin".to_owned(), "unknown_field".to_owned())]);

    let body =
        json!({"username": 42, "display_name": "x", "role": "centre", "password": "a-long-password-1"});
    let a = app.json(Method::POST, "/api/v1/users", Some(&admin), &body).await;
    assert_eq!(a.violations(), [("username".to_owned(), "invalid_type".to_owned())]);

    let a = app.json(Method::POST, "/api/v1/users", Some(&admin), &json!({"username": "x"})).await;
    assert_eq!(a.violations()[0].1, "required");

    let a = app.json(Method::POST, "/api/v1/users", Some(&admin), &json!([1, 2])).await;
    a.problem(422, "validation_failed");

    let a = app.send(post("{\"username\": \"\u{0}\"}".as_bytes().to_vec(), "application/json")).await;
    assert!(a.status.is_client_error(), "{}", a.text);

    let a = app.send(post(vec![0xff, 0xfe, 0x00], "application/json")).await;
    a.problem(400, "malformed_json");

    // The English texts of the same problems.
    let a = app.send(post(b"{".to_vec(), "application/json").header("Accept-Language", "en")).await;
    assert_eq!(a.problem(400, "malformed_json")["title"], "Malformed JSON");

    assert_eq!(app.count("users").await, users);
    assert_eq!(app.count("audit_events").await, events);
}

#[tokio::test]
async fn sign_in_bodies_are_checked_too() {
    let app = TestApp::spawn().await;
    let a = app.json(Method::POST, "/api/v1/auth/login", None, &json!({"username": "admin"})).await;
    assert_eq!(a.violations(), [("password".to_owned(), "required".to_owned())]);
    let a = app
        .json(
            Method::POST,
            "/api/v1/auth/login",
            None,
            &json!({"username": "admin", "password": 1, "remember": true}),
        )
        .await;
    a.problem(422, "validation_failed");
}

// NUL characters are refused in every JSON string and query parameter (PostgreSQL cannot store
// them), naming the field, instead of failing deep inside the database.
#[tokio::test]
async fn nul_characters_are_refused_naming_the_field() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let body = r#"{"name": "学校", "school_type": "technical_school", "credit_code": "x", "district_code": "5001\u000001",
        "registered_address": "a", "office_address": "b", "legal_representative": "c"}"#;
    let a = app
        .send(
            app.request(Method::POST, "/api/v1/schools")
                .bearer_auth(&admin)
                .header("Content-Type", "application/json")
                .body(body),
        )
        .await;
    a.problem(422, "validation_failed");
    assert_eq!(a.violations(), [("district_code".to_owned(), "control_character".to_owned())]);
    let a = app.get("/api/v1/institutions?q=a%00b", Some(&admin)).await;
    a.problem(400, "invalid_query");
    assert_eq!(a.violations(), [("q".to_owned(), "control_character".to_owned())]);
}

// …and in paths, before routing.
#[tokio::test]
async fn nul_characters_in_paths_are_refused() {
    let app = TestApp::spawn().await;
    app.get("/verify/abc%00def", None).await.problem(400, "bad_request");
    app.get("/api/v1/public/complaints/TS%00X", None).await.problem(400, "bad_request");
    let t = app
        .send(
            app.request(Method::POST, "/api/v1/auth/token")
                .header("Content-Type", "application/x-www-form-urlencoded")
                .body("grant_type=client_credentials&client_id=a%00b&client_secret=x"),
        )
        .await;
    t.problem(401, "invalid_client");
}
