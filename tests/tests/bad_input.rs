//! The "bad input to try" list of issue 2: each gets a problem+json answer and writes nothing.

#![allow(clippy::expect_used, reason = "test code: a failed setup step should fail the test loudly")]

use reqwest::Method;
use serde_json::json;
use tests::TestApp;

#[tokio::test]
async fn malformed_bodies_get_problems_and_write_nothing() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let users = app.count("users").await;
    let events = app.count("audit_events").await;
    let post = |body: Vec<u8>, content_type: &str| {
        app.request(Method::POST, "/api/v1/users")
            .bearer_auth(&admin)
            .header("Content-Type", content_type)
            .body(body)
    };

    let a = app.send(post(br#"{"username": "a", "display_na"#.to_vec(), "application/json")).await;
    let p = a.problem(400, "malformed_json");
    assert!(p["detail"].as_str().expect("detail").contains('1'));

    let a = app.send(post(vec![b' '; 10 * 1024 * 1024], "application/json")).await;
    a.problem(413, "payload_too_large");

    let a = app.send(post(b"username=a".to_vec(), "text/plain")).await;
    a.problem(415, "unsupported_media_type");
    let a = app.send(app.request(Method::POST, "/api/v1/users").bearer_auth(&admin).body("{}")).await;
    a.problem(415, "unsupported_media_type");

    let body = json!({"username": "ok.user", "display_name": "x", "role": "centre", "password": "a-long-password-1", "admin": true});
    let a = app.json(Method::POST, "/api/v1/users", Some(&admin), &body).await;
    a.problem(422, "validation_failed");
    assert_eq!(a.violations(), [("admin".to_owned(), "unknown_field".to_owned())]);

    let body =
        json!({"username": 42, "display_name": "x", "role": "centre", "password": "a-long-password-1"});
    let a = app.json(Method::POST, "/api/v1/users", Some(&admin), &body).await;
    assert_eq!(a.violations(), [("username".to_owned(), "invalid_type".to_owned())]);

    let a = app.json(Method::POST, "/api/v1/users", Some(&admin), &json!({"username": "x"})).await;
    assert_eq!(a.violations()[0].1, "required");

    let a = app.json(Method::POST, "/api/v1/users", Some(&admin), &json!([1, 2])).await;
    a.problem(422, "validation_failed");

    let a = app.send(post("{\"username\": \"\u{0}\"}".as_bytes().to_vec(), "application/json")).await;
    assert!(a.status.is_client_error(), "{}", a.text);

    let a = app.send(post(vec![0xff, 0xfe, 0x00], "application/json")).await;
    a.problem(400, "malformed_json");

    // The English texts of the same problems.
    let a = app.send(post(b"{".to_vec(), "application/json").header("Accept-Language", "en")).await;
    assert_eq!(a.problem(400, "malformed_json")["title"], "Malformed JSON");

    assert_eq!(app.count("users").await, users);
    assert_eq!(app.count("audit_events").await, events);
}

#[tokio::test]
async fn sign_in_bodies_are_checked_too() {
    let app = TestApp::spawn().await;
    let a = app.json(Method::POST, "/api/v1/auth/login", None, &json!({"username": "admin"})).await;
    assert_eq!(a.violations(), [("password".to_owned(), "required".to_owned())]);
    let a = app
        .json(
            Method::POST,
            "/api/v1/auth/login",
            None,
            &json!({"username": "admin", "password": 1, "remember": true}),
        )
        .await;
    a.problem(422, "validation_failed");
}

// NUL characters are refused in every JSON string and query parameter (PostgreSQL cannot store
// them), naming the field, instead of failing deep inside the database.
#[tokio::test]
async fn nul_characters_are_refused_naming_the_field() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let body = r#"{"name": "学校", "school_type": "technical_school", "credit_code": "x", "district_code": "5001\u000001",
        "registered_address": "a", "office_address": "b", "legal_representative": "c"}"#;
    let a = app
        .send(
            app.request(Method::POST, "/api/v1/schools")
                .bearer_auth(&admin)
                .header("Content-Type", "application/json")
                .body(body),
        )
        .await;
    a.problem(422, "validation_failed");
    assert_eq!(a.violations(), [("district_code".to_owned(), "control_character".to_owned())]);
    let a = app.get("/api/v1/institutions?q=a%00b", Some(&admin)).await;
    a.problem(400, "invalid_query");
    assert_eq!(a.violations(), [("q".to_owned(), "control_character".to_owned())]);
}

// …and in paths, before routing.
#[tokio::test]
async fn nul_characters_in_paths_are_refused() {
    let app = TestApp::spawn().await;
    app.get("/verify/abc%00def", None).await.problem(400, "bad_request");
    app.get("/api/v1/public/complaints/TS%00X", None).await.problem(400, "bad_request");
    let t = app
        .send(
            app.request(Method::POST, "/api/v1/auth/token")
                .header("Content-Type", "application/x-www-form-urlencoded")
                .body("grant_type=client_credentials&client_id=a%00b&client_secret=x"),
        )
        .await;
    t.problem(401, "invalid_client");
}

/// Sends raw bytes on a fresh connection and reads the answer until the server closes it.
async fn raw(app: &TestApp, bytes: &[u8]) -> (String, serde_json::Value) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let authority = app.address.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(authority).await.expect("connects");
    stream.write_all(bytes).await.expect("sends");
    // Read until the server closes; a server closing with part of a large head unread resets
    // the connection, which ends the answer too.
    let mut answer = Vec::new();
    let read = async {
        let mut chunk = [0u8; 4096];
        while let Ok(n @ 1..) = stream.read(&mut chunk).await {
            answer.extend_from_slice(&chunk[..n]);
        }
    };
    tokio::time::timeout(std::time::Duration::from_secs(15), read)
        .await
        .expect("the server answers and closes");
    let text = String::from_utf8(answer).expect("the answer is UTF-8");
    let (head, body) = text.split_once("\r\n\r\n").expect("a head and a body");
    let length = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length: "))
        .and_then(|n| n.parse::<usize>().ok())
        .expect("content-length");
    assert_eq!(length, body.len(), "{text}");
    assert!(head.contains("content-type: application/problem+json"), "{head}");
    (head.to_owned(), serde_json::from_str(body).expect("a problem document"))
}

/// What actix-http refuses before any handler sees it (a control character in a header, a head
/// over its buffer, a head that never ends) is answered with a problem document too, naming the
/// header and the rule: before, each was a bare 400, 431 or 408 with an empty body.
#[tokio::test]
async fn requests_refused_by_the_http_parser_get_problems_naming_the_header() {
    let app = TestApp::spawn().await;
    for control in [0x00u8, 0x01, 0x0b, 0x1f, 0x7f] {
        let mut request = b"PUT /api/v1/calendar/2027 HTTP/1.1\r\nHost: x\r\nIf-Match: \"a".to_vec();
        request.extend_from_slice(&[control, b'b', b'"']);
        request.extend_from_slice(b"\r\nContent-Length: 2\r\n\r\n{}");
        let (head, p) = raw(&app, &request).await;
        assert!(head.starts_with("HTTP/1.1 400 Bad Request\r\n"), "{head}");
        assert_eq!(p["code"], "bad_request");
        assert_eq!(p["errors"][0]["field"], "header:If-Match");
        assert_eq!(p["errors"][0]["code"], "control_character");
        assert_eq!(p["errors"][0]["position"], 3);
        assert_eq!(p["request_id"].as_str().map(str::len), Some(32));
    }

    let mut big = b"GET /api/v1/occupations HTTP/1.1\r\nHost: x\r\nX-Padding: ".to_vec();
    big.resize(big.len() + 200_000, b'a');
    big.extend_from_slice(b"\r\n\r\n");
    let (head, p) = raw(&app, &big).await;
    assert!(head.starts_with("HTTP/1.1 431 "), "{head}");
    assert_eq!(p["code"], "request_head_too_large");

    let (head, p) = raw(&app, b"GET /api/v1/occupations HTTP/1.1\r\nHost: x\r\n").await;
    assert!(head.starts_with("HTTP/1.1 408 "), "{head}");
    assert_eq!(p["code"], "request_head_timeout");

    // The server is still up, and an ordinary request on the same port is unchanged.
    let a = app.send(app.request(Method::GET, "/api/v1/occupations")).await;
    assert_eq!(a.status, 200, "{}", a.text);
}

/// Issue 24, point 7: the rules a body's type declares (validator's derives) and what only the
/// use case can tell are reported together, with the paths of nested lists; nothing is written;
/// a refused resident ID number is never echoed.
#[tokio::test]
async fn declared_rules_and_the_use_case_s_findings_come_in_one_answer() {
    use tests::pipeline::{candidate, new_plan, plan_body, setup};
    let s = setup("2026-11-02").await;
    let plans = s.app.count("plans").await;
    let mut body = plan_body("2026-12-15");
    body["title"] = json!("   ");
    body["method"]["components"] = json!(["theory_exam", "dance"]);
    body["method"]["pass_mark"] = json!(101);
    body["occupations"][0]["level"] = json!("7");
    body["sessions"][0]["venue"] = json!("楼".repeat(201));
    body["sessions"][0]["starts_at"] = json!("25:00");
    body["sessions"][0]["supervisors"] = json!([]);
    // Only the institution's roster can tell this one.
    body["sessions"][0]["examiners"] = json!(["KP-9"]);
    let a = s.app.json(Method::POST, "/api/v1/plans", Some(&s.school.token), &body).await;
    a.problem(422, "validation_failed");
    let mut v = a.violations();
    v.sort();
    let expected: Vec<(String, String)> = [
        ("method.components[1]", "not_one_of"),
        ("method.pass_mark", "out_of_range"),
        ("occupations[0].level", "invalid_level"),
        ("sessions[0].examiners[0]", "not_on_roster"),
        ("sessions[0].starts_at", "invalid_time"),
        ("sessions[0].supervisors", "too_few"),
        ("sessions[0].venue", "too_long"),
        ("title", "blank"),
    ]
    .iter()
    .map(|(f, c)| ((*f).to_owned(), (*c).to_owned()))
    .collect();
    assert_eq!(v, expected, "{}", a.text);
    let venue = a.body["errors"]
        .as_array()
        .and_then(|e| e.iter().find(|x| x["field"] == "sessions[0].venue"))
        .expect("venue");
    assert!(venue["message"].as_str().expect("message").contains("200"), "{venue}");
    assert_eq!(s.app.count("plans").await, plans, "nothing is written");

    // A wrong ID number is named by its field, never shown.
    let plan = new_plan(&s, "2026-12-15").await;
    let mut bad = candidate(1);
    let number = "50010120080301100Y";
    bad["id_number"] = json!(number);
    bad["phone"] = json!("call me");
    let a = s
        .app
        .json(Method::POST, &format!("/api/v1/plans/{plan}/candidates"), Some(&s.school.token), &bad)
        .await;
    let mut v = a.violations();
    v.sort();
    assert_eq!(
        v,
        [
            ("id_number".to_owned(), "invalid_resident_id".to_owned()),
            ("phone".to_owned(), "invalid_phone".to_owned())
        ],
        "{}",
        a.text
    );
    assert!(!a.text.contains(number) && !a.text.contains("call me"), "{}", a.text);
}
