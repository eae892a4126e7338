//! The holder's own e-certificate (issue 26, point 7): with the certificate code (or the QR
//! page), the full name and the resident ID number, anyone takes the PDF without an account;
//! every kind of miss gets the same answer; the per-address limit of verification holds; every
//! download is audited.

#![allow(clippy::expect_used, reason = "test code: a failed setup step should fail the test loudly")]

use reqwest::Method;
use serde_json::json;
use tests::pipeline::*;

#[tokio::test]
async fn the_holder_downloads_their_own_certificate_and_every_miss_looks_the_same() {
    let s = setup_with("2026-11-02", &[("SKILLCERT_VERIFY_LIMIT_PER_MINUTE", "1000")]).await;
    let plan = reviewed_plan(&s, 2).await;
    let school = s.app.login("school1", "a-long-password-1").await;
    let admin = s.app.admin_token().await;
    let issued = s
        .app
        .json(Method::POST, &format!("/api/v1/plans/{plan}/certificates"), Some(&school), &json!({}))
        .await;
    assert_eq!(issued.status.as_u16(), 201, "{}", issued.text);
    // The issuance's answer masks the numbers; the plan's certificates show them to the school.
    let listed = s.app.get(&format!("/api/v1/plans/{plan}/certificates"), Some(&school)).await;
    let items = listed.body["items"].as_array().expect("items").clone();
    let (first, second) = (&items[0], &items[1]);
    let code = first["code"].as_str().expect("code").to_owned();
    let name = first["holder_name"].as_str().expect("name").to_owned();
    let number = first["id_number"].as_str().expect("number").to_owned();
    assert!(!number.contains('*'), "the school sees the full number: {first}");
    let token = first["verify_path"].as_str().expect("path").trim_start_matches("/verify/").to_owned();

    let app = &s.app;
    let own = |body: serde_json::Value| async move {
        app.json(Method::POST, "/api/v1/public/certificates/pdf", None, &body).await
    };

    // The holder, by code (in any case, with spaces around), name and number.
    let a =
        own(json!({"code": format!(" {} ", code.to_lowercase()), "name": name, "id_number": number})).await;
    assert_eq!(a.status.as_u16(), 200, "{}", a.text);
    assert_eq!(a.header("content-type"), Some("application/pdf"));
    assert_eq!(a.header("cache-control"), Some("private, no-store"));
    assert!(a.bytes.starts_with(b"%PDF-"));
    let events = s
        .app
        .get(
            &format!("/api/v1/audit-events?action=certificate.downloaded_by_holder&target_id={code}"),
            Some(&admin),
        )
        .await;
    assert_eq!(events.body["total"], 1, "{}", events.text);
    assert!(!events.text.contains(&number), "no number in the audit log: {}", events.text);

    // Every kind of miss: the same status, code and words.
    let other_number = second["id_number"].as_str().expect("number");
    let mut wrong_check = number.clone();
    wrong_check.replace_range(17.., if number.ends_with('1') { "2" } else { "1" });
    let misses = [
        json!({"code": "S000050000001264999999", "name": name, "id_number": number}),
        json!({"code": code, "name": "王小明", "id_number": number}),
        json!({"code": code, "name": name, "id_number": other_number}),
        json!({"code": code, "name": name, "id_number": wrong_check}),
        json!({"code": code, "name": name, "id_number": "not a number"}),
        json!({"code": code, "name": name, "id_number": ""}),
        json!({"code": "x".repeat(10_000), "name": name, "id_number": number}),
        json!({"code": "S0000500000012640000%", "name": name, "id_number": number}),
    ];
    let mut answers = Vec::new();
    for body in &misses {
        let a = own(body.clone()).await;
        let p = a.problem(404, "certificate_not_found");
        answers.push((p["title"].clone(), p["detail"].clone()));
    }
    assert!(answers.windows(2).all(|w| w[0] == w[1]), "identical misses: {answers:?}");
    // A NUL character is refused as any JSON body's is; a missing field names it.
    let a = own(json!({"code": "S0000500000012640000\u{0}1", "name": name, "id_number": number})).await;
    a.problem(422, "validation_failed");
    let a = own(json!({"code": code, "name": name})).await;
    assert_eq!(a.status.as_u16(), 422, "{}", a.text);

    // The QR page of a valid certificate has the form; posting it gives the PDF.
    let page = s.app.get(&format!("/verify/{token}"), None).await;
    assert!(page.text.contains(&format!("action=\"/verify/{token}/pdf\"")), "{}", page.text);
    assert!(page.header("content-security-policy").is_some_and(|c| c.contains("form-action 'self'")));
    let form = |token: String, fields: Vec<(&'static str, String)>| async move {
        app.send(app.request(Method::POST, &format!("/verify/{token}/pdf")).form(&fields)).await
    };
    let a = form(token.clone(), vec![("name", name.clone()), ("id_number", number.clone())]).await;
    assert_eq!(a.status.as_u16(), 200, "{}", a.text);
    assert!(a.bytes.starts_with(b"%PDF-"));
    for fields in [
        vec![("name", name.clone()), ("id_number", other_number.to_owned())],
        vec![("name", "王小明".to_owned()), ("id_number", number.clone())],
        vec![("name", name.clone())],
        vec![],
    ] {
        let a = form(token.clone(), fields).await;
        assert_eq!(a.status.as_u16(), 404, "{}", a.text);
        assert!(a.text.contains("未能下载"), "{}", a.text);
    }
    // A NUL in the path never reaches the database: actix refuses the request (400).
    let a =
        form("nosuchtoken%00".to_owned(), vec![("name", name.clone()), ("id_number", number.clone())]).await;
    a.problem(400, "bad_request");
    let a =
        form("no.such~token".to_owned(), vec![("name", name.clone()), ("id_number", number.clone())]).await;
    assert_eq!(a.status.as_u16(), 404, "{}", a.text);
    // A form that is not one, too large, or of bytes that are no text: a clear answer, not a crash.
    let a = s
        .app
        .send(s.app.request(Method::POST, &format!("/verify/{token}/pdf")).json(&json!({"name": name})))
        .await;
    a.problem(415, "unsupported_media_type");
    let a = s
        .app
        .send(
            s.app
                .request(Method::POST, &format!("/verify/{token}/pdf"))
                .header("content-type", "application/x-www-form-urlencoded")
                .body(format!("name={}", "a".repeat(10_000))),
        )
        .await;
    a.problem(413, "payload_too_large");
    let a = s
        .app
        .send(
            s.app
                .request(Method::POST, &format!("/verify/{token}/pdf"))
                .header("content-type", "application/x-www-form-urlencoded")
                .body(b"name=%FF%FE&id_number=1%00".to_vec()),
        )
        .await;
    assert_eq!(a.status.as_u16(), 404, "bytes that are not UTF-8, a NUL: a miss like any other: {}", a.text);
    let a = s
        .app
        .send(
            s.app
                .request(Method::POST, &format!("/verify/{token}/pdf"))
                .header("content-type", "application/x-www-form-urlencoded")
                .body("name=a&name=b&id_number=1"),
        )
        .await;
    a.problem(422, "validation_failed");

    // A revoked certificate is no longer the holder's to download, and its page has no form.
    let revoked = s
        .app
        .json(
            Method::POST,
            &format!("/api/v1/certificates/{code}/revoke"),
            Some(&school),
            &json!({"reason": "弄虚作假"}),
        )
        .await;
    assert_eq!(revoked.status.as_u16(), 200, "{}", revoked.text);
    own(json!({"code": code, "name": name, "id_number": number})).await.problem(404, "certificate_not_found");
    let page = s.app.get(&format!("/verify/{token}"), None).await;
    assert!(!page.text.contains("<form"), "{}", page.text);
    let downloads = s
        .app
        .get(
            &format!("/api/v1/audit-events?action=certificate.downloaded_by_holder&target_id={code}"),
            Some(&admin),
        )
        .await;
    assert_eq!(downloads.body["total"], 2, "the API and the page: {}", downloads.text);
}

#[tokio::test]
async fn the_holders_download_shares_the_per_address_limit_of_verification() {
    let app = tests::TestApp::spawn_with(&[("SKILLCERT_VERIFY_LIMIT_PER_MINUTE", "2")]).await;
    let now = app.state.clock.now();
    let next_minute =
        now - chrono::Duration::seconds(now.timestamp().rem_euclid(60)) + chrono::Duration::seconds(61);
    app.state.clock.set_offset(next_minute);
    let body =
        json!({"code": "S000050000001264000001", "name": "王小明", "id_number": tests::resident_id(3)});
    app.json(
        Method::POST,
        "/api/v1/public/certificates/verify",
        None,
        &json!({"code": "S000050000001264000001", "name": "王小明"}),
    )
    .await
    .problem(404, "certificate_not_found");
    app.json(Method::POST, "/api/v1/public/certificates/pdf", None, &body)
        .await
        .problem(404, "certificate_not_found");
    app.json(Method::POST, "/api/v1/public/certificates/pdf", None, &body).await.problem(429, "rate_limited");
    let a = app
        .send(app.request(Method::POST, "/verify/abc/pdf").form(&[("name", "王小明"), ("id_number", "1")]))
        .await;
    a.problem(429, "rate_limited");
}
