//! What every handler can reach: the database pool, the token service and the clock.

use crate::auth::token::TokenService;
use crate::clock::Clock;
use persistence::Database;
use std::path::PathBuf;
use std::sync::Arc;

/// Shared application state, built once at start-up.
#[derive(Debug, Clone)]
pub struct AppState {
    pub db: Database,
    pub tokens: Arc<TokenService>,
    pub clock: Arc<Clock>,
    /// Where attachments are stored.
    pub attachments_dir: PathBuf,
}
