//! Certificate search by resident ID number (issue 26, point 6): among `total` certificates issued
//! through the API, `searches` requests `POST /api/v1/certificates/search {"id_number": …}` as the
//! centre, one at a time, for holders picked at random (their numbers opened with the data key,
//! as only the server could). Each request is timed until its whole answer has arrived; each is
//! also one audited change (`certificate.searched_by_id_number`). A search by exact holder name
//! is timed beside it for comparison (no index: a scan).

use crate::seed::Fixture;
use crate::{backend, median, settle};
use persistence::sea_orm::{ConnectionTrait, Statement};
use std::time::Instant;

fn percentile(mut v: Vec<f64>, p: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    let k = ((v.len() as f64 * p).ceil() as usize).clamp(1, v.len()) - 1;
    v[k]
}

pub async fn search(total: u64, searches: usize) {
    let started = Instant::now();
    let (f, _) = Fixture::issued(total).await;
    let issued = f.app.count("certificates").await;
    let settled = settle(&f.app.state.db).await;
    let seeded = started.elapsed().as_secs_f64();
    let db = &f.app.state.db;
    let rows = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            format!("SELECT id_sealed, holder_name FROM certificates ORDER BY random() LIMIT {searches}"),
        ))
        .await
        .unwrap_or_else(|e| panic!("sample: {e}"));
    let key = &f.app.state.data_key;
    let sample: Vec<(String, String)> = rows
        .iter()
        .map(|r| {
            let sealed: String = r.try_get("", "id_sealed").unwrap_or_default();
            let name: String = r.try_get("", "holder_name").unwrap_or_default();
            (key.open(&sealed).unwrap_or_else(|e| panic!("open: {e}")), name)
        })
        .collect();
    let client = reqwest::Client::new();
    let token = f.centre().await;
    let url = format!("{}/api/v1/certificates/search", f.app.address);
    let time = async |body: serde_json::Value| {
        let t = Instant::now();
        let r =
            client.post(&url).bearer_auth(&token).json(&body).send().await.unwrap_or_else(|e| panic!("{e}"));
        let status = r.status().as_u16();
        let answer: serde_json::Value = r.json().await.unwrap_or_default();
        let took = t.elapsed().as_secs_f64() * 1000.0;
        assert_eq!(status, 200, "{answer}");
        assert!(answer["total"].as_u64().unwrap_or(0) >= 1, "found: {answer}");
        took
    };
    // A few requests first, so that connections and caches are warm, as they are in service.
    for (number, _) in sample.iter().take(20) {
        time(serde_json::json!({"id_number": number})).await;
    }
    let mut by_id = Vec::with_capacity(sample.len());
    for (number, _) in &sample {
        by_id.push(time(serde_json::json!({"id_number": number})).await);
    }
    let mut by_name = Vec::new();
    for (_, name) in sample.iter().take(20) {
        by_name.push(time(serde_json::json!({"holder_name": name})).await);
    }
    println!("\n## Certificate search by resident ID number ({}, in-process server)\n", backend());
    println!(
        "{issued} certificates, seeded in {seeded:.0} s (then `{}`: {:.1} s); the centre searches one at a time, each an audited change.\n",
        settled.0, settled.1
    );
    println!("| search | requests | p50 | p99 | max | target |\n|---|---|---|---|---|---|");
    let row = |what: &str, v: &[f64], target: &str| {
        println!(
            "| {what} | {} | {:.2} ms | {:.2} ms | {:.2} ms | {target} |",
            v.len(),
            median(v.to_vec()),
            percentile(v.to_vec(), 0.99),
            percentile(v.to_vec(), 1.0)
        );
    };
    row("by ID number (`id_number`)", &by_id, "p99 ≤ 5 ms");
    row("by exact holder name (`holder_name`, not indexed)", &by_name, "");
}
