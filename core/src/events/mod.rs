//! Events: built here once, serialized once, and shared as the same bytes by every local
//! recipient, the Redis bus and the event log that `resume` replays from.

use std::sync::Arc;

use bytestring::ByteString;
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, EntityTrait, Set};
use serde::{Deserialize, Serialize};

use crate::entities::channel_event;
use crate::{Error, Result};
pub use parley_wire::events::EventKind;
pub use parley_wire::realtime::{EventFrame, Payload};

/// One event, routed by tenant and channel (or to named users), with its bytes.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Event {
    pub tenant: Arc<str>,
    pub kind: EventKind,
    /// The channel, for channel-scoped events.
    pub cid: Option<Arc<str>>,
    /// The channel's event sequence number, for persistent events.
    pub seq: Option<i64>,
    /// For events addressed to users (notifications, presence) rather than to a channel.
    pub users: Vec<Arc<str>>,
    /// The member an event is about (member.added/removed): the hub changes their subscriptions.
    pub subject: Option<Arc<str>>,
    /// Only this user (and the tenant's server connections) sees this channel event: a
    /// shadowed message's.
    #[serde(default)]
    pub visible_to: Option<Arc<str>>,
    /// The user whose content the event carries (a message's author): connections of users
    /// who blocked them skip it.
    #[serde(default)]
    pub sent_by: Option<Arc<str>>,
    /// The JSON sent to clients.
    #[serde(with = "bytestring_serde")]
    pub json: ByteString,
    /// An outbox job was written with it: the local worker is woken when it is published.
    #[serde(skip)]
    pub queued: bool,
    /// When it happened (also in `json`); read by the in-transaction listeners.
    #[serde(skip)]
    pub created_at: DateTime<Utc>,
}

mod bytestring_serde {
    use bytestring::ByteString;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &ByteString, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(v)
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<ByteString, D::Error> {
        String::deserialize(d).map(ByteString::from)
    }
}

fn encode(
    kind: EventKind,
    cid: Option<&str>,
    seq: Option<i64>,
    created_at: DateTime<Utc>,
    payload: &Payload,
) -> Result<ByteString> {
    let wire = EventFrame {
        kind,
        cid,
        seq,
        created_at,
        payload,
    };
    Ok(ByteString::from(serde_json::to_string(&wire)?))
}

impl Event {
    /// Every constructor's shared body: stamps the time and serializes the event once.
    fn new(
        tenant: &str,
        kind: EventKind,
        cid: Option<&str>,
        seq: Option<i64>,
        users: Vec<String>,
        payload: &Payload,
    ) -> Result<Self> {
        let created_at = Utc::now();
        // A message's events carry its author, and a shadowed message's reach its author alone.
        let author = payload.message.as_ref().and_then(|m| m.user_id.as_deref());
        let shadowed = payload.message.as_ref().is_some_and(|m| m.shadowed);
        Ok(Self {
            tenant: tenant.into(),
            kind,
            cid: cid.map(Into::into),
            seq,
            users: users.into_iter().map(Into::into).collect(),
            subject: None,
            visible_to: author.filter(|_| shadowed).map(Into::into),
            sent_by: author.map(Into::into),
            json: if shadowed {
                // Its author receives it too, and must not learn it is shadowed.
                let mut unmarked = payload.clone();
                if let Some(m) = unmarked.message.as_mut() {
                    m.shadowed = false;
                }
                encode(kind, cid, seq, created_at, &unmarked)?
            } else {
                encode(kind, cid, seq, created_at, payload)?
            },
            queued: false,
            created_at,
        })
    }

    /// A channel event numbered `seq`, to be logged and replayed (see `work::UnitOfWork`).
    pub(crate) fn persistent(
        tenant: &str,
        kind: EventKind,
        cid: &str,
        seq: i64,
        payload: &Payload,
    ) -> Result<Self> {
        Self::new(tenant, kind, Some(cid), Some(seq), Vec::new(), payload)
    }

    /// Names the member the event is about (`member.added`/`removed`): the hub changes their
    /// subscriptions.
    pub fn about(&mut self, user: &str) {
        self.subject = Some(user.into());
    }

    /// Whether a listener sees the event (see [`visible`]).
    pub fn visible(&self, user: Option<&str>, blocked: impl Fn(&str) -> bool) -> bool {
        visible(
            self.visible_to.as_deref(),
            self.sent_by.as_deref(),
            user,
            blocked,
        )
    }

    /// An event that is delivered live only (typing, channel.deleted): no sequence number.
    pub fn ephemeral(tenant: &str, kind: EventKind, cid: &str, payload: &Payload) -> Result<Self> {
        Self::new(tenant, kind, Some(cid), None, Vec::new(), payload)
    }

    /// An event for named users wherever they are connected (notifications, presence).
    pub fn to_users(
        tenant: &str,
        kind: EventKind,
        cid: Option<&str>,
        users: Vec<String>,
        payload: &Payload,
    ) -> Result<Self> {
        Self::new(tenant, kind, cid, None, users, payload)
    }
}

/// Whether `user` sees an event restricted to `visible_to` and carrying `sent_by`'s content,
/// live or replayed: the tenant server (`user` is `None`) sees all; a user does not see
/// another's shadowed message, nor content of users they blocked.
pub fn visible(
    visible_to: Option<&str>,
    sent_by: Option<&str>,
    user: Option<&str>,
    blocked: impl Fn(&str) -> bool,
) -> bool {
    let Some(user) = user else {
        return true;
    };
    visible_to.is_none_or(|only| only == user) && sent_by.is_none_or(|from| !blocked(from))
}

/// Takes channel `cid`'s next event sequence number, inside the caller's transaction (which
/// then holds the channel's row lock, so events are numbered in commit order).
pub(crate) async fn next_seq<C: ConnectionTrait>(db: &C, tenant: &str, cid: &str) -> Result<i64> {
    let backend = db.get_database_backend();
    let row = db
        .query_one_raw(crate::kernel::db::statement(
            backend,
            "UPDATE channels SET last_event_seq = last_event_seq + 1 WHERE tenant_id = ? AND cid = ? RETURNING last_event_seq",
            vec![tenant.into(), cid.into()],
        ))
        .await?
        .ok_or_else(|| Error::channel_not_found(cid))?;
    Ok(row.try_get_by_index(0)?)
}

/// Appends persistent events to their channels' logs, which `resume` replays from, in one
/// statement.
pub(crate) async fn log<C: ConnectionTrait>(db: &C, events: &[Event]) -> Result<()> {
    let mut rows = Vec::with_capacity(events.len());
    for event in events {
        let (Some(cid), Some(seq)) = (&event.cid, event.seq) else {
            return Err(Error::internal(
                "only a channel's numbered events are logged",
            ));
        };
        rows.push(channel_event::ActiveModel {
            tenant_id: Set(event.tenant.to_string()),
            cid: Set(cid.to_string()),
            seq: Set(seq),
            kind: Set(event.kind.as_str().to_owned()),
            payload: Set(event.json.to_string()),
            created_at: Set(event.created_at),
            visible_to: Set(event.visible_to.as_deref().map(str::to_owned)),
            sent_by: Set(event.sent_by.as_deref().map(str::to_owned)),
        });
    }
    if rows.is_empty() {
        return Ok(());
    }
    channel_event::Entity::insert_many(rows)
        .exec_without_returning(db)
        .await?;
    Ok(())
}
