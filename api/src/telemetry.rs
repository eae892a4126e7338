//! Logging: `tracing` to standard error, pretty or JSON. Never log ID numbers, phone numbers,
//! passwords, tokens or photos (see docs/LOGGING.md).

use crate::config::LogFormat;
use tracing_subscriber::EnvFilter;

/// Installs the global subscriber; a second call (tests) is a no-op. Colours only on a terminal:
/// escape codes have no place in a log file or a collector, and cost about a tenth of a public
/// verification's instructions (docs/PERFORMANCE.md).
pub fn init(format: LogFormat, filter: &str) {
    use std::io::IsTerminal as _;
    let filter = EnvFilter::try_new(filter).unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal());
    let _ = match format {
        LogFormat::Pretty => builder.with_target(false).try_init(),
        LogFormat::Json => builder.json().with_current_span(true).with_span_list(false).try_init(),
    };
}
