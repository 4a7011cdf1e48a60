use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

#[allow(unused_imports)]
use crate::*;
use utoipa::ToSchema;

/// What a channel type offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Features {
    /// Typing events are relayed.
    pub typing_events: bool,
    /// `message.read` events are sent when a member marks the channel read (read state and
    /// unread counts are kept either way).
    pub read_events: bool,
    pub reactions: bool,
    /// Threads: messages with a `parent_id`.
    pub replies: bool,
    /// Messages may carry uploaded files.
    pub uploads: bool,
    /// Messages are indexed for search.
    pub search: bool,
    /// New messages are pushed to members' devices.
    pub push_notifications: bool,
    /// Links in messages are previewed.
    pub url_enrichment: bool,
}

/// One of [`Features`], for checks that name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Feature {
    TypingEvents,
    ReadEvents,
    Reactions,
    Replies,
    Uploads,
    PushNotifications,
}

impl Feature {
    /// The field's name in [`Features`].
    pub fn as_str(self) -> &'static str {
        match self {
            Self::TypingEvents => "typing_events",
            Self::ReadEvents => "read_events",
            Self::Reactions => "reactions",
            Self::Replies => "replies",
            Self::Uploads => "uploads",
            Self::PushNotifications => "push_notifications",
        }
    }
}

impl Features {
    pub fn has(&self, feature: Feature) -> bool {
        match feature {
            Feature::TypingEvents => self.typing_events,
            Feature::ReadEvents => self.read_events,
            Feature::Reactions => self.reactions,
            Feature::Replies => self.replies,
            Feature::Uploads => self.uploads,
            Feature::PushNotifications => self.push_notifications,
        }
    }
}

/// Features as `PUT /v1/channel-types/{type}` takes them: each one left out keeps the type's
/// default.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FeaturesPatch {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub typing_events: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub read_events: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reactions: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replies: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uploads: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub search: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub push_notifications: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url_enrichment: Option<bool>,
}

/// A channel type, as `/v1/channel-types` shows it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ChannelTypeView {
    /// The type's name: the `type` of its channels.
    pub name: String,
    /// One of `messaging`, `team`, `livestream`: exists in every tenant, and `PUT` changes
    /// its settings.
    pub built_in: bool,
    pub features: Features,
    /// For each role (`user`, `guest`: app roles; `owner`, `moderator`, `member`: channel
    /// roles), the actions it may do in channels of this type. A user holds the grants of
    /// their app role and of their channel role. Admins and the tenant server are never
    /// denied.
    #[schema(value_type = BTreeMap<Role, Vec<Permission>>)]
    pub grants: Grants,
    /// The tenant's blocklists that screen this type's messages (new and edited), each with
    /// its action; when several match, `block` wins, then `mask`, and `flag` reports.
    pub blocklists: Vec<BlocklistRule>,
    /// When the tenant last changed it; unset for a built-in type still at its defaults.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<DateTime<Utc>>,
}

/// The body of `PUT /v1/channel-types/{type}`: what is left out takes the type's defaults
/// (for a custom type, those of `messaging`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChannelTypeInput {
    #[serde(default)]
    pub features: FeaturesPatch,
    /// Replaces the grants of each role it names (`user`, `guest`, `owner`, `moderator`,
    /// `member`); roles left out keep their defaults. `admin` takes no grants.
    #[serde(default)]
    #[schema(value_type = BTreeMap<Role, Vec<Permission>>)]
    pub grants: Grants,
    /// Blocklists (by name, created with `PUT /v1/blocklists/{name}`) and their action; at
    /// most 10, each once. Left out: none.
    #[serde(default)]
    #[schema(max_items = 10)]
    pub blocklists: Vec<BlocklistRule>,
}

// --- from core/src/model/channel_type.rs
/// A role a grant is given to: the app-level role of the user (`user`, `guest`; `admin` is
/// never denied) and the user's role in the channel, if a member (`owner`, `moderator`,
/// `member`). A user holds the permissions of every role they have.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    User,
    Guest,
    Admin,
    Owner,
    Moderator,
    Member,
}

/// An action in a channel that a grant allows.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    /// Create a channel of the type (the creator becomes its owner).
    CreateChannel,
    /// See the channel, its members and history; subscribe to its events.
    ReadChannel,
    /// Add oneself as a plain member.
    JoinChannel,
    /// Remove oneself.
    LeaveChannel,
    SendMessage,
    /// Send a message in a thread (`parent_id`).
    SendReply,
    SendTypingEvents,
    EditOwnMessage,
    EditAnyMessage,
    DeleteOwnMessage,
    DeleteAnyMessage,
    React,
    PinMessage,
    /// Attach uploaded files to messages.
    UploadFile,
    /// Add members and change members' roles.
    AddMembers,
    RemoveMembers,
    /// Make a member an owner.
    AppointOwners,
    /// Change the channel's name, custom data, frozen state.
    UpdateChannel,
    DeleteChannel,
    /// Flag messages and users for review.
    Flag,
    /// Ban a member from the channel.
    BanChannelMember,
    /// Mention users who are not members of the channel.
    MentionNonMembers,
    /// Post without waiting out the channel's slow mode.
    SkipSlowMode,
}

/// Which role may do which action.
pub type Grants = BTreeMap<Role, BTreeSet<Permission>>;

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::User => "user",
            Self::Guest => "guest",
            Self::Admin => "admin",
            Self::Owner => "owner",
            Self::Moderator => "moderator",
            Self::Member => "member",
        }
    }
}

impl Permission {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::CreateChannel => "create_channel",
            Self::ReadChannel => "read_channel",
            Self::JoinChannel => "join_channel",
            Self::LeaveChannel => "leave_channel",
            Self::SendMessage => "send_message",
            Self::SendReply => "send_reply",
            Self::SendTypingEvents => "send_typing_events",
            Self::EditOwnMessage => "edit_own_message",
            Self::EditAnyMessage => "edit_any_message",
            Self::DeleteOwnMessage => "delete_own_message",
            Self::DeleteAnyMessage => "delete_any_message",
            Self::React => "react",
            Self::PinMessage => "pin_message",
            Self::UploadFile => "upload_file",
            Self::AddMembers => "add_members",
            Self::RemoveMembers => "remove_members",
            Self::AppointOwners => "appoint_owners",
            Self::UpdateChannel => "update_channel",
            Self::DeleteChannel => "delete_channel",
            Self::Flag => "flag",
            Self::BanChannelMember => "ban_channel_member",
            Self::MentionNonMembers => "mention_non_members",
            Self::SkipSlowMode => "skip_slow_mode",
        }
    }
}
