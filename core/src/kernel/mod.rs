//! The kernel every capability stands on: errors and their codes, parsed ids, page cursors,
//! database helpers, configuration, the sealing of secrets and the client for tenants' URLs.
//! It depends on nothing else in the crate.

pub mod clock;
pub mod config;
pub mod crypto;
pub mod db;
pub mod error;
pub mod ids;
pub mod outbound;
pub mod page;
pub mod request;
