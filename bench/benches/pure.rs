//! Criterion benchmarks of pure code (`cargo bench -p bench --bench pure`). Where a piece of work
//! has a floor that no implementation can beat, the floor runs beside it in the same group:
//! signing a certificate statement beside Ed25519 signing alone of a message of the same length.

#![allow(clippy::expect_used, reason = "benchmark setup: a failure should stop the run loudly")]

use criterion::{Criterion, criterion_group, criterion_main};
use domain::certificate::Statement;
use domain::supervision::{Candidate, PoolMember, draw};
use domain::{CertificateCode, InstitutionCode, Level, ResidentId, Serial};
use ed25519_dalek::Signer as _;
use std::hint::black_box;

fn statement() -> Statement<'static> {
    Statement {
        code: "S000050000001264000001",
        holder_name: "王小明",
        gender: "男",
        id_number: "50010120080301100X",
        occupation_code: "6-18-01-01",
        occupation_name: "车工",
        work_type: "——",
        level: "4",
        institution_name: "重庆市第1技工学校",
        issue_date: chrono::NaiveDate::from_ymd_opt(2026, 11, 16).expect("date"),
    }
}

fn signing(c: &mut Criterion) {
    let key = ed25519_dalek::SigningKey::from_bytes(&[7u8; 32]);
    let s = statement();
    let same_length = vec![b'x'; s.canonical().len()];
    let mut g = c.benchmark_group("certificate signature");
    g.bench_function("limit: Ed25519 signature of a message of the same length", |b| {
        b.iter(|| key.sign(black_box(&same_length)))
    });
    g.bench_function("skillcert: canonical statement and its signature", |b| {
        b.iter(|| key.sign(black_box(&s).canonical().as_bytes()))
    });
    g.finish();

    // Issuance signs a chunk of 1,000 statements at a time, over all cores (api::auth::signing).
    let statements: Vec<String> = (0..1000).map(|_| s.canonical()).collect();
    let mut g = c.benchmark_group("1,000 certificate signatures");
    g.bench_function("one by one on one core: SigningKey::sign of each", |b| {
        b.iter(|| black_box(&statements).iter().map(|m| key.sign(m.as_bytes())).collect::<Vec<_>>())
    });
    g.bench_function("skillcert: over all cores (api::auth::signing)", |b| {
        b.iter(|| api::auth::signing::sign_all(&key, black_box(&statements)))
    });
    g.finish();
}

fn codes(c: &mut Criterion) {
    let institution = Serial::new(5).map(InstitutionCode::from_serial);
    let mut g = c.benchmark_group("codes");
    g.bench_function("certificate code: build and format", |b| {
        b.iter(|| {
            let code = CertificateCode::new(
                black_box(institution.expect("institution code")),
                2026,
                Level::Four,
                Serial::new(black_box(123_456)).expect("serial"),
            )
            .expect("code");
            code.to_string()
        })
    });
    g.bench_function("certificate code: parse and check", |b| {
        b.iter(|| CertificateCode::parse(black_box("S000050000001264123456")))
    });
    g.bench_function("resident ID: parse and check", |b| {
        b.iter(|| ResidentId::parse(black_box("50010120080301100X")))
    });
    g.finish();
}

fn pdf(c: &mut Criterion) {
    let face = api::pdf::certificate::CertificateFace {
        code: "S000050000001264000001",
        holder_name: "王小明",
        gender: "男",
        id_number: "50010120080301100X",
        occupation_name: "车工",
        work_type: "——",
        level_name: "四级/中级工",
        institution_name: "重庆市第1技工学校",
        issue_date: chrono::NaiveDate::from_ymd_opt(2026, 11, 16).expect("date"),
        verify_url: "https://skillcert.example.cn/verify/AAECAwQFBgcICQoLDA0ODxAR",
        website: "https://skillcert.example.cn",
        photo: api::pdf::Image::prepare(&tests::hostile::two_inch_png()).expect("photo"),
    };
    // The font is parsed once per process, before the first certificate.
    api::pdf::certificate::certificate_pdf(&face).expect("pdf");
    let mut g = c.benchmark_group("e-certificate");
    g.sample_size(30);
    g.bench_function("Annex 5 PDF, subset Kai font and QR code", |b| {
        b.iter(|| api::pdf::certificate::certificate_pdf(black_box(&face)))
    });
    g.finish();
}

fn inspections(c: &mut Criterion) {
    let population: Vec<Candidate<u32>> =
        (0..1_000).map(|i| Candidate { id: i, school: 10_000 + i }).collect();
    let pool: Vec<PoolMember<u32>> = (0..200)
        .map(|i: u32| PoolMember { id: 20_000 + i, employer: i.is_multiple_of(4).then_some(10_000 + i) })
        .collect();
    c.bench_function("double-random draw: 100 of 1,000 institutions, 2 of 200 inspectors each", |b| {
        b.iter(|| draw(black_box("5f2c9e"), &population, &pool, 100, 2))
    });
}

/// One verifiable credential (issue 27): built from the certificate record and signed with an
/// `eddsa-rdfc-2022` proof. Beside it, its parts: the canonicalisation of the credential
/// (JSON-LD to RDF, RDFC-1.0) and, as the floor, the Ed25519 signature of the two hashes alone.
fn credential(c: &mut Criterion) {
    use api::credential::{document, proof};
    let key = ed25519_dalek::SigningKey::from_bytes(&[7u8; 32]);
    let secrets = tests::credential::secrets();
    let issuer = tests::credential::issuer(&secrets);
    let record = tests::credential::certificate(1);
    let facts =
        document::Facts { id_number: "50010120080301100X", standard: None, level_name: "四级/中级工" };
    let at = chrono::Utc::now();
    let signer =
        proof::ProofSigner::new(&key, "did:web:127.0.0.1%3A8080#k", at, document::context()).expect("signer");
    let unsigned = document::credential(&issuer, &record, &facts).expect("credential");
    let mut g = c.benchmark_group("verifiable credential");
    g.bench_function("limit: Ed25519 signature of the two 32-byte hashes", |b| {
        b.iter(|| key.sign(black_box(&[0u8; 64])))
    });
    g.bench_function("its canonicalisation alone (JSON-LD to RDFC-1.0 N-Quads)", |b| {
        b.iter(|| api::credential::canon::canonical_nquads(black_box(&unsigned)).expect("canonical"))
    });
    g.bench_function("skillcert: build and sign one credential", |b| {
        b.iter(|| {
            let unsigned = document::credential(&issuer, black_box(&record), &facts).expect("credential");
            signer.sign(unsigned).expect("signed")
        })
    });
    g.finish();
}

criterion_group!(benches, signing, codes, pdf, inspections, credential);
criterion_main!(benches);
