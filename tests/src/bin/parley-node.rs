//! The `parley` command, built inside this package so the multi-node tests can start real
//! server processes (`CARGO_BIN_EXE_parley-node`).

use clap::Parser;
use parley_api::cli::{Cli, init_tracing, install_crypto_provider, run};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    install_crypto_provider();
    init_tracing();
    run(Cli::parse()).await
}
