//! Ending open connections whose credentials were withdrawn: a revoked API key, a disabled or
//! deleted tenant, a deactivated or deleted user. The change is committed first; then every
//! node (through the bus) closes the matching connections with an application close code, and
//! each frame a connection sends is checked against the database before it is acted on, so
//! nothing is processed once the revocation is committed, even before the bus message lands.

use serde::{Deserialize, Serialize};

use super::hub::Conn;
use crate::authn::{Actor, Caller};
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
/// in one statement; `Some` says why they no longer hold. A connection calls it before acting
/// on a client frame.
pub async fn check(ctx: &Parley, caller: &Caller) -> Result<Option<Why>> {
    use sea_orm::ConnectionTrait;
    let tenant = caller.tenant_id();
    let user = match &caller.actor {
        Actor::User(u) => u.id.as_str(),
        Actor::Server => "",
    };
    let db = ctx.fresh_reads();
    let row = db
        .query_one_raw(crate::kernel::db::statement(
            db.get_database_backend(),
            "SELECT (SELECT disabled FROM tenants WHERE id = ?), \
                    (SELECT revoked_at IS NULL FROM api_keys WHERE id = ? AND tenant_id = ?), \
                    (SELECT deactivated_at IS NULL FROM users WHERE tenant_id = ? AND id = ?)",
            vec![
                tenant.into(),
                caller.key_id.clone().unwrap_or_default().into(),
                tenant.into(),
                tenant.into(),
                user.into(),
            ],
        ))
        .await?
        .ok_or_else(|| Error::internal("the credential check returned no row"))?;
    let disabled: Option<bool> = row.try_get_by_index(0)?;
    let key_valid: Option<bool> = row.try_get_by_index(1)?;
    let user_active: Option<bool> = row.try_get_by_index(2)?;
    Ok(match (disabled, key_valid, user_active) {
        (None, _, _) => Some(Why::TenantDeleted),
        (Some(true), _, _) => Some(Why::TenantDisabled),
        (_, key, _) if caller.key_id.is_some() && key != Some(true) => Some(Why::KeyRevoked),
        (_, _, None) if !user.is_empty() => Some(Why::UserDeleted),
        (_, _, Some(false)) if !user.is_empty() => Some(Why::UserDeactivated),
        _ => None,
    })
}
