//! Flags as moderators review them, and the bodies that create and resolve them.

use crate::entities::flag;
pub use parley_wire::moderation::{Flag, FlagStatus, NewFlag, Resolution, Resolve};

impl From<flag::Model> for Flag {
    fn from(f: flag::Model) -> Self {
        Self {
            id: f.id,
            user_id: f.user_id,
            message_id: f.message_id,
            cid: f.cid,
            created_by: f.created_by,
            reason: f.reason,
            status: if f.status == "resolved" {
                FlagStatus::Resolved
            } else {
                FlagStatus::Open
            },
            resolution: f.resolution.as_deref().and_then(Resolution::from_db),
            resolved_by: f.resolved_by,
            resolved_at: f.resolved_at,
            created_at: f.created_at,
        }
    }
}
