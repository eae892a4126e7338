//! A certificate record as issuance writes it, and the issuer of its credential, for the
//! benchmarks of verifiable credentials (`cargo bench -p bench`, `bench/run.sh credentials`).

use api::credential::document::{Issuer, Secrets};
use persistence::entity::certificate;

/// The deployment secrets of the benchmarks.
pub fn secrets() -> Secrets {
    Secrets { status_lists: vec![1; 32], identity_salts: vec![2; 32] }
}

/// The issuer at `http://127.0.0.1:8080` with `secrets`.
pub fn issuer(secrets: &Secrets) -> Issuer<'_> {
    Issuer { public_url: "http://127.0.0.1:8080", did: "did:web:127.0.0.1%3A8080", secrets }
}

/// Certificate `serial` (1 to 999,999) of 重庆市第1技工学校 in 2026: 车工, level 4.
pub fn certificate(serial: u32) -> certificate::Model {
    let now = chrono::Utc::now();
    certificate::Model {
        id: uuid::Uuid::now_v7(),
        code: format!("S000050000001264{serial:06}"),
        institution_id: uuid::Uuid::nil(),
        plan_id: uuid::Uuid::nil(),
        candidate_id: uuid::Uuid::now_v7(),
        issue_year: 2026,
        serial: serial as i32,
        holder_name: "王小明".into(),
        gender: "male".into(),
        id_sealed: String::new(),
        id_hash: None,
        id_masked: None,
        id_region: Some("500101".into()),
        occupation_code: "6-18-01-01".into(),
        occupation_name: "车工".into(),
        work_type: "——".into(),
        level: "4".into(),
        institution_name: "重庆市第1技工学校".into(),
        issue_date: chrono::NaiveDate::from_ymd_opt(2026, 11, 16).unwrap_or_default(),
        photo_key: None,
        status: "valid".into(),
        revoked_reason: None,
        revoked_at: None,
        supersedes_id: None,
        verify_token: format!("token{serial:018}"),
        key_id: "bench".into(),
        signature: String::new(),
        created_at: now,
        revoked_by: None,
        revocation_ordered_by: None,
        revocation_inspection_task_id: None,
        revocation_complaint_id: None,
    }
}
