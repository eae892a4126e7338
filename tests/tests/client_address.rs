//! Issue 22, point 3: the client's address is the real one. Forwarding headers are believed only
//! from a configured trusted proxy (`SKILLCERT_TRUSTED_PROXIES`); the per-address limits count
//! the address they name, and nobody else can choose the address they are counted under.

#![allow(clippy::expect_used, reason = "test code: a failed setup step should fail the test loudly")]

use reqwest::Method;
use serde_json::json;
use tests::TestApp;

async fn verify(app: &TestApp, forwarded_for: &str) -> u16 {
    app.send(
        app.request(Method::POST, "/api/v1/public/certificates/verify")
            .header("X-Forwarded-For", forwarded_for)
            .json(&json!({"code": "S000050000001264000001", "name": "王小明"})),
    )
    .await
    .status
    .as_u16()
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_forwarded_client_has_its_own_count() {
    let app = TestApp::spawn_with(&[
        ("SKILLCERT_TRUSTED_PROXIES", "127.0.0.1/32, 10.0.0.0/8"),
        ("SKILLCERT_VERIFY_LIMIT_PER_MINUTE", "3"),
    ])
    .await;
    for _ in 0..3 {
        assert_eq!(verify(&app, "198.51.100.7, 203.0.113.1").await, 404);
    }
    assert_eq!(verify(&app, "198.51.100.7, 203.0.113.1").await, 429, "the fourth of one client");
    // Another client behind the same proxy, and one whose own left-most entry is forged.
    assert_eq!(verify(&app, "203.0.113.2").await, 404);
    assert_eq!(
        verify(&app, "203.0.113.9, 203.0.113.1").await,
        429,
        "the right-most untrusted address counts"
    );
    // A proxy chain: the trusted inner proxy's own entry is skipped.
    assert_eq!(verify(&app, "203.0.113.1, 10.1.2.3").await, 429);
    // IPv6 clients are counted per /64.
    for k in 0..3 {
        assert_eq!(verify(&app, &format!("2001:db8:1:2::{k}")).await, 404);
    }
    assert_eq!(verify(&app, "2001:db8:1:2:ffff::9").await, 429, "same /64");
    assert_eq!(verify(&app, "2001:db8:1:3::1").await, 404, "another /64");
}

#[tokio::test]
async fn without_a_trusted_proxy_forwarding_headers_change_nothing() {
    let app = TestApp::spawn_with(&[("SKILLCERT_VERIFY_LIMIT_PER_MINUTE", "3")]).await;
    for k in 0..3 {
        assert_eq!(verify(&app, &format!("203.0.113.{k}")).await, 404);
    }
    assert_eq!(verify(&app, "203.0.113.200").await, 429, "counted under the peer address");
}

#[tokio::test]
async fn an_untrusted_proxy_cannot_choose_the_address_a_sign_in_is_counted_under() {
    // 127.0.0.1 is trusted, 127.0.0.2 is not.
    let app = TestApp::spawn_with(&[("SKILLCERT_TRUSTED_PROXIES", "127.0.0.1")]).await;
    let admin = app.admin_token().await;
    app.create_user(&admin, "li.na", "centre", None).await;
    let login = |from: &str, xff: &str, password: &str| {
        app.send(
            app.request_from(from, Method::POST, "/api/v1/auth/login")
                .header("X-Forwarded-For", xff)
                .json(&json!({"username": "li.na", "password": password})),
        )
    };
    // Four failures from 127.0.0.2, each claiming another address: all count under 127.0.0.2.
    for k in 0..4 {
        login("127.0.0.2", &format!("203.0.113.{k}"), "wrong-password-1")
            .await
            .problem(401, "invalid_credentials");
    }
    login("127.0.0.2", "203.0.113.77", "a-long-password-1").await.problem(429, "rate_limited");
    // Through the trusted proxy, the client it names is another address: it signs in.
    let a = login("127.0.0.1", "203.0.113.77", "a-long-password-1").await;
    assert_eq!(a.status.as_u16(), 200, "{}", a.text);
}

#[tokio::test]
async fn a_bad_trusted_proxy_list_stops_the_start_naming_the_variable() {
    let mut vars = std::collections::HashMap::new();
    vars.insert("SKILLCERT_TRUSTED_PROXIES", "10.0.0.0/8, nonsense");
    let e = api::config::Config::from_lookup(|k| vars.get(k).map(|v| (*v).to_owned())).expect_err("refused");
    assert_eq!(e.variable, "SKILLCERT_TRUSTED_PROXIES");
    assert!(e.problem.contains("nonsense"), "{}", e.problem);
}
