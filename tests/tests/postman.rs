//! The Postman collection (examples/postman) stays in step with the contract: every request's
//! method and path is an operation of `openapi.yaml`, and it names that operation's operationId.
//! CI also runs it with newman.

#![allow(clippy::expect_used, reason = "test code: a failed setup step should fail the test loudly")]

use serde_json::Value;

fn requests(items: &Value, out: &mut Vec<(String, String, String, String)>) {
    for item in items.as_array().expect("items") {
        if let Some(children) = item.get("item") {
            requests(children, out);
        } else {
            let r = &item["request"];
            let path = r["url"]["raw"].as_str().expect("raw url").trim_start_matches("{{baseUrl}}");
            let path = path.split('?').next().unwrap_or_default();
            out.push((
                item["name"].as_str().expect("name").to_owned(),
                r["method"].as_str().expect("method").to_owned(),
                path.to_owned(),
                r["description"].as_str().unwrap_or_default().to_owned(),
            ));
        }
    }
}

#[test]
fn every_request_of_the_postman_collection_is_in_the_contract() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../examples/postman/skillcert.postman_collection.json"
    ))
    .expect("collection");
    let collection: Value = serde_json::from_str(&text).expect("json");
    let mut found = Vec::new();
    requests(&collection["item"], &mut found);
    assert!(found.len() >= 30, "the whole procedure: {}", found.len());
    let spec = api::openapi::spec();
    let table = api::openapi::RouteTable::from_spec(&spec);
    let contract = serde_json::to_value(&spec).expect("spec");
    for (name, method, path, description) in found {
        // Each request names the operation it calls (issue 24, point 10).
        let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
        let id = contract["paths"]
            .as_object()
            .expect("paths")
            .iter()
            .find(|(template, _)| {
                let t: Vec<&str> = template.trim_matches('/').split('/').collect();
                t.len() == segments.len()
                    && t.iter()
                        .zip(&segments)
                        .all(|(a, b)| (a.starts_with('{') && b.starts_with("{{")) || a == b)
            })
            .and_then(|(_, item)| item[method.to_lowercase()]["operationId"].as_str())
            .unwrap_or_default();
        assert_eq!(description, format!("operationId: {id}"), "“{name}”: {method} {path}");
        // Postman variables stand for path parameters.
        let concrete: String =
            path.split('/').map(|s| if s.starts_with("{{") { "x" } else { s }).collect::<Vec<_>>().join("/");
        let methods = table.methods_for(&concrete).unwrap_or_default();
        assert!(methods.contains(&method.as_str()), "“{name}”: {method} {path} is not in the contract");
    }
}
