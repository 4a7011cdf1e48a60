//! User blocks: a user blocks another (`/v1/me/blocks`). The blocked user's messages no longer
//! reach the blocker (live, in replays, history, unread counts and push), and the blocked user
//! can neither open nor post into a distinct DM with the blocker.

use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder,
};

use crate::authn::Caller;
use crate::authz::{Action, Target, authorize};
use crate::entities::{user, user_block};
use crate::events::{Event, EventKind, Payload};
use crate::kernel::ids::UserId;
use crate::work::UnitOfWork;
use crate::{Error, ErrorCode, Parley, Result};
pub use parley_wire::users::Block;

fn me(caller: &Caller) -> Result<&UserId> {
    caller
        .user_id()
        .ok_or_else(|| Error::forbidden("blocks are a user's own: call with a user token"))
}

/// Blocks `target`. Returns the block and whether it is new.
pub async fn block(ctx: &Parley, caller: &Caller, target: &str) -> Result<(Block, bool)> {
    let me = me(caller)?.as_str();
    let permit = authorize(caller, Action::UpdateUser, Target::User(me))?;
    let target = UserId::parse("user_id", target)?;
    if target.as_str() == me {
        return Err(Error::invalid("`user_id`: a user cannot block themselves"));
    }
    let tenant = caller.tenant_id();
    if user::Entity::find_by_id((tenant.to_owned(), target.as_str().to_owned()))
        .one(&ctx.db)
        .await?
        .is_none()
    {
        return Err(Error::new(
            ErrorCode::UserNotFound,
            format!("no user `{target}`"),
        ));
    }
    if let Some(existing) = find(&ctx.db, tenant, me, target.as_str()).await? {
        return Ok((view(existing), false));
    }
    let row = user_block::Model {
        tenant_id: tenant.to_owned(),
        user_id: me.to_owned(),
        target_id: target.as_str().to_owned(),
        created_at: ctx.now(),
    };
    let mut work = UnitOfWork::begin(ctx, &permit).await?;
    user_block::Entity::insert(row.clone().into_active_model())
        .on_conflict_do_nothing()
        .exec_without_returning(&*work)
        .await?;
    tell(
        &mut work,
        tenant,
        EventKind::UserBlocked,
        me,
        target.as_str(),
    )
    .await?;
    work.commit().await?;
    Ok((view(row), true))
}

/// Lifts a block (404 `block_not_found` when there is none).
pub async fn unblock(ctx: &Parley, caller: &Caller, target: &str) -> Result<()> {
    let me = me(caller)?.as_str();
    let permit = authorize(caller, Action::UpdateUser, Target::User(me))?;
    let tenant = caller.tenant_id();
    let mut work = UnitOfWork::begin(ctx, &permit).await?;
    let gone =
        user_block::Entity::delete_by_id((tenant.to_owned(), me.to_owned(), target.to_owned()))
            .exec(&*work)
            .await?;
    if gone.rows_affected == 0 {
        return Err(Error::new(
            ErrorCode::BlockNotFound,
            format!("you have not blocked `{target}`"),
        ));
    }
    tell(&mut work, tenant, EventKind::UserUnblocked, me, target).await?;
    work.commit().await
}

/// The blocker's own connections (and the tenant's server connections) learn of it, and stop
/// or resume delivering the user's messages.
async fn tell(
    work: &mut UnitOfWork<'_>,
    tenant: &str,
    kind: EventKind,
    me: &str,
    target: &str,
) -> Result<()> {
    let payload = Payload {
        user_id: Some(target.to_owned()),
        ..Default::default()
    };
    let mut event = Event::to_users(tenant, kind, None, vec![me.to_owned()], &payload)?;
    event.about(target);
    work.publish_after(event);
    Ok(())
}

/// The caller's blocks, newest first.
pub async fn list(ctx: &Parley, caller: &Caller) -> Result<Vec<Block>> {
    let me = me(caller)?.as_str();
    Ok(user_block::Entity::find()
        .filter(user_block::Column::TenantId.eq(caller.tenant_id()))
        .filter(user_block::Column::UserId.eq(me))
        .order_by_desc(user_block::Column::CreatedAt)
        .all(&ctx.db)
        .await?
        .into_iter()
        .map(view)
        .collect())
}

fn view(row: user_block::Model) -> Block {
    Block {
        user_id: row.target_id,
        created_at: row.created_at,
    }
}

async fn find<C: ConnectionTrait>(
    db: &C,
    tenant: &str,
    user: &str,
    target: &str,
) -> Result<Option<user_block::Model>> {
    Ok(
        user_block::Entity::find_by_id((tenant.to_owned(), user.to_owned(), target.to_owned()))
            .one(db)
            .await?,
    )
}
