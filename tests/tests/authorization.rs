//! Over 400 lines: the whole authorization matrix in one table, so a gap shows.
//!
//! The authorization matrix (issue 8): every operation of the contract × every kind of caller —
//! anonymous, bureau, centre, a district and a school that own the object, a district and a school
//! that do not, an expert, a machine client with every scope. The expected outcome is the table
//! below. Reads (GET) must succeed exactly for the callers listed and be refused for the others,
//! with 404 for objects outside the caller's district or school; writes are sent by every caller
//! not listed and must never succeed. A test fails on an operation missing from the table.

#![allow(clippy::expect_used, reason = "test code: a failed setup step should fail the test loudly")]

use reqwest::Method;
use serde_json::json;
use std::collections::HashMap;
use tests::pipeline::*;

/// (method, path template, callers that may succeed): A anonymous, B bureau, C centre, D/d the
/// object's district / another district, S/s the object's school / another school, E expert,
/// M machine client (all scopes).
const EXPECTED: &[(&str, &str, &str)] = &[
    ("GET", "/health", "ABCDdSsEM"),
    ("GET", "/ready", "ABCDdSsEM"),
    ("GET", "/metrics", "ABCDdSsEM"),
    ("GET", "/.well-known/skillcert-keys.json", "ABCDdSsEM"),
    ("GET", "/verify/{token}", "ABCDdSsEM"),
    ("POST", "/verify/{token}/pdf", "ABCDdSsEM"),
    ("POST", "/verify/{token}/credential", "ABCDdSsEM"),
    ("GET", "/.well-known/did.json", "ABCDdSsEM"),
    ("POST", "/api/v1/auth/login", "A"),
    ("POST", "/api/v1/auth/token", "A"),
    ("GET", "/api/v1/api-clients", "B"),
    ("POST", "/api/v1/api-clients", "B"),
    ("POST", "/api/v1/api-clients/{id}/revoke", "B"),
    ("GET", "/api/v1/me", "BCDdSsE"),
    ("POST", "/api/v1/me/password", "BCDdSsE"),
    ("GET", "/api/v1/users", "B"),
    ("POST", "/api/v1/users", "B"),
    ("GET", "/api/v1/users/{id}", "B"),
    ("PATCH", "/api/v1/users/{id}", "B"),
    ("GET", "/api/v1/audit-events", "BC"),
    ("GET", "/api/v1/audit-events/verify", "BC"),
    ("GET", "/api/v1/audit-events/checkpoint", "B"),
    ("POST", "/api/v1/audit-events/checkpoints", "B"),
    ("GET", "/api/v1/certificate-codes/{code}", "ABCDdSsEM"),
    ("GET", "/api/v1/districts", "ABCDdSsEM"),
    ("GET", "/api/v1/calendar/working-days", "ABCDdSsEM"),
    ("GET", "/api/v1/calendar/years/{year}", "ABCDdSsEM"),
    ("PUT", "/api/v1/calendar/years/{year}", "B"),
    ("GET", "/api/v1/occupations", "ABCDdSsEM"),
    ("POST", "/api/v1/occupations/import", "B"),
    ("GET", "/api/v1/occupations/{code}", "ABCDdSsEM"),
    ("POST", "/api/v1/occupations/{code}/work-types", "B"),
    ("PUT", "/api/v1/occupations/{code}/access-type", "B"),
    ("GET", "/api/v1/access-types", "ABCDdSsEM"),
    ("GET", "/api/v1/standards", "ABCDdSsEM"),
    ("POST", "/api/v1/standards", "BSs"),
    ("GET", "/api/v1/standards/{id}", "ABCDdSsEM"),
    ("PATCH", "/api/v1/standards/{id}", "B"),
    ("POST", "/api/v1/standards/{id}/withdraw", "B"),
    ("GET", "/api/v1/schools", "BCDdSs"),
    ("POST", "/api/v1/schools", "B"),
    ("GET", "/api/v1/schools/{id}", "BCDS"),
    ("PUT", "/api/v1/schools/{id}", "B"),
    ("POST", "/api/v1/schools/{id}/accounts", "B"),
    ("GET", "/api/v1/filings", "BCDdSsE"),
    ("POST", "/api/v1/filings", "Ss"),
    ("GET", "/api/v1/filings/{id}", "BCDS"),
    ("PUT", "/api/v1/filings/{id}/document", "S"),
    ("POST", "/api/v1/filings/{id}/attachments", "S"),
    ("GET", "/api/v1/filings/{id}/attachments/{attachment_id}", "BCDS"),
    ("POST", "/api/v1/filings/{id}/submit", "S"),
    ("POST", "/api/v1/filings/{id}/withdraw", "S"),
    ("POST", "/api/v1/filings/{id}/accept", "B"),
    ("POST", "/api/v1/filings/{id}/return", "B"),
    ("POST", "/api/v1/filings/{id}/experts", "B"),
    ("POST", "/api/v1/filings/{id}/evaluations", ""),
    ("POST", "/api/v1/filings/{id}/approve", "B"),
    ("POST", "/api/v1/filings/{id}/reject", "B"),
    ("GET", "/api/v1/institutions", "BCDdSsM"),
    ("POST", "/api/v1/institutions/mergers", "B"),
    ("GET", "/api/v1/institutions/{id}", "BCDSM"),
    ("GET", "/api/v1/institutions/{id}/receipt", "BCDS"),
    ("GET", "/api/v1/institutions/{id}/receipt.pdf", "BCDS"),
    ("POST", "/api/v1/institutions/{id}/suspend", "B"),
    ("POST", "/api/v1/institutions/{id}/reinstate", "B"),
    ("POST", "/api/v1/institutions/{id}/cancel", "B"),
    ("GET", "/api/v1/public/institutions", "ABCDdSsEM"),
    ("GET", "/api/v1/retired-codes", "BC"),
    ("GET", "/api/v1/institutions/{id}/roster", "BCDS"),
    ("GET", "/api/v1/plans", "BCDdSs"),
    ("POST", "/api/v1/plans", "Ss"),
    ("GET", "/api/v1/plans/{id}", "BCDS"),
    ("PUT", "/api/v1/plans/{id}", "S"),
    ("POST", "/api/v1/plans/{id}/file", "S"),
    ("POST", "/api/v1/plans/{id}/acknowledge", "C"),
    ("POST", "/api/v1/plans/{id}/cancel", "CS"),
    ("POST", "/api/v1/plans/{id}/return", "C"),
    ("GET", "/api/v1/plans/{id}/candidates", "BCDS"),
    ("POST", "/api/v1/plans/{id}/candidates", "S"),
    ("POST", "/api/v1/plans/{id}/candidates/import", "S"),
    ("GET", "/api/v1/plans/{id}/candidates/{candidate_id}/photo", "BCS"),
    ("PUT", "/api/v1/plans/{id}/candidates/{candidate_id}/photo", "S"),
    ("POST", "/api/v1/plans/{id}/candidates/{candidate_id}/withdraw", "S"),
    ("GET", "/api/v1/plans/{id}/results", "BCDS"),
    ("POST", "/api/v1/plans/{id}/results", "S"),
    ("POST", "/api/v1/plans/{id}/publicity", "S"),
    ("GET", "/api/v1/plans/{id}/objections", "BCDS"),
    ("POST", "/api/v1/plans/{id}/objections/{objection_id}/answer", "S"),
    ("POST", "/api/v1/plans/{id}/objections/answers", "S"),
    ("POST", "/api/v1/plans/{id}/report", "S"),
    ("POST", "/api/v1/plans/{id}/review", "C"),
    ("GET", "/api/v1/public/publicity/{id}", "ABCDdSsEM"),
    ("POST", "/api/v1/public/publicity/{id}/objections", "ABCDdSsEM"),
    ("GET", "/api/v1/plans/{id}/certificates", "BCDS"),
    ("POST", "/api/v1/plans/{id}/certificates", "S"),
    ("POST", "/api/v1/public/certificates/verify", "ABCDdSsEM"),
    ("POST", "/api/v1/public/certificates/pdf", "ABCDdSsEM"),
    ("POST", "/api/v1/public/certificates/credential", "ABCDdSsEM"),
    ("GET", "/api/v1/public/status-lists/{list}", "ABCDdSsEM"),
    ("POST", "/api/v1/certificates/search", "BCDd"),
    ("GET", "/api/v1/certificates/{code}", "BCDSM"),
    ("POST", "/api/v1/certificates/{code}/revoke", "S"),
    ("POST", "/api/v1/certificates/{code}/revocation-order", "BC"),
    ("POST", "/api/v1/certificates/{code}/reissue", "S"),
    ("GET", "/api/v1/certificates/{code}/pdf", "BCS"),
    ("GET", "/api/v1/certificates/{code}/credential", "BCS"),
    ("POST", "/api/v1/plans/{id}/certificate-report", "S"),
    ("POST", "/api/v1/plans/{id}/certificate-report/acknowledge", "C"),
    ("GET", "/api/v1/plans/{id}/certificates/export", "BCS"),
    ("GET", "/api/v1/plans/{id}/certificates.zip", "BCS"),
    ("GET", "/api/v1/institutions/{id}/fees", "BCDS"),
    ("PUT", "/api/v1/institutions/{id}/fees", "S"),
    ("GET", "/api/v1/public/fees", "ABCDdSsEM"),
    ("GET", "/api/v1/institutions/{id}/violations", "BCDS"),
    ("POST", "/api/v1/institutions/{id}/violations", "B"),
    ("POST", "/api/v1/public/complaints", "ABCDdSsEM"),
    ("GET", "/api/v1/public/complaints/{tracking_number}", "ABCDdSsEM"),
    ("GET", "/api/v1/complaints", "BCDd"),
    ("GET", "/api/v1/complaints/{id}", "BCD"),
    ("POST", "/api/v1/complaints/{id}/assign", "BC"),
    ("POST", "/api/v1/complaints/{id}/notes", "BCD"),
    ("POST", "/api/v1/complaints/{id}/close", "BCD"),
    ("GET", "/api/v1/personnel", "BC"),
    ("POST", "/api/v1/personnel", "C"),
    ("GET", "/api/v1/personnel/{id}", "BC"),
    ("POST", "/api/v1/personnel/{id}/qualifications", "C"),
    ("POST", "/api/v1/personnel/{id}/deactivate", "C"),
    ("POST", "/api/v1/plans/{id}/quality-supervisor", "C"),
    ("GET", "/api/v1/plans/{id}/quality-supervisor", "BCDS"),
    ("GET", "/api/v1/inspectors", "BC"),
    ("POST", "/api/v1/inspectors", "B"),
    ("POST", "/api/v1/inspectors/{id}/deactivate", "B"),
    ("GET", "/api/v1/inspection-tasks", "BCDd"),
    ("POST", "/api/v1/inspection-tasks", "B"),
    ("GET", "/api/v1/inspection-tasks/{id}", "BCD"),
    ("POST", "/api/v1/inspection-tasks/{id}/results", "BC"),
    ("GET", "/api/v1/public/inspections", "ABCDdSsEM"),
    ("POST", "/api/v1/integrity-ratings/{period}/compute", "B"),
    ("POST", "/api/v1/integrity-ratings/{period}/{institution_id}/adjust", "B"),
    ("POST", "/api/v1/integrity-ratings/{period}/publish", "B"),
    ("GET", "/api/v1/integrity-ratings", "BCDdSs"),
    ("GET", "/api/v1/public/integrity-ratings", "ABCDdSsEM"),
    ("GET", "/api/v1/statistics/certificates", "BCDdM"),
    ("GET", "/api/v1/statistics/pass-rates", "BCDdM"),
    ("GET", "/api/v1/institutions/{id}/archive", "BCDS"),
    ("GET", "/api/v1/outbox", "B"),
    ("GET", "/api/v1/outbox/{id}", "B"),
    ("POST", "/api/v1/outbox/{id}/replay", "B"),
];

const CALLERS: [char; 9] = ['A', 'B', 'C', 'D', 'd', 'S', 's', 'E', 'M'];

struct World {
    tokens: HashMap<char, Option<String>>,
    params: HashMap<&'static str, String>,
    complaint_secret: String,
}

async fn world() -> (Setup, World) {
    let s = setup("2026-11-02").await;
    // A second school with its own institution, in another district.
    let expert = s.app.expert(&s.admin, "expert.two").await;
    let standard = s.app.standard(&s.admin, "4-03-02-01", &["4"]).await;
    let school2 = s.app.school(&s.admin, 2, "technical_school", "500103").await;
    let institution2 =
        s.app.file_institution(&s.admin, &school2, &expert, &[("4-03-02-01", "4", &standard)]).await;
    let plan = draft_plan(&s, 2).await;
    let candidate = candidate_ids(&s, &plan).await.remove(0);
    let png = tests::hostile::two_inch_png();
    let photo = s
        .app
        .send(
            s.app
                .request(Method::PUT, &format!("/api/v1/plans/{plan}/candidates/{candidate}/photo"))
                .bearer_auth(&s.school.token)
                .header("Content-Type", "image/png")
                .body(png),
        )
        .await;
    assert_eq!(photo.status.as_u16(), 204, "{}", photo.text);
    file_and_acknowledge(&s, &plan).await;
    // The centre registers a quality supervisor and dispatches them to the plan.
    let person = s
        .app
        .json(
            Method::POST,
            "/api/v1/personnel",
            Some(&s.centre),
            &json!({"kind": "quality_supervisor", "name": "孙督导", "id_number": tests::resident_id(700),
                    "certificate_number": "DD-1", "valid_until": "2099-12-31", "employer": "市职业技能鉴定指导中心"}),
        )
        .await;
    assert_eq!(person.status.as_u16(), 201, "{}", person.text);
    let person = person.body["id"].as_str().expect("person").to_owned();
    let drawn = s
        .app
        .json(Method::POST, &format!("/api/v1/plans/{plan}/quality-supervisor"), Some(&s.centre), &json!({}))
        .await;
    assert_eq!(drawn.status.as_u16(), 201, "{}", drawn.text);
    review(&s, &plan).await;
    // The clock moved two weeks: everyone signs in again.
    let admin = s.app.login("admin", tests::ADMIN_PASSWORD).await;
    let school = s.app.login("school1", "a-long-password-1").await;
    let issued = s
        .app
        .json(Method::POST, &format!("/api/v1/plans/{plan}/certificates"), Some(&school), &json!({}))
        .await;
    assert_eq!(issued.status.as_u16(), 201, "{}", issued.text);
    let certificate = issued.body["items"][0]["code"].as_str().expect("code").to_owned();
    let verify_token = issued.body["items"][0]["verify_path"]
        .as_str()
        .expect("path")
        .rsplit('/')
        .next()
        .expect("token")
        .to_owned();
    let own_district = s.app.create_user(&admin, "district.own", "district", Some("500101")).await;
    s.app.create_user(&admin, "district.other", "district", Some("500103")).await;
    s.app.create_user(&admin, "expert.matrix", "expert", None).await;
    let filings = s.app.get("/api/v1/filings", Some(&school)).await;
    let filing = filings.body["items"][0]["id"].as_str().expect("filing").to_owned();
    let detail = s.app.get(&format!("/api/v1/filings/{filing}"), Some(&school)).await;
    let attachment = detail.body["attachments"][0]["id"].as_str().expect("attachment").to_owned();
    // A complaint, assigned to the institution's district.
    let code = s.app.get(&format!("/api/v1/institutions/{}", s.institution), Some(&admin)).await.body["code"]
        .as_str()
        .expect("code")
        .to_owned();
    let filed = s
        .app
        .json(
            Method::POST,
            "/api/v1/public/complaints",
            None,
            &json!({"target_type": "institution", "target": code, "content": "测试"}),
        )
        .await;
    let complaint_secret = filed.body["secret"].as_str().expect("secret").to_owned();
    let tracking = filed.body["tracking_number"].as_str().expect("number").to_owned();
    let complaint = s.app.get("/api/v1/complaints", Some(&admin)).await.body["items"][0]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    s.app
        .json(
            Method::POST,
            &format!("/api/v1/complaints/{complaint}/assign"),
            Some(&admin),
            &json!({"to": "district"}),
        )
        .await;
    let inspector = s
        .app
        .json(
            Method::POST,
            "/api/v1/inspectors",
            Some(&admin),
            &json!({"name": "丙", "organisation": "检查组"}),
        )
        .await
        .body["id"]
        .as_str()
        .expect("inspector")
        .to_owned();
    let task = s
        .app
        .json(
            Method::POST,
            "/api/v1/inspection-tasks",
            Some(&admin),
            // Drawn from the object's district only: the task is D's, not d's (R38).
            &json!({"title": "t", "kind": "on_site", "sample_size": 1, "inspectors_per_institution": 1,
                    "criteria": {"district_codes": ["500101"]}}),
        )
        .await
        .body["id"]
        .as_str()
        .expect("task")
        .to_owned();
    let client = s
        .app
        .json(
            Method::POST,
            "/api/v1/api-clients",
            Some(&admin),
            &json!({"name": "platform", "scopes": ["institutions:read", "certificates:read", "certificates:verify", "statistics:read"]}),
        )
        .await;
    let client_id = client.body["id"].as_str().expect("id").to_owned();
    let machine = s
        .app
        .send(
            s.app
                .request(Method::POST, "/api/v1/auth/token")
                .header("Content-Type", "application/x-www-form-urlencoded")
                .body(format!(
                    "grant_type=client_credentials&client_id={}&client_secret={}",
                    client.body["client_id"].as_str().expect("client id"),
                    client.body["client_secret"].as_str().expect("secret")
                )),
        )
        .await
        .body["access_token"]
        .as_str()
        .expect("token")
        .to_owned();
    s.app.json(Method::POST, "/api/v1/integrity-ratings/2026/compute", Some(&admin), &json!({})).await;
    let standard_id =
        s.app.get("/api/v1/standards", None).await.body["items"][0]["id"].as_str().expect("id").to_owned();
    let mut tokens = HashMap::new();
    tokens.insert('A', None);
    tokens.insert('B', Some(admin));
    tokens.insert('C', Some(s.app.login("centre.plan", "a-long-password-1").await));
    tokens.insert('D', Some(s.app.login("district.own", "a-long-password-1").await));
    tokens.insert('d', Some(s.app.login("district.other", "a-long-password-1").await));
    tokens.insert('S', Some(school));
    tokens.insert('s', Some(s.app.login("school2", "a-long-password-1").await));
    tokens.insert('E', Some(s.app.login("expert.matrix", "a-long-password-1").await));
    tokens.insert('M', Some(machine));
    let mut params = HashMap::new();
    params.insert("institution", s.institution.clone());
    params.insert("plan", plan);
    params.insert("person", person);
    params.insert("filing", filing);
    params.insert("attachment_id", attachment);
    params.insert("candidate_id", candidate);
    params.insert("objection_id", uuid::Uuid::now_v7().to_string());
    params.insert("user", expert.0.clone());
    let _ = own_district;
    params.insert("school", s.school.id.clone());
    params.insert("standard", standard_id);
    params.insert("certificate", certificate);
    params.insert("token", verify_token);
    params.insert("complaint", complaint);
    params.insert("tracking_number", tracking);
    params.insert("inspector", inspector);
    params.insert("task", task);
    params.insert("client", client_id);
    params.insert("institution_id", s.institution.clone());
    let _ = institution2;
    (s, World { tokens, params, complaint_secret })
}

/// The path with its parameters filled with the world's objects.
fn concrete(w: &World, path: &str) -> String {
    let p = &w.params;
    let id = match path {
        x if x.starts_with("/api/v1/institutions/{id}") => p["institution"].clone(),
        x if x.starts_with("/api/v1/plans/{id}") || x.starts_with("/api/v1/public/publicity/{id}") => {
            p["plan"].clone()
        }
        x if x.starts_with("/api/v1/filings/{id}") => p["filing"].clone(),
        x if x.starts_with("/api/v1/users/{id}") => p["user"].clone(),
        x if x.starts_with("/api/v1/schools/{id}") => p["school"].clone(),
        x if x.starts_with("/api/v1/standards/{id}") => p["standard"].clone(),
        x if x.starts_with("/api/v1/complaints/{id}") => p["complaint"].clone(),
        x if x.starts_with("/api/v1/inspectors/{id}") => p["inspector"].clone(),
        x if x.starts_with("/api/v1/personnel/{id}") => p["person"].clone(),
        x if x.starts_with("/api/v1/inspection-tasks/{id}") => p["task"].clone(),
        x if x.starts_with("/api/v1/api-clients/{id}") => p["client"].clone(),
        x if x.starts_with("/api/v1/outbox/{id}") => "1".to_owned(),
        _ => String::new(),
    };
    let code =
        if path.starts_with("/api/v1/occupations/") { LATHE.to_owned() } else { p["certificate"].clone() };
    let mut out = path
        .replace("{id}", &id)
        .replace("{code}", &code)
        .replace("{year}", "2026")
        .replace("{period}", "2026")
        .replace("{institution_id}", &p["institution_id"])
        .replace("{attachment_id}", &p["attachment_id"])
        .replace("{candidate_id}", &p["candidate_id"])
        .replace("{objection_id}", &p["objection_id"])
        .replace("{tracking_number}", &p["tracking_number"])
        .replace("{token}", &p["token"])
        .replace("{list}", &format!("{}-2026", p["certificate"].get(..13).unwrap_or_default()));
    let query = match path {
        "/api/v1/integrity-ratings" | "/api/v1/public/integrity-ratings" => "?period=2026",
        "/api/v1/plans/{id}/certificates/export" => "?format=csv",
        "/api/v1/institutions/{id}/archive" => "?year=2026",
        "/api/v1/calendar/working-days" => "?from=2026-11-02&add=10",
        _ => "",
    };
    out.push_str(query);
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_for_every_caller_matches_the_table() {
    let (s, w) = world().await;
    let spec = serde_json::to_value(api::openapi::spec()).expect("spec");
    let table: HashMap<(&str, &str), &str> = EXPECTED.iter().map(|(m, p, c)| ((*m, *p), *c)).collect();
    let mut problems = Vec::new();
    let mut checked = 0;
    for (path, item) in spec["paths"].as_object().expect("paths") {
        for method in ["get", "post", "put", "patch", "delete"] {
            if item.get(method).is_none() {
                continue;
            }
            let m = method.to_uppercase();
            let Some(allowed) = table.get(&(m.as_str(), path.as_str())) else {
                problems.push(format!("{m} {path}: not in the table"));
                continue;
            };
            let url = concrete(&w, path);
            let scoped = path.contains('{');
            for caller in CALLERS {
                let may = allowed.contains(caller);
                if m != "GET" && may {
                    continue; // writes by allowed callers are covered by the feature tests
                }
                let mut req = s.app.request(Method::from_bytes(m.as_bytes()).expect("method"), &url);
                if let Some(t) = &w.tokens[&caller] {
                    req = req.bearer_auth(t);
                }
                if path == "/api/v1/public/complaints/{tracking_number}" {
                    req = req.header("X-Complaint-Secret", &w.complaint_secret);
                }
                if m != "GET" {
                    req = req.json(&json!({}));
                }
                let a = s.app.send(req).await;
                let status = a.status.as_u16();
                checked += 1;
                if status >= 500 {
                    problems.push(format!("{m} {url} as {caller}: {status} {}", a.text));
                } else if may && !(200..300).contains(&status) {
                    problems
                        .push(format!("{m} {path} as {caller}: expected success, got {status} {}", a.text));
                } else if !may && (200..300).contains(&status) {
                    problems.push(format!("{m} {path} as {caller}: UNEXPECTED SUCCESS {status}"));
                } else if !may && m == "GET" {
                    // Out of scope: 404, as if the object did not exist.
                    let own = match caller {
                        'd' => Some('D'),
                        's' => Some('S'),
                        _ => None,
                    };
                    let expected = if caller == 'A' {
                        vec![401]
                    } else if scoped && own.is_some_and(|o| allowed.contains(o)) {
                        vec![404]
                    } else {
                        vec![403, 404]
                    };
                    if !expected.contains(&status) {
                        problems.push(format!("{m} {path} as {caller}: expected {expected:?}, got {status}"));
                    }
                }
            }
        }
    }
    let unused: Vec<_> = EXPECTED
        .iter()
        .filter(|(m, p, _)| spec["paths"].get(*p).and_then(|i| i.get(m.to_lowercase())).is_none())
        .collect();
    assert!(unused.is_empty(), "rows for operations that do not exist: {unused:?}");
    assert!(problems.is_empty(), "{} of {checked} checks failed:\n{}", problems.len(), problems.join("\n"));
    assert!(checked > 600, "{checked} checks");
}
