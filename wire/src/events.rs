use serde::{Deserialize, Serialize};

#[allow(unused_imports)]
use crate::*;

/// Every event type of the realtime protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum EventKind {
    #[serde(rename = "message.new")]
    MessageNew,
    #[serde(rename = "message.updated")]
    MessageUpdated,
    #[serde(rename = "message.deleted")]
    MessageDeleted,
    #[serde(rename = "reaction.new")]
    ReactionNew,
    #[serde(rename = "reaction.deleted")]
    ReactionDeleted,
    #[serde(rename = "channel.created")]
    ChannelCreated,
    #[serde(rename = "channel.updated")]
    ChannelUpdated,
    #[serde(rename = "channel.deleted")]
    ChannelDeleted,
    #[serde(rename = "member.added")]
    MemberAdded,
    #[serde(rename = "member.removed")]
    MemberRemoved,
    #[serde(rename = "member.updated")]
    MemberUpdated,
    #[serde(rename = "read.updated")]
    ReadUpdated,
    #[serde(rename = "typing.start")]
    TypingStart,
    #[serde(rename = "typing.stop")]
    TypingStop,
    #[serde(rename = "presence.changed")]
    PresenceChanged,
    #[serde(rename = "notification.added_to_channel")]
    NotificationAddedToChannel,
    #[serde(rename = "user.banned")]
    UserBanned,
    #[serde(rename = "user.unbanned")]
    UserUnbanned,
    #[serde(rename = "message.flagged")]
    MessageFlagged,
    #[serde(rename = "user.flagged")]
    UserFlagged,
    /// To the blocker's own connections: they stop receiving the user's messages.
    #[serde(rename = "user.blocked")]
    UserBlocked,
    #[serde(rename = "user.unblocked")]
    UserUnblocked,
}

impl EventKind {
    /// Whether an endpoint subscribed to `filters` (exact types or families like `message.*`;
    /// none: everything) receives events of this kind.
    pub fn wanted_by(self, filters: &[String]) -> bool {
        let name = self.as_str();
        filters.is_empty()
            || filters.iter().any(|f| {
                f == name
                    || f.strip_suffix(".*")
                        .is_some_and(|family| name.split('.').next() == Some(family))
            })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::MessageNew => "message.new",
            Self::MessageUpdated => "message.updated",
            Self::MessageDeleted => "message.deleted",
            Self::ReactionNew => "reaction.new",
            Self::ReactionDeleted => "reaction.deleted",
            Self::ChannelCreated => "channel.created",
            Self::ChannelUpdated => "channel.updated",
            Self::ChannelDeleted => "channel.deleted",
            Self::MemberAdded => "member.added",
            Self::MemberRemoved => "member.removed",
            Self::MemberUpdated => "member.updated",
            Self::ReadUpdated => "read.updated",
            Self::TypingStart => "typing.start",
            Self::TypingStop => "typing.stop",
            Self::PresenceChanged => "presence.changed",
            Self::NotificationAddedToChannel => "notification.added_to_channel",
            Self::UserBanned => "user.banned",
            Self::UserUnbanned => "user.unbanned",
            Self::MessageFlagged => "message.flagged",
            Self::UserFlagged => "user.flagged",
            Self::UserBlocked => "user.blocked",
            Self::UserUnblocked => "user.unblocked",
        }
    }
}
