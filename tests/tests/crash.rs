//! Crashes (issue 8): a server process killed with SIGKILL in the middle of bulk issuance, again
//! and again, then restarted: every acknowledged certificate is there, no code twice, no gap in
//! the serials, and the audit chain verifies. `CRASH_RUNS` sets the number of kills (default 4;
//! `bench/crash.sh` runs 20 per backend).

#![allow(clippy::expect_used, reason = "test code: a failed setup step should fail the test loudly")]

use reqwest::Method;
use serde_json::{Value, json};
use std::collections::HashSet;
use tests::pipeline::*;

const BATCH: u16 = 400;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_killed_during_bulk_issuance_loses_no_acknowledged_certificate_and_leaves_no_gap() {
    let runs: u16 = std::env::var("CRASH_RUNS").ok().and_then(|v| v.parse().ok()).unwrap_or(4);
    let s = setup("2026-11-02").await;
    let plan = reviewed_plan(&s, 1).await;
    seed_approved(&s, &plan, 0, BATCH * (runs + 1)).await;
    let plan_id: uuid::Uuid = plan.parse().expect("uuid");
    let mut waiting: Vec<uuid::Uuid> = persistence::repo::results::candidates(&s.app.state.db, plan_id)
        .await
        .expect("candidates")
        .into_iter()
        .filter(|c| c.name != "学生1")
        .map(|c| c.id)
        .collect();
    waiting.sort();
    let client = reqwest::Client::new();
    let mut acknowledged: Vec<String> = Vec::new();
    let mut killed_mid_request = 0;
    for run in 0..runs {
        let batch: Vec<uuid::Uuid> = waiting.drain(..BATCH as usize).collect();
        let mut server = server_process(&s.app).await;
        let login: Value = client
            .post(format!("{}/api/v1/auth/login", server.address))
            .json(&json!({"username": "school1", "password": "a-long-password-1"}))
            .send()
            .await
            .expect("login")
            .json()
            .await
            .expect("json");
        let token = login["access_token"].as_str().expect("token").to_owned();
        let request = client
            .post(format!("{}/api/v1/plans/{plan}/certificates", server.address))
            .bearer_auth(&token)
            .json(&json!({"candidate_ids": batch}))
            .send();
        let answer = tokio::spawn(async move {
            match request.await {
                Ok(r) if r.status().as_u16() == 201 => r.json::<Value>().await.ok(),
                _ => None,
            }
        });
        // Kill at a different moment each run: from before the request arrives to after it ends.
        tokio::time::sleep(std::time::Duration::from_millis(u64::from(run) * 397 % 1500)).await;
        server.child.kill().expect("SIGKILL");
        server.child.wait().expect("reaped");
        let answered = answer.await.expect("task");
        let in_db: Vec<String> = persistence::repo::certificate::of_plan(&s.app.state.db, plan_id)
            .await
            .expect("certificates")
            .into_iter()
            .filter(|c| batch.contains(&c.candidate_id))
            .map(|c| c.code)
            .collect();
        assert!(
            in_db.is_empty() || in_db.len() == BATCH as usize,
            "run {run}: all or nothing, got {}",
            in_db.len()
        );
        match answered {
            Some(body) => {
                let codes: Vec<String> = body["items"]
                    .as_array()
                    .expect("items")
                    .iter()
                    .map(|c| c["code"].as_str().expect("code").to_owned())
                    .collect();
                let stored: HashSet<&String> = in_db.iter().collect();
                assert!(
                    codes.iter().all(|c| stored.contains(c)),
                    "run {run}: an acknowledged certificate is missing"
                );
                acknowledged.extend(codes);
            }
            None => killed_mid_request += 1,
        }
    }
    // Restarted once more: the records and the chain as a fresh process sees them.
    let server = server_process(&s.app).await;
    let admin: Value = client
        .post(format!("{}/api/v1/auth/login", server.address))
        .json(&json!({"username": "admin", "password": tests::ADMIN_PASSWORD}))
        .send()
        .await
        .expect("login")
        .json()
        .await
        .expect("json");
    let chain: Value = client
        .get(format!("{}/api/v1/audit-events/verify", server.address))
        .bearer_auth(admin["access_token"].as_str().expect("token"))
        .send()
        .await
        .expect("verify")
        .json()
        .await
        .expect("json");
    assert_eq!(chain["intact"], true, "{chain}");
    let all = persistence::repo::certificate::of_plan(&s.app.state.db, plan_id).await.expect("certificates");
    let codes: HashSet<&str> = all.iter().map(|c| c.code.as_str()).collect();
    assert_eq!(codes.len(), all.len(), "no code twice");
    let mut serials: Vec<i32> = all.iter().map(|c| c.serial).collect();
    serials.sort_unstable();
    assert_eq!(
        serials,
        (1..=all.len() as i32).collect::<Vec<_>>(),
        "serials 1..={} without a gap",
        all.len()
    );
    assert!(acknowledged.iter().all(|c| codes.contains(c.as_str())));
    // Issuance still works after the crashes and continues the sequence.
    let school = s.app.login("school1", "a-long-password-1").await;
    let rest: Vec<uuid::Uuid> = std::mem::take(&mut waiting);
    let a = s
        .app
        .json(
            Method::POST,
            &format!("/api/v1/plans/{plan}/certificates"),
            Some(&school),
            &json!({"candidate_ids": rest}),
        )
        .await;
    assert_eq!(a.status.as_u16(), 201, "{}", a.text);
    let after =
        persistence::repo::certificate::of_plan(&s.app.state.db, plan_id).await.expect("certificates");
    let mut serials: Vec<i32> = after.iter().map(|c| c.serial).collect();
    serials.sort_unstable();
    assert_eq!(serials, (1..=after.len() as i32).collect::<Vec<_>>(), "still gapless");
    eprintln!(
        "crash test: {runs} kills, {killed_mid_request} before an answer, {} certificates acknowledged, {} stored",
        acknowledged.len(),
        all.len()
    );
}
