//! The binary itself: zero-configuration first start, restart, bad configuration, SIGTERM.

#![allow(clippy::expect_used, reason = "test code: a failed setup step should fail the test loudly")]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_skillcert");

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port()
}

/// One HTTP/1.1 request over a fresh connection; returns status and body.
fn http(port: u16, method: &str, path: &str, body: Option<&str>) -> Option<(u16, String)> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    let body = body.unwrap_or("");
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).ok()?;
    let mut out = String::new();
    s.read_to_string(&mut out).ok()?;
    let status = out.split(' ').nth(1)?.parse().ok()?;
    let body = out.split("\r\n\r\n").nth(1).unwrap_or("").to_owned();
    Some((status, body))
}

fn start(dir: &Path, port: u16, env: &[(&str, &str)]) -> Child {
    let mut cmd = Command::new(BIN);
    cmd.current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("SKILLCERT_BIND", format!("127.0.0.1:{port}"))
        .env("SKILLCERT_WORKERS", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.spawn().expect("binary starts")
}

fn wait_ready(port: u16) {
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(30) {
        if http(port, "GET", "/ready", None).is_some_and(|(s, _)| s == 200) {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("server on port {port} not ready within 30 s");
}

/// Stops the server with SIGTERM and returns its log.
fn stop(mut child: Child) -> String {
    let status = Command::new("kill").arg("-TERM").arg(child.id().to_string()).status().expect("kill");
    assert!(status.success());
    let exit = child.wait().expect("exits");
    let mut log = String::new();
    child.stderr.take().expect("stderr").read_to_string(&mut log).expect("log");
    assert!(exit.success(), "graceful shutdown exits 0: {exit:?}\n{log}");
    log
}

fn generated_password(log: &str) -> Option<String> {
    let line = log.lines().find(|l| l.contains("generated password"))?;
    let rest = line.split("generated password: ").nth(1)?;
    Some(rest.split_whitespace().next()?.to_owned())
}

#[test]
fn first_start_creates_the_database_and_prints_a_password_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let port = free_port();
    let child = start(dir.path(), port, &[]);
    wait_ready(port);
    let db = dir.path().join("data/skillcert.db");
    assert!(db.exists(), "./data/skillcert.db created");
    assert!(dir.path().join("data/skillcert.db-wal").exists(), "SQLite runs in WAL mode");
    let health = Command::new(BIN)
        .arg("healthcheck")
        .env("SKILLCERT_BIND", format!("127.0.0.1:{port}"))
        .status()
        .expect("healthcheck runs");
    assert!(health.success(), "the container healthcheck passes");
    let log = stop(child);
    let password = generated_password(&log).expect("a generated password in the log");
    assert_eq!(log.matches("generated password").count(), 1);

    // Restart: same data, nothing recreated or printed; the printed password works.
    let port = free_port();
    let child = start(dir.path(), port, &[]);
    wait_ready(port);
    let body = format!(r#"{{"username": "admin", "password": "{password}"}}"#);
    let (status, answer) = http(port, "POST", "/api/v1/auth/login", Some(&body)).expect("login answered");
    assert_eq!(status, 200, "{answer}");
    let log = stop(child);
    assert!(!log.contains("generated password"), "{log}");
    assert!(!log.contains("created bureau account"), "{log}");
}

#[test]
fn a_configured_admin_password_is_used_and_never_logged() {
    let dir = tempfile::tempdir().expect("tempdir");
    let port = free_port();
    let child = start(
        dir.path(),
        port,
        &[("SKILLCERT_ADMIN_PASSWORD", "configured-secret-pw"), ("SKILLCERT_LOG_FORMAT", "json")],
    );
    wait_ready(port);
    let (status, _) = http(
        port,
        "POST",
        "/api/v1/auth/login",
        Some(r#"{"username":"admin","password":"configured-secret-pw"}"#),
    )
    .expect("answered");
    assert_eq!(status, 200);
    let log = stop(child);
    assert!(!log.contains("configured-secret-pw"), "{log}");
    // JSON logs: one object per line, with the access line carrying the route template.
    let access =
        log.lines().find(|l| l.contains("\"route\":\"/api/v1/auth/login\"")).expect("access log line");
    let v: serde_json::Value = serde_json::from_str(access).expect("JSON log line");
    assert_eq!(v["fields"]["status"], 200);
}

#[test]
fn a_bad_value_stops_the_start_with_one_line_naming_the_variable() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (var, value) in [
        ("SKILLCERT_BIND", "everywhere"),
        ("SKILLCERT_TOKEN_TTL_SECONDS", "0"),
        ("DATABASE_URL", "mysql://x"),
    ] {
        let out =
            Command::new(BIN).current_dir(dir.path()).env_clear().env(var, value).output().expect("runs");
        assert_eq!(out.status.code(), Some(2), "{var}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.trim().lines().count(), 1, "{err}");
        assert!(err.contains(var), "{err}");
    }
    assert!(!dir.path().join("data").exists(), "nothing created on a refused start");
}

#[test]
fn the_openapi_command_prints_the_committed_contract() {
    let out = Command::new(BIN).arg("openapi").output().expect("runs");
    assert!(out.status.success());
    let committed =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi.yaml")).expect("file");
    assert!(
        String::from_utf8_lossy(&out.stdout) == committed,
        "run `cargo run -p api -- openapi > openapi.yaml`"
    );
}
