//! Events for the national skill-talent evaluation platform (notice §三(三), §四(三)–(四)).
//!
//! A change that the platform must learn of writes an outbox row **in its own transaction**
//! ([`institution_event`], [`certificates_event`]), so an event exists exactly when its change
//! was committed. The delivery worker ([`spawn_worker`]) of every replica claims due rows with a
//! lease (`FOR UPDATE SKIP LOCKED` on PostgreSQL), posts them in order per institution to
//! `SKILLCERT_WEBHOOK_URL`, signed with Ed25519, and retries failures with exponential backoff and
//! jitter until `SKILLCERT_WEBHOOK_MAX_ATTEMPTS`, after which the row is dead-lettered (the admin
//! API lists, shows and replays rows). `docs/INTEGRATION.md` tells receivers how to check a
//! delivery.

use crate::config::WebhookConfig;
use crate::error::ApiError;
use crate::state::AppState;
use base64::Engine as _;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use ed25519_dalek::Signer as _;
use persistence::ConnectionTrait;
use persistence::entity::{certificate, institution, outbox_event};
use persistence::repo;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// Certificates per outbox row (a large issuance becomes several events).
pub const CERTIFICATES_PER_EVENT: usize = 500;

/// Every event type, as sent in `event_type` and the `X-Skillcert-Event` header.
pub const EVENT_TYPES: [&str; 10] = [
    "institution.filed",
    "institution.renewed",
    "institution.changed",
    "institution.suspended",
    "institution.reinstated",
    "institution.cancelled",
    "institution.merged",
    "certificates.issued",
    "certificate.revoked",
    "certificate.superseded",
];

/// One row of an institution's filed scope.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ScopeItem {
    pub occupation_code: String,
    /// Empty when the occupation has no work type.
    pub work_type: String,
    pub level: String,
}

/// The institution an event is about, as it stands after the change.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InstitutionSnapshot {
    pub id: Uuid,
    /// The filing code (positions 1–13 of its certificate codes).
    #[schema(example = "S000050000001")]
    pub code: String,
    pub name: String,
    pub credit_code: String,
    pub district_code: String,
    /// `active`, `suspended` or `cancelled` (as stored; expiry follows from `valid_until`).
    pub status: String,
    pub status_reason: Option<String>,
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
    pub scope: Vec<ScopeItem>,
    /// For `institution.merged`: the code of the new institution it was merged into.
    pub merged_into_code: Option<String>,
}

/// A certificate as reported to the platform.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CertificateSnapshot {
    #[schema(example = "S000050000001264000001")]
    pub code: String,
    /// `valid`, `revoked` or `superseded`.
    pub status: String,
    pub holder_name: String,
    pub gender: String,
    /// The holder's resident ID number (sensitive; the endpoint must be trusted and use TLS).
    pub id_number: String,
    pub occupation_code: String,
    pub occupation_name: String,
    pub work_type: String,
    pub level: String,
    pub institution_code: String,
    pub institution_name: String,
    pub issue_date: NaiveDate,
    pub revoked_reason: Option<String>,
    /// `bureau` or `centre` when either ordered the revocation (after an inspection or a
    /// complaint); absent when the institution revoked it.
    pub revocation_ordered_by: Option<String>,
    /// For a reissued certificate: the code it replaces.
    pub supersedes_code: Option<String>,
}

/// The body of every webhook delivery.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WebhookEvent {
    /// Unique per event and kept across retries and replays: a receiver that has seen it already
    /// answers 2xx and ignores it.
    pub delivery_id: Uuid,
    /// One of `institution.filed`, `institution.renewed`, `institution.changed`,
    /// `institution.suspended`, `institution.reinstated`, `institution.cancelled`, `institution.merged`,
    /// `certificates.issued`, `certificate.revoked`, `certificate.superseded`.
    #[schema(example = "certificates.issued")]
    pub event_type: String,
    pub occurred_at: DateTime<Utc>,
    pub institution: InstitutionSnapshot,
    /// The certificates of a certificate event (at most 500 per event), else empty.
    pub certificates: Vec<CertificateSnapshot>,
}

async fn snapshot(
    db: &impl ConnectionTrait,
    i: &institution::Model,
    merged_into_code: Option<String>,
) -> Result<InstitutionSnapshot, ApiError> {
    let scope = repo::institution::scope(db, i.id)
        .await?
        .into_iter()
        .map(|s| ScopeItem { occupation_code: s.occupation_code, work_type: s.work_type, level: s.level })
        .collect();
    Ok(InstitutionSnapshot {
        id: i.id,
        code: i.code.clone(),
        name: i.name.clone(),
        credit_code: i.credit_code.clone(),
        district_code: i.district_code.clone(),
        status: i.status.clone(),
        status_reason: i.status_reason.clone(),
        valid_from: i.valid_from,
        valid_until: i.valid_until,
        scope,
        merged_into_code,
    })
}

/// Writes an institution event in the caller's transaction.
pub async fn institution_event(
    db: &impl ConnectionTrait,
    event_type: &'static str,
    i: &institution::Model,
    merged_into_code: Option<String>,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let delivery_id = Uuid::now_v7();
    let event = WebhookEvent {
        delivery_id,
        event_type: event_type.into(),
        occurred_at: now,
        institution: snapshot(db, i, merged_into_code).await?,
        certificates: Vec::new(),
    };
    let payload = serde_json::to_value(&event).map_err(ApiError::internal)?;
    repo::outbox::enqueue(db, event_type, i.id, payload, delivery_id, now).await?;
    Ok(())
}

/// Writes certificate events (500 certificates each) in the caller's transaction.
pub async fn certificates_event(
    db: &impl ConnectionTrait,
    event_type: &'static str,
    i: &institution::Model,
    certificates: &[certificate::Model],
    supersedes_code: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let institution = snapshot(db, i, None).await?;
    let mut rows = Vec::new();
    for chunk in certificates.chunks(CERTIFICATES_PER_EVENT) {
        let delivery_id = Uuid::now_v7();
        let event = WebhookEvent {
            delivery_id,
            event_type: event_type.into(),
            occurred_at: now,
            institution: institution.clone(),
            certificates: chunk
                .iter()
                .map(|c| CertificateSnapshot {
                    code: c.code.clone(),
                    status: c.status.clone(),
                    holder_name: c.holder_name.clone(),
                    gender: c.gender.clone(),
                    // Kept sealed in the outbox, opened when delivered (use_case::data_key).
                    id_number: c.id_sealed.clone(),
                    occupation_code: c.occupation_code.clone(),
                    occupation_name: c.occupation_name.clone(),
                    work_type: c.work_type.clone(),
                    level: c.level.clone(),
                    institution_code: i.code.clone(),
                    institution_name: c.institution_name.clone(),
                    issue_date: c.issue_date,
                    revoked_reason: c.revoked_reason.clone(),
                    revocation_ordered_by: c.revocation_ordered_by.clone(),
                    supersedes_code: supersedes_code.map(str::to_owned),
                })
                .collect(),
        };
        rows.push(repo::outbox::NewEvent {
            delivery_id,
            event_type: event_type.into(),
            institution_id: i.id,
            // Straight to text: a `serde_json::Value` of 500 certificates is costly to build.
            payload: serde_json::to_string(&event).map_err(ApiError::internal)?,
            created_at: now,
        });
    }
    repo::outbox::enqueue_many(db, rows).await?;
    Ok(())
}

/// The signed text: `skillcert-webhook-v1`, the Unix time, the delivery id and the body, joined by
/// newlines (the prefix keeps these signatures apart from certificate statements made with the
/// same key).
pub fn signed_text(timestamp: i64, delivery_id: Uuid, body: &[u8]) -> Vec<u8> {
    let mut v = format!("skillcert-webhook-v1\n{timestamp}\n{delivery_id}\n").into_bytes();
    v.extend_from_slice(body);
    v
}

/// The delay before retry number `attempt` (1-based): `base × 2^(attempt−1)`, at most `max`,
/// times a random factor in [0.5, 1.5) so that failed receivers are not hit in step.
pub fn backoff(cfg: &WebhookConfig, attempt: i32) -> std::time::Duration {
    let exp = cfg.retry_base.saturating_mul(1u32 << (attempt - 1).clamp(0, 20));
    let capped = exp.min(cfg.retry_max);
    let r = u16::from_be_bytes(crate::auth::keys::random_bytes::<2>());
    capped.mul_f64(0.5 + f64::from(r) / 65536.0)
}

/// Starts the delivery loop of this replica.
pub fn spawn_worker(state: AppState, cfg: WebhookConfig) {
    tokio::spawn(async move {
        // Never follow redirects: a redirected POST could be lost (303) or sent elsewhere (307).
        let client = match reqwest::Client::builder()
            .timeout(cfg.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
        {
            Ok(c) => c,
            Err(e) => {
                tracing::error!(error = %e, "webhook worker cannot start");
                return;
            }
        };
        let host = cfg.url.split("://").nth(1).and_then(|r| r.split(['/', '?']).next()).unwrap_or("?");
        let host = host.rsplit('@').next().unwrap_or(host);
        tracing::info!(host = %host, "webhook worker started");
        loop {
            match run_once(&state, &cfg, &client).await {
                Ok(0) => tokio::time::sleep(std::time::Duration::from_millis(250)).await,
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(error = %e, "webhook worker: claim failed");
                    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                }
            }
        }
    });
}

/// Rows claimed at once by one worker.
const BATCH: u64 = 8;

/// Claims and delivers one batch; returns how many rows it handled.
async fn run_once(state: &AppState, cfg: &WebhookConfig, client: &reqwest::Client) -> Result<usize, String> {
    // Leases and retries run on real time, not the adjustable business clock, so replicas agree.
    let now = Utc::now();
    // The lease covers the whole batch, delivered one after another.
    let per_row = Duration::from_std(cfg.timeout).unwrap_or(Duration::seconds(10)) + Duration::seconds(5);
    let lease = per_row * BATCH as i32 + Duration::seconds(30);
    let tx = persistence::begin_write(&state.db).await.map_err(|e| e.to_string())?;
    let rows = repo::outbox::claim(&tx, now, now + lease, BATCH).await.map_err(|e| e.to_string())?;
    tx.commit().await.map_err(|e| e.to_string())?;
    let n = rows.len();
    for row in rows {
        deliver(state, cfg, client, row).await?;
    }
    Ok(n)
}

async fn deliver(
    state: &AppState,
    cfg: &WebhookConfig,
    client: &reqwest::Client,
    row: outbox_event::Model,
) -> Result<(), String> {
    let mut payload = row.payload.clone();
    crate::use_case::data_key::open_payload(&state.data_key, &mut payload);
    let body = serde_json::to_vec(&payload).map_err(|e| e.to_string())?;
    let timestamp = Utc::now().timestamp();
    let signature = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(state.certificate_key.key.sign(&signed_text(timestamp, row.delivery_id, &body)).to_bytes());
    let result = client
        .post(&cfg.url)
        .header("Content-Type", "application/json")
        .header("X-Skillcert-Delivery", row.delivery_id.to_string())
        .header("X-Skillcert-Event", &row.event_type)
        .header("X-Skillcert-Timestamp", timestamp.to_string())
        .header("X-Skillcert-Key-Id", &state.certificate_key.kid)
        .header("X-Skillcert-Signature", format!("ed25519={signature}"))
        .body(body)
        .send()
        .await;
    let now = Utc::now();
    let attempts = row.attempts + 1;
    let (status, error) = match result {
        Ok(r) if r.status().is_success() => {
            repo::outbox::mark_delivered(
                &state.db,
                row.id,
                row.locked_until,
                i32::from(r.status().as_u16()),
                now,
            )
            .await
            .map_err(|e| e.to_string())?;
            tracing::info!(delivery_id = %row.delivery_id, event = %row.event_type, attempts, "webhook delivered");
            return Ok(());
        }
        Ok(r) => (Some(i32::from(r.status().as_u16())), format!("HTTP {}", r.status().as_u16())),
        Err(e) if e.is_timeout() => (None, "timed out".to_owned()),
        Err(e) => (None, format!("request failed: {}", e.without_url())),
    };
    let dead = attempts >= cfg.max_attempts;
    let next = now + Duration::from_std(backoff(cfg, attempts)).unwrap_or(Duration::seconds(60));
    repo::outbox::mark_failed(&state.db, row.id, row.locked_until, attempts, dead, next, status, &error)
        .await
        .map_err(|e| e.to_string())?;
    if dead {
        tracing::warn!(delivery_id = %row.delivery_id, event = %row.event_type, attempts, error = %error, "webhook dead-lettered");
    } else {
        tracing::info!(delivery_id = %row.delivery_id, attempts, error = %error, "webhook delivery failed; will retry");
    }
    Ok(())
}
