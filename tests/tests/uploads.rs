//! Issue 22, point 1: hostile uploads cannot take the process down. Each file is sent to the real
//! endpoint; each gets a 413 or 422 (422 `content_type_mismatch` where the content is not what its Content-Type says)
//! problem naming the limit, in both languages; nothing is written; the server keeps answering;
//! and the process's memory stays within 200 MB of what it was before the request.

#![allow(clippy::expect_used, reason = "test code: a failed setup step should fail the test loudly")]

use reqwest::Method;
use serde_json::json;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, LazyLock};
use tests::hostile::{self, Entry};
use tests::pipeline::{Setup, candidate, candidate_ids, new_plan, setup};
use tests::{ADMIN_PASSWORD, Answer};

/// One hostile request at a time in this binary, so that each memory reading is its own.
static ONE_AT_A_TIME: LazyLock<tokio::sync::Mutex<()>> = LazyLock::new(|| tokio::sync::Mutex::new(()));

const MEMORY_MARGIN: u64 = 200 * 1024 * 1024;

/// Sends a request while sampling the process's memory every 5 ms; asserts the peak stays within
/// [`MEMORY_MARGIN`] of the reading before, and that the server still answers afterwards.
async fn bounded(s: &Setup, req: reqwest::RequestBuilder) -> Answer {
    let before = hostile::rss_bytes();
    let peak = Arc::new(AtomicU64::new(before));
    let done = Arc::new(AtomicBool::new(false));
    let sampler = {
        let (peak, done) = (peak.clone(), done.clone());
        std::thread::spawn(move || {
            while !done.load(Ordering::Relaxed) {
                peak.fetch_max(hostile::rss_bytes(), Ordering::Relaxed);
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
        })
    };
    let answer = s.app.send(req).await;
    done.store(true, Ordering::Relaxed);
    sampler.join().expect("sampler");
    let grew = peak.load(Ordering::Relaxed).saturating_sub(before);
    assert!(grew < MEMORY_MARGIN, "memory grew by {} MB while handling it", grew / (1024 * 1024));
    let health = s.app.get("/health", None).await;
    assert_eq!(health.status.as_u16(), 200, "the server still answers: {}", health.text);
    answer
}

async fn plan_with_nothing(s: &Setup) -> String {
    new_plan(s, "2026-12-15").await
}

fn import(s: &Setup, plan: &str, content_type: &str, body: Vec<u8>) -> reqwest::RequestBuilder {
    s.app
        .request(Method::POST, &format!("/api/v1/plans/{plan}/candidates/import?mode=valid_rows_only"))
        .bearer_auth(&s.school.token)
        .header("Content-Type", content_type)
        .body(body)
}

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// Asserts a 413 `upload_limit` naming `field` and `rule`, and that the English text names the
/// limit too.
fn limit(a: &Answer, field: &str, rule: &str) {
    a.problem(413, "upload_limit");
    assert_eq!(a.violations(), [(field.to_owned(), rule.to_owned())], "{}", a.text);
}

async fn nothing_imported(s: &Setup, plan: &str) {
    assert!(candidate_ids(s, plan).await.is_empty(), "no candidate was written");
}

fn sheet(xml: String) -> Entry {
    Entry::stored("xl/worksheets/sheet1.xml", xml.as_bytes())
}

#[tokio::test]
async fn an_xlsx_spanning_a1_to_xfd1048576_is_refused_by_its_dimension_and_its_cells() {
    let _one = ONE_AT_A_TIME.lock().await;
    let s = setup("2026-11-02").await;
    let plan = plan_with_nothing(&s).await;
    let cells = r#"<row r="1"><c r="A1" t="inlineStr"><is><t>姓名</t></is></c></row><row r="1048576"><c r="XFD1048576"><v>1</v></c></row>"#;
    // With the declared dimension: refused before any cell is read.
    let declared = hostile::workbook(sheet(hostile::sheet_xml(Some("A1:XFD1048576"), cells)), vec![]);
    let a = bounded(&s, import(&s, &plan, XLSX, declared)).await;
    limit(&a, "rows", "too_many_rows");
    // Without it: refused at the first cell outside the limits.
    let undeclared = hostile::workbook(sheet(hostile::sheet_xml(None, cells)), vec![]);
    let a = bounded(&s, import(&s, &plan, XLSX, undeclared)).await;
    limit(&a, "rows", "too_many_rows");
    // One row, one cell far to the right.
    let wide = r#"<row r="1"><c r="A1" t="inlineStr"><is><t>姓名</t></is></c><c r="XFD1"><v>1</v></c></row>"#;
    let a = bounded(
        &s,
        import(&s, &plan, XLSX, hostile::workbook(sheet(hostile::sheet_xml(None, wide)), vec![])),
    )
    .await;
    limit(&a, "columns", "too_many_columns");
    nothing_imported(&s, &plan).await;
}

#[tokio::test]
async fn xlsx_zip_bombs_are_refused_by_their_inflated_size() {
    let _one = ONE_AT_A_TIME.lock().await;
    let s = setup("2026-11-02").await;
    let plan = plan_with_nothing(&s).await;
    // Honest but huge: 500 MiB of sheet, declared as such: refused before it is inflated.
    let honest =
        Entry::deflated("xl/worksheets/sheet1.xml", hostile::deflate_of(b' ', 500), 500 * 1024 * 1024);
    let file = hostile::workbook(honest, vec![]);
    assert!(file.len() < 4 * 1024 * 1024, "a small file: {} bytes", file.len());
    let started = std::time::Instant::now();
    let a = bounded(&s, import(&s, &plan, XLSX, file)).await;
    limit(&a, "file", "inflated_too_large");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "refused before reading: {:?}",
        started.elapsed()
    );
    // Lying: 2 GiB declared as 1,000 bytes; counted while inflating and stopped at the limit.
    let lying = Entry::deflated("xl/worksheets/sheet1.xml", hostile::deflate_of(b' ', 2048), 1000);
    let file = hostile::workbook(lying, vec![]);
    assert!(file.len() < 8 * 1024 * 1024, "a few MB: {} bytes", file.len());
    let a = bounded(&s, import(&s, &plan, XLSX, file)).await;
    limit(&a, "file", "inflated_too_large");
    // The same as shared strings (read whole by the spreadsheet reader): its own, lower limit.
    let strings = Entry::deflated("xl/sharedStrings.xml", hostile::deflate_of(b' ', 64), 1000);
    let cells = r#"<row r="1"><c r="A1" t="inlineStr"><is><t>姓名</t></is></c></row>"#;
    let file = hostile::workbook(sheet(hostile::sheet_xml(None, cells)), vec![strings]);
    let a = bounded(&s, import(&s, &plan, XLSX, file)).await;
    limit(&a, "file", "inflated_too_large");
    // One text node of 100 MB (the XML reader would hold it whole, twice).
    let mut huge_cell =
        br#"<?xml version="1.0"?><worksheet><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>"#.to_vec();
    huge_cell.extend(std::iter::repeat_n(b'x', 100 * 1024 * 1024));
    let mut z = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut z, &huge_cell).expect("deflate");
    let size = u32::try_from(huge_cell.len()).expect("size");
    let file = hostile::workbook(
        Entry::deflated("xl/worksheets/sheet1.xml", z.finish().expect("deflate"), size),
        vec![],
    );
    let a = bounded(&s, import(&s, &plan, XLSX, file)).await;
    limit(&a, "file", "cell_too_long");
    nothing_imported(&s, &plan).await;
}

#[tokio::test]
async fn an_xlsx_with_more_rows_or_columns_than_the_import_takes_is_refused_naming_rows() {
    let _one = ONE_AT_A_TIME.lock().await;
    let s = setup("2026-11-02").await;
    let plan = plan_with_nothing(&s).await;
    let header: String =
        ["姓名", "性别", "身份证号", "学号", "专业", "班级", "全日制", "自愿", "职业编码", "等级"]
            .iter()
            .enumerate()
            .map(|(c, h)| format!(r#"<c r="{}1" t="inlineStr"><is><t>{h}</t></is></c>"#, column(c)))
            .collect();
    let mut rows = format!(r#"<row r="1">{header}</row>"#);
    for r in 2..=100_002 {
        rows.push_str(&format!(r#"<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>x</t></is></c></row>"#));
    }
    let file = hostile::workbook(sheet(hostile::sheet_xml(None, &rows)), vec![]);
    let a = bounded(&s, import(&s, &plan, XLSX, file)).await;
    limit(&a, "rows", "too_many_rows");
    let en = s
        .app
        .send(
            import(&s, &plan, XLSX, hostile::workbook(sheet(hostile::sheet_xml(None, &rows)), vec![]))
                .header("Accept-Language", "en"),
        )
        .await;
    let message = en.body["errors"][0]["message"].as_str().expect("message");
    assert!(message.contains("100000 data rows"), "names rows, not characters: {message}");
    let zh = s
        .app
        .send(
            import(&s, &plan, XLSX, hostile::workbook(sheet(hostile::sheet_xml(None, &rows)), vec![]))
                .header("Accept-Language", "zh-CN"),
        )
        .await;
    let message = zh.body["errors"][0]["message"].as_str().expect("message");
    assert!(message.contains("100000 行"), "{message}");
    // 40 columns in the header row.
    let header: String =
        (0..40).map(|c| format!(r#"<c r="{}1" t="inlineStr"><is><t>h{c}</t></is></c>"#, column(c))).collect();
    let file =
        hostile::workbook(sheet(hostile::sheet_xml(None, &format!(r#"<row r="1">{header}</row>"#))), vec![]);
    let a = bounded(&s, import(&s, &plan, XLSX, file)).await;
    limit(&a, "columns", "too_many_columns");
    nothing_imported(&s, &plan).await;
}

fn column(c: usize) -> String {
    if c < 26 {
        ((b'A' + c as u8) as char).to_string()
    } else {
        format!("A{}", (b'A' + (c - 26) as u8) as char)
    }
}

#[tokio::test]
async fn csv_lines_and_bodies_past_their_limits_are_refused() {
    let _one = ONE_AT_A_TIME.lock().await;
    let s = setup("2026-11-02").await;
    let plan = plan_with_nothing(&s).await;
    // One 50 MB line: refused as the body passes 32 MiB, without reading the rest.
    let mut line = b"name,".to_vec();
    line.extend(std::iter::repeat_n(b'x', 50 * 1024 * 1024));
    let a = bounded(&s, import(&s, &plan, "text/csv", line)).await;
    a.problem(413, "payload_too_large");
    // A 100 KB line within the body limit: the line limit.
    let mut line = "姓名,性别,身份证号,学号,专业,班级,全日制,自愿,职业编码,等级\n".as_bytes().to_vec();
    line.extend(std::iter::repeat_n(b'x', 100 * 1024));
    let a = bounded(&s, import(&s, &plan, "text/csv", line)).await;
    limit(&a, "rows[2]", "line_too_long");
    // A cell longer than any field.
    let mut file = "姓名,性别,身份证号,学号,专业,班级,全日制,自愿,职业编码,等级\n".as_bytes().to_vec();
    file.extend(std::iter::repeat_n(b'y', 5_000));
    let a = bounded(&s, import(&s, &plan, "text/csv", file)).await;
    limit(&a, "rows[2].columns[1]", "cell_too_long");
    // Not UTF-8.
    let a = s.app.send(import(&s, &plan, "text/csv", b"\xff\xfe,a\n".to_vec())).await;
    a.problem(422, "validation_failed");
    assert_eq!(a.violations(), [("rows[1].columns[1]".to_owned(), "not_utf8".to_owned())]);
    nothing_imported(&s, &plan).await;
}

#[tokio::test]
async fn files_that_are_not_what_their_content_type_says_are_refused() {
    let _one = ONE_AT_A_TIME.lock().await;
    let s = setup("2026-11-02").await;
    let plan = plan_with_nothing(&s).await;
    let xlsx = hostile::workbook(sheet(hostile::sheet_xml(None, "")), vec![]);
    let a = bounded(&s, import(&s, &plan, "text/csv", xlsx)).await;
    a.problem(422, "validation_failed");
    assert_eq!(a.violations(), [("body".to_owned(), "content_type_mismatch".to_owned())]);
    assert!(a.text.contains("application/zip"), "the content found is named: {}", a.text);
    let a = bounded(&s, import(&s, &plan, XLSX, "姓名,性别\n".as_bytes().to_vec())).await;
    assert_eq!(a.violations(), [("body".to_owned(), "content_type_mismatch".to_owned())]);
    // A Content-Type the import does not take at all is 415.
    let a = bounded(&s, import(&s, &plan, "application/pdf", tests::PDF.to_vec())).await;
    a.problem(415, "unsupported_media_type");
    // A ZIP that is not a workbook, and one that is cut short.
    let not_a_workbook = hostile::zip(&[Entry::stored("hello.txt", b"hello")]);
    let a = bounded(&s, import(&s, &plan, XLSX, not_a_workbook)).await;
    a.problem(422, "validation_failed");
    assert_eq!(a.violations(), [("file".to_owned(), "file_unreadable".to_owned())]);
    let mut cut = tests::pipeline::xlsx(&[vec!["姓名".to_owned()]]);
    cut.truncate(cut.len() / 2);
    let a = bounded(&s, import(&s, &plan, XLSX, cut)).await;
    a.problem(422, "validation_failed");
    nothing_imported(&s, &plan).await;
}

async fn one_candidate(s: &Setup) -> (String, String) {
    let plan = plan_with_nothing(s).await;
    let a = s
        .app
        .json(Method::POST, &format!("/api/v1/plans/{plan}/candidates"), Some(&s.school.token), &candidate(1))
        .await;
    assert_eq!(a.status.as_u16(), 201, "{}", a.text);
    let id = candidate_ids(s, &plan).await.remove(0);
    (plan, id)
}

fn put_photo(s: &Setup, plan: &str, id: &str, content_type: &str, body: Vec<u8>) -> reqwest::RequestBuilder {
    s.app
        .request(Method::PUT, &format!("/api/v1/plans/{plan}/candidates/{id}/photo"))
        .bearer_auth(&s.school.token)
        .header("Content-Type", content_type)
        .body(body)
}

async fn no_photo(s: &Setup, plan: &str, id: &str) {
    let a = s.app.get(&format!("/api/v1/plans/{plan}/candidates/{id}/photo"), Some(&s.school.token)).await;
    a.problem(404, "not_found");
}

#[tokio::test]
async fn photos_must_decode_to_the_size_their_header_declares() {
    let _one = ONE_AT_A_TIME.lock().await;
    let s = setup("2026-11-02").await;
    let (plan, id) = one_candidate(&s).await;
    // A PNG header claiming 100,000 × 100,000 pixels, and a 100-byte one claiming a 2-inch shape.
    for (w, h) in [(100_000, 100_000), (100_000, 140_000)] {
        let claim = hostile::png_with(w, h, &[0x78, 0x01, 0x03, 0x00, 0, 0, 0, 1]);
        let a = bounded(&s, put_photo(&s, &plan, &id, "image/png", claim)).await;
        limit(&a, "photo", "too_many_pixels");
        assert!(a.body["errors"][0]["message"].as_str().expect("message").contains(&w.to_string()));
    }
    // A JPEG whose SOF claims 65,535 × 65,535.
    let a = bounded(&s, put_photo(&s, &plan, &id, "image/jpeg", hostile::jpeg_header(65_535, 65_535))).await;
    limit(&a, "photo", "too_many_pixels");
    // Within the limit, 2-inch shaped, but the data do not hold the pixels.
    let short = hostile::png_with(413, 579, &[0x78, 0x01, 0x03, 0x00, 0, 0, 0, 1]);
    let a = bounded(&s, put_photo(&s, &plan, &id, "image/png", short)).await;
    a.problem(422, "validation_failed");
    assert_eq!(a.violations(), [("photo".to_owned(), "image_mismatch".to_owned())]);
    let a = bounded(&s, put_photo(&s, &plan, &id, "image/jpeg", hostile::jpeg_header(413, 579))).await;
    assert_eq!(a.violations(), [("photo".to_owned(), "image_mismatch".to_owned())], "{}", a.text);
    // Too many pixels after a real image: a real PNG with 40 extra rows of data.
    let mut tall = hostile::png(413, 619);
    tall[20..24].copy_from_slice(&579u32.to_be_bytes());
    let a = bounded(&s, put_photo(&s, &plan, &id, "image/png", tall)).await;
    assert_eq!(a.violations(), [("photo".to_owned(), "image_mismatch".to_owned())], "{}", a.text);
    // A PNG sent as a JPEG.
    let a = bounded(&s, put_photo(&s, &plan, &id, "image/jpeg", hostile::two_inch_png())).await;
    assert_eq!(a.violations(), [("photo".to_owned(), "content_type_mismatch".to_owned())], "{}", a.text);
    no_photo(&s, &plan, &id).await;
    // An honest photo is stored.
    let a = s.app.send(put_photo(&s, &plan, &id, "image/png", hostile::two_inch_png())).await;
    assert_eq!(a.status.as_u16(), 204, "{}", a.text);
}

#[tokio::test]
async fn image_attachments_are_bounded_by_their_declared_pixels() {
    let _one = ONE_AT_A_TIME.lock().await;
    let app = tests::TestApp::spawn().await;
    let admin = app.login("admin", ADMIN_PASSWORD).await;
    let school = app.school(&admin, 1, "technical_school", "500101").await;
    let (filing, _) = app.start_filing(&school, "initial").await;
    let upload = |content_type: &str, body: Vec<u8>| {
        app.request(
            Method::POST,
            &format!("/api/v1/filings/{filing}/attachments?purpose=other&file_name=scan.png"),
        )
        .bearer_auth(&school.token)
        .header("Content-Type", content_type)
        .body(body)
    };
    let a = app
        .send(upload("image/png", hostile::png_with(100_000, 100_000, &[0x78, 0x01, 0x03, 0x00, 0, 0, 0, 1])))
        .await;
    a.problem(413, "upload_limit");
    assert_eq!(a.violations(), [("file".to_owned(), "too_many_pixels".to_owned())]);
    let a = app.send(upload("image/jpeg", hostile::jpeg_header(65_535, 65_535))).await;
    a.problem(413, "upload_limit");
    let a = app.send(upload("image/png", b"\x89PNG\r\n\x1a\n".to_vec())).await;
    a.problem(422, "validation_failed");
    let filing_now = app.get(&format!("/api/v1/filings/{filing}"), Some(&school.token)).await;
    assert_eq!(filing_now.body["attachments"], json!([]), "{}", filing_now.text);
    let a = app.send(upload("image/png", hostile::two_inch_png())).await;
    assert_eq!(a.status.as_u16(), 201, "{}", a.text);
}
