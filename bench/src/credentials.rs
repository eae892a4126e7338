//! Issue 27, point 5: a batch of verifiable credentials, built from certificate records and signed
//! (`eddsa-rdfc-2022`), in process: on one core, then shared out over every core
//! (`ProofSigner::sign_all`), as a plan's credentials would be. No database: the records are as
//! issuance writes them; what is measured is the work a credential adds, which issuance never does.

use api::credential::{document, proof};
use std::time::Instant;

/// Builds and signs `n` credentials `runs` times each way and prints the medians.
pub fn credentials(n: u32, runs: usize) {
    let key = ed25519_dalek::SigningKey::from_bytes(&[7u8; 32]);
    let secrets = tests::credential::secrets();
    let issuer = tests::credential::issuer(&secrets);
    let records: Vec<_> = (1..=n).map(tests::credential::certificate).collect();
    let facts =
        document::Facts { id_number: "50010120080301100X", standard: None, level_name: "四级/中级工" };
    let at = chrono::Utc::now();
    let signer = proof::ProofSigner::new(&key, "did:web:127.0.0.1%3A8080#k", at, document::context())
        .unwrap_or_else(|e| panic!("signer: {e}"));
    let build = || -> Vec<serde_json::Value> {
        records
            .iter()
            .map(|r| document::credential(&issuer, r, &facts).unwrap_or_else(|e| panic!("credential: {e}")))
            .collect()
    };
    let mut one_core = Vec::new();
    let mut all_cores = Vec::new();
    let mut signed = Vec::new();
    for _ in 0..runs {
        let t = Instant::now();
        let s: Vec<_> = build().into_iter().map(|d| signer.sign(d)).collect();
        one_core.push(t.elapsed().as_secs_f64());
        drop(s);
        let t = Instant::now();
        signed = signer.sign_all(build());
        all_cores.push(t.elapsed().as_secs_f64());
    }
    // Every one signed, and a sample verifies (a benchmark of wrong answers measures nothing).
    let verifying = key.verifying_key();
    let ok = signed
        .iter()
        .step_by((n as usize / 100).max(1))
        .all(|s| s.as_ref().is_ok_and(|s| proof::verify(s, &verifying).unwrap_or(false)));
    assert!(ok && signed.len() == n as usize, "every credential signed and verifying");
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (one, all) = (median(&mut one_core), median(&mut all_cores));
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    println!("\n## Verifiable credentials: {n} built and signed (eddsa-rdfc-2022), median of {runs}\n");
    println!("| how | total | per credential |");
    println!("|---|---|---|");
    println!("| one core | {one:.2} s | {:.2} ms |", one * 1000.0 / f64::from(n));
    println!(
        "| {cores} cores (`ProofSigner::sign_all`) | {all:.2} s | {:.2} ms |",
        all * 1000.0 / f64::from(n)
    );
}
