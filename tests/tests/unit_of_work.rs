//! Issue 23: the unit of work (`api::use_case::Change`) commits a change with its audit events
//! after its rows, and rolls back both when the change fails.

#![allow(clippy::expect_used, reason = "test code: a failed setup step should fail the test loudly")]

use api::error::ApiError;
use api::use_case;
use persistence::repo::audit::Actor;
use tests::TestApp;

#[tokio::test]
async fn a_change_commits_its_rows_and_audit_events_together_or_neither() {
    let app = TestApp::spawn().await;
    let events = app.count("audit_events").await;
    let users = app.count("users").await;
    let account = || use_case::users::NewAccount {
        username: "uow.one".into(),
        display_name: "uow".into(),
        role: domain::Role::Expert,
        district_code: None,
        school_id: None,
        password_hash: "not-a-hash".into(),
    };

    // Fails after writing a row and recording an event: nothing stays.
    let failed = use_case::run(&app.state, Actor::system(), async |change| {
        use_case::users::open(change, account()).await?;
        change.record("test.recorded", ("test", "1".into()), serde_json::json!({}));
        Err::<(), _>(ApiError::not_found())
    })
    .await;
    assert!(failed.is_err());
    assert_eq!(app.count("users").await, users, "the row was rolled back");
    assert_eq!(app.count("audit_events").await, events, "the audit events were rolled back");

    // Succeeds: the row and both events, the events after the row, in order, by the actor.
    let created = use_case::run(&app.state, Actor::system(), async |change| {
        let u = use_case::users::open(change, account()).await?;
        change.record("test.recorded", ("test", "2".into()), serde_json::json!({}));
        Ok(u)
    })
    .await
    .expect("committed");
    assert_eq!(app.count("users").await, users + 1);
    assert_eq!(app.count("audit_events").await, events + 2);
    let admin = app.admin_token().await;
    let a = app
        .get(&format!("/api/v1/audit-events?action=user.created&target_id={}", created.id), Some(&admin))
        .await;
    let items = a.body["items"].as_array().expect("items");
    assert_eq!(items.len(), 1, "{}", a.text);
    assert_eq!(items[0]["actor"]["username"], "system");
    let recorded = app.get("/api/v1/audit-events?action=test.recorded", Some(&admin)).await;
    let items = recorded.body["items"].as_array().expect("items");
    assert_eq!(items.len(), 1, "only the committed change's event: {}", recorded.text);
    assert_eq!(items[0]["target_id"], "2");
    assert!(items[0]["seq"].as_i64() > a.body["items"][0]["seq"].as_i64(), "recorded in order");
    // The chain still verifies with the events the unit of work appended.
    let v = app.get("/api/v1/audit-events/verify", Some(&admin)).await;
    assert_eq!(v.body["intact"], true, "{}", v.text);
}
