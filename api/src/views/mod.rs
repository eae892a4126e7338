//! What the API answers: response types and their builders, shared by the routes, the PDF
//! renderers and the outbox. A view imports no route module.

pub mod audit;
pub mod calendar;
pub mod candidate;
pub mod certificate;
pub mod complaint;
pub mod filing;
pub mod inspection;
pub mod institution;
pub mod mask;
pub mod occupation;
pub mod personnel;
pub mod plan;
pub mod results;
pub mod roster;
pub mod standard;
pub mod token;
pub mod user;
