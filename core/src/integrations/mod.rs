//! Parley talking to the tenant's own systems: webhooks and the before-send hook, signed the
//! Standard Webhooks way, through the kernel's client for tenants' URLs (with its
//! private-address rule).

pub mod hooks;
pub mod outbound;
pub mod webhooks;
