//! Starting the server under test as its own process (Parley from this very binary, or a peer
//! through `bench/peers/run.sh`), and reading its CPU time and memory from `/proc/<pid>`.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use anyhow::{Context, bail};
use tokio::process::{Child, Command};

use crate::Target;

pub const ADMIN_TOKEN: &str = "adm_bench";

/// One master key (32 bytes, base64) for every node the generator starts: the nodes of a cluster
/// share a database, and Parley refuses to start with a key other than the database's.
const MASTER_KEY: &str = "YmVuY2gtbWFzdGVyLWtleS0wMTIzNDU2Nzg5YWJjZGU=";

/// A running server process.
pub struct Server {
    pub child: Child,
    pub pid: u32,
    pub port: u16,
    pub base: String,
    _dir: Option<tempfile::TempDir>,
}

/// CPU time and memory of a process.
#[derive(Debug, Clone, Copy, Default)]
pub struct ProcStats {
    pub cpu_s: f64,
    pub rss_kib: u64,
    pub peak_rss_kib: u64,
}

fn clock_ticks() -> f64 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100.0)
}

pub fn proc_stats(pid: u32) -> anyhow::Result<ProcStats> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    // Fields after the command name (which may contain spaces) start after the last ')'.
    let rest = stat
        .rsplit_once(')')
        .map(|(_, r)| r)
        .context("stat format")?;
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = clock_ticks();
    let utime: f64 = f.get(11).context("utime")?.parse()?;
    let stime: f64 = f.get(12).context("stime")?.parse()?;
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let kib = |key: &str| -> u64 {
        status
            .lines()
            .find(|l| l.starts_with(key))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    Ok(ProcStats {
        cpu_s: (utime + stime) / ticks,
        rss_kib: kib("VmRSS:"),
        peak_rss_kib: kib("VmHWM:"),
    })
}

pub fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// Options for a Parley server started by the generator.
#[derive(Debug, Clone, Default)]
pub struct ParleyOptions {
    pub database_url: Option<String>,
    pub redis_url: Option<String>,
    pub redis_prefix: Option<String>,
    /// More environment for the server: settings only one scenario needs.
    pub env: Vec<(String, String)>,
    /// `[realtime] heartbeat_interval_ms` (default: the server's).
    pub heartbeat_interval_ms: Option<u64>,
    /// `[realtime] idle_timeout_ms` (default: the server's).
    pub idle_timeout_ms: Option<u64>,
}

async fn wait_listening(port: u16, child: &mut Child) -> anyhow::Result<()> {
    for _ in 0..300 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return Ok(());
        }
        if let Some(status) = child.try_wait()? {
            bail!("server exited early: {status}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    bail!("server did not listen on {port}")
}

impl Server {
    pub async fn start(target: Target, opts: &ParleyOptions) -> anyhow::Result<Self> {
        let port = free_port()?;
        let (mut child, dir) = match target {
            Target::Parley => {
                let dir = tempfile::tempdir()?;
                let config = dir.path().join("parley.toml");
                let mut toml = String::from(
                    "[limits]\nserver_requests_per_second = 0\nuser_requests_per_second = 0\n\
                     [realtime]\nmax_connections_per_user = 1000\nclient_frames_per_second = 100000\n",
                );
                // PARLEY_BENCH_WRITE_DELAY_MS overrides the server's write coalescing window.
                if let Ok(d) = std::env::var("PARLEY_BENCH_WRITE_DELAY_MS") {
                    toml.push_str(&format!("write_delay_ms = {d}\n"));
                }
                if let Some(ms) = opts.heartbeat_interval_ms {
                    toml.push_str(&format!("heartbeat_interval_ms = {ms}\n"));
                }
                if let Some(ms) = opts.idle_timeout_ms {
                    toml.push_str(&format!("idle_timeout_ms = {ms}\n"));
                }
                std::fs::write(&config, toml)?;
                // PARLEY_BENCH_SERVER_WRAPPER runs the server under a profiler, e.g.
                // `heaptrack` (its output lands in the working directory).
                let mut cmd = match std::env::var_os("PARLEY_BENCH_SERVER_WRAPPER") {
                    Some(wrapper) => {
                        let mut c = Command::new(wrapper);
                        c.arg(std::env::current_exe()?);
                        c
                    }
                    None => Command::new(std::env::current_exe()?),
                };
                cmd.arg("server")
                    .arg("--config")
                    .arg(&config)
                    .arg("serve")
                    .env("PARLEY_BIND", format!("127.0.0.1:{port}"))
                    .env("PARLEY_DATA_DIR", dir.path())
                    .env("PARLEY_ADMIN_TOKEN", ADMIN_TOKEN)
                    .env("PARLEY_MASTER_KEY", MASTER_KEY)
                    .env("PARLEY_LOG", "warn");
                if let Ok(w) = std::env::var("PARLEY_WORKERS") {
                    cmd.env("PARLEY_WORKERS", w);
                }
                if let Some(db) = &opts.database_url {
                    cmd.env("PARLEY_DATABASE_URL", db);
                }
                if let Some(r) = &opts.redis_url {
                    cmd.env("PARLEY_REDIS_URL", r);
                }
                if let Some(p) = &opts.redis_prefix {
                    cmd.env("PARLEY_REDIS_PREFIX", p);
                }
                cmd.envs(opts.env.iter().map(|(k, v)| (k, v)));
                (
                    cmd.stdout(Stdio::null()).kill_on_drop(true).spawn()?,
                    Some(dir),
                )
            }
            peer => {
                let script = peers_dir().join("run.sh");
                let child = Command::new("bash")
                    .arg(&script)
                    .arg("start")
                    .arg(peer.name())
                    .arg(port.to_string())
                    .stdout(Stdio::null())
                    .kill_on_drop(true)
                    .spawn()
                    .with_context(|| format!("starting {}", script.display()))?;
                (child, None)
            }
        };
        wait_listening(port, &mut child).await?;
        let pid = child.id().context("server pid")?;
        Ok(Self {
            child,
            pid,
            port,
            base: format!("http://127.0.0.1:{port}"),
            _dir: dir,
        })
    }

    pub fn stats(&self) -> ProcStats {
        proc_stats(self.pid).unwrap_or_default()
    }

    pub async fn kill(mut self) {
        let _ = self.child.start_kill();
        let _ = self.child.wait().await;
    }
}

/// Where the peer servers live: `PARLEY_BENCH_PEERS`, or `bench/peers` next to the workspace.
pub fn peers_dir() -> PathBuf {
    std::env::var_os("PARLEY_BENCH_PEERS").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("peers"),
        PathBuf::from,
    )
}
