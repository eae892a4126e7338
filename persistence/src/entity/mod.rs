//! sea-orm entities, owned by hand to follow `migrations/sql/`.

pub mod access_type_entry;
pub mod attachment;
pub mod audit_event;
pub mod calendar_day;
pub mod calendar_year;
pub mod candidate;
pub mod district;
pub mod filing;
pub mod filing_evaluation;
pub mod filing_expert;
pub mod filing_round;
pub mod institution;
pub mod institution_code;
pub mod institution_lineage;
pub mod institution_scope;
pub mod institution_serial_counter;
pub mod occupation;
pub mod plan;
pub mod plan_occupation;
pub mod plan_session;
pub mod school;
pub mod standard;
pub mod standard_level;
pub mod user;
pub mod work_type;
