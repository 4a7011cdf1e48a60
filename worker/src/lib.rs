//! Parley's worker: claims jobs from the transactional outbox, delivers webhooks and push
//! notifications at least once, retries with backoff and records every attempt. `parley serve`
//! runs it in-process; `parley worker` runs it alone, as many times as wanted on PostgreSQL.

pub mod dispatch;
pub mod media;
pub mod notify;
pub mod push;
pub mod queue;
pub mod webhooks;

use std::sync::Arc;
use std::time::Duration;

use parley_core::outbox::kind;
use parley_core::{Parley, Result};
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;

use queue::{Claimed, Finish};

/// How often finished deliveries older than the retention are pruned.
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
    let mut running: JoinSet<i64> = JoinSet::new();
    let mut in_flight: std::collections::HashSet<i64> = Default::default();
    let mut last_prune = tokio::time::Instant::now();
    tracing::info!(worker = %id, "worker started");
    loop {
        if *stopped.borrow() {
            break;
        }
        while let Some(done) = running.try_join_next() {
            if let Ok(job_id) = done {
                in_flight.remove(&job_id);
            }
        }
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
                        in_flight.insert(job.id);
                        let (ctx, services, id) = (ctx.clone(), Arc::clone(&services), id.clone());
                        running.spawn(async move {
                            let job_id = job.id;
                            process(&ctx, &services, &id, job).await;
                            drop(permit);
                            job_id
                        });
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e.detail, "worker: cannot claim jobs");
                }
            }
        }
        if last_prune.elapsed() >= PRUNE_EVERY {
            last_prune = tokio::time::Instant::now();
            if let Err(e) = queue::prune(&ctx).await {
                tracing::warn!(error = %e.detail, "worker: cannot prune the delivery log");
            }
        }
        if claimed > 0 && claimed == free {
            // More may be due: go again as soon as a slot frees up.
            tokio::select! {
                Some(Ok(job_id)) = running.join_next(), if !running.is_empty() => {
                    in_flight.remove(&job_id);
                }
                _ = stopped.changed() => {}
            }
            continue;
        }
        tokio::select! {
            _ = ctx.realtime.outbox_wake.notified() => {}
            _ = tokio::time::sleep(poll) => {}
            Some(Ok(job_id)) = running.join_next(), if !running.is_empty() => {
                in_flight.remove(&job_id);
            }
            _ = stopped.changed() => {}
        }
    }
    // Shutdown: running jobs get the time of one webhook attempt to finish; the others are
    // given back for another worker (or the next start).
    let grace = Duration::from_millis(cfg.webhook_timeout_ms + 1_000);
    let deadline = tokio::time::Instant::now() + grace;
    while !running.is_empty() {
        match tokio::time::timeout_at(deadline, running.join_next()).await {
            Ok(Some(Ok(job_id))) => {
                in_flight.remove(&job_id);
            }
            Ok(Some(Err(_))) => {}
            Ok(None) | Err(_) => break,
        }
    }
    running.abort_all();
    for job_id in in_flight {
        if let Err(e) = queue::release(&ctx, &id, job_id).await {
            tracing::warn!(job = job_id, error = %e.detail, "worker: cannot release a job");
        }
    }
    tracing::info!(worker = %id, "worker stopped");
}

async fn process(ctx: &Parley, services: &Services, worker: &str, job: Claimed) {
    let outcome: Result<Finish> = match job.kind.as_str() {
        kind::EVENT => match dispatch::expand(ctx, &job).await {
            Ok(new_jobs) => {
                let any = !new_jobs.is_empty();
                match queue::replace(ctx, worker, &job, new_jobs).await {
                    Ok(_) => {
                        if any {
                            ctx.realtime.outbox_wake.notify_one();
                        }
                        return;
                    }
                    Err(e) => Err(e),
                }
            }
            Err(e) => Err(e),
        },
        kind::WEBHOOK => webhooks::deliver(ctx, &job).await,
        kind::PUSH => notify::run(ctx, services, &job).await,
        kind::THUMBNAIL => media::thumbnail(ctx, &job).await,
        kind::OBJECT_DELETE => media::delete_objects(ctx, &job).await,
        other => Ok(Finish::Dead {
            error: format!("unknown job kind `{other}`"),
        }),
    };
    let how = outcome.unwrap_or_else(|e| {
        tracing::warn!(job = job.id, kind = %job.kind, error = %e.detail, "job failed");
        Finish::Retry {
            error: e.detail,
            after_ms: None,
            payload: None,
        }
    });
    if let Err(e) = queue::finish(ctx, worker, &job, how).await {
        tracing::warn!(job = job.id, error = %e.detail, "worker: cannot record a job's end");
    }
}
