//! Assessment results (append-only), objections and reports of a plan.

use crate::entity::{assessment_result, candidate, objection, plan_report};
use crate::error::RepoError;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use std::collections::HashMap;
use uuid::Uuid;

/// A value to record.
#[derive(Debug, Clone)]
pub struct NewResult {
    pub candidate_id: Uuid,
    pub component: String,
    pub score: Option<f64>,
    pub award: Option<bool>,
    pub reason: Option<String>,
}

/// Appends values (never updates): each gets the next sequence number of its component.
pub async fn record(
    db: &impl ConnectionTrait,
    plan_id: Uuid,
    values: Vec<NewResult>,
    by: Uuid,
    now: DateTime<Utc>,
) -> Result<(), RepoError> {
    let current = all(db, plan_id).await?;
    let mut next: HashMap<(Uuid, String), i64> = HashMap::new();
    for r in &current {
        let e = next.entry((r.candidate_id, r.component.clone())).or_insert(0);
        *e = (*e).max(r.seq);
    }
    let mut rows = Vec::with_capacity(values.len());
    for v in values {
        let seq = next.entry((v.candidate_id, v.component.clone())).or_insert(0);
        *seq += 1;
        rows.push(assessment_result::Model {
            id: Uuid::now_v7(),
            plan_id,
            candidate_id: v.candidate_id,
            component: v.component,
            score: v.score,
            award: v.award,
            reason: v.reason,
            entered_by: by,
            entered_at: now,
            seq: *seq,
        });
    }
    super::insert_all::<assessment_result::Entity>(db, rows, 500).await
}

/// Every value ever entered for a plan, in order.
pub async fn all(
    db: &impl ConnectionTrait,
    plan_id: Uuid,
) -> Result<Vec<assessment_result::Model>, RepoError> {
    Ok(assessment_result::Entity::find()
        .filter(assessment_result::Column::PlanId.eq(plan_id))
        .order_by_asc(assessment_result::Column::CandidateId)
        .order_by_asc(assessment_result::Column::Component)
        .order_by_asc(assessment_result::Column::Seq)
        .all(db)
        .await?)
}

/// The current value per (candidate, component): the latest entered.
pub fn current(history: &[assessment_result::Model]) -> HashMap<(Uuid, String), assessment_result::Model> {
    let mut out: HashMap<(Uuid, String), assessment_result::Model> = HashMap::new();
    for r in history {
        let key = (r.candidate_id, r.component.clone());
        if out.get(&key).is_none_or(|x| x.seq < r.seq) {
            out.insert(key, r.clone());
        }
    }
    out
}

/// Every candidate of a plan not withdrawn: those results, publicity, the report and the review
/// count.
pub async fn candidates(
    db: &impl ConnectionTrait,
    plan_id: Uuid,
) -> Result<Vec<candidate::Model>, RepoError> {
    Ok(candidate::Entity::find()
        .filter(candidate::Column::PlanId.eq(plan_id))
        .filter(candidate::Column::WithdrawnAt.is_null())
        .order_by_asc(candidate::Column::Name)
        .order_by_asc(candidate::Column::Id)
        .all(db)
        .await?)
}

/// Every candidate of a plan, withdrawn ones too (the archive).
pub async fn all_candidates(
    db: &impl ConnectionTrait,
    plan_id: Uuid,
) -> Result<Vec<candidate::Model>, RepoError> {
    Ok(candidate::Entity::find()
        .filter(candidate::Column::PlanId.eq(plan_id))
        .order_by_asc(candidate::Column::Name)
        .order_by_asc(candidate::Column::Id)
        .all(db)
        .await?)
}

/// What issuing a certificate needs of a candidate.
#[derive(Clone, sea_orm::FromQueryResult)]
pub struct Issuable {
    pub id: Uuid,
    pub name: String,
    pub gender: String,
    /// Sealed; issuance opens it for the signed statement and copies it to the certificate.
    pub id_sealed: String,
    pub id_hash: Option<String>,
    pub id_masked: Option<String>,
    pub occupation_code: String,
    pub work_type: String,
    pub level: String,
    pub photo_key: Option<String>,
    pub review_status: String,
}

impl Issuable {
    /// The centre's review of the candidate, parsed.
    pub fn review(&self) -> Result<domain::results::ReviewStatus, sea_orm::DbErr> {
        domain::results::ReviewStatus::from_code(&self.review_status).ok_or_else(|| {
            sea_orm::DbErr::Type(format!(
                "candidates.review_status {:?} is not a review status",
                self.review_status
            ))
        })
    }
}

/// Never prints the ID number.
impl std::fmt::Debug for Issuable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Issuable").field("id", &self.id).finish_non_exhaustive()
    }
}

/// Every candidate of a plan, by name, with only what issuance needs.
pub async fn issuable(db: &impl ConnectionTrait, plan_id: Uuid) -> Result<Vec<Issuable>, RepoError> {
    use candidate::Column as C;
    Ok(candidate::Entity::find()
        .select_only()
        .columns([
            C::Id,
            C::Name,
            C::Gender,
            C::IdSealed,
            C::IdHash,
            C::IdMasked,
            C::OccupationCode,
            C::WorkType,
            C::Level,
            C::PhotoKey,
            C::ReviewStatus,
        ])
        .filter(C::PlanId.eq(plan_id))
        .filter(C::WithdrawnAt.is_null())
        .order_by_asc(C::Name)
        .order_by_asc(C::Id)
        .into_model::<Issuable>()
        .all(db)
        .await?)
}

/// Sets the centre's review of candidates.
pub async fn set_review(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
    status: domain::results::ReviewStatus,
    note: Option<&str>,
) -> Result<(), RepoError> {
    candidate::Entity::update_many()
        .col_expr(candidate::Column::ReviewStatus, Expr::val(status.code()))
        .col_expr(candidate::Column::ReviewNote, Expr::val(note.map(str::to_owned)))
        .filter(candidate::Column::Id.is_in(ids.iter().copied()))
        .exec(db)
        .await?;
    Ok(())
}

/// Records a candidate's photo if the one it replaces (`None`: none yet) is still the current one;
/// `false` when another upload came first (the conditional update is the If-Match check).
pub async fn set_photo(
    db: &impl ConnectionTrait,
    id: Uuid,
    key: &str,
    media_type: &str,
    sha256: &str,
    replacing: Option<&str>,
) -> Result<bool, RepoError> {
    let current = match replacing {
        Some(sha) => candidate::Column::PhotoSha256.eq(sha),
        None => candidate::Column::PhotoSha256.is_null(),
    };
    let done = candidate::Entity::update_many()
        .col_expr(candidate::Column::PhotoKey, Expr::val(key))
        .col_expr(candidate::Column::PhotoMediaType, Expr::val(media_type))
        .col_expr(candidate::Column::PhotoSha256, Expr::val(sha256))
        .filter(candidate::Column::Id.eq(id))
        .filter(current)
        .exec(db)
        .await?;
    Ok(done.rows_affected == 1)
}

/// Marks a candidate withdrawn, unless it is already; returns whether it was marked.
pub async fn withdraw_candidate(
    db: &impl ConnectionTrait,
    id: Uuid,
    reason: &str,
    by: Option<Uuid>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<bool, RepoError> {
    let done = candidate::Entity::update_many()
        .col_expr(candidate::Column::WithdrawnAt, sea_orm::sea_query::Expr::value(Some(now)))
        .col_expr(
            candidate::Column::WithdrawalReason,
            sea_orm::sea_query::Expr::value(Some(reason.to_owned())),
        )
        .col_expr(candidate::Column::WithdrawnBy, sea_orm::sea_query::Expr::value(by))
        .filter(candidate::Column::Id.eq(id))
        .filter(candidate::Column::WithdrawnAt.is_null())
        .exec(db)
        .await?;
    Ok(done.rows_affected == 1)
}

/// One candidate.
pub async fn candidate(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<candidate::Model>, RepoError> {
    Ok(candidate::Entity::find_by_id(id).one(db).await?)
}

/// Lodges an objection.
pub async fn lodge(db: &impl ConnectionTrait, m: objection::Model) -> Result<objection::Model, RepoError> {
    objection::Entity::insert(m.into_active_model()).exec_with_returning(db).await.map_err(RepoError::from_db)
}

/// The objection to `plan_id` with this content key, if one was lodged.
pub async fn objection_by_content(
    db: &impl ConnectionTrait,
    plan_id: Uuid,
    content_key: &str,
) -> Result<Option<objection::Model>, RepoError> {
    Ok(objection::Entity::find()
        .filter(objection::Column::PlanId.eq(plan_id))
        .filter(objection::Column::ContentKey.eq(content_key))
        .one(db)
        .await?)
}

/// Counts one more identical objection merged into `id`.
pub async fn merge_objection(db: &impl ConnectionTrait, id: Uuid) -> Result<(), RepoError> {
    objection::Entity::update_many()
        .col_expr(
            objection::Column::Merged,
            sea_orm::sea_query::ExprTrait::add(Expr::col(objection::Column::Merged), 1),
        )
        .filter(objection::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// The next slot of `client_key` among its objections to `plan_id` (1 for the first).
pub async fn next_address_slot(
    db: &impl ConnectionTrait,
    plan_id: Uuid,
    client_key: &str,
) -> Result<i32, RepoError> {
    let last = objection::Entity::find()
        .filter(objection::Column::PlanId.eq(plan_id))
        .filter(objection::Column::ClientKey.eq(client_key))
        .order_by_desc(objection::Column::AddressSlot)
        .one(db)
        .await?
        .and_then(|o| o.address_slot)
        .unwrap_or(0);
    Ok(last + 1)
}

/// Objections of a plan, oldest first.
pub async fn objections(
    db: &impl ConnectionTrait,
    plan_id: Uuid,
) -> Result<Vec<objection::Model>, RepoError> {
    Ok(objection::Entity::find()
        .filter(objection::Column::PlanId.eq(plan_id))
        .order_by_asc(objection::Column::LodgedAt)
        .all(db)
        .await?)
}

/// Unanswered objections of a plan (R22).
pub async fn open_objections(db: &impl ConnectionTrait, plan_id: Uuid) -> Result<u64, RepoError> {
    Ok(objection::Entity::find()
        .filter(objection::Column::PlanId.eq(plan_id))
        .filter(objection::Column::AnsweredAt.is_null())
        .count(db)
        .await?)
}

/// Records an answer; `false` if the objection was answered meanwhile.
pub async fn answer(
    db: &impl ConnectionTrait,
    id: Uuid,
    answer: &str,
    upheld: bool,
    by: Uuid,
    now: DateTime<Utc>,
) -> Result<bool, RepoError> {
    let r = objection::Entity::update_many()
        .col_expr(objection::Column::Answer, Expr::val(answer))
        .col_expr(objection::Column::Upheld, Expr::val(upheld))
        .col_expr(objection::Column::AnsweredAt, Expr::val(now))
        .col_expr(objection::Column::AnsweredBy, Expr::val(by))
        .filter(objection::Column::Id.eq(id))
        .filter(objection::Column::AnsweredAt.is_null())
        .exec(db)
        .await?;
    Ok(r.rows_affected == 1)
}

/// Records a report round.
pub async fn report(db: &impl ConnectionTrait, m: plan_report::Model) -> Result<(), RepoError> {
    plan_report::Entity::insert(m.into_active_model())
        .exec_without_returning(db)
        .await
        .map_err(RepoError::from_db)?;
    Ok(())
}

/// Every report of a plan.
pub async fn reports(db: &impl ConnectionTrait, plan_id: Uuid) -> Result<Vec<plan_report::Model>, RepoError> {
    Ok(plan_report::Entity::find()
        .filter(plan_report::Column::PlanId.eq(plan_id))
        .order_by_asc(plan_report::Column::Round)
        .all(db)
        .await?)
}

/// Records the centre's decision on a report round.
pub async fn decide(
    db: &impl ConnectionTrait,
    plan_id: Uuid,
    round: i32,
    decision: &str,
    reasons: Option<&str>,
    by: Uuid,
    now: DateTime<Utc>,
) -> Result<(), RepoError> {
    plan_report::Entity::update_many()
        .col_expr(plan_report::Column::Decision, Expr::val(decision))
        .col_expr(plan_report::Column::Reasons, Expr::val(reasons.map(str::to_owned)))
        .col_expr(plan_report::Column::DecidedAt, Expr::val(now))
        .col_expr(plan_report::Column::DecidedBy, Expr::val(by))
        .filter(plan_report::Column::PlanId.eq(plan_id))
        .filter(plan_report::Column::Round.eq(round))
        .exec(db)
        .await?;
    Ok(())
}
