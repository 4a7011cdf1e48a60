//! Connecting to the database (SQLite or PostgreSQL, chosen by the URL) and migrating it.

use std::time::Duration;

use parley_migrations::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::SqliteConnectOptions;
use sea_orm::{ConnectOptions, Database, DatabaseConnection, DbErr, RuntimeErr};

use crate::kernel::config::Config;
use crate::kernel::error::ErrorCode;
use crate::{Error, Result};

/// A pooled PostgreSQL connection idle at least this long is pinged before it is handed out.
const PING_AFTER_IDLE: Duration = Duration::from_secs(30);

/// How pooled connections are checked before use. By default every checkout is pinged first,
/// one more round trip per statement outside a transaction: on SQLite a hand-off to the
/// connection's thread and back, for a file that cannot hang up. A PostgreSQL connection is
/// pinged only after sitting idle (where a server, proxy or firewall may have dropped it); a
/// busy one goes straight to its statement, and a broken one fails that statement instead.
fn check_on_checkout(opts: &mut ConnectOptions, sqlite: bool) {
    if sqlite {
        opts.test_before_acquire(false);
    } else {
        opts.test_before_acquire_if_idle_for(PING_AFTER_IDLE);
    }
}

/// Opens the pool. SQLite gets WAL, a busy timeout and a single writer connection, because
/// SQLite admits one writer at a time and a pool of writers only trades waiting for
/// `database is locked` errors.
pub async fn connect(config: &Config) -> Result<DatabaseConnection> {
    let mut opts = ConnectOptions::new(config.database_url.clone());
    opts.sqlx_logging(false)
        .acquire_timeout(Duration::from_secs(5));
    check_on_checkout(&mut opts, config.is_sqlite());
    if config.is_sqlite() {
        crate::kernel::config::create_data_dir(&config.data_dir)?;
        if let Some(path) = config.sqlite_path() {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                crate::kernel::config::create_data_dir(dir)?;
            }
            crate::kernel::config::private_database_file(&path)?;
        }
        opts.max_connections(1)
            .min_connections(1)
            .map_sqlx_sqlite_opts(|o| {
                o.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                    .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Normal)
                    .busy_timeout(Duration::from_secs(10))
                    .create_if_missing(true)
                    .pragma("temp_store", TEMP_STORE)
                    .pragma("wal_autocheckpoint", WAL_BACKSTOP_PAGES.to_string())
                    .statement_cache_capacity(WRITER_STATEMENTS)
            });
    } else {
        opts.max_connections(20).min_connections(1);
    }
    Database::connect(opts)
        .await
        .map_err(|e| explain_connect_error(&config.database_url, e))
}

/// Where SQLite keeps its temporary files: statement journals (a statement inside a
/// transaction that changes many rows, like a batch's insert of its messages, journals the
/// pages it changes so that it can be undone alone) and sorts. In memory, not in files: past
/// 64 KiB SQLite spills a statement journal to a file, and writing it took 7 % of the server's
/// CPU during sends. A statement journal lives only as long as its statement.
const TEMP_STORE: &str = "memory";

/// Compiled statements the writer keeps (sqlx's default is 100). A batch's statements (its
/// credentials, `seq`s, messages and events) are compiled once per number of sends in it, and
/// with the node's other writes they outgrew 100: compiling them again was 1.8 % of the
/// server's CPU during sends.
const WRITER_STATEMENTS: usize = 400;

/// How many pages SQLite's write-ahead log may hold before the writer checkpoints it itself,
/// at the end of a commit (SQLite's default is 1,000). The [`Checkpointer`] copies the log
/// into the database file beside the writer, so this is the backstop for when it falls
/// behind, and the point where the log starts again from its beginning: a log that is
/// always being appended to is only restarted by a writer that finds it fully copied, which
/// the writer's own checkpoint ensures. 10,000 pages are 40 MiB of log at most.
const WAL_BACKSTOP_PAGES: u32 = 10_000;

/// The least time between two background checkpoints: writes committed meanwhile are
/// copied together (a page written by several of them once), and the checkpointer's
/// `fsync`s stay at 200 a second at most.
const CHECKPOINT_PAUSE: Duration = Duration::from_millis(10);

/// The pause after a checkpoint that failed.
const CHECKPOINT_RETRY: Duration = Duration::from_secs(1);

/// SQLite's checkpoints, beside the writer. In WAL mode a commit appends pages to the log;
/// a checkpoint copies them into the database file and `fsync`s both. SQLite runs one at the
/// end of the commit that takes the log past its limit, on the writer's connection, and every
/// write waits meanwhile: under load that was a third of the writer's time. The checkpointer
/// runs them on a connection of its own instead, woken by commits
/// ([`wrote`](Self::wrote)) and at most every [`CHECKPOINT_PAUSE`]. Its checkpoints are
/// passive: they copy what no reader still needs and never make the writer or a reader wait.
/// It stops when the last handle is dropped.
#[derive(Clone)]
pub struct Checkpointer {
    wake: tokio::sync::mpsc::Sender<()>,
}

impl Checkpointer {
    /// Starts the checkpointer of a SQLite file (none for PostgreSQL, whose server does its
    /// own, or for an in-memory database, which has no log). Call after migrating.
    pub async fn start(config: &Config) -> Result<Option<Self>> {
        if config.sqlite_path().is_none() {
            return Ok(None);
        }
        let db = sqlite_beside_writer(config, 1, |o| {
            o.synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Normal)
        })
        .await?;
        let (wake, woken) = tokio::sync::mpsc::channel(1);
        tokio::spawn(checkpoint_after_commits(db, woken));
        Ok(Some(Self { wake }))
    }

    /// Something was committed: the log has pages to copy.
    pub fn wrote(&self) {
        // A full queue already holds a wake-up for these pages.
        let _ = self.wake.try_send(());
    }
}

async fn checkpoint_after_commits(
    db: DatabaseConnection,
    mut woken: tokio::sync::mpsc::Receiver<()>,
) {
    use sea_orm::ConnectionTrait;
    let checkpoint = sea_orm::Statement::from_string(
        sea_orm::DbBackend::Sqlite,
        "PRAGMA wal_checkpoint(PASSIVE)",
    );
    while woken.recv().await.is_some() {
        let pause = match db.execute_raw(checkpoint.clone()).await {
            Ok(_) => CHECKPOINT_PAUSE,
            Err(e) => {
                tracing::warn!(error = %e, "SQLite checkpoint failed; the writer's own takes over");
                // A failing disk fails every checkpoint: one warning a second is enough.
                CHECKPOINT_RETRY
            }
        };
        tokio::time::sleep(pause).await;
    }
}

/// Read connections on SQLite, beside its single writer.
const SQLITE_READERS: u32 = 4;

/// Opens the pool that reads which need no transaction use (history, channel lists, unread
/// counts, replays, authentication), so they do not queue behind writes. SQLite: read-only
/// connections to the same file (WAL lets them read while the writer writes; each statement
/// sees the last commit). PostgreSQL: the replica of `database_read_url`, or the primary's
/// pool itself. Call after migrating: the file must exist.
pub async fn connect_reads(
    config: &Config,
    primary: &DatabaseConnection,
) -> Result<DatabaseConnection> {
    if config.is_sqlite() {
        if config.sqlite_path().is_none() {
            // An in-memory database exists in its one connection only.
            return Ok(primary.clone());
        }
        return sqlite_beside_writer(config, SQLITE_READERS, |o| {
            o.read_only(true).pragma("temp_store", TEMP_STORE)
        })
        .await;
    }
    match &config.database_read_url {
        Some(url) => {
            let mut opts = ConnectOptions::new(url.clone());
            check_on_checkout(&mut opts, false);
            opts.sqlx_logging(false)
                .acquire_timeout(Duration::from_secs(5))
                .max_connections(20)
                .min_connections(1);
            Database::connect(opts)
                .await
                .map_err(|e| explain_connect_error(url, e))
        }
        None => Ok(primary.clone()),
    }
}

/// A pool of `connections` more connections to the SQLite file, beside the writer's: WAL,
/// the writer's busy timeout, no check on checkout, and what `options` adds for this pool.
async fn sqlite_beside_writer(
    config: &Config,
    connections: u32,
    options: impl Fn(SqliteConnectOptions) -> SqliteConnectOptions + Send + Sync + 'static,
) -> Result<DatabaseConnection> {
    let mut opts = ConnectOptions::new(config.database_url.clone());
    check_on_checkout(&mut opts, true);
    opts.sqlx_logging(false)
        .acquire_timeout(Duration::from_secs(5))
        .max_connections(connections)
        .min_connections(1)
        .map_sqlx_sqlite_opts(move |o| {
            options(
                o.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                    .busy_timeout(Duration::from_secs(10)),
            )
        });
    Database::connect(opts)
        .await
        .map_err(|e| explain_connect_error(&config.database_url, e))
}

/// Opening the pool happens at start-up, where "try again shortly" helps nobody: a database
/// that does not exist is a setup step not yet done (say how to do it), and an unreachable
/// one is named with its cause.
fn explain_connect_error(database_url: &str, err: DbErr) -> Error {
    let key = "config key `database_url` (PARLEY_DATABASE_URL)";
    let parsed = url::Url::parse(database_url).ok();
    let host = parsed
        .as_ref()
        .and_then(|u| u.host_str().map(str::to_owned))
        .unwrap_or_else(|| "localhost".into());
    let port = parsed.as_ref().and_then(url::Url::port).unwrap_or(5432);
    if let DbErr::Conn(RuntimeErr::SqlxError(e)) = &err
        && let sea_orm::sqlx::Error::Database(db) = e.as_ref()
        && db.code().as_deref() == Some("3D000")
    {
        let name = parsed
            .as_ref()
            .map(|u| u.path().trim_start_matches('/').to_owned())
            .unwrap_or_default();
        let user = parsed
            .as_ref()
            .map(|u| u.username().to_owned())
            .filter(|u| !u.is_empty())
            .unwrap_or_else(|| "postgres".into());
        return Error::invalid(format!(
            "{key}: database `{name}` does not exist on {host}:{port}; create it first, \
             e.g. `createdb -h {host} -p {port} -U {user} {name}` or, in psql, \
             `CREATE DATABASE \"{name}\";`"
        ));
    }
    match &err {
        DbErr::Conn(_) | DbErr::ConnectionAcquire(_) => Error {
            source: Some(err.to_string()),
            ..Error::new(
                ErrorCode::DatabaseUnavailable,
                if database_url.starts_with("sqlite:") {
                    format!("{key}: cannot open {database_url}: {err}")
                } else {
                    format!("{key}: cannot connect to the database on {host}:{port}: {err}")
                },
            )
            .with_retry_after(5)
        },
        _ => Error::from(err),
    }
}

/// Applies every pending migration.
pub async fn migrate(db: &DatabaseConnection) -> Result<()> {
    use sea_orm::{ConnectionTrait, TransactionTrait};
    if db.get_database_backend() != sea_orm::DatabaseBackend::Postgres {
        return Migrator::up(db, None).await.map_err(Error::from);
    }
    // Nodes and workers starting together on a fresh database take turns: the first applies
    // the migrations, the others wait for it and find nothing left to do.
    let txn = db.begin().await?;
    txn.execute_unprepared("SELECT pg_advisory_xact_lock(123563833845113)")
        .await?;
    Migrator::up(&txn, None).await?;
    txn.commit().await?;
    Ok(())
}

/// A raw statement written with `?` placeholders, numbered `$1, $2…` for PostgreSQL.
/// Used only where the query builder would obscure a query (grouped joins).
pub fn statement(
    backend: sea_orm::DatabaseBackend,
    sql: &str,
    values: Vec<sea_orm::Value>,
) -> sea_orm::Statement {
    let sql = if backend == sea_orm::DatabaseBackend::Postgres {
        let mut out = String::with_capacity(sql.len() + 8);
        let mut n = 0;
        for c in sql.chars() {
            if c == '?' {
                n += 1;
                out.push('$');
                out.push_str(&n.to_string());
            } else {
                out.push(c);
            }
        }
        out
    } else {
        sql.to_owned()
    };
    sea_orm::Statement::from_sql_and_values(backend, sql, values)
}

#[cfg(test)]
mod tests {
    use sea_orm::{ConnectionTrait, DbBackend, Statement};

    use super::*;

    /// A migrated SQLite file in a directory of its own, and its writer.
    async fn migrated() -> (tempfile::TempDir, Config, DatabaseConnection) {
        let dir = tempfile::tempdir().expect("dir");
        let config = Config::for_tests(dir.path().to_owned(), None);
        let writer = connect(&config).await.expect("writer");
        migrate(&writer).await.expect("migrate");
        (dir, config, writer)
    }

    async fn count(db: &DatabaseConnection, sql: &str) -> Option<i64> {
        let row = db
            .query_one_raw(Statement::from_string(DbBackend::Sqlite, sql))
            .await
            .ok()??;
        row.try_get_by_index::<i64>(0).ok()
    }

    /// A commit reaches the database file itself shortly after the checkpointer hears of it,
    /// long before the log reaches the writer's own checkpoint.
    #[tokio::test]
    async fn sqlite_commits_are_copied_into_the_database_file_beside_the_writer() {
        let (dir, config, writer) = migrated().await;
        assert_eq!(
            count(&writer, "PRAGMA wal_autocheckpoint").await,
            Some(i64::from(WAL_BACKSTOP_PAGES))
        );
        let checkpointer = Checkpointer::start(&config)
            .await
            .expect("start")
            .expect("a SQLite file has a checkpointer");
        // Whatever the migrations left in the log is copied first.
        checkpointer.wrote();
        tokio::time::sleep(Duration::from_millis(200)).await;
        writer
            .execute_unprepared("CREATE TABLE copied (n INTEGER); INSERT INTO copied VALUES (7)")
            .await
            .expect("write");
        checkpointer.wrote();
        // The database file alone, without its log: a copy of it opened elsewhere.
        let path = config.sqlite_path().expect("a file");
        let copy = dir.path().join("copy.db");
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        loop {
            std::fs::copy(&path, &copy).expect("copy");
            let mut opts = ConnectOptions::new(format!("sqlite://{}?mode=ro", copy.display()));
            opts.sqlx_logging(false);
            let alone = Database::connect(opts).await.expect("open the copy");
            let found = count(&alone, "SELECT n FROM copied").await;
            alone.close().await.expect("close");
            if found == Some(7) {
                break;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the commit is still only in the log"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// PostgreSQL checkpoints on its own; an in-memory database has no log.
    #[tokio::test]
    async fn only_a_sqlite_file_has_a_checkpointer() {
        let dir = tempfile::tempdir().expect("dir");
        let mut config = Config::for_tests(dir.path().to_owned(), None);
        config.database_url = "sqlite::memory:".into();
        assert!(Checkpointer::start(&config).await.expect("start").is_none());
        config.database_url = "postgres://postgres@127.0.0.1:1/none".into();
        assert!(Checkpointer::start(&config).await.expect("start").is_none());
    }

    /// Both pools keep SQLite's temporary files (statement journals, sorts) in memory.
    #[tokio::test]
    async fn sqlite_keeps_statement_journals_in_memory() {
        let (_dir, config, writer) = migrated().await;
        let reads = connect_reads(&config, &writer).await.expect("reads");
        for db in [&writer, &reads] {
            let row = db
                .query_one_raw(Statement::from_string(
                    DbBackend::Sqlite,
                    "PRAGMA temp_store",
                ))
                .await
                .expect("pragma")
                .expect("a row");
            // 2 is MEMORY (0 DEFAULT, 1 FILE).
            assert_eq!(row.try_get_by_index::<i32>(0).expect("value"), 2);
        }
    }
}
