//! Claiming and finishing outbox jobs. PostgreSQL: any number of workers claim with
//! `FOR UPDATE SKIP LOCKED`; SQLite: one claimer (SQLite has a single writer anyway). A job
//! with a queue key runs only when no earlier job of that key is pending or running, which
//! keeps a channel's events in order per endpoint; jobs waiting behind another are parked out
//! of the claim's range until it ends, so long queues cost the claim nothing. Every change a
//! worker makes to a job it claimed checks that it still holds it, so a worker whose lease ran
//! out cannot clobber the one that took over.

use chrono::Utc;
use parley_core::kernel::db::statement;
use parley_core::outbox::{JobStatus, PARKED, now_ms};
use parley_core::{Parley, Result};
use rand::Rng;
use sea_orm::{ConnectionTrait, DatabaseBackend};

/// A claimed job.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub id: i64,
    /// The worker holding it.
    pub worker: String,
    pub tenant_id: String,
    pub kind: String,
    pub queue_key: Option<String>,
    pub payload: String,
    /// Including this one.
    pub attempts: i32,
    pub webhook_id: Option<String>,
    pub event_id: Option<String>,
    pub event_type: Option<String>,
}

/// Claims up to `limit` due jobs for `worker`, leased for `lease_ms`.
pub async fn claim(
    ctx: &Parley,
    worker: &str,
    limit: usize,
    lease_ms: i64,
) -> Result<Vec<Claimed>> {
    let lock = if ctx.db.get_database_backend() == DatabaseBackend::Postgres {
        " FOR UPDATE SKIP LOCKED"
    } else {
        ""
    };
    let now = now_ms();
    let selection = format!(
        "id IN (SELECT o.id FROM outbox o \
           WHERE ((o.status = 'pending' AND o.run_at <= ?) OR (o.status = 'running' AND o.locked_until < ?)) \
           AND (o.queue_key IS NULL OR NOT EXISTS (SELECT 1 FROM outbox p \
             WHERE p.queue_key = o.queue_key AND p.id < o.id AND p.status IN ('pending', 'running'))) \
           ORDER BY o.id LIMIT ?{lock})"
    );
    let limit = i64::try_from(limit).unwrap_or(1);
    take(
        ctx,
        worker,
        lease_ms,
        &selection,
        vec![now.into(), now.into(), limit.into()],
    )
    .await
}

/// Claims the job that comes after a finished one in its queue, if it is due: the worker that
/// just finished a queue's head carries on with the queue without a scan of the whole table.
pub async fn claim_next(
    ctx: &Parley,
    worker: &str,
    queue_key: &str,
    lease_ms: i64,
) -> Result<Option<Claimed>> {
    let selection = "id = (SELECT MIN(p.id) FROM outbox p \
        WHERE p.queue_key = ? AND p.status IN ('pending', 'running')) \
        AND status = 'pending' AND run_at <= ?";
    let mut claimed = take(
        ctx,
        worker,
        lease_ms,
        selection,
        vec![queue_key.into(), now_ms().into()],
    )
    .await?;
    Ok(claimed.pop())
}

/// Marks the jobs `selection` picks as running for `worker` and returns them, oldest first.
async fn take(
    ctx: &Parley,
    worker: &str,
    lease_ms: i64,
    selection: &str,
    selection_values: Vec<sea_orm::Value>,
) -> Result<Vec<Claimed>> {
    let sql = format!(
        "UPDATE outbox SET status = 'running', locked_by = ?, locked_until = ?, \
         attempts = attempts + 1, updated_at = ? WHERE {selection} \
         RETURNING id, tenant_id, kind, queue_key, payload, attempts, webhook_id, event_id, event_type"
    );
    let mut values: Vec<sea_orm::Value> = vec![
        worker.into(),
        (now_ms() + lease_ms).into(),
        Utc::now().into(),
    ];
    values.extend(selection_values);
    let rows = ctx
        .db
        .query_all_raw(statement(ctx.db.get_database_backend(), &sql, values))
        .await?;
    rows_to_claimed(rows, worker)
}

fn rows_to_claimed(rows: Vec<sea_orm::QueryResult>, worker: &str) -> Result<Vec<Claimed>> {
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        out.push(Claimed {
            id: r.try_get_by_index(0)?,
            worker: worker.to_owned(),
            tenant_id: r.try_get_by_index(1)?,
            kind: r.try_get_by_index(2)?,
            queue_key: r.try_get_by_index(3)?,
            payload: r.try_get_by_index(4)?,
            attempts: r.try_get_by_index(5)?,
            webhook_id: r.try_get_by_index(6)?,
            event_id: r.try_get_by_index(7)?,
            event_type: r.try_get_by_index(8)?,
        });
    }
    out.sort_by_key(|j| j.id);
    Ok(out)
}

/// How a run of a job ended.
#[derive(Debug)]
pub enum Finish {
    /// Done; kept in the log (webhook deliveries).
    Done,
    /// Done; nothing worth keeping (dispatched events, sent pushes).
    Delete,
    /// Failed; try again later (or go dead when out of attempts). A new payload, when given,
    /// replaces the old one (a push retried for the devices that still need it).
    Retry {
        error: String,
        after_ms: Option<i64>,
        payload: Option<String>,
    },
    /// Failed for good.
    Dead { error: String },
}

/// The delay before attempt `attempts + 1`: `base · 3^(attempts-1)`, capped, ±25 % jitter.
pub fn backoff_ms(base_ms: u64, max_ms: u64, attempts: i32) -> i64 {
    let exp = u32::try_from(attempts.saturating_sub(1))
        .unwrap_or(0)
        .min(30);
    let raw = base_ms.saturating_mul(3u64.saturating_pow(exp)).min(max_ms);
    let jitter: f64 = rand::rng().random_range(0.75..1.25);
    #[allow(clippy::cast_possible_truncation, clippy::cast_precision_loss)]
    let ms = (raw as f64 * jitter) as i64;
    ms.max(1)
}

/// Records how a run ended. Returns false if the job was no longer ours.
pub async fn finish(ctx: &Parley, worker: &str, job: &Claimed, how: Finish) -> Result<bool> {
    let backend = ctx.db.get_database_backend();
    let cfg = &ctx.config.worker;
    let now = Utc::now();
    // A retry keeps its place at the head of its queue; any other end lets the next one go.
    let ended = !matches!(how, Finish::Retry { .. } if job.attempts < cfg.max_attempts);
    let (sql, values): (&str, Vec<sea_orm::Value>) = match how {
        Finish::Delete => (
            "DELETE FROM outbox WHERE id = ? AND locked_by = ?",
            vec![job.id.into(), worker.into()],
        ),
        Finish::Done => (
            "UPDATE outbox SET status = 'done', locked_by = NULL, locked_until = NULL, \
             last_error = NULL, updated_at = ? WHERE id = ? AND locked_by = ?",
            vec![now.into(), job.id.into(), worker.into()],
        ),
        Finish::Retry {
            error,
            after_ms,
            payload,
        } if job.attempts < cfg.max_attempts => {
            let delay = after_ms.unwrap_or_else(|| {
                backoff_ms(cfg.retry_base_ms, cfg.retry_max_delay_ms, job.attempts)
            });
            let payload = payload.unwrap_or_else(|| job.payload.clone());
            (
                "UPDATE outbox SET status = 'pending', run_at = ?, last_error = ?, payload = ?, \
                 locked_by = NULL, locked_until = NULL, updated_at = ? WHERE id = ? AND locked_by = ?",
                vec![
                    (now_ms() + delay).into(),
                    error.into(),
                    payload.into(),
                    now.into(),
                    job.id.into(),
                    worker.into(),
                ],
            )
        }
        Finish::Retry { error, .. } | Finish::Dead { error } => {
            tracing::warn!(job = job.id, kind = %job.kind, %error, "job is dead");
            (
                "UPDATE outbox SET status = 'dead', last_error = ?, locked_by = NULL, \
                 locked_until = NULL, updated_at = ? WHERE id = ? AND locked_by = ?",
                vec![error.into(), now.into(), job.id.into(), worker.into()],
            )
        }
    };
    let res = ctx.db.execute_raw(statement(backend, sql, values)).await?;
    if ended && let Some(key) = &job.queue_key {
        unpark_next(ctx, key).await?;
    }
    Ok(res.rows_affected() > 0)
}

/// Makes the next job of a queue claimable once the one before it has ended.
async fn unpark_next(ctx: &Parley, queue_key: &str) -> Result<()> {
    let backend = ctx.db.get_database_backend();
    ctx.db
        .execute_raw(statement(
            backend,
            "UPDATE outbox SET run_at = ? WHERE id = (SELECT MIN(p.id) FROM outbox p \
             WHERE p.queue_key = ? AND p.status IN ('pending', 'running')) AND run_at = ?",
            vec![now_ms().into(), queue_key.into(), PARKED.into()],
        ))
        .await?;
    Ok(())
}

/// Unparks the heads of queues whose earlier job ended while the next one was being written
/// (the two transactions crossed); run now and then, it bounds that delay.
pub async fn unpark_stranded(ctx: &Parley) -> Result<u64> {
    let backend = ctx.db.get_database_backend();
    let res = ctx
        .db
        .execute_raw(statement(
            backend,
            "UPDATE outbox SET run_at = ? WHERE run_at = ? AND status = 'pending' \
             AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.queue_key = outbox.queue_key \
               AND p.id < outbox.id AND p.status IN ('pending', 'running'))",
            vec![now_ms().into(), PARKED.into()],
        ))
        .await?;
    Ok(res.rows_affected())
}

/// Gives a job back untouched (shutdown): pending again, this attempt not counted.
pub async fn release(ctx: &Parley, worker: &str, job_id: i64) -> Result<()> {
    let backend = ctx.db.get_database_backend();
    ctx.db
        .execute_raw(statement(
            backend,
            "UPDATE outbox SET status = 'pending', attempts = attempts - 1, run_at = ?, \
             locked_by = NULL, locked_until = NULL WHERE id = ? AND locked_by = ? AND status = ?",
            vec![
                now_ms().into(),
                job_id.into(),
                worker.into(),
                JobStatus::Running.as_str().into(),
            ],
        ))
        .await?;
    Ok(())
}

/// One attempt, for the log.
pub struct AttemptRecord {
    pub started_at: chrono::DateTime<Utc>,
    pub duration_ms: i32,
    pub ok: bool,
    pub status_code: Option<i32>,
    pub error: Option<String>,
    pub response: Option<String>,
}

/// Records an attempt of a job that still exists. A job whose tenant was deleted during the
/// attempt is gone, and so is its log: its attempt is not recorded. On PostgreSQL the job's row
/// is locked while the attempt is written, so a delete that comes later, which removes jobs
/// before their attempts, waits for it and removes the attempt too.
pub async fn record_attempt(ctx: &Parley, job: &Claimed, a: AttemptRecord) -> Result<()> {
    let backend = ctx.db.get_database_backend();
    let lock = if backend == sea_orm::DatabaseBackend::Postgres {
        " FOR KEY SHARE"
    } else {
        ""
    };
    let sql = format!(
        "INSERT INTO outbox_attempts (job_id, tenant_id, attempt, started_at, duration_ms, ok, \
         status_code, error, response, worker) \
         SELECT id, ?, ?, ?, ?, ?, ?, ?, ?, ? FROM outbox WHERE id = ?{lock}"
    );
    ctx.db
        .execute_raw(statement(
            backend,
            &sql,
            vec![
                job.tenant_id.clone().into(),
                job.attempts.into(),
                a.started_at.into(),
                a.duration_ms.into(),
                a.ok.into(),
                a.status_code.into(),
                a.error.into(),
                a.response.into(),
                job.worker.clone().into(),
                job.id.into(),
            ],
        ))
        .await?;
    Ok(())
}

/// Drops finished deliveries (and their attempts) older than the log retention.
pub async fn prune(ctx: &Parley) -> Result<u64> {
    let backend = ctx.db.get_database_backend();
    let secs = i64::try_from(ctx.config.worker.log_retention_s).unwrap_or(i64::MAX / 4);
    let cutoff = Utc::now() - chrono::Duration::seconds(secs);
    ctx.db
        .execute_raw(statement(
            backend,
            "DELETE FROM outbox_attempts WHERE job_id IN \
             (SELECT id FROM outbox WHERE status = 'done' AND updated_at < ?)",
            vec![cutoff.into()],
        ))
        .await?;
    let res = ctx
        .db
        .execute_raw(statement(
            backend,
            "DELETE FROM outbox WHERE status = 'done' AND updated_at < ?",
            vec![cutoff.into()],
        ))
        .await?;
    Ok(res.rows_affected())
}
