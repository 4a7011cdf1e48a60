//! The local hub: which connection of this node listens to which channel, user and tenant,
//! and delivery of an event's shared bytes into each listener's bounded queue. A listener whose
//! queue is full is too slow to read: it is flagged, and its session closes it.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock, RwLock};

use futures_util::task::AtomicWaker;
use tokio::sync::{Notify, mpsc};

use super::revoke::{Revocation, Why};
use crate::events::{Event, EventKind};
use crate::{Error, ErrorCode, Result};

pub type ConnId = u64;

/// One connection's mailbox, as the hub sees it.
pub struct Conn {
    pub id: ConnId,
    pub tenant: Arc<str>,
    /// `None` for the tenant server's connection, which receives every event of its tenant.
    pub user: Option<Arc<str>>,
    /// The API key the connection was opened with.
    pub key: Option<Arc<str>>,
    tx: mpsc::Sender<Arc<Event>>,
    slow: AtomicBool,
    /// Set once the connection's credentials were withdrawn; it then gets no further event.
    revoked: OnceLock<Why>,
    /// Woken when the connection must close: too slow, revoked, or the node is shutting down.
    pub wake: Notify,
    /// The users this connection's user blocked: their messages are not delivered to it.
    /// Loaded when the connection opens, kept current by `user.blocked`/`user.unblocked`.
    blocked: RwLock<HashSet<Arc<str>>>,
    /// Woken once the queue is half full: a writer that lets events wait in the queue (the
    /// WebSocket writer inside its write window) then writes at once, before the queue fills
    /// and the connection counts as too slow.
    backlog: AtomicWaker,
}

impl Conn {
    fn push(&self, ev: &Arc<Event>) {
        if self.revoked.get().is_some() {
            return;
        }
        if ev.visible_to.is_some() || ev.sent_by.is_some() {
            let blocked = self.blocked.read().unwrap_or_else(|e| e.into_inner());
            if !ev.visible(self.user.as_deref(), |from| blocked.contains(from)) {
                return;
            }
        }
        if let (Some(target), EventKind::UserBlocked | EventKind::UserUnblocked) =
            (&ev.subject, ev.kind)
        {
            let mut blocked = self.blocked.write().unwrap_or_else(|e| e.into_inner());
            if ev.kind == EventKind::UserBlocked {
                blocked.insert(Arc::clone(target));
            } else {
                blocked.remove(target);
            }
        }
        match self.tx.try_send(Arc::clone(ev)) {
            Ok(()) => {
                if self.backlogged() {
                    self.backlog.wake();
                }
            }
            Err(mpsc::error::TrySendError::Full(_)) => {
                if !self.slow.swap(true, Ordering::Relaxed) {
                    self.wake.notify_one();
                }
            }
            Err(mpsc::error::TrySendError::Closed(_)) => {}
        }
    }

    /// Whether half the queue is taken: time to write what is queued, whatever the window.
    pub fn backlogged(&self) -> bool {
        self.tx.capacity() <= self.tx.max_capacity() / 2
    }

    /// Wakes `waker` once the queue is [backlogged](Self::backlogged).
    pub fn wake_when_backlogged(&self, waker: &std::task::Waker) {
        self.backlog.register(waker);
    }

    /// True once the connection fell behind and must be closed.
    pub fn is_slow(&self) -> bool {
        self.slow.load(Ordering::Relaxed)
    }

    /// Sets the users this connection's user blocked (when it opens).
    pub fn set_blocked(&self, users: impl IntoIterator<Item = String>) {
        let mut blocked = self.blocked.write().unwrap_or_else(|e| e.into_inner());
        *blocked = users.into_iter().map(Into::into).collect();
    }

    /// Why the connection must close, once its credentials were withdrawn.
    pub fn revoked(&self) -> Option<Why> {
        self.revoked.get().copied()
    }

    /// Marks the connection revoked and wakes its session to close it.
    pub fn revoke(&self, why: Why) {
        if self.revoked.set(why).is_ok() {
            self.wake.notify_one();
        }
    }
}

fn key(tenant: &str, name: &str) -> String {
    let mut k = String::with_capacity(tenant.len() + name.len() + 1);
    k.push_str(tenant);
    k.push('\u{1f}');
    k.push_str(name);
    k
}

type Listeners = HashMap<ConnId, Arc<Conn>>;

#[derive(Default)]
struct State {
    conns: HashMap<ConnId, Arc<Conn>>,
    channels: HashMap<String, Listeners>,
    users: HashMap<String, Listeners>,
    firehose: HashMap<Arc<str>, Listeners>,
    subscriptions: HashMap<ConnId, HashSet<Arc<str>>>,
}

impl State {
    fn subscribe(&mut self, conn: &Arc<Conn>, cid: &str) {
        self.channels
            .entry(key(&conn.tenant, cid))
            .or_default()
            .insert(conn.id, Arc::clone(conn));
        self.subscriptions
            .entry(conn.id)
            .or_default()
            .insert(cid.into());
    }

    fn unsubscribe(&mut self, id: ConnId, tenant: &str, cid: &str) {
        let k = key(tenant, cid);
        if let Some(listeners) = self.channels.get_mut(&k) {
            listeners.remove(&id);
            if listeners.is_empty() {
                self.channels.remove(&k);
            }
        }
        if let Some(subs) = self.subscriptions.get_mut(&id) {
            subs.remove(cid);
        }
    }

    fn user_conns(&self, tenant: &str, user: &str) -> Vec<Arc<Conn>> {
        self.users
            .get(&key(tenant, user))
            .map(|l| l.values().cloned().collect())
            .unwrap_or_default()
    }
}

/// Limits the hub enforces when a connection registers.
#[derive(Debug, Clone, Copy)]
pub struct HubLimits {
    pub max_connections: usize,
    pub max_connections_per_user: usize,
    pub max_subscriptions: usize,
    pub send_queue: usize,
}

pub struct Hub {
    state: RwLock<State>,
    next_id: AtomicU64,
    limits: HubLimits,
}

impl Hub {
    pub fn new(limits: HubLimits) -> Self {
        Self {
            state: RwLock::default(),
            next_id: AtomicU64::new(1),
            limits,
        }
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, State> {
        self.state
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, State> {
        self.state
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Adds a connection; refuses past the node's or the user's connection cap.
    pub fn register(
        &self,
        tenant: &str,
        user: Option<&str>,
        key_id: Option<&str>,
    ) -> Result<(Arc<Conn>, mpsc::Receiver<Arc<Event>>)> {
        let (tx, rx) = mpsc::channel(self.limits.send_queue.max(1));
        let conn = Arc::new(Conn {
            id: self.next_id.fetch_add(1, Ordering::Relaxed),
            tenant: tenant.into(),
            user: user.map(Into::into),
            key: key_id.map(Into::into),
            tx,
            slow: AtomicBool::new(false),
            revoked: OnceLock::new(),
            wake: Notify::new(),
            blocked: RwLock::default(),
            backlog: AtomicWaker::new(),
        });
        let mut st = self.write();
        if st.conns.len() >= self.limits.max_connections {
            return Err(Error::new(
                ErrorCode::RateLimited,
                "this node has reached its connection limit; try another",
            )
            .with_retry_after(5));
        }
        match user {
            Some(u) => {
                let listeners = st.users.entry(key(tenant, u)).or_default();
                if listeners.len() >= self.limits.max_connections_per_user {
                    return Err(Error::new(
                        ErrorCode::RateLimited,
                        "too many open connections for this user",
                    )
                    .with_retry_after(5));
                }
                listeners.insert(conn.id, Arc::clone(&conn));
            }
            None => {
                st.firehose
                    .entry(conn.tenant.clone())
                    .or_default()
                    .insert(conn.id, Arc::clone(&conn));
            }
        }
        st.conns.insert(conn.id, Arc::clone(&conn));
        Ok((conn, rx))
    }

    /// Removes a connection and all its subscriptions.
    pub fn unregister(&self, conn: &Conn) {
        let mut st = self.write();
        st.conns.remove(&conn.id);
        if let Some(cids) = st.subscriptions.remove(&conn.id) {
            for cid in cids {
                st.unsubscribe(conn.id, &conn.tenant, &cid);
            }
        }
        let (map, k) = match &conn.user {
            Some(u) => (&mut st.users, key(&conn.tenant, u)),
            None => {
                if let Some(l) = st.firehose.get_mut(&conn.tenant) {
                    l.remove(&conn.id);
                    if l.is_empty() {
                        st.firehose.remove(&conn.tenant);
                    }
                }
                return;
            }
        };
        if let Some(l) = map.get_mut(&k) {
            l.remove(&conn.id);
            if l.is_empty() {
                map.remove(&k);
            }
        }
    }

    /// Subscribes a connection to a channel (the caller has checked it may read it).
    pub fn subscribe(&self, conn: &Arc<Conn>, cid: &str) -> Result<()> {
        let mut st = self.write();
        let count = st.subscriptions.get(&conn.id).map_or(0, HashSet::len);
        if count >= self.limits.max_subscriptions {
            return Err(Error::invalid(format!(
                "a connection may subscribe to at most {} channels",
                self.limits.max_subscriptions
            )));
        }
        st.subscribe(conn, cid);
        Ok(())
    }

    pub fn unsubscribe(&self, conn: &Conn, cid: &str) {
        self.write().unsubscribe(conn.id, &conn.tenant, cid);
    }

    /// Connections of this node.
    pub fn connection_count(&self) -> usize {
        self.read().conns.len()
    }

    /// Delivers an event to every local listener: channel subscribers (or the named users) and
    /// the tenant's server connections. Membership events adjust subscriptions on the way.
    pub fn deliver(&self, ev: &Arc<Event>) {
        let tenant = &*ev.tenant;
        let cid = ev.cid.as_deref();
        // Subscription changes first, so that an added member sees their own member.added.
        match (ev.kind, cid) {
            (EventKind::MemberAdded, Some(cid))
            | (EventKind::NotificationAddedToChannel, Some(cid)) => {
                let users: Vec<&str> = match &ev.subject {
                    Some(u) => vec![&**u],
                    None => ev.users.iter().map(|u| &**u).collect(),
                };
                let mut st = self.write();
                for user in users {
                    for conn in st.user_conns(tenant, user) {
                        st.subscribe(&conn, cid);
                    }
                }
            }
            _ => {}
        }
        {
            let st = self.read();
            if ev.users.is_empty() {
                if let Some(cid) = cid
                    && let Some(listeners) = st.channels.get(&key(tenant, cid))
                {
                    for conn in listeners.values() {
                        conn.push(ev);
                    }
                }
            } else {
                for user in &ev.users {
                    if let Some(listeners) = st.users.get(&key(tenant, user)) {
                        for conn in listeners.values() {
                            conn.push(ev);
                        }
                    }
                }
            }
            if let Some(listeners) = st.firehose.get(tenant) {
                for conn in listeners.values() {
                    conn.push(ev);
                }
            }
        }
        match (ev.kind, cid) {
            (EventKind::MemberRemoved, Some(cid)) if cid.starts_with("messaging:") => {
                if let Some(user) = &ev.subject {
                    let mut st = self.write();
                    for conn in st.user_conns(tenant, user) {
                        st.unsubscribe(conn.id, tenant, cid);
                    }
                }
            }
            (EventKind::ChannelDeleted, Some(cid)) => {
                let mut st = self.write();
                let ids: Vec<ConnId> = st
                    .channels
                    .get(&key(tenant, cid))
                    .map(|l| l.keys().copied().collect())
                    .unwrap_or_default();
                for id in ids {
                    st.unsubscribe(id, tenant, cid);
                }
            }
            _ => {}
        }
    }

    /// Closes this node's connections that the revocation names; returns how many.
    pub fn revoke(&self, r: &Revocation) -> usize {
        let st = self.read();
        let mut n = 0;
        for conn in st.conns.values().filter(|c| r.matches(c)) {
            conn.revoke(r.why);
            n += 1;
        }
        n
    }

    /// Wakes every connection (used at shutdown, after the shutdown flag is set).
    pub fn wake_all(&self) {
        for conn in self.read().conns.values() {
            conn.wake.notify_one();
        }
    }
}
