//! Over 400 lines: the procedure from plan to certificate, R15–R31, as one story.
//!
//! Certification rounds (issue 4): the working-day calendar, batch plans and candidates.

#![allow(clippy::expect_used, reason = "test code: a failed setup step should fail the test loudly")]

use reqwest::Method;
use serde_json::{Value, json};
use tests::pipeline::*;
use tests::{SchoolFixture, TestApp};

#[tokio::test]
async fn the_calendar_counts_working_days_across_real_holidays() {
    let app = TestApp::spawn().await;
    let a = app.get("/api/v1/calendar/working-days?from=2024-09-27&add=10", None).await;
    assert_eq!(a.status.as_u16(), 200, "{}", a.text);
    assert_eq!(a.body["date"], "2024-10-16");
    assert_eq!(a.body["warnings"], json!([]));
    let a = app.get("/api/v1/calendar/working-days?from=2024-09-27&to=2024-10-16", None).await;
    assert_eq!(a.body["working_days"], 10);
    // 2027 has no published arrangement yet: weekdays count, and the answer says so.
    let a = app.get("/api/v1/calendar/working-days?from=2026-12-30&add=3", None).await;
    assert_eq!(a.body["date"], "2027-01-04");
    assert_eq!(a.body["warnings"][0]["code"], "calendar_year_unpublished");
    assert_eq!(a.body["warnings"][0]["year"], 2027);
    // The bureau publishes 2027's New Year holiday; the answer changes and the warning goes.
    let admin = app.admin_token().await;
    let p = app
        .json(
            Method::PUT,
            "/api/v1/calendar/years/2027",
            Some(&admin),
            &json!({"source": "国务院办公厅通知（测试）", "days": [{"date": "2027-01-01", "kind": "holiday", "name": "元旦"}]}),
        )
        .await;
    assert_eq!(p.status.as_u16(), 200, "{}", p.text);
    let a = app.get("/api/v1/calendar/working-days?from=2026-12-31&add=1", None).await;
    assert_eq!((a.body["date"].clone(), a.body["warnings"].clone()), (json!("2027-01-04"), json!([])));
    // A make-up working day must fall on a weekend; bad queries are 400.
    let bad = app
        .json(
            Method::PUT,
            "/api/v1/calendar/years/2027",
            Some(&admin),
            &json!({"source": "x", "days": [{"date": "2027-01-04", "kind": "workday", "name": "x"}]}),
        )
        .await;
    assert_eq!(bad.violations(), [("days[0].kind".to_owned(), "workday_not_weekend".to_owned())]);
    app.get("/api/v1/calendar/working-days?from=2024-13-01&add=1", None).await.problem(400, "invalid_query");
    app.get("/api/v1/calendar/working-days?from=2024-01-01", None).await.problem(400, "invalid_query");
}

// R17 with the clock just before 2024's National Day break.
#[tokio::test]
async fn r17_a_plan_is_filed_ten_working_days_ahead_across_national_day() {
    let s = setup("2024-09-20").await;
    set_today(&s.app, d("2024-09-27"));
    let school =
        SchoolFixture { id: s.school.id.clone(), token: s.app.login("school1", "a-long-password-1").await };
    let s = Setup { school, ..s };
    let plan = new_plan(&s, "2024-10-15").await;
    let a = s
        .app
        .json(Method::POST, &format!("/api/v1/plans/{plan}/candidates"), Some(&s.school.token), &candidate(1))
        .await;
    assert_eq!(a.status.as_u16(), 201, "{}", a.text);
    let a = s
        .app
        .json(Method::POST, &format!("/api/v1/plans/{plan}/file"), Some(&s.school.token), &json!({}))
        .await;
    a.problem(422, "notice_too_short");
    assert!(a.body["detail"].as_str().expect("detail").contains("2024-10-16"), "{}", a.text);
    assert_eq!(a.violations(), [("sessions[0].date".to_owned(), "too_soon".to_owned())]);
    // Moving the session to the earliest allowed day works.
    let current = s.app.get(&format!("/api/v1/plans/{plan}"), Some(&s.school.token)).await;
    let etag = current.header("etag").expect("etag").to_owned();
    let a = s
        .app
        .send(
            s.app
                .request(Method::PUT, &format!("/api/v1/plans/{plan}"))
                .bearer_auth(&s.school.token)
                .header("If-Match", etag)
                .json(&plan_body("2024-10-16")),
        )
        .await;
    assert_eq!(a.status.as_u16(), 200, "{}", a.text);
    let a = s
        .app
        .json(Method::POST, &format!("/api/v1/plans/{plan}/file"), Some(&s.school.token), &json!({}))
        .await;
    assert_eq!((a.status.as_u16(), a.body["status"].clone()), (200, json!("filed")), "{}", a.text);
    assert_eq!(a.body["filed_on"], "2024-09-27");
    // The centre returns it with reasons; the school files it again, and the centre acknowledges
    // it; a later change of a session is filed again under R17.
    let centre = s.app.login("centre.plan", "a-long-password-1").await;
    let a = s
        .app
        .json(
            Method::POST,
            &format!("/api/v1/plans/{plan}/return"),
            Some(&centre),
            &json!({"reasons": "考评人员名单缺少质量督导人员"}),
        )
        .await;
    assert_eq!(
        (a.status.as_u16(), a.body["status"].clone(), a.body["return_reasons"].clone()),
        (200, json!("returned"), json!("考评人员名单缺少质量督导人员")),
        "{}",
        a.text
    );
    s.app
        .json(
            Method::POST,
            &format!("/api/v1/plans/{plan}/return"),
            Some(&centre),
            &json!({"reasons": "再退"}),
        )
        .await
        .problem(409, "wrong_status");
    let a = s
        .app
        .json(Method::POST, &format!("/api/v1/plans/{plan}/file"), Some(&s.school.token), &json!({}))
        .await;
    assert_eq!((a.status.as_u16(), a.body["status"].clone()), (200, json!("filed")), "{}", a.text);
    let a = s
        .app
        .json(Method::POST, &format!("/api/v1/plans/{plan}/acknowledge"), Some(&centre), &json!({}))
        .await;
    assert_eq!(a.body["status"], "acknowledged", "{}", a.text);
    let a = s
        .app
        .send(
            s.app
                .request(Method::PUT, &format!("/api/v1/plans/{plan}"))
                .bearer_auth(&s.school.token)
                .header("If-Match", "*")
                .json(&plan_body("2024-10-15")),
        )
        .await;
    a.problem(422, "notice_too_short");
    let a = s
        .app
        .send(
            s.app
                .request(Method::PUT, &format!("/api/v1/plans/{plan}"))
                .bearer_auth(&s.school.token)
                .header("If-Match", "*")
                .json(&plan_body("2024-10-18")),
        )
        .await;
    assert_eq!((a.status.as_u16(), a.body["status"].clone()), (200, json!("filed")), "{}", a.text);
}

// R12
#[tokio::test]
async fn r12_a_suspended_institution_cannot_file_a_plan() {
    let s = setup("2026-11-02").await;
    let plan = new_plan(&s, "2026-12-15").await;
    s.app
        .json(Method::POST, &format!("/api/v1/plans/{plan}/candidates"), Some(&s.school.token), &candidate(1))
        .await;
    let a = s
        .app
        .json(
            Method::POST,
            &format!("/api/v1/institutions/{}/suspend", s.institution),
            Some(&s.admin),
            &json!({"reason": "检查"}),
        )
        .await;
    assert_eq!(a.status.as_u16(), 200, "{}", a.text);
    let a = s
        .app
        .json(Method::POST, &format!("/api/v1/plans/{plan}/file"), Some(&s.school.token), &json!({}))
        .await;
    a.problem(409, "institution_not_active");
    assert!(a.body["detail"].as_str().expect("detail").contains("暂停"));
}

// R15, R18
#[tokio::test]
async fn r15_r18_plans_stay_within_scope_validity_and_roster() {
    let s = setup("2026-11-02").await;
    let mut body = plan_body("2026-12-15");
    body["occupations"] =
        json!([{"occupation_code": LATHE, "level": "3"}, {"occupation_code": "6-18-01-02", "level": "4"}]);
    body["sessions"][0]["examiners"] = json!(["KP-9"]);
    body["sessions"][0]["supervisors"] = json!([]);
    body["sessions"][0]["date"] = json!("2031-01-01");
    let a = s.app.json(Method::POST, "/api/v1/plans", Some(&s.school.token), &body).await;
    a.problem(422, "validation_failed");
    let mut v = a.violations();
    v.sort();
    assert_eq!(
        v,
        [
            ("occupations[0]".to_owned(), "outside_scope".to_owned()),
            ("occupations[1]".to_owned(), "outside_scope".to_owned()),
            ("sessions[0].date".to_owned(), "after_validity".to_owned()),
            ("sessions[0].examiners[0]".to_owned(), "not_on_roster".to_owned()),
            ("sessions[0].supervisors".to_owned(), "too_few".to_owned()),
        ]
    );
    // A plan without candidates cannot be filed (R18).
    let plan = new_plan(&s, "2026-12-15").await;
    let a = s
        .app
        .json(Method::POST, &format!("/api/v1/plans/{plan}/file"), Some(&s.school.token), &json!({}))
        .await;
    assert_eq!(a.violations(), [("candidates".to_owned(), "too_few".to_owned())]);
    // Enumerations come with display names in the caller's language (issue 9).
    let zh = s.app.get(&format!("/api/v1/plans/{plan}"), Some(&s.school.token)).await;
    assert_eq!(zh.body["sessions"][0]["kind_name"], "理论知识考试");
    assert_eq!(zh.body["occupations"][0]["level_name"], "四级/中级工");
    assert_eq!(zh.body["status_name"], "草稿");
    let en = s
        .app
        .send(
            s.app
                .request(Method::GET, &format!("/api/v1/plans/{plan}"))
                .bearer_auth(&s.school.token)
                .header("Accept-Language", "en"),
        )
        .await;
    assert_eq!(en.body["sessions"][0]["kind_name"], "Theory exam");
    assert_eq!(en.body["phase_name"], "Assessment");
    assert_eq!(en.body["sessions"][0]["kind"], zh.body["sessions"][0]["kind"]);
    // Another school cannot see or act on it (R16): 404.
    let other = s.app.school(&s.admin, 2, "technical_school", "500102").await;
    s.app.get(&format!("/api/v1/plans/{plan}"), Some(&other.token)).await.problem(404, "not_found");
    s.app
        .json(Method::POST, "/api/v1/plans", Some(&other.token), &plan_body("2026-12-15"))
        .await
        .problem(404, "not_found");
    // The centre sees it; a district office of another district does not.
    assert_eq!(s.app.get(&format!("/api/v1/plans/{plan}"), Some(&s.centre)).await.status.as_u16(), 200);
    s.app.create_user(&s.admin, "fuling", "district", Some("500102")).await;
    let fuling = s.app.login("fuling", "a-long-password-1").await;
    s.app.get(&format!("/api/v1/plans/{plan}"), Some(&fuling)).await.problem(404, "not_found");
}

// R19
#[tokio::test]
async fn r19_candidates_are_voluntary_full_time_students_listed_once() {
    let s = setup("2026-11-02").await;
    let plan = new_plan(&s, "2026-12-15").await;
    let path = format!("/api/v1/plans/{plan}/candidates");
    let mut bad = candidate(1);
    bad["consent_recorded"] = json!(false);
    bad["full_time_confirmed"] = json!(false);
    bad["gender"] = json!("female");
    bad["level"] = json!("5");
    let a = s.app.json(Method::POST, &path, Some(&s.school.token), &bad).await;
    let mut v = a.violations();
    v.sort();
    assert_eq!(
        v,
        [
            ("consent_recorded".to_owned(), "consent_required".to_owned()),
            ("full_time_confirmed".to_owned(), "full_time_required".to_owned()),
            ("gender".to_owned(), "gender_mismatch".to_owned()),
            ("occupation_code".to_owned(), "not_in_plan".to_owned()),
        ]
    );
    let mut old = candidate(2);
    old["id_number"] = json!("11010519491231002X");
    old["gender"] = json!("female");
    let a = s.app.json(Method::POST, &path, Some(&s.school.token), &old).await;
    assert_eq!(a.violations(), [("id_number".to_owned(), "student_age".to_owned())]);
    assert_eq!(
        s.app.json(Method::POST, &path, Some(&s.school.token), &candidate(3)).await.status.as_u16(),
        201
    );
    s.app
        .json(Method::POST, &path, Some(&s.school.token), &candidate(3))
        .await
        .problem(409, "candidate_twice");
    // Districts see masked ID and phone numbers; the institution sees them in full.
    s.app.create_user(&s.admin, "wanzhou", "district", Some("500101")).await;
    let wanzhou = s.app.login("wanzhou", "a-long-password-1").await;
    let listed = s.app.get(&path, Some(&wanzhou)).await;
    assert!(
        !listed.text.contains(&tests::resident_id(7)) && !listed.text.contains("13900139000"),
        "{}",
        listed.text
    );
    let own = s.app.get(&path, Some(&s.school.token)).await;
    assert!(own.text.contains(&tests::resident_id(7)));
}

fn csv_file(rows: &[Value]) -> String {
    let mut out = String::from("姓名,性别,身份证号,学校,学号,专业,班级,全日制,自愿,联系电话,职业编码,等级\n");
    for r in rows {
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{},{},{},{},{}\n",
            r["name"].as_str().expect("name"),
            if r["gender"] == "male" { "男" } else { "女" },
            r["id_number"].as_str().expect("id"),
            r["school"].as_str().unwrap_or(""),
            r["student_number"].as_str().expect("student number"),
            r["major"].as_str().expect("major"),
            r["class_name"].as_str().expect("class"),
            if r["full_time_confirmed"] == true { "是" } else { "否" },
            if r["consent_recorded"] == true { "是" } else { "否" },
            r["phone"].as_str().unwrap_or(""),
            r["occupation_code"].as_str().expect("code"),
            r["level"].as_str().expect("level"),
        ));
    }
    out
}

#[tokio::test]
async fn csv_import_reports_every_bad_row_all_or_nothing_or_valid_rows_only() {
    let s = setup("2026-11-02").await;
    let plan = new_plan(&s, "2026-12-15").await;
    let mut rows: Vec<Value> = (1..=5).map(candidate).collect();
    rows[1]["id_number"] = json!("500101200001010000");
    rows[3]["consent_recorded"] = json!(false);
    rows.push(candidate(1));
    let file = csv_file(&rows);
    let import = |mode: &str| {
        s.app
            .request(Method::POST, &format!("/api/v1/plans/{plan}/candidates/import?mode={mode}"))
            .bearer_auth(&s.school.token)
            .header("Content-Type", "text/csv")
            .body(file.clone())
    };
    let a = s.app.send(import("all_or_nothing")).await;
    a.problem(422, "validation_failed");
    let fields: Vec<String> = a.violations().into_iter().map(|(f, _)| f).collect();
    assert_eq!(fields, ["rows[3].id_number", "rows[5].consent_recorded", "rows[7].id_number"]);
    assert_eq!(
        s.app.get(&format!("/api/v1/plans/{plan}"), Some(&s.school.token)).await.body["candidates"],
        0
    );
    let a = s.app.send(import("valid_rows_only")).await;
    assert_eq!(a.status.as_u16(), 200, "{}", a.text);
    assert_eq!((a.body["rows"].clone(), a.body["imported"].clone()), (json!(6), json!(3)));
    let rejected: Vec<u64> = a.body["rejected"]
        .as_array()
        .expect("rejected")
        .iter()
        .map(|r| r["row"].as_u64().expect("row"))
        .collect();
    assert_eq!(rejected, [3, 5, 7]);
    assert_eq!(
        s.app.get(&format!("/api/v1/plans/{plan}"), Some(&s.school.token)).await.body["candidates"],
        3
    );
    s.app.send(import("sometimes")).await.problem(400, "invalid_query");
}

/// R19: a candidate is a technical-school student: another school is named from the schools
/// registry (every school there is a 技工院校 in Chongqing) by id or credit code; an unknown one
/// is refused, and reported per row in an import.
#[tokio::test]
async fn r19_a_candidate_s_school_comes_from_the_registry() {
    let s = setup("2026-11-02").await;
    let other = s.app.school(&s.admin, 2, "senior_technical_school", "500102").await;
    let plan = new_plan(&s, "2026-12-15").await;
    let add = |seq: u16, school: Value| {
        let mut body = candidate(seq);
        body["school"] = school;
        let (app, token, plan) = (&s.app, s.school.token.clone(), plan.clone());
        async move {
            app.json(Method::POST, &format!("/api/v1/plans/{plan}/candidates"), Some(&token), &body).await
        }
    };
    let a = add(1, json!(other.id)).await;
    assert_eq!(a.status.as_u16(), 201, "{}", a.text);
    assert_eq!(
        (a.body["school_id"].clone(), a.body["school_name"].clone(), a.body["own_school"].clone()),
        (json!(other.id), json!("重庆市第2技工学校"), json!(false)),
        "{}",
        a.text
    );
    assert_eq!(a.body["student_number"], "20240001");
    let a = add(2, json!(tests::credit_code(2).to_lowercase())).await;
    assert_eq!((a.status.as_u16(), a.body["school_id"].clone()), (201, json!(other.id)), "{}", a.text);
    let a = add(3, Value::Null).await;
    assert_eq!((a.status.as_u16(), a.body["own_school"].clone()), (201, json!(true)), "{}", a.text);
    for unknown in [json!("重庆市第2技工学校"), json!("91500000MA5U0000XX"), json!(uuid::Uuid::now_v7())]
    {
        let a = add(4, unknown).await;
        a.problem(422, "validation_failed");
        assert_eq!(a.violations(), [("school".to_owned(), "school_not_registered".to_owned())], "{}", a.text);
    }
    let mut missing = candidate(4);
    missing.as_object_mut().expect("object").remove("student_number");
    let a = s
        .app
        .json(Method::POST, &format!("/api/v1/plans/{plan}/candidates"), Some(&s.school.token), &missing)
        .await;
    assert_eq!(a.violations(), [("student_number".to_owned(), "required".to_owned())], "{}", a.text);
    // An import reports the unknown school on its row and takes the others.
    let mut rows: Vec<Value> = (5..=7).map(candidate).collect();
    rows[0]["school"] = json!(tests::credit_code(2));
    rows[1]["school"] = json!("不在名录的学校");
    let a = s
        .app
        .send(
            s.app
                .request(
                    Method::POST,
                    &format!("/api/v1/plans/{plan}/candidates/import?mode=valid_rows_only"),
                )
                .bearer_auth(&s.school.token)
                .header("Content-Type", "text/csv")
                .body(csv_file(&rows)),
        )
        .await;
    assert_eq!((a.status.as_u16(), a.body["imported"].clone()), (200, json!(2)), "{}", a.text);
    assert_eq!(a.body["rejected"][0]["row"], 3, "{}", a.text);
    assert_eq!(a.body["rejected"][0]["errors"][0]["field"], "school", "{}", a.text);
    assert_eq!(a.body["rejected"][0]["errors"][0]["code"], "school_not_registered", "{}", a.text);
}

/// An import whose every row names another unknown school: each row is reported, and the
/// schools are looked up in batches, not one statement per row.
#[tokio::test]
async fn r19_an_import_naming_two_thousand_unknown_schools_looks_them_up_in_batches() {
    let s = setup("2026-11-02").await;
    let plan = new_plan(&s, "2026-12-15").await;
    let rows: Vec<Value> = (1..=2000u16)
        .map(|seq| {
            let mut r = candidate(seq);
            r["school"] = json!(format!("91500000MA{seq:08}"));
            r
        })
        .collect();
    let file = csv_file(&rows);
    let _no_sync = s.app.state.limiter.hold_syncs().await;
    let (db0, sync0) = (s.app.state.metrics.db_statements(), s.app.state.limiter.statements());
    let a = s
        .app
        .send(
            s.app
                .request(
                    Method::POST,
                    &format!("/api/v1/plans/{plan}/candidates/import?mode=valid_rows_only"),
                )
                .bearer_auth(&s.school.token)
                .header("Content-Type", "text/csv")
                .body(file),
        )
        .await;
    let statements = (s.app.state.metrics.db_statements() - db0) - (s.app.state.limiter.statements() - sync0);
    assert_eq!((a.status.as_u16(), a.body["imported"].clone()), (200, json!(0)), "{}", a.text);
    let rejected = a.body["rejected"].as_array().expect("rejected");
    assert_eq!(rejected.len(), 2000);
    assert!(rejected.iter().all(|r| r["errors"][0]["code"] == "school_not_registered"));
    assert!(statements < 60, "{statements} statements for one import");
}

#[tokio::test]
async fn xlsx_import_reads_the_first_sheet() {
    let s = setup("2026-11-02").await;
    let plan = new_plan(&s, "2026-12-15").await;
    let header: Vec<String> = [
        "name",
        "gender",
        "id_number",
        "school",
        "student_number",
        "major",
        "class_name",
        "full_time_confirmed",
        "consent_recorded",
        "occupation_code",
        "level",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    let mut rows = vec![header];
    for seq in 1..=4u16 {
        rows.push(vec![
            format!("学生{seq}"),
            "男".into(),
            tests::resident_id(seq * 2 + 1),
            tests::credit_code(1),
            format!("2024{seq:04}"),
            "机械加工".into(),
            "1班".into(),
            "是".into(),
            "是".into(),
            LATHE.into(),
            "4".into(),
        ]);
    }
    let a = s
        .app
        .send(
            s.app
                .request(Method::POST, &format!("/api/v1/plans/{plan}/candidates/import?mode=all_or_nothing"))
                .bearer_auth(&s.school.token)
                .header("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
                .body(xlsx(&rows)),
        )
        .await;
    assert_eq!(a.status.as_u16(), 200, "{}", a.text);
    assert_eq!(a.body["imported"], 4);
    let listed = s.app.get(&format!("/api/v1/plans/{plan}/candidates"), Some(&s.school.token)).await;
    assert_eq!(listed.body["total"], 4);
    assert_eq!(listed.body["items"][0]["own_school"], true);
    let a = s
        .app
        .send(
            s.app
                .request(Method::POST, &format!("/api/v1/plans/{plan}/candidates/import?mode=all_or_nothing"))
                .bearer_auth(&s.school.token)
                .header("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
                .body(b"not a zip".to_vec()),
        )
        .await;
    // Not what its Content-Type says (issue 22).
    a.problem(422, "validation_failed");
    assert_eq!(a.violations(), [("body".to_owned(), "content_type_mismatch".to_owned())]);
}

// R20: every component ≥ 60; values are appended, changes need reasons and are kept.
#[tokio::test]
async fn r20_results_pass_when_every_component_reaches_60_and_every_change_is_kept() {
    let s = setup("2026-11-02").await;
    let plan = new_plan(&s, "2026-12-15").await;
    s.app
        .json(Method::POST, &format!("/api/v1/plans/{plan}/candidates"), Some(&s.school.token), &candidate(1))
        .await;
    // Not before the centre acknowledged the plan.
    let ids = candidate_ids(&s, &plan).await;
    s.app
        .json(
            Method::POST,
            &format!("/api/v1/plans/{plan}/results"),
            Some(&s.school.token),
            &scores(&ids, &[(80.0, 59.5, 90.0)]),
        )
        .await
        .problem(409, "wrong_status");
    s.app.json(Method::POST, &format!("/api/v1/plans/{plan}/file"), Some(&s.school.token), &json!({})).await;
    s.app.json(Method::POST, &format!("/api/v1/plans/{plan}/acknowledge"), Some(&s.centre), &json!({})).await;
    let a = s
        .app
        .json(
            Method::POST,
            &format!("/api/v1/plans/{plan}/results"),
            Some(&s.school.token),
            &scores(&ids, &[(80.0, 59.5, 90.0)]),
        )
        .await;
    assert_eq!(a.status.as_u16(), 200, "{}", a.text);
    assert_eq!(a.body["candidates"][0]["passed"], false);
    // Changing a value without a reason is refused; with one it is appended.
    let change = json!({"results": [{"candidate_id": ids[0], "component": "theory_exam", "score": 61.0}]});
    let a = s
        .app
        .json(Method::POST, &format!("/api/v1/plans/{plan}/results"), Some(&s.school.token), &change)
        .await;
    assert_eq!(a.violations(), [("results[0].reason".to_owned(), "reason_required".to_owned())]);
    let change = json!({"results": [{"candidate_id": ids[0], "component": "theory_exam", "score": 61.0, "reason": "复核阅卷，漏计一题"}]});
    let a = s
        .app
        .json(Method::POST, &format!("/api/v1/plans/{plan}/results"), Some(&s.school.token), &change)
        .await;
    assert_eq!(a.body["candidates"][0]["passed"], true, "{}", a.text);
    let history = a.body["candidates"][0]["history"].as_array().expect("history");
    assert_eq!(history.len(), 4);
    assert_eq!(history.iter().filter(|h| h["component"] == "theory_exam").count(), 2);
    let bad = json!({"results": [{"candidate_id": ids[0], "component": "interview", "score": 101.0}]});
    let a =
        s.app.json(Method::POST, &format!("/api/v1/plans/{plan}/results"), Some(&s.school.token), &bad).await;
    let mut v = a.violations();
    v.sort();
    assert_eq!(
        v,
        [
            ("results[0].component".to_owned(), "not_one_of".to_owned()),
            ("results[0].score".to_owned(), "out_of_range".to_owned())
        ]
    );
}

// R21, R22, R23 end to end: a filed institution, a plan with candidates from XLSX, results,
// publicity, an objection, report and review.
#[tokio::test]
async fn r21_r22_r23_publicity_objections_report_and_review() {
    let s = setup("2026-11-02").await;
    let plan = acknowledged_plan(&s, 3).await;
    let ids = candidate_ids(&s, &plan).await;
    let path = format!("/api/v1/plans/{plan}");
    // Publicity needs complete results.
    s.app
        .json(Method::POST, &format!("{path}/publicity"), Some(&s.school.token), &json!({}))
        .await
        .problem(422, "validation_failed");
    s.app
        .json(
            Method::POST,
            &format!("{path}/results"),
            Some(&s.school.token),
            &scores(&ids, &[(80.0, 70.0, 75.0), (90.0, 88.0, 92.0), (60.0, 50.0, 70.0)]),
        )
        .await;
    // Monday 2026-11-30: the publicity runs 12-01 .. 12-07.
    set_today(&s.app, d("2026-11-30"));
    let school = s.app.login("school1", "a-long-password-1").await;
    let centre = s.app.login("centre.plan", "a-long-password-1").await;
    let a = s.app.json(Method::POST, &format!("{path}/publicity"), Some(&school), &json!({})).await;
    assert_eq!(
        (a.body["phase"].clone(), a.body["publicity_ends_on"].clone()),
        (json!("publicity"), json!("2026-12-07")),
        "{}",
        a.text
    );

    // The public notice lists who passed, names masked, no ID numbers.
    let notice = s.app.get(&format!("/api/v1/public/publicity/{plan}"), None).await;
    assert_eq!(notice.status.as_u16(), 200, "{}", notice.text);
    let passed = notice.body["passed"].as_array().expect("passed");
    assert_eq!(passed.len(), 2);
    assert!(passed.iter().all(|p| p["name"].as_str().expect("name").ends_with('*')));
    for seq in 1..=3u16 {
        assert!(!notice.text.contains(&tests::resident_id(seq * 2 + 1)));
    }
    assert!(!notice.text.contains("学生1\"") && !notice.text.contains("13900139000"));

    // Someone objects that the third candidate's theory paper was mis-marked.
    let third = ids
        .iter()
        .find(|id| !passed.iter().any(|p| p["candidate_id"] == id.as_str()))
        .expect("failed one")
        .clone();
    let o = s
        .app
        .json(
            Method::POST,
            &format!("/api/v1/public/publicity/{plan}/objections"),
            None,
            &json!({"candidate_id": third, "content": "理论试卷第3题评分有误", "contact": "13700137000"}),
        )
        .await;
    assert_eq!(o.status.as_u16(), 201, "{}", o.text);
    let objection = o.body["id"].as_str().expect("id").to_owned();

    // Not before the window ends (R21), nor with an open objection (R22).
    set_today(&s.app, d("2026-12-07"));
    let school = s.app.login("school1", "a-long-password-1").await;
    s.app
        .json(Method::POST, &format!("{path}/report"), Some(&school), &json!({}))
        .await
        .problem(409, "publicity_running");
    set_today(&s.app, d("2026-12-08"));
    let school = s.app.login("school1", "a-long-password-1").await;
    let _ = centre;
    s.app
        .json(Method::POST, &format!("{path}/report"), Some(&school), &json!({}))
        .await
        .problem(409, "objections_open");
    s.app
        .json(
            Method::POST,
            &format!("/api/v1/public/publicity/{plan}/objections"),
            None,
            &json!({"content": "太晚了", "contact": "x@example.cn"}),
        )
        .await
        .problem(409, "publicity_closed");
    // The institution upholds it and corrects the score, with the answer as the reason.
    let a = s
        .app
        .json(
            Method::POST,
            &format!("{path}/objections/{objection}/answer"),
            Some(&school),
            &json!({"answer": "经复核，第3题少计10分，予以更正", "upheld": true,
                    "corrections": [{"candidate_id": third, "component": "theory_exam", "score": 60.0}]}),
        )
        .await;
    assert_eq!(a.status.as_u16(), 200, "{}", a.text);
    let corrected = a.body["candidates"]
        .as_array()
        .expect("c")
        .iter()
        .find(|c| c["candidate_id"] == third.as_str())
        .expect("third")
        .clone();
    assert_eq!(corrected["passed"], true);
    assert!(
        corrected["history"]
            .as_array()
            .expect("h")
            .iter()
            .any(|h| h["reason"].as_str().is_some_and(|r| r.contains("异议成立")))
    );

    // R21: the changed result is published again, 5 more working days, before it is reported;
    // the notice of round 2 shows what changed.
    s.app
        .json(Method::POST, &format!("{path}/report"), Some(&school), &json!({}))
        .await
        .problem(409, "republication_required");
    let a = s.app.json(Method::POST, &format!("{path}/publicity"), Some(&school), &json!({})).await;
    assert_eq!(
        (a.body["phase"].clone(), a.body["publicity_ends_on"].clone(), a.body["publicity_round"].clone()),
        (json!("publicity"), json!("2026-12-15"), json!(2)),
        "{}",
        a.text
    );
    s.app
        .json(Method::POST, &format!("{path}/publicity"), Some(&school), &json!({}))
        .await
        .problem(409, "nothing_changed");
    let notice = s.app.get(&format!("/api/v1/public/publicity/{plan}"), None).await;
    assert_eq!(notice.body["round"], 2, "{}", notice.text);
    let changed = notice.body["changed"].as_array().expect("changed");
    assert_eq!(changed.len(), 1, "{}", notice.text);
    assert_eq!(
        (changed[0]["candidate_id"].clone(), changed[0]["passed"].clone()),
        (json!(third), json!(true))
    );
    assert_eq!(notice.body["passed"].as_array().expect("passed").len(), 3);
    s.app
        .json(Method::POST, &format!("{path}/report"), Some(&school), &json!({}))
        .await
        .problem(409, "publicity_running");
    set_today(&s.app, d("2026-12-16"));
    let school = s.app.login("school1", "a-long-password-1").await;
    let centre_now = s.app.login("centre.plan", "a-long-password-1").await;
    let a = s.app.json(Method::POST, &format!("{path}/report"), Some(&school), &json!({})).await;
    assert_eq!((a.status.as_u16(), a.body["phase"].clone()), (200, json!("reported")), "{}", a.text);
    // Results are locked once reported.
    s.app
        .json(Method::POST, &format!("{path}/results"), Some(&school), &scores(&ids, &[(99.0, 99.0, 99.0)]))
        .await
        .problem(409, "wrong_status");

    // The centre returns it once, then approves all but one.
    let a = s
        .app
        .json(Method::POST, &format!("{path}/review"), Some(&centre_now), &json!({"decision": "return"}))
        .await;
    assert_eq!(a.violations(), [("reasons".to_owned(), "reason_required".to_owned())]);
    let a = s
        .app
        .json(
            Method::POST,
            &format!("{path}/review"),
            Some(&centre_now),
            &json!({"decision": "return", "reasons": "请补充实操考核录像说明"}),
        )
        .await;
    assert_eq!(a.body["phase"], "review_returned", "{}", a.text);
    let a = s.app.json(Method::POST, &format!("{path}/report"), Some(&school), &json!({})).await;
    assert_eq!(a.body["phase"], "reported", "{}", a.text);
    let a = s
        .app
        .json(
            Method::POST,
            &format!("{path}/review"),
            Some(&centre_now),
            &json!({"decision": "approve", "rejected": [ids[0]], "reasons": "身份信息待核实"}),
        )
        .await;
    assert_eq!(a.body["phase"], "reviewed", "{}", a.text);
    let statuses: Vec<&str> = a.body["candidates"]
        .as_array()
        .expect("c")
        .iter()
        .map(|c| c["review_status"].as_str().expect("s"))
        .collect();
    assert_eq!(statuses.iter().filter(|s| **s == "approved").count(), 2);
    let reports = a.body["reports"].as_array().expect("reports");
    assert_eq!(reports.len(), 2);
    assert_eq!(
        (reports[0]["decision"].clone(), reports[1]["decision"].clone()),
        (json!("returned"), json!("approved"))
    );
    // Every step is in the audit log.
    let events = s
        .app
        .get(
            &format!("/api/v1/audit-events?target_type=plan&target_id={plan}&per_page=100"),
            Some(&s.app.admin_token().await),
        )
        .await;
    let actions: Vec<&str> = events.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|e| e["action"].as_str().expect("a"))
        .collect();
    for a in [
        "plan.filed",
        "plan.acknowledged",
        "plan.results_recorded",
        "plan.publicity_started",
        "plan.objection_lodged",
        "plan.objection_answered",
        "plan.reported",
        "plan.reviewed",
    ] {
        assert!(actions.contains(&a), "{a} missing from {actions:?}");
    }
    // R32: objections and their answers are never deleted.
    use persistence::sea_orm::{ConnectionTrait, Statement};
    let db = &s.app.state.db;
    let before = s.app.count("objections").await;
    assert!(before > 0);
    assert!(
        db.execute_raw(Statement::from_string(db.get_database_backend(), "DELETE FROM objections"))
            .await
            .is_err()
    );
    assert_eq!(s.app.count("objections").await, before);
}

fn png(w: u32, h: u32) -> Vec<u8> {
    tests::hostile::png(w, h)
}

#[tokio::test]
async fn candidate_photos_are_two_inch_jpeg_or_png() {
    let s = setup("2026-11-02").await;
    let plan = new_plan(&s, "2026-12-15").await;
    s.app
        .json(Method::POST, &format!("/api/v1/plans/{plan}/candidates"), Some(&s.school.token), &candidate(1))
        .await;
    let id = candidate_ids(&s, &plan).await.remove(0);
    let put = |ct: &str, body: Vec<u8>| {
        s.app
            .request(Method::PUT, &format!("/api/v1/plans/{plan}/candidates/{id}/photo"))
            .bearer_auth(&s.school.token)
            .header("Content-Type", ct)
            .body(body)
    };
    s.app.send(put("image/png", png(600, 400))).await.problem(422, "validation_failed");
    let a = s.app.send(put("image/png", b"%PDF-1.4".to_vec())).await;
    assert_eq!(a.violations(), [("photo".to_owned(), "content_type_mismatch".to_owned())]);
    let a = s.app.send(put("image/png", png(413, 579))).await;
    assert_eq!(a.status.as_u16(), 204, "{}", a.text);
    let photo =
        s.app.get(&format!("/api/v1/plans/{plan}/candidates/{id}/photo"), Some(&s.school.token)).await;
    assert_eq!(photo.header("content-type"), Some("image/png"));
}

// Issue 23, point 5: one idempotency mechanism. Issuance claims its key in the store every other
// creating POST uses (`http_idempotency`), but inside its own transaction: a failed issuance
// frees the key, the answer is replayed with `Idempotency-Replayed`, the same key with another
// request is refused, and the key is kept once.
#[tokio::test]
async fn issuance_keeps_its_key_in_the_one_idempotency_store_inside_its_change() {
    let s = setup("2026-11-02").await;
    let plan = reviewed_plan(&s, 2).await;
    let school = s.app.login("school1", "a-long-password-1").await;
    let issue = |body: Value| {
        s.app
            .request(Method::POST, &format!("/api/v1/plans/{plan}/certificates"))
            .bearer_auth(&school)
            .header("Idempotency-Key", "issue-once")
            .json(&body)
    };
    let stranger = json!({"candidate_ids": [uuid::Uuid::now_v7()]});
    // A failed first request (422) leaves nothing behind: not the certificates, not the key.
    let failed = s.app.send(issue(stranger.clone())).await;
    assert_eq!(failed.status.as_u16(), 422, "{}", failed.text);
    assert_eq!(s.app.count("http_idempotency").await, 0, "the failed issuance freed its key");
    let first = s.app.send(issue(json!({}))).await;
    assert_eq!(first.status.as_u16(), 201, "{}", first.text);
    assert_eq!(first.header("idempotency-replayed"), None);
    let again = s.app.send(issue(json!({}))).await;
    assert_eq!(again.status.as_u16(), 201, "{}", again.text);
    assert_eq!(again.header("idempotency-replayed"), Some("true"));
    assert_eq!(again.body, first.body, "the replay is the first answer");
    s.app.send(issue(stranger)).await.problem(422, "idempotency_mismatch");
    assert_eq!(s.app.count("certificates").await, 2, "issued once");
    assert_eq!(s.app.count("http_idempotency").await, 1, "one key, in the one store");
}

// R23–R27, R31: issue for approved candidates, retry safely, verify publicly.
/// R21: results corrected after the centre returned them are published again for 5 working days
/// before they are reported again; a return with nothing corrected is reported at once.
#[tokio::test]
async fn r21_results_corrected_after_a_return_are_published_again() {
    let s = setup("2026-11-02").await;
    let plan = acknowledged_plan(&s, 2).await;
    let ids = candidate_ids(&s, &plan).await;
    let path = format!("/api/v1/plans/{plan}");
    let post = |token: String, what: &'static str, body: Value| {
        let (app, path) = (&s.app, path.clone());
        async move { app.json(Method::POST, &format!("{path}/{what}"), Some(&token), &body).await }
    };
    let a = post(s.school.token.clone(), "results", scores(&ids, &[(80.0, 80.0, 80.0), (80.0, 50.0, 80.0)]))
        .await;
    assert_eq!(a.status.as_u16(), 200, "{}", a.text);
    let a = post(s.school.token.clone(), "publicity", json!({})).await;
    assert_eq!(a.body["publicity_round"], 1, "{}", a.text);
    set_today(&s.app, d("2026-11-16"));
    let school = s.app.login("school1", "a-long-password-1").await;
    let centre = s.app.login("centre.plan", "a-long-password-1").await;
    assert_eq!(post(school.clone(), "report", json!({})).await.status.as_u16(), 200);
    let a =
        post(centre.clone(), "review", json!({"decision": "return", "reasons": "第二名考生理论成绩有误"}))
            .await;
    assert_eq!(a.body["phase"], "review_returned", "{}", a.text);
    // Nothing corrected yet: nothing to publish again.
    post(school.clone(), "publicity", json!({})).await.problem(409, "nothing_changed");
    let fix = json!({"results": [{"candidate_id": ids[1], "component": "theory_exam", "score": 65.0,
                                   "reason": "复核试卷，第5题漏计15分"}]});
    assert_eq!(post(school.clone(), "results", fix).await.status.as_u16(), 200);
    let refused = post(school.clone(), "report", json!({})).await;
    refused.problem(409, "republication_required");
    assert!(refused.text.contains("有 1 名考生"), "{}", refused.text);
    // Published again (Monday 11-16: 11-17 .. 11-23); an objection is possible again.
    let a = post(school.clone(), "publicity", json!({})).await;
    assert_eq!(
        (a.body["phase"].clone(), a.body["publicity_round"].clone(), a.body["publicity_ends_on"].clone()),
        (json!("publicity"), json!(2), json!("2026-11-23")),
        "{}",
        a.text
    );
    let notice = s.app.get(&format!("/api/v1/public/publicity/{plan}"), None).await;
    let changed: Vec<Value> = notice.body["changed"]
        .as_array()
        .expect("changed")
        .iter()
        .map(|c| c["candidate_id"].clone())
        .collect();
    assert_eq!(changed, [json!(ids[1])], "{}", notice.text);
    assert!(!notice.text.contains(&tests::resident_id(5)), "no ID number in the notice");
    post(school.clone(), "report", json!({})).await.problem(409, "publicity_running");
    set_today(&s.app, d("2026-11-24"));
    let school = s.app.login("school1", "a-long-password-1").await;
    let a = post(school, "report", json!({})).await;
    assert_eq!((a.status.as_u16(), a.body["phase"].clone()), (200, json!("reported")), "{}", a.text);
}

#[tokio::test]
async fn r24_r27_certificates_get_gapless_codes_and_verify_publicly() {
    let s = setup("2026-11-02").await;
    let plan = reviewed_plan(&s, 3).await;
    let school = s.app.login("school1", "a-long-password-1").await;
    let issue = |key: &str| {
        s.app
            .request(Method::POST, &format!("/api/v1/plans/{plan}/certificates"))
            .bearer_auth(&school)
            .header("Idempotency-Key", key)
            .json(&json!({}))
    };
    let answers = futures_util::future::join_all((0..5).map(|_| s.app.send(issue("batch-1")))).await;
    for a in &answers {
        assert_eq!(a.status.as_u16(), 201, "{}", a.text);
        assert_eq!(a.body, answers[0].body, "every retry returns the same certificates");
    }
    let mut codes: Vec<String> = answers[0].body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|c| c["code"].as_str().expect("code").to_owned())
        .collect();
    codes.sort();
    let year = s.app.state.clock.today().format("%y").to_string();
    assert_eq!(codes, (1..=3).map(|n| format!("S000050000001{year}4{n:06}")).collect::<Vec<_>>());
    assert_eq!(s.app.count("certificates").await, 3, "issued once");
    // Nothing left to issue.
    let a = s.app.send(issue("batch-2")).await;
    assert_eq!(a.violations(), [("candidate_ids".to_owned(), "nothing_to_issue".to_owned())]);

    // The answer kept for replays shows ID numbers masked; the plan's certificates in full.
    let masked = answers[0].body["items"][0]["id_number"].as_str().expect("id");
    assert!(masked.contains("**************"), "{masked}");
    let listed = s.app.get(&format!("/api/v1/plans/{plan}/certificates"), Some(&school)).await;
    let c = listed.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|c| c["code"] == answers[0].body["items"][0]["code"])
        .expect("listed")
        .clone();
    assert!(!c["id_number"].as_str().expect("id").contains('*'));

    // Public verification: code + full name, or the QR token; misses look the same.
    let code = c["code"].as_str().expect("code");
    let name = c["holder_name"].as_str().expect("name");
    let hit = s
        .app
        .json(Method::POST, "/api/v1/public/certificates/verify", None, &json!({"code": code, "name": name}))
        .await;
    assert_eq!(hit.status.as_u16(), 200, "{}", hit.text);
    assert_eq!(hit.body["status"], "valid");
    assert!(hit.body["holder_name"].as_str().expect("masked").ends_with('*'));
    assert!(!hit.text.contains(c["id_number"].as_str().expect("id")));
    let token = c["verify_path"].as_str().expect("path").trim_start_matches("/verify/");
    let by_token =
        s.app.json(Method::POST, "/api/v1/public/certificates/verify", None, &json!({"token": token})).await;
    assert_eq!(by_token.body["code"], code);
    let wrong_name = s
        .app
        .json(
            Method::POST,
            "/api/v1/public/certificates/verify",
            None,
            &json!({"code": code, "name": "张三"}),
        )
        .await;
    let no_code = s
        .app
        .json(
            Method::POST,
            "/api/v1/public/certificates/verify",
            None,
            &json!({"code": "S000050000001269999999", "name": name}),
        )
        .await;
    wrong_name.problem(404, "certificate_not_found");
    no_code.problem(404, "certificate_not_found");
    assert_eq!(
        (&wrong_name.body["title"], &wrong_name.body["detail"]),
        (&no_code.body["title"], &no_code.body["detail"])
    );

    // The signature checks out with the published key.
    use base64::Engine as _;
    use ed25519_dalek::Verifier as _;
    let keys = s.app.get("/.well-known/skillcert-keys.json", None).await;
    let public = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(keys.body["keys"][0]["public_key"].as_str().expect("key"))
        .expect("b64");
    let key = ed25519_dalek::VerifyingKey::from_bytes(&public.try_into().expect("32 bytes")).expect("key");
    let statement = domain::certificate::Statement {
        code,
        holder_name: name,
        gender: c["gender"].as_str().expect("g"),
        id_number: c["id_number"].as_str().expect("id"),
        occupation_code: c["occupation_code"].as_str().expect("o"),
        occupation_name: c["occupation_name"].as_str().expect("o"),
        work_type: c["work_type"].as_str().expect("w"),
        level: c["level"].as_str().expect("l"),
        institution_name: c["institution_name"].as_str().expect("i"),
        issue_date: d(c["issue_date"].as_str().expect("date")),
    };
    let sig = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(c["signature"].as_str().expect("sig"))
        .expect("b64");
    let sig = ed25519_dalek::Signature::from_bytes(&sig.try_into().expect("64 bytes"));
    assert!(key.verify(statement.canonical().as_bytes(), &sig).is_ok());
    assert_eq!(c["work_type"], "——");
    assert_eq!(c["institution_name"], "重庆市某技工学校");

    // The e-certificate PDF: small, with its code, holder and institution as extractable text.
    let bytes = s
        .app
        .client
        .get(format!("{}/api/v1/certificates/{code}/pdf", s.app.address))
        .bearer_auth(&school)
        .send()
        .await
        .expect("sent")
        .bytes()
        .await
        .expect("body");
    assert!(bytes.starts_with(b"%PDF-") && bytes.len() < 300_000, "{} bytes", bytes.len());
    if let Ok(out) = std::env::var("CERTIFICATE_PDF_OUT") {
        std::fs::write(out, &bytes).expect("write the certificate for inspection");
    }
    let text = pdf_extract::extract_text_from_mem(&bytes).expect("text");
    for expected in ["职业技能等级证书", code, name, "重庆市某技工学校", "四级/中级工", "车工"]
    {
        assert!(text.contains(expected), "{expected} not in the certificate: {text}");
    }
}

// R27: after 999,999 the request is refused, and nothing is issued.
#[tokio::test]
async fn r27_serials_end_at_999999() {
    let s = setup("2026-11-02").await;
    let plan = reviewed_plan(&s, 2).await;
    let school = s.app.login("school1", "a-long-password-1").await;
    let inst: uuid::Uuid = s.institution.parse().expect("uuid");
    let year = chrono::Datelike::year(&s.app.state.clock.today());
    persistence::repo::certificate::set_counter(&s.app.state.db, inst, year, 999_998).await.expect("counter");
    let a = s
        .app
        .json(Method::POST, &format!("/api/v1/plans/{plan}/certificates"), Some(&school), &json!({}))
        .await;
    a.problem(409, "certificate_serials_exhausted");
    assert_eq!(s.app.count("certificates").await, 0);
    let listed = s.app.get(&format!("/api/v1/plans/{plan}/candidates"), Some(&school)).await;
    let first = listed.body["items"][0]["id"].clone();
    let a = s
        .app
        .json(
            Method::POST,
            &format!("/api/v1/plans/{plan}/certificates"),
            Some(&school),
            &json!({"candidate_ids": [first]}),
        )
        .await;
    assert_eq!(a.status.as_u16(), 201, "{}", a.text);
    assert!(a.body["items"][0]["code"].as_str().expect("code").ends_with("999999"));
}

// R28, R31: revocation and reissue, shown at verification and on the QR page.
#[tokio::test]
async fn r28_revoked_and_reissued_certificates_show_at_verification() {
    let s = setup("2026-11-02").await;
    let plan = reviewed_plan(&s, 2).await;
    let school = s.app.login("school1", "a-long-password-1").await;
    let issued = s
        .app
        .json(Method::POST, &format!("/api/v1/plans/{plan}/certificates"), Some(&school), &json!({}))
        .await;
    let items = issued.body["items"].as_array().expect("items").clone();
    let (first, second) = (&items[0], &items[1]);
    let code = first["code"].as_str().expect("code");
    let page = s.app.get(first["verify_path"].as_str().expect("path"), None).await;
    assert_eq!(page.status.as_u16(), 200);
    assert!(page.header("content-type").is_some_and(|c| c.starts_with("text/html")));
    assert!(
        page.text.contains(code) && page.text.contains("有效") && !page.text.contains("http"),
        "{}",
        page.text
    );
    assert!(!page.text.contains(first["id_number"].as_str().expect("id")));
    let missing = s.app.get("/verify/no-such-token", None).await;
    assert_eq!(missing.status.as_u16(), 404);
    assert!(missing.text.contains("未查到证书"));

    s.app
        .json(
            Method::POST,
            &format!("/api/v1/certificates/{code}/revoke"),
            Some(&school),
            &json!({"reason": " "}),
        )
        .await
        .problem(422, "validation_failed");
    let a = s
        .app
        .json(
            Method::POST,
            &format!("/api/v1/certificates/{code}/revoke"),
            Some(&school),
            &json!({"reason": "材料造假，经查属实"}),
        )
        .await;
    assert_eq!(a.body["status"], "revoked", "{}", a.text);
    let v = s
        .app
        .json(
            Method::POST,
            "/api/v1/public/certificates/verify",
            None,
            &json!({"code": code, "name": first["holder_name"]}),
        )
        .await;
    assert_eq!(
        (v.body["status"].clone(), v.body["revoked_reason"].clone()),
        (json!("revoked"), json!("材料造假，经查属实"))
    );
    s.app
        .json(
            Method::POST,
            &format!("/api/v1/certificates/{code}/reissue"),
            Some(&school),
            &json!({"reason": "x"}),
        )
        .await
        .problem(409, "wrong_status");

    let old = second["code"].as_str().expect("code");
    let a = s
        .app
        .json(
            Method::POST,
            &format!("/api/v1/certificates/{old}/reissue"),
            Some(&school),
            &json!({"reason": "姓名录入错误", "holder_name": "学生贰"}),
        )
        .await;
    assert_eq!(a.status.as_u16(), 201, "{}", a.text);
    let new = a.body["code"].as_str().expect("code").to_owned();
    assert_ne!(new, old);
    assert!(new.ends_with("000003"), "the next serial: {new}");
    let v = s
        .app
        .json(
            Method::POST,
            "/api/v1/public/certificates/verify",
            None,
            &json!({"code": old, "name": second["holder_name"]}),
        )
        .await;
    assert_eq!(
        (v.body["status"].clone(), v.body["superseded_by"].clone()),
        (json!("superseded"), json!(new))
    );
    let v = s
        .app
        .json(
            Method::POST,
            "/api/v1/public/certificates/verify",
            None,
            &json!({"code": new, "name": "学生贰"}),
        )
        .await;
    assert_eq!(v.body["status"], "valid");
    // Another institution's certificates are out of scope.
    let other = s.app.school(&s.app.admin_token().await, 9, "technical_school", "500101").await;
    s.app.get(&format!("/api/v1/certificates/{new}"), Some(&other.token)).await.problem(404, "not_found");
}

// R30: certificate data reported to the centre; exports for the national platform.
/// A plan of the current school with these people (`candidate(seq)`), filed, acknowledged and
/// reviewed; returns its id and its candidates' ids by name.
// R16: no delegation: an institution acts only for itself. Another school's institution can
// neither see nor act on this institution's plan, and a plan is always its own institution's.
#[tokio::test]
async fn r16_an_institution_acts_only_for_itself() {
    let s = setup("2026-11-02").await;
    let plan = acknowledged_plan(&s, 1).await;
    let expert = s.app.expert(&s.admin, "expert.r16").await;
    let standard = s.app.standard(&s.admin, "4-03-02-01", &["4"]).await;
    let other = s.app.school(&s.admin, 2, "technical_school", "500101").await;
    let theirs = s.app.file_institution(&s.admin, &other, &expert, &[("4-03-02-01", "4", &standard)]).await;
    let path = format!("/api/v1/plans/{plan}");
    s.app.get(&path, Some(&other.token)).await.problem(404, "not_found");
    for (action, body) in [
        ("candidates", candidate(7)),
        ("results", json!({"results": []})),
        ("publicity", json!({})),
        ("report", json!({})),
        ("certificates", json!({})),
    ] {
        s.app
            .json(Method::POST, &format!("{path}/{action}"), Some(&other.token), &body)
            .await
            .problem(404, "not_found");
    }
    // A plan names no institution: it is the caller's own.
    let mut body = plan_body("2026-12-15");
    body["institution_id"] = json!(s.institution);
    let a = s.app.json(Method::POST, "/api/v1/plans", Some(&other.token), &body).await;
    assert_eq!(a.violations(), [("institution_id".to_owned(), "unknown_field".to_owned())]);
    // Checked against the caller's own scope: this institution's occupation is not theirs …
    let a = s.app.json(Method::POST, "/api/v1/plans", Some(&other.token), &plan_body("2026-12-15")).await;
    assert!(
        a.violations().contains(&("occupations[0]".to_owned(), "outside_scope".to_owned())),
        "{}",
        a.text
    );
    // … and their own is, for their own institution.
    let mut own = plan_body("2026-12-15");
    own["occupations"][0]["occupation_code"] = json!("4-03-02-01");
    own["sessions"][0]["occupation_code"] = json!("4-03-02-01");
    let a = s.app.json(Method::POST, "/api/v1/plans", Some(&other.token), &own).await;
    assert_eq!(a.status.as_u16(), 201, "{}", a.text);
    assert_eq!(a.body["institution_id"], json!(theirs));
}

// R39: the institution's name on a certificate is exactly its filed name.
#[tokio::test]
async fn r39_the_certificate_carries_the_institution_s_filed_name() {
    let s = setup("2026-11-02").await;
    let plan = reviewed_plan(&s, 2).await;
    let school = s.app.login("school1", "a-long-password-1").await;
    let filed = s.app.get(&format!("/api/v1/institutions/{}", s.institution), Some(&school)).await;
    let name = filed.body["name"].as_str().expect("name").to_owned();
    assert!(!name.is_empty());
    let issued = s
        .app
        .json(Method::POST, &format!("/api/v1/plans/{plan}/certificates"), Some(&school), &json!({}))
        .await;
    assert_eq!(issued.status.as_u16(), 201, "{}", issued.text);
    for c in issued.body["items"].as_array().expect("items") {
        assert_eq!(c["institution_name"], json!(name), "{c}");
        let code = c["code"].as_str().expect("code");
        let public = s
            .app
            .json(
                Method::POST,
                "/api/v1/public/certificates/verify",
                None,
                &json!({"code": code, "name": c["holder_name"]}),
            )
            .await;
        assert_eq!(public.body["institution_name"], json!(name), "{}", public.text);
    }
}

/// `s` with its school and centre signed in again (the publicity of a plan moves the clock past
/// their tokens).
async fn signed_in_again(s: Setup) -> Setup {
    Setup {
        school: SchoolFixture {
            id: s.school.id.clone(),
            token: s.app.login("school1", "a-long-password-1").await,
        },
        centre: s.app.login("centre.plan", "a-long-password-1").await,
        ..s
    }
}

async fn reviewed_plan_of(s: &Setup, people: &[u16]) -> (String, std::collections::HashMap<String, String>) {
    let plan = new_plan(s, "2026-12-15").await;
    for seq in people {
        let a = s
            .app
            .json(
                Method::POST,
                &format!("/api/v1/plans/{plan}/candidates"),
                Some(&s.school.token),
                &candidate(*seq),
            )
            .await;
        assert_eq!(a.status.as_u16(), 201, "{}", a.text);
    }
    file_and_acknowledge(s, &plan).await;
    review(s, &plan).await;
    let school = s.app.login("school1", "a-long-password-1").await;
    let listed = s.app.get(&format!("/api/v1/plans/{plan}/candidates"), Some(&school)).await;
    let ids = listed.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|c| (c["name"].as_str().expect("name").to_owned(), c["id"].as_str().expect("id").to_owned()))
        .collect();
    (plan, ids)
}

// One valid certificate per person, occupation, work type and level, across plans: flagged when
// listed, refused at issuance naming the held code (never the ID number), also when two
// issuances race; free again once the held certificate is revoked.
#[tokio::test]
async fn one_valid_certificate_per_person_occupation_and_level() {
    let s = setup("2026-11-02").await;
    let first = reviewed_plan(&s, 1).await;
    let s = signed_in_again(s).await;
    let issued = s
        .app
        .json(Method::POST, &format!("/api/v1/plans/{first}/certificates"), Some(&s.school.token), &json!({}))
        .await;
    assert_eq!(issued.status.as_u16(), 201, "{}", issued.text);
    let held = issued.body["items"][0]["code"].as_str().expect("code").to_owned();
    // 学生1 is listed again, with 学生5; another plan lists 学生5 too.
    let (second, ids) = reviewed_plan_of(&s, &[1, 5]).await;
    let s = signed_in_again(s).await;
    let (third, _) = reviewed_plan_of(&s, &[5]).await;
    let school = s.app.login("school1", "a-long-password-1").await;
    let listed = s.app.get(&format!("/api/v1/plans/{second}/candidates?sort=name"), Some(&school)).await;
    let flags: Vec<(Value, Value)> = listed.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|c| (c["name"].clone(), c["held_certificate"].clone()))
        .collect();
    assert_eq!(flags, [(json!("学生1"), json!(held)), (json!("学生5"), Value::Null)], "{}", listed.text);
    let issue = |plan: String, who: Option<String>| {
        let (app, school) = (&s.app, school.clone());
        async move {
            let body = match who {
                Some(id) => json!({"candidate_ids": [id]}),
                None => json!({}),
            };
            app.json(Method::POST, &format!("/api/v1/plans/{plan}/certificates"), Some(&school), &body).await
        }
    };
    let a = issue(second.clone(), Some(ids["学生1"].clone())).await;
    a.problem(409, "certificate_held");
    assert_eq!(a.violations(), [("candidate_ids[0]".to_owned(), "holds_certificate".to_owned())]);
    assert!(a.body["errors"][0]["message"].as_str().expect("message").contains(&held), "{}", a.text);
    assert!(tests::personal_data(&a.text).is_empty(), "{}", a.text);
    // Two issuances of the same person at once: one certificate.
    let (b, c) = tokio::join!(issue(second.clone(), Some(ids["学生5"].clone())), issue(third.clone(), None));
    let mut statuses = [b.status.as_u16(), c.status.as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, [201, 409], "{}\n{}", b.text, c.text);
    let refused = if b.status.as_u16() == 409 { &b } else { &c };
    assert!(
        ["certificate_held", "concurrent_change"]
            .contains(&refused.body["code"].as_str().unwrap_or_default()),
        "{}",
        refused.text
    );
    let mut valid = 0;
    for plan in [&second, &third] {
        let listed = s.app.get(&format!("/api/v1/plans/{plan}/certificates"), Some(&school)).await;
        valid += listed.body["items"].as_array().map_or(0, Vec::len);
    }
    assert_eq!(valid, 1, "学生5 holds one certificate");
    // Once the held certificate is revoked, 学生1 can be certified again.
    let r = s
        .app
        .json(
            Method::POST,
            &format!("/api/v1/certificates/{held}/revoke"),
            Some(&school),
            &json!({"reason": "信息有误，撤销后重新认定"}),
        )
        .await;
    assert_eq!(r.body["status"], "revoked", "{}", r.text);
    let a = issue(second.clone(), Some(ids["学生1"].clone())).await;
    assert_eq!(a.status.as_u16(), 201, "{}", a.text);
}

#[tokio::test]
async fn r30_certificate_data_is_reported_and_exported() {
    let s = setup("2026-11-02").await;
    let plan = reviewed_plan(&s, 2).await;
    let school = s.app.login("school1", "a-long-password-1").await;
    let centre = s.app.login("centre.plan", "a-long-password-1").await;
    s.app
        .json(Method::POST, &format!("/api/v1/plans/{plan}/certificate-report"), Some(&school), &json!({}))
        .await
        .problem(409, "wrong_status");
    s.app.json(Method::POST, &format!("/api/v1/plans/{plan}/certificates"), Some(&school), &json!({})).await;
    let a = s
        .app
        .json(Method::POST, &format!("/api/v1/plans/{plan}/certificate-report"), Some(&school), &json!({}))
        .await;
    assert_eq!((a.status.as_u16(), a.body["certificates"].clone()), (200, json!(2)), "{}", a.text);
    let a = s
        .app
        .json(
            Method::POST,
            &format!("/api/v1/plans/{plan}/certificate-report/acknowledge"),
            Some(&centre),
            &json!({}),
        )
        .await;
    assert!(a.body["acknowledged_at"].is_string(), "{}", a.text);

    let csv = s.app.get(&format!("/api/v1/plans/{plan}/certificates/export?format=csv"), Some(&centre)).await;
    assert!(
        csv.text.contains("证书编号,姓名,性别,身份证号") && csv.text.lines().count() == 3,
        "{}",
        csv.text
    );
    let xlsx = s
        .app
        .client
        .get(format!("{}/api/v1/plans/{plan}/certificates/export?format=xlsx", s.app.address))
        .bearer_auth(&centre)
        .send()
        .await
        .expect("sent")
        .bytes()
        .await
        .expect("body");
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(xlsx.to_vec())).expect("an XLSX is a zip");
    let mut sheet = String::new();
    std::io::Read::read_to_string(
        &mut archive.by_name("xl/worksheets/sheet1.xml").expect("sheet"),
        &mut sheet,
    )
    .expect("xml");
    assert!(sheet.contains("机构备案编码") && sheet.contains("S000050000001"));
    let zipped = s
        .app
        .client
        .get(format!("{}/api/v1/plans/{plan}/certificates.zip", s.app.address))
        .bearer_auth(&school)
        .send()
        .await
        .expect("sent")
        .bytes()
        .await
        .expect("body");
    let archive = zip::ZipArchive::new(std::io::Cursor::new(zipped.to_vec())).expect("zip");
    assert_eq!(archive.len(), 2);
    s.app
        .get(&format!("/api/v1/plans/{plan}/certificates/export?format=pdf"), Some(&centre))
        .await
        .problem(400, "invalid_query");
}

// R27 across replicas: two servers on one database issue for the same institution and year at
// the same time; the codes are unique and the serials gapless, checked in the database.
#[tokio::test]
async fn r27_two_replicas_issuing_at_once_leave_no_gap_and_no_duplicate() {
    let s = setup("2026-11-02").await;
    let first = reviewed_plan(&s, 40).await;
    let school_a = s.app.login("school1", "a-long-password-1").await;
    // A second batch for the same institution.
    let s = Setup {
        school: SchoolFixture { id: s.school.id.clone(), token: school_a.clone() },
        centre: s.app.login("centre.plan", "a-long-password-1").await,
        ..s
    };
    let second = reviewed_plan(&s, 40).await;
    let replica = s.app.replica().await;
    let token_a = s.app.login("school1", "a-long-password-1").await;
    let token_b = replica.login("school1", "a-long-password-1").await;
    let (path_a, path_b, empty) = (
        format!("/api/v1/plans/{first}/certificates"),
        format!("/api/v1/plans/{second}/certificates"),
        json!({}),
    );
    let (a, b) = tokio::join!(
        s.app.json(Method::POST, &path_a, Some(&token_a), &empty),
        replica.json(Method::POST, &path_b, Some(&token_b), &empty),
    );
    assert_eq!((a.status.as_u16(), b.status.as_u16()), (201, 201), "{} / {}", a.text, b.text);
    use persistence::sea_orm::{ConnectionTrait, Statement};
    let db = &s.app.state.db;
    let rows = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT serial, code FROM certificates ORDER BY serial",
        ))
        .await
        .expect("query");
    let serials: Vec<i32> = rows.iter().map(|r| r.try_get::<i32>("", "serial").expect("serial")).collect();
    assert_eq!(serials, (1..=80).collect::<Vec<i32>>());
    let mut codes: Vec<String> =
        rows.iter().map(|r| r.try_get::<String>("", "code").expect("code")).collect();
    codes.dedup();
    assert_eq!(codes.len(), 80);
}

// R27 at scale: two replicas each issue 10,000 certificates for the same institution and year at
// the same time; the database holds 20,000 codes, unique, serials 1..=20,000 without a gap.
// (The approved candidates are inserted through the repository: entering 20,000 results through
// the API would only slow the test down without exercising anything more of issuance.)
#[tokio::test]
async fn r27_twenty_thousand_certificates_from_two_replicas_at_once() {
    let s = setup("2026-11-02").await;
    let first = reviewed_plan(&s, 1).await;
    let school = s.app.login("school1", "a-long-password-1").await;
    let s = Setup {
        school: SchoolFixture { id: s.school.id.clone(), token: school },
        centre: s.app.login("centre.plan", "a-long-password-1").await,
        ..s
    };
    let second = reviewed_plan(&s, 1).await;
    for (k, plan) in [&first, &second].into_iter().enumerate() {
        seed_approved(&s, plan, k, 9_999).await;
    }
    let replica = s.app.replica().await;
    let token_a = s.app.login("school1", "a-long-password-1").await;
    let token_b = replica.login("school1", "a-long-password-1").await;
    let (path_a, path_b, empty) = (
        format!("/api/v1/plans/{first}/certificates"),
        format!("/api/v1/plans/{second}/certificates"),
        json!({}),
    );
    let (a, b) = tokio::join!(
        s.app.json(Method::POST, &path_a, Some(&token_a), &empty),
        replica.json(Method::POST, &path_b, Some(&token_b), &empty),
    );
    assert_eq!(
        (a.status.as_u16(), b.status.as_u16()),
        (201, 201),
        "{} / {}",
        &a.text[..a.text.len().min(300)],
        &b.text[..b.text.len().min(300)]
    );
    use persistence::sea_orm::{ConnectionTrait, Statement};
    let db = &s.app.state.db;
    let backend = db.get_database_backend();
    let row = db
        .query_one_raw(Statement::from_string(
            backend,
            "SELECT COUNT(*) AS n, COUNT(DISTINCT code) AS codes, MIN(serial) AS lo, MAX(serial) AS hi FROM certificates",
        ))
        .await
        .expect("query")
        .expect("row");
    let get = |c: &str| {
        row.try_get::<i64>("", c).unwrap_or_else(|_| i64::from(row.try_get::<i32>("", c).expect("int")))
    };
    assert_eq!((get("n"), get("codes"), get("lo"), get("hi")), (20_000, 20_000, 1, 20_000));
}

/// Runs a command off the async runtime (the in-process server must keep serving meanwhile),
/// with a 120 s limit, and returns its standard output (panics with its error output on failure).
async fn run(program: &str, args: &[&str]) -> String {
    let mut full = vec!["120".to_owned(), program.to_owned()];
    full.extend(args.iter().map(|a| (*a).to_owned()));
    let name = program.to_owned();
    let out = tokio::task::spawn_blocking(move || std::process::Command::new("timeout").args(&full).output())
        .await
        .expect("join")
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    assert!(out.status.success(), "{program} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

// R29, R31 with real tools: the verification page renders in headless Chromium and the PDF's QR
// code decodes to the verification URL.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Debian's chromium, poppler-utils and zbar-tools; .ci/run installs them and runs it with --ignored"]
async fn r31_the_qr_code_leads_to_a_page_that_renders_in_headless_chromium() {
    let s = setup_with("2026-11-02", &[("SKILLCERT_ISSUER", "https://skillcert.example.cn")]).await;
    let plan = reviewed_plan(&s, 1).await;
    let school = s.app.login("school1", "a-long-password-1").await;
    let issued = s
        .app
        .json(Method::POST, &format!("/api/v1/plans/{plan}/certificates"), Some(&school), &json!({}))
        .await;
    let c = &issued.body["items"][0];
    let code = c["code"].as_str().expect("code").to_owned();
    let path = c["verify_path"].as_str().expect("path").to_owned();

    let dir = tempfile::tempdir().expect("tempdir");
    let pdf = s
        .app
        .client
        .get(format!("{}/api/v1/certificates/{code}/pdf", s.app.address))
        .bearer_auth(&school)
        .send()
        .await
        .expect("sent")
        .bytes()
        .await
        .expect("body");
    let pdf_path = dir.path().join("c.pdf");
    std::fs::write(&pdf_path, &pdf).expect("write");
    let prefix = dir.path().join("page");
    run(
        "pdftoppm",
        &[
            "-r",
            "200",
            "-png",
            "-singlefile",
            pdf_path.to_str().expect("path"),
            prefix.to_str().expect("path"),
        ],
    )
    .await;
    let decoded =
        run("zbarimg", &["--quiet", "--raw", dir.path().join("page.png").to_str().expect("path")]).await;
    assert_eq!(decoded.trim(), format!("https://skillcert.example.cn{path}"));

    let url = format!("{}{path}", s.app.address);
    let profile = dir.path().join("profile");
    let profile_arg = format!("--user-data-dir={}", profile.display());
    let dom = run(
        "chromium",
        &[
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--window-size=390,844",
            &profile_arg,
            "--dump-dom",
            &url,
        ],
    )
    .await;
    assert!(dom.contains(&code) && dom.contains("有效") && dom.contains("职业技能等级证书查询"), "{dom}");
    assert!(!dom.contains(c["id_number"].as_str().expect("id")));
}

// R27 across processes: two `skillcert` server processes on the same database each issue 10,000
// certificates for the same institution and year at the same time: 20,000 unique codes,
// serials 1..=20,000, checked in the database.
#[tokio::test]
async fn r27_two_server_processes_issue_twenty_thousand_certificates_at_once() {
    let s = setup("2026-11-02").await;
    let first = reviewed_plan(&s, 1).await;
    let school = s.app.login("school1", "a-long-password-1").await;
    let s = Setup {
        school: SchoolFixture { id: s.school.id.clone(), token: school },
        centre: s.app.login("centre.plan", "a-long-password-1").await,
        ..s
    };
    let second = reviewed_plan(&s, 1).await;
    seed_approved(&s, &first, 0, 9_999).await;
    seed_approved(&s, &second, 1, 9_999).await;
    let (p1, p2) = (server_process(&s.app).await, server_process(&s.app).await);
    let client = reqwest::Client::new();
    let token = |address: String| {
        let client = client.clone();
        async move {
            let r = client
                .post(format!("{address}/api/v1/auth/login"))
                .json(&json!({"username": "school1", "password": "a-long-password-1"}))
                .send()
                .await
                .expect("login");
            let body: Value = r.json().await.expect("json");
            body["access_token"].as_str().expect("token").to_owned()
        }
    };
    let (t1, t2) = (token(p1.address.clone()).await, token(p2.address.clone()).await);
    let issue = |address: String, plan: String, t: String| {
        let client = client.clone();
        async move {
            client
                .post(format!("{address}/api/v1/plans/{plan}/certificates"))
                .bearer_auth(t)
                .json(&json!({}))
                .send()
                .await
                .expect("issue")
                .status()
                .as_u16()
        }
    };
    let (a, b) = tokio::join!(
        issue(p1.address.clone(), first.clone(), t1),
        issue(p2.address.clone(), second.clone(), t2)
    );
    assert_eq!((a, b), (201, 201));
    use persistence::sea_orm::{ConnectionTrait, Statement};
    let db = &s.app.state.db;
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT COUNT(*) AS n, COUNT(DISTINCT code) AS codes, MIN(serial) AS lo, MAX(serial) AS hi FROM certificates",
        ))
        .await
        .expect("query")
        .expect("row");
    let get = |c: &str| {
        row.try_get::<i64>("", c).unwrap_or_else(|_| i64::from(row.try_get::<i32>("", c).expect("int")))
    };
    assert_eq!((get("n"), get("codes"), get("lo"), get("hi")), (20_000, 20_000, 1, 20_000));
}
