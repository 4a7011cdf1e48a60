//! An event job becomes its side effects: one delivery per webhook endpoint that wants the
//! event type (each endpoint keeps a channel's events in order), and a push job for a new
//! message when the tenant has push configured.

use parley_core::entities::{push_credential, webhook};
use parley_core::outbox::{NewJob, kind};
use parley_core::webhooks::wants;
use parley_core::{Parley, Result};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde::Deserialize;

use crate::queue::Claimed;

#[derive(Deserialize)]
struct Envelope {
    data: Data,
}

#[derive(Deserialize)]
struct Data {
    cid: Option<String>,
    message: Option<MessageRef>,
}

#[derive(Deserialize)]
struct MessageRef {
    id: String,
    #[serde(default)]
    silent: bool,
}

/// What a push job carries.
#[derive(Debug, serde::Serialize, Deserialize)]
pub struct PushJob {
    pub cid: String,
    pub message_id: String,
    /// On a retry: the (user, device token) pairs still to send to; absent: everyone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub targets: Option<Vec<(String, String)>>,
}

pub async fn expand(ctx: &Parley, job: &Claimed) -> Result<Vec<NewJob>> {
    let event_type = job.event_type.clone().unwrap_or_default();
    let env: Envelope = serde_json::from_str(&job.payload)?;
    let cid = env.data.cid.unwrap_or_default();
    let mut out = Vec::new();
    let hooks = webhook::Entity::find()
        .filter(webhook::Column::TenantId.eq(&job.tenant_id))
        .filter(webhook::Column::Enabled.eq(true))
        .all(&ctx.db)
        .await?;
    for h in hooks {
        let types: Vec<String> = serde_json::from_str(&h.event_types).unwrap_or_default();
        if !wants(&types, &event_type) {
            continue;
        }
        out.push(NewJob {
            tenant_id: job.tenant_id.clone(),
            kind: kind::WEBHOOK,
            queue_key: Some(format!("webhook:{}:{cid}", h.id)),
            payload: job.payload.clone(),
            webhook_id: Some(h.id),
            event_id: job.event_id.clone(),
            event_type: Some(event_type.clone()),
        });
    }
    if event_type == "message.new"
        && let Some(m) = env.data.message
        && !m.silent
    {
        let configured = push_credential::Entity::find()
            .filter(push_credential::Column::TenantId.eq(&job.tenant_id))
            .count(&ctx.db)
            .await?;
        if configured > 0 {
            out.push(NewJob {
                tenant_id: job.tenant_id.clone(),
                kind: kind::PUSH,
                queue_key: None,
                payload: serde_json::to_string(&PushJob {
                    cid,
                    message_id: m.id,
                    targets: None,
                })?,
                webhook_id: None,
                event_id: job.event_id.clone(),
                event_type: Some(event_type),
            });
        }
    }
    Ok(out)
}
