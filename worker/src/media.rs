//! Media jobs: making an image's thumbnail, and deleting objects from the store once their
//! rows are gone. Both retry while the store is unavailable.

use parley_core::kernel::ids::TenantId;
use parley_core::{Parley, Result};
use serde::{Deserialize, Serialize};

use crate::queue::{Claimed, Finish};

#[derive(Deserialize)]
struct Thumbnail {
    upload_id: String,
}

#[derive(Serialize, Deserialize)]
struct ObjectDelete {
    keys: Vec<String>,
}

pub async fn thumbnail(ctx: &Parley, job: &Claimed) -> Result<Finish> {
    let t: Thumbnail = serde_json::from_str(&job.payload)?;
    let tenant = TenantId::from_trusted(job.tenant_id.clone());
    // A corrupt image is marked as such by `make_thumbnail`; an error here is the store's or
    // the database's, worth another try.
    if let Some(message_id) = parley_core::media::make_thumbnail(ctx, &tenant, &t.upload_id).await?
    {
        parley_core::messages::republish(ctx, tenant.as_str(), &message_id).await?;
    }
    Ok(Finish::Delete)
}

pub async fn delete_objects(ctx: &Parley, job: &Claimed) -> Result<Finish> {
    let d: ObjectDelete = serde_json::from_str(&job.payload)?;
    let mut left = Vec::new();
    let mut last_error = None;
    for key in d.keys {
        if let Err(e) = ctx.media.delete(&key).await {
            last_error = Some(e.detail);
            left.push(key);
        }
    }
    match last_error {
        None => Ok(Finish::Delete),
        Some(error) => Ok(Finish::Retry {
            error,
            after_ms: None,
            payload: Some(serde_json::to_string(&ObjectDelete { keys: left })?),
        }),
    }
}
