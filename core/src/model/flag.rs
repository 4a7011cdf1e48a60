//! Flags as moderators review them, and the bodies that create and resolve them.

use chrono::Utc;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::entities::flag;

/// A report, as moderators review it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Flag {
    pub id: String,
    /// The user reported, or the author of the message reported.
    pub user_id: String,
    /// The message reported (absent for a report of a user).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message_id: Option<String>,
    /// The message's channel.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cid: Option<String>,
    /// Who reported; absent when the tenant server did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub status: FlagStatus,
    /// What the moderator did, once resolved.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolution: Option<Resolution>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolved_by: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolved_at: Option<chrono::DateTime<Utc>>,
    pub created_at: chrono::DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FlagStatus {
    Open,
    Resolved,
}

/// A moderator's decision on a flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Resolution {
    /// Nothing to do.
    Dismiss,
    /// Delete the reported message (soft: it stays a tombstone in history).
    DeleteMessage,
    /// Ban the reported user from the app (with the resolve's `reason` and `timeout_s`).
    BanUser,
    /// Shadow-ban the reported user from the app: they are not told, and their messages are
    /// shown to them alone (with the resolve's `reason` and `timeout_s`).
    ShadowBan,
}

impl Resolution {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Dismiss => "dismiss",
            Self::DeleteMessage => "delete_message",
            Self::BanUser => "ban_user",
            Self::ShadowBan => "shadow_ban",
        }
    }

    fn from_db(s: &str) -> Option<Self> {
        match s {
            "dismiss" => Some(Self::Dismiss),
            "delete_message" => Some(Self::DeleteMessage),
            "ban_user" => Some(Self::BanUser),
            "shadow_ban" => Some(Self::ShadowBan),
            _ => None,
        }
    }
}

impl From<flag::Model> for Flag {
    fn from(f: flag::Model) -> Self {
        Self {
            id: f.id,
            user_id: f.user_id,
            message_id: f.message_id,
            cid: f.cid,
            created_by: f.created_by,
            reason: f.reason,
            status: if f.status == "resolved" {
                FlagStatus::Resolved
            } else {
                FlagStatus::Open
            },
            resolution: f.resolution.as_deref().and_then(Resolution::from_db),
            resolved_by: f.resolved_by,
            resolved_at: f.resolved_at,
            created_at: f.created_at,
        }
    }
}

/// The body of a report.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewFlag {
    /// Why; at most 500 characters.
    #[schema(max_length = 500)]
    pub reason: Option<String>,
    /// For the tenant server: the user reporting.
    #[schema(pattern = "^[A-Za-z0-9_.@-]+$", min_length = 1, max_length = 128)]
    pub user_id: Option<String>,
}

/// The body of a resolve.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Resolve {
    pub action: Resolution,
    /// For `ban_user`: the ban's reason, shown to the user.
    #[schema(max_length = 500)]
    pub reason: Option<String>,
    /// For `ban_user`: seconds until the ban lifts (none: until lifted).
    #[schema(minimum = 1, maximum = 31_536_000)]
    pub timeout_s: Option<u64>,
}
