//! Builds and starts a Parley node from a `Config`: database, migrations, operator token,
//! rate limits, the HTTP server. `main` and the tests both go through [`spawn`].

use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::rc::Rc;
use std::time::Duration;

use actix_http::{HttpService, KeepAlive};
use actix_service::{IntoServiceFactory, Service, ServiceFactory, fn_factory, fn_service};
use actix_web::dev::{AppConfig, ServerHandle};
use actix_web::{App, HttpResponse, web};
use parley_core::kernel::config::Config;
use parley_core::realtime::Realtime;
use parley_core::{Parley, authn, kernel::db};
use secrecy::SecretString;
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::SwaggerUi;

use crate::auth::AdminToken;
use crate::error;
use crate::limits::RateLimits;

/// A started node.
pub struct Running {
    pub addr: SocketAddr,
    pub admin_token: SecretString,
    /// Where the generated operator token was written, when it was generated.
    pub admin_token_path: Option<PathBuf>,
    pub ctx: Parley,
    pub handle: ServerHandle,
    pub server: tokio::task::JoinHandle<std::io::Result<()>>,
    /// The in-process worker, unless `worker.in_process` is off.
    pub worker: Option<parley_worker::WorkerHandle>,
}

/// Options that differ between the `parley serve` process and in-process test servers.
#[derive(Debug, Clone, Copy)]
pub struct ServeOptions {
    pub workers: usize,
    /// Let actix stop gracefully on SIGINT/SIGTERM (the binary); off for in-process tests.
    pub handle_signals: bool,
}

impl Default for ServeOptions {
    fn default() -> Self {
        Self {
            workers: std::env::var("PARLEY_WORKERS")
                .ok()
                .and_then(|v| v.parse().ok())
                .filter(|n| *n > 0)
                .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get())),
            handle_signals: true,
        }
    }
}

/// Connects, migrates and starts serving on `config.bind` (port 0 picks a free port).
pub async fn spawn(mut config: Config, opts: ServeOptions) -> anyhow::Result<Running> {
    warn_unshared_settings(&config);
    let conn = db::connect(&config).await?;
    db::migrate(&conn).await?;
    let (admin_token, admin_token_path) = authn::ensure_admin_token(&config)?;
    let listener = TcpListener::bind(config.bind).map_err(|e| {
        anyhow::anyhow!(
            "cannot listen on {} (config key `bind`, PARLEY_BIND): {e}",
            config.bind
        )
    })?;
    let addr = listener.local_addr()?;
    parley_core::media::prepare_local(&mut config, addr)?;
    let limits = RateLimits::new(&config.limits);
    limits.spawn_housekeeping();
    let max_body = config.limits.max_body_bytes;
    let realtime = Realtime::new(&config)?;
    let reads = db::connect_reads(&config, &conn).await?;
    let checkpointer = db::Checkpointer::start(&config).await?;
    let ctx = Parley::new(conn, config, realtime)?
        .with_reads(reads)
        .with_checkpointer(checkpointer);
    ctx.secrets.verify(&ctx.db).await?;
    Realtime::start(&ctx);
    let services = parley_worker::Services::new(&ctx)?;
    let worker = ctx
        .config
        .worker
        .in_process
        .then(|| parley_worker::spawn(ctx.clone(), std::sync::Arc::clone(&services)));
    parley_core::media::spawn_sweeper(&ctx);

    let app_ctx = web::Data::new(ctx.clone());
    let app_admin = web::Data::new(AdminToken(admin_token.clone()));
    let app_limits = web::Data::new(limits);
    let app_services = web::Data::new(services);
    let known_paths = web::Data::new(crate::openapi::KnownPaths::from_document(
        &crate::openapi::document(),
    ));
    let app = move || {
        App::new()
            .into_utoipa_app()
            .openapi(<crate::openapi::ApiDoc as utoipa::OpenApi>::openapi())
            .app_data(app_ctx.clone())
            .app_data(app_admin.clone())
            .app_data(app_limits.clone())
            .app_data(app_services.clone())
            .app_data(known_paths.clone())
            .app_data(
                web::JsonConfig::default()
                    .limit(max_body)
                    .error_handler(error::json_error),
            )
            .app_data(web::PayloadConfig::default().limit(max_body))
            .app_data(web::QueryConfig::default().error_handler(error::query_error))
            .app_data(web::PathConfig::default().error_handler(error::path_error))
            .configure(crate::routes::configure)
            .openapi_service(|api| {
                SwaggerUi::new("/docs/{_:.*}").url("/openapi.json", crate::openapi::finish(api))
            })
            .into_app()
            .route(
                "/docs",
                web::get().to(|| async {
                    HttpResponse::PermanentRedirect()
                        .insert_header(("Location", "/docs/"))
                        .finish()
                }),
            )
            .default_service(web::to(error::no_route))
            .wrap(actix_web::middleware::from_fn(
                crate::extract::refuse_nul_in_uri,
            ))
            .wrap(actix_web::middleware::from_fn(crate::cors::cors))
            .wrap(actix_web::middleware::from_fn(
                crate::request_id::request_id,
            ))
    };
    // What actix-web's `HttpServer` builds, plus an upgrade service: requests that upgrade
    // their connection (WebSocket handshakes) are answered by the same app, and the socket
    // then leaves the HTTP/1 dispatcher (see `realtime::upgrade`).
    let mut server = actix_server::Server::build();
    let shutdown = server.graceful_shutdown_signal();
    server = server.workers(opts.workers).shutdown_timeout(10).listen(
        "parley",
        listener,
        move || {
            // Semver-exempt in actix-web, and what its own `HttpServer` and test server set.
            let config = AppConfig::__priv_test_new(false, addr.to_string(), addr);
            let shutdown = shutdown.clone();
            // One app per worker answers both ordinary and upgrade requests: built once, on
            // first need, and shared (an instance holds its own routes and OpenAPI document).
            let shared = Rc::new((app().into_factory(), tokio::sync::OnceCell::new()));
            let instance = move || {
                let shared = Rc::clone(&shared);
                let config = config.clone();
                async move {
                    let (factory, built) = &*shared;
                    built
                        .get_or_try_init(|| async {
                            factory.new_service(config).await.map(Rc::new)
                        })
                        .await
                        .map(Rc::clone)
                }
            };
            let ordinary = fn_factory({
                let instance = instance.clone();
                move || {
                    let app = instance();
                    async move {
                        let app = app.await?;
                        Ok::<_, ()>(fn_service(move |req| {
                            let app = Rc::clone(&app);
                            async move { app.call(req).await }
                        }))
                    }
                }
            });
            let upgrades = fn_factory(move || {
                let app = instance();
                async move {
                    let app = app.await?;
                    Ok::<_, ()>(fn_service(move |(req, framed)| {
                        let app = Rc::clone(&app);
                        async move { crate::realtime::upgrade::answer(&*app, req, framed).await }
                    }))
                }
            });
            HttpService::build()
                .graceful_shutdown_signal(move || {
                    let shutdown = shutdown.clone();
                    async move { shutdown.notified().await }
                })
                .keep_alive(KeepAlive::default())
                .client_request_timeout(Duration::from_secs(5))
                .client_disconnect_timeout(Duration::from_secs(1))
                .local_addr(addr)
                // Writes are batched by the realtime writer; Nagle would only add delay (up to
                // the peer's delayed-ACK timeout) to small frames.
                .tcp_nodelay(true)
                .upgrade(upgrades)
                .finish(ordinary)
                .tcp()
        },
    )?;
    if !opts.handle_signals {
        server = server.disable_signals();
    }
    let server = server.run();
    let handle = server.handle();
    let server = tokio::spawn(server);
    Ok(Running {
        addr,
        admin_token,
        admin_token_path,
        ctx,
        handle,
        server,
        worker,
    })
}

/// Settings that nodes of one deployment must share but that default to a value generated
/// into (or a directory under) each node's own data directory. On PostgreSQL + Redis this
/// node is presumably one of several, and each unset one means "works on this node only":
/// an operator token accepted here alone, media URLs that other nodes reject, uploads that
/// other nodes cannot find. Each warning names the variable to set.
pub fn unshared_settings(config: &Config) -> Vec<String> {
    if config.is_sqlite() || config.redis_url.is_none() {
        return Vec::new();
    }
    let dir = config.data_dir.display();
    let mut out = Vec::new();
    if config.admin_token.is_none() {
        out.push(format!(
            "operator token generated into {dir}/admin-token, for this node only: \
             set PARLEY_ADMIN_TOKEN to the same value on every node"
        ));
    }
    if config.master_key.is_none() {
        out.push(format!(
            "master key generated into {dir}/master-key: set PARLEY_MASTER_KEY to the same \
             value on every node and worker (a node with another key refuses to start)"
        ));
    }
    let media = &config.media;
    if media.s3_bucket.is_none() {
        if media.signing_key.is_none() {
            out.push(format!(
                "media signing key generated into {dir}/media-key, for this node only: set \
                 PARLEY_MEDIA_SIGNING_KEY to the same value on every node (or use S3 with PARLEY_S3_BUCKET)"
            ));
        }
        if media.local_dir.is_none() {
            out.push(format!(
                "media files are kept in {dir}/media, on this node only: set PARLEY_MEDIA_DIR to a \
                 directory every node shares, or PARLEY_S3_BUCKET"
            ));
        }
        if media.public_url.is_none() {
            out.push(
                "media URLs point at this node's own address: set PARLEY_PUBLIC_URL to the \
                 address of the load balancer"
                    .to_owned(),
            );
        }
    }
    out
}

fn warn_unshared_settings(config: &Config) {
    for warning in unshared_settings(config) {
        tracing::warn!("multi-node setup (PostgreSQL + Redis): {warning}");
    }
}

impl Running {
    /// Stops accepting, lets the worker finish its running jobs, lets in-flight requests
    /// finish, and waits. The worker goes first: the database pool's connections belong to
    /// the runtimes of the HTTP workers that opened them, and a job that used one after those
    /// runtimes ended would fail with "database cannot be reached" instead of recording its
    /// result.
    pub async fn stop(mut self) {
        self.handle.pause().await;
        if let Some(w) = self.worker.take() {
            let grace = std::time::Duration::from_millis(self.ctx.config.worker.webhook_timeout_ms);
            w.shutdown(grace).await;
        }
        self.handle.stop(true).await;
        let _ = self.server.await;
    }

    /// Graceful shutdown: every realtime connection is closed with "reconnect elsewhere",
    /// they get up to the grace period to go, this node's users are announced offline at
    /// once (other nodes need not wait for its heartbeat to expire), then HTTP stops gracefully.
    pub async fn shutdown(self) {
        let rt = &self.ctx.realtime;
        rt.begin_shutdown();
        let grace = std::time::Duration::from_millis(self.ctx.config.realtime.shutdown_grace_ms);
        let deadline = tokio::time::Instant::now() + grace;
        while rt.hub.connection_count() > 0 && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        rt.presence.drain(&self.ctx).await;
        self.stop().await;
    }

    /// Kills the server at once, as a crash would (for tests): connections drop without a close frame.
    pub async fn abort(mut self) {
        if let Some(w) = self.worker.take() {
            w.abort();
        }
        self.handle.stop(false).await;
        self.server.abort();
    }
}
