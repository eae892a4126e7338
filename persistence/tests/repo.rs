//! Repository tests on a fresh database: SQLite by default, PostgreSQL when
//! `TEST_DATABASE_URL=postgres://…` is set.

#![allow(clippy::expect_used, reason = "test code: a failed setup step should fail the test loudly")]

use chrono::{Duration, Utc};
use persistence::repo::{self, PageRequest, audit, user};
use persistence::test_support::TestDatabase;
use persistence::{Database, TransactionTrait};

async fn fresh() -> (TestDatabase, Database) {
    let t = TestDatabase::create().await.expect("test database");
    let db = persistence::connect(&t.url, 5).await.expect("connect and migrate");
    repo::district::load_reference(&db).await.expect("districts");
    (t, db)
}

fn new_user(name: &str, role: &str, district: Option<&str>) -> user::NewUser {
    user::NewUser {
        username: name.into(),
        display_name: name.into(),
        role: role.into(),
        district_code: district.map(str::to_owned),
        school_id: None,
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
    }
}

#[tokio::test]
async fn migrations_and_reference_data_load_once() {
    let (t, db) = fresh().await;
    // A second start applies nothing and loads no district twice.
    let again = persistence::connect(&t.url, 2).await.expect("reconnect");
    assert_eq!(repo::district::load_reference(&again).await.expect("reload"), 0);
    assert_eq!(repo::district::list(&db).await.expect("list").len(), 39);
}

#[tokio::test]
async fn a_taken_username_is_a_named_conflict() {
    let (_t, db) = fresh().await;
    let now = Utc::now();
    user::insert(&db, new_user("li.lei", "centre", None), now).await.expect("first");
    let err = user::insert(&db, new_user("li.lei", "expert", None), now).await.expect_err("second");
    assert!(err.is_conflict(user::USERNAME_TAKEN), "{err:?}");
    assert!(
        user::insert_if_absent(&db, new_user("li.lei", "expert", None), now)
            .await
            .expect("no error")
            .is_none()
    );
}

// R38: the database itself refuses a district account without a district, and a binding for
// another role.
#[tokio::test]
async fn r38_the_database_enforces_district_bindings() {
    let (_t, db) = fresh().await;
    let now = Utc::now();
    assert!(user::insert(&db, new_user("d1", "district", None), now).await.is_err());
    assert!(user::insert(&db, new_user("c1", "centre", Some("500103")), now).await.is_err());
    assert!(user::insert(&db, new_user("d2", "district", Some("999999")), now).await.is_err());
    assert!(user::insert(&db, new_user("d3", "district", Some("500157")), now).await.is_ok());
}

#[tokio::test]
async fn concurrent_failed_sign_ins_are_all_counted_and_forgotten_after_a_day() {
    let (_t, db) = fresh().await;
    let now = Utc::now();
    let day_ago = now - Duration::hours(24);
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let db = db.clone();
        tasks.push(tokio::spawn(async move {
            let tx = persistence::begin_write(&db).await.expect("tx");
            let n = repo::throttle::record_failure(&tx, "user:admin@203.0.113.9", now, day_ago)
                .await
                .expect("count");
            tx.commit().await.expect("commit");
            n
        }));
    }
    let mut counts = Vec::new();
    for t in tasks {
        counts.push(t.await.expect("task"));
    }
    counts.sort_unstable();
    assert_eq!(counts, (1..=8).collect::<Vec<i32>>(), "each failure counted once");
    repo::throttle::block(&db, "user:admin@203.0.113.9", now + Duration::seconds(30)).await.expect("block");
    let keys = ["user:admin@203.0.113.9".to_owned(), "address:203.0.113.9".to_owned()];
    let until = repo::throttle::blocked_until(&db, &keys, now).await.expect("read");
    assert!(until.is_some_and(|t| (t - now - Duration::seconds(30)).num_milliseconds().abs() < 5));
    // A day later the count starts again, and the key is purged.
    let later = now + Duration::hours(25);
    assert_eq!(repo::throttle::purge(&db, later - Duration::hours(24)).await.expect("purge"), 1);
    assert_eq!(repo::throttle::blocked_until(&db, &keys, now).await.expect("read"), None);
}

fn event(target: &str) -> audit::NewEvent {
    audit::NewEvent {
        occurred_at: Utc::now(),
        request_id: "r1".into(),
        actor: audit::Actor::system(),
        action: "test.done",
        target_type: "thing",
        target_id: target.into(),
        summary: serde_json::json!({"k": "v"}),
    }
}

#[tokio::test]
async fn an_audit_event_rolls_back_with_its_transaction() {
    let (_t, db) = fresh().await;
    let tx = db.begin().await.expect("tx");
    audit::append(&tx, event("kept")).await.expect("append");
    tx.commit().await.expect("commit");
    let tx = db.begin().await.expect("tx");
    audit::append(&tx, event("dropped")).await.expect("append");
    tx.rollback().await.expect("rollback");

    let page = PageRequest { page: 1, per_page: 10, sort: None };
    let all = audit::list(&db, &audit::Filter::default(), page).await.expect("list");
    assert_eq!(all.total, 1);
    assert_eq!(all.items[0].target_id, "kept");
    assert_eq!(all.items[0].summary, serde_json::json!({"k": "v"}));
    let filtered =
        audit::list(&db, &audit::Filter { target_id: Some("dropped".into()), ..Default::default() }, page)
            .await
            .expect("list");
    assert_eq!(filtered.total, 0);
    // The backend really is the one the environment asked for.
    let backend = sea_orm::ConnectionTrait::get_database_backend(&db);
    assert_eq!(backend == persistence::DbBackend::Postgres, std::env::var("TEST_DATABASE_URL").is_ok());
}

#[tokio::test]
async fn rate_limit_counts_add_up_per_window_and_start_over_with_the_next() {
    use repo::limits::{Increment, add};
    let (_t, db) = fresh().await;
    let w = chrono::DateTime::from_timestamp(1_800_000_000, 0).expect("time");
    let inc = |key: &str, window_start, delta| Increment { key: key.into(), window_start, delta };
    let counts = |totals: Vec<repo::limits::Total>| {
        let mut v: Vec<(String, i64)> = totals.into_iter().map(|t| (t.key, t.count)).collect();
        v.sort();
        v
    };
    let first = add(&db, &[inc("k", w, 3), inc("other", w, 1)]).await.expect("add");
    assert_eq!(counts(first), [("k".to_owned(), 3), ("other".to_owned(), 1)]);
    // Another replica's counts for the same window add up.
    assert_eq!(counts(add(&db, &[inc("k", w, 2)]).await.expect("add")), [("k".to_owned(), 5)]);
    // The next window starts over; a late increment for the earlier one changes nothing.
    let next = w + Duration::seconds(60);
    assert_eq!(counts(add(&db, &[inc("k", next, 1)]).await.expect("add")), [("k".to_owned(), 1)]);
    let late = add(&db, &[inc("k", w, 4)]).await.expect("add");
    assert_eq!((late[0].count, late[0].window_start), (1, next));
    assert!(add(&db, &[]).await.expect("nothing").is_empty());
}

// R27: two separate pools (as two server processes would have) allocate certificate serials for
// the same institution and year at once: every serial exactly once, no gap.
#[tokio::test]
async fn r27_concurrent_allocation_from_two_pools_is_gapless_and_unique() {
    use sea_orm::{ConnectionTrait, Statement};
    let (t, db) = fresh().await;
    let other = persistence::connect(&t.url, 5).await.expect("second pool");
    let now = Utc::now();
    // A minimal institution row to hang the counter on.
    let backend = db.get_database_backend();
    let school = uuid::Uuid::now_v7();
    let filing = uuid::Uuid::now_v7();
    let inst = uuid::Uuid::now_v7();
    let ts = now.to_rfc3339();
    let q = |sql: String| Statement::from_string(backend, sql);
    let uuid_lit = |u: uuid::Uuid| {
        if backend == sea_orm::DbBackend::Postgres { format!("'{u}'") } else { format!("X'{}'", u.simple()) }
    };
    for sql in [
        format!(
            "INSERT INTO schools (id, name, school_type, credit_code, needs_manual_review, district_code, registered_address, office_address, legal_representative, version, created_at, updated_at) VALUES ({}, 's', 'technical_school', 'c', false, '500101', 'a', 'a', 'l', 1, '{ts}', '{ts}')",
            uuid_lit(school)
        ),
        format!(
            "INSERT INTO filings (id, school_id, kind, status, round, document, version, created_at, updated_at) VALUES ({}, {}, 'initial', 'approved', 1, '{{}}', 1, '{ts}', '{ts}')",
            uuid_lit(filing),
            uuid_lit(school)
        ),
        format!(
            "INSERT INTO institution_codes (code, serial, assigned_at) VALUES ('S000050000001', 1, '{ts}')"
        ),
        format!(
            "INSERT INTO institutions (id, code, school_id, name, credit_code, registered_address, office_address, legal_representative, district_code, status, valid_from, valid_until, filing_id, bureau_opinion, decided_on, version, created_at, updated_at) VALUES ({}, 'S000050000001', {}, 'n', 'c', 'a', 'a', 'l', '500101', 'active', '2026-01-01', '2028-01-01', {}, 'ok', '2026-01-01', 1, '{ts}', '{ts}')",
            uuid_lit(inst),
            uuid_lit(school),
            uuid_lit(filing)
        ),
    ] {
        db.execute_raw(q(sql)).await.expect("fixture");
    }
    let mut tasks = Vec::new();
    for k in 0..16 {
        let pool = if k % 2 == 0 { db.clone() } else { other.clone() };
        tasks.push(tokio::spawn(async move {
            let mut got = Vec::new();
            for _ in 0..10 {
                let tx = persistence::begin_write(&pool).await.expect("tx");
                let first = persistence::repo::certificate::allocate(&tx, inst, 2026, 100)
                    .await
                    .expect("allocate")
                    .expect("room");
                tx.commit().await.expect("commit");
                got.push(first);
            }
            got
        }));
    }
    let mut firsts = Vec::new();
    for t in tasks {
        firsts.extend(t.await.expect("task"));
    }
    firsts.sort_unstable();
    let expected: Vec<i32> = (0..160).map(|k| 1 + k * 100).collect();
    assert_eq!(firsts, expected, "16,000 serials in batches of 100, each batch once, no gap");
}

/// A certificate row of serial `serial` whose institution, plan and candidate exist nowhere.
fn certificate(serial: i32, now: chrono::DateTime<Utc>) -> persistence::entity::certificate::Model {
    persistence::entity::certificate::Model {
        id: uuid::Uuid::now_v7(),
        code: format!("S00005000000120264{serial:06}"),
        institution_id: uuid::Uuid::now_v7(),
        plan_id: uuid::Uuid::now_v7(),
        candidate_id: uuid::Uuid::now_v7(),
        issue_year: 2026,
        serial,
        holder_name: "王小明".into(),
        gender: "male".into(),
        // One person per certificate (one valid certificate per person, occupation and level).
        id_sealed: format!("s1.1.test{serial:04}"),
        id_hash: Some(format!("hash{serial:04}")),
        id_masked: Some("11**************01".into()),
        id_region: Some("110105".into()),
        occupation_code: "6-18-01-01".into(),
        occupation_name: "车工".into(),
        work_type: String::new(),
        level: "4".into(),
        institution_name: "n".into(),
        issue_date: now.date_naive(),
        photo_key: None,
        status: "valid".into(),
        revoked_reason: None,
        revoked_at: None,
        supersedes_id: None,
        verify_token: format!("token-{serial}"),
        key_id: "k".into(),
        signature: "s".into(),
        created_at: now,
        revoked_by: None,
        revocation_ordered_by: None,
        revocation_inspection_task_id: None,
        revocation_complaint_id: None,
    }
}

#[tokio::test]
async fn a_certificate_of_an_unknown_institution_plan_or_candidate_is_refused() {
    // SQLite checks these references with foreign keys; PostgreSQL with one set-based check per
    // statement (migration 14), written or updated.
    let (_t, db) = fresh().await;
    let now = Utc::now();
    let certificate = |serial: i32| certificate(serial, now);
    let tx = persistence::begin_write(&db).await.expect("tx");
    let refused = repo::certificate::insert(&tx, &[certificate(1), certificate(2)]).await;
    let message = refused.err().map(|e| e.to_string()).unwrap_or_default();
    assert!(
        message.contains("FOREIGN KEY constraint failed")
            || message.contains("certificate of an unknown institution"),
        "a certificate pointing nowhere was written, or refused for another reason: {message}"
    );
    drop(tx);
    let code = certificate(1).code;
    assert!(repo::certificate::by_code(&db, &code).await.expect("read").is_none());
}

#[tokio::test]
async fn a_candidate_of_an_unknown_plan_is_refused() {
    // SQLite: a foreign key; PostgreSQL: one set-based check per statement (migration 15).
    let (_t, db) = fresh().await;
    let candidate = persistence::entity::candidate::Model {
        id: uuid::Uuid::now_v7(),
        plan_id: uuid::Uuid::now_v7(),
        name: "王小明".into(),
        gender: "male".into(),
        id_sealed: "s1.1.test".into(),
        id_hash: Some("hash".into()),
        id_masked: Some("11**************1X".into()),
        school_name: "s".into(),
        own_school: true,
        major: "m".into(),
        class_name: "c".into(),
        full_time_confirmed: true,
        consent_recorded: true,
        phone: None,
        occupation_code: "6-18-01-01".into(),
        work_type: String::new(),
        level: "4".into(),
        created_at: Utc::now(),
        photo_key: None,
        photo_media_type: None,
        photo_sha256: None,
        review_status: "pending".into(),
        review_note: None,
        withdrawn_at: None,
        withdrawal_reason: None,
        withdrawn_by: None,
        school_id: None,
        student_number: "2024000001".into(),
    };
    let refused = repo::plan::insert_candidates(&db, vec![candidate]).await;
    let message = refused.err().map(|e| e.to_string()).unwrap_or_default();
    assert!(
        message.contains("FOREIGN KEY constraint failed") || message.contains("candidate of an unknown plan"),
        "a candidate of no plan was written, or refused for another reason: {message}"
    );
}

#[tokio::test]
async fn certificates_are_written_and_read_back_as_they_were_with_and_without_their_optional_values() {
    // The insert sends one array per column on PostgreSQL (NULLs as presence flags) and a
    // multi-row statement on SQLite: every column must come back where it was put. The reference
    // checks are held off inside this transaction, which is rolled back.
    let (_t, db) = fresh().await;
    let now = Utc::now();
    let rows: Vec<persistence::entity::certificate::Model> = (1..=3)
        .map(|serial: i32| persistence::entity::certificate::Model {
            holder_name: format!("王小明{serial}"),
            gender: if serial % 2 == 0 { "female" } else { "male" }.into(),
            occupation_code: format!("6-18-01-0{serial}"),
            occupation_name: format!("车工{serial}"),
            work_type: if serial == 2 { "——".into() } else { String::new() },
            level: serial.to_string(),
            institution_name: "重庆市第1技工学校".into(),
            issue_date: now.date_naive() - Duration::days(i64::from(serial)),
            photo_key: (serial != 1).then(|| format!("photos/{serial}.jpg")),
            status: if serial == 3 { "revoked" } else { "valid" }.into(),
            revoked_reason: (serial == 3).then(|| "撤销".to_owned()),
            revoked_at: (serial == 3).then(|| now - Duration::hours(1)),
            supersedes_id: (serial == 2).then(uuid::Uuid::now_v7),
            key_id: format!("k{serial}"),
            signature: format!("s{serial}"),
            created_at: now - Duration::minutes(i64::from(serial)),
            revoked_by: None,
            revocation_ordered_by: None,
            revocation_inspection_task_id: None,
            revocation_complaint_id: None,
            ..certificate(serial, now)
        })
        .collect();
    let tx = persistence::begin_write(&db).await.expect("tx");
    let hold_off = match db.get_database_backend() {
        persistence::DbBackend::Postgres => "SET LOCAL session_replication_role = replica",
        _ => "PRAGMA defer_foreign_keys = ON",
    };
    persistence::ConnectionTrait::execute_unprepared(&tx, hold_off).await.expect(hold_off);
    repo::certificate::insert(&tx, &rows).await.expect("insert");
    for written in &rows {
        let read = repo::certificate::by_code(&tx, &written.code).await.expect("read").expect("found");
        // Time stamps come back at the databases' precision (microseconds).
        let micros = |t: chrono::DateTime<Utc>| t.timestamp_micros();
        assert_eq!(micros(read.created_at), micros(written.created_at));
        assert_eq!(read.revoked_at.map(micros), written.revoked_at.map(micros));
        let same_times = persistence::entity::certificate::Model {
            created_at: written.created_at,
            revoked_by: None,
            revocation_ordered_by: None,
            revocation_inspection_task_id: None,
            revocation_complaint_id: None,
            revoked_at: written.revoked_at,
            ..read
        };
        assert!(same_times == *written, "certificate {} came back changed", written.code);
    }
    tx.rollback().await.expect("rollback");
}
