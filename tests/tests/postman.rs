//! The Postman collection (examples/postman) stays in step with the contract: every request's
//! method and path is an operation of `openapi.yaml`. CI also runs it with newman.

#![allow(clippy::expect_used, reason = "test code: a failed setup step should fail the test loudly")]

use serde_json::Value;

fn requests(items: &Value, out: &mut Vec<(String, String, String)>) {
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
    let table = api::openapi::RouteTable::from_spec(&api::openapi::spec());
    for (name, method, path) in found {
        // Postman variables stand for path parameters.
        let concrete: String =
            path.split('/').map(|s| if s.starts_with("{{") { "x" } else { s }).collect::<Vec<_>>().join("/");
        let methods = table.methods_for(&concrete).unwrap_or_default();
        assert!(methods.contains(&method.as_str()), "“{name}”: {method} {path} is not in the contract");
    }
}
