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
    // The OS random source failing is unrecoverable; without it nothing secret can be made.
    if getrandom::fill(&mut buf).is_err() {
        panic_free_abort("the operating system's random source failed");
    }
    buf
}

fn panic_free_abort(msg: &str) -> ! {
    eprintln!("fatal: {msg}");
    std::process::exit(70)
}

/// A random URL-safe token of `bytes` random bytes.
pub fn random_token(bytes: usize) -> String {
    use base64::Engine as _;
    let mut buf = vec![0u8; bytes];
    if getrandom::fill(&mut buf).is_err() {
        panic_free_abort("the operating system's random source failed");
    }
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buf)
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
