//! Over 400 lines: each correction of issue 26 point 2 and 4 is one scenario here, and they share the fixtures that file an institution and its plan.
//! Everyday corrections (issue 26): a school withdraws its filing application before the
//! decision; a plan is cancelled by its school before the first session and by the centre until
//! certificates are issued. Both stay on record, with the reason, and nothing more happens to a
//! cancelled plan.

#![allow(clippy::expect_used, reason = "test code: a failed setup step should fail the test loudly")]

use futures_util::future::join_all;
use reqwest::Method;
use serde_json::{Value, json};
use tests::pipeline::*;

// A school withdraws its application before the decision, with a reason; it stays on record and
// the school may apply again. A decided application cannot be withdrawn; the bureau cannot
// withdraw for the school; a blank reason is refused.
#[tokio::test]
async fn a_school_withdraws_its_application_before_the_decision_and_may_apply_again() {
    let s = setup("2026-11-02").await;
    let school2 = s.app.school(&s.admin, 2, "technical_school", "500101").await;
    let (filing, _) = s.app.start_filing(&school2, "initial").await;
    let path = format!("/api/v1/filings/{filing}/withdraw");
    let blank = s.app.json(Method::POST, &path, Some(&school2.token), &json!({"reason": "  "})).await;
    assert_eq!(blank.status.as_u16(), 422, "{}", blank.text);
    let bureau = s.app.json(Method::POST, &path, Some(&s.admin), &json!({"reason": "代为撤回"})).await;
    assert_eq!(bureau.status.as_u16(), 403, "{}", bureau.text);
    let other = s.app.json(Method::POST, &path, Some(&s.school.token), &json!({"reason": "别校"})).await;
    assert_eq!(other.status.as_u16(), 404, "another school does not see it: {}", other.text);
    let events = s.app.count("audit_events").await;
    let a =
        s.app.json(Method::POST, &path, Some(&school2.token), &json!({"reason": "场地改造，暂缓申请"})).await;
    assert_eq!(a.status.as_u16(), 200, "{}", a.text);
    assert_eq!(
        (a.body["status"].clone(), a.body["withdrawal_reason"].clone()),
        (json!("withdrawn"), json!("场地改造，暂缓申请"))
    );
    assert_eq!(s.app.count("audit_events").await, events + 1, "one event");
    // Nothing more happens to it; it is still there.
    s.app.act(&school2.token, &filing, "submit", &json!({})).await.problem(409, "wrong_status");
    s.app
        .json(Method::POST, &path, Some(&school2.token), &json!({"reason": "再撤"}))
        .await
        .problem(409, "wrong_status");
    let kept = s.app.get(&format!("/api/v1/filings/{filing}"), Some(&s.admin)).await;
    assert_eq!(kept.body["status"], "withdrawn", "{}", kept.text);
    // The school applies again.
    let again =
        s.app.json(Method::POST, "/api/v1/filings", Some(&school2.token), &json!({"kind": "initial"})).await;
    assert_eq!(again.status.as_u16(), 201, "{}", again.text);
    // An approved application is decided: it cannot be withdrawn.
    let list = s.app.get("/api/v1/filings", Some(&s.school.token)).await;
    let approved = list.body["items"][0]["id"].as_str().expect("approved filing").to_owned();
    s.app
        .json(
            Method::POST,
            &format!("/api/v1/filings/{approved}/withdraw"),
            Some(&s.school.token),
            &json!({"reason": "晚了"}),
        )
        .await
        .problem(409, "wrong_status");
}

// The school cancels its plan before the first session; nothing more happens to it, it stays on
// record and is listed as cancelled. From the day of the first session only the centre may
// cancel. Ten cancellations at once: one wins.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plan_is_cancelled_by_its_school_before_the_first_session_and_by_the_centre_after() {
    let s = setup("2026-11-02").await;
    let first = acknowledged_plan(&s, 2).await;
    let path = format!("/api/v1/plans/{first}/cancel");
    let events = s.app.count("audit_events").await;
    let reason = json!({"reason": "实训楼检修，本批次取消"});
    let answers =
        join_all((0..10).map(|_| s.app.json(Method::POST, &path, Some(&s.school.token), &reason))).await;
    let won: Vec<_> = answers.iter().filter(|a| a.status.as_u16() == 200).collect();
    assert_eq!(won.len(), 1, "one cancellation");
    for a in answers.iter().filter(|a| a.status.as_u16() != 200) {
        a.problem(409, "wrong_status");
    }
    assert_eq!(
        (won[0].body["status"].clone(), won[0].body["cancellation_reason"].clone()),
        (json!("cancelled"), reason["reason"].clone())
    );
    assert_eq!(s.app.count("audit_events").await, events + 1);
    // Nothing more happens to it.
    let ids = candidate_ids(&s, &first).await;
    let values: Vec<(f64, f64, f64)> = ids.iter().map(|_| (80.0, 80.0, 80.0)).collect();
    let a = s
        .app
        .json(
            Method::POST,
            &format!("/api/v1/plans/{first}/results"),
            Some(&s.school.token),
            &scores(&ids, &values),
        )
        .await;
    a.problem(409, "wrong_status");
    let put = s
        .app
        .request(Method::PUT, &format!("/api/v1/plans/{first}"))
        .bearer_auth(&s.school.token)
        .header("If-Match", "*")
        .json(&plan_body("2026-12-15"));
    s.app.send(put).await.problem(409, "wrong_status");
    let a = s
        .app
        .json(Method::POST, &format!("/api/v1/plans/{first}/quality-supervisor"), Some(&s.centre), &json!({}))
        .await;
    a.problem(409, "wrong_status");
    let listed = s.app.get("/api/v1/plans?status=cancelled", Some(&s.centre)).await;
    assert_eq!(listed.body["total"], 1, "{}", listed.text);
    let listed = s.app.get("/api/v1/plans?status=acknowledged", Some(&s.centre)).await;
    assert_eq!(listed.body["total"], 0, "a cancelled plan is no longer acknowledged: {}", listed.text);
    // A second plan reaches the day of its first session: the school may no longer cancel it.
    let second = acknowledged_plan(&s, 2).await;
    set_today(&s.app, d("2026-12-15"));
    let school = s.app.login("school1", "a-long-password-1").await;
    let centre = s.app.login("centre.plan", "a-long-password-1").await;
    let path = format!("/api/v1/plans/{second}/cancel");
    let a = s.app.json(Method::POST, &path, Some(&school), &json!({"reason": "来不及"})).await;
    a.problem(409, "plan_underway");
    assert!(a.text.contains("2026-12-15"), "{}", a.text);
    let a =
        s.app.json(Method::POST, &path, Some(&centre), &json!({"reason": "考场发现违规，中心取消"})).await;
    assert_eq!(a.body["status"], "cancelled", "{}", a.text);
}

fn school_record(n: u32, office: &str) -> serde_json::Value {
    json!({"name": format!("重庆市第{n}技工学校"), "school_type": "technical_school", "credit_code": tests::credit_code(n),
           "district_code": "500101", "registered_address": "重庆市某区某路1号", "office_address": office,
           "legal_representative": "张校长", "contact_name": "李老师", "contact_phone": "13900139000"})
}

// The bureau corrects a school's record with If-Match: without it 428, stale 412; ten
// corrections sent with the same version: one wins, the others are stale. The audit event names
// the changed fields, never the phone number. Another school's credit code is refused; only the
// bureau corrects.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bureau_corrects_a_school_record_with_if_match() {
    let s = setup("2026-11-02").await;
    let path = format!("/api/v1/schools/{}", s.school.id);
    let current = s.app.get(&path, Some(&s.admin)).await;
    let tag = current.header("etag").expect("ETag").to_owned();
    let put = |token: &str, tag: Option<&str>, body: &serde_json::Value| {
        let mut r = s.app.request(Method::PUT, &path).bearer_auth(token).json(body);
        if let Some(t) = tag {
            r = r.header("If-Match", t);
        }
        s.app.send(r)
    };
    let body = school_record(1, "重庆市万州区新址路8号");
    put(&s.admin, None, &body).await.problem(428, "precondition_required");
    put(&s.admin, Some("\"s0\""), &body).await.problem(412, "precondition_failed");
    assert_eq!(put(&s.school.token, Some(&tag), &body).await.status.as_u16(), 403);
    let mut taken = body.clone();
    taken["credit_code"] = json!(tests::credit_code(9));
    s.app.school(&s.admin, 9, "technical_school", "500101").await;
    put(&s.admin, Some(&tag), &taken).await.problem(409, "already_exists");
    let events = s.app.count("audit_events").await;
    let answers = join_all((0..10).map(|_| put(&s.admin, Some(&tag), &body))).await;
    let won: Vec<_> = answers.iter().filter(|a| a.status.as_u16() == 200).collect();
    assert_eq!(won.len(), 1, "one correction");
    for a in answers.iter().filter(|a| a.status.as_u16() != 200) {
        a.problem(412, "precondition_failed");
    }
    assert_eq!(won[0].body["office_address"], "重庆市万州区新址路8号");
    assert_ne!(won[0].header("etag"), Some(tag.as_str()));
    assert_eq!(s.app.count("audit_events").await, events + 1);
    let audit = s.app.get("/api/v1/audit-events?action=school.corrected", Some(&s.admin)).await;
    assert!(audit.text.contains("office_address") && audit.text.contains("contact_phone"), "{}", audit.text);
    assert!(
        tests::personal_data(&audit.text).is_empty() && !audit.text.contains("13900139000"),
        "{}",
        audit.text
    );
}

// The bureau withdraws a standard: it stays, listing the institutions that name it; no new plan
// or filing may name it; a withdrawn norm no longer blocks a revised norm for its occupation and
// level (R6). Once is enough; only the bureau withdraws.
#[tokio::test]
async fn a_withdrawn_standard_is_kept_listed_and_named_by_no_new_filing_or_plan() {
    let s = setup("2026-11-02").await;
    let list = s.app.get(&format!("/api/v1/standards?occupation_code={LATHE}"), None).await;
    let standard = list.body["items"][0]["id"].as_str().expect("standard").to_owned();
    let path = format!("/api/v1/standards/{standard}/withdraw");
    let reason = json!({"reason": "新版国家职业技能标准已颁布"});
    let a = s.app.json(Method::POST, &path, Some(&s.school.token), &reason).await;
    assert_eq!(a.status.as_u16(), 403, "{}", a.text);
    let a = s.app.json(Method::POST, &path, Some(&s.admin), &reason).await;
    assert_eq!(a.status.as_u16(), 200, "{}", a.text);
    assert!(a.body["withdrawn_at"].is_string(), "{}", a.text);
    assert_eq!(a.body["named_by"][0]["id"], json!(s.institution), "{}", a.text);
    s.app.json(Method::POST, &path, Some(&s.admin), &reason).await.problem(409, "already_withdrawn");
    // No new plan assesses against it.
    let a = s.app.json(Method::POST, "/api/v1/plans", Some(&s.school.token), &plan_body("2026-12-15")).await;
    assert_eq!(
        a.violations(),
        [("occupations[0]".to_owned(), "standard_withdrawn".to_owned())],
        "{}",
        a.text
    );
    // No new filing names it.
    let school2 = s.app.school(&s.admin, 2, "technical_school", "500101").await;
    let (filing, _) = s.app.start_filing(&school2, "initial").await;
    let commitment = s.app.upload_pdf(&school2, &filing, "commitment").await;
    let doc = tests::complete_document(&[(LATHE, "4", &standard)], &commitment);
    let etag = s.app.current_etag(&school2, &filing).await;
    assert_eq!(s.app.save_document(&school2, &filing, &etag, &doc).await.status.as_u16(), 200);
    let a = s.app.act(&school2.token, &filing, "submit", &json!({})).await;
    a.problem(422, "submission_incomplete");
    assert!(
        a.violations().contains(&("occupations[0].standard_id".to_owned(), "standard_withdrawn".to_owned())),
        "{}",
        a.text
    );
    // A withdrawn norm no longer holds its occupation and level (R6).
    let norm = |title: &str| {
        json!({"occupation_code": "6-18-01-02", "kind": "evaluation_norm", "title": title, "levels": ["4"],
               "filing_reference": "渝人社评〔2026〕1号", "filing_date": "2026-10-01"})
    };
    let first = s.app.json(Method::POST, "/api/v1/standards", Some(&s.admin), &norm("铣工评价规范")).await;
    assert_eq!(first.status.as_u16(), 201, "{}", first.text);
    s.app
        .json(Method::POST, "/api/v1/standards", Some(&s.admin), &norm("铣工评价规范（修订）"))
        .await
        .problem(409, "norm_exists");
    let id = first.body["id"].as_str().expect("norm");
    let a = s
        .app
        .json(
            Method::POST,
            &format!("/api/v1/standards/{id}/withdraw"),
            Some(&s.admin),
            &json!({"reason": "修订"}),
        )
        .await;
    assert_eq!(a.status.as_u16(), 200, "{}", a.text);
    let revised =
        s.app.json(Method::POST, "/api/v1/standards", Some(&s.admin), &norm("铣工评价规范（修订）")).await;
    assert_eq!(revised.status.as_u16(), 201, "{}", revised.text);
    let audit = s.app.get("/api/v1/audit-events?action=standard.withdrawn", Some(&s.admin)).await;
    assert!(audit.text.contains("新版国家职业技能标准已颁布"), "{}", audit.text);
}

// The bureau corrects a standard's title and a norm's filing with If-Match (issue 26, point 4):
// a field left out stays; a filing for a national standard is refused on its field; the event
// names each change with its old value; of ten concurrent corrections from one version, one
// passes; a school may not correct.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bureau_corrects_a_standard_with_if_match() {
    let s = setup("2026-11-02").await;
    let list = s.app.get(&format!("/api/v1/standards?occupation_code={LATHE}"), None).await;
    let national = list.body["items"][0]["id"].as_str().expect("standard").to_owned();
    let path = |id: &str| format!("/api/v1/standards/{id}");
    let etag_of = async |id: &str| s.app.get(&path(id), None).await.header("etag").expect("ETag").to_owned();
    let patch = |token: &str, id: &str, tag: Option<&str>, body: &serde_json::Value| {
        let mut r = s.app.request(Method::PATCH, &path(id)).bearer_auth(token).json(body);
        if let Some(t) = tag {
            r = r.header("If-Match", t);
        }
        s.app.send(r)
    };
    let tag = etag_of(&national).await;
    let title = json!({"title": " 车工国家职业技能标准（2018年版） "});
    patch(&s.admin, &national, None, &title).await.problem(428, "precondition_required");
    patch(&s.admin, &national, Some("\"h0\""), &title).await.problem(412, "precondition_failed");
    assert_eq!(patch(&s.school.token, &national, Some(&tag), &title).await.status.as_u16(), 403);
    let a = patch(
        &s.admin,
        &national,
        Some(&tag),
        &json!({"filing_reference": "渝人社评〔2026〕9号", "title": ""}),
    )
    .await;
    a.problem(422, "validation_failed");
    let found = a.violations();
    assert!(
        found.contains(&("filing_reference".to_owned(), "not_for_national_standard".to_owned())),
        "{found:?}"
    );
    assert!(found.iter().any(|(f, _)| f == "title"), "{found:?}");

    let events = s.app.count("audit_events").await;
    let answers = join_all((0..10).map(|_| patch(&s.admin, &national, Some(&tag), &title))).await;
    let won: Vec<_> = answers.iter().filter(|a| a.status.as_u16() == 200).collect();
    assert_eq!(won.len(), 1, "one correction");
    for a in answers.iter().filter(|a| a.status.as_u16() != 200) {
        a.problem(412, "precondition_failed");
    }
    assert_eq!(won[0].body["title"], "车工国家职业技能标准（2018年版）");
    assert_eq!(won[0].body["levels"], json!(["4", "5"]), "levels stay");
    let new_tag = won[0].header("etag").expect("ETag").to_owned();
    assert_ne!(new_tag, tag);
    assert_eq!(etag_of(&national).await, new_tag, "GET answers the same version");
    assert_eq!(s.app.count("audit_events").await, events + 1);
    // The same again changes nothing and records nothing.
    let a = patch(&s.admin, &national, Some(&new_tag), &title).await;
    assert_eq!(a.status.as_u16(), 200, "{}", a.text);
    assert_eq!(s.app.count("audit_events").await, events + 1);

    // A norm's filing reference and date.
    let norm = s
        .app
        .json(
            Method::POST,
            "/api/v1/standards",
            Some(&s.admin),
            &json!({"occupation_code": "6-18-01-02", "kind": "evaluation_norm", "title": "铣工评价规范", "levels": ["4"],
                    "filing_reference": "渝人社评〔2026〕1号", "filing_date": "2026-10-01"}),
        )
        .await;
    assert_eq!(norm.status.as_u16(), 201, "{}", norm.text);
    let id = norm.body["id"].as_str().expect("norm").to_owned();
    let tag = etag_of(&id).await;
    let a = patch(
        &s.admin,
        &id,
        Some(&tag),
        &json!({"filing_reference": "渝人社评〔2026〕11号", "filing_date": "2026-10-11"}),
    )
    .await;
    assert_eq!(a.status.as_u16(), 200, "{}", a.text);
    assert_eq!(
        (&a.body["filing_reference"], &a.body["filing_date"], &a.body["title"]),
        (&json!("渝人社评〔2026〕11号"), &json!("2026-10-11"), &json!("铣工评价规范"))
    );
    let audit = s.app.get("/api/v1/audit-events?action=standard.corrected", Some(&s.admin)).await;
    assert_eq!(audit.body["total"], 2, "{}", audit.text);
    assert!(
        audit.text.contains("渝人社评〔2026〕1号") && audit.text.contains("2026-10-01"),
        "old values: {}",
        audit.text
    );
}

// A school withdraws a candidate with a reason until certificates are issued: the candidate
// stays listed as withdrawn with their results, is left out of results entry, publicity, the
// report and issuance; the same person may be listed again in the plan (once while listed).
// Ten concurrent withdrawals of one candidate: one wins. Another school, the centre and a blank
// reason are refused; after issuance, 409 `certificates_issued`.
#[tokio::test]
async fn a_school_withdraws_a_candidate_until_certificates_are_issued_and_may_list_them_again() {
    let s = setup("2026-11-02").await;
    // Re-listing in a draft plan.
    let draft = draft_plan(&s, 2).await;
    let listed = s.app.get(&format!("/api/v1/plans/{draft}/candidates"), Some(&s.school.token)).await;
    let first = listed.body["items"][0].clone();
    let path = |plan: &str, c: &Value| {
        format!("/api/v1/plans/{plan}/candidates/{}/withdraw", c["id"].as_str().expect("id"))
    };
    let blank =
        s.app.json(Method::POST, &path(&draft, &first), Some(&s.school.token), &json!({"reason": " "})).await;
    assert_eq!(blank.status.as_u16(), 422, "{}", blank.text);
    let centre = s.app.login("centre.plan", "a-long-password-1").await;
    let by_centre =
        s.app.json(Method::POST, &path(&draft, &first), Some(&centre), &json!({"reason": "代撤"})).await;
    assert_eq!(by_centre.status.as_u16(), 403, "{}", by_centre.text);
    let unknown = format!("/api/v1/plans/{draft}/candidates/{}/withdraw", uuid::Uuid::now_v7());
    let a = s.app.json(Method::POST, &unknown, Some(&s.school.token), &json!({"reason": "无此人"})).await;
    assert_eq!(a.status.as_u16(), 404, "{}", a.text);
    // `学生1` of the first plan is `candidate(1)` (tests::pipeline::draft_plan).
    assert_eq!(first["name"], "学生1");
    let person = candidate(1);
    // Listed twice is refused while the first listing stands.
    let twice = s
        .app
        .json(Method::POST, &format!("/api/v1/plans/{draft}/candidates"), Some(&s.school.token), &person)
        .await;
    assert_eq!(twice.status.as_u16(), 409, "{}", twice.text);
    let events = s.app.count("audit_events").await;
    let (target, reason) = (path(&draft, &first), json!({"reason": "学生转学"}));
    let answers =
        join_all((0..10).map(|_| s.app.json(Method::POST, &target, Some(&s.school.token), &reason))).await;
    let mut statuses: Vec<u16> = answers.iter().map(|a| a.status.as_u16()).collect();
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 409, 409, 409, 409, 409, 409, 409, 409, 409], "one wins");
    assert!(
        answers.iter().filter(|a| a.status.as_u16() == 409).all(|a| a.body["code"] == "already_withdrawn")
    );
    assert_eq!(s.app.count("audit_events").await, events + 1, "one event");
    let won = answers.iter().find(|a| a.status.as_u16() == 200).expect("one");
    assert_eq!(won.body["withdrawal_reason"], "学生转学");
    assert!(won.body["withdrawn_at"].is_string());
    let relisted = s
        .app
        .json(Method::POST, &format!("/api/v1/plans/{draft}/candidates"), Some(&s.school.token), &person)
        .await;
    assert_eq!(relisted.status.as_u16(), 201, "listed again: {}", relisted.text);
    let listed = s.app.get(&format!("/api/v1/plans/{draft}/candidates"), Some(&s.school.token)).await;
    assert_eq!(listed.body["total"], 3, "the withdrawn listing stays on record");

    // Through results, publicity, the report and issuance.
    let plan = acknowledged_plan(&s, 3).await;
    let ids = candidate_ids(&s, &plan).await;
    let results = format!("/api/v1/plans/{plan}/results");
    let a = s
        .app
        .json(Method::POST, &results, Some(&s.school.token), &scores(&ids, &[(80.0, 80.0, 80.0); 3]))
        .await;
    assert_eq!(a.status.as_u16(), 200, "{}", a.text);
    let gone = &ids[0];
    let w = format!("/api/v1/plans/{plan}/candidates/{gone}/withdraw");
    let a = s.app.json(Method::POST, &w, Some(&s.school.token), &json!({"reason": "缺考后退出"})).await;
    assert_eq!(a.status.as_u16(), 200, "{}", a.text);
    let a = s
        .app
        .json(Method::POST, &results, Some(&s.school.token), &scores(&ids[..1], &[(90.0, 90.0, 90.0)]))
        .await;
    assert_eq!(a.status.as_u16(), 422, "no results for a withdrawn candidate: {}", a.text);
    // Their results stay on record (and in the archive); the results sheet lists the others.
    let kept = s.app.get(&results, Some(&s.school.token)).await;
    assert!(!kept.text.contains(gone.as_str()), "{}", kept.text);
    assert_eq!(s.app.count("assessment_results").await, 9, "three components of three candidates, kept");
    upload_photos(&s, &plan).await;
    let a = s
        .app
        .json(Method::POST, &format!("/api/v1/plans/{plan}/publicity"), Some(&s.school.token), &json!({}))
        .await;
    assert_eq!(a.status.as_u16(), 200, "{}", a.text);
    let notice = s.app.get(&format!("/api/v1/public/publicity/{plan}"), None).await;
    assert_eq!(notice.body["passed"].as_array().expect("passed").len(), 2, "{}", notice.text);
    set_today(&s.app, s.app.state.clock.today() + chrono::Duration::days(14));
    let school = s.app.login("school1", "a-long-password-1").await;
    let centre = s.app.login("centre.plan", "a-long-password-1").await;
    let a =
        s.app.json(Method::POST, &format!("/api/v1/plans/{plan}/report"), Some(&school), &json!({})).await;
    assert_eq!(a.status.as_u16(), 200, "{}", a.text);
    let a = s
        .app
        .json(
            Method::POST,
            &format!("/api/v1/plans/{plan}/review"),
            Some(&centre),
            &json!({"decision": "approve"}),
        )
        .await;
    assert_eq!(a.body["phase"], "reviewed", "{}", a.text);
    let a = s
        .app
        .json(Method::POST, &format!("/api/v1/plans/{plan}/certificates"), Some(&school), &json!({}))
        .await;
    assert_eq!(a.status.as_u16(), 201, "{}", a.text);
    assert_eq!(a.body["items"].as_array().expect("items").len(), 2, "the withdrawn candidate gets none");
    let late = format!("/api/v1/plans/{plan}/candidates/{}/withdraw", ids[1]);
    s.app
        .json(Method::POST, &late, Some(&school), &json!({"reason": "发证后"}))
        .await
        .problem(409, "certificates_issued");
}
