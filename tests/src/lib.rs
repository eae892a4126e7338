//! Test harness for the end-to-end suite: starts the real server on port 0 with a fresh
//! database (SQLite, or PostgreSQL when `TEST_DATABASE_URL` is set) and drives it over HTTP.

#![allow(clippy::expect_used, reason = "test code: a failed setup step should fail the test loudly")]

use api::config::Config;
use api::startup::Application;
use persistence::test_support::TestDatabase;
use reqwest::{Client, Method, RequestBuilder, Response, StatusCode};
use serde_json::{Value, json};
use std::collections::HashMap;

/// The bootstrap admin's password in tests.
pub const ADMIN_PASSWORD: &str = "test-admin-password-1";

/// A running server with its own database and data directory.
pub struct TestApp {
    pub address: String,
    pub client: Client,
    pub state: api::state::AppState,
    pub data_dir: std::path::PathBuf,
    pub db: TestDatabase,
    _dir: tempfile::TempDir,
}

/// A response read whole.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
    pub text: String,
}

impl Answer {
    async fn read(r: Response) -> Answer {
        let status = r.status();
        let headers = r.headers().clone();
        let text = r.text().await.unwrap_or_default();
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Answer { status, headers, body, text }
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
        let app = Application::build(config).await.expect("server starts");
        let address = format!("http://127.0.0.1:{}", app.port());
        let state = app.state.clone();
        tokio::spawn(app.run_until_stopped());
        let client = Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
        TestApp { address, client, state, data_dir, db, _dir: dir }
    }

    /// A request to `path` (absolute path on this server).
    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.client.request(method, format!("{}{path}", self.address))
    }

    /// Sends a request and reads the answer.
    pub async fn send(&self, req: RequestBuilder) -> Answer {
        Answer::read(req.send().await.expect("request sent")).await
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
