//! Blocklists as clients see and write them, and how a channel type uses them.

pub use parley_wire::moderation::{Blocklist, BlocklistAction, BlocklistInput, BlocklistRule};
