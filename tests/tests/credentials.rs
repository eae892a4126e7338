//! Certificates as W3C Verifiable Credentials (issue 27): the credential of a certificate states
//! what the certificate does without the ID number, verifies against the key its DID document
//! names and fails once any field changes; a revocation sets its bit in the status list in the
//! same transaction; the holder takes their own; a credential signed before a key rotation still
//! verifies. The independent verifiers (JavaScript and Python) run in `.ci/run` (tests/vc).

#![allow(clippy::expect_used, reason = "test code: a failed setup step should fail the test loudly")]

use api::credential::proof;
use reqwest::Method;
use serde_json::{Value, json};
use sha2::Digest as _;
use std::io::Read as _;
use tests::pipeline::*;

/// The public key of verification method `method` in the DID document `did`.
fn key_of(did: &Value, method: &str) -> ed25519_dalek::VerifyingKey {
    let vm = did["verificationMethod"]
        .as_array()
        .expect("methods")
        .iter()
        .find(|m| m["id"] == method)
        .unwrap_or_else(|| panic!("{method} in {did}"));
    assert_eq!(vm["type"], "Multikey");
    let text = vm["publicKeyMultibase"].as_str().expect("multibase");
    let bytes = bs58::decode(&text[1..]).into_vec().expect("base58btc");
    assert_eq!(&bytes[..2], &[0xed, 0x01], "ed25519-pub");
    ed25519_dalek::VerifyingKey::from_bytes(&bytes[2..].try_into().expect("32 bytes")).expect("key")
}

/// Whether `credential` verifies against the DID document `did`, which must list its method
/// as an assertion method.
fn verifies(credential: &Value, did: &Value) -> bool {
    let method = credential["proof"]["verificationMethod"].as_str().expect("method");
    assert!(
        did["assertionMethod"].as_array().expect("assertions").iter().any(|m| m == method),
        "{method} asserts"
    );
    proof::verify(credential, &key_of(did, method)).expect("canonicalisable")
}

/// The bits of a status list credential's `encodedList`.
fn bits(list: &Value) -> Vec<u8> {
    use base64::Engine as _;
    let encoded = list["credentialSubject"]["encodedList"].as_str().expect("encodedList");
    assert!(encoded.starts_with('u'), "multibase base64url");
    let gz = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(&encoded[1..]).expect("base64url");
    let mut bits = Vec::new();
    flate2::read::GzDecoder::new(gz.as_slice()).read_to_end(&mut bits).expect("gzip");
    assert_eq!(bits.len(), 1 << 17, "2^20 bits");
    bits
}

/// The bit at `index` of a status list credential's `encodedList`.
fn bit(list: &Value, index: u64) -> bool {
    bits(list)[(index / 8) as usize] & (0x80 >> (index % 8)) != 0
}

/// The path of a URL on the test server.
fn path_of(url: &str) -> String {
    let rest = url.split_once("://").expect("absolute").1;
    rest[rest.find('/').expect("a path")..].to_owned()
}

#[tokio::test]
async fn a_certificate_is_a_credential_that_verifies_and_a_revocation_sets_its_bit() {
    let s = setup_with("2026-11-02", &[("SKILLCERT_VERIFY_LIMIT_PER_MINUTE", "1000")]).await;
    let plan = reviewed_plan(&s, 3).await;
    let school = s.app.login("school1", "a-long-password-1").await;
    let admin = s.app.admin_token().await;
    let issued = s
        .app
        .json(Method::POST, &format!("/api/v1/plans/{plan}/certificates"), Some(&school), &json!({}))
        .await;
    assert_eq!(issued.status.as_u16(), 201, "{}", issued.text);
    let listed = s.app.get(&format!("/api/v1/plans/{plan}/certificates"), Some(&school)).await;
    let items = listed.body["items"].as_array().expect("items").clone();
    let c = &items[0];
    let code = c["code"].as_str().expect("code").to_owned();
    let number = c["id_number"].as_str().expect("number").to_owned();

    let did = s.app.get("/.well-known/did.json", None).await;
    assert_eq!(did.status.as_u16(), 200, "{}", did.text);
    let did = did.body;
    assert!(did["id"].as_str().expect("id").starts_with("did:web:"), "{did}");

    let a = s.app.get(&format!("/api/v1/certificates/{code}/credential"), Some(&school)).await;
    assert_eq!(a.status.as_u16(), 200, "{}", a.text);
    assert_eq!(a.header("content-type"), Some("application/vc"));
    let vc = a.body.clone();
    assert!(!a.text.contains(&number), "never the ID number: {}", a.text);
    assert_eq!(vc["type"], json!(["VerifiableCredential", "OpenBadgeCredential"]));
    assert_eq!(vc["issuer"]["id"], did["id"]);
    assert_eq!(vc["issuer"]["name"], c["institution_name"]);
    assert_eq!(vc["issuer"]["otherIdentifier"][0]["identifier"], code[..13]);
    let subject = &vc["credentialSubject"];
    assert_eq!(subject["name"], c["holder_name"]);
    assert_eq!(subject["licenseNumber"], code.as_str());
    let identity = &subject["identifier"][0];
    assert_eq!(identity["identityType"], "nationalIdentityNumber");
    assert_eq!(identity["hashed"], true);
    let salt = identity["salt"].as_str().expect("salt");
    let digest = sha2::Sha256::digest(format!("{number}{salt}"));
    let expected = format!("sha256${}", digest.iter().map(|b| format!("{b:02x}")).collect::<String>());
    assert_eq!(identity["identityHash"], expected.as_str(), "the holder's number checks against the hash");
    let achievement = &subject["achievement"];
    assert_eq!(achievement["humanCode"], c["occupation_code"]);
    assert!(achievement["name"].as_str().expect("name").contains("四级/中级工"), "{achievement}");
    assert_eq!(achievement["alignment"][0]["type"], json!(["Alignment"]), "the standard: {achievement}");
    assert_eq!(
        subject["result"][0]["achievedLevel"],
        achievement["resultDescription"][0]["rubricCriterionLevel"][0]["id"]
    );
    assert_eq!(vc["validFrom"], format!("{}T00:00:00+08:00", c["issue_date"].as_str().expect("date")));
    assert_eq!(vc["proof"]["cryptosuite"], "eddsa-rdfc-2022");
    assert!(verifies(&vc, &did), "the credential verifies");

    // Any field changed, added or removed: the proof fails.
    let mut changes: Vec<Value> = Vec::new();
    for (pointer, value) in [
        ("/credentialSubject/name", json!("王小明")),
        ("/credentialSubject/licenseNumber", json!("S000050000001264999999")),
        ("/credentialSubject/achievement/name", json!("车工 三级/高级工")),
        ("/validFrom", json!("2020-01-01T00:00:00+08:00")),
        ("/issuer/name", json!("另一所学校")),
        ("/credentialStatus/statusListIndex", json!("1")),
    ] {
        let mut changed = vc.clone();
        *changed.pointer_mut(pointer).expect(pointer) = value;
        changes.push(changed);
    }
    let mut added = vc.clone();
    added["credentialSubject"]["narrative"] = json!("优秀");
    changes.push(added);
    let mut removed = vc.clone();
    removed["credentialSubject"].as_object_mut().expect("subject").remove("identifier");
    changes.push(removed);
    for changed in &changes {
        assert!(!verifies(changed, &did), "a changed credential fails: {changed}");
    }

    // Its status list: signed the same way, its bit clear; set by the revocation's transaction.
    let status = &vc["credentialStatus"];
    assert_eq!(status["type"], "BitstringStatusListEntry");
    assert_eq!(status["statusPurpose"], "revocation");
    let index: u64 = status["statusListIndex"].as_str().expect("index").parse().expect("number");
    let list_path = path_of(status["statusListCredential"].as_str().expect("list"));
    assert!(list_path.ends_with(&format!("{}-2026", &code[..13])), "{list_path}");
    let list = s.app.get(&list_path, None).await;
    assert_eq!(list.status.as_u16(), 200, "{}", list.text);
    assert_eq!(list.header("content-type"), Some("application/vc"));
    assert_eq!(list.body["type"], json!(["VerifiableCredential", "BitstringStatusListCredential"]));
    assert!(verifies(&list.body, &did), "the list verifies");
    assert!(!bit(&list.body, index), "valid: clear");
    // Unchanged, the list is not signed again: the same document, proof and all.
    let again = s.app.get(&list_path, None).await;
    assert_eq!(again.body, list.body);
    // The three certificates' indexes differ and are not their serials' order.
    let mut indexes = vec![index];
    for other in &items[1..] {
        let code = other["code"].as_str().expect("code");
        let a = s.app.get(&format!("/api/v1/certificates/{code}/credential"), Some(&school)).await;
        indexes.push(a.body["credentialStatus"]["statusListIndex"].as_str().expect("i").parse().expect("n"));
    }
    indexes.sort_unstable();
    indexes.dedup();
    assert_eq!(indexes.len(), 3, "{indexes:?}");

    // Ten revocations of the certificate at once: one succeeds, and its bit is set once.
    let (revoke_path, reason) =
        (format!("/api/v1/certificates/{code}/revoke"), json!({"reason": "证书信息有误"}));
    let revocations = (0..10).map(|_| s.app.json(Method::POST, &revoke_path, Some(&school), &reason));
    let answers = futures_util::future::join_all(revocations).await;
    let statuses: Vec<u16> = answers.iter().map(|a| a.status.as_u16()).collect();
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 1, "{statuses:?}");
    assert!(statuses.iter().all(|s| matches!(s, 200 | 409)), "{statuses:?}");
    let list = s.app.get(&list_path, None).await;
    assert!(verifies(&list.body, &did));
    assert!(bit(&list.body, index), "revoked: set");
    let set: u32 = bits(&list.body).iter().map(|b| b.count_ones()).sum();
    assert_eq!(set, 1, "only the revoked certificate's bit");
    // The revoked credential's proof still verifies: only its status says it is revoked.
    assert!(verifies(&vc, &did));

    // A reissue supersedes: the old certificate's bit is set too.
    let second = items[1]["code"].as_str().expect("code");
    let second_vc = s.app.get(&format!("/api/v1/certificates/{second}/credential"), Some(&school)).await.body;
    let second_index: u64 =
        second_vc["credentialStatus"]["statusListIndex"].as_str().expect("i").parse().expect("n");
    let reissued = s
        .app
        .json(
            Method::POST,
            &format!("/api/v1/certificates/{second}/reissue"),
            Some(&school),
            &json!({"reason": "姓名更正"}),
        )
        .await;
    assert_eq!(reissued.status.as_u16(), 201, "{}", reissued.text);
    let list = s.app.get(&list_path, None).await;
    assert!(bit(&list.body, second_index), "superseded: set");

    // Lists that do not exist, or are not lists.
    for bad in ["S000050999999-2026", "S000050000001-1999", "nothing", "S000050000001-2026%00"] {
        let a = s.app.get(&format!("/api/v1/public/status-lists/{bad}"), None).await;
        assert!(matches!(a.status.as_u16(), 404 | 400), "{bad}: {}", a.text);
    }

    // Audited, without the number.
    let events = s
        .app
        .get(
            &format!("/api/v1/audit-events?action=certificate.credential_downloaded&target_id={code}"),
            Some(&admin),
        )
        .await;
    assert_eq!(events.body["total"], 1, "{}", events.text);
    assert!(!events.text.contains(&number));
}

#[tokio::test]
async fn the_holder_takes_their_own_credential_and_every_miss_looks_the_same() {
    let s = setup_with("2026-11-02", &[("SKILLCERT_VERIFY_LIMIT_PER_MINUTE", "1000")]).await;
    let plan = reviewed_plan(&s, 2).await;
    let school = s.app.login("school1", "a-long-password-1").await;
    let issued = s
        .app
        .json(Method::POST, &format!("/api/v1/plans/{plan}/certificates"), Some(&school), &json!({}))
        .await;
    assert_eq!(issued.status.as_u16(), 201, "{}", issued.text);
    let listed = s.app.get(&format!("/api/v1/plans/{plan}/certificates"), Some(&school)).await;
    let c = listed.body["items"][0].clone();
    let (code, name, number) = (
        c["code"].as_str().expect("code").to_owned(),
        c["holder_name"].as_str().expect("name").to_owned(),
        c["id_number"].as_str().expect("number").to_owned(),
    );
    let token = c["verify_path"].as_str().expect("path").trim_start_matches("/verify/").to_owned();
    let did = s.app.get("/.well-known/did.json", None).await.body;

    let own = |body: Value| {
        let app = &s.app;
        async move { app.json(Method::POST, "/api/v1/public/certificates/credential", None, &body).await }
    };
    let a = own(json!({"code": code, "name": name, "id_number": number})).await;
    assert_eq!(a.status.as_u16(), 200, "{}", a.text);
    assert_eq!(a.header("cache-control"), Some("private, no-store"));
    assert!(verifies(&a.body, &did));
    assert!(!a.text.contains(&number));
    for body in [
        json!({"code": code, "name": "王小明", "id_number": number}),
        json!({"code": "S000050000001264999999", "name": name, "id_number": number}),
        json!({"code": code, "name": name, "id_number": "not a number"}),
    ] {
        own(body).await.problem(404, "certificate_not_found");
    }

    // The QR page links to it: the form's second button posts to the credential.
    let page = s.app.get(&format!("/verify/{token}"), None).await;
    assert!(page.text.contains(&format!("formaction=\"/verify/{token}/credential\"")), "{}", page.text);
    let form = |fields: Vec<(&'static str, String)>| {
        let (app, token) = (&s.app, token.clone());
        async move {
            app.send(app.request(Method::POST, &format!("/verify/{token}/credential")).form(&fields)).await
        }
    };
    let a = form(vec![("name", name.clone()), ("id_number", number.clone())]).await;
    assert_eq!(a.status.as_u16(), 200, "{}", a.text);
    assert!(verifies(&a.body, &did));
    let a = form(vec![("name", "王小明".into()), ("id_number", number.clone())]).await;
    assert_eq!(a.status.as_u16(), 404);
    assert!(a.text.contains("未能下载"));

    // Revoked: the holder gets nothing more (as for the PDF); staff still read the record.
    let revoked = s
        .app
        .json(
            Method::POST,
            &format!("/api/v1/certificates/{code}/revoke"),
            Some(&school),
            &json!({"reason": "作废"}),
        )
        .await;
    assert_eq!(revoked.status.as_u16(), 200, "{}", revoked.text);
    own(json!({"code": code, "name": name, "id_number": number})).await.problem(404, "certificate_not_found");
    let staff = s.app.get(&format!("/api/v1/certificates/{code}/credential"), Some(&school)).await;
    assert_eq!(staff.status.as_u16(), 200, "{}", staff.text);
}

#[tokio::test]
async fn a_credential_signed_before_a_key_rotation_still_verifies() {
    let s = setup("2026-11-02").await;
    let plan = reviewed_plan(&s, 1).await;
    let school = s.app.login("school1", "a-long-password-1").await;
    let issued = s
        .app
        .json(Method::POST, &format!("/api/v1/plans/{plan}/certificates"), Some(&school), &json!({}))
        .await;
    assert_eq!(issued.status.as_u16(), 201, "{}", issued.text);
    let code = issued.body["items"][0]["code"].as_str().expect("code").to_owned();
    let before = s.app.get(&format!("/api/v1/certificates/{code}/credential"), Some(&school)).await.body;

    // Another start with a new certificate key: the old one stays published.
    let new_key = s.app.data_dir.join("keys").join("certificate-signing-rotated.pem");
    let rotated =
        s.app.replica_with(&[("SKILLCERT_CERTIFICATE_KEY", new_key.to_str().expect("utf-8"))]).await;
    let school = rotated.login("school1", "a-long-password-1").await;
    let did = rotated.get("/.well-known/did.json", None).await.body;
    assert_eq!(did["verificationMethod"].as_array().expect("methods").len(), 2, "{did}");
    let after = rotated.get(&format!("/api/v1/certificates/{code}/credential"), Some(&school)).await.body;
    assert_ne!(before["proof"]["verificationMethod"], after["proof"]["verificationMethod"]);
    assert!(verifies(&before, &did), "signed with the rotated key");
    assert!(verifies(&after, &did), "signed with the new key");
    // The same salt and index: a credential is the same statement whoever signs it.
    assert_eq!(before["credentialSubject"]["identifier"], after["credentialSubject"]["identifier"]);
    assert_eq!(before["credentialStatus"], after["credentialStatus"]);
}
