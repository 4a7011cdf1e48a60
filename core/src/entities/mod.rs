//! sea-orm entities, one per table. Every table is keyed by `tenant_id` first.

pub mod api_key;
pub mod channel;
pub mod channel_event;
pub mod member;
pub mod message;
pub mod reaction;
pub mod tenant;
pub mod upload;
pub mod user;
