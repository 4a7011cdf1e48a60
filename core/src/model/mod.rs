//! The wire model: the shapes clients read and write (attachments, views of channels,
//! members, messages and users, tenant settings). It depends only on the kernel and the
//! stored entities, so every capability and every event can speak it.

pub mod attachments;
pub mod ban;
pub mod blocklist;
pub mod channel;
pub mod channel_type;
pub mod flag;
pub mod message;
pub mod tenant;
