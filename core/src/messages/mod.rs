//! Messages: send (idempotent by client id, gap-free per-channel `seq`), history, get, edit,
//! soft delete, threads, quotes, reactions and pins.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::Utc;
use sea_orm::sea_query::{Expr, ExprTrait, Func};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde::Deserialize;

use crate::audit::{AuditAction, Change, TargetKind};
use crate::authn::Caller;
use crate::authz::{self, Action, ChannelAccess, Permit, Target, authorize};
use crate::entities::{member, message, reaction, user};
use crate::events::{EventKind, Payload};
use crate::kernel::ids::{Cid, MessageText, UserId, parse_custom, parse_reaction_type};
use crate::kernel::page::{self, Page};
use crate::media::{self, MediaStore};
use crate::model::channel_type::{Feature, Permission};
use crate::model::message::{Message, Reaction};
use crate::work::UnitOfWork;
use crate::{Error, ErrorCode, Parley, Result};
use guards::Verdict;

pub(crate) mod batch;
pub mod guards;
pub mod reader;
mod send;

pub use batch::WriteStats;
pub use parley_wire::messages::{MessagePatch, NewMessage, NewReaction};
pub use send::{Draft, send};

const MAX_MENTIONS: usize = 100;

/// Adds `n` replies to thread `parent`'s count.
pub(super) async fn count_replies<C: ConnectionTrait>(
    db: &C,
    tenant: &str,
    parent: &str,
    n: i32,
) -> Result<()> {
    message::Entity::update_many()
        .col_expr(
            message::Column::ReplyCount,
            Expr::col(message::Column::ReplyCount).add(n),
        )
        .filter(message::Column::TenantId.eq(tenant))
        .filter(message::Column::Id.eq(parent))
        .exec(db)
        .await?;
    Ok(())
}

/// History window: `after_seq` pages forward, otherwise pages go back from `before_seq`
/// (or the newest message). Items are always in ascending `seq`.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct HistoryQuery {
    pub before_seq: Option<i64>,
    pub after_seq: Option<i64>,
    /// 1 to 200; default 50.
    pub limit: Option<u64>,
    pub cursor: Option<String>,
}

pub(super) async fn check_mentions<C: ConnectionTrait>(
    db: &C,
    tenant: &str,
    cid: &str,
    mentions: &[String],
    outsiders_allowed: bool,
) -> Result<Vec<String>> {
    if mentions.len() > MAX_MENTIONS {
        return Err(Error::invalid(format!("at most {MAX_MENTIONS} `mentions`")));
    }
    let wanted: BTreeSet<String> = mentions
        .iter()
        .map(|m| UserId::parse("mentions", m).map(UserId::into_string))
        .collect::<Result<_>>()?;
    if wanted.is_empty() {
        return Ok(Vec::new());
    }
    let members: BTreeSet<String> = member::Entity::find()
        .select_only()
        .column(member::Column::UserId)
        .filter(member::Column::TenantId.eq(tenant))
        .filter(member::Column::Cid.eq(cid))
        .filter(member::Column::UserId.is_in(wanted.iter().cloned()))
        .into_tuple::<String>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let outsiders: Vec<&str> = wanted.difference(&members).map(String::as_str).collect();
    if outsiders.is_empty() {
        return Ok(wanted.into_iter().collect());
    }
    if !outsiders_allowed {
        return Err(Error::invalid(format!(
            "`mentions` may only name members of the channel; not members: {}",
            outsiders.join(", ")
        )));
    }
    let unknown = user::missing(db, tenant, outsiders).await?;
    if !unknown.is_empty() {
        return Err(Error::invalid(format!(
            "`mentions` names users who do not exist: {}",
            unknown.join(", ")
        )));
    }
    Ok(wanted.into_iter().collect())
}

pub(super) async fn find<C: ConnectionTrait>(
    db: &C,
    tenant: &str,
    id: &str,
) -> Result<message::Model> {
    message::Entity::find_by_id((tenant.to_owned(), id.to_owned()))
        .one(db)
        .await?
        .ok_or_else(|| Error::new(ErrorCode::MessageNotFound, format!("no message `{id}`")))
}

/// Adds reaction counts, the viewer's own reactions and quoted messages to stored rows.
pub(crate) async fn enrich<C: ConnectionTrait>(
    db: &C,
    store: &MediaStore,
    tenant: &str,
    viewer: Option<&UserId>,
    rows: Vec<message::Model>,
) -> Result<Vec<Message>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<String> = rows.iter().map(|m| m.id.clone()).collect();
    // Each message's reactions by type, with when the viewer gave that type (their own
    // reactions, oldest first), in one statement. No user id is empty: without a viewer the
    // time is always null.
    let given_by_viewer = Expr::from(Func::max(Expr::case(
        reaction::Column::UserId.eq(viewer.map_or("", UserId::as_str)),
        Expr::col(reaction::Column::CreatedAt),
    )));
    let mut counts: Vec<(String, String, i64, Option<chrono::DateTime<Utc>>)> =
        reaction::Entity::find()
            .select_only()
            .column(reaction::Column::MessageId)
            .column(reaction::Column::Kind)
            .column_as(Expr::col(reaction::Column::UserId).count(), "n")
            .column_as(given_by_viewer, "mine")
            .filter(reaction::Column::TenantId.eq(tenant))
            .filter(reaction::Column::MessageId.is_in(ids.iter().cloned()))
            .group_by(reaction::Column::MessageId)
            .group_by(reaction::Column::Kind)
            .into_tuple()
            .all(db)
            .await?;
    counts.sort_by(|a, b| (&a.3, &a.1).cmp(&(&b.3, &b.1)));
    let mut by_message: HashMap<String, BTreeMap<String, i64>> = HashMap::new();
    let mut own: HashMap<String, Vec<String>> = HashMap::new();
    for (mid, kind, n, mine) in counts {
        if mine.is_some() {
            own.entry(mid.clone()).or_default().push(kind.clone());
        }
        by_message.entry(mid).or_default().insert(kind, n);
    }
    let quoted_ids: BTreeSet<String> = rows.iter().filter_map(|m| m.quoted_id.clone()).collect();
    let mut quoted: HashMap<String, Message> = HashMap::new();
    if !quoted_ids.is_empty() {
        for q in message::Entity::find()
            .filter(message::Column::TenantId.eq(tenant))
            .filter(message::Column::Id.is_in(quoted_ids))
            .all(db)
            .await?
        {
            quoted.insert(q.id.clone(), crate::model::message::bare(q));
        }
    }
    let mut views: Vec<Message> = rows
        .into_iter()
        .map(|m| {
            let mut view = crate::model::message::bare(m);
            // Only the tenant server learns a message is shadowed; its author must not.
            view.shadowed &= viewer.is_none();
            view.reaction_counts = by_message.remove(&view.id).unwrap_or_default();
            view.own_reactions = own.remove(&view.id).unwrap_or_default();
            view.quoted_message = view
                .quoted_id
                .as_ref()
                .and_then(|q| quoted.get(q).cloned())
                .map(Box::new);
            view
        })
        .collect();
    media::present(db, store, tenant, &mut views).await?;
    Ok(views)
}

/// The message as events show it (no viewer, so `own_reactions` is empty), read inside `db`.
async fn event_view<C: ConnectionTrait>(
    db: &C,
    store: &MediaStore,
    tenant: &str,
    m: message::Model,
) -> Result<Message> {
    enrich(db, store, tenant, None, vec![m])
        .await?
        .pop()
        .ok_or_else(|| Error::internal("enrich returned nothing"))
}

/// Records a message event in the unit of work (published after it commits).
async fn record_message(
    work: &mut UnitOfWork<'_>,
    tenant: &str,
    kind: EventKind,
    message: &Message,
) -> Result<()> {
    let payload = Payload {
        message: Some(message.clone()),
        ..Default::default()
    };
    work.record(tenant, &message.cid, kind, &payload).await?;
    Ok(())
}

/// Records and publishes `message.updated` for a message whose derived data changed (a
/// thumbnail was made for one of its attachments). A deleted or missing message is left alone.
pub async fn republish(ctx: &Parley, tenant: &str, id: &str) -> Result<()> {
    let mut work = UnitOfWork::begin(ctx, &Permit::upkeep()).await?;
    let Some(m) = message::Entity::find_by_id((tenant.to_owned(), id.to_owned()))
        .one(&*work)
        .await?
        .filter(|m| m.deleted_at.is_none())
    else {
        return Ok(());
    };
    let view = event_view(&*work, &ctx.media, tenant, m).await?;
    record_message(&mut work, tenant, EventKind::MessageUpdated, &view).await?;
    work.commit().await?;
    Ok(())
}

/// Saves a changed message, records `message.updated`, publishes it after commit, and
/// returns the message as the caller sees it.
async fn save_and_publish(
    ctx: &Parley,
    caller: &Caller,
    permit: &Permit,
    who: Option<&UserId>,
    am: message::ActiveModel,
) -> Result<Message> {
    let tenant = caller.tenant_id();
    let mut work = UnitOfWork::begin(ctx, permit).await?;
    let stored = am.update(&*work).await?;
    let view = event_view(&*work, &ctx.media, tenant, stored.clone()).await?;
    record_message(&mut work, tenant, EventKind::MessageUpdated, &view).await?;
    work.commit().await?;
    one_view(ctx, caller, who, stored).await
}

async fn record_reaction(
    work: &mut UnitOfWork<'_>,
    store: &MediaStore,
    tenant: &str,
    kind: EventKind,
    m: message::Model,
    reaction: Reaction,
) -> Result<()> {
    let cid = m.cid.clone();
    let payload = Payload {
        message: Some(event_view(&**work, store, tenant, m).await?),
        reaction: Some(reaction),
        ..Default::default()
    };
    work.record(tenant, &cid, kind, &payload).await?;
    Ok(())
}

async fn one_view(
    ctx: &Parley,
    caller: &Caller,
    viewer: Option<&UserId>,
    m: message::Model,
) -> Result<Message> {
    enrich(
        &ctx.reads,
        &ctx.media,
        caller.tenant_id(),
        viewer.or(caller.user_id()),
        vec![m],
    )
    .await?
    .pop()
    .ok_or_else(|| Error::internal("enrich returned nothing"))
}

pub(super) async fn same_or_conflict(
    ctx: &Parley,
    caller: &Caller,
    author: &UserId,
    cid: &str,
    existing: message::Model,
) -> Result<Message> {
    if existing.cid != cid || existing.user_id.as_deref() != Some(author.as_str()) {
        return Err(Error::new(
            ErrorCode::MessageIdConflict,
            format!(
                "message id `{}` is already used by another message",
                existing.id
            ),
        ));
    }
    one_view(ctx, caller, Some(author), existing).await
}

/// A page of top-level messages, ascending by `seq`.
pub async fn history(
    ctx: &Parley,
    caller: &Caller,
    cid: &Cid,
    q: HistoryQuery,
) -> Result<Page<Message>> {
    let cid_s = cid.to_string();
    let access = authz::seated_access(ctx, caller, &cid_s, None).await?;
    authorize(caller, Action::ReadChannel, Target::Channel(&access))?;
    let limit = page::limit(q.limit)?;
    let (mut before, mut after) = (q.before_seq, q.after_seq);
    if let Some(c) = q.cursor.as_deref() {
        let raw = page::decode_cursor(c)?;
        let bad = || Error::invalid("`cursor` is not a cursor this API gave out");
        let (dir, n) = raw.split_once(':').ok_or_else(bad)?;
        let n: i64 = n.parse().map_err(|_| bad())?;
        match dir {
            "a" => after = Some(n),
            "b" => before = Some(n),
            _ => return Err(bad()),
        }
    }
    let tenant = caller.tenant_id();
    let reader = reader::Reader::of(ctx, caller).await?;
    let mut query = message::Entity::find()
        .filter(message::Column::TenantId.eq(tenant))
        .filter(message::Column::Cid.eq(&cid_s))
        .filter(message::Column::ParentId.is_null())
        .filter(reader.condition());
    if let Some(b) = before {
        query = query.filter(message::Column::Seq.lt(b));
    }
    if let Some(a) = after {
        query = query.filter(message::Column::Seq.gt(a));
    }
    let forward = after.is_some() && before.is_none();
    let mut rows = if forward {
        query.order_by_asc(message::Column::Seq)
    } else {
        query.order_by_desc(message::Column::Seq)
    }
    .limit(limit + 1)
    .all(&ctx.reads)
    .await?;
    let more = rows.len() as u64 > limit;
    rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    if !forward {
        rows.reverse();
    }
    let next_cursor = match (more, forward) {
        (false, _) => None,
        (true, true) => rows
            .last()
            .map(|m| page::encode_cursor(&format!("a:{}", m.seq))),
        (true, false) => rows
            .first()
            .map(|m| page::encode_cursor(&format!("b:{}", m.seq))),
    };
    Ok(Page {
        items: enrich(&ctx.reads, &ctx.media, tenant, caller.user_id(), rows).await?,
        next_cursor,
    })
}

/// Loads a message and checks the caller may read its channel; unknown and unreadable look alike.
pub(crate) async fn load(
    ctx: &Parley,
    caller: &Caller,
    id: &str,
    as_user: Option<&UserId>,
) -> Result<(message::Model, ChannelAccess)> {
    let m = find(&ctx.reads, caller.tenant_id(), id).await?;
    let access = authz::channel_access(ctx, caller, &m.cid, as_user).await?;
    if !access.can_read(caller) || !reader::Reader::of(ctx, caller).await?.sees(&m) {
        return Err(Error::new(
            ErrorCode::MessageNotFound,
            format!("no message `{id}`"),
        ));
    }
    Ok((m, access))
}

pub async fn get(ctx: &Parley, caller: &Caller, id: &str) -> Result<Message> {
    let (m, _) = load(ctx, caller, id, None).await?;
    one_view(ctx, caller, None, m).await
}

/// The server acts as the tenant unless it names a user; a user acts as themselves.
fn editor(caller: &Caller, named: Option<&str>) -> Result<Option<UserId>> {
    match (caller.user_id(), named) {
        (None, None) => Ok(None),
        _ => caller.acting_user(named).map(Some),
    }
}

pub async fn edit(ctx: &Parley, caller: &Caller, id: &str, patch: MessagePatch) -> Result<Message> {
    let who = editor(caller, patch.user_id.as_deref())?;
    let (m, access) = load(ctx, caller, id, who.as_ref()).await?;
    let permit = authorize(
        caller,
        Action::EditMessage,
        Target::Message {
            channel: &access,
            author: m.user_id.as_deref(),
            actor: who.as_ref(),
        },
    )?;
    if m.deleted_at.is_some() {
        return Err(Error::invalid("a deleted message cannot be edited"));
    }
    let tenant = caller.tenant_id();
    let mut am: message::ActiveModel = m.clone().into();
    let mut reports = Vec::new();
    if let Some(text) = patch.text {
        let max = caller.tenant.max_message_length(&ctx.config.limits);
        let mut text = MessageText::parse(text, max)?.into_string();
        // The type's blocklists screen an edit as they screen a new message.
        let rules = &access.kind.settings.blocklists;
        match guards::screen(ctx, tenant, rules, &text).await? {
            Verdict::Reject(refusal) => return Err(refusal),
            Verdict::Report {
                text: masked,
                reasons,
            } => {
                if let Some(masked) = masked {
                    text = MessageText::parse(masked, max)?.into_string();
                }
                reports = reasons;
            }
            Verdict::Accept | Verdict::Rewrite { .. } | Verdict::Shadow => {}
        }
        am.text = Set(text);
    }
    if patch.attachments.is_some() {
        let (attachments, upload_ids) = media::resolve_attachments(
            ctx,
            caller,
            who.as_ref(),
            &m.id,
            crate::model::attachments::parse(
                patch.attachments,
                ctx.config.limits.max_custom_bytes,
            )?,
        )
        .await?;
        media::bind_to_message(&ctx.db, tenant, &m.id, &upload_ids).await?;
        am.attachments = Set(attachments);
    }
    if let Some(mentions) = patch.mentions {
        am.mentions = Set(serde_json::to_value(
            check_mentions(
                &ctx.db,
                tenant,
                &m.cid,
                &mentions,
                access.grants(caller, Permission::MentionNonMembers),
            )
            .await?,
        )?);
    }
    if let Some(custom) = patch.custom {
        am.custom = Set(parse_custom(
            "custom",
            custom,
            ctx.config.limits.max_custom_bytes,
        )?);
    }
    let now = Utc::now();
    am.edited_at = Set(Some(now));
    am.updated_at = Set(now);
    let saved = save_and_publish(ctx, caller, &permit, who.as_ref(), am).await?;
    if !reports.is_empty() {
        let mut work = UnitOfWork::begin(ctx, &permit).await?;
        for reason in reports {
            crate::moderation::raise_flag(&mut work, tenant, &saved, reason, now).await?;
        }
        work.commit().await?;
    }
    Ok(saved)
}

/// Deletes a message: it stays in history as a tombstone with its `seq`. `hard` also erases
/// its uploaded files (and thumbnails) from the media store, for good; a soft delete keeps
/// them until the message is deleted hard or its author is.
pub async fn delete(
    ctx: &Parley,
    caller: &Caller,
    id: &str,
    user_id: Option<&str>,
    hard: bool,
) -> Result<Message> {
    let who = editor(caller, user_id)?;
    let (m, access) = load(ctx, caller, id, who.as_ref()).await?;
    let permit = authorize(
        caller,
        Action::DeleteMessage,
        Target::Message {
            channel: &access,
            author: m.user_id.as_deref(),
            actor: who.as_ref(),
        },
    )?;
    let tenant = caller.tenant_id();
    if m.deleted_at.is_none() || hard {
        let mut work = UnitOfWork::begin(ctx, &permit).await?;
        if m.deleted_at.is_none() {
            message::tombstone(message::Entity::update_many(), Utc::now())
                .filter(message::Column::TenantId.eq(tenant))
                .filter(message::Column::Id.eq(&m.id))
                .exec(&*work)
                .await?;
            reaction::Entity::delete_many()
                .filter(reaction::Column::TenantId.eq(tenant))
                .filter(reaction::Column::MessageId.eq(&m.id))
                .exec(&*work)
                .await?;
            let view =
                event_view(&*work, &ctx.media, tenant, find(&*work, tenant, id).await?).await?;
            record_message(&mut work, tenant, EventKind::MessageDeleted, &view).await?;
        }
        if hard {
            let objects =
                media::remove_uploads(&*work, tenant, media::UploadsOf::Message(&m.id)).await?;
            if !objects.is_empty() {
                work.jobs_queued();
            }
        }
        let by_author = who.is_some() && who.as_ref().map(UserId::as_str) == m.user_id.as_deref();
        if hard || !by_author {
            // A moderator's (or the server's) delete, or one that erases for good.
            let change = Change::new(AuditAction::MessageDeleted, TargetKind::Message, &m.id)
                .with(serde_json::json!({ "cid": m.cid, "author": m.user_id, "hard": hard }));
            work.audit(caller, change).await?;
        }
        work.commit().await?;
    }
    let stored = find(&ctx.db, tenant, id).await?;
    one_view(ctx, caller, who.as_ref(), stored).await
}

/// Replies in a thread, ascending by `seq`.
pub async fn replies(
    ctx: &Parley,
    caller: &Caller,
    parent_id: &str,
    limit: Option<u64>,
    cursor: Option<&str>,
) -> Result<Page<Message>> {
    let (parent, _) = load(ctx, caller, parent_id, None).await?;
    let limit = page::limit(limit)?;
    let tenant = caller.tenant_id();
    let reader = reader::Reader::of(ctx, caller).await?;
    let mut query = message::Entity::find()
        .filter(message::Column::TenantId.eq(tenant))
        .filter(message::Column::ParentId.eq(&parent.id))
        .filter(reader.condition())
        .order_by_asc(message::Column::Seq);
    if let Some(c) = cursor {
        let after: i64 = page::decode_number_cursor(c)?;
        query = query.filter(message::Column::Seq.gt(after));
    }
    let mut rows = query.limit(limit + 1).all(&ctx.reads).await?;
    let next = crate::kernel::page::next_cursor(&mut rows, limit, |m| m.seq.to_string());
    Ok(Page {
        items: enrich(&ctx.reads, &ctx.media, tenant, caller.user_id(), rows).await?,
        next_cursor: next,
    })
}

/// Adds a reaction; adding the same one twice is harmless. Returns the message and whether
/// the reaction is new.
pub async fn react(
    ctx: &Parley,
    caller: &Caller,
    id: &str,
    input: NewReaction,
) -> Result<(Message, bool)> {
    let user = caller.acting_user(input.user_id.as_deref())?;
    let kind = parse_reaction_type(&input.kind)?;
    let (m, access) = load(ctx, caller, id, Some(&user)).await?;
    let permit = authorize(caller, Action::React, Target::Channel(&access))?;
    access.kind.require(Feature::Reactions)?;
    if m.deleted_at.is_some() {
        return Err(Error::invalid("a deleted message cannot get reactions"));
    }
    let tenant = caller.tenant_id();
    let now = Utc::now();
    let mut work = UnitOfWork::begin(ctx, &permit).await?;
    let res = reaction::Entity::insert(reaction::ActiveModel {
        tenant_id: Set(tenant.to_owned()),
        message_id: Set(m.id.clone()),
        user_id: Set(user.as_str().to_owned()),
        kind: Set(kind.clone()),
        created_at: Set(now),
    })
    .on_conflict_do_nothing()
    .exec_without_returning(&*work)
    .await?;
    let created = matches!(res, sea_orm::TryInsertResult::Inserted(n) if n > 0);
    if created {
        let reaction = Reaction {
            kind,
            user_id: user.as_str().to_owned(),
            created_at: now,
        };
        record_reaction(
            &mut work,
            &ctx.media,
            tenant,
            EventKind::ReactionNew,
            m.clone(),
            reaction,
        )
        .await?;
    }
    work.commit().await?;
    Ok((one_view(ctx, caller, Some(&user), m).await?, created))
}

pub async fn unreact(
    ctx: &Parley,
    caller: &Caller,
    id: &str,
    kind: &str,
    user_id: Option<&str>,
) -> Result<Message> {
    let user = caller.acting_user(user_id)?;
    let (m, access) = load(ctx, caller, id, Some(&user)).await?;
    let permit = authorize(caller, Action::ReadChannel, Target::Channel(&access))?;
    let tenant = caller.tenant_id();
    let mut work = UnitOfWork::begin(ctx, &permit).await?;
    let res = reaction::Entity::delete_by_id((
        tenant.to_owned(),
        m.id.clone(),
        user.as_str().to_owned(),
        kind.to_owned(),
    ))
    .exec(&*work)
    .await?;
    if res.rows_affected == 0 {
        return Err(Error::new(
            ErrorCode::ReactionNotFound,
            format!("no `{kind}` reaction by `{user}` on this message"),
        ));
    }
    let reaction = Reaction {
        kind: kind.to_owned(),
        user_id: user.as_str().to_owned(),
        created_at: Utc::now(),
    };
    record_reaction(
        &mut work,
        &ctx.media,
        tenant,
        EventKind::ReactionDeleted,
        m.clone(),
        reaction,
    )
    .await?;
    work.commit().await?;
    one_view(ctx, caller, Some(&user), m).await
}

/// Pins or unpins a message (any member who may write, or a moderator).
pub async fn set_pinned(
    ctx: &Parley,
    caller: &Caller,
    id: &str,
    pinned: bool,
    user_id: Option<&str>,
) -> Result<Message> {
    let who = editor(caller, user_id)?;
    let (m, access) = load(ctx, caller, id, who.as_ref()).await?;
    let permit = authorize(caller, Action::Pin, Target::Channel(&access))?;
    if pinned && m.deleted_at.is_some() {
        return Err(Error::invalid("a deleted message cannot be pinned"));
    }
    let mut am: message::ActiveModel = m.into();
    let now = Utc::now();
    if pinned {
        am.pinned_at = Set(Some(now));
        am.pinned_by = Set(Some(
            who.as_ref().map_or("server", |u| u.as_str()).to_owned(),
        ));
    } else {
        am.pinned_at = Set(None);
        am.pinned_by = Set(None);
    }
    am.updated_at = Set(now);
    save_and_publish(ctx, caller, &permit, who.as_ref(), am).await
}
