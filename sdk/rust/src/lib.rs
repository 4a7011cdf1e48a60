//! Parley's Rust SDK.
//!
//! * [`Client`]: every REST operation of `openapi/openapi.json` as a method, with the
//!   request and answer types of the server itself ([`parley_wire`], re-exported as
//!   [`wire`]). Build it for a user ([`Client::user`]), a tenant's server
//!   ([`Client::server`]) or the operator ([`Client::admin`]).
//! * [`Realtime`]: a WebSocket client that reconnects by itself and, after any reconnect,
//!   delivers every channel event exactly once and in `seq` order (the rules of
//!   `openapi/asyncapi.yaml`).
//! * [`mint_user_token`]: user tokens signed with the tenant's signing secret.
//! * [`Error`]: problem details of the server as a typed error, with an opt-in
//!   [`RetryPolicy`] that honours `Retry-After`.

mod client;
mod cursors;
mod error;
mod generated;
mod realtime;
mod token;

pub use client::{Client, RetryPolicy, TokenProvider};
pub use error::{ApiError, Error, Result};
pub use generated::*;
pub use parley_wire as wire;
pub use realtime::{ConnectionState, Realtime, RealtimeEvent, RealtimeOptions};
pub use token::mint_user_token;
