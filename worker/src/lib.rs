//! Parley's worker: claims jobs from the transactional outbox, delivers webhooks and push
//! notifications at least once, retries with backoff and records every attempt. `parley serve`
//! runs it in-process; `parley worker` runs it alone, as many times as wanted on PostgreSQL.

pub mod media;
pub mod notify;
pub mod push;
pub mod queue;
pub mod webhooks;

use std::sync::Arc;
use std::time::Duration;

use parley_core::outbox::JobKind;
use parley_core::{Parley, Result};
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;

use queue::{Claimed, Finish};

type InFlight = Arc<std::sync::Mutex<std::collections::HashSet<i64>>>;

fn track(in_flight: &InFlight, job_id: i64, claimed: bool) {
    if let Ok(mut set) = in_flight.lock() {
        if claimed {
            set.insert(job_id);
        } else {
            set.remove(&job_id);
        }
    }
}

/// How often queues stranded by crossing transactions are looked for (see
/// [`queue::unpark_stranded`]); the longest such a queue waits.
const UNPARK_EVERY: Duration = Duration::from_secs(2);

/// How often finished deliveries and audit entries older than their retention are pruned.
const PRUNE_EVERY: Duration = Duration::from_secs(600);

/// The clients a worker sends push notifications with.
pub struct Services {
    pub apns: push::apns::ApnsClient,
    pub fcm: push::fcm::FcmClient,
}

impl Services {
    /// Clients for the configured (or the real) push services.
    pub fn new(ctx: &Parley) -> anyhow::Result<Arc<Self>> {
        let cfg = &ctx.config.worker;
        let ca = match &cfg.push_ca_file {
            Some(path) => Some(std::fs::read(path).map_err(|e| {
                anyhow::anyhow!(
                    "config key `worker.push_ca_file` (PARLEY_PUSH_CA_FILE): cannot read {}: {e}",
                    path.display()
                )
            })?),
            None => None,
        };
        let http = push::http_client(ca.as_deref())
            .map_err(|e| anyhow::anyhow!("cannot build the push HTTP client: {e}"))?;
        Ok(Arc::new(Self {
            apns: push::apns::ApnsClient::new(http.clone(), cfg.apns_url.clone()),
            fcm: push::fcm::FcmClient::new(http, cfg.fcm_url.clone()),
        }))
    }
}

/// A running worker.
pub struct WorkerHandle {
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl WorkerHandle {
    /// Stops at once, as a crash would: claimed jobs stay claimed until their lease ends.
    pub fn abort(self) {
        self.task.abort();
    }

    /// Stops claiming, lets running jobs finish within `grace`, and gives back the rest.
    pub async fn shutdown(self, grace: Duration) {
        let _ = self.stop.send(true);
        let mut task = self.task;
        if tokio::time::timeout(grace + Duration::from_secs(2), &mut task)
            .await
            .is_err()
        {
            task.abort();
        }
    }
}

/// Starts a worker on the tokio runtime.
pub fn spawn(ctx: Parley, services: Arc<Services>) -> WorkerHandle {
    let (stop, stopped) = watch::channel(false);
    let id = format!("{}-{}", std::process::id(), uuid::Uuid::now_v7().simple());
    let task = tokio::spawn(run(ctx, services, id, stopped));
    WorkerHandle { stop, task }
}

async fn run(ctx: Parley, services: Arc<Services>, id: String, mut stopped: watch::Receiver<bool>) {
    let cfg = ctx.config.worker.clone();
    let lease_ms = i64::try_from(cfg.lease_s.saturating_mul(1000)).unwrap_or(60_000);
    let poll = Duration::from_millis(cfg.poll_interval_ms.max(10));
    let permits = Arc::new(Semaphore::new(cfg.concurrency));
    let mut running: JoinSet<()> = JoinSet::new();
    // Jobs claimed and not finished, released if the worker stops before they end.
    let in_flight: InFlight = Arc::default();
    let mut last_prune = tokio::time::Instant::now();
    let mut last_unpark = tokio::time::Instant::now();
    tracing::info!(worker = %id, "worker started");
    loop {
        if *stopped.borrow() {
            break;
        }
        while running.try_join_next().is_some() {}
        let free = permits.available_permits();
        let mut claimed = 0;
        if free > 0 {
            match queue::claim(&ctx, &id, free, lease_ms).await {
                Ok(jobs) => {
                    claimed = jobs.len();
                    for job in jobs {
                        let Ok(permit) = Arc::clone(&permits).acquire_owned().await else {
                            break;
                        };
                        track(&in_flight, job.id, true);
                        let (ctx, services, id) = (ctx.clone(), Arc::clone(&services), id.clone());
                        let (stopped, in_flight) = (stopped.clone(), Arc::clone(&in_flight));
                        running.spawn(async move {
                            run_queue(&ctx, &services, &id, job, lease_ms, &stopped, &in_flight)
                                .await;
                            drop(permit);
                        });
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e.detail, "worker: cannot claim jobs");
                }
            }
        }
        if last_unpark.elapsed() >= UNPARK_EVERY {
            last_unpark = tokio::time::Instant::now();
            if let Err(e) = queue::unpark_stranded(&ctx).await {
                tracing::warn!(error = %e.detail, "worker: cannot unpark queues");
            }
        }
        if last_prune.elapsed() >= PRUNE_EVERY {
            last_prune = tokio::time::Instant::now();
            if let Err(e) = queue::prune(&ctx).await {
                tracing::warn!(error = %e.detail, "worker: cannot prune the delivery log");
            }
            if let Err(e) = parley_core::audit::prune(&ctx).await {
                tracing::warn!(error = %e.detail, "worker: cannot prune the audit log");
            }
        }
        if claimed > 0 && claimed == free {
            // More may be due: go again as soon as a slot frees up.
            tokio::select! {
                Some(_) = running.join_next(), if !running.is_empty() => {}
                _ = stopped.changed() => {}
            }
            continue;
        }
        tokio::select! {
            _ = ctx.realtime.outbox_wake.notified() => {}
            _ = tokio::time::sleep(poll) => {}
            Some(_) = running.join_next(), if !running.is_empty() => {}
            _ = stopped.changed() => {}
        }
    }
    // Shutdown: running jobs get the time of one webhook attempt to finish; the others are
    // given back for another worker (or the next start).
    let grace = Duration::from_millis(cfg.webhook_timeout_ms + 1_000);
    let deadline = tokio::time::Instant::now() + grace;
    while !running.is_empty() {
        match tokio::time::timeout_at(deadline, running.join_next()).await {
            Ok(Some(_)) => {}
            Ok(None) | Err(_) => break,
        }
    }
    running.abort_all();
    let left: Vec<i64> = in_flight
        .lock()
        .map(|set| set.iter().copied().collect())
        .unwrap_or_default();
    for job_id in left {
        if let Err(e) = queue::release(&ctx, &id, job_id).await {
            tracing::warn!(job = job_id, error = %e.detail, "worker: cannot release a job");
        }
    }
    tracing::info!(worker = %id, "worker stopped");
}

/// Runs a job and, while it succeeds, the jobs after it in its queue (a channel's events to
/// one endpoint), claiming each directly. Stops at a failure (the rest wait for its retry) or
/// when the worker is stopping.
async fn run_queue(
    ctx: &Parley,
    services: &Services,
    worker: &str,
    mut job: Claimed,
    lease_ms: i64,
    stopped: &watch::Receiver<bool>,
    in_flight: &InFlight,
) {
    loop {
        let key = job.queue_key.clone();
        let job_id = job.id;
        let ok = process(ctx, services, worker, job).await;
        track(in_flight, job_id, false);
        let Some(key) = key.filter(|_| ok && !*stopped.borrow()) else {
            return;
        };
        match queue::claim_next(ctx, worker, &key, lease_ms).await {
            Ok(Some(next)) => {
                track(in_flight, next.id, true);
                job = next;
            }
            Ok(None) => return,
            Err(e) => {
                tracing::warn!(error = %e.detail, "worker: cannot claim the next job of a queue");
                return;
            }
        }
    }
}

/// Runs one job and records how it ended; answers whether it succeeded.
async fn process(ctx: &Parley, services: &Services, worker: &str, job: Claimed) -> bool {
    let outcome: Result<Finish> = match JobKind::parse(&job.kind) {
        Some(JobKind::Webhook) => webhooks::deliver(ctx, &job).await,
        Some(JobKind::Push) => notify::run(ctx, services, &job).await,
        Some(JobKind::Thumbnail) => media::thumbnail(ctx, &job).await,
        Some(JobKind::ObjectDelete) => media::delete_objects(ctx, &job).await,
        None => Ok(Finish::Dead {
            error: format!("unknown job kind `{}`", job.kind),
        }),
    };
    let how = outcome.unwrap_or_else(|e| {
        tracing::warn!(job = job.id, kind = %job.kind, error = %e.detail, cause = ?e.source, "job failed");
        Finish::Retry {
            error: e.detail,
            after_ms: None,
            payload: None,
        }
    });
    let ok = matches!(how, Finish::Done | Finish::Delete);
    match queue::finish(ctx, worker, &job, how).await {
        Ok(still_ours) => ok && still_ours,
        Err(e) => {
            tracing::warn!(job = job.id, error = %e.detail, "worker: cannot record a job's end");
            false
        }
    }
}
