//! Per-node caches of what every request or send reads and few writes change: API keys with
//! their tenants, users' roles and deactivation, channel types' settings and users' bans. A
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
use crate::entities::ban;

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
    /// A user's row (role, deactivation, deletion) and bans.
    User { tenant: String, user: String },
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

    /// Drops every entry that `stale` says is stale, given its (tenant, name) and value.
    fn forget_where(&self, stale: impl Fn(&str, &V) -> bool) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        self.generation.fetch_add(1, Ordering::AcqRel);
        entries.retain(|(tenant, _), (_, v)| !stale(tenant, v));
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
}

impl Caches {
    /// Drops what a write made stale.
    pub fn forget(&self, stale: &Stale) {
        match stale {
            Stale::ChannelType { tenant, name } => self.kinds.forget(tenant, name),
            Stale::Bans { tenant, user } => self.bans.forget(tenant, user),
            Stale::Tenant { tenant } => {
                self.keys
                    .forget_where(|_, k| k.tenant.id.as_str() == tenant);
                self.users.forget_where(|t, _| t == tenant);
                self.bans.forget_where(|t, _| t == tenant);
            }
            Stale::User { tenant, user } => {
                self.users.forget(tenant, user);
                self.bans.forget(tenant, user);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
