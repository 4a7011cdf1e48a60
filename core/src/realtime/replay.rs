//! Replay from the per-channel event log: `resume` by seq (the WebSocket's frame, SSE's
//! `Last-Event-ID` and `cursors`). Events older than the retention are pruned.

use std::sync::Arc;
use std::time::Duration;

use bytestring::ByteString;
use chrono::Utc;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::authn::Caller;
use crate::authz::{self, Action, Target};
use crate::entities::channel_event;
use crate::kernel::ids::Cid;
use crate::{Error, Parley, Result};

/// What a resume can give for one channel.
pub enum Replay {
    /// Every event after the cursor, in order (possibly none); `last` is the newest seq.
    Events {
        events: Vec<(i64, ByteString)>,
        last: i64,
    },
    /// The cursor is older than what the log keeps (or too far behind): refetch state.
    Failed { reason: &'static str, last: i64 },
}

/// Checks the caller may read the channel and returns its newest event seq.
pub async fn authorize(ctx: &Parley, caller: &Caller, cid: &Cid) -> Result<i64> {
    let access = authz::channel_access(ctx, caller, &cid.to_string(), None).await?;
    authz::authorize(caller, Action::ReadChannel, Target::Channel(&access))?;
    Ok(access.channel.last_event_seq)
}

/// Events of `cid` after `after`.
pub async fn after_seq(ctx: &Parley, caller: &Caller, cid: &Cid, after: i64) -> Result<Replay> {
    if after < 0 {
        return Err(Error::invalid("a resume cursor must not be negative"));
    }
    let last = authorize(ctx, caller, cid).await?;
    if after > last {
        // The client claims events the channel never had: its cursor is corrupt (or from a
        // channel deleted and created again). Replaying nothing would hide that.
        return Ok(Replay::Failed {
            reason: "cursor_ahead",
            last,
        });
    }
    if after == last {
        return Ok(Replay::Events {
            events: Vec::new(),
            last,
        });
    }
    let max = ctx.config.realtime.max_resume_events;
    if usize::try_from(last - after).unwrap_or(usize::MAX) > max {
        return Ok(Replay::Failed {
            reason: "too_far_behind",
            last,
        });
    }
    let rows: Vec<(i64, String, Option<String>, Option<String>)> = channel_event::Entity::find()
        .select_only()
        .column(channel_event::Column::Seq)
        .column(channel_event::Column::Payload)
        .column(channel_event::Column::VisibleTo)
        .column(channel_event::Column::SentBy)
        .filter(channel_event::Column::TenantId.eq(caller.tenant_id()))
        .filter(channel_event::Column::Cid.eq(cid.to_string()))
        .filter(channel_event::Column::Seq.gt(after))
        .order_by_asc(channel_event::Column::Seq)
        .into_tuple()
        .all(&ctx.reads)
        .await?;
    // Every event after the cursor must be there: the oldest may have been pruned, and a
    // hard delete of a user removes the events that named her.
    let complete = rows
        .iter()
        .zip(after + 1..)
        .all(|((seq, ..), expected)| *seq == expected)
        && rows.last().is_some_and(|(seq, ..)| *seq >= last);
    if !complete {
        return Ok(Replay::Failed {
            reason: "expired",
            last,
        });
    }
    let last = rows.last().map_or(last, |(s, ..)| *s);
    // Left out, as live delivery leaves them out: others' shadowed messages and the messages
    // of users the caller blocked. Their seqs are skipped; the replay is still complete.
    let user = caller.user_id().map(|u| u.as_str());
    let blocked = match user {
        Some(u) => {
            crate::entities::user_block::blocked_by(&ctx.reads, caller.tenant_id(), u).await?
        }
        None => Vec::new(),
    };
    Ok(Replay::Events {
        events: rows
            .into_iter()
            .filter(|(_, _, visible_to, sent_by)| {
                crate::events::visible(visible_to.as_deref(), sent_by.as_deref(), user, |from| {
                    blocked.iter().any(|b| b == from)
                })
            })
            .map(|(s, p, ..)| (s, ByteString::from(p)))
            .collect(),
        last,
    })
}

/// Deletes events past the retention, every few minutes, on every node (idempotent).
pub(crate) fn spawn_retention(ctx: Parley) {
    let weak = Arc::downgrade(&ctx.realtime);
    let db = ctx.db.clone();
    let retention = chrono::Duration::seconds(
        i64::try_from(ctx.config.realtime.event_retention_s).unwrap_or(i64::MAX / 4),
    );
    drop(ctx);
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(300));
        loop {
            tick.tick().await;
            if weak.strong_count() == 0 {
                return;
            }
            let cutoff = Utc::now() - retention;
            if let Err(e) = channel_event::Entity::delete_many()
                .filter(channel_event::Column::CreatedAt.lt(cutoff))
                .exec(&db)
                .await
            {
                tracing::warn!(error = %e, "pruning the event log failed");
            }
            if let Err(e) = super::positions::prune(&db, cutoff).await {
                tracing::warn!(error = %e, "pruning stream positions failed");
            }
        }
    });
}
