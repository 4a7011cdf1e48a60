//! Ending open connections whose credentials were withdrawn: a revoked API key, a disabled or
//! deleted tenant, a deactivated or deleted user. The change is committed first; then every
//! node (through the bus) closes the matching connections with an application close code, and
//! each frame a connection sends is checked against the database before it is acted on (a
//! send inside the transaction that would store it, with the rest of its batch), so nothing is
//! processed once the revocation is committed, even before the bus message lands.

use serde::{Deserialize, Serialize};

use super::hub::Conn;
use crate::authn::Caller;
use crate::{Error, ErrorCode, Parley, Result};

/// Why a connection's credentials no longer hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Why {
    KeyRevoked,
    TenantDeleted,
    TenantDisabled,
    UserDeactivated,
    UserDeleted,
    UserBanned,
}

impl Why {
    /// The WebSocket close code: 4401 when the credentials are gone (get new ones), 4403 when
    /// they are valid but no longer allowed (do not reconnect until the operator or the
    /// tenant acts).
    pub fn close_code(self) -> u16 {
        match self {
            Self::KeyRevoked | Self::TenantDeleted => 4401,
            Self::TenantDisabled | Self::UserDeactivated | Self::UserDeleted | Self::UserBanned => {
                4403
            }
        }
    }

    /// The error a client gets, the same `code` a new handshake would get.
    pub fn error(self) -> Error {
        let (code, detail) = match self {
            Self::KeyRevoked => (
                ErrorCode::InvalidApiKey,
                "the API key of this connection has been revoked",
            ),
            Self::TenantDeleted => (
                ErrorCode::InvalidApiKey,
                "the tenant of this connection has been deleted",
            ),
            Self::TenantDisabled => (
                ErrorCode::TenantDisabled,
                "this tenant has been disabled by the operator",
            ),
            Self::UserDeactivated => (ErrorCode::UserDeactivated, "this user has been deactivated"),
            Self::UserDeleted => (ErrorCode::UserDeleted, "this user has been deleted"),
            Self::UserBanned => (ErrorCode::UserBanned, "this user has been banned"),
        };
        Error::new(code, detail)
    }

    /// Whether `e` is how a write refuses withdrawn credentials ([`check_all`] inside its
    /// transaction): the codes of [`Why::error`] that [`check`] can give.
    pub fn is_refusal(e: &Error) -> bool {
        [
            Self::KeyRevoked,
            Self::TenantDeleted,
            Self::TenantDisabled,
            Self::UserDeactivated,
            Self::UserDeleted,
        ]
        .iter()
        .any(|why| why.error().code == e.code)
    }
}

/// Which connections to close, and why. Travels between nodes on the bus.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Revocation {
    pub tenant: String,
    /// Only connections opened with this key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
    /// Only connections of this user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    pub why: Why,
}

impl Revocation {
    pub fn tenant(tenant: &str, why: Why) -> Self {
        Self {
            tenant: tenant.to_owned(),
            key_id: None,
            user_id: None,
            why,
        }
    }

    pub fn key(tenant: &str, key_id: &str) -> Self {
        Self {
            key_id: Some(key_id.to_owned()),
            ..Self::tenant(tenant, Why::KeyRevoked)
        }
    }

    pub fn user(tenant: &str, user_id: &str, why: Why) -> Self {
        Self {
            user_id: Some(user_id.to_owned()),
            ..Self::tenant(tenant, why)
        }
    }

    pub fn matches(&self, conn: &Conn) -> bool {
        *conn.tenant == *self.tenant
            && self
                .key_id
                .as_deref()
                .is_none_or(|k| conn.key.as_deref() == Some(k))
            && self
                .user_id
                .as_deref()
                .is_none_or(|u| conn.user.as_deref() == Some(u))
    }
}

/// Reads the caller's credentials again: the tenant, the key and (for a user) the user row,
/// in one statement ([`check_all`] of one); `Some` says why they no longer hold. A connection
/// calls it before acting on a client frame.
pub async fn check(ctx: &Parley, caller: &Caller) -> Result<Option<Why>> {
    let withdrawn = check_all(ctx.fresh_reads(), &[&Credentials::of(caller)]).await?;
    withdrawn
        .into_iter()
        .next()
        .ok_or_else(|| Error::internal("the credential check returned nothing"))
}

/// The credentials a write was made with: checked again inside the transaction that stores
/// it, so a send racing a revocation committed on another node is refused by its own commit.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Credentials {
    pub tenant: String,
    pub key_id: Option<String>,
    /// The signed-in user; `None` for the tenant server.
    pub user_id: Option<String>,
}

impl Credentials {
    pub fn of(caller: &Caller) -> Self {
        Self {
            tenant: caller.tenant_id().to_owned(),
            key_id: caller.key_id.clone(),
            user_id: caller.user_id().map(|u| u.as_str().to_owned()),
        }
    }
}

/// [`check`] for many credentials in one statement (a batch of sends, inside its
/// transaction): for each, in order, why it no longer holds, if it does not.
pub async fn check_all<C: sea_orm::ConnectionTrait>(
    db: &C,
    all: &[&Credentials],
) -> Result<Vec<Option<Why>>> {
    use std::collections::{BTreeSet, HashMap};
    let tenants: BTreeSet<&str> = all.iter().map(|c| c.tenant.as_str()).collect();
    let keys: BTreeSet<&str> = all.iter().filter_map(|c| c.key_id.as_deref()).collect();
    let users: BTreeSet<&str> = all.iter().filter_map(|c| c.user_id.as_deref()).collect();
    if tenants.is_empty() {
        return Ok(Vec::new());
    }
    let marks = |n: usize| vec!["?"; n].join(", ");
    let mut values: Vec<sea_orm::Value> = Vec::new();
    let mut sql = format!(
        "SELECT 0, id, '', disabled FROM tenants WHERE id IN ({})",
        marks(tenants.len())
    );
    values.extend(tenants.iter().map(|t| (*t).into()));
    if !keys.is_empty() {
        sql.push_str(&format!(
            " UNION ALL SELECT 1, tenant_id, id, revoked_at IS NULL FROM api_keys WHERE id IN ({})",
            marks(keys.len())
        ));
        values.extend(keys.iter().map(|k| (*k).into()));
    }
    if !users.is_empty() {
        // Both lists: the pairs are told apart below (user ids are unique per tenant only).
        sql.push_str(&format!(
            " UNION ALL SELECT 2, tenant_id, id, deactivated_at IS NULL FROM users \
             WHERE tenant_id IN ({}) AND id IN ({})",
            marks(tenants.len()),
            marks(users.len())
        ));
        values.extend(tenants.iter().map(|t| (*t).into()));
        values.extend(users.iter().map(|u| (*u).into()));
    }
    let rows = db
        .query_all_raw(crate::kernel::db::statement(
            db.get_database_backend(),
            &sql,
            values,
        ))
        .await?;
    // (kind, tenant or key's tenant, id) -> the flag the row carries.
    let mut found: HashMap<(i32, String, String), bool> = HashMap::with_capacity(rows.len());
    for row in rows {
        let kind: i32 = row.try_get_by_index(0)?;
        let first: String = row.try_get_by_index(1)?;
        let second: String = row.try_get_by_index(2)?;
        let flag: bool = row.try_get_by_index(3)?;
        found.insert((kind, first, second), flag);
    }
    let flag =
        |kind: i32, a: &str, b: &str| found.get(&(kind, a.to_owned(), b.to_owned())).copied();
    Ok(all
        .iter()
        .map(|c| {
            let disabled = flag(0, &c.tenant, "");
            let key_valid = c.key_id.as_deref().map(|k| flag(1, &c.tenant, k));
            let user_active = c.user_id.as_deref().map(|u| flag(2, &c.tenant, u));
            match (disabled, key_valid, user_active) {
                (None, _, _) => Some(Why::TenantDeleted),
                (Some(true), _, _) => Some(Why::TenantDisabled),
                (_, Some(key), _) if key != Some(true) => Some(Why::KeyRevoked),
                (_, _, Some(None)) => Some(Why::UserDeleted),
                (_, _, Some(Some(false))) => Some(Why::UserDeactivated),
                _ => None,
            }
        })
        .collect())
}
