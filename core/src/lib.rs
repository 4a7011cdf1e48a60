//! Parley's domain: configuration, the data model, auth and every use case (tenants, users,
//! channels, messages). It knows nothing of HTTP: the api crate calls these functions from
//! REST handlers, and the realtime transports call the same ones.

pub mod audit;
pub mod authn;
pub mod authz;
pub mod channels;
pub mod entities;
pub mod events;
pub mod flags;
pub mod integrations;
pub mod kernel;
pub mod media;
pub mod messages;
pub mod model;
pub mod moderation;
pub mod outbox;
pub mod push;
pub mod realtime;
pub mod tenants;
pub mod users;
pub mod work;

mod context;
#[cfg(test)]
mod query_plans;

pub use context::Parley;
pub use kernel::error::{Error, ErrorCode, Result};
