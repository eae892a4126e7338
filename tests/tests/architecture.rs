//! Issue 23: the api crate's modules depend one way. Read from the source: every `crate::…` and
//! `super::…` path outside comments is an edge from the file's module to the module it names.
//! No module may reach itself again (no import circle, at the granularity of files); the PDF
//! renderers, the outbox, config and the views import no route module; no route module imports
//! another; handlers open no transaction and append no audit event (every change is a use
//! case); and no status or phase is compared as a string.

#![allow(clippy::expect_used, reason = "test code: a failed setup step should fail the test loudly")]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

type Module = Vec<String>;

/// Every module of `api/src` by the file that holds it (`lib.rs` is the crate root, `[]`).
fn modules() -> BTreeMap<Module, PathBuf> {
    fn walk(dir: &Path, root: &Path, out: &mut BTreeMap<Module, PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("read dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                walk(&path, root, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let rel = path.strip_prefix(root).expect("under root").with_extension("");
                let mut module: Module = rel.iter().map(|p| p.to_string_lossy().into_owned()).collect();
                if module.last().is_some_and(|l| l == "mod") {
                    module.pop();
                }
                if module == ["lib"] || module == ["main"] {
                    module.clear();
                }
                out.insert(module, path);
            }
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../api/src");
    let mut out = BTreeMap::new();
    walk(&root, &root, &mut out);
    out
}

/// The identifiers of a path written after `crate::` or `super::`s, as far as they go.
fn path_at(text: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut rest = text;
    loop {
        let end = rest
            .find(|c: char| !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'))
            .unwrap_or(rest.len());
        if end == 0 {
            break;
        }
        parts.push(rest[..end].to_owned());
        match rest[end..].strip_prefix("::") {
            Some(r) => rest = r,
            None => break,
        }
    }
    parts
}

/// Edges from each module to the modules it names (the longest known prefix of each path).
fn edges(modules: &BTreeMap<Module, PathBuf>) -> BTreeSet<(Module, Module)> {
    let resolve = |path: &[String]| {
        (1..=path.len()).rev().map(|n| path[..n].to_vec()).find(|m| modules.contains_key(m))
    };
    let mut out = BTreeSet::new();
    for (module, file) in modules {
        let text = std::fs::read_to_string(file).expect("read source");
        for line in text.lines().filter(|l| !l.trim_start().starts_with("//")) {
            let mut named = Vec::new();
            for (at, _) in line.match_indices("crate::") {
                if !line[..at].ends_with(|c: char| c.is_alphanumeric() || c == '_') {
                    named.push(path_at(&line[at + 7..]));
                }
            }
            let mut at = 0;
            while let Some(found) = line[at..].find("super::") {
                let start = at + found;
                if line[..start].ends_with(|c: char| c.is_alphanumeric() || c == '_' || c == ':') {
                    at = start + 7;
                    continue;
                }
                let mut ups = 0;
                let mut rest = &line[start..];
                while let Some(r) = rest.strip_prefix("super::") {
                    ups += 1;
                    rest = r;
                }
                let mut base = module.clone();
                base.truncate(base.len().saturating_sub(ups));
                base.extend(path_at(rest));
                named.push(base);
                at = start + 7 * ups;
            }
            for path in named {
                if let Some(target) = resolve(&path)
                    && !target.starts_with(module)
                {
                    out.insert((module.clone(), target));
                }
            }
        }
    }
    out
}

fn name(m: &Module) -> String {
    if m.is_empty() { "crate".into() } else { m.join("::") }
}

#[test]
fn no_module_of_the_api_reaches_itself_again() {
    let modules = modules();
    let edges = edges(&modules);
    let next = |m: &Module| -> Vec<Module> {
        edges.iter().filter(|(a, _)| a == m).map(|(_, b)| b.clone()).collect()
    };
    for start in modules.keys() {
        let mut seen = BTreeSet::new();
        let mut stack: Vec<(Module, Vec<Module>)> =
            next(start).into_iter().map(|m| (m.clone(), vec![m])).collect();
        while let Some((m, trail)) = stack.pop() {
            assert!(
                &m != start,
                "import circle: {} -> {}",
                name(start),
                trail.iter().map(name).collect::<Vec<_>>().join(" -> ")
            );
            if seen.insert(m.clone()) {
                for n in next(&m) {
                    let mut t = trail.clone();
                    t.push(n.clone());
                    stack.push((n, t));
                }
            }
        }
    }
}

#[test]
fn renderers_outbox_config_and_views_import_no_route() {
    let edges = edges(&modules());
    let offending: Vec<String> = edges
        .iter()
        .filter(|(a, b)| {
            a.first()
                .is_some_and(|f| ["pdf", "outbox", "config", "views", "zip_stream"].contains(&f.as_str()))
                && b.first().is_some_and(|f| f == "routes")
        })
        .map(|(a, b)| format!("{} -> {}", name(a), name(b)))
        .collect();
    assert!(offending.is_empty(), "{offending:#?}");
}

/// Route modules that still borrow from another route module (helpers and views that belong in
/// the application layer or `views/`). Remove a line when its borrowing goes; never add one.
#[test]
fn no_route_module_imports_another() {
    let edges = edges(&modules());
    let found: BTreeSet<String> = edges
        .iter()
        .filter(|(a, b)| a.len() > 1 && b.len() > 1 && a[0] == "routes" && b[0] == "routes")
        .map(|(a, b)| format!("{} -> {}", name(a), name(b)))
        .collect();
    assert!(
        found.is_empty(),
        "a route module borrows from another (move it to use_case/ or views/): {found:#?}"
    );
}

/// The cycles the issue named are gone, and the checker sees a cycle where there is one.
#[test]
fn the_checker_finds_a_planted_circle() {
    let mut modules = BTreeMap::new();
    let dir = tempfile::tempdir().expect("temp dir");
    for (m, text) in [("a", "use crate::b::X;"), ("b", "fn f() { super::a::g() }")] {
        let path = dir.path().join(format!("{m}.rs"));
        std::fs::write(&path, text).expect("write");
        modules.insert(vec![m.to_owned()], path);
    }
    let edges = edges(&modules);
    assert!(edges.contains(&(vec!["a".to_owned()], vec!["b".to_owned()])));
    assert!(edges.contains(&(vec!["b".to_owned()], vec!["a".to_owned()])));
}

/// Every state change is a use case (issue 23, point 1): no route module opens a write
/// transaction, commits one, or appends an audit event itself.
#[test]
fn handlers_open_no_transaction_and_append_no_audit_event() {
    let mut found = Vec::new();
    for (module, file) in modules().iter().filter(|(m, _)| m.first().is_some_and(|f| f == "routes")) {
        let text = std::fs::read_to_string(file).expect("read source");
        for needle in ["begin_write", "audit::record", "audit::append", ".commit()"] {
            if text.contains(needle) {
                found.push(format!("{}: {needle}", name(module)));
            }
        }
    }
    assert!(found.is_empty(), "a handler writes its own recipe (move it to use_case/): {found:#?}");
}

/// Statuses and phases are types (issue 23, point 3): no status or phase of a stored record is
/// compared with a string literal anywhere in the api crate; repositories hand parsed enums
/// (`plan_status()`, `plan_phase()`, `certificate_status()`, `complaint_status()`,
/// `stored_status()`).
#[test]
fn no_status_or_phase_is_compared_as_a_string() {
    let mut found = Vec::new();
    for (module, file) in &modules() {
        let text = std::fs::read_to_string(file).expect("read source");
        for (n, line) in text.lines().enumerate().filter(|(_, l)| !l.trim_start().starts_with("//")) {
            if compares_status_with_literal(line) {
                found.push(format!("{}:{}: {}", name(module), n + 1, line.trim()));
            }
        }
    }
    assert!(found.is_empty(), "compare parsed statuses instead: {found:#?}");
}

/// Whether `line` compares a `…status` or `…phase` field with a string literal (`==`, `!=`, or
/// `matches!(….as_str(), "…")`).
fn compares_status_with_literal(line: &str) -> bool {
    for field in ["status", "phase"] {
        for (at, _) in line.match_indices(field) {
            let rest = line[at + field.len()..].trim_start_matches(".as_str()").trim_start();
            let op = rest.strip_prefix("==").or_else(|| rest.strip_prefix("!="));
            if op.is_some_and(|r| r.trim_start().starts_with('"')) {
                return true;
            }
            if line[..at].contains("matches!(")
                && rest.starts_with(',')
                && rest[1..].trim_start().starts_with('"')
            {
                return true;
            }
        }
    }
    false
}

#[test]
fn the_status_checker_sees_a_string_comparison() {
    assert!(compares_status_with_literal(r#"if p.phase != "publicity" {"#));
    assert!(compares_status_with_literal(r#"let x = c.review_status == "approved";"#));
    assert!(compares_status_with_literal(r#"if !matches!(p.status.as_str(), "draft" | "returned") {"#));
    assert!(!compares_status_with_literal(r#"if p.plan_phase()? != PlanPhase::Publicity {"#));
    assert!(!compares_status_with_literal(r#"status: PlanStatus::Draft.code().into(),"#));
}

/// Every Rust file of the workspace, with its path from the workspace root.
fn workspace_files() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("read dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() && !path.ends_with("target") {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut out = Vec::new();
    for krate in ["api", "domain", "persistence", "migrations", "tests", "bench"] {
        if root.join(krate).is_dir() {
            walk(&root.join(krate), &mut out);
        }
    }
    out
}

/// Issue 23, point 6: no source file over 400 lines without a one-line reason at its top.
#[test]
fn long_files_say_why_at_their_top() {
    let mut unexplained = Vec::new();
    for file in workspace_files() {
        let text = std::fs::read_to_string(&file).expect("read source");
        if text.lines().count() > 400 && !text.starts_with("//! Over 400 lines: ") {
            unexplained.push(file.display().to_string());
        }
    }
    assert!(unexplained.is_empty(), "split these, or say why on their first line: {unexplained:#?}");
}

/// The lengths of the handlers' bodies (the lines between the braces of every function that an
/// actix route attribute — `#[get(…)]`, `#[post(…)]`, … — is on), in the route modules.
fn handler_lengths() -> Vec<usize> {
    let mut lengths = Vec::new();
    for (module, file) in modules() {
        if module.first().is_none_or(|f| f != "routes") {
            continue;
        }
        let text = std::fs::read_to_string(file).expect("read source");
        let lines: Vec<&str> = text.lines().collect();
        let mut i = 0;
        while i < lines.len() {
            let l = lines[i].trim_start();
            let is_route =
                ["#[get(", "#[post(", "#[put(", "#[delete(", "#[patch("].iter().any(|a| l.starts_with(a));
            if !is_route {
                i += 1;
                continue;
            }
            // The signature ends with the line that ends in `{`; the body with the first line
            // that is exactly `}` after it.
            let open = (i..lines.len()).find(|&k| lines[k].trim_end().ends_with('{')).expect("a body");
            let close = (open + 1..lines.len()).find(|&k| lines[k] == "}").expect("end of body");
            lengths.push(close - open - 1);
            i = close + 1;
        }
    }
    lengths
}

/// Issue 23, point 6: handlers are thin, the median body at most 25 lines.
#[test]
fn the_median_handler_is_short() {
    let mut lengths = handler_lengths();
    assert!(lengths.len() > 100, "found {} handlers", lengths.len());
    lengths.sort_unstable();
    let median = lengths[lengths.len() / 2];
    println!(
        "{} handlers, median body {median} lines, longest {}",
        lengths.len(),
        lengths[lengths.len() - 1]
    );
    assert!(median <= 25, "median handler body {median} lines");
}

/// Issue 23, point 1: a use case knows no actix types, so a handler, a worker or a test can call
/// it alike.
#[test]
fn use_cases_know_no_web_framework() {
    let mut found = Vec::new();
    for (module, file) in modules().iter().filter(|(m, _)| m.first().is_some_and(|f| f == "use_case")) {
        let text = std::fs::read_to_string(file).expect("read source");
        for (n, line) in text.lines().enumerate().filter(|(_, l)| !l.trim_start().starts_with("//")) {
            if line.contains("actix") || line.contains("HttpRequest") || line.contains("HttpResponse") {
                found.push(format!("{}:{}: {}", name(module), n + 1, line.trim()));
            }
        }
    }
    assert!(found.is_empty(), "a use case touches the web layer: {found:#?}");
}
