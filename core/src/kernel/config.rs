//! Configuration: defaults < `parley.toml` < `PARLEY_*` environment < command-line flags.
//! Loaded and validated once at start-up; a bad value names its key.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use secrecy::SecretString;
use serde::Deserialize;

use crate::{Error, Result};

pub mod media;

/// Limits that apply to every tenant unless its own settings say otherwise.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// Largest accepted request body, in bytes.
    pub max_body_bytes: usize,
    /// Default longest message text, in characters (a tenant may lower or raise it up to `max_message_length_cap`).
    pub max_message_length: usize,
    /// Hard ceiling a tenant setting can reach.
    pub max_message_length_cap: usize,
    /// Largest `custom` object on a user, channel or message, in bytes of JSON.
    pub max_custom_bytes: usize,
    /// Largest lifetime of a user token minted by `POST /v1/tokens`, in seconds.
    pub max_token_ttl_s: u64,
    /// Requests per second a tenant server may make on one node (burst: twice that); 0: no limit.
    pub server_requests_per_second: u32,
    /// Requests per second one user may make on one node (burst: twice that); 0: no limit.
    pub user_requests_per_second: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_body_bytes: 256 * 1024,
            max_message_length: 5_000,
            max_message_length_cap: 20_000,
            max_custom_bytes: 8 * 1024,
            max_token_ttl_s: 30 * 24 * 3600,
            server_requests_per_second: 1_000,
            user_requests_per_second: 50,
        }
    }
}

/// The realtime gateway: connection caps, heartbeats, queues, typing and presence timing,
/// event retention.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RealtimeConfig {
    /// Open WebSocket and SSE connections one node accepts.
    pub max_connections: usize,
    /// Open connections one user may hold on one node.
    pub max_connections_per_user: usize,
    /// Events queued for one connection before it counts as too slow and is closed.
    pub send_queue: usize,
    /// Server heartbeat (WebSocket ping, SSE comment) interval.
    pub heartbeat_interval_ms: u64,
    /// A WebSocket client silent this long (no frame, no pong) is closed.
    pub idle_timeout_ms: u64,
    /// A `typing.start` not refreshed within this time ends with `typing.stop`.
    pub typing_timeout_ms: u64,
    /// A user whose last connection closed goes offline after this delay, unless back.
    pub presence_offline_delay_ms: u64,
    /// How long channel events are kept for `resume`.
    pub event_retention_s: u64,
    /// Most events one `resume` replays per channel; more answers `resume.failed`.
    pub max_resume_events: usize,
    /// Client frames per second per connection (burst: twice that) before frames are refused.
    pub client_frames_per_second: u32,
    /// Channels one connection may subscribe to.
    pub max_subscriptions: usize,
    /// How long a shutting-down node waits for connections to close.
    pub shutdown_grace_ms: u64,
    /// Write coalescing: an event for a connection written to less than this long ago waits
    /// until this long after that write, so a busy socket gets several events per write
    /// (0: write at once). A quiet connection is always written at once.
    pub write_delay_ms: u64,
}

impl Default for RealtimeConfig {
    fn default() -> Self {
        Self {
            max_connections: 100_000,
            max_connections_per_user: 20,
            send_queue: 512,
            heartbeat_interval_ms: 25_000,
            idle_timeout_ms: 75_000,
            typing_timeout_ms: 5_000,
            presence_offline_delay_ms: 2_000,
            event_retention_s: 7 * 24 * 3600,
            max_resume_events: 10_000,
            client_frames_per_second: 50,
            max_subscriptions: 1_000,
            shutdown_grace_ms: 5_000,
            write_delay_ms: 20,
        }
    }
}

/// The worker: job claiming, retries, webhook delivery, push endpoints.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WorkerConfig {
    /// Run the worker inside `parley serve` (off when separate `parley worker` processes do it).
    pub in_process: bool,
    /// Jobs one worker runs at once.
    pub concurrency: usize,
    /// How often an idle worker looks for due jobs (a local commit wakes it at once).
    pub poll_interval_ms: u64,
    /// A claimed job not finished within this time is claimed again by another worker.
    pub lease_s: u64,
    /// Attempts before a job is dead (with the default backoff: about a day).
    pub max_attempts: i32,
    /// Delay before the first retry; each next one is three times longer, up to the cap, ±25 %.
    pub retry_base_ms: u64,
    /// Longest delay between two attempts.
    pub retry_max_delay_ms: u64,
    /// Time limit of one webhook attempt.
    pub webhook_timeout_ms: u64,
    /// An endpoint with no success for this long is disabled.
    pub webhook_disable_after_s: u64,
    /// Allow webhook and hook URLs that resolve to private, loopback or link-local addresses.
    pub allow_private_urls: bool,
    /// How long finished deliveries stay in the delivery log.
    pub log_retention_s: u64,
    /// How long audit log entries are kept.
    pub audit_retention_s: u64,
    /// APNs base URL (default: Apple's, production or sandbox as the tenant's settings say).
    pub apns_url: Option<String>,
    /// FCM base URL (default: https://fcm.googleapis.com).
    pub fcm_url: Option<String>,
    /// Extra CA certificate (PEM) trusted for push connections, for private gateways.
    pub push_ca_file: Option<PathBuf>,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        Self {
            in_process: true,
            concurrency: 16,
            poll_interval_ms: 250,
            lease_s: 60,
            max_attempts: 14,
            retry_base_ms: 5_000,
            retry_max_delay_ms: 4 * 3600 * 1000,
            webhook_timeout_ms: 10_000,
            webhook_disable_after_s: 5 * 24 * 3600,
            allow_private_urls: false,
            log_retention_s: 7 * 24 * 3600,
            audit_retention_s: 365 * 24 * 3600,
            apns_url: None,
            fcm_url: None,
            push_ca_file: None,
        }
    }
}

/// Group commit of sends (see `messages::batch`).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WritesConfig {
    /// Most sends one transaction stores.
    pub batch_max_messages: usize,
    /// How long the writer waits for more sends after the first of a batch, in microseconds
    /// (0: it takes what is queued and writes at once; sends queue while a batch commits).
    pub batch_linger_us: u64,
}

impl Default for WritesConfig {
    fn default() -> Self {
        Self {
            batch_max_messages: 256,
            batch_linger_us: 0,
        }
    }
}

/// The whole configuration of a Parley node.
#[derive(Debug, Clone)]
pub struct Config {
    pub bind: SocketAddr,
    pub data_dir: PathBuf,
    /// Resolved: SQLite in the data dir when nothing else was given.
    pub database_url: String,
    /// PostgreSQL only: a read replica that history, channel lists, unread counts and
    /// replays read from (unset: the primary). SQLite reads from its own read connections.
    pub database_read_url: Option<String>,
    pub redis_url: Option<String>,
    /// Prefix of every Redis key and channel, so several Parley clusters can share one Redis.
    pub redis_prefix: String,
    /// Unset: generated on first start and written to `admin-token` in the data dir.
    pub admin_token: Option<SecretString>,
    /// Encrypts secrets at rest (webhook and push credentials). Unset: generated on first
    /// start into `master-key` in the data dir; every node and worker must share it.
    pub master_key: Option<SecretString>,
    pub limits: Limits,
    pub realtime: RealtimeConfig,
    pub worker: WorkerConfig,
    pub writes: WritesConfig,
    pub media: crate::kernel::config::media::MediaConfig,
    /// What time-bound rules (ban expiries, slow mode) read the time from.
    pub clock: crate::kernel::clock::Clock,
}

/// The file form of the configuration; every field optional.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FileConfig {
    pub bind: Option<String>,
    pub data_dir: Option<PathBuf>,
    pub database_url: Option<String>,
    pub database_read_url: Option<String>,
    pub redis_url: Option<String>,
    pub redis_prefix: Option<String>,
    pub admin_token: Option<String>,
    pub master_key: Option<String>,
    pub limits: Option<Limits>,
    pub realtime: Option<RealtimeConfig>,
    pub worker: Option<WorkerConfig>,
    pub writes: Option<WritesConfig>,
    pub media: Option<crate::kernel::config::media::MediaConfig>,
}

/// Values given on the command line; they win over everything.
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub bind: Option<String>,
    pub data_dir: Option<PathBuf>,
    pub database_url: Option<String>,
    pub redis_url: Option<String>,
    pub media: crate::kernel::config::media::MediaOverrides,
}

impl Config {
    /// Builds the configuration from an optional file, the environment (through `env`) and
    /// command-line overrides. `file` is read when given; otherwise `parley.toml` in the
    /// current directory is read if it exists.
    pub fn load(
        file: Option<&Path>,
        env: impl Fn(&str) -> Option<String>,
        cli: Overrides,
    ) -> Result<Self> {
        let from_file = match file {
            Some(path) => read_file(path)?,
            None if Path::new("parley.toml").exists() => read_file(Path::new("parley.toml"))?,
            None => FileConfig::default(),
        };
        let pick = |cli: Option<String>, key: &str, file: Option<String>| {
            cli.or_else(|| env(key).filter(|v| !v.is_empty())).or(file)
        };

        let bind_raw = pick(cli.bind, "PARLEY_BIND", from_file.bind)
            .unwrap_or_else(|| "127.0.0.1:8080".into());
        let bind = bind_raw.parse::<SocketAddr>().map_err(|e| {
            Error::invalid(format!(
                "config key `bind` (PARLEY_BIND): `{bind_raw}` is not an address:port ({e})"
            ))
        })?;
        let data_dir = cli
            .data_dir
            .or_else(|| {
                env("PARLEY_DATA_DIR")
                    .filter(|v| !v.is_empty())
                    .map(PathBuf::from)
            })
            .or(from_file.data_dir)
            .unwrap_or_else(|| PathBuf::from("./parley-data"));
        let database_url = pick(
            cli.database_url,
            "PARLEY_DATABASE_URL",
            from_file.database_url,
        )
        .unwrap_or_else(|| format!("sqlite://{}?mode=rwc", data_dir.join("parley.db").display()));
        if !(database_url.starts_with("sqlite:")
            || database_url.starts_with("postgres://")
            || database_url.starts_with("postgresql://"))
        {
            return Err(Error::invalid(
                "config key `database_url` (PARLEY_DATABASE_URL): must start with sqlite: or postgres://",
            ));
        }
        let database_read_url = pick(
            None,
            "PARLEY_DATABASE_READ_URL",
            from_file.database_read_url,
        );
        if let Some(url) = &database_read_url
            && !(database_url.starts_with("postgres") && url.starts_with("postgres"))
        {
            return Err(Error::invalid(
                "config key `database_read_url` (PARLEY_DATABASE_READ_URL): a postgres:// \
                 replica of a PostgreSQL `database_url` (SQLite reads from its own file)",
            ));
        }
        let redis_url = pick(cli.redis_url, "PARLEY_REDIS_URL", from_file.redis_url);
        let redis_prefix = pick(None, "PARLEY_REDIS_PREFIX", from_file.redis_prefix)
            .unwrap_or_else(|| "parley".into());
        let admin_token = env("PARLEY_ADMIN_TOKEN")
            .filter(|v| !v.is_empty())
            .or(from_file.admin_token)
            .map(SecretString::from);
        let master_key = env("PARLEY_MASTER_KEY")
            .filter(|v| !v.is_empty())
            .or(from_file.master_key)
            .map(SecretString::from);
        let mut worker = from_file.worker.unwrap_or_default();
        let flag = |key: &str, name: &str| -> Result<Option<bool>> {
            match env(key).as_deref() {
                None | Some("") => Ok(None),
                Some("1" | "true" | "yes" | "on") => Ok(Some(true)),
                Some("0" | "false" | "no" | "off") => Ok(Some(false)),
                Some(v) => Err(Error::invalid(format!(
                    "config key `{name}` ({key}): `{v}` is not true or false"
                ))),
            }
        };
        if let Some(v) = flag("PARLEY_WORKER_IN_PROCESS", "worker.in_process")? {
            worker.in_process = v;
        }
        if let Some(v) = flag("PARLEY_ALLOW_PRIVATE_URLS", "worker.allow_private_urls")? {
            worker.allow_private_urls = v;
        }
        if let Some(v) = env("PARLEY_APNS_URL").filter(|v| !v.is_empty()) {
            worker.apns_url = Some(v);
        }
        if let Some(v) = env("PARLEY_FCM_URL").filter(|v| !v.is_empty()) {
            worker.fcm_url = Some(v);
        }
        if let Some(v) = env("PARLEY_PUSH_CA_FILE").filter(|v| !v.is_empty()) {
            worker.push_ca_file = Some(PathBuf::from(v));
        }
        if worker.concurrency == 0 || worker.max_attempts < 1 {
            return Err(Error::invalid(
                "config keys `worker.concurrency` and `worker.max_attempts`: must be at least 1",
            ));
        }
        let mut limits = from_file.limits.unwrap_or_default();
        if let Some(v) = env("PARLEY_MAX_BODY_BYTES") {
            limits.max_body_bytes = v.parse().map_err(|_| {
                Error::invalid(
                    "config key `limits.max_body_bytes` (PARLEY_MAX_BODY_BYTES): not a number",
                )
            })?;
        }
        if let Some(v) = env("PARLEY_MAX_MESSAGE_LENGTH") {
            limits.max_message_length = v.parse().map_err(|_| {
                Error::invalid("config key `limits.max_message_length` (PARLEY_MAX_MESSAGE_LENGTH): not a number")
            })?;
        }
        if limits.max_message_length == 0
            || limits.max_message_length > limits.max_message_length_cap
        {
            return Err(Error::invalid(
                "config key `limits.max_message_length`: must be between 1 and `limits.max_message_length_cap`",
            ));
        }
        let media = from_file.media.unwrap_or_default().layer(&env, cli.media)?;
        Ok(Self {
            bind,
            data_dir,
            database_url,
            database_read_url,
            redis_url,
            redis_prefix,
            admin_token,
            master_key,
            limits,
            realtime: from_file.realtime.unwrap_or_default(),
            worker,
            writes: from_file.writes.unwrap_or_default(),
            media,
            clock: crate::kernel::clock::Clock::system(),
        })
    }

    /// A configuration for tests and embedding: SQLite or the given URL, port 0.
    pub fn for_tests(data_dir: PathBuf, database_url: Option<String>) -> Self {
        let database_url = database_url.unwrap_or_else(|| {
            format!("sqlite://{}?mode=rwc", data_dir.join("parley.db").display())
        });
        Self {
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            data_dir,
            database_url,
            database_read_url: None,
            redis_url: None,
            redis_prefix: "parley".into(),
            admin_token: None,
            master_key: None,
            limits: Limits::default(),
            // Short timers keep the tests of typing expiry and presence quick.
            realtime: RealtimeConfig {
                typing_timeout_ms: 600,
                presence_offline_delay_ms: 300,
                ..RealtimeConfig::default()
            },
            // Quick retries, and webhook receivers on loopback.
            worker: WorkerConfig {
                poll_interval_ms: 100,
                retry_base_ms: 100,
                retry_max_delay_ms: 1_000,
                webhook_timeout_ms: 2_000,
                allow_private_urls: true,
                ..WorkerConfig::default()
            },
            writes: WritesConfig::default(),
            media: Default::default(),
            // Tests move it forward instead of sleeping.
            clock: crate::kernel::clock::Clock::adjustable(),
        }
    }

    pub fn is_sqlite(&self) -> bool {
        self.database_url.starts_with("sqlite:")
    }

    /// The SQLite database file, when the database is a file.
    pub fn sqlite_path(&self) -> Option<PathBuf> {
        let rest = self.database_url.strip_prefix("sqlite:")?;
        let rest = rest.strip_prefix("//").unwrap_or(rest);
        let path = rest.split('?').next().unwrap_or_default();
        (!path.is_empty() && path != ":memory:").then(|| PathBuf::from(path))
    }
}

/// Creates the data directory (and its parents) readable by this user alone (0700): it holds
/// the database, the keys and the media.
pub fn create_data_dir(dir: &Path) -> Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder
        .create(dir)
        .map_err(|e| Error::invalid(format!("cannot create data dir {}: {e}", dir.display())))
}

/// Creates the SQLite database file readable by this user alone (0600), or narrows an
/// existing one to that; SQLite gives its `-wal` and `-shm` files the database file's mode.
pub fn private_database_file(path: &Path) -> Result<()> {
    let io = |e: std::io::Error| {
        Error::invalid(format!(
            "cannot prepare database file {}: {e}",
            path.display()
        ))
    };
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        opts.mode(0o600);
        let file = opts.open(path).map_err(io)?;
        let mode = file.metadata().map_err(io)?.permissions().mode();
        if mode & 0o077 != 0 {
            file.set_permissions(std::fs::Permissions::from_mode(0o600))
                .map_err(io)?;
            for suffix in ["-wal", "-shm"] {
                let mut side = path.as_os_str().to_owned();
                side.push(suffix);
                let _ = std::fs::set_permissions(&side, std::fs::Permissions::from_mode(0o600));
            }
        }
    }
    #[cfg(not(unix))]
    opts.open(path).map_err(io)?;
    Ok(())
}

fn read_file(path: &Path) -> Result<FileConfig> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::invalid(format!("cannot read config file {}: {e}", path.display())))?;
    toml::from_str(&text)
        .map_err(|e| Error::invalid(format!("config file {}: {e}", path.display())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_beats_file_and_cli_beats_env() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("parley.toml");
        std::fs::write(
            &file,
            "bind = \"127.0.0.1:7000\"\n[limits]\nmax_message_length = 100\n",
        )
        .unwrap();
        let env = |k: &str| (k == "PARLEY_BIND").then(|| "127.0.0.1:7001".to_string());
        let cfg = Config::load(Some(&file), env, Overrides::default()).unwrap();
        assert_eq!(cfg.bind.port(), 7001);
        assert_eq!(cfg.limits.max_message_length, 100);
        let cli = Overrides {
            bind: Some("127.0.0.1:7002".into()),
            ..Default::default()
        };
        let cfg = Config::load(Some(&file), env, cli).unwrap();
        assert_eq!(cfg.bind.port(), 7002);
    }

    #[test]
    fn unknown_key_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("parley.toml");
        std::fs::write(&file, "bnd = \"x\"\n").unwrap();
        let err = Config::load(Some(&file), |_| None, Overrides::default()).unwrap_err();
        assert!(err.detail.contains("bnd"), "{}", err.detail);
    }

    #[test]
    fn bad_bind_names_the_key() {
        let err = Config::load(
            None,
            |k| (k == "PARLEY_BIND").then(|| "nope".into()),
            Overrides::default(),
        )
        .unwrap_err();
        assert!(err.detail.contains("PARLEY_BIND"));
    }
}
