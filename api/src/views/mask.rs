//! Masking of personal data in answers to those who may not see it in full.

/// Masks a phone number, keeping the first three and last two digits.
pub fn phone(p: &str) -> String {
    let chars: Vec<char> = p.chars().collect();
    if chars.len() <= 5 {
        return "*".repeat(chars.len());
    }
    let mut out: String = chars[..3].iter().collect();
    out.push_str(&"*".repeat(chars.len() - 5));
    out.extend(&chars[chars.len() - 2..]);
    out
}

/// How an answer or a file shows the resident ID numbers it holds: opened only for those who may
/// see them in full, else the masked form stored beside the sealed number (never opened).
#[derive(Clone, Copy)]
pub enum IdNumbers<'a> {
    Full(&'a persistence::sealed::DataKey),
    Masked,
}

impl IdNumbers<'_> {
    /// `full` with the key, or masked.
    pub fn full_if(full: bool, key: &persistence::sealed::DataKey) -> IdNumbers<'_> {
        if full { IdNumbers::Full(key) } else { IdNumbers::Masked }
    }

    /// The number of a row (`id_sealed`, `id_masked`) as this policy shows it. A sealed value that
    /// does not open is a server fault (the start refuses a key that cannot open what is
    /// stored): it is logged, without the value, and the masked form shown.
    pub fn show(&self, sealed: &str, masked: Option<&str>) -> String {
        match self {
            IdNumbers::Full(key) => match key.open(sealed) {
                Ok(plain) => plain,
                Err(e) => {
                    tracing::error!(error = %e, "a stored ID number does not open");
                    masked.unwrap_or_default().to_owned()
                }
            },
            IdNumbers::Masked => masked.unwrap_or_default().to_owned(),
        }
    }
}

/// Rows serialised as stored (`id_sealed`, `id_hash`, `id_masked`: the archive) get back their
/// `id_number` as `ids` shows it, and lose the sealed value and the hash.
pub fn stored_rows_to_id_numbers(v: &mut serde_json::Value, ids: IdNumbers) {
    match v {
        serde_json::Value::Object(map) => {
            if let Some(serde_json::Value::String(sealed)) = map.remove("id_sealed") {
                map.remove("id_hash");
                let masked = map.remove("id_masked");
                let shown = ids.show(&sealed, masked.as_ref().and_then(|m| m.as_str()));
                map.insert("id_number".into(), serde_json::Value::String(shown));
            }
            for val in map.values_mut() {
                stored_rows_to_id_numbers(val, ids);
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(|i| stored_rows_to_id_numbers(i, ids)),
        _ => {}
    }
}

/// Seals every resident ID number in clear under an `id_number` key of an answer that is kept
/// (an idempotent answer, stored for replays): nothing keeps an ID number in clear at rest.
pub fn seal_id_numbers(v: &mut serde_json::Value, key: &persistence::sealed::DataKey) {
    match v {
        serde_json::Value::Object(map) => {
            for (k, val) in map.iter_mut() {
                match val {
                    serde_json::Value::String(s) if k == "id_number" => {
                        if let Ok(id) = domain::ResidentId::parse(s) {
                            *s = key.seal(id.as_str());
                        }
                    }
                    other => seal_id_numbers(other, key),
                }
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(|i| seal_id_numbers(i, key)),
        _ => {}
    }
}

/// Seals every `id_number` of a stored document (a filing application's people) that is not
/// sealed yet, whatever it holds: a draft may hold a number still being typed, and it is checked
/// (opened) at submission.
pub fn seal_document_id_numbers(v: &mut serde_json::Value, key: &persistence::sealed::DataKey) {
    match v {
        serde_json::Value::Object(map) => {
            for (k, val) in map.iter_mut() {
                match val {
                    serde_json::Value::String(s) if k == "id_number" => {
                        if !s.trim().is_empty() && !persistence::sealed::is_sealed(s) {
                            *s = key.seal(s);
                        }
                    }
                    other => seal_document_id_numbers(other, key),
                }
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(|i| seal_document_id_numbers(i, key)),
        _ => {}
    }
}

/// Opens what [`seal_id_numbers`] sealed (a replayed answer, an outbox event being sent or read).
/// A value that does not open is a server fault: logged, and replaced by an empty string.
pub fn open_id_numbers(v: &mut serde_json::Value, key: &persistence::sealed::DataKey) {
    match v {
        serde_json::Value::Object(map) => {
            for (k, val) in map.iter_mut() {
                match val {
                    serde_json::Value::String(s) if k == "id_number" && persistence::sealed::is_sealed(s) => {
                        *s = key.open(s).unwrap_or_else(|e| {
                            tracing::error!(error = %e, "a stored ID number does not open");
                            String::new()
                        });
                    }
                    other => open_id_numbers(other, key),
                }
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(|i| open_id_numbers(i, key)),
        _ => {}
    }
}
