//! HTTP handlers, one module per resource. Each handler's doc comment is its description in the
//! contract; every route is registered through utoipa so that it is in `openapi.yaml`.

pub mod audit;
pub mod auth;
pub mod codes;
pub mod districts;
pub mod health;
pub mod users;

use utoipa_actix_web::{scope, service_config::ServiceConfig};

/// Registers every route of the API.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(health::health).service(health::ready).service(
        scope("/api/v1")
            .service(auth::login)
            .service(auth::me)
            .service(auth::change_own_password)
            .service(users::create)
            .service(users::list)
            .service(users::get)
            .service(users::update)
            .service(audit::list)
            .service(codes::decode)
            .service(districts::list),
    );
}
