//! Parley's HTTP face: REST handlers over `parley-core`, typed auth extractors, rate limits,
//! problem+json errors, the OpenAPI document and the server start-up.

pub mod auth;
pub mod cli;
pub mod cors;
pub mod error;
pub mod extract;
pub mod limits;
pub mod openapi;
pub mod realtime;
pub mod request_id;
pub mod routes;
pub mod startup;

pub use startup::{Running, spawn};
