//! Ed25519 signatures (RFC 8032) of many messages with one key, as issuance needs them: equal byte
//! for byte to [`SigningKey::sign`] of each message, at about four fifths of its cost.
//!
//! Each signature needs the point R = r·B in compressed form, and compressing a point takes a field
//! inversion: about a fifth of a signature's work in a profile of issuance. The points of a batch
//! are compressed together with one inversion for all of them (Montgomery's trick, curve25519-
//! dalek's `compress_batch_alloc`). Everything else is the algorithm of RFC 8032 §5.1.6 as
//! ed25519-dalek runs it: the same nonce r = SHA-512(prefix ‖ M), the same challenge
//! k = SHA-512(R ‖ A ‖ M), s = r + k·a, with curve25519-dalek's constant-time arithmetic.
//!
//! r·B is computed with a table of multiples of B in radix 32 rather than the radix-16 table
//! ed25519-dalek uses: 52 additions instead of 64 for a constant-time lookup in a row of 16
//! points instead of 8, about a sixth less time per point on these machines
//! (docs/PERFORMANCE.md). The point, and so the signature, is the same.

use curve25519_dalek::constants::ED25519_BASEPOINT_POINT;
use curve25519_dalek::edwards::EdwardsBasepointTableRadix32;
use curve25519_dalek::traits::BasepointTable as _;
use curve25519_dalek::{EdwardsPoint, Scalar};
use ed25519_dalek::hazmat::ExpandedSecretKey;
use ed25519_dalek::{Signature, SigningKey};
use sha2::{Digest, Sha512};
use std::sync::OnceLock;
use zeroize::Zeroize;

/// The signatures of `messages` by `key`, in order.
pub fn sign_all<M: AsRef<[u8]>>(key: &SigningKey, messages: &[M]) -> Vec<Signature> {
    let secret = ExpandedSecretKey::from(key.as_bytes());
    let public = key.verifying_key();
    let mut nonces: Vec<Scalar> = messages
        .iter()
        .map(|m| wide_scalar(Sha512::new().chain_update(secret.hash_prefix).chain_update(m.as_ref())))
        .collect();
    let table = basepoint_table();
    let points: Vec<EdwardsPoint> = nonces.iter().map(|r| table.mul_base(r)).collect();
    let compressed = EdwardsPoint::compress_batch_alloc(&points);
    let signatures = messages
        .iter()
        .zip(&nonces)
        .zip(&compressed)
        .map(|((m, r), big_r)| {
            let k = wide_scalar(
                Sha512::new()
                    .chain_update(big_r.as_bytes())
                    .chain_update(public.as_bytes())
                    .chain_update(m.as_ref()),
            );
            let s = k * secret.scalar + r;
            Signature::from_components(big_r.to_bytes(), s.to_bytes())
        })
        .collect();
    // The nonces are as secret as the key: one of them and its signature give the key away.
    nonces.zeroize();
    signatures
}

/// The multiples of the base point B in radix 32, built on first use (about 60 KB).
fn basepoint_table() -> &'static EdwardsBasepointTableRadix32 {
    static TABLE: OnceLock<EdwardsBasepointTableRadix32> = OnceLock::new();
    TABLE.get_or_init(|| EdwardsBasepointTableRadix32::create(&ED25519_BASEPOINT_POINT))
}

/// A SHA-512 digest reduced modulo the group order, as RFC 8032 reads its hashes.
fn wide_scalar(h: Sha512) -> Scalar {
    let mut wide = [0u8; 64];
    wide.copy_from_slice(&h.finalize());
    let s = Scalar::from_bytes_mod_order_wide(&wide);
    wide.zeroize();
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::{Signer, Verifier};

    #[test]
    fn the_signatures_equal_ed25519_dalek_s_byte_for_byte_and_verify() {
        for seed in 0u8..8 {
            let key = SigningKey::from_bytes(&[seed.wrapping_mul(37).wrapping_add(1); 32]);
            let messages: Vec<String> = (0..(seed as usize * 7 + 1))
                .map(|i| format!("{{\"code\":\"{seed}-{i}\",\"n\":{}}}", "x".repeat(i)))
                .collect();
            let batch = sign_all(&key, &messages);
            assert_eq!(batch.len(), messages.len());
            for (m, s) in messages.iter().zip(&batch) {
                assert_eq!(s.to_bytes(), key.sign(m.as_bytes()).to_bytes(), "seed {seed}, message {m}");
                assert!(key.verifying_key().verify(m.as_bytes(), s).is_ok());
            }
        }
    }

    #[test]
    fn rfc_8032_test_vector_2() {
        // RFC 8032 §7.1, TEST 2: a one-byte message.
        let hex = |s: &str| -> Vec<u8> {
            (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap_or(0)).collect()
        };
        let secret: [u8; 32] = hex("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb")
            .try_into()
            .unwrap_or([0; 32]);
        let key = SigningKey::from_bytes(&secret);
        let signature = sign_all(&key, &[[0x72u8]]);
        assert_eq!(
            signature[0].to_bytes().to_vec(),
            hex(concat!(
                "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da",
                "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"
            ))
        );
    }

    #[test]
    fn no_messages_no_signatures() {
        let key = SigningKey::from_bytes(&[7; 32]);
        assert!(sign_all::<&[u8]>(&key, &[]).is_empty());
    }
}
