//! Over 400 lines: every benchmark the docs cite, in one program.
//!
//! `skillcert-bench`: the whole-system benchmarks of `docs/PERFORMANCE.md`, run by `bench/run.sh`
//! from a release build. Each prints a Markdown table. The database is `TEST_DATABASE_URL`
//! (PostgreSQL) or a fresh SQLite file, as for the tests.
//!
//! - `verification [CERTIFICATES] [SECONDS] [RUNS]`: seeds CERTIFICATES (1,000,000) certificates
//!   through the API in requests of 10,000 (timing each: the issuance benchmark), then loads public
//!   verification with wrk at 8 and 32 connections, alternating skillcert and `verify-limit`, both
//!   pinned to core 0 and wrk to core 1, RUNS times SECONDS each.
//! - `replicas [ROUNDS]`: 8 institutions issue 10,000 certificates each at once through two
//!   skillcert processes on one database; checks that serials have no gap.
//! - `import [RUNS]`: 100,000 candidates as CSV and as XLSX into a fresh server process each;
//!   time and the process's peak memory.
//! - `startup [RUNS]`: first start, restart to ready, idle memory, and one certificate PDF.
//! - `search [CERTIFICATES] [SEARCHES]`: seeds CERTIFICATES as `verification` does, then searches
//!   by resident ID number one request at a time (`bench/src/search.rs`).

mod credentials;
mod issue_limit;
mod proc;
mod search;
mod seed;

use proc::{Load, Server, Tools, free_port};
use seed::{Fixture, PASSWORD};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

fn arg(n: usize, default: u64) -> u64 {
    std::env::args().nth(n).and_then(|v| v.parse().ok()).unwrap_or(default)
}

pub(crate) fn median(mut v: Vec<f64>) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    let m = v.len() / 2;
    if v.len() % 2 == 1 { v[m] } else { (v[m - 1] + v[m]) / 2.0 }
}

fn build() -> &'static str {
    if cfg!(debug_assertions) { "debug" } else { "release" }
}

pub(crate) fn backend() -> &'static str {
    if std::env::var("TEST_DATABASE_URL").is_ok_and(|u| u.starts_with("postgres")) {
        "PostgreSQL"
    } else {
        "SQLite"
    }
}

/// The environment of a skillcert process on `app`'s database and keys.
fn server_env(app: &tests::TestApp, port: u16, data: &Path, extra: &[(&str, &str)]) -> Vec<(String, String)> {
    let keys = app.data_dir.join("keys");
    let url = app.db.as_ref().map(|d| d.url.clone()).unwrap_or_default();
    let mut env: Vec<(String, String)> = [
        ("DATABASE_URL", url),
        ("SKILLCERT_BIND", format!("127.0.0.1:{port}")),
        ("SKILLCERT_DATA_DIR", data.display().to_string()),
        ("SKILLCERT_ATTACHMENT_DIR", app.data_dir.join("attachments").display().to_string()),
        ("SKILLCERT_SIGNING_KEY", keys.join("token-signing-ed25519.pem").display().to_string()),
        ("SKILLCERT_CERTIFICATE_KEY", keys.join("certificate-signing-ed25519.pem").display().to_string()),
        ("SKILLCERT_DATA_KEY", keys.join("data-key.txt").display().to_string()),
        ("SKILLCERT_CLOCK_START", app.state.clock.now().to_rfc3339()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    env.extend(extra.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
    env
}

async fn login(client: &reqwest::Client, address: &str, username: &str) -> String {
    let r = client
        .post(format!("{address}/api/v1/auth/login"))
        .json(&serde_json::json!({"username": username, "password": PASSWORD}))
        .send()
        .await
        .unwrap_or_else(|e| panic!("login: {e}"));
    let body: serde_json::Value = r.json().await.unwrap_or_default();
    body["access_token"].as_str().unwrap_or_default().to_owned()
}

/// SQL statements a skillcert process has sent for requests so far: from one scrape of
/// `/metrics`, all statements less those the rate limiter sent to share its counts. The scrape
/// itself runs 2 (outbox depth and dead letters) before it reads the counter.
async fn request_statements(client: &reqwest::Client, address: &str) -> f64 {
    let text = match client.get(format!("{address}/metrics")).send().await {
        Ok(r) => r.text().await.unwrap_or_default(),
        Err(_) => String::new(),
    };
    let counter = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(name).and_then(|v| v.trim().parse::<f64>().ok()))
            .unwrap_or(f64::NAN)
    };
    counter("skillcert_db_statements_total ") - counter("skillcert_rate_limit_sync_statements_total ")
}

#[tokio::main]
async fn main() {
    let command = std::env::args().nth(1).unwrap_or_default();
    match command.as_str() {
        "verification" => verification(arg(2, 1_000_000), arg(3, 10) as u32, arg(4, 3) as usize).await,
        "replicas" => replicas(arg(2, 3) as usize).await,
        "issue" => issue(arg(2, 10) as usize).await,
        "import" => import(arg(2, 3) as usize).await,
        "startup" => startup(arg(2, 10) as usize).await,
        "zip" => zip_download(arg(2, 10_000) as u32).await,
        "search" => search::search(arg(2, 1_000_000), arg(3, 2_000) as usize).await,
        "credentials" => credentials::credentials(arg(2, 10_000) as u32, arg(3, 3) as usize),
        _ => {
            eprintln!(
                "usage: skillcert-bench verification|issue|replicas|import|startup|zip|search|credentials [ARGS] (see bench/run.sh)"
            );
            std::process::exit(2);
        }
    }
}

/// Issuance alone, beside its limit (`issue_limit`): `plans` plans of 10,000 approved candidates
/// are seeded for the server and as many for the limit ("seeded" is printed, so that a profiler can
/// be attached to this process for the issuing part only); then each is issued, alternately one
/// through the server in one request and one by the limit, so that both meet a table of the same
/// size.
async fn issue(plans: usize) {
    const PER_PLAN: u32 = 10_000;
    let f = Fixture::new(1, &[]).await;
    let list = f.reviewed_plans(&[2 * plans]).await;
    for (k, (_, plan)) in list.iter().enumerate() {
        f.add_approved(plan, k, PER_PLAN - 1).await;
    }
    settle(&f.app.state.db).await;
    eprintln!("seeded");
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    let client = reqwest::Client::new();
    let token = f.token(&f.schools[0]).await;
    let key = ed25519_dalek::SigningKey::from_bytes(&[7; 32]);
    let (mut seconds, mut limit) = (Vec::new(), Vec::new());
    for (k, pair) in list.chunks(2).enumerate() {
        let [(_, plan), (_, other)] = pair else { continue };
        let (status, n, took) = Fixture::issue(&client, &f.app.address, plan, &token).await;
        assert_eq!((status, n), (201, PER_PLAN as usize), "plan {k}");
        seconds.push(took.as_secs_f64());
        let today = f.app.state.clock.today();
        let (n, took) = issue_limit::issue(
            &f.app.state.db,
            other.parse().unwrap_or_default(),
            &key,
            &f.app.state.data_key,
            today,
        )
        .await;
        assert_eq!(n, PER_PLAN as usize, "limit, plan {k}");
        limit.push(took.as_secs_f64());
    }
    let range = |v: &[f64]| {
        let mut sorted = v.to_vec();
        sorted.sort_by(f64::total_cmp);
        (sorted.first().copied().unwrap_or(f64::NAN), sorted.last().copied().unwrap_or(f64::NAN))
    };
    let (ours, theirs) = (median(seconds.clone()), median(limit.clone()));
    println!("\n## Issuing 10,000 certificates in one request ({}, in-process server)\n", backend());
    println!("| | runs | p50 | min | max | target p50 |\n|---|---|---|---|---|---|");
    let (lo, hi) = range(&limit);
    println!(
        "| limit: bare SQL + ed25519-dalek over all cores | {} | {theirs:.3} s | {lo:.3} s | {hi:.3} s | |",
        limit.len()
    );
    let (lo, hi) = range(&seconds);
    println!(
        "| skillcert (until the whole answer has arrived) | {} | {ours:.3} s | {lo:.3} s | {hi:.3} s | ≤ 0.4 s |",
        seconds.len()
    );
    println!(
        "\nShare of the limit (the limit's p50 over skillcert's): {:.0} %; skillcert takes {:.2} × the limit's time.",
        theirs / ours * 100.0,
        ours / theirs
    );
}

/// The batch's PDFs as one ZIP (issue 22, point 9): `n` certificates issued in-process, then
/// downloaded from a fresh server process whose resident memory is sampled while it streams.
async fn zip_download(n: u32) {
    let tools = Tools::find();
    let f = Fixture::new(1, &[]).await;
    let list = f.reviewed_plans(&[1]).await;
    let (school, plan) = &list[0];
    f.add_approved(plan, 0, n - 1).await;
    let client = reqwest::Client::new();
    let token = f.token(school).await;
    let (status, issued, _) = Fixture::issue(&client, &f.app.address, plan, &token).await;
    assert_eq!((status, issued), (201, n as usize));
    settle(&f.app.state.db).await;
    let dir = std::env::temp_dir().join(format!("skillcert-bench-zip-{}", std::process::id()));
    let port = free_port();
    let server = Server::start(&tools.skillcert, &server_env(&f.app, port, &dir, &[]), port, None);
    server.ready(&client, "/ready").await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let idle = server.memory().0;
    let token = login(&client, &server.address, &school.username).await;
    let t = Instant::now();
    let mut r = client
        .get(format!("{}/api/v1/plans/{plan}/certificates.zip", server.address))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap_or_else(|e| panic!("zip: {e}"));
    assert_eq!(r.status().as_u16(), 200);
    let (mut bytes, mut peak) = (0usize, idle);
    while let Some(chunk) = r.chunk().await.unwrap_or_else(|e| panic!("zip body: {e}")) {
        bytes += chunk.len();
        peak = peak.max(server.memory().0);
    }
    let took = t.elapsed().as_secs_f64();
    println!("\n## The batch's PDFs as one ZIP ({}, fresh server process)\n", backend());
    println!(
        "| certificates | ZIP | time | idle RSS | peak RSS while streaming | above idle | target |\n|---|---|---|---|---|---|---|"
    );
    println!(
        "| {n} | {:.1} MB | {took:.1} s | {:.1} MB | {:.1} MB | {:.1} MB | ≤ 150 MB above idle |",
        bytes as f64 / 1e6,
        idle as f64 / 1024.0,
        peak as f64 / 1024.0,
        (peak.saturating_sub(idle)) as f64 / 1024.0
    );
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Seeds `total` certificates in requests of 10,000 (timed), then loads verification.
async fn verification(total: u64, seconds: u32, runs: usize) {
    let tools = Tools::find();
    let started = Instant::now();
    let (f, issue_seconds) = Fixture::issued(total).await;
    let client = reqwest::Client::new();
    let issued = f.app.count("certificates").await;
    println!(
        "\n## Issuing 10,000 certificates in one request ({}, in-process server, {} requests)\n",
        backend(),
        issue_seconds.len()
    );
    let mut sorted = issue_seconds.clone();
    sorted.sort_by(f64::total_cmp);
    println!("| requests | p50 | min | max | target p50 |\n|---|---|---|---|---|");
    println!(
        "| {} | {:.3} s | {:.3} s | {:.3} s | ≤ 0.4 s |",
        sorted.len(),
        median(issue_seconds.clone()),
        sorted.first().copied().unwrap_or(f64::NAN),
        sorted.last().copied().unwrap_or(f64::NAN)
    );
    println!("\n{issued} certificates in the database, seeded in {:.0} s.", started.elapsed().as_secs_f64());
    let settled = settle(&f.app.state.db).await;
    println!("\nThen `{}`: {:.1} s.", settled.0, settled.1);

    // 100,000 random (code, name) pairs for wrk.
    let dir = std::env::temp_dir().join(format!("skillcert-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap_or_default();
    let pairs = dir.join("pairs.tsv");
    {
        use persistence::sea_orm::{ConnectionTrait, Statement};
        let db = &f.app.state.db;
        let rows = db
            .query_all_raw(Statement::from_string(
                db.get_database_backend(),
                "SELECT code, holder_name FROM certificates ORDER BY random() LIMIT 100000",
            ))
            .await
            .unwrap_or_default();
        let mut text = String::new();
        for r in rows {
            let code: String = r.try_get("", "code").unwrap_or_default();
            let name: String = r.try_get("", "holder_name").unwrap_or_default();
            text.push_str(&format!("{code}\t{name}\n"));
        }
        std::fs::write(&pairs, text).unwrap_or_else(|e| panic!("pairs: {e}"));
    }
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("verify.lua");
    let pool = "8";
    let (sk_port, limit_port) = (free_port(), free_port());
    let data = dir.join("server");
    let sk_env = server_env(
        &f.app,
        sk_port,
        &data,
        &[
            ("SKILLCERT_WORKERS", "1"),
            ("SKILLCERT_DB_MAX_CONNECTIONS", pool),
            ("SKILLCERT_VERIFY_LIMIT_PER_MINUTE", "10000000"),
        ],
    );
    let url = f.app.db.as_ref().map(|d| d.url.clone()).unwrap_or_default();
    let limit_env = [
        ("DATABASE_URL".to_owned(), url),
        ("BIND".to_owned(), format!("127.0.0.1:{limit_port}")),
        ("POOL".to_owned(), pool.to_owned()),
        ("WORKERS".to_owned(), "1".to_owned()),
    ];
    let sk = Server::start(&tools.skillcert, &sk_env, sk_port, Some(0));
    let limit = Server::start(&tools.limit, &limit_env, limit_port, Some(0));
    sk.ready(&client, "/ready").await;
    limit_listens(&client, &limit).await;
    let sk_url = format!("{}/api/v1/public/certificates/verify", sk.address);
    let limit_url = format!("{}/verify", limit.address);
    // Warm both (connections, caches).
    proc::wrk(&tools, &sk_url, &script, 8, 3, 1, &pairs);
    proc::wrk(&tools, &limit_url, &script, 8, 3, 1, &pairs);

    println!(
        "\n## Public verification by code + name, {} certificates, {} ({} runs of {seconds} s, medians)\n",
        issued,
        backend(),
        runs
    );
    println!(
        "| connections | server | requests/s | p50 | p99 | errors | share of the limit | SQL statements per verification |\n|---|---|---|---|---|---|---|---|"
    );
    for connections in [8u32, 32] {
        let (mut mine, mut theirs, mut per_request): (Vec<Load>, Vec<Load>, Vec<f64>) = Default::default();
        for _ in 0..runs {
            theirs.push(proc::wrk(&tools, &limit_url, &script, connections, seconds, 1, &pairs));
            let before = request_statements(&client, &sk.address).await;
            let load = proc::wrk(&tools, &sk_url, &script, connections, seconds, 1, &pairs);
            let after = request_statements(&client, &sk.address).await;
            // Less the 2 statements of the second scrape.
            per_request.push((after - before - 2.0) / load.requests as f64);
            mine.push(load);
        }
        let m = |v: &[Load], f: fn(&Load) -> f64| median(v.iter().map(f).collect());
        let limit_rps = m(&theirs, |l| l.per_second);
        for (name, v) in [("verify-limit (actix-web + sqlx)", &theirs), ("skillcert", &mine)] {
            let rps = m(v, |l| l.per_second);
            let share =
                if name == "skillcert" { format!("{:.0} %", rps / limit_rps * 100.0) } else { "—".into() };
            let statements = if name == "skillcert" {
                format!("{:.4}", median(per_request.clone()))
            } else {
                "1 (by design)".into()
            };
            println!(
                "| {connections} | {name} | {rps:.0} | {:.2} ms | {:.2} ms | {} | {share} | {statements} |",
                m(v, |l| l.p50_ms),
                m(v, |l| l.p99_ms),
                v.iter().map(|l| l.errors).sum::<u64>(),
            );
        }
    }
    drop(sk);
    drop(limit);
    instructions(
        &tools,
        &client,
        (&sk_env, sk_port),
        (&limit_env, limit_port),
        &script,
        &pairs,
        &dir,
        seconds,
    )
    .await;
    let _ = std::fs::remove_dir_all(&dir);
}

/// After seeding, the database is brought to the state a production database reaches on its own
/// long after a bulk load, so that the measurement does not race its background work: on
/// PostgreSQL, the autovacuum that a million new rows start (it took both cores' time from the
/// servers and wrk in a run of the fifth round) is done at once with `VACUUM (ANALYZE)`; on SQLite,
/// the write-ahead log is checkpointed and truncated.
/// Returns the statement and the seconds it took.
pub(crate) async fn settle(db: &persistence::Database) -> (&'static str, f64) {
    use persistence::sea_orm::ConnectionTrait;
    let sql = match db.get_database_backend() {
        persistence::DbBackend::Postgres => "VACUUM (ANALYZE)",
        _ => "PRAGMA wal_checkpoint(TRUNCATE)",
    };
    let started = Instant::now();
    if let Err(e) = db.execute_unprepared(sql).await {
        panic!("{sql}: {e}");
    }
    (sql, started.elapsed().as_secs_f64())
}

/// The limit has no GET route: any HTTP answer means it listens.
async fn limit_listens(client: &reqwest::Client, limit: &Server) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while client.get(format!("{}/", limit.address)).send().await.is_err() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Instructions per verification, counted by callgrind in each server (all its threads, user
/// space only) during one wrk run at 8 connections. Unlike requests per second, the count does
/// not depend on what else the machine is doing, so it compares across runs and machines.
#[allow(clippy::too_many_arguments)]
async fn instructions(
    tools: &Tools,
    client: &reqwest::Client,
    (sk_env, sk_port): (&[(String, String)], u16),
    (limit_env, limit_port): (&[(String, String)], u16),
    script: &Path,
    pairs: &Path,
    dir: &Path,
    seconds: u32,
) {
    if cfg!(debug_assertions) {
        // Under callgrind a debug build starts too slowly to be worth the wait in CI.
        println!("\nA debug build: instructions per verification not counted.");
        return;
    }
    if !proc::callgrind_available() {
        println!("\nvalgrind is missing: instructions per verification not counted.");
        return;
    }
    println!("\n### Instructions per verification (callgrind, 8 connections, {seconds} s)\n");
    println!(
        "| server | verifications | instructions per verification | share of the limit's |\n|---|---|---|---|"
    );
    let mut counted = Vec::new();
    for (name, bin, env, port, path) in [
        ("verify-limit (actix-web + sqlx)", &tools.limit, limit_env, limit_port, "/verify"),
        ("skillcert", &tools.skillcert, sk_env, sk_port, "/api/v1/public/certificates/verify"),
    ] {
        let out = dir.join(format!("callgrind.{port}"));
        let server = Server::start_counted(bin, env, port, &out);
        if name == "skillcert" {
            server.ready(client, "/ready").await;
        } else {
            limit_listens(client, &server).await;
        }
        let url = format!("{}{path}", server.address);
        proc::wrk(tools, &url, script, 8, 3, 1, pairs);
        let pid = server.child.id();
        proc::callgrind_zero(pid);
        let load = proc::wrk(tools, &url, script, 8, seconds, 1, pairs);
        let total = proc::callgrind_dump(pid, &out);
        drop(server);
        // CALLGRIND_KEEP=DIR keeps the profiles (callgrind_annotate reads them): the temporary
        // directory goes at the end of the run.
        if let Some(keep) = std::env::var_os("CALLGRIND_KEEP").map(PathBuf::from) {
            let _ = std::fs::create_dir_all(&keep);
            for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
                let name = entry.file_name();
                if name.to_string_lossy().starts_with(&format!("callgrind.{port}")) {
                    let _ = std::fs::copy(
                        entry.path(),
                        keep.join(format!("{}-{}", backend(), name.to_string_lossy())),
                    );
                }
            }
        }
        let per = total as f64 / load.requests.max(1) as f64;
        counted.push(per);
        let share = if counted.len() == 2 { format!("{:.2}", per / counted[0]) } else { "—".into() };
        println!("| {name} | {} | {per:.0} | {share} |", load.requests);
    }
}

/// 8 institutions × 10,000 certificates at once through two replicas on one database.
async fn replicas(rounds: usize) {
    let tools = Tools::find();
    let f = Fixture::new(8, &[]).await;
    let client = reqwest::Client::new();
    let dir = std::env::temp_dir().join(format!("skillcert-bench-{}", std::process::id()));
    let ports = [free_port(), free_port()];
    let servers: Vec<Server> = ports
        .iter()
        .enumerate()
        .map(|(i, &port)| {
            Server::start(
                &tools.skillcert,
                &server_env(&f.app, port, &dir.join(format!("r{i}")), &[]),
                port,
                None,
            )
        })
        .collect();
    for s in &servers {
        s.ready(&client, "/ready").await;
    }
    println!(
        "\n## 8 requests of 10,000 certificates at once, 8 institutions, 2 replicas, one {} database\n",
        backend()
    );
    println!(
        "| round | wall time | certificates | certificates/s | serial gaps | duplicate codes |\n|---|---|---|---|---|---|"
    );
    let mut rates = Vec::new();
    for round in 1..=rounds {
        let plans = f.reviewed_plans(&[1; 8]).await;
        for (k, (_, plan)) in plans.iter().enumerate() {
            f.add_approved(plan, round * 100 + k, 9_999).await;
        }
        settle(&f.app.state.db).await;
        let mut jobs = Vec::new();
        for (k, (school, plan)) in plans.iter().enumerate() {
            let address = servers[k % 2].address.clone();
            let token = login(&client, &address, &school.username).await;
            jobs.push((address, plan.clone(), token));
        }
        let t = Instant::now();
        let results = futures_util::future::join_all(
            jobs.iter().map(|(address, plan, token)| Fixture::issue(&client, address, plan, token)),
        )
        .await;
        let wall = t.elapsed().as_secs_f64();
        let issued: usize = results.iter().map(|r| r.1).sum();
        assert!(results.iter().all(|r| r.0 == 201), "{results:?}");
        let (gaps, duplicates) = check_serials(&f).await;
        rates.push(issued as f64 / wall);
        println!(
            "| {round} | {wall:.2} s | {issued} | {:.0} | {gaps} | {duplicates} |",
            issued as f64 / wall
        );
        assert_eq!((gaps, duplicates), (0, 0), "serials must stay gapless and codes unique");
    }
    println!("\nMedian: {:.0} certificates/s (target ≥ 35,000).", median(rates));
    drop(servers);
    let _ = std::fs::remove_dir_all(&dir);
}

/// (serials missing from 1..=max per institution and year, codes present twice).
async fn check_serials(f: &Fixture) -> (i64, i64) {
    use persistence::sea_orm::{ConnectionTrait, Statement};
    let db = &f.app.state.db;
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT CAST((SELECT COALESCE(SUM(hi - n), 0) FROM (SELECT MAX(serial) AS hi, COUNT(*) AS n FROM certificates GROUP BY institution_id, issue_year) g) AS bigint) AS gaps, \
                    CAST((SELECT COUNT(*) - COUNT(DISTINCT code) FROM certificates) AS bigint) AS duplicates",
        ))
        .await
        .ok()
        .flatten();
    let get = |c: &str| {
        row.as_ref()
            .and_then(|r| {
                r.try_get::<i64>("", c).ok().or_else(|| r.try_get::<i32>("", c).ok().map(i64::from))
            })
            .unwrap_or(-1)
    };
    (get("gaps"), get("duplicates"))
}

/// 100,000 candidates as CSV and XLSX, each into a fresh server process.
async fn import(runs: usize) {
    const ROWS: u32 = 100_000;
    let tools = Tools::find();
    let f = Fixture::new(1, &[]).await;
    let client = reqwest::Client::new();
    let dir = std::env::temp_dir().join(format!("skillcert-bench-{}", std::process::id()));
    println!("\n## Importing 100,000 candidates into a plan, {} (fresh server process per run)\n", backend());
    println!(
        "| format | file | runs | p50 time | max time | peak RSS (max) | target |\n|---|---|---|---|---|---|---|"
    );
    for (format, xlsx, content_type, target) in [
        ("CSV", false, "text/csv", "≤ 4 s, ≤ 300 MB"),
        (
            "XLSX",
            true,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "≤ 8 s, ≤ 300 MB",
        ),
    ] {
        let file = seed::candidates_file(ROWS, xlsx);
        let (mut times, mut peaks) = (Vec::new(), Vec::new());
        for run in 0..runs {
            let port = free_port();
            let server = Server::start(
                &tools.skillcert,
                &server_env(&f.app, port, &dir.join(format!("{format}{run}")), &[]),
                port,
                None,
            );
            server.ready(&client, "/ready").await;
            let token = login(&client, &server.address, &f.schools[0].username).await;
            let r = client
                .post(format!("{}/api/v1/plans", server.address))
                .bearer_auth(&token)
                .json(&tests::pipeline::plan_body("2026-12-15"))
                .send()
                .await
                .unwrap_or_else(|e| panic!("plan: {e}"));
            let created: serde_json::Value = r.json().await.unwrap_or_default();
            let plan = created["id"].as_str().unwrap_or_else(|| panic!("plan: {created}")).to_owned();
            let t = Instant::now();
            let r = client
                .post(format!("{}/api/v1/plans/{plan}/candidates/import?mode=all_or_nothing", server.address))
                .bearer_auth(&token)
                .header("Content-Type", content_type)
                .body(file.clone())
                .send()
                .await
                .unwrap_or_else(|e| panic!("import: {e}"));
            let status = r.status().as_u16();
            let body: serde_json::Value = r.json().await.unwrap_or_default();
            times.push(t.elapsed().as_secs_f64());
            let shown: String = body.to_string().chars().take(400).collect();
            assert_eq!((status, body["imported"].as_u64()), (200, Some(u64::from(ROWS))), "{shown}");
            peaks.push(server.memory().1 as f64 / 1024.0);
        }
        println!(
            "| {format} | {:.1} MB | {runs} | {:.2} s | {:.2} s | {:.0} MB | {target} |",
            file.len() as f64 / 1e6,
            median(times.clone()),
            times.iter().copied().fold(0.0, f64::max),
            peaks.iter().copied().fold(0.0, f64::max)
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// First start, restarts to ready, idle memory, and certificate PDFs (SQLite).
async fn startup(runs: usize) {
    let tools = Tools::find();
    let client = reqwest::Client::new();
    let dir = std::env::temp_dir().join(format!("skillcert-bench-{}", std::process::id()));
    // First start: empty data directory (migrations, reference data, keys, bootstrap account).
    let mut first = Vec::new();
    for run in 0..3 {
        let port = free_port();
        let data = dir.join(format!("fresh{run}"));
        let server = Server::start(
            &tools.skillcert,
            &[
                ("SKILLCERT_BIND".to_owned(), format!("127.0.0.1:{port}")),
                ("SKILLCERT_DATA_DIR".to_owned(), data.display().to_string()),
                ("SKILLCERT_ADMIN_PASSWORD".to_owned(), "a-long-password-1".to_owned()),
            ],
            port,
            None,
        );
        first.push(server.ready(&client, "/ready").await.as_secs_f64() * 1000.0);
    }
    // A server with a certificate, restarted.
    let f = Fixture::new(1, &[]).await;
    let plans = f.reviewed_plans(&[1]).await;
    let (school, plan) = &plans[0];
    let token = f.token(school).await;
    let (status, _, _) = Fixture::issue(&client, &f.app.address, plan, &token).await;
    assert_eq!(status, 201);
    let code = {
        use persistence::sea_orm::{ConnectionTrait, Statement};
        let db = &f.app.state.db;
        let row = db
            .query_one_raw(Statement::from_string(db.get_database_backend(), "SELECT code FROM certificates"))
            .await
            .ok()
            .flatten();
        row.and_then(|r| r.try_get::<String>("", "code").ok()).unwrap_or_default()
    };
    let mut restarts = Vec::new();
    let mut idle = 0;
    let (mut pdf_ms, mut pdf_bytes, mut pdf_first) = (Vec::new(), 0usize, 0.0);
    for run in 0..runs {
        let port = free_port();
        let server =
            Server::start(&tools.skillcert, &server_env(&f.app, port, &dir.join("restart"), &[]), port, None);
        restarts.push(server.ready(&client, "/ready").await.as_secs_f64() * 1000.0);
        if run + 1 == runs {
            tokio::time::sleep(Duration::from_secs(2)).await;
            idle = server.memory().0;
            let token = login(&client, &server.address, &school.username).await;
            for i in 0..21 {
                let t = Instant::now();
                let r = client
                    .get(format!("{}/api/v1/certificates/{code}/pdf", server.address))
                    .bearer_auth(&token)
                    .send()
                    .await
                    .unwrap_or_else(|e| panic!("pdf: {e}"));
                assert_eq!(r.status().as_u16(), 200);
                let bytes = r.bytes().await.map(|b| b.len()).unwrap_or(0);
                let ms = t.elapsed().as_secs_f64() * 1000.0;
                if i == 0 {
                    pdf_first = ms;
                } else {
                    pdf_ms.push(ms);
                }
                pdf_bytes = bytes;
            }
        }
    }
    println!("\n## Start-up, memory and the e-certificate PDF (SQLite, {} build)\n", build());
    println!("| measure | result | target |\n|---|---|---|");
    println!(
        "| restart to ready (existing data, median of {runs}) | {:.0} ms | ≤ 300 ms |",
        median(restarts)
    );
    println!("| first start to ready (empty data directory, median of 3) | {:.0} ms | — |", median(first));
    println!("| idle RSS after start | {:.1} MB | ≤ 40 MB |", idle as f64 / 1024.0);
    println!(
        "| one certificate PDF over HTTP (median of 20, after the first) | {:.1} ms | ≤ 50 ms |",
        median(pdf_ms)
    );
    println!("| the first PDF after start | {pdf_first:.1} ms | — |");
    println!("| PDF size | {:.0} KB | ≤ 300 KB |", pdf_bytes as f64 / 1024.0);
    let _ = std::fs::remove_dir_all(&dir);
}
