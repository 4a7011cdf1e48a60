//! Authorization: the one place that decides whether a caller may do an action on a target.
//! Every use case asks [`authorize`] and receives a [`Permit`], which only this module can
//! make; a write cannot start without one ([`crate::work::UnitOfWork::begin`] takes it), so a
//! check cannot be forgotten. Channel-type grants and bans plug in here, behind the same
//! signature.

use crate::authn::Caller;
use crate::entities::{channel, member};
use crate::kernel::ids::{ChannelType, MemberRole, UserId};
use crate::{Error, ErrorCode, Parley, Result};

/// Everything a caller can be allowed or denied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// See a channel, its members and history; subscribe to its events.
    ReadChannel,
    /// Post a message (the send pipeline's guards then apply, frozen channels among them).
    SendMessage,
    /// Add or remove one's reaction.
    React,
    /// Send typing events.
    Type,
    /// Pin or unpin a message.
    Pin,
    /// Change a channel's name, custom data or frozen state.
    UpdateChannel,
    /// Delete a channel with everything in it.
    DeleteChannel,
    /// Add members, change their roles, remove others.
    ManageMembers,
    /// Join an open channel (`team`, `livestream`) as a plain member.
    JoinChannel,
    /// Leave a channel.
    LeaveChannel,
    /// Make a member an owner.
    AppointOwner,
    /// Edit, delete or pin a message.
    ChangeMessage,
    /// Create a channel (its creator becomes its owner).
    CreateChannel,
    /// Upload a file, to attach to a message.
    Upload,
    /// Create, change or delete the tenant's users.
    ManageUsers,
    /// Change a user's profile (name, image, custom data).
    UpdateUser,
    /// Change a user's app-level role.
    ChangeUserRole,
    /// The operator's work on tenants (the operator token was checked by the transport).
    ManageTenants,
    /// Parley's own upkeep: sweeps, thumbnails, retention.
    Upkeep,
}

/// What an action is done to.
#[derive(Debug, Clone, Copy)]
pub enum Target<'a> {
    /// The tenant as a whole (its users, its settings).
    App,
    /// A user of the tenant, by id.
    User(&'a str),
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

/// A channel loaded with the membership of the user the caller acts as, for decisions.
#[derive(Debug, Clone)]
pub struct ChannelAccess {
    pub channel: channel::Model,
    pub membership: Option<member::Model>,
}

impl ChannelAccess {
    fn kind(&self) -> ChannelType {
        ChannelType::parse(&self.channel.kind).unwrap_or(ChannelType::Messaging)
    }

    fn role(&self) -> Option<MemberRole> {
        self.membership
            .as_ref()
            .map(|m| MemberRole::from_db(&m.role))
    }

    fn cid(&self) -> &str {
        &self.channel.cid
    }

    /// Whether the caller sees the channel at all (others are told it does not exist or that
    /// they are not a member, as each use case answers).
    pub fn can_read(&self, caller: &Caller) -> bool {
        caller.is_privileged() || self.membership.is_some() || self.kind().is_open()
    }

    fn can_moderate(&self, caller: &Caller) -> bool {
        caller.is_privileged() || self.role().is_some_and(MemberRole::can_moderate)
    }

    fn is_owner(&self, caller: &Caller) -> bool {
        caller.is_privileged() || self.role() == Some(MemberRole::Owner)
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
}

/// Loads channel `cid` with the membership of `as_user` (the caller's user unless given).
pub async fn channel_access(
    ctx: &Parley,
    caller: &Caller,
    cid: &str,
    as_user: Option<&UserId>,
) -> Result<ChannelAccess> {
    let tenant = caller.tenant_id();
    let channel = channel::find(&ctx.db, tenant, cid).await?;
    let membership = match as_user.or(caller.user_id()) {
        Some(u) => member::find(&ctx.db, tenant, cid, u.as_str()).await?,
        None => None,
    };
    Ok(ChannelAccess {
        channel,
        membership,
    })
}

/// Decides whether `caller` may do `action` on `target`. The tenant server and tenant admins
/// may do anything inside their tenant; users get what their membership and role grant.
pub fn authorize(caller: &Caller, action: Action, target: Target<'_>) -> Result<Permit> {
    let granted = Permit { action };
    match (action, target) {
        (Action::ManageUsers, Target::App) => {
            if caller.is_privileged() {
                Ok(granted)
            } else {
                Err(Error::new(
                    ErrorCode::ServerKeyRequired,
                    "only the tenant server (secret key) or an admin user may do this",
                ))
            }
        }
        (Action::CreateChannel | Action::Upload, Target::App) => Ok(granted),
        (Action::UpdateUser, Target::User(id)) => {
            if caller.is_privileged() || caller.user_id().is_some_and(|u| u.as_str() == id) {
                Ok(granted)
            } else {
                Err(Error::forbidden("a user may only change their own profile"))
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
            match action {
                Action::ReadChannel | Action::JoinChannel | Action::LeaveChannel => Ok(granted),
                Action::SendMessage => {
                    if caller.is_privileged() || access.membership.is_some() {
                        Ok(granted)
                    } else {
                        Err(access.not_a_member())
                    }
                }
                Action::React | Action::Type | Action::Pin => {
                    if !caller.is_privileged() && access.membership.is_none() {
                        return Err(access.not_a_member());
                    }
                    access.refuse_if_frozen(caller)?;
                    Ok(granted)
                }
                Action::UpdateChannel | Action::ManageMembers => {
                    if access.can_moderate(caller) {
                        Ok(granted)
                    } else {
                        Err(Error::forbidden(format!(
                            "only owners and moderators of `{}` may do this",
                            access.cid()
                        )))
                    }
                }
                Action::DeleteChannel => {
                    if access.is_owner(caller) {
                        Ok(granted)
                    } else {
                        Err(Error::forbidden(format!(
                            "only the owner of `{}` may delete it",
                            access.cid()
                        )))
                    }
                }
                Action::AppointOwner => {
                    if access.is_owner(caller) {
                        Ok(granted)
                    } else {
                        Err(Error::forbidden("only an owner may make owners"))
                    }
                }
                _ => Err(Error::internal(format!(
                    "{action:?} is not an action on a channel"
                ))),
            }
        }
        (
            Action::ChangeMessage,
            Target::Message {
                channel,
                author,
                actor,
            },
        ) => {
            let is_author = actor.is_some_and(|u| author == Some(u.as_str()));
            if is_author || channel.can_moderate(caller) {
                Ok(granted)
            } else {
                Err(Error::forbidden(
                    "only the author or a channel moderator may change this message",
                ))
            }
        }
        (action, _) => Err(Error::internal(format!(
            "{action:?} is not an action on this target"
        ))),
    }
}
