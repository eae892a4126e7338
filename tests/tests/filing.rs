//! Over 400 lines: the filing workflow R1–R11 as one story.
//!
//! Institution filing (issue 3): one test per rule, and the whole way from a school account to a
//! receipt.

#![allow(clippy::expect_used, reason = "test code: a failed setup step should fail the test loudly")]

use reqwest::Method;
use serde_json::{Value, json};
use tests::{SchoolFixture, TestApp, complete_document, evaluation};

const LATHE: &str = "6-18-01-01"; // 车工
const MILLING: &str = "6-18-01-02"; // 铣工

struct Setup {
    app: TestApp,
    admin: String,
    expert: (String, String),
}

async fn setup() -> Setup {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let expert = app.expert(&admin, "expert.zhang").await;
    Setup { app, admin, expert }
}

/// Saves `doc` into a fresh filing of `school` and submits it; returns the submit answer.
async fn submit_with(
    app: &TestApp,
    school: &SchoolFixture,
    edit: impl FnOnce(&mut Value, &str),
) -> tests::Answer {
    let (filing, etag) = app.start_filing(school, "initial").await;
    let commitment = app.upload_pdf(school, &filing, "commitment").await;
    let mut doc = complete_document(&[], &commitment);
    edit(&mut doc, &commitment);
    // Unless the test chose otherwise, the three examiners examine every occupation applied for.
    let codes: Vec<Value> =
        doc["occupations"].as_array().expect("rows").iter().map(|r| r["occupation_code"].clone()).collect();
    for e in doc["examiners"].as_array_mut().expect("examiners") {
        if e["occupation_codes"].as_array().is_some_and(Vec::is_empty) {
            e["occupation_codes"] = Value::Array(codes.clone());
        }
    }
    let stale = app.save_document(school, &filing, &etag, &doc).await;
    stale.problem(412, "precondition_failed");
    let etag = app.current_etag(school, &filing).await;
    let saved = app.save_document(school, &filing, &etag, &doc).await;
    assert_eq!(saved.status.as_u16(), 200, "{}", saved.text);
    let admin = app.admin_token().await;
    app.register_examiners(&admin, &doc).await;
    app.act(&school.token, &filing, "submit", &json!({})).await
}

fn rules(a: &tests::Answer) -> Vec<(String, String)> {
    let mut v = a.violations();
    v.sort();
    v
}

#[tokio::test]
async fn from_a_new_school_account_to_a_receipt() {
    let Setup { app, admin, expert } = setup().await;
    let standard = app.standard(&admin, LATHE, &["3", "4", "5"]).await;
    let school = app.school(&admin, 1, "technician_college", "500157").await;
    let id = app
        .file_institution(&admin, &school, &expert, &[(LATHE, "3", &standard), (LATHE, "4", &standard)])
        .await;

    let inst = app.get(&format!("/api/v1/institutions/{id}"), Some(&school.token)).await;
    assert_eq!(inst.status.as_u16(), 200, "{}", inst.text);
    assert_eq!(inst.body["code"], "S000050000001");
    assert_eq!(inst.body["status"], "active");
    assert_eq!(inst.body["status_name"], "有效");
    assert_eq!(inst.body["scope"].as_array().expect("scope").len(), 2);
    assert_eq!(inst.body["scope"][0]["work_type"], "——");
    assert_eq!(inst.body["scope"][0]["occupation_name"], "车工");

    let receipt = app.get(&format!("/api/v1/institutions/{id}/receipt"), Some(&school.token)).await;
    assert_eq!(receipt.status.as_u16(), 200, "{}", receipt.text);
    for field in [
        "unit_name",
        "filing_code",
        "credit_code",
        "registered_address",
        "office_address",
        "legal_representative",
        "valid_from",
        "valid_until",
        "bureau_opinion",
        "date",
    ] {
        assert!(receipt.body[field].is_string(), "receipt lacks {field}: {}", receipt.text);
    }
    assert_eq!(receipt.body["filing_code"], "S000050000001");
    let pdf = app
        .send(
            app.request(Method::GET, &format!("/api/v1/institutions/{id}/receipt.pdf"))
                .bearer_auth(&school.token),
        )
        .await;
    assert_eq!(pdf.header("content-type"), Some("application/pdf"));
    let bytes = app
        .client
        .get(format!("{}/api/v1/institutions/{id}/receipt.pdf", app.address))
        .bearer_auth(&school.token)
        .send()
        .await
        .expect("sent")
        .bytes()
        .await
        .expect("body");
    assert!(bytes.len() < 200_000, "a receipt embeds a font subset only: {} bytes", bytes.len());
    if let Ok(out) = std::env::var("RECEIPT_PDF_OUT") {
        std::fs::write(out, &bytes).expect("write the receipt for inspection");
    }
    let text = pdf_extract::extract_text_from_mem(&bytes).expect("the PDF's text can be extracted");
    for expected in [
        "备案回执",
        "S000050000001",
        "重庆市某技工学校",
        "车工",
        "三级/高级工",
        "同意备案",
        "重庆市人力资源和社会保障局",
    ] {
        assert!(text.contains(expected), "{expected} not in the receipt PDF: {text}");
    }
    app.send(
        app.request(Method::GET, &format!("/api/v1/institutions/{id}/receipt.pdf")).bearer_auth(&expert.1),
    )
    .await
    .problem(404, "not_found");

    // The public directory shows it, without personal data.
    let public = app.get("/api/v1/public/institutions?q=S0000500", None).await;
    assert_eq!(public.body["total"], 1, "{}", public.text);
    assert!(!public.text.contains("13800138000") && !public.text.contains("张校长"));

    // A district office sees its own district's institutions only (R38).
    app.create_user(&admin, "liangjiang", "district", Some("500157")).await;
    app.create_user(&admin, "wanzhou", "district", Some("500101")).await;
    let own = app.login("liangjiang", "a-long-password-1").await;
    let other = app.login("wanzhou", "a-long-password-1").await;
    assert_eq!(app.get(&format!("/api/v1/institutions/{id}"), Some(&own)).await.status.as_u16(), 200);
    app.get(&format!("/api/v1/institutions/{id}"), Some(&other)).await.problem(404, "not_found");
    assert_eq!(app.get("/api/v1/institutions", Some(&other)).await.body["total"], 0);
    app.get(&format!("/api/v1/institutions/{id}"), Some(&expert.1)).await.problem(404, "not_found");

    // Status filters work in the query, so totals are right.
    let active = app.get("/api/v1/institutions?status=active", Some(&admin)).await;
    let expired = app.get("/api/v1/institutions?status=expired", Some(&admin)).await;
    assert_eq!((active.body["total"].clone(), expired.body["total"].clone()), (json!(1), json!(0)));
    // A school account stays bound to its school: its role cannot be changed (422, not a 500).
    let me = app.get("/api/v1/me", Some(&school.token)).await;
    let path = format!("/api/v1/users/{}", me.body["id"].as_str().expect("id"));
    let a = app
        .send(
            app.request(Method::PATCH, &path)
                .bearer_auth(&admin)
                .header("If-Match", "*")
                .json(&json!({"role": "expert"})),
        )
        .await;
    assert_eq!(a.violations(), [("role".to_owned(), "school_account_via_school".to_owned())]);

    // Every step was audited.
    let events =
        app.get(&format!("/api/v1/audit-events?target_type=institution&target_id={id}"), Some(&admin)).await;
    assert_eq!(events.body["items"][0]["action"], "institution.filed");
}

// R1
#[tokio::test]
async fn r1_a_technical_school_cannot_file_level_3() {
    let Setup { app, admin, .. } = setup().await;
    let standard = app.standard(&admin, LATHE, &["3", "4"]).await;
    let school = app.school(&admin, 2, "technical_school", "500101").await;
    let a = submit_with(&app, &school, |doc, _| {
        doc["occupations"] =
            json!([{"major": "机械加工", "occupation_code": LATHE, "level": "3", "standard_id": standard}]);
    })
    .await;
    a.problem(422, "submission_incomplete");
    assert_eq!(rules(&a), [("occupations[0].level".to_owned(), "level_not_allowed".to_owned())]);
    assert_eq!(a.body["errors"][0]["message"], "技工学校不能申报三级/高级工。");
    let en = app.send(app.request(Method::GET, "/health").header("Accept-Language", "en")).await;
    assert_eq!(en.header("content-language"), Some("en"));
}

// R2
#[tokio::test]
async fn r2_level_9_needs_a_major_with_a_preparatory_class() {
    let Setup { app, admin, .. } = setup().await;
    let standard = app.standard(&admin, LATHE, &["9"]).await;
    let school = app.school(&admin, 3, "technician_college", "500101").await;
    let a = submit_with(&app, &school, |doc, _| {
        doc["majors"] = json!([{"name": "机械加工", "preparatory_technician_class": false}]);
        doc["occupations"] =
            json!([{"major": "机械加工", "occupation_code": LATHE, "level": "9", "standard_id": standard}]);
    })
    .await;
    assert_eq!(rules(&a), [("occupations[0].level".to_owned(), "preparatory_class_required".to_owned())]);
}

// R3: only confirmed entries block.
#[tokio::test]
async fn r3_a_confirmed_access_type_occupation_is_refused() {
    let Setup { app, admin, .. } = setup().await;
    const GUARD: &str = "4-07-05-01"; // 保安员: shipped as unverified
    let standard = app.standard(&admin, GUARD, &["4"]).await;
    let o = app.get(&format!("/api/v1/occupations/{GUARD}"), None).await;
    assert_eq!(o.body["access_type"], false, "unverified entries do not block: {}", o.text);
    assert_eq!(o.body["access_type_entries"][0]["verification"], "unverified");
    let school = app.school(&admin, 4, "technical_school", "500101").await;
    let rows =
        json!([{"major": "机械加工", "occupation_code": GUARD, "level": "4", "standard_id": standard}]);
    let change = json!({"access_type": true, "source": "《国家职业资格目录（2021年版）》"});
    let put = |etag: Option<&str>| {
        let mut r = app
            .request(Method::PUT, &format!("/api/v1/occupations/{GUARD}/access-type"))
            .bearer_auth(&admin)
            .json(&change);
        if let Some(e) = etag {
            r = r.header("If-Match", e);
        }
        r
    };
    // A change needs the occupation's ETag (428 without, 412 when stale).
    app.send(put(None)).await.problem(428, "precondition_required");
    app.send(put(Some("\"h0000000000000000\""))).await.problem(412, "precondition_failed");
    let etag = o.header("etag").expect("etag").to_owned();
    let a = app.send(put(Some(&etag))).await;
    assert_eq!(a.body["access_type"], true, "{}", a.text);
    app.send(put(Some(&etag))).await.problem(412, "precondition_failed");
    let r = rows.clone();
    let a = submit_with(&app, &school, move |doc, _| {
        doc["occupations"] = r;
        doc["examiners"]
            .as_array_mut()
            .expect("examiners")
            .iter_mut()
            .for_each(|e| e["occupation_codes"] = json!([GUARD]));
    })
    .await;
    assert_eq!(
        rules(&a),
        [("occupations[0].occupation_code".to_owned(), "access_type_occupation".to_owned())]
    );
    assert!(a.body["errors"][0]["message"].as_str().expect("message").contains("保安员"));
}

// R4
#[tokio::test]
async fn r4_fewer_than_three_examiners_per_occupation_is_refused() {
    let Setup { app, admin, .. } = setup().await;
    let lathe = app.standard(&admin, LATHE, &["4"]).await;
    let milling = app.standard(&admin, MILLING, &["4"]).await;
    let school = app.school(&admin, 5, "technical_school", "500101").await;
    let a = submit_with(&app, &school, |doc, _| {
        doc["occupations"] = json!([
            {"major": "机械加工", "occupation_code": LATHE, "level": "4", "standard_id": lathe},
            {"major": "机械加工", "occupation_code": MILLING, "level": "4", "standard_id": milling}
        ]);
        let ex = doc["examiners"].as_array_mut().expect("examiners");
        ex[0]["occupation_codes"] = json!([LATHE, MILLING]);
        ex[1]["occupation_codes"] = json!([LATHE, MILLING]);
        ex[2]["occupation_codes"] = json!([LATHE]);
    })
    .await;
    assert_eq!(rules(&a), [("occupations[1].occupation_code".to_owned(), "too_few_examiners".to_owned())]);
    assert!(a.body["errors"][0]["message"].as_str().expect("message").contains("2"));
}

// R4: examiners are people, counted by resident ID number; each person is listed once.
#[tokio::test]
async fn r4_examiners_are_counted_as_people_and_listed_once() {
    let Setup { app, admin, .. } = setup().await;
    let lathe = app.standard(&admin, LATHE, &["4"]).await;
    let school = app.school(&admin, 20, "technical_school", "500101").await;
    let a = submit_with(&app, &school, |doc, _| {
        doc["occupations"] =
            json!([{"major": "机械加工", "occupation_code": LATHE, "level": "4", "standard_id": lathe}]);
        let ex = doc["examiners"].as_array_mut().expect("examiners");
        // The third examiner is the first again, under the certificate number of the second.
        ex[2]["id_number"] = ex[0]["id_number"].clone();
        ex[2]["certificate_number"] = ex[1]["certificate_number"].clone();
        // The internal supervisor is the full-time staff member.
        doc["supervisors"][0]["id_number"] = doc["staff"][0]["id_number"].clone();
    })
    .await;
    assert_eq!(
        rules(&a),
        [
            // The registry knows the second examiner's certificate number as someone else's.
            ("examiners[2].certificate_number".to_owned(), "registry_mismatch".to_owned()),
            ("examiners[2].certificate_number".to_owned(), "same_certificate_number".to_owned()),
            ("examiners[2].id_number".to_owned(), "same_person".to_owned()),
            ("occupations[0].occupation_code".to_owned(), "too_few_examiners".to_owned()),
            ("supervisors[0].id_number".to_owned(), "same_person".to_owned()),
        ]
    );
    let message = |field: &str| {
        a.body["errors"]
            .as_array()
            .expect("errors")
            .iter()
            .filter(|e| e["field"] == field)
            .filter_map(|e| e["message"].as_str())
            .collect::<Vec<_>>()
            .join(" ")
    };
    assert!(message("examiners[2].id_number").contains("examiners[0].id_number"), "{}", a.text);
    assert!(message("supervisors[0].id_number").contains("staff[0].id_number"), "{}", a.text);
    assert!(message("examiners[2].certificate_number").contains("examiners[1].certificate_number"));
    assert!(message("occupations[0].occupation_code").contains('2'), "two people, not three entries");
    // The ID number itself never appears in the answer.
    assert!(tests::personal_data(&a.text).is_empty(), "{}", a.text);
}

// R5: the national standard first; a norm only where none exists.
#[tokio::test]
async fn r5_a_norm_is_refused_where_a_national_standard_covers_the_occupation_and_level() {
    let Setup { app, admin, .. } = setup().await;
    let national = app.standard(&admin, LATHE, &["4"]).await;
    let norm = app
        .json(
            Method::POST,
            "/api/v1/standards",
            Some(&admin),
            &json!({"occupation_code": LATHE, "kind": "evaluation_norm", "title": "车工评价规范", "levels": ["4", "5"],
                    "filing_reference": "渝人社鉴〔2025〕1号", "filing_date": "2025-03-01"}),
        )
        .await;
    assert_eq!(norm.status.as_u16(), 201, "{}", norm.text);
    let norm = norm.body["id"].as_str().expect("id").to_owned();
    let school = app.school(&admin, 21, "technical_school", "500101").await;
    let a = submit_with(&app, &school, |doc, _| {
        doc["occupations"] = json!([
            {"major": "机械加工", "occupation_code": LATHE, "level": "4", "standard_id": norm},
            {"major": "机械加工", "occupation_code": LATHE, "level": "5", "standard_id": norm}
        ]);
    })
    .await;
    // Level 4 has a national standard: the norm is refused there, naming the standard to use;
    // level 5 has none: the norm is its basis.
    assert_eq!(rules(&a), [("occupations[0].standard_id".to_owned(), "national_standard_first".to_owned())]);
    let message = a.body["errors"][0]["message"].as_str().expect("message");
    assert!(message.contains(&national) && message.contains("6-18-01-01 国家职业技能标准"), "{message}");
}

// R5
#[tokio::test]
async fn r5_a_row_without_a_basis_standard_is_refused() {
    let Setup { app, admin, .. } = setup().await;
    let other = app.standard(&admin, MILLING, &["4"]).await;
    let school = app.school(&admin, 6, "technical_school", "500101").await;
    let a = submit_with(&app, &school, |doc, _| {
        doc["occupations"] = json!([
            {"major": "机械加工", "occupation_code": LATHE, "level": "4"},
            {"major": "机械加工", "occupation_code": LATHE, "level": "5", "standard_id": other}
        ]);
    })
    .await;
    assert_eq!(
        rules(&a),
        [
            ("occupations[0].standard_id".to_owned(), "no_standard".to_owned()),
            ("occupations[1].standard_id".to_owned(), "no_standard".to_owned())
        ]
    );
}

// R6
#[tokio::test]
async fn r6_a_second_norm_for_the_same_occupation_and_level_is_refused_unless_overridden() {
    let Setup { app, admin, .. } = setup().await;
    let norm = |levels: Value, reason: Option<&str>| {
        let mut b = json!({"occupation_code": LATHE, "kind": "evaluation_norm", "title": "车工评价规范", "levels": levels,
                           "filing_reference": "渝人社鉴〔2025〕1号", "filing_date": "2025-03-01"});
        if let Some(r) = reason {
            b["override_reason"] = json!(r);
        }
        b
    };
    let a = app.json(Method::POST, "/api/v1/standards", Some(&admin), &norm(json!(["4", "5"]), None)).await;
    assert_eq!(a.status.as_u16(), 201, "{}", a.text);
    let a = app.json(Method::POST, "/api/v1/standards", Some(&admin), &norm(json!(["5"]), None)).await;
    a.problem(409, "norm_exists");
    assert!(a.body["detail"].as_str().expect("detail").contains("五级/初级工"));
    let a = app
        .json(
            Method::POST,
            "/api/v1/standards",
            Some(&admin),
            &norm(json!(["5"]), Some("行业新工艺，经专家论证另行开发")),
        )
        .await;
    assert_eq!(a.status.as_u16(), 201, "{}", a.text);
    assert_eq!(a.body["override_reason"], "行业新工艺，经专家论证另行开发");
    // A norm needs its filing reference and date.
    let a = app
        .json(
            Method::POST,
            "/api/v1/standards",
            Some(&admin),
            &json!({"occupation_code": MILLING, "kind": "evaluation_norm", "title": "x", "levels": ["4"]}),
        )
        .await;
    assert_eq!(a.violations(), [("filing_reference".to_owned(), "norm_needs_filing".to_owned())]);
}

// R7 and the other rules, all at once, and nothing is written.
#[tokio::test]
async fn r7_every_missing_part_and_broken_rule_is_reported_at_once() {
    let Setup { app, admin, .. } = setup().await;
    let school = app.school(&admin, 7, "technical_school", "500101").await;
    let (filing, _) = app.start_filing(&school, "initial").await;
    let events = app.count("audit_events").await;
    let a = app.act(&school.token, &filing, "submit", &json!({})).await;
    a.problem(422, "submission_incomplete");
    let fields: Vec<String> = a.violations().into_iter().map(|(f, _)| f).collect();
    for expected in [
        "occupations",
        "majors",
        "sites",
        "equipment",
        "staff",
        "experts",
        "examiners",
        "supervisors",
        "exam_management",
        "video_monitoring",
        "work_plan.fees",
        "commitment.attachment_id",
        "basic.contact_mobile",
    ] {
        assert!(fields.iter().any(|f| f == expected), "{expected} not reported: {fields:?}");
    }
    assert_eq!(app.count("audit_events").await, events);
    let f = app.get(&format!("/api/v1/filings/{filing}"), Some(&school.token)).await;
    assert_eq!(f.body["status"], "draft");
    // An outside examiner needs an agreement.
    let standard = app.standard(&admin, LATHE, &["4"]).await;
    let school2 = app.school(&admin, 8, "technical_school", "500101").await;
    let a = submit_with(&app, &school2, |doc, _| {
        doc["occupations"] =
            json!([{"major": "机械加工", "occupation_code": LATHE, "level": "4", "standard_id": standard}]);
        doc["examiners"][0]["external"] = json!(true);
    })
    .await;
    assert_eq!(
        rules(&a),
        [("examiners[0].agreement_attachment_id".to_owned(), "agreement_required".to_owned())]
    );
}

// R8
#[tokio::test]
async fn r8_the_bureau_decides_only_after_an_expert_evaluation() {
    let Setup { app, admin, expert } = setup().await;
    let standard = app.standard(&admin, LATHE, &["4"]).await;
    let school = app.school(&admin, 9, "technical_school", "500101").await;
    let a = submit_with(&app, &school, |doc, _| {
        doc["occupations"] =
            json!([{"major": "机械加工", "occupation_code": LATHE, "level": "4", "standard_id": standard}]);
    })
    .await;
    assert_eq!(a.status.as_u16(), 200, "{}", a.text);
    let filing = a.body["id"].as_str().expect("id").to_owned();
    let until = domain_end(&app);
    // Wrong state: approve before acceptance names the current status.
    let a = app.act(&admin, &filing, "approve", &json!({"valid_until": until, "opinion": "同意"})).await;
    a.problem(409, "wrong_status");
    assert!(a.body["detail"].as_str().expect("detail").contains("已提交"), "{}", a.text);
    app.act(&admin, &filing, "accept", &json!({})).await;
    app.act(&admin, &filing, "experts", &json!({"expert_ids": [expert.0]})).await;
    app.act(&admin, &filing, "approve", &json!({"valid_until": until, "opinion": "同意"}))
        .await
        .problem(409, "evaluation_required");
    // Another expert cannot evaluate (not assigned: 404); the assigned one can, once.
    let other = app.expert(&admin, "expert.li").await;
    app.act(&other.1, &filing, "evaluations", &evaluation()).await.problem(404, "not_found");
    assert_eq!(app.act(&expert.1, &filing, "evaluations", &evaluation()).await.status.as_u16(), 201);
    app.act(&expert.1, &filing, "evaluations", &evaluation()).await.problem(409, "already_evaluated");
    let a = app.act(&admin, &filing, "approve", &json!({"valid_until": until, "opinion": "同意"})).await;
    assert_eq!(a.status.as_u16(), 200, "{}", a.text);
    assert_eq!(a.body["status"], "approved");
}

// R8: a refusal, too, is decided on an expert evaluation; it ends the application.
#[tokio::test]
async fn r8_a_rejection_follows_an_evaluation_and_ends_the_application() {
    let Setup { app, admin, expert } = setup().await;
    let standard = app.standard(&admin, LATHE, &["4"]).await;
    let school = app.school(&admin, 17, "technical_school", "500101").await;
    let a = submit_with(&app, &school, |doc, _| {
        doc["occupations"] =
            json!([{"major": "机械加工", "occupation_code": LATHE, "level": "4", "standard_id": standard}]);
    })
    .await;
    let filing = a.body["id"].as_str().expect("id").to_owned();
    let refusal = json!({"opinion": "考核场地不满足实操考核要求，不予备案。"});
    app.act(&admin, &filing, "reject", &refusal).await.problem(409, "wrong_status");
    app.act(&admin, &filing, "accept", &json!({})).await;
    app.act(&admin, &filing, "experts", &json!({"expert_ids": [expert.0]})).await;
    app.act(&admin, &filing, "reject", &refusal).await.problem(409, "evaluation_required");
    app.act(&expert.1, &filing, "evaluations", &evaluation()).await;
    app.act(&school.token, &filing, "reject", &refusal).await.problem(403, "forbidden");
    let a = app.act(&admin, &filing, "reject", &refusal).await;
    assert_eq!(
        (a.status.as_u16(), a.body["status"].clone(), a.body["decision_opinion"].clone()),
        (200, json!("rejected"), refusal["opinion"].clone()),
        "{}",
        a.text
    );
    let until = domain_end(&app);
    app.act(&admin, &filing, "approve", &json!({"valid_until": until, "opinion": "同意"}))
        .await
        .problem(409, "wrong_status");
    app.act(&school.token, &filing, "submit", &json!({})).await.problem(409, "wrong_status");
}

fn domain_end(app: &TestApp) -> String {
    domain::filing::latest_validity_end(app.state.clock.today()).to_string()
}

// R11
#[tokio::test]
async fn r11_validity_is_at_most_three_years() {
    let Setup { app, admin, expert } = setup().await;
    let standard = app.standard(&admin, LATHE, &["4"]).await;
    let school = app.school(&admin, 10, "technical_school", "500101").await;
    let a = submit_with(&app, &school, |doc, _| {
        doc["occupations"] =
            json!([{"major": "机械加工", "occupation_code": LATHE, "level": "4", "standard_id": standard}]);
    })
    .await;
    let filing = a.body["id"].as_str().expect("id").to_owned();
    app.act(&admin, &filing, "accept", &json!({})).await;
    app.act(&admin, &filing, "experts", &json!({"expert_ids": [expert.0]})).await;
    app.act(&expert.1, &filing, "evaluations", &evaluation()).await;
    // An initial filing is approved with a validity: leaving it out names the field.
    let a = app.act(&admin, &filing, "approve", &json!({"opinion": "同意"})).await;
    assert_eq!(a.violations(), [("valid_until".to_owned(), "required".to_owned())]);
    let latest = domain::filing::latest_validity_end(app.state.clock.today());
    let too_late = latest.succ_opt().expect("date").to_string();
    let a = app.act(&admin, &filing, "approve", &json!({"valid_until": too_late, "opinion": "同意"})).await;
    assert_eq!(a.violations(), [("valid_until".to_owned(), "validity_too_long".to_owned())]);
    assert!(a.body["errors"][0]["message"].as_str().expect("message").contains(&latest.to_string()));
    let a = app
        .act(&admin, &filing, "approve", &json!({"valid_until": latest.to_string(), "opinion": "同意"}))
        .await;
    assert_eq!(a.status.as_u16(), 200, "{}", a.text);
}

fn filed_school(n: u32) -> u32 {
    100 + n
}

// R9, R10: serials in order, never shared, also under concurrent approvals.
#[tokio::test]
async fn r9_r10_concurrent_approvals_never_share_a_serial() {
    let Setup { app, admin, expert } = setup().await;
    let standard = app.standard(&admin, LATHE, &["4"]).await;
    let mut filings = Vec::new();
    for n in 0..4 {
        let school = app.school(&admin, filed_school(n), "technical_school", "500101").await;
        let a = submit_with(&app, &school, |doc, _| {
            doc["occupations"] = json!([{"major": "机械加工", "occupation_code": LATHE, "level": "4", "standard_id": standard}]);
        })
        .await;
        let filing = a.body["id"].as_str().expect("id").to_owned();
        app.act(&admin, &filing, "accept", &json!({})).await;
        app.act(&admin, &filing, "experts", &json!({"expert_ids": [expert.0]})).await;
        app.act(&expert.1, &filing, "evaluations", &evaluation()).await;
        filings.push(filing);
    }
    let until = domain_end(&app);
    let body = json!({"valid_until": until, "opinion": "同意"});
    let approvals = filings.iter().map(|f| app.act(&admin, f, "approve", &body));
    let answers = futures_util::future::join_all(approvals).await;
    let mut codes: Vec<String> = Vec::new();
    for a in answers {
        assert_eq!(a.status.as_u16(), 200, "{}", a.text);
        let inst = app.get(a.header("location").expect("location"), Some(&admin)).await;
        codes.push(inst.body["code"].as_str().expect("code").to_owned());
    }
    codes.sort();
    assert_eq!(codes, ["S000050000001", "S000050000002", "S000050000003", "S000050000004"]);
}

// R12, R13: expiry, suspension, cancellation; the database refuses to reuse or delete codes.
#[tokio::test]
async fn r12_r13_expiry_suspension_and_cancellation() {
    let Setup { app, admin, expert } = setup().await;
    let standard = app.standard(&admin, LATHE, &["4"]).await;
    let school = app.school(&admin, 11, "technical_school", "500101").await;
    let id = app.file_institution(&admin, &school, &expert, &[(LATHE, "4", &standard)]).await;
    let path = format!("/api/v1/institutions/{id}");

    let a = app
        .json(Method::POST, &format!("{path}/suspend"), Some(&admin), &json!({"reason": "检查发现问题"}))
        .await;
    assert_eq!((a.status.as_u16(), a.body["status"].clone()), (200, json!("suspended")), "{}", a.text);
    let a = app
        .json(Method::POST, &format!("{path}/reinstate"), Some(&admin), &json!({"reason": "已整改"}))
        .await;
    assert_eq!(a.body["status"], "active");

    // Past its end date the institution is expired.
    let valid_until = a.body["valid_until"].as_str().expect("date").to_owned();
    let end = chrono::NaiveDate::parse_from_str(&valid_until, "%Y-%m-%d").expect("date");
    let after = end.succ_opt().expect("date").and_hms_opt(4, 0, 0).expect("time").and_utc();
    app.state.clock.set_offset(after);
    let admin = app.admin_token().await;
    let a = app.get(&path, Some(&admin)).await;
    assert_eq!(
        (a.body["status"].clone(), a.body["status_name"].clone()),
        (json!("expired"), json!("已过期"))
    );

    let a = app
        .json(Method::POST, &format!("{path}/cancel"), Some(&admin), &json!({"reason": "主动申请注销"}))
        .await;
    assert_eq!(a.body["status"], "cancelled");
    app.json(Method::POST, &format!("{path}/reinstate"), Some(&admin), &json!({"reason": "x"}))
        .await
        .problem(409, "institution_not_active");
    let retired = app.get("/api/v1/retired-codes", Some(&admin)).await;
    assert_eq!(retired.body["items"][0]["code"], "S000050000001", "{}", retired.text);
    assert_eq!(retired.body["items"][0]["reason"], "主动申请注销");

    // The database itself refuses to free or reassign the code.
    use persistence::sea_orm::{ConnectionTrait, Statement};
    let db = &app.state.db;
    let backend = db.get_database_backend();
    for sql in [
        "DELETE FROM institution_codes WHERE code = 'S000050000001'",
        "UPDATE institution_codes SET retired_at = NULL WHERE code = 'S000050000001'",
        "INSERT INTO institution_codes (code, serial, assigned_at) VALUES ('S000050000001', 99, '2026-01-01T00:00:00Z')",
    ] {
        assert!(db.execute_raw(Statement::from_string(backend, sql)).await.is_err(), "{sql} must fail");
    }
}

// R14
#[tokio::test]
async fn r14_a_merger_creates_a_new_institution_and_retires_the_merged_codes() {
    let Setup { app, admin, expert } = setup().await;
    let lathe = app.standard(&admin, LATHE, &["4"]).await;
    let milling = app.standard(&admin, MILLING, &["4"]).await;
    let s1 = app.school(&admin, 12, "technical_school", "500101").await;
    let s2 = app.school(&admin, 13, "technical_school", "500101").await;
    let a = app.file_institution(&admin, &s1, &expert, &[(LATHE, "4", &lathe)]).await;
    let b = app.file_institution(&admin, &s2, &expert, &[(MILLING, "4", &milling)]).await;
    let until = domain_end(&app);
    let m = app
        .json(
            Method::POST,
            "/api/v1/institutions/mergers",
            Some(&admin),
            &json!({"institution_ids": [a, b], "school_id": s1.id, "name": "重庆市联合技工学校评价机构", "valid_until": until, "opinion": "同意合并"}),
        )
        .await;
    assert_eq!(m.status.as_u16(), 201, "{}", m.text);
    assert_eq!(m.body["code"], "S000050000003");
    assert_eq!(m.body["scope"].as_array().expect("scope").len(), 2);
    assert_eq!(m.body["merged_from"].as_array().expect("lineage").len(), 2);
    let old = app.get(&format!("/api/v1/institutions/{a}"), Some(&admin)).await;
    assert_eq!(old.body["status"], "cancelled");
    assert_eq!(old.body["merged_into"], m.body["id"]);
    let retired = app.get("/api/v1/retired-codes", Some(&admin)).await;
    assert_eq!(retired.body["total"], 2);
    assert_eq!(retired.body["items"][0]["successor_code"], "S000050000003");
}

/// R14 with R1–R4: the scope a merger hands to the receiving school is checked for that school;
/// what fails is named and the merger refused, unless the bureau drops it (audited).
#[tokio::test]
async fn r14_a_merger_keeps_every_rule() {
    let Setup { app, admin, expert } = setup().await;
    let lathe = app.standard(&admin, LATHE, &["3", "4", "9"]).await;
    let milling = app.standard(&admin, MILLING, &["4"]).await;
    let college = app.school(&admin, 21, "technician_college", "500101").await;
    let small = app.school(&admin, 22, "technical_school", "500101").await;
    let receiving = app.school(&admin, 23, "technical_school", "500101").await;
    let a = app
        .file_institution(
            &admin,
            &college,
            &expert,
            &[(LATHE, "3", &lathe), (LATHE, "4", &lathe), (LATHE, "9", &lathe)],
        )
        .await;
    let b = app.file_institution(&admin, &small, &expert, &[(MILLING, "4", &milling)]).await;
    // Since b was filed, 铣工 has been confirmed an access-type occupation.
    let o = app.get(&format!("/api/v1/occupations/{MILLING}"), None).await;
    let a_change = app
        .send(
            app.request(Method::PUT, &format!("/api/v1/occupations/{MILLING}/access-type"))
                .bearer_auth(&admin)
                .header("If-Match", o.header("etag").expect("etag"))
                .json(&json!({"access_type": true, "source": "《国家职业资格目录（2021年版）》"})),
        )
        .await;
    assert_eq!(a_change.body["access_type"], true, "{}", a_change.text);
    let until = domain_end(&app);
    let merge = |drop: Value| {
        let body = json!({"institution_ids": [a, b], "school_id": receiving.id, "name": "重庆市联合技工学校评价机构",
                          "valid_until": until, "opinion": "同意合并", "drop_scope": drop});
        let app = &app;
        let admin = admin.clone();
        async move { app.json(Method::POST, "/api/v1/institutions/mergers", Some(&admin), &body).await }
    };
    let institutions = app.count("institutions").await;
    let refused = merge(json!([])).await;
    refused.problem(422, "validation_failed");
    // a's scope as listed: 车工 levels 3, 4, 9; b's: 铣工 level 4.
    assert_eq!(
        refused.violations(),
        [
            ("institution_ids[0].scope[0]".to_owned(), "level_not_allowed".to_owned()),
            ("institution_ids[0].scope[2]".to_owned(), "preparatory_class_required".to_owned()),
            ("institution_ids[1].scope[0]".to_owned(), "access_type_occupation".to_owned()),
        ],
        "{}",
        refused.text
    );
    assert_eq!(app.count("institutions").await, institutions, "nothing written");
    let old = app.get(&format!("/api/v1/institutions/{a}"), Some(&admin)).await;
    assert_eq!(old.body["status"], "active");
    // Dropping a row that is not in the scope, or every row, is refused too.
    let a2 = merge(json!([{"occupation_code": LATHE, "level": "5"}])).await;
    assert!(
        a2.violations().contains(&("drop_scope[0]".to_owned(), "outside_scope".to_owned())),
        "{}",
        a2.text
    );
    let all = json!([{"occupation_code": LATHE, "level": "3"}, {"occupation_code": LATHE, "level": "4"},
                     {"occupation_code": LATHE, "level": "9"}, {"occupation_code": MILLING, "level": "4"}]);
    assert_eq!(merge(all).await.violations(), [("drop_scope".to_owned(), "empty_scope".to_owned())]);
    // The bureau drops the three rows explicitly: the new institution certifies 车工 level 4.
    let dropped = json!([{"occupation_code": LATHE, "level": "3"}, {"occupation_code": LATHE, "level": "9"},
                         {"occupation_code": MILLING, "work_type": null, "level": "4"}]);
    let m = merge(dropped).await;
    assert_eq!(m.status.as_u16(), 201, "{}", m.text);
    let scope: Vec<(Value, Value)> = m.body["scope"]
        .as_array()
        .expect("scope")
        .iter()
        .map(|r| (r["occupation_code"].clone(), r["level"].clone()))
        .collect();
    assert_eq!(scope, [(json!(LATHE), json!("4"))], "{}", m.text);
    let new_id = m.body["id"].as_str().expect("id");
    let audit = app
        .get(&format!("/api/v1/audit-events?action=institution.filed&target_id={new_id}"), Some(&admin))
        .await;
    assert!(audit.text.contains("dropped_scope") && audit.text.contains(MILLING), "{}", audit.text);
}

#[tokio::test]
async fn returned_applications_keep_every_round() {
    let Setup { app, admin, .. } = setup().await;
    let standard = app.standard(&admin, LATHE, &["4"]).await;
    let school = app.school(&admin, 14, "technical_school", "500101").await;
    let a = submit_with(&app, &school, |doc, _| {
        doc["occupations"] =
            json!([{"major": "机械加工", "occupation_code": LATHE, "level": "4", "standard_id": standard}]);
    })
    .await;
    let filing = a.body["id"].as_str().expect("id").to_owned();
    let a = app.act(&admin, &filing, "return", &json!({"reasons": "场地证明不清晰"})).await;
    assert_eq!(
        (a.body["status"].clone(), a.body["round"].clone()),
        (json!("returned"), json!(2)),
        "{}",
        a.text
    );
    let a = app.act(&school.token, &filing, "submit", &json!({})).await;
    assert_eq!(a.status.as_u16(), 200, "{}", a.text);
    let rounds = a.body["rounds"].as_array().expect("rounds");
    assert_eq!(rounds.len(), 2);
    assert_eq!(rounds[0]["return_reasons"], "场地证明不清晰");
}

#[tokio::test]
async fn applications_are_seen_only_within_scope_and_personal_data_is_masked() {
    let Setup { app, admin, expert } = setup().await;
    let standard = app.standard(&admin, LATHE, &["4"]).await;
    let mine = app.school(&admin, 15, "technical_school", "500101").await;
    let other = app.school(&admin, 16, "technical_school", "500102").await;
    let a = submit_with(&app, &mine, |doc, _| {
        doc["occupations"] =
            json!([{"major": "机械加工", "occupation_code": LATHE, "level": "4", "standard_id": standard}]);
    })
    .await;
    let filing = a.body["id"].as_str().expect("id").to_owned();
    let path = format!("/api/v1/filings/{filing}");
    app.get(&path, Some(&other.token)).await.problem(404, "not_found");
    app.get(&path, Some(&expert.1)).await.problem(404, "not_found");
    let own = app.get(&path, Some(&mine.token)).await;
    assert_eq!(own.body["document"]["staff"][0]["id_number"], tests::resident_id(1));
    app.act(&admin, &filing, "accept", &json!({})).await;
    app.act(&admin, &filing, "experts", &json!({"expert_ids": [expert.0]})).await;
    let seen = app.get(&path, Some(&expert.1)).await;
    assert_eq!(seen.status.as_u16(), 200);
    let id = seen.body["document"]["staff"][0]["id_number"].as_str().expect("masked id");
    assert!(id.contains('*') && !seen.text.contains(&tests::resident_id(1)), "{id}");
    assert!(!seen.text.contains("13800138000"));
    // Districts see their own schools' applications only (R38).
    app.create_user(&admin, "wanzhou", "district", Some("500101")).await;
    app.create_user(&admin, "fuling", "district", Some("500102")).await;
    let wanzhou = app.login("wanzhou", "a-long-password-1").await;
    let fuling = app.login("fuling", "a-long-password-1").await;
    assert_eq!(app.get(&path, Some(&wanzhou)).await.status.as_u16(), 200);
    app.get(&path, Some(&fuling)).await.problem(404, "not_found");
    assert_eq!(app.get("/api/v1/filings", Some(&fuling)).await.body["total"], 0);
    // Attachments follow the application's visibility; types come from the bytes.
    let a = app
        .send(
            app.request(Method::POST, &format!("{path}/attachments?purpose=other&file_name=x.pdf"))
                .bearer_auth(&mine.token)
                .header("Content-Type", "application/pdf")
                .body(b"MZ not a pdf".to_vec()),
        )
        .await;
    a.problem(409, "wrong_status");
}

#[tokio::test]
async fn attachments_are_typed_from_their_bytes_and_hashed() {
    let Setup { app, admin, .. } = setup().await;
    let school = app.school(&admin, 17, "technical_school", "500101").await;
    let other = app.school(&admin, 18, "technical_school", "500101").await;
    let (filing, _) = app.start_filing(&school, "initial").await;
    let upload = |ct: &str, bytes: &[u8]| {
        app.request(Method::POST, &format!("/api/v1/filings/{filing}/attachments?purpose=other&file_name=x"))
            .bearer_auth(&school.token)
            .header("Content-Type", ct)
            .body(bytes.to_vec())
    };
    // An accepted Content-Type with other content: 422 naming both; a type not accepted: 415.
    let a = app.send(upload("application/pdf", b"MZ\x90\x00 an exe")).await;
    a.problem(422, "validation_failed");
    assert_eq!(a.violations(), [("file".to_owned(), "content_type_mismatch".to_owned())]);
    app.send(upload("text/html", b"<html>")).await.problem(415, "unsupported_file_type");
    let a = app.send(upload("image/png", tests::PDF)).await;
    assert_eq!(a.violations(), [("file".to_owned(), "content_type_mismatch".to_owned())]);
    assert!(a.text.contains("application/pdf"), "{}", a.text);
    let id = app.upload_pdf(&school, &filing, "commitment").await;
    let f = app.get(&format!("/api/v1/filings/{filing}"), Some(&school.token)).await;
    let sha = f.body["attachments"][0]["sha256"].as_str().expect("sha");
    assert_eq!(sha.len(), 64);
    let file = app.get(&format!("/api/v1/filings/{filing}/attachments/{id}"), Some(&school.token)).await;
    assert_eq!(file.text.as_bytes(), tests::PDF);
    app.get(&format!("/api/v1/filings/{filing}/attachments/{id}"), Some(&other.token))
        .await
        .problem(404, "not_found");
}

#[tokio::test]
async fn schools_with_legacy_credit_codes_are_flagged_for_review() {
    let Setup { app, admin, .. } = setup().await;
    let mut code = tests::credit_code(77);
    let last = code.pop().expect("char");
    code.push(if last == '0' { '1' } else { '0' });
    let a = app
        .json(
            Method::POST,
            "/api/v1/schools",
            Some(&admin),
            &json!({"name": "老学校", "school_type": "technical_school", "credit_code": code, "district_code": "500101",
                    "registered_address": "地址", "office_address": "地址", "legal_representative": "法人"}),
        )
        .await;
    assert_eq!(a.status.as_u16(), 201, "{}", a.text);
    assert_eq!(a.body["needs_manual_review"], true);
    let dup = app
        .json(
            Method::POST,
            "/api/v1/schools",
            Some(&admin),
            &json!({"name": "重复", "school_type": "technical_school", "credit_code": code, "district_code": "500101",
                    "registered_address": "地址", "office_address": "地址", "legal_representative": "法人"}),
        )
        .await;
    dup.problem(409, "already_exists");
    let bad = app
        .json(
            Method::POST,
            "/api/v1/schools",
            Some(&admin),
            &json!({"name": "x", "school_type": "university", "credit_code": "123", "district_code": "500105",
                    "registered_address": "a", "office_address": "a", "legal_representative": "a"}),
        )
        .await;
    assert_eq!(
        rules(&bad),
        [
            ("credit_code".to_owned(), "invalid_credit_code".to_owned()),
            ("district_code".to_owned(), "district_abolished".to_owned()),
            ("school_type".to_owned(), "not_one_of".to_owned())
        ]
    );
}

#[tokio::test]
async fn the_catalogue_is_searchable_and_the_bureau_maintains_it() {
    let Setup { app, admin, .. } = setup().await;
    let a = app.get("/api/v1/occupations?q=车工", None).await;
    assert!(a.body["items"].as_array().expect("items").iter().any(|o| o["code"] == LATHE), "{}", a.text);
    let a = app.get("/api/v1/occupations?q=6-18-01&per_page=100", None).await;
    assert_eq!(a.body["total"], 13);
    let a = app.get("/api/v1/occupations?per_page=1", None).await;
    assert_eq!(a.body["total"], 1639);
    let a = app
        .json(
            Method::POST,
            &format!("/api/v1/occupations/{LATHE}/work-types"),
            Some(&admin),
            &json!({"name": "数控车工"}),
        )
        .await;
    assert_eq!(a.status.as_u16(), 201, "{}", a.text);
    assert_eq!(a.body["work_types"], json!(["数控车工"]));
    app.json(
        Method::POST,
        &format!("/api/v1/occupations/{LATHE}/work-types"),
        Some(&admin),
        &json!({"name": "数控车工"}),
    )
    .await
    .problem(409, "already_exists");
    let csv = "code,name,work_type,major_group\n6-18-01-01,车工,普通车工,6\n6-99-99-01,测试新职业,,6\n";
    let a = app
        .send(
            app.request(Method::POST, "/api/v1/occupations/import")
                .bearer_auth(&admin)
                .header("Content-Type", "text/csv")
                .body(csv),
        )
        .await;
    assert_eq!(a.status.as_u16(), 200, "{}", a.text);
    assert_eq!((a.body["added"].clone(), a.body["unchanged"].clone()), (json!(1), json!(1)));
    let o = app.get(&format!("/api/v1/occupations/{LATHE}"), None).await;
    assert_eq!(o.body["work_types"], json!(["数控车工", "普通车工"]));
    let bad = "code,name,work_type,major_group\n9-99,坏,,6\n";
    let a = app
        .send(
            app.request(Method::POST, "/api/v1/occupations/import")
                .bearer_auth(&admin)
                .header("Content-Type", "text/csv")
                .body(bad),
        )
        .await;
    assert_eq!(rules(&a), [("rows[0].code".to_owned(), "invalid_occupation_code".to_owned())]);
}

#[tokio::test]
async fn a_renewal_keeps_the_code_and_extends_validity() {
    let Setup { app, admin, expert } = setup().await;
    let standard = app.standard(&admin, LATHE, &["4", "5"]).await;
    let school = app.school(&admin, 19, "technical_school", "500101").await;
    let id = app.file_institution(&admin, &school, &expert, &[(LATHE, "4", &standard)]).await;
    // A second initial filing is refused while the institution lives.
    let a = app.json(Method::POST, "/api/v1/filings", Some(&school.token), &json!({"kind": "initial"})).await;
    assert_eq!(a.violations(), [("kind".to_owned(), "already_filed".to_owned())]);
    // Two years on, the school renews with a wider scope.
    let later = app.state.clock.now() + chrono::Duration::days(730);
    app.state.clock.set_offset(later);
    let admin = app.admin_token().await;
    let school =
        SchoolFixture { id: school.id.clone(), token: app.login("school19", "a-long-password-1").await };
    let expert = (expert.0.clone(), app.login("expert.zhang", "a-long-password-1").await);
    let (filing, etag) = app.start_filing(&school, "renewal").await;
    let commitment = app.upload_pdf(&school, &filing, "commitment").await;
    let doc = complete_document(&[(LATHE, "4", &standard), (LATHE, "5", &standard)], &commitment);
    let _ = etag;
    let etag = app.current_etag(&school, &filing).await;
    assert_eq!(app.save_document(&school, &filing, &etag, &doc).await.status.as_u16(), 200);
    assert_eq!(app.act(&school.token, &filing, "submit", &json!({})).await.status.as_u16(), 200);
    app.act(&admin, &filing, "accept", &json!({})).await;
    app.act(&admin, &filing, "experts", &json!({"expert_ids": [expert.0]})).await;
    app.act(&expert.1, &filing, "evaluations", &evaluation()).await;
    let until = domain_end(&app);
    let a =
        app.act(&admin, &filing, "approve", &json!({"valid_until": until, "opinion": "同意延续备案"})).await;
    assert_eq!(a.status.as_u16(), 200, "{}", a.text);
    let inst = app.get(&format!("/api/v1/institutions/{id}"), Some(&admin)).await;
    assert_eq!(inst.body["code"], "S000050000001");
    assert_eq!(inst.body["valid_until"], until.as_str());
    assert_eq!(inst.body["scope"].as_array().expect("scope").len(), 2);
}
