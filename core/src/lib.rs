//! Parley's domain: configuration, the data model, auth and every use case (tenants, users,
//! channels, messages). It knows nothing of HTTP: the api crate calls these functions from
//! REST handlers, and the realtime transports call the same ones.

pub mod attachments;
pub mod auth;
pub mod channels;
pub mod config;
pub mod crypto;
pub mod db;
pub mod entities;
pub mod error;
pub mod hooks;
pub mod ids;
pub mod media;
pub mod messages;
pub mod outbound;
pub mod outbox;
pub mod page;
pub mod push;
pub mod realtime;
pub mod tenants;
pub mod users;
pub mod webhooks;

mod context;

pub use context::Parley;
pub use error::{Error, ErrorCode, Result};
