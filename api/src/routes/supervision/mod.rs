//! Supervision (通知 五、六): published fees (R34), violations and sanctions, complaints (R35),
//! double-random inspections (R36), integrity ratings (R37), statistics, and the retention
//! archive (R32).

pub mod archive;
pub mod complaints;
pub mod fees;
pub mod inspections;
pub mod ratings;
pub mod statistics;
pub mod violations;

use crate::error::ApiError;
use crate::i18n::Problem;

/// A 400 `invalid_query` from collected field errors, or nothing.
pub(crate) fn query_errors(errors: Vec<crate::error::FieldError>) -> Result<(), ApiError> {
    if errors.is_empty() { Ok(()) } else { Err(ApiError { errors, ..ApiError::new(Problem::InvalidQuery) }) }
}
