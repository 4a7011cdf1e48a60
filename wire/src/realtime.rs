//! The frames of the realtime protocol (openapi/asyncapi.yaml), on the WebSocket and, as the
//! `data` of each event, on the SSE stream.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{Ban, ChannelInfo, EventKind, Flag, Lean, Member, Message, NewMessage, Reaction};

/// A frame a client sends. `req_id`, any JSON value, comes back in the answer to the frame
/// (`ack`, `subscribed`, `resumed`, `pong` or `error`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "type", deny_unknown_fields)]
pub enum ClientFrame {
    /// Follow these channels' events; answered by `subscribed` with each channel's newest seq.
    #[serde(rename = "subscribe")]
    Subscribe {
        cids: Vec<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        req_id: Option<Value>,
    },
    #[serde(rename = "unsubscribe")]
    Unsubscribe {
        cids: Vec<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        req_id: Option<Value>,
    },
    /// Replay each channel's events after its seq, then follow it; answered by the events,
    /// `resume.failed` where the log no longer reaches back, and `resumed`.
    #[serde(rename = "resume")]
    Resume {
        cursors: HashMap<String, i64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        req_id: Option<Value>,
    },
    /// Send a message; answered by `ack` with the stored message, or `error`.
    #[serde(rename = "message.send")]
    Send {
        req_id: Value,
        cid: String,
        message: NewMessage,
    },
    #[serde(rename = "typing.start")]
    TypingStart {
        cid: String,
        /// With the secret key: who types.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        user_id: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        req_id: Option<Value>,
    },
    #[serde(rename = "typing.stop")]
    TypingStop {
        cid: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        user_id: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        req_id: Option<Value>,
    },
    /// Mark the channel read up to `seq` (default: its newest message).
    #[serde(rename = "read")]
    Read {
        cid: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        seq: Option<i64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        user_id: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        req_id: Option<Value>,
    },
    #[serde(rename = "ping")]
    Ping {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        req_id: Option<Value>,
    },
}

/// A frame the server sends that is not an event: the answers to client frames and the
/// connection's own news.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum ControlFrame {
    /// The first frame of a connection: the channels it follows, each with its newest seq.
    #[serde(rename = "connection.ready")]
    ConnectionReady {
        connection_id: String,
        /// `null` for the tenant server's connections.
        user_id: Option<String>,
        cursors: BTreeMap<String, i64>,
    },
    #[serde(rename = "subscribed")]
    Subscribed {
        cursors: BTreeMap<String, i64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        req_id: Option<Value>,
    },
    /// The end of a `resume`: each channel's position once its replayed events were sent.
    #[serde(rename = "resumed")]
    Resumed {
        cursors: BTreeMap<String, i64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        req_id: Option<Value>,
    },
    /// The log no longer holds the events after the cursor: refetch the channel through REST;
    /// live events continue after `seq`.
    #[serde(rename = "resume.failed")]
    ResumeFailed {
        cid: String,
        reason: String,
        seq: i64,
    },
    #[serde(rename = "ack")]
    Ack {
        req_id: Value,
        /// For `message.send`: the stored message.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        message: Option<Box<Message>>,
    },
    #[serde(rename = "pong")]
    Pong {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        req_id: Option<Value>,
    },
    /// What REST's problem document says, for a frame or for the connection.
    #[serde(rename = "error")]
    Error {
        code: String,
        detail: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        req_id: Option<Value>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cid: Option<String>,
        /// For `forbidden`: the permission that was denied.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        action: Option<String>,
        /// For `rate_limited`: seconds to wait.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        retry_after: Option<u64>,
    },
}

/// The body of an event: whichever of these the event type carries.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct Payload {
    /// Serialized lean: fields at their default are left out (see [`Lean`]).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "lean_message"
    )]
    pub message: Option<Message>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reaction: Option<Reaction>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<ChannelInfo>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member: Option<Member>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_read_seq: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub online: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_active_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ban: Option<Ban>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flag: Option<Flag>,
    /// `notification.added_to_channel`: the channel's newest event seq once the user was
    /// added; the channel's later events follow it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<i64>,
}

fn lean_message<S: serde::Serializer>(m: &Option<Message>, s: S) -> Result<S::Ok, S::Error> {
    match m {
        Some(m) => Lean(m).serialize(s),
        None => s.serialize_none(),
    }
}

/// An event as it is sent: its type, channel and seq (for a channel's numbered events), its
/// time, and the payload's fields beside them. The server writes `EventFrame<&str, &Payload>`;
/// a client reads [`Event`].
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EventFrame<S, P> {
    #[serde(rename = "type")]
    pub kind: EventKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cid: Option<S>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seq: Option<i64>,
    pub created_at: DateTime<Utc>,
    #[serde(flatten)]
    pub payload: P,
}

/// An event as a client reads it.
pub type Event = EventFrame<String, Payload>;

/// Any frame the server sends.
#[derive(Debug, Clone)]
pub enum Incoming {
    Control(ControlFrame),
    Event(Box<Event>),
    /// `user.banned` as the last frames of a banned user's connection carry it: the type
    /// alone, before the `error` and the close.
    Banned,
}

impl Incoming {
    /// Reads one frame (a WebSocket text message, or an SSE event's `data`).
    pub fn parse(text: &str) -> Result<Self, serde_json::Error> {
        #[derive(Deserialize)]
        struct Kind {
            #[serde(rename = "type")]
            kind: String,
            #[serde(default)]
            created_at: Option<Value>,
        }
        let head: Kind = serde_json::from_str(text)?;
        let is_event =
            serde_json::from_value::<EventKind>(Value::String(head.kind.clone())).is_ok();
        if !is_event {
            return serde_json::from_str(text).map(Self::Control);
        }
        if head.kind == "user.banned" && head.created_at.is_none() {
            return Ok(Self::Banned);
        }
        serde_json::from_str(text).map(|e| Self::Event(Box::new(e)))
    }
}
