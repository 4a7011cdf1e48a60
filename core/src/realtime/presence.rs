//! Presence: a user is online while they hold a connection on any node. Changes are sent as
//! `presence.changed` to the users who share a channel with them (not in livestreams). Going
//! offline waits a short delay, so a flapping connection does not spam. With Redis, each node
//! records its users under a heartbeat key that expires if the node dies; the other nodes then
//! take its users offline. A node that shuts down cleanly does not wait for that: it drains,
//! taking its users offline itself before it exits.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use futures_util::StreamExt;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use crate::entities::user;
use crate::events::{Event, EventKind, Payload};
use crate::{Parley, Result};

const HEARTBEAT: Duration = Duration::from_secs(3);
const NODE_TTL_S: u64 = 10;
const MAX_AUDIENCE: usize = 1_000;
/// Users taken offline at once while a node drains.
const DRAIN_CONCURRENCY: usize = 16;

#[derive(Default)]
struct Local {
    /// Open connections per "tenant\x1fuser" on this node.
    conns: usize,
    /// Bumped at every change, so a delayed offline fires only if nothing happened since.
    generation: u64,
    /// Whether this node has announced the user online.
    online: bool,
}

#[derive(Default)]
pub struct Presence {
    local: Mutex<HashMap<(String, String), Local>>,
    /// Set once the node has drained: its heartbeat stops, so it no longer counts as live.
    drained: AtomicBool,
}

fn user_key(p: &str, tenant: &str, user: &str) -> String {
    format!("{p}:presence:{tenant}:{user}")
}

fn node_key(p: &str, node: &str) -> String {
    format!("{p}:node:{node}")
}

/// Every node that has announced itself.
fn nodes_key(p: &str) -> String {
    format!("{p}:nodes")
}

/// Held by the node that takes a dead (or draining) node's users offline.
fn reap_key(p: &str, node: &str) -> String {
    format!("{p}:reap:{node}")
}

fn node_users_key(p: &str, node: &str) -> String {
    format!("{p}:node:{node}:users")
}

impl Presence {
    /// Whether this node has announced the user online (and not yet offline): a new
    /// connection of theirs then announces nothing, and needs no audience.
    pub fn is_online_here(&self, tenant: &str, user: &str) -> bool {
        self.local.lock().is_ok_and(|map| {
            map.get(&(tenant.to_owned(), user.to_owned()))
                .is_some_and(|e| e.online)
        })
    }

    /// A connection of the user opened on this node. The announcement runs in the background
    /// so that a storm of connections does not wait on presence queries; `audience`, when the
    /// connection already read it, spares the announcement its own read.
    pub fn connected(&self, ctx: &Parley, tenant: &str, user: &str, audience: Option<Vec<String>>) {
        let announce = {
            let Ok(mut map) = self.local.lock() else {
                return;
            };
            let entry = map.entry((tenant.to_owned(), user.to_owned())).or_default();
            entry.conns += 1;
            entry.generation += 1;
            let first = !entry.online;
            entry.online = true;
            first
        };
        if announce {
            let (ctx, tenant, user) = (ctx.clone(), tenant.to_owned(), user.to_owned());
            tokio::spawn(async move {
                if let Err(e) = go_online(&ctx, &tenant, &user, audience).await {
                    tracing::warn!(error = %e.detail, "presence: could not record online");
                }
            });
        }
    }

    /// A connection of the user closed on this node; offline follows after the delay unless
    /// the user is back.
    pub fn disconnected(&self, ctx: &Parley, tenant: &str, user: &str) {
        let key = (tenant.to_owned(), user.to_owned());
        let generation = {
            let Ok(mut map) = self.local.lock() else {
                return;
            };
            let Some(entry) = map.get_mut(&key) else {
                return;
            };
            entry.conns = entry.conns.saturating_sub(1);
            entry.generation += 1;
            if entry.conns > 0 {
                return;
            }
            entry.generation
        };
        let ctx = ctx.clone();
        let delay = Duration::from_millis(ctx.config.realtime.presence_offline_delay_ms);
        tokio::spawn(async move {
            tokio::time::sleep(delay).await;
            let still_gone = {
                let Ok(mut map) = ctx.realtime.presence.local.lock() else {
                    return;
                };
                match map.get(&key) {
                    Some(e) if e.generation == generation && e.conns == 0 => {
                        map.remove(&key);
                        true
                    }
                    _ => false,
                }
            };
            // Boxed: taking a user offline is a large future (Redis, the database, the event);
            // inlined, every pending offline held it while it slept (2.4 KiB instead of 0.5
            // per user when many connections drop at once; bench/RESULTS.md).
            if still_gone
                && let Err(e) = Box::pin(go_offline(
                    &ctx,
                    &key.0,
                    &key.1,
                    Some(&ctx.realtime.node_id),
                ))
                .await
            {
                tracing::warn!(error = %e.detail, "presence: could not record offline");
            }
        });
    }

    /// Whether the user holds a live connection here or (with Redis) on any live node.
    pub async fn is_online(&self, ctx: &Parley, tenant: &str, user: &str) -> bool {
        let here = self.local.lock().is_ok_and(|map| {
            map.get(&(tenant.to_owned(), user.to_owned()))
                .is_some_and(|e| e.conns > 0)
        });
        if here {
            return true;
        }
        let rt = &ctx.realtime;
        match rt.redis().await {
            Some(mut con) => live_nodes(&mut con, &rt.prefix, tenant, user)
                .await
                .is_ok_and(|nodes| !nodes.is_empty()),
            None => false,
        }
    }

    /// The node is shutting down cleanly (its connections are closed or closing): takes every
    /// user it announced online offline now, unless another node still has them, and stops
    /// counting as a live node. Without this, other nodes would see those users go offline
    /// only when the node's heartbeat expires, ten seconds or more later, as after a crash.
    pub async fn drain(&self, ctx: &Parley) {
        let users: Vec<(String, String)> = {
            let Ok(mut map) = self.local.lock() else {
                return;
            };
            self.drained.store(true, Ordering::SeqCst);
            // Delayed offlines still pending find their entry gone and do nothing.
            map.drain()
                .filter(|(_, v)| v.online)
                .map(|(k, _)| k)
                .collect()
        };
        let rt = &ctx.realtime;
        let node = rt.node_id.clone();
        let p = rt.prefix.clone();
        if let Some(mut con) = rt.redis().await {
            // No longer live, so the checks below count only the other nodes; and hold the
            // reaper's lock, so they do not reap these users at the same time. Should this node
            // die before the end, the lock expires and they reap the rest.
            let _: redis::RedisResult<()> = redis::pipe()
                .cmd("DEL")
                .arg(node_key(&p, &node))
                .ignore()
                .cmd("SET")
                .arg(reap_key(&p, &node))
                .arg(&node)
                .arg("EX")
                .arg(60)
                .ignore()
                .query_async(&mut con)
                .await;
        }
        futures_util::stream::iter(users)
            .for_each_concurrent(DRAIN_CONCURRENCY, |(tenant, user)| async move {
                match record_offline(ctx, &tenant, &user, Some(&ctx.realtime.node_id)).await {
                    Ok(Some(ev)) => ctx.realtime.publish_now(ev).await,
                    Ok(None) => {}
                    Err(e) => {
                        tracing::warn!(error = %e.detail, "presence: could not record offline while draining")
                    }
                }
            })
            .await;
        if let Some(mut con) = rt.redis().await {
            let _: redis::RedisResult<()> = redis::pipe()
                .cmd("DEL")
                .arg(node_users_key(&p, &node))
                .ignore()
                .cmd("SREM")
                .arg(nodes_key(&p))
                .arg(&node)
                .ignore()
                .query_async(&mut con)
                .await;
        }
    }

    /// Users this node currently announces online (for the Redis heartbeat).
    fn local_users(&self) -> Vec<(String, String)> {
        self.local
            .lock()
            .map(|m| {
                m.iter()
                    .filter(|(_, v)| v.online)
                    .map(|(k, _)| k.clone())
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// Users who share a non-livestream channel with `user`.
async fn audience(ctx: &Parley, tenant: &str, user: &str) -> Result<Vec<String>> {
    let db = ctx.fresh_reads();
    let rows = db
        .query_all_raw(audience_statement(db.get_database_backend(), tenant, user))
        .await?;
    rows.into_iter()
        .map(|r| r.try_get_by_index::<String>(0).map_err(Into::into))
        .collect()
}

/// The members of the channels the user is a member of. `CROSS JOIN` fixes SQLite's join
/// order (PostgreSQL reorders it freely): SQLite keeps no statistics, and left to itself it
/// walked the tenant's memberships in user order, to skip sorting for `DISTINCT`, reading
/// all of them on each connect.
pub(crate) fn audience_statement(
    backend: sea_orm::DbBackend,
    tenant: &str,
    user: &str,
) -> sea_orm::Statement {
    let (sql, values) = audience_sql(tenant, user);
    crate::kernel::db::statement(backend, sql, values)
}

/// [`audience_statement`]'s text and values, for a statement that holds it.
pub(crate) fn audience_sql(tenant: &str, user: &str) -> (&'static str, Vec<sea_orm::Value>) {
    let sql = "SELECT DISTINCT m.user_id FROM members mine \
        CROSS JOIN channels c CROSS JOIN members m \
        WHERE mine.tenant_id = ? AND mine.user_id = ? \
        AND c.tenant_id = mine.tenant_id AND c.cid = mine.cid AND c.type <> ? \
        AND m.tenant_id = mine.tenant_id AND m.cid = mine.cid AND m.user_id <> ? \
        LIMIT ?";
    let values = vec![
        tenant.into(),
        user.into(),
        "livestream".into(),
        user.into(),
        (MAX_AUDIENCE as i64).into(),
    ];
    (sql, values)
}

/// The `presence.changed` event for the users who share a channel with `user`.
async fn presence_event(
    ctx: &Parley,
    tenant: &str,
    user: &str,
    online: bool,
    last_active_at: Option<chrono::DateTime<Utc>>,
    audience_read: Option<Vec<String>>,
) -> Result<Event> {
    let users = match audience_read {
        Some(users) => users,
        None => audience(ctx, tenant, user).await?,
    };
    let payload = Payload {
        user_id: Some(user.to_owned()),
        online: Some(online),
        last_active_at,
        ..Default::default()
    };
    Event::to_users(tenant, EventKind::PresenceChanged, None, users, &payload)
}

async fn announce(
    ctx: &Parley,
    tenant: &str,
    user: &str,
    online: bool,
    last_active_at: Option<chrono::DateTime<Utc>>,
    audience_read: Option<Vec<String>>,
) -> Result<()> {
    let ev = presence_event(ctx, tenant, user, online, last_active_at, audience_read).await?;
    ctx.realtime.publish(ev);
    Ok(())
}

async fn live_nodes(
    con: &mut redis::aio::ConnectionManager,
    p: &str,
    tenant: &str,
    user: &str,
) -> redis::RedisResult<Vec<String>> {
    let nodes: Vec<String> = redis::cmd("SMEMBERS")
        .arg(user_key(p, tenant, user))
        .query_async(con)
        .await?;
    let mut live = Vec::new();
    for n in nodes {
        let alive: bool = redis::cmd("EXISTS")
            .arg(node_key(p, &n))
            .query_async(con)
            .await?;
        if alive {
            live.push(n);
        }
    }
    Ok(live)
}

async fn go_online(
    ctx: &Parley,
    tenant: &str,
    user: &str,
    audience_read: Option<Vec<String>>,
) -> Result<()> {
    let rt = &ctx.realtime;
    let elsewhere = match rt.redis().await {
        Some(mut con) => {
            let others = live_nodes(&mut con, &rt.prefix, tenant, user)
                .await
                .unwrap_or_default();
            let _: redis::RedisResult<()> = redis::pipe()
                .cmd("SADD")
                .arg(user_key(&rt.prefix, tenant, user))
                .arg(&rt.node_id)
                .ignore()
                .cmd("SADD")
                .arg(node_users_key(&rt.prefix, &rt.node_id))
                .arg(format!("{tenant}\u{1f}{user}"))
                .ignore()
                .query_async(&mut con)
                .await;
            others.iter().any(|n| *n != rt.node_id)
        }
        None => false,
    };
    if !elsewhere {
        announce(ctx, tenant, user, true, None, audience_read).await?;
    }
    Ok(())
}

/// Takes the user offline on `node` (this node, or a dead one); announces it if no live node
/// still has them.
async fn go_offline(ctx: &Parley, tenant: &str, user: &str, node: Option<&str>) -> Result<()> {
    if let Some(ev) = record_offline(ctx, tenant, user, node).await? {
        ctx.realtime.publish(ev);
    }
    Ok(())
}

/// Takes the user offline on `node` and, if no live node still has them, records when they
/// were last active and returns the event that says so (for the caller to publish).
async fn record_offline(
    ctx: &Parley,
    tenant: &str,
    user: &str,
    node: Option<&str>,
) -> Result<Option<Event>> {
    let rt = &ctx.realtime;
    if let Some(mut con) = rt.redis().await {
        if let Some(node) = node {
            let _: redis::RedisResult<()> = redis::pipe()
                .cmd("SREM")
                .arg(user_key(&rt.prefix, tenant, user))
                .arg(node)
                .ignore()
                .cmd("SREM")
                .arg(node_users_key(&rt.prefix, node))
                .arg(format!("{tenant}\u{1f}{user}"))
                .ignore()
                .query_async(&mut con)
                .await;
        }
        let live = live_nodes(&mut con, &rt.prefix, tenant, user)
            .await
            .unwrap_or_default();
        if !live.is_empty() {
            return Ok(None);
        }
    }
    let now = Utc::now();
    user::Entity::update_many()
        .col_expr(user::Column::LastActiveAt, Expr::value(now))
        .filter(user::Column::TenantId.eq(tenant))
        .filter(user::Column::Id.eq(user))
        .exec(&ctx.db)
        .await?;
    presence_event(ctx, tenant, user, false, Some(now), None)
        .await
        .map(Some)
}

/// With Redis: keeps this node's heartbeat and user set fresh, and takes the users of dead
/// nodes offline.
pub(crate) fn spawn_heartbeat(ctx: Parley) {
    if ctx.realtime.bus.redis_client().is_none() {
        return;
    }
    let weak = Arc::downgrade(&ctx.realtime);
    let base = ctx.detach();
    drop(ctx);
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(HEARTBEAT);
        loop {
            tick.tick().await;
            let Some(rt) = weak.upgrade() else { return };
            if rt.presence.drained.load(Ordering::SeqCst) {
                return;
            }
            let ctx = base.attach(Arc::clone(&rt));
            let Some(mut con) = rt.redis().await else {
                continue;
            };
            let node = rt.node_id.clone();
            let mut pipe = redis::pipe();
            pipe.cmd("SET")
                .arg(node_key(&rt.prefix, &node))
                .arg(1)
                .arg("EX")
                .arg(NODE_TTL_S)
                .ignore();
            pipe.cmd("SADD")
                .arg(nodes_key(&rt.prefix))
                .arg(&node)
                .ignore();
            // Re-assert this node's users, in case Redis restarted and lost them.
            for (tenant, user) in rt.presence.local_users() {
                pipe.cmd("SADD")
                    .arg(user_key(&rt.prefix, &tenant, &user))
                    .arg(&node)
                    .ignore();
                pipe.cmd("SADD")
                    .arg(node_users_key(&rt.prefix, &node))
                    .arg(format!("{tenant}\u{1f}{user}"))
                    .ignore();
            }
            let res: redis::RedisResult<()> = pipe.query_async(&mut con).await;
            if let Err(e) = res {
                tracing::warn!(error = %e, "presence heartbeat failed");
                continue;
            }
            if let Err(e) = reap_dead_nodes(&ctx, &mut con).await {
                tracing::warn!(error = %e, "presence reaper failed");
            }
        }
    });
}

async fn reap_dead_nodes(
    ctx: &Parley,
    con: &mut redis::aio::ConnectionManager,
) -> redis::RedisResult<()> {
    let p = ctx.realtime.prefix.clone();
    let nodes: Vec<String> = redis::cmd("SMEMBERS")
        .arg(nodes_key(&p))
        .query_async(con)
        .await?;
    for node in nodes {
        if node == ctx.realtime.node_id {
            continue;
        }
        let alive: bool = redis::cmd("EXISTS")
            .arg(node_key(&p, &node))
            .query_async(con)
            .await?;
        if alive {
            continue;
        }
        // One node reaps a dead node's users; the lock expires if that node dies too.
        let claimed: Option<String> = redis::cmd("SET")
            .arg(reap_key(&p, &node))
            .arg(&ctx.realtime.node_id)
            .arg("NX")
            .arg("EX")
            .arg(60)
            .query_async(con)
            .await?;
        if claimed.is_none() {
            continue;
        }
        let users: Vec<String> = redis::cmd("SMEMBERS")
            .arg(node_users_key(&p, &node))
            .query_async(con)
            .await?;
        for entry in users {
            if let Some((tenant, user)) = entry.split_once('\u{1f}')
                && let Err(e) = go_offline(ctx, tenant, user, Some(&node)).await
            {
                tracing::warn!(error = %e.detail, "presence: could not take a dead node's user offline");
            }
        }
        let _: () = redis::pipe()
            .cmd("DEL")
            .arg(node_users_key(&p, &node))
            .ignore()
            .cmd("SREM")
            .arg(nodes_key(&p))
            .arg(&node)
            .ignore()
            .query_async(con)
            .await?;
    }
    Ok(())
}
