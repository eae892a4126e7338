//! Building and running the server: database, reference data, bootstrap account, keys, routes.

use crate::auth::{keys, password, token::TokenService};
use crate::clock::Clock;
use crate::config::{Config, Secret};
use crate::error::ApiError;
use crate::openapi::{self, RouteTable};
use crate::state::AppState;
use crate::use_case::Change;
use crate::{middleware, routes};
use actix_cors::Cors;
use actix_web::dev::Server;
use actix_web::{App, HttpResponse, web};
use persistence::repo::{self, audit::Actor};
use std::net::TcpListener;
use std::sync::Arc;
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::SwaggerUi;

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("cannot create data directory {0}: {1}")]
    DataDir(String, std::io::Error),
    #[error("cannot open the database: {0}")]
    Database(persistence::DbErr),
    #[error("cannot load reference data: {0}")]
    Reference(persistence::RepoError),
    #[error("cannot create the bootstrap account: {0}")]
    Bootstrap(String),
    #[error("key: {0}")]
    Key(String),
    #[error("cannot seal the stored ID numbers: {0}")]
    DataKey(String),
    #[error("cannot listen on {0}: {1}")]
    Bind(String, std::io::Error),
}

/// A server that is built and bound, ready to run.
pub struct Application {
    port: u16,
    server: Server,
    pub state: AppState,
}

impl Application {
    /// Prepares everything and binds the listener (port 0 picks a free port).
    pub async fn build(config: Config) -> Result<Application, StartupError> {
        if config.is_sqlite() {
            std::fs::create_dir_all(&config.data_dir)
                .map_err(|e| StartupError::DataDir(config.data_dir.display().to_string(), e))?;
        }
        let mut db = persistence::connect(config.database_url.expose(), config.db_max_connections)
            .await
            .map_err(StartupError::Database)?;
        let metrics = Arc::new(crate::metrics::Metrics::default());
        persistence::count_statements(&mut db, metrics.statement_counter());
        repo::district::load_reference(&db).await.map_err(StartupError::Reference)?;
        repo::occupation::load_reference(&db, chrono::Utc::now()).await.map_err(StartupError::Reference)?;
        repo::calendar::load_reference(&db, chrono::Utc::now()).await.map_err(StartupError::Reference)?;

        let clock = Arc::new(Clock::default());
        if let Some(start) = config.clock_start {
            tracing::warn!(start = %start, "the clock starts at a set time (SKILLCERT_CLOCK_START): not for production");
            clock.set_offset(start);
        }
        let (data_key, created) =
            persistence::sealed::DataKey::load_or_create(&config.data_key_path).map_err(StartupError::Key)?;
        let data_key = Arc::new(data_key);
        if created {
            tracing::info!(path = %config.data_key_path.display(), "created a new data key (back it up apart from the database)");
        }
        let sealing = crate::use_case::data_key::bring_up_to_date(&db, &data_key, || clock.now())
            .await
            .map_err(|e| StartupError::DataKey(e.to_string()))?;
        if sealing != crate::use_case::data_key::Sealing::default() {
            tracing::info!(
                rows = sealing.rows,
                outbox_events = sealing.events,
                rehashed = sealing.rehashed,
                "sealed the stored resident ID numbers under the data key"
            );
        }

        bootstrap_admin(&db, &data_key, &clock, config.admin_password.clone()).await?;

        let (key, created) = keys::load_or_create(&config.signing_key_path).map_err(StartupError::Key)?;
        if created {
            tracing::info!(path = %config.signing_key_path.display(), "created a new token signing key");
        }
        let tokens =
            Arc::new(TokenService::new(key, config.issuer.clone(), config.token_ttl.as_secs() as i64));
        let (cert_key, created) =
            keys::load_or_create(&config.certificate_key_path).map_err(StartupError::Key)?;
        if created {
            tracing::info!(path = %config.certificate_key_path.display(), "created a new certificate signing key");
        }
        let certificate_key = Arc::new(crate::state::CertificateKey::new(cert_key));
        let credentials = Arc::new(credentials(&db, &config.issuer, clock.now()).await?);
        let state = AppState {
            db: db.clone(),
            tokens,
            clock,
            attachments_dir: config.attachments_dir.clone(),
            certificate_key,
            credentials,
            data_key,
            public_url: config.issuer.clone(),
            limiter: Arc::new(crate::limiter::Limiter::new(config.verify_limit_per_minute, db.clone())),
            metrics,
            metrics_token: config.metrics_token.clone(),
            trusted_proxies: Arc::new(config.trusted_proxies.clone()),
            body_idle: config.body_idle,
            body_budget: Arc::new(tokio::sync::Semaphore::new(
                usize::try_from(config.body_budget_mib * 1024).unwrap_or(usize::MAX >> 4),
            )),
        };
        {
            use base64::Engine as _;
            let public = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .encode(state.certificate_key.key.verifying_key().as_bytes());
            repo::limits::publish_key(
                &state.db,
                &state.certificate_key.kid,
                &public,
                "certificate",
                state.clock.now(),
            )
            .await
            .map_err(StartupError::Reference)?;
        }

        // One process per SQLite database: the counts have no other replica to reach, and a
        // write a second would empty every connection's page cache (crate::limiter). They stay
        // in memory, and past windows are forgotten there.
        let share = state.db.get_database_backend() == persistence::DbBackend::Postgres;
        crate::limiter::spawn_upkeep(&state.limiter, state.clock.clone(), share);
        persistence::spawn_wal_checkpoints(&state.db, Arc::downgrade(&state.metrics));
        if let Some(webhook) = config.webhook.clone() {
            crate::outbox::spawn_worker(state.clone(), webhook);
        }

        let listener =
            TcpListener::bind(config.bind).map_err(|e| StartupError::Bind(config.bind.to_string(), e))?;
        let port = listener.local_addr().map_err(|e| StartupError::Bind(config.bind.to_string(), e))?.port();
        let server = serve(listener, state.clone(), &config)?;
        tracing::info!(address = %format!("{}:{port}", config.bind.ip()), "skillcert listening");
        Ok(Application { port, server, state })
    }

    /// The bound port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Runs until stopped (SIGTERM or SIGINT stop it gracefully: in-flight requests finish).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

fn serve(listener: TcpListener, state: AppState, config: &Config) -> Result<Server, StartupError> {
    // The contract is rendered once here and shared by every worker: a copy of the document per
    // worker (in the factory closure and in Swagger UI) cost about 12 MB of memory each.
    let spec = openapi::spec_for(&config.issuer);
    let yaml = web::Bytes::from(openapi::yaml(&spec));
    let json = web::Bytes::from(openapi::json(&spec));
    let routes = web::Data::new(RouteTable::from_spec(&spec));
    drop(spec);
    let trusted_proxies = web::Data::from(state.trusted_proxies.clone());
    let state = web::Data::new(state);
    let origins = config.cors_origins.clone();
    let app = move || {
        let (yaml, json) = (yaml.clone(), json.clone());
        let mut cors = Cors::default()
            .allowed_methods(["GET", "POST", "PUT", "PATCH", "DELETE"])
            .allowed_headers([
                "authorization",
                "content-type",
                "accept-language",
                "if-match",
                "idempotency-key",
                "x-request-id",
                "x-complaint-secret",
            ])
            .expose_headers(["etag", "location", "x-request-id", "content-language"])
            .max_age(3600);
        for o in &origins {
            cors = cors.allowed_origin(o);
        }
        // Routes are registered through utoipa-actix-web (so each is in the contract), but the
        // document served is the one built once by `openapi::spec_for`, byte-equal to openapi.yaml under the default configuration.
        let (app, _) = App::new().into_utoipa_app().configure(routes::configure).split_for_parts();
        app.app_data(state.clone())
            .app_data(trusted_proxies.clone())
            .app_data(routes.clone())
            .app_data(web::PathConfig::default().error_handler(|_, _| ApiError::not_found().into()))
            .app_data(
                web::FormConfig::default()
                    .limit(crate::extract::FORM_LIMIT)
                    .error_handler(|e, _| crate::extract::form_error(e).into()),
            )
            .service(SwaggerUi::new("/docs/{_:.*}").config(utoipa_swagger_ui::Config::from("/openapi.json")))
            .route(
                "/openapi.json",
                web::get().to(move || {
                    let json = json.clone();
                    async move { HttpResponse::Ok().content_type("application/json").body(json) }
                }),
            )
            .route(
                "/openapi.yaml",
                web::get().to(move || {
                    let yaml = yaml.clone();
                    async move { HttpResponse::Ok().content_type("application/yaml").body(yaml) }
                }),
            )
            .route(
                "/docs",
                web::get().to(|| async {
                    HttpResponse::PermanentRedirect().insert_header(("Location", "/docs/")).finish()
                }),
            )
            .default_service(web::to(middleware::fallback))
            .wrap(crate::idempotency::Idempotency)
            .wrap(cors)
            .wrap(middleware::RequestScope)
    };

    // actix-web's HttpServer, built by hand so that each connection can be wrapped
    // (crate::connection: the dispatcher's own bare error answers become problem documents).
    // The settings are HttpServer's defaults.
    use actix_service::ServiceFactoryExt as _;
    let mut builder = actix_server::Server::build();
    let shutdown = builder.graceful_shutdown_signal();
    let local = listener.local_addr().map_err(|e| StartupError::Bind("listener".into(), e))?;
    builder = builder
        .listen("skillcert", listener, move || {
            let shutdown = shutdown.clone();
            let http = actix_http::HttpService::build()
                .graceful_shutdown_signal(move || {
                    let signal = shutdown.clone();
                    async move { signal.notified().await }
                })
                .keep_alive(actix_http::KeepAlive::default())
                .client_request_timeout(std::time::Duration::from_secs(
                    crate::connection::HEAD_TIMEOUT_SECONDS,
                ))
                .client_disconnect_timeout(std::time::Duration::from_secs(1))
                .local_addr(local)
                .h1(actix_service::map_config(
                    actix_service::IntoServiceFactory::into_factory(app()).map_err(|e| e.error_response()),
                    |()| actix_web::dev::AppConfig::default(),
                ));
            actix_service::fn_service(|io: actix_web::rt::net::TcpStream| async move {
                let peer = io.peer_addr().ok();
                Ok::<_, actix_http::error::DispatchError>((crate::connection::Guarded::new(io), peer))
            })
            .and_then(http)
        })
        .map_err(|e| StartupError::Bind("listener".into(), e))?
        .shutdown_timeout(30);
    if let Some(n) = config.workers {
        builder = builder.workers(n);
    }
    Ok(builder.run())
}

/// The system's DID and its credential secrets, each made at the first start and kept in the
/// database ever after (`credential_secrets`).
async fn credentials(
    db: &persistence::Database,
    issuer: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<crate::credential::Credentials, StartupError> {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let read = async |name: &str| -> Result<Vec<u8>, StartupError> {
        let candidate = crate::auth::keys::random_token(32);
        let stored =
            repo::credential::secret(db, name, &candidate, now).await.map_err(StartupError::Reference)?;
        b64.decode(stored).map_err(|e| {
            StartupError::Reference(persistence::RepoError::Db(persistence::sea_orm::DbErr::Custom(format!(
                "the credential secret {name} is not base64url: {e}"
            ))))
        })
    };
    let status_lists = read("status_lists").await?;
    let identity_salts = read("identity_salts").await?;
    Ok(crate::credential::Credentials {
        did: crate::credential::did::did_web(issuer),
        secrets: crate::credential::document::Secrets { status_lists, identity_salts },
        lists: Default::default(),
    })
}

/// Creates the bureau account `admin` on first start. With no password configured, a random one
/// is generated and printed once; afterwards nothing is recreated or printed again.
async fn bootstrap_admin(
    db: &persistence::Database,
    data_key: &Arc<persistence::sealed::DataKey>,
    clock: &Clock,
    configured: Option<Secret>,
) -> Result<(), StartupError> {
    if repo::user::find_by_username(db, "admin")
        .await
        .map_err(|e| StartupError::Bootstrap(e.to_string()))?
        .is_some()
    {
        return Ok(());
    }
    let generated = configured.is_none();
    let secret = configured.unwrap_or_else(|| Secret::new(keys::random_token(15)));
    let hash = password::hash(secret.expose().to_owned())
        .await
        .map_err(|e| StartupError::Bootstrap(e.to_string()))?;
    let failed = |e: ApiError| StartupError::Bootstrap(e.to_string());
    let mut change = Change::begin_on(db, data_key, clock.now(), Actor::system())
        .await
        .map_err(failed)?
        .as_part_of("startup");
    let created = crate::use_case::users::bootstrap(&mut change, hash, generated).await.map_err(failed)?;
    change.commit().await.map_err(failed)?;
    if created.is_none() {
        // Another replica created it first.
        return Ok(());
    }
    if generated {
        // The one time a secret is written to the log: there is no other way to hand it over.
        tracing::warn!(
            target: "bootstrap",
            "created bureau account \"admin\" with generated password: {}  (shown once; change it with POST /api/v1/me/password)",
            secret.expose()
        );
    } else {
        tracing::info!(target: "bootstrap", "created bureau account \"admin\" with the password from SKILLCERT_ADMIN_PASSWORD");
    }
    Ok(())
}
