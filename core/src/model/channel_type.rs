//! Channel types: what a kind of channel offers (its features) and who may do what in it
//! (its grants). Three are built in (`messaging`, `team`, `livestream`); a tenant may change
//! them and add its own through `/v1/channel-types`.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::kernel::error::{Error, Result};
use crate::model::blocklist::BlocklistRule;
pub use parley_wire::channel_types::{
    ChannelTypeInput, ChannelTypeView, Feature, Features, FeaturesPatch,
};
pub use parley_wire::channel_types::{Grants, Permission, Role};

/// Blocklists one channel type screens with, at most.
pub const MAX_BLOCKLISTS: usize = 10;

/// The built-in types, which exist in every tenant.
pub const BUILT_IN: [&str; 3] = ["messaging", "team", "livestream"];

/// A channel type's settings, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelTypeSettings {
    pub features: Features,
    pub grants: Grants,
    /// The blocklists messages are screened with, in order.
    #[serde(default)]
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
