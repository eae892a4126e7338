//! Sign-in, tokens and the sign-in throttle.

#![allow(clippy::expect_used, reason = "test code: a failed setup step should fail the test loudly")]

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::pkcs8::DecodePrivateKey;
use ed25519_dalek::{Signer, SigningKey};
use reqwest::Method;
use serde_json::{Value, json};
use tests::{ADMIN_PASSWORD, TestApp};

fn part(token: &str, i: usize) -> Value {
    let p = token.split('.').nth(i).expect("part");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(p).expect("base64url")).expect("json")
}

fn sign(key: &SigningKey, header: &Value, claims: &Value) -> String {
    let h = URL_SAFE_NO_PAD.encode(serde_json::to_vec(header).expect("json"));
    let c = URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims).expect("json"));
    let sig = key.sign(format!("{h}.{c}").as_bytes());
    format!("{h}.{c}.{}", URL_SAFE_NO_PAD.encode(sig.to_bytes()))
}

fn server_key(app: &TestApp) -> SigningKey {
    let pem = std::fs::read_to_string(app.data_dir.join("keys/token-signing-ed25519.pem")).expect("key file");
    SigningKey::from_pkcs8_pem(&pem).expect("pkcs8")
}

async fn login(app: &TestApp, username: &str, password: &str) -> tests::Answer {
    app.json(Method::POST, "/api/v1/auth/login", None, &json!({"username": username, "password": password}))
        .await
}

#[tokio::test]
async fn login_answers_an_oauth2_token_with_an_eddsa_jwt() {
    let app = TestApp::spawn().await;
    let a = login(&app, "admin", ADMIN_PASSWORD).await;
    assert_eq!(a.status.as_u16(), 200, "{}", a.text);
    assert_eq!(a.body["token_type"], "Bearer");
    assert_eq!(a.body["expires_in"], 900);
    assert_eq!(a.header("cache-control"), Some("no-store"));
    let token = a.body["access_token"].as_str().expect("token");
    let header = part(token, 0);
    assert_eq!(header["alg"], "EdDSA");
    let claims = part(token, 1);
    for c in ["exp", "iat", "nbf", "iss", "aud", "sub", "jti"] {
        assert!(!claims[c].is_null(), "claim {c} missing");
    }
    assert_eq!(claims["exp"].as_i64().expect("exp") - claims["iat"].as_i64().expect("iat"), 900);
    let me = app.get("/api/v1/me", Some(token)).await;
    assert_eq!(me.status.as_u16(), 200, "{}", me.text);
    assert_eq!((me.body["username"].clone(), me.body["role"].clone()), (json!("admin"), json!("bureau")));
    assert_eq!(me.body["role_name"], "市人力社保局");
    assert!(me.body.get("password_hash").is_none());
}

#[tokio::test]
async fn an_unknown_user_and_a_wrong_password_get_the_same_answer() {
    let app = TestApp::spawn().await;
    let unknown = login(&app, "nobody", "whatever-password").await;
    let wrong = login(&app, "admin", "wrong-password-123").await;
    let a = unknown.problem(401, "invalid_credentials");
    let b = wrong.problem(401, "invalid_credentials");
    assert_eq!((&a["title"], &a["detail"]), (&b["title"], &b["detail"]));
    // Missing or absurd input is still the same 401 or a validation error, never a 500.
    login(&app, &"x".repeat(10_000), "pw").await.problem(401, "invalid_credentials");
    login(&app, "admin", &"p".repeat(10_000)).await.problem(401, "invalid_credentials");
}

async fn login_from(app: &TestApp, from: &str, username: &str, password: &str) -> tests::Answer {
    app.send(
        app.request_from(from, Method::POST, "/api/v1/auth/login")
            .json(&json!({"username": username, "password": password})),
    )
    .await
}

/// Issue 22, point 4: five wrong passwords from anywhere used to lock any account for 15
/// minutes, so anyone could keep `admin` locked out for ever.
#[tokio::test]
async fn failed_sign_ins_slow_down_their_address_never_the_account() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    app.create_user(&admin, "wang.fang", "centre", None).await;
    // Three failures are free; the fourth makes 127.0.0.2 wait a second for this account.
    for _ in 0..4 {
        login_from(&app, "127.0.0.2", "wang.fang", "not-the-password")
            .await
            .problem(401, "invalid_credentials");
    }
    let waiting = login_from(&app, "127.0.0.2", "wang.fang", "a-long-password-1").await;
    waiting.problem(429, "rate_limited");
    assert_eq!(waiting.header("retry-after"), Some("1"));
    // The owner, elsewhere, signs in at once.
    let owner = login(&app, "wang.fang", "a-long-password-1").await;
    assert_eq!(owner.status.as_u16(), 200, "{}", owner.text);
    // After the wait, each further failure doubles it.
    app.state.clock.set_offset(app.state.clock.now() + chrono::Duration::seconds(2));
    login_from(&app, "127.0.0.2", "wang.fang", "still-not-it").await.problem(401, "invalid_credentials");
    let waiting = login_from(&app, "127.0.0.2", "wang.fang", "a-long-password-1").await;
    assert_eq!(waiting.header("retry-after"), Some("2"), "{}", waiting.text);
    app.state.clock.set_offset(app.state.clock.now() + chrono::Duration::seconds(3));
    let a = login_from(&app, "127.0.0.2", "wang.fang", "a-long-password-1").await;
    assert_eq!(a.status.as_u16(), 200, "{}", a.text);
    // Fifty failures against admin from 127.0.0.3 never lock the bureau out.
    for _ in 0..50 {
        let a = login_from(&app, "127.0.0.3", "admin", "guess-guess-guess").await;
        assert!(matches!(a.status.as_u16(), 401 | 429), "{}", a.text);
    }
    let a = login(&app, "admin", ADMIN_PASSWORD).await;
    assert_eq!(a.status.as_u16(), 200, "{}", a.text);
    // Twenty failures from one address over many names: then that address waits, for every name.
    for k in 0..20 {
        login_from(&app, "127.0.0.4", &format!("nobody{k}"), "x-password-x")
            .await
            .problem(401, "invalid_credentials");
    }
    login_from(&app, "127.0.0.4", "nobody-else", "x-password-x").await.problem(401, "invalid_credentials");
    login_from(&app, "127.0.0.4", "wang.fang", "a-long-password-1").await.problem(429, "rate_limited");
    let events = app.get("/api/v1/audit-events?action=auth.login_failed&per_page=1", Some(&admin)).await;
    assert!(events.body["total"].as_i64().expect("total") >= 5, "{}", events.text);
}

#[tokio::test]
async fn forged_expired_and_foreign_tokens_are_refused() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    let header = part(&token, 0);
    let claims = part(&token, 1);
    let key = server_key(&app);
    let now = chrono::Utc::now().timestamp();

    let mut expired = claims.clone();
    expired["iat"] = json!(now - 4000);
    expired["nbf"] = json!(now - 4000);
    expired["exp"] = json!(now - 3000);
    let mut wrong_aud = claims.clone();
    wrong_aud["aud"] = json!("another-service");
    let mut no_jti = claims.clone();
    no_jti.as_object_mut().expect("object").remove("jti");
    let other_key = SigningKey::from_bytes(&[42u8; 32]);
    let none_header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let body = token.split('.').nth(1).expect("claims part");

    let cases = [
        ("expired", sign(&key, &header, &expired)),
        ("wrong audience", sign(&key, &header, &wrong_aud)),
        ("missing jti", sign(&key, &header, &no_jti)),
        ("another key", sign(&other_key, &header, &claims)),
        ("alg none", format!("{none_header}.{body}.")),
        ("garbage", "not.a.token".to_owned()),
    ];
    for (what, t) in cases {
        let a = app.get("/api/v1/me", Some(&t)).await;
        assert_eq!(a.status.as_u16(), 401, "{what}: {}", a.text);
        a.problem(401, "invalid_token");
        assert!(a.header("www-authenticate").is_some_and(|v| v.starts_with("Bearer")), "{what}");
    }
    app.get("/api/v1/me", None).await.problem(401, "unauthenticated");
    let a =
        app.send(app.request(Method::GET, "/api/v1/me").header("Authorization", "Basic YWRtaW46eA==")).await;
    a.problem(401, "invalid_token");
    // The genuine token still works.
    assert_eq!(app.get("/api/v1/me", Some(&token)).await.status.as_u16(), 200);
}

#[tokio::test]
async fn a_disabled_users_token_stops_working_on_the_next_request() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let user = app.create_user(&admin, "zhao.lei", "expert", None).await;
    let token = app.login("zhao.lei", "a-long-password-1").await;
    assert_eq!(app.get("/api/v1/me", Some(&token)).await.status.as_u16(), 200);
    let id = user["id"].as_str().expect("id");
    let current = app.get(&format!("/api/v1/users/{id}"), Some(&admin)).await;
    let etag = current.header("etag").expect("etag").to_owned();
    let a = app
        .send(
            app.request(Method::PATCH, &format!("/api/v1/users/{id}"))
                .bearer_auth(&admin)
                .header("If-Match", etag)
                .json(&json!({"disabled": true})),
        )
        .await;
    assert_eq!(a.status.as_u16(), 200, "{}", a.text);
    app.get("/api/v1/me", Some(&token)).await.problem(401, "invalid_token");
    login(&app, "zhao.lei", "a-long-password-1").await.problem(401, "invalid_credentials");
    // Enabled again: the old token stays dead (issue 22); a new sign-in works.
    let current = app.get(&format!("/api/v1/users/{id}"), Some(&admin)).await;
    let etag = current.header("etag").expect("etag").to_owned();
    let a = app
        .send(
            app.request(Method::PATCH, &format!("/api/v1/users/{id}"))
                .bearer_auth(&admin)
                .header("If-Match", etag)
                .json(&json!({"disabled": false})),
        )
        .await;
    assert_eq!(a.status.as_u16(), 200, "{}", a.text);
    app.get("/api/v1/me", Some(&token)).await.problem(401, "invalid_token");
    let fresh = app.login("zhao.lei", "a-long-password-1").await;
    assert_eq!(app.get("/api/v1/me", Some(&fresh)).await.status.as_u16(), 200);
}

#[tokio::test]
async fn changing_ones_password_ends_every_token_of_the_account() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    let bad = app
        .json(
            Method::POST,
            "/api/v1/me/password",
            Some(&token),
            &json!({"current_password": "wrong", "new_password": "short"}),
        )
        .await;
    bad.problem(422, "validation_failed");
    let mut v = bad.violations();
    v.sort();
    assert_eq!(
        v,
        [
            ("current_password".to_owned(), "wrong_password".to_owned()),
            ("new_password".to_owned(), "password_length".to_owned())
        ]
    );
    let ok = app
        .json(
            Method::POST,
            "/api/v1/me/password",
            Some(&token),
            &json!({"current_password": ADMIN_PASSWORD, "new_password": "a-brand-new-password"}),
        )
        .await;
    assert_eq!(ok.status.as_u16(), 204, "{}", ok.text);
    app.get("/api/v1/me", Some(&token)).await.problem(401, "invalid_token");
    app.login("admin", "a-brand-new-password").await;
}
