//! Bans as clients see them and create them.

use crate::entities::ban;
pub use parley_wire::moderation::{Ban, NewBan};

impl From<ban::Model> for Ban {
    fn from(b: ban::Model) -> Self {
        Self {
            user_id: b.user_id,
            cid: (b.cid != ban::APP).then_some(b.cid),
            reason: b.reason,
            created_by: b.created_by,
            expires_at: b.expires_at,
            shadow: b.shadow,
            created_at: b.created_at,
        }
    }
}
