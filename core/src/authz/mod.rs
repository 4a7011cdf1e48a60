//! Authorization: the one place that decides whether a caller may do an action on a target.
//! Every use case asks [`authorize`] and receives a [`Permit`], which only this module can
//! make; a write cannot start without one ([`crate::work::UnitOfWork::begin`] takes it), so a
//! check cannot be forgotten. Channel-type grants and bans plug in here, behind the same
//! signature.

use sea_orm::{ConnectionTrait, EntityTrait};

use crate::authn::{Actor, Caller};
use crate::entities::{channel, channel_type, member};
use crate::kernel::ids::{MemberRole, UserId, UserRole};
use crate::model::channel_type::{BUILT_IN, ChannelTypeSettings, Feature, Permission, Role};
use crate::{Error, ErrorCode, Parley, Result};

/// Everything a caller can be allowed or denied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// See a channel, its members and history; subscribe to its events.
    ReadChannel,
    /// Post a message (the send pipeline's guards then apply, frozen channels among them).
    SendMessage,
    /// Post a message in a thread.
    SendReply,
    /// Add or remove one's reaction.
    React,
    /// Send typing events.
    Type,
    /// Pin or unpin a message.
    Pin,
    /// Attach uploaded files to a message.
    AttachFiles,
    /// Change a channel's name, custom data or frozen state.
    UpdateChannel,
    /// Delete a channel with everything in it.
    DeleteChannel,
    /// Add members and change their roles.
    AddMembers,
    /// Remove other members.
    RemoveMembers,
    /// Join an open channel as a plain member.
    JoinChannel,
    /// Leave a channel.
    LeaveChannel,
    /// Make a member an owner.
    AppointOwner,
    /// Ban a user from the channel, lift the ban, list its bans.
    BanInChannel,
    /// Report a message of the channel.
    Flag,
    /// Report a user of the tenant.
    FlagUser,
    /// Review and resolve reports.
    Moderate,
    /// Edit a message (one's own or, with the grant, anyone's).
    EditMessage,
    /// Delete a message (one's own or, with the grant, anyone's).
    DeleteMessage,
    /// Create a channel of a type (its creator becomes its owner).
    CreateChannel,
    /// Upload a file, to attach to a message.
    Upload,
    /// Create, change or delete the tenant's users.
    ManageUsers,
    /// Change a user's profile (name, image, custom data).
    UpdateUser,
    /// Change a user's app-level role.
    ChangeUserRole,
    /// Read everything stored about a user, as one document (GDPR Art. 15 and 20).
    ExportUser,
    /// Change the tenant's settings and channel types.
    ManageApp,
    /// The operator's work on tenants (the operator token was checked by the transport).
    ManageTenants,
    /// Parley's own upkeep: sweeps, thumbnails, retention.
    Upkeep,
}

impl Action {
    /// The channel-type permission this action needs, for actions in a channel; message
    /// changes depend on whose message it is.
    fn permission(self, own_message: bool) -> Option<Permission> {
        Some(match self {
            Self::ReadChannel => Permission::ReadChannel,
            Self::SendMessage => Permission::SendMessage,
            Self::SendReply => Permission::SendReply,
            Self::React => Permission::React,
            Self::Type => Permission::SendTypingEvents,
            Self::Pin => Permission::PinMessage,
            Self::AttachFiles => Permission::UploadFile,
            Self::UpdateChannel => Permission::UpdateChannel,
            Self::DeleteChannel => Permission::DeleteChannel,
            Self::AddMembers => Permission::AddMembers,
            Self::RemoveMembers => Permission::RemoveMembers,
            Self::JoinChannel => Permission::JoinChannel,
            Self::LeaveChannel => Permission::LeaveChannel,
            Self::AppointOwner => Permission::AppointOwners,
            Self::BanInChannel => Permission::BanChannelMember,
            Self::Flag => Permission::Flag,
            Self::EditMessage if own_message => Permission::EditOwnMessage,
            Self::EditMessage => Permission::EditAnyMessage,
            Self::DeleteMessage if own_message => Permission::DeleteOwnMessage,
            Self::DeleteMessage => Permission::DeleteAnyMessage,
            Self::CreateChannel => Permission::CreateChannel,
            _ => return None,
        })
    }
}

/// What an action is done to.
#[derive(Debug, Clone, Copy)]
pub enum Target<'a> {
    /// The tenant as a whole (its users, its settings).
    App,
    /// A user of the tenant, by id.
    User(&'a str),
    /// A channel type, for creating a channel of it.
    Type(&'a ChannelKind),
    Channel(&'a ChannelAccess),
    /// A message of a channel: its author, and the user the caller acts as (none: the
    /// tenant server acting as itself).
    Message {
        channel: &'a ChannelAccess,
        author: Option<&'a str>,
        actor: Option<&'a UserId>,
    },
}

/// Proof that an action was authorized. Only [`authorize`] (and, for work nobody asked for,
/// [`Permit::upkeep`] and [`Permit::operator`]) make one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Permit {
    action: Action,
}

impl Permit {
    pub fn action(&self) -> Action {
        self.action
    }

    /// For Parley's own upkeep, which no caller asked for.
    pub(crate) fn upkeep() -> Self {
        Self {
            action: Action::Upkeep,
        }
    }

    /// For the operator, whose token the transport checked before calling the use case.
    pub(crate) fn operator() -> Self {
        Self {
            action: Action::ManageTenants,
        }
    }
}

/// A channel type as a decision needs it: its name and its settings.
#[derive(Debug, Clone)]
pub struct ChannelKind {
    pub name: String,
    pub settings: ChannelTypeSettings,
}

impl ChannelKind {
    pub fn has(&self, feature: Feature) -> bool {
        self.settings.features.has(feature)
    }

    /// Refuses what the type turned off, naming the feature.
    pub fn require(&self, feature: Feature) -> Result<()> {
        if self.has(feature) {
            Ok(())
        } else {
            Err(Error::new(
                ErrorCode::FeatureDisabled,
                format!(
                    "`{}` is turned off for channels of type `{}`",
                    feature.as_str(),
                    self.name
                ),
            ))
        }
    }
}

/// Loads channel type `name` of the tenant: its stored settings, a built-in type's defaults,
/// or `None` when the tenant has no such type.
pub async fn channel_kind<C: ConnectionTrait>(
    db: &C,
    tenant: &str,
    name: &str,
) -> Result<Option<ChannelKind>> {
    let stored = channel_type::Entity::find_by_id((tenant.to_owned(), name.to_owned()))
        .one(db)
        .await?;
    Ok(
        settings_of(name, stored.as_ref())?.map(|settings| ChannelKind {
            name: name.to_owned(),
            settings,
        }),
    )
}

/// [`channel_kind`] through this node's cache of channel types. A miss reads what was
/// committed last, not a replica that may still lag the change that dropped the entry (which
/// would keep the old type cached for its whole age).
pub async fn kind_of(ctx: &Parley, tenant: &str, name: &str) -> Result<Option<ChannelKind>> {
    ctx.realtime
        .caches
        .kinds
        .get_or_load(tenant, name, async || {
            channel_kind(ctx.fresh_reads(), tenant, name).await
        })
        .await
}

/// The settings of type `name` given its stored row: the row's, a built-in type's defaults,
/// or `None` when the tenant has no such type.
pub fn settings_of(
    name: &str,
    stored: Option<&channel_type::Model>,
) -> Result<Option<ChannelTypeSettings>> {
    match stored {
        Some(row) => Ok(Some(
            serde_json::from_value(row.settings.clone()).map_err(Error::internal)?,
        )),
        None if BUILT_IN.contains(&name) => Ok(Some(ChannelTypeSettings::defaults(name))),
        None => Ok(None),
    }
}

/// A channel loaded with its type and the membership of the user the caller acts as, for
/// decisions.
#[derive(Debug, Clone)]
pub struct ChannelAccess {
    pub channel: channel::Model,
    pub membership: Option<member::Model>,
    pub kind: ChannelKind,
}

impl ChannelAccess {
    fn role(&self) -> Option<MemberRole> {
        self.membership
            .as_ref()
            .map(|m| MemberRole::from_db(&m.role))
    }

    fn cid(&self) -> &str {
        &self.channel.cid
    }

    /// The roles `caller` holds here: their app role, and their channel role if a member.
    fn roles(&self, caller: &Caller) -> Vec<Role> {
        let mut roles = vec![app_role(caller)];
        if let Some(role) = self.role() {
            roles.push(match role {
                MemberRole::Owner => Role::Owner,
                MemberRole::Moderator => Role::Moderator,
                MemberRole::Member => Role::Member,
            });
        }
        roles
    }

    /// Whether `caller` holds `permission` here.
    pub fn grants(&self, caller: &Caller, permission: Permission) -> bool {
        caller.is_privileged() || self.kind.settings.allows(&self.roles(caller), permission)
    }

    /// Whether the caller sees the channel at all (others are told that they are not a
    /// member).
    pub fn can_read(&self, caller: &Caller) -> bool {
        self.grants(caller, Permission::ReadChannel)
    }

    /// A frozen channel takes no new messages, reactions or typing, except from the tenant
    /// server and admins.
    pub fn refuse_if_frozen(&self, caller: &Caller) -> Result<()> {
        if self.channel.frozen && !caller.is_privileged() {
            return Err(Error::new(
                ErrorCode::ChannelFrozen,
                format!("`{}` is frozen", self.cid()),
            ));
        }
        Ok(())
    }

    fn not_a_member(&self) -> Error {
        Error::new(
            ErrorCode::NotAMember,
            format!("you are not a member of `{}`", self.cid()),
        )
    }

    /// The refusal of `permission`: "not a member" where a membership would grant it,
    /// otherwise `forbidden` naming the permission and the roles that lack it.
    fn deny(&self, caller: &Caller, permission: Permission) -> Error {
        if self.membership.is_none()
            && self
                .kind
                .settings
                .allows(&[app_role(caller), Role::Member], permission)
        {
            return self.not_a_member();
        }
        let roles: Vec<&str> = self.roles(caller).iter().map(|r| r.as_str()).collect();
        Error::denied(
            permission.as_str(),
            format!(
                "`{}` is not granted to {} in channels of type `{}`",
                permission.as_str(),
                roles.join(", "),
                self.kind.name
            ),
        )
    }
}

fn app_role(caller: &Caller) -> Role {
    match &caller.actor {
        Actor::User(u) if u.role == UserRole::Guest => Role::Guest,
        Actor::User(u) if u.role == UserRole::Admin => Role::Admin,
        _ => Role::User,
    }
}

/// Loads channel `cid` with its type and the membership of `as_user` (the caller's user
/// unless given).
pub async fn channel_access(
    ctx: &Parley,
    caller: &Caller,
    cid: &str,
    as_user: Option<&UserId>,
) -> Result<ChannelAccess> {
    let tenant = caller.tenant_id();
    let found = match as_user.or(caller.user_id()) {
        Some(u) => channel::find_with_member(&ctx.reads, tenant, cid, u.as_str()).await,
        None => channel::find(&ctx.reads, tenant, cid)
            .await
            .map(|c| (c, None)),
    };
    access_of(ctx, tenant, cid, found).await
}

/// The access that reading channel `cid` with a membership `found` gives: its type's settings
/// added, or `channel_not_found`.
async fn access_of(
    ctx: &Parley,
    tenant: &str,
    cid: &str,
    found: Result<(channel::Model, Option<member::Model>)>,
) -> Result<ChannelAccess> {
    let (channel, membership) = match found {
        Err(e) if e.code == ErrorCode::ChannelNotFound => {
            // Say so when the type itself is unknown: a typo in the type is the likely cause.
            let kind = cid.split_once(':').map_or(cid, |(kind, _)| kind);
            if kind_of(ctx, tenant, kind).await?.is_none() {
                return Err(Error::new(
                    ErrorCode::ChannelNotFound,
                    format!("no channel `{cid}`: the app has no channel type `{kind}`"),
                ));
            }
            return Err(e);
        }
        found => found?,
    };
    let kind = kind_of(ctx, tenant, &channel.kind).await?.ok_or_else(|| {
        Error::internal(format!(
            "`{}` has type `{}`, which is gone",
            channel.cid, channel.kind
        ))
    })?;
    Ok(ChannelAccess {
        channel,
        membership,
        kind,
    })
}

/// [`channel_access`] for a check that reads no counter (a send, a history page): the channel
/// and the membership of `as_user` (the caller's user unless given) come from this node's
/// cache of seats, read again only when a write made them stale (see `Stale` in the realtime
/// caches). Only what does not move with every message is current (type, frozen, slow mode,
/// the membership's role): the counters are as of the read and the channel's custom data is
/// left out. A send's batch reads the channel's row again in its transaction.
pub async fn seated_access(
    ctx: &Parley,
    caller: &Caller,
    cid: &str,
    as_user: Option<&UserId>,
) -> Result<ChannelAccess> {
    let tenant = caller.tenant_id();
    // The tenant server's seat is the channel alone: no user id is empty.
    let user = as_user.or(caller.user_id()).map_or("", UserId::as_str);
    let seat = ctx
        .realtime
        .caches
        .seat(tenant, cid, user, async || {
            let (mut channel, membership) =
                channel::find_with_member(ctx.fresh_reads(), tenant, cid, user).await?;
            // No check reads it, and a seat per member would hold a copy each.
            channel.custom = serde_json::Value::Null;
            Ok::<_, Error>(std::sync::Arc::new((channel, membership)))
        })
        .await;
    access_of(ctx, tenant, cid, seat.map(|seat| (*seat).clone())).await
}

/// Decides whether `caller` may do `action` on `target`. The tenant server and tenant admins
/// may do anything inside their tenant; users get what their membership and role grant.
pub fn authorize(caller: &Caller, action: Action, target: Target<'_>) -> Result<Permit> {
    let granted = Permit { action };
    match (action, target) {
        (Action::ManageUsers | Action::ManageApp | Action::Moderate, Target::App) => {
            if caller.is_privileged() {
                Ok(granted)
            } else {
                Err(Error::new(
                    ErrorCode::ServerKeyRequired,
                    "only the tenant server (secret key) or an admin user may do this",
                ))
            }
        }
        (Action::Upload | Action::FlagUser, Target::App) => Ok(granted),
        (Action::CreateChannel, Target::Type(kind)) => {
            if caller.is_privileged()
                || kind
                    .settings
                    .allows(&[app_role(caller)], Permission::CreateChannel)
            {
                Ok(granted)
            } else {
                Err(Error::denied(
                    Permission::CreateChannel.as_str(),
                    format!(
                        "`create_channel` is not granted to {} for channels of type `{}`",
                        app_role(caller).as_str(),
                        kind.name
                    ),
                ))
            }
        }
        (Action::UpdateUser, Target::User(id)) => {
            if caller.is_privileged() || caller.user_id().is_some_and(|u| u.as_str() == id) {
                Ok(granted)
            } else {
                Err(Error::forbidden("a user may only change their own profile"))
            }
        }
        (Action::ExportUser, Target::User(id)) => {
            if caller.is_privileged() || caller.user_id().is_some_and(|u| u.as_str() == id) {
                Ok(granted)
            } else {
                Err(Error::denied(
                    "export_user",
                    "a user may only export their own data",
                ))
            }
        }
        (Action::ChangeUserRole, Target::User(_)) => {
            if caller.is_privileged() {
                Ok(granted)
            } else {
                Err(Error::forbidden("a user may not change their own role"))
            }
        }
        (action, Target::Channel(access)) => {
            if !access.can_read(caller) {
                return Err(access.not_a_member());
            }
            let permission = action.permission(false).ok_or_else(|| {
                Error::internal(format!("{action:?} is not an action on a channel"))
            })?;
            if !access.grants(caller, permission) {
                return Err(access.deny(caller, permission));
            }
            if matches!(action, Action::React | Action::Type | Action::Pin) {
                access.refuse_if_frozen(caller)?;
            }
            Ok(granted)
        }
        (
            Action::EditMessage | Action::DeleteMessage,
            Target::Message {
                channel,
                author,
                actor,
            },
        ) => {
            let own = actor.is_some_and(|u| author == Some(u.as_str()));
            let permission = action.permission(own).unwrap_or(Permission::EditAnyMessage);
            if channel.grants(caller, permission) {
                Ok(granted)
            } else {
                Err(channel.deny(caller, permission))
            }
        }
        (action, _) => Err(Error::internal(format!(
            "{action:?} is not an action on this target"
        ))),
    }
}
