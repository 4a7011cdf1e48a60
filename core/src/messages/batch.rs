//! Group commit: sends that arrive together are stored in one transaction. Each node has one
//! writer task. A send that passed its checks (authorization, guards, the before-send hook)
//! is queued to it; the writer takes every send queued meanwhile (any channel, any tenant, up
//! to `writes.batch_max_messages`), takes each channel's `seq`s in one statement, writes the
//! messages and their event-log rows in one statement each, commits once, then publishes and
//! answers every sender. Acknowledged still means committed, and `seq`s stay gap-free: the
//! channel rows are bumped inside the batch's transaction, in key order.
//!
//! The batch's first statement reads the credentials of its sends again (tenants, keys,
//! users, all at once): a send whose key, tenant or user was withdrawn, on any node, fails with
//! the error a new handshake would get, so connections need no read of their own before a send.
//!
//! A send fails alone: a channel deleted meanwhile fails its own sends; anything else that
//! stops the batch (a client id that raced in from another request, an upload attached
//! elsewhere) rolls it back and each of its sends is stored again in a unit of work of its
//! own, where it gets its own answer. A second send of the same client id in one batch waits
//! for the first and is answered the same way. A database that is gone fails the whole batch
//! with 503 and nothing of it is stored.

use std::collections::{BTreeMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{SubsecRound, Utc};
use sea_orm::{ConnectionTrait, EntityTrait, IntoActiveModel};
use tokio::sync::{mpsc, oneshot};

use super::send::Draft;
use crate::authz::Permit;
use crate::entities::message;
use crate::events::{EventKind, Payload};
use crate::media;
use crate::model::message::Message;
use crate::realtime::revoke::{self, Credentials, Why};
use crate::work::UnitOfWork;
use crate::{Error, ErrorCode, Parley, Result};

/// Sends waiting for the writer, at most; a sender waits for room beyond that.
const QUEUE: usize = 4_096;

/// How the writer answered one send.
pub(super) enum Outcome {
    Stored(Box<Message>),
    Failed(Error),
    /// Store it in a unit of work of its own (see the module's documentation).
    Alone(Box<Draft>),
}

/// A send waiting for the writer.
pub(super) struct Pending {
    ctx: Parley,
    permit: Permit,
    credentials: Credentials,
    draft: Draft,
    done: oneshot::Sender<Outcome>,
}

/// This node's writer, started by the first send (and again if it ended). On SQLite, a
/// thread of its own, which ends when the node is dropped: each statement of a batch hands
/// over to the connection's thread and back, and as a task on the HTTP worker that took the
/// first send the writer, woken, waited behind that worker's connections at every hand-off.
/// On PostgreSQL, a task on that worker: a connection's socket is driven by the runtime that
/// opened it (mostly the HTTP workers'), and a thread of its own measured no faster there.
#[derive(Default)]
pub(crate) struct Writer {
    queue: Mutex<Option<mpsc::Sender<Pending>>>,
    counts: Arc<Counts>,
}

/// What the writer did since the node started.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct WriteStats {
    /// Transactions it committed (or tried to).
    pub batches: u64,
    /// Sends in them.
    pub sends: u64,
    /// The most sends one of them held.
    pub largest: u64,
}

#[derive(Default)]
struct Counts {
    batches: AtomicU64,
    sends: AtomicU64,
    largest: AtomicU64,
}

impl Writer {
    /// Queues `draft` for the next batch and waits for its outcome.
    pub(super) async fn submit(
        &self,
        ctx: &Parley,
        permit: Permit,
        credentials: Credentials,
        draft: Draft,
    ) -> Result<Outcome> {
        let (done, outcome) = oneshot::channel();
        let pending = Pending {
            ctx: ctx.clone(),
            permit,
            credentials,
            draft,
            done,
        };
        self.queue(ctx.config.is_sqlite())
            .send(pending)
            .await
            .map_err(|_| stopped())?;
        outcome.await.map_err(|_| stopped())
    }

    pub(crate) fn stats(&self) -> WriteStats {
        WriteStats {
            batches: self.counts.batches.load(Ordering::Relaxed),
            sends: self.counts.sends.load(Ordering::Relaxed),
            largest: self.counts.largest.load(Ordering::Relaxed),
        }
    }

    fn queue(&self, own_thread: bool) -> mpsc::Sender<Pending> {
        let mut queue = self.queue.lock().unwrap_or_else(|e| e.into_inner());
        match &*queue {
            Some(open) if !open.is_closed() => open.clone(),
            _ => {
                let (tx, rx) = mpsc::channel(QUEUE);
                let writer = run(rx, Arc::clone(&self.counts));
                if own_thread {
                    spawn(writer);
                } else {
                    tokio::spawn(writer);
                }
                *queue = Some(tx.clone());
                tx
            }
        }
    }
}

/// Runs the writer on a thread of its own. If none can start, the queue closes with it and
/// sends are answered 503 until one can.
fn spawn(writer: impl Future<Output = ()> + Send + 'static) {
    let started = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .and_then(|runtime| {
            std::thread::Builder::new()
                .name("parley-writer".into())
                .spawn(move || runtime.block_on(writer))
        });
    if let Err(e) = started {
        tracing::error!(error = %e, "the writer's thread did not start");
    }
}

fn stopped() -> Error {
    Error::new(
        ErrorCode::DatabaseUnavailable,
        "the node is stopping; try again shortly",
    )
    .with_retry_after(1)
}

/// The writer: one batch at a time, each made of everything queued while the last one was
/// written (after waiting `writes.batch_linger_us` for more, when set).
async fn run(mut queue: mpsc::Receiver<Pending>, counts: Arc<Counts>) {
    while let Some(first) = queue.recv().await {
        let writes = first.ctx.config.writes.clone();
        let mut batch = vec![first];
        if writes.batch_linger_us > 0 {
            tokio::time::sleep(Duration::from_micros(writes.batch_linger_us)).await;
        }
        while batch.len() < writes.batch_max_messages.max(1) {
            match queue.try_recv() {
                Ok(next) => batch.push(next),
                Err(_) => break,
            }
        }
        let size = batch.len() as u64;
        counts.batches.fetch_add(1, Ordering::Relaxed);
        counts.sends.fetch_add(size, Ordering::Relaxed);
        counts.largest.fetch_max(size, Ordering::Relaxed);
        write(batch).await;
    }
}

/// Writes one batch and answers each of its senders.
async fn write(batch: Vec<Pending>) {
    let mut ids = HashSet::with_capacity(batch.len());
    let (mut firsts, mut repeats) = (Vec::with_capacity(batch.len()), Vec::new());
    for pending in batch {
        if ids.insert((
            pending.credentials.tenant.clone(),
            pending.draft.id.as_str().to_owned(),
        )) {
            firsts.push(pending);
        } else {
            repeats.push(pending);
        }
    }
    let ready: Vec<Ready<'_>> = firsts
        .iter()
        .map(|p| Ready {
            credentials: &p.credentials,
            draft: &p.draft,
        })
        .collect();
    let stored = match firsts.first() {
        Some(first) => store(&first.ctx, &first.permit, &ready).await,
        None => Ok(Vec::new()),
    };
    match stored {
        Ok(outcomes) => {
            for (pending, outcome) in firsts.into_iter().zip(outcomes) {
                let _ = pending.done.send(match outcome {
                    Ok(view) => Outcome::Stored(Box::new(view)),
                    Err(refusal) => Outcome::Failed(refusal),
                });
            }
        }
        Err(gone) if gone.code == ErrorCode::DatabaseUnavailable => {
            tracing::warn!(error = %gone, sends = firsts.len(), "batch of sends not stored");
            for pending in firsts {
                let _ = pending.done.send(Outcome::Failed(gone.clone()));
            }
        }
        Err(e) => {
            tracing::debug!(error = %e, sends = firsts.len(), "batch rolled back; storing each alone");
            repeats.extend(firsts);
        }
    }
    for pending in repeats {
        let _ = pending.done.send(Outcome::Alone(Box::new(pending.draft)));
    }
}

/// How far one channel's sequences move in a batch, and the next of each to hand out.
#[derive(Default)]
struct Bump {
    sends: i64,
    /// A top-level message is among them: the channel's activity time moves.
    top_level: bool,
    next_seq: i64,
    next_event_seq: i64,
    found: bool,
}

/// A send ready to be stored.
pub(super) struct Ready<'a> {
    /// Checked again inside the transaction: a send whose key, tenant or user was withdrawn
    /// meanwhile (on any node) fails alone, with the error a new handshake would get.
    pub credentials: &'a Credentials,
    pub draft: &'a Draft,
}

impl Ready<'_> {
    fn tenant(&self) -> &str {
        &self.credentials.tenant
    }

    /// The tenant server sends: only it learns that a message is shadowed.
    fn server(&self) -> bool {
        self.credentials.user_id.is_none()
    }
}

/// Stores `batch` in one unit of work: each send's stored view, or its own refusal (its
/// channel is gone). An error rolls back the whole batch; a client id stored before is
/// `message_id_conflict`.
pub(super) async fn store(
    ctx: &Parley,
    permit: &Permit,
    batch: &[Ready<'_>],
) -> Result<Vec<Result<Message>>> {
    // The precision PostgreSQL keeps, so the answer equals what a later read returns.
    let now = Utc::now().trunc_subsecs(6);
    let mut work = UnitOfWork::begin(ctx, permit).await?;
    let credentials: Vec<&Credentials> = batch.iter().map(|p| p.credentials).collect();
    let withdrawn = revoke::check_all(&*work, &credentials).await?;
    let mut channels: BTreeMap<(&str, &str), Bump> = BTreeMap::new();
    for (pending, _) in batch.iter().zip(&withdrawn).filter(|(_, w)| w.is_none()) {
        let bump = channels
            .entry((pending.tenant(), &pending.draft.cid))
            .or_default();
        bump.sends += 1;
        bump.top_level |= pending.draft.parent.is_none();
    }
    if channels.is_empty() {
        // Every send of the batch was refused: nothing to write.
        return Ok(withdrawn
            .into_iter()
            .map(|why| Err(why.map_or_else(|| Error::internal("a send went missing"), Why::error)))
            .collect());
    }
    take_seqs(&work, &mut channels, now).await?;

    let mut outcomes = Vec::with_capacity(batch.len());
    let mut rows = Vec::with_capacity(batch.len());
    let mut replies: BTreeMap<(&str, &str), i32> = BTreeMap::new();
    for (pending, withdrawn) in batch.iter().zip(&withdrawn) {
        if let Some(why) = withdrawn {
            outcomes.push(Err(why.error()));
            continue;
        }
        let draft = &pending.draft;
        let bump = channels
            .get_mut(&(pending.tenant(), draft.cid.as_str()))
            .filter(|b| b.found);
        let Some(bump) = bump else {
            outcomes.push(Err(Error::channel_not_found(&draft.cid)));
            continue;
        };
        let (seq, event_seq) = (bump.next_seq, bump.next_event_seq);
        bump.next_seq += 1;
        bump.next_event_seq += 1;
        // A shadowed reply does not show in its thread's count.
        if let Some(parent) = draft.parent.as_ref().filter(|_| !draft.shadowed) {
            *replies
                .entry((pending.tenant(), parent.id.as_str()))
                .or_default() += 1;
        }
        let row = draft.row(pending.tenant(), seq, now)?;
        rows.push(row.clone().into_active_model());
        outcomes.push(Ok((row, event_seq)));
    }
    if !rows.is_empty() {
        message::Entity::insert_many(rows)
            .exec_without_returning(&*work)
            .await
            .map_err(|e| {
                if Error::is_unique_violation(&e) {
                    Error::new(
                        ErrorCode::MessageIdConflict,
                        "a message with this id was stored meanwhile",
                    )
                } else {
                    e.into()
                }
            })?;
    }
    for ((tenant, parent), n) in replies {
        super::count_replies(&*work, tenant, parent, n).await?;
    }

    let mut payloads = Vec::with_capacity(batch.len());
    for (pending, outcome) in batch.iter().zip(&outcomes) {
        let Ok((row, event_seq)) = outcome else {
            continue;
        };
        let draft = &pending.draft;
        media::bind_to_message(&*work, pending.tenant(), &row.id, &draft.upload_ids).await?;
        let mut view = crate::model::message::bare(row.clone());
        view.quoted_message = draft.quoted.clone().map(Box::new);
        media::present(
            &*work,
            &ctx.media,
            pending.tenant(),
            std::slice::from_mut(&mut view),
        )
        .await?;
        payloads.push((
            pending,
            *event_seq,
            Payload {
                message: Some(view),
                ..Default::default()
            },
        ));
    }
    let recorded: Vec<_> = payloads
        .iter()
        .map(|(pending, event_seq, payload)| {
            (
                pending.tenant(),
                pending.draft.cid.as_str(),
                EventKind::MessageNew,
                *event_seq,
                payload,
            )
        })
        .collect();
    work.record_all(&recorded).await?;
    for (pending, _, payload) in &payloads {
        if let Some(stored) = &payload.message {
            for reason in &pending.draft.reports {
                crate::moderation::raise_flag(
                    &mut work,
                    pending.tenant(),
                    stored,
                    reason.clone(),
                    now,
                )
                .await?;
            }
        }
    }
    work.commit().await?;

    let mut views = payloads.into_iter().map(|(pending, _, payload)| {
        let mut view = payload
            .message
            .ok_or_else(|| Error::internal("event payload lost its message"))?;
        // Only the tenant server learns a message is shadowed; its author must not.
        view.shadowed &= pending.server();
        Ok(view)
    });
    Ok(outcomes
        .into_iter()
        .map(|outcome| {
            outcome.and_then(|_| {
                views
                    .next()
                    .unwrap_or_else(|| Err(Error::internal("a stored send has no view")))
            })
        })
        .collect())
}

/// Takes each channel's next message and event `seq`s for its sends in the batch, in one
/// statement, and moves the activity time of channels with a top-level message. On
/// PostgreSQL, the rows of a batch over several channels are first locked in key order, so
/// batches of two nodes never wait on each other in a circle.
async fn take_seqs(
    work: &UnitOfWork<'_>,
    channels: &mut BTreeMap<(&str, &str), Bump>,
    now: chrono::DateTime<Utc>,
) -> Result<()> {
    let backend = work.get_database_backend();
    let mut keys = Vec::with_capacity(channels.len());
    let mut bumps = Vec::with_capacity(channels.len());
    let mut values: Vec<sea_orm::Value> = Vec::with_capacity(channels.len() * 4 + 2);
    for ((tenant, cid), bump) in channels.iter() {
        keys.push("(CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS BIGINT), CAST(? AS INTEGER))");
        values.extend([
            (*tenant).into(),
            (*cid).into(),
            bump.sends.into(),
            i32::from(bump.top_level).into(),
        ]);
        bumps.push("(?, ?)");
    }
    if backend == sea_orm::DatabaseBackend::Postgres && channels.len() > 1 {
        let lock = format!(
            "SELECT 1 FROM channels WHERE (tenant_id, cid) IN ({}) \
             ORDER BY tenant_id, cid FOR UPDATE",
            bumps.join(", ")
        );
        let pairs = channels
            .keys()
            .flat_map(|(tenant, cid)| [(*tenant).into(), (*cid).into()])
            .collect();
        work.execute_raw(crate::kernel::db::statement(backend, &lock, pairs))
            .await?;
    }
    let sql = format!(
        "WITH b(b_tenant, b_cid, b_sends, b_top) AS (VALUES {}) \
         UPDATE channels SET last_seq = last_seq + b_sends, \
         last_event_seq = last_event_seq + b_sends, \
         last_message_at = CASE WHEN b_top = 1 THEN ? ELSE last_message_at END, \
         activity_at = CASE WHEN b_top = 1 THEN ? ELSE activity_at END \
         FROM b WHERE tenant_id = b_tenant AND cid = b_cid \
         RETURNING tenant_id, cid, last_seq, last_event_seq",
        keys.join(", ")
    );
    values.extend([now.into(), now.into()]);
    let rows = work
        .query_all_raw(crate::kernel::db::statement(backend, &sql, values))
        .await?;
    let mut taken = std::collections::HashMap::with_capacity(rows.len());
    for row in rows {
        let key: (String, String) = (row.try_get_by_index(0)?, row.try_get_by_index(1)?);
        let last: (i64, i64) = (row.try_get_by_index(2)?, row.try_get_by_index(3)?);
        taken.insert(key, last);
    }
    for ((tenant, cid), bump) in channels.iter_mut() {
        if let Some((last_seq, last_event_seq)) =
            taken.get(&((*tenant).to_owned(), (*cid).to_owned()))
        {
            bump.next_seq = last_seq - bump.sends + 1;
            bump.next_event_seq = last_event_seq - bump.sends + 1;
            bump.found = true;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The writer's thread has a runtime with timers (`writes.batch_linger_us` sleeps).
    #[tokio::test]
    async fn the_writer_runs_on_a_thread_of_its_own() {
        let (tx, rx) = oneshot::channel();
        spawn(async move {
            tokio::time::sleep(Duration::from_millis(1)).await;
            let _ = tx.send(std::thread::current().name().map(str::to_owned));
        });
        assert_eq!(
            rx.await.expect("the writer ran").as_deref(),
            Some("parley-writer")
        );
    }
}
