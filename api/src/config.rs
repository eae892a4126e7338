//! Over 400 lines: every variable, its default and its check in one place.
//!
//! Configuration from the environment. Every variable has a default that makes
//! `cargo run -p api` work with nothing set; a bad value stops the start with one line naming
//! the variable. Secrets are wrapped in [`Secret`], whose `Debug` never shows them.

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// A value that must never appear in logs or `Debug` output.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(s: impl Into<String>) -> Secret {
        Secret(s.into())
    }

    /// The secret itself; use it only where it is needed.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

/// Log output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable lines (the default).
    Pretty,
    /// One JSON object per line, for log collectors.
    Json,
}

/// The server's configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// `DATABASE_URL`: `sqlite://…` or `postgres://…`. Holds a password on PostgreSQL.
    pub database_url: Secret,
    /// `SKILLCERT_BIND`: address to listen on.
    pub bind: SocketAddr,
    /// `SKILLCERT_DATA_DIR`: directory for the SQLite database, keys and attachments.
    pub data_dir: PathBuf,
    /// `SKILLCERT_ADMIN_PASSWORD`: password of the bootstrap `admin` account on first start.
    pub admin_password: Option<Secret>,
    /// `SKILLCERT_TOKEN_TTL_SECONDS`: lifetime of access tokens.
    pub token_ttl: Duration,
    /// `SKILLCERT_SIGNING_KEY`: PKCS#8 PEM Ed25519 key for tokens (generated when absent).
    pub signing_key_path: PathBuf,
    /// `SKILLCERT_CORS_ORIGINS`: comma-separated origins allowed to call the API from browsers.
    pub cors_origins: Vec<String>,
    /// `SKILLCERT_LOG_FORMAT`: `pretty` or `json`.
    pub log_format: LogFormat,
    /// `SKILLCERT_LOG`: tracing filter, e.g. `info` or `api=debug,info`.
    pub log_filter: String,
    /// `SKILLCERT_DB_MAX_CONNECTIONS`: size of the connection pool.
    pub db_max_connections: u32,
    /// `SKILLCERT_WORKERS`: HTTP worker threads (default: one per core).
    pub workers: Option<usize>,
    /// `SKILLCERT_ISSUER`: the `iss` of tokens and the public base URL of this service.
    pub issuer: String,
    /// `SKILLCERT_ATTACHMENT_DIR`: where uploaded attachments are stored.
    pub attachments_dir: PathBuf,
    /// `SKILLCERT_CERTIFICATE_KEY`: PKCS#8 PEM Ed25519 key that signs certificates.
    pub certificate_key_path: PathBuf,
    /// `SKILLCERT_DATA_KEY`: the key file that seals resident ID numbers at rest
    /// (`persistence::sealed`; generated when absent).
    pub data_key_path: PathBuf,
    /// `SKILLCERT_VERIFY_LIMIT_PER_MINUTE`: public verifications per client address and minute.
    pub verify_limit_per_minute: u32,
    /// `SKILLCERT_CLOCK_START`: for tests and demonstrations only, the instant (RFC 3339) the
    /// server's clock starts from; it then runs on normally.
    pub clock_start: Option<chrono::DateTime<chrono::Utc>>,
    /// `SKILLCERT_WEBHOOK_URL` and its tuning: where events for the national platform go (no
    /// delivery when absent; events wait in the outbox).
    pub webhook: Option<WebhookConfig>,
    /// `SKILLCERT_METRICS_TOKEN`: when set, `/metrics` requires it as a bearer token.
    pub metrics_token: Option<Secret>,
    /// `SKILLCERT_TRUSTED_PROXIES`: proxies whose `Forwarded`/`X-Forwarded-For` are believed.
    pub trusted_proxies: Vec<crate::client_address::Cidr>,
    /// `SKILLCERT_BODY_IDLE_SECONDS`: the longest pause within a request body.
    pub body_idle: Duration,
    /// `SKILLCERT_BODY_BUDGET_MIB`: how many MiB of request bodies the process holds while they
    /// arrive, all requests together (see [`crate::upload::BodyDeadline`]).
    pub body_budget_mib: u64,
}

/// A configuration variable with a bad value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub variable: &'static str,
    pub problem: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "configuration error: {}: {}", self.variable, self.problem)
    }
}

impl std::error::Error for ConfigError {}

/// Minimum and maximum password length (also for `SKILLCERT_ADMIN_PASSWORD`).
pub const PASSWORD_MIN: usize = 12;
/// Longer passwords are refused so that hashing cannot be abused to burn CPU.
pub const PASSWORD_MAX: usize = 128;

fn err(variable: &'static str, problem: impl Into<String>) -> ConfigError {
    ConfigError { variable, problem: problem.into() }
}

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Config, ConfigError> {
        Config::from_lookup(|k| std::env::var(k).ok())
    }

    /// Reads configuration through `get` (the environment, or a map in tests).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let var = |k: &str| get(k).filter(|v| !v.trim().is_empty());

        let data_dir = PathBuf::from(var("SKILLCERT_DATA_DIR").unwrap_or_else(|| "./data".into()));
        let database_url = match var("DATABASE_URL") {
            Some(url) => {
                if !(url.starts_with("sqlite:")
                    || url.starts_with("postgres://")
                    || url.starts_with("postgresql://"))
                {
                    return Err(err("DATABASE_URL", "must start with sqlite:// or postgres://"));
                }
                url
            }
            None => format!("sqlite://{}/skillcert.db?mode=rwc", data_dir.display()),
        };

        let bind_text = var("SKILLCERT_BIND").unwrap_or_else(|| "127.0.0.1:8080".into());
        let bind = bind_text.parse::<SocketAddr>().map_err(|_| {
            err("SKILLCERT_BIND", format!("\"{bind_text}\" is not host:port (e.g. 127.0.0.1:8080)"))
        })?;

        let admin_password = match get("SKILLCERT_ADMIN_PASSWORD") {
            Some(p) => {
                let n = p.chars().count();
                if !(PASSWORD_MIN..=PASSWORD_MAX).contains(&n) || p.chars().any(char::is_control) {
                    return Err(err(
                        "SKILLCERT_ADMIN_PASSWORD",
                        format!(
                            "must have {PASSWORD_MIN}–{PASSWORD_MAX} characters and no control characters"
                        ),
                    ));
                }
                Some(Secret::new(p))
            }
            None => None,
        };

        let token_ttl = Duration::from_secs(int(&var, "SKILLCERT_TOKEN_TTL_SECONDS", 900, 60, 86_400)?);
        let signing_key_path = var("SKILLCERT_SIGNING_KEY")
            .map(PathBuf::from)
            .unwrap_or_else(|| data_dir.join("keys").join("token-signing-ed25519.pem"));

        let mut cors_origins = Vec::new();
        for origin in var("SKILLCERT_CORS_ORIGINS").unwrap_or_default().split(',') {
            let o = origin.trim();
            if o.is_empty() {
                continue;
            }
            let host = o.strip_prefix("https://").or_else(|| o.strip_prefix("http://"));
            let ok = host.is_some_and(|h| {
                !h.is_empty() && !h.contains(['/', '?', '#', '@']) && !h.contains(char::is_whitespace)
            });
            if !ok {
                return Err(err(
                    "SKILLCERT_CORS_ORIGINS",
                    format!(
                        "\"{o}\" is not an origin like https://app.example.cn (scheme and host, no path)"
                    ),
                ));
            }
            cors_origins.push(o.to_owned());
        }

        let log_format = match var("SKILLCERT_LOG_FORMAT").as_deref() {
            None | Some("pretty") => LogFormat::Pretty,
            Some("json") => LogFormat::Json,
            Some(other) => {
                return Err(err("SKILLCERT_LOG_FORMAT", format!("\"{other}\" is not pretty or json")));
            }
        };
        let log_filter = var("SKILLCERT_LOG").unwrap_or_else(|| "info".into());
        if tracing_subscriber::EnvFilter::try_new(&log_filter).is_err() {
            return Err(err(
                "SKILLCERT_LOG",
                format!("\"{log_filter}\" is not a tracing filter (e.g. info)"),
            ));
        }

        let db_max_connections = int(&var, "SKILLCERT_DB_MAX_CONNECTIONS", 10, 1, 1000)? as u32;
        let workers = match var("SKILLCERT_WORKERS") {
            Some(_) => Some(int(&var, "SKILLCERT_WORKERS", 1, 1, 256)? as usize),
            None => None,
        };
        let issuer = var("SKILLCERT_ISSUER").unwrap_or_else(|| format!("http://{bind}"));
        if !(issuer.starts_with("http://") || issuer.starts_with("https://")) {
            return Err(err("SKILLCERT_ISSUER", "must be an http:// or https:// URL"));
        }

        let attachments_dir = var("SKILLCERT_ATTACHMENT_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| data_dir.join("attachments"));
        let certificate_key_path = var("SKILLCERT_CERTIFICATE_KEY")
            .map(PathBuf::from)
            .unwrap_or_else(|| data_dir.join("keys").join("certificate-signing-ed25519.pem"));
        let data_key_path = var("SKILLCERT_DATA_KEY")
            .map(PathBuf::from)
            .unwrap_or_else(|| data_dir.join("keys").join("data-key.txt"));
        let verify_limit_per_minute =
            int(&var, "SKILLCERT_VERIFY_LIMIT_PER_MINUTE", 60, 1, 10_000_000)? as u32;
        let clock_start = match var("SKILLCERT_CLOCK_START") {
            Some(v) => Some(
                chrono::DateTime::parse_from_rfc3339(v.trim())
                    .map_err(|_| err("SKILLCERT_CLOCK_START", format!("\"{v}\" is not an RFC 3339 time")))?
                    .with_timezone(&chrono::Utc),
            ),
            None => None,
        };
        let webhook = match var("SKILLCERT_WEBHOOK_URL") {
            Some(url) => {
                let url = url.trim().to_owned();
                if !(url.starts_with("http://") || url.starts_with("https://")) {
                    return Err(err("SKILLCERT_WEBHOOK_URL", "must be an http:// or https:// URL"));
                }
                Some(WebhookConfig {
                    url,
                    max_attempts: int(&var, "SKILLCERT_WEBHOOK_MAX_ATTEMPTS", 12, 1, 100)? as i32,
                    timeout: Duration::from_millis(int(
                        &var,
                        "SKILLCERT_WEBHOOK_TIMEOUT_MS",
                        10_000,
                        100,
                        120_000,
                    )?),
                    retry_base: Duration::from_millis(int(
                        &var,
                        "SKILLCERT_WEBHOOK_RETRY_BASE_MS",
                        1000,
                        10,
                        3_600_000,
                    )?),
                    retry_max: Duration::from_secs(int(
                        &var,
                        "SKILLCERT_WEBHOOK_RETRY_MAX_SECONDS",
                        3600,
                        1,
                        86_400,
                    )?),
                })
            }
            None => None,
        };
        let metrics_token = var("SKILLCERT_METRICS_TOKEN").map(|t| Secret::new(t.trim().to_owned()));
        let mut trusted_proxies = Vec::new();
        for entry in var("SKILLCERT_TRUSTED_PROXIES").unwrap_or_default().split(',') {
            if entry.trim().is_empty() {
                continue;
            }
            let cidr = crate::client_address::Cidr::parse(entry).ok_or_else(|| {
                err(
                    "SKILLCERT_TRUSTED_PROXIES",
                    format!("\"{}\" is not an address or network like 10.0.0.0/8", entry.trim()),
                )
            })?;
            trusted_proxies.push(cidr);
        }

        let body_idle = Duration::from_secs(int(&var, "SKILLCERT_BODY_IDLE_SECONDS", 15, 1, 300)?);
        let body_budget_mib = int(&var, "SKILLCERT_BODY_BUDGET_MIB", 256, 16, 16_384)?;

        Ok(Config {
            body_idle,
            body_budget_mib,
            trusted_proxies,
            metrics_token,
            webhook,
            clock_start,
            verify_limit_per_minute,
            attachments_dir,
            certificate_key_path,
            data_key_path,
            database_url: Secret::new(database_url),
            bind,
            data_dir,
            admin_password,
            token_ttl,
            signing_key_path,
            cors_origins,
            log_format,
            log_filter,
            db_max_connections,
            workers,
            issuer: issuer.trim_end_matches('/').to_owned(),
        })
    }

    /// Whether the database is the embedded SQLite.
    pub fn is_sqlite(&self) -> bool {
        self.database_url.expose().starts_with("sqlite:")
    }
}

fn int(
    var: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: u64,
    min: u64,
    max: u64,
) -> Result<u64, ConfigError> {
    match var(name) {
        None => Ok(default),
        Some(v) => v
            .trim()
            .parse::<u64>()
            .ok()
            .filter(|n| (min..=max).contains(n))
            .ok_or_else(|| err(name, format!("\"{v}\" is not a whole number from {min} to {max}"))),
    }
}

/// How the outbox worker delivers events to the national platform (`SKILLCERT_WEBHOOK_*`).
#[derive(Debug, Clone)]
pub struct WebhookConfig {
    /// `SKILLCERT_WEBHOOK_URL`.
    pub url: String,
    /// `SKILLCERT_WEBHOOK_MAX_ATTEMPTS`: tries before a row is dead-lettered.
    pub max_attempts: i32,
    /// `SKILLCERT_WEBHOOK_TIMEOUT_MS`: per request.
    pub timeout: std::time::Duration,
    /// `SKILLCERT_WEBHOOK_RETRY_BASE_MS`: the first retry's delay; it doubles per attempt.
    pub retry_base: std::time::Duration,
    /// `SKILLCERT_WEBHOOK_RETRY_MAX_SECONDS`: the longest delay.
    pub retry_max: std::time::Duration,
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = pairs.iter().map(|(k, v)| ((*k).into(), (*v).into())).collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn defaults_start_on_embedded_sqlite() {
        let c = config(&[]).expect("defaults are valid");
        assert_eq!(c.bind.to_string(), "127.0.0.1:8080");
        assert_eq!(c.database_url.expose(), "sqlite://./data/skillcert.db?mode=rwc");
        assert_eq!(c.token_ttl, Duration::from_secs(900));
        assert!(c.is_sqlite());
    }

    #[test]
    fn a_bad_value_names_its_variable() {
        for (k, v) in [
            ("SKILLCERT_BIND", "localhost"),
            ("DATABASE_URL", "mysql://x"),
            ("SKILLCERT_TOKEN_TTL_SECONDS", "15m"),
            ("SKILLCERT_LOG_FORMAT", "xml"),
            ("SKILLCERT_CORS_ORIGINS", "https://a.example/path"),
            ("SKILLCERT_ADMIN_PASSWORD", "short"),
            ("SKILLCERT_CLOCK_START", "yesterday"),
        ] {
            let e = config(&[(k, v)]).expect_err("must be refused");
            assert_eq!(e.variable, k);
            assert!(e.to_string().starts_with(&format!("configuration error: {k}: ")));
            assert!(!e.to_string().contains('\n'));
        }
    }

    #[test]
    fn secrets_never_show_in_debug_output() {
        let c = config(&[
            ("SKILLCERT_ADMIN_PASSWORD", "correct horse battery staple"),
            ("DATABASE_URL", "postgres://app:s3cretpw@db.internal/skillcert"),
        ])
        .expect("valid");
        let shown = format!("{c:?}");
        assert!(!shown.contains("battery"), "{shown}");
        assert!(!shown.contains("s3cretpw"), "{shown}");
        // A bad admin password is named but never echoed.
        let e = config(&[("SKILLCERT_ADMIN_PASSWORD", "tiny-secret")]).expect_err("too short");
        assert!(!e.to_string().contains("tiny-secret"));
    }
}
