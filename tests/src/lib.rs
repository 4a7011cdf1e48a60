//! Test harness: starts a real Parley server in process on a free port, against SQLite in a
//! temp dir or a fresh PostgreSQL database (created here, dropped when the app is dropped),
//! and gives typed helpers around a real HTTP client.
//!
//! PostgreSQL: `PARLEY_TEST_POSTGRES_URL` (default `postgres://postgres@127.0.0.1:5432/postgres`)
//! names a database the tests may connect to and create databases from.

// Test support: a failed setup step should stop the test loudly.
#![allow(clippy::expect_used, clippy::unwrap_used)]

pub mod realtime;
pub mod s3;
pub mod standins;
pub mod webhooks;

use std::net::SocketAddr;

use parley_api::startup::{Running, ServeOptions, spawn};
use parley_core::kernel::config::Config;
use reqwest::{Method, RequestBuilder, StatusCode};
use sea_orm::{ConnectionTrait, Database};
use secrecy::ExposeSecret;
use serde_json::{Value, json};

/// The master key of in-process test nodes (32 bytes, base64).
pub const TEST_MASTER_KEY: &str = "dGVzdC1ub2Rlcy1zaGFyZS10aGlzLW1hc3Rlci1rZXk=";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub fn postgres_admin_url() -> String {
    std::env::var("PARLEY_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// A PostgreSQL database made for one test and dropped after it.
pub struct PgDatabase {
    admin_url: String,
    name: String,
}

impl PgDatabase {
    pub async fn create() -> (Self, String) {
        let admin_url = postgres_admin_url();
        let name = format!("parley_test_{}", uuid::Uuid::new_v4().simple());
        let admin = Database::connect(&admin_url).await.unwrap_or_else(|e| {
            panic!("PostgreSQL at {admin_url} is needed for the postgres tests: {e}")
        });
        admin
            .execute_unprepared(&format!("CREATE DATABASE {name}"))
            .await
            .expect("create test database");
        let _ = admin.close().await;
        let base = admin_url
            .rsplit_once('/')
            .map_or(admin_url.as_str(), |(b, _)| b)
            .to_owned();
        let url = format!("{base}/{name}");
        (Self { admin_url, name }, url)
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        let admin_url = self.admin_url.clone();
        let name = self.name.clone();
        // Drop runs outside async code: use a private runtime on a plain thread.
        let _ = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(async move {
                if let Ok(admin) = Database::connect(&admin_url).await {
                    let _ = admin
                        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .await;
                    let _ = admin.close().await;
                }
            });
        })
        .join();
    }
}

/// A running Parley with an HTTP client pointed at it.
pub struct TestApp {
    pub backend: Backend,
    pub addr: SocketAddr,
    pub base: String,
    pub client: reqwest::Client,
    pub admin_token: String,
    pub running: Option<Running>,
    pub data_dir: tempfile::TempDir,
    /// The node's clock for time-bound rules (ban expiries, slow mode): tests move it
    /// forward instead of sleeping.
    pub clock: parley_core::kernel::clock::Clock,
    _pg: Option<PgDatabase>,
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> Self {
        Self::spawn_with(backend, |_| {}).await
    }

    /// Starts with a configuration adjusted by `tweak` (limits, tokens…).
    pub async fn spawn_with(backend: Backend, tweak: impl FnOnce(&mut Config)) -> Self {
        let (pg, url) = match backend {
            Backend::Sqlite => (None, None),
            Backend::Postgres => {
                let (db, url) = PgDatabase::create().await;
                (Some(db), Some(url))
            }
        };
        let mut app = Self::spawn_on(url, tweak).await;
        app._pg = pg;
        app.backend = backend;
        app
    }

    /// Starts a node on an existing database (several nodes may share one).
    pub async fn spawn_on(database_url: Option<String>, tweak: impl FnOnce(&mut Config)) -> Self {
        let backend = if database_url.is_some() {
            Backend::Postgres
        } else {
            Backend::Sqlite
        };
        let pg = None;
        parley_api::cli::install_crypto_provider();
        let data_dir = tempfile::tempdir().expect("temp dir");
        let mut config = Config::for_tests(data_dir.path().to_path_buf(), database_url);
        // Nodes that share a database share the key its secrets are sealed with.
        config.master_key = Some(TEST_MASTER_KEY.into());
        tweak(&mut config);
        let clock = config.clock.clone();
        let running = spawn(
            config,
            ServeOptions {
                workers: 1,
                handle_signals: false,
            },
        )
        .await
        .expect("start parley");
        let addr = running.addr;
        Self {
            backend,
            addr,
            base: format!("http://{addr}"),
            client: reqwest::Client::new(),
            admin_token: running.admin_token.expose_secret().to_owned(),
            running: Some(running),
            data_dir,
            clock,
            _pg: pg,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.client.request(method, self.url(path))
    }

    pub fn admin(&self, method: Method, path: &str) -> RequestBuilder {
        self.request(method, path).bearer_auth(&self.admin_token)
    }

    /// Creates a tenant through the operator API.
    /// The same tenant, reached through this node.
    pub fn on(&self, tenant: &Tenant) -> Tenant {
        Tenant {
            app_base: self.base.clone(),
            ..tenant.clone()
        }
    }

    pub async fn tenant(&self, name: &str) -> Tenant {
        let (status, body) = send(
            self.admin(Method::POST, "/admin/v1/tenants")
                .json(&json!({ "name": name })),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        Tenant {
            app_base: self.base.clone(),
            client: self.client.clone(),
            id: body["tenant"]["id"].as_str().expect("tenant id").to_owned(),
            publishable_key: body["publishable_key"].as_str().expect("pk").to_owned(),
            secret_key: body["secret_key"].as_str().expect("sk").to_owned(),
            signing_secret: body["signing_secret"]
                .as_str()
                .expect("signing secret")
                .to_owned(),
        }
    }

    /// The node's own connection to its database, for checking rows a black-box answer
    /// cannot show (what a delete removed) and for writing rows no API can (old events).
    pub fn db(&self) -> &sea_orm::DatabaseConnection {
        &self.running.as_ref().expect("running").ctx.db
    }

    /// The database URL this node uses (another node may start on it).
    pub fn database_url(&self) -> String {
        self.running
            .as_ref()
            .expect("running")
            .ctx
            .config
            .database_url
            .clone()
    }

    /// Stops the server (for tests of what happens when it is gone).
    pub async fn stop(&mut self) {
        if let Some(r) = self.running.take() {
            r.stop().await;
        }
    }
}

/// A tenant with its keys.
#[derive(Clone)]
pub struct Tenant {
    pub app_base: String,
    pub client: reqwest::Client,
    pub id: String,
    pub publishable_key: String,
    pub secret_key: String,
    pub signing_secret: String,
}

impl Tenant {
    /// A request as the tenant server (secret key).
    pub fn server(&self, method: Method, path: &str) -> RequestBuilder {
        self.client
            .request(method, format!("{}{path}", self.app_base))
            .bearer_auth(&self.secret_key)
    }

    /// Creates (or replaces) a user with a display name.
    pub async fn create_user(&self, id: &str) -> Value {
        let (status, body) = send(
            self.server(Method::PUT, &format!("/v1/users/{id}"))
                .json(&json!({ "name": id })),
        )
        .await;
        assert!(status.is_success(), "{status} {body}");
        body
    }

    /// Creates messaging channel `id` with these members, through the server key.
    pub async fn create_messaging_channel(&self, id: &str, members: &[&str]) {
        let (status, body) = send(
            self.server(Method::POST, "/v1/channels")
                .json(&json!({"type": "messaging", "id": id, "members": members})),
        )
        .await;
        assert_eq!(status, 201, "{body}");
    }

    /// Mints a token through `POST /v1/tokens`.
    pub async fn token(&self, user_id: &str) -> String {
        let (status, body) = send(
            self.server(Method::POST, "/v1/tokens")
                .json(&json!({ "user_id": user_id })),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["token"].as_str().expect("token").to_owned()
    }

    /// A client acting as `user_id` (publishable key + user token).
    pub async fn user(&self, user_id: &str) -> User {
        User {
            id: user_id.to_owned(),
            token: self.token(user_id).await,
            tenant: self.clone(),
        }
    }

    /// A token signed locally with the tenant's signing secret and arbitrary claims.
    pub fn sign(&self, claims: &Value) -> String {
        jsonwebtoken::encode(
            &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
            claims,
            &jsonwebtoken::EncodingKey::from_secret(self.signing_secret.as_bytes()),
        )
        .expect("sign")
    }
}

/// A user session.
#[derive(Clone)]
pub struct User {
    pub id: String,
    pub token: String,
    pub tenant: Tenant,
}

impl User {
    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.tenant
            .client
            .request(method, format!("{}{path}", self.tenant.app_base))
            .header("X-Api-Key", &self.tenant.publishable_key)
            .bearer_auth(&self.token)
    }
}

/// Runs `SELECT COUNT(*) …` written with `?` placeholders (numbered for PostgreSQL).
pub async fn count(
    db: &sea_orm::DatabaseConnection,
    sql: &str,
    values: impl IntoIterator<Item = sea_orm::Value>,
) -> i64 {
    use sea_orm::{DbBackend, Statement};
    let backend = db.get_database_backend();
    let sql = match backend {
        DbBackend::Sqlite => sql.to_owned(),
        _ => {
            let mut n = 0;
            sql.chars()
                .map(|c| {
                    if c == '?' {
                        n += 1;
                        format!("${n}")
                    } else {
                        c.to_string()
                    }
                })
                .collect()
        }
    };
    let row = db
        .query_one_raw(Statement::from_sql_and_values(backend, sql.clone(), values))
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .expect("a count");
    row.try_get_by_index::<i64>(0).expect("a count")
}

/// Columns that name a user, wherever the schema has them: `user_id`, `target_id` (mutes) and
/// every `*_by` (`created_by`, `pinned_by`, `resolved_by`…) except those the delete registry
/// says name something else. For each such `table.column`, how many rows of `tenant_id` name
/// `user`. Read from the schema, so a column added later is counted without changing this;
/// the tables whose rows outlive the user (`owned::RETAINED`: the audit log) are left out.
pub async fn user_rows(
    db: &sea_orm::DatabaseConnection,
    tenant_id: &str,
    user: &str,
) -> std::collections::BTreeMap<String, i64> {
    use parley_core::entities::owned::NOT_USERS;
    let backend = db.get_database_backend();
    let columns = schema_columns(db).await;
    let tenant_tables: std::collections::BTreeSet<&str> = columns
        .iter()
        .filter(|(_, c)| c == "tenant_id")
        .map(|(t, _)| t.as_str())
        .collect();
    let names_a_user = |t: &str, c: &str| {
        (c == "user_id" || c == "target_id" || c.ends_with("_by")) && !NOT_USERS.contains(&(t, c))
    };
    let mut counts = std::collections::BTreeMap::new();
    for (table, column) in &columns {
        if !tenant_tables.contains(table.as_str()) || !names_a_user(table, column) {
            continue;
        }
        if parley_core::entities::owned::RETAINED.contains(&table.as_str()) {
            // The audit log keeps its record of the user (and of their delete).
            continue;
        }
        // Parley's own helper numbers the `?`s for PostgreSQL.
        let row = db
            .query_one_raw(parley_core::kernel::db::statement(
                backend,
                &format!(
                    "SELECT COUNT(*) AS n FROM \"{table}\" WHERE tenant_id = ? AND \"{column}\" = ?"
                ),
                vec![tenant_id.into(), user.into()],
            ))
            .await
            .expect("count rows")
            .expect("a count");
        let n: i64 = row.try_get("", "n").expect("count");
        counts.insert(format!("{table}.{column}"), n);
    }
    assert!(
        counts.len() >= 6,
        "the schema lost its user columns? {counts:?}"
    );
    counts
}

/// Every `(table, column)` of the live schema, read from the database itself.
pub async fn schema_columns(db: &sea_orm::DatabaseConnection) -> Vec<(String, String)> {
    use sea_orm::{DbBackend, Statement};
    let backend = db.get_database_backend();
    let sql = match backend {
        DbBackend::Sqlite => {
            "SELECT m.name AS t, p.name AS c FROM sqlite_master m JOIN pragma_table_info(m.name) p \
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' ORDER BY 1, 2"
        }
        _ => {
            "SELECT table_name::text AS t, column_name::text AS c FROM information_schema.columns \
             WHERE table_schema = current_schema() ORDER BY 1, 2"
        }
    };
    db.query_all_raw(Statement::from_string(backend, sql))
        .await
        .expect("read the schema")
        .into_iter()
        .map(|row| {
            (
                row.try_get("", "t").expect("table name"),
                row.try_get("", "c").expect("column name"),
            )
        })
        .collect()
}

/// How many rows of a channel each table holds: rows with its `cid`, and rows whose
/// `message_id` is one of `message_ids` (its messages, listed before a delete). The tables
/// are read from the schema.
pub async fn channel_rows(
    db: &sea_orm::DatabaseConnection,
    tenant_id: &str,
    cid: &str,
    message_ids: &[String],
) -> std::collections::BTreeMap<String, i64> {
    let backend = db.get_database_backend();
    let columns = schema_columns(db).await;
    let tenant_tables: std::collections::BTreeSet<&str> = columns
        .iter()
        .filter(|(_, c)| c == "tenant_id")
        .map(|(t, _)| t.as_str())
        .collect();
    let mut counts = std::collections::BTreeMap::new();
    for (table, column) in &columns {
        if !tenant_tables.contains(table.as_str()) {
            continue;
        }
        let wanted: Vec<sea_orm::Value> = match column.as_str() {
            "cid" => vec![cid.into()],
            "message_id" if !message_ids.is_empty() => {
                message_ids.iter().map(|m| m.as_str().into()).collect()
            }
            _ => continue,
        };
        let list = vec!["?"; wanted.len()].join(", ");
        let mut values: Vec<sea_orm::Value> = vec![tenant_id.into()];
        values.extend(wanted);
        // Parley's own helper numbers the `?`s for PostgreSQL.
        let row = db
            .query_one_raw(parley_core::kernel::db::statement(
                backend,
                &format!(
                    "SELECT COUNT(*) AS n FROM \"{table}\" WHERE tenant_id = ? AND \"{column}\" IN ({list})"
                ),
                values,
            ))
            .await
            .expect("count rows")
            .expect("a count");
        let n: i64 = row.try_get("", "n").expect("count");
        counts.insert(format!("{table}.{column}"), n);
    }
    counts
}

/// How many rows each table with a `tenant_id` column holds for `tenant_id`. The tables are
/// read from the schema, so a table added later is counted without changing this; the
/// tables whose rows outlive the tenant (`owned::RETAINED`: the audit log) are left out.
pub async fn tenant_rows(
    db: &sea_orm::DatabaseConnection,
    tenant_id: &str,
) -> std::collections::BTreeMap<String, i64> {
    use sea_orm::{DbBackend, Statement};
    let backend = db.get_database_backend();
    let tables_sql = match backend {
        DbBackend::Sqlite => {
            "SELECT m.name AS t FROM sqlite_master m JOIN pragma_table_info(m.name) p \
             WHERE m.type = 'table' AND p.name = 'tenant_id' ORDER BY m.name"
        }
        _ => {
            "SELECT table_name::text AS t FROM information_schema.columns \
             WHERE column_name = 'tenant_id' AND table_schema = current_schema() ORDER BY table_name"
        }
    };
    let tables = db
        .query_all_raw(Statement::from_string(backend, tables_sql))
        .await
        .expect("list tenant-scoped tables");
    let mut counts = std::collections::BTreeMap::new();
    for row in tables {
        let table: String = row.try_get("", "t").expect("table name");
        if parley_core::entities::owned::RETAINED.contains(&table.as_str()) {
            // The audit log keeps its record of the tenant (and of its delete).
            continue;
        }
        let param = match backend {
            DbBackend::Sqlite => "?",
            _ => "$1",
        };
        let row = db
            .query_one_raw(Statement::from_sql_and_values(
                backend,
                format!("SELECT COUNT(*) AS n FROM \"{table}\" WHERE tenant_id = {param}"),
                [tenant_id.into()],
            ))
            .await
            .expect("count rows")
            .expect("a count");
        let n: i64 = row.try_get("", "n").expect("count");
        counts.insert(table, n);
    }
    assert!(
        counts.len() >= 10,
        "the schema lost its tenant_id columns? {counts:?}"
    );
    counts
}

/// Waits until the outbox holds no job that is waiting or running: from then on the worker
/// sends nothing more, so a count of what a receiver got is final (a late duplicate would
/// come from a job still in the outbox).
pub async fn outbox_settled(db: &sea_orm::DatabaseConnection, timeout: std::time::Duration) {
    use sea_orm::Statement;
    eventually("the outbox settled", timeout, async || {
        let row = db
            .query_one_raw(Statement::from_string(
                db.get_database_backend(),
                "SELECT COUNT(*) AS n FROM outbox WHERE status IN ('pending', 'running')",
            ))
            .await
            .map_err(|e| e.to_string())?
            .expect("a count");
        let n: i64 = row.try_get("", "n").map_err(|e| e.to_string())?;
        (n == 0).then_some(()).ok_or(format!("{n} jobs left"))
    })
    .await;
}

/// Polls `check` every 50 ms until it gives a value; after `timeout` fails, naming `what` and
/// the last thing `check` saw.
pub async fn eventually<T>(
    what: &str,
    timeout: std::time::Duration,
    mut check: impl AsyncFnMut() -> Result<T, String>,
) -> T {
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        match check().await {
            Ok(v) => return v,
            Err(last) => assert!(
                tokio::time::Instant::now() < deadline,
                "{what} within {timeout:?}: {last}"
            ),
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// Sends and returns the status with the body as JSON (`null` when empty or not JSON).
pub async fn send(req: RequestBuilder) -> (StatusCode, Value) {
    let res = req.send().await.expect("request");
    let status = res.status();
    let text = res.text().await.unwrap_or_default();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// Asserts a problem+json error with the given status and code, and returns its body.
pub async fn expect_problem(req: RequestBuilder, status: u16, code: &str) -> Value {
    let res = req.send().await.expect("request");
    let got = res.status().as_u16();
    let ctype = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let text = res.text().await.unwrap_or_default();
    let body: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
    assert_eq!(got, status, "expected {status} {code}, got {got}: {text}");
    assert_eq!(body["code"], code, "{text}");
    assert_eq!(ctype, "application/problem+json", "{text}");
    assert_eq!(body["status"], status);
    assert!(
        body["title"].is_string() && body["detail"].is_string() && body["type"].is_string(),
        "{text}"
    );
    body
}

/// Declares each listed `async fn(TestApp)` as a test on SQLite and on PostgreSQL.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::TestApp::spawn($crate::Backend::Sqlite).await).await
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::TestApp::spawn($crate::Backend::Postgres).await).await
                }
            )*
        }
    };
}
