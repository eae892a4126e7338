//! Issue 25, point 6 (R29): the certificate carries the holder's 2-inch photo. Issuance refuses
//! candidates without one, a photo can be supplied until the certificate is issued and not
//! replaced after, and a certificate without a photo is never drawn with an empty frame.

#![allow(clippy::expect_used, reason = "test code: a failed setup step should fail the test loudly")]

use futures_util::future::join_all;
use reqwest::Method;
use serde_json::{Value, json};
use tests::hostile;
use tests::pipeline::{Setup, acknowledged_plan, candidate_ids, results_to_review, setup};

fn put_photo(s: &Setup, token: &str, plan: &str, id: &str, body: Vec<u8>) -> reqwest::RequestBuilder {
    s.app
        .request(Method::PUT, &format!("/api/v1/plans/{plan}/candidates/{id}/photo"))
        .bearer_auth(token)
        .header("Content-Type", "image/png")
        .body(body)
}

async fn issue(s: &Setup, token: &str, plan: &str, body: &Value) -> tests::Answer {
    s.app.json(Method::POST, &format!("/api/v1/plans/{plan}/certificates"), Some(token), body).await
}

/// The photo key of a certificate and of its listing, read from the database.
async fn photo_keys(s: &Setup, code: &str) -> (Option<String>, Option<String>) {
    use persistence::sea_orm::{ConnectionTrait, Statement};
    let db = &s.app.state.db;
    let backend = db.get_database_backend();
    let mark = if backend == persistence::DbBackend::Postgres { "$1" } else { "?" };
    let row = db
        .query_one_raw(Statement::from_sql_and_values(
            backend,
            format!(
                "SELECT c.photo_key AS certificate, k.photo_key AS listing FROM certificates c \
                 JOIN candidates k ON k.id = c.candidate_id WHERE c.code = {mark}"
            ),
            [code.into()],
        ))
        .await
        .expect("query")
        .expect("row");
    (row.try_get("", "certificate").expect("certificate"), row.try_get("", "listing").expect("listing"))
}

#[tokio::test]
async fn r29_the_certificate_carries_the_candidate_s_photo() {
    let s = setup("2026-11-02").await;
    let plan = acknowledged_plan(&s, 2).await;
    let ids = candidate_ids(&s, &plan).await;
    // One photo before the results, the other missing through review.
    let a = s.app.send(put_photo(&s, &s.school.token, &plan, &ids[0], hostile::two_inch_png())).await;
    assert_eq!(a.status.as_u16(), 204, "{}", a.text);
    results_to_review(&s, &plan).await;
    let school = s.app.login("school1", "a-long-password-1").await;
    let listed = s.app.get(&format!("/api/v1/plans/{plan}/candidates"), Some(&school)).await;
    let flags: Vec<(Value, Value)> = listed.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|c| (c["id"].clone(), c["has_photo"].clone()))
        .collect();
    assert!(flags.contains(&(json!(ids[0]), json!(true))), "{}", listed.text);
    assert!(flags.contains(&(json!(ids[1]), json!(false))), "{}", listed.text);

    // Issuance refuses, naming the candidate without a photo (by position and name); nothing is
    // written.
    let a = issue(&s, &school, &plan, &json!({"candidate_ids": [ids[0], ids[1]]})).await;
    a.problem(422, "validation_failed");
    assert_eq!(a.violations(), [("candidate_ids[1]".to_owned(), "photo_required".to_owned())], "{}", a.text);
    assert!(a.body["errors"][0]["message"].as_str().expect("message").contains("学生2"), "{}", a.text);
    assert_eq!(s.app.count("certificates").await, 0);
    let a = issue(&s, &school, &plan, &json!({})).await;
    assert_eq!(a.violations(), [("candidates[1]".to_owned(), "photo_required".to_owned())], "{}", a.text);

    // The photo can still be supplied after review (the plan is no longer a draft), until issued.
    let a = s.app.send(put_photo(&s, &school, &plan, &ids[1], hostile::two_inch_png())).await;
    assert_eq!(a.status.as_u16(), 204, "{}", a.text);
    let etag = a.header("etag").expect("etag").to_owned();
    let a = issue(&s, &school, &plan, &json!({})).await;
    assert_eq!(a.status.as_u16(), 201, "{}", a.text);
    let code = a.body["items"][1]["code"].as_str().expect("code").to_owned();
    let (printed, listing) = photo_keys(&s, &code).await;
    assert!(printed.is_some() && printed == listing, "the certificate prints the listing's photo");

    // Once printed, the photo stays: a replacement is refused naming the certificate.
    let a = s
        .app
        .send(
            put_photo(&s, &school, &plan, &ids[1], hostile::png(420, 588)).header("If-Match", etag.as_str()),
        )
        .await;
    a.problem(409, "photo_locked");
    assert!(a.text.contains(&code), "{}", a.text);
    let pdf = s.app.get(&format!("/api/v1/certificates/{code}/pdf"), Some(&school)).await;
    assert_eq!(pdf.status.as_u16(), 200);
    assert_eq!(pdf.header("content-type"), Some("application/pdf"));
}

/// A certificate issued before photos were required has none: its PDF and the batch's ZIP are
/// refused rather than drawn with an empty frame, and a reissue takes the listing's photo.
#[tokio::test]
async fn r29_a_certificate_without_a_photo_is_never_drawn_with_an_empty_frame() {
    let s = setup("2026-11-02").await;
    let plan = acknowledged_plan(&s, 1).await;
    let id = candidate_ids(&s, &plan).await[0].clone();
    tests::pipeline::review(&s, &plan).await;
    let school = s.app.login("school1", "a-long-password-1").await;
    let a = issue(&s, &school, &plan, &json!({})).await;
    assert_eq!(a.status.as_u16(), 201, "{}", a.text);
    let code = a.body["items"][0]["code"].as_str().expect("code").to_owned();
    // As it was before R29 was enforced: certificate and listing without a photo.
    {
        use persistence::sea_orm::ConnectionTrait;
        let db = &s.app.state.db;
        db.execute_unprepared("UPDATE certificates SET photo_key = NULL").await.expect("legacy certificate");
        db.execute_unprepared(
            "UPDATE candidates SET photo_key = NULL, photo_media_type = NULL, photo_sha256 = NULL",
        )
        .await
        .expect("legacy listing");
    }
    let pdf = s.app.get(&format!("/api/v1/certificates/{code}/pdf"), Some(&school)).await;
    pdf.problem(409, "certificate_without_photo");
    assert!(pdf.text.contains(&code), "{}", pdf.text);
    let zip = s.app.get(&format!("/api/v1/plans/{plan}/certificates.zip"), Some(&school)).await;
    zip.problem(409, "certificate_without_photo");
    let reissue = |token: String| {
        let (app, code) = (&s.app, code.clone());
        async move {
            app.json(
                Method::POST,
                &format!("/api/v1/certificates/{code}/reissue"),
                Some(&token),
                &json!({"reason": "补印照片"}),
            )
            .await
        }
    };
    // A reissue needs a photo too, and changes nothing without one.
    let a = reissue(school.clone()).await;
    assert_eq!(a.violations(), [("code".to_owned(), "photo_required".to_owned())], "{}", a.text);
    let verified = s.app.get(&format!("/api/v1/certificates/{code}"), Some(&school)).await;
    assert_eq!(verified.body["status"], "valid", "{}", verified.text);
    // The listing's photo can be supplied (no certificate carries one), then the reissue prints it.
    let a = s.app.send(put_photo(&s, &school, &plan, &id, hostile::two_inch_png())).await;
    assert_eq!(a.status.as_u16(), 204, "{}", a.text);
    let a = reissue(school.clone()).await;
    assert_eq!(a.status.as_u16(), 201, "{}", a.text);
    let new_code = a.body["code"].as_str().expect("new code").to_owned();
    let (printed, listing) = photo_keys(&s, &new_code).await;
    assert!(printed.is_some() && printed == listing, "the reissue prints the listing's photo");
    let pdf = s.app.get(&format!("/api/v1/certificates/{new_code}/pdf"), Some(&school)).await;
    assert_eq!(pdf.status.as_u16(), 200, "{}", pdf.text);
    // The old one is superseded: the ZIP leaves it out and holds the reissue.
    let zip = s.app.get(&format!("/api/v1/plans/{plan}/certificates.zip"), Some(&school)).await;
    assert_eq!(zip.status.as_u16(), 200, "{}", zip.text);
}

/// Photo replacements racing an issuance: whatever order the database takes them in, the
/// certificate prints the photo the listing holds afterwards (an upload that comes after the
/// issuance is refused, one that comes before is printed). On PostgreSQL these run at once.
#[tokio::test]
async fn r29_photo_replacements_racing_an_issuance_never_leave_another_photo_printed() {
    let s = setup("2026-11-02").await;
    let plan = acknowledged_plan(&s, 1).await;
    let id = candidate_ids(&s, &plan).await[0].clone();
    tests::pipeline::review(&s, &plan).await;
    let school = s.app.login("school1", "a-long-password-1").await;
    let current = s.app.get(&format!("/api/v1/plans/{plan}/candidates/{id}/photo"), Some(&school)).await;
    let etag = current.header("etag").expect("etag").to_owned();
    let photos: Vec<Vec<u8>> = (1..=5).map(|k| hostile::png(413 + k, 579 + k)).collect();
    let uploads = join_all(photos.iter().map(|p| {
        let req = put_photo(&s, &school, &plan, &id, p.clone()).header("If-Match", etag.as_str());
        s.app.send(req)
    }));
    let everyone = json!({});
    let (uploads, issued) = tokio::join!(uploads, issue(&s, &school, &plan, &everyone));
    assert_eq!(issued.status.as_u16(), 201, "{}", issued.text);
    for a in &uploads {
        assert!([204, 409, 412].contains(&a.status.as_u16()), "an upload answered {}: {}", a.status, a.text);
    }
    let code = issued.body["items"][0]["code"].as_str().expect("code");
    let (printed, listing) = photo_keys(&s, code).await;
    assert!(printed.is_some(), "a photo is printed");
    assert_eq!(printed, listing, "the certificate prints the photo on record");
}
