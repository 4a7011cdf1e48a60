//! The unit of work: every write that changes what clients see runs through one. It opens a
//! transaction, records the write's events (each numbered with its channel's next event
//! `seq`), lets the in-transaction listeners add their rows beside the write (the channel's
//! event log, the outbox's jobs), commits, and only then publishes the events to connected
//! clients and other nodes. Acknowledged therefore means stored, and an event is never seen
//! live that a replay would not find. A new listener (a search index, usage metering) is one
//! more [`Listener`] variant; an audited change writes its entry with [`UnitOfWork::audit`].

use std::collections::HashMap;
use std::ops::Deref;
use std::sync::Arc;

use sea_orm::{DatabaseTransaction, TransactionTrait};

use crate::audit::{Change, Who};
use crate::authn::Caller;
use crate::authz::Permit;
use crate::events::{self, Event, EventKind, Payload};
use crate::realtime::cache::Stale;
use crate::realtime::revoke::Revocation;
use crate::{Parley, Result};

/// What runs inside the transaction for the recorded events, in this order.
#[derive(Debug, Clone, Copy)]
enum Listener {
    /// The channel's event log, which `resume` replays from.
    EventLog,
    /// Webhook deliveries and push jobs, written with the event so none is lost or doubled.
    Outbox,
}

const LISTENERS: [Listener; 2] = [Listener::EventLog, Listener::Outbox];

impl Listener {
    /// Hears events recorded together (one write, or a batch of sends): each listener
    /// writes for all of them at once where it can.
    async fn hear(
        self,
        txn: &DatabaseTransaction,
        events: &mut [Event],
        payloads: &[&Payload],
    ) -> Result<()> {
        match self {
            Self::EventLog => events::log(txn, events).await,
            Self::Outbox => {
                let mut targets: HashMap<(Arc<str>, EventKind), crate::outbox::Targets> =
                    HashMap::new();
                for (event, payload) in events.iter_mut().zip(payloads) {
                    let key = (event.tenant.clone(), event.kind);
                    if !targets.contains_key(&key) {
                        let loaded =
                            crate::outbox::Targets::load(txn, &event.tenant, event.kind).await?;
                        targets.insert(key.clone(), loaded);
                    }
                    event.queued |=
                        crate::outbox::on_event(txn, event, payload, &targets[&key]).await?;
                }
                Ok(())
            }
        }
    }
}

/// One write in progress. Reads and writes go through it as a connection (it dereferences to
/// the transaction); [`commit`](Self::commit) ends it. Dropped without a commit, nothing of it
/// is stored and nothing is published.
pub struct UnitOfWork<'a> {
    ctx: &'a Parley,
    txn: DatabaseTransaction,
    events: Vec<Event>,
    revocations: Vec<Revocation>,
    stale: Vec<Stale>,
    jobs_queued: bool,
}

impl<'a> UnitOfWork<'a> {
    /// Starts a write that `permit` allows: no write begins without a decision of
    /// [`authorize`](crate::authz::authorize).
    pub async fn begin(ctx: &'a Parley, permit: &Permit) -> Result<Self> {
        tracing::trace!(action = ?permit.action(), "unit of work");
        Ok(Self {
            ctx,
            txn: ctx.db.begin().await?,
            events: Vec::new(),
            revocations: Vec::new(),
            stale: Vec::new(),
            jobs_queued: false,
        })
    }

    /// Records a persistent event of channel `cid`, numbered with the channel's next event
    /// `seq`. Returns it, so the caller can name the member it is about.
    pub async fn record(
        &mut self,
        tenant: &str,
        cid: &str,
        kind: EventKind,
        payload: &Payload,
    ) -> Result<&mut Event> {
        let seq = events::next_seq(&self.txn, tenant, cid).await?;
        self.record_all(&[(tenant, cid, kind, seq, payload)])
            .await?;
        let last = self.events.len() - 1;
        Ok(&mut self.events[last])
    }

    /// Records persistent events whose `seq`s were already taken (a batch of sends): the
    /// listeners write for all of them together.
    pub async fn record_all(
        &mut self,
        recorded: &[(&str, &str, EventKind, i64, &Payload)],
    ) -> Result<()> {
        let mut events = Vec::with_capacity(recorded.len());
        let mut payloads = Vec::with_capacity(recorded.len());
        for &(tenant, cid, kind, seq, payload) in recorded {
            events.push(Event::persistent(tenant, kind, cid, seq, payload)?);
            payloads.push(payload);
        }
        for listener in LISTENERS {
            listener.hear(&self.txn, &mut events, &payloads).await?;
        }
        self.events.extend(events);
        Ok(())
    }

    /// An event of a channel whose log is gone (`channel.deleted`): not logged and without a
    /// `seq`, but still written to the outbox for webhooks, and published after commit.
    pub async fn announce(&mut self, mut event: Event, payload: &Payload) -> Result<()> {
        let targets = crate::outbox::Targets::load(&self.txn, &event.tenant, event.kind).await?;
        event.queued |= crate::outbox::on_event(&self.txn, &event, payload, &targets).await?;
        self.events.push(event);
        Ok(())
    }

    /// An event that is not logged (a notification to users, `channel.deleted`), published
    /// with the others after commit.
    pub fn publish_after(&mut self, event: Event) {
        self.events.push(event);
    }

    /// Writes the audit entry of this change by `caller`, in its transaction.
    pub async fn audit(&self, caller: &Caller, change: Change<'_>) -> Result<()> {
        crate::audit::record(
            &self.txn,
            self.ctx,
            caller.tenant_id(),
            &Who::of(caller),
            change,
        )
        .await
    }

    /// Credentials withdrawn by this write: their connections are closed after commit.
    pub fn revoke_after(&mut self, revocation: Revocation) {
        self.revocations.push(revocation);
    }

    /// Cached data this write changes: every node drops it after commit.
    pub fn forget_after(&mut self, stale: Stale) {
        self.stale.push(stale);
    }

    /// This write queued outbox jobs of its own (thumbnails, object deletions): the local
    /// worker is woken after commit instead of finding them at its next poll.
    pub fn jobs_queued(&mut self) {
        self.jobs_queued = true;
    }

    /// Commits, tells SQLite's checkpointer, drops the cached data it made stale (on every
    /// node), then publishes every event in the order it was recorded and closes the
    /// connections of withdrawn credentials.
    pub async fn commit(self) -> Result<()> {
        self.txn.commit().await?;
        if let Some(checkpointer) = &self.ctx.checkpointer {
            checkpointer.wrote();
        }
        for stale in self.stale {
            self.ctx.realtime.forget(stale);
        }
        for event in self.events {
            self.ctx.realtime.publish(event);
        }
        for revocation in self.revocations {
            self.ctx.realtime.revoke(revocation);
        }
        if self.jobs_queued {
            self.ctx.realtime.outbox_wake.notify_one();
        }
        Ok(())
    }
}

impl Deref for UnitOfWork<'_> {
    type Target = DatabaseTransaction;

    fn deref(&self) -> &DatabaseTransaction {
        &self.txn
    }
}
