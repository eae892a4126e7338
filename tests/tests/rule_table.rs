//! Issue 25, point 10: the rules of the notice (R1–R40 in the domain brief) each have a test named
//! after them, and the rule table of docs/GLOSSARY.md names real tests.

#![allow(clippy::expect_used, reason = "test code: a failed setup step should fail the test loudly")]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Every `.rs` file of the workspace's crates, as text.
fn workspace_sources() -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut out = Vec::new();
    let mut dirs: Vec<PathBuf> = ["api", "domain", "persistence", "migrations", "tests", "bench"]
        .iter()
        .map(|d| root.join(d))
        .collect();
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("read dir").flatten() {
            let path = entry.path();
            if path.is_dir() && path.file_name().is_some_and(|n| n != "target" && n != "node_modules") {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(std::fs::read_to_string(&path).expect("source"));
            }
        }
    }
    out
}

/// Issue 25, point 10: each rule R1–R40 has a test whose name starts with its number (a test
/// named `r21_r22_…` counts for both), and every test the rule table of docs/GLOSSARY.md names
/// exists.
#[test]
fn every_rule_has_a_test_named_after_it_and_the_rule_table_names_real_tests() {
    let sources = workspace_sources();
    let mut tests: BTreeSet<String> = BTreeSet::new();
    for text in &sources {
        for line in text.lines() {
            let line = line.trim_start();
            let Some(rest) = line.strip_prefix("fn ").or_else(|| line.strip_prefix("async fn ")) else {
                continue;
            };
            let name: String = rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
            tests.insert(name);
        }
    }
    let numbers = |name: &str| -> Vec<u32> {
        name.split('_').map_while(|part| part.strip_prefix('r').and_then(|n| n.parse::<u32>().ok())).collect()
    };
    let missing: Vec<u32> = (1..=40).filter(|n| !tests.iter().any(|t| numbers(t).contains(n))).collect();
    assert!(missing.is_empty(), "rules without a test named after them: {missing:?}");
    let glossary = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/GLOSSARY.md"))
        .expect("docs/GLOSSARY.md");
    let table = glossary.split("## The rules R1–R40").nth(1).expect("the rule table");
    let mut rules_seen = BTreeSet::new();
    for row in table.lines().filter(|l| l.starts_with("| R")) {
        let rule: u32 = row[3..]
            .split(|c: char| !c.is_ascii_digit())
            .next()
            .and_then(|n| n.parse().ok())
            .expect("R number");
        rules_seen.insert(rule);
        let proved_by = row.rsplit('|').nth(1).expect("last column");
        for name in proved_by.split('`').skip(1).step_by(2) {
            if name.starts_with('r') {
                assert!(tests.contains(name), "R{rule}: the table names {name}, which is not a test");
            }
        }
    }
    assert_eq!(rules_seen, (1..=40).collect::<BTreeSet<u32>>(), "one row per rule");
}
