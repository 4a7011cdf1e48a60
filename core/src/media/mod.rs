//! Media: uploads straight from the client to the store (local directory or S3), checked on
//! completion (size, sniffed type), attached to messages, shown with short-lived signed URLs,
//! thumbnailed in the background, deleted with their message, user or tenant, and swept
//! when abandoned. Storage usage per tenant is summed from the upload rows.

pub mod sniff;
pub mod store;
mod thumbnail;
mod uploads;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use secrecy::SecretString;

use crate::kernel::config::Config;
use crate::kernel::crypto::{random_string, write_private};
use crate::kernel::ids::TenantId;
use crate::model::tenant::TenantSettings;
use crate::{Error, Parley, Result};

pub use parley_wire::media::{Attachment, CreatedUpload, NewUpload, StorageUsage, Upload};
pub use store::MediaStore;
pub use thumbnail::make_thumbnail;
pub(crate) use uploads::{
    UploadsOf, bind_to_message, present, remove_uploads, resolve_attachments, upload_view,
};
pub use uploads::{accepts_put, complete, create, get, storage_usage};

/// Longest side of a thumbnail, in pixels.
pub const THUMBNAIL_SIZE: u32 = 320;

/// The largest upload a tenant accepts.
pub fn max_upload_bytes(ctx: &Parley, settings: &TenantSettings) -> u64 {
    settings
        .max_upload_bytes
        .unwrap_or(ctx.config.media.max_upload_bytes)
}

/// Checks the media part of a tenant's settings.
pub(crate) fn check_settings(s: &TenantSettings) -> Result<()> {
    if let Some(n) = s.max_upload_bytes
        && (n == 0 || n > crate::kernel::config::media::MAX_UPLOAD_BYTES_CAP)
    {
        return Err(Error::invalid(format!(
            "`settings.max_upload_bytes` must be between 1 and {}",
            crate::kernel::config::media::MAX_UPLOAD_BYTES_CAP
        )));
    }
    if let Some(types) = &s.allowed_content_types {
        for t in types {
            let ok = t == "*/*"
                || t.strip_suffix("/*")
                    .is_some_and(|top| sniff::parse_content_type(&format!("{top}/x")).is_ok())
                || sniff::parse_content_type(t).is_ok_and(|p| &p == t);
            if !ok {
                return Err(Error::invalid(format!(
                    "`settings.allowed_content_types`: `{t}` is not a lowercase media type such as `image/png` or `image/*`"
                )));
            }
        }
    }
    Ok(())
}

fn type_allowed(settings: &TenantSettings, content_type: &str) -> bool {
    let Some(types) = &settings.allowed_content_types else {
        return true;
    };
    types.iter().any(|t| {
        t == "*/*"
            || t == content_type
            || t.strip_suffix("/*")
                .is_some_and(|top| content_type.split('/').next() == Some(top))
    })
}

/// Fills in what the local engine needs and was not configured: its URL signing key
/// (generated once into `media-key` in the data dir, mode 0600, so URLs survive restarts)
/// and the base URL (`http://{addr}` of the bound listener).
pub fn prepare_local(config: &mut Config, addr: std::net::SocketAddr) -> Result<()> {
    if config.media.s3_bucket.is_some() {
        return Ok(());
    }
    if config.media.public_url.is_none() {
        config.media.public_url = Some(format!("http://{addr}"));
    }
    if config.media.signing_key.is_none() {
        config.media.signing_key = Some(ensure_signing_key(&config.data_dir)?);
    }
    Ok(())
}

fn ensure_signing_key(data_dir: &std::path::Path) -> Result<SecretString> {
    let path: PathBuf = data_dir.join("media-key");
    if let Ok(existing) = std::fs::read_to_string(&path) {
        let existing = existing.trim().to_owned();
        if !existing.is_empty() {
            return Ok(SecretString::from(existing));
        }
    }
    crate::kernel::config::create_data_dir(data_dir)?;
    let key = random_string(48);
    write_private(&path, &key)
        .map_err(|e| Error::invalid(format!("cannot write {}: {e}", path.display())))?;
    Ok(SecretString::from(key))
}

/// Queues the thumbnail of an upload as an outbox job, in the caller's transaction: the worker
/// makes it (and retries it if the store is briefly unavailable).
pub(crate) async fn schedule_thumbnail<C: sea_orm::ConnectionTrait>(
    db: &C,
    tenant: &TenantId,
    upload_id: &str,
) -> Result<()> {
    crate::outbox::enqueue(
        db,
        crate::outbox::NewJob::new(
            tenant.as_str(),
            crate::outbox::JobKind::Thumbnail,
            serde_json::json!({ "upload_id": upload_id }).to_string(),
        ),
    )
    .await?;
    Ok(())
}

/// Queues the deletion of store objects as an outbox job, in the transaction that removes
/// their rows, so objects are deleted exactly when their rows are.
pub(crate) async fn schedule_object_delete<C: sea_orm::ConnectionTrait>(
    db: &C,
    tenant: &str,
    keys: Vec<String>,
) -> Result<()> {
    if keys.is_empty() {
        return Ok(());
    }
    crate::outbox::enqueue(
        db,
        crate::outbox::NewJob::new(
            tenant,
            crate::outbox::JobKind::ObjectDelete,
            serde_json::json!({ "keys": keys }).to_string(),
        ),
    )
    .await?;
    Ok(())
}

/// Deletes uploads that were never completed, with whatever bytes reached the store; runs
/// every `media.sweep_interval_s` on every node (idempotent).
pub fn spawn_sweeper(ctx: &Parley) {
    let base = ctx.detach();
    let realtime = Arc::downgrade(&ctx.realtime);
    let every = Duration::from_secs(ctx.config.media.sweep_interval_s);
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            // Weak handles: the loop ends with the node (tests start many in one process).
            let Some(realtime) = realtime.upgrade() else {
                return;
            };
            let ctx = base.attach(realtime);
            match uploads::sweep_abandoned(&ctx).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(uploads = n, "swept abandoned uploads"),
                Err(e) => {
                    tracing::warn!(error = %e, cause = e.source.as_deref().unwrap_or(""), "sweeping abandoned uploads failed")
                }
            }
        }
    });
}
