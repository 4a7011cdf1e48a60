//! Channels and their members: create (with explicit, generated or distinct ids), read,
//! list by activity with unread counts, patch, delete, membership and read state.

pub mod types;

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use sha2::{Digest, Sha256};

use crate::audit::{AuditAction, Change, TargetKind};
use crate::authn::Caller;
use crate::authz::{Action, ChannelAccess, ChannelKind, Target, authorize, channel_access};
use crate::entities::owned::{self, Owner};
use crate::entities::{channel, member, message, user};
use crate::events::{Event, EventKind, Payload};
use crate::kernel::ids::{ChannelType, Cid, MemberRole, UserId, parse_custom};
use crate::kernel::page::{self, Page};
use crate::model::channel::{ChannelInfo, Member};
use crate::model::channel_type::Feature;
use crate::model::message::Message;
use crate::realtime::cache::Stale;
use crate::work::UnitOfWork;
use crate::{Error, ErrorCode, Parley, Result};
pub use parley_wire::channels::{
    AddMembers, Channel, ChannelPatch, ChannelSort, ChannelUnread, MarkRead, MemberPatch,
    NewChannel, ReadState, Unread,
};

/// How many members a channel answer lists; `member_count` has the total.
const MEMBERS_SHOWN: u64 = 100;
const MAX_MEMBERS_PER_CALL: usize = 100;

/// Records a channel event; returns its seq.
async fn record_channel(
    work: &mut UnitOfWork<'_>,
    tenant: &str,
    kind: EventKind,
    channel: &channel::Model,
) -> Result<i64> {
    let payload = Payload {
        channel: Some(ChannelInfo::from(channel)),
        ..Default::default()
    };
    let event = work.record(tenant, &channel.cid, kind, &payload).await?;
    Ok(event.seq.unwrap_or_default())
}

async fn record_member(
    work: &mut UnitOfWork<'_>,
    tenant: &str,
    kind: EventKind,
    member: member::Model,
) -> Result<()> {
    let cid = member.cid.clone();
    let user = member.user_id.clone();
    let payload = Payload {
        member: Some(Member::from(member)),
        ..Default::default()
    };
    work.record(tenant, &cid, kind, &payload)
        .await?
        .about(&user);
    Ok(())
}

/// Tells users they were added to a channel, wherever they are connected (their connections
/// also start receiving the channel's events). `cursor` is the channel's newest event seq
/// once they were added (their own `member.added` included): later events follow it.
fn added_notification(
    tenant: &str,
    channel: &channel::Model,
    cursor: i64,
    users: Vec<String>,
) -> Result<Event> {
    let payload = Payload {
        channel: Some(ChannelInfo::from(channel)),
        cursor: Some(cursor),
        ..Default::default()
    };
    Event::to_users(
        tenant,
        EventKind::NotificationAddedToChannel,
        Some(&channel.cid),
        users,
        &payload,
    )
}

/// The longest slow mode interval, an hour.
const MAX_SLOW_MODE_S: u32 = 3_600;

fn parse_name(name: Option<String>) -> Result<Option<String>> {
    match name {
        Some(n) if n.chars().count() > 200 => {
            Err(Error::invalid("`name` must be at most 200 characters"))
        }
        Some(n) if n.trim().is_empty() => Ok(None),
        other => Ok(other),
    }
}

/// Checks that every id names an existing user of the tenant.
async fn require_users<C: ConnectionTrait>(
    db: &C,
    tenant: &str,
    ids: &BTreeSet<String>,
) -> Result<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let missing = user::missing(db, tenant, ids.iter().map(String::as_str)).await?;
    if missing.is_empty() {
        Ok(())
    } else {
        Err(Error::new(
            ErrorCode::UserNotFound,
            format!("these users do not exist: {}", missing.join(", ")),
        ))
    }
}

fn parse_user_ids(field: &str, ids: &[String]) -> Result<BTreeSet<String>> {
    if ids.len() > MAX_MEMBERS_PER_CALL {
        return Err(Error::invalid(format!(
            "`{field}` may name at most {MAX_MEMBERS_PER_CALL} users per call"
        )));
    }
    ids.iter()
        .map(|id| UserId::parse(field, id).map(UserId::into_string))
        .collect()
}

/// Creates a channel, or returns the existing one with the same id or member set.
/// Returns the channel and whether it was created.
pub async fn create(ctx: &Parley, caller: &Caller, input: NewChannel) -> Result<(Channel, bool)> {
    let kind = ChannelType::parse(&input.kind)?;
    let settings = crate::authz::kind_of(ctx, caller.tenant_id(), kind.as_str())
        .await?
        .ok_or_else(|| {
            Error::invalid(format!(
                "`type`: the app has no channel type `{kind}` (see GET /v1/channel-types)"
            ))
        })?;
    let creator = match (caller.user_id(), &input.user_id) {
        (Some(_), _) | (None, Some(_)) => Some(caller.acting_user(input.user_id.as_deref())?),
        (None, None) => None,
    };
    let mut members = parse_user_ids("members", &input.members)?;
    if let Some(c) = &creator {
        members.insert(c.as_str().to_owned());
    }
    let cid = match (input.distinct, input.id.as_deref()) {
        (true, Some(_)) => return Err(Error::invalid("give either `id` or `distinct`, not both")),
        (true, None) => {
            if members.len() < 2 {
                return Err(Error::invalid(
                    "a distinct channel needs at least two members",
                ));
            }
            let joined = members.iter().cloned().collect::<Vec<_>>().join("\n");
            let digest = Sha256::digest(joined.as_bytes());
            let hex: String = digest.iter().take(20).map(|b| format!("{b:02x}")).collect();
            Cid {
                kind: kind.clone(),
                id: format!("{}{hex}", crate::model::channel::DISTINCT_PREFIX),
            }
        }
        (false, Some(id)) => Cid::parse(kind.as_str(), id)?,
        (false, None) => Cid::generated(kind.clone()),
    };
    if input.distinct
        && let Some(me) = &creator
    {
        refuse_if_blocked(ctx, caller.tenant_id(), me.as_str(), &members).await?;
    }
    let custom = parse_custom(
        "custom",
        input.custom.unwrap_or_else(|| serde_json::json!({})),
        ctx.config.limits.max_custom_bytes,
    )?;
    let name = parse_name(input.name)?;
    let tenant = caller.tenant_id();
    let cid_s = cid.to_string();
    if let Some(existing) = channel::Entity::find_by_id((tenant.to_owned(), cid_s.clone()))
        .one(&ctx.db)
        .await?
    {
        return Ok((existing_for(ctx, caller, existing, settings).await?, false));
    }
    let permit = authorize(caller, Action::CreateChannel, Target::Type(&settings))?;
    let others: BTreeSet<String> = members
        .iter()
        .filter(|m| creator.as_ref().is_none_or(|c| c.as_str() != m.as_str()))
        .cloned()
        .collect();
    require_users(&ctx.db, tenant, &others).await?;
    if let Some(c) = &creator {
        crate::authn::ensure_user(ctx, &caller.tenant.id, c).await?;
    }

    let now = Utc::now();
    let mut work = UnitOfWork::begin(ctx, &permit).await?;
    let inserted = channel::Entity::insert(channel::ActiveModel {
        tenant_id: Set(tenant.to_owned()),
        cid: Set(cid_s.clone()),
        kind: Set(kind.as_str().to_owned()),
        id: Set(cid.id.clone()),
        name: Set(name),
        custom: Set(custom),
        frozen: Set(false),
        slow_mode_s: Set(0),
        created_by: Set(creator.as_ref().map(|c| c.as_str().to_owned())),
        distinct_key: Set(input.distinct.then(|| cid.id.clone())),
        member_count: Set(i32::try_from(members.len()).unwrap_or(i32::MAX)),
        last_seq: Set(0),
        last_event_seq: Set(0),
        last_message_at: Set(None),
        activity_at: Set(now),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .on_conflict_do_nothing()
    .exec_without_returning(&*work)
    .await?;
    if !matches!(inserted, sea_orm::TryInsertResult::Inserted(1)) {
        // Another request created it first: answer like a plain "already exists".
        drop(work);
        let existing = channel::find(&ctx.db, tenant, &cid_s).await?;
        return Ok((existing_for(ctx, caller, existing, settings).await?, false));
    }
    for user_id in &members {
        let role = if creator.as_ref().is_some_and(|c| c.as_str() == user_id) {
            MemberRole::Owner
        } else {
            MemberRole::Member
        };
        insert_member(&*work, tenant, &cid_s, user_id, role, now).await?;
    }
    let stored = channel::find(&*work, tenant, &cid_s).await?;
    let created = record_channel(&mut work, tenant, EventKind::ChannelCreated, &stored).await?;
    work.publish_after(added_notification(
        tenant,
        &stored,
        created,
        members.into_iter().collect(),
    )?);
    work.commit().await?;
    let access = channel_access(ctx, caller, &cid_s, None).await?;
    Ok((view(ctx, caller, access).await?, true))
}

async fn existing_for(
    ctx: &Parley,
    caller: &Caller,
    existing: channel::Model,
    kind: ChannelKind,
) -> Result<Channel> {
    let membership = match caller.user_id() {
        Some(u) => member::find(&ctx.db, caller.tenant_id(), &existing.cid, u.as_str()).await?,
        None => None,
    };
    let access = ChannelAccess {
        channel: existing,
        membership,
        kind,
    };
    authorize(caller, Action::ReadChannel, Target::Channel(&access))?;
    view(ctx, caller, access).await
}

async fn insert_member<C: ConnectionTrait>(
    db: &C,
    tenant: &str,
    cid: &str,
    user_id: &str,
    role: MemberRole,
    now: DateTime<Utc>,
) -> Result<member::Model> {
    Ok(member::ActiveModel {
        tenant_id: Set(tenant.to_owned()),
        cid: Set(cid.to_owned()),
        user_id: Set(user_id.to_owned()),
        role: Set(role.as_str().to_owned()),
        last_read_seq: Set(0),
        muted: Set(false),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await?)
}

/// Builds the caller's view of a channel: members, own membership, unread count, last message.
pub(crate) async fn view(ctx: &Parley, caller: &Caller, access: ChannelAccess) -> Result<Channel> {
    let ChannelAccess {
        channel,
        membership,
        ..
    } = access;
    views(ctx, caller, vec![(channel, membership)])
        .await?
        .pop()
        .ok_or_else(|| Error::internal("a channel view went missing"))
}

/// `?, ?, …` for an `IN` list of `n` values.
fn placeholders(n: usize) -> String {
    vec!["?"; n].join(", ")
}

/// Channels as the API shows them, each with its first members, the membership's unread count
/// and the last message, in a constant number of queries whatever the number of channels.
async fn views(
    ctx: &Parley,
    caller: &Caller,
    rows: Vec<(channel::Model, Option<member::Model>)>,
) -> Result<Vec<Channel>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let tenant = caller.tenant_id();
    let backend = ctx.reads.get_database_backend();
    let cids: Vec<String> = rows.iter().map(|(c, _)| c.cid.clone()).collect();
    let with_cids = |mut values: Vec<sea_orm::Value>| {
        values.extend(cids.iter().map(|c| sea_orm::Value::from(c.as_str())));
        values
    };

    // The first members of each channel (by join time).
    let members_sql = format!(
        "SELECT * FROM (SELECT m.*, ROW_NUMBER() OVER (PARTITION BY m.cid ORDER BY m.created_at, m.user_id) AS shown \
         FROM members m WHERE m.tenant_id = ? AND m.cid IN ({})) t WHERE t.shown <= ? \
         ORDER BY t.cid, t.created_at, t.user_id",
        placeholders(cids.len())
    );
    let mut values = with_cids(vec![tenant.into()]);
    values.push(i64::try_from(MEMBERS_SHOWN).unwrap_or(i64::MAX).into());
    let mut members: HashMap<String, Vec<Member>> = HashMap::new();
    for m in member::Entity::find()
        .from_raw_sql(crate::kernel::db::statement(backend, &members_sql, values))
        .all(&ctx.reads)
        .await?
    {
        members
            .entry(m.cid.clone())
            .or_default()
            .push(Member::from(m));
    }

    // Unread counts, per member whose membership is shown (in practice one user).
    let mut unread: HashMap<(String, String), i64> = HashMap::new();
    let readers: BTreeSet<&str> = rows
        .iter()
        .filter_map(|(_, m)| m.as_ref().map(|m| m.user_id.as_str()))
        .collect();
    for reader in readers {
        let theirs: Vec<String> = rows
            .iter()
            .filter(|(_, m)| m.as_ref().is_some_and(|m| m.user_id == reader))
            .map(|(c, _)| c.cid.clone())
            .collect();
        for (cid, n) in unread_counts_in(ctx, tenant, reader, Some(&theirs)).await? {
            unread.insert((reader.to_owned(), cid), n);
        }
    }

    // The last top-level message still standing in each channel: one index probe per channel.
    let reader = crate::messages::reader::Reader::of(ctx, caller).await?;
    let (hidden, mut last_values) = reader.sql("l");
    let last_sql = format!(
        "SELECT msg.* FROM messages msg WHERE msg.tenant_id = ? AND (msg.cid, msg.seq) IN (\
           SELECT c.cid, (SELECT l.seq FROM messages l WHERE l.tenant_id = c.tenant_id AND l.cid = c.cid \
                          AND l.parent_id IS NULL AND l.deleted_at IS NULL{hidden} ORDER BY l.seq DESC LIMIT 1) \
           FROM channels c WHERE c.tenant_id = ? AND c.cid IN ({}))",
        placeholders(cids.len())
    );
    let mut values = vec![tenant.into()];
    values.append(&mut last_values);
    values.push(tenant.into());
    let last_rows = message::Entity::find()
        .from_raw_sql(crate::kernel::db::statement(
            backend,
            &last_sql,
            with_cids(values),
        ))
        .all(&ctx.reads)
        .await?;
    let mut last: HashMap<String, Message> =
        crate::messages::enrich(&ctx.reads, &ctx.media, tenant, caller.user_id(), last_rows)
            .await?
            .into_iter()
            .map(|m| (m.cid.clone(), m))
            .collect();

    Ok(rows
        .into_iter()
        .map(|(c, membership)| {
            let unread_count = membership.as_ref().map(|m| {
                unread
                    .get(&(m.user_id.clone(), c.cid.clone()))
                    .copied()
                    .unwrap_or(0)
            });
            Channel {
                kind: ChannelType::from_db(&c.kind),
                members: members.remove(&c.cid).unwrap_or_default(),
                last_message: last.remove(&c.cid),
                cid: c.cid,
                id: c.id,
                name: c.name,
                custom: c.custom,
                frozen: c.frozen,
                slow_mode_s: c.slow_mode_s,
                created_by: c.created_by,
                member_count: c.member_count,
                last_seq: c.last_seq,
                last_message_at: c.last_message_at,
                created_at: c.created_at,
                updated_at: c.updated_at,
                membership: membership.map(Member::from),
                unread_count,
            }
        })
        .collect())
}

pub async fn get(ctx: &Parley, caller: &Caller, cid: &Cid) -> Result<Channel> {
    let access = channel_access(ctx, caller, &cid.to_string(), None).await?;
    authorize(caller, Action::ReadChannel, Target::Channel(&access))?;
    view(ctx, caller, access).await
}

/// Lists channels: a user sees the channels they are a member of; the tenant server sees
/// every channel, or those of `member` when given.
pub async fn list(
    ctx: &Parley,
    caller: &Caller,
    member_filter: Option<&str>,
    sort: ChannelSort,
    limit: Option<u64>,
    cursor: Option<&str>,
) -> Result<Page<Channel>> {
    let limit = page::limit(limit)?;
    let tenant = caller.tenant_id();
    let member_of = match (caller.user_id(), member_filter) {
        (Some(me), None | Some("me")) => Some(me.as_str().to_owned()),
        (Some(me), Some(other)) if other == me.as_str() || caller.is_privileged() => {
            Some(other.to_owned())
        }
        (Some(_), Some(_)) => {
            return Err(Error::forbidden(
                "a user may only list their own channels (`member=me`)",
            ));
        }
        (None, Some("me")) => {
            return Err(Error::invalid(
                "`member=me` needs a user token; with the secret key name the user",
            ));
        }
        (None, Some(other)) => Some(UserId::parse("member", other)?.into_string()),
        (None, None) => None,
    };
    let offset: u64 = match cursor {
        Some(c) => page::decode_number_cursor(c)?,
        None => 0,
    };
    let mut q = channel::Entity::find().filter(channel::Column::TenantId.eq(tenant));
    if let Some(user) = &member_of {
        q = q.filter(channel::Column::Cid.in_subquery(member::cids_of(tenant, user.as_str())));
    }
    q = match sort {
        ChannelSort::LastMessageAt => q.order_by_desc(channel::Column::ActivityAt),
        ChannelSort::CreatedAt => q.order_by_desc(channel::Column::CreatedAt),
    }
    .order_by_desc(channel::Column::Cid);
    let mut rows = q.offset(offset).limit(limit + 1).all(&ctx.reads).await?;
    let next_cursor = if rows.len() as u64 > limit {
        rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        Some(page::encode_cursor(&(offset + limit).to_string()))
    } else {
        None
    };
    let mut memberships: HashMap<String, member::Model> = match &member_of {
        Some(user) if !rows.is_empty() => member::Entity::find()
            .filter(member::Column::TenantId.eq(tenant))
            .filter(member::Column::UserId.eq(user.as_str()))
            .filter(member::Column::Cid.is_in(rows.iter().map(|c| c.cid.clone())))
            .all(&ctx.reads)
            .await?
            .into_iter()
            .map(|m| (m.cid.clone(), m))
            .collect(),
        _ => HashMap::new(),
    };
    let rows = rows
        .into_iter()
        .map(|c| {
            let m = memberships.remove(&c.cid);
            (c, m)
        })
        .collect();
    let items = views(ctx, caller, rows).await?;
    Ok(Page { items, next_cursor })
}

pub async fn patch(
    ctx: &Parley,
    caller: &Caller,
    cid: &Cid,
    patch: ChannelPatch,
) -> Result<Channel> {
    let access = channel_access(ctx, caller, &cid.to_string(), None).await?;
    let permit = authorize(caller, Action::UpdateChannel, Target::Channel(&access))?;
    let mut am: channel::ActiveModel = access.channel.clone().into();
    if patch.name.is_some() {
        am.name = Set(parse_name(patch.name)?);
    }
    if let Some(custom) = patch.custom {
        am.custom = Set(parse_custom(
            "custom",
            custom,
            ctx.config.limits.max_custom_bytes,
        )?);
    }
    if let Some(frozen) = patch.frozen {
        am.frozen = Set(frozen);
    }
    if let Some(s) = patch.slow_mode_s {
        if s > MAX_SLOW_MODE_S {
            return Err(Error::invalid(format!(
                "`slow_mode_s` must be 0 to {MAX_SLOW_MODE_S}"
            )));
        }
        am.slow_mode_s = Set(i32::try_from(s).unwrap_or(0));
    }
    am.updated_at = Set(Utc::now());
    let before = &access.channel;
    let mut work = UnitOfWork::begin(ctx, &permit).await?;
    let channel = am.update(&*work).await?;
    work.forget_after(Stale::channel(caller.tenant_id(), &channel.cid));
    if channel.frozen != before.frozen || channel.slow_mode_s != before.slow_mode_s {
        let change = Change::new(
            AuditAction::ChannelModerated,
            TargetKind::Channel,
            &channel.cid,
        )
        .with(serde_json::json!({
            "frozen": channel.frozen,
            "slow_mode_s": channel.slow_mode_s,
        }));
        work.audit(caller, change).await?;
    }
    record_channel(
        &mut work,
        caller.tenant_id(),
        EventKind::ChannelUpdated,
        &channel,
    )
    .await?;
    work.commit().await?;
    view(ctx, caller, ChannelAccess { channel, ..access }).await
}

/// Deletes the channel with its members, messages and reactions.
pub async fn delete(ctx: &Parley, caller: &Caller, cid: &Cid) -> Result<()> {
    let cid = cid.to_string();
    let access = channel_access(ctx, caller, &cid, None).await?;
    let permit = authorize(caller, Action::DeleteChannel, Target::Channel(&access))?;
    let tenant = caller.tenant_id();
    let mut work = UnitOfWork::begin(ctx, &permit).await?;
    // Its messages' files go too; the worker deletes the stored objects.
    let objects =
        crate::media::remove_uploads(&*work, tenant, crate::media::UploadsOf::Channel(&cid))
            .await?;
    // Its bans go with it: the nodes' cached bans of those users are stale.
    let banned: Vec<String> = crate::entities::ban::Entity::find()
        .select_only()
        .column(crate::entities::ban::Column::UserId)
        .filter(crate::entities::ban::Column::TenantId.eq(tenant))
        .filter(crate::entities::ban::Column::Cid.eq(cid.as_str()))
        .into_tuple()
        .all(&*work)
        .await?;
    for user in banned {
        work.forget_after(Stale::bans(tenant, &user));
    }
    owned::erase(&*work, tenant, Owner::Channel(&cid)).await?;
    work.forget_after(Stale::channel(tenant, &cid));
    if !objects.is_empty() {
        work.jobs_queued();
    }
    let change = Change::new(AuditAction::ChannelDeleted, TargetKind::Channel, &cid)
        .with(serde_json::json!({ "messages": access.channel.last_seq, "files": objects.len() }));
    work.audit(caller, change).await?;
    let payload = Payload {
        channel: Some(ChannelInfo::from(&access.channel)),
        ..Default::default()
    };
    // Live clients get it without a seq (the channel's log is gone); webhooks get it through
    // the outbox like every recorded event.
    let event = Event::ephemeral(tenant, EventKind::ChannelDeleted, &cid, &payload)?;
    work.announce(event, &payload).await?;
    work.commit().await?;
    Ok(())
}

/// Adds members (or changes the role of existing ones). Owners and moderators may add anyone;
/// a user may add themselves where the channel's type grants `join_channel` (`team` and
/// `livestream` by default).
pub async fn add_members(
    ctx: &Parley,
    caller: &Caller,
    cid: &Cid,
    input: AddMembers,
) -> Result<Channel> {
    let cid_s = cid.to_string();
    let access = channel_access(ctx, caller, &cid_s, None).await?;
    authorize(caller, Action::ReadChannel, Target::Channel(&access))?;
    let ids = parse_user_ids("user_ids", &input.user_ids)?;
    if ids.is_empty() {
        return Err(Error::invalid("`user_ids` must name at least one user"));
    }
    let self_join = caller
        .user_id()
        .is_some_and(|me| ids.len() == 1 && ids.contains(me.as_str()))
        && input.role.is_none_or(|r| r == MemberRole::Member);
    // A user adding only themselves joins, where the type grants it; anything else adds.
    let permit = match authorize(caller, Action::JoinChannel, Target::Channel(&access)) {
        Ok(permit) if self_join => permit,
        _ => authorize(caller, Action::AddMembers, Target::Channel(&access))?,
    };
    let role = input.role.unwrap_or_default();
    if role == MemberRole::Owner {
        authorize(caller, Action::AppointOwner, Target::Channel(&access))?;
    }
    let tenant = caller.tenant_id();
    if let Some(me) = caller.user_id().filter(|me| ids.contains(me.as_str())) {
        crate::authn::ensure_user(ctx, &caller.tenant.id, me).await?;
    }
    require_users(&ctx.db, tenant, &ids).await?;
    let now = Utc::now();
    let mut work = UnitOfWork::begin(ctx, &permit).await?;
    let existing: BTreeSet<String> = member::Entity::find()
        .select_only()
        .column(member::Column::UserId)
        .filter(member::Column::TenantId.eq(tenant))
        .filter(member::Column::Cid.eq(&cid_s))
        .filter(member::Column::UserId.is_in(ids.iter().cloned()))
        .into_tuple::<String>()
        .all(&*work)
        .await?
        .into_iter()
        .collect();
    let mut added = Vec::new();
    let mut changed = Vec::new();
    for user_id in &ids {
        if existing.contains(user_id) {
            if input.role.is_some() {
                member::Entity::update_many()
                    .col_expr(member::Column::Role, Expr::value(role.as_str()))
                    .col_expr(member::Column::UpdatedAt, Expr::value(now))
                    .filter(member::Column::TenantId.eq(tenant))
                    .filter(member::Column::Cid.eq(&cid_s))
                    .filter(member::Column::UserId.eq(user_id.as_str()))
                    .exec(&*work)
                    .await?;
                changed.push(user_id.clone());
            }
        } else {
            added.push(insert_member(&*work, tenant, &cid_s, user_id, role, now).await?);
        }
    }
    for user_id in added.iter().map(|m| &m.user_id).chain(&changed) {
        work.forget_after(Stale::member(tenant, &cid_s, user_id));
    }
    channel::Entity::update_many()
        .col_expr(
            channel::Column::MemberCount,
            Expr::col(channel::Column::MemberCount)
                .add(i32::try_from(added.len()).unwrap_or(i32::MAX)),
        )
        .col_expr(channel::Column::UpdatedAt, Expr::value(now))
        .filter(channel::Column::TenantId.eq(tenant))
        .filter(channel::Column::Cid.eq(&cid_s))
        .exec(&*work)
        .await?;
    let added_users: Vec<String> = added.iter().map(|m| m.user_id.clone()).collect();
    for m in added {
        record_member(&mut work, tenant, EventKind::MemberAdded, m).await?;
    }
    for user_id in changed {
        if let Some(m) = member::find(&*work, tenant, &cid_s, &user_id).await? {
            record_member(&mut work, tenant, EventKind::MemberUpdated, m).await?;
        }
    }
    let stored = channel::find(&*work, tenant, &cid_s).await?;
    if !added_users.is_empty() {
        work.publish_after(added_notification(
            tenant,
            &stored,
            stored.last_event_seq,
            added_users,
        )?);
    }
    work.commit().await?;
    let access = channel_access(ctx, caller, &cid_s, None).await?;
    view(ctx, caller, access).await
}

/// Changes a member's role (owners, moderators, the tenant server).
pub async fn update_member(
    ctx: &Parley,
    caller: &Caller,
    cid: &Cid,
    user_id: &str,
    patch: MemberPatch,
) -> Result<Member> {
    let cid_s = cid.to_string();
    let access = channel_access(ctx, caller, &cid_s, None).await?;
    let permit = authorize(caller, Action::AddMembers, Target::Channel(&access))?;
    if patch.role == MemberRole::Owner {
        authorize(caller, Action::AppointOwner, Target::Channel(&access))?;
    }
    let found = member::find(&ctx.db, caller.tenant_id(), &cid_s, user_id)
        .await?
        .ok_or_else(|| {
            Error::new(
                ErrorCode::MemberNotFound,
                format!("`{user_id}` is not a member of `{cid_s}`"),
            )
        })?;
    let mut am: member::ActiveModel = found.into();
    am.role = Set(patch.role.as_str().to_owned());
    am.updated_at = Set(Utc::now());
    let mut work = UnitOfWork::begin(ctx, &permit).await?;
    let stored = am.update(&*work).await?;
    work.forget_after(Stale::member(caller.tenant_id(), &cid_s, user_id));
    record_member(
        &mut work,
        caller.tenant_id(),
        EventKind::MemberUpdated,
        stored.clone(),
    )
    .await?;
    work.commit().await?;
    Ok(stored.into())
}

/// Removes a member. Anyone may leave; owners and moderators may remove others.
pub async fn remove_member(ctx: &Parley, caller: &Caller, cid: &Cid, user_id: &str) -> Result<()> {
    let cid_s = cid.to_string();
    let access = channel_access(ctx, caller, &cid_s, None).await?;
    let leaving = caller.user_id().is_some_and(|me| me.as_str() == user_id);
    let action = if leaving {
        Action::LeaveChannel
    } else {
        Action::RemoveMembers
    };
    let permit = authorize(caller, action, Target::Channel(&access))?;
    let tenant = caller.tenant_id();
    let mut work = UnitOfWork::begin(ctx, &permit).await?;
    let Some(gone) = member::find(&*work, tenant, &cid_s, user_id).await? else {
        return Err(Error::new(
            ErrorCode::MemberNotFound,
            format!("`{user_id}` is not a member of `{cid_s}`"),
        ));
    };
    member::Entity::delete_by_id((tenant.to_owned(), cid_s.clone(), user_id.to_owned()))
        .exec(&*work)
        .await?;
    work.forget_after(Stale::member(tenant, &cid_s, user_id));
    channel::Entity::update_many()
        .col_expr(
            channel::Column::MemberCount,
            Expr::col(channel::Column::MemberCount).sub(1),
        )
        .col_expr(channel::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(channel::Column::TenantId.eq(tenant))
        .filter(channel::Column::Cid.eq(&cid_s))
        .exec(&*work)
        .await?;
    record_member(&mut work, tenant, EventKind::MemberRemoved, gone).await?;
    work.commit().await?;
    Ok(())
}

/// Marks the channel read up to `seq` (never backwards, never past the last message).
pub async fn mark_read(
    ctx: &Parley,
    caller: &Caller,
    cid: &Cid,
    input: MarkRead,
) -> Result<ReadState> {
    let user = caller.acting_user(input.user_id.as_deref())?;
    let cid_s = cid.to_string();
    let access = channel_access(ctx, caller, &cid_s, Some(&user)).await?;
    let permit = authorize(caller, Action::ReadChannel, Target::Channel(&access))?;
    let Some(m) = access.membership else {
        return Err(Error::new(
            ErrorCode::NotAMember,
            format!("`{user}` is not a member of `{cid_s}`"),
        ));
    };
    let target = input.seq.unwrap_or(access.channel.last_seq);
    if target < 0 {
        return Err(Error::invalid("`seq` must not be negative"));
    }
    let target = Ord::min(target, access.channel.last_seq);
    let tenant = caller.tenant_id();
    if target > m.last_read_seq {
        let mut work = UnitOfWork::begin(ctx, &permit).await?;
        let res = member::Entity::update_many()
            .col_expr(member::Column::LastReadSeq, Expr::value(target))
            .col_expr(member::Column::UpdatedAt, Expr::value(Utc::now()))
            .filter(member::Column::TenantId.eq(tenant))
            .filter(member::Column::Cid.eq(&cid_s))
            .filter(member::Column::UserId.eq(user.as_str()))
            .filter(member::Column::LastReadSeq.lt(target))
            .exec(&*work)
            .await?;
        if res.rows_affected > 0 && access.kind.has(Feature::ReadEvents) {
            let payload = Payload {
                user_id: Some(user.as_str().to_owned()),
                last_read_seq: Some(target),
                ..Default::default()
            };
            work.record(tenant, &cid_s, EventKind::ReadUpdated, &payload)
                .await?;
        }
        work.commit().await?;
    }
    let counts = unread_counts(ctx, tenant, user.as_str(), Some(&cid_s)).await?;
    Ok(ReadState {
        unread_count: counts.get(&cid_s).copied().unwrap_or(0),
        last_read_seq: Ord::max(target, m.last_read_seq),
        cid: cid_s,
        user_id: user.into_string(),
    })
}

/// Unread messages per channel of a user: top-level, not deleted, not silent, not their own,
/// after their read mark.
pub async fn unread_counts(
    ctx: &Parley,
    tenant: &str,
    user: &str,
    cid: Option<&str>,
) -> Result<HashMap<String, i64>> {
    let one = cid.map(|c| vec![c.to_owned()]);
    unread_counts_in(ctx, tenant, user, one.as_deref()).await
}

/// Unread counts of `user` in the given channels (all of theirs when `None`).
async fn unread_counts_in(
    ctx: &Parley,
    tenant: &str,
    user: &str,
    cids: Option<&[String]>,
) -> Result<HashMap<String, i64>> {
    let rows = ctx
        .reads
        .query_all_raw(unread_statement(
            ctx.reads.get_database_backend(),
            tenant,
            user,
            cids,
        ))
        .await?;
    let mut out = HashMap::with_capacity(rows.len());
    for row in rows {
        let cid: String = row.try_get_by_index(0)?;
        let n: i64 = row.try_get_by_index(1)?;
        out.insert(cid, n);
    }
    Ok(out)
}

/// The statement behind [`unread_counts_in`]. `CROSS JOIN` keeps SQLite's join order as
/// written (PostgreSQL reorders it freely): from the user's memberships, then each channel's
/// messages after the read mark. Left to itself, SQLite (which keeps no statistics) started
/// from every top-level message of the tenant.
pub(crate) fn unread_statement(
    backend: sea_orm::DatabaseBackend,
    tenant: &str,
    user: &str,
    cids: Option<&[String]>,
) -> sea_orm::Statement {
    let mut sql = String::from(
        "SELECT m.cid, COUNT(msg.id) FROM members m CROSS JOIN messages msg \
         WHERE msg.tenant_id = m.tenant_id AND msg.cid = m.cid AND msg.seq > m.last_read_seq \
         AND m.tenant_id = ? AND m.user_id = ? AND msg.deleted_at IS NULL AND msg.silent = ? \
         AND msg.parent_id IS NULL AND (msg.user_id IS NULL OR msg.user_id <> ?) \
         AND msg.shadowed = ? AND NOT EXISTS (SELECT 1 FROM user_blocks b WHERE \
         b.tenant_id = m.tenant_id AND b.user_id = m.user_id AND b.target_id = msg.user_id)",
    );
    // Others' shadowed messages and those of users the reader blocked do not count.
    let mut values: Vec<sea_orm::Value> = vec![
        tenant.into(),
        user.into(),
        false.into(),
        user.into(),
        false.into(),
    ];
    if let Some(cids) = cids {
        sql.push_str(&format!(" AND m.cid IN ({})", placeholders(cids.len())));
        values.extend(cids.iter().map(|c| sea_orm::Value::from(c.as_str())));
    }
    sql.push_str(" GROUP BY m.cid");
    crate::kernel::db::statement(backend, &sql, values)
}

/// Total and per-channel unread counts of the calling user.
pub async fn unread(ctx: &Parley, caller: &Caller, user_id: Option<&str>) -> Result<Unread> {
    let user = caller.acting_user(user_id)?;
    let tenant = caller.tenant_id();
    let counts = unread_counts(ctx, tenant, user.as_str(), None).await?;
    let memberships = member::Entity::find()
        .filter(member::Column::TenantId.eq(tenant))
        .filter(member::Column::UserId.eq(user.as_str()))
        .order_by_asc(member::Column::Cid)
        .all(&ctx.reads)
        .await?;
    let channels: Vec<ChannelUnread> = memberships
        .into_iter()
        .map(|m| ChannelUnread {
            unread_count: counts.get(&m.cid).copied().unwrap_or(0),
            last_read_seq: m.last_read_seq,
            cid: m.cid,
        })
        .filter(|c| c.unread_count > 0)
        .collect();
    Ok(Unread {
        total_unread_count: channels.iter().map(|c| c.unread_count).sum(),
        channels,
    })
}

/// A user cannot open (create or get again) a distinct channel with someone who blocked them.
async fn refuse_if_blocked(
    ctx: &Parley,
    tenant: &str,
    me: &str,
    members: &BTreeSet<String>,
) -> Result<()> {
    let blockers = crate::entities::user_block::blockers_of(&ctx.db, tenant, me).await?;
    if blockers.iter().any(|b| members.contains(b)) {
        return Err(Error::denied(
            "create_channel",
            "you cannot open a conversation with this user",
        ));
    }
    Ok(())
}
