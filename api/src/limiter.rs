//! The per-address bound on public verifications and complaints (R31), counted in memory and
//! shared through the database.
//!
//! Every request is counted in this process at once, so a single replica enforces the bound
//! exactly without touching the database. Once a second, [`Limiter::sync`] adds each address's new
//! requests to its `rate_limits` row in one statement per batch and reads back the total of every
//! replica, so that replicas agree within about a second: an address spreading its requests over
//! `n` replicas gets at most the bound plus what the other replicas counted in the last second.
//! A verification therefore costs exactly one SQL statement, the lookup itself.
//!
//! The server syncs on PostgreSQL only. One process serves an SQLite database, so there is no
//! other replica to agree with, and SQLite makes every connection drop its page cache at its next
//! read after any write: a sync each second under steady public load re-read the index pages of
//! a million certificates again and again (docs/PERFORMANCE.md).
//!
//! Windows are fixed minutes (`unix time / 60`); `Retry-After` is the time left in the current one.

use chrono::{DateTime, Utc};
use persistence::Database;
use persistence::repo::limits::{self, Increment};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::Duration;

/// Seconds per window.
pub const WINDOW_SECONDS: i64 = 60;

/// How often counts go to the database.
const SYNC_EVERY: Duration = Duration::from_secs(1);

/// Addresses per statement when syncing.
const SYNC_BATCH: usize = 200;

#[derive(Debug, Default)]
struct Slot {
    /// The window (`unix time / 60`) the counts below belong to.
    window: i64,
    /// Counted here, not yet sent.
    pending: i64,
    /// Sent, answer not back yet.
    in_flight: i64,
    /// The total of every replica in the database after our last sync (includes what we sent).
    shared: i64,
}

impl Slot {
    fn total(&self) -> i64 {
        self.shared + self.in_flight + self.pending
    }
}

/// Counts requests per key (`verify:{ip}`) against a bound per minute.
#[derive(Debug)]
pub struct Limiter {
    bound: i64,
    db: Database,
    slots: Mutex<HashMap<String, Slot>>,
    /// Statements sent by [`Limiter::sync`].
    statements: AtomicU64,
    /// Held while a sync runs: a sync waits for one in flight (the background task's), so that
    /// when it returns, every request counted before it was called is in the database.
    syncing: tokio::sync::Mutex<()>,
}

/// A request past the bound: retry after this many seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Exceeded {
    pub retry_after: i64,
}

impl Limiter {
    /// A limiter of `bound` requests per key and minute, syncing through `db`.
    pub fn new(bound: u32, db: Database) -> Limiter {
        Limiter {
            bound: i64::from(bound),
            db,
            slots: Mutex::default(),
            statements: AtomicU64::new(0),
            syncing: tokio::sync::Mutex::new(()),
        }
    }

    fn slots(&self) -> MutexGuard<'_, HashMap<String, Slot>> {
        // A panic while holding the lock cannot leave a slot half-updated (each update is a
        // few integer assignments), so a poisoned lock is still usable.
        self.slots.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Statements sent to share counts so far (not part of any request).
    pub fn statements(&self) -> u64 {
        self.statements.load(Ordering::Relaxed)
    }

    /// Counts one request of `key` at `now`, or refuses it once the window holds `bound`.
    pub fn hit(&self, key: &str, now: DateTime<Utc>) -> Result<(), Exceeded> {
        let window = now.timestamp().div_euclid(WINDOW_SECONDS);
        let mut slots = self.slots();
        let slot = match slots.get_mut(key) {
            Some(s) => s,
            None => slots.entry(key.to_owned()).or_default(),
        };
        if slot.window != window {
            *slot = Slot { window, ..Slot::default() };
        }
        if slot.total() >= self.bound {
            return Err(Exceeded {
                retry_after: WINDOW_SECONDS - now.timestamp().rem_euclid(WINDOW_SECONDS),
            });
        }
        slot.pending += 1;
        Ok(())
    }

    /// Sends the counts made since the last sync and takes back every replica's totals; drops
    /// the keys of past windows. Returns the number of keys sent. Syncs run one at a time.
    pub async fn sync(&self, now: DateTime<Utc>) -> Result<usize, persistence::RepoError> {
        let _one_at_a_time = self.syncing.lock().await;
        let current = now.timestamp().div_euclid(WINDOW_SECONDS);
        let batch: Vec<Increment> = {
            let mut slots = self.slots();
            slots.retain(|_, s| s.window >= current || s.pending > 0 || s.in_flight > 0);
            slots
                .iter_mut()
                .filter(|(_, s)| s.pending > 0)
                .map(|(key, s)| {
                    s.in_flight += s.pending;
                    let delta = std::mem::take(&mut s.pending);
                    Increment { key: key.clone(), window_start: window_start(s.window), delta }
                })
                .collect()
        };
        for chunk in batch.chunks(SYNC_BATCH) {
            self.statements.fetch_add(1, Ordering::Relaxed);
            let result = limits::add(&self.db, chunk).await;
            let mut slots = self.slots();
            match result {
                Ok(totals) => {
                    for sent in chunk {
                        let Some(slot) = slots.get_mut(&sent.key) else { continue };
                        if window_start(slot.window) != sent.window_start {
                            continue;
                        }
                        slot.in_flight -= sent.delta;
                        if let Some(t) =
                            totals.iter().find(|t| t.key == sent.key && t.window_start == sent.window_start)
                        {
                            slot.shared = t.count;
                        }
                    }
                }
                Err(e) => {
                    // Put the counts back so that the next sync sends them again.
                    for sent in chunk {
                        if let Some(slot) = slots.get_mut(&sent.key)
                            && window_start(slot.window) == sent.window_start
                        {
                            slot.in_flight -= sent.delta;
                            slot.pending += sent.delta;
                        }
                    }
                    return Err(e);
                }
            }
        }
        Ok(batch.len())
    }

    /// Holds every sync off while the guard lives (one running is waited for): for a test that
    /// counts the statements of requests.
    pub async fn hold_syncs(&self) -> tokio::sync::MutexGuard<'_, ()> {
        self.syncing.lock().await
    }

    /// Forgets the keys of past windows, counted or not: what keeps the map small where the
    /// counts are not shared ([`spawn_upkeep`]), since a sync drops them only once they are sent.
    /// Returns the number of keys kept.
    pub fn forget_past_windows(&self, now: DateTime<Utc>) -> usize {
        let current = now.timestamp().div_euclid(WINDOW_SECONDS);
        let mut slots = self.slots();
        slots.retain(|_, s| s.window >= current);
        slots.len()
    }
}

impl Limiter {
    /// Deletes the shared rows of windows that ended over a minute ago (once a minute, from the
    /// upkeep task), so that the table holds about the addresses of the last two minutes instead
    /// of every address ever seen. Returns how many went.
    pub async fn purge_past_windows(&self, now: DateTime<Utc>) -> Result<u64, persistence::RepoError> {
        let current = now.timestamp().div_euclid(WINDOW_SECONDS);
        limits::purge(&self.db, window_start(current - 1)).await
    }
}

fn window_start(window: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(window * WINDOW_SECONDS, 0).unwrap_or_default()
}

/// Keeps `limiter` until it is dropped (with the last replica state holding it): where the counts
/// are shared (`share`: PostgreSQL), syncs them once a second; where they stay in memory
/// (SQLite), forgets past windows once a minute, so that the addresses seen do not pile up.
pub fn spawn_upkeep(limiter: &Arc<Limiter>, clock: Arc<crate::clock::Clock>, share: bool) {
    let weak: Weak<Limiter> = Arc::downgrade(limiter);
    let every = if share { SYNC_EVERY } else { Duration::from_secs(WINDOW_SECONDS.unsigned_abs()) };
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut ticks: u64 = 0;
        loop {
            tick.tick().await;
            let Some(limiter) = weak.upgrade() else { return };
            ticks += 1;
            if !share {
                limiter.forget_past_windows(clock.now());
            } else if let Err(e) = limiter.sync(clock.now()).await {
                tracing::warn!(error = %e, "rate limit counts not shared yet; retrying");
            } else if ticks.is_multiple_of(WINDOW_SECONDS.unsigned_abs())
                && let Err(e) = limiter.purge_past_windows(clock.now()).await
            {
                tracing::warn!(error = %e, "past rate limit windows not deleted yet; retrying");
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(s, 0).unwrap_or_default()
    }

    #[tokio::test]
    async fn shared_rows_of_past_windows_are_deleted() {
        let db = persistence::connect("sqlite::memory:", 1).await.expect("db");
        let l = Limiter::new(3, db);
        let t = 1_800_000_000 + 15;
        for i in 0..10 {
            assert_eq!(l.hit(&format!("verify:10.0.0.{i}"), at(t)), Ok(()));
        }
        assert_eq!(l.sync(at(t)).await.expect("sync"), 10);
        assert_eq!(l.purge_past_windows(at(t + 60)).await.expect("purge"), 0, "the last minute's rows stay");
        assert_eq!(l.purge_past_windows(at(t + 120)).await.expect("purge"), 10);
    }

    #[tokio::test]
    async fn past_windows_are_forgotten_without_a_sync() {
        let db = persistence::connect("sqlite::memory:", 1).await.expect("db");
        let l = Limiter::new(3, db);
        let t = 1_800_000_000 + 15;
        for i in 0..1000 {
            assert_eq!(l.hit(&format!("verify:10.0.{}.{}", i / 256, i % 256), at(t)), Ok(()));
        }
        assert_eq!(l.hit("verify:a", at(t + 60)), Ok(()));
        // The minute of the thousand addresses is over: only the new one stays.
        assert_eq!(l.forget_past_windows(at(t + 60)), 1);
        // Forgetting keeps the count of the current window.
        for _ in 0..2 {
            assert_eq!(l.hit("verify:a", at(t + 61)), Ok(()));
        }
        assert!(l.hit("verify:a", at(t + 62)).is_err());
    }

    #[tokio::test]
    async fn the_bound_holds_within_a_window_and_resets_with_the_next() {
        let db = persistence::connect("sqlite::memory:", 1).await.expect("db");
        let l = Limiter::new(3, db);
        // 1,800,000,000 is a minute boundary.
        let t = 1_800_000_000 + 15;
        for _ in 0..3 {
            assert_eq!(l.hit("verify:a", at(t)), Ok(()));
        }
        assert_eq!(l.hit("verify:a", at(t + 5)), Err(Exceeded { retry_after: 40 }));
        // Another address has its own count.
        assert_eq!(l.hit("verify:b", at(t)), Ok(()));
        // The next window starts empty.
        assert_eq!(l.hit("verify:a", at(t + 45)), Ok(()));
    }

    #[tokio::test]
    async fn two_limiters_on_one_database_share_their_counts_after_a_sync() {
        let dir = tempfile::tempdir().expect("dir");
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("l.db").display());
        let db = persistence::connect(&url, 2).await.expect("db");
        let (a, b) = (Limiter::new(4, db.clone()), Limiter::new(4, db));
        let t = at(1_800_000_000);
        for _ in 0..3 {
            a.hit("verify:x", t).expect("under the bound");
        }
        assert_eq!(a.sync(t).await.expect("sync"), 1);
        b.hit("verify:x", t).expect("the fourth");
        assert_eq!(b.sync(t).await.expect("sync"), 1);
        // b now knows of a's three and refuses a fifth.
        assert!(b.hit("verify:x", t).is_err());
        // a has not heard of b's request yet: it admits one more, and learns the total of five
        // when it sends it, after which it refuses too.
        a.hit("verify:x", t).expect("a still counts 3");
        assert_eq!(a.sync(t).await.expect("sync"), 1);
        assert!(a.hit("verify:x", t).is_err());
    }
}
