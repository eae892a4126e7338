//! Certificate signatures: Ed25519 (RFC 8032) by ed25519-dalek's [`SigningKey::sign`], many
//! messages at a time shared out over the machine's cores. No signature arithmetic of our own.

use ed25519_dalek::{Signature, Signer as _, SigningKey};

/// Fewer messages than this are signed on the calling thread: starting a thread costs about as
/// much as a few dozen signatures.
const PER_THREAD_AT_LEAST: usize = 64;

/// The signatures of `messages` by `key`, in order, signed by up to one thread per core.
pub fn sign_all<M: AsRef<[u8]> + Sync>(key: &SigningKey, messages: &[M]) -> Vec<Signature> {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    let threads = cores.min(messages.len() / PER_THREAD_AT_LEAST).max(1);
    if threads == 1 {
        return messages.iter().map(|m| key.sign(m.as_ref())).collect();
    }
    let share = messages.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let parts: Vec<_> = messages
            .chunks(share)
            .map(|part| scope.spawn(move || part.iter().map(|m| key.sign(m.as_ref())).collect::<Vec<_>>()))
            .collect();
        // A signing thread cannot panic short of running out of memory; if one did, so does this.
        parts.into_iter().flat_map(|t| t.join().unwrap_or_else(|e| std::panic::resume_unwind(e))).collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::Verifier as _;

    #[test]
    fn every_signature_is_ed25519_dalek_s_of_its_own_message_in_order() {
        let key = SigningKey::from_bytes(&[42; 32]);
        for n in [0, 1, 63, 64, 65, 129, 1000, 1001] {
            let messages: Vec<String> = (0..n).map(|i| format!("{{\"code\":\"{i}\"}}")).collect();
            let signatures = sign_all(&key, &messages);
            assert_eq!(signatures.len(), n);
            for (m, s) in messages.iter().zip(&signatures) {
                assert_eq!(s.to_bytes(), key.sign(m.as_bytes()).to_bytes(), "{n} messages, {m}");
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
        let signature = sign_all(&SigningKey::from_bytes(&secret), &[[0x72u8]]);
        assert_eq!(
            signature[0].to_bytes().to_vec(),
            hex(concat!(
                "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da",
                "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"
            ))
        );
    }
}
