//! `skillcert` — start the server (default), or print the contract.
//!
//! ```text
//! skillcert                 serve (configuration from the environment; see README)
//! skillcert openapi         print openapi.yaml to standard output
//! skillcert healthcheck     exit 0 if the server at SKILLCERT_BIND answers /health (for Docker)
//! skillcert backup FILE     SQLite: write an online, consistent copy of the live database to FILE
//! ```

use api::config::Config;
use api::startup::Application;
use api::telemetry;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        None | Some("serve") => serve(),
        Some("openapi") => {
            // The configured public base URL goes into `servers`; with no configuration, the
            // default one, as in the committed openapi.yaml.
            let url =
                Config::from_env().map_or_else(|_| api::openapi::DEFAULT_PUBLIC_URL.to_owned(), |c| c.issuer);
            let spec = api::openapi::spec_for(&url);
            match args.get(1).map(String::as_str) {
                Some("json") => print!("{}", String::from_utf8_lossy(&api::openapi::json(&spec))),
                _ => print!("{}", api::openapi::yaml(&spec)),
            }
            ExitCode::SUCCESS
        }
        Some("healthcheck") => healthcheck(),
        Some("backup") => backup(args.get(1).map(String::as_str)),
        Some("-h" | "--help" | "help") => {
            println!(
                "usage: skillcert [serve | openapi [json] | healthcheck | backup FILE]\n\nConfiguration comes from the environment; see README.md and docs/DEPLOYMENT.md."
            );
            ExitCode::SUCCESS
        }
        Some(other) => {
            eprintln!(
                "skillcert: unknown command \"{other}\" (try: serve, openapi, healthcheck, backup FILE)"
            );
            ExitCode::from(2)
        }
    }
}

fn serve() -> ExitCode {
    let config = match Config::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    telemetry::init(config.log_format, &config.log_filter);
    let result = actix_web::rt::System::new().block_on(async move {
        let app = Application::build(config).await.map_err(|e| e.to_string())?;
        app.run_until_stopped().await.map_err(|e| e.to_string())
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e}");
            eprintln!("skillcert: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Copies the configured SQLite database, live, to a new file (`VACUUM INTO`); the server may keep
/// running. For PostgreSQL, use `pg_dump` (docs/DEPLOYMENT.md).
fn backup(target: Option<&str>) -> ExitCode {
    let Some(target) = target else {
        eprintln!("usage: skillcert backup FILE");
        return ExitCode::from(2);
    };
    let config = match Config::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    if !config.is_sqlite() {
        eprintln!(
            "skillcert backup copies SQLite databases; for PostgreSQL use pg_dump (see docs/DEPLOYMENT.md)"
        );
        return ExitCode::from(2);
    }
    let result = actix_web::rt::System::new().block_on(async move {
        let db = persistence::connect(config.database_url.expose(), 1).await.map_err(|e| e.to_string())?;
        persistence::backup_sqlite(&db, std::path::Path::new(target)).await.map_err(|e| e.to_string())
    });
    match result {
        Ok(()) => {
            println!("backed up to {target}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("skillcert backup: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Asks the local server's `/health` over plain HTTP; used by the container `HEALTHCHECK`,
/// so the runtime image needs no curl.
fn healthcheck() -> ExitCode {
    use std::io::{Read, Write};
    let Ok(config) = Config::from_env() else { return ExitCode::FAILURE };
    let mut addr = config.bind;
    if addr.ip().is_unspecified() {
        addr.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
    }
    let timeout = std::time::Duration::from_secs(3);
    let Ok(mut stream) = std::net::TcpStream::connect_timeout(&addr, timeout) else {
        return ExitCode::FAILURE;
    };
    let _ = stream.set_read_timeout(Some(timeout));
    let request = "GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
    let mut answer = String::new();
    if stream.write_all(request.as_bytes()).is_err() || stream.read_to_string(&mut answer).is_err() {
        return ExitCode::FAILURE;
    }
    if answer.starts_with("HTTP/1.1 200") { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}
