//! Channel types: what a kind of channel offers (its features) and who may do what in it
//! (its grants). Three are built in (`messaging`, `team`, `livestream`); a tenant may change
//! them and add its own through `/v1/channel-types`.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::kernel::error::{Error, Result};
use crate::model::blocklist::BlocklistRule;

/// Blocklists one channel type screens with, at most.
pub const MAX_BLOCKLISTS: usize = 10;

/// The built-in types, which exist in every tenant.
pub const BUILT_IN: [&str; 3] = ["messaging", "team", "livestream"];

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
    pub typing_events: Option<bool>,
    pub read_events: Option<bool>,
    pub reactions: Option<bool>,
    pub replies: Option<bool>,
    pub uploads: Option<bool>,
    pub search: Option<bool>,
    pub push_notifications: Option<bool>,
    pub url_enrichment: Option<bool>,
}

/// Which role may do which action.
pub type Grants = BTreeMap<Role, BTreeSet<Permission>>;

/// A channel type's settings, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelTypeSettings {
    pub features: Features,
    pub grants: Grants,
    /// The blocklists messages are screened with, in order.
    #[serde(default)]
    pub blocklists: Vec<BlocklistRule>,
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

impl ChannelTypeSettings {
    /// The settings a type has until the tenant changes them.
    pub fn defaults(name: &str) -> Self {
        use Permission::*;
        let member: BTreeSet<Permission> = [
            ReadChannel,
            LeaveChannel,
            SendMessage,
            SendReply,
            SendTypingEvents,
            EditOwnMessage,
            DeleteOwnMessage,
            React,
            PinMessage,
            UploadFile,
            Flag,
        ]
        .into();
        let mut moderator = member.clone();
        moderator.extend([
            EditAnyMessage,
            DeleteAnyMessage,
            AddMembers,
            RemoveMembers,
            UpdateChannel,
            BanChannelMember,
            SkipSlowMode,
        ]);
        let mut owner = moderator.clone();
        owner.extend([DeleteChannel, AppointOwners]);
        let (user, guest): (BTreeSet<Permission>, BTreeSet<Permission>) = match name {
            // Open: anyone reads and joins.
            "team" | "livestream" => (
                [CreateChannel, ReadChannel, JoinChannel].into(),
                [ReadChannel].into(),
            ),
            // Private: members only.
            _ => ([CreateChannel].into(), BTreeSet::new()),
        };
        let grants = Grants::from([
            (Role::User, user),
            (Role::Guest, guest),
            (Role::Member, member),
            (Role::Moderator, moderator),
            (Role::Owner, owner),
        ]);
        let livestream = name == "livestream";
        Self {
            features: Features {
                typing_events: !livestream,
                read_events: !livestream,
                reactions: true,
                replies: true,
                uploads: true,
                search: true,
                push_notifications: true,
                url_enrichment: true,
            },
            grants,
            blocklists: Vec::new(),
        }
    }

    /// The settings `input` gives type `name`: its defaults, with what the input sets.
    pub fn from_input(name: &str, input: ChannelTypeInput) -> Result<Self> {
        let mut out = Self::defaults(name);
        let f = input.features;
        let set = |slot: &mut bool, value: Option<bool>| {
            if let Some(v) = value {
                *slot = v;
            }
        };
        set(&mut out.features.typing_events, f.typing_events);
        set(&mut out.features.read_events, f.read_events);
        set(&mut out.features.reactions, f.reactions);
        set(&mut out.features.replies, f.replies);
        set(&mut out.features.uploads, f.uploads);
        set(&mut out.features.search, f.search);
        set(&mut out.features.push_notifications, f.push_notifications);
        set(&mut out.features.url_enrichment, f.url_enrichment);
        for (role, permissions) in input.grants {
            if role == Role::Admin {
                return Err(Error::invalid(
                    "`grants.admin`: admins are never denied and take no grants",
                ));
            }
            if permissions.contains(&Permission::CreateChannel)
                && matches!(role, Role::Owner | Role::Moderator | Role::Member)
            {
                return Err(Error::invalid(format!(
                    "`grants.{}`: `create_channel` is granted to app roles (user, guest), \
                     since a channel's roles exist only once it does",
                    role.as_str()
                )));
            }
            out.grants.insert(role, permissions);
        }
        if input.blocklists.len() > MAX_BLOCKLISTS {
            return Err(Error::invalid(format!(
                "`blocklists`: at most {MAX_BLOCKLISTS} per channel type"
            )));
        }
        for (i, rule) in input.blocklists.iter().enumerate() {
            if input.blocklists[..i].iter().any(|r| r.name == rule.name) {
                return Err(Error::invalid(format!(
                    "`blocklists[{i}].name`: `{}` is listed twice",
                    rule.name
                )));
            }
        }
        out.blocklists = input.blocklists;
        Ok(out)
    }

    /// Whether any of `roles` is granted `permission`.
    pub fn allows(&self, roles: &[Role], permission: Permission) -> bool {
        roles
            .iter()
            .any(|r| self.grants.get(r).is_some_and(|g| g.contains(&permission)))
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_names_match_serde() {
        for p in [
            Permission::CreateChannel,
            Permission::SendTypingEvents,
            Permission::Flag,
        ] {
            assert_eq!(
                serde_json::to_value(p).unwrap(),
                serde_json::Value::from(p.as_str())
            );
        }
        for r in [Role::User, Role::Moderator] {
            assert_eq!(
                serde_json::to_value(r).unwrap(),
                serde_json::Value::from(r.as_str())
            );
        }
    }

    #[test]
    fn feature_names_are_the_field_names() {
        let on = serde_json::to_value(ChannelTypeSettings::defaults("messaging").features).unwrap();
        for f in [
            Feature::TypingEvents,
            Feature::ReadEvents,
            Feature::Reactions,
            Feature::Replies,
            Feature::Uploads,
            Feature::PushNotifications,
        ] {
            assert_eq!(on[f.as_str()], true, "{}", f.as_str());
        }
    }

    #[test]
    fn defaults_follow_the_type() {
        let messaging = ChannelTypeSettings::defaults("messaging");
        assert!(!messaging.allows(&[Role::User], Permission::ReadChannel));
        assert!(messaging.allows(&[Role::User, Role::Member], Permission::ReadChannel));
        let team = ChannelTypeSettings::defaults("team");
        assert!(team.allows(&[Role::User], Permission::JoinChannel));
        assert!(!team.allows(&[Role::User], Permission::SendMessage));
        let live = ChannelTypeSettings::defaults("livestream");
        assert!(!live.features.typing_events && !live.features.read_events);
        assert!(live.features.reactions);
    }
}
