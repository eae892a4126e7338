//! The audit log (R33): every state change leaves one event, written with the change.

#![allow(clippy::expect_used, reason = "test code: a failed setup step should fail the test loudly")]

use reqwest::Method;
use serde_json::json;
use tests::TestApp;

#[tokio::test]
async fn r33_state_changes_leave_events_that_can_be_filtered() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let user = app.create_user(&admin, "he.ping", "district", Some("500103")).await;
    let id = user["id"].as_str().expect("id");

    let a = app.get(&format!("/api/v1/audit-events?target_type=user&target_id={id}"), Some(&admin)).await;
    assert_eq!(a.status.as_u16(), 200, "{}", a.text);
    assert_eq!(a.body["total"], 1);
    let e = &a.body["items"][0];
    assert_eq!(e["action"], "user.created");
    assert_eq!(e["actor"]["username"], "admin");
    assert_eq!(e["actor"]["role"], "bureau");
    assert_eq!(e["summary"]["district_code"], "500103");
    assert!(e["request_id"].as_str().is_some_and(|r| !r.is_empty()));
    let text = a.text.to_lowercase();
    assert!(
        !text.contains("password\":\"a-long") && !text.contains("argon2"),
        "no secrets in events: {}",
        a.text
    );

    // Bootstrap and sign-ins are events too.
    let a = app.get("/api/v1/audit-events?action=user.bootstrapped", Some(&admin)).await;
    assert_eq!(a.body["total"], 1);
    let a = app.get("/api/v1/audit-events?action=auth.login&per_page=1", Some(&admin)).await;
    assert!(a.body["total"].as_u64().expect("total") >= 1);
    assert_eq!(a.body["items"].as_array().expect("items").len(), 1);

    // Time filters and bad filters.
    let a =
        app.get("/api/v1/audit-events?from=2000-01-01T00:00:00Z&to=2000-01-02T00:00:00Z", Some(&admin)).await;
    assert_eq!(a.body["total"], 0);
    let a = app.get("/api/v1/audit-events?from=yesterday&actor_id=nope", Some(&admin)).await;
    a.problem(400, "invalid_query");
    let mut v = a.violations();
    v.sort();
    assert_eq!(
        v,
        [
            ("actor_id".to_owned(), "invalid_uuid".to_owned()),
            ("from".to_owned(), "invalid_timestamp".to_owned())
        ]
    );
}

#[tokio::test]
async fn bureau_and_centre_read_the_log_others_may_not() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    app.create_user(&admin, "centre.1", "centre", None).await;
    app.create_user(&admin, "expert.1", "expert", None).await;
    let centre = app.login("centre.1", "a-long-password-1").await;
    let expert = app.login("expert.1", "a-long-password-1").await;
    assert_eq!(app.get("/api/v1/audit-events", Some(&centre)).await.status.as_u16(), 200);
    app.get("/api/v1/audit-events", Some(&expert)).await.problem(403, "forbidden");
    app.get("/api/v1/audit-events", None).await.problem(401, "unauthenticated");
    // A failed sign-in of a known account is recorded, with no password in it.
    app.json(
        Method::POST,
        "/api/v1/auth/login",
        None,
        &json!({"username": "expert.1", "password": "guess-guess-1"}),
    )
    .await;
    let a = app.get("/api/v1/audit-events?action=auth.login_failed", Some(&admin)).await;
    assert_eq!(a.body["total"], 1);
    assert!(!a.text.contains("guess-guess-1"));
}

// R33: the log is a hash chain the database keeps append-only; a removed event is found.
#[tokio::test]
async fn r33_the_audit_chain_verifies_and_names_the_first_broken_link() {
    use persistence::sea_orm::{ConnectionTrait, Statement};
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    for i in 0..3 {
        app.create_user(&admin, &format!("chain.{i}"), "expert", None).await;
    }
    let a = app.get("/api/v1/audit-events/verify", Some(&admin)).await;
    assert_eq!(a.status.as_u16(), 200, "{}", a.text);
    assert_eq!(a.body["intact"], true, "{}", a.text);
    let total = app.count("audit_events").await;
    assert_eq!(a.body["checked"], total);
    assert_eq!(a.body["head_count"], total);

    // The database refuses to change or remove an event.
    let db = &app.state.db;
    let backend = db.get_database_backend();
    let exec = |sql: &str| db.execute_raw(Statement::from_string(backend, sql.to_owned()));
    assert!(exec("UPDATE audit_events SET action = 'x'").await.is_err());
    assert!(exec("DELETE FROM audit_events").await.is_err());

    // With the guard dropped (as an intruder with database rights could), a removed event is
    // found at the event after it.
    let drop = if backend == persistence::DbBackend::Postgres {
        "DROP TRIGGER audit_events_append_only ON audit_events"
    } else {
        "DROP TRIGGER audit_events_no_delete"
    };
    exec(drop).await.expect("drop trigger");
    let seqs = app.get("/api/v1/audit-events?per_page=100&action=user.created", Some(&admin)).await;
    let middle = seqs.body["items"][1]["seq"].as_i64().expect("seq");
    exec(&format!("DELETE FROM audit_events WHERE seq = {middle}")).await.expect("delete");
    let a = app.get("/api/v1/audit-events/verify", Some(&admin)).await;
    assert_eq!(a.body["intact"], false);
    assert_eq!(a.body["first_broken"]["problem"], "link");
    assert!(a.body["first_broken"]["seq"].as_i64().expect("seq") > middle);

    // A signed checkpoint can be kept outside and checked with the published key.
    use base64::Engine as _;
    use ed25519_dalek::Verifier as _;
    let c = app.get("/api/v1/audit-events/checkpoint", Some(&admin)).await;
    let keys = app.get("/.well-known/skillcert-keys.json", None).await;
    let public = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(keys.body["keys"][0]["public_key"].as_str().expect("key"))
        .expect("b64");
    let key = ed25519_dalek::VerifyingKey::from_bytes(&public.try_into().expect("32")).expect("key");
    let at = chrono::DateTime::parse_from_rfc3339(c.body["at"].as_str().expect("at"))
        .expect("time")
        .with_timezone(&chrono::Utc);
    let text = format!(
        "skillcert-audit-checkpoint-v1\n{}\n{}\n{}",
        c.body["head_hash"].as_str().expect("head"),
        c.body["count"],
        at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
    );
    let sig = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(c.body["signature"].as_str().expect("sig"))
        .expect("b64");
    assert!(
        key.verify(text.as_bytes(), &ed25519_dalek::Signature::from_bytes(&sig.try_into().expect("64")))
            .is_ok()
    );
}
