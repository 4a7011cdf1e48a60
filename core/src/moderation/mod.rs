//! Moderation: bans from the whole app or from one channel. A ban in force refuses the
//! user's messages (a guard of the send pipeline); an app-wide ban also refuses every request
//! and connection of the user (authn) and closes their open connections. A shadow ban refuses
//! nothing and tells the user nothing: their messages are stored as `shadowed` and shown to
//! them alone. Bans lift by themselves at `expires_at`, read from the node's clock.

pub mod blocklists;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, QuerySelect,
};

use crate::audit::{AuditAction, Change, TargetKind};
use crate::authn::Caller;
use crate::authz::{Action, Target, authorize, channel_access};
use crate::entities::{ban, flag, user};
use crate::events::{Event, EventKind, Payload};
use crate::kernel::ids::{Cid, UserId};
use crate::kernel::page::{self, Page};
use crate::model::ban::{Ban, NewBan};
use crate::model::flag::Flag;
use crate::realtime::cache::Stale;
use crate::realtime::revoke::{Revocation, Why};
use crate::work::UnitOfWork;
use crate::{Error, ErrorCode, Parley, Result};

const MAX_REASON_CHARS: usize = 500;
const MAX_TIMEOUT_S: u64 = 31_536_000;

/// A ban's checked input: reason and expiry.
struct Terms {
    reason: Option<String>,
    expires_at: Option<DateTime<Utc>>,
    shadow: bool,
}

/// A moderation `reason` (a ban's, a report's): trimmed, at most 500 characters, blank
/// meaning none.
pub(crate) fn parse_reason(input: Option<&str>) -> Result<Option<String>> {
    match input.map(str::trim) {
        Some(r) if r.chars().count() > MAX_REASON_CHARS => Err(Error::invalid(format!(
            "`reason` must be at most {MAX_REASON_CHARS} characters"
        ))),
        Some("") | None => Ok(None),
        Some(r) => Ok(Some(r.to_owned())),
    }
}

fn terms(input: &NewBan, now: DateTime<Utc>) -> Result<Terms> {
    let reason = parse_reason(input.reason.as_deref())?;
    let expires_at = match (input.expires_at, input.timeout_s) {
        (Some(_), Some(_)) => {
            return Err(Error::invalid("give `expires_at` or `timeout_s`, not both"));
        }
        (Some(at), None) if at <= now => {
            return Err(Error::invalid("`expires_at` must be in the future"));
        }
        (Some(at), None) => Some(at),
        (None, Some(s)) if s == 0 || s > MAX_TIMEOUT_S => {
            return Err(Error::invalid(format!(
                "`timeout_s` must be 1 to {MAX_TIMEOUT_S}"
            )));
        }
        (None, Some(s)) => Some(now + chrono::Duration::seconds(i64::try_from(s).unwrap_or(0))),
        (None, None) => None,
    };
    Ok(Terms {
        reason,
        expires_at,
        shadow: input.shadow,
    })
}

/// Who is banning: the session's user, or the moderator the tenant server names.
fn banned_by(caller: &Caller, named: Option<&str>) -> Result<Option<String>> {
    match (caller.user_id(), named) {
        (Some(me), _) => Ok(Some(me.as_str().to_owned())),
        (None, Some(n)) => Ok(Some(UserId::parse("banned_by", n)?.into_string())),
        (None, None) => Ok(None),
    }
}

async fn require_user(ctx: &Parley, tenant: &str, id: &str) -> Result<()> {
    user::Entity::find_by_id((tenant.to_owned(), id.to_owned()))
        .one(&ctx.db)
        .await?
        .map(|_| ())
        .ok_or_else(|| Error::new(ErrorCode::UserNotFound, format!("no user `{id}`")))
}

fn not_banned(user: &str, cid: &str) -> Error {
    let scope = if cid == ban::APP {
        "from the app".to_owned()
    } else {
        format!("from `{cid}`")
    };
    Error::new(
        ErrorCode::BanNotFound,
        format!("`{user}` is not banned {scope}"),
    )
}

/// Writes (or replaces) a ban row and returns it.
async fn store<C: sea_orm::ConnectionTrait>(
    db: &C,
    tenant: &str,
    user: &str,
    cid: &str,
    terms: Terms,
    by: Option<String>,
    now: DateTime<Utc>,
) -> Result<ban::Model> {
    let row = ban::Model {
        tenant_id: tenant.to_owned(),
        user_id: user.to_owned(),
        cid: cid.to_owned(),
        reason: terms.reason,
        created_by: by,
        expires_at: terms.expires_at,
        shadow: terms.shadow,
        created_at: now,
    };
    ban::Entity::insert(row.clone().into_active_model().reset_all())
        .on_conflict(
            OnConflict::columns([ban::Column::TenantId, ban::Column::UserId, ban::Column::Cid])
                .update_columns([
                    ban::Column::Reason,
                    ban::Column::CreatedBy,
                    ban::Column::ExpiresAt,
                    ban::Column::Shadow,
                    ban::Column::CreatedAt,
                ])
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(row)
}

/// Bans a user from the whole app: their requests and connections are refused until the ban
/// lifts, and their open connections get `user.banned` and are closed.
pub async fn ban_user(ctx: &Parley, caller: &Caller, user_id: &str, input: NewBan) -> Result<Ban> {
    let permit = authorize(caller, Action::ManageUsers, Target::App)?;
    if input.user_id.as_deref().is_some_and(|u| u != user_id) {
        return Err(Error::invalid(
            "`user_id` in the body differs from the path's",
        ));
    }
    let now = ctx.now();
    let terms = terms(&input, now)?;
    let by = banned_by(caller, input.banned_by.as_deref())?;
    let tenant = caller.tenant_id();
    require_user(ctx, tenant, user_id).await?;
    let mut work = UnitOfWork::begin(ctx, &permit).await?;
    let stored = Ban::from(store(&*work, tenant, user_id, ban::APP, terms, by, now).await?);
    work.forget_after(Stale::bans(tenant, user_id));
    work.audit(caller, ban_change(user_id, &stored)).await?;
    let payload = Payload {
        user_id: Some(user_id.to_owned()),
        ban: Some(stored.clone()),
        ..Default::default()
    };
    if stored.shadow {
        // The user is not told: only the tenant's server connections and webhooks hear of it.
        tell_server(&mut work, tenant, EventKind::UserBanned, None, &payload).await?;
    } else {
        tell_user(&mut work, tenant, EventKind::UserBanned, user_id, &payload).await?;
        work.revoke_after(Revocation::user(tenant, user_id, Why::UserBanned));
    }
    work.commit().await?;
    Ok(stored)
}

/// An event for the tenant's server connections and webhooks only (a shadow ban's).
async fn tell_server(
    work: &mut UnitOfWork<'_>,
    tenant: &str,
    kind: EventKind,
    cid: Option<&str>,
    payload: &Payload,
) -> Result<()> {
    let event = Event::to_users(tenant, kind, cid, Vec::new(), payload)?;
    work.announce(event, payload).await
}

/// The audit entry of a ban: its scope, reason and expiry.
fn ban_change<'a>(user_id: &'a str, ban: &Ban) -> Change<'a> {
    Change::new(AuditAction::UserBanned, TargetKind::User, user_id).with(serde_json::json!({
        "cid": ban.cid,
        "reason": ban.reason,
        "expires_at": ban.expires_at,
        "shadow": ban.shadow,
    }))
}

/// An app-wide event about a user: to their connections, the tenant's server connections and
/// webhooks.
async fn tell_user(
    work: &mut UnitOfWork<'_>,
    tenant: &str,
    kind: EventKind,
    user_id: &str,
    payload: &Payload,
) -> Result<()> {
    let event = Event::to_users(tenant, kind, None, vec![user_id.to_owned()], payload)?;
    work.announce(event, payload).await
}

/// Lifts a user's app-wide ban.
pub async fn unban_user(ctx: &Parley, caller: &Caller, user_id: &str) -> Result<()> {
    let permit = authorize(caller, Action::ManageUsers, Target::App)?;
    lift(ctx, caller, &permit, user_id, ban::APP).await
}

async fn lift(
    ctx: &Parley,
    caller: &Caller,
    permit: &crate::authz::Permit,
    user_id: &str,
    cid: &str,
) -> Result<()> {
    let tenant = caller.tenant_id();
    let mut work = UnitOfWork::begin(ctx, permit).await?;
    let id = (tenant.to_owned(), user_id.to_owned(), cid.to_owned());
    let Some(lifted) = ban::Entity::find_by_id(id.clone()).one(&*work).await? else {
        return Err(not_banned(user_id, cid));
    };
    ban::Entity::delete_by_id(id).exec(&*work).await?;
    work.forget_after(Stale::bans(tenant, user_id));
    let scope = (cid != ban::APP).then_some(cid);
    let change = Change::new(AuditAction::UserUnbanned, TargetKind::User, user_id)
        .with(serde_json::json!({ "cid": scope }));
    work.audit(caller, change).await?;
    let payload = Payload {
        user_id: Some(user_id.to_owned()),
        ..Default::default()
    };
    if lifted.shadow {
        let scope = (cid != ban::APP).then_some(cid);
        tell_server(&mut work, tenant, EventKind::UserUnbanned, scope, &payload).await?;
    } else if cid == ban::APP {
        tell_user(
            &mut work,
            tenant,
            EventKind::UserUnbanned,
            user_id,
            &payload,
        )
        .await?;
    } else {
        work.record(tenant, cid, EventKind::UserUnbanned, &payload)
            .await?;
    }
    work.commit().await?;
    Ok(())
}

/// Bans a user from one channel (owners and moderators, by the `ban_channel_member` grant):
/// their messages there are refused until the ban lifts. Members see `user.banned`.
pub async fn ban_in_channel(
    ctx: &Parley,
    caller: &Caller,
    cid: &Cid,
    input: NewBan,
) -> Result<Ban> {
    let cid = cid.to_string();
    let access = channel_access(ctx, caller, &cid, None).await?;
    let permit = authorize(caller, Action::BanInChannel, Target::Channel(&access))?;
    let target = UserId::parse(
        "user_id",
        input
            .user_id
            .as_deref()
            .ok_or_else(|| Error::invalid("`user_id` names the user to ban"))?,
    )?;
    if caller.user_id() == Some(&target) {
        return Err(Error::invalid(
            "`user_id`: a moderator cannot ban themselves",
        ));
    }
    let now = ctx.now();
    let terms = terms(&input, now)?;
    let by = banned_by(caller, input.banned_by.as_deref())?;
    let tenant = caller.tenant_id();
    require_user(ctx, tenant, target.as_str()).await?;
    let mut work = UnitOfWork::begin(ctx, &permit).await?;
    let stored = Ban::from(store(&*work, tenant, target.as_str(), &cid, terms, by, now).await?);
    work.forget_after(Stale::bans(tenant, target.as_str()));
    work.audit(caller, ban_change(target.as_str(), &stored))
        .await?;
    let payload = Payload {
        user_id: Some(target.into_string()),
        ban: Some(stored.clone()),
        ..Default::default()
    };
    if stored.shadow {
        tell_server(
            &mut work,
            tenant,
            EventKind::UserBanned,
            Some(&cid),
            &payload,
        )
        .await?;
    } else {
        work.record(tenant, &cid, EventKind::UserBanned, &payload)
            .await?;
    }
    work.commit().await?;
    Ok(stored)
}

/// Lifts a user's ban from a channel.
pub async fn unban_in_channel(
    ctx: &Parley,
    caller: &Caller,
    cid: &Cid,
    user_id: &str,
) -> Result<()> {
    let cid = cid.to_string();
    let access = channel_access(ctx, caller, &cid, None).await?;
    let permit = authorize(caller, Action::BanInChannel, Target::Channel(&access))?;
    lift(ctx, caller, &permit, user_id, &cid).await
}

/// Which bans to list.
#[derive(Debug, Default)]
pub struct BanFilter {
    pub user_id: Option<String>,
    /// Only that channel's bans.
    pub cid: Option<String>,
    /// Only app-wide bans (ignored when `cid` is given).
    pub app_only: bool,
    pub limit: Option<u64>,
    pub cursor: Option<String>,
}

/// The bans in force, by channel then user (app-wide ones first).
pub async fn list(ctx: &Parley, caller: &Caller, filter: BanFilter) -> Result<Page<Ban>> {
    authorize(caller, Action::ManageUsers, Target::App)?;
    in_force(ctx, caller.tenant_id(), filter).await
}

/// The bans in force in one channel (owners and moderators).
pub async fn list_in_channel(
    ctx: &Parley,
    caller: &Caller,
    cid: &Cid,
    limit: Option<u64>,
    cursor: Option<String>,
) -> Result<Page<Ban>> {
    let cid = cid.to_string();
    let access = channel_access(ctx, caller, &cid, None).await?;
    authorize(caller, Action::BanInChannel, Target::Channel(&access))?;
    let filter = BanFilter {
        cid: Some(cid),
        limit,
        cursor,
        ..Default::default()
    };
    in_force(ctx, caller.tenant_id(), filter).await
}

async fn in_force(ctx: &Parley, tenant: &str, filter: BanFilter) -> Result<Page<Ban>> {
    let limit = page::limit(filter.limit)?;
    let mut q = ban::Entity::find()
        .filter(ban::Column::TenantId.eq(tenant))
        .filter(
            Condition::any()
                .add(ban::Column::ExpiresAt.is_null())
                .add(ban::Column::ExpiresAt.gt(ctx.now())),
        );
    if let Some(u) = &filter.user_id {
        q = q.filter(ban::Column::UserId.eq(u.as_str()));
    }
    if let Some(c) = &filter.cid {
        q = q.filter(ban::Column::Cid.eq(c.as_str()));
    } else if filter.app_only {
        q = q.filter(ban::Column::Cid.eq(ban::APP));
    }
    if let Some(cursor) = &filter.cursor {
        let raw = page::decode_cursor(cursor)?;
        let (cid, user) = raw
            .split_once('\n')
            .ok_or_else(|| Error::invalid("`cursor` is not a cursor this API gave out"))?;
        q = q.filter(
            Condition::any().add(ban::Column::Cid.gt(cid)).add(
                Condition::all()
                    .add(ban::Column::Cid.eq(cid))
                    .add(ban::Column::UserId.gt(user)),
            ),
        );
    }
    let mut rows = q
        .order_by_asc(ban::Column::Cid)
        .order_by_asc(ban::Column::UserId)
        .limit(limit + 1)
        .all(&ctx.db)
        .await?;
    let next_cursor = page::next_cursor(&mut rows, limit, |b| format!("{}\n{}", b.cid, b.user_id));
    Ok(Page {
        items: rows.into_iter().map(Ban::from).collect(),
        next_cursor,
    })
}

/// The ban on `user` posting in `cid` (app-wide or there) in force, if any: a ban that
/// refuses before a shadow ban.
pub(crate) async fn posting_ban(
    ctx: &Parley,
    tenant: &str,
    user: &str,
    cid: &str,
) -> Result<Option<Ban>> {
    let now = ctx.now();
    let rows = crate::authn::bans_of(ctx, tenant, user).await?;
    Ok(rows
        .iter()
        .filter(|b| (b.cid == ban::APP || b.cid == cid) && b.is_active(now))
        .min_by_key(|b| (b.shadow, b.cid.clone()))
        .cloned()
        .map(Ban::from))
}

/// The refusal a banned user gets: 403 `user_banned` with the scope, reason and expiry.
pub fn refusal(ban: &Ban) -> Error {
    Error::new(ErrorCode::UserBanned, ban.refusal_detail())
}

/// Announces a report to webhooks and the tenant's server connections (and the reporter's own
/// connections).
pub(crate) async fn announce_flag(
    work: &mut UnitOfWork<'_>,
    tenant: &str,
    kind: EventKind,
    flag: &Flag,
) -> Result<()> {
    let payload = Payload {
        user_id: Some(flag.user_id.clone()),
        flag: Some(flag.clone()),
        ..Default::default()
    };
    // Addressed to users (never to the channel), so only the reporter's and the tenant's
    // server connections see it; the flag carries its channel.
    let event = Event::to_users(
        tenant,
        kind,
        None,
        flag.created_by.iter().cloned().collect(),
        &payload,
    )?;
    work.announce(event, &payload).await
}

/// A report Parley itself raises about a message being stored in `work` (a blocklist with the
/// `flag` action matched): no reporter, the reason naming the rule.
pub(crate) async fn raise_flag(
    work: &mut UnitOfWork<'_>,
    tenant: &str,
    message: &crate::model::message::Message,
    reason: String,
    now: DateTime<Utc>,
) -> Result<()> {
    let Some(author) = message.user_id.clone() else {
        return Ok(());
    };
    let row = flag::Model {
        message_id: Some(message.id.clone()),
        cid: Some(message.cid.clone()),
        ..flag::Model::open(tenant, author, None, Some(reason), now)
    };
    flag::Entity::insert(row.clone().into_active_model())
        .exec_without_returning(&**work)
        .await?;
    announce_flag(work, tenant, EventKind::MessageFlagged, &Flag::from(row)).await
}
