//! The Ed25519 key that signs access tokens: loaded from a PKCS#8 PEM file, or generated into the
//! data directory on first start (mode 0600), so several replicas can share one file.

use ed25519_dalek::SigningKey;
use ed25519_dalek::pkcs8::{DecodePrivateKey, EncodePrivateKey, spki::der::pem::LineEnding};
use std::fs;
use std::io::Write;
use std::path::Path;

/// Random bytes from the operating system.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut buf = [0u8; N];
    fill(&mut buf);
    buf
}

/// Fills `buf` from the operating system's random source. Its failing is unrecoverable: without
/// it nothing secret can be made.
fn fill(buf: &mut [u8]) {
    if getrandom::fill(buf).is_err() {
        panic_free_abort("the operating system's random source failed");
    }
}

fn panic_free_abort(msg: &str) -> ! {
    eprintln!("fatal: {msg}");
    std::process::exit(70)
}

/// A random URL-safe token of `bytes` random bytes.
pub fn random_token(bytes: usize) -> String {
    use base64::Engine as _;
    let mut buf = vec![0u8; bytes];
    fill(&mut buf);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buf)
}

/// `n` random URL-safe tokens of `bytes` random bytes each, from one read of the random source
/// (issuance needs one per certificate; a read each was a system call per certificate).
pub fn random_tokens(n: usize, bytes: usize) -> Vec<String> {
    use base64::Engine as _;
    let mut buf = vec![0u8; n * bytes];
    fill(&mut buf);
    let tokens = (0..n)
        .map(|i| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&buf[i * bytes..(i + 1) * bytes]))
        .collect();
    zeroize::Zeroize::zeroize(&mut buf);
    tokens
}

/// `n` UUIDv7 keys for rows created together, ordered as given: the Unix time in milliseconds, the
/// row's place in the batch (20 bits, enough for a year's 999,999 serials) and 54 random bits, all
/// from one read of the random source. Like `Uuid::now_v7`, whose keys sort in creation order
/// within a process, they sort in the order of the batch.
pub fn ordered_ids(n: usize) -> Vec<uuid::Uuid> {
    let millis = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64 & 0xFFFF_FFFF_FFFF);
    let mut buf = vec![0u8; n * 8];
    fill(&mut buf);
    buf.chunks_exact(8)
        .enumerate()
        .map(|(k, random)| {
            let place = (k as u128) & 0xF_FFFF;
            let random =
                u128::from(u64::from_le_bytes(random.try_into().unwrap_or([0; 8]))) & ((1 << 54) - 1);
            // 48 bits of time | version 7 | 12 bits of place | variant 0b10 | 8 bits of place | 54 random
            let v = (u128::from(millis) << 80)
                | (0x7 << 76)
                | ((place >> 8) << 64)
                | (0b10 << 62)
                | ((place & 0xFF) << 54)
                | random;
            uuid::Uuid::from_u128(v)
        })
        .collect()
}

/// Loads the key at `path`, or creates it there (with its directory) if there is none.
/// Returns the key and whether it was created now.
pub fn load_or_create(path: &Path) -> Result<(SigningKey, bool), String> {
    match fs::read_to_string(path) {
        Ok(pem) => SigningKey::from_pkcs8_pem(&pem)
            .map(|k| (k, false))
            .map_err(|_| format!("{} is not a PKCS#8 PEM Ed25519 private key", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => create(path).map(|k| (k, true)),
        Err(e) => Err(format!("cannot read {}: {e}", path.display())),
    }
}

fn create(path: &Path) -> Result<SigningKey, String> {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        restrict(dir, 0o700);
    }
    let key = SigningKey::from_bytes(&random_bytes::<32>());
    let pem = key.to_pkcs8_pem(LineEnding::LF).map_err(|e| format!("cannot encode key: {e}"))?;
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    match options.open(path) {
        Ok(mut f) => {
            f.write_all(pem.as_bytes()).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            Ok(key)
        }
        // Another replica created it between our read and our create: use theirs.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => load_or_create(path).map(|(k, _)| k),
        Err(e) => Err(format!("cannot create {}: {e}", path.display())),
    }
}

#[cfg(unix)]
fn restrict(dir: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    let _ = fs::set_permissions(dir, fs::Permissions::from_mode(mode));
}

#[cfg(not(unix))]
fn restrict(_dir: &Path, _mode: u32) {}

/// SHA-256 of a text, as lower-case hex (for stored secrets that are long random tokens).
pub fn sha256_hex(s: &str) -> String {
    use sha2::Digest as _;
    sha2::Sha256::digest(s.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// Compares two texts without stopping at the first difference.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_in_bulk_are_distinct_and_of_the_asked_length() {
        let tokens = random_tokens(1000, 18);
        assert_eq!(tokens.len(), 1000);
        assert!(tokens.iter().all(|t| t.len() == 24));
        assert_eq!(tokens.iter().collect::<std::collections::HashSet<_>>().len(), 1000);
    }

    #[test]
    fn ordered_ids_are_version_7_distinct_and_sorted_in_batch_order() {
        let ids = ordered_ids(5000);
        assert_eq!(ids.len(), 5000);
        assert!(ids.iter().all(|id| id.get_version_num() == 7 && id.get_variant() == uuid::Variant::RFC4122));
        assert!(ids.windows(2).all(|w| w[0] < w[1]), "sorted in the order of the batch");
        let ms = ids[0].get_timestamp().map(|t| t.to_unix()).unwrap_or_default();
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        assert!(now.abs_diff(ms.0) <= 2, "the time in the key is now");
    }

    #[test]
    fn a_key_is_created_once_with_mode_0600_and_then_reused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("keys").join("k.pem");
        let (k1, created) = load_or_create(&path).expect("created");
        assert!(created);
        let (k2, created) = load_or_create(&path).expect("loaded");
        assert!(!created);
        assert_eq!(k1.to_bytes(), k2.to_bytes());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&path).expect("exists").permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
    }
}
