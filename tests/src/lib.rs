//! Over 400 lines: the test harness every suite shares.
//!
//! Test harness for the end-to-end suite: starts the real server on port 0 with a fresh
//! database (SQLite, or PostgreSQL when `TEST_DATABASE_URL` is set) and drives it over HTTP.

#![allow(clippy::expect_used, reason = "test code: a failed setup step should fail the test loudly")]

pub mod credential;
pub mod examples;
pub mod hostile;
pub mod pipeline;
pub mod receiver;

use api::config::Config;
use api::startup::Application;
use persistence::test_support::TestDatabase;
use reqwest::{Client, Method, RequestBuilder, Response, StatusCode};
use serde_json::{Value, json};
use std::collections::HashMap;

/// Standalone tokens that look like a resident ID number (17 digits and a digit or X) or a
/// mainland mobile number (11 digits starting 13–19). "Standalone": not part of a longer run of
/// letters or digits (certificate codes such as S000050000001264000001 are not ID numbers).
pub fn personal_data(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut found = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_ascii_alphanumeric() {
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && chars[i].is_ascii_alphanumeric() {
            i += 1;
        }
        let token: String = chars[start..i].iter().collect();
        let id_number = token.len() == 18
            && token[..17].bytes().all(|b| b.is_ascii_digit())
            && matches!(token.as_bytes()[17], b'0'..=b'9' | b'X' | b'x');
        let phone = token.len() == 11
            && token.bytes().all(|b| b.is_ascii_digit())
            && token.starts_with('1')
            && (b'3'..=b'9').contains(&token.as_bytes()[1]);
        if id_number || phone {
            found.push(token);
        }
    }
    found
}

/// The bootstrap admin's password in tests.
pub const ADMIN_PASSWORD: &str = "test-admin-password-1";

/// A running server with its own database and data directory.
pub struct TestApp {
    pub address: String,
    pub client: Client,
    pub state: api::state::AppState,
    pub data_dir: std::path::PathBuf,
    /// The database this app created (dropped with it); `None` for an app sharing another's.
    pub db: Option<TestDatabase>,
    _dir: tempfile::TempDir,
}

/// A response read whole.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
    pub text: String,
    /// The raw body (for ZIP, PDF and XLSX answers).
    pub bytes: Vec<u8>,
}

impl Answer {
    async fn read(r: Response) -> Answer {
        let status = r.status();
        let headers = r.headers().clone();
        let bytes = r.bytes().await.map(|b| b.to_vec()).unwrap_or_default();
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Answer { status, headers, body, text, bytes }
    }

    /// A header as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Asserts an RFC 9457 problem with this status and code, and returns it.
    pub fn problem(&self, status: u16, code: &str) -> &Value {
        assert_eq!(self.status.as_u16(), status, "unexpected status; body: {}", self.text);
        assert_eq!(
            self.header("content-type"),
            Some("application/problem+json"),
            "problem content type; body: {}",
            self.text
        );
        assert_eq!(self.body["code"], code, "body: {}", self.text);
        assert_eq!(self.body["status"], status);
        for key in ["type", "title", "detail", "request_id"] {
            assert!(self.body[key].is_string(), "problem lacks {key}: {}", self.text);
        }
        assert_eq!(self.body["request_id"].as_str(), self.header("x-request-id"));
        &self.body
    }

    /// The field paths and rule codes of a validation problem.
    pub fn violations(&self) -> Vec<(String, String)> {
        self.body["errors"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|e| {
                        (
                            e["field"].as_str().unwrap_or("").to_owned(),
                            e["code"].as_str().unwrap_or("").to_owned(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
}

impl TestApp {
    /// Starts a server with default settings.
    pub async fn spawn() -> TestApp {
        TestApp::spawn_with(&[]).await
    }

    /// Starts a server with extra configuration variables.
    pub async fn spawn_with(extra: &[(&str, &str)]) -> TestApp {
        let db = TestDatabase::create().await.expect("fresh test database");
        let dir = tempfile::tempdir().expect("temp dir");
        let data_dir = dir.path().to_path_buf();
        let mut vars: HashMap<String, String> = HashMap::new();
        vars.insert("DATABASE_URL".into(), db.url.clone());
        vars.insert("SKILLCERT_BIND".into(), "127.0.0.1:0".into());
        vars.insert("SKILLCERT_DATA_DIR".into(), data_dir.display().to_string());
        vars.insert("SKILLCERT_ADMIN_PASSWORD".into(), ADMIN_PASSWORD.into());
        vars.insert("SKILLCERT_WORKERS".into(), "2".into());
        vars.insert("SKILLCERT_DB_MAX_CONNECTIONS".into(), "5".into());
        for (k, v) in extra {
            vars.insert((*k).into(), (*v).into());
        }
        let config = Config::from_lookup(|k| vars.get(k).cloned()).expect("test configuration");
        // Errors only (shown by the test runner for failing tests); TEST_LOG=info for more.
        api::telemetry::init(
            config.log_format,
            &std::env::var("TEST_LOG").unwrap_or_else(|_| "error".into()),
        );
        let app = Application::build(config).await.expect("server starts");
        let address = format!("http://127.0.0.1:{}", app.port());
        let state = app.state.clone();
        tokio::spawn(app.run_until_stopped());
        let client = Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
        TestApp { address, client, state, data_dir, db: Some(db), _dir: dir }
    }

    /// A second server on the same database, keys and clock as `self`: what another replica
    /// (another process) of the same deployment would be.
    pub async fn replica(&self) -> TestApp {
        self.replica_with(&[]).await
    }

    /// Like [`TestApp::replica`], with extra configuration variables.
    pub async fn replica_with(&self, extra: &[(&str, &str)]) -> TestApp {
        self.try_replica_with(extra).await.unwrap_or_else(|e| panic!("replica starts: {e}"))
    }

    /// Like [`TestApp::replica_with`], the start's error when it does not start.
    pub async fn try_replica_with(&self, extra: &[(&str, &str)]) -> Result<TestApp, String> {
        let dir = tempfile::tempdir().expect("temp dir");
        let data_dir = dir.path().to_path_buf();
        let url = self.db.as_ref().expect("the first app owns the database").url.clone();
        let keys = self.data_dir.join("keys");
        let mut vars: HashMap<String, String> = HashMap::new();
        vars.insert("DATABASE_URL".into(), url);
        vars.insert("SKILLCERT_BIND".into(), "127.0.0.1:0".into());
        vars.insert("SKILLCERT_DATA_DIR".into(), data_dir.display().to_string());
        vars.insert(
            "SKILLCERT_ATTACHMENT_DIR".into(),
            self.data_dir.join("attachments").display().to_string(),
        );
        vars.insert(
            "SKILLCERT_SIGNING_KEY".into(),
            keys.join("token-signing-ed25519.pem").display().to_string(),
        );
        vars.insert(
            "SKILLCERT_CERTIFICATE_KEY".into(),
            keys.join("certificate-signing-ed25519.pem").display().to_string(),
        );
        vars.insert("SKILLCERT_DATA_KEY".into(), keys.join("data-key.txt").display().to_string());
        vars.insert("SKILLCERT_WORKERS".into(), "2".into());
        vars.insert("SKILLCERT_DB_MAX_CONNECTIONS".into(), "5".into());
        for (k, v) in extra {
            vars.insert((*k).into(), (*v).into());
        }
        let config = Config::from_lookup(|k| vars.get(k).cloned()).expect("replica configuration");
        let app = Application::build(config).await.map_err(|e| e.to_string())?;
        let address = format!("http://127.0.0.1:{}", app.port());
        let state = app.state.clone();
        state.clock.set_offset(self.state.clock.now());
        tokio::spawn(app.run_until_stopped());
        let client = Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
        Ok(TestApp { address, client, state, data_dir, db: None, _dir: dir })
    }

    /// A request to `path` (absolute path on this server).
    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.client.request(method, format!("{}{path}", self.address))
    }

    /// Sends a request and reads the answer.
    pub async fn send(&self, req: RequestBuilder) -> Answer {
        if std::env::var_os(examples::RECORD).is_none() {
            return Answer::read(req.send().await.expect("request sent")).await;
        }
        let (client, request) = req.build_split();
        let request = request.expect("a well-formed request");
        let sent = examples::Sent::of(&request);
        let answer = Answer::read(client.execute(request).await.expect("request sent")).await;
        examples::record(sent, &answer);
        answer
    }

    /// A request to `path` sent from another loopback address (`127.0.0.2`, …), as a client
    /// elsewhere would: the server sees it as the peer address.
    pub fn request_from(&self, from: &str, method: Method, path: &str) -> RequestBuilder {
        let ip: std::net::IpAddr = from.parse().expect("a loopback address");
        let client = Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .local_address(ip)
            .build()
            .expect("client");
        client.request(method, format!("{}{path}", self.address))
    }

    /// GET with an optional token.
    pub async fn get(&self, path: &str, token: Option<&str>) -> Answer {
        let mut r = self.request(Method::GET, path);
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        self.send(r).await
    }

    /// A JSON request with an optional token.
    pub async fn json(&self, method: Method, path: &str, token: Option<&str>, body: &Value) -> Answer {
        let mut r = self.request(method, path).json(body);
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        self.send(r).await
    }

    /// Signs in and returns the access token (panics on failure).
    pub async fn login(&self, username: &str, password: &str) -> String {
        let a = self
            .json(
                Method::POST,
                "/api/v1/auth/login",
                None,
                &json!({"username": username, "password": password}),
            )
            .await;
        assert_eq!(a.status, StatusCode::OK, "login as {username}: {}", a.text);
        a.body["access_token"].as_str().expect("token").to_owned()
    }

    /// The bootstrap admin's token.
    pub async fn admin_token(&self) -> String {
        self.login("admin", ADMIN_PASSWORD).await
    }

    /// Creates an account through the API and returns its JSON.
    pub async fn create_user(
        &self,
        admin: &str,
        username: &str,
        role: &str,
        district: Option<&str>,
    ) -> Value {
        let mut body = json!({"username": username, "display_name": username, "role": role, "password": "a-long-password-1"});
        if let Some(d) = district {
            body["district_code"] = json!(d);
        }
        let a = self.json(Method::POST, "/api/v1/users", Some(admin), &body).await;
        assert_eq!(a.status, StatusCode::CREATED, "create {username}: {}", a.text);
        a.body
    }

    /// Number of rows in a table, read directly from the database.
    pub async fn count(&self, table: &str) -> i64 {
        use persistence::sea_orm::{ConnectionTrait, Statement};
        let backend = self.state.db.get_database_backend();
        let row = self
            .state
            .db
            .query_one_raw(Statement::from_string(backend, format!("SELECT COUNT(*) AS n FROM {table}")))
            .await
            .expect("count query")
            .expect("one row");
        row.try_get::<i64>("", "n").expect("count")
    }
}

/// A valid resident ID number (GB 11643) born 2000-01-01 in 万州区, with sequence `seq`.
pub fn resident_id(seq: u16) -> String {
    let body = format!("500101200001{:02}{:03}", 1 + seq / 1000 % 28, seq % 1000);
    let mut digits = [0u8; 17];
    for (i, b) in body.bytes().enumerate() {
        digits[i] = b - b'0';
    }
    format!("{body}{}", domain::ResidentId::check_character(&digits))
}

/// A unified social credit code with a correct check character, varied by `n`.
pub fn credit_code(n: u32) -> String {
    let body = format!("12500000MB{:07}", n % 10_000_000);
    format!("{body}{}", domain::CreditCode::check_character(&body).expect("charset"))
}

/// The bytes of a minimal PDF (enough for the type check).
pub const PDF: &[u8] = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";

/// A school with a `school` account, ready to file.
pub struct SchoolFixture {
    pub id: String,
    pub token: String,
}

impl TestApp {
    /// Registers a school of `school_type` in `district` and signs in its account.
    pub async fn school(&self, admin: &str, n: u32, school_type: &str, district: &str) -> SchoolFixture {
        let a = self
            .json(
                Method::POST,
                "/api/v1/schools",
                Some(admin),
                &json!({
                    "name": format!("重庆市第{n}技工学校"), "school_type": school_type, "credit_code": credit_code(n),
                    "district_code": district, "registered_address": "重庆市某区某路1号", "office_address": "重庆市某区某路1号",
                    "legal_representative": "张校长", "contact_name": "李老师", "contact_phone": "13800138000"
                }),
            )
            .await;
        assert_eq!(a.status, StatusCode::CREATED, "school: {}", a.text);
        let id = a.body["id"].as_str().expect("id").to_owned();
        let username = format!("school{n}");
        let acc = self
            .json(
                Method::POST,
                &format!("/api/v1/schools/{id}/accounts"),
                Some(admin),
                &json!({"username": username, "display_name": "备案专员", "password": "a-long-password-1"}),
            )
            .await;
        assert_eq!(acc.status, StatusCode::CREATED, "account: {}", acc.text);
        let token = self.login(&username, "a-long-password-1").await;
        SchoolFixture { id, token }
    }

    /// Registers a national standard for `occupation` at `levels`; returns its id.
    pub async fn standard(&self, admin: &str, occupation: &str, levels: &[&str]) -> String {
        let a = self
            .json(
                Method::POST,
                "/api/v1/standards",
                Some(admin),
                &json!({"occupation_code": occupation, "kind": "national_standard", "title": format!("{occupation} 国家职业技能标准"), "levels": levels}),
            )
            .await;
        assert_eq!(a.status, StatusCode::CREATED, "standard: {}", a.text);
        a.body["id"].as_str().expect("id").to_owned()
    }

    /// Creates an expert account, registers it in the centre's registry of experts (employed by
    /// no school) and signs it in; returns (id, token).
    pub async fn expert(&self, admin: &str, username: &str) -> (String, String) {
        let u = self.create_user(admin, username, "expert", None).await;
        let id = u["id"].as_str().expect("id").to_owned();
        let n = self.count("personnel").await as u16;
        let centre = self.registrar(admin).await;
        let body = json!({"kind": "expert", "name": username, "id_number": resident_id(900 + n),
                          "certificate_number": format!("ZJ-{username}"), "valid_until": "2099-12-31",
                          "employer": "重庆大学", "user_id": id});
        let a = self.json(Method::POST, "/api/v1/personnel", Some(&centre), &body).await;
        assert_eq!(a.status, StatusCode::CREATED, "register expert {username}: {}", a.text);
        let token = self.login(username, "a-long-password-1").await;
        (id, token)
    }

    /// The token of the centre account that keeps the registry of people in tests (created on
    /// first use by `admin`).
    pub async fn registrar(&self, admin: &str) -> String {
        let body = json!({"username": "centre.registry", "display_name": "人员库", "role": "centre", "password": "a-long-password-1"});
        let a = self.json(Method::POST, "/api/v1/users", Some(admin), &body).await;
        assert!(matches!(a.status.as_u16(), 201 | 409), "registrar: {}", a.text);
        self.login("centre.registry", "a-long-password-1").await
    }

    /// Registers the examiners of filing document `doc` in the centre's registry (valid until
    /// 2099, employed by no school), each qualified at every level for the catalogued
    /// occupations the document lists for them (车工 when it lists none); one already
    /// registered under the certificate number gains the qualifications.
    pub async fn register_examiners(&self, admin: &str, doc: &Value) {
        let centre = self.registrar(admin).await;
        let mut known: HashMap<String, bool> = HashMap::new();
        for e in doc["examiners"].as_array().into_iter().flatten() {
            let Some(number) = e["certificate_number"].as_str().filter(|n| !n.trim().is_empty()) else {
                continue;
            };
            let mut codes = Vec::new();
            for c in e["occupation_codes"].as_array().into_iter().flatten().filter_map(Value::as_str) {
                if !known.contains_key(c) {
                    let found =
                        self.get(&format!("/api/v1/occupations/{c}"), None).await.status == StatusCode::OK;
                    known.insert(c.to_owned(), found);
                }
                if known[c] && !codes.contains(&c) {
                    codes.push(c);
                }
            }
            if codes.is_empty() {
                codes.push("6-18-01-01");
            }
            let qualifications: Vec<Value> =
                codes.iter().map(|c| json!({"occupation_code": c, "levels": ["3", "4", "5", "9"]})).collect();
            let found = self
                .get(
                    &format!("/api/v1/personnel?kind=examiner&certificate_number={}", number.trim()),
                    Some(&centre),
                )
                .await;
            let a = match found.body["items"][0]["id"].as_str() {
                Some(id) => {
                    self.json(
                        Method::POST,
                        &format!("/api/v1/personnel/{id}/qualifications"),
                        Some(&centre),
                        &json!({"qualifications": qualifications}),
                    )
                    .await
                }
                None => {
                    let body = json!({"kind": "examiner", "name": e["name"].as_str().unwrap_or("考评员"),
                                      "id_number": e["id_number"], "certificate_number": number,
                                      "valid_until": "2099-12-31", "employer": "本校", "qualifications": qualifications});
                    self.json(Method::POST, "/api/v1/personnel", Some(&centre), &body).await
                }
            };
            // A document with a wrong ID number cannot be registered: the submission reports it.
            assert!(
                matches!(a.status.as_u16(), 200 | 201 | 409 | 422),
                "register examiner {number}: {}",
                a.text
            );
        }
    }

    /// Starts a filing as the school; returns (id, etag).
    pub async fn start_filing(&self, school: &SchoolFixture, kind: &str) -> (String, String) {
        let a = self.json(Method::POST, "/api/v1/filings", Some(&school.token), &json!({"kind": kind})).await;
        assert_eq!(a.status, StatusCode::CREATED, "filing: {}", a.text);
        (a.body["id"].as_str().expect("id").to_owned(), a.header("etag").expect("etag").to_owned())
    }

    /// Uploads a PDF attachment; returns its id.
    pub async fn upload_pdf(&self, school: &SchoolFixture, filing: &str, purpose: &str) -> String {
        let a = self
            .send(
                self.request(
                    Method::POST,
                    &format!("/api/v1/filings/{filing}/attachments?purpose={purpose}&file_name=scan.pdf"),
                )
                .bearer_auth(&school.token)
                .header("Content-Type", "application/pdf")
                .body(PDF.to_vec()),
            )
            .await;
        assert_eq!(a.status, StatusCode::CREATED, "upload: {}", a.text);
        a.header("location").and_then(|l| l.rsplit('/').next()).expect("location").to_owned()
    }

    /// The current `ETag` of a filing (uploads change it).
    pub async fn current_etag(&self, school: &SchoolFixture, filing: &str) -> String {
        let a = self.get(&format!("/api/v1/filings/{filing}"), Some(&school.token)).await;
        a.header("etag").expect("etag").to_owned()
    }

    /// Saves a document; returns the answer.
    pub async fn save_document(
        &self,
        school: &SchoolFixture,
        filing: &str,
        etag: &str,
        doc: &Value,
    ) -> Answer {
        self.send(
            self.request(Method::PUT, &format!("/api/v1/filings/{filing}/document"))
                .bearer_auth(&school.token)
                .header("If-Match", etag)
                .json(doc),
        )
        .await
    }

    /// POST to a filing action as `token`.
    pub async fn act(&self, token: &str, filing: &str, action: &str, body: &Value) -> Answer {
        self.json(Method::POST, &format!("/api/v1/filings/{filing}/{action}"), Some(token), body).await
    }

    /// Takes a filing from draft to approval with a complete document for `rows`
    /// (`(occupation, level, standard_id)`); returns the new institution's id.
    pub async fn file_institution(
        &self,
        admin: &str,
        school: &SchoolFixture,
        expert: &(String, String),
        rows: &[(&str, &str, &str)],
    ) -> String {
        let (filing, etag) = self.start_filing(school, "initial").await;
        let commitment = self.upload_pdf(school, &filing, "commitment").await;
        let doc = complete_document(rows, &commitment);
        assert_ne!(self.current_etag(school, &filing).await, etag, "an upload changes the ETag");
        let etag = self.current_etag(school, &filing).await;
        let saved = self.save_document(school, &filing, &etag, &doc).await;
        assert_eq!(saved.status, StatusCode::OK, "save: {}", saved.text);
        self.register_examiners(admin, &doc).await;
        let a = self.act(&school.token, &filing, "submit", &json!({})).await;
        assert_eq!(a.status, StatusCode::OK, "submit: {}", a.text);
        let a = self.act(admin, &filing, "accept", &json!({})).await;
        assert_eq!(a.status, StatusCode::OK, "accept: {}", a.text);
        let a = self.act(admin, &filing, "experts", &json!({"expert_ids": [expert.0]})).await;
        assert_eq!(a.status, StatusCode::OK, "assign: {}", a.text);
        let a = self.act(&expert.1, &filing, "evaluations", &evaluation()).await;
        assert_eq!(a.status, StatusCode::CREATED, "evaluate: {}", a.text);
        let until = domain::filing::latest_validity_end(self.state.clock.today()).to_string();
        let a = self
            .act(admin, &filing, "approve", &json!({"valid_until": until, "opinion": "同意备案。"}))
            .await;
        assert_eq!(a.status, StatusCode::OK, "approve: {}", a.text);
        a.header("location").and_then(|l| l.rsplit('/').next()).expect("institution location").to_owned()
    }
}

/// An expert's evaluation recommending approval.
pub fn evaluation() -> Value {
    let ok = json!({"met": true, "comment": "符合要求"});
    json!({"findings": {"organisation_and_people": ok, "sites_and_equipment": ok, "question_bank": ok, "funding": ok},
           "recommendation": "approve"})
}

/// A complete Annex 1–3 document for `rows` (`(occupation, level, standard_id)`), with three
/// examiners for every occupation.
pub fn complete_document(rows: &[(&str, &str, &str)], commitment_attachment: &str) -> Value {
    let occupations: Vec<Value> = rows
        .iter()
        .map(|(code, level, standard)| json!({"major": "机械加工", "occupation_code": code, "level": level, "standard_id": standard}))
        .collect();
    let codes: Vec<&str> = rows.iter().map(|r| r.0).collect();
    let examiners: Vec<Value> = (0..3)
        .map(|i| {
            json!({"name": format!("考评员{i}"), "id_number": resident_id(10 + i), "certificate_number": format!("KP-{i}"),
                   "occupation_codes": codes, "title": "高级技师", "education": "本科", "employer": "本校"})
        })
        .collect();
    json!({
        "basic": {"name": "重庆市某技工学校", "registered_address": "重庆市某区某路1号", "office_address": "重庆市某区某路1号",
                  "credit_code": credit_code(1), "legal_representative": "张校长", "contact_name": "李老师", "contact_mobile": "13800138000"},
        "occupations": occupations,
        "majors": [{"name": "机械加工", "strengths": "国家级示范专业", "preparatory_technician_class": true}],
        "sites": [{"name": "实训楼", "address": "校内", "area_m2": 3000.0, "purpose": "实操考核"}],
        "equipment": [{"name": "数控车床", "brand": "沈阳", "model": "CAK6150", "quantity": 20, "ownership": "owned"}],
        "exam_management": "计算机考试管理系统，100个机位",
        "video_monitoring": "全部考场视频监控，录像保存一年",
        "staff": [{"name": "王主任", "id_number": resident_id(1), "position": "主任", "education": "本科", "duties": "统筹"}],
        "experts": [{"name": "赵专家", "id_number": resident_id(2), "education": "博士", "field": "机械", "title": "教授", "employer": "本校"}],
        "examiners": examiners,
        "supervisors": [{"name": "钱督导", "id_number": resident_id(3), "title": "高级讲师", "education": "本科", "employer": "本校"}],
        "work_plan": {"school_overview": "概况", "overall_plan": "方案", "organisation": "机构", "occupations_and_standards": "标准",
                      "teaching_alignment": "衔接", "management_rules": "制度", "fees": "收费", "assessment": "方式", "other": "无"},
        "commitment": {"legal_representative": "张校长", "signed_on": "2026-11-20", "attachment_id": commitment_attachment}
    })
}
