//! Backup and restore (issue 7): the documented commands — `skillcert backup FILE` on a live
//! SQLite database, `pg_dump`/`pg_restore` on PostgreSQL — plus the attachment directory; the
//! restored copy serves the same records: the audit chain verifies and a certificate verifies.

#![allow(clippy::expect_used, reason = "test code: a failed setup step should fail the test loudly")]

use reqwest::Method;
use serde_json::json;
use tests::TestApp;
use tests::pipeline::*;

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read dir").flatten() {
        let target = to.join(e.file_name());
        if e.path().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).expect("copy");
        }
    }
}

fn run(program: &str, args: &[&str], envs: &[(&str, &str)]) {
    let out =
        std::process::Command::new(program).args(args).envs(envs.iter().copied()).output().expect(program);
    assert!(
        out.status.success(),
        "{program} {args:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_restores_into_a_fresh_database_with_its_chain_and_certificates() {
    let s = setup("2026-11-02").await;
    let plan = reviewed_plan(&s, 2).await;
    let school = s.app.login("school1", "a-long-password-1").await;
    let a = s
        .app
        .json(Method::POST, &format!("/api/v1/plans/{plan}/certificates"), Some(&school), &json!({}))
        .await;
    assert_eq!(a.status.as_u16(), 201, "{}", a.text);
    let code = a.body["items"][0]["code"].as_str().expect("code").to_owned();
    let name = a.body["items"][0]["holder_name"].as_str().expect("name").to_owned();

    let events = s.app.count("audit_events").await;
    let dir = tempfile::tempdir().expect("dir");
    let url = s.app.db.as_ref().expect("own database").url.clone();
    let exe = std::env::current_exe().expect("test binary");
    let bin = exe.parent().and_then(|d| d.parent()).expect("target dir").join("skillcert");
    let bin = bin.to_str().expect("utf-8 path").to_owned();
    // The server keeps running (and writing) while the backup is taken.
    let restored_db;
    let _fresh;
    if url.starts_with("postgres") {
        let file = dir.path().join("skillcert.dump");
        let file = file.to_str().expect("utf-8");
        run("pg_dump", &["--format=custom", "--no-owner", "--file", file, &url], &[]);
        let fresh = persistence::test_support::TestDatabase::create().await.expect("fresh database");
        run("pg_restore", &["--no-owner", "--exit-on-error", "--dbname", &fresh.url, file], &[]);
        restored_db = fresh.url.clone();
        _fresh = Some(fresh);
    } else {
        let file = dir.path().join("backup.db");
        let file = file.to_str().expect("utf-8");
        run(&bin, &["backup", file], &[("DATABASE_URL", url.as_str()), ("SKILLCERT_LOG", "error")]);
        restored_db = format!("sqlite://{file}?mode=rwc");
        _fresh = None;
    }
    let attachments = dir.path().join("attachments");
    copy_dir(&s.app.data_dir.join("attachments"), &attachments);

    // The data key goes with the backup (docs/DEPLOYMENT.md): without it, no ID number opens.
    let data_key = s.app.data_dir.join("keys").join("data-key.txt");
    let restored = TestApp::spawn_with(&[
        ("DATABASE_URL", restored_db.as_str()),
        ("SKILLCERT_DATA_KEY", data_key.to_str().expect("utf-8")),
        ("SKILLCERT_ATTACHMENT_DIR", attachments.to_str().expect("utf-8")),
        ("SKILLCERT_CLOCK_START", &s.app.state.clock.now().to_rfc3339()),
    ])
    .await;
    let admin = restored.login("admin", tests::ADMIN_PASSWORD).await;
    let chain = restored.get("/api/v1/audit-events/verify", Some(&admin)).await;
    assert_eq!(chain.body["intact"], true, "{}", chain.text);
    assert_eq!(chain.body["checked"], events + 1, "every event came along, then the sign-in on the copy");
    let v = restored
        .json(Method::POST, "/api/v1/public/certificates/verify", None, &json!({"code": code, "name": name}))
        .await;
    assert_eq!((v.status.as_u16(), v.body["status"].clone()), (200, json!("valid")), "{}", v.text);
    assert_eq!(restored.count("certificates").await, 2);
    // The restored copy keeps working: the next certificate code follows on without a gap.
    let school = restored.login("school1", "a-long-password-1").await;
    let f = restored.get(&format!("/api/v1/institutions/{}/receipt.pdf", s.institution), Some(&school)).await;
    assert_eq!(f.status.as_u16(), 200);
}
