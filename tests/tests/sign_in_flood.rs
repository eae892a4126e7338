//! Issue 22, point 4: sign-in cannot be used against the service or the accounts. A flood of
//! wrong sign-ins from many addresses keeps the process's memory bounded (it once went from 38 MB
//! to 8.5 GB and stayed there) and public verification answering; client secrets are throttled
//! like passwords.

#![allow(clippy::expect_used, reason = "test code: a failed setup step should fail the test loudly")]

use futures_util::StreamExt as _;
use reqwest::Method;
use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tests::TestApp;

/// The Argon2 queue is one per process: while the flood fills it, another test's sign-ins in the
/// same process would be answered 429 (busy). The tests here run one at a time.
static ONE_AT_A_TIME: std::sync::LazyLock<tokio::sync::Mutex<()>> =
    std::sync::LazyLock::new(|| tokio::sync::Mutex::new(()));

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_hundred_wrong_sign_ins_leave_memory_bounded_and_verification_answering() {
    let _one = ONE_AT_A_TIME.lock().await;
    let app = Arc::new(TestApp::spawn_with(&[("SKILLCERT_VERIFY_LIMIT_PER_MINUTE", "1000000")]).await);
    // Warm up: one sign-in starts the hashing threads and their work areas.
    let _ = app.admin_token().await;
    let before = tests::hostile::rss_bytes();
    let peak = Arc::new(AtomicU64::new(before));
    let done = Arc::new(AtomicBool::new(false));
    let sampler = {
        let (peak, done) = (peak.clone(), done.clone());
        std::thread::spawn(move || {
            while !done.load(Ordering::Relaxed) {
                peak.fetch_max(tests::hostile::rss_bytes(), Ordering::Relaxed);
                std::thread::sleep(Duration::from_millis(10));
            }
        })
    };
    // Public verification, one request after another, for as long as the flood lasts.
    let verifier = {
        let (app, done) = (app.clone(), done.clone());
        tokio::spawn(async move {
            let mut slowest = Duration::ZERO;
            let mut answered = 0;
            while !done.load(Ordering::Relaxed) {
                let t = Instant::now();
                let a = app
                    .json(
                        Method::POST,
                        "/api/v1/public/certificates/verify",
                        None,
                        &json!({"code": "S000050000001264000001", "name": "王小明"}),
                    )
                    .await;
                assert!(matches!(a.status.as_u16(), 404 | 200), "{}", a.text);
                slowest = slowest.max(t.elapsed());
                answered += 1;
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            (answered, slowest)
        })
    };
    // 500 wrong sign-ins, 64 at a time, from 100 addresses, for names known and unknown.
    let started = Instant::now();
    let statuses: Vec<u16> = futures_util::stream::iter(0..500u32)
        .map(|k| {
            let app = app.clone();
            async move {
                let from = format!("127.0.1.{}", k % 100 + 1);
                let name = if k % 5 == 0 { "admin".to_owned() } else { format!("guess{k}") };
                let a = app
                    .send(
                        app.request_from(&from, Method::POST, "/api/v1/auth/login")
                            .json(&json!({"username": name, "password": "wrong-password-1"})),
                    )
                    .await;
                a.status.as_u16()
            }
        })
        .buffer_unordered(64)
        .collect()
        .await;
    let flood = started.elapsed();
    done.store(true, Ordering::Relaxed);
    let (answered, slowest) = verifier.await.expect("verifier");
    sampler.join().expect("sampler");
    let rejected = statuses.iter().filter(|s| **s == 401).count();
    let busy = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!(rejected + busy, 500, "only 401 and 429: {statuses:?}");
    let grew = peak.load(Ordering::Relaxed).saturating_sub(before);
    println!(
        "flood: {flood:?}, {rejected} answered 401, {busy} answered 429; {answered} verifications, slowest {slowest:?}; memory grew {} MB",
        grew / (1024 * 1024)
    );
    assert!(grew < 200 * 1024 * 1024, "memory grew by {} MB", grew / (1024 * 1024));
    assert!(answered > 0, "verification answered during the flood");
    assert!(slowest < Duration::from_secs(2), "the slowest verification took {slowest:?}");
    // And the bureau can still sign in.
    let a = app
        .json(
            Method::POST,
            "/api/v1/auth/login",
            None,
            &json!({"username": "admin", "password": tests::ADMIN_PASSWORD}),
        )
        .await;
    assert_eq!(a.status.as_u16(), 200, "{}", a.text);
}

#[tokio::test]
async fn wrong_client_secrets_slow_down_their_address_not_the_client() {
    let _one = ONE_AT_A_TIME.lock().await;
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let a = app
        .json(
            Method::POST,
            "/api/v1/api-clients",
            Some(&admin),
            &json!({"name": "国家技能人才评价信息服务平台", "scopes": ["certificates:verify"]}),
        )
        .await;
    assert_eq!(a.status.as_u16(), 201, "{}", a.text);
    let client_id = a.body["client_id"].as_str().expect("client id").to_owned();
    let secret = a.body["client_secret"].as_str().expect("secret").to_owned();
    let token_from = |from: &str, secret: &str| {
        app.request_from(from, Method::POST, "/api/v1/auth/token")
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(format!("grant_type=client_credentials&client_id={client_id}&client_secret={secret}"))
    };
    for _ in 0..4 {
        app.send(token_from("127.0.0.2", "wrong")).await.problem(401, "invalid_client");
    }
    let waiting = app.send(token_from("127.0.0.2", &secret)).await;
    waiting.problem(429, "rate_limited");
    assert!(waiting.header("retry-after").is_some());
    let t = app.send(token_from("127.0.0.1", &secret)).await;
    assert_eq!(t.status.as_u16(), 200, "{}", t.text);
}
