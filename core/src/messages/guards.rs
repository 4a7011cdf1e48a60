//! The send pipeline's guards: rules a message must pass before it is stored, checked in
//! order after the caller was authorized. Each answers accept, reject (with its error code)
//! or rewrite (new text or custom data), or store and report. A new rule is one more
//! [`Guard`] variant and its check.

use chrono::Utc;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::authn::Caller;
use crate::authz::ChannelAccess;
use crate::entities::message;
use crate::model::channel_type::Permission;
use crate::{Error, ErrorCode, Parley, Result};

use super::send::Draft;

/// What a guard decided about a draft.
#[derive(Debug)]
pub enum Verdict {
    Accept,
    Reject(Error),
    /// Store the message with these values instead (either may be absent).
    Rewrite {
        text: Option<String>,
        custom: Option<serde_json::Value>,
    },
    /// Store the message as shadowed: shown to its author alone (a shadow ban).
    Shadow,
    /// Store the message (with `text` instead, when given) and report it to the moderators
    /// for each reason.
    Report {
        text: Option<String>,
        reasons: Vec<String>,
    },
}

/// Every rule of the send pipeline, in the order they run.
#[derive(Debug, Clone, Copy)]
pub enum Guard {
    /// A frozen channel takes no new messages (the tenant server and admins excepted).
    Frozen,
    /// A user banned from the app or from the channel posts nothing there, whoever sends
    /// on their behalf; a shadow-banned user's message is stored shadowed.
    Banned,
    /// Nobody posts into a distinct DM with a member who blocked them.
    BlockedInDm,
    /// In slow mode a member posts once per interval, unless granted `skip_slow_mode`.
    SlowMode,
    /// The channel type's blocklists block, mask or report the text.
    Blocklists,
}

pub const GUARDS: [Guard; 5] = [
    Guard::Frozen,
    Guard::Banned,
    Guard::BlockedInDm,
    Guard::SlowMode,
    Guard::Blocklists,
];

/// What a guard may look at.
pub struct Seen<'a> {
    pub ctx: &'a Parley,
    pub caller: &'a Caller,
    pub channel: &'a ChannelAccess,
    pub draft: &'a Draft,
}

impl Guard {
    pub async fn check(self, seen: &Seen<'_>) -> Result<Verdict> {
        match self {
            Self::Frozen => Ok(match seen.channel.refuse_if_frozen(seen.caller) {
                Ok(()) => Verdict::Accept,
                Err(refusal) => Verdict::Reject(refusal),
            }),
            Self::Banned => {
                let ban = crate::moderation::posting_ban(
                    seen.ctx,
                    seen.caller.tenant_id(),
                    seen.draft.author.as_str(),
                    &seen.draft.cid,
                )
                .await?;
                Ok(match ban {
                    Some(ban) if ban.shadow => Verdict::Shadow,
                    Some(ban) => Verdict::Reject(crate::moderation::refusal(&ban)),
                    None => Verdict::Accept,
                })
            }
            Self::BlockedInDm => {
                let channel = &seen.channel.channel;
                let blocker = dm_blocker(
                    seen.ctx,
                    seen.caller.tenant_id(),
                    channel,
                    seen.draft.author.as_str(),
                )
                .await?;
                Ok(match blocker {
                    Some(_) => Verdict::Reject(Error::denied(
                        "send_message",
                        "you cannot send messages to this user",
                    )),
                    None => Verdict::Accept,
                })
            }
            Self::SlowMode => slow_mode(seen).await,
            Self::Blocklists => {
                let rules = &seen.channel.kind.settings.blocklists;
                screen(seen.ctx, seen.caller.tenant_id(), rules, &seen.draft.text).await
            }
        }
    }
}

/// The verdict of a channel type's blocklists on a text (a new message's, an edit's).
pub async fn screen(
    ctx: &Parley,
    tenant: &str,
    rules: &[crate::model::blocklist::BlocklistRule],
    text: &str,
) -> Result<Verdict> {
    let found = crate::moderation::blocklists::screen(ctx, tenant, rules, text).await?;
    if let Some(list) = found.blocked_by {
        return Ok(Verdict::Reject(Error::new(
            ErrorCode::MessageBlocked,
            format!("the message contains words the app blocks (blocklist `{list}`)"),
        )));
    }
    if found.flagged_by.is_empty() && found.masked.is_none() {
        return Ok(Verdict::Accept);
    }
    Ok(Verdict::Report {
        text: found.masked,
        reasons: found
            .flagged_by
            .into_iter()
            .map(|list| format!("blocklist `{list}`"))
            .collect(),
    })
}

/// Refuses a message sent before the author's slow mode interval ran out since their last
/// one, with the seconds left as `Retry-After`.
async fn slow_mode(seen: &Seen<'_>) -> Result<Verdict> {
    let channel = &seen.channel.channel;
    let interval = i64::from(channel.slow_mode_s);
    if interval <= 0 || seen.channel.grants(seen.caller, Permission::SkipSlowMode) {
        return Ok(Verdict::Accept);
    }
    let last: Option<chrono::DateTime<Utc>> = message::Entity::find()
        .select_only()
        .column(message::Column::CreatedAt)
        .filter(message::Column::TenantId.eq(seen.caller.tenant_id()))
        .filter(message::Column::Cid.eq(channel.cid.as_str()))
        .filter(message::Column::UserId.eq(seen.draft.author.as_str()))
        .order_by_desc(message::Column::CreatedAt)
        .limit(1)
        .into_tuple()
        .one(seen.ctx.fresh_reads())
        .await?;
    let Some(last) = last else {
        return Ok(Verdict::Accept);
    };
    let waited_ms = (seen.ctx.now() - last).num_milliseconds();
    let left_ms = interval * 1_000 - waited_ms;
    if left_ms <= 0 {
        return Ok(Verdict::Accept);
    }
    let left_s = u64::try_from(left_ms).unwrap_or(1).div_ceil(1_000);
    Ok(Verdict::Reject(
        Error::new(
            ErrorCode::SlowMode,
            format!(
                "`{}` is in slow mode: one message every {interval} s; try again in {left_s} s",
                channel.cid
            ),
        )
        .with_retry_after(left_s),
    ))
}

/// In a distinct DM (a channel made with `distinct`), the member who blocked `author`, if one
/// did.
pub async fn dm_blocker(
    ctx: &Parley,
    tenant: &str,
    channel: &crate::entities::channel::Model,
    author: &str,
) -> Result<Option<String>> {
    if !crate::model::channel::is_distinct(&channel.id) {
        return Ok(None);
    }
    let blockers =
        crate::entities::user_block::blockers_of(ctx.fresh_reads(), tenant, author).await?;
    if blockers.is_empty() {
        return Ok(None);
    }
    let member: Option<String> = crate::entities::member::Entity::find()
        .select_only()
        .column(crate::entities::member::Column::UserId)
        .filter(crate::entities::member::Column::TenantId.eq(tenant))
        .filter(crate::entities::member::Column::Cid.eq(channel.cid.as_str()))
        .filter(crate::entities::member::Column::UserId.is_in(blockers))
        .into_tuple()
        .one(ctx.fresh_reads())
        .await?;
    Ok(member)
}
