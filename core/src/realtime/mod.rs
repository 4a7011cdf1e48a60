//! The realtime core shared by every transport: events, the local hub, cross-node fan-out,
//! presence, typing, and replay from the event log for `resume`.

pub mod arrival;
pub mod bus;
pub mod cache;
pub mod hub;
pub mod positions;
pub mod presence;
pub mod replay;
pub mod revoke;
pub mod typing;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio::sync::Mutex as AsyncMutex;

use crate::events::Event;
use crate::kernel::config::Config;
use crate::{Parley, Result};
use bus::Bus;
use hub::{Hub, HubLimits};
use presence::Presence;
use typing::Typing;

/// The realtime state of one node.
pub struct Realtime {
    /// Distinguishes this node on the bus and in presence records.
    pub node_id: String,
    pub hub: Hub,
    pub bus: Bus,
    pub presence: Presence,
    pub typing: Typing,
    /// Prefix of Redis keys.
    pub prefix: String,
    redis: AsyncMutex<Option<redis::aio::ConnectionManager>>,
    shutting_down: AtomicBool,
    /// Signalled after a commit that wrote outbox jobs, so the in-process worker runs them now.
    pub outbox_wake: tokio::sync::Notify,
    /// What sends re-read (channel types, bans), kept current by every node's writes.
    pub caches: cache::Caches,
}

impl Realtime {
    /// Builds the realtime state; with `redis_url` set, fan-out and presence go through Redis.
    pub fn new(config: &Config) -> Result<Arc<Self>> {
        let rc = &config.realtime;
        Ok(Arc::new(Self {
            node_id: uuid::Uuid::now_v7().simple().to_string(),
            hub: Hub::new(HubLimits {
                max_connections: rc.max_connections,
                max_connections_per_user: rc.max_connections_per_user,
                max_subscriptions: rc.max_subscriptions,
                send_queue: rc.send_queue,
            }),
            bus: Bus::connect(config.redis_url.as_deref(), &config.redis_prefix)?,
            prefix: config.redis_prefix.clone(),
            presence: Presence::default(),
            typing: Typing::default(),
            redis: AsyncMutex::new(None),
            shutting_down: AtomicBool::new(false),
            outbox_wake: tokio::sync::Notify::new(),
            caches: cache::Caches::default(),
        }))
    }

    /// Starts the background loops: Redis fan-out, typing expiry, presence heartbeat, event
    /// log retention.
    pub fn start(ctx: &Parley) {
        let rt = &ctx.realtime;
        Bus::spawn(rt);
        typing::spawn_expiry(rt);
        presence::spawn_heartbeat(ctx.clone());
        replay::spawn_retention(ctx.clone());
    }

    /// Delivers to this node's connections now, and hands the event to the other nodes.
    pub fn publish(&self, ev: Event) {
        if ev.queued {
            self.outbox_wake.notify_one();
        }
        self.bus.publish(&self.node_id, &ev);
        self.hub.deliver(&Arc::new(ev));
    }

    /// Closes, on every node, the connections whose credentials were withdrawn. Call it after
    /// the change is committed.
    pub fn revoke(&self, r: revoke::Revocation) {
        self.bus.publish_revocation(&self.node_id, &r);
        let n = self.hub.revoke(&r);
        tracing::info!(tenant = %r.tenant, why = ?r.why, closed = n, "connections revoked");
    }

    /// Drops, on every node, the cached entries a committed write made stale.
    pub fn forget(&self, stale: cache::Stale) {
        self.caches.forget(&stale);
        self.bus.publish_stale(&self.node_id, &stale);
    }

    /// Like [`publish`](Self::publish), but waits until Redis has taken the event: for the
    /// last words of a node that is shutting down, which the background publisher might not
    /// get to send before the process exits.
    pub async fn publish_now(&self, ev: Event) {
        if let Some(mut con) = self.redis().await
            && let Err(e) = self.bus.publish_now(&self.node_id, &ev, &mut con).await
        {
            tracing::warn!(error = %e, "redis publish failed; event not sent to other nodes");
        }
        self.hub.deliver(&Arc::new(ev));
    }

    /// A shared Redis connection (reconnecting by itself), when Redis is configured and reachable.
    pub async fn redis(&self) -> Option<redis::aio::ConnectionManager> {
        let client = self.bus.redis_client()?;
        let mut slot = self.redis.lock().await;
        if slot.is_none() {
            let fut = client.get_connection_manager();
            match tokio::time::timeout(Duration::from_secs(2), fut).await {
                Ok(Ok(c)) => *slot = Some(c),
                Ok(Err(e)) => tracing::warn!(error = %e, "redis unavailable"),
                Err(_) => tracing::warn!("redis connection timed out"),
            }
        }
        slot.clone()
    }

    /// Tells every connection to close with "reconnect elsewhere".
    pub fn begin_shutdown(&self) {
        self.shutting_down.store(true, Ordering::SeqCst);
        self.hub.wake_all();
    }

    pub fn is_shutting_down(&self) -> bool {
        self.shutting_down.load(Ordering::SeqCst)
    }
}
