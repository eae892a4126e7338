//! The rules of 渝人社发〔2020〕83号 (Chongqing technical-school skill level certification) as
//! pure types and functions. No I/O, no async, no frameworks: everything here can be tested with
//! plain values, and time always comes in as an argument.
//!
//! Rule numbers (R1, R24, …) refer to the rule index in `docs/GLOSSARY.md` and the domain brief.

pub mod calendar;
pub mod certificate;
pub mod code;
pub mod credit_code;
pub mod district;
pub mod filing;
pub mod institution;
pub mod level;
pub mod occupation;
pub mod personnel;
pub mod plan;
pub mod resident_id;
pub mod results;
pub mod retired;
pub mod role;
pub mod supervision;
pub mod text;

pub use code::{CertificateCode, CodeError, CodeErrorKind, InstitutionCode, Serial};
pub use credit_code::{CreditCode, CreditCodeError};
pub use district::{DistrictCode, DistrictCodeError};
pub use level::{Level, LevelRuleError, SchoolType, check_level_allowed};
pub use resident_id::{Gender, ResidentId, ResidentIdError};
pub use role::Role;
