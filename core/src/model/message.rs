//! Messages and reactions as answers and events show them.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
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
