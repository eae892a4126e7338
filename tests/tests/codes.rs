//! Decoding certificate codes (Annex 6, R24–R26).

#![allow(clippy::expect_used, reason = "test code: a failed setup step should fail the test loudly")]

use reqwest::Method;
use tests::TestApp;

#[tokio::test]
async fn r24_a_valid_code_decodes_into_its_parts_with_a_level_name() {
    let app = TestApp::spawn().await;
    let a = app.get("/api/v1/certificate-codes/S000050000123263000042", None).await;
    assert_eq!(a.status.as_u16(), 200, "{}", a.text);
    assert_eq!(a.body["institution_code"], "S000050000123");
    assert_eq!(a.body["institution_serial"], 123);
    assert_eq!(a.body["issue_year"], 2026);
    assert_eq!(a.body["level"], "3");
    assert_eq!(a.body["level_name"], "三级/高级工");
    assert_eq!(a.body["serial"], 42);
    let en = app
        .send(
            app.request(Method::GET, "/api/v1/certificate-codes/S000050000123269000042")
                .header("Accept-Language", "en"),
        )
        .await;
    assert_eq!(en.body["level_name"], "Preparatory technician");
}

#[tokio::test]
async fn r24_every_wrong_position_is_named() {
    let app = TestApp::spawn().await;
    for (code, rule, position) in [
        ("X000050000001204000001", "code_category", 1),
        ("S000150000001204000001", "code_route", 2),
        ("S000051000001204000001", "code_province", 6),
        ("S000050000000204000001", "code_institution_serial", 8),
        ("S000050000001196000001", "code_year", 14),
        ("S000050000001206000001", "code_level", 16),
        ("S000050000001204000000", "code_certificate_serial", 17),
        ("S00005000000120400000", "code_length", 1),
        ("S0000500000012040000011", "code_length", 1),
        ("S００0050000001204000001", "code_not_a_digit", 2),
    ] {
        let a = app.get(&format!("/api/v1/certificate-codes/{code}"), None).await;
        a.problem(422, "invalid_certificate_code");
        assert_eq!(a.body["errors"][0]["code"], rule, "{code}: {}", a.text);
        assert_eq!(a.body["errors"][0]["position"], position, "{code}");
    }
    let a = app.get("/api/v1/certificate-codes/S000050000001206000001", None).await;
    let msg = a.body["errors"][0]["message"].as_str().expect("message");
    assert!(msg.contains("第 16 位") && msg.contains('6'), "{msg}");
}
