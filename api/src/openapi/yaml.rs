//! The contract as YAML that reads the same in YAML 1.2 and 1.1 parsers (issue 24, point 9).

use utoipa::openapi::OpenApi as Spec;

/// The contract as YAML (what `openapi.yaml` holds).
pub fn yaml(spec: &Spec) -> String {
    let text = spec.to_yaml().unwrap_or_default();
    let mut out = String::with_capacity(text.len() + 256);
    for line in text.lines() {
        out.push_str(&quote_for_yaml_1_1(line));
        out.push('\n');
    }
    out
}

/// The line with its plain scalar value single-quoted when a YAML 1.1 parser (PyYAML, many
/// front-end tools) would read it as something else than the string it is in YAML 1.2: a
/// sexagesimal number (`11:00` is 660), a boolean (`yes`, `no`, `on`, `off`, `y`, `n`), a binary
/// or octal number, or a timestamp (`2026-12-15` is a date).
pub fn quote_for_yaml_1_1(line: &str) -> std::borrow::Cow<'_, str> {
    let body = line.trim_start();
    let indent = &line[..line.len() - body.len()];
    // A list item's value, the value of a mapping's key, or of the first key of a mapping that is
    // a list item (`- date: 2026-01-01`).
    let item = usize::from(body.starts_with("- ")) * 2;
    let (prefix, value) = match key_length(&body[item..]) {
        Some(Ok(key)) => body.split_at(item + key + 2),
        Some(Err(())) => return line.into(),
        None if item > 0 => body.split_at(item),
        None => return line.into(),
    };
    if yaml_1_1_reads_otherwise(value) { format!("{indent}{prefix}'{value}'").into() } else { line.into() }
}

/// The length of the key of a `key: value` line: `None` when it is not one, `Err` when the key is
/// not a plain or quoted key (the line is then left alone).
fn key_length(text: &str) -> Option<Result<usize, ()>> {
    let (key, _) = text.split_once(": ")?;
    if key.contains(['\'', '"', ' ']) && !key.starts_with(['\'', '"']) {
        return Some(Err(()));
    }
    Some(Ok(key.len()))
}

/// Whether a plain scalar means something else than a string in YAML 1.1.
pub fn yaml_1_1_reads_otherwise(v: &str) -> bool {
    let words =
        ["y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "on", "On", "ON", "off", "Off", "OFF"];
    if words.contains(&v) {
        return true;
    }
    let digits = v.strip_prefix(['-', '+']).unwrap_or(v);
    // Base 60: digits, then one or more `:` groups of digits (an optional fraction at the end).
    let sexagesimal = {
        let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
        let mut parts = int.split(':');
        let first = parts.next().unwrap_or_default();
        let rest: Vec<&str> = parts.collect();
        !rest.is_empty()
            && !first.is_empty()
            && first.bytes().all(|b| b.is_ascii_digit() || b == b'_')
            && rest.iter().all(|p| !p.is_empty() && p.len() <= 2 && p.bytes().all(|b| b.is_ascii_digit()))
            && frac.bytes().all(|b| b.is_ascii_digit())
    };
    let binary = digits
        .strip_prefix("0b")
        .is_some_and(|b| !b.is_empty() && b.bytes().all(|c| matches!(c, b'0' | b'1' | b'_')));
    let octal = digits.len() > 1
        && digits.starts_with('0')
        && digits.bytes().all(|b| matches!(b, b'0'..=b'7' | b'_'));
    // A timestamp: YYYY-M(M)-D(D), alone or followed by a time.
    let timestamp = {
        let mut parts = v.splitn(3, '-');
        let (y, m, rest) = (parts.next().unwrap_or_default(), parts.next().unwrap_or_default(), parts.next());
        let d: String = rest.unwrap_or_default().chars().take_while(char::is_ascii_digit).collect();
        y.len() == 4
            && y.bytes().all(|b| b.is_ascii_digit())
            && (1..=2).contains(&m.len())
            && m.bytes().all(|b| b.is_ascii_digit())
            && (1..=2).contains(&d.len())
    };
    sexagesimal || binary || octal || timestamp
}
