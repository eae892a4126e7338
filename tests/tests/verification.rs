//! Public verification is free but bounded per client address (R31), with state in the
//! database so that every replica counts the same requests.

#![allow(clippy::expect_used, reason = "test code: a failed setup step should fail the test loudly")]

use reqwest::Method;
use serde_json::json;
use tests::TestApp;

#[tokio::test]
async fn r31_verification_is_rate_limited_per_address_across_replicas() {
    let app = TestApp::spawn_with(&[("SKILLCERT_VERIFY_LIMIT_PER_MINUTE", "3")]).await;
    let body = json!({"code": "S000050000001264000001", "name": "王小明"});
    for _ in 0..3 {
        app.json(Method::POST, "/api/v1/public/certificates/verify", None, &body)
            .await
            .problem(404, "certificate_not_found");
    }
    let a = app.json(Method::POST, "/api/v1/public/certificates/verify", None, &body).await;
    a.problem(429, "rate_limited");
    assert_eq!(a.header("retry-after"), Some("60"));
    // The QR page shares the bound.
    assert_eq!(app.get("/verify/abc", None).await.status.as_u16(), 429);
    // A minute later the window has moved on.
    app.state.clock.set_offset(app.state.clock.now() + chrono::Duration::seconds(61));
    app.json(Method::POST, "/api/v1/public/certificates/verify", None, &body)
        .await
        .problem(404, "certificate_not_found");
    // The published keys include the current one.
    let keys = app.get("/.well-known/skillcert-keys.json", None).await;
    assert_eq!(keys.body["keys"].as_array().expect("keys").len(), 1);
    assert!(keys.body["keys"][0]["valid_until"].is_null());
}
