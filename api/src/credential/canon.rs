//! RDF Dataset Canonicalization (RDFC-1.0) of a JSON-LD document: oxigraph's JSON-LD parser turns
//! it into quads, with every context it names taken from `assets/contexts` (never the network),
//! and `rdf-canon` writes the canonical N-Quads that a Data Integrity proof signs.

use std::collections::HashMap;
use std::sync::LazyLock;

/// The bundled contexts, by URL (see `assets/contexts/README.md`).
const CONTEXTS: [(&str, &[u8]); 4] = [
    (CREDENTIALS_V2, include_bytes!("../../../assets/contexts/credentials-v2.jsonld")),
    (OPEN_BADGES_V3, include_bytes!("../../../assets/contexts/ob-v3p0-context-3.0.3.jsonld")),
    (DID_V1, include_bytes!("../../../assets/contexts/did-v1.jsonld")),
    (MULTIKEY_V1, include_bytes!("../../../assets/contexts/multikey-v1.jsonld")),
];

/// W3C Verifiable Credentials Data Model 2.0.
pub const CREDENTIALS_V2: &str = "https://www.w3.org/ns/credentials/v2";
/// 1EdTech Open Badges 3.0 (version 3.0.3 of the context).
pub const OPEN_BADGES_V3: &str = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json";
/// W3C Decentralized Identifiers 1.0.
pub const DID_V1: &str = "https://www.w3.org/ns/did/v1";
/// Multikey verification methods.
pub const MULTIKEY_V1: &str = "https://w3id.org/security/multikey/v1";

static BY_URL: LazyLock<HashMap<&'static str, &'static [u8]>> =
    LazyLock::new(|| CONTEXTS.into_iter().collect());

/// The bundled context at `url`, if there is one.
pub fn context(url: &str) -> Option<&'static [u8]> {
    BY_URL.get(url).copied()
}

/// Why a document could not be canonicalised: a context that is not bundled, a document that is
/// not valid JSON-LD, or a blank-node graph too costly to canonicalise.
#[derive(Debug, thiserror::Error)]
#[error("canonicalisation: {0}")]
pub struct CanonError(String);

/// The canonical N-Quads of `document` (RDFC-1.0, SHA-256).
pub fn canonical_nquads(document: &serde_json::Value) -> Result<String, CanonError> {
    let bytes = serde_json::to_vec(document).map_err(|e| CanonError(e.to_string()))?;
    let parser = oxjsonld::JsonLdParser::new().for_slice(&bytes).with_load_document_callback(|url, _| {
        let document = context(url).ok_or_else(|| format!("the context {url} is not bundled"))?;
        Ok(oxjsonld::JsonLdRemoteDocument { document: document.to_vec(), document_url: url.to_owned() })
    });
    let mut quads = Vec::new();
    for quad in parser {
        let quad = quad.map_err(|e| CanonError(e.to_string()))?;
        quads.push(older_quad(quad)?);
    }
    rdf_canon::canonicalize_quads(&quads).map_err(|e| CanonError(e.to_string()))
}

/// A quad of oxrdf 0.3 (the parser's) as one of oxrdf 0.2 (the canonicaliser's).
fn older_quad(q: oxrdf::Quad) -> Result<oxrdf02::Quad, CanonError> {
    let subject: oxrdf02::Subject = match older_term(q.subject.into())? {
        oxrdf02::Term::NamedNode(n) => n.into(),
        oxrdf02::Term::BlankNode(b) => b.into(),
        _ => return Err(CanonError("a literal as subject".into())),
    };
    let graph = match q.graph_name {
        oxrdf::GraphName::DefaultGraph => oxrdf02::GraphName::DefaultGraph,
        oxrdf::GraphName::NamedNode(n) => oxrdf02::NamedNode::new_unchecked(n.into_string()).into(),
        oxrdf::GraphName::BlankNode(b) => oxrdf02::BlankNode::new_unchecked(b.into_string()).into(),
    };
    let predicate = oxrdf02::NamedNode::new_unchecked(q.predicate.into_string());
    Ok(oxrdf02::Quad::new(subject, predicate, older_term(q.object)?, graph))
}

fn older_term(t: oxrdf::Term) -> Result<oxrdf02::Term, CanonError> {
    Ok(match t {
        oxrdf::Term::NamedNode(n) => oxrdf02::NamedNode::new_unchecked(n.into_string()).into(),
        oxrdf::Term::BlankNode(b) => oxrdf02::BlankNode::new_unchecked(b.into_string()).into(),
        oxrdf::Term::Literal(l) => match l.destruct() {
            (value, _, Some(language)) => {
                oxrdf02::Literal::new_language_tagged_literal_unchecked(value, language).into()
            }
            (value, Some(datatype), None) => oxrdf02::Literal::new_typed_literal(
                value,
                oxrdf02::NamedNode::new_unchecked(datatype.into_string()),
            )
            .into(),
            (value, None, None) => oxrdf02::Literal::new_simple_literal(value).into(),
        },
        #[allow(unreachable_patterns)]
        _ => return Err(CanonError("an RDF 1.2 triple term".into())),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bundled_context_is_json_ld() {
        for (url, bytes) in CONTEXTS {
            let v: serde_json::Value = serde_json::from_slice(bytes).expect(url);
            assert!(v.get("@context").is_some(), "{url}");
        }
    }

    #[test]
    fn a_context_that_is_not_bundled_fails_instead_of_being_fetched() {
        let doc = serde_json::json!({"@context": "https://example.org/ctx", "name": "x"});
        let e = canonical_nquads(&doc).expect_err("not bundled");
        assert!(e.to_string().contains("https://example.org/ctx"), "{e}");
    }

    #[test]
    fn blank_nodes_are_labelled_canonically_whatever_the_key_order() {
        let a = serde_json::json!({"@context": CREDENTIALS_V2, "type": "VerifiableCredential",
            "credentialSubject": {"name": "张三"}, "name": "甲"});
        let b = serde_json::json!({"name": "甲", "credentialSubject": {"name": "张三"},
            "type": "VerifiableCredential", "@context": CREDENTIALS_V2});
        let (ca, cb) = (canonical_nquads(&a).expect("a"), canonical_nquads(&b).expect("b"));
        assert_eq!(ca, cb);
        assert!(ca.contains("_:c14n1 <https://schema.org/name> \"张三\" ."), "{ca}");
    }
}
