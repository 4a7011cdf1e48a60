//! Typing indicators: `typing.start` is sent when a user starts (not on every refresh), and
//! `typing.stop` when they stop or when a start has not been refreshed within the timeout.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::authn::Caller;
use crate::authz::{self, Action, Target};
use crate::events::{Event, EventKind, Payload};
use crate::kernel::ids::Cid;
use crate::model::channel_type::Feature;
use crate::{Parley, Result};

type Key = (String, String, String);

#[derive(Default)]
pub struct Typing {
    deadlines: Mutex<HashMap<Key, Instant>>,
}

fn event(tenant: &str, cid: &str, user: &str, kind: EventKind) -> Result<Event> {
    let payload = Payload {
        user_id: Some(user.to_owned()),
        ..Default::default()
    };
    Event::ephemeral(tenant, kind, cid, &payload)
}

impl Typing {
    /// Starts or refreshes typing; only a start is announced.
    pub async fn start(
        &self,
        ctx: &Parley,
        caller: &Caller,
        cid: &Cid,
        user_id: Option<&str>,
    ) -> Result<()> {
        let user = caller.acting_user(user_id)?;
        let cid_s = cid.to_string();
        let access = authz::channel_access(ctx, caller, &cid_s, Some(&user)).await?;
        authz::authorize(caller, Action::Type, Target::Channel(&access))?;
        access.kind.require(Feature::TypingEvents)?;
        let timeout = Duration::from_millis(ctx.config.realtime.typing_timeout_ms);
        let key = (
            caller.tenant_id().to_owned(),
            cid_s.clone(),
            user.as_str().to_owned(),
        );
        let fresh = {
            let Ok(mut map) = self.deadlines.lock() else {
                return Ok(());
            };
            map.insert(key, Instant::now() + timeout).is_none()
        };
        if fresh {
            ctx.realtime.publish(event(
                caller.tenant_id(),
                &cid_s,
                user.as_str(),
                EventKind::TypingStart,
            )?);
        }
        Ok(())
    }

    pub async fn stop(
        &self,
        ctx: &Parley,
        caller: &Caller,
        cid: &Cid,
        user_id: Option<&str>,
    ) -> Result<()> {
        let user = caller.acting_user(user_id)?;
        let cid_s = cid.to_string();
        let was = {
            let Ok(mut map) = self.deadlines.lock() else {
                return Ok(());
            };
            map.remove(&(
                caller.tenant_id().to_owned(),
                cid_s.clone(),
                user.as_str().to_owned(),
            ))
            .is_some()
        };
        if was {
            ctx.realtime.publish(event(
                caller.tenant_id(),
                &cid_s,
                user.as_str(),
                EventKind::TypingStop,
            )?);
        }
        Ok(())
    }

    fn expired(&self) -> Vec<Key> {
        let now = Instant::now();
        let Ok(mut map) = self.deadlines.lock() else {
            return Vec::new();
        };
        let gone: Vec<Key> = map
            .iter()
            .filter(|(_, d)| **d <= now)
            .map(|(k, _)| k.clone())
            .collect();
        for k in &gone {
            map.remove(k);
        }
        gone
    }
}

/// Ends typing that was not refreshed in time.
pub(crate) fn spawn_expiry(rt: &Arc<super::Realtime>) {
    let weak = Arc::downgrade(rt);
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_millis(250));
        loop {
            tick.tick().await;
            let Some(rt) = weak.upgrade() else { return };
            for (tenant, cid, user) in rt.typing.expired() {
                match event(&tenant, &cid, &user, EventKind::TypingStop) {
                    Ok(ev) => rt.publish(ev),
                    Err(e) => tracing::warn!(error = %e.detail, "typing.stop"),
                }
            }
        }
    });
}
