//! Webhook endpoints of a tenant: where its events go, which types, the signing secret (shown
//! once, rotatable, sealed at rest), and the delivery log with manual retries.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};

use crate::entities::{outbox, outbox_attempt, webhook};
use crate::events::EventKind;
use crate::kernel::page::{self, Page};
use crate::outbox::{Attempt, JobKind, NewJob};
use crate::{Error, ErrorCode, Parley, Result};
pub use parley_wire::webhooks::{Delivery, DeliveryStatus, NewWebhook, Webhook, WebhookPatch};

/// Endpoints one tenant may have.
pub const MAX_WEBHOOKS: u64 = 20;

/// Event types a webhook can receive (every recorded event; typing and presence are live only).
pub const EVENT_TYPES: &[EventKind] = &[
    EventKind::MessageNew,
    EventKind::MessageUpdated,
    EventKind::MessageDeleted,
    EventKind::ReactionNew,
    EventKind::ReactionDeleted,
    EventKind::ChannelCreated,
    EventKind::ChannelUpdated,
    EventKind::ChannelDeleted,
    EventKind::MemberAdded,
    EventKind::MemberRemoved,
    EventKind::MemberUpdated,
    EventKind::ReadUpdated,
];

/// The type of the event `POST /v1/webhooks/{id}/test` sends.
pub const TEST_EVENT: &str = "webhook.test";

fn view(m: webhook::Model, secret: Option<String>) -> Webhook {
    Webhook {
        event_types: serde_json::from_str(&m.event_types).unwrap_or_default(),
        id: m.id,
        url: m.url,
        description: m.description,
        enabled: m.enabled,
        disabled_reason: m.disabled_reason,
        failing_since: m.failing_since,
        created_at: m.created_at,
        updated_at: m.updated_at,
        secret,
    }
}

fn parse_event_types(types: Vec<String>) -> Result<Vec<String>> {
    for t in &types {
        let known = EVENT_TYPES.iter().any(|k| k.as_str() == t)
            || t.strip_suffix(".*").is_some_and(|family| {
                EVENT_TYPES
                    .iter()
                    .any(|k| k.as_str().split('.').next() == Some(family))
            });
        if !known {
            return Err(Error::invalid(format!(
                "`event_types`: `{t}` is not an event type a webhook can receive"
            )));
        }
    }
    Ok(types)
}

async fn find(ctx: &Parley, tenant: &str, id: &str) -> Result<webhook::Model> {
    webhook::Entity::find_by_id(id.to_owned())
        .filter(webhook::Column::TenantId.eq(tenant))
        .one(&ctx.db)
        .await?
        .ok_or_else(|| Error::new(ErrorCode::WebhookNotFound, format!("no webhook `{id}`")))
}

pub async fn create(ctx: &Parley, tenant: &str, input: NewWebhook) -> Result<Webhook> {
    let url = ctx.outbound.check_url(input.url.trim()).await?;
    let event_types = parse_event_types(input.event_types)?;
    let count = webhook::Entity::find()
        .filter(webhook::Column::TenantId.eq(tenant))
        .count(&ctx.db)
        .await?;
    if count >= MAX_WEBHOOKS {
        return Err(Error::invalid(format!(
            "a tenant may have at most {MAX_WEBHOOKS} webhooks"
        )));
    }
    let secret = crate::integrations::outbound::new_signing_secret();
    let now = Utc::now();
    let model = webhook::ActiveModel {
        id: Set(format!("wh_{}", uuid::Uuid::now_v7().simple())),
        tenant_id: Set(tenant.to_owned()),
        url: Set(url.to_string()),
        description: Set(input.description),
        event_types: Set(serde_json::to_string(&event_types)?),
        enabled: Set(input.enabled.unwrap_or(true)),
        disabled_reason: Set(None),
        secret: Set(ctx.secrets.seal(&secret)?),
        failing_since: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&ctx.db)
    .await?;
    Ok(view(model, Some(secret)))
}

pub async fn list(ctx: &Parley, tenant: &str) -> Result<Page<Webhook>> {
    let rows = webhook::Entity::find()
        .filter(webhook::Column::TenantId.eq(tenant))
        .order_by_asc(webhook::Column::Id)
        .all(&ctx.db)
        .await?;
    Ok(Page {
        items: rows.into_iter().map(|m| view(m, None)).collect(),
        next_cursor: None,
    })
}

pub async fn get(ctx: &Parley, tenant: &str, id: &str) -> Result<Webhook> {
    Ok(view(find(ctx, tenant, id).await?, None))
}

pub async fn patch(ctx: &Parley, tenant: &str, id: &str, input: WebhookPatch) -> Result<Webhook> {
    let model = find(ctx, tenant, id).await?;
    let mut am: webhook::ActiveModel = model.into();
    if let Some(url) = input.url {
        am.url = Set(ctx.outbound.check_url(url.trim()).await?.to_string());
    }
    if let Some(types) = input.event_types {
        am.event_types = Set(serde_json::to_string(&parse_event_types(types)?)?);
    }
    if let Some(d) = input.description {
        am.description = Set(Some(d));
    }
    if let Some(enabled) = input.enabled {
        am.enabled = Set(enabled);
        if enabled {
            am.disabled_reason = Set(None);
            am.failing_since = Set(None);
        }
    }
    let mut secret = None;
    if input.rotate_secret {
        let s = crate::integrations::outbound::new_signing_secret();
        am.secret = Set(ctx.secrets.seal(&s)?);
        secret = Some(s);
    }
    am.updated_at = Set(Utc::now());
    Ok(view(am.update(&ctx.db).await?, secret))
}

/// Deletes the endpoint and its queued deliveries.
pub async fn delete(ctx: &Parley, tenant: &str, id: &str) -> Result<()> {
    find(ctx, tenant, id).await?;
    let jobs: Vec<i64> = outbox::Entity::find()
        .select_only()
        .column(outbox::Column::Id)
        .filter(outbox::Column::TenantId.eq(tenant))
        .filter(outbox::Column::WebhookId.eq(id))
        .into_tuple()
        .all(&ctx.db)
        .await?;
    for chunk in jobs.chunks(500) {
        outbox_attempt::Entity::delete_many()
            .filter(outbox_attempt::Column::JobId.is_in(chunk.to_vec()))
            .exec(&ctx.db)
            .await?;
        outbox::Entity::delete_many()
            .filter(outbox::Column::Id.is_in(chunk.to_vec()))
            .exec(&ctx.db)
            .await?;
    }
    webhook::Entity::delete_by_id(id.to_owned())
        .exec(&ctx.db)
        .await?;
    Ok(())
}

fn delivery_view(j: outbox::Model, attempt_log: Vec<Attempt>) -> Delivery {
    let job = crate::outbox::Job::from(j);
    Delivery {
        id: job.id,
        webhook_id: job.webhook_id.unwrap_or_default(),
        event_id: job.event_id,
        event_type: job.event_type,
        status: job.status.into(),
        attempts: job.attempts,
        next_attempt_at: job.next_attempt_at,
        last_error: job.last_error,
        created_at: job.created_at,
        updated_at: job.updated_at,
        attempt_log,
    }
}

/// The delivery log of an endpoint, newest first.
pub async fn deliveries(
    ctx: &Parley,
    tenant: &str,
    webhook_id: &str,
    status: Option<DeliveryStatus>,
    limit: Option<u64>,
    cursor: Option<&str>,
) -> Result<Page<Delivery>> {
    find(ctx, tenant, webhook_id).await?;
    let limit = page::limit(limit)?;
    let mut q = outbox::Entity::find()
        .filter(outbox::Column::TenantId.eq(tenant))
        .filter(outbox::Column::WebhookId.eq(webhook_id))
        .filter(outbox::Column::Kind.eq(JobKind::Webhook.as_str()))
        .order_by_desc(outbox::Column::Id);
    if let Some(s) = status {
        q = q.filter(outbox::Column::Status.eq(s.job_status().as_str()));
    }
    if let Some(c) = cursor {
        let before: i64 = page::decode_number_cursor(c)?;
        q = q.filter(outbox::Column::Id.lt(before));
    }
    let mut rows = q.limit(limit + 1).all(&ctx.db).await?;
    let next = crate::kernel::page::next_cursor(&mut rows, limit, |j| j.id.to_string());
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut last: std::collections::HashMap<i64, outbox_attempt::Model> = Default::default();
    for a in outbox_attempt::Entity::find()
        .filter(outbox_attempt::Column::JobId.is_in(ids))
        .order_by_asc(outbox_attempt::Column::Id)
        .all(&ctx.db)
        .await?
    {
        last.insert(a.job_id, a);
    }
    Ok(Page {
        items: rows
            .into_iter()
            .map(|j| {
                let log = last.remove(&j.id).map(Attempt::from).into_iter().collect();
                delivery_view(j, log)
            })
            .collect(),
        next_cursor: next,
    })
}

async fn find_delivery(
    ctx: &Parley,
    tenant: &str,
    webhook_id: &str,
    id: i64,
) -> Result<outbox::Model> {
    find(ctx, tenant, webhook_id).await?;
    outbox::Entity::find_by_id(id)
        .filter(outbox::Column::TenantId.eq(tenant))
        .filter(outbox::Column::WebhookId.eq(webhook_id))
        .one(&ctx.db)
        .await?
        .ok_or_else(|| Error::new(ErrorCode::DeliveryNotFound, format!("no delivery {id}")))
}

/// One delivery with every attempt.
pub async fn delivery(ctx: &Parley, tenant: &str, webhook_id: &str, id: i64) -> Result<Delivery> {
    let job = find_delivery(ctx, tenant, webhook_id, id).await?;
    let log = crate::outbox::attempts(ctx, job.id).await?;
    Ok(delivery_view(job, log))
}

/// Sends a delivery again (a failed one, or a succeeded one the receiver lost).
pub async fn retry_delivery(
    ctx: &Parley,
    tenant: &str,
    webhook_id: &str,
    id: i64,
) -> Result<Delivery> {
    find_delivery(ctx, tenant, webhook_id, id).await?;
    crate::outbox::retry(ctx, id, Some(tenant)).await?;
    delivery(ctx, tenant, webhook_id, id).await
}

/// Queues a `webhook.test` event for the endpoint, whatever its event filter.
pub async fn send_test(ctx: &Parley, tenant: &str, webhook_id: &str) -> Result<Delivery> {
    let hook = find(ctx, tenant, webhook_id).await?;
    let event_id = crate::outbox::new_event_id();
    let data = serde_json::json!({
        "type": TEST_EVENT,
        "webhook_id": hook.id,
        "message": "This is a test event from Parley.",
    });
    let body =
        crate::outbox::envelope(&event_id, TEST_EVENT, Utc::now(), tenant, &data.to_string())?;
    let id = crate::outbox::enqueue(
        &ctx.db,
        NewJob {
            tenant_id: tenant.to_owned(),
            kind: JobKind::Webhook,
            queue_key: None,
            payload: body,
            webhook_id: Some(hook.id.clone()),
            event_id: Some(event_id),
            event_type: Some(TEST_EVENT.to_owned()),
        },
    )
    .await?;
    ctx.realtime.outbox_wake.notify_one();
    delivery(ctx, tenant, &hook.id, id).await
}
