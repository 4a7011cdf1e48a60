//! `parley`: one binary for the server and its tools.

use clap::Parser;
use parley_api::cli::{Cli, init_tracing, install_crypto_provider, run};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    install_crypto_provider();
    init_tracing();
    run(Cli::parse()).await
}
