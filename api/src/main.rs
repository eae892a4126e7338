//! `skillcert` — start the server (default), or print the contract.
//!
//! ```text
//! skillcert                 serve (configuration from the environment; see README)
//! skillcert openapi         print openapi.yaml to standard output
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
            print!("{}", api::openapi::yaml(&api::openapi::spec()));
            ExitCode::SUCCESS
        }
        Some("-h" | "--help" | "help") => {
            println!(
                "usage: skillcert [serve | openapi]\n\nConfiguration comes from the environment; see README.md."
            );
            ExitCode::SUCCESS
        }
        Some(other) => {
            eprintln!("skillcert: unknown command \"{other}\" (try: serve, openapi)");
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
