use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[allow(unused_imports)]
use crate::*;
use utoipa::ToSchema;

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

/// The body of a ban.
#[derive(Debug, Clone, Default, Deserialize, ToSchema, Serialize)]
#[serde(deny_unknown_fields)]
pub struct NewBan {
    /// The user to ban (channel bans; an app-wide ban names the user in the path).
    #[schema(pattern = "^[A-Za-z0-9_.@-]+$", min_length = 1, max_length = 128)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// Shown to the banned user; at most 500 characters.
    #[schema(max_length = 500)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// When the ban lifts by itself; must be in the future. Give this or `timeout_s`, or
    /// neither for a ban until lifted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<DateTime<Utc>>,
    /// Seconds until the ban lifts by itself (1 to 31,536,000: a year).
    #[schema(minimum = 1, maximum = 31_536_000)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout_s: Option<u64>,
    /// A shadow ban: the user is not told, and may go on posting and connecting, but their
    /// messages are stored as `shadowed` and shown to them alone.
    #[serde(default)]
    pub shadow: bool,
    /// For the tenant server: the moderator banning, recorded as `created_by`.
    #[schema(pattern = "^[A-Za-z0-9_.@-]+$", min_length = 1, max_length = 128)]
    #[serde(skip_serializing_if = "Option::is_none")]
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

/// A list of blocked words and regular expressions. Matching folds case, accents and
/// compatibility forms (`Ｂád` reads `bad`); words match whole words or phrases, expressions
/// match anywhere in the folded text, in linear time.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Blocklist {
    pub name: String,
    pub words: Vec<String>,
    pub patterns: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The body of `PUT /v1/blocklists/{name}`: the list's whole content.
#[derive(Debug, Clone, Default, Deserialize, ToSchema, Serialize)]
#[serde(deny_unknown_fields)]
pub struct BlocklistInput {
    /// Words and phrases (1 to 100 characters each, at most 10,000), matched as whole words
    /// in any case and with or without accents.
    #[serde(default)]
    #[schema(max_items = 10_000)]
    pub words: Vec<String>,
    /// Regular expressions (Rust `regex` syntax: no look-around or back-references, so
    /// matching stays linear; at most 100, of 1 to 500 characters), matched against the
    /// folded text: lowercase, without accents.
    #[serde(default)]
    #[schema(max_items = 100)]
    pub patterns: Vec<String>,
}

/// What a channel type does with a message that matches a blocklist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BlocklistAction {
    /// Store it as sent and report it to the moderators (`message.flagged`).
    Flag,
    /// Store it with every match replaced by `***`.
    Mask,
    /// Refuse it: 422 `message_blocked`.
    Block,
}

impl BlocklistAction {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Flag => "flag",
            Self::Mask => "mask",
            Self::Block => "block",
        }
    }
}

/// A blocklist a channel type screens messages with, and its action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BlocklistRule {
    /// The blocklist's name.
    #[schema(pattern = "^[a-z0-9_-]{1,64}$")]
    pub name: String,
    pub action: BlocklistAction,
}

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

    pub fn from_db(s: &str) -> Option<Self> {
        match s {
            "dismiss" => Some(Self::Dismiss),
            "delete_message" => Some(Self::DeleteMessage),
            "ban_user" => Some(Self::BanUser),
            "shadow_ban" => Some(Self::ShadowBan),
            _ => None,
        }
    }
}

/// The body of a report.
#[derive(Debug, Clone, Default, Deserialize, ToSchema, Serialize)]
#[serde(deny_unknown_fields)]
pub struct NewFlag {
    /// Why; at most 500 characters.
    #[schema(max_length = 500)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// For the tenant server: the user reporting.
    #[schema(pattern = "^[A-Za-z0-9_.@-]+$", min_length = 1, max_length = 128)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
}

/// The body of a resolve.
#[derive(Debug, Clone, Deserialize, ToSchema, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Resolve {
    pub action: Resolution,
    /// For `ban_user`: the ban's reason, shown to the user.
    #[schema(max_length = 500)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// For `ban_user`: seconds until the ban lifts (none: until lifted).
    #[schema(minimum = 1, maximum = 31_536_000)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout_s: Option<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum BanScope {
    /// App-wide bans only.
    App,
}
