//! Data Integrity proofs of the cryptosuite `eddsa-rdfc-2022` (W3C Data Integrity EdDSA
//! Cryptosuites v1.0, §3.3): the document without its proof and the proof's options (with the
//! document's `@context`) are each canonicalised (RDFC-1.0) and hashed with SHA-256; Ed25519 signs
//! the options' hash followed by the document's, and the signature is written as multibase
//! base58btc (`z…`).

use super::canon::{CanonError, canonical_nquads};
use chrono::{DateTime, SecondsFormat, Utc};
use ed25519_dalek::{Signer as _, SigningKey, VerifyingKey};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// The cryptosuite's name.
pub const CRYPTOSUITE: &str = "eddsa-rdfc-2022";

/// The multicodec prefix of an Ed25519 public key (`ed25519-pub`, 0xed as a varint).
const ED25519_PUB: [u8; 2] = [0xed, 0x01];

/// A public key as a Multikey's `publicKeyMultibase` (`z6Mk…`).
pub fn multibase_key(key: &VerifyingKey) -> String {
    let mut bytes = Vec::with_capacity(34);
    bytes.extend_from_slice(&ED25519_PUB);
    bytes.extend_from_slice(key.as_bytes());
    format!("z{}", bs58::encode(bytes).into_string())
}

/// Signs documents with one key, verification method and time: the canonical hash of the proof's
/// options is the same for every document with the same `@context`, so a batch computes it once.
pub struct ProofSigner<'a> {
    key: &'a SigningKey,
    options: Value,
    context: Value,
    options_hash: [u8; 32],
}

impl<'a> ProofSigner<'a> {
    /// A signer for documents whose `@context` is `context`.
    pub fn new(
        key: &'a SigningKey,
        verification_method: &str,
        created: DateTime<Utc>,
        context: Value,
    ) -> Result<ProofSigner<'a>, CanonError> {
        let options = json!({
            "type": "DataIntegrityProof",
            "cryptosuite": CRYPTOSUITE,
            "created": created.to_rfc3339_opts(SecondsFormat::Secs, true),
            "verificationMethod": verification_method,
            "proofPurpose": "assertionMethod",
        });
        let options_hash = options_hash(&options, &context)?;
        Ok(ProofSigner { key, options, context, options_hash })
    }

    /// `document` (which has no `proof`) with its proof added.
    pub fn sign(&self, mut document: Value) -> Result<Value, CanonError> {
        let options_hash = if document.get("@context") == Some(&self.context) {
            self.options_hash
        } else {
            options_hash(&self.options, document.get("@context").unwrap_or(&Value::Null))?
        };
        let data = [options_hash, Sha256::digest(canonical_nquads(&document)?.as_bytes()).into()].concat();
        let signature = self.key.sign(&data);
        let mut proof = self.options.clone();
        proof["proofValue"] = format!("z{}", bs58::encode(signature.to_bytes()).into_string()).into();
        document["proof"] = proof;
        Ok(document)
    }
}

impl ProofSigner<'_> {
    /// `documents` signed, in order, shared out over the machine's cores (a batch: a plan's
    /// credentials, the benchmark of 10,000).
    pub fn sign_all(&self, documents: Vec<Value>) -> Vec<Result<Value, CanonError>> {
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
        let threads = cores.min(documents.len()).max(1);
        if threads == 1 {
            return documents.into_iter().map(|d| self.sign(d)).collect();
        }
        let share = documents.len().div_ceil(threads);
        let mut parts: Vec<Vec<Value>> = Vec::with_capacity(threads);
        let mut rest = documents.into_iter().peekable();
        while rest.peek().is_some() {
            parts.push(rest.by_ref().take(share).collect());
        }
        std::thread::scope(|scope| {
            let running: Vec<_> = parts
                .into_iter()
                .map(|part| scope.spawn(move || part.into_iter().map(|d| self.sign(d)).collect::<Vec<_>>()))
                .collect();
            // Signing does not panic short of running out of memory; if it did, so does this.
            running
                .into_iter()
                .flat_map(|t| t.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
                .collect()
        })
    }
}

fn options_hash(options: &Value, context: &Value) -> Result<[u8; 32], CanonError> {
    let mut config = options.clone();
    config["@context"] = context.clone();
    Ok(Sha256::digest(canonical_nquads(&config)?.as_bytes()).into())
}

/// Whether `secured` carries one `eddsa-rdfc-2022` proof that `key` made over the document as it
/// is (a check for the tests and the benchmark; verifiers outside use their own code).
pub fn verify(secured: &Value, key: &VerifyingKey) -> Result<bool, CanonError> {
    let Some(proof) = secured.get("proof") else { return Ok(false) };
    if proof.get("cryptosuite").and_then(Value::as_str) != Some(CRYPTOSUITE) {
        return Ok(false);
    }
    let Some(value) = proof.get("proofValue").and_then(Value::as_str).and_then(|v| v.strip_prefix('z'))
    else {
        return Ok(false);
    };
    let Ok(bytes) = bs58::decode(value).into_vec() else { return Ok(false) };
    let Ok(signature) = ed25519_dalek::Signature::from_slice(&bytes) else { return Ok(false) };
    let mut options = proof.clone();
    if let Some(o) = options.as_object_mut() {
        o.remove("proofValue");
    }
    let mut document = secured.clone();
    if let Some(d) = document.as_object_mut() {
        d.remove("proof");
    }
    let hash = options_hash(&options, document.get("@context").unwrap_or(&Value::Null))?;
    let data = [hash, Sha256::digest(canonical_nquads(&document)?.as_bytes()).into()].concat();
    Ok(key.verify_strict(&data, &signature).is_ok())
}

#[cfg(test)]
mod tests {
    use super::super::canon::CREDENTIALS_V2;
    use super::*;

    fn document() -> Value {
        json!({"@context": [CREDENTIALS_V2], "type": ["VerifiableCredential"],
            "issuer": "did:web:example.org", "validFrom": "2026-06-30T00:00:00+08:00",
            "credentialSubject": {"name": "张三"}})
    }

    #[test]
    fn a_signed_document_verifies_and_any_change_breaks_it() {
        let key = SigningKey::from_bytes(&[7; 32]);
        let at = DateTime::parse_from_rfc3339("2026-12-05T10:00:00Z").expect("time").to_utc();
        let signer =
            ProofSigner::new(&key, "did:web:example.org#k", at, json!([CREDENTIALS_V2])).expect("signer");
        let signed = signer.sign(document()).expect("signed");
        assert!(verify(&signed, &key.verifying_key()).expect("verify"));
        let mut changed = signed.clone();
        changed["credentialSubject"]["name"] = "李四".into();
        assert!(!verify(&changed, &key.verifying_key()).expect("verify"));
        let mut moved = signed.clone();
        moved["proof"]["created"] = "2026-12-05T10:00:01Z".into();
        assert!(!verify(&moved, &key.verifying_key()).expect("verify"));
        let other = SigningKey::from_bytes(&[8; 32]);
        assert!(!verify(&signed, &other.verifying_key()).expect("verify"));
    }

    #[test]
    fn a_batch_is_signed_in_order_each_as_alone() {
        let key = SigningKey::from_bytes(&[9; 32]);
        let at = DateTime::parse_from_rfc3339("2026-12-05T10:00:00Z").expect("time").to_utc();
        let signer =
            ProofSigner::new(&key, "did:web:example.org#k", at, json!([CREDENTIALS_V2])).expect("signer");
        let documents: Vec<Value> = (0..7)
            .map(|i| {
                let mut d = document();
                d["credentialSubject"]["name"] = format!("持证人{i}").into();
                d
            })
            .collect();
        let signed = signer.sign_all(documents.clone());
        assert_eq!(signed.len(), 7);
        for (d, s) in documents.into_iter().zip(signed) {
            let s = s.expect("signed");
            assert_eq!(s, signer.sign(d).expect("alone"), "Ed25519 is deterministic");
            assert!(verify(&s, &key.verifying_key()).expect("verify"));
        }
    }

    #[test]
    fn the_multikey_of_the_specification_key_reads_back_the_same() {
        // Data Integrity EdDSA Cryptosuites v1.0, the public key of its test vectors.
        let published = "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2";
        let bytes = bs58::decode(&published[1..]).into_vec().expect("base58");
        assert_eq!(bytes[..2], ED25519_PUB);
        let key =
            VerifyingKey::from_bytes(&<[u8; 32]>::try_from(&bytes[2..]).expect("32 bytes")).expect("key");
        assert_eq!(multibase_key(&key), published);
    }
}
