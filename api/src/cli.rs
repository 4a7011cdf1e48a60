//! The `parley` command line: `serve`, `migrate`, `openapi`, `tenant create`.

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use parley_core::config::{Config, Overrides};

#[derive(Debug, Parser)]
#[command(
    name = "parley",
    version,
    about = "Parley: a self-hostable chat platform API"
)]
pub struct Cli {
    /// Configuration file (default: ./parley.toml when it exists).
    #[arg(long, global = true, env = "PARLEY_CONFIG")]
    pub config: Option<PathBuf>,
    /// Address to listen on [env: PARLEY_BIND] (default 127.0.0.1:8080).
    #[arg(long, global = true)]
    pub bind: Option<String>,
    /// Data directory [env: PARLEY_DATA_DIR] (default ./parley-data).
    #[arg(long, global = true)]
    pub data_dir: Option<PathBuf>,
    /// Database URL, sqlite:… or postgres://… [env: PARLEY_DATABASE_URL] (default: SQLite in the data dir).
    #[arg(long, global = true)]
    pub database_url: Option<String>,
    /// Redis URL for cross-node fan-out [env: PARLEY_REDIS_URL].
    #[arg(long, global = true)]
    pub redis_url: Option<String>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the API server (migrates the database first).
    Serve,
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
        let overrides = Overrides {
            bind: self.bind.clone(),
            data_dir: self.data_dir.clone(),
            database_url: self.database_url.clone(),
            redis_url: self.redis_url.clone(),
        };
        Ok(Config::load(
            self.config.as_deref(),
            |k| std::env::var(k).ok(),
            overrides,
        )?)
    }
}
