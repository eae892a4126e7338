//! Builds the data the benchmarks need through the real API of an in-process server: schools
//! filed as institutions, plans taken through filing, results, publicity and review, and
//! approved candidates added through the repository (as the R27 test does) so that one request
//! issues 10,000 certificates.

use reqwest::Method;
use serde_json::json;
use tests::TestApp;
use tests::pipeline::{LATHE, d, plan_body, scores, set_today};

pub const PASSWORD: &str = "a-long-password-1";

/// A school filed as an institution, with its account's name.
#[derive(Debug, Clone)]
pub struct School {
    pub n: u32,
    pub username: String,
}

/// A server with `schools` institutions and a centre account.
pub struct Fixture {
    pub app: TestApp,
    pub schools: Vec<School>,
}

fn ok(a: &tests::Answer, status: u16, what: &str) {
    assert_eq!(a.status.as_u16(), status, "{what}: {}", a.text);
}

impl Fixture {
    /// A fresh database (`TEST_DATABASE_URL` or SQLite) with `schools` filed institutions for
    /// 车工 levels 4 and 5; the clock on 2026-11-02.
    pub async fn new(schools: u32, extra: &[(&str, &str)]) -> Fixture {
        let app = TestApp::spawn_with(extra).await;
        set_today(&app, d("2026-11-02"));
        let admin = app.admin_token().await;
        let expert = app.expert(&admin, "expert.bench").await;
        let standard = app.standard(&admin, LATHE, &["4", "5"]).await;
        let mut list = Vec::new();
        for n in 1..=schools {
            let school = app.school(&admin, n, "technical_school", "500101").await;
            app.file_institution(
                &admin,
                &school,
                &expert,
                &[(LATHE, "4", &standard), (LATHE, "5", &standard)],
            )
            .await;
            list.push(School { n, username: format!("school{n}") });
        }
        app.create_user(&admin, "centre.bench", "centre", None).await;
        Fixture { app, schools: list }
    }

    /// A fixture holding `total` certificates (rounded up to plans of 10,000), issued through the
    /// API one plan per request; with the time of each request.
    pub async fn issued(total: u64) -> (Fixture, Vec<f64>) {
        const PER_PLAN: u64 = 10_000;
        let plans_needed = total.div_ceil(PER_PLAN) as usize;
        // At most 999,999 serials per institution and year: 50 plans of 10,000 per institution.
        let schools = plans_needed.div_ceil(50).max(1);
        let f = Fixture::new(schools as u32, &[]).await;
        let per_school: Vec<usize> = (0..schools).map(|i| (plans_needed - i * 50).min(50)).collect();
        let plans = f.reviewed_plans(&per_school).await;
        let client = reqwest::Client::new();
        let mut seconds = Vec::new();
        for (k, (school, plan)) in plans.iter().enumerate() {
            f.add_approved(plan, k, (PER_PLAN - 1) as u32).await;
            let token = f.token(school).await;
            let (status, n, took) = Fixture::issue(&client, &f.app.address, plan, &token).await;
            seconds.push(took.as_secs_f64());
            assert_eq!((status, n as u64), (201, PER_PLAN), "plan {k}");
        }
        (f, seconds)
    }

    pub async fn token(&self, school: &School) -> String {
        self.app.login(&school.username, PASSWORD).await
    }

    pub async fn centre(&self) -> String {
        self.app.login("centre.bench", PASSWORD).await
    }

    /// A draft plan of `school` with no candidates.
    pub async fn draft(&self, token: &str) -> String {
        let a = self.app.json(Method::POST, "/api/v1/plans", Some(token), &plan_body("2026-12-15")).await;
        ok(&a, 201, "plan");
        a.body["id"].as_str().unwrap_or_default().to_owned()
    }

    /// `count[i]` reviewed plans of school `i`, each with one candidate imported as CSV and
    /// scored; the clock moves 14 days on for the publicity period. Returns (school, plan).
    pub async fn reviewed_plans(&self, count: &[usize]) -> Vec<(School, String)> {
        let centre = self.centre().await;
        let mut plans = Vec::new();
        for (school, &k) in self.schools.iter().zip(count) {
            let token = self.token(school).await;
            for _ in 0..k {
                let plan = self.draft(&token).await;
                let path = format!("/api/v1/plans/{plan}");
                let person = people(1);
                let csv = format!(
                    "姓名,性别,身份证号,学校,学号,专业,班级,全日制,自愿,职业编码,等级\n学生甲,{},{},{},2024{person:06},机械加工,1班,是,是,{LATHE},4\n",
                    if person.is_multiple_of(2) { "女" } else { "男" },
                    resident_id(person),
                    tests::credit_code(school.n)
                );
                let a = self
                    .app
                    .send(
                        self.app
                            .request(Method::POST, &format!("{path}/candidates/import?mode=all_or_nothing"))
                            .bearer_auth(&token)
                            .header("Content-Type", "text/csv")
                            .body(csv),
                    )
                    .await;
                ok(&a, 200, "import");
                ok(
                    &self.app.json(Method::POST, &format!("{path}/file"), Some(&token), &json!({})).await,
                    200,
                    "file",
                );
                ok(
                    &self
                        .app
                        .json(Method::POST, &format!("{path}/acknowledge"), Some(&centre), &json!({}))
                        .await,
                    200,
                    "acknowledge",
                );
                let listed = self.app.get(&format!("{path}/candidates"), Some(&token)).await;
                let ids: Vec<String> = listed.body["items"]
                    .as_array()
                    .map(|v| v.iter().filter_map(|c| c["id"].as_str().map(str::to_owned)).collect())
                    .unwrap_or_default();
                // A certificate carries the candidate's 2-inch photo (R29).
                for id in &ids {
                    let a = self
                        .app
                        .send(
                            self.app
                                .request(Method::PUT, &format!("{path}/candidates/{id}/photo"))
                                .bearer_auth(&token)
                                .header("Content-Type", "image/png")
                                .body(tests::hostile::two_inch_png()),
                        )
                        .await;
                    ok(&a, 204, "photo");
                }
                let body = scores(&ids, &[(80.0, 80.0, 80.0)]);
                ok(
                    &self.app.json(Method::POST, &format!("{path}/results"), Some(&token), &body).await,
                    200,
                    "results",
                );
                ok(
                    &self
                        .app
                        .json(Method::POST, &format!("{path}/publicity"), Some(&token), &json!({}))
                        .await,
                    200,
                    "publicity",
                );
                plans.push((school.clone(), plan));
            }
        }
        set_today(&self.app, self.app.state.clock.today() + chrono::Duration::days(14));
        let centre = self.centre().await;
        for school in &self.schools {
            let token = self.token(school).await;
            for (_, plan) in plans.iter().filter(|(s, _)| s.n == school.n) {
                let path = format!("/api/v1/plans/{plan}");
                ok(
                    &self.app.json(Method::POST, &format!("{path}/report"), Some(&token), &json!({})).await,
                    200,
                    "report",
                );
                let a = self
                    .app
                    .json(
                        Method::POST,
                        &format!("{path}/review"),
                        Some(&centre),
                        &json!({"decision": "approve"}),
                    )
                    .await;
                ok(&a, 200, "review");
            }
        }
        plans
    }

    /// Adds `n` approved candidates to a reviewed plan through the repository, people no plan
    /// of this run has listed yet (a person holds one valid certificate per occupation and level).
    pub async fn add_approved(&self, plan: &str, k: usize, n: u32) {
        let first = people(n);
        let plan_id: uuid::Uuid = plan.parse().unwrap_or_default();
        let now = self.app.state.clock.now();
        let (photo, media, sha) = tests::pipeline::stored_photo(&self.app.state.attachments_dir);
        let plan_model = persistence::repo::plan::find(&self.app.state.db, plan_id)
            .await
            .unwrap_or_else(|e| panic!("plan: {e}"))
            .unwrap_or_else(|| panic!("plan {plan_id}"));
        let school_id = persistence::repo::institution::find(&self.app.state.db, plan_model.institution_id)
            .await
            .unwrap_or_else(|e| panic!("institution: {e}"))
            .unwrap_or_else(|| panic!("institution of plan {plan_id}"))
            .school_id;
        let key = &self.app.state.data_key;
        let rows: Vec<persistence::entity::candidate::Model> = (0..n)
            .map(|i| {
                let number = resident_id(first + i);
                let stored =
                    key.store(&domain::ResidentId::parse(&number).unwrap_or_else(|e| panic!("{e:?}")));
                persistence::entity::candidate::Model {
                    id: uuid::Uuid::now_v7(),
                    plan_id,
                    name: format!("学生{k}-{i}"),
                    // The ID number's 17th digit is odd for men (GB 11643): `resident_id` ends in i % 1000.
                    gender: if (first + i).is_multiple_of(2) { "female" } else { "male" }.into(),
                    id_sealed: stored.sealed,
                    id_hash: Some(stored.hash),
                    id_masked: Some(stored.masked),
                    school_name: "重庆市第1技工学校".into(),
                    school_id: Some(school_id),
                    student_number: format!("2024{:06}", first + i),
                    own_school: true,
                    major: "机械加工".into(),
                    class_name: "1班".into(),
                    full_time_confirmed: true,
                    consent_recorded: true,
                    phone: None,
                    occupation_code: LATHE.into(),
                    work_type: String::new(),
                    level: "4".into(),
                    created_at: now,
                    photo_key: Some(photo.clone()),
                    photo_media_type: Some(media.clone()),
                    photo_sha256: Some(sha.clone()),
                    review_status: "approved".into(),
                    review_note: None,
                    withdrawn_at: None,
                    withdrawal_reason: None,
                    withdrawn_by: None,
                }
            })
            .collect();
        for chunk in rows.chunks(5_000) {
            persistence::repo::plan::insert_candidates(&self.app.state.db, chunk.to_vec())
                .await
                .unwrap_or_else(|e| panic!("seed candidates: {e}"));
        }
    }

    /// Issues every approved candidate of `plan` in one request to `address` as `token`;
    /// returns the status, the number of certificates, and the time until the whole answer had
    /// arrived (reading it as JSON afterwards is not counted).
    pub async fn issue(
        client: &reqwest::Client,
        address: &str,
        plan: &str,
        token: &str,
    ) -> (u16, usize, std::time::Duration) {
        let started = std::time::Instant::now();
        let r = client
            .post(format!("{address}/api/v1/plans/{plan}/certificates"))
            .bearer_auth(token)
            .json(&json!({}))
            .send()
            .await
            .unwrap_or_else(|e| panic!("issue: {e}"));
        let status = r.status().as_u16();
        let bytes = r.bytes().await.unwrap_or_default();
        let elapsed = started.elapsed();
        // Counted without building a tree of the 6 MB answer: that took the load generator about
        // 50 ms of CPU per answer, which two replicas on the same two cores then lacked.
        #[derive(serde::Deserialize)]
        struct Items {
            items: Vec<serde::de::IgnoredAny>,
        }
        let n = serde_json::from_slice::<Items>(&bytes).map_or(0, |b| b.items.len());
        (status, n, elapsed)
    }
}

/// The first of `n` people (for [`resident_id`]) that no plan of this run has listed yet: a
/// person holds one valid certificate per occupation and level, so every plan lists others.
fn people(n: u32) -> u32 {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    NEXT.fetch_add(n, std::sync::atomic::Ordering::Relaxed)
}

/// A valid resident ID number for a student born in 2008 or after (1,000 per day from 2008-01-01),
/// distinct for every `i`.
pub fn resident_id(i: u32) -> String {
    let born = chrono::NaiveDate::from_ymd_opt(2008, 1, 1).unwrap_or_default()
        + chrono::Duration::days(i64::from(i / 1000));
    let body = format!("500101{}{:03}", born.format("%Y%m%d"), i % 1000);
    let mut digits = [0u8; 17];
    for (k, b) in body.bytes().enumerate() {
        digits[k] = b - b'0';
    }
    format!("{body}{}", domain::ResidentId::check_character(&digits))
}

/// A candidates file of `n` rows (`csv` or `xlsx`) with distinct ID numbers.
pub fn candidates_file(n: u32, xlsx: bool) -> Vec<u8> {
    let header = ["姓名", "性别", "身份证号", "学号", "专业", "班级", "全日制", "自愿", "职业编码", "等级"];
    let row = |i: u32| {
        vec![
            format!("学生{i}"),
            if i.is_multiple_of(2) { "女" } else { "男" }.to_owned(),
            resident_id(i),
            format!("2024{i:06}"),
            "机械加工".to_owned(),
            format!("2024级{}班", i % 40 + 1),
            "是".to_owned(),
            "是".to_owned(),
            LATHE.to_owned(),
            "4".to_owned(),
        ]
    };
    if xlsx {
        let mut rows = vec![header.map(str::to_owned).to_vec()];
        rows.extend((0..n).map(row));
        tests::pipeline::xlsx(&rows)
    } else {
        let mut out = header.join(",");
        out.push('\n');
        for i in 0..n {
            out.push_str(&row(i).join(","));
            out.push('\n');
        }
        out.into_bytes()
    }
}
