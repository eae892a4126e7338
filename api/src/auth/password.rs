//! Argon2id password hashing (OWASP minimum: m = 19 MiB, t = 2, p = 1, the argon2 crate's
//! defaults), on a few threads of its own.
//!
//! A flood of sign-ins must neither starve other requests nor take the memory: every hash runs on
//! one of [`HASHERS`] dedicated threads, each reusing one 19 MiB work area for every hash it
//! computes (the blocking pool's many threads each allocated their own, and glibc kept them:
//! 256 anonymous sign-ins at a concurrency of 64 once took the server from 38 MB to 8.5 GB). Jobs
//! wait in a queue of at most [`QUEUE`]; when it is full the caller is answered 429 at once
//! instead of piling up.

use crate::error::ApiError;
use crate::i18n::Problem;
use argon2::password_hash::phc::{Output, ParamsString, PasswordHash, Salt};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex, OnceLock};
use zeroize::Zeroizing;

/// Threads that compute Argon2 hashes (each holds one 19 MiB work area).
pub const HASHERS: usize = 2;
/// Hash jobs that may wait for a thread; beyond that, sign-ins are answered 429.
pub const QUEUE: usize = 32;

enum Work {
    Hash(Zeroizing<String>),
    Verify(Zeroizing<String>, Option<String>),
}

enum Done {
    Hashed(String),
    Verified(bool),
}

struct Job {
    work: Work,
    reply: tokio::sync::oneshot::Sender<Result<Done, String>>,
}

fn queue() -> Result<&'static SyncSender<Job>, ApiError> {
    static QUEUE_TX: OnceLock<Result<SyncSender<Job>, String>> = OnceLock::new();
    QUEUE_TX
        .get_or_init(|| {
            let (tx, rx) = std::sync::mpsc::sync_channel::<Job>(QUEUE);
            let rx = Arc::new(Mutex::new(rx));
            for i in 0..HASHERS {
                let rx = rx.clone();
                std::thread::Builder::new()
                    .name(format!("argon2-{i}"))
                    .spawn(move || hasher(&rx))
                    .map_err(|e| e.to_string())?;
            }
            Ok(tx)
        })
        .as_ref()
        .map_err(ApiError::internal)
}

/// One hashing thread: takes jobs until the process ends, with one work area for all of them.
fn hasher(rx: &Mutex<Receiver<Job>>) {
    let mut memory = vec![Block::default(); Params::default().block_count()];
    loop {
        let job = match rx.lock() {
            Ok(rx) => rx.recv(),
            Err(_) => return,
        };
        let Ok(job) = job else { return };
        let done = match job.work {
            Work::Hash(password) => hash_with(&password, &mut memory).map(Done::Hashed),
            Work::Verify(password, stored) => {
                let stored = match stored {
                    Some(s) => Ok(s),
                    None => dummy_hash(&mut memory),
                };
                stored.map(|s| Done::Verified(verify_with(&password, &s, &mut memory)))
            }
        };
        let _ = job.reply.send(done);
    }
}

fn hash_with(password: &str, memory: &mut [Block]) -> Result<String, String> {
    let params = Params::default();
    let salt_bytes: [u8; Salt::RECOMMENDED_LENGTH] = crate::auth::keys::random_bytes();
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    argon2
        .hash_password_into_with_memory(password.as_bytes(), &salt_bytes, &mut out, &mut memory[..])
        .map_err(|e| e.to_string())?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params).map_err(|e| e.to_string())?,
        salt: Some(Salt::new(&salt_bytes).map_err(|e| e.to_string())?),
        hash: Some(Output::new(&out).map_err(|e| e.to_string())?),
    };
    Ok(phc.to_string())
}

fn verify_with(password: &str, stored: &str, memory: &mut [Block]) -> bool {
    let Ok(parsed) = PasswordHash::new(stored) else { return false };
    let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else { return false };
    let Ok(algorithm) = Algorithm::try_from(parsed.algorithm.as_str()) else { return false };
    let Ok(version) = parsed.version.map_or(Ok(Version::V0x13), Version::try_from) else { return false };
    let Ok(params) = Params::try_from(&parsed) else { return false };
    let mut out = vec![0u8; expected.len()];
    let argon2 = Argon2::new(algorithm, version, params.clone());
    let hashed = if params.block_count() <= memory.len() {
        argon2.hash_password_into_with_memory(
            password.as_bytes(),
            &salt,
            &mut out,
            &mut memory[..params.block_count()],
        )
    } else {
        // A hash made with more memory than today's parameters: allocated for this one.
        argon2.hash_password_into(password.as_bytes(), &salt, &mut out)
    };
    // `Output`'s equality is constant-time.
    hashed.is_ok() && Output::new(&out).is_ok_and(|computed| computed == expected)
}

/// A hash of a random password, made once per process with the same parameters as real ones, so
/// that an unknown user costs the same time as a wrong password.
fn dummy_hash(memory: &mut [Block]) -> Result<String, String> {
    static DUMMY: OnceLock<String> = OnceLock::new();
    if let Some(h) = DUMMY.get() {
        return Ok(h.clone());
    }
    let random = Zeroizing::new(crate::auth::keys::random_token(24));
    let h = hash_with(&random, memory)?;
    Ok(DUMMY.get_or_init(|| h).clone())
}

async fn run(work: Work) -> Result<Done, ApiError> {
    let (reply, answer) = tokio::sync::oneshot::channel();
    match queue()?.try_send(Job { work, reply }) {
        Ok(()) => {}
        Err(TrySendError::Full(_)) => {
            let mut busy = ApiError::new(Problem::RateLimited).with("seconds", 1);
            busy.retry_after = Some(1);
            return Err(busy);
        }
        Err(TrySendError::Disconnected(_)) => return Err(ApiError::internal("password hashers stopped")),
    }
    answer.await.map_err(ApiError::internal)?.map_err(ApiError::internal)
}

/// Hashes a password into a PHC string.
pub async fn hash(password: String) -> Result<String, ApiError> {
    match run(Work::Hash(Zeroizing::new(password))).await? {
        Done::Hashed(h) => Ok(h),
        Done::Verified(_) => Err(ApiError::internal("hasher answered a verification")),
    }
}

/// Checks a password against a stored hash. With `None` it checks against a fixed dummy hash,
/// so that an unknown user costs the same time as a wrong password.
pub async fn verify(password: String, stored: Option<String>) -> Result<bool, ApiError> {
    match run(Work::Verify(Zeroizing::new(password), stored)).await? {
        Done::Verified(ok) => Ok(ok),
        Done::Hashed(_) => Err(ApiError::internal("hasher answered a hash")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::password_hash::PasswordVerifier;

    #[actix_web::test]
    async fn hashes_verify_and_use_argon2id_at_owasp_minimum() {
        let h = hash("correct horse battery".into()).await.expect("hashes");
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(verify("correct horse battery".into(), Some(h.clone())).await.expect("runs"));
        assert!(!verify("wrong horse battery".into(), Some(h.clone())).await.expect("runs"));
        assert!(!verify("anything".into(), None).await.expect("runs"));
        // The argon2 crate's own verifier agrees with ours, and ours reads the crate's hashes.
        assert!(Argon2::default().verify_password(b"correct horse battery", h.as_str()).is_ok());
        let theirs =
            argon2::password_hash::PasswordHasher::hash_password(&Argon2::default(), b"pass phrase 2")
                .expect("hashes")
                .to_string();
        assert!(verify("pass phrase 2".into(), Some(theirs)).await.expect("runs"));
        assert!(!verify("pass phrase 2".into(), Some("$argon2id$garbage".into())).await.expect("runs"));
    }
}
