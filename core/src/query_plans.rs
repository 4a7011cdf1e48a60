//! SQLite keeps no statistics, so it plans each query from its shape and the indexes alone.
//! The queries run for every connection and every unread count must look each table up by
//! more than the tenant: a step keyed by the tenant alone (or a scan) reads all of the
//! tenant's rows, and such a query grows slower the bigger the tenant.

use parley_migrations::{Migrator, MigratorTrait};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, DbBackend, Statement};

/// SQLite's plan for `stmt`, one line per step.
async fn sqlite_plan(db: &DatabaseConnection, stmt: Statement) -> Vec<String> {
    let explain = Statement::from_sql_and_values(
        DbBackend::Sqlite,
        format!("EXPLAIN QUERY PLAN {}", stmt.sql),
        stmt.values.map(|v| v.0).unwrap_or_default(),
    );
    db.query_all_raw(explain)
        .await
        .expect("explain")
        .iter()
        .map(|row| row.try_get_by_index::<String>(3).expect("detail"))
        .collect()
}

/// The subqueries a plan computes first (`CO-ROUTINE name`, `MATERIALIZE name`): scanning
/// one reads its own rows, not a table's.
fn subqueries(plan: &[String]) -> Vec<&str> {
    plan.iter()
        .filter_map(|s| {
            s.strip_prefix("CO-ROUTINE ")
                .or_else(|| s.strip_prefix("MATERIALIZE "))
        })
        .collect()
}

/// A scan of a table, or a search keyed by nothing more selective than the tenant (a
/// top-level message's `parent_id` is NULL, which most messages share).
fn walks_the_tenant(step: &str, subqueries: &[&str]) -> bool {
    if let Some(scanned) = step.strip_prefix("SCAN ") {
        return !subqueries.contains(&scanned);
    }
    let Some(key) = step
        .rsplit_once('(')
        .and_then(|(_, k)| k.strip_suffix(')'))
        .filter(|_| step.starts_with("SEARCH"))
    else {
        return false;
    };
    key.split(" AND ")
        .map(|term| term.split(['=', '>', '<']).next().unwrap_or_default())
        .all(|column| column == "tenant_id" || column == "parent_id")
}

#[tokio::test]
async fn user_keyed_queries_do_not_walk_the_tenant_on_sqlite() {
    let db = Database::connect("sqlite::memory:").await.expect("sqlite");
    Migrator::up(&db, None).await.expect("migrate");
    let one = ["messaging:a".to_owned()];
    let statements = [
        (
            "arrival: blocks, member cursors and presence audience (connect)",
            crate::realtime::arrival::statement(
                DbBackend::Sqlite,
                "t",
                "u",
                crate::realtime::arrival::Wanted {
                    cursors: true,
                    audience: true,
                },
                100,
            ),
        ),
        (
            "presence audience (going offline)",
            crate::realtime::presence::audience_statement(DbBackend::Sqlite, "t", "u"),
        ),
        (
            "unread counts",
            crate::channels::unread_statement(DbBackend::Sqlite, "t", "u", None),
        ),
        (
            "unread count of one channel",
            crate::channels::unread_statement(DbBackend::Sqlite, "t", "u", Some(&one)),
        ),
    ];
    let mut failures = Vec::new();
    for (name, stmt) in statements {
        let plan = sqlite_plan(&db, stmt).await;
        let subqueries = subqueries(&plan);
        for step in plan.iter().filter(|s| walks_the_tenant(s, &subqueries)) {
            failures.push(format!(
                "{name}: `{step}` reads every row of the tenant: {plan:#?}"
            ));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

/// A bound `LIMIT ?` must not make SQLite compile its statement again each time it runs: with
/// the query planner stability guarantee off, SQLite 3.51 marks such a parameter as one the
/// plan depends on, and sqlx binds every parameter at every execution. `.cargo/config.toml`
/// builds the bundled SQLite with the guarantee on.
#[tokio::test]
async fn sqlite_compiles_a_statement_once_whatever_its_bound_limit() {
    let db = Database::connect("sqlite::memory:").await.expect("sqlite");
    let options: Vec<String> = db
        .query_all_raw(Statement::from_string(
            DbBackend::Sqlite,
            "PRAGMA compile_options",
        ))
        .await
        .expect("compile options")
        .iter()
        .map(|row| row.try_get_by_index::<String>(0).expect("option"))
        .collect();
    assert!(
        options.iter().any(|o| o == "ENABLE_QPSG"),
        "SQLite was built without SQLITE_ENABLE_QPSG (LIBSQLITE3_FLAGS in .cargo/config.toml): {options:?}"
    );
}
