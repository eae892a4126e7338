//! The system's DID: `did:web` of `SKILLCERT_ISSUER`, whose document (served at
//! `/.well-known/did.json`) lists every certificate-signing key, the current one and those it
//! replaced, as Multikey verification methods for assertions: a credential signed before a key
//! rotation still verifies.

use super::canon::{DID_V1, MULTIKEY_V1};
use super::proof::multibase_key;
use ed25519_dalek::VerifyingKey;
use serde_json::{Value, json};

/// `did:web` of a public URL: `https://cert.example.org` is `did:web:cert.example.org`; a port is
/// written `%3A` (`did:web:127.0.0.1%3A8080`), and a path's segments follow after colons.
pub fn did_web(public_url: &str) -> String {
    let rest = public_url.split_once("://").map_or(public_url, |(_, r)| r).trim_end_matches('/');
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    let mut did = format!("did:web:{}", host.replace(':', "%3A"));
    for segment in path.split('/').filter(|s| !s.is_empty()) {
        did.push(':');
        did.push_str(segment);
    }
    did
}

/// The verification method of the key `kid`.
pub fn verification_method(did: &str, kid: &str) -> String {
    format!("{did}#{kid}")
}

/// The DID document listing `keys` (kid and public key, oldest first).
pub fn document(did: &str, keys: &[(String, VerifyingKey)]) -> Value {
    let methods: Vec<Value> = keys
        .iter()
        .map(|(kid, key)| {
            json!({
                "id": verification_method(did, kid),
                "type": "Multikey",
                "controller": did,
                "publicKeyMultibase": multibase_key(key),
            })
        })
        .collect();
    let ids: Vec<String> = keys.iter().map(|(kid, _)| verification_method(did, kid)).collect();
    json!({
        "@context": [DID_V1, MULTIKEY_V1],
        "id": did,
        "verificationMethod": methods,
        "assertionMethod": ids,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn did_web_follows_the_method_specification() {
        assert_eq!(did_web("https://cert.example.org"), "did:web:cert.example.org");
        assert_eq!(did_web("https://cert.example.org/"), "did:web:cert.example.org");
        assert_eq!(did_web("http://127.0.0.1:8080"), "did:web:127.0.0.1%3A8080");
        assert_eq!(did_web("https://example.org/skill/cert"), "did:web:example.org:skill:cert");
    }

    #[test]
    fn the_document_canonicalises_with_the_bundled_contexts() {
        let key = ed25519_dalek::SigningKey::from_bytes(&[1; 32]).verifying_key();
        let doc = document("did:web:example.org", &[("k1".into(), key)]);
        let nquads = super::super::canon::canonical_nquads(&doc).expect("canonical");
        assert!(nquads.contains("<did:web:example.org#k1>"), "{nquads}");
        assert!(nquads.contains("https://w3id.org/security#publicKeyMultibase"), "{nquads}");
    }
}
