//! Certificate search (issue 26, point 6): the bureau, the centre and the district offices search
//! by code, name, resident ID number (exact), occupation, level, institution, year and status; a
//! district sees the certificates of the institutions in its district and of the holders whose ID
//! number was registered there (a successor district those of the division it absorbed); the
//! answers are masked; every search by ID number is audited without the number in clear.

#![allow(clippy::expect_used, reason = "test code: a failed setup step should fail the test loudly")]

use persistence::sea_orm::{ConnectionTrait, Statement};
use reqwest::Method;
use serde_json::{Value, json};
use tests::pipeline::*;

fn codes(a: &tests::Answer) -> Vec<String> {
    assert_eq!(a.status.as_u16(), 200, "{}", a.text);
    a.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|c| c["code"].as_str().expect("code").to_owned())
        .collect()
}

#[tokio::test]
async fn staff_search_certificates_within_their_scope_with_numbers_masked_and_id_searches_audited() {
    let s = setup("2026-11-02").await;
    let plan = reviewed_plan(&s, 3).await;
    let school = s.app.login("school1", "a-long-password-1").await;
    let admin = s.app.admin_token().await;
    let centre = s.app.login("centre.plan", "a-long-password-1").await;
    let issued = s
        .app
        .json(Method::POST, &format!("/api/v1/plans/{plan}/certificates"), Some(&school), &json!({}))
        .await;
    assert_eq!(issued.status.as_u16(), 201, "{}", issued.text);
    let items = issued.body["items"].as_array().expect("items").clone();
    let mut all: Vec<String> = items.iter().map(|c| c["code"].as_str().expect("code").to_owned()).collect();
    all.sort();
    let first = &items[0];
    let holder = first["holder_name"].as_str().expect("name").to_owned();
    let detail = s
        .app
        .get(&format!("/api/v1/certificates/{}", first["code"].as_str().expect("code")), Some(&admin))
        .await;
    let number = detail.body["id_number"].as_str().expect("number").to_owned();
    assert_eq!(number.len(), 18, "the bureau sees the number in full: {}", detail.text);

    let app = &s.app;
    let search = |token: &str, body: Value| {
        let token = token.to_owned();
        async move { app.json(Method::POST, "/api/v1/certificates/search", Some(&token), &body).await }
    };

    // Who may search: not a school, an expert or anyone anonymous.
    search(&school, json!({})).await.problem(403, "forbidden");
    let expert = s.app.login("expert.plan", "a-long-password-1").await;
    search(&expert, json!({})).await.problem(403, "forbidden");
    let anonymous = s.app.json(Method::POST, "/api/v1/certificates/search", None, &json!({})).await;
    assert_eq!(anonymous.status.as_u16(), 401, "{}", anonymous.text);

    // No criterion: every certificate in scope, by code, every number masked.
    let a = search(&centre, json!({})).await;
    assert_eq!(codes(&a), all);
    assert_eq!(a.body["total"], 3);
    for c in a.body["items"].as_array().expect("items") {
        let shown = c["id_number"].as_str().expect("number");
        assert!(shown.contains("**************"), "masked: {shown}");
    }
    assert!(!a.text.contains(&number), "no number in clear: {}", a.text);

    // Each criterion narrows; together they must all hold.
    let code = first["code"].as_str().expect("code");
    assert_eq!(codes(&search(&admin, json!({"code": code.to_lowercase()})).await), [code]);
    assert_eq!(codes(&search(&admin, json!({"holder_name": holder})).await), [code]);
    assert_eq!(codes(&search(&admin, json!({"occupation_code": "6-18-01-01", "level": "4"})).await), all);
    assert!(codes(&search(&admin, json!({"level": "5"})).await).is_empty());
    assert_eq!(
        codes(&search(&admin, json!({"institution_id": s.institution, "issue_year": 2026})).await),
        all
    );
    assert!(codes(&search(&admin, json!({"issue_year": 2025})).await).is_empty());
    assert_eq!(codes(&search(&admin, json!({"status": "valid", "per_page": 2})).await), all[..2]);
    assert_eq!(codes(&search(&admin, json!({"status": "valid", "per_page": 2, "page": 2})).await), all[2..]);
    assert!(codes(&search(&admin, json!({"status": "revoked"})).await).is_empty());
    assert!(codes(&search(&admin, json!({"holder_name": holder, "level": "5"})).await).is_empty());

    // By ID number, exactly: found, audited with the number masked.
    let events = s.app.count("audit_events").await;
    let a = search(&centre, json!({"id_number": number})).await;
    assert_eq!(codes(&a), [code]);
    assert_eq!(s.app.count("audit_events").await, events + 1, "one event");
    let audit =
        s.app.get("/api/v1/audit-events?action=certificate.searched_by_id_number", Some(&admin)).await;
    assert_eq!(audit.body["total"], 1, "{}", audit.text);
    let event = &audit.body["items"][0];
    assert_eq!(event["summary"]["found"], 1, "{}", audit.text);
    assert_eq!(event["summary"]["codes"], json!([code]), "{}", audit.text);
    assert!(!audit.text.contains(&number), "no number in clear in the audit log: {}", audit.text);
    // A valid number nobody holds: nothing, still audited.
    let other = tests::resident_id(999);
    assert!(codes(&search(&admin, json!({"id_number": other})).await).is_empty());
    assert_eq!(s.app.count("audit_events").await, events + 2);

    // Malformed criteria name the field and the rule, and leave nothing behind.
    let mut wrong = number.clone();
    wrong.replace_range(17.., if number.ends_with('1') { "2" } else { "1" });
    for (body, field) in [
        (json!({"id_number": wrong}), "id_number"),
        (json!({"id_number": "50010120000101\u{0}001"}), "id_number"),
        (json!({"level": "1"}), "level"),
        (json!({"status": "lost"}), "status"),
        (json!({"issue_year": 1999}), "issue_year"),
        (json!({"occupation_code": "lathe"}), "occupation_code"),
        (json!({"holder_name": "x".repeat(51)}), "holder_name"),
        (json!({"per_page": 101}), "per_page"),
        (json!({"page": 0}), "page"),
    ] {
        let a = search(&admin, body.clone()).await;
        assert_eq!(a.status.as_u16(), 422, "{body}: {}", a.text);
        a.problem(422, "validation_failed");
        assert!(a.violations().iter().any(|(f, _)| f == field), "{body}: {}", a.text);
    }
    let a = search(&admin, json!({"unknown": 1})).await;
    assert_eq!(a.status.as_u16(), 422, "{}", a.text);
    assert_eq!(s.app.count("audit_events").await, events + 2, "no event for a refused search");

    // A district: its institutions' certificates; another district none.
    admin_user(&s, &admin, "district.own", "500101").await;
    admin_user(&s, &admin, "district.other", "500102").await;
    admin_user(&s, &admin, "district.liangjiang", "500157").await;
    let own = s.app.login("district.own", "a-long-password-1").await;
    let other_district = s.app.login("district.other", "a-long-password-1").await;
    let liangjiang = s.app.login("district.liangjiang", "a-long-password-1").await;
    assert_eq!(codes(&search(&own, json!({})).await), all);
    assert!(codes(&search(&other_district, json!({})).await).is_empty());
    assert!(codes(&search(&other_district, json!({"id_number": number})).await).is_empty(), "out of scope");
    assert!(codes(&search(&liangjiang, json!({})).await).is_empty());

    // Issuance kept the holder's registration district (the number's first six digits) ...
    let db = &s.app.state.db;
    let backend = db.get_database_backend();
    let regions = db
        .query_all_raw(Statement::from_string(
            backend,
            "SELECT DISTINCT id_region FROM certificates".to_owned(),
        ))
        .await
        .expect("regions");
    let regions: Vec<String> = regions.iter().map(|r| r.try_get("", "id_region").expect("region")).collect();
    assert_eq!(regions, [number[..6].to_owned()]);
    // ... and a holder registered in 江北区 (500105, merged into 两江新区 500157) is in 两江新区's
    // scope and in none other's.
    db.execute_raw(Statement::from_string(
        backend,
        format!("UPDATE certificates SET id_region = '500105' WHERE code = '{code}'"),
    ))
    .await
    .expect("move the holder");
    assert_eq!(codes(&search(&liangjiang, json!({})).await), [code]);
    assert!(codes(&search(&other_district, json!({})).await).is_empty());
    assert_eq!(codes(&search(&own, json!({})).await), all, "still the institution's district");
}

async fn admin_user(s: &Setup, admin: &str, name: &str, district: &str) {
    s.app.create_user(admin, name, "district", Some(district)).await;
}
