//! Parley's wire types: the bodies of the REST API's requests and answers and the frames of
//! the realtime protocol. The server serializes and parses exactly these types, and the Rust
//! SDK uses them, so the two cannot drift. The OpenAPI document is derived from them too.
//!
//! Every type is also exported at the crate's root under its schema name in
//! `openapi/openapi.json`.

pub mod audit;
pub mod channel_types;
pub mod channels;
pub mod events;
pub mod export;
mod invalid;
pub mod jobs;
pub mod media;
pub mod messages;
pub mod moderation;
pub mod ops;
pub mod page;
pub mod problem;
pub mod push;
pub mod realtime;
pub mod roles;
pub mod tenants;
pub mod users;
pub mod webhooks;

pub use audit::*;
pub use channel_types::*;
pub use channels::*;
pub use events::*;
pub use export::*;
pub use invalid::{Invalid, check_chars};
pub use jobs::*;
pub use media::*;
pub use messages::*;
pub use moderation::*;
pub use ops::*;
pub use page::*;
pub use problem::*;
pub use push::*;
pub use realtime::*;
pub use roles::*;
pub use tenants::*;
pub use users::*;
pub use webhooks::*;
