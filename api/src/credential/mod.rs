//! Certificates as W3C Verifiable Credentials (issue 27): Open Badges 3.0 credentials with Data
//! Integrity proofs (`eddsa-rdfc-2022`), the system's `did:web` document, and revocation by
//! Bitstring Status List. Pure: the use cases (`use_case::certificates::credential`) read the
//! records and the keys; nothing here touches the database or the network.

pub mod canon;
pub mod did;
pub mod document;
pub mod proof;
pub mod status;

use chrono::{DateTime, SecondsFormat, Utc};

/// What the server issues credentials with: its DID and the deployment's secrets.
#[derive(Debug)]
pub struct Credentials {
    /// `did:web` of `SKILLCERT_ISSUER`.
    pub did: String,
    pub secrets: document::Secrets,
    /// The status lists as last signed.
    pub lists: status::ListCache,
}

impl Credentials {
    /// The issuer of credentials at `public_url`.
    pub fn issuer<'a>(&'a self, public_url: &'a str) -> document::Issuer<'a> {
        document::Issuer { public_url, did: &self.did, secrets: &self.secrets }
    }
}

/// The moment of a proof, to the second.
pub fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}
