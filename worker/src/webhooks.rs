//! Delivering one event to one endpoint, the Standard Webhooks way: `webhook-id` (the same on
//! every attempt), `webhook-timestamp`, `webhook-signature: v1,<base64 HMAC-SHA256>`. 2xx is
//! success; 410 disables the endpoint; anything else is retried with backoff, and an endpoint
//! without a success for too long is disabled with the reason shown to the tenant.

use std::time::{Duration, Instant};

use chrono::Utc;
use parley_core::entities::webhook;
use parley_core::integrations::hooks::describe;
use parley_core::{Parley, Result};
use sea_orm::{ActiveModelTrait, EntityTrait, Set};

use crate::queue::{AttemptRecord, Claimed, Finish, record_attempt};

/// Longest part of a receiver's answer kept in the log.
const RESPONSE_EXCERPT: usize = 1024;

pub async fn deliver(ctx: &Parley, job: &Claimed) -> Result<Finish> {
    let Some(hook_id) = &job.webhook_id else {
        return Ok(Finish::Dead {
            error: "a delivery without an endpoint".into(),
        });
    };
    let Some(hook) = webhook::Entity::find_by_id(hook_id.clone())
        .one(&ctx.db)
        .await?
        .filter(|h| h.tenant_id == job.tenant_id)
    else {
        // The endpoint was deleted with its deliveries; this one was in flight.
        return Ok(Finish::Delete);
    };
    if !hook.enabled {
        return Ok(Finish::Dead {
            error: format!(
                "the endpoint is disabled{}",
                hook.disabled_reason
                    .as_deref()
                    .map(|r| format!(": {r}"))
                    .unwrap_or_default()
            ),
        });
    }
    let url = match ctx.outbound.check_syntax(&hook.url) {
        Ok(u) => u,
        Err(e) => {
            return Ok(Finish::Dead { error: e.detail });
        }
    };
    let secret = ctx.secrets.open(&hook.secret)?;
    let msg_id = job
        .event_id
        .clone()
        .unwrap_or_else(|| format!("job_{}", job.id));
    let request = ctx.outbound.signed_post(
        url,
        &msg_id,
        Some(&secret),
        job.payload.clone(),
        Duration::from_millis(ctx.config.worker.webhook_timeout_ms),
    )?;
    let started_at = Utc::now();
    let clock = Instant::now();
    let sent = request.send().await;
    let (status, response, error) = match sent {
        Ok(resp) => {
            let status = resp.status().as_u16();
            let body = resp.bytes().await.unwrap_or_default();
            let cut = &body[..body.len().min(RESPONSE_EXCERPT)];
            let text = String::from_utf8_lossy(cut).into_owned();
            (Some(status), (!text.is_empty()).then_some(text), None)
        }
        Err(e) => (None, None, Some(describe(&e))),
    };
    let ok = status.is_some_and(|s| (200..300).contains(&s));
    let error = error.or_else(|| {
        status
            .filter(|_| !ok)
            .map(|s| format!("the receiver answered {s}"))
    });
    record_attempt(
        ctx,
        job,
        AttemptRecord {
            started_at,
            duration_ms: i32::try_from(clock.elapsed().as_millis()).unwrap_or(i32::MAX),
            ok,
            status_code: status.map(i32::from),
            error: error.clone(),
            response,
        },
    )
    .await?;

    if ok {
        if hook.failing_since.is_some() {
            let mut am: webhook::ActiveModel = hook.into();
            am.failing_since = Set(None);
            am.update(&ctx.db).await?;
        }
        return Ok(Finish::Done);
    }
    let error = error.unwrap_or_else(|| "the delivery failed".into());
    if status == Some(410) {
        disable(
            ctx,
            hook,
            format!(
                "the receiver answered 410 Gone on {}",
                Utc::now().to_rfc3339()
            ),
        )
        .await?;
        return Ok(Finish::Dead { error });
    }
    let since = hook.failing_since.unwrap_or(started_at);
    let limit = i64::try_from(ctx.config.worker.webhook_disable_after_s).unwrap_or(i64::MAX / 4);
    if (started_at - since).num_seconds() >= limit {
        disable(
            ctx,
            hook,
            format!(
                "no successful delivery since {} (last error: {error})",
                since.to_rfc3339()
            ),
        )
        .await?;
        return Ok(Finish::Dead { error });
    }
    if hook.failing_since.is_none() {
        let mut am: webhook::ActiveModel = hook.into();
        am.failing_since = Set(Some(started_at));
        am.update(&ctx.db).await?;
    }
    Ok(Finish::Retry {
        error,
        after_ms: None,
        payload: None,
    })
}

async fn disable(ctx: &Parley, hook: webhook::Model, reason: String) -> Result<()> {
    tracing::warn!(webhook = %hook.id, tenant = %hook.tenant_id, %reason, "webhook disabled");
    let mut am: webhook::ActiveModel = hook.into();
    am.enabled = Set(false);
    am.disabled_reason = Set(Some(reason));
    am.updated_at = Set(Utc::now());
    am.update(&ctx.db).await?;
    Ok(())
}
