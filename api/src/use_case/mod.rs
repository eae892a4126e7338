//! The application layer: every state change of the system, one module per area, named after the
//! notice's terms (docs/GLOSSARY.md), each a plain async function of (change, caller, command)
//! returning a result or a typed problem ([`ApiError`]). A use case knows no actix types: it is
//! called from a handler, a worker or a test alike.
//!
//! [`Change`] is the unit of work and owns the recipe every change repeats, written once here:
//! begin the write transaction (`IMMEDIATE` on SQLite), let the use case load, re-check, apply
//! the domain's transition and save through [`Change::db`], collect the audit events it
//! [`record`](Change::record)s, then append them (rows first, audit events last: the chain's
//! head is locked by each append, so taking it before other row locks could deadlock with a
//! concurrent change of one of those rows) and commit. Any error rolls everything back, audit
//! events included. See docs/ARCHITECTURE.md for a worked example.

pub mod audit;
pub mod auth;
pub mod calendar;
pub mod certificates;
pub mod complaints;
pub mod data_key;
pub mod filings;
pub mod inspections;
pub mod institutions;
pub mod integration;
pub mod occupations;
pub mod personnel;
pub mod plans;
pub mod ratings;
pub mod schools;
pub mod standards;
pub mod supervision;
pub mod users;

use crate::error::ApiError;
use crate::i18n::Problem;
use crate::state::AppState;
use chrono::{DateTime, NaiveDate, Utc};
use persistence::DatabaseTransaction;
use persistence::repo::audit::{Actor, NewEvent};
use persistence::repo::idempotency::{self, Keyed, STALE_SECONDS, Stored};
use persistence::sealed::DataKey;
use std::sync::Arc;

/// One change of the system: its transaction, its time, who makes it and the audit events it
/// will leave.
pub struct Change {
    tx: DatabaseTransaction,
    now: DateTime<Utc>,
    actor: Actor,
    request_id: String,
    events: Vec<Event>,
    /// The `Idempotency-Key` claimed in this change, and when.
    claimed: Option<(Keyed, DateTime<Utc>)>,
    /// Seals the resident ID numbers the change writes and opens those it must read in clear.
    data_key: Arc<DataKey>,
}

/// An audit event waiting for the commit.
struct Event {
    actor: Option<Actor>,
    action: &'static str,
    target: (&'static str, String),
    summary: serde_json::Value,
}

impl Change {
    /// Begins a change made by `actor`, as part of the request being handled on this task (its
    /// id goes into the audit events; `-` outside a request).
    pub async fn begin(state: &AppState, actor: Actor) -> Result<Change, ApiError> {
        Change::begin_on(&state.db, &state.data_key, state.clock.now(), actor).await
    }

    /// Begins a change on `db` at `now`, where there is no application state yet (start-up).
    pub async fn begin_on(
        db: &persistence::Database,
        data_key: &Arc<DataKey>,
        now: DateTime<Utc>,
        actor: Actor,
    ) -> Result<Change, ApiError> {
        let tx = persistence::begin_write(db).await?;
        Ok(Change {
            data_key: Arc::clone(data_key),
            tx,
            now,
            actor,
            request_id: crate::context::with_request_id(str::to_owned),
            events: Vec::new(),
            claimed: None,
        })
    }

    /// Names the change's events as part of `request_id` instead of the request being handled
    /// (`startup` for the start-up's changes).
    pub fn as_part_of(mut self, request_id: &str) -> Change {
        request_id.clone_into(&mut self.request_id);
        self
    }

    /// The transaction, for repository calls.
    pub fn db(&self) -> &DatabaseTransaction {
        &self.tx
    }

    /// The data key: seals the ID numbers the change writes (`persistence::sealed`).
    pub fn data_key(&self) -> &DataKey {
        &self.data_key
    }

    /// The account making the change, if it is one.
    pub fn actor_id(&self) -> Option<uuid::Uuid> {
        self.actor.id
    }

    /// The time of the change (one instant for all it writes).
    pub fn now(&self) -> DateTime<Utc> {
        self.now
    }

    /// The business date of the change (China Standard Time, of [`Change::now`]).
    pub fn today(&self) -> NaiveDate {
        self.now.with_timezone(&crate::clock::china_standard_time()).date_naive()
    }

    /// Records `action` on `target` by the change's actor, appended when the change commits.
    /// `summary` must hold no secrets, ID numbers or phone numbers.
    pub fn record(
        &mut self,
        action: &'static str,
        target: (&'static str, String),
        summary: serde_json::Value,
    ) {
        self.events.push(Event { actor: None, action, target, summary });
    }

    /// Records `action` by someone else than the change's actor (an anonymous member of the
    /// public, the system).
    pub fn record_as(
        &mut self,
        actor: Actor,
        action: &'static str,
        target: (&'static str, String),
        summary: serde_json::Value,
    ) {
        self.events.push(Event { actor: Some(actor), action, target, summary });
    }

    /// Claims the request's `Idempotency-Key` in this change (see [`crate::idempotency`]): the
    /// key's record is written in the change's transaction, so the change and its stored answer
    /// commit together or not at all, and a concurrent retry with the same key waits for this
    /// change, then finds its answer. `Some` with the stored answer when the key was answered
    /// before (replay it, change nothing); 422 when the key was used with another request.
    pub async fn claim_key(&mut self, keyed: &Keyed) -> Result<Option<Stored>, ApiError> {
        // Real time, not the adjustable business clock, as the middleware's claims.
        let now = Utc::now();
        let stale = now - chrono::Duration::seconds(STALE_SECONDS);
        match idempotency::claim(&self.tx, &keyed.principal, &keyed.key, &keyed.request_hash, now, stale)
            .await?
        {
            Stored::Claimed(at) => {
                self.claimed = Some((keyed.clone(), at));
                Ok(None)
            }
            done @ Stored::Done { .. } => Ok(Some(done)),
            Stored::Mismatch => Err(ApiError::new(Problem::IdempotencyMismatch)),
            Stored::InProgress => {
                let mut e = ApiError::new(Problem::IdempotencyInProgress);
                e.retry_after = Some(1);
                Err(e)
            }
        }
    }

    /// Stores the change's JSON answer (`status`, `body`) under the key it claimed, if any.
    pub async fn answer_key(&mut self, status: u16, body: &str) -> Result<(), ApiError> {
        if let Some((keyed, at)) = &self.claimed {
            let ct = Some("application/json");
            let (p, k) = (&keyed.principal, &keyed.key);
            idempotency::complete(&self.tx, p, k, *at, i32::from(status), ct, None, None, body).await?;
        }
        Ok(())
    }

    /// Appends the recorded audit events and commits.
    pub async fn commit(self) -> Result<(), ApiError> {
        for e in self.events {
            let event = NewEvent {
                occurred_at: self.now,
                request_id: self.request_id.clone(),
                actor: e.actor.unwrap_or_else(|| self.actor.clone()),
                action: e.action,
                target_type: e.target.0,
                target_id: e.target.1,
                summary: e.summary,
            };
            persistence::repo::audit::append(&self.tx, event).await?;
        }
        self.tx.commit().await?;
        Ok(())
    }
}

/// Runs `change` as one change by `actor`: begins it, commits it when `change` succeeds, rolls it
/// back (audit events included) when it fails.
pub async fn run<T>(
    state: &AppState,
    actor: Actor,
    change: impl AsyncFnOnce(&mut Change) -> Result<T, ApiError>,
) -> Result<T, ApiError> {
    let mut c = Change::begin(state, actor).await?;
    let out = change(&mut c).await?;
    c.commit().await?;
    Ok(out)
}
