//! Public verification is free but bounded per client address (R31), counted in memory and
//! shared through the database so that every replica counts the same requests, and costs exactly
//! one SQL statement.

#![allow(clippy::expect_used, reason = "test code: a failed setup step should fail the test loudly")]

use reqwest::Method;
use serde_json::json;
use tests::TestApp;

#[tokio::test]
async fn r31_verification_is_rate_limited_per_address_across_replicas() {
    let app = TestApp::spawn_with(&[("SKILLCERT_VERIFY_LIMIT_PER_MINUTE", "3")]).await;
    // The limit counts per minute: start one second into a minute, so that the requests below
    // do not straddle two windows (the test takes well under a second).
    let now = app.state.clock.now();
    let next_minute =
        now - chrono::Duration::seconds(now.timestamp().rem_euclid(60)) + chrono::Duration::seconds(61);
    app.state.clock.set_offset(next_minute);
    let body = json!({"code": "S000050000001264000001", "name": "王小明"});
    for _ in 0..3 {
        app.json(Method::POST, "/api/v1/public/certificates/verify", None, &body)
            .await
            .problem(404, "certificate_not_found");
    }
    let a = app.json(Method::POST, "/api/v1/public/certificates/verify", None, &body).await;
    a.problem(429, "rate_limited");
    let retry: i64 = a.header("retry-after").expect("Retry-After").parse().expect("seconds");
    let left = 60 - app.state.clock.now().timestamp().rem_euclid(60);
    assert!((1..=60).contains(&retry) && (retry - left).abs() <= 1, "{retry} s, {left} s left in the window");
    // The QR page shares the bound.
    assert_eq!(app.get("/verify/abc", None).await.status.as_u16(), 429);
    // A second replica on the same database learns the count at its first sync (within a
    // second) and refuses too.
    let b = app.replica_with(&[("SKILLCERT_VERIFY_LIMIT_PER_MINUTE", "3")]).await;
    b.state.clock.set_offset(app.state.clock.now());
    app.state.limiter.sync(app.state.clock.now()).await.expect("sync");
    b.json(Method::POST, "/api/v1/public/certificates/verify", None, &body)
        .await
        .problem(404, "certificate_not_found");
    b.state.limiter.sync(b.state.clock.now()).await.expect("sync");
    b.json(Method::POST, "/api/v1/public/certificates/verify", None, &body)
        .await
        .problem(429, "rate_limited");
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

/// The SQL statements `app` sent while `f` ran, less those the rate limiter sent to share counts.
/// The limiter's background sync is held off meanwhile: it counts its statement just before
/// sending it, so a sync overlapping the start or end of `f` was counted on one side only.
async fn statements_of<F: std::future::Future<Output = tests::Answer>>(
    app: &TestApp,
    f: F,
) -> (u64, tests::Answer) {
    let _no_sync = app.state.limiter.hold_syncs().await;
    let (db0, sync0) = (app.state.metrics.db_statements(), app.state.limiter.statements());
    let a = f.await;
    let (db1, sync1) = (app.state.metrics.db_statements(), app.state.limiter.statements());
    ((db1 - db0) - (sync1 - sync0), a)
}

#[tokio::test]
async fn r31_a_verification_is_exactly_one_sql_statement() {
    use tests::pipeline::{reviewed_plan, setup};
    let s = setup("2026-11-02").await;
    let plan = reviewed_plan(&s, 2).await;
    let school = s.app.login("school1", "a-long-password-1").await;
    let issued = s
        .app
        .json(Method::POST, &format!("/api/v1/plans/{plan}/certificates"), Some(&school), &json!({}))
        .await;
    assert_eq!(issued.status.as_u16(), 201, "{}", issued.text);
    let c = &issued.body["items"][0];
    let (code, name) = (c["code"].as_str().expect("code"), c["holder_name"].as_str().expect("name"));
    let token = c["verify_path"].as_str().expect("path").trim_start_matches("/verify/").to_owned();
    let verify = |body: serde_json::Value| {
        let app = &s.app;
        async move { app.json(Method::POST, "/api/v1/public/certificates/verify", None, &body).await }
    };

    let (n, hit) = statements_of(&s.app, verify(json!({"code": code, "name": name}))).await;
    assert_eq!((hit.status.as_u16(), n), (200, 1), "{}", hit.text);
    let (n, miss) = statements_of(&s.app, verify(json!({"code": code, "name": "张三"}))).await;
    assert_eq!((miss.status.as_u16(), n), (404, 1));
    let (n, by_token) = statements_of(&s.app, verify(json!({"token": token}))).await;
    assert_eq!((by_token.body["code"].as_str(), n), (Some(code), 1));
    let (n, page) = statements_of(&s.app, s.app.get(&format!("/verify/{token}"), None)).await;
    assert_eq!((page.status.as_u16(), n), (200, 1));

    // A superseded certificate names its successor, still in one statement.
    let reissued = s
        .app
        .json(
            Method::POST,
            &format!("/api/v1/certificates/{code}/reissue"),
            Some(&school),
            &json!({"reason": "证书信息有误，重新颁发"}),
        )
        .await;
    assert_eq!(reissued.status.as_u16(), 201, "{}", reissued.text);
    let (n, old) = statements_of(&s.app, verify(json!({"code": code, "name": name}))).await;
    assert_eq!((old.body["status"].as_str(), n), (Some("superseded"), 1), "{}", old.text);
    assert_eq!(old.body["superseded_by"], reissued.body["code"]);
}
