//! Messages in zh-CN (the default) and English, in one catalogue file per language
//! (`zh-CN.json`, `en.json`), negotiated with `Accept-Language`.
//!
//! Problem codes ([`Problem`]), validation rule codes ([`Rule`]) and display names of
//! enumerations ([`Name`]) are stable; only their texts depend on the language. A unit test
//! fails when a code lacks a text in either language, when a text uses a placeholder its code
//! does not provide, or when a catalogue holds a key no code uses.

mod codes;

pub use codes::{DISTRICT_KINDS, GROUPS, Name, Problem, Rule, group_code};

/// The static district-kind code equal to `kind`, if it is one.
pub fn codes_district_kind(kind: &str) -> Option<&'static str> {
    DISTRICT_KINDS.into_iter().find(|k| *k == kind)
}

use serde::Deserialize;
use std::collections::HashMap;
use std::sync::OnceLock;

/// A language skillcert answers in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    /// 简体中文, the default.
    #[default]
    ZhCn,
    /// English, on request.
    En,
}

impl Lang {
    /// Every supported language.
    pub const ALL: [Lang; 2] = [Lang::ZhCn, Lang::En];

    /// The tag sent in `Content-Language`.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::ZhCn => "zh-CN",
            Lang::En => "en",
        }
    }

    /// Picks a language from an `Accept-Language` header: the supported language with the
    /// highest weight; zh-CN when the header is absent, malformed or names nothing supported.
    pub fn negotiate(header: Option<&str>) -> Lang {
        let Some(header) = header else { return Lang::ZhCn };
        let mut best: Option<(f32, usize, Lang)> = None;
        for (index, item) in header.split(',').enumerate().take(20) {
            let mut parts = item.trim().split(';');
            let tag = parts.next().unwrap_or("").trim().to_ascii_lowercase();
            let q = parts
                .find_map(|p| p.trim().strip_prefix("q=").and_then(|v| v.trim().parse::<f32>().ok()))
                .unwrap_or(1.0);
            if !(q > 0.0 && q <= 1.0) {
                continue;
            }
            let lang = if tag == "zh" || tag.starts_with("zh-") || tag == "*" {
                Lang::ZhCn
            } else if tag == "en" || tag.starts_with("en-") {
                Lang::En
            } else {
                continue;
            };
            // Higher weight wins; on equal weight the earlier entry wins.
            if best.is_none_or(|(bq, _, _)| q > bq) {
                best = Some((q, index, lang));
            }
        }
        best.map_or(Lang::ZhCn, |(_, _, lang)| lang)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProblemText {
    title: String,
    detail: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Catalogue {
    problems: HashMap<String, ProblemText>,
    rules: HashMap<String, String>,
    names: HashMap<String, String>,
}

const ZH_CN: &str = include_str!("zh-CN.json");
const EN: &str = include_str!("en.json");

fn catalogue(lang: Lang) -> &'static Catalogue {
    static ZH: OnceLock<Catalogue> = OnceLock::new();
    static EN_CAT: OnceLock<Catalogue> = OnceLock::new();
    let (cell, src) = match lang {
        Lang::ZhCn => (&ZH, ZH_CN),
        Lang::En => (&EN_CAT, EN),
    };
    // The catalogues are compiled in and checked by the tests below; an empty catalogue would
    // only make texts fall back to their codes.
    cell.get_or_init(|| {
        serde_json::from_str(src).unwrap_or_else(|_| Catalogue {
            problems: HashMap::new(),
            rules: HashMap::new(),
            names: HashMap::new(),
        })
    })
}

/// Replaces `{name}` placeholders with values.
pub fn fill(template: &str, params: &[(&str, String)]) -> String {
    let mut out = template.to_owned();
    for (k, v) in params {
        out = out.replace(&format!("{{{k}}}"), v);
    }
    out
}

/// Title and detail of a problem in `lang`.
pub fn problem_text(lang: Lang, p: Problem, params: &[(&str, String)]) -> (String, String) {
    match catalogue(lang).problems.get(p.as_str()) {
        Some(t) => (t.title.clone(), fill(&t.detail, params)),
        None => (p.as_str().to_owned(), p.as_str().to_owned()),
    }
}

/// The message of a validation rule in `lang`.
pub fn rule_text(lang: Lang, r: Rule, params: &[(&str, String)]) -> String {
    catalogue(lang).rules.get(r.as_str()).map_or_else(|| r.as_str().to_owned(), |t| fill(t, params))
}

/// The display name of `code` in enumeration `group` (see [`GROUPS`]), or the code itself.
pub fn code_name(lang: Lang, group: &str, code: &str) -> String {
    group_code(group, code).map_or_else(|| code.to_owned(), |(g, c)| name(lang, Name::Code(g, c)))
}

/// The display name of a level code, or the code itself.
pub fn level_name(lang: Lang, code: &str) -> String {
    code.parse::<domain::Level>().map_or_else(|()| code.to_owned(), |l| name(lang, Name::Level(l)))
}

/// The display name of an enumeration value in `lang`. The key is put together on the stack: the
/// public verification looks up two names per request.
pub fn name(lang: Lang, n: Name) -> String {
    let (group, code) = n.parts();
    let mut buf = [0u8; 64];
    let len = group.len() + 1 + code.len();
    let key = buf.get_mut(..len).and_then(|key| {
        key[..group.len()].copy_from_slice(group.as_bytes());
        key[group.len()] = b'.';
        key[group.len() + 1..].copy_from_slice(code.as_bytes());
        std::str::from_utf8(key).ok()
    });
    match key {
        Some(key) => catalogue(lang).names.get(key).cloned().unwrap_or_else(|| key.to_owned()),
        None => {
            let key = n.key();
            catalogue(lang).names.get(&key).cloned().unwrap_or(key)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn placeholders(text: &str) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        let mut rest = text;
        while let Some(start) = rest.find('{') {
            let Some(len) = rest[start..].find('}') else { break };
            out.insert(rest[start + 1..start + len].to_owned());
            rest = &rest[start + len..];
        }
        out
    }

    fn parsed(src: &str) -> Catalogue {
        serde_json::from_str(src).expect("catalogue is valid JSON of the expected shape")
    }

    #[test]
    fn every_code_has_a_text_in_every_language_with_exactly_its_placeholders() {
        for (lang, src) in [(Lang::ZhCn, ZH_CN), (Lang::En, EN)] {
            let cat = parsed(src);
            for p in Problem::ALL {
                let t = cat
                    .problems
                    .get(p.as_str())
                    .unwrap_or_else(|| panic!("{lang:?} lacks problem {}", p.as_str()));
                let want: BTreeSet<String> = p.params().iter().map(|s| (*s).to_owned()).collect();
                assert!(placeholders(&t.title).is_empty(), "{lang:?} {}: title has placeholders", p.as_str());
                assert_eq!(placeholders(&t.detail), want, "{lang:?} problem {}", p.as_str());
                assert!(!t.title.trim().is_empty() && !t.detail.trim().is_empty());
            }
            for r in Rule::ALL {
                let t =
                    cat.rules.get(r.as_str()).unwrap_or_else(|| panic!("{lang:?} lacks rule {}", r.as_str()));
                let want: BTreeSet<String> = r.params().iter().map(|s| (*s).to_owned()).collect();
                assert_eq!(placeholders(t), want, "{lang:?} rule {}", r.as_str());
            }
            for n in Name::all() {
                let t = cat.names.get(&n.key()).unwrap_or_else(|| panic!("{lang:?} lacks name {}", n.key()));
                assert!(!t.trim().is_empty());
            }
            // No stale keys: everything in the file is used by a code.
            let problems: BTreeSet<&str> = Problem::ALL.iter().map(|p| p.as_str()).collect();
            let rules: BTreeSet<&str> = Rule::ALL.iter().map(|r| r.as_str()).collect();
            let names: BTreeSet<String> = Name::all().iter().map(|n| n.key()).collect();
            for k in cat.problems.keys() {
                assert!(problems.contains(k.as_str()), "{lang:?} has unused problem {k}");
            }
            for k in cat.rules.keys() {
                assert!(rules.contains(k.as_str()), "{lang:?} has unused rule {k}");
            }
            for k in cat.names.keys() {
                assert!(names.contains(k), "{lang:?} has unused name {k}");
            }
        }
    }

    #[test]
    fn chinese_is_the_default_and_weights_are_honoured() {
        assert_eq!(Lang::negotiate(None), Lang::ZhCn);
        assert_eq!(Lang::negotiate(Some("")), Lang::ZhCn);
        assert_eq!(Lang::negotiate(Some("fr-FR")), Lang::ZhCn);
        assert_eq!(Lang::negotiate(Some("en")), Lang::En);
        assert_eq!(Lang::negotiate(Some("en-US,en;q=0.9")), Lang::En);
        assert_eq!(Lang::negotiate(Some("zh-CN,zh;q=0.9,en;q=0.8")), Lang::ZhCn);
        assert_eq!(Lang::negotiate(Some("zh;q=0.5, en;q=0.8")), Lang::En);
        assert_eq!(Lang::negotiate(Some("de, en;q=0.1")), Lang::En);
        assert_eq!(Lang::negotiate(Some("en;q=0")), Lang::ZhCn);
        assert_eq!(Lang::negotiate(Some(";;;,,,q=x")), Lang::ZhCn);
    }

    #[test]
    fn placeholders_are_filled() {
        let (_, detail) = problem_text(Lang::En, Problem::UsernameTaken, &[("username", "li.lei".into())]);
        assert!(detail.contains("li.lei"), "{detail}");
        let msg = rule_text(Lang::ZhCn, Rule::TooLong, &[("max", "50".into())]);
        assert!(msg.contains("50"), "{msg}");
    }
}
