#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Black-box tests of the REST API on SQLite and PostgreSQL: every test below runs twice.

mod audit;
mod auth;
mod blocklists;
mod channel_types;
mod channels;
mod cluster;
mod conventions;
mod export;
mod hardening;
mod isolation;
mod media;
mod messages;
mod moderation;
mod oidc;
mod openapi;
mod operator;
mod origins;
mod push;
mod push_clients;
mod realtime;
mod resume;
mod revocation;
mod schema_fuzz;
mod users;
mod webhooks;
