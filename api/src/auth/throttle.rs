//! The sign-in throttle: failed sign-ins slow down the address they come from, never the
//! account's owner elsewhere.
//!
//! Two keys count each failure: the account (user name or client id) *with* the client address,
//! and the address over all accounts. A key may fail [`FREE_PER_ACCOUNT`] (or
//! [`FREE_PER_ADDRESS`]) times freely; after that each failure makes it wait twice as long as the
//! one before (1 s, 2 s, 4 s, … at most [`MAX_DELAY_SECONDS`]), answered 429 with `Retry-After`
//! before any password is hashed. A successful sign-in clears its account key. Counts live in
//! the database (`sign_in_failures`), so every replica agrees, and keys without a failure for
//! [`FORGET_AFTER_HOURS`] are deleted.

use crate::client_address::ClientAddress;
use crate::error::ApiError;
use crate::i18n::Problem;
use chrono::{DateTime, Duration, Utc};
use persistence::repo;
use persistence::sea_orm::ConnectionTrait;

/// Failures of one account from one address before delays start.
pub const FREE_PER_ACCOUNT: i32 = 3;
/// Failures from one address, over all accounts, before delays start.
pub const FREE_PER_ADDRESS: i32 = 20;
/// The longest delay.
pub const MAX_DELAY_SECONDS: i64 = 15 * 60;
/// A key's failures are forgotten a day after its last one.
pub const FORGET_AFTER_HOURS: i64 = 24;

/// Which account is tried, from where.
#[derive(Debug, Clone)]
pub struct Attempt {
    account: String,
    address: String,
}

impl Attempt {
    /// `kind` is `user` or `client`; the name is cut to 64 characters (longer ones never exist)
    /// and loses its control characters (PostgreSQL text cannot hold NUL).
    pub fn new(kind: &str, name: &str, from: ClientAddress) -> Attempt {
        let name: String = name.chars().filter(|c| !c.is_control()).take(64).collect();
        Attempt { account: format!("{kind}:{name}@{from}"), address: format!("address:{from}") }
    }

    fn keys(&self) -> [String; 2] {
        [self.account.clone(), self.address.clone()]
    }
}

/// The wait after `failures` failures with `free` allowed.
pub fn delay(failures: i32, free: i32) -> Option<Duration> {
    let over = failures.checked_sub(free)?;
    if over <= 0 {
        return None;
    }
    let seconds = if over > 20 { MAX_DELAY_SECONDS } else { (1i64 << (over - 1)).min(MAX_DELAY_SECONDS) };
    Some(Duration::seconds(seconds))
}

fn throttled(until: DateTime<Utc>, now: DateTime<Utc>) -> ApiError {
    let seconds = (until - now).num_milliseconds().div_euclid(1000) + 1;
    let mut e = ApiError::new(Problem::RateLimited).with("seconds", seconds);
    e.retry_after = Some(u64::try_from(seconds).unwrap_or(1));
    e
}

/// 429 if the attempt must still wait; before any password is hashed.
pub async fn check(db: &impl ConnectionTrait, attempt: &Attempt, now: DateTime<Utc>) -> Result<(), ApiError> {
    match repo::throttle::blocked_until(db, &attempt.keys(), now).await? {
        Some(until) => Err(throttled(until, now)),
        None => Ok(()),
    }
}

/// Counts a failure under both keys and sets their waits; also forgets stale keys.
pub async fn failed(
    db: &impl ConnectionTrait,
    attempt: &Attempt,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let forget_before = now - Duration::hours(FORGET_AFTER_HOURS);
    for (key, free) in [(&attempt.account, FREE_PER_ACCOUNT), (&attempt.address, FREE_PER_ADDRESS)] {
        let failures = repo::throttle::record_failure(db, key, now, forget_before).await?;
        if let Some(wait) = delay(failures, free) {
            repo::throttle::block(db, key, now + wait).await?;
        }
    }
    repo::throttle::purge(db, forget_before).await?;
    Ok(())
}

/// Clears the account key after a successful sign-in.
pub async fn succeeded(db: &impl ConnectionTrait, attempt: &Attempt) -> Result<(), ApiError> {
    repo::throttle::clear(db, &attempt.account).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_double_past_the_free_failures_up_to_fifteen_minutes() {
        assert_eq!(delay(3, 3), None);
        assert_eq!(delay(4, 3), Some(Duration::seconds(1)));
        assert_eq!(delay(5, 3), Some(Duration::seconds(2)));
        assert_eq!(delay(9, 3), Some(Duration::seconds(32)));
        assert_eq!(delay(14, 3), Some(Duration::seconds(900)));
        assert_eq!(delay(i32::MAX, 3), Some(Duration::seconds(900)));
    }
}
