//! Bans as clients see them and create them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::entities::ban;

/// A ban of a user, from the whole app or from one channel.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Ban {
    pub user_id: String,
    /// The channel; absent for an app-wide ban.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cid: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Who banned: a user id; absent when the tenant server did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
    /// When the ban lifts by itself; absent: when it is lifted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<DateTime<Utc>>,
    /// A shadow ban: the user is not told and may go on posting, but their messages are shown
    /// to them alone.
    #[serde(default)]
    pub shadow: bool,
    pub created_at: DateTime<Utc>,
}

impl From<ban::Model> for Ban {
    fn from(b: ban::Model) -> Self {
        Self {
            user_id: b.user_id,
            cid: (b.cid != ban::APP).then_some(b.cid),
            reason: b.reason,
            created_by: b.created_by,
            expires_at: b.expires_at,
            shadow: b.shadow,
            created_at: b.created_at,
        }
    }
}

/// The body of a ban.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewBan {
    /// The user to ban (channel bans; an app-wide ban names the user in the path).
    #[schema(pattern = "^[A-Za-z0-9_.@-]+$", min_length = 1, max_length = 128)]
    pub user_id: Option<String>,
    /// Shown to the banned user; at most 500 characters.
    #[schema(max_length = 500)]
    pub reason: Option<String>,
    /// When the ban lifts by itself; must be in the future. Give this or `timeout_s`, or
    /// neither for a ban until lifted.
    pub expires_at: Option<DateTime<Utc>>,
    /// Seconds until the ban lifts by itself (1 to 31,536,000: a year).
    #[schema(minimum = 1, maximum = 31_536_000)]
    pub timeout_s: Option<u64>,
    /// A shadow ban: the user is not told, and may go on posting and connecting, but their
    /// messages are stored as `shadowed` and shown to them alone.
    #[serde(default)]
    pub shadow: bool,
    /// For the tenant server: the moderator banning, recorded as `created_by`.
    #[schema(pattern = "^[A-Za-z0-9_.@-]+$", min_length = 1, max_length = 128)]
    pub banned_by: Option<String>,
}

impl Ban {
    /// What a banned user is told: the scope, the reason, the expiry.
    pub fn refusal_detail(&self) -> String {
        let scope = match &self.cid {
            Some(cid) => format!("you are banned from `{cid}`"),
            None => "you are banned".to_owned(),
        };
        let reason = self
            .reason
            .as_deref()
            .map(|r| format!(": {r}"))
            .unwrap_or_default();
        let until = match self.expires_at {
            Some(t) => format!(" (until {})", t.to_rfc3339()),
            None => " (until lifted)".to_owned(),
        };
        format!("{scope}{reason}{until}")
    }
}
