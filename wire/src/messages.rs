use chrono::{DateTime, Utc};
use serde::ser::SerializeMap;
use serde::{Deserialize, Serialize, Serializer};
use std::collections::BTreeMap;

#[allow(unused_imports)]
use crate::*;
use utoipa::ToSchema;

// Read through `Fields`, so both forms parse: the full one of REST answers and the lean one
// of events (`Lean`), whose left-out fields take their defaults.
/// A message as every answer and event shows it.
#[derive(Debug, Clone, Serialize, ToSchema, Deserialize)]
#[serde(from = "Fields")]
pub struct Message {
    pub id: String,
    pub cid: String,
    /// Position in the channel: gap-free and increasing.
    pub seq: i64,
    /// The author; `null` once the author's account was deleted.
    pub user_id: Option<String>,
    /// `regular`, `reply` (in a thread) or `deleted`.
    #[serde(rename = "type")]
    pub kind: String,
    pub text: String,
    #[schema(value_type = Vec<Object>)]
    pub attachments: serde_json::Value,
    pub parent_id: Option<String>,
    pub quoted_id: Option<String>,
    /// The quoted message, one level deep.
    #[schema(no_recursion)]
    pub quoted_message: Option<Box<Message>>,
    pub mentions: Vec<String>,
    #[schema(value_type = Object)]
    pub custom: serde_json::Value,
    pub silent: bool,
    /// Sent by a shadow-banned user: shown to its author alone (and to the tenant server,
    /// admins and webhooks, with this mark). Absent otherwise.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub shadowed: bool,
    pub reply_count: i32,
    /// Reaction type to number of users who reacted so.
    pub reaction_counts: BTreeMap<String, i64>,
    /// The caller's own reaction types on this message.
    pub own_reactions: Vec<String>,
    pub pinned: bool,
    pub pinned_at: Option<DateTime<Utc>>,
    pub pinned_by: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub edited_at: Option<DateTime<Utc>>,
    pub deleted_at: Option<DateTime<Utc>>,
}

/// A reaction, as reaction events carry it.
#[derive(Debug, Clone, Serialize, ToSchema, Deserialize)]
pub struct Reaction {
    #[serde(rename = "type")]
    pub kind: String,
    pub user_id: String,
    pub created_at: DateTime<Utc>,
}

/// The body of `POST /v1/channels/{type}/{id}/messages`.
#[derive(Clone, Debug, Default, Deserialize, ToSchema, Serialize)]
#[serde(deny_unknown_fields)]
pub struct NewMessage {
    /// Client-chosen id: sending the same id again returns the stored message instead of a copy.
    #[schema(pattern = "^[A-Za-z0-9_-]+$", min_length = 1, max_length = 64)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The text; may be empty only when the message has `attachments`.
    #[serde(default)]
    pub text: String,
    #[schema(value_type = Option<Vec<crate::AttachmentInput>>, max_items = 30)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attachments: Option<serde_json::Value>,
    /// Reply in the thread of this message.
    #[schema(pattern = "^[A-Za-z0-9_-]+$", min_length = 1, max_length = 64)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<String>,
    /// Quote this message of the same channel.
    #[schema(pattern = "^[A-Za-z0-9_-]+$", min_length = 1, max_length = 64)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quoted_id: Option<String>,
    /// User ids mentioned; each must be a member of the channel.
    #[serde(default)]
    pub mentions: Vec<String>,
    #[schema(value_type = Option<Object>)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom: Option<serde_json::Value>,
    /// A silent message does not raise unread counts.
    #[serde(default)]
    pub silent: bool,
    /// With the secret key: the author (required with the secret key).
    #[schema(pattern = "^[A-Za-z0-9_.@-]+$", min_length = 1, max_length = 128)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
}

/// The body of `PATCH /v1/messages/{message_id}`.
#[derive(Clone, Debug, Default, Deserialize, ToSchema, Serialize)]
#[serde(deny_unknown_fields)]
pub struct MessagePatch {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[schema(value_type = Option<Vec<crate::AttachmentInput>>, max_items = 30)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attachments: Option<serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mentions: Option<Vec<String>>,
    #[schema(value_type = Option<Object>)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom: Option<serde_json::Value>,
    /// With the secret key: who edits (must be the author or a moderator); default: the tenant server.
    #[schema(pattern = "^[A-Za-z0-9_.@-]+$", min_length = 1, max_length = 128)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
}

#[derive(Clone, Debug, Deserialize, ToSchema, Serialize)]
#[serde(deny_unknown_fields)]
pub struct NewReaction {
    /// A reaction type such as `like`: no spaces, control characters or `/`.
    #[serde(rename = "type")]
    #[schema(
        pattern = "^[^\\s/\\x00-\\x1f\\x7f-\\x9f]+$",
        min_length = 1,
        max_length = 32
    )]
    pub kind: String,
    /// With the secret key: who reacts (required with the secret key).
    #[schema(pattern = "^[A-Za-z0-9_.@-]+$", min_length = 1, max_length = 128)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
}

/// [`Message`] as read: every field the lean form leaves out has its default.
#[derive(Clone, Debug, Deserialize, Serialize)]
struct Fields {
    id: String,
    cid: String,
    seq: i64,
    #[serde(default)]
    user_id: Option<String>,
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    attachments: Option<serde_json::Value>,
    #[serde(default)]
    parent_id: Option<String>,
    #[serde(default)]
    quoted_id: Option<String>,
    #[serde(default)]
    quoted_message: Option<Box<Message>>,
    #[serde(default)]
    mentions: Vec<String>,
    #[serde(default)]
    custom: Option<serde_json::Value>,
    #[serde(default)]
    silent: bool,
    #[serde(default)]
    shadowed: bool,
    #[serde(default)]
    reply_count: i32,
    #[serde(default)]
    reaction_counts: BTreeMap<String, i64>,
    #[serde(default)]
    own_reactions: Vec<String>,
    #[serde(default)]
    pinned: bool,
    #[serde(default)]
    pinned_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pinned_by: Option<String>,
    created_at: DateTime<Utc>,
    #[serde(default)]
    updated_at: Option<DateTime<Utc>>,
    #[serde(default)]
    edited_at: Option<DateTime<Utc>>,
    #[serde(default)]
    deleted_at: Option<DateTime<Utc>>,
}

impl From<Fields> for Message {
    fn from(f: Fields) -> Self {
        Self {
            id: f.id,
            cid: f.cid,
            seq: f.seq,
            user_id: f.user_id,
            kind: f.kind,
            text: f.text,
            attachments: f
                .attachments
                .unwrap_or_else(|| serde_json::Value::Array(Vec::new())),
            parent_id: f.parent_id,
            quoted_id: f.quoted_id,
            quoted_message: f.quoted_message,
            mentions: f.mentions,
            custom: f
                .custom
                .unwrap_or_else(|| serde_json::Value::Object(serde_json::Map::new())),
            silent: f.silent,
            shadowed: f.shadowed,
            reply_count: f.reply_count,
            reaction_counts: f.reaction_counts,
            own_reactions: f.own_reactions,
            pinned: f.pinned,
            pinned_at: f.pinned_at,
            pinned_by: f.pinned_by,
            created_at: f.created_at,
            updated_at: f.updated_at.unwrap_or(f.created_at),
            edited_at: f.edited_at,
            deleted_at: f.deleted_at,
        }
    }
}

/// A message as events carry it: the fields of [`Message`], with those at their default left
/// out (absent ids and times, empty lists and objects, `false`, zero counts, `updated_at` equal
/// to `created_at`). Every event is serialized once for all its recipients, the event log and
/// webhooks, so what is left out here is left out of all of them.
pub struct Lean<'a>(pub &'a Message);

fn is_empty_json(v: &serde_json::Value) -> bool {
    match v {
        serde_json::Value::Null => true,
        serde_json::Value::Array(a) => a.is_empty(),
        serde_json::Value::Object(o) => o.is_empty(),
        _ => false,
    }
}

impl Serialize for Lean<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let m = self.0;
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("id", &m.id)?;
        map.serialize_entry("cid", &m.cid)?;
        map.serialize_entry("seq", &m.seq)?;
        if let Some(user) = &m.user_id {
            map.serialize_entry("user_id", user)?;
        }
        map.serialize_entry("type", &m.kind)?;
        if !m.text.is_empty() {
            map.serialize_entry("text", &m.text)?;
        }
        if !is_empty_json(&m.attachments) {
            map.serialize_entry("attachments", &m.attachments)?;
        }
        if let Some(parent) = &m.parent_id {
            map.serialize_entry("parent_id", parent)?;
        }
        if let Some(quoted) = &m.quoted_id {
            map.serialize_entry("quoted_id", quoted)?;
        }
        if let Some(quoted) = &m.quoted_message {
            map.serialize_entry("quoted_message", &Lean(quoted))?;
        }
        if !m.mentions.is_empty() {
            map.serialize_entry("mentions", &m.mentions)?;
        }
        if !is_empty_json(&m.custom) {
            map.serialize_entry("custom", &m.custom)?;
        }
        if m.silent {
            map.serialize_entry("silent", &true)?;
        }
        if m.shadowed {
            map.serialize_entry("shadowed", &true)?;
        }
        if m.reply_count != 0 {
            map.serialize_entry("reply_count", &m.reply_count)?;
        }
        if !m.reaction_counts.is_empty() {
            map.serialize_entry("reaction_counts", &m.reaction_counts)?;
        }
        if !m.own_reactions.is_empty() {
            map.serialize_entry("own_reactions", &m.own_reactions)?;
        }
        if m.pinned {
            map.serialize_entry("pinned", &true)?;
        }
        if let Some(at) = &m.pinned_at {
            map.serialize_entry("pinned_at", at)?;
        }
        if let Some(by) = &m.pinned_by {
            map.serialize_entry("pinned_by", by)?;
        }
        map.serialize_entry("created_at", &m.created_at)?;
        if m.updated_at != m.created_at {
            map.serialize_entry("updated_at", &m.updated_at)?;
        }
        if let Some(at) = &m.edited_at {
            map.serialize_entry("edited_at", at)?;
        }
        if let Some(at) = &m.deleted_at {
            map.serialize_entry("deleted_at", at)?;
        }
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(v: &serde_json::Value) -> Vec<String> {
        let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
        k.sort();
        k
    }

    fn plain() -> Message {
        let at = Utc::now();
        Message {
            id: "m1".into(),
            cid: "messaging:general".into(),
            seq: 1,
            user_id: Some("alice".into()),
            kind: "regular".into(),
            text: "hi".into(),
            attachments: serde_json::json!([]),
            parent_id: None,
            quoted_id: None,
            quoted_message: None,
            mentions: Vec::new(),
            custom: serde_json::json!({}),
            silent: false,
            shadowed: false,
            reply_count: 0,
            reaction_counts: BTreeMap::new(),
            own_reactions: Vec::new(),
            pinned: false,
            pinned_at: None,
            pinned_by: None,
            created_at: at,
            updated_at: at,
            edited_at: None,
            deleted_at: None,
        }
    }

    #[test]
    fn lean_leaves_out_defaults() {
        let lean = serde_json::to_value(Lean(&plain())).unwrap();
        assert_eq!(
            keys(&lean),
            ["cid", "created_at", "id", "seq", "text", "type", "user_id"]
        );
    }

    /// A field added to `Message` and forgotten in `Lean` fails here.
    #[test]
    fn lean_keeps_every_field_that_is_set() {
        let at = Utc::now();
        let mut m = plain();
        m.attachments = serde_json::json!([{"type": "image"}]);
        m.parent_id = Some("p".into());
        m.quoted_id = Some("q".into());
        m.quoted_message = Some(Box::new(plain()));
        m.mentions = vec!["bob".into()];
        m.custom = serde_json::json!({"k": 1});
        m.silent = true;
        m.shadowed = true;
        m.reply_count = 2;
        m.reaction_counts.insert("like".into(), 1);
        m.own_reactions = vec!["like".into()];
        m.pinned = true;
        m.pinned_at = Some(at);
        m.pinned_by = Some("bob".into());
        m.updated_at = at + chrono::Duration::seconds(1);
        m.edited_at = Some(at);
        m.deleted_at = Some(at);
        let full = serde_json::to_value(&m).unwrap();
        let lean = serde_json::to_value(Lean(&m)).unwrap();
        assert_eq!(keys(&lean), keys(&full));
        assert_eq!(lean["quoted_message"].as_object().unwrap().len(), 7);
    }
}
