//! Revocation by Bitstring Status List (W3C Bitstring Status List v1.0).
//!
//! One list per institution and year of issue, `{institution code}-{year}` (for instance
//! `S000050000001-2026`), of 2^20 bits: certificate serials run from 1 to 999,999 within an
//! institution and year (R27), so every certificate has its bit without any allocation at
//! issuance. The bit's index is not the serial: a keyed permutation of the 20-bit numbers (a
//! four-round Feistel network whose rounds are HMAC-SHA-256 under a key derived from the
//! deployment's secret and the list) maps a serial to an index that, without the secret, says
//! nothing of the certificate or its holder, nor of the order of issue.
//!
//! A bit is set when its certificate is no longer valid (revoked, or superseded by a reissue). The
//! list is read from the certificates' statuses when it is asked for, so the revocation's own
//! transaction is what sets the bit: there is no second copy to fall out of step.

use domain::code::{CertificateCode, InstitutionCode};
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use std::io::Write as _;

/// Bits per list: 2^20 (1,048,576), more than the 999,999 serials of an institution and year.
pub const LIST_BITS: u32 = 1 << 20;

const HALF_BITS: u32 = 10;
const HALF_MASK: u32 = (1 << HALF_BITS) - 1;
const ROUNDS: u8 = 4;

/// A status list's id: an institution's code and a year of issue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListId {
    pub institution: InstitutionCode,
    pub year: i32,
}

impl ListId {
    /// The list of a certificate.
    pub fn of(code: &CertificateCode) -> ListId {
        ListId { institution: code.institution(), year: code.issue_year() }
    }

    /// Reads `S000050000001-2026`; `None` for anything else.
    pub fn parse(s: &str) -> Option<ListId> {
        let (institution, year) = s.split_once('-')?;
        if year.len() != 4 || !year.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let year: i32 = year.parse().ok()?;
        if !(2000..=2099).contains(&year) {
            return None;
        }
        Some(ListId { institution: InstitutionCode::parse(institution).ok()?, year })
    }
}

impl std::fmt::Display for ListId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}-{}", self.institution, self.year)
    }
}

/// Status lists as last signed, by list: a list is read from the database on every request (so a
/// revocation shows at once), and signed again only when its bits or the signing key changed. At
/// most [`ListCache::CAPACITY`] lists are kept; when full, the cache starts afresh.
#[derive(Debug, Default)]
pub struct ListCache {
    lists: std::sync::Mutex<std::collections::HashMap<String, Cached>>,
}

#[derive(Debug)]
struct Cached {
    serials: Vec<u32>,
    kid: String,
    signed: std::sync::Arc<Value>,
}

impl ListCache {
    /// The most lists kept (each about 2 KB).
    pub const CAPACITY: usize = 1024;

    /// The list signed with key `kid` when its certificates no longer valid were `serials`.
    pub fn get(&self, list: ListId, serials: &[u32], kid: &str) -> Option<std::sync::Arc<Value>> {
        let lists = self.lists.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        lists
            .get(&list.to_string())
            .filter(|c| c.serials == serials && c.kid == kid)
            .map(|c| std::sync::Arc::clone(&c.signed))
    }

    /// Keeps `signed`, the list of `serials` signed with `kid`.
    pub fn put(&self, list: ListId, serials: Vec<u32>, kid: &str, signed: std::sync::Arc<Value>) {
        let mut lists = self.lists.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if lists.len() >= Self::CAPACITY {
            lists.clear();
        }
        lists.insert(list.to_string(), Cached { serials, kid: kid.to_owned(), signed });
    }
}

/// The keyed permutation of one list's indexes.
pub struct Permutation {
    key: Hmac<Sha256>,
}

impl Permutation {
    /// The permutation of `list` under the deployment's `secret`.
    pub fn new(secret: &[u8], list: ListId) -> Permutation {
        let list_key = hmac(&mac_of(secret), format!("skillcert status list {list}").as_bytes());
        Permutation { key: mac_of(&list_key) }
    }

    /// The index of the certificate with `serial` (below [`LIST_BITS`]).
    pub fn index(&self, serial: u32) -> u32 {
        let (mut left, mut right) = ((serial >> HALF_BITS) & HALF_MASK, serial & HALF_MASK);
        for round in 0..ROUNDS {
            let [a, b] = u16::try_from(right).unwrap_or_default().to_be_bytes();
            let f = hmac(&self.key, &[round, a, b]);
            let f = (u32::from(f[0]) << 8 | u32::from(f[1])) & HALF_MASK;
            (left, right) = (right, left ^ f);
        }
        left << HALF_BITS | right
    }
}

fn mac_of(key: &[u8]) -> Hmac<Sha256> {
    // HMAC takes keys of any length.
    <Hmac<Sha256> as KeyInit>::new_from_slice(key).unwrap_or_else(|_| unreachable!("HMAC takes any key"))
}

fn hmac(mac: &Hmac<Sha256>, bytes: &[u8]) -> [u8; 32] {
    let mut mac = mac.clone();
    mac.update(bytes);
    mac.finalize().into_bytes().into()
}

/// `encodedList`: the bitstring with the bits at `indexes` set (index 0 is the left-most bit of
/// the first byte), GZIP-compressed, as multibase base64url without padding (`u…`).
pub fn encoded_list(indexes: impl IntoIterator<Item = u32>) -> String {
    use base64::Engine as _;
    let mut bits = vec![0u8; (LIST_BITS / 8) as usize];
    for i in indexes {
        if let Some(byte) = bits.get_mut((i / 8) as usize) {
            *byte |= 0x80 >> (i % 8);
        }
    }
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    // Writing into a Vec cannot fail.
    let compressed = gz.write_all(&bits).and_then(|()| gz.finish()).unwrap_or_default();
    format!("u{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(compressed))
}

/// The URL of a list's status list credential.
pub fn list_url(public_url: &str, list: ListId) -> String {
    format!("{public_url}/api/v1/public/status-lists/{list}")
}

/// A credential's `credentialStatus`: its list and index, for revocation.
pub fn entry(public_url: &str, list: ListId, index: u32) -> Value {
    let url = list_url(public_url, list);
    json!({
        "id": format!("{url}#{index}"),
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": index.to_string(),
        "statusListCredential": url,
    })
}

/// The status list credential of `list` (without its proof), the bits at `revoked` set.
pub fn list_credential(
    public_url: &str,
    issuer: &str,
    list: ListId,
    revoked: impl IntoIterator<Item = u32>,
    valid_from: &str,
) -> Value {
    let url = list_url(public_url, list);
    json!({
        "@context": [super::canon::CREDENTIALS_V2],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer,
        "validFrom": valid_from,
        "credentialSubject": {
            "id": format!("{url}#list"),
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": encoded_list(revoked),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_permutation_is_one_to_one_and_depends_on_secret_and_list() {
        let list = ListId::parse("S000050000001-2026").expect("list");
        let p = Permutation::new(b"secret", list);
        let mut seen = vec![false; LIST_BITS as usize];
        for serial in 0..LIST_BITS {
            let i = p.index(serial);
            assert!(i < LIST_BITS);
            assert!(!seen[i as usize], "index {i} twice");
            seen[i as usize] = true;
        }
        let first: Vec<u32> = (1..=20).map(|s| p.index(s)).collect();
        let other_secret: Vec<u32> = (1..=20).map(|s| Permutation::new(b"other", list).index(s)).collect();
        let other_list = ListId::parse("S000050000001-2027").expect("list");
        let other_year: Vec<u32> =
            (1..=20).map(|s| Permutation::new(b"secret", other_list).index(s)).collect();
        assert_ne!(first, other_secret);
        assert_ne!(first, other_year);
        // Consecutive serials do not land on consecutive or increasing indexes.
        assert!(first.windows(2).any(|w| w[0] > w[1]), "{first:?}");
    }

    #[test]
    fn list_ids_read_back_and_refuse_anything_else() {
        let list = ListId::parse("S000050000001-2026").expect("list");
        assert_eq!(list.to_string(), "S000050000001-2026");
        for bad in [
            "",
            "S000050000001",
            "S000050000001-26",
            "S000050000001-1999",
            "X-2026",
            "S000050000001-2026-1",
            "S000050000001-２０２６",
        ] {
            assert!(ListId::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn the_encoded_list_sets_the_named_bits_from_the_left() {
        use base64::Engine as _;
        use std::io::Read as _;
        let encoded = encoded_list([0, 9, LIST_BITS - 1, LIST_BITS]);
        let compressed =
            base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(&encoded[1..]).expect("base64url");
        let mut bits = Vec::new();
        flate2::read::GzDecoder::new(compressed.as_slice()).read_to_end(&mut bits).expect("gzip");
        assert_eq!(bits.len(), (LIST_BITS / 8) as usize);
        assert_eq!(bits[0], 0x80);
        assert_eq!(bits[1], 0x40);
        assert_eq!(bits[bits.len() - 1], 0x01);
        assert_eq!(bits.iter().map(|b| b.count_ones()).sum::<u32>(), 3);
        assert!(encoded.len() < 2_000, "{}", encoded.len());
    }
}
