//! Over 400 lines: supervision R32–R38 as one story.
//!
//! Supervision (issue 6): fees (R34), violations and sanctions, complaints (R35), double-random
//! inspections (R36), integrity ratings (R37), statistics and retention (R32).

#![allow(clippy::expect_used, reason = "test code: a failed setup step should fail the test loudly")]

use persistence::sea_orm::{ConnectionTrait, Statement};
use reqwest::Method;
use serde_json::{Value, json};
use std::io::{Read, Write};
use tests::TestApp;
use tests::pipeline::*;

async fn district_user(app: &TestApp, admin: &str, username: &str, district: &str) -> String {
    app.create_user(admin, username, "district", Some(district)).await;
    app.login(username, "a-long-password-1").await
}

async fn institution_code_with(s: &Setup, token: &str) -> String {
    let a = s.app.get(&format!("/api/v1/institutions/{}", s.institution), Some(token)).await;
    a.body["code"].as_str().expect("code").to_owned()
}

async fn institution_code(s: &Setup) -> String {
    let a = s.app.get(&format!("/api/v1/institutions/{}", s.institution), Some(&s.admin)).await;
    a.body["code"].as_str().expect("code").to_owned()
}

// R34: fees are published per occupation and level of the filed scope, and listed publicly.
#[tokio::test]
async fn r34_fees_are_published_within_the_scope_and_listed_publicly() {
    let s = setup("2026-11-02").await;
    let path = format!("/api/v1/institutions/{}/fees", s.institution);
    let bad = json!({"items": [
        {"occupation_code": LATHE, "level": "4", "amount_fen": 35000, "basis": "渝价〔2020〕1号"},
        {"occupation_code": LATHE, "level": "3", "amount_fen": 45000},
        {"occupation_code": LATHE, "level": "4", "amount_fen": -1}
    ]});
    let a = s.app.json(Method::PUT, &path, Some(&s.school.token), &bad).await;
    a.problem(422, "validation_failed");
    let mut v = a.violations();
    v.sort();
    assert_eq!(
        v,
        [
            ("items[1].occupation_code".to_owned(), "outside_scope".to_owned()),
            ("items[2].amount_fen".to_owned(), "out_of_range".to_owned()),
            ("items[2].occupation_code".to_owned(), "duplicate".to_owned()),
        ]
    );
    assert_eq!(s.app.count("fee_standards").await, 0, "nothing written");
    // Only the institution publishes its fees.
    s.app.json(Method::PUT, &path, Some(&s.admin), &json!({"items": []})).await.problem(403, "forbidden");

    let good = json!({"items": [
        {"occupation_code": LATHE, "level": "4", "amount_fen": 35000, "basis": "渝价〔2020〕1号"},
        {"occupation_code": LATHE, "level": "5", "amount_fen": 28050}
    ]});
    // Replacing the list needs its ETag.
    s.app.json(Method::PUT, &path, Some(&s.school.token), &good).await.problem(428, "precondition_required");
    let current = s.app.get(&path, Some(&s.school.token)).await;
    assert_eq!(current.body, json!([]));
    let etag = current.header("etag").expect("etag").to_owned();
    let put = |etag: &str| {
        s.app.request(Method::PUT, &path).bearer_auth(&s.school.token).header("If-Match", etag).json(&good)
    };
    let a = s.app.send(put(&etag)).await;
    assert_eq!(a.status.as_u16(), 200, "{}", a.text);
    assert_ne!(a.header("etag"), Some(etag.as_str()));
    s.app.send(put(&etag)).await.problem(412, "precondition_failed");
    let code = institution_code(&s).await;
    let a = s.app.get(&format!("/api/v1/public/fees?institution_code={code}"), None).await;
    assert_eq!(a.status.as_u16(), 200, "{}", a.text);
    assert_eq!(a.body["total"], 2);
    let first = &a.body["items"][0];
    assert_eq!(first["amount_yuan"], "350.00");
    assert_eq!(first["occupation_name"], "车工");
    assert_eq!(first["level_name"], "四级/中级工");
    assert_eq!(a.body["items"][1]["amount_yuan"], "280.50");
    let a = s.app.get("/api/v1/public/fees?level=5", None).await;
    assert_eq!(a.body["total"], 1);
    s.app.get("/api/v1/public/fees?level=7", None).await.problem(400, "invalid_query");
    let e = s.app.get("/api/v1/audit-events?action=fees.published", Some(&s.admin)).await;
    assert_eq!(e.body["total"], 1);

    // A cancelled institution's fees are no longer listed.
    let a = s
        .app
        .json(
            Method::POST,
            &format!("/api/v1/institutions/{}/cancel", s.institution),
            Some(&s.admin),
            &json!({"reason": "停止办学"}),
        )
        .await;
    assert_eq!(a.status.as_u16(), 200, "{}", a.text);
    assert_eq!(s.app.get("/api/v1/public/fees", None).await.body["total"], 0);
}

// Violations: a sanction acts through the lifecycle in the same transaction.
#[tokio::test]
async fn violations_record_sanctions_through_the_institution_lifecycle() {
    let s = setup("2026-11-02").await;
    let path = format!("/api/v1/institutions/{}/violations", s.institution);
    let record = |sanction: &str| json!({"occurred_on": "2026-10-20", "description": "考评人员不足仍组织考核", "sanction": sanction});
    let a = s.app.json(Method::POST, &path, Some(&s.admin), &record("warning")).await;
    assert_eq!(a.status.as_u16(), 201, "{}", a.text);
    assert_eq!(a.body["violation"]["sanction_name"], "警告");
    assert_eq!(a.body["institution"]["status"], "active");
    let a = s.app.json(Method::POST, &path, Some(&s.admin), &record("suspension")).await;
    assert_eq!(a.body["institution"]["status"], "suspended", "{}", a.text);
    // Suspending a suspended institution is refused and records nothing.
    let a = s.app.json(Method::POST, &path, Some(&s.admin), &record("suspension")).await;
    a.problem(409, "institution_not_active");
    assert_eq!(s.app.count("violations").await, 2);
    let a = s.app.json(Method::POST, &path, Some(&s.admin), &record("cancellation")).await;
    assert_eq!(a.body["institution"]["status"], "cancelled", "{}", a.text);
    let retired = s.app.get("/api/v1/retired-codes", Some(&s.admin)).await;
    assert_eq!(retired.body["total"], 1);

    let bad = json!({"occurred_on": "2030-01-01", "description": " ", "sanction": "fine"});
    let a = s.app.json(Method::POST, &path, Some(&s.admin), &bad).await;
    let mut v = a.violations();
    v.sort();
    assert_eq!(
        v,
        [
            ("description".to_owned(), "blank".to_owned()),
            ("occurred_on".to_owned(), "invalid_date".to_owned()),
            ("sanction".to_owned(), "not_one_of".to_owned())
        ]
    );
    s.app.json(Method::POST, &path, Some(&s.centre), &record("warning")).await.problem(403, "forbidden");

    // The institution, its district and the supervisors read them; another district does not.
    let own = district_user(&s.app, &s.admin, "district.own", "500101").await;
    let other = district_user(&s.app, &s.admin, "district.other", "500103").await;
    let a = s.app.get(&path, Some(&own)).await;
    assert_eq!(a.body["items"].as_array().map(Vec::len), Some(3), "{}", a.text);
    assert_eq!(a.body["total"], 3);
    s.app.get(&path, Some(&other)).await.problem(404, "not_found");
    assert_eq!(s.app.get(&path, Some(&s.school.token)).await.status.as_u16(), 200);
    let e = s.app.get("/api/v1/audit-events?action=violation.recorded", Some(&s.admin)).await;
    assert_eq!(e.body["total"], 3);
    let e = s.app.get("/api/v1/audit-events?action=institution.cancelled", Some(&s.admin)).await;
    assert_eq!(e.body["total"], 1);
}

// R35: anyone files a complaint, follows it with a secret, never sees internal notes.
#[tokio::test]
async fn r35_complaints_are_filed_triaged_investigated_and_closed() {
    let s = setup("2026-11-02").await;
    let code = institution_code(&s).await;
    let app = &s.app;
    let file =
        |body: Value| async move { app.json(Method::POST, "/api/v1/public/complaints", None, &body).await };

    let a = file(
        json!({"target_type": "certificate", "target": "S00005000000126400000X", "content": "证书有误"}),
    )
    .await;
    assert_eq!(a.violations(), [("target".to_owned(), "unknown_target".to_owned())]);
    let a = file(json!({"target_type": "institution", "target": "S000050999999", "content": "x"})).await;
    assert_eq!(a.violations(), [("target".to_owned(), "unknown_target".to_owned())]);
    let a =
        file(json!({"target_type": "school", "target": code, "content": " ", "contact": {"phone": "abc"}}))
            .await;
    let mut v = a.violations();
    v.sort();
    assert_eq!(
        v,
        [
            ("contact.phone".to_owned(), "invalid_phone".to_owned()),
            ("content".to_owned(), "blank".to_owned()),
            ("target_type".to_owned(), "not_one_of".to_owned())
        ]
    );
    assert_eq!(s.app.count("complaints").await, 0);

    // A certificate's code names its institution, whether or not the certificate exists.
    let anonymous = file(json!({"target_type": "certificate", "target": format!("{code}264000001"), "content": "怀疑证书造假"})).await;
    assert_eq!(anonymous.status.as_u16(), 201, "{}", anonymous.text);
    let a = file(json!({"target_type": "institution", "target": code, "content": "考核现场有人代考。",
                        "contact": {"name": "王先生", "phone": "13912345678"}}))
    .await;
    assert_eq!(a.status.as_u16(), 201, "{}", a.text);
    let number = a.body["tracking_number"].as_str().expect("number").to_owned();
    let secret = a.body["secret"].as_str().expect("secret").to_owned();
    assert!(number.starts_with("TS20261102-"), "{number}");
    let follow = |secret: &str| {
        s.app.send(
            s.app
                .request(Method::GET, &format!("/api/v1/public/complaints/{number}"))
                .header("X-Complaint-Secret", secret),
        )
    };
    let a = follow(&secret).await;
    assert_eq!((a.status.as_u16(), a.body["status"].clone()), (200, json!("received")), "{}", a.text);
    follow("wrong-secret").await.problem(404, "not_found");

    // The centre triages; the district investigates; other districts see nothing.
    let centre = s.centre.clone();
    let list = s.app.get("/api/v1/complaints?status=received", Some(&centre)).await;
    assert_eq!(list.body["total"], 2);
    let id = list.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|c| c["tracking_number"] == number.as_str())
        .expect("listed")["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let own = district_user(&s.app, &s.admin, "district.own", "500101").await;
    let other = district_user(&s.app, &s.admin, "district.other", "500103").await;
    s.app.get(&format!("/api/v1/complaints/{id}"), Some(&own)).await.problem(404, "not_found");
    let note = json!({"body": "已约谈考评员张某，调取监控。"});
    s.app
        .json(Method::POST, &format!("/api/v1/complaints/{id}/notes"), Some(&centre), &note)
        .await
        .problem(409, "wrong_status");
    let a = s
        .app
        .json(
            Method::POST,
            &format!("/api/v1/complaints/{id}/assign"),
            Some(&centre),
            &json!({"to": "district"}),
        )
        .await;
    assert_eq!(a.status.as_u16(), 200, "{}", a.text);
    assert_eq!(a.body["assigned_district"], "500101");
    // 20 working days from Monday 2026-11-02.
    assert_eq!(a.body["due_on"], "2026-11-30");
    assert_eq!(s.app.get("/api/v1/complaints", Some(&own)).await.body["total"], 1);
    assert_eq!(s.app.get("/api/v1/complaints", Some(&other)).await.body["total"], 0);
    s.app.get(&format!("/api/v1/complaints/{id}"), Some(&other)).await.problem(404, "not_found");
    // Taken back by the centre, the district can no longer act on it.
    let back = json!({"to": "centre"});
    s.app.json(Method::POST, &format!("/api/v1/complaints/{id}/assign"), Some(&centre), &back).await;
    s.app
        .json(Method::POST, &format!("/api/v1/complaints/{id}/notes"), Some(&own), &note)
        .await
        .problem(404, "not_found");
    s.app
        .json(
            Method::POST,
            &format!("/api/v1/complaints/{id}/assign"),
            Some(&centre),
            &json!({"to": "district"}),
        )
        .await;
    let a = s.app.json(Method::POST, &format!("/api/v1/complaints/{id}/notes"), Some(&own), &note).await;
    assert_eq!(a.status.as_u16(), 201, "{}", a.text);
    assert_eq!(a.body["notes"][0]["body"], "已约谈考评员张某，调取监控。");
    assert_eq!(a.body["contact_phone"], "13912345678", "the handler can reach the complainant");
    let a = s
        .app
        .json(
            Method::POST,
            &format!("/api/v1/complaints/{id}/close"),
            Some(&own),
            &json!({"upheld": true, "outcome": "反映情况属实。", "actions": "已责令整改并记录违规。"}),
        )
        .await;
    assert_eq!(a.body["status"], "closed", "{}", a.text);
    s.app
        .json(
            Method::POST,
            &format!("/api/v1/complaints/{id}/close"),
            Some(&own),
            &json!({"upheld": false, "outcome": "x"}),
        )
        .await
        .problem(409, "wrong_status");

    // The complainant sees the outcome, never notes or contact details.
    let a = follow(&secret).await;
    assert_eq!(a.body["status"], "closed");
    assert_eq!(a.body["upheld"], true);
    assert_eq!(a.body["outcome"], "反映情况属实。");
    assert!(!a.text.contains("调取监控") && !a.text.contains("13912345678"), "{}", a.text);

    // The anonymous complaint was never triaged: after its 5 working days it is overdue.
    set_today(&s.app, d("2026-11-10"));
    let centre = s.app.login("centre.plan", "a-long-password-1").await;
    let a = s.app.get("/api/v1/complaints?overdue=true", Some(&centre)).await;
    assert_eq!(a.body["total"], 1, "{}", a.text);
    assert_eq!(a.body["items"][0]["tracking_number"], anonymous.body["tracking_number"]);
    assert_eq!(a.body["items"][0]["overdue"], true);
    let e = s.app.get("/api/v1/audit-events?target_type=complaint", Some(&centre)).await;
    assert_eq!(e.body["total"], 7, "filed ×2, assigned ×3, noted, closed: {}", e.text);
    assert!(!e.text.contains("13912345678"), "no contact in the audit log");
}

async fn pool(app: &TestApp, admin: &str, employer: Option<&str>, name: &str) -> String {
    let a = app
        .json(
            Method::POST,
            "/api/v1/inspectors",
            Some(admin),
            &json!({"name": name, "organisation": "检查组", "employer_school_id": employer}),
        )
        .await;
    assert_eq!(a.status.as_u16(), 201, "{}", a.text);
    a.body["id"].as_str().expect("id").to_owned()
}

// R36: the same seed draws the same institutions and inspectors; nobody inspects their own school;
// anyone can repeat the draw from the published task.
#[tokio::test]
async fn r36_the_same_seed_draws_the_same_institutions_and_inspectors() {
    let s = setup("2026-11-02").await;
    let expert = s.app.expert(&s.admin, "expert.two").await;
    let standard = s.app.standard(&s.admin, "4-03-02-01", &["4"]).await;
    let mut schools = vec![s.school.id.clone()];
    let mut in_fuling = String::new();
    for n in 2..=4 {
        // School 4 is in 涪陵区, the others in 万州区.
        let district = if n == 4 { "500102" } else { "500101" };
        let school = s.app.school(&s.admin, n, "technical_school", district).await;
        let institution =
            s.app.file_institution(&s.admin, &school, &expert, &[("4-03-02-01", "4", &standard)]).await;
        if n == 4 {
            in_fuling = institution;
        }
        schools.push(school.id);
    }
    // Three inspectors: one from school 1, one from school 2, one from the centre.
    let own1 = pool(&s.app, &s.admin, Some(&schools[0]), "甲").await;
    let own2 = pool(&s.app, &s.admin, Some(&schools[1]), "乙").await;
    let centre_inspector = pool(&s.app, &s.admin, None, "丙").await;
    let task = json!({"title": "2026年第四季度现场检查", "kind": "on_site", "sample_size": 4,
                      "inspectors_per_institution": 2});
    let a = s.app.json(Method::POST, "/api/v1/inspection-tasks", Some(&s.admin), &task).await;
    assert_eq!(a.status.as_u16(), 201, "{}", a.text);
    assert_eq!(a.body["seed"].as_str().map(str::len), Some(32), "a random seed from the server: {}", a.text);
    // The published seed, population and pool draw exactly the published result.
    let population: Vec<domain::supervision::Candidate<String>> = a.body["population"]
        .as_array()
        .expect("population")
        .iter()
        .map(|p| domain::supervision::Candidate {
            id: p["institution_id"].as_str().expect("id").to_owned(),
            school: p["school_id"].as_str().expect("school").to_owned(),
        })
        .collect();
    let members: Vec<domain::supervision::PoolMember<String>> = a.body["pool"]
        .as_array()
        .expect("pool")
        .iter()
        .map(|p| domain::supervision::PoolMember {
            id: p["inspector_id"].as_str().expect("id").to_owned(),
            employer: p["employer_school_id"].as_str().map(str::to_owned),
        })
        .collect();
    let again =
        domain::supervision::draw(a.body["seed"].as_str().expect("seed"), &population, &members, 4, 2)
            .expect("draw");
    let published: Vec<(String, Vec<String>)> = a.body["targets"]
        .as_array()
        .expect("targets")
        .iter()
        .map(|t| {
            (
                t["institution_id"].as_str().expect("id").to_owned(),
                t["inspector_ids"]
                    .as_array()
                    .expect("ids")
                    .iter()
                    .map(|i| i.as_str().expect("id").to_owned())
                    .collect(),
            )
        })
        .collect();
    assert_eq!(
        again.into_iter().map(|d| (d.institution, d.inspectors)).collect::<Vec<_>>(),
        published,
        "the same seed draws the same institutions and inspectors"
    );
    assert_eq!(a.body["population"].as_array().map(Vec::len), Some(4));
    // R38: a district office sees the tasks that drew its institutions, and of each only those;
    // another district neither (the seed, population and pool stay whole: they are published).
    let task_id = a.body["id"].as_str().expect("id").to_owned();
    let own = district_user(&s.app, &s.admin, "district.r36.own", "500102").await;
    let other = district_user(&s.app, &s.admin, "district.r36.other", "500103").await;
    let seen = s.app.get(&format!("/api/v1/inspection-tasks/{task_id}"), Some(&own)).await;
    let targets: Vec<&str> = seen.body["targets"]
        .as_array()
        .expect("targets")
        .iter()
        .map(|t| t["institution_id"].as_str().expect("id"))
        .collect();
    assert_eq!(targets, [in_fuling.as_str()], "{}", seen.text);
    assert_eq!(seen.body["population"].as_array().map(Vec::len), Some(4));
    let listed = s.app.get("/api/v1/inspection-tasks", Some(&own)).await;
    assert_eq!(listed.body["total"], 1, "{}", listed.text);
    assert_eq!(listed.body["items"][0]["targets"].as_array().map(Vec::len), Some(1));
    assert_eq!(s.app.get("/api/v1/inspection-tasks", Some(&other)).await.body["total"], 0);
    s.app.get(&format!("/api/v1/inspection-tasks/{task_id}"), Some(&other)).await.problem(404, "not_found");
    let whole = s.app.get(&format!("/api/v1/inspection-tasks/{task_id}"), Some(&s.centre)).await;
    assert_eq!(whole.body["targets"].as_array().map(Vec::len), Some(4));
    for t in a.body["targets"].as_array().expect("targets") {
        let ids: Vec<&str> =
            t["inspector_ids"].as_array().expect("ids").iter().map(|i| i.as_str().expect("id")).collect();
        let school = a.body["population"]
            .as_array()
            .expect("population")
            .iter()
            .find(|p| p["institution_id"] == t["institution_id"])
            .expect("member")["school_id"]
            .as_str()
            .expect("school")
            .to_owned();
        if school == schools[0] {
            assert!(!ids.contains(&own1.as_str()));
            assert_eq!(
                {
                    let mut x = ids.clone();
                    x.sort();
                    x
                },
                {
                    let mut y = vec![own2.as_str(), centre_inspector.as_str()];
                    y.sort();
                    y
                }
            );
        }
        if school == schools[1] {
            assert!(!ids.contains(&own2.as_str()));
        }
    }
    let bad = json!({"title": "x", "kind": "random", "sample_size": 9, "seed": "mine", "inspectors_per_institution": 3});
    let a2 = s.app.json(Method::POST, "/api/v1/inspection-tasks", Some(&s.admin), &bad).await;
    assert_eq!(a2.violations(), [("seed".to_owned(), "unknown_field".to_owned())], "nobody chooses the seed");
    let bad = json!({"title": "x", "kind": "random", "sample_size": 9, "inspectors_per_institution": 3});
    let mut v = s.app.json(Method::POST, "/api/v1/inspection-tasks", Some(&s.admin), &bad).await.violations();
    v.sort();
    assert_eq!(
        v,
        [("kind".to_owned(), "not_one_of".to_owned()), ("sample_size".to_owned(), "out_of_range".to_owned())]
    );
    // Only school 1's institution holds 车工: two of three inspectors are eligible for it.
    let three = json!({"title": "x", "kind": "special", "sample_size": 1, "inspectors_per_institution": 3,
                       "criteria": {"occupation_code": LATHE}});
    let a3 = s.app.json(Method::POST, "/api/v1/inspection-tasks", Some(&s.admin), &three).await;
    assert_eq!(
        a3.violations(),
        [("inspectors_per_institution".to_owned(), "too_few_inspectors".to_owned())],
        "{}",
        a3.text
    );

    // A deactivated inspector is no longer drawn; a task may name its pool.
    let d = s
        .app
        .json(
            Method::POST,
            &format!("/api/v1/inspectors/{centre_inspector}/deactivate"),
            Some(&s.admin),
            &json!({}),
        )
        .await;
    assert_eq!(d.body["active"], false, "{}", d.text);
    let two = json!({"title": "x", "kind": "special", "sample_size": 1, "inspectors_per_institution": 2,
                     "criteria": {"occupation_code": LATHE}});
    let a2 = s.app.json(Method::POST, "/api/v1/inspection-tasks", Some(&s.admin), &two).await;
    assert_eq!(a2.violations(), [("inspectors_per_institution".to_owned(), "too_few_inspectors".to_owned())]);
    let named = json!({"title": "x", "kind": "special", "sample_size": 1, "inspectors_per_institution": 1,
                       "inspector_ids": [own1, centre_inspector]});
    let mut v =
        s.app.json(Method::POST, "/api/v1/inspection-tasks", Some(&s.admin), &named).await.violations();
    v.sort();
    assert_eq!(v, [("inspector_ids[1]".to_owned(), "unknown_inspector".to_owned())]);

    // Results are recorded once and published.
    let id = a.body["id"].as_str().expect("id");
    let first = a.body["targets"][0]["institution_id"].as_str().expect("institution");
    let result =
        json!({"institution_id": first, "result": "rectify", "findings": "考评员资格证书未上墙公示。"});
    let r = s
        .app
        .json(Method::POST, &format!("/api/v1/inspection-tasks/{id}/results"), Some(&s.centre), &result)
        .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.text);
    s.app
        .json(Method::POST, &format!("/api/v1/inspection-tasks/{id}/results"), Some(&s.centre), &result)
        .await
        .problem(409, "result_recorded");
    let public = s.app.get("/api/v1/public/inspections", None).await;
    assert_eq!(public.body["total"], 1);
    let published =
        public.body["items"].as_array().expect("items").iter().find(|t| t["id"] == id).expect("task");
    assert_eq!(published["seed"], a.body["seed"]);
    assert_eq!(published["targets"][0]["result_name"], "限期整改");

    // Anyone can repeat every published draw with the documented algorithm, without skillcert.
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/reproduce_draw.py");
    let mut child = std::process::Command::new("python3")
        .arg(script)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("python3");
    child.stdin.take().expect("stdin").write_all(public.text.as_bytes()).expect("write");
    let out = child.wait_with_output().expect("python3 ran");
    let printed = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{printed}");
    assert_eq!(printed.matches(" OK").count(), 1, "{printed}");
}

// R37: the score follows the documented formula; the bureau adjusts with a reason; published
// ratings are public and fixed.
#[tokio::test]
async fn r37_integrity_ratings_follow_the_formula_and_are_published() {
    let s = setup("2026-11-02").await;
    let code = institution_code(&s).await;
    // A result report the centre returns (two weeks later, after the publicity).
    let plan = acknowledged_plan(&s, 1).await;
    let ids = candidate_ids(&s, &plan).await;
    let path = format!("/api/v1/plans/{plan}");
    let a = s
        .app
        .json(
            Method::POST,
            &format!("{path}/results"),
            Some(&s.school.token),
            &scores(&ids, &[(80.0, 80.0, 80.0)]),
        )
        .await;
    assert_eq!(a.status.as_u16(), 200, "{}", a.text);
    s.app.json(Method::POST, &format!("{path}/publicity"), Some(&s.school.token), &json!({})).await;
    set_today(&s.app, d("2026-11-16"));
    let school = s.app.login("school1", "a-long-password-1").await;
    let centre = s.app.login("centre.plan", "a-long-password-1").await;
    let admin = s.app.login("admin", tests::ADMIN_PASSWORD).await;
    let a = s.app.json(Method::POST, &format!("{path}/report"), Some(&school), &json!({})).await;
    assert_eq!(a.status.as_u16(), 200, "{}", a.text);
    let a = s
        .app
        .json(
            Method::POST,
            &format!("{path}/review"),
            Some(&centre),
            &json!({"decision": "return", "reasons": "成绩单缺签字"}),
        )
        .await;
    assert_eq!(a.body["phase"], "review_returned", "{}", a.text);
    pool(&s.app, &admin, None, "丙").await;
    let a = s
        .app
        .json(
            Method::POST,
            "/api/v1/inspection-tasks",
            Some(&admin),
            &json!({"title": "t", "kind": "on_site", "sample_size": 1, "inspectors_per_institution": 1}),
        )
        .await;
    let task = a.body["id"].as_str().expect("task").to_owned();
    let r = s
        .app
        .json(
            Method::POST,
            &format!("/api/v1/inspection-tasks/{task}/results"),
            Some(&admin),
            &json!({"institution_id": s.institution, "result": "fail", "findings": "考核记录缺失。"}),
        )
        .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.text);
    // An upheld complaint.
    let c = s
        .app
        .json(
            Method::POST,
            "/api/v1/public/complaints",
            None,
            &json!({"target_type": "institution", "target": code, "content": "乱收费"}),
        )
        .await;
    let list = s.app.get("/api/v1/complaints", Some(&admin)).await;
    let cid = list.body["items"][0]["id"].as_str().expect("id").to_owned();
    assert_eq!(list.body["items"][0]["tracking_number"], c.body["tracking_number"]);
    s.app
        .json(
            Method::POST,
            &format!("/api/v1/complaints/{cid}/assign"),
            Some(&admin),
            &json!({"to": "centre"}),
        )
        .await;
    let a = s
        .app
        .json(
            Method::POST,
            &format!("/api/v1/complaints/{cid}/close"),
            Some(&admin),
            &json!({"upheld": true, "outcome": "属实"}),
        )
        .await;
    assert_eq!(a.status.as_u16(), 200, "{}", a.text);
    // A warning.
    s.app
        .json(
            Method::POST,
            &format!("/api/v1/institutions/{}/violations", s.institution),
            Some(&admin),
            &json!({"occurred_on": "2026-10-01", "description": "超范围收费", "sanction": "warning", "complaint_id": cid}),
        )
        .await;

    let a =
        s.app.json(Method::POST, "/api/v1/integrity-ratings/2026/compute", Some(&admin), &json!({})).await;
    assert_eq!(a.status.as_u16(), 200, "{}", a.text);
    let r = &a.body[0];
    assert_eq!(r["inputs"]["inspections_failed"], 1);
    assert_eq!(r["inputs"]["complaints_upheld"], 1);
    assert_eq!(r["inputs"]["warnings"], 1);
    assert_eq!(r["inputs"]["reports_returned"], 1);
    // 100 − 20 (failed inspection) − 10 (upheld complaint) − 10 (warning) − 5 (returned report).
    assert_eq!(
        (r["computed_score"].clone(), r["score"].clone(), r["grade"].clone()),
        (json!(55), json!(55), json!("D"))
    );
    let adjust = format!("/api/v1/integrity-ratings/2026/{}/adjust", s.institution);
    let a = s.app.json(Method::POST, &adjust, Some(&admin), &json!({"adjustment": 30, "reason": ""})).await;
    let mut v = a.violations();
    v.sort();
    assert_eq!(
        v,
        [("adjustment".to_owned(), "out_of_range".to_owned()), ("reason".to_owned(), "blank".to_owned())]
    );
    let a = s
        .app
        .json(
            Method::POST,
            &adjust,
            Some(&admin),
            &json!({"adjustment": 20, "reason": "整改到位，主动退费。"}),
        )
        .await;
    assert_eq!((a.body["score"].clone(), a.body["grade"].clone()), (json!(75), json!("B")), "{}", a.text);
    // Recomputing keeps the adjustment.
    let a =
        s.app.json(Method::POST, "/api/v1/integrity-ratings/2026/compute", Some(&admin), &json!({})).await;
    assert_eq!(a.body[0]["score"], 75);
    assert_eq!(
        s.app.get("/api/v1/public/integrity-ratings?period=2026", None).await.body["items"],
        json!([]),
        "not yet published"
    );
    let a =
        s.app.json(Method::POST, "/api/v1/integrity-ratings/2026/publish", Some(&admin), &json!({})).await;
    assert_eq!(a.body["published"], 1, "{}", a.text);
    let p = s.app.get("/api/v1/public/integrity-ratings?period=2026", None).await;
    assert_eq!(p.body["items"][0]["grade_name"], "B级（较好）");
    assert_eq!(p.body["items"][0]["adjustment_reason"], "整改到位，主动退费。");
    s.app
        .json(Method::POST, "/api/v1/integrity-ratings/2026/compute", Some(&admin), &json!({}))
        .await
        .problem(409, "ratings_published");
    s.app
        .json(Method::POST, &adjust, Some(&admin), &json!({"adjustment": 0, "reason": "x"}))
        .await
        .problem(409, "ratings_published");
    s.app
        .json(Method::POST, "/api/v1/integrity-ratings/2027/compute", Some(&admin), &json!({}))
        .await
        .problem(422, "validation_failed");
    let school = s.app.get("/api/v1/integrity-ratings?period=2026", Some(&school)).await;
    assert_eq!(school.body["total"], 1);
}

fn unzip(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("zip");
    (0..z.len())
        .map(|i| {
            let mut f = z.by_index(i).expect("entry");
            let mut data = Vec::new();
            f.read_to_end(&mut data).expect("read");
            (f.name().expect("name").to_string(), data)
        })
        .collect()
}

// Statistics and R32: counts by scope, exports, records that cannot be deleted, the archive.
#[tokio::test]
async fn r32_statistics_retention_and_the_archive() {
    let s = setup("2026-11-02").await;
    let plan = draft_plan(&s, 3).await;
    let png = tests::hostile::two_inch_png();
    let ids = candidate_ids(&s, &plan).await;
    let a = s
        .app
        .send(
            s.app
                .request(Method::PUT, &format!("/api/v1/plans/{plan}/candidates/{}/photo", ids[0]))
                .bearer_auth(&s.school.token)
                .header("Content-Type", "image/png")
                .body(png.clone()),
        )
        .await;
    assert_eq!(a.status.as_u16(), 204, "{}", a.text);
    file_and_acknowledge(&s, &plan).await;
    review(&s, &plan).await;
    let school = s.app.login("school1", "a-long-password-1").await;
    let admin = s.app.login("admin", tests::ADMIN_PASSWORD).await;
    let centre = s.app.login("centre.plan", "a-long-password-1").await;
    let a = s
        .app
        .json(Method::POST, &format!("/api/v1/plans/{plan}/certificates"), Some(&school), &json!({}))
        .await;
    assert_eq!(a.status.as_u16(), 201, "{}", a.text);
    let cert = a.body["items"][0]["code"].as_str().expect("id").to_owned();
    let a = s
        .app
        .json(
            Method::POST,
            &format!("/api/v1/certificates/{cert}/revoke"),
            Some(&school),
            &json!({"reason": "信息录入错误"}),
        )
        .await;
    assert_eq!(a.status.as_u16(), 200, "{}", a.text);

    // Statistics: bureau and centre all, a district its own, a school none.
    let a = s.app.get("/api/v1/statistics/certificates?group_by=year,district,level", Some(&admin)).await;
    assert_eq!(a.status.as_u16(), 200, "{}", a.text);
    assert_eq!(a.body.as_array().map(Vec::len), Some(1), "{}", a.text);
    let row = &a.body[0];
    assert_eq!(
        (row["year"].clone(), row["district_code"].clone(), row["level"].clone()),
        (json!(2026), json!("500101"), json!("4"))
    );
    assert_eq!(
        (row["issued"].clone(), row["valid"].clone(), row["revoked"].clone()),
        (json!(3), json!(2), json!(1))
    );
    assert!(row.get("institution_code").is_none());
    let own = district_user(&s.app, &admin, "district.own", "500101").await;
    let other = district_user(&s.app, &admin, "district.other", "500103").await;
    assert_eq!(s.app.get("/api/v1/statistics/certificates", Some(&own)).await.body[0]["issued"], 3);
    assert_eq!(s.app.get("/api/v1/statistics/certificates", Some(&other)).await.body, json!([]));
    assert_eq!(
        s.app.get("/api/v1/statistics/certificates?district_code=500101", Some(&other)).await.body,
        json!([]),
        "a district cannot widen its scope"
    );
    s.app.get("/api/v1/statistics/certificates", Some(&school)).await.problem(403, "forbidden");
    s.app
        .get("/api/v1/statistics/certificates?group_by=colour", Some(&admin))
        .await
        .problem(400, "invalid_query");
    let csv = s.app.get("/api/v1/statistics/certificates?group_by=occupation&format=csv", Some(&admin)).await;
    assert_eq!(csv.header("content-type"), Some("text/csv; charset=utf-8"));
    assert_eq!(
        csv.text.trim_start_matches('\u{feff}').lines().collect::<Vec<_>>(),
        ["职业编码,职业名称,发证数,有效,已撤销,已换发", "6-18-01-01,车工,3,2,1,0"]
    );
    let xlsx = s
        .app
        .send(
            s.app
                .request(Method::GET, "/api/v1/statistics/pass-rates?by=occupation&format=xlsx")
                .bearer_auth(&admin),
        )
        .await;
    assert_eq!(xlsx.status.as_u16(), 200);
    assert!(
        unzip(&xlsx.bytes)
            .iter()
            .any(|(n, d)| n == "xl/worksheets/sheet1.xml" && String::from_utf8_lossy(d).contains("车工"))
    );
    let a = s.app.get("/api/v1/statistics/pass-rates", Some(&centre)).await;
    assert_eq!(a.body.as_array().map(Vec::len), Some(1), "{}", a.text);
    assert_eq!(
        (
            a.body[0]["candidates"].clone(),
            a.body[0]["assessed"].clone(),
            a.body[0]["passed"].clone(),
            a.body[0]["pass_rate"].clone()
        ),
        (json!(3), json!(3), json!(3), json!(1.0))
    );
    let csv = s.app.get("/api/v1/statistics/pass-rates?by=occupation&format=csv", Some(&centre)).await;
    assert_eq!(csv.header("content-type"), Some("text/csv; charset=utf-8"));
    assert_eq!(csv.text.trim_start_matches('\u{feff}').lines().count(), 2, "{}", csv.text);

    // R32: the database refuses to delete records under retention. First a row in every
    // supervision table too, since a row trigger only fires on a row.
    let code = institution_code_with(&s, &admin).await;
    let c = s
        .app
        .json(
            Method::POST,
            "/api/v1/public/complaints",
            None,
            &json!({"target_type": "institution", "target": code, "content": "x"}),
        )
        .await;
    assert_eq!(c.status.as_u16(), 201, "{}", c.text);
    let cid = s.app.get("/api/v1/complaints", Some(&admin)).await.body["items"][0]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    s.app
        .json(
            Method::POST,
            &format!("/api/v1/complaints/{cid}/assign"),
            Some(&admin),
            &json!({"to": "centre"}),
        )
        .await;
    let n = s
        .app
        .json(
            Method::POST,
            &format!("/api/v1/complaints/{cid}/notes"),
            Some(&admin),
            &json!({"body": "核查中"}),
        )
        .await;
    assert_eq!(n.status.as_u16(), 201, "{}", n.text);
    let v = json!({"occurred_on": "2026-11-01", "description": "x", "sanction": "warning"});
    let r = s
        .app
        .json(Method::POST, &format!("/api/v1/institutions/{}/violations", s.institution), Some(&admin), &v)
        .await;
    assert_eq!(r.status.as_u16(), 201, "{}", r.text);
    pool(&s.app, &admin, None, "丙").await;
    let t = s
        .app
        .json(
            Method::POST,
            "/api/v1/inspection-tasks",
            Some(&admin),
            &json!({"title": "t", "kind": "special", "sample_size": 1, "inspectors_per_institution": 1}),
        )
        .await;
    assert_eq!(t.status.as_u16(), 201, "{}", t.text);
    let r =
        s.app.json(Method::POST, "/api/v1/integrity-ratings/2026/compute", Some(&admin), &json!({})).await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.text);
    let db = &s.app.state.db;
    let backend = db.get_database_backend();
    for table in [
        "filings",
        "filing_rounds",
        "attachments",
        "institutions",
        "plans",
        "plan_sessions",
        "plan_occupations",
        "candidates",
        "assessment_results",
        "plan_reports",
        "certificates",
        "violations",
        "complaints",
        "complaint_notes",
        "inspection_tasks",
        "inspection_targets",
        "integrity_ratings",
    ] {
        let before = s.app.count(table).await;
        assert!(before > 0, "{table} has a row to protect");
        let r = db.execute_raw(Statement::from_string(backend, format!("DELETE FROM {table}"))).await;
        assert!(r.is_err(), "DELETE FROM {table} must fail");
        assert_eq!(s.app.count(table).await, before, "{table}");
    }
    // …and the API offers no way to delete anything.
    let contract =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi.yaml")).expect("contract");
    assert!(!contract.contains("\n    delete:"), "no DELETE operation in the contract");

    // The archive: every file is listed in SHA256SUMS with its real checksum.
    let a = s
        .app
        .send(
            s.app
                .request(Method::GET, &format!("/api/v1/institutions/{}/archive?year=2026", s.institution))
                .bearer_auth(&school),
        )
        .await;
    assert_eq!(a.status.as_u16(), 200, "{}", a.text);
    assert_eq!(a.header("content-type"), Some("application/zip"));
    let files = unzip(&a.bytes);
    let sums = files
        .iter()
        .find(|(n, _)| n == "SHA256SUMS")
        .map(|(_, d)| String::from_utf8_lossy(d).into_owned())
        .expect("sums");
    let mut checked = 0;
    for line in sums.lines() {
        let (sum, path) = line.split_once("  ").expect("sum  path");
        let data = &files.iter().find(|(n, _)| n == path).expect("listed file is in the archive").1;
        let real: String = {
            use sha2::Digest as _;
            sha2::Sha256::digest(data).iter().map(|b| format!("{b:02x}")).collect()
        };
        assert_eq!(sum, real, "{path}");
        checked += 1;
    }
    assert_eq!(checked, files.len() - 1, "every file but SHA256SUMS itself is listed");
    // …and coreutils agree, without skillcert.
    let dir = tempfile::tempdir().expect("dir");
    for (name, data) in &files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, data).expect("write");
    }
    let check = std::process::Command::new("sha256sum")
        .args(["-c", "--quiet", "SHA256SUMS"])
        .current_dir(dir.path())
        .output()
        .expect("sha256sum");
    assert!(check.status.success(), "{}", String::from_utf8_lossy(&check.stdout));
    let certs: Value = serde_json::from_slice(
        &files.iter().find(|(n, _)| n == &format!("plans/{plan}/certificates.json")).expect("certificates").1,
    )
    .expect("json");
    assert_eq!(certs.as_array().map(Vec::len), Some(3));
    let photo = files.iter().find(|(n, _)| n.starts_with(&format!("plans/{plan}/photos/"))).expect("photo");
    assert_eq!(photo.1, png);
    let results: Value =
        serde_json::from_slice(&files.iter().find(|(n, _)| n.ends_with("/results.json")).expect("results").1)
            .expect("json");
    assert_eq!(results.as_array().map(Vec::len), Some(9), "3 candidates × 3 components");
    let other_year = s
        .app
        .send(
            s.app
                .request(Method::GET, &format!("/api/v1/institutions/{}/archive?year=2025", s.institution))
                .bearer_auth(&school),
        )
        .await;
    assert!(!unzip(&other_year.bytes).iter().any(|(n, _)| n.starts_with("plans/")));
    s.app
        .send(
            s.app
                .request(Method::GET, &format!("/api/v1/institutions/{}/archive?year=2026", s.institution))
                .bearer_auth(&other),
        )
        .await
        .problem(404, "not_found");
    let e = s.app.get("/api/v1/audit-events?action=archive.exported", Some(&admin)).await;
    assert_eq!(e.body["total"], 2);
}
