//! Per-node caches of what every request or send reads and few writes change: API keys with
//! their tenants, users' roles and deactivation, channel types' settings, users' bans, and
//! channels with their senders' memberships. A
//! write that changes one names what it made [`Stale`]; after its commit the entry is dropped
//! on this node and, through the bus, on every other. An entry also expires after [`MAX_AGE`],
//! so a change whose news was lost (Redis down for a while) still shows within that time.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::authn::{KnownKey, KnownUser};
use crate::authz::ChannelKind;
use crate::entities::{ban, channel, member};

/// Longest time an entry is used without being read again.
pub const MAX_AGE: Duration = Duration::from_secs(30);

/// Entries one table holds at most; past that it starts over empty.
const MAX_ENTRIES: usize = 100_000;

/// What a committed write changed, for every node to drop.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Stale {
    /// A channel type's settings (set, reset or deleted).
    ChannelType { tenant: String, name: String },
    /// A user's bans (app-wide or in a channel, set or lifted).
    Bans { tenant: String, user: String },
    /// A tenant's row (name, settings, signing secrets, disabled) or one of its keys; its
    /// users' entries go too (a deleted tenant's users are gone).
    Tenant { tenant: String },
    /// A user's row (role, deactivation, deletion), bans and memberships.
    User { tenant: String, user: String },
    /// A channel's row as a send reads it (frozen, slow mode) or the channel itself (deleted);
    /// every membership of it goes too.
    Channel { tenant: String, cid: String },
    /// One user's membership of a channel (added, its role changed, removed).
    Member {
        tenant: String,
        cid: String,
        user: String,
    },
}

impl Stale {
    pub fn channel_type(tenant: &str, name: &str) -> Self {
        Self::ChannelType {
            tenant: tenant.to_owned(),
            name: name.to_owned(),
        }
    }

    pub fn tenant(tenant: &str) -> Self {
        Self::Tenant {
            tenant: tenant.to_owned(),
        }
    }

    pub fn user(tenant: &str, user: &str) -> Self {
        Self::User {
            tenant: tenant.to_owned(),
            user: user.to_owned(),
        }
    }

    pub fn bans(tenant: &str, user: &str) -> Self {
        Self::Bans {
            tenant: tenant.to_owned(),
            user: user.to_owned(),
        }
    }

    pub fn channel(tenant: &str, cid: &str) -> Self {
        Self::Channel {
            tenant: tenant.to_owned(),
            cid: cid.to_owned(),
        }
    }

    pub fn member(tenant: &str, cid: &str, user: &str) -> Self {
        Self::Member {
            tenant: tenant.to_owned(),
            cid: cid.to_owned(),
            user: user.to_owned(),
        }
    }
}

/// A channel with one user's membership of it (`None`: not a member), as a send reads them.
/// Its counters (`last_seq`, `member_count`, …) are as of when it was read: only what does not
/// move with every message is current. It holds no custom data (`custom` is null).
pub type Seat = Arc<(channel::Model, Option<member::Model>)>;

/// The name of `user`'s seat in channel `cid` in [`Caches::seats`]: a space is in neither.
fn seat_name(cid: &str, user: &str) -> String {
    format!("{cid} {user}")
}

/// The channel and the user a [`seat_name`] names.
fn seat_of(name: &str) -> (&str, &str) {
    name.split_once(' ').unwrap_or((name, ""))
}

/// One cache: values by (tenant, name), each with the time it was read.
pub struct Table<V> {
    entries: Mutex<HashMap<(String, String), (Instant, V)>>,
    /// Moves on every drop, so a value read before a drop is not stored after it.
    generation: AtomicU64,
}

impl<V> Default for Table<V> {
    fn default() -> Self {
        Self {
            entries: Mutex::default(),
            generation: AtomicU64::new(0),
        }
    }
}

impl<V: Clone> Table<V> {
    /// The cached value, unless missing or older than [`MAX_AGE`].
    pub fn get(&self, tenant: &str, name: &str) -> Option<V> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        let (read_at, value) = entries.get(&(tenant.to_owned(), name.to_owned()))?;
        (read_at.elapsed() < MAX_AGE).then(|| value.clone())
    }

    /// The cached value, or the one `load` reads, kept unless something was dropped while it
    /// read.
    pub async fn get_or_load<E>(
        &self,
        tenant: &str,
        name: &str,
        load: impl AsyncFnOnce() -> Result<V, E>,
    ) -> Result<V, E> {
        if let Some(value) = self.get(tenant, name) {
            return Ok(value);
        }
        let generation = self.generation();
        let value = load().await?;
        self.put(tenant, name, value.clone(), generation);
        Ok(value)
    }

    /// Where the table stands before a read of the database: pass it to [`put`](Self::put).
    fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Keeps a value read from the database, unless something was dropped since `generation`.
    fn put(&self, tenant: &str, name: &str, value: V, generation: u64) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if self.generation.load(Ordering::Acquire) != generation {
            return;
        }
        if entries.len() >= MAX_ENTRIES {
            entries.clear();
        }
        entries.insert(
            (tenant.to_owned(), name.to_owned()),
            (Instant::now(), value),
        );
    }

    fn forget(&self, tenant: &str, name: &str) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        self.generation.fetch_add(1, Ordering::AcqRel);
        entries.remove(&(tenant.to_owned(), name.to_owned()));
    }

    /// Drops every entry that `stale` says is stale, given its tenant, name and value.
    fn forget_where(&self, stale: impl Fn(&str, &str, &V) -> bool) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        self.generation.fetch_add(1, Ordering::AcqRel);
        entries.retain(|(tenant, name), (_, v)| !stale(tenant, name, v));
    }
}

/// This node's caches.
#[derive(Default)]
pub struct Caches {
    /// API keys by id (under the tenant `""`: a key is looked up before its tenant is known),
    /// each with its tenant; checked against the presented secret on every use.
    pub keys: Table<Arc<KnownKey>>,
    /// A tenant's channel type by name (`None`: the tenant has no such type).
    pub kinds: Table<Option<ChannelKind>>,
    /// A user's bans, every scope, expired ones included (checked when used).
    pub bans: Table<Arc<Vec<ban::Model>>>,
    /// What signing in checks of a user: their role and whether they are deactivated.
    pub users: Table<KnownUser>,
    /// Seats by [`seat_name`]: what a send checks of its channel and its sender's membership.
    pub seats: Table<Seat>,
}

impl Caches {
    /// What signing `user` in checks: their row's role and deactivation, and their bans. The
    /// cached ones when both are, otherwise what `load` reads of both at once, each kept
    /// unless something was dropped from its table while it read.
    pub async fn signing_in<E>(
        &self,
        tenant: &str,
        user: &str,
        load: impl AsyncFnOnce() -> Result<(KnownUser, Arc<Vec<ban::Model>>), E>,
    ) -> Result<(KnownUser, Arc<Vec<ban::Model>>), E> {
        if let (Some(known), Some(bans)) =
            (self.users.get(tenant, user), self.bans.get(tenant, user))
        {
            return Ok((known, bans));
        }
        let (users_at, bans_at) = (self.users.generation(), self.bans.generation());
        let (known, bans) = load().await?;
        self.users.put(tenant, user, known.clone(), users_at);
        self.bans.put(tenant, user, Arc::clone(&bans), bans_at);
        Ok((known, bans))
    }

    /// `user`'s seat in channel `cid`: the cached one, or the one `load` reads.
    pub async fn seat<E>(
        &self,
        tenant: &str,
        cid: &str,
        user: &str,
        load: impl AsyncFnOnce() -> Result<Seat, E>,
    ) -> Result<Seat, E> {
        self.seats
            .get_or_load(tenant, &seat_name(cid, user), load)
            .await
    }

    /// Drops what a write made stale.
    pub fn forget(&self, stale: &Stale) {
        match stale {
            Stale::ChannelType { tenant, name } => self.kinds.forget(tenant, name),
            Stale::Bans { tenant, user } => self.bans.forget(tenant, user),
            Stale::Tenant { tenant } => {
                self.keys
                    .forget_where(|_, _, k| k.tenant.id.as_str() == tenant);
                self.users.forget_where(|t, _, _| t == tenant);
                self.bans.forget_where(|t, _, _| t == tenant);
                self.seats.forget_where(|t, _, _| t == tenant);
            }
            Stale::User { tenant, user } => {
                self.users.forget(tenant, user);
                self.bans.forget(tenant, user);
                self.seats
                    .forget_where(|t, name, _| t == tenant && seat_of(name).1 == user);
            }
            Stale::Channel { tenant, cid } => {
                self.seats
                    .forget_where(|t, name, _| t == tenant && seat_of(name).0 == cid);
            }
            Stale::Member { tenant, cid, user } => self.seats.forget(tenant, &seat_name(cid, user)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seats_go_with_their_channel_their_user_or_their_tenant() {
        let caches = Caches::default();
        let channel = |cid: &str| channel::Model {
            tenant_id: "t".into(),
            cid: cid.into(),
            kind: "messaging".into(),
            id: cid.into(),
            name: None,
            custom: serde_json::json!({}),
            frozen: false,
            slow_mode_s: 0,
            created_by: None,
            distinct_key: None,
            member_count: 0,
            last_seq: 0,
            last_event_seq: 0,
            last_message_at: None,
            activity_at: chrono::DateTime::UNIX_EPOCH,
            created_at: chrono::DateTime::UNIX_EPOCH,
            updated_at: chrono::DateTime::UNIX_EPOCH,
        };
        let seated = |tenant: &str, cid: &str, user: &str| {
            caches.seats.get(tenant, &seat_name(cid, user)).is_some()
        };
        let fill = || {
            for (tenant, cid, user) in [
                ("t", "messaging:a", "ann"),
                ("t", "messaging:a", "bob"),
                ("t", "messaging:b", "ann"),
                ("u", "messaging:a", "ann"),
            ] {
                let generation = caches.seats.generation();
                let seat = Arc::new((channel(cid), None));
                caches
                    .seats
                    .put(tenant, &seat_name(cid, user), seat, generation);
            }
        };
        fill();
        caches.forget(&Stale::member("t", "messaging:a", "ann"));
        assert!(!seated("t", "messaging:a", "ann"));
        assert!(seated("t", "messaging:a", "bob") && seated("t", "messaging:b", "ann"));
        fill();
        caches.forget(&Stale::channel("t", "messaging:a"));
        assert!(!seated("t", "messaging:a", "ann") && !seated("t", "messaging:a", "bob"));
        assert!(seated("t", "messaging:b", "ann") && seated("u", "messaging:a", "ann"));
        fill();
        caches.forget(&Stale::user("t", "ann"));
        assert!(!seated("t", "messaging:a", "ann") && !seated("t", "messaging:b", "ann"));
        assert!(seated("t", "messaging:a", "bob") && seated("u", "messaging:a", "ann"));
        fill();
        caches.forget(&Stale::tenant("t"));
        assert!(!seated("t", "messaging:a", "bob") && !seated("t", "messaging:b", "ann"));
        assert!(seated("u", "messaging:a", "ann"));
    }

    #[test]
    fn a_value_read_before_a_drop_is_not_kept() {
        let table: Table<u32> = Table::default();
        let before = table.generation();
        table.forget("t", "a");
        table.put("t", "a", 1, before);
        assert_eq!(table.get("t", "a"), None);
        let now = table.generation();
        table.put("t", "a", 2, now);
        assert_eq!(table.get("t", "a"), Some(2));
        table.forget("t", "a");
        assert_eq!(table.get("t", "a"), None);
    }

    /// A user's row and bans are read together; a ban set while they were read drops the bans
    /// read, not the row, and the next sign-in reads both again.
    #[tokio::test]
    async fn a_ban_set_while_signing_in_is_not_missed() {
        use crate::kernel::ids::UserRole;
        let caches = Caches::default();
        let known = || KnownUser {
            role: UserRole::User,
            deactivated: false,
        };
        let mut reads = 0;
        let (_, bans) = caches
            .signing_in("t", "ann", async || {
                reads += 1;
                caches.forget(&Stale::bans("t", "ann"));
                Ok::<_, ()>((known(), Arc::new(Vec::new())))
            })
            .await
            .unwrap();
        assert!(bans.is_empty());
        assert!(caches.users.get("t", "ann").is_some());
        assert!(caches.bans.get("t", "ann").is_none());
        for _ in 0..2 {
            caches
                .signing_in("t", "ann", async || {
                    reads += 1;
                    Ok::<_, ()>((known(), Arc::new(Vec::new())))
                })
                .await
                .unwrap();
        }
        assert_eq!(
            reads, 2,
            "the second sign-in reads both again, the third neither"
        );
    }
}
