//! Push for a new message: the channel's members who are offline, have not muted the channel
//! or the sender, get a notification on each device (title from the channel and sender, body
//! from the text; `cid` and message id in the data; one collapse id per channel; the unread
//! count as the APNs badge). Dead tokens are removed; devices that hit a passing failure are
//! retried alone.

use std::collections::{BTreeMap, HashSet};
use std::time::Instant;

use chrono::Utc;
use parley_core::entities::{channel, device, member, message, user, user_mute};
use parley_core::model::channel_type::Feature;
use parley_core::outbox::PushJob;
use parley_core::push::{ApnsInfo, Provider};
use parley_core::{Error, ErrorCode, Parley, Result};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::Services;
use crate::push::apns::ApnsCredentials;
use crate::push::fcm::FcmCredentials;
use crate::push::{Notification, Outcome};
use crate::queue::{AttemptRecord, Claimed, Finish, record_attempt};
pub use parley_wire::push::DeviceResult;

/// Longest notification body, in characters.
const MAX_BODY_CHARS: usize = 180;

/// A tenant's push credentials, ready to send with.
#[derive(Default)]
pub struct Credentials {
    pub apns: Option<ApnsCredentials>,
    pub fcm: Option<FcmCredentials>,
}

pub async fn credentials(ctx: &Parley, tenant: &str) -> Result<Credentials> {
    let mut out = Credentials::default();
    if let Some((settings, key)) =
        parley_core::push::credentials(ctx, tenant, Provider::Apns).await?
    {
        let info: ApnsInfo = serde_json::from_value(settings)?;
        out.apns = Some(ApnsCredentials {
            key_p8: key,
            key_id: info.key_id,
            team_id: info.team_id,
            bundle_id: info.bundle_id,
            sandbox: info.sandbox,
        });
    }
    if let Some((_, json)) = parley_core::push::credentials(ctx, tenant, Provider::Fcm).await? {
        out.fcm = Some(FcmCredentials::parse(&json).map_err(Error::internal)?);
    }
    Ok(out)
}

async fn send_one(
    services: &Services,
    creds: &Credentials,
    provider: Provider,
    token: &str,
    n: &Notification,
) -> Outcome {
    match (provider, &creds.apns, &creds.fcm) {
        (Provider::Apns, Some(c), _) => services.apns.send(c, token, n).await,
        (Provider::Fcm, _, Some(c)) => services.fcm.send(c, token, n).await,
        (p, _, _) => Outcome::Failed {
            reason: format!("{} is not configured for this app", p.as_str()),
        },
    }
}

fn truncate(text: &str) -> String {
    let text = text.trim();
    if text.chars().count() <= MAX_BODY_CHARS {
        return text.to_owned();
    }
    let mut out: String = text.chars().take(MAX_BODY_CHARS - 1).collect();
    out.push('…');
    out
}

pub async fn run(ctx: &Parley, services: &Services, job: &Claimed) -> Result<Finish> {
    let pj: PushJob = serde_json::from_str(&job.payload)?;
    let tenant = job.tenant_id.as_str();
    let Some(msg) = message::Entity::find_by_id((tenant.to_owned(), pj.message_id.clone()))
        .one(&ctx.db)
        .await?
        .filter(|m| m.deleted_at.is_none())
    else {
        return Ok(Finish::Delete);
    };
    let Some(chan) = channel::Entity::find_by_id((tenant.to_owned(), pj.cid.clone()))
        .one(&ctx.db)
        .await?
    else {
        return Ok(Finish::Delete);
    };
    // The channel's type may have turned push off since the message was sent.
    let push_on = parley_core::authz::channel_kind(&ctx.db, tenant, &chan.kind)
        .await?
        .is_some_and(|k| k.has(Feature::PushNotifications));
    if !push_on {
        return Ok(Finish::Delete);
    }
    let creds = credentials(ctx, tenant).await?;
    let sender = msg.user_id.clone().unwrap_or_default();
    let sender_name = match &msg.user_id {
        Some(id) => user::Entity::find_by_id((tenant.to_owned(), id.clone()))
            .one(&ctx.db)
            .await?
            .and_then(|u| u.name)
            .unwrap_or_else(|| id.clone()),
        None => "Someone".to_owned(),
    };

    let targets: Vec<device::Model> = match &pj.targets {
        Some(list) => {
            let mut out = Vec::new();
            for (user_id, token) in list {
                if let Some(d) = device::Entity::find_by_id((tenant.to_owned(), token.clone()))
                    .one(&ctx.db)
                    .await?
                    .filter(|d| &d.user_id == user_id)
                {
                    out.push(d);
                }
            }
            out
        }
        None => recipients(ctx, tenant, &pj.cid, &sender).await?,
    };
    if targets.is_empty() {
        return Ok(Finish::Delete);
    }

    let text = if msg.text.trim().is_empty() {
        "sent an attachment".to_owned()
    } else {
        msg.text.clone()
    };
    let (title, body) = match chan.name.as_deref().filter(|n| !n.trim().is_empty()) {
        Some(name) => (name.to_owned(), truncate(&format!("{sender_name}: {text}"))),
        None => (sender_name.clone(), truncate(&text)),
    };
    let mut data = BTreeMap::new();
    data.insert("type".to_owned(), "message.new".to_owned());
    data.insert("cid".to_owned(), pj.cid.clone());
    data.insert("message_id".to_owned(), msg.id.clone());
    if !sender.is_empty() {
        data.insert("sender_id".to_owned(), sender.clone());
    }

    let started_at = Utc::now();
    let clock = Instant::now();
    let mut badges: BTreeMap<String, u32> = BTreeMap::new();
    let (mut delivered, mut removed, mut failed) = (0, 0, Vec::new());
    let mut again: Vec<(String, String)> = Vec::new();
    let mut after_ms: Option<i64> = None;
    for d in &targets {
        let provider = Provider::from_db(&d.provider);
        let badge = match badges.get(&d.user_id) {
            Some(b) => *b,
            None => {
                let counts =
                    parley_core::channels::unread_counts(ctx, tenant, &d.user_id, None).await?;
                let total = u32::try_from(counts.values().sum::<i64>().max(0)).unwrap_or(u32::MAX);
                badges.insert(d.user_id.clone(), total);
                total
            }
        };
        let n = Notification {
            title: title.clone(),
            body: body.clone(),
            data: data.clone(),
            // The push clients shorten it where a service limits its length.
            collapse_id: Some(pj.cid.clone()),
            thread_id: Some(pj.cid.clone()),
            badge: Some(badge),
        };
        match send_one(services, &creds, provider, &d.token, &n).await {
            Outcome::Delivered { .. } => delivered += 1,
            Outcome::DeadToken { reason } => {
                tracing::info!(tenant, user = %d.user_id, %reason, "push: removing a dead device token");
                parley_core::push::forget_token(ctx, tenant, &d.token).await?;
                removed += 1;
            }
            Outcome::Retry { reason, after } => {
                if let Some(a) = after {
                    let ms = i64::try_from(a.as_millis()).unwrap_or(i64::MAX);
                    after_ms = Some(after_ms.map_or(ms, |m: i64| m.max(ms)));
                }
                failed.push(reason);
                again.push((d.user_id.clone(), d.token.clone()));
            }
            Outcome::Failed { reason } => failed.push(reason),
        }
    }
    let summary = format!(
        "{delivered} delivered, {removed} dead tokens removed, {} to retry, {} failed",
        again.len(),
        failed.len() - again.len()
    );
    let error = (!failed.is_empty()).then(|| failed.join("; "));
    record_attempt(
        ctx,
        job,
        AttemptRecord {
            started_at,
            duration_ms: i32::try_from(clock.elapsed().as_millis()).unwrap_or(i32::MAX),
            ok: failed.is_empty(),
            status_code: None,
            error: error.clone(),
            response: Some(summary),
        },
    )
    .await?;
    if again.is_empty() {
        return Ok(Finish::Delete);
    }
    Ok(Finish::Retry {
        error: error.unwrap_or_default(),
        after_ms,
        payload: Some(serde_json::to_string(&PushJob {
            cid: pj.cid,
            message_id: pj.message_id,
            targets: Some(again),
        })?),
    })
}

/// Members to push to: not the sender, channel not muted, sender not muted or blocked, not
/// connected.
async fn recipients(
    ctx: &Parley,
    tenant: &str,
    cid: &str,
    sender: &str,
) -> Result<Vec<device::Model>> {
    let members = member::Entity::find()
        .filter(member::Column::TenantId.eq(tenant))
        .filter(member::Column::Cid.eq(cid))
        .filter(member::Column::Muted.eq(false))
        .filter(member::Column::UserId.ne(sender))
        .all(&ctx.db)
        .await?;
    let mut muting: HashSet<String> = user_mute::Entity::find()
        .filter(user_mute::Column::TenantId.eq(tenant))
        .filter(user_mute::Column::TargetId.eq(sender))
        .all(&ctx.db)
        .await?
        .into_iter()
        .map(|m| m.user_id)
        .collect();
    // Who blocked the sender gets nothing of theirs.
    muting.extend(parley_core::entities::user_block::blockers_of(&ctx.db, tenant, sender).await?);
    let mut out = Vec::new();
    for m in members {
        if muting.contains(&m.user_id) {
            continue;
        }
        if ctx
            .realtime
            .presence
            .is_online(ctx, tenant, &m.user_id)
            .await
        {
            continue;
        }
        out.extend(parley_core::push::devices_of(ctx, tenant, &m.user_id).await?);
    }
    Ok(out)
}

/// Sends a test notification to every device of a user, now, and reports each result.
pub async fn test(
    ctx: &Parley,
    services: &Services,
    tenant: &str,
    user_id: &str,
    title: Option<String>,
    body: Option<String>,
) -> Result<Vec<DeviceResult>> {
    let creds = credentials(ctx, tenant).await?;
    if creds.apns.is_none() && creds.fcm.is_none() {
        return Err(Error::new(
            ErrorCode::PushNotConfigured,
            "configure APNs (PUT /v1/push/apns) or FCM (PUT /v1/push/fcm) first",
        ));
    }
    let devices = parley_core::push::devices_of(ctx, tenant, user_id).await?;
    let mut data = BTreeMap::new();
    data.insert("type".to_owned(), "push.test".to_owned());
    let n = Notification {
        title: title.unwrap_or_else(|| "Test notification".into()),
        body: body.unwrap_or_else(|| "Push notifications work.".into()),
        data,
        collapse_id: None,
        thread_id: None,
        badge: None,
    };
    let mut out = Vec::with_capacity(devices.len());
    for d in devices {
        let provider = Provider::from_db(&d.provider);
        let (result, reason) = match send_one(services, &creds, provider, &d.token, &n).await {
            Outcome::Delivered { .. } => ("delivered", None),
            Outcome::DeadToken { reason } => {
                parley_core::push::forget_token(ctx, tenant, &d.token).await?;
                ("removed", Some(reason))
            }
            Outcome::Retry { reason, .. } => ("retryable", Some(reason)),
            Outcome::Failed { reason } => ("failed", Some(reason)),
        };
        out.push(DeviceResult {
            provider,
            token: d.token,
            result: result.to_owned(),
            reason,
        });
    }
    Ok(out)
}
