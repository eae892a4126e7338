//! Over 400 lines: end-to-end tests that belong to no single area.
//!
//! Integration (issue 7): the outbox and its webhook worker, against a receiver that fails and
//! stalls at random, with two replicas delivering at once.

#![allow(clippy::expect_used, reason = "test code: a failed setup step should fail the test loudly")]

use persistence::repo;
use reqwest::Method;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::time::Duration;
use tests::TestApp;
use tests::pipeline::*;
use tests::receiver::{Answer, Receiver};

fn webhook_config(url: &str, max_attempts: &str) -> Vec<(String, String)> {
    vec![
        ("SKILLCERT_WEBHOOK_URL".into(), url.into()),
        ("SKILLCERT_WEBHOOK_TIMEOUT_MS".into(), "400".into()),
        ("SKILLCERT_WEBHOOK_RETRY_BASE_MS".into(), "20".into()),
        ("SKILLCERT_WEBHOOK_RETRY_MAX_SECONDS".into(), "1".into()),
        ("SKILLCERT_WEBHOOK_MAX_ATTEMPTS".into(), max_attempts.into()),
    ]
}

fn pairs(v: &[(String, String)]) -> Vec<(&str, &str)> {
    v.iter().map(|(k, x)| (k.as_str(), x.as_str())).collect()
}

/// Waits until no event is pending (or `secs` pass).
async fn drain(app: &TestApp, secs: u64) {
    for _ in 0..secs * 10 {
        if repo::outbox::count_by_status(&app.state.db, "pending").await.expect("count") == 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the outbox did not drain in {secs} s");
}

/// A tiny deterministic generator for the receiver's behaviour.
fn chaos(n: u64) -> Answer {
    let x = n.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407) >> 33;
    match x % 10 {
        0 | 1 => Answer::Fail(500),
        2 => Answer::Fail(503),
        3 => Answer::Stall(Duration::from_millis(900)),
        _ => Answer::Accept,
    }
}

// Every change is delivered exactly once (accepted), in order per institution, by two replicas
// at once, although the receiver fails and times out at random.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outbox_events_reach_a_flaky_receiver_once_in_order_from_two_replicas() {
    let receiver = Receiver::start(chaos).await;
    let cfg = webhook_config(&receiver.url, "50");
    let s = setup_with("2026-11-02", &pairs(&cfg)).await;
    let replica = s.app.replica_with(&pairs(&cfg)).await;
    let expert = s.app.expert(&s.admin, "expert.two").await;
    let standard = s.app.standard(&s.admin, "4-03-02-01", &["4"]).await;
    let mut institutions = vec![s.institution.clone()];
    for n in 2..=3 {
        let school = s.app.school(&s.admin, n, "technical_school", "500101").await;
        institutions.push(
            s.app.file_institution(&s.admin, &school, &expert, &[("4-03-02-01", "4", &standard)]).await,
        );
    }
    // Changes through both replicas.
    for round in 0..4 {
        for (k, id) in institutions.iter().enumerate() {
            let app = if (round + k) % 2 == 0 { &s.app } else { &replica };
            for action in ["suspend", "reinstate"] {
                let a = app
                    .json(
                        Method::POST,
                        &format!("/api/v1/institutions/{id}/{action}"),
                        Some(&s.admin),
                        &json!({"reason": format!("第{round}轮")}),
                    )
                    .await;
                assert_eq!(a.status.as_u16(), 200, "{}", a.text);
            }
        }
    }
    drain(&s.app, 90).await;
    let rows = repo::outbox::all(&s.app.state.db).await.expect("rows");
    assert_eq!(rows.len(), 3 + 3 * 4 * 2, "one event per change");
    assert!(rows.iter().all(|r| r.status == "delivered"), "all delivered");
    assert!(rows.iter().any(|r| r.attempts > 1), "the receiver's failures were retried");

    let accepted = receiver.accepted.lock().expect("lock").clone();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for r in &accepted {
        *seen.entry(r.headers["x-skillcert-delivery"].clone()).or_default() += 1;
    }
    assert_eq!(seen.len(), rows.len(), "every event was accepted");
    assert!(seen.values().all(|n| *n == 1), "none was accepted twice: {seen:?}");
    // In order per institution: the accepted sequence of each follows the outbox order.
    for id in &institutions {
        let expected: Vec<String> = rows
            .iter()
            .filter(|r| r.institution_id.to_string() == *id)
            .map(|r| r.delivery_id.to_string())
            .collect();
        let got: Vec<String> = accepted
            .iter()
            .map(|r| serde_json::from_slice::<Value>(&r.body).expect("json"))
            .filter(|b| b["institution"]["id"] == id.as_str())
            .map(|b| b["delivery_id"].as_str().expect("id").to_owned())
            .collect();
        assert_eq!(got, expected, "order of institution {id}");
    }

    // Each delivery is signed with the published key.
    use base64::Engine as _;
    use ed25519_dalek::Verifier as _;
    let keys = s.app.get("/.well-known/skillcert-keys.json", None).await;
    let public = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(keys.body["keys"][0]["public_key"].as_str().expect("key"))
        .expect("b64");
    let key = ed25519_dalek::VerifyingKey::from_bytes(&public.try_into().expect("32 bytes")).expect("key");
    for r in &accepted {
        assert_eq!(r.headers["x-skillcert-key-id"], keys.body["keys"][0]["kid"].as_str().expect("kid"));
        let sig = r.headers["x-skillcert-signature"].strip_prefix("ed25519=").expect("scheme");
        let sig = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(sig).expect("b64");
        let sig = ed25519_dalek::Signature::from_slice(&sig).expect("64 bytes");
        let mut text = format!(
            "skillcert-webhook-v1\n{}\n{}\n",
            r.headers["x-skillcert-timestamp"], r.headers["x-skillcert-delivery"]
        )
        .into_bytes();
        text.extend_from_slice(&r.body);
        key.verify(&text, &sig).expect("signature verifies");
        let mut tampered = text.clone();
        tampered.push(b' ');
        assert!(key.verify(&tampered, &sig).is_err());
    }
}

// After the last attempt an event is dead-lettered; the bureau sees it and replays it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_lettered_event_is_listed_and_replayed() {
    let open = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let gate = open.clone();
    let receiver = Receiver::start(move |_| {
        if gate.load(std::sync::atomic::Ordering::SeqCst) { Answer::Accept } else { Answer::Fail(503) }
    })
    .await;
    let cfg = webhook_config(&receiver.url, "3");
    let s = setup_with("2026-11-02", &pairs(&cfg)).await;
    for _ in 0..100 {
        if repo::outbox::count_by_status(&s.app.state.db, "dead").await.expect("count") == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let admin = s.app.login("admin", tests::ADMIN_PASSWORD).await;
    let dead = s.app.get("/api/v1/outbox?status=dead", Some(&admin)).await;
    assert_eq!(dead.body["total"], 1, "{}", dead.text);
    let row = &dead.body["items"][0];
    assert_eq!(
        (row["event_type"].clone(), row["attempts"].clone(), row["last_status"].clone()),
        (json!("institution.filed"), json!(3), json!(503))
    );
    assert!(row.get("payload").is_none(), "no bodies in the list");
    let id = row["id"].as_i64().expect("id");
    let one = s.app.get(&format!("/api/v1/outbox/{id}"), Some(&admin)).await;
    assert_eq!(one.body["payload"]["institution"]["code"], "S000050000001", "{}", one.text);
    s.app.get("/api/v1/outbox", Some(&s.centre)).await.problem(403, "forbidden");
    s.app.get("/api/v1/outbox?status=lost", Some(&admin)).await.problem(400, "invalid_query");

    // Fixed receiver, replayed event: delivered with the same delivery id.
    open.store(true, std::sync::atomic::Ordering::SeqCst);
    let a = s.app.json(Method::POST, &format!("/api/v1/outbox/{id}/replay"), Some(&admin), &json!({})).await;
    assert_eq!((a.status.as_u16(), a.body["status"].clone()), (200, json!("pending")), "{}", a.text);
    drain(&s.app, 30).await;
    let one = s.app.get(&format!("/api/v1/outbox/{id}"), Some(&admin)).await;
    assert_eq!(one.body["status"], "delivered");
    let accepted = receiver.accepted.lock().expect("lock").clone();
    assert_eq!(accepted.len(), 1);
    assert_eq!(accepted[0].headers["x-skillcert-delivery"], one.body["delivery_id"].as_str().expect("id"));
    let e = s.app.get("/api/v1/audit-events?action=outbox.replayed", Some(&admin)).await;
    assert_eq!(e.body["total"], 1);
    s.app
        .json(Method::POST, "/api/v1/outbox/999999/replay", Some(&admin), &json!({}))
        .await
        .problem(404, "not_found");
}

// Certificates issued, revoked and reissued become events too, 500 certificates per event.
#[tokio::test]
async fn certificate_changes_are_written_to_the_outbox_with_their_change() {
    let s = setup("2026-11-02").await;
    let plan = reviewed_plan(&s, 3).await;
    let school = s.app.login("school1", "a-long-password-1").await;
    let a = s
        .app
        .json(Method::POST, &format!("/api/v1/plans/{plan}/certificates"), Some(&school), &json!({}))
        .await;
    assert_eq!(a.status.as_u16(), 201, "{}", a.text);
    let code = a.body["items"][0]["code"].as_str().expect("code").to_owned();
    let r = s
        .app
        .json(
            Method::POST,
            &format!("/api/v1/certificates/{code}/reissue"),
            Some(&school),
            &json!({"reason": "姓名更正", "holder_name": "学生壹"}),
        )
        .await;
    assert_eq!(r.status.as_u16(), 201, "{}", r.text);
    let rows = repo::outbox::all(&s.app.state.db).await.expect("rows");
    let types: Vec<&str> = rows.iter().map(|r| r.event_type.as_str()).collect();
    assert_eq!(
        types,
        ["institution.filed", "certificates.issued", "certificate.superseded", "certificates.issued"]
    );
    assert_eq!(rows[1].payload["certificates"].as_array().map(Vec::len), Some(3));
    assert_eq!(rows[3].payload["certificates"][0]["supersedes_code"], code.as_str());
    assert!(rows.iter().all(|r| r.status == "pending"), "no URL configured: they wait");
}

// Machine clients: client credentials, scopes, hashed secrets shown once, revocation.
#[tokio::test]
async fn machine_clients_get_tokens_limited_to_their_scopes() {
    let s = setup_with("2026-11-02", &[("SKILLCERT_VERIFY_LIMIT_PER_MINUTE", "1")]).await;
    let bad = s
        .app
        .json(
            Method::POST,
            "/api/v1/api-clients",
            Some(&s.admin),
            &json!({"name": "x", "scopes": ["certificates:write"]}),
        )
        .await;
    assert_eq!(bad.violations(), [("scopes[0]".to_owned(), "not_one_of".to_owned())]);
    let a = s
        .app
        .json(
            Method::POST,
            "/api/v1/api-clients",
            Some(&s.admin),
            &json!({"name": "国家技能人才评价信息服务平台", "scopes": ["institutions:read", "certificates:verify"]}),
        )
        .await;
    assert_eq!(a.status.as_u16(), 201, "{}", a.text);
    let (id, client_id, secret) = (
        a.body["id"].as_str().expect("id").to_owned(),
        a.body["client_id"].as_str().expect("client id").to_owned(),
        a.body["client_secret"].as_str().expect("secret").to_owned(),
    );
    let listed = s.app.get("/api/v1/api-clients", Some(&s.admin)).await;
    assert!(!listed.text.contains(&secret), "the secret is shown once");
    s.app.get("/api/v1/api-clients", Some(&s.centre)).await.problem(403, "forbidden");

    let form = |body: String| {
        s.app
            .request(Method::POST, "/api/v1/auth/token")
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body)
    };
    let t = s
        .app
        .send(form(format!("grant_type=client_credentials&client_id={client_id}&client_secret={secret}")))
        .await;
    assert_eq!(t.status.as_u16(), 200, "{}", t.text);
    assert_eq!(t.body["scope"], "certificates:verify institutions:read");
    let token = t.body["access_token"].as_str().expect("token").to_owned();
    // HTTP Basic works too, and a narrower scope can be asked for.
    let b = s
        .app
        .send(
            s.app
                .request(Method::POST, "/api/v1/auth/token")
                .basic_auth(&client_id, Some(&secret))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .body("grant_type=client_credentials&scope=institutions:read"),
        )
        .await;
    assert_eq!(b.body["scope"], "institutions:read", "{}", b.text);
    // And a JSON body, as the contract also accepts.
    let j = s
        .app
        .json(
            Method::POST,
            "/api/v1/auth/token",
            None,
            &json!({"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret, "scope": "certificates:verify"}),
        )
        .await;
    assert_eq!(
        (j.status.as_u16(), j.body["scope"].clone()),
        (200, json!("certificates:verify")),
        "{}",
        j.text
    );
    s.app
        .send(form(format!("grant_type=client_credentials&client_id={client_id}&client_secret=wrong")))
        .await
        .problem(401, "invalid_client");
    s.app
        .send(form("grant_type=client_credentials&client_id=skc_nobody&client_secret=x".into()))
        .await
        .problem(401, "invalid_client");
    let g =
        s.app.send(form(format!("grant_type=password&client_id={client_id}&client_secret={secret}"))).await;
    assert_eq!(g.violations(), [("grant_type".to_owned(), "not_one_of".to_owned())]);
    let sc = s
        .app
        .send(form(format!(
            "grant_type=client_credentials&client_id={client_id}&client_secret={secret}&scope=statistics:read"
        )))
        .await;
    assert_eq!(sc.violations(), [("scope".to_owned(), "not_one_of".to_owned())]);

    // What the scopes allow, and nothing else.
    let i = s.app.get("/api/v1/institutions", Some(&token)).await;
    assert_eq!((i.status.as_u16(), i.body["total"].clone()), (200, json!(1)), "{}", i.text);
    assert_eq!(
        s.app.get(&format!("/api/v1/institutions/{}", s.institution), Some(&token)).await.status.as_u16(),
        200
    );
    s.app.get("/api/v1/certificates/S000050000001264000001", Some(&token)).await.problem(403, "forbidden");
    s.app.get("/api/v1/statistics/certificates", Some(&token)).await.problem(403, "forbidden");
    s.app.get("/api/v1/users", Some(&token)).await.problem(403, "forbidden");
    s.app.get("/api/v1/me", Some(&token)).await.problem(403, "forbidden");
    // Verification: the public is bound per address, the platform is not.
    let q = json!({"code": "S000050000001264000001", "name": "王小明"});
    for _ in 0..3 {
        let v = s
            .app
            .send(
                s.app
                    .request(Method::POST, "/api/v1/public/certificates/verify")
                    .bearer_auth(&token)
                    .json(&q),
            )
            .await;
        assert_eq!(v.status.as_u16(), 404, "{}", v.text);
    }
    s.app
        .json(Method::POST, "/api/v1/public/certificates/verify", None, &q)
        .await
        .problem(404, "certificate_not_found");
    s.app
        .json(Method::POST, "/api/v1/public/certificates/verify", None, &q)
        .await
        .problem(429, "rate_limited");

    // Revoked: its tokens stop at once and no new one is issued.
    let r = s
        .app
        .json(Method::POST, &format!("/api/v1/api-clients/{id}/revoke"), Some(&s.admin), &json!({}))
        .await;
    assert!(r.body["revoked_at"].is_string(), "{}", r.text);
    s.app.get("/api/v1/institutions", Some(&token)).await.problem(401, "invalid_token");
    s.app
        .send(form(format!("grant_type=client_credentials&client_id={client_id}&client_secret={secret}")))
        .await
        .problem(401, "invalid_client");
    let e = s.app.get("/api/v1/audit-events?target_type=api_client", Some(&s.admin)).await;
    assert_eq!(e.body["total"], 5, "created, three tokens, revoked: {}", e.text);
    assert!(!e.text.contains(&secret));
}

// Prometheus metrics: by route template, never the raw path; pool, outbox, certificates.
#[tokio::test]
async fn metrics_count_requests_by_route_template() {
    let s = setup_with("2026-11-02", &[("SKILLCERT_METRICS_TOKEN", "scrape-secret-1")]).await;
    s.app.get(&format!("/api/v1/institutions/{}", s.institution), Some(&s.admin)).await;
    s.app.get("/api/v1/institutions/01a22119-0000-7000-8000-000000000000", Some(&s.admin)).await;
    // The same path reaches another route by another method: POST is the mergers' own route,
    // GET the institution by id (and no such id). Each is counted under its own template.
    let merge =
        s.app.request(Method::POST, "/api/v1/institutions/mergers").bearer_auth(&s.admin).json(&json!({}));
    s.app.send(merge).await;
    s.app.get("/api/v1/institutions/mergers", Some(&s.admin)).await.problem(404, "not_found");
    s.app.get("/metrics", None).await.problem(401, "unauthenticated");
    let m = s.app.send(s.app.request(Method::GET, "/metrics").bearer_auth("scrape-secret-1")).await;
    assert_eq!(m.status.as_u16(), 200, "{}", m.text);
    assert!(m.header("content-type").is_some_and(|c| c.starts_with("text/plain; version=0.0.4")));
    let t = &m.text;
    assert!(t.contains("skillcert_http_requests_total{method=\"GET\",route=\"/api/v1/institutions/{id}\",status=\"200\"} 1"), "{t}");
    assert!(t.contains("skillcert_http_requests_total{method=\"GET\",route=\"/api/v1/institutions/{id}\",status=\"404\"} 2"), "{t}");
    assert!(t.contains("skillcert_http_requests_total{method=\"POST\",route=\"/api/v1/institutions/mergers\",status=\"422\"} 1"), "{t}");
    assert!(!t.contains("method=\"GET\",route=\"/api/v1/institutions/mergers\""), "{t}");
    assert!(!t.contains(&s.institution), "no raw paths or ids");
    assert!(t.contains("skillcert_http_request_duration_seconds_bucket{method=\"GET\",route=\"/api/v1/institutions/{id}\",status=\"200\",le=\"+Inf\"} 1"));
    assert!(t.contains("skillcert_db_pool_max_connections 5"), "{t}");
    assert!(t.contains("skillcert_outbox_pending 1"), "the filed institution's event waits (no URL): {t}");
    assert!(t.lines().any(|l| l.starts_with("skillcert_outbox_oldest_pending_age_seconds ")));
    assert!(t.contains("skillcert_certificates_issued_total 0"));
}

// Idempotency-Key on every creating POST: a retry gets the first answer, never a second creation.
#[tokio::test]
async fn idempotency_keys_make_every_creating_post_safe_to_retry() {
    let s = setup("2026-11-02").await;
    let user = |key: &str, name: &str| {
        s.app
            .request(Method::POST, "/api/v1/users")
            .bearer_auth(&s.admin)
            .header("Idempotency-Key", key)
            .json(&json!({"username": name, "display_name": "甲", "role": "expert", "password": "a-long-password-1"}))
    };
    let first = s.app.send(user("create-user-1", "expert.idem")).await;
    assert_eq!(first.status.as_u16(), 201, "{}", first.text);
    let again = s.app.send(user("create-user-1", "expert.idem")).await;
    assert_eq!(again.status.as_u16(), 201);
    assert_eq!(again.header("idempotency-replayed"), Some("true"));
    assert_eq!(again.body, first.body, "the same answer");
    assert_eq!(again.header("location"), first.header("location"));
    let users = s.app.get("/api/v1/users?per_page=100", Some(&s.admin)).await;
    assert_eq!(
        users.body["items"]
            .as_array()
            .expect("items")
            .iter()
            .filter(|u| u["username"] == "expert.idem")
            .count(),
        1
    );
    // The same key with another request is refused; a failed request frees its key.
    s.app.send(user("create-user-1", "expert.other")).await.problem(422, "idempotency_mismatch");
    let bad = s.app.send(user("create-user-2", "x")).await;
    assert_eq!(bad.status.as_u16(), 422);
    assert_eq!(
        s.app.send(user("create-user-2", "expert.fixed")).await.status.as_u16(),
        201,
        "the key was freed"
    );
    // Keys belong to the caller: another caller's same key is a new request.
    let centre_user = s
        .app
        .send(
            s.app
                .request(Method::POST, "/api/v1/public/complaints")
                .header("Idempotency-Key", "create-user-1")
                .json(&json!({"target_type": "institution", "target": "S000050000001", "content": "重复提交测试"})),
        )
        .await;
    assert_eq!(centre_user.status.as_u16(), 201, "{}", centre_user.text);

    // Five retries at once: one creation; the others get the answer or are asked to wait.
    let answers = futures_util::future::join_all((0..5).map(|_| {
        s.app.send(
            s.app
                .request(Method::POST, "/api/v1/public/complaints")
                .header("Idempotency-Key", "complaint-burst")
                .json(
                    &json!({"target_type": "institution", "target": "S000050000001", "content": "并发重试"}),
                ),
        )
    }))
    .await;
    for a in &answers {
        assert!(matches!(a.status.as_u16(), 201 | 409), "{}", a.text);
        if a.status.as_u16() == 409 {
            assert_eq!(a.body["code"], "idempotency_in_progress");
            assert_eq!(a.header("retry-after"), Some("1"));
        }
    }
    assert_eq!(s.app.count("complaints").await, 2, "one per key");
    let tracking: std::collections::HashSet<String> = answers
        .iter()
        .filter(|a| a.status.as_u16() == 201)
        .map(|a| a.body["tracking_number"].as_str().expect("number").to_owned())
        .collect();
    assert_eq!(tracking.len(), 1, "every success is the same complaint");
    let secrets = answers.iter().filter(|a| a.body.get("secret").is_some()).count();
    assert_eq!(secrets, 1, "the secret is shown once, never stored for a replay");
    let bad = s
        .app
        .send(
            s.app
                .request(Method::POST, "/api/v1/public/complaints")
                .header("Idempotency-Key", "x".repeat(201))
                .json(&json!({})),
        )
        .await;
    assert_eq!(bad.violations(), [("Idempotency-Key".to_owned(), "too_long".to_owned())]);
}

// Conventions: every paginated list takes `sort` (its fields, `-` for descending) the same way;
// the fields come from the contract, so a list that names a field it cannot sort by fails here.
#[tokio::test]
async fn every_list_sorts_by_each_of_its_fields_both_ways() {
    let s = setup("2026-11-02").await;
    let plan = acknowledged_plan(&s, 2).await;
    let spec = serde_json::to_value(api::openapi::spec()).expect("spec");
    let mut checked = 0;
    for (path, item) in spec["paths"].as_object().expect("paths") {
        let Some(get) = item.get("get") else { continue };
        let Some(sort) = get["parameters"].as_array().and_then(|ps| ps.iter().find(|p| p["name"] == "sort"))
        else {
            continue;
        };
        let doc = sort["description"].as_str().unwrap_or_default();
        let fields: Vec<&str> =
            doc.split("(`-`").next().unwrap_or_default().split('`').skip(1).step_by(2).collect();
        assert!(!fields.is_empty(), "{path}: the sort parameter names its fields: {doc}");
        let mut concrete = if path.starts_with("/api/v1/institutions/{id}") {
            path.replace("{id}", &s.institution)
        } else {
            path.replace("{id}", &plan)
        };
        if path.contains("integrity-ratings") {
            concrete.push_str("?period=2026&");
        } else {
            concrete.push('?');
        }
        for f in &fields {
            for dir in ["", "-"] {
                let a = s.app.get(&format!("{concrete}sort={dir}{f}&per_page=5"), Some(&s.admin)).await;
                assert_eq!(a.status.as_u16(), 200, "{concrete}?sort={dir}{f}: {}", a.text);
                assert!(a.body["items"].is_array());
                checked += 1;
            }
        }
        let bad = s.app.get(&format!("{concrete}sort=nonsense"), Some(&s.admin)).await;
        assert_eq!(bad.violations(), [("sort".to_owned(), "not_one_of".to_owned())], "{concrete}");
    }
    assert!(checked >= 50, "{checked} sorted lists checked");
    // The order is applied before the page is cut.
    for n in ["zeta.user", "alpha.user"] {
        s.app.create_user(&s.admin, n, "expert", None).await;
    }
    let up = s.app.get("/api/v1/users?sort=username&per_page=1", Some(&s.admin)).await;
    assert_eq!(up.body["items"][0]["username"], "admin");
    let down = s.app.get("/api/v1/users?sort=-username&per_page=1", Some(&s.admin)).await;
    assert_eq!(down.body["items"][0]["username"], "zeta.user");
}
