//! Revocations ordered by the bureau or the centre (issue 26, point 5): with a reason and exactly
//! one inspection task that drew the institution or one complaint about it; the institution sees
//! who ordered it and on what, the national platform is told (outbox), the audit log keeps it.

#![allow(clippy::expect_used, reason = "test code: a failed setup step should fail the test loudly")]

use futures_util::future::join_all;
use reqwest::Method;
use serde_json::json;
use tests::pipeline::*;

// The centre orders a revocation on an inspection task that drew the institution, the bureau on a
// complaint about it; the school sees who ordered it; the national platform's event says so; ten
// concurrent orders of one certificate: one wins. Refused: the school and a district office (403),
// no grounds or both, an unknown task or complaint, a complaint about another institution (422),
// a certificate already revoked (409).
#[tokio::test]
async fn the_bureau_or_the_centre_orders_a_revocation_on_an_inspection_or_a_complaint() {
    let s = setup("2026-11-02").await;
    // A second institution, for a complaint about someone else.
    let expert = s.app.expert(&s.admin, "expert.two").await;
    let standard = s.app.standard(&s.admin, "4-03-02-01", &["4"]).await;
    let school2 = s.app.school(&s.admin, 2, "technical_school", "500103").await;
    let institution2 =
        s.app.file_institution(&s.admin, &school2, &expert, &[("4-03-02-01", "4", &standard)]).await;
    let plan = reviewed_plan(&s, 3).await;
    let school = s.app.login("school1", "a-long-password-1").await;
    let admin = s.app.admin_token().await;
    let centre = s.app.login("centre.plan", "a-long-password-1").await;
    let issued = s
        .app
        .json(Method::POST, &format!("/api/v1/plans/{plan}/certificates"), Some(&school), &json!({}))
        .await;
    assert_eq!(issued.status.as_u16(), 201, "{}", issued.text);
    let codes: Vec<String> = issued.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|c| c["code"].as_str().expect("code").to_owned())
        .collect();

    // An inspection task drawing both institutions; complaints about each.
    for name in ["甲", "乙"] {
        let a = s
            .app
            .json(
                Method::POST,
                "/api/v1/inspectors",
                Some(&admin),
                &json!({"name": name, "organisation": "检查组"}),
            )
            .await;
        assert_eq!(a.status.as_u16(), 201, "{}", a.text);
    }
    let task = s
        .app
        .json(
            Method::POST,
            "/api/v1/inspection-tasks",
            Some(&admin),
            &json!({"title": "证书发放专项检查", "kind": "on_site", "sample_size": 2, "inspectors_per_institution": 1}),
        )
        .await;
    assert_eq!(task.status.as_u16(), 201, "{}", task.text);
    let task = task.body["id"].as_str().expect("task").to_owned();
    let app = &s.app;
    let code_of = |id: &str| {
        let path = format!("/api/v1/institutions/{id}");
        let admin = admin.clone();
        async move { app.get(&path, Some(&admin)).await.body["code"].as_str().expect("code").to_owned() }
    };
    let complain = |code: String| async move {
        let a = app
            .json(
                Method::POST,
                "/api/v1/public/complaints",
                None,
                &json!({"target_type": "institution", "target": code, "content": "证书系代考所得"}),
            )
            .await;
        assert_eq!(a.status.as_u16(), 201, "{}", a.text);
        a.body["tracking_number"].as_str().expect("number").to_owned()
    };
    let about_ours = complain(code_of(&s.institution).await).await;
    let about_other = complain(code_of(&institution2).await).await;

    let path = |code: &str| format!("/api/v1/certificates/{code}/revocation-order");
    let order = |token: &str, code: &str, body: serde_json::Value| {
        let (path, token) = (path(code), token.to_owned());
        async move { app.json(Method::POST, &path, Some(&token), &body).await }
    };
    let first = &codes[0];
    order(&school, first, json!({"reason": "x", "inspection_task_id": task})).await.problem(403, "forbidden");
    s.app.create_user(&admin, "district.orders", "district", Some("500101")).await;
    let district = s.app.login("district.orders", "a-long-password-1").await;
    order(&district, first, json!({"reason": "x", "inspection_task_id": task}))
        .await
        .problem(403, "forbidden");
    for (body, field, rule) in [
        (json!({"reason": "弄虚作假"}), "inspection_task_id", "order_required"),
        (
            json!({"reason": "弄虚作假", "inspection_task_id": task, "complaint_number": about_ours}),
            "inspection_task_id",
            "order_required",
        ),
        (json!({"reason": " ", "inspection_task_id": task}), "reason", "blank"),
        (
            json!({"reason": "弄虚作假", "inspection_task_id": uuid::Uuid::now_v7()}),
            "inspection_task_id",
            "unknown_order",
        ),
        (
            json!({"reason": "弄虚作假", "complaint_number": "TS20261102-NOSUCH00"}),
            "complaint_number",
            "unknown_order",
        ),
        (
            json!({"reason": "弄虚作假", "complaint_number": about_other}),
            "complaint_number",
            "order_of_another_institution",
        ),
    ] {
        let a = order(&centre, first, body.clone()).await;
        assert_eq!(a.violations(), [(field.to_owned(), rule.to_owned())], "{body}: {}", a.text);
    }
    order(&centre, "S000050000001269999999", json!({"reason": "x", "inspection_task_id": task}))
        .await
        .problem(404, "not_found");

    // The centre, on the inspection.
    let events = s.app.count("audit_events").await;
    let a = order(&centre, first, json!({"reason": "检查发现替考", "inspection_task_id": task})).await;
    assert_eq!(a.status.as_u16(), 200, "{}", a.text);
    assert_eq!(
        (
            &a.body["status"],
            &a.body["revoked_reason"],
            &a.body["revocation_ordered_by"],
            &a.body["revocation_inspection_task_id"]
        ),
        (&json!("revoked"), &json!("检查发现替考"), &json!("centre"), &json!(task))
    );
    assert_eq!(s.app.count("audit_events").await, events + 1, "one event");
    order(&centre, first, json!({"reason": "再次", "inspection_task_id": task}))
        .await
        .problem(409, "wrong_status");
    // The institution sees who ordered it and on what.
    let seen = s.app.get(&format!("/api/v1/certificates/{first}"), Some(&school)).await;
    assert_eq!(
        (&seen.body["revocation_ordered_by"], &seen.body["revocation_inspection_task_id"]),
        (&json!("centre"), &json!(task))
    );
    // The national platform is told who ordered it.
    let listed = s.app.get("/api/v1/outbox?event_type=certificate.revoked", Some(&admin)).await;
    let id = listed.body["items"][0]["id"].as_i64().expect("a revocation event");
    let event = s.app.get(&format!("/api/v1/outbox/{id}"), Some(&admin)).await;
    assert_eq!(event.body["payload"]["certificates"][0]["code"], json!(first));
    assert_eq!(event.body["payload"]["certificates"][0]["revocation_ordered_by"], "centre");

    // The bureau, on the complaint.
    let a = order(&admin, &codes[1], json!({"reason": "投诉查实", "complaint_number": about_ours})).await;
    assert_eq!(a.status.as_u16(), 200, "{}", a.text);
    assert_eq!(a.body["revocation_ordered_by"], "bureau");
    assert!(a.body["revocation_complaint_id"].is_string(), "{}", a.text);
    let audit = s.app.get("/api/v1/audit-events?action=certificate.revoked", Some(&admin)).await;
    assert!(audit.text.contains("\"ordered_by\":\"bureau\""), "{}", audit.text);

    // Ten concurrent orders of one certificate: one revokes it.
    let third = codes[2].clone();
    let body = json!({"reason": "并发", "inspection_task_id": task});
    let answers = join_all((0..10).map(|_| order(&centre, &third, body.clone()))).await;
    let mut statuses: Vec<u16> = answers.iter().map(|a| a.status.as_u16()).collect();
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 409, 409, 409, 409, 409, 409, 409, 409, 409], "one wins");
}
