//! Flags: users (and the tenant server) report a message or a user; moderators review the
//! open reports and resolve each with an action: dismiss it, delete the message, or ban the
//! user. Every flag is announced as `message.flagged` or `user.flagged` to webhooks and the
//! tenant's server connections, never to the channel.

use crate::audit::{AuditAction, Change, TargetKind};
use crate::authn::Caller;
use crate::authz::{Action, Target, authorize};
use crate::entities::{flag, user};
use crate::events::EventKind;
use crate::kernel::ids::UserId;
use crate::kernel::page::{self, Page};
use crate::model::ban::NewBan;
use crate::model::flag::{Flag, FlagStatus, NewFlag, Resolution, Resolve};
use crate::work::UnitOfWork;
use crate::{Error, ErrorCode, Parley, Result};
use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder,
    QuerySelect,
};
use serde_json::json;

/// Who reports: the session's user, or the user the tenant server names (or itself).
fn reporter(caller: &Caller, named: Option<&str>) -> Result<Option<UserId>> {
    match (caller.user_id(), named) {
        (None, None) => Ok(None),
        _ => caller.acting_user(named).map(Some),
    }
}

/// Reports a message. A user flags a message of a channel they may read, with the
/// `flag` grant; flagging the same message again returns the first report.
pub async fn flag_message(
    ctx: &Parley,
    caller: &Caller,
    message_id: &str,
    input: NewFlag,
) -> Result<(Flag, bool)> {
    let by = reporter(caller, input.user_id.as_deref())?;
    let (m, access) = crate::messages::load(ctx, caller, message_id, by.as_ref()).await?;
    let permit = authorize(caller, Action::Flag, Target::Channel(&access))?;
    let author = m.user_id.clone().ok_or_else(|| {
        Error::invalid("the message's author was deleted; there is nobody to report")
    })?;
    let row = flag::Model {
        message_id: Some(m.id.clone()),
        cid: Some(m.cid.clone()),
        ..open_flag(caller, author, by, &input)?
    };
    store(ctx, caller, &permit, row, EventKind::MessageFlagged).await
}

/// Reports a user of the tenant.
pub async fn flag_user(
    ctx: &Parley,
    caller: &Caller,
    user_id: &str,
    input: NewFlag,
) -> Result<(Flag, bool)> {
    let permit = authorize(caller, Action::FlagUser, Target::App)?;
    let by = reporter(caller, input.user_id.as_deref())?;
    if by.as_ref().is_some_and(|b| b.as_str() == user_id) {
        return Err(Error::invalid("a user cannot report themselves"));
    }
    user::Entity::find_by_id((caller.tenant_id().to_owned(), user_id.to_owned()))
        .one(&ctx.db)
        .await?
        .ok_or_else(|| Error::new(ErrorCode::UserNotFound, format!("no user `{user_id}`")))?;
    let row = open_flag(caller, user_id.to_owned(), by, &input)?;
    store(ctx, caller, &permit, row, EventKind::UserFlagged).await
}

/// A new open report of `user_id` (a message's fields are added by the caller).
fn open_flag(
    caller: &Caller,
    user_id: String,
    by: Option<UserId>,
    input: &NewFlag,
) -> Result<flag::Model> {
    Ok(flag::Model::open(
        caller.tenant_id(),
        user_id,
        by.map(UserId::into_string),
        crate::moderation::parse_reason(input.reason.as_deref())?,
        Utc::now(),
    ))
}

/// Stores a report unless the same reporter already has an open one on the same message or
/// user, and announces it. Returns the flag and whether it is new.
async fn store(
    ctx: &Parley,
    caller: &Caller,
    permit: &crate::authz::Permit,
    row: flag::Model,
    kind: EventKind,
) -> Result<(Flag, bool)> {
    let mut same = flag::Entity::find()
        .filter(flag::Column::TenantId.eq(row.tenant_id.as_str()))
        .filter(flag::Column::UserId.eq(row.user_id.as_str()))
        .filter(flag::Column::Status.eq("open"));
    same = match &row.message_id {
        Some(m) => same.filter(flag::Column::MessageId.eq(m.as_str())),
        None => same.filter(flag::Column::MessageId.is_null()),
    };
    same = match &row.created_by {
        Some(b) => same.filter(flag::Column::CreatedBy.eq(b.as_str())),
        None => same.filter(flag::Column::CreatedBy.is_null()),
    };
    if let Some(existing) = same.one(&ctx.db).await? {
        return Ok((existing.into(), false));
    }
    let mut work = UnitOfWork::begin(ctx, permit).await?;
    flag::Entity::insert(row.clone().into_active_model().reset_all())
        .exec_without_returning(&*work)
        .await?;
    let change = Change::new(AuditAction::FlagCreated, TargetKind::Flag, &row.id).with(json!({
        "user_id": row.user_id,
        "message_id": row.message_id,
        "cid": row.cid,
    }));
    work.audit(caller, change).await?;
    let tenant = row.tenant_id.clone();
    let flag = Flag::from(row);
    crate::moderation::announce_flag(&mut work, &tenant, kind, &flag).await?;
    work.commit().await?;
    Ok((flag, true))
}

/// Which flags to list.
#[derive(Debug, Default)]
pub struct FlagFilter {
    pub status: Option<FlagStatus>,
    pub cid: Option<String>,
    pub user_id: Option<String>,
    pub limit: Option<u64>,
    pub cursor: Option<String>,
}

/// The review queue, oldest first (the tenant server and admins).
pub async fn list(ctx: &Parley, caller: &Caller, filter: FlagFilter) -> Result<Page<Flag>> {
    authorize(caller, Action::Moderate, Target::App)?;
    let limit = page::limit(filter.limit)?;
    let mut q = flag::Entity::find().filter(flag::Column::TenantId.eq(caller.tenant_id()));
    if let Some(status) = filter.status {
        q = q.filter(flag::Column::Status.eq(status_str(status)));
    }
    if let Some(cid) = &filter.cid {
        q = q.filter(flag::Column::Cid.eq(cid.as_str()));
    }
    if let Some(user) = &filter.user_id {
        q = q.filter(flag::Column::UserId.eq(user.as_str()));
    }
    if let Some(cursor) = &filter.cursor {
        q = q.filter(flag::Column::Id.gt(page::decode_cursor(cursor)?));
    }
    let mut rows = q
        .order_by_asc(flag::Column::Id)
        .limit(limit + 1)
        .all(&ctx.db)
        .await?;
    let next_cursor = page::next_cursor(&mut rows, limit, |f| f.id.clone());
    Ok(Page {
        items: rows.into_iter().map(Flag::from).collect(),
        next_cursor,
    })
}

fn status_str(status: FlagStatus) -> &'static str {
    match status {
        FlagStatus::Open => "open",
        FlagStatus::Resolved => "resolved",
    }
}

/// Resolves an open flag with an action (the tenant server and admins). The action runs
/// first (a message deleted, a user banned), then the flag is marked resolved with it.
pub async fn resolve(ctx: &Parley, caller: &Caller, id: &str, input: Resolve) -> Result<Flag> {
    let permit = authorize(caller, Action::Moderate, Target::App)?;
    let not_found = || Error::new(ErrorCode::FlagNotFound, format!("no flag `{id}`"));
    let found = flag::Entity::find_by_id((caller.tenant_id().to_owned(), id.to_owned()))
        .one(&ctx.db)
        .await?
        .ok_or_else(not_found)?;
    if found.status != "open" {
        return Err(Error::invalid(format!("flag `{id}` is already resolved")));
    }
    let bans = matches!(input.action, Resolution::BanUser | Resolution::ShadowBan);
    if !bans && (input.reason.is_some() || input.timeout_s.is_some()) {
        return Err(Error::invalid(
            "`reason` and `timeout_s` go with the `ban_user` and `shadow_ban` actions only",
        ));
    }
    match input.action {
        Resolution::Dismiss => {}
        Resolution::DeleteMessage => {
            let message = found.message_id.as_deref().ok_or_else(|| {
                Error::invalid("`action`: this flag reports a user, not a message")
            })?;
            crate::messages::delete(ctx, caller, message, None, false).await?;
        }
        Resolution::BanUser | Resolution::ShadowBan => {
            let ban = NewBan {
                reason: input.reason,
                timeout_s: input.timeout_s,
                shadow: input.action == Resolution::ShadowBan,
                ..NewBan::default()
            };
            crate::moderation::ban_user(ctx, caller, &found.user_id, ban).await?;
        }
    }
    let work = UnitOfWork::begin(ctx, &permit).await?;
    let done = flag::Entity::update_many()
        .col_expr(flag::Column::Status, Expr::value("resolved"))
        .col_expr(flag::Column::Resolution, Expr::value(input.action.as_str()))
        .col_expr(
            flag::Column::ResolvedBy,
            Expr::value(caller.user_id().map(|u| u.as_str().to_owned())),
        )
        .col_expr(flag::Column::ResolvedAt, Expr::value(Utc::now()))
        .filter(flag::Column::TenantId.eq(caller.tenant_id()))
        .filter(flag::Column::Id.eq(id))
        .filter(flag::Column::Status.eq("open"))
        .exec(&*work)
        .await?;
    if done.rows_affected == 0 {
        return Err(Error::invalid(format!("flag `{id}` is already resolved")));
    }
    let change = Change::new(AuditAction::FlagResolved, TargetKind::Flag, id)
        .with(json!({ "action": input.action.as_str(), "user_id": found.user_id }));
    work.audit(caller, change).await?;
    let stored = flag::Entity::find_by_id((caller.tenant_id().to_owned(), id.to_owned()))
        .one(&*work)
        .await?
        .ok_or_else(not_found)?;
    work.commit().await?;
    Ok(stored.into())
}
