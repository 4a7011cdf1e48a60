//! Request rate limits, per tenant server and per user, kept in memory on each node
//! (governor). Limits are per node: behind a load balancer of N nodes a client can reach N
//! times the rate, which is the documented trade for needing no shared store.

use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use parley_core::authn::{Actor, Caller};
use parley_core::kernel::config::Limits;
use parley_core::{Error, ErrorCode, Result};

/// The limiters of one node. Built once at start-up and shared by every worker thread.
pub struct RateLimits {
    server: Option<DefaultKeyedRateLimiter<String>>,
    user: Option<DefaultKeyedRateLimiter<String>>,
}

fn limiter(per_second: u32) -> Option<DefaultKeyedRateLimiter<String>> {
    let rate = NonZeroU32::new(per_second)?;
    let burst = NonZeroU32::new(per_second.saturating_mul(2)).unwrap_or(rate);
    Some(RateLimiter::keyed(
        Quota::per_second(rate).allow_burst(burst),
    ))
}

impl RateLimits {
    pub fn new(limits: &Limits) -> Arc<Self> {
        Arc::new(Self {
            server: limiter(limits.server_requests_per_second),
            user: limiter(limits.user_requests_per_second),
        })
    }

    /// Counts one request of the caller; refuses with 429 and `Retry-After` when over.
    pub fn check(&self, caller: &Caller) -> Result<()> {
        let (limiter, key) = match &caller.actor {
            Actor::Server => (&self.server, caller.tenant_id().to_owned()),
            Actor::User(u) => (&self.user, format!("{}\u{0}{}", caller.tenant_id(), u.id)),
        };
        let Some(limiter) = limiter else {
            return Ok(());
        };
        limiter.check_key(&key).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            Error::new(
                ErrorCode::RateLimited,
                "too many requests; slow down and retry after the given delay",
            )
            .with_retry_after(wait.as_secs_f64().ceil() as u64)
        })
    }

    /// Forgets keys that have been quiet, so memory follows active callers only.
    pub fn spawn_housekeeping(self: &Arc<Self>) {
        let me = Arc::clone(self);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(60));
            loop {
                tick.tick().await;
                for l in [&me.server, &me.user].into_iter().flatten() {
                    l.retain_recent();
                    l.shrink_to_fit();
                }
            }
        });
    }
}
