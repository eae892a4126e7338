//! The certification procedure driven over HTTP, shared by the end-to-end tests: a filed
//! institution, plans, candidates from an XLSX file, results, publicity, report and review.

use crate::{SchoolFixture, TestApp};
use chrono::{NaiveDate, TimeZone, Utc};
use reqwest::Method;
use serde_json::{Value, json};
use std::io::Write;

/// The occupation used throughout: 车工.
pub const LATHE: &str = "6-18-01-01";

/// Moves the server's clock to 09:00 China Standard Time on `date`.
pub fn set_today(app: &TestApp, date: NaiveDate) {
    let t = Utc.from_utc_datetime(&date.and_hms_opt(1, 0, 0).expect("time"));
    app.state.clock.set_offset(t);
}

pub fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
}

pub struct Setup {
    pub app: TestApp,
    pub admin: String,
    pub school: SchoolFixture,
    pub institution: String,
    pub centre: String,
}

/// An institution filed on `today` for 车工 levels 4 and 5, with a centre account.
pub async fn setup(today: &str) -> Setup {
    setup_with(today, &[]).await
}

/// Like [`setup`], with extra configuration.
pub async fn setup_with(today: &str, extra: &[(&str, &str)]) -> Setup {
    let app = TestApp::spawn_with(extra).await;
    set_today(&app, d(today));
    let admin = app.admin_token().await;
    let expert = app.expert(&admin, "expert.plan").await;
    let standard = app.standard(&admin, LATHE, &["4", "5"]).await;
    let school = app.school(&admin, 1, "technical_school", "500101").await;
    let institution = app
        .file_institution(&admin, &school, &expert, &[(LATHE, "4", &standard), (LATHE, "5", &standard)])
        .await;
    app.create_user(&admin, "centre.plan", "centre", None).await;
    let centre = app.login("centre.plan", "a-long-password-1").await;
    Setup { app, admin, school, institution, centre }
}

pub fn plan_body(session_date: &str) -> Value {
    json!({
        "title": "数控车工批次",
        "method": {"process_assessment": true, "components": ["theory_exam", "practical_exam"]},
        "occupations": [{"occupation_code": LATHE, "level": "4"}],
        "sessions": [{"occupation_code": LATHE, "date": session_date, "starts_at": "09:00", "ends_at": "11:00",
                      "venue": "实训楼101", "kind": "theory", "examiners": ["KP-0", "KP-1"], "supervisors": ["钱督导"]}]
    })
}

pub fn candidate(seq: u16) -> Value {
    json!({"name": format!("学生{seq}"), "gender": "male", "id_number": crate::resident_id(seq * 2 + 1), "student_number": format!("2024{seq:04}"),
           "major": "机械加工", "class_name": "2024级1班", "full_time_confirmed": true, "consent_recorded": true,
           "phone": "13900139000", "occupation_code": LATHE, "level": "4"})
}

pub async fn new_plan(s: &Setup, session_date: &str) -> String {
    let a = s.app.json(Method::POST, "/api/v1/plans", Some(&s.school.token), &plan_body(session_date)).await;
    assert_eq!(a.status.as_u16(), 201, "{}", a.text);
    a.body["id"].as_str().expect("id").to_owned()
}

pub fn xlsx(rows: &[Vec<String>]) -> Vec<u8> {
    let mut sheet = String::from(
        r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#,
    );
    for (r, row) in rows.iter().enumerate() {
        sheet.push_str(&format!(r#"<row r="{}">"#, r + 1));
        for (c, v) in row.iter().enumerate() {
            let col = (b'A' + c as u8) as char;
            sheet.push_str(&format!(r#"<c r="{col}{}" t="inlineStr"><is><t>{v}</t></is></c>"#, r + 1));
        }
        sheet.push_str("</row>");
    }
    sheet.push_str("</sheetData></worksheet>");
    let files = [
        ("[Content_Types].xml", r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#.to_owned()),
        ("_rels/.rels", r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#.to_owned()),
        ("xl/workbook.xml", r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="考生" sheetId="1" r:id="rId1"/></sheets></workbook>"#.to_owned()),
        ("xl/_rels/workbook.xml.rels", r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#.to_owned()),
        ("xl/worksheets/sheet1.xml", sheet),
    ];
    let mut out = std::io::Cursor::new(Vec::new());
    {
        let mut z = zip::ZipWriter::new(&mut out);
        for (name, content) in files {
            z.start_file(name, zip::write::SimpleFileOptions::default()).expect("zip entry");
            z.write_all(content.as_bytes()).expect("zip write");
        }
        z.finish().expect("zip");
    }
    out.into_inner()
}

/// A plan filed on `today` with candidates 1..=n imported from an XLSX file, acknowledged by
/// the centre.
pub async fn acknowledged_plan(s: &Setup, n: u16) -> String {
    let plan = draft_plan(s, n).await;
    file_and_acknowledge(s, &plan).await;
    plan
}

/// A draft plan with candidates 1..=n imported from an XLSX file. The first plan of a test lists
/// the people of [`candidate`] (`学生1` has `resident_id(3)`); each later one other people, so
/// that every plan's candidates can be certified (one valid certificate per person, occupation
/// and level).
pub async fn draft_plan(s: &Setup, n: u16) -> String {
    let people = u16::try_from(s.app.count("plans").await).expect("plans") * 100;
    let plan = new_plan(s, "2026-12-15").await;
    let mut rows = vec![
        ["姓名", "性别", "身份证号", "学号", "专业", "班级", "全日制", "自愿", "职业编码", "等级"]
            .map(str::to_owned)
            .to_vec(),
    ];
    for seq in 1..=n {
        rows.push(vec![
            format!("学生{seq}"),
            "男".into(),
            crate::resident_id(people + seq * 2 + 1),
            format!("2024{seq:04}"),
            "机械加工".into(),
            "1班".into(),
            "是".into(),
            "是".into(),
            LATHE.into(),
            "4".into(),
        ]);
    }
    let a = s
        .app
        .send(
            s.app
                .request(Method::POST, &format!("/api/v1/plans/{plan}/candidates/import?mode=all_or_nothing"))
                .bearer_auth(&s.school.token)
                .header("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
                .body(xlsx(&rows)),
        )
        .await;
    assert_eq!((a.status.as_u16(), a.body["imported"].clone()), (200, json!(n)), "{}", a.text);
    plan
}

/// Files a draft plan and has the centre acknowledge it.
pub async fn file_and_acknowledge(s: &Setup, plan: &str) {
    let a = s
        .app
        .json(Method::POST, &format!("/api/v1/plans/{plan}/file"), Some(&s.school.token), &json!({}))
        .await;
    assert_eq!(a.status.as_u16(), 200, "{}", a.text);
    let a = s
        .app
        .json(Method::POST, &format!("/api/v1/plans/{plan}/acknowledge"), Some(&s.centre), &json!({}))
        .await;
    assert_eq!(a.status.as_u16(), 200, "{}", a.text);
}

pub async fn candidate_ids(s: &Setup, plan: &str) -> Vec<String> {
    let a = s.app.get(&format!("/api/v1/plans/{plan}/candidates?per_page=100"), Some(&s.school.token)).await;
    a.body["items"]
        .as_array()
        .unwrap_or_else(|| panic!("candidates: {}", a.text))
        .iter()
        .map(|c| c["id"].as_str().expect("id").to_owned())
        .collect()
}

pub fn scores(ids: &[String], values: &[(f64, f64, f64)]) -> Value {
    let mut results = Vec::new();
    for (id, (process, theory, practical)) in ids.iter().zip(values) {
        results.push(json!({"candidate_id": id, "component": "process", "score": process}));
        results.push(json!({"candidate_id": id, "component": "theory_exam", "score": theory}));
        results.push(json!({"candidate_id": id, "component": "practical_exam", "score": practical}));
    }
    json!({"results": results})
}

/// A reviewed plan with `n` approved candidates; returns the plan id.
pub async fn reviewed_plan(s: &Setup, n: u16) -> String {
    let plan = acknowledged_plan(s, n).await;
    review(s, &plan).await;
    plan
}

/// Uploads a 2-inch photo for each candidate of `plan` that has none yet (a certificate carries
/// one: R29).
pub async fn upload_photos(s: &Setup, plan: &str) {
    let photo = crate::hostile::two_inch_png();
    let a = s.app.get(&format!("/api/v1/plans/{plan}/candidates?per_page=100"), Some(&s.school.token)).await;
    let items = a.body["items"].as_array().unwrap_or_else(|| panic!("candidates: {}", a.text));
    for id in items.iter().filter(|c| c["has_photo"] == false).map(|c| c["id"].as_str().expect("id")) {
        let a = s
            .app
            .send(
                s.app
                    .request(Method::PUT, &format!("/api/v1/plans/{plan}/candidates/{id}/photo"))
                    .bearer_auth(&s.school.token)
                    .header("Content-Type", "image/png")
                    .body(photo.clone()),
            )
            .await;
        assert_eq!(a.status.as_u16(), 204, "photo: {}", a.text);
    }
}

/// A photo file stored as an upload would store it, for candidates inserted through the
/// repository: its key, media type and SHA-256 (the same file for all).
pub fn stored_photo(attachments_dir: &std::path::Path) -> (String, String, String) {
    use sha2::Digest as _;
    let bytes = crate::hostile::two_inch_png();
    let sha: String = sha2::Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect();
    let key = format!("photos/seeded/{}.png", &sha[..16]);
    let path = attachments_dir.join(&key);
    if !path.exists() {
        std::fs::create_dir_all(path.parent().expect("photo directory")).expect("photo directory");
        std::fs::write(&path, &bytes).expect("photo file");
    }
    (key, "image/png".to_owned(), sha)
}

/// Uploads the candidates' photos, scores every candidate of an acknowledged plan 80/80/80,
/// runs the publicity, reports and has the centre approve.
pub async fn review(s: &Setup, plan: &str) {
    upload_photos(s, plan).await;
    results_to_review(s, plan).await;
}

/// Like [`review`], without uploading photos.
pub async fn results_to_review(s: &Setup, plan: &str) {
    let ids = candidate_ids(s, plan).await;
    let values: Vec<(f64, f64, f64)> = (0..ids.len()).map(|_| (80.0, 80.0, 80.0)).collect();
    let path = format!("/api/v1/plans/{plan}");
    let a = s
        .app
        .json(Method::POST, &format!("{path}/results"), Some(&s.school.token), &scores(&ids, &values))
        .await;
    assert_eq!(a.status.as_u16(), 200, "{}", a.text);
    let a = s.app.json(Method::POST, &format!("{path}/publicity"), Some(&s.school.token), &json!({})).await;
    assert_eq!(a.status.as_u16(), 200, "{}", a.text);
    let later = s.app.state.clock.today() + chrono::Duration::days(14);
    set_today(&s.app, later);
    let school = s.app.login("school1", "a-long-password-1").await;
    let centre = s.app.login("centre.plan", "a-long-password-1").await;
    let a = s.app.json(Method::POST, &format!("{path}/report"), Some(&school), &json!({})).await;
    assert_eq!(a.status.as_u16(), 200, "{}", a.text);
    let a = s
        .app
        .json(Method::POST, &format!("{path}/review"), Some(&centre), &json!({"decision": "approve"}))
        .await;
    assert_eq!(a.body["phase"], "reviewed", "{}", a.text);
}

/// Inserts `n` approved candidates into a reviewed plan through the repository (`n` ≤ 10,000,
/// `k` ≤ 1 for distinct people, the plan's index in the test).
pub async fn seed_approved(s: &Setup, plan: &str, k: usize, n: u16) {
    let plan_id: uuid::Uuid = plan.parse().expect("uuid");
    let now = s.app.state.clock.now();
    let (photo, media, sha) = stored_photo(&s.app.state.attachments_dir);
    let key = &s.app.state.data_key;
    let rows: Vec<persistence::entity::candidate::Model> = (0..n)
        .map(|i| {
            // Other people in each plan `k` (one valid certificate per person and level).
            let number = crate::resident_id(1_000 + u16::try_from(k).expect("k") * 10_000 + i);
            let stored = key.store(&domain::ResidentId::parse(&number).expect("valid"));
            persistence::entity::candidate::Model {
                id: uuid::Uuid::now_v7(),
                plan_id,
                name: format!("学生{k}{i}"),
                gender: "male".into(),
                id_sealed: stored.sealed,
                id_hash: Some(stored.hash),
                id_masked: Some(stored.masked),
                school_name: "重庆市第1技工学校".into(),
                school_id: Some(s.school.id.parse().expect("school id")),
                student_number: format!("2024{i:05}"),
                own_school: true,
                major: "机械加工".into(),
                class_name: "1班".into(),
                full_time_confirmed: true,
                consent_recorded: true,
                phone: None,
                occupation_code: LATHE.into(),
                work_type: String::new(),
                level: "4".into(),
                created_at: now,
                photo_key: Some(photo.clone()),
                photo_media_type: Some(media.clone()),
                photo_sha256: Some(sha.clone()),
                review_status: "approved".into(),
                review_note: None,
                withdrawn_at: None,
                withdrawal_reason: None,
                withdrawn_by: None,
            }
        })
        .collect();
    persistence::repo::plan::insert_candidates(&s.app.state.db, rows).await.expect("seed candidates");
}

/// A `skillcert` server process on the test's database and keys; killed on drop.
pub struct ServerProcess {
    pub child: std::process::Child,
    pub address: String,
    _dir: tempfile::TempDir,
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub async fn server_process(app: &TestApp) -> ServerProcess {
    // The binary sits next to the test binaries' `deps` directory (cargo test --workspace builds it).
    let exe = std::env::current_exe().expect("test binary");
    let bin = exe.parent().and_then(|d| d.parent()).expect("target dir").join("skillcert");
    assert!(
        bin.exists(),
        "{} is missing: run `cargo test --workspace` (it builds the server binary)",
        bin.display()
    );
    let port = std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port();
    let dir = tempfile::tempdir().expect("tempdir");
    let keys = app.data_dir.join("keys");
    let child = std::process::Command::new(bin)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", &app.db.as_ref().expect("own database").url)
        .env("SKILLCERT_BIND", format!("127.0.0.1:{port}"))
        .env("SKILLCERT_DATA_DIR", dir.path())
        .env("SKILLCERT_ATTACHMENT_DIR", app.data_dir.join("attachments"))
        .env("SKILLCERT_SIGNING_KEY", keys.join("token-signing-ed25519.pem"))
        .env("SKILLCERT_CERTIFICATE_KEY", keys.join("certificate-signing-ed25519.pem"))
        .env("SKILLCERT_DATA_KEY", keys.join("data-key.txt"))
        .env("SKILLCERT_WORKERS", "2")
        .env("SKILLCERT_LOG", "error")
        .env("SKILLCERT_CLOCK_START", app.state.clock.now().to_rfc3339())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("server process starts");
    // Owned at once, so that any failure below still kills and reaps the process.
    let server = ServerProcess { child, address: format!("http://127.0.0.1:{port}"), _dir: dir };
    let client = reqwest::Client::new();
    for _ in 0..300 {
        if client.get(format!("{}/ready", server.address)).send().await.is_ok_and(|r| r.status().is_success())
        {
            return server;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("server process on {} not ready", server.address);
}
