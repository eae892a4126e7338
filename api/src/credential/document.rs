//! The Open Badges 3.0 credential of a certificate (a W3C Verifiable Credential 2.0 of types
//! `VerifiableCredential` and `OpenBadgeCredential`), before its proof.
//!
//! - `issuer`: the system's DID, named as the issuing institution (its name, and its filing code
//!   as another identifier): the system signs for the institutions it holds the record of.
//! - `credentialSubject`: the holder's name, the certificate code (`licenseNumber`), and the
//!   resident ID number only as a salted SHA-256 hash (an `IdentityObject`): whoever holds the
//!   number checks it against the hash; the credential does not reveal it.
//! - `achievement`: occupation (code and name), work type, level as the national certificates
//!   write it (四级/中级工), and the standard it was assessed against; the level again as the
//!   `result` of a one-level rubric, for machines.
//! - `validFrom`: the issue date, at midnight in China; `credentialStatus`: its bit in the
//!   institution's status list of that year ([`super::status`]).

use super::canon::{CREDENTIALS_V2, OPEN_BADGES_V3};
use super::status::{ListId, Permutation};
use domain::code::CertificateCode;
use hmac::{Hmac, KeyInit, Mac};
use persistence::entity::{certificate, standard};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// The `@context` of every certificate credential.
pub fn context() -> Value {
    json!([CREDENTIALS_V2, OPEN_BADGES_V3])
}

/// Who issues: the public URL, the system's DID and the deployment's secrets.
pub struct Issuer<'a> {
    pub public_url: &'a str,
    pub did: &'a str,
    pub secrets: &'a Secrets,
}

/// The deployment's credential secrets (`credential_secrets`), each 32 bytes.
pub struct Secrets {
    /// Keys the permutation of status-list indexes.
    pub status_lists: Vec<u8>,
    /// Keys the salts of identity hashes.
    pub identity_salts: Vec<u8>,
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secrets(..)")
    }
}

/// What the credential states besides the certificate record.
pub struct Facts<'a> {
    /// The holder's resident ID number (hashed with a salt; never written).
    pub id_number: &'a str,
    /// The standard assessed against, when the institution's scope names one.
    pub standard: Option<&'a standard::Model>,
    /// The level as the national certificates write it (四级/中级工).
    pub level_name: &'a str,
}

/// Why no credential: the stored code does not parse.
#[derive(Debug, thiserror::Error)]
#[error("the stored certificate code {0} does not parse")]
pub struct BadCode(String);

/// The unsigned credential of `c`.
pub fn credential(issuer: &Issuer<'_>, c: &certificate::Model, facts: &Facts<'_>) -> Result<Value, BadCode> {
    let code = CertificateCode::parse(&c.code).map_err(|_| BadCode(c.code.clone()))?;
    let list = ListId::of(&code);
    let index = Permutation::new(&issuer.secrets.status_lists, list).index(code.serial().get());
    let salt = salt(&issuer.secrets.identity_salts, &c.code);
    let identity_hash = format!("sha256${}", hex(&Sha256::digest(format!("{}{salt}", facts.id_number))));
    let work_type = c.work_type.trim();
    let has_work_type = !work_type.is_empty() && work_type != domain::certificate::printed_work_type("");
    let title = if has_work_type {
        format!("{}（{}）{}", c.occupation_name, work_type, facts.level_name)
    } else {
        format!("{} {}", c.occupation_name, facts.level_name)
    };
    let achievement_id = format!(
        "{}/achievements/{}/{}/{}",
        issuer.public_url,
        c.occupation_code,
        if has_work_type { percent_encoded(work_type) } else { "-".into() },
        c.level
    );
    let level_id = format!("{achievement_id}#level-{}", c.level);
    let rubric_id = format!("{achievement_id}#level");
    let mut achievement = json!({
        "id": achievement_id,
        "type": ["Achievement"],
        "achievementType": "Certificate",
        "name": title,
        "description": format!(
            "职业技能等级证书：职业 {}（编码 {}），工种 {}，等级 {}。",
            c.occupation_name,
            c.occupation_code,
            domain::certificate::printed_work_type(work_type),
            facts.level_name
        ),
        "criteria": {"narrative": match facts.standard {
            Some(s) => format!("依据《{}》评价合格（渝人社发〔2020〕83号）。", s.title),
            None => "经职业技能等级认定合格（渝人社发〔2020〕83号）。".to_owned(),
        }},
        "fieldOfStudy": c.occupation_name,
        "humanCode": c.occupation_code,
        "resultDescription": [{
            "id": rubric_id,
            "type": ["ResultDescription"],
            "name": "职业技能等级",
            "resultType": "RubricCriterionLevel",
            "rubricCriterionLevel": [{"id": level_id, "type": ["RubricCriterionLevel"], "name": facts.level_name}],
        }],
    });
    if has_work_type {
        achievement["specialization"] = work_type.into();
    }
    if let Some(s) = facts.standard {
        let mut alignment = json!({
            "type": ["Alignment"],
            "targetName": s.title,
            "targetUrl": format!("{}/api/v1/standards/{}", issuer.public_url, s.id),
            "targetFramework": if s.filing_reference.is_some() { "职业技能等级评价规范" } else { "国家职业技能标准" },
        });
        if let Some(reference) = &s.filing_reference {
            alignment["targetCode"] = reference.as_str().into();
        }
        achievement["alignment"] = json!([alignment]);
    }
    Ok(json!({
        "@context": context(),
        "id": format!("{}/verify/{}", issuer.public_url, c.verify_token),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": format!("职业技能等级证书 {}", c.code),
        "issuer": {
            "id": issuer.did,
            "type": ["Profile"],
            "name": c.institution_name,
            "otherIdentifier": [{
                "type": ["IdentifierEntry"],
                "identifier": code.institution().to_string(),
                "identifierType": "identifier",
            }],
        },
        "validFrom": format!("{}T00:00:00+08:00", c.issue_date.format("%Y-%m-%d")),
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "name": c.holder_name,
            "licenseNumber": c.code,
            "identifier": [{
                "type": ["IdentityObject"],
                "identityType": "nationalIdentityNumber",
                "hashed": true,
                "identityHash": identity_hash,
                "salt": salt,
            }],
            "achievement": achievement,
            "result": [{"type": ["Result"], "resultDescription": rubric_id, "achievedLevel": level_id}],
        },
        "credentialStatus": super::status::entry(issuer.public_url, list, index),
    }))
}

/// The salt of a certificate's identity hash: the same for every download of it, unknown without
/// the deployment's secret.
fn salt(secret: &[u8], code: &str) -> String {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret)
        .unwrap_or_else(|_| unreachable!("HMAC takes any key"));
    mac.update(b"skillcert identity salt ");
    mac.update(code.as_bytes());
    hex(&mac.finalize().into_bytes()[..16])
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `s` with every byte outside the unreserved characters of RFC 3986 written `%XX`.
fn percent_encoded(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_identity_hash_is_the_sha256_of_number_and_salt() {
        // OB 3.0 IdentityHash: "sha256$" and the hex SHA-256 of the identifier with the salt appended.
        let salt = salt(b"secret", "S000050000001264000001");
        assert_eq!(salt.len(), 32);
        assert_eq!(salt, super::salt(b"secret", "S000050000001264000001"));
        assert_ne!(salt, super::salt(b"secret", "S000050000001264000002"));
        assert_ne!(salt, super::salt(b"other", "S000050000001264000001"));
    }

    #[test]
    fn work_types_are_percent_encoded_in_urls() {
        assert_eq!(percent_encoded("数控车工 A"), "%E6%95%B0%E6%8E%A7%E8%BD%A6%E5%B7%A5%20A");
    }
}
