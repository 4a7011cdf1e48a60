use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

#[allow(unused_imports)]
use crate::*;
use utoipa::ToSchema;

/// A member of a channel.
#[derive(Debug, Clone, Serialize, ToSchema, Deserialize)]
pub struct Member {
    pub user_id: String,
    pub role: MemberRole,
    pub last_read_seq: i64,
    /// The member gets no push notifications from this channel.
    pub muted: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A channel as events carry it (nothing specific to a viewer).
#[derive(Debug, Clone, Serialize, ToSchema, Deserialize)]
pub struct ChannelInfo {
    pub cid: String,
    #[serde(rename = "type")]
    pub kind: ChannelType,
    pub id: String,
    pub name: Option<String>,
    #[schema(value_type = Object)]
    pub custom: serde_json::Value,
    pub frozen: bool,
    /// Seconds a member waits between their messages; 0: off.
    pub slow_mode_s: i32,
    pub created_by: Option<String>,
    pub member_count: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A channel as the caller sees it.
#[derive(Clone, Debug, Serialize, ToSchema, Deserialize)]
pub struct Channel {
    pub cid: String,
    #[serde(rename = "type")]
    pub kind: ChannelType,
    pub id: String,
    pub name: Option<String>,
    #[schema(value_type = Object)]
    pub custom: serde_json::Value,
    pub frozen: bool,
    /// Seconds a member waits between their messages (owners and moderators do not); 0: off.
    pub slow_mode_s: i32,
    pub created_by: Option<String>,
    pub member_count: i32,
    /// The `seq` of the newest message.
    pub last_seq: i64,
    pub last_message_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The first members (up to 100), by join time.
    pub members: Vec<Member>,
    /// The caller's own membership, when the caller is a member.
    pub membership: Option<Member>,
    /// Messages the caller has not read (present when the caller is a member).
    pub unread_count: Option<i64>,
    pub last_message: Option<Message>,
}

#[derive(Clone, Debug, Deserialize, ToSchema, Serialize)]
#[serde(deny_unknown_fields)]
pub struct NewChannel {
    // A channel type of the app (the schema says so; a doc comment here would
    // wrap it in an `allOf` that no value satisfies).
    #[serde(rename = "type")]
    #[schema(value_type = crate::ChannelType, inline)]
    pub kind: String,
    /// Omit for a server-generated id (or with `distinct`).
    #[schema(pattern = "^[A-Za-z0-9_-]+$", min_length = 1, max_length = 64)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[schema(max_length = 200)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// User ids to add as members. The creating user is always added, as owner.
    #[serde(default)]
    pub members: Vec<String>,
    /// One channel per member set: creating it again returns the existing one.
    #[serde(default)]
    pub distinct: bool,
    #[schema(value_type = Option<Object>)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom: Option<serde_json::Value>,
    /// With the secret key: the user who creates the channel (becomes owner).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize, ToSchema, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ChannelPatch {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[schema(value_type = Option<Object>)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom: Option<serde_json::Value>,
    /// A frozen channel accepts no new messages or reactions, except from the tenant server and admins.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub frozen: Option<bool>,
    /// Slow mode: seconds a member waits between their messages, 0 to turn it off (at most
    /// 3,600). Those granted `skip_slow_mode` (owners, moderators) are not held back.
    #[schema(minimum = 0, maximum = 3600)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub slow_mode_s: Option<u32>,
}

#[derive(Clone, Debug, Deserialize, ToSchema, Serialize)]
#[serde(deny_unknown_fields)]
pub struct AddMembers {
    #[schema(min_items = 1)]
    pub user_ids: Vec<String>,
    /// Role for the added users; default `member`. Existing members get this role too.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<MemberRole>,
}

#[derive(Clone, Debug, Deserialize, ToSchema, Serialize)]
#[serde(deny_unknown_fields)]
pub struct MemberPatch {
    pub role: MemberRole,
}

#[derive(Clone, Debug, Default, Deserialize, ToSchema, Serialize)]
#[serde(deny_unknown_fields)]
pub struct MarkRead {
    /// Read up to and including this seq; default: everything.
    #[schema(minimum = 0)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seq: Option<i64>,
    /// With the secret key: whose read state to change (required with the secret key).
    #[schema(pattern = "^[A-Za-z0-9_.@-]+$", min_length = 1, max_length = 128)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
}

/// Read state after `POST …/read`.
#[derive(Clone, Debug, Serialize, ToSchema, Deserialize)]
pub struct ReadState {
    pub cid: String,
    pub user_id: String,
    pub last_read_seq: i64,
    pub unread_count: i64,
}

/// `GET /v1/me/unread`.
#[derive(Clone, Debug, Serialize, ToSchema, Deserialize)]
pub struct Unread {
    pub total_unread_count: i64,
    /// The channels with unread messages, by `cid`; a channel read to its end is left out.
    pub channels: Vec<ChannelUnread>,
}

#[derive(Clone, Debug, Serialize, ToSchema, Deserialize)]
pub struct ChannelUnread {
    pub cid: String,
    pub unread_count: i64,
    pub last_read_seq: i64,
}

/// Which channels `GET /v1/channels` lists.
#[derive(Debug, Clone, Copy, Default, Deserialize, ToSchema, PartialEq, Eq, Serialize)]
pub enum ChannelSort {
    /// Most recent activity (last message, or creation) first.
    #[default]
    #[serde(rename = "-last_message_at")]
    LastMessageAt,
    /// Newest channels first.
    #[serde(rename = "-created_at")]
    CreatedAt,
}

/// The name of a channel type: a built-in one (`messaging`, `team`, `livestream`) or one the
/// tenant defined (`/v1/channel-types`). Up to 32 lowercase letters, digits, `_` and `-`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(try_from = "String", into = "String")]
#[schema(value_type = String, pattern = "^[a-z0-9_-]{1,32}$", example = "messaging")]
pub struct ChannelType(String);

impl ChannelType {
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        check_chars(
            "type",
            s,
            32,
            |c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '_' | '-'),
            "lowercase letters, digits, _ -",
        )?;
        Ok(Self(s.to_owned()))
    }

    /// A type name read back from the database, where only parsed names are written.
    pub fn from_db(s: &str) -> Self {
        Self(s.to_owned())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for ChannelType {
    type Error = Invalid;
    fn try_from(s: String) -> Result<Self, Invalid> {
        Self::parse(&s)
    }
}

impl From<ChannelType> for String {
    fn from(t: ChannelType) -> Self {
        t.0
    }
}

impl fmt::Display for ChannelType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
