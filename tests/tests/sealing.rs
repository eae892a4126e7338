//! Resident ID numbers at rest (issue 26, point 8): sealed with the data key in every table and
//! stored answer, hashed for lookups, masked for answers; opened only for those who may see them;
//! numbers left in clear by the migration sealed at start-up; a rotated seal key re-seals, a
//! changed lookup key re-hashes; a key that cannot open what is stored stops the start.

#![allow(clippy::expect_used, reason = "test code: a failed setup step should fail the test loudly")]

use persistence::ConnectionTrait;
use persistence::sea_orm::Statement;
use persistence::sealed::DataKey;
use reqwest::Method;
use serde_json::json;
use tests::TestApp;
use tests::pipeline::*;

/// Every stored text of the database, for looking for numbers in clear: every row of every table
/// on PostgreSQL; the database file and its write-ahead log on SQLite (every page, so also what
/// an index or a freed page holds).
async fn everything_stored(app: &TestApp) -> String {
    let db = &app.state.db;
    let backend = db.get_database_backend();
    if backend == persistence::DbBackend::Postgres {
        let tables = db
            .query_all_raw(Statement::from_string(
                backend,
                "SELECT table_name::text AS t FROM information_schema.tables WHERE table_schema = 'public'",
            ))
            .await
            .expect("tables");
        let mut out = String::new();
        for t in tables {
            let name: String = t.try_get("", "t").expect("name");
            let rows = db
                .query_all_raw(Statement::from_string(
                    backend,
                    format!("SELECT x::text AS r FROM \"{name}\" x"),
                ))
                .await
                .expect("rows");
            for r in rows {
                out.push_str(&r.try_get::<String>("", "r").expect("row"));
                out.push('\n');
            }
        }
        out
    } else {
        db.execute_unprepared("PRAGMA wal_checkpoint(PASSIVE)").await.expect("checkpoint");
        let url = &app.db.as_ref().expect("own database").url;
        let path = url.trim_start_matches("sqlite://").split('?').next().expect("path").to_owned();
        let mut bytes = std::fs::read(&path).expect("database file");
        bytes.extend(std::fs::read(format!("{path}-wal")).unwrap_or_default());
        String::from_utf8_lossy(&bytes).into_owned()
    }
}

async fn texts(app: &TestApp, sql: &str) -> Vec<Vec<Option<String>>> {
    let db = &app.state.db;
    let rows = db.query_all_raw(Statement::from_string(db.get_database_backend(), sql)).await.expect("query");
    rows.iter()
        .map(|r| (0..3).map(|k| r.try_get_by_index::<Option<String>>(k).unwrap_or(None)).collect())
        .collect()
}

async fn run(app: &TestApp, sql: &str) {
    let db = &app.state.db;
    db.execute_raw(Statement::from_string(db.get_database_backend(), sql)).await.expect(sql);
}

/// The full ID numbers of a plan's candidates, by candidate id, as the school sees them.
async fn numbers(app: &TestApp, plan: &str, token: &str) -> Vec<(String, String)> {
    let a = app.get(&format!("/api/v1/plans/{plan}/candidates"), Some(token)).await;
    assert_eq!(a.status.as_u16(), 200, "{}", a.text);
    a.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|c| (c["id"].as_str().expect("id").to_owned(), c["id_number"].as_str().expect("n").to_owned()))
        .collect()
}

async fn certificate_numbers(app: &TestApp, plan: &str, token: &str) -> Vec<(String, String)> {
    let a = app.get(&format!("/api/v1/plans/{plan}/certificates"), Some(token)).await;
    assert_eq!(a.status.as_u16(), 200, "{}", a.text);
    let mut v: Vec<(String, String)> = a.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|c| {
            (c["code"].as_str().expect("code").to_owned(), c["id_number"].as_str().expect("n").to_owned())
        })
        .collect();
    v.sort();
    v
}

fn key_of(app: &TestApp) -> (std::path::PathBuf, String) {
    let path = app.data_dir.join("keys").join("data-key.txt");
    let text = std::fs::read_to_string(&path).expect("the data key was generated on first start");
    (path, text)
}

// Issued certificates, their candidates, a registered examiner, the outbox events for the
// national platform, an idempotent answer and a filing application's people: none holds a number
// in clear; each stored number is
// sealed under seal key 1, hashed under the lookup key and masked; the school still reads its
// candidates' and certificates' numbers in full, a district office masked; a replayed answer
// shows the number it showed the first time.
#[tokio::test]
async fn resident_id_numbers_are_sealed_at_rest_and_opened_only_for_those_who_may_see_them() {
    let s = setup("2026-11-02").await;
    let draft = draft_plan(&s, 0).await;
    let plan = reviewed_plan(&s, 3).await;
    let school = s.app.login("school1", "a-long-password-1").await;
    let a = s
        .app
        .json(Method::POST, &format!("/api/v1/plans/{plan}/certificates"), Some(&school), &json!({}))
        .await;
    assert_eq!(a.status.as_u16(), 201, "{}", a.text);
    let listed = numbers(&s.app, &plan, &school).await;
    assert_eq!(listed.len(), 3);
    let certificates = certificate_numbers(&s.app, &plan, &school).await;
    let mut in_clear: Vec<String> = listed.iter().map(|(_, n)| n.clone()).collect();
    in_clear.sort();
    let mut issued: Vec<String> = certificates.iter().map(|(_, n)| n.clone()).collect();
    issued.sort();
    assert_eq!(issued, in_clear, "the certificates show the candidates' numbers in full");

    // A candidate added with an Idempotency-Key: its answer is kept, sealed, and replayed as sent.
    let add = || {
        s.app
            .request(Method::POST, &format!("/api/v1/plans/{draft}/candidates"))
            .bearer_auth(&school)
            .header("Idempotency-Key", "add-once")
            .json(&candidate(77))
    };
    let first = s.app.send(add()).await;
    assert_eq!(first.status.as_u16(), 201, "{}", first.text);
    let replayed = s.app.send(add()).await;
    assert_eq!(replayed.headers.get("Idempotency-Replayed").map(|v| v.to_str().unwrap_or("")), Some("true"));
    assert_eq!(replayed.body["id_number"], first.body["id_number"]);
    let added = first.body["id_number"].as_str().expect("full to the school").to_owned();
    assert_eq!(added, tests::resident_id(77 * 2 + 1));
    in_clear.push(added);

    // A registered examiner.
    let examiner = tests::resident_id(9_001);
    let admin = s.app.admin_token().await;
    let registrar = s.app.registrar(&admin).await;
    let a = s
        .app
        .json(
            Method::POST,
            "/api/v1/personnel",
            Some(&registrar),
            &json!({"kind": "quality_supervisor", "name": "督导甲", "id_number": examiner, "certificate_number": "QS-9001",
                    "valid_until": "2030-12-31", "employer": "重庆市职业技能鉴定指导中心"}),
        )
        .await;
    assert_eq!(a.status.as_u16(), 201, "{}", a.text);
    assert!(a.body["id_number"].as_str().expect("masked").contains("**"));
    in_clear.push(examiner.clone());

    // The people of the school's filing application (tests::complete_document).
    for n in [1, 2, 3, 10] {
        in_clear.push(tests::resident_id(n));
    }
    let stored = everything_stored(&s.app).await;
    for n in &in_clear {
        assert!(!stored.contains(n.as_str()), "{n} is stored in clear");
    }
    assert!(stored.contains("s1.1."), "the sealed values are there");

    // Each table: sealed under key 1, the lookup hash of the number, its masked form.
    let (_, text) = key_of(&s.app);
    let key = DataKey::parse(&text).expect("key file");
    for (table, sql) in [
        ("candidates", "SELECT id_sealed, id_hash, id_masked FROM candidates"),
        ("certificates", "SELECT id_sealed, id_hash, id_masked FROM certificates"),
        (
            "personnel",
            "SELECT id_sealed, id_hash, id_masked FROM personnel WHERE certificate_number = 'QS-9001'",
        ),
    ] {
        let rows = texts(&s.app, sql).await;
        assert!(!rows.is_empty(), "{table}");
        for r in rows {
            let sealed = r[0].as_deref().expect("sealed");
            assert!(sealed.starts_with("s1.1."), "{table}");
            let plain = key.open(sealed).expect("opens with the key file");
            assert!(in_clear.contains(&plain), "{table}");
            assert_eq!(r[1].as_deref(), Some(key.hash(&plain).as_str()), "{table}: the lookup hash");
            let masked = domain::ResidentId::parse(&plain).expect("valid").masked();
            assert_eq!(r[2].as_deref(), Some(masked.as_str()), "{table}: masked");
        }
    }
    // The outbox holds them sealed; the bureau reads an event as it is sent, in full.
    let events = s.app.get("/api/v1/outbox?event_type=certificates.issued", Some(&admin)).await;
    let id = events.body["items"][0]["id"].as_i64().expect("an issued event");
    let event = s.app.get(&format!("/api/v1/outbox/{id}"), Some(&admin)).await;
    let sent: Vec<String> = event.body["payload"]["certificates"]
        .as_array()
        .expect("certificates")
        .iter()
        .map(|c| c["id_number"].as_str().expect("n").to_owned())
        .collect();
    assert!(sent.iter().all(|n| listed.iter().any(|(_, m)| m == n)), "{sent:?}");

    // A district office: masked, never opened.
    s.app.create_user(&admin, "district.sealing", "district", Some("500101")).await;
    let district = s.app.login("district.sealing", "a-long-password-1").await;
    let seen = s.app.get(&format!("/api/v1/plans/{plan}/certificates"), Some(&district)).await;
    assert_eq!(seen.status.as_u16(), 200, "{}", seen.text);
    assert!(tests::personal_data(&seen.text).is_empty(), "{}", seen.text);
}

// Numbers left in clear by the migration are sealed by the next start, with the outbox events;
// a seal key added above the others re-seals everything under it; a new lookup key re-hashes;
// a key file that cannot open what is stored (another installation's, or one missing the seal
// key in use) stops the start before anything is written, naming SKILLCERT_DATA_KEY.
#[tokio::test]
async fn a_start_seals_numbers_left_in_clear_follows_a_rotation_and_refuses_a_foreign_key() {
    let s = setup("2026-11-02").await;
    let draft = draft_plan(&s, 0).await;
    let plan = reviewed_plan(&s, 2).await;
    let school = s.app.login("school1", "a-long-password-1").await;
    let a = s
        .app
        .json(Method::POST, &format!("/api/v1/plans/{plan}/certificates"), Some(&school), &json!({}))
        .await;
    assert_eq!(a.status.as_u16(), 201, "{}", a.text);
    let candidates = numbers(&s.app, &plan, &school).await;
    let certificates = certificate_numbers(&s.app, &plan, &school).await;
    let (_, key_text) = key_of(&s.app);

    // As migration 000030 leaves the rows written before it: the number in clear, no hash.
    for (id, n) in &candidates {
        let db = &s.app.state.db;
        let backend = db.get_database_backend();
        let sql = if backend == persistence::DbBackend::Postgres {
            "UPDATE candidates SET id_sealed = $1, id_hash = NULL, id_masked = NULL WHERE id = $2"
        } else {
            "UPDATE candidates SET id_sealed = ?, id_hash = NULL, id_masked = NULL WHERE id = ?"
        };
        let id: uuid::Uuid = id.parse().expect("uuid");
        let done = db
            .execute_raw(Statement::from_sql_and_values(backend, sql, [n.clone().into(), id.into()]))
            .await
            .expect("update");
        assert_eq!(done.rows_affected(), 1);
    }
    for (code, n) in &certificates {
        run(&s.app, &format!("UPDATE certificates SET id_sealed = '{n}', id_hash = NULL, id_masked = NULL, id_region = NULL WHERE code = '{code}'")).await;
    }
    for (id, mut payload) in
        persistence::repo::sealed::certificate_events(&s.app.state.db, 0, 100).await.expect("events")
    {
        api::use_case::data_key::open_payload(&s.app.state.data_key, &mut payload);
        persistence::repo::sealed::set_payload(&s.app.state.db, id, payload).await.expect("payload");
    }
    for (id, mut document) in
        persistence::repo::sealed::filing_documents(&s.app.state.db, None, 100).await.expect("filings")
    {
        api::views::mask::open_id_numbers(&mut document, &s.app.state.data_key);
        persistence::repo::sealed::set_filing_document(&s.app.state.db, id, document)
            .await
            .expect("document");
    }
    run(&s.app, "DELETE FROM data_key_state").await;
    let staff = tests::resident_id(1);
    let before = everything_stored(&s.app).await;
    assert!(before.contains(certificates[0].1.as_str()) && before.contains(staff.as_str()));

    let started = s.app.replica().await;
    let left = texts(
        &s.app,
        "SELECT id_sealed FROM candidates WHERE id_sealed NOT LIKE 's1.1.%' OR id_hash IS NULL \
         UNION ALL SELECT id_sealed FROM certificates WHERE id_sealed NOT LIKE 's1.1.%' OR id_hash IS NULL",
    )
    .await;
    assert!(left.is_empty(), "every number sealed at start");
    // Certificates issued before migration 000033 get the holder's registration district too.
    let regions = texts(&s.app, "SELECT code, id_region FROM certificates ORDER BY code").await;
    let expected: Vec<Vec<Option<String>>> =
        certificates.iter().map(|(c, n)| vec![Some(c.clone()), Some(n[..6].to_owned()), None]).collect();
    assert_eq!(regions, expected, "id_region filled at start");
    let documents = texts(&s.app, "SELECT CAST(document AS text) FROM filings").await;
    assert!(documents.iter().all(|r| r[0].as_deref().is_some_and(|d| d.contains("\"s1.1."))), "read as text");
    assert!(
        documents.iter().all(|r| !r[0].as_deref().unwrap_or("").contains(staff.as_str())),
        "filings sealed"
    );
    let outbox = texts(&s.app, "SELECT CAST(payload AS text) FROM outbox").await;
    for (_, n) in &certificates {
        assert!(outbox.iter().all(|r| !r[0].as_deref().unwrap_or("").contains(n.as_str())), "outbox: {n}");
    }
    let token = started.login("school1", "a-long-password-1").await;
    assert_eq!(certificate_numbers(&started, &plan, &token).await, certificates, "the same numbers, opened");
    let sealed_events =
        texts(&s.app, "SELECT action FROM audit_events WHERE action = 'data_key.sealed'").await;
    assert!(!sealed_events.is_empty(), "the sealing is audited");

    // Rotation: seal key 2 above key 1. Everything is re-sealed under it; the hashes stay.
    let hashes_before = texts(&s.app, "SELECT id_hash FROM certificates ORDER BY code").await;
    let rotated = s.app.data_dir.join("keys").join("data-key-rotated.txt");
    let fresh = DataKey::generate();
    let seal2 = fresh
        .lines()
        .find(|l| l.starts_with("seal 1 "))
        .expect("seal line")
        .replacen("seal 1 ", "seal 2 ", 1);
    let rotated_text = key_text.replacen("seal 1 ", &format!("{seal2}\nseal 1 "), 1);
    std::fs::write(&rotated, &rotated_text).expect("write");
    let r2 = s.app.replica_with(&[("SKILLCERT_DATA_KEY", rotated.to_str().expect("utf-8"))]).await;
    let not_2 = texts(
        &s.app,
        "SELECT id_sealed FROM candidates WHERE id_sealed NOT LIKE 's1.2.%' \
         UNION ALL SELECT id_sealed FROM certificates WHERE id_sealed NOT LIKE 's1.2.%' \
         UNION ALL SELECT id_sealed FROM personnel WHERE id_sealed NOT LIKE 's1.2.%'",
    )
    .await;
    assert!(not_2.is_empty(), "re-sealed under key 2");
    assert_eq!(texts(&s.app, "SELECT id_hash FROM certificates ORDER BY code").await, hashes_before);
    let token = r2.login("school1", "a-long-password-1").await;
    assert_eq!(certificate_numbers(&r2, &plan, &token).await, certificates);
    let outbox = texts(&s.app, "SELECT CAST(payload AS text) FROM outbox").await;
    assert!(
        outbox.iter().all(|r| !r[0].as_deref().unwrap_or("").contains("\"s1.1.")),
        "the outbox re-sealed too"
    );

    // A file without seal key 2 (the one in use): refused, nothing written.
    let without_2 = s.app.data_dir.join("keys").join("data-key-old.txt");
    std::fs::write(&without_2, &key_text).expect("write");
    let refused = s
        .app
        .try_replica_with(&[("SKILLCERT_DATA_KEY", without_2.to_str().expect("utf-8"))])
        .await
        .err()
        .expect("refused");
    assert!(refused.contains("SKILLCERT_DATA_KEY") && refused.contains("seal key 2"), "{refused}");
    // Another installation's key: refused before anything changes.
    let foreign = s.app.data_dir.join("keys").join("data-key-foreign.txt");
    std::fs::write(&foreign, DataKey::generate()).expect("write");
    let refused = s
        .app
        .try_replica_with(&[("SKILLCERT_DATA_KEY", foreign.to_str().expect("utf-8"))])
        .await
        .err()
        .expect("refused");
    assert!(refused.contains("SKILLCERT_DATA_KEY") && refused.contains("cannot open"), "{refused}");
    assert_eq!(texts(&s.app, "SELECT id_hash FROM certificates ORDER BY code").await, hashes_before);

    // A new lookup key (with the seal keys): every hash made again under it.
    let new_lookup = DataKey::generate();
    let lookup_line = new_lookup.lines().find(|l| l.starts_with("lookup ")).expect("lookup line");
    let relooked_text: String = rotated_text
        .lines()
        .map(|l| if l.starts_with("lookup ") { lookup_line } else { l })
        .collect::<Vec<_>>()
        .join("\n");
    let relooked = s.app.data_dir.join("keys").join("data-key-relooked.txt");
    std::fs::write(&relooked, &relooked_text).expect("write");
    let r3 = s.app.replica_with(&[("SKILLCERT_DATA_KEY", relooked.to_str().expect("utf-8"))]).await;
    let key3 = DataKey::parse(&relooked_text).expect("key");
    for r in texts(&s.app, "SELECT id_sealed, id_hash FROM certificates").await {
        let plain = key3.open(r[0].as_deref().expect("sealed")).expect("opens");
        assert_eq!(r[1].as_deref(), Some(key3.hash(&plain).as_str()), "re-hashed under the new lookup key");
    }
    // Lookups by the new hashes: the same person listed in another plan is shown holding the
    // certificate already (one valid certificate per person, occupation and level).
    let token = r3.login("school1", "a-long-password-1").await;
    let (_, number) = &candidates[0];
    let gender = domain::ResidentId::parse(number).expect("valid").gender().code();
    let mut body = candidate(1);
    body["id_number"] = json!(number);
    body["gender"] = json!(gender);
    let a = r3.json(Method::POST, &format!("/api/v1/plans/{draft}/candidates"), Some(&token), &body).await;
    assert_eq!(a.status.as_u16(), 201, "{}", a.text);
    let code = &certificates.iter().find(|(_, n)| n == number).expect("issued").0;
    assert_eq!(a.body["held_certificate"], json!(code), "{}", a.text);
}
