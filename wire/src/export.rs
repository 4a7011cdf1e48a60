use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[allow(unused_imports)]
use crate::*;
use utoipa::ToSchema;

/// The export document as `GET /v1/users/{user_id}/export` sends it. It is written part by
/// part in this order rather than built whole; this type describes its shape.
#[derive(Clone, Debug, Serialize, ToSchema, Deserialize)]
pub struct UserExport {
    pub user: ExportedUser,
    /// Every message the user wrote, in id order; deleted ones as the tombstones stored
    /// (`deleted: true`, content erased).
    pub messages: Vec<ExportedMessage>,
    pub reactions: Vec<ExportedReaction>,
    /// The channels the user is a member of, with their role and read state.
    pub memberships: Vec<ExportedMembership>,
    /// Push devices, with their tokens.
    pub devices: Vec<ExportedDevice>,
    /// Files the user uploaded, with fresh signed download URLs (`get_url`).
    pub uploads: Vec<Upload>,
    /// Reports the user made.
    pub flags: Vec<ExportedFlag>,
    /// Bans of the user, in force or expired, app-wide and per channel.
    pub bans: Vec<ExportedBan>,
    /// Users this user muted.
    pub mutes: Vec<ExportedMute>,
    /// Users this user blocked.
    pub blocks: Vec<ExportedMute>,
    pub exported_at: DateTime<Utc>,
}

/// The user's profile, with what the API keeps besides (`last_active_at`).
#[derive(Clone, Debug, Serialize, ToSchema, Deserialize)]
pub struct ExportedUser {
    #[serde(flatten)]
    pub user: User,
    pub last_active_at: Option<DateTime<Utc>>,
}

/// A message the user wrote, with its attachments' download URLs.
#[derive(Clone, Debug, Serialize, ToSchema, Deserialize)]
pub struct ExportedMessage {
    pub id: String,
    pub cid: String,
    pub seq: i64,
    /// `regular`, `reply` (in a thread) or `deleted`.
    #[serde(rename = "type")]
    pub kind: String,
    pub text: String,
    #[schema(value_type = Vec<Object>)]
    pub attachments: serde_json::Value,
    /// The thread the message is a reply in.
    pub parent_id: Option<String>,
    pub quoted_id: Option<String>,
    pub mentions: Vec<String>,
    #[schema(value_type = Object)]
    pub custom: serde_json::Value,
    pub silent: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub edited_at: Option<DateTime<Utc>>,
    pub deleted: bool,
    pub deleted_at: Option<DateTime<Utc>>,
}

/// A reaction the user gave.
#[derive(Clone, Debug, Serialize, ToSchema, Deserialize)]
pub struct ExportedReaction {
    pub message_id: String,
    /// The message's channel (absent if the message is gone).
    pub cid: Option<String>,
    #[serde(rename = "type")]
    pub kind: String,
    pub created_at: DateTime<Utc>,
}

/// A channel membership with its read state.
#[derive(Clone, Debug, Serialize, ToSchema, Deserialize)]
pub struct ExportedMembership {
    pub cid: String,
    pub role: MemberRole,
    /// The last message `seq` the user read in the channel.
    pub last_read_seq: i64,
    /// Whether the user muted the channel (no push).
    pub muted: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A push device.
#[derive(Clone, Debug, Serialize, ToSchema, Deserialize)]
pub struct ExportedDevice {
    /// `apns` or `fcm`.
    pub provider: String,
    pub token: String,
    pub created_at: DateTime<Utc>,
}

/// A report the user made, without the moderator who handled it.
#[derive(Clone, Debug, Serialize, ToSchema, Deserialize)]
pub struct ExportedFlag {
    pub id: String,
    /// The user reported, or the author of the message reported.
    pub user_id: String,
    pub message_id: Option<String>,
    pub cid: Option<String>,
    pub reason: Option<String>,
    pub status: FlagStatus,
    pub resolution: Option<Resolution>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// A ban of the user, without the moderator who imposed it.
#[derive(Clone, Debug, Serialize, ToSchema, Deserialize)]
pub struct ExportedBan {
    /// The channel; `null` for an app-wide ban.
    pub cid: Option<String>,
    pub reason: Option<String>,
    /// When it lifts (or lifted); `null`: when lifted by hand.
    pub expires_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// A user this user muted or blocked.
#[derive(Clone, Debug, Serialize, ToSchema, Deserialize)]
pub struct ExportedMute {
    pub target_id: String,
    pub created_at: DateTime<Utc>,
}

impl From<Message> for ExportedMessage {
    fn from(m: Message) -> Self {
        Self {
            deleted: m.deleted_at.is_some(),
            id: m.id,
            cid: m.cid,
            seq: m.seq,
            kind: m.kind,
            text: m.text,
            attachments: m.attachments,
            parent_id: m.parent_id,
            quoted_id: m.quoted_id,
            mentions: m.mentions,
            custom: m.custom,
            silent: m.silent,
            created_at: m.created_at,
            updated_at: m.updated_at,
            edited_at: m.edited_at,
            deleted_at: m.deleted_at,
        }
    }
}

impl From<Flag> for ExportedFlag {
    fn from(f: Flag) -> Self {
        Self {
            id: f.id,
            user_id: f.user_id,
            message_id: f.message_id,
            cid: f.cid,
            reason: f.reason,
            status: f.status,
            resolution: f.resolution,
            resolved_at: f.resolved_at,
            created_at: f.created_at,
        }
    }
}

impl From<Ban> for ExportedBan {
    fn from(b: Ban) -> Self {
        Self {
            cid: b.cid,
            reason: b.reason,
            expires_at: b.expires_at,
            created_at: b.created_at,
        }
    }
}
