//! The centre's pools of people (issue 25, point 8; notice 五(一)): the registry of examiners,
//! quality supervisors and experts; filings and plans naming only registered examiners qualified
//! for the occupation and level and valid on the day; the seeded draw of a quality supervisor per
//! plan, never from the plan's school; expert recusal.

#![allow(clippy::expect_used, reason = "test code: a failed setup step should fail the test loudly")]

use futures_util::future::join_all;
use reqwest::Method;
use serde_json::{Value, json};
use tests::pipeline::*;
use tests::{TestApp, complete_document, resident_id};

fn examiner(name: &str, id: u16, number: &str, levels: &[&str], until: &str) -> Value {
    json!({"kind": "examiner", "name": name, "id_number": resident_id(id), "certificate_number": number,
           "valid_until": until, "employer": "本校", "qualifications": [{"occupation_code": LATHE, "levels": levels}]})
}

async fn register(app: &TestApp, centre: &str, body: &Value) -> tests::Answer {
    app.json(Method::POST, "/api/v1/personnel", Some(centre), body).await
}

fn sorted(a: &tests::Answer) -> Vec<(String, String)> {
    let mut v = a.violations();
    v.sort();
    v
}

// The registry: the centre registers people with qualifications; ID numbers never come back in
// full; bad input is named field by field; a certificate number is registered once.
#[tokio::test]
async fn the_registry_keeps_people_with_their_qualifications() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let centre = app.registrar(&admin).await;
    let a = register(&app, &centre, &examiner("考评员甲", 10, "KP-9", &["4", "5"], "2099-12-31")).await;
    assert_eq!(a.status.as_u16(), 201, "{}", a.text);
    assert_eq!(a.body["qualifications"], json!([{"occupation_code": LATHE, "levels": ["4", "5"]}]));
    assert!(tests::personal_data(&a.text).is_empty(), "the ID number is masked: {}", a.text);
    let id = a.body["id"].as_str().expect("id").to_owned();
    // The same certificate number again: 409, nothing written.
    let again = register(&app, &centre, &examiner("考评员乙", 11, "KP-9", &["4"], "2099-12-31")).await;
    again.problem(409, "already_exists");
    assert_eq!(app.count("personnel").await, 1);
    // Everything wrong at once.
    let bad = json!({"kind": "inspector", "name": "x\u{0}", "id_number": "123", "certificate_number": "",
                     "valid_until": "2020-01-01", "employer": "本校", "user_id": uuid::Uuid::now_v7(),
                     "qualifications": [{"occupation_code": "9-99-99-99", "levels": ["7"]}]});
    let a = register(&app, &centre, &bad).await;
    a.problem(422, "validation_failed");
    let fields: Vec<String> = sorted(&a).into_iter().map(|(f, _)| f).collect();
    assert_eq!(fields, ["name"], "a NUL byte is refused before anything else: {}", a.text);
    let bad = json!({"kind": "inspector", "name": "x", "id_number": "123", "certificate_number": "",
                     "valid_until": "2099-01-01", "employer": "本校", "qualifications": []});
    let a = register(&app, &centre, &bad).await;
    let fields: Vec<String> = sorted(&a).into_iter().map(|(f, _)| f).collect();
    for f in ["kind", "id_number", "certificate_number"] {
        assert!(fields.contains(&f.to_owned()), "{f} in {}", a.text);
    }
    let a = register(
        &app,
        &centre,
        &json!({"kind": "examiner", "name": "丙", "id_number": resident_id(12), "certificate_number": "KP-8",
                "valid_until": "2020-01-01", "employer": "本校", "user_id": uuid::Uuid::now_v7(),
                "qualifications": [{"occupation_code": "6-18-01-99", "levels": ["7"]}]}),
    )
    .await;
    assert_eq!(
        sorted(&a),
        [
            ("qualifications[0].levels[0]".to_owned(), "invalid_level".to_owned()),
            ("qualifications[0].occupation_code".to_owned(), "unknown_occupation".to_owned()),
            ("user_id".to_owned(), "only_for_experts".to_owned()),
            ("valid_until".to_owned(), "qualification_expired".to_owned()),
        ],
        "{}",
        a.text
    );
    // Qualifications are added, never duplicated; the list shows them.
    let q = app
        .json(
            Method::POST,
            &format!("/api/v1/personnel/{id}/qualifications"),
            Some(&centre),
            &json!({"qualifications": [{"occupation_code": LATHE, "levels": ["3", "4"]}]}),
        )
        .await;
    assert_eq!(q.status.as_u16(), 200, "{}", q.text);
    assert_eq!(q.body["qualifications"], json!([{"occupation_code": LATHE, "levels": ["3", "4", "5"]}]));
    let list = app.get("/api/v1/personnel?kind=examiner&certificate_number=KP-9", Some(&admin)).await;
    assert_eq!(list.body["total"], 1, "{}", list.text);
    assert!(tests::personal_data(&list.text).is_empty(), "{}", list.text);
    let audit = app.get("/api/v1/audit-events?action=personnel.registered", Some(&admin)).await;
    assert!(audit.text.contains("personnel.registered"), "{}", audit.text);
    assert!(tests::personal_data(&audit.text).is_empty(), "{}", audit.text);
}

// Filings name only registered examiners: the certificate number must be in the registry, held
// by the person named, valid on the day of submission and qualified at every level applied for.
#[tokio::test]
async fn pool_a_filing_names_only_registered_qualified_examiners_valid_on_the_day() {
    let app = TestApp::spawn().await;
    set_today(&app, d("2026-11-02"));
    let admin = app.admin_token().await;
    let centre = app.registrar(&admin).await;
    let standard = app.standard(&admin, LATHE, &["4", "5"]).await;
    let school = app.school(&admin, 1, "technical_school", "500101").await;
    // KP-0 qualified at 4 and 5; KP-1 at 5 only; KP-2 held by someone else; KP-3 unknown.
    for body in [
        examiner("考评员0", 10, "KP-0", &["4", "5"], "2099-12-31"),
        examiner("考评员1", 11, "KP-1", &["5"], "2099-12-31"),
        examiner("别人", 99, "KP-2", &["4", "5"], "2099-12-31"),
        examiner("考评员4", 14, "KP-4", &["4", "5"], "2026-11-02"),
    ] {
        let a = register(&app, &centre, &body).await;
        assert_eq!(a.status.as_u16(), 201, "{}", a.text);
    }
    let (filing, _) = app.start_filing(&school, "initial").await;
    let commitment = app.upload_pdf(&school, &filing, "commitment").await;
    let mut doc = complete_document(&[(LATHE, "4", &standard), (LATHE, "5", &standard)], &commitment);
    let fourth = json!({"name": "考评员4", "id_number": resident_id(14), "certificate_number": "KP-4",
                        "occupation_codes": [LATHE], "title": "高级技师", "education": "本科", "employer": "本校"});
    let fifth = json!({"name": "考评员3", "id_number": resident_id(13), "certificate_number": "KP-3",
                       "occupation_codes": [LATHE], "title": "高级技师", "education": "本科", "employer": "本校"});
    let examiners = doc["examiners"].as_array_mut().expect("examiners");
    for e in examiners.iter_mut() {
        e["occupation_codes"] = json!([LATHE]);
    }
    examiners.extend([fourth, fifth]);
    let etag = app.current_etag(&school, &filing).await;
    assert_eq!(app.save_document(&school, &filing, &etag, &doc).await.status.as_u16(), 200);
    // The day after KP-4's certificate ends.
    set_today(&app, d("2026-11-03"));
    let token = app.login("school1", "a-long-password-1").await;
    let a = app.act(&token, &filing, "submit", &json!({})).await;
    a.problem(422, "submission_incomplete");
    assert_eq!(
        sorted(&a),
        [
            ("examiners[1].occupation_codes[0]".to_owned(), "not_qualified".to_owned()),
            ("examiners[2].certificate_number".to_owned(), "registry_mismatch".to_owned()),
            ("examiners[3].certificate_number".to_owned(), "qualification_expired".to_owned()),
            ("examiners[4].certificate_number".to_owned(), "not_registered".to_owned()),
        ],
        "{}",
        a.text
    );
    assert!(a.text.contains("2026-11-02"), "the end of validity is named: {}", a.text);
    assert!(tests::personal_data(&a.text).is_empty(), "{}", a.text);
}

// Plans name only examiners registered, active and qualified on the session's day: one the
// centre deactivated after the filing can no longer be put on a session.
#[tokio::test]
async fn pool_a_plan_names_only_examiners_registered_on_the_session_day() {
    let s = setup("2026-11-02").await;
    let centre = s.app.registrar(&s.admin).await;
    let found = s.app.get("/api/v1/personnel?kind=examiner&certificate_number=KP-1", Some(&centre)).await;
    let id = found.body["items"][0]["id"].as_str().expect("KP-1").to_owned();
    let a = s
        .app
        .json(Method::POST, &format!("/api/v1/personnel/{id}/deactivate"), Some(&centre), &json!({}))
        .await;
    assert_eq!((a.status.as_u16(), a.body["active"].clone()), (200, json!(false)), "{}", a.text);
    let a = s.app.json(Method::POST, "/api/v1/plans", Some(&s.school.token), &plan_body("2026-12-15")).await;
    a.problem(422, "validation_failed");
    assert_eq!(
        sorted(&a),
        [("sessions[0].examiners[1]".to_owned(), "not_registered".to_owned())],
        "{}",
        a.text
    );
    // Level 3 is not in the institution's scope: the plan is refused for that, not the examiners.
    let mut body = plan_body("2026-12-15");
    body["sessions"][0]["examiners"] = json!(["KP-0", "KP-2"]);
    let a = s.app.json(Method::POST, "/api/v1/plans", Some(&s.school.token), &body).await;
    assert_eq!(a.status.as_u16(), 201, "{}", a.text);
}

async fn supervisor(s: &Setup, centre: &str, n: u16, employer_school: Option<&str>, until: &str) -> String {
    let a = register(
        &s.app,
        centre,
        &json!({"kind": "quality_supervisor", "name": format!("督导{n}"), "id_number": resident_id(600 + n),
                "certificate_number": format!("DD-{n}"), "valid_until": until, "employer": "某单位",
                "employer_school_id": employer_school}),
    )
    .await;
    assert_eq!(a.status.as_u16(), 201, "{}", a.text);
    a.body["id"].as_str().expect("id").to_owned()
}

// The centre dispatches a quality supervisor to each plan by a seeded draw: only active ones
// valid through the last session, never one employed by the plan's school, once per plan, and
// anyone can repeat the draw from the published seed and pool.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pool_a_quality_supervisor_is_drawn_per_plan_reproducibly_never_from_the_school() {
    let s = setup("2026-11-02").await;
    let centre = s.app.registrar(&s.admin).await;
    let plan = draft_plan(&s, 2).await;
    let path = format!("/api/v1/plans/{plan}/quality-supervisor");
    // A draft is not the centre's yet.
    s.app.json(Method::POST, &path, Some(&centre), &json!({})).await.problem(409, "wrong_status");
    file_and_acknowledge(&s, &plan).await;
    // Only one employed by the school, and one whose certificate ends before the session.
    let own = supervisor(&s, &centre, 1, Some(&s.school.id), "2099-12-31").await;
    supervisor(&s, &centre, 2, None, "2026-12-14").await;
    let a = s.app.json(Method::POST, &path, Some(&centre), &json!({})).await;
    a.problem(409, "no_eligible_supervisor");
    assert!(a.text.contains("2026-12-15"), "{}", a.text);
    let eligible = [
        supervisor(&s, &centre, 3, None, "2099-12-31").await,
        supervisor(&s, &centre, 4, None, "2026-12-15").await,
    ];
    // Ten draws at once: one succeeds, the others are told it was drawn already.
    let empty = json!({});
    let answers = join_all((0..10).map(|_| s.app.json(Method::POST, &path, Some(&centre), &empty))).await;
    let mut drawn = Vec::new();
    for a in answers {
        match a.status.as_u16() {
            201 => drawn.push(a.body),
            409 => assert_eq!(a.body["code"], "already_drawn", "{}", a.text),
            other => panic!("{other}: {}", a.text),
        }
    }
    assert_eq!(drawn.len(), 1, "one draw per plan");
    assert_eq!(s.app.count("plan_quality_supervisors").await, 1);
    let d = &drawn[0];
    let person = d["person_id"].as_str().expect("person").to_owned();
    assert!(eligible.contains(&person), "drawn {person} from {eligible:?}");
    assert_ne!(person, own);
    // Repeat the draw from what is published: the pool in order with each one's employer.
    let pool: Vec<uuid::Uuid> = serde_json::from_value(d["pool"].clone()).expect("pool");
    assert_eq!(pool.len(), 3, "the valid ones, the school's own included: {}", d);
    let mut members = Vec::new();
    for id in &pool {
        let p = s.app.get(&format!("/api/v1/personnel/{id}"), Some(&centre)).await;
        let employer = p.body["employer_school_id"].as_str().map(|e| e.parse::<uuid::Uuid>().expect("uuid"));
        members.push(domain::supervision::PoolMember { id: *id, employer });
    }
    let plan_id: uuid::Uuid = plan.parse().expect("plan id");
    let school: uuid::Uuid = s.school.id.parse().expect("school id");
    let again = domain::supervision::draw(
        d["seed"].as_str().expect("seed"),
        &[domain::supervision::Candidate { id: plan_id, school }],
        &members,
        1,
        1,
    )
    .expect("draw");
    assert_eq!(again[0].inspectors[0].to_string(), person);
    // The school sees who comes; another school does not.
    let seen = s.app.get(&path, Some(&s.school.token)).await;
    assert_eq!(seen.body["person_id"], json!(person), "{}", seen.text);
    assert!(tests::personal_data(&seen.text).is_empty(), "{}", seen.text);
}

// Recusal: an expert employed by the applicant school is refused, and so is an expert account
// the centre has not registered.
#[tokio::test]
async fn pool_an_expert_from_the_applicant_school_is_recused() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let centre = app.registrar(&admin).await;
    let standard = app.standard(&admin, LATHE, &["4"]).await;
    let school = app.school(&admin, 1, "technical_school", "500101").await;
    let insider = app.create_user(&admin, "expert.insider", "expert", None).await;
    let insider = insider["id"].as_str().expect("id").to_owned();
    let a = register(
        &app,
        &centre,
        &json!({"kind": "expert", "name": "内部专家", "id_number": resident_id(800), "certificate_number": "ZJ-1",
                "valid_until": "2099-12-31", "employer": "重庆市某技工学校", "employer_school_id": school.id,
                "user_id": insider}),
    )
    .await;
    assert_eq!(a.status.as_u16(), 201, "{}", a.text);
    let stranger = app.create_user(&admin, "expert.unregistered", "expert", None).await;
    let stranger = stranger["id"].as_str().expect("id").to_owned();
    let (filing, _) = app.start_filing(&school, "initial").await;
    let commitment = app.upload_pdf(&school, &filing, "commitment").await;
    let doc = complete_document(&[(LATHE, "4", &standard)], &commitment);
    let etag = app.current_etag(&school, &filing).await;
    assert_eq!(app.save_document(&school, &filing, &etag, &doc).await.status.as_u16(), 200);
    app.register_examiners(&admin, &doc).await;
    assert_eq!(app.act(&school.token, &filing, "submit", &json!({})).await.status.as_u16(), 200);
    assert_eq!(app.act(&admin, &filing, "accept", &json!({})).await.status.as_u16(), 200);
    let events = app.count("audit_events").await;
    let a = app.act(&admin, &filing, "experts", &json!({"expert_ids": [insider, stranger]})).await;
    a.problem(422, "validation_failed");
    assert_eq!(
        sorted(&a),
        [
            ("expert_ids[0]".to_owned(), "recused".to_owned()),
            ("expert_ids[1]".to_owned(), "expert_not_registered".to_owned()),
        ]
    );
    assert_eq!(app.count("filing_experts").await, 0, "nothing assigned");
    assert_eq!(app.count("audit_events").await, events, "no event for a refused change");
    let outsider = app.expert(&admin, "expert.outside").await;
    let a = app.act(&admin, &filing, "experts", &json!({"expert_ids": [outsider.0]})).await;
    assert_eq!(a.status.as_u16(), 200, "{}", a.text);
}

// Absurd input is refused by the field, never stored: ten thousand levels, more qualification
// rows than a person can hold, a kind that does not exist in a query.
#[tokio::test]
async fn the_registry_refuses_absurd_input() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let centre = app.registrar(&admin).await;
    let levels: Vec<&str> = std::iter::repeat_n("4", 10_000).collect();
    let a = register(&app, &centre, &examiner("甲", 10, "KP-1", &levels, "2099-12-31")).await;
    assert_eq!(sorted(&a), [("qualifications[0].levels".to_owned(), "too_long".to_owned())], "{}", a.text);
    let mut body = examiner("甲", 10, "KP-1", &["4"], "2099-12-31");
    body["qualifications"] =
        Value::Array(std::iter::repeat_n(json!({"occupation_code": LATHE, "levels": ["4"]}), 201).collect());
    let a = register(&app, &centre, &body).await;
    assert_eq!(sorted(&a), [("qualifications".to_owned(), "too_long".to_owned())], "{}", a.text);
    assert_eq!(app.count("personnel").await, 0);
    assert_eq!(app.count("personnel_qualifications").await, 0);
    let a = app.get("/api/v1/personnel?kind=inspector", Some(&centre)).await;
    assert_eq!(a.violations(), [("kind".to_owned(), "not_one_of".to_owned())], "{}", a.text);
}

// Ten registrations of one certificate number at once: one person is registered, the others
// are told it exists; no half-written qualifications.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_concurrent_registrations_of_one_certificate_number_one_wins() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let centre = app.registrar(&admin).await;
    let bodies: Vec<Value> =
        (0..10).map(|i| examiner(&format!("考评员{i}"), 10 + i, "KP-7", &["4", "5"], "2099-12-31")).collect();
    let answers = join_all(bodies.iter().map(|b| register(&app, &centre, b))).await;
    let created = answers.iter().filter(|a| a.status.as_u16() == 201).count();
    for a in answers.iter().filter(|a| a.status.as_u16() != 201) {
        assert_eq!((a.status.as_u16(), a.body["code"].clone()), (409, json!("already_exists")), "{}", a.text);
    }
    assert_eq!(created, 1);
    assert_eq!(app.count("personnel").await, 1);
    assert_eq!(app.count("personnel_qualifications").await, 2, "only the winner's qualifications");
}
