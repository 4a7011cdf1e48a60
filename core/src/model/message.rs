//! Messages and reactions as answers and events show them.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};
use utoipa::ToSchema;

use crate::entities::message;

/// A message as every answer and event shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
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

impl Message {
    pub(crate) fn bare(m: message::Model) -> Self {
        let mentions = serde_json::from_value(m.mentions).unwrap_or_default();
        Self {
            id: m.id,
            cid: m.cid,
            seq: m.seq,
            user_id: m.user_id,
            kind: m.kind,
            text: m.text,
            attachments: m.attachments,
            parent_id: m.parent_id,
            quoted_id: m.quoted_id,
            quoted_message: None,
            mentions,
            custom: m.custom,
            silent: m.silent,
            shadowed: m.shadowed,
            reply_count: m.reply_count,
            reaction_counts: BTreeMap::new(),
            own_reactions: Vec::new(),
            pinned: m.pinned_at.is_some(),
            pinned_at: m.pinned_at,
            pinned_by: m.pinned_by,
            created_at: m.created_at,
            updated_at: m.updated_at,
            edited_at: m.edited_at,
            deleted_at: m.deleted_at,
        }
    }
}

/// A reaction, as reaction events carry it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Reaction {
    #[serde(rename = "type")]
    pub kind: String,
    pub user_id: String,
    pub created_at: DateTime<Utc>,
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
