//! The `parley` command line: `serve`, `worker`, `migrate`, `openapi`, `tenant create`.

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use parley_core::kernel::config::media::MediaOverrides;
use parley_core::kernel::config::{Config, Overrides};
use parley_core::tenants::{self, NewTenant};
use parley_core::{Parley, kernel::db};
use secrecy::ExposeSecret;

use crate::startup::{ServeOptions, spawn};

#[derive(Debug, Parser)]
#[command(
    name = "parley",
    version,
    about = "Parley: a self-hostable chat platform API"
)]
pub struct Cli {
    /// Configuration file (default: ./parley.toml when it exists).
    #[arg(long, global = true, env = "PARLEY_CONFIG", hide_env_values = true)]
    pub config: Option<PathBuf>,
    /// Data directory [env: PARLEY_DATA_DIR] (default ./parley-data).
    #[arg(long, global = true)]
    pub data_dir: Option<PathBuf>,
    /// Database URL, sqlite:… or postgres://… [env: PARLEY_DATABASE_URL] (default: SQLite in the data dir).
    #[arg(long, global = true)]
    pub database_url: Option<String>,
    #[command(subcommand)]
    pub command: Command,
}

/// Flags of the commands that run the realtime and media machinery (`serve`, `worker`).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct NodeArgs {
    /// Redis URL for cross-node fan-out [env: PARLEY_REDIS_URL].
    #[arg(long)]
    pub redis_url: Option<String>,
    /// S3 bucket for media; unset: a local directory [env: PARLEY_S3_BUCKET].
    #[arg(long)]
    pub s3_bucket: Option<String>,
    /// S3-compatible endpoint, e.g. http://127.0.0.1:9000 [env: PARLEY_S3_ENDPOINT].
    #[arg(long)]
    pub s3_endpoint: Option<String>,
    /// Base URL clients reach this server at, for local media URLs [env: PARLEY_PUBLIC_URL].
    #[arg(long)]
    pub public_url: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the API server (migrates the database first); it runs the worker too unless
    /// `PARLEY_WORKER_IN_PROCESS=false`.
    Serve {
        /// Address to listen on [env: PARLEY_BIND] (default 127.0.0.1:8080).
        #[arg(long)]
        bind: Option<String>,
        #[command(flatten)]
        node: NodeArgs,
    },
    /// Run a worker alone: webhook deliveries and push notifications from the outbox. Any
    /// number may run against one PostgreSQL database.
    Worker {
        #[command(flatten)]
        node: NodeArgs,
    },
    /// Apply pending database migrations and exit.
    Migrate,
    /// Print the OpenAPI document.
    Openapi {
        /// Write to this file instead of standard output.
        #[arg(long)]
        output: Option<PathBuf>,
    },
    /// Manage tenants from the command line.
    Tenant {
        #[command(subcommand)]
        command: TenantCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum TenantCommand {
    /// Create a tenant and print its keys (shown once).
    Create { name: String },
}

impl Cli {
    pub fn load_config(&self) -> anyhow::Result<Config> {
        let (bind, node) = match &self.command {
            Command::Serve { bind, node } => (bind.clone(), node.clone()),
            Command::Worker { node } => (None, node.clone()),
            _ => (None, NodeArgs::default()),
        };
        let overrides = Overrides {
            bind,
            data_dir: self.data_dir.clone(),
            database_url: self.database_url.clone(),
            redis_url: node.redis_url,
            media: MediaOverrides {
                s3_bucket: node.s3_bucket,
                s3_endpoint: node.s3_endpoint,
                public_url: node.public_url,
            },
        };
        Ok(Config::load(
            self.config.as_deref(),
            |k| std::env::var(k).ok(),
            overrides,
        )?)
    }
}

/// Picks the TLS crypto provider for the whole process. The S3 client brings aws-lc and
/// the other clients bring ring; with both compiled in, rustls cannot choose by itself and
/// would panic on the first TLS connection. Call first thing; calling again is harmless.
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// Logs to stderr (stdout carries command output), filtered by `PARLEY_LOG` (default `info`).
pub fn init_tracing() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("PARLEY_LOG")
                .unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
}

/// Runs one command of the `parley` binary.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match &cli.command {
        Command::Openapi { output } => {
            let doc = crate::openapi::document_json();
            match output {
                Some(path) => std::fs::write(path, doc)?,
                None => print!("{doc}"),
            }
            Ok(())
        }
        Command::Migrate => {
            let config = cli.load_config()?;
            let conn = db::connect(&config).await?;
            db::migrate(&conn).await?;
            println!("database is up to date");
            Ok(())
        }
        Command::Tenant {
            command: TenantCommand::Create { name },
        } => {
            let config = cli.load_config()?;
            let conn = db::connect(&config).await?;
            db::migrate(&conn).await?;
            let realtime = parley_core::realtime::Realtime::new(&config)?;
            let ctx = Parley::new(conn, config, realtime)?;
            ctx.secrets.verify(&ctx.db).await?;
            // The operator, at the machine: no request id, no address.
            let operator = parley_core::audit::Who::operator(&Default::default());
            let created = tenants::create(
                &ctx,
                &operator,
                NewTenant {
                    name: name.clone(),
                    settings: None,
                },
            )
            .await?;
            println!("{}", serde_json::to_string_pretty(&created)?);
            Ok(())
        }
        Command::Worker { .. } => {
            let config = cli.load_config()?;
            let conn = db::connect(&config).await?;
            db::migrate(&conn).await?;
            let realtime = parley_core::realtime::Realtime::new(&config)?;
            let ctx = Parley::new(conn, config, realtime)?;
            ctx.secrets.verify(&ctx.db).await?;
            let services = parley_worker::Services::new(&ctx)?;
            let grace = std::time::Duration::from_millis(ctx.config.worker.webhook_timeout_ms);
            let worker = parley_worker::spawn(ctx, services);
            println!("parley worker running");
            shutdown_signal().await;
            println!("shutting down: finishing or releasing running jobs");
            worker.shutdown(grace).await;
            Ok(())
        }
        Command::Serve { .. } => {
            // Each realtime connection holds a socket: use the whole open-files allowance.
            if let Ok(n) = rlimit::increase_nofile_limit(u64::MAX) {
                tracing::debug!(limit = n, "open files limit");
            }
            let config = cli.load_config()?;
            let backend = if config.is_sqlite() {
                "SQLite"
            } else {
                "PostgreSQL"
            };
            let opts = ServeOptions {
                handle_signals: false,
                ..ServeOptions::default()
            };
            let running = spawn(config, opts).await?;
            match &running.admin_token_path {
                Some(path) => println!("operator token: in {} (mode 0600)", path.display()),
                None if running.admin_token.expose_secret().is_empty() => {}
                None => println!("operator token: from PARLEY_ADMIN_TOKEN"),
            }
            println!(
                "parley listening on http://{} ({backend}); docs at http://{}/docs/",
                running.addr, running.addr
            );
            println!("media: {}", running.ctx.media.describe());
            shutdown_signal().await;
            println!("shutting down: closing connections");
            running.shutdown().await;
            Ok(())
        }
    }
}

/// Resolves on SIGINT or SIGTERM.
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
