//! Issue 22, point 8: `Idempotency-Key` runs after authentication, and slow bodies time out.
//! Anonymous requests with a key were buffered up to 12 MB each (64 of them took 788 MB) and each
//! wrote a claim; a client trickling a body, or stopping before its end, pinned its buffer for
//! ever.

#![allow(clippy::expect_used, reason = "test code: a failed setup step should fail the test loudly")]

use reqwest::Method;
use serde_json::json;
use std::time::{Duration, Instant};
use tests::TestApp;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

#[tokio::test]
async fn an_anonymous_request_with_a_key_is_neither_buffered_nor_stored() {
    let app = TestApp::spawn().await;
    let big = vec![b' '; 8 * 1024 * 1024];
    let started = Instant::now();
    let a = app
        .send(
            app.request(Method::POST, "/api/v1/users")
                .header("Idempotency-Key", "k-1")
                .header("Content-Type", "application/json")
                .body(big),
        )
        .await;
    a.problem(401, "unauthenticated");
    assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
    assert_eq!(app.count("http_idempotency").await, 0, "no claim written");
    // A public form keeps its key, for a form's size only.
    let form = json!({"target_type": "school", "target": "S000050000001", "content": "x"});
    let a = app
        .send(
            app.request(Method::POST, "/api/v1/public/complaints")
                .header("Idempotency-Key", "k-2")
                .header("Content-Type", "application/json")
                .body(vec![b' '; 100 * 1024]),
        )
        .await;
    a.problem(413, "payload_too_large");
    let a = app
        .send(
            app.request(Method::POST, "/api/v1/public/complaints")
                .header("Idempotency-Key", "k-3")
                .json(&form),
        )
        .await;
    assert_eq!(a.status.as_u16(), 422, "{}", a.text);
    assert_eq!(app.count("http_idempotency").await, 0, "a refused form frees its key");
}

/// Sends the head of a request and `sent` bytes of a body that claims more, then waits.
async fn stall(app: &TestApp, path: &str, extra: &str, claimed: usize, sent: usize) -> (Duration, String) {
    let host = app.address.trim_start_matches("http://");
    let mut s = tokio::net::TcpStream::connect(host).await.expect("connect");
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Length: {claimed}\r\n{extra}Connection: close\r\n\r\n"
    );
    s.write_all(head.as_bytes()).await.expect("head");
    s.write_all(&vec![b'{'; sent]).await.expect("part of the body");
    let started = Instant::now();
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(20), s.read_to_end(&mut answer)).await;
    (started.elapsed(), String::from_utf8_lossy(&answer).into_owned())
}

#[tokio::test]
async fn a_body_that_stops_is_answered_408_after_the_idle_time() {
    let app = TestApp::spawn_with(&[("SKILLCERT_BODY_IDLE_SECONDS", "1")]).await;
    let token = app.admin_token().await;
    // A JSON body (sign-in) that stops after 10 of 1,000 bytes.
    let (waited, answer) =
        stall(&app, "/api/v1/auth/login", "Content-Type: application/json\r\n", 1000, 10).await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("application/problem+json") && answer.contains("request_timeout"), "{answer}");
    assert!(waited < Duration::from_secs(5), "{waited:?}");
    // Sixty uploads of a claimed 11 MiB, each stopped after 1 MiB, at once: all are cut.
    let auth = format!(
        "Authorization: Bearer {token}\r\nContent-Type: application/pdf\r\nIdempotency-Key: up-1\r\n"
    );
    let stalls = futures_util::future::join_all(
        (0..60).map(|_| stall(&app, "/api/v1/users", &auth, 11 * 1024 * 1024, 1024 * 1024)),
    )
    .await;
    for (waited, answer) in &stalls {
        assert!(answer.starts_with("HTTP/1.1 408"), "{}", &answer[..answer.len().min(300)]);
        assert!(*waited < Duration::from_secs(10), "{waited:?}");
    }
    // The server still answers.
    assert_eq!(app.get("/health", None).await.status.as_u16(), 200);
}

/// Sends the head of a request and `sent` bytes of a body that claims more (a write the server
/// cuts short is fine), and reads the answer.
async fn send_part(address: &str, auth: &str, claimed: usize, sent: usize) -> (Duration, String) {
    let host = address.trim_start_matches("http://");
    let s = tokio::net::TcpStream::connect(host).await.expect("connect");
    let (mut reader, mut writer) = s.into_split();
    let head = format!(
        "POST /api/v1/users HTTP/1.1\r\nHost: {host}\r\nContent-Length: {claimed}\r\n{auth}Connection: close\r\n\r\n"
    );
    let started = Instant::now();
    let writing = tokio::spawn(async move {
        if writer.write_all(head.as_bytes()).await.is_ok() {
            let _ = writer.write_all(&vec![b'{'; sent]).await;
        }
        // Keep the connection open (the body unfinished) until the answer has been read.
        tokio::time::sleep(Duration::from_secs(30)).await;
        drop(writer);
    });
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(20), reader.read_to_end(&mut answer)).await;
    writing.abort();
    (started.elapsed(), String::from_utf8_lossy(&answer).into_owned())
}

/// Bodies being received share one budget: uploads stalled just under the idle time cannot hold
/// more than `SKILLCERT_BODY_BUDGET_MIB` together, the next is refused at once with 503 and
/// `Retry-After`, and the budget comes back when the stalled ones are cut.
#[tokio::test]
async fn bodies_being_received_share_one_budget() {
    let app =
        TestApp::spawn_with(&[("SKILLCERT_BODY_IDLE_SECONDS", "2"), ("SKILLCERT_BODY_BUDGET_MIB", "16")])
            .await;
    let token = app.admin_token().await;
    let auth = format!(
        "Authorization: Bearer {token}\r\nContent-Type: application/json\r\nIdempotency-Key: b-1\r\n"
    );
    let mib = 1024 * 1024;
    // Two stalled uploads hold 14 of the 16 MiB.
    let stalled: Vec<_> = (0..2)
        .map(|_| {
            let (address, auth) = (app.address.clone(), auth.clone());
            tokio::spawn(async move { send_part(&address, &auth, 11 * mib, 7 * mib).await })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(800)).await;
    // A third that needs 4 MiB more is refused at once.
    let (waited, answer) = send_part(&app.address, &auth, 11 * mib, 4 * mib).await;
    assert!(answer.starts_with("HTTP/1.1 503"), "{}", &answer[..answer.len().min(400)]);
    assert!(
        answer.contains("server_busy") && answer.to_ascii_lowercase().contains("retry-after: 5"),
        "{answer}"
    );
    assert!(waited < Duration::from_secs(2), "refused before the idle time: {waited:?}");
    for s in stalled {
        let (_, answer) = s.await.expect("stalled upload");
        assert!(answer.starts_with("HTTP/1.1 408"), "{}", &answer[..answer.len().min(300)]);
    }
    // The budget is back: the same 4 MiB is read whole (and then refused for what it is).
    let (_, answer) = send_part(&app.address, &auth, 4 * mib, 4 * mib).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{}", &answer[..answer.len().min(400)]);
}
