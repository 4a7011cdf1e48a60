//! `parley`: one binary for the server and its tools.

use clap::Parser;
use parley_api::cli::{Cli, init_tracing, run};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    init_tracing();
    run(Cli::parse()).await
}
