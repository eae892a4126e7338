//! Personal data (issue 8): the server's log of a full walkthrough — at debug level — and every
//! public answer of it hold no resident ID number and no mobile phone number.

#![allow(clippy::expect_used, reason = "test code: a failed setup step should fail the test loudly")]

use tests::personal_data;

#[test]
fn the_scanner_finds_what_it_looks_for() {
    assert_eq!(
        personal_data("身份证 50010120080301100X, 电话:13912345678."),
        ["50010120080301100X", "13912345678"]
    );
    assert!(
        personal_data("S000050000001264000001 2026-11-28T01:00:00.123456Z 01a22119c0e8706aac2d8ab106a4d1ab")
            .is_empty()
    );
}

#[test]
fn a_full_walkthrough_logs_and_publishes_no_id_or_phone_number() {
    let exe = std::env::current_exe().expect("test binary");
    let bin = exe.parent().and_then(|d| d.parent()).expect("target dir").join("skillcert");
    assert!(
        bin.exists(),
        "{} is missing: run `cargo test --workspace` (it builds the server binary)",
        bin.display()
    );
    let port = std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port();
    let keep = tempfile::tempdir().expect("dir");
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let out = std::process::Command::new("bash")
        .arg("examples/walkthrough.sh")
        .current_dir(root)
        .env("SKILLCERT_BIN", &bin)
        .env("PORT", port.to_string())
        .env("WALKTHROUGH_KEEP", keep.path())
        .env("WALKTHROUGH_LOG", "debug")
        .output()
        .expect("bash runs the walkthrough");
    assert!(
        out.status.success(),
        "walkthrough failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let mut files = vec![keep.path().join("server.log")];
    for e in std::fs::read_dir(keep.path().join("public")).expect("public answers").flatten() {
        files.push(e.path());
    }
    assert!(files.len() >= 10, "the log and every public answer: {files:?}");
    let log = std::fs::read_to_string(&files[0]).expect("log");
    assert!(log.lines().count() > 20, "a debug log of the whole procedure");
    assert!(log.contains("\"target\":\"access\""), "access lines are in the log");
    let mut leaks = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).expect("text");
        for token in personal_data(&text) {
            leaks.push(format!("{}: {token}", f.display()));
        }
    }
    assert!(leaks.is_empty(), "personal data found: {leaks:#?}");
    // The walkthrough did handle such data: its candidates and the complainant's phone.
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("3 candidates imported"), "{stdout}");
}
