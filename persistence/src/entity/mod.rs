//! sea-orm entities, owned by hand to follow `migrations/sql/`.

pub mod audit_event;
pub mod district;
pub mod user;
