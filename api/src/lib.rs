//! The skillcert HTTP server: actix-web handlers, authentication, problem+json errors and the
//! OpenAPI contract. `main.rs` only reads the configuration and starts [`startup::Application`].

pub mod auth;
pub mod client_address;
pub mod clock;
pub mod config;
pub mod connection;
pub mod context;
pub mod credential;
pub mod error;
pub mod extract;
pub mod i18n;
pub mod idempotency;
pub mod limiter;
pub mod metrics;
pub mod middleware;
pub mod openapi;
pub mod outbox;
pub mod pdf;
pub mod precondition;
pub mod routes;
pub mod schemas;
pub mod spreadsheet;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod throttle;
pub mod upload;
pub mod use_case;
pub mod validate;
pub mod views;
pub mod zip_stream;
