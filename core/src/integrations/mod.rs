//! Parley talking to the tenant's own systems: webhooks, the before-send hook, and the one
//! outbound HTTP client both use (with its private-address rule).

pub mod hooks;
pub mod outbound;
pub mod webhooks;
