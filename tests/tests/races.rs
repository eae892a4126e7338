//! Issue 22, point 5: no race lets two changes win. Ten concurrent calls of the same change: on
//! PostgreSQL (`TEST_DATABASE_URL`) these run truly at once under READ COMMITTED, where a check
//! made by reading first would let several through; on SQLite writers queue, and the same
//! answers must come out.

#![allow(clippy::expect_used, reason = "test code: a failed setup step should fail the test loudly")]

use futures_util::future::join_all;
use reqwest::Method;
use serde_json::{Value, json};
use tests::pipeline::{LATHE, reviewed_plan, setup};

/// Statuses of the answers, sorted.
fn statuses(answers: &[tests::Answer]) -> Vec<u16> {
    statuses_of(answers)
}

/// Each answer's status and problem code, for a failure message.
fn summary(answers: &[tests::Answer]) -> Vec<(u16, String)> {
    answers.iter().map(|a| (a.status.as_u16(), a.body["code"].as_str().unwrap_or("").to_owned())).collect()
}

fn statuses_of(answers: &[tests::Answer]) -> Vec<u16> {
    let mut s: Vec<u16> = answers.iter().map(|a| a.status.as_u16()).collect();
    s.sort_unstable();
    s
}

async fn issued_codes(s: &tests::pipeline::Setup, n: u16) -> (String, Vec<String>) {
    let plan = reviewed_plan(s, n).await;
    let school = s.app.login("school1", "a-long-password-1").await;
    let a = s
        .app
        .json(Method::POST, &format!("/api/v1/plans/{plan}/certificates"), Some(&school), &json!({}))
        .await;
    assert_eq!(a.status.as_u16(), 201, "{}", a.text);
    let codes = a.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|c| c["code"].as_str().expect("code").to_owned())
        .collect();
    (school, codes)
}

#[tokio::test]
async fn ten_concurrent_revocations_of_one_certificate_one_wins() {
    let s = setup("2026-11-02").await;
    let (school, codes) = issued_codes(&s, 1).await;
    let code = &codes[0];
    let body = json!({"reason": "证书信息有误"});
    let path = format!("/api/v1/certificates/{code}/revoke");
    let answers = join_all((0..10).map(|_| s.app.json(Method::POST, &path, Some(&school), &body))).await;
    assert_eq!(
        statuses(&answers),
        [200, 409, 409, 409, 409, 409, 409, 409, 409, 409],
        "{:?}",
        summary(&answers)
    );
    for a in answers.iter().filter(|a| a.status.as_u16() == 409) {
        a.problem(409, "wrong_status");
    }
    // The clock moved two weeks during the publicity: the bureau signs in again.
    let admin = s.app.login("admin", tests::ADMIN_PASSWORD).await;
    let events = s.app.get("/api/v1/audit-events?action=certificate.revoked", Some(&admin)).await;
    assert_eq!(events.body["total"], 1, "one audit event for the one revocation: {}", events.text);
}

#[tokio::test]
async fn ten_concurrent_reissues_of_one_certificate_make_one_successor() {
    let s = setup("2026-11-02").await;
    let (school, codes) = issued_codes(&s, 2).await;
    let code = &codes[0];
    let body = json!({"reason": "姓名更正"});
    let path = format!("/api/v1/certificates/{code}/reissue");
    let answers = join_all((0..10).map(|_| s.app.json(Method::POST, &path, Some(&school), &body))).await;
    assert_eq!(
        statuses(&answers),
        [201, 409, 409, 409, 409, 409, 409, 409, 409, 409],
        "{:?}",
        summary(&answers)
    );
    assert_eq!(s.app.count("certificates").await, 3, "two issued, one successor");
    // Revocations and reissues of the other certificate at once: still exactly one change.
    let other = &codes[1];
    let paths: Vec<String> = (0..10)
        .map(|k| format!("/api/v1/certificates/{other}/{}", if k % 2 == 0 { "revoke" } else { "reissue" }))
        .collect();
    let answers =
        join_all(paths.iter().map(|path| s.app.json(Method::POST, path, Some(&school), &body))).await;
    let won: Vec<u16> = answers.iter().map(|a| a.status.as_u16()).filter(|s| *s != 409).collect();
    assert_eq!(won.len(), 1, "one change wins: {:?}", summary(&answers));
    let verified = s
        .app
        .json(
            Method::POST,
            "/api/v1/public/certificates/verify",
            None,
            &json!({"code": other, "name": "学生2"}),
        )
        .await;
    assert_ne!(verified.body["status"], "valid", "{}", verified.text);
}

#[tokio::test]
async fn ten_concurrent_norms_for_one_occupation_and_level_one_is_registered() {
    let s = setup("2026-11-02").await;
    let norm: Value = json!({"occupation_code": LATHE, "kind": "evaluation_norm", "title": "车工评价规范",
        "levels": ["3"], "filing_reference": "渝人社鉴〔2025〕1号", "filing_date": "2025-03-01"});
    let answers =
        join_all((0..10).map(|_| s.app.json(Method::POST, "/api/v1/standards", Some(&s.admin), &norm))).await;
    assert_eq!(
        statuses(&answers),
        [201, 409, 409, 409, 409, 409, 409, 409, 409, 409],
        "{:?}",
        summary(&answers)
    );
    for a in answers.iter().filter(|a| a.status.as_u16() == 409) {
        a.problem(409, "norm_exists");
    }
}

#[tokio::test]
async fn ten_concurrent_photo_replacements_with_one_etag_one_wins() {
    let s = setup("2026-11-02").await;
    let plan = tests::pipeline::new_plan(&s, "2026-12-15").await;
    let a = s
        .app
        .json(
            Method::POST,
            &format!("/api/v1/plans/{plan}/candidates"),
            Some(&s.school.token),
            &tests::pipeline::candidate(1),
        )
        .await;
    assert_eq!(a.status.as_u16(), 201, "{}", a.text);
    let id = tests::pipeline::candidate_ids(&s, &plan).await.remove(0);
    let path = format!("/api/v1/plans/{plan}/candidates/{id}/photo");
    let put = |body: Vec<u8>, etag: Option<&str>| {
        let mut r = s
            .app
            .request(Method::PUT, &path)
            .bearer_auth(&s.school.token)
            .header("Content-Type", "image/png")
            .body(body);
        if let Some(etag) = etag {
            r = r.header("If-Match", etag);
        }
        s.app.send(r)
    };
    let first = put(tests::hostile::png(413, 579), None).await;
    assert_eq!(first.status.as_u16(), 204, "{}", first.text);
    let etag = first.header("etag").expect("etag").to_owned();
    // Ten different photos, each replacing the first with its ETag.
    let photos: Vec<Vec<u8>> = (1..=10).map(|k| tests::hostile::png(413 + k, 579 + k)).collect();
    let answers = join_all(photos.iter().map(|p| put(p.clone(), Some(&etag)))).await;
    // The losers are told the photo changed (412), or, having lost the plan's own version check
    // that every edit of a plan passes, that a concurrent change came first (409).
    let won = answers.iter().filter(|a| a.status.as_u16() == 204).count();
    assert_eq!(won, 1, "{:?}", summary(&answers));
    for a in answers.iter().filter(|a| a.status.as_u16() != 204) {
        let code = a.body["code"].as_str().unwrap_or("");
        assert!(matches!(code, "precondition_failed" | "concurrent_change"), "{}", a.text);
    }
    let winner = answers.iter().position(|a| a.status.as_u16() == 204).expect("a winner");
    let stored = s.app.get(&path, Some(&s.school.token)).await;
    assert_eq!(stored.bytes, photos[winner], "the stored photo is the winner's, whole");
    assert_eq!(stored.header("etag"), answers[winner].header("etag"));
}
