//! Connecting to the database (SQLite or PostgreSQL, chosen by the URL) and migrating it.

use std::time::Duration;

use parley_migrations::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, Database, DatabaseConnection};

use crate::config::Config;
use crate::{Error, Result};

/// Opens the pool. SQLite gets WAL, a busy timeout and a single writer connection, because
/// SQLite admits one writer at a time and a pool of writers only trades waiting for
/// `database is locked` errors.
pub async fn connect(config: &Config) -> Result<DatabaseConnection> {
    let mut opts = ConnectOptions::new(config.database_url.clone());
    opts.sqlx_logging(false)
        .acquire_timeout(Duration::from_secs(5));
    if config.is_sqlite() {
        crate::config::create_data_dir(&config.data_dir)?;
        if let Some(path) = config.sqlite_path() {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                crate::config::create_data_dir(dir)?;
            }
            crate::config::private_database_file(&path)?;
        }
        opts.max_connections(1)
            .min_connections(1)
            .map_sqlx_sqlite_opts(|o| {
                o.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                    .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Normal)
                    .busy_timeout(Duration::from_secs(10))
                    .create_if_missing(true)
            });
    } else {
        opts.max_connections(20).min_connections(1);
    }
    Database::connect(opts).await.map_err(Error::from)
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
