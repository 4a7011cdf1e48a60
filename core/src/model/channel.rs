//! Channels and members as answers and events show them.

use crate::entities::{channel, member};
use crate::kernel::ids::{ChannelType, MemberRole};
pub use parley_wire::channels::{ChannelInfo, Member};

impl From<member::Model> for Member {
    fn from(m: member::Model) -> Self {
        Self {
            role: MemberRole::from_db(&m.role),
            user_id: m.user_id,
            last_read_seq: m.last_read_seq,
            muted: m.muted,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

impl From<&channel::Model> for ChannelInfo {
    fn from(c: &channel::Model) -> Self {
        Self {
            cid: c.cid.clone(),
            kind: ChannelType::from_db(&c.kind),
            id: c.id.clone(),
            name: c.name.clone(),
            custom: c.custom.clone(),
            frozen: c.frozen,
            slow_mode_s: c.slow_mode_s,
            created_by: c.created_by.clone(),
            member_count: c.member_count,
            created_at: c.created_at,
            updated_at: c.updated_at,
        }
    }
}

/// The id prefix of a distinct channel (one per set of members, `distinct: true`).
pub const DISTINCT_PREFIX: &str = "dm_";

/// Whether a channel id is a distinct channel's.
pub fn is_distinct(id: &str) -> bool {
    id.starts_with(DISTINCT_PREFIX)
}
