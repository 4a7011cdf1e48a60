use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[allow(unused_imports)]
use crate::*;
use utoipa::ToSchema;

/// Who acts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ActorKind {
    /// The operator token, on `/admin/v1`.
    Operator,
    /// The tenant's server, by a secret key (`id` is the key's id).
    Server,
    /// A user of the tenant (`id` is theirs).
    User,
}

impl ActorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Operator => "operator",
            Self::Server => "server",
            Self::User => "user",
        }
    }
}

/// Every audited action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub enum AuditAction {
    #[serde(rename = "tenant.created")]
    TenantCreated,
    /// The operator changed a tenant's name, settings or disabled state.
    #[serde(rename = "tenant.updated")]
    TenantUpdated,
    #[serde(rename = "tenant.deleted")]
    TenantDeleted,
    #[serde(rename = "key.created")]
    KeyCreated,
    #[serde(rename = "key.revoked")]
    KeyRevoked,
    /// The tenant changed its own name or settings, or rotated a secret (`PATCH /v1/app`).
    #[serde(rename = "app.updated")]
    AppUpdated,
    #[serde(rename = "channel_type.updated")]
    ChannelTypeUpdated,
    #[serde(rename = "channel_type.deleted")]
    ChannelTypeDeleted,
    #[serde(rename = "blocklist.updated")]
    BlocklistUpdated,
    #[serde(rename = "blocklist.deleted")]
    BlocklistDeleted,
    /// A ban from the app, or from a channel (`details.cid`).
    #[serde(rename = "user.banned")]
    UserBanned,
    #[serde(rename = "user.unbanned")]
    UserUnbanned,
    #[serde(rename = "user.role_changed")]
    UserRoleChanged,
    /// A user deactivated (`details.hard: false`) or erased with everything theirs.
    #[serde(rename = "user.deleted")]
    UserDeleted,
    #[serde(rename = "user.exported")]
    UserExported,
    #[serde(rename = "flag.created")]
    FlagCreated,
    #[serde(rename = "flag.resolved")]
    FlagResolved,
    /// A channel frozen or thawed, or its slow mode changed.
    #[serde(rename = "channel.moderated")]
    ChannelModerated,
    #[serde(rename = "channel.deleted")]
    ChannelDeleted,
    /// A message deleted by someone other than its author (a moderator, the tenant server).
    #[serde(rename = "message.deleted")]
    MessageDeleted,
}

impl AuditAction {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::TenantCreated => "tenant.created",
            Self::TenantUpdated => "tenant.updated",
            Self::TenantDeleted => "tenant.deleted",
            Self::KeyCreated => "key.created",
            Self::KeyRevoked => "key.revoked",
            Self::AppUpdated => "app.updated",
            Self::ChannelTypeUpdated => "channel_type.updated",
            Self::ChannelTypeDeleted => "channel_type.deleted",
            Self::BlocklistUpdated => "blocklist.updated",
            Self::BlocklistDeleted => "blocklist.deleted",
            Self::UserBanned => "user.banned",
            Self::UserUnbanned => "user.unbanned",
            Self::UserRoleChanged => "user.role_changed",
            Self::UserDeleted => "user.deleted",
            Self::UserExported => "user.exported",
            Self::FlagCreated => "flag.created",
            Self::FlagResolved => "flag.resolved",
            Self::ChannelModerated => "channel.moderated",
            Self::ChannelDeleted => "channel.deleted",
            Self::MessageDeleted => "message.deleted",
        }
    }

    pub fn from_db(s: &str) -> Option<Self> {
        from_stored(s)
    }
}

/// What an audited action was done to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TargetKind {
    Tenant,
    Key,
    ChannelType,
    Blocklist,
    User,
    Channel,
    Message,
    Flag,
}

impl TargetKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Tenant => "tenant",
            Self::Key => "key",
            Self::ChannelType => "channel_type",
            Self::Blocklist => "blocklist",
            Self::User => "user",
            Self::Channel => "channel",
            Self::Message => "message",
            Self::Flag => "flag",
        }
    }

    pub fn from_db(s: &str) -> Option<Self> {
        from_stored(s)
    }
}

/// An actor as an entry shows it.
#[derive(Debug, Clone, Serialize, ToSchema, Deserialize)]
pub struct AuditActor {
    pub kind: ActorKind,
    /// The user's id, or the id of the secret key the tenant server used; absent for the
    /// operator.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
}

/// A target as an entry shows it.
#[derive(Debug, Clone, Serialize, ToSchema, Deserialize)]
pub struct AuditTarget {
    pub kind: TargetKind,
    pub id: String,
}

/// One entry of the audit log.
#[derive(Debug, Clone, Serialize, ToSchema, Deserialize)]
pub struct AuditEntry {
    /// A UUIDv7; newer entries have greater ids.
    pub id: String,
    pub tenant_id: String,
    pub at: DateTime<Utc>,
    pub actor: AuditActor,
    pub action: AuditAction,
    pub target: AuditTarget,
    /// The `X-Request-Id` of the request that made the change.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// The address the request came from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ip: Option<String>,
    /// What changed, by name (for example the settings fields a patch set); never message
    /// text or secrets.
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
}

/// A stored name (an action, an actor or a target kind) read back as its enum, by the same
/// serde names it was written with.
fn from_stored<T: serde::de::DeserializeOwned>(s: &str) -> Option<T> {
    serde_json::from_value(serde_json::Value::String(s.to_owned())).ok()
}
