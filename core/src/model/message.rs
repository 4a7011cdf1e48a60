//! Messages and reactions as answers and events show them.

use std::collections::BTreeMap;

use crate::entities::message;
pub use parley_wire::messages::{Message, Reaction};

/// A stored message as answers show it, before reactions and quotes are added.
pub(crate) fn bare(m: message::Model) -> Message {
    let mentions = serde_json::from_value(m.mentions).unwrap_or_default();
    Message {
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
