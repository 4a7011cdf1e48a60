//! Users of a tenant: upsert, read, search by name prefix, patch, deactivate, delete, and
//! export everything stored about one ([`export`]).

pub mod blocks;
pub mod export;

use chrono::Utc;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
    TransactionTrait,
};
use serde_json::json;

use crate::audit::{AuditAction, Change, TargetKind, Who};
use crate::authn::Caller;
use crate::authz::{Action, Target, authorize};
use crate::entities::owned::{self, Owner};
use crate::entities::{channel, member, message, user};
use crate::kernel::ids::{UserId, UserRole, parse_custom};
use crate::kernel::page::next_cursor;
use crate::kernel::page::{self, Page};
use crate::realtime::cache::Stale;
use crate::realtime::revoke::{Revocation, Why};
use crate::work::UnitOfWork;
use crate::{Error, ErrorCode, Parley, Result};

pub use export::{Export, UserExport, export};
pub use parley_wire::users::{DeleteMode, DeletedUserMessages, User, UserInput};

impl From<user::Model> for User {
    fn from(m: user::Model) -> Self {
        Self {
            role: UserRole::from_db(&m.role),
            deactivated: m.deactivated_at.is_some(),
            id: m.id,
            name: m.name,
            image: m.image,
            custom: m.custom,
            deactivated_at: m.deactivated_at,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

fn parse_display(field: &str, v: Option<String>, max: usize) -> Result<Option<String>> {
    match v {
        Some(s) if s.chars().count() > max => Err(Error::invalid(format!(
            "`{field}` must be at most {max} characters"
        ))),
        Some(s) if s.trim().is_empty() => Ok(None),
        other => Ok(other),
    }
}

fn search_name(name: &Option<String>) -> Option<String> {
    name.as_ref().map(|n| n.to_lowercase())
}

pub(crate) async fn find<C: sea_orm::ConnectionTrait>(
    db: &C,
    tenant: &str,
    id: &str,
) -> Result<user::Model> {
    user::Entity::find_by_id((tenant.to_owned(), id.to_owned()))
        .one(db)
        .await?
        .ok_or_else(|| Error::new(ErrorCode::UserNotFound, format!("no user `{id}`")))
}

/// `PUT`: creates the user or replaces its fields. Returns the user and whether it was created.
pub async fn upsert(
    ctx: &Parley,
    caller: &Caller,
    id: &str,
    input: UserInput,
) -> Result<(User, bool)> {
    authorize(caller, Action::ManageUsers, Target::App)?;
    let id = UserId::parse("user_id", id)?;
    let name = parse_display("name", input.name, 200)?;
    let image = parse_display("image", input.image, 2048)?;
    let custom = parse_custom(
        "custom",
        input.custom.unwrap_or_else(|| serde_json::json!({})),
        ctx.config.limits.max_custom_bytes,
    )?;
    let role = input.role.unwrap_or_default();
    let now = Utc::now();
    let tenant = caller.tenant_id();
    let existing = user::Entity::find_by_id((tenant.to_owned(), id.as_str().to_owned()))
        .one(&ctx.db)
        .await?;
    let created = existing.is_none();
    let model = match existing {
        Some(found) => {
            let mut am: user::ActiveModel = found.into();
            am.search_name = Set(search_name(&name));
            am.name = Set(name);
            am.image = Set(image);
            am.role = Set(role.as_str().to_owned());
            am.custom = Set(custom);
            am.updated_at = Set(now);
            let saved = am.update(&ctx.db).await?;
            ctx.realtime.forget(Stale::user(tenant, &saved.id));
            saved
        }
        None => {
            user::ActiveModel {
                tenant_id: Set(tenant.to_owned()),
                id: Set(id.into_string()),
                search_name: Set(search_name(&name)),
                name: Set(name),
                image: Set(image),
                role: Set(role.as_str().to_owned()),
                custom: Set(custom),
                deactivated_at: Set(None),
                last_active_at: Set(None),
                created_at: Set(now),
                updated_at: Set(now),
            }
            .insert(&ctx.db)
            .await?
        }
    };
    Ok((model.into(), created))
}

pub async fn get(ctx: &Parley, caller: &Caller, id: &str) -> Result<User> {
    Ok(find(&ctx.db, caller.tenant_id(), id).await?.into())
}

/// Users whose name starts with `q` (case-insensitive), or all users, by id.
pub async fn list(
    ctx: &Parley,
    caller: &Caller,
    q: Option<&str>,
    limit: Option<u64>,
    cursor: Option<&str>,
) -> Result<Page<User>> {
    let limit = page::limit(limit)?;
    let mut query = user::Entity::find()
        .filter(user::Column::TenantId.eq(caller.tenant_id()))
        .order_by_asc(user::Column::Id);
    if let Some(q) = q.map(str::trim).filter(|q| !q.is_empty()) {
        let escaped: String = q
            .to_lowercase()
            .chars()
            .flat_map(|c| match c {
                '%' | '_' | '\\' => vec!['\\', c],
                c => vec![c],
            })
            .collect();
        query = query.filter(
            Expr::col(user::Column::SearchName)
                .like(sea_orm::sea_query::LikeExpr::new(format!("{escaped}%")).escape('\\')),
        );
    }
    if let Some(c) = cursor {
        query = query.filter(user::Column::Id.gt(page::decode_cursor(c)?));
    }
    let mut rows = query.limit(limit + 1).all(&ctx.db).await?;
    let next = next_cursor(&mut rows, limit, |u| u.id.clone());
    Ok(Page {
        items: rows.into_iter().map(User::from).collect(),
        next_cursor: next,
    })
}

/// Changes the given fields. A user may change their own name, image and custom data.
pub async fn patch(ctx: &Parley, caller: &Caller, id: &str, input: UserInput) -> Result<User> {
    authorize(caller, Action::UpdateUser, Target::User(id))?;
    if input.role.is_some() {
        authorize(caller, Action::ChangeUserRole, Target::User(id))?;
    }
    let found = find(&ctx.db, caller.tenant_id(), id).await?;
    let found_role = found.role.clone();
    let mut am: user::ActiveModel = found.into();
    if input.name.is_some() {
        let name = parse_display("name", input.name, 200)?;
        am.search_name = Set(search_name(&name));
        am.name = Set(name);
    }
    if input.image.is_some() {
        am.image = Set(parse_display("image", input.image, 2048)?);
    }
    let role_change = input.role.filter(|r| r.as_str() != found_role).map(|role| {
        am.role = Set(role.as_str().to_owned());
        Change::new(AuditAction::UserRoleChanged, TargetKind::User, id)
            .with(json!({ "from": found_role, "to": role.as_str() }))
    });
    if let Some(custom) = input.custom {
        am.custom = Set(parse_custom(
            "custom",
            custom,
            ctx.config.limits.max_custom_bytes,
        )?);
    }
    am.updated_at = Set(Utc::now());
    let txn = ctx.db.begin().await?;
    let updated = am.update(&txn).await?;
    if let Some(change) = role_change {
        crate::audit::record(&txn, ctx, caller.tenant_id(), &Who::of(caller), change).await?;
    }
    txn.commit().await?;
    ctx.realtime
        .forget(Stale::user(caller.tenant_id(), &updated.id));
    Ok(updated.into())
}

/// Lifts a deactivation.
pub async fn reactivate(ctx: &Parley, caller: &Caller, id: &str) -> Result<User> {
    authorize(caller, Action::ManageUsers, Target::App)?;
    let found = find(&ctx.db, caller.tenant_id(), id).await?;
    let mut am: user::ActiveModel = found.into();
    am.deactivated_at = Set(None);
    am.updated_at = Set(Utc::now());
    let saved = am.update(&ctx.db).await?;
    ctx.realtime.forget(Stale::user(caller.tenant_id(), id));
    Ok(saved.into())
}

/// Deletes the event-log rows that name the user (her messages with their text, her
/// reactions, memberships, reads, quotes and mentions of her). Replays that would have
/// needed them answer `resume.failed`, so clients refetch the current state.
async fn forget_in_event_log<C: sea_orm::ConnectionTrait>(
    db: &C,
    tenant: &str,
    user: &str,
) -> Result<()> {
    // A JSON string equal to the id: ids are letters, digits and `_ . @ -`, which JSON does
    // not escape; `_` is a LIKE wildcard and is escaped.
    let pattern = format!("%\"{}\"%", user.replace('_', "\\_"));
    db.execute_raw(crate::kernel::db::statement(
        db.get_database_backend(),
        "DELETE FROM channel_events WHERE tenant_id = ? AND payload LIKE ? ESCAPE '\\'",
        vec![tenant.into(), pattern.into()],
    ))
    .await?;
    Ok(())
}

/// Deactivates (soft) or removes (hard) a user.
pub async fn delete(
    ctx: &Parley,
    caller: &Caller,
    id: &str,
    mode: DeleteMode,
    messages: DeletedUserMessages,
) -> Result<()> {
    let permit = authorize(caller, Action::ManageUsers, Target::App)?;
    let tenant = caller.tenant_id();
    let found = find(&ctx.db, tenant, id).await?;
    let now = Utc::now();
    let change = Change::new(AuditAction::UserDeleted, TargetKind::User, id).with(json!({
        "hard": mode == DeleteMode::Hard,
        "messages": messages.as_str(),
    }));
    if mode == DeleteMode::Soft {
        let mut am: user::ActiveModel = found.into();
        am.deactivated_at = Set(Some(now));
        am.updated_at = Set(now);
        let txn = ctx.db.begin().await?;
        am.update(&txn).await?;
        crate::audit::record(&txn, ctx, tenant, &Who::of(caller), change).await?;
        txn.commit().await?;
        ctx.realtime.forget(Stale::user(tenant, id));
        ctx.realtime
            .revoke(Revocation::user(tenant, id, Why::UserDeactivated));
        return Ok(());
    }
    let mut work = UnitOfWork::begin(ctx, &permit).await?;
    // Before the messages lose their author: their files go too when they are deleted.
    let objects = crate::media::remove_uploads(
        &*work,
        tenant,
        crate::media::UploadsOf::User {
            user_id: id,
            with_messages: messages == DeletedUserMessages::Delete,
        },
    )
    .await?;
    let memberships = member::cids_of(tenant, id);
    channel::Entity::update_many()
        .col_expr(
            channel::Column::MemberCount,
            Expr::col(channel::Column::MemberCount).sub(1),
        )
        .filter(channel::Column::TenantId.eq(tenant))
        .filter(channel::Column::Cid.in_subquery(memberships))
        .exec(&*work)
        .await?;
    if messages == DeletedUserMessages::Delete {
        message::tombstone(
            message::Entity::update_many()
                .filter(message::Column::TenantId.eq(tenant))
                .filter(message::Column::UserId.eq(id)),
            now,
        )
        .exec(&*work)
        .await?;
    }
    // Her rows go; what she did to others' things (channels she created, messages she wrote
    // or pinned) stays without her name.
    owned::erase(&*work, tenant, Owner::User(id)).await?;
    work.forget_after(Stale::user(tenant, id));
    forget_in_event_log(&*work, tenant, id).await?;
    user::Entity::delete_by_id((tenant.to_owned(), id.to_owned()))
        .exec(&*work)
        .await?;
    work.audit(caller, change).await?;
    work.revoke_after(Revocation::user(tenant, id, Why::UserDeleted));
    if !objects.is_empty() {
        work.jobs_queued();
    }
    work.commit().await?;
    Ok(())
}
