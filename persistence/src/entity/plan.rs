//! `plans`: A batch plan (计划报备).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "plans")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub institution_id: Uuid,
    pub title: String,
    pub status: String,
    pub method: Json,
    pub filed_on: Option<Date>,
    pub filed_at: Option<DateTimeUtc>,
    pub round: i32,
    pub return_reasons: Option<String>,
    pub acknowledged_at: Option<DateTimeUtc>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub phase: String,
    pub publicity_started_on: Option<Date>,
    pub publicity_ends_on: Option<Date>,
    pub report_round: i32,
    pub certificates_reported_at: Option<DateTimeUtc>,
    pub certificates_acknowledged_at: Option<DateTimeUtc>,
    /// When the current publicity started: results entered after it are changes (R21).
    pub publicity_started_at: Option<DateTimeUtc>,
    /// 1 for the first publicity, 2 and on for republications.
    pub publicity_round: i32,
    /// When the publicity before the current one started.
    pub previous_publicity_at: Option<DateTimeUtc>,
    /// When the plan was called off; it is then `cancelled` whatever `status` last was.
    pub cancelled_at: Option<DateTimeUtc>,
    pub cancellation_reason: Option<String>,
    pub cancelled_by: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

impl Model {
    /// The plan's status with the centre, parsed (the database's CHECK keeps it one of these);
    /// `cancelled` once called off.
    pub fn plan_status(&self) -> Result<domain::plan::PlanStatus, DbErr> {
        if self.cancelled_at.is_some() {
            return Ok(domain::plan::PlanStatus::Cancelled);
        }
        domain::plan::PlanStatus::from_code(&self.status)
            .ok_or_else(|| DbErr::Type(format!("plans.status {:?} is not a plan status", self.status)))
    }

    /// Where the plan's results stand, parsed.
    pub fn plan_phase(&self) -> Result<domain::plan::PlanPhase, DbErr> {
        domain::plan::PlanPhase::from_code(&self.phase)
            .ok_or_else(|| DbErr::Type(format!("plans.phase {:?} is not a plan phase", self.phase)))
    }
}
