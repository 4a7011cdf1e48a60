//! `parley-bench`: a load generator that speaks Parley's protocol (and its peers') over many
//! real WebSocket connections, and the benchmark scenarios. See bench/README.md.

mod metrics;
mod proto;
mod receiver;
mod scenarios;
mod server;
mod setup;

use clap::{Parser, Subcommand, ValueEnum};
use scenarios::Report;
use server::ParleyOptions;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Target {
    Parley,
    Socketio,
    Flask,
    Ceiling,
}

impl Target {
    pub fn name(self) -> &'static str {
        match self {
            Self::Parley => "parley",
            Self::Socketio => "socketio",
            Self::Flask => "flask",
            Self::Ceiling => "ceiling",
        }
    }
}

#[derive(Debug, Parser)]
#[command(
    name = "parley-bench",
    about = "Load generator and benchmark scenarios for Parley"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Clone, clap::Args)]
pub struct Common {
    /// The server under test (the generator starts it).
    #[arg(long, value_enum, default_value = "parley")]
    pub target: Target,
    /// Seconds per step.
    #[arg(long = "duration", default_value_t = 5.0)]
    pub duration_s: f64,
    /// Milliseconds to wait after a step for late deliveries.
    #[arg(long, default_value_t = 1000)]
    pub grace_ms: u64,
    /// A step whose p99 exceeds this (ms) ends the run (default 50; webhooks: 1000).
    #[arg(long = "p99-bound")]
    pub p99_bound_ms: Option<f64>,
    /// Spread connections over 127.0.0.1 .. 127.0.0.N.
    #[arg(long, default_value_t = 16)]
    pub source_ips: usize,
    /// Parley's database (default: SQLite in a temp dir).
    #[arg(long)]
    pub database_url: Option<String>,
    /// Redis for Parley (required by `cluster`).
    #[arg(long)]
    pub redis_url: Option<String>,
    /// Parley's WebSocket ping interval in ms (default: the server's, 25,000).
    #[arg(long)]
    pub heartbeat_interval_ms: Option<u64>,
    /// Parley closes a WebSocket that sent nothing, not even a pong, for this long, in ms
    /// (default: the server's, 75,000). A short one shows sockets left unread.
    #[arg(long)]
    pub idle_timeout_ms: Option<u64>,
    /// Print the report as JSON on stdout.
    #[arg(long)]
    pub json: bool,
    #[arg(skip)]
    pub parley: ParleyOptions,
}

/// `--via ws` (true) or `--via rest` (false).
fn via_ws(via: &str) -> anyhow::Result<bool> {
    match via {
        "ws" => Ok(true),
        "rest" => Ok(false),
        other => anyhow::bail!("--via must be rest or ws, not {other}"),
    }
}

fn rates(s: &str) -> Vec<f64> {
    s.split(',').filter_map(|r| r.trim().parse().ok()).collect()
}

#[derive(Debug, Subcommand)]
enum Command {
    /// One channel, N subscribers, one sender at increasing rates.
    Fanout {
        #[command(flatten)]
        common: Common,
        #[arg(long, default_value_t = 1000)]
        subscribers: usize,
        /// Messages per second, one step each.
        #[arg(long, default_value = "10,20,50,100,200,500,1000,2000")]
        rates: String,
    },
    /// Many small channels with random senders.
    Rooms {
        #[command(flatten)]
        common: Common,
        #[arg(long, default_value_t = 2500)]
        channels: usize,
        #[arg(long, default_value_t = 4)]
        members: usize,
        #[arg(long, default_value = "100,200,500,1000,2000,5000")]
        rates: String,
    },
    /// Idle authenticated connections: server memory per connection.
    Idle {
        #[command(flatten)]
        common: Common,
        #[arg(long, default_value_t = 1000)]
        connections: usize,
    },
    /// Persisted sends per second (REST or WebSocket), on SQLite or PostgreSQL.
    Send {
        #[command(flatten)]
        common: Common,
        /// `rest` or `ws`.
        #[arg(long, default_value = "rest")]
        via: String,
        #[arg(long, default_value_t = 16)]
        concurrency: usize,
        /// Channels the senders are spread over, round-robin (1: every sender writes into the
        /// same channel).
        #[arg(long, default_value_t = 1)]
        channels: usize,
    },
    /// Sends at a fixed rate into one channel while readers fetch its newest history page
    /// (50 messages) in a loop: send and history latency under a mixed load.
    Mixed {
        #[command(flatten)]
        common: Common,
        /// `rest` or `ws`.
        #[arg(long, default_value = "ws")]
        via: String,
        /// Senders sharing the send rate, each waiting for its answer.
        #[arg(long, default_value_t = 16)]
        concurrency: usize,
        /// Messages per second in total, over all senders.
        #[arg(long, default_value_t = 200.0)]
        send_rate: f64,
        /// Readers fetching `GET /v1/channels/messaging/bench/messages?limit=50`.
        #[arg(long, default_value_t = 4)]
        readers: usize,
        /// History pages per second over all readers (unset: each reader back to back), so
        /// the reads do not take the senders' share of the machine.
        #[arg(long)]
        read_rate: Option<f64>,
    },
    /// Fan-out across several Parley nodes sharing PostgreSQL and Redis.
    Cluster {
        #[command(flatten)]
        common: Common,
        #[arg(long, default_value_t = 3)]
        nodes: usize,
        #[arg(long, default_value_t = 1000)]
        subscribers: usize,
        #[arg(long, default_value = "10,20,50,100,200,500,1000")]
        rates: String,
    },
    /// Webhook deliveries through the worker: REST sends at increasing rates, spread over
    /// channels, delivered to a receiver in this process.
    Webhooks {
        #[command(flatten)]
        common: Common,
        #[arg(long, default_value_t = 10)]
        channels: usize,
        /// Messages per second, one step each.
        #[arg(long, default_value = "50,100,200,500,1000")]
        rates: String,
    },
    /// Runs Parley itself (used by the generator to start the server under test).
    #[command(hide = true)]
    Server {
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
}

fn print(report: &Report, json: bool) -> anyhow::Result<()> {
    if json {
        println!("{}", serde_json::to_string_pretty(report)?);
        return Ok(());
    }
    println!(
        "\n{} / {}  {}",
        report.scenario, report.target, report.params
    );
    println!(
        "| {:<28} | {:>9} | {:>14} | {:>8} | {:>8} | {:>8} | {:>8} | {:>10} | {:>9} | {:>3} |",
        "step",
        "rate/s",
        "deliveries/s",
        "p50 ms",
        "p90 ms",
        "p99 ms",
        "max ms",
        "CPU µs/dl",
        "RSS MiB",
        "ok"
    );
    println!(
        "|{:-<30}|{:-<11}|{:-<16}|{:-<10}|{:-<10}|{:-<10}|{:-<10}|{:-<12}|{:-<11}|{:-<5}|",
        "", "", "", "", "", "", "", "", "", ""
    );
    for r in &report.rows {
        println!(
            "| {:<28} | {:>9.0} | {:>14.0} | {:>8.2} | {:>8.2} | {:>8.2} | {:>8.2} | {:>10.2} | {:>9.1} | {:>3} |",
            r.label,
            r.rate,
            r.deliveries_per_s,
            r.latency.p50_ms,
            r.latency.p90_ms,
            r.latency.p99_ms,
            r.latency.max_ms,
            r.server_cpu_us_per_delivery,
            r.server_rss_mib,
            if r.ok { "yes" } else { "no" }
        );
    }
    if let Some(best) = report
        .rows
        .iter()
        .filter(|r| r.ok && r.rate > 0.0)
        .max_by(|a, b| a.deliveries_per_s.total_cmp(&b.deliveries_per_s))
    {
        println!(
            "sustained: {:.0} deliveries/s at {:.0} msg/s with p99 {:.2} ms",
            best.deliveries_per_s, best.rate, best.latency.p99_ms
        );
    }
    for n in &report.notes {
        println!("note: {n}");
    }
    Ok(())
}

fn with_parley(mut c: Common) -> Common {
    c.parley = ParleyOptions {
        database_url: c.database_url.clone(),
        redis_url: c.redis_url.clone(),
        redis_prefix: Some(format!("bench-{}", std::process::id())),
        env: Vec::new(),
        heartbeat_interval_ms: c.heartbeat_interval_ms,
        idle_timeout_ms: c.idle_timeout_ms,
    };
    c
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    // Tens of thousands of sockets: take the whole open-files allowance.
    let _ = rlimit::increase_nofile_limit(u64::MAX);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let report = match cli.command {
            Command::Server { args } => {
                let mut argv = vec!["parley".to_owned()];
                argv.extend(args);
                let parsed = parley_api::cli::Cli::parse_from(argv);
                parley_api::cli::init_tracing();
                return parley_api::cli::run(parsed).await;
            }
            Command::Fanout {
                common,
                subscribers,
                rates: r,
            } => {
                let c = with_parley(common);
                let report = scenarios::fanout(&c, subscribers, &rates(&r), 1).await?;
                (report, c.json)
            }
            Command::Rooms {
                common,
                channels,
                members,
                rates: r,
            } => {
                let c = with_parley(common);
                (
                    scenarios::rooms(&c, channels, members, &rates(&r)).await?,
                    c.json,
                )
            }
            Command::Idle {
                common,
                connections,
            } => {
                let c = with_parley(common);
                (scenarios::idle(&c, connections).await?, c.json)
            }
            Command::Send {
                common,
                via,
                concurrency,
                channels,
            } => {
                let c = with_parley(common);
                (
                    scenarios::send(&c, via_ws(&via)?, concurrency, channels).await?,
                    c.json,
                )
            }
            Command::Mixed {
                common,
                via,
                concurrency,
                send_rate,
                readers,
                read_rate,
            } => {
                let c = with_parley(common);
                (
                    scenarios::mixed(
                        &c,
                        via_ws(&via)?,
                        concurrency,
                        send_rate,
                        readers,
                        read_rate,
                    )
                    .await?,
                    c.json,
                )
            }
            Command::Cluster {
                common,
                nodes,
                subscribers,
                rates: r,
            } => {
                let c = with_parley(common);
                anyhow::ensure!(c.redis_url.is_some(), "cluster needs --redis-url");
                anyhow::ensure!(
                    c.database_url
                        .as_deref()
                        .is_some_and(|u| u.starts_with("postgres")),
                    "cluster needs --database-url postgres://…"
                );
                (
                    scenarios::fanout(&c, subscribers, &rates(&r), nodes).await?,
                    c.json,
                )
            }
            Command::Webhooks {
                common,
                channels,
                rates: r,
            } => {
                let c = with_parley(common);
                (scenarios::webhooks(&c, channels, &rates(&r)).await?, c.json)
            }
        };
        print(&report.0, report.1)
    })
}
