//! Change filings (变更备案, issue 26, point 3): a filed institution changes its name, addresses,
//! legal representative, contact, sites and people; the draft starts from its filed document;
//! the bureau approves or returns it; the code and the validity stay; certificates already
//! issued keep the name they were issued under (R39); a change that adds an occupation or a
//! level to the scope goes through expert evaluation like a filing.

#![allow(clippy::expect_used, reason = "test code: a failed setup step should fail the test loudly")]

use futures_util::future::join_all;
use reqwest::Method;
use serde_json::{Value, json};
use tests::pipeline::*;
use tests::{SchoolFixture, evaluation};

/// Saves `doc` as the draft `filing`'s document (with its current ETag), answering 200.
async fn save(s: &Setup, school: &SchoolFixture, filing: &str, doc: &Value) {
    let etag = s.app.current_etag(school, filing).await;
    let a = s.app.save_document(school, filing, &etag, doc).await;
    assert_eq!(a.status.as_u16(), 200, "save: {}", a.text);
}

// A rename and a move without new scope: no experts; the code, validity and scope stay; the
// certificates issued before keep the old name; the national platform hears of it (once). Ten
// concurrent starts: one draft; ten concurrent approvals: one. Refused: a validity on a change,
// a decision before acceptance, a change of an expired institution, a change without one.
#[tokio::test]
async fn a_change_filing_renames_the_institution_and_keeps_its_code_validity_and_certificates() {
    let s = setup("2026-11-02").await;
    let plan = reviewed_plan(&s, 2).await;
    let token = s.app.login("school1", "a-long-password-1").await;
    let school = SchoolFixture { id: s.school.id.clone(), token: token.clone() };
    let admin = s.app.admin_token().await;
    let issued = s
        .app
        .json(Method::POST, &format!("/api/v1/plans/{plan}/certificates"), Some(&token), &json!({}))
        .await;
    assert_eq!(issued.status.as_u16(), 201, "{}", issued.text);
    let code = issued.body["items"][0]["code"].as_str().expect("code").to_owned();
    let before = s.app.get(&format!("/api/v1/institutions/{}", s.institution), Some(&admin)).await;
    let old_name = before.body["name"].as_str().expect("name").to_owned();

    // Ten concurrent starts of a change: one draft, the others find it open.
    let body = json!({"kind": "change"});
    let starts =
        join_all((0..10).map(|_| s.app.json(Method::POST, "/api/v1/filings", Some(&token), &body))).await;
    let mut statuses: Vec<u16> = starts.iter().map(|a| a.status.as_u16()).collect();
    statuses.sort_unstable();
    assert_eq!(statuses, [201, 409, 409, 409, 409, 409, 409, 409, 409, 409], "{statuses:?}");
    let draft = starts.iter().find(|a| a.status.as_u16() == 201).expect("one draft");
    let filing = draft.body["id"].as_str().expect("id").to_owned();
    assert_eq!(draft.body["kind"], "change");
    assert_eq!(draft.body["institution_id"], s.institution.as_str());
    // The draft is the institution's filed document, with its record's name; the people stay
    // (the school sees their numbers); the commitment is signed anew.
    let mut doc = draft.body["document"].clone();
    assert_eq!(doc["basic"]["name"], old_name.as_str());
    assert_eq!(doc["examiners"].as_array().expect("examiners").len(), 3);
    assert!(!doc["examiners"][0]["id_number"].as_str().expect("number").contains('*'), "{doc}");
    assert_eq!(doc["commitment"]["attachment_id"], Value::Null);
    assert_eq!(draft.body["scope_added"], Value::Null);

    // The new name, office and site, with a new commitment.
    doc["basic"]["name"] = json!("重庆市某技师学院");
    doc["basic"]["office_address"] = json!("重庆市某区新路8号");
    doc["sites"]
        .as_array_mut()
        .expect("sites")
        .push(json!({"name": "新实训楼", "address": "新校区", "area_m2": 1200.0, "purpose": "实操考核"}));
    let commitment = s.app.upload_pdf(&school, &filing, "commitment").await;
    doc["commitment"] =
        json!({"legal_representative": "张校长", "signed_on": "2026-11-02", "attachment_id": commitment});
    save(&s, &school, &filing, &doc).await;
    let a = s.app.act(&token, &filing, "submit", &json!({})).await;
    assert_eq!(a.status.as_u16(), 200, "{}", a.text);
    assert_eq!(
        (a.body["scope_added"].clone(), a.body["evaluation_required"].clone()),
        (json!([]), json!(false))
    );

    // Decided once accepted, without experts; never with a validity of its own.
    let a = s.app.act(&admin, &filing, "approve", &json!({"opinion": "同意变更。"})).await;
    a.problem(409, "wrong_status");
    let a = s.app.act(&admin, &filing, "accept", &json!({})).await;
    assert_eq!(a.status.as_u16(), 200, "{}", a.text);
    let until = before.body["valid_until"].as_str().expect("until").to_owned();
    let a =
        s.app.act(&admin, &filing, "approve", &json!({"valid_until": until, "opinion": "同意变更。"})).await;
    assert_eq!(a.violations(), [("valid_until".to_owned(), "validity_kept".to_owned())]);
    // Ten concurrent approvals: one changes the institution, once.
    let approval = json!({"opinion": "同意变更。"});
    let answers = join_all((0..10).map(|_| s.app.act(&admin, &filing, "approve", &approval))).await;
    let mut statuses: Vec<u16> = answers.iter().map(|a| a.status.as_u16()).collect();
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 409, 409, 409, 409, 409, 409, 409, 409, 409], "{statuses:?}");
    let a = answers.iter().find(|a| a.status.as_u16() == 200).expect("one approval");
    assert_eq!(a.body["status"], "approved");

    // Same code, validity, status and scope; the new name and office.
    let after = s.app.get(&format!("/api/v1/institutions/{}", s.institution), Some(&admin)).await;
    for field in ["code", "valid_from", "valid_until", "status", "scope"] {
        assert_eq!(after.body[field], before.body[field], "{field}: {}", after.text);
    }
    assert_eq!(after.body["name"], "重庆市某技师学院");
    assert_eq!(after.body["office_address"], "重庆市某区新路8号");
    // The certificate issued before keeps the name it was issued under (R39).
    let c = s.app.get(&format!("/api/v1/certificates/{code}"), Some(&admin)).await;
    assert_eq!(c.body["institution_name"], old_name.as_str(), "{}", c.text);
    // The national platform hears of it; the audit log keeps it.
    let events = s.app.get("/api/v1/outbox?event_type=institution.changed", Some(&admin)).await;
    assert_eq!(events.body["total"], 1, "{}", events.text);
    let audit = s
        .app
        .get(
            &format!("/api/v1/audit-events?action=institution.changed&target_id={}", s.institution),
            Some(&admin),
        )
        .await;
    assert_eq!(audit.body["total"], 1, "{}", audit.text);

    // An expired institution renews instead of changing.
    let later = s.app.state.clock.now() + chrono::Duration::days(4 * 366);
    s.app.state.clock.set_offset(later);
    let token = s.app.login("school1", "a-long-password-1").await;
    let a = s.app.json(Method::POST, "/api/v1/filings", Some(&token), &json!({"kind": "change"})).await;
    let p = a.problem(409, "institution_not_active");
    assert!(p["detail"].as_str().is_some_and(|d| d.contains("已过期")), "{p}");
    // A school without an institution has nothing to change.
    let admin = s.app.admin_token().await;
    let other = s.app.school(&admin, 7, "technical_school", "500103").await;
    let a = s.app.json(Method::POST, "/api/v1/filings", Some(&other.token), &json!({"kind": "change"})).await;
    assert_eq!(a.violations(), [("kind".to_owned(), "unknown_institution".to_owned())]);
}

// A change adding an occupation goes to experts: returned once by the bureau, submitted again,
// evaluated and approved; the scope then holds it.
#[tokio::test]
async fn a_change_adding_an_occupation_goes_through_expert_evaluation() {
    let s = setup("2026-11-02").await;
    let token = s.app.login("school1", "a-long-password-1").await;
    let school = SchoolFixture { id: s.school.id.clone(), token: token.clone() };
    let admin = s.app.admin_token().await;
    let expert = s.app.expert(&admin, "expert.change").await;
    let milling = "6-18-01-02";
    let standard = s.app.standard(&admin, milling, &["4"]).await;
    let (filing, _) = s.app.start_filing(&school, "change").await;
    let got = s.app.get(&format!("/api/v1/filings/{filing}"), Some(&token)).await;
    let mut doc = got.body["document"].clone();
    doc["occupations"].as_array_mut().expect("occupations").push(
        json!({"major": "机械加工", "occupation_code": milling, "level": "4", "standard_id": standard}),
    );
    for e in doc["examiners"].as_array_mut().expect("examiners") {
        e["occupation_codes"].as_array_mut().expect("codes").push(json!(milling));
    }
    let commitment = s.app.upload_pdf(&school, &filing, "commitment").await;
    doc["commitment"] =
        json!({"legal_representative": "张校长", "signed_on": "2026-11-02", "attachment_id": commitment});
    save(&s, &school, &filing, &doc).await;
    s.app.register_examiners(&admin, &doc).await;
    let a = s.app.act(&token, &filing, "submit", &json!({})).await;
    assert_eq!(a.status.as_u16(), 200, "{}", a.text);
    let added = json!([{"occupation_code": milling, "work_type": "", "level": "4"}]);
    assert_eq!((a.body["scope_added"].clone(), a.body["evaluation_required"].clone()), (added, json!(true)));

    // The bureau returns it; the school submits it again.
    let a = s.app.act(&admin, &filing, "return", &json!({"reasons": "请补充铣工考评人员资格证明。"})).await;
    assert_eq!(a.status.as_u16(), 200, "{}", a.text);
    let a = s.app.act(&token, &filing, "submit", &json!({})).await;
    assert_eq!((a.status.as_u16(), a.body["round"].clone()), (200, json!(2)), "{}", a.text);
    s.app.act(&admin, &filing, "accept", &json!({})).await;
    // Not without experts.
    let a = s.app.act(&admin, &filing, "approve", &json!({"opinion": "同意变更。"})).await;
    a.problem(409, "wrong_status");
    s.app.act(&admin, &filing, "experts", &json!({"expert_ids": [expert.0]})).await;
    let a = s.app.act(&admin, &filing, "approve", &json!({"opinion": "同意变更。"})).await;
    a.problem(409, "evaluation_required");
    let a = s.app.act(&expert.1, &filing, "evaluations", &evaluation()).await;
    assert_eq!(a.status.as_u16(), 201, "{}", a.text);
    let a = s.app.act(&admin, &filing, "approve", &json!({"opinion": "同意变更。"})).await;
    assert_eq!(a.status.as_u16(), 200, "{}", a.text);
    let inst = s.app.get(&format!("/api/v1/institutions/{}", s.institution), Some(&admin)).await;
    let scope = inst.body["scope"].as_array().expect("scope");
    assert_eq!(scope.len(), 3, "{}", inst.text);
    assert!(scope.iter().any(|r| r["occupation_code"] == milling), "{}", inst.text);
}
