//! Issue 22, point 10: the database keeps the records honest on its own. Each case is tried by
//! direct SQL, as someone with database rights (or an injection) could, on SQLite and PostgreSQL.

#![allow(clippy::expect_used, reason = "test code: a failed setup step should fail the test loudly")]

use persistence::DbBackend;
use persistence::sea_orm::{ConnectionTrait, Statement};
use reqwest::Method;
use serde_json::json;
use tests::pipeline::setup;

#[tokio::test]
async fn a_cancelled_institution_stays_cancelled_and_retired_codes_are_never_taken() {
    let s = setup("2026-11-02").await;
    let db = &s.app.state.db;
    let backend = db.get_database_backend();
    let exec = |sql: String| db.execute_raw(Statement::from_string(backend, sql));
    // Cancel the institution through the API.
    let id = &s.institution;
    let current = s.app.get(&format!("/api/v1/institutions/{id}"), Some(&s.admin)).await;
    let code = current.body["code"].as_str().expect("code").to_owned();
    let a = s
        .app
        .send(
            s.app
                .request(Method::POST, &format!("/api/v1/institutions/{id}/cancel"))
                .bearer_auth(&s.admin)
                .json(&json!({"reason": "主动注销"})),
        )
        .await;
    assert_eq!(a.status.as_u16(), 200, "{}", a.text);
    // Made active again by an UPDATE: refused.
    let r = exec(format!("UPDATE institutions SET status = 'active' WHERE code = '{code}'")).await;
    assert!(r.is_err(), "a cancelled institution made active by SQL: {r:?}");
    // Its code retired (as the lifecycle does on cancellation), then taken by another row.
    exec(format!("UPDATE institution_codes SET retired_at = '2026-11-03T00:00:00Z', retired_reason = 'cancelled' WHERE code = '{code}' AND retired_at IS NULL"))
        .await
        .expect("retire");
    // Move the cancelled row to a fresh code, so that only the guard stands between the retired
    // code and a new row (the unique constraint on codes no longer does).
    exec("INSERT INTO institution_codes (code, serial, assigned_at) VALUES ('S000050000099', 99, '2026-11-03T00:00:00Z')".to_owned())
        .await
        .expect("a fresh code");
    exec(format!("UPDATE institutions SET code = 'S000050000099' WHERE code = '{code}'"))
        .await
        .expect("moved");
    s.app.school(&s.admin, 2, "technical_school", "500101").await;
    let other = tests::credit_code(2);
    // A new row for the other school (its id as the row's id, to stay clear of UUID literals).
    let insert = format!(
        "INSERT INTO institutions (id, code, school_id, name, credit_code, registered_address, office_address, \
         legal_representative, district_code, status, valid_from, valid_until, filing_id, bureau_opinion, decided_on, \
         version, created_at, updated_at) \
         SELECT o.id, '{code}', o.id, i.name, o.credit_code, i.registered_address, i.office_address, i.legal_representative, \
         i.district_code, 'active', i.valid_from, i.valid_until, i.filing_id, i.bureau_opinion, i.decided_on, 1, \
         i.created_at, i.updated_at FROM institutions i, schools o WHERE i.code = 'S000050000099' AND o.credit_code = '{other}'"
    );
    assert!(exec(insert).await.is_err(), "a new row took a retired code");
    // The SELECT finds the row: without the guard the insert would have gone through.
    let found = db
        .query_one_raw(Statement::from_string(
            backend,
            format!("SELECT count(*) AS n FROM institutions i, schools o WHERE i.code = 'S000050000099' AND o.credit_code = '{other}'"),
        ))
        .await
        .expect("count")
        .expect("row");
    assert_eq!(found.try_get::<i64>("", "n").expect("n"), 1);
}

#[tokio::test]
async fn the_audit_chain_refuses_forged_events_and_its_check_sees_lost_ones() {
    let app = tests::TestApp::spawn().await;
    let admin = app.admin_token().await;
    for i in 0..5 {
        app.create_user(&admin, &format!("chain.{i}"), "expert", None).await;
    }
    let db = &app.state.db;
    let backend = db.get_database_backend();
    let exec = |sql: &str| db.execute_raw(Statement::from_string(backend, sql.to_owned()));
    let now = "'2026-12-01T00:00:00Z'";
    // An event without hashes.
    let bare = format!(
        "INSERT INTO audit_events (id, occurred_at, request_id, action, target_type, target_id, summary) \
         VALUES ('{}', {now}, 'forged', 'user.created', 'user', 'x', '{{}}')",
        uuid::Uuid::now_v7()
    );
    assert!(exec(&bare).await.is_err(), "an event without hashes was inserted");
    // A back-dated one, in the place of an early event, with made-up hashes.
    let head: String = {
        let row = db
            .query_one_raw(Statement::from_string(
                backend,
                "SELECT hash FROM audit_head WHERE id = 1".to_owned(),
            ))
            .await
            .expect("read")
            .expect("head");
        row.try_get("", "hash").expect("hash")
    };
    let backdated = format!(
        "INSERT INTO audit_events (seq, id, occurred_at, request_id, action, target_type, target_id, summary, prev_hash, hash) \
         VALUES (1, '{}', '2020-01-01T00:00:00Z', 'forged', 'user.created', 'user', 'x', '{{}}', '{head}', '{}')",
        uuid::Uuid::now_v7(),
        "ab".repeat(32)
    );
    assert!(exec(&backdated).await.is_err(), "a back-dated event was inserted");
    // The head cannot be wound back to hide removed events.
    assert!(exec("UPDATE audit_head SET count = count - 3 WHERE id = 1").await.is_err());
    let a = app.get("/api/v1/audit-events/verify", Some(&admin)).await;
    assert_eq!(a.body["intact"], true, "{}", a.text);

    // With the delete guard dropped, the newest three events removed: the check says so.
    let drop = if backend == DbBackend::Postgres {
        "DROP TRIGGER audit_events_append_only ON audit_events"
    } else {
        "DROP TRIGGER audit_events_no_delete"
    };
    exec(drop).await.expect("drop trigger");
    exec("DELETE FROM audit_events WHERE seq IN (SELECT seq FROM audit_events ORDER BY seq DESC LIMIT 3)")
        .await
        .expect("delete");
    let a = app.get("/api/v1/audit-events/verify", Some(&admin)).await;
    assert_eq!(a.body["intact"], false, "{}", a.text);
    assert_eq!(a.body["first_broken"]["problem"], "missing", "{}", a.text);
    assert_eq!(
        a.body["checked"].as_i64().expect("checked") + 3,
        a.body["head_count"].as_i64().expect("count")
    );
}

/// A chain emptied and its head wound back to zero, by someone who dropped every guard, would
/// check as intact against itself; the latest stored checkpoint still counts its events, and a
/// checkpoint whose signature was changed is reported too. Checkpoints are only appended.
#[tokio::test]
async fn the_chain_is_held_against_the_latest_stored_checkpoint() {
    let app = tests::TestApp::spawn().await;
    let admin = app.admin_token().await;
    for i in 0..3 {
        app.create_user(&admin, &format!("anchor.{i}"), "expert", None).await;
    }
    let db = &app.state.db;
    let backend = db.get_database_backend();
    let exec = |sql: &str| db.execute_raw(Statement::from_string(backend, sql.to_owned()));
    let before = app.get("/api/v1/audit-events/verify", Some(&admin)).await;
    let counted = before.body["head_count"].as_i64().expect("count");
    assert!(before.body["checkpoint"].is_null(), "no checkpoint yet: {}", before.text);

    let stored = app.json(Method::POST, "/api/v1/audit-events/checkpoints", Some(&admin), &json!({})).await;
    assert_eq!(stored.status.as_u16(), 201, "{}", stored.text);
    assert_eq!(stored.body["count"], counted, "it counts the events before its own");
    // Only the bureau stores one.
    app.create_user(&admin, "anchor.centre", "centre", None).await;
    let centre = app.login("anchor.centre", "a-long-password-1").await;
    let a = app.json(Method::POST, "/api/v1/audit-events/checkpoints", Some(&centre), &json!({})).await;
    a.problem(403, "forbidden");

    let a = app.get("/api/v1/audit-events/verify", Some(&admin)).await;
    assert_eq!(a.body["intact"], true, "{}", a.text);
    assert_eq!(a.body["checkpoint"]["count"], counted, "{}", a.text);

    // Checkpoints cannot be changed, removed, or placed beyond the chain.
    assert!(exec("UPDATE audit_checkpoints SET head_hash = 'x'").await.is_err());
    assert!(exec("DELETE FROM audit_checkpoints").await.is_err());
    let beyond = "INSERT INTO audit_checkpoints (count, head_hash, taken_at, kid, signature) \
                  VALUES (1000000, 'x', '2026-12-01T00:00:00Z', 'k', 's')";
    assert!(exec(beyond).await.is_err(), "a checkpoint beyond the head was stored");

    // Every guard dropped: the chain emptied and its head wound back to nothing.
    let drops: &[&str] = if backend == DbBackend::Postgres {
        &[
            "DROP TRIGGER audit_events_append_only ON audit_events",
            "DROP TRIGGER audit_head_guard ON audit_head",
            "DROP TRIGGER audit_checkpoints_guard ON audit_checkpoints",
        ]
    } else {
        &[
            "DROP TRIGGER audit_events_no_delete",
            "DROP TRIGGER audit_head_forward",
            "DROP TRIGGER audit_checkpoints_kept_update",
        ]
    };
    for d in drops {
        exec(d).await.expect("drop trigger");
    }
    exec("DELETE FROM audit_events").await.expect("empty the chain");
    exec("UPDATE audit_head SET count = 0, hash = '0000000000000000000000000000000000000000000000000000000000000000'")
        .await
        .expect("wind the head back");
    let a = app.get("/api/v1/audit-events/verify", Some(&admin)).await;
    assert_eq!(a.body["intact"], false, "an emptied chain checked as intact: {}", a.text);
    assert_eq!(a.body["first_broken"]["problem"], "checkpoint", "{}", a.text);
    assert_eq!(a.body["first_broken"]["seq"], counted, "{}", a.text);
}

/// The latest checkpoint's signature is checked with the published key it names.
#[tokio::test]
async fn a_checkpoint_with_a_changed_signature_is_reported() {
    let app = tests::TestApp::spawn().await;
    let admin = app.admin_token().await;
    let stored = app.json(Method::POST, "/api/v1/audit-events/checkpoints", Some(&admin), &json!({})).await;
    assert_eq!(stored.status.as_u16(), 201, "{}", stored.text);
    let db = &app.state.db;
    let backend = db.get_database_backend();
    let exec = |sql: &str| db.execute_raw(Statement::from_string(backend, sql.to_owned()));
    let drop = if backend == DbBackend::Postgres {
        "DROP TRIGGER audit_checkpoints_guard ON audit_checkpoints"
    } else {
        "DROP TRIGGER audit_checkpoints_kept_update"
    };
    exec(drop).await.expect("drop trigger");
    let forged = format!("UPDATE audit_checkpoints SET signature = '{}'", "A".repeat(86));
    exec(&forged).await.expect("forge");
    let a = app.get("/api/v1/audit-events/verify", Some(&admin)).await;
    assert_eq!(a.body["intact"], false, "{}", a.text);
    assert_eq!(a.body["first_broken"]["problem"], "signature", "{}", a.text);
}

/// A school has one live institution, whatever SQL is sent (before, only a SELECT before the
/// insert said so, and two concurrent decisions could both create one).
#[tokio::test]
async fn a_school_has_one_live_institution() {
    let s = setup("2026-11-02").await;
    let db = &s.app.state.db;
    let backend = db.get_database_backend();
    let exec = |sql: String| db.execute_raw(Statement::from_string(backend, sql));
    exec("INSERT INTO institution_codes (code, serial, assigned_at) VALUES ('S000050000098', 98, '2026-11-03T00:00:00Z')".to_owned())
        .await
        .expect("a fresh code");
    let current = s.app.get(&format!("/api/v1/institutions/{}", s.institution), Some(&s.admin)).await;
    let code = current.body["code"].as_str().expect("code").to_owned();
    let second = |status: &str| {
        format!(
            "INSERT INTO institutions (id, code, school_id, name, credit_code, registered_address, office_address, \
             legal_representative, district_code, status, valid_from, valid_until, filing_id, bureau_opinion, decided_on, \
             version, created_at, updated_at) \
             SELECT i.filing_id, 'S000050000098', i.school_id, i.name, i.credit_code, i.registered_address, i.office_address, \
             i.legal_representative, i.district_code, '{status}', i.valid_from, i.valid_until, i.filing_id, i.bureau_opinion, \
             i.decided_on, 1, i.created_at, i.updated_at FROM institutions i WHERE i.code = '{code}'"
        )
    };
    let r = exec(second("active")).await;
    assert!(r.is_err(), "a second live institution for one school: {r:?}");
    // (The SELECT finds the row: only the index refused it.)
    assert_eq!(s.app.count(&format!("institutions WHERE code = '{code}'")).await, 1);
    let r = exec(second("suspended")).await;
    assert!(r.is_err(), "a second (suspended) live institution for one school: {r:?}");
    // A cancelled one beside the live one is history, and allowed.
    exec(second("cancelled")).await.expect("a cancelled institution of the same school");
}
