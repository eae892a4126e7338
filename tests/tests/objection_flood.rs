//! Issue 22, point 7: publicity objections cannot be used to block a batch. Anonymous objections
//! are limited per address and plan, need a contact and a reason of reasonable length; identical
//! ones are merged; the institution answers many at once.

#![allow(clippy::expect_used, reason = "test code: a failed setup step should fail the test loudly")]

use reqwest::Method;
use serde_json::{Value, json};
use tests::pipeline::{acknowledged_plan, candidate_ids, scores, set_today, setup};

#[tokio::test]
async fn five_hundred_objections_from_one_address_cannot_block_the_report() {
    let s = setup("2026-11-02").await;
    let plan = acknowledged_plan(&s, 2).await;
    let path = format!("/api/v1/plans/{plan}");
    let ids = candidate_ids(&s, &plan).await;
    let a = s
        .app
        .json(
            Method::POST,
            &format!("{path}/results"),
            Some(&s.school.token),
            &scores(&ids, &[(80.0, 80.0, 80.0); 2]),
        )
        .await;
    assert_eq!(a.status.as_u16(), 200, "{}", a.text);
    let a = s.app.json(Method::POST, &format!("{path}/publicity"), Some(&s.school.token), &json!({})).await;
    assert_eq!(a.status.as_u16(), 200, "{}", a.text);
    let lodge = |from: &str, body: Value| {
        s.app.send(
            s.app
                .request_from(from, Method::POST, &format!("/api/v1/public/publicity/{plan}/objections"))
                .json(&body),
        )
    };
    // The rules of a single objection: a reason of 10 characters at least, and a contact.
    let a = lodge("127.0.0.3", json!({"content": "不公平", "contact": "13700137000"})).await;
    assert_eq!(a.violations(), [("content".to_owned(), "too_short".to_owned())], "{}", a.text);
    let a = lodge("127.0.0.3", json!({"content": "理论试卷第3题评分有误", "contact": "someone"})).await;
    assert_eq!(a.violations(), [("contact".to_owned(), "invalid_contact".to_owned())], "{}", a.text);
    let a = lodge("127.0.0.3", json!({"content": "x".repeat(2001), "contact": "a@b.cn"})).await;
    assert_eq!(a.violations(), [("content".to_owned(), "too_long".to_owned())], "{}", a.text);

    // 500 objections from one address, each different.
    let mut accepted = Vec::new();
    let mut refused = 0;
    for k in 0..500 {
        let body = json!({"candidate_id": ids[0], "content": format!("第{k}题评分有误，请复核该考生成绩"), "contact": "13700137000"});
        let a = lodge("127.0.0.2", body).await;
        match a.status.as_u16() {
            201 => accepted.push(a.body["id"].as_str().expect("id").to_owned()),
            429 => {
                let code = a.body["code"].as_str().unwrap_or("");
                assert!(matches!(code, "objection_limit" | "rate_limited"), "{}", a.text);
                assert!(a.header("retry-after").is_some());
                refused += 1;
            }
            other => panic!("unexpected {other}: {}", a.text),
        }
    }
    assert_eq!(accepted.len(), 5, "at most the limit is accepted");
    assert_eq!(refused, 495);
    // Identical objections from other addresses are merged into the first.
    let same =
        json!({"candidate_id": ids[1], "content": "实操考核 评分  标准不一致", "contact": "x@example.cn"});
    let first = lodge("127.0.0.4", same.clone()).await;
    assert_eq!(first.status.as_u16(), 201, "{}", first.text);
    let mut again = same.clone();
    again["content"] = json!("实操考核 评分 标准不一致");
    let second = lodge("127.0.0.5", again).await;
    assert_eq!(
        (second.status.as_u16(), second.body["merged"].clone()),
        (200, json!(true)),
        "{}",
        second.text
    );
    assert_eq!(second.body["id"], first.body["id"]);
    accepted.push(first.body["id"].as_str().expect("id").to_owned());

    // The institution answers all of them at once; then, after the window, the plan is reported.
    let answers: Vec<Value> = accepted
        .iter()
        .map(|id| json!({"objection_id": id, "answer": "经复核，成绩无误。", "upheld": false}))
        .collect();
    let a = s
        .app
        .json(
            Method::POST,
            &format!("{path}/objections/answers"),
            Some(&s.school.token),
            &json!({"answers": answers}),
        )
        .await;
    assert_eq!(
        (a.status.as_u16(), a.body["answered"].clone(), a.body["open"].clone()),
        (200, json!(6), json!(0)),
        "{}",
        a.text
    );
    // Answering one of them again is refused, and nothing changes.
    let a = s
        .app
        .json(
            Method::POST,
            &format!("{path}/objections/answers"),
            Some(&s.school.token),
            &json!({"answers": [{"objection_id": accepted[0], "answer": "再答", "upheld": true}]}),
        )
        .await;
    a.problem(422, "validation_failed");
    let later = s.app.state.clock.today() + chrono::Duration::days(14);
    set_today(&s.app, later);
    let school = s.app.login("school1", "a-long-password-1").await;
    let a = s.app.json(Method::POST, &format!("{path}/report"), Some(&school), &json!({})).await;
    assert_eq!(a.status.as_u16(), 200, "{}", a.text);
}
