//! Accounts and roles, managed by the bureau.

#![allow(clippy::expect_used, reason = "test code: a failed setup step should fail the test loudly")]

use reqwest::Method;
use serde_json::json;
use tests::TestApp;

#[tokio::test]
async fn the_bureau_creates_a_district_account_bound_to_a_current_district() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let a = app
        .json(
            Method::POST,
            "/api/v1/users",
            Some(&admin),
            &json!({"username": "Liangjiang.Office", "display_name": "两江新区社会保障局", "role": "district",
                    "district_code": "500157", "password": "a-long-password-1"}),
        )
        .await;
    assert_eq!(a.status.as_u16(), 201, "{}", a.text);
    assert_eq!(a.body["username"], "liangjiang.office");
    assert_eq!(a.body["district_name"], "两江新区");
    assert_eq!(a.body["role_name"], "区县人力社保部门");
    let id = a.body["id"].as_str().expect("id");
    assert_eq!(a.header("location"), Some(format!("/api/v1/users/{id}").as_str()));
    assert_eq!(a.header("etag"), Some("\"u1\""));
    let token = app.login("liangjiang.office", "a-long-password-1").await;
    let me = app.get("/api/v1/me", Some(&token)).await;
    assert_eq!(me.body["district_code"], "500157");
}

#[tokio::test]
async fn every_violation_is_reported_at_once_and_nothing_is_written() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let users_before = app.count("users").await;
    let events_before = app.count("audit_events").await;
    let a = app
        .json(
            Method::POST,
            "/api/v1/users",
            Some(&admin),
            &json!({"username": "-x", "display_name": "张\u{7}三", "role": "district", "password": "short"}),
        )
        .await;
    a.problem(422, "validation_failed");
    let mut v = a.violations();
    v.sort();
    assert_eq!(
        v,
        [
            ("display_name".to_owned(), "control_character".to_owned()),
            ("district_code".to_owned(), "district_required".to_owned()),
            ("password".to_owned(), "password_length".to_owned()),
            ("username".to_owned(), "username_format".to_owned()),
        ]
    );
    let long = app
        .json(
            Method::POST,
            "/api/v1/users",
            Some(&admin),
            &json!({"username": "ok.name", "display_name": "名".repeat(10_000), "role": "centre", "password": "a-long-password-1"}),
        )
        .await;
    long.problem(422, "validation_failed");
    assert_eq!(long.violations(), [("display_name".to_owned(), "too_long".to_owned())]);
    assert_eq!(app.count("users").await, users_before);
    assert_eq!(app.count("audit_events").await, events_before);
}

#[tokio::test]
async fn district_bindings_follow_the_reference_list() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let make = |role: &str, district: Option<&str>| {
        let mut b = json!({"username": "someone", "display_name": "某人", "role": role, "password": "a-long-password-1"});
        if let Some(d) = district {
            b["district_code"] = json!(d);
        }
        b
    };
    for (body, field, code) in [
        (make("district", Some("500105")), "district_code", "district_abolished"),
        (make("district", Some("510104")), "district_code", "district_unknown"),
        (make("centre", Some("500103")), "district_code", "district_not_allowed"),
        (make("school", None), "role", "school_account_via_school"),
        (make("admin", None), "role", "not_one_of"),
    ] {
        let a = app.json(Method::POST, "/api/v1/users", Some(&admin), &body).await;
        a.problem(422, "validation_failed");
        assert_eq!(a.violations(), [(field.to_owned(), code.to_owned())], "{}", a.text);
    }
    // The abolished code names its successor, in Chinese by default.
    let a = app.json(Method::POST, "/api/v1/users", Some(&admin), &make("district", Some("500112"))).await;
    let msg = a.body["errors"][0]["message"].as_str().expect("message");
    assert!(msg.contains("500112") && msg.contains("渝北区") && msg.contains("500157"), "{msg}");
}

#[tokio::test]
async fn a_taken_username_is_a_conflict() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    app.create_user(&admin, "chen.jing", "expert", None).await;
    let events_before = app.count("audit_events").await;
    let a = app
        .json(
            Method::POST,
            "/api/v1/users",
            Some(&admin),
            &json!({"username": "CHEN.JING", "display_name": "陈静", "role": "centre", "password": "a-long-password-1"}),
        )
        .await;
    a.problem(409, "username_taken");
    assert!(a.body["detail"].as_str().expect("detail").contains("chen.jing"));
    assert_eq!(app.count("audit_events").await, events_before, "a refused change leaves no event");
}

#[tokio::test]
async fn only_the_bureau_manages_accounts() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let centre = app.create_user(&admin, "centre.user", "centre", None).await;
    let token = app.login("centre.user", "a-long-password-1").await;
    app.json(
        Method::POST,
        "/api/v1/users",
        Some(&token),
        &json!({"username": "x1", "display_name": "x", "role": "centre", "password": "a-long-password-1"}),
    )
    .await
    .problem(403, "forbidden");
    app.get("/api/v1/users", Some(&token)).await.problem(403, "forbidden");
    // Another account is invisible; one's own is readable.
    let admin_id = app.get("/api/v1/me", Some(&admin)).await.body["id"].as_str().expect("id").to_owned();
    app.get(&format!("/api/v1/users/{admin_id}"), Some(&token)).await.problem(404, "not_found");
    let own = app.get(&format!("/api/v1/users/{}", centre["id"].as_str().expect("id")), Some(&token)).await;
    assert_eq!(own.status.as_u16(), 200);
}

#[tokio::test]
async fn updates_need_a_current_if_match() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let user = app.create_user(&admin, "sun.li", "centre", None).await;
    let path = format!("/api/v1/users/{}", user["id"].as_str().expect("id"));
    let patch = |etag: Option<&str>, body: serde_json::Value| {
        let mut r = app.request(Method::PATCH, &path).bearer_auth(&admin).json(&body);
        if let Some(e) = etag {
            r = r.header("If-Match", e);
        }
        r
    };
    app.send(patch(None, json!({"display_name": "孙丽"}))).await.problem(428, "precondition_required");
    let a = app.send(patch(Some("\"u1\""), json!({"display_name": "孙丽"}))).await;
    assert_eq!((a.status.as_u16(), a.header("etag")), (200, Some("\"u2\"")), "{}", a.text);
    app.send(patch(Some("\"u1\""), json!({"display_name": "孙丽丽"})))
        .await
        .problem(412, "precondition_failed");
    app.send(patch(Some("\"u2\""), json!({}))).await.problem(422, "validation_failed");
    // Rebinding to a district role needs a district; with one it works and ends old tokens.
    let token = app.login("sun.li", "a-long-password-1").await;
    let a = app.send(patch(Some("\"u2\""), json!({"role": "district"}))).await;
    assert_eq!(a.violations(), [("district_code".to_owned(), "district_required".to_owned())]);
    let a = app.send(patch(Some("\"u2\""), json!({"role": "district", "district_code": "500101"}))).await;
    assert_eq!(a.status.as_u16(), 200, "{}", a.text);
    assert_eq!(a.body["district_name"], "万州区");
    app.get("/api/v1/me", Some(&token)).await.problem(401, "invalid_token");
    // A password reset by the bureau works for the next sign-in.
    let a = app.send(patch(Some("\"u3\""), json!({"password": "reset-by-bureau-1"}))).await;
    assert_eq!(a.status.as_u16(), 200, "{}", a.text);
    app.login("sun.li", "reset-by-bureau-1").await;
}

#[tokio::test]
async fn the_bureau_cannot_lock_itself_out() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let me = app.get("/api/v1/me", Some(&admin)).await;
    let path = format!("/api/v1/users/{}", me.body["id"].as_str().expect("id"));
    for body in [json!({"disabled": true}), json!({"role": "expert"})] {
        let a = app
            .send(app.request(Method::PATCH, &path).bearer_auth(&admin).header("If-Match", "*").json(&body))
            .await;
        a.problem(409, "own_account");
    }
}

#[tokio::test]
async fn lists_are_paginated_and_filtered() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    for i in 0..5 {
        app.create_user(&admin, &format!("expert.{i}"), "expert", None).await;
    }
    app.create_user(&admin, "wanzhou", "district", Some("500101")).await;
    let a = app.get("/api/v1/users?role=expert&page=2&per_page=2", Some(&admin)).await;
    assert_eq!(a.status.as_u16(), 200, "{}", a.text);
    assert_eq!(
        (a.body["total"].clone(), a.body["page"].clone(), a.body["per_page"].clone()),
        (json!(5), json!(2), json!(2))
    );
    let names: Vec<&str> = a.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|u| u["username"].as_str().expect("name"))
        .collect();
    assert_eq!(names, ["expert.2", "expert.3"]);
    let a = app.get("/api/v1/users?district_code=500101", Some(&admin)).await;
    assert_eq!(a.body["total"], 1);
    let a = app.get("/api/v1/users?per_page=1000&page=0&bogus=1&disabled=maybe", Some(&admin)).await;
    a.problem(400, "invalid_query");
    let mut v = a.violations();
    v.sort();
    assert_eq!(
        v,
        [
            ("bogus".to_owned(), "unknown_field".to_owned()),
            ("disabled".to_owned(), "invalid_type".to_owned()),
        ]
    );
    let a = app.get("/api/v1/users?per_page=1000&page=0", Some(&admin)).await;
    let mut v = a.violations();
    v.sort();
    assert_eq!(
        v,
        [("page".to_owned(), "out_of_range".to_owned()), ("per_page".to_owned(), "out_of_range".to_owned())]
    );
}
