//! Resident ID numbers at rest (个人信息保护法: sensitive personal information; 等保 2.0 level 3:
//! confidentiality of important data in storage). See docs/SECURITY.md, "ID numbers at rest".
//!
//! Every stored ID number is three columns:
//!
//! - `id_sealed`: the number encrypted with XChaCha20-Poly1305 under the current *seal key*, as
//!   `s1.<key number>.<base64url(24-byte random nonce ‖ ciphertext ‖ tag)>`;
//! - `id_hash`: HMAC-SHA-256 of the number under the *lookup key*, its first 128 bits in base64url
//!   (22 characters; short, because every certificate writes it into an index at a random place):
//!   the exact lookups (search, one valid certificate per person, once per plan) and the unique
//!   indexes use it;
//! - `id_masked`: what most answers show (`50**************1X`), so that listing never decrypts.
//!
//! The keys are one file (`SKILLCERT_DATA_KEY`, generated on first start, mode 0600):
//!
//! ```text
//! lookup <base64url 32 bytes>
//! seal 2 <base64url 32 bytes>     ← the first `seal` line seals; the others still open
//! seal 1 <base64url 32 bytes>
//! ```

use base64::Engine as _;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::fs;
use std::io::Write;
use std::path::Path;
use zeroize::Zeroizing;

/// The format of sealed values; a value is `s1.<key>.<data>`.
const PREFIX: &str = "s1.";
/// Authenticated with every sealed value: a ciphertext made for something else does not open.
const AAD: &[u8] = b"skillcert resident id v1";
const NONCE: usize = 24;
/// The form of the lookup hashes, at the start of the lookup key's fingerprint: `h2.` is 128 bits in
/// base64url; fingerprints without a form are of the first version's 256 bits in hex.
pub const HASH_FORM: &str = "h2.";
const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// The data key: the lookup key and the seal keys, newest first.
pub struct DataKey {
    lookup: Zeroizing<[u8; 32]>,
    seal: Vec<(u32, XChaCha20Poly1305)>,
}

/// Never prints a key.
impl std::fmt::Debug for DataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let numbers: Vec<u32> = self.seal.iter().map(|(n, _)| *n).collect();
        f.debug_struct("DataKey").field("seal_keys", &numbers).finish_non_exhaustive()
    }
}

/// A sealed value that does not open: not sealed, sealed under a key the file does not hold, or
/// altered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OpenError {
    #[error("not a sealed value")]
    NotSealed,
    #[error("sealed under seal key {0}, which SKILLCERT_DATA_KEY does not hold")]
    UnknownKey(u32),
    #[error("the sealed value does not authenticate (altered, or another key numbered alike)")]
    Altered,
}

/// An ID number as stored: sealed, hashed for lookups and masked for answers.
#[derive(Clone, PartialEq, Eq)]
pub struct StoredId {
    pub sealed: String,
    pub hash: String,
    pub masked: String,
    /// The address code (first six digits; empty for a number stored before validation existed
    /// that does not start with them): certificates keep it as `id_region`, for a district's
    /// scope.
    pub region: String,
}

/// Never prints the sealed value or the hash.
impl std::fmt::Debug for StoredId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredId").field("masked", &self.masked).finish_non_exhaustive()
    }
}

impl DataKey {
    /// The text of a new key file: a random lookup key and seal key 1.
    pub fn generate() -> String {
        let mut bytes = Zeroizing::new([0u8; 64]);
        fill(bytes.as_mut());
        format!(
            "# skillcert data key (SKILLCERT_DATA_KEY): seals resident ID numbers at rest.\n\
             # Keep it secret and back it up apart from the database: without it no ID number can be read.\n\
             # Rotation (docs/SECURITY.md): add a line \"seal N <key>\" above the others and restart.\n\
             lookup {}\nseal 1 {}\n",
            B64.encode(&bytes[..32]),
            B64.encode(&bytes[32..])
        )
    }

    /// Reads a key file's text.
    pub fn parse(text: &str) -> Result<DataKey, String> {
        let mut lookup = None;
        let mut seal = Vec::new();
        for (k, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let words: Vec<&str> = line.split_whitespace().collect();
            let bad = |what: &str| format!("line {}: {what}", k + 1);
            match words.as_slice() {
                ["lookup", key] => {
                    if lookup.is_some() {
                        return Err(bad("a second lookup key"));
                    }
                    lookup =
                        Some(Zeroizing::new(key_bytes(key).ok_or_else(|| bad("not 32 base64url bytes"))?));
                }
                ["seal", number, key] => {
                    let n: u32 = number
                        .parse()
                        .ok()
                        .filter(|n| (1..=999_999).contains(n))
                        .ok_or_else(|| bad("the seal key's number is not 1–999999"))?;
                    if seal.iter().any(|(m, _)| *m == n) {
                        return Err(bad("a second seal key with this number"));
                    }
                    let bytes = Zeroizing::new(key_bytes(key).ok_or_else(|| bad("not 32 base64url bytes"))?);
                    let cipher = XChaCha20Poly1305::new_from_slice(bytes.as_ref())
                        .map_err(|_| bad("not a 32-byte key"))?;
                    seal.push((n, cipher));
                }
                _ => return Err(bad("expected \"lookup KEY\" or \"seal N KEY\"")),
            }
        }
        let lookup = lookup.ok_or("no lookup line")?;
        if seal.is_empty() {
            return Err("no seal line".into());
        }
        Ok(DataKey { lookup, seal })
    }

    /// Loads the key file at `path`, or creates it there (with its directory) if there is none.
    /// Returns the key and whether it was created now.
    pub fn load_or_create(path: &Path) -> Result<(DataKey, bool), String> {
        match fs::read_to_string(path) {
            Ok(text) => DataKey::parse(&text)
                .map(|k| (k, false))
                .map_err(|e| format!("{} is not a skillcert data key file: {e}", path.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if let Some(dir) = path.parent() {
                    fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
                }
                let text = Zeroizing::new(DataKey::generate());
                let mut options = fs::OpenOptions::new();
                options.write(true).create_new(true);
                #[cfg(unix)]
                {
                    use std::os::unix::fs::OpenOptionsExt;
                    options.mode(0o600);
                }
                match options.open(path) {
                    Ok(mut f) => {
                        f.write_all(text.as_bytes())
                            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
                        DataKey::parse(&text).map(|k| (k, true))
                    }
                    // Another replica created it between our read and our create: use theirs.
                    Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                        DataKey::load_or_create(path).map(|(k, _)| (k, false))
                    }
                    Err(e) => Err(format!("cannot create {}: {e}", path.display())),
                }
            }
            Err(e) => Err(format!("cannot read {}: {e}", path.display())),
        }
    }

    /// The number of the seal key that seals.
    pub fn current(&self) -> u32 {
        self.seal[0].0
    }

    /// The start of every value sealed under the current key (`s1.2.`).
    pub fn current_prefix(&self) -> String {
        format!("{PREFIX}{}.", self.current())
    }

    /// Seals `plain` under the current seal key with a fresh random nonce.
    pub fn seal(&self, plain: &str) -> String {
        let (number, cipher) = &self.seal[0];
        let mut nonce = [0u8; NONCE];
        fill(&mut nonce);
        let nonce_ref = XNonce::from(nonce);
        // Encrypting a few bytes into memory cannot fail (the crate's error is for lengths
        // beyond 2^38 bytes); an empty ciphertext would not open and be noticed at once.
        let ct = cipher.encrypt(&nonce_ref, Payload { msg: plain.as_bytes(), aad: AAD }).unwrap_or_default();
        let mut data = Vec::with_capacity(NONCE + ct.len());
        data.extend_from_slice(&nonce);
        data.extend_from_slice(&ct);
        format!("{PREFIX}{number}.{}", B64.encode(data))
    }

    /// Opens a sealed value.
    pub fn open(&self, sealed: &str) -> Result<String, OpenError> {
        let rest = sealed.strip_prefix(PREFIX).ok_or(OpenError::NotSealed)?;
        let (number, data) = rest.split_once('.').ok_or(OpenError::NotSealed)?;
        let number: u32 = number.parse().map_err(|_| OpenError::NotSealed)?;
        let cipher = self
            .seal
            .iter()
            .find(|(n, _)| *n == number)
            .map(|(_, c)| c)
            .ok_or(OpenError::UnknownKey(number))?;
        let data = B64.decode(data).map_err(|_| OpenError::NotSealed)?;
        if data.len() < NONCE {
            return Err(OpenError::NotSealed);
        }
        let (nonce, ct) = data.split_at(NONCE);
        let nonce = XNonce::try_from(nonce).map_err(|_| OpenError::NotSealed)?;
        let plain = cipher.decrypt(&nonce, Payload { msg: ct, aad: AAD }).map_err(|_| OpenError::Altered)?;
        String::from_utf8(plain).map_err(|_| OpenError::Altered)
    }

    /// The lookup hash of an ID number: HMAC-SHA-256 under the lookup key, truncated to 128 bits
    /// (RFC 2104 §5 allows truncation to half the output and more; 2^64 numbers would be needed
    /// for an even chance of two sharing a hash), in base64url.
    pub fn hash(&self, id_number: &str) -> String {
        B64.encode(&self.mac(id_number.as_bytes())[..16])
    }

    /// Seals, hashes and masks a valid ID number.
    pub fn store(&self, id: &domain::ResidentId) -> StoredId {
        StoredId {
            sealed: self.seal(id.as_str()),
            hash: self.hash(id.as_str()),
            masked: id.masked(),
            region: id.region().to_owned(),
        }
    }

    /// Identifies the lookup key and the form of the hashes without revealing the key: stored in
    /// the database, so that a start with another lookup key, or a version hashing another way,
    /// re-hashes every number first ([`crate::repo::sealed`]). Starts with [`HASH_FORM`].
    pub fn lookup_fingerprint(&self) -> String {
        format!("{HASH_FORM}{}", hex(&self.mac(b"skillcert lookup key fingerprint")[..16]))
    }

    fn mac(&self, bytes: &[u8]) -> [u8; 32] {
        // HMAC takes keys of any length: `new_from_slice` cannot fail.
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(self.lookup.as_ref())
            .unwrap_or_else(|_| unreachable_hmac());
        mac.update(bytes);
        mac.finalize().into_bytes().into()
    }
}

/// Whether a stored value is sealed (rather than a number written before sealing existed).
pub fn is_sealed(stored: &str) -> bool {
    stored.starts_with(PREFIX)
}

fn unreachable_hmac() -> Hmac<Sha256> {
    // HMAC accepts every key length; this is never reached.
    eprintln!("fatal: HMAC refused a key");
    std::process::exit(70)
}

fn key_bytes(text: &str) -> Option<[u8; 32]> {
    let v = Zeroizing::new(B64.decode(text).ok()?);
    v.as_slice().try_into().ok()
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// Fills `buf` from the operating system's random source; without one nothing can be sealed.
fn fill(buf: &mut [u8]) {
    if getrandom::fill(buf).is_err() {
        eprintln!("fatal: the operating system's random source failed");
        std::process::exit(70)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> DataKey {
        DataKey::parse(&DataKey::generate()).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn a_sealed_number_opens_and_never_seals_alike_twice() {
        let k = key();
        let a = k.seal("11010519491231002X");
        let b = k.seal("11010519491231002X");
        assert_ne!(a, b, "a fresh nonce each time");
        assert!(a.starts_with("s1.1."));
        assert!(!a.contains("11010519491231002X"));
        assert_eq!(k.open(&a).as_deref(), Ok("11010519491231002X"));
        assert_eq!(k.hash("11010519491231002X"), k.hash("11010519491231002X"));
        assert_ne!(k.hash("11010519491231002X"), k.hash("110105194912310037"));
        assert_eq!(k.hash("1").len(), 22);
        assert!(k.lookup_fingerprint().starts_with(HASH_FORM));
    }

    #[test]
    fn an_altered_or_foreign_value_does_not_open() {
        let k = key();
        let sealed = k.seal("11010519491231002X");
        // A character inside the data (the last one also carries padding bits: changing it may
        // only make the base64 non-canonical).
        let mut bytes = sealed.clone().into_bytes();
        let inside = bytes.len() - 10;
        bytes[inside] = if bytes[inside] == b'A' { b'B' } else { b'A' };
        let altered = String::from_utf8(bytes).unwrap_or_default();
        assert_eq!(k.open(&altered), Err(OpenError::Altered));
        assert_eq!(key().open(&sealed), Err(OpenError::Altered), "another key numbered 1");
        assert_eq!(k.open("s1.7.AAAA"), Err(OpenError::UnknownKey(7)));
        assert_eq!(k.open("11010519491231002X"), Err(OpenError::NotSealed));
        assert_eq!(k.open("s1.1.!!"), Err(OpenError::NotSealed));
        assert_eq!(k.open("s1.1.AAAA"), Err(OpenError::NotSealed), "shorter than a nonce");
    }

    #[test]
    fn a_rotated_file_seals_with_the_new_key_and_opens_the_old() {
        let old_text = DataKey::generate();
        let old = DataKey::parse(&old_text).unwrap_or_else(|e| panic!("{e}"));
        let sealed_before = old.seal("11010519491231002X");
        let new_seal = B64.encode([7u8; 32]);
        let rotated_text = old_text.replacen("seal 1", &format!("seal 2 {new_seal}\nseal 1"), 1);
        let rotated = DataKey::parse(&rotated_text).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(rotated.current(), 2);
        assert_eq!(rotated.open(&sealed_before).as_deref(), Ok("11010519491231002X"));
        assert!(rotated.seal("x").starts_with("s1.2."));
        assert_eq!(rotated.lookup_fingerprint(), old.lookup_fingerprint(), "the lookup key stays");
        assert_eq!(rotated.hash("11010519491231002X"), old.hash("11010519491231002X"));
    }

    #[test]
    fn a_bad_key_file_is_refused_by_line() {
        for (text, wanted) in [
            ("", "no lookup line"),
            ("lookup AAAA\nseal 1 AAAA\n", "line 1: not 32 base64url bytes"),
            (&format!("lookup {}\n", B64.encode([1u8; 32])), "no seal line"),
            (
                &format!("lookup {k}\nseal 0 {k}\n", k = B64.encode([1u8; 32])),
                "line 2: the seal key's number",
            ),
            (
                &format!("lookup {k}\nseal 1 {k}\nseal 1 {k}\n", k = B64.encode([1u8; 32])),
                "line 3: a second seal key",
            ),
            ("hello\n", "line 1: expected"),
        ] {
            let e = DataKey::parse(text).err().unwrap_or_default();
            assert!(e.starts_with(wanted), "{text:?}: {e}");
        }
        assert!(!format!("{:?}", key()).contains("lookup\""));
    }
}
