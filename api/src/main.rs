//! `parley`: one binary for the server and its tools.

use clap::Parser;
use parley_api::cli::{Cli, Command, TenantCommand};
use parley_api::startup::{ServeOptions, spawn};
use parley_core::tenants::{self, NewTenant};
use parley_core::{Parley, db};
use secrecy::ExposeSecret;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("PARLEY_LOG")
                .unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    match &cli.command {
        Command::Openapi { output } => {
            let doc = parley_api::openapi::document_json();
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
            let ctx = Parley::new(conn, config, realtime);
            let created = tenants::create(
                &ctx,
                NewTenant {
                    name: name.clone(),
                    settings: None,
                },
            )
            .await?;
            println!("{}", serde_json::to_string_pretty(&created)?);
            Ok(())
        }
        Command::Serve => {
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
