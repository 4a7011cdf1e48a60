//! Cross-node fan-out. In-process (one node) there is nothing to do beyond the local hub;
//! with Redis, every event is also published on one Redis channel and each node delivers what
//! other nodes published to its own connections. Redis pub/sub does not reconnect by itself:
//! the subscriber loop resubscribes with backoff, and local delivery never waits on Redis.

use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;

use super::Realtime;
use super::cache::Stale;
use super::revoke::Revocation;
use crate::events::Event;
use crate::{Error, Result};

const PUBLISH_QUEUE: usize = 10_000;

/// An event, or a revocation, on the wire between nodes.
#[derive(Serialize, Deserialize)]
struct Envelope {
    /// The node that published it (it has delivered it locally already).
    origin: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    event: Option<Event>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    revoke: Option<Revocation>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    stale: Option<Stale>,
}

impl Envelope {
    fn of_event(origin: &str, ev: &Event) -> Self {
        Self {
            origin: origin.to_owned(),
            event: Some(ev.clone()),
            revoke: None,
            stale: None,
        }
    }
}

pub enum Bus {
    Local,
    Redis(Box<RedisBus>),
}

pub struct RedisBus {
    client: redis::Client,
    channel: String,
    outbox: mpsc::Sender<Vec<u8>>,
    outbox_rx: std::sync::Mutex<Option<mpsc::Receiver<Vec<u8>>>>,
}

impl Bus {
    pub fn connect(redis_url: Option<&str>, prefix: &str) -> Result<Self> {
        match redis_url {
            None => Ok(Self::Local),
            Some(url) => {
                let client = redis::Client::open(url).map_err(|e| {
                    Error::invalid(format!("config key `redis_url` (PARLEY_REDIS_URL): {e}"))
                })?;
                let (outbox, rx) = mpsc::channel(PUBLISH_QUEUE);
                Ok(Self::Redis(Box::new(RedisBus {
                    client,
                    channel: format!("{prefix}:events"),
                    outbox,
                    outbox_rx: std::sync::Mutex::new(Some(rx)),
                })))
            }
        }
    }

    pub fn redis_client(&self) -> Option<&redis::Client> {
        match self {
            Self::Local => None,
            Self::Redis(r) => Some(&r.client),
        }
    }

    /// Hands an event to other nodes. Never blocks: if Redis is down long enough for the
    /// queue to fill, events are dropped for other nodes (their clients heal with `resume`).
    pub fn publish(&self, node_id: &str, ev: &Event) {
        self.send(&Envelope::of_event(node_id, ev));
    }

    /// Hands a revocation to other nodes, like an event.
    pub fn publish_revocation(&self, node_id: &str, r: &Revocation) {
        self.send(&Envelope {
            origin: node_id.to_owned(),
            event: None,
            revoke: Some(r.clone()),
            stale: None,
        });
    }

    /// Hands the news of a change to cached data to other nodes, like an event.
    pub fn publish_stale(&self, node_id: &str, stale: &Stale) {
        self.send(&Envelope {
            origin: node_id.to_owned(),
            event: None,
            revoke: None,
            stale: Some(stale.clone()),
        });
    }

    fn send(&self, envelope: &Envelope) {
        let Self::Redis(r) = self else { return };
        match serde_json::to_vec(envelope) {
            Ok(bytes) => {
                if r.outbox.try_send(bytes).is_err() {
                    tracing::warn!("redis publish queue full; event not sent to other nodes");
                }
            }
            Err(e) => tracing::error!(error = %e, "cannot encode event for redis"),
        }
    }

    /// Hands an event to other nodes now, waiting for Redis (see `Realtime::publish_now`).
    pub async fn publish_now(
        &self,
        node_id: &str,
        ev: &Event,
        con: &mut redis::aio::ConnectionManager,
    ) -> redis::RedisResult<()> {
        let Self::Redis(r) = self else { return Ok(()) };
        let bytes = serde_json::to_vec(&Envelope::of_event(node_id, ev)).map_err(|e| {
            redis::RedisError::from((
                redis::ErrorKind::Client,
                "cannot encode event",
                e.to_string(),
            ))
        })?;
        let _: i64 = redis::cmd("PUBLISH")
            .arg(&r.channel)
            .arg(&bytes)
            .query_async(con)
            .await?;
        Ok(())
    }

    /// Starts the publisher and subscriber loops (Redis only).
    pub(crate) fn spawn(rt: &Arc<Realtime>) {
        let Self::Redis(r) = &rt.bus else { return };
        let Some(mut outbox) = r.outbox_rx.lock().ok().and_then(|mut g| g.take()) else {
            return;
        };
        let client = r.client.clone();
        let channel = r.channel.clone();
        tokio::spawn(async move {
            let mut conn = None;
            while let Some(bytes) = outbox.recv().await {
                if conn.is_none() {
                    match client.get_connection_manager().await {
                        Ok(c) => conn = Some(c),
                        Err(e) => {
                            tracing::warn!(error = %e, "redis unavailable for publishing; dropping event for other nodes");
                            continue;
                        }
                    }
                }
                let Some(c) = conn.as_mut() else { continue };
                let res: redis::RedisResult<i64> = redis::cmd("PUBLISH")
                    .arg(&channel)
                    .arg(&bytes)
                    .query_async(c)
                    .await;
                if let Err(e) = res {
                    tracing::warn!(error = %e, "redis publish failed; dropping event for other nodes");
                }
            }
        });

        let client = r.client.clone();
        let channel = r.channel.clone();
        let weak = Arc::downgrade(rt);
        tokio::spawn(async move {
            let mut backoff = Duration::from_millis(100);
            loop {
                match client.get_async_pubsub().await {
                    Ok(mut pubsub) => match pubsub.subscribe(&channel).await {
                        Ok(()) => {
                            tracing::info!("subscribed to redis fan-out");
                            backoff = Duration::from_millis(100);
                            let mut stream = pubsub.into_on_message();
                            while let Some(msg) = stream.next().await {
                                let Some(rt) = weak.upgrade() else { return };
                                match serde_json::from_slice::<Envelope>(msg.get_payload_bytes()) {
                                    Ok(env) if env.origin == rt.node_id => {}
                                    Ok(env) => {
                                        if let Some(r) = env.revoke {
                                            rt.hub.revoke(&r);
                                        }
                                        if let Some(s) = env.stale {
                                            rt.caches.forget(&s);
                                        }
                                        if let Some(ev) = env.event {
                                            rt.hub.deliver(&Arc::new(ev));
                                        }
                                    }
                                    Err(e) => {
                                        tracing::warn!(error = %e, "undecodable event from redis")
                                    }
                                }
                            }
                            tracing::warn!("redis fan-out connection lost; resubscribing");
                        }
                        Err(e) => tracing::warn!(error = %e, "redis subscribe failed"),
                    },
                    Err(e) => tracing::warn!(error = %e, "redis unavailable for fan-out"),
                }
                if weak.strong_count() == 0 {
                    return;
                }
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(5));
            }
        });
    }
}
