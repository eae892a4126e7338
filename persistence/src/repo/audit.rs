//! The audit log: append inside the caller's transaction, list with filters.

use super::{Page, PageRequest};
use crate::entity::audit_event::{self, Column};
use crate::error::RepoError;
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::{NotSet, Set},
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
};
use uuid::Uuid;

/// Who did something: a user, or the system itself (bootstrap, reference data).
#[derive(Debug, Clone)]
pub struct Actor {
    pub id: Option<Uuid>,
    pub username: Option<String>,
    pub role: Option<String>,
}

impl Actor {
    /// The server acting on its own (start-up tasks).
    pub fn system() -> Actor {
        Actor { id: None, username: Some("system".into()), role: None }
    }

    /// A member of the public, without an account (an objection, a complaint).
    pub fn public() -> Actor {
        Actor { id: None, username: Some("public".into()), role: None }
    }

    /// No one yet: a change begun before its author is known (an unknown name signing in, a
    /// machine client asking for a token), which names whoever it records explicitly.
    pub fn nobody() -> Actor {
        Actor { id: None, username: None, role: None }
    }
}

/// An event to append. `summary` must never hold secrets or ID numbers.
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub occurred_at: DateTime<Utc>,
    pub request_id: String,
    pub actor: Actor,
    pub action: &'static str,
    pub target_type: &'static str,
    pub target_id: String,
    pub summary: serde_json::Value,
}

/// The hash before the first event.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// JSON with object keys sorted at every level (the canonical form that is hashed).
pub fn canonical_json(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            let inner: Vec<String> = keys
                .into_iter()
                .map(|k| format!("{}:{}", serde_json::Value::String(k.clone()), canonical_json(&map[k])))
                .collect();
            format!("{{{}}}", inner.join(","))
        }
        serde_json::Value::Array(items) => {
            format!("[{}]", items.iter().map(canonical_json).collect::<Vec<_>>().join(","))
        }
        other => other.to_string(),
    }
}

/// The hash of an event given the previous hash: SHA-256 (hex) of
/// `skillcert-audit-v1\n{prev}\n{canonical JSON of the event's fields}`.
pub fn event_hash(prev: &str, e: &audit_event::Model) -> String {
    use sha2::Digest as _;
    let fields = serde_json::json!({
        "id": e.id.to_string(),
        "occurred_at": e.occurred_at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        "request_id": e.request_id,
        "actor_id": e.actor_id.map(|a| a.to_string()),
        "actor_username": e.actor_username,
        "actor_role": e.actor_role,
        "action": e.action,
        "target_type": e.target_type,
        "target_id": e.target_id,
        "summary": e.summary,
    });
    let input = format!("skillcert-audit-v1\n{prev}\n{}", canonical_json(&fields));
    sha2::Sha256::digest(input.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// Appends one event. Call it with the transaction that makes the change, so that the event
/// and the change commit or roll back together. The chain head row is locked by the update, so
/// concurrent appends (also from other replicas) queue and the chain never forks (R33).
pub async fn append(db: &impl ConnectionTrait, e: NewEvent) -> Result<audit_event::Model, RepoError> {
    use crate::entity::audit_head;
    use sea_orm::sea_query::{Expr, ExprTrait};
    audit_head::Entity::update_many()
        .col_expr(audit_head::Column::Count, Expr::col(audit_head::Column::Count).add(1))
        .filter(audit_head::Column::Id.eq(1))
        .exec(db)
        .await?;
    let head = audit_head::Entity::find_by_id(1)
        .one(db)
        .await?
        .ok_or_else(|| RepoError::Db(sea_orm::DbErr::Custom("audit chain head missing".into())))?;
    use chrono::SubsecRound as _;
    let mut model = audit_event::Model {
        seq: 0,
        id: Uuid::now_v7(),
        occurred_at: e.occurred_at.trunc_subsecs(6),
        request_id: e.request_id,
        actor_id: e.actor.id,
        actor_username: e.actor.username,
        actor_role: e.actor.role,
        action: e.action.to_owned(),
        target_type: e.target_type.to_owned(),
        target_id: e.target_id,
        summary: e.summary,
        prev_hash: Some(head.hash.clone()),
        hash: None,
    };
    let hash = event_hash(&head.hash, &model);
    model.hash = Some(hash.clone());
    let active = audit_event::ActiveModel {
        seq: NotSet,
        id: Set(model.id),
        occurred_at: Set(model.occurred_at),
        request_id: Set(model.request_id),
        actor_id: Set(model.actor_id),
        actor_username: Set(model.actor_username),
        actor_role: Set(model.actor_role),
        action: Set(model.action),
        target_type: Set(model.target_type),
        target_id: Set(model.target_id),
        summary: Set(model.summary),
        prev_hash: Set(model.prev_hash),
        hash: Set(model.hash),
    };
    let saved =
        audit_event::Entity::insert(active).exec_with_returning(db).await.map_err(RepoError::from_db)?;
    audit_head::Entity::update_many()
        .col_expr(audit_head::Column::Hash, Expr::val(hash))
        .filter(audit_head::Column::Id.eq(1))
        .exec(db)
        .await?;
    Ok(saved)
}

/// The first broken link found by [`verify`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Broken {
    pub seq: i64,
    /// `link` (its `prev_hash` is not the previous event's hash: an event is missing or was
    /// replaced), `hash` (its own content was changed), `unhashed` (an event without hashes was
    /// inserted), `missing` (the chain holds fewer events than the head has counted: events were
    /// removed) or `head` (the chain does not end at the head's hash: its newest events are gone).
    pub problem: &'static str,
}

/// Result of a chain check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainCheck {
    pub checked: u64,
    pub first_broken: Option<Broken>,
    pub head_hash: String,
    pub head_count: i64,
    /// For a whole-chain check: the latest checkpoint the chain was held against.
    pub checkpoint: Option<crate::entity::audit_checkpoint::Model>,
}

/// The head of the chain: how many events it counts and the last one's hash.
pub async fn head(db: &impl ConnectionTrait) -> Result<crate::entity::audit_head::Model, RepoError> {
    crate::entity::audit_head::Entity::find_by_id(1)
        .one(db)
        .await?
        .ok_or_else(|| RepoError::Db(sea_orm::DbErr::RecordNotFound("audit_head".into())))
}

/// The latest signed checkpoint, if any was taken.
pub async fn latest_checkpoint(
    db: &impl ConnectionTrait,
) -> Result<Option<crate::entity::audit_checkpoint::Model>, RepoError> {
    use crate::entity::audit_checkpoint;
    Ok(audit_checkpoint::Entity::find().order_by_desc(audit_checkpoint::Column::Count).one(db).await?)
}

/// Stores a checkpoint (the database refuses one beyond the head or not after the latest).
pub async fn add_checkpoint(
    db: &impl ConnectionTrait,
    checkpoint: crate::entity::audit_checkpoint::Model,
) -> Result<(), RepoError> {
    use crate::entity::audit_checkpoint;
    let m: audit_checkpoint::ActiveModel = checkpoint.into();
    audit_checkpoint::Entity::insert(m).exec_without_returning(db).await?;
    Ok(())
}

/// Checks the chain over `seq` in `from..=to` (all when `None`), in pages of 1,000.
pub async fn verify(
    db: &impl ConnectionTrait,
    from: Option<i64>,
    to: Option<i64>,
) -> Result<ChainCheck, RepoError> {
    use crate::entity::audit_head;
    let head = audit_head::Entity::find_by_id(1).one(db).await?;
    let whole = from.is_none_or(|f| f <= 1) && to.is_none();
    let checkpoint = if whole { latest_checkpoint(db).await? } else { None };
    // The hash of the event the checkpoint counted last, once the walk reaches it.
    let mut at_checkpoint: Option<String> = None;
    let mut previous: Option<String> = None;
    let mut checked = 0u64;
    let mut after = from.map_or(0, |f| f - 1);
    loop {
        let mut q = audit_event::Entity::find().filter(Column::Seq.gt(after));
        if let Some(t) = to {
            q = q.filter(Column::Seq.lte(t));
        }
        let rows = sea_orm::QuerySelect::limit(q.order_by_asc(Column::Seq), 1000).all(db).await?;
        if rows.is_empty() {
            break;
        }
        for r in &rows {
            after = r.seq;
            let (Some(prev), Some(hash)) = (&r.prev_hash, &r.hash) else {
                // Events written before the chain existed are skipped; one without hashes after
                // the chain began was inserted around it.
                if previous.is_some() {
                    return Ok(broken(checked, r.seq, "unhashed", head.as_ref()));
                }
                continue;
            };
            checked += 1;
            if let Some(p) = &previous
                && p != prev
            {
                return Ok(ChainCheck {
                    checked,
                    first_broken: Some(Broken { seq: r.seq, problem: "link" }),
                    head_hash: String::new(),
                    head_count: 0,
                    checkpoint: None,
                }
                .with_head(head.as_ref()));
            }
            if &event_hash(prev, r) != hash {
                return Ok(ChainCheck {
                    checked,
                    first_broken: Some(Broken { seq: r.seq, problem: "hash" }),
                    head_hash: String::new(),
                    head_count: 0,
                    checkpoint: None,
                }
                .with_head(head.as_ref()));
            }
            if checkpoint.as_ref().is_some_and(|c| u64::try_from(c.count).is_ok_and(|n| n == checked)) {
                at_checkpoint = Some(hash.clone());
            }
            previous = Some(hash.clone());
        }
    }
    // A check of the whole chain also holds it against the head, which counts every append: events
    // lost at the end (or anywhere, with their links rewritten) show as a shorter chain, and a
    // chain that does not end at the head's hash was cut.
    if whole && let Some(h) = &head {
        if i64::try_from(checked).unwrap_or(i64::MAX) != h.count {
            return Ok(broken(checked, after + 1, "missing", head.as_ref()));
        }
        if h.count > 0 && previous.as_deref() != Some(h.hash.as_str()) {
            return Ok(broken(checked, after + 1, "head", head.as_ref()));
        }
    }
    // The chain must still hold the latest checkpoint's events, ending at its hash: a chain
    // rewritten from an earlier point (and its head with it) no longer does.
    if let Some(c) = &checkpoint
        && c.count > 0
        && at_checkpoint.as_deref() != Some(c.head_hash.as_str())
    {
        let mut check = broken(checked, c.count, "checkpoint", head.as_ref());
        check.checkpoint = checkpoint;
        return Ok(check);
    }
    Ok(ChainCheck { checked, first_broken: None, head_hash: String::new(), head_count: 0, checkpoint }
        .with_head(head.as_ref()))
}

fn broken(
    checked: u64,
    seq: i64,
    problem: &'static str,
    head: Option<&crate::entity::audit_head::Model>,
) -> ChainCheck {
    ChainCheck {
        checked,
        first_broken: Some(Broken { seq, problem }),
        head_hash: String::new(),
        head_count: 0,
        checkpoint: None,
    }
    .with_head(head)
}

impl ChainCheck {
    fn with_head(mut self, head: Option<&crate::entity::audit_head::Model>) -> ChainCheck {
        if let Some(h) = head {
            self.head_hash = h.hash.clone();
            self.head_count = h.count;
        }
        self
    }
}

/// Filters for listing events; every field is optional.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub actor_id: Option<Uuid>,
    pub action: Option<String>,
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

/// Events matching `filter`, newest first.
pub async fn list(
    db: &impl ConnectionTrait,
    filter: &Filter,
    page: PageRequest,
) -> Result<Page<audit_event::Model>, RepoError> {
    let mut q = audit_event::Entity::find();
    if let Some(v) = filter.actor_id {
        q = q.filter(Column::ActorId.eq(v));
    }
    if let Some(v) = &filter.action {
        q = q.filter(Column::Action.eq(v.clone()));
    }
    if let Some(v) = &filter.target_type {
        q = q.filter(Column::TargetType.eq(v.clone()));
    }
    if let Some(v) = &filter.target_id {
        q = q.filter(Column::TargetId.eq(v.clone()));
    }
    if let Some(v) = filter.from {
        q = q.filter(Column::OccurredAt.gte(v));
    }
    if let Some(v) = filter.to {
        q = q.filter(Column::OccurredAt.lt(v));
    }
    super::fetch_page(db, q.order_by_desc(Column::Seq), page).await
}
