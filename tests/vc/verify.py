#!/usr/bin/env python3
"""A second, independent verifier of skillcert credentials (issue 27): PyLD for JSON-LD and
RDF canonicalisation (URDNA2015, the algorithm RDFC-1.0 standardised), `cryptography` for
Ed25519. It shares no code with the server (Rust: oxjsonld, rdf-canon, ed25519-dalek) nor with
the JavaScript verifier (verify.mjs: jsonld.js, @noble/ed25519).

    verify.py CREDENTIAL.json [--did-document FILE]

Prints one JSON line: {"verified": bool, "revoked": bool|null, "errors": [...]}. `verified` is
the Data Integrity proof (eddsa-rdfc-2022) checked against the key the issuer's DID document
names for assertions; `revoked` is the bit of the credential's Bitstring Status List entry, read
from its status list credential, whose own proof is checked the same way (null when the
credential has no status). The JSON-LD contexts are the files bundled in assets/contexts: no
context is fetched. A did:web DID is resolved over HTTPS, or over HTTP when VC_DID_WEB_SCHEME=http
(a local test server); --did-document uses a saved copy instead.
"""

import base64
import gzip
import hashlib
import json
import os
import sys
import urllib.parse
import urllib.request

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from pyld import jsonld

HERE = os.path.dirname(os.path.abspath(__file__))
CONTEXTS = {
    "https://www.w3.org/ns/credentials/v2": "credentials-v2.jsonld",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json": "ob-v3p0-context-3.0.3.jsonld",
    "https://www.w3.org/ns/did/v1": "did-v1.jsonld",
    "https://w3id.org/security/multikey/v1": "multikey-v1.jsonld",
}
B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def b58decode(text):
    n = 0
    for ch in text:
        n = n * 58 + B58.index(ch)
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big") if n else b""
    return b"\0" * (len(text) - len(text.lstrip("1"))) + raw


def loader(url, options=None):
    name = CONTEXTS.get(url)
    if name is None:
        raise jsonld.JsonLdError("context not bundled: " + url, "jsonld.LoadDocumentError")
    with open(os.path.join(HERE, "..", "..", "assets", "contexts", name), encoding="utf-8") as f:
        return {"contextUrl": None, "documentUrl": url, "document": json.load(f)}


def fetch_json(url):
    with urllib.request.urlopen(url, timeout=10) as r:
        return json.load(r)


def did_web_url(did):
    parts = did[len("did:web:"):].split(":")
    host = urllib.parse.unquote(parts[0])
    path = "/".join(parts[1:])
    scheme = os.environ.get("VC_DID_WEB_SCHEME", "https")
    return f"{scheme}://{host}/{path}/did.json" if path else f"{scheme}://{host}/.well-known/did.json"


def canonical(doc):
    return jsonld.normalize(
        doc, {"algorithm": "URDNA2015", "format": "application/n-quads", "documentLoader": loader, "safe": True}
    )


def check_proof(doc, did_document):
    """Errors of the eddsa-rdfc-2022 proof of `doc` (empty: it verifies)."""
    proof = doc.get("proof")
    if not isinstance(proof, dict):
        return ["no single proof"]
    errors = []
    if proof.get("type") != "DataIntegrityProof" or proof.get("cryptosuite") != "eddsa-rdfc-2022":
        errors.append("not an eddsa-rdfc-2022 Data Integrity proof")
    if proof.get("proofPurpose") != "assertionMethod":
        errors.append("proof purpose is not assertionMethod")
    issuer = doc.get("issuer")
    issuer = issuer.get("id") if isinstance(issuer, dict) else issuer
    method_id = proof.get("verificationMethod", "")
    did = method_id.split("#")[0]
    if issuer != did:
        errors.append(f"issuer {issuer} is not the controller of {method_id}")
    if did_document is None:
        try:
            did_document = fetch_json(did_web_url(did))
        except (OSError, ValueError) as e:
            return errors + [f"DID document of {did}: {e}"]
    if did_document.get("id") != did:
        errors.append(f"the DID document is {did_document.get('id')}, not {did}")
    if method_id not in did_document.get("assertionMethod", []):
        errors.append(f"{method_id} is not an assertion method of {did}")
    methods = [m for m in did_document.get("verificationMethod", []) if m.get("id") == method_id]
    if not methods or methods[0].get("controller") != did or methods[0].get("type") != "Multikey":
        return errors + [f"no Multikey {method_id} controlled by {did}"]
    key_bytes = b58decode(methods[0]["publicKeyMultibase"][1:])
    if key_bytes[:2] != b"\xed\x01" or len(key_bytes) != 34:
        return errors + ["not an Ed25519 Multikey"]
    unsecured = {k: v for k, v in doc.items() if k != "proof"}
    options = {k: v for k, v in proof.items() if k != "proofValue"}
    options["@context"] = doc["@context"]
    try:
        data = hashlib.sha256(canonical(options).encode()).digest() + hashlib.sha256(
            canonical(unsecured).encode()
        ).digest()
    except jsonld.JsonLdError as e:
        return errors + [f"not canonicalisable: {e}"]
    value = proof.get("proofValue", "")
    if not value.startswith("z"):
        return errors + ["proofValue is not base58btc multibase"]
    try:
        Ed25519PublicKey.from_public_bytes(key_bytes[2:]).verify(b58decode(value[1:]), data)
    except (InvalidSignature, ValueError):
        errors.append("invalid signature")
    return errors


def revoked(credential, did_document):
    """Whether the credential's revocation bit is set (None: no status), and the errors."""
    status = credential.get("credentialStatus")
    if status is None:
        return None, []
    if status.get("type") != "BitstringStatusListEntry" or status.get("statusPurpose") != "revocation":
        return None, ["not a revocation BitstringStatusListEntry"]
    try:
        status_list = fetch_json(status["statusListCredential"])
    except (OSError, ValueError) as e:
        return None, [f"status list {status['statusListCredential']}: {e}"]
    errors = ["status list: " + e for e in check_proof(status_list, did_document)]
    if status_list.get("id") != status["statusListCredential"]:
        errors.append("the status list is not the one named")
    subject = status_list.get("credentialSubject", {})
    if subject.get("statusPurpose") != "revocation":
        errors.append("the status list is not for revocation")
    encoded = subject.get("encodedList", "")
    if not encoded.startswith("u"):
        return None, errors + ["encodedList is not base64url multibase"]
    raw = encoded[1:]
    bits = gzip.decompress(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
    if len(bits) < 16 * 1024:
        errors.append("the status list is shorter than 131,072 bits")
    index = int(status["statusListIndex"])
    if index >= len(bits) * 8:
        return None, errors + ["the index is past the end of the list"]
    return bool(bits[index // 8] & (0x80 >> (index % 8))), errors


def main(argv):
    args = argv[1:]
    did_document = None
    if "--did-document" in args:
        i = args.index("--did-document")
        with open(args[i + 1], encoding="utf-8") as f:
            did_document = json.load(f)
        del args[i : i + 2]
    with open(args[0], encoding="utf-8") as f:
        credential = json.load(f)
    errors = check_proof(credential, did_document)
    types = credential.get("type", [])
    if "VerifiableCredential" not in types:
        errors.append("not a VerifiableCredential")
    is_revoked, status_errors = revoked(credential, did_document)
    print(json.dumps({"verified": not errors, "revoked": is_revoked, "errors": errors + status_errors}))


if __name__ == "__main__":
    main(sys.argv)
