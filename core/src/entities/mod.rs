//! sea-orm entities, one per table. Every table is keyed by `tenant_id` first.

pub mod api_key;
pub mod audit_entry;
pub mod ban;
pub mod blocklist;
pub mod channel;
pub mod channel_event;
pub mod channel_type;
pub mod device;
pub mod flag;
pub mod member;
pub mod message;
pub mod outbox;
pub mod outbox_attempt;
pub mod owned;
pub mod push_credential;
pub mod reaction;
pub mod stream_cursor;
pub mod tenant;
pub mod upload;
pub mod user;
pub mod user_block;
pub mod user_mute;
pub mod webhook;
