//! The upload use cases: create (a signed PUT URL), complete (size and type checked against
//! the stored bytes), read; attaching uploads to messages and showing them with signed URLs;
//! deleting them with their message, user or tenant; sweeping abandoned ones.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, TimeZone, Utc};
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    QuerySelect, Set,
};
use serde_json::{Map, Value};

use super::store::{Download, MediaStore};
use super::{
    Attachment, CreatedUpload, NewUpload, StorageUsage, Upload, max_upload_bytes,
    schedule_object_delete, schedule_thumbnail, sniff, type_allowed,
};
use crate::authn::{Actor, Caller};
use crate::authz::{Action, Permit, Target, authorize};
use crate::entities::{message, upload};
use crate::kernel::ids::{TenantId, UserId};
use crate::model::message::Message;
use crate::work::UnitOfWork;
use crate::{Error, ErrorCode, Parley, Result};

const PENDING: &str = "pending";
/// Suffix of the key a client PUTs to; completion moves the object to its final key.
const INCOMING: &str = ".incoming";
const COMPLETE: &str = "complete";

fn not_found(id: &str) -> Error {
    Error::new(ErrorCode::UploadNotFound, format!("no upload `{id}`"))
}

async fn find<C: ConnectionTrait>(db: &C, tenant: &str, id: &str) -> Result<upload::Model> {
    upload::Entity::find_by_id((tenant.to_owned(), id.to_owned()))
        .one(db)
        .await?
        .ok_or_else(|| not_found(id))
}

/// The uploader, the tenant server and tenant admins see an upload; others get 404.
fn may_see(caller: &Caller, row: &upload::Model) -> bool {
    caller.is_privileged()
        || caller
            .user_id()
            .is_some_and(|u| row.user_id.as_deref() == Some(u.as_str()))
}

fn parse_filename(raw: &str) -> Result<String> {
    let name = raw.rsplit(['/', '\\']).next().unwrap_or("").trim();
    if name.is_empty() || name.chars().count() > 255 || name == "." || name == ".." {
        return Err(Error::invalid(
            "`filename` must be 1 to 255 characters, without a path",
        ));
    }
    if name.chars().any(char::is_control) {
        return Err(Error::invalid(
            "`filename` must not contain control characters",
        ));
    }
    Ok(name.to_owned())
}

fn to_u32(v: Option<i32>) -> Option<u32> {
    v.and_then(|n| u32::try_from(n).ok())
}

/// A signing window: URLs signed within one window are identical (browsers can cache them)
/// and stay valid at least half the lifetime.
fn url_window(ttl_s: u64) -> (DateTime<Utc>, DateTime<Utc>) {
    let ttl = i64::try_from(ttl_s).unwrap_or(3600).max(1);
    let window = (ttl / 2).max(1);
    let now = Utc::now().timestamp();
    let start = now - now.rem_euclid(window);
    let at = |s: i64| Utc.timestamp_opt(s, 0).single().unwrap_or_else(Utc::now);
    (at(start), at(start + ttl))
}

async fn attachment_view(store: &MediaStore, row: &upload::Model) -> Result<Attachment> {
    let mut a = Attachment {
        upload_id: row.id.clone(),
        kind: row.kind.clone(),
        content_type: row.content_type.clone(),
        filename: row.filename.clone(),
        size: u64::try_from(row.size).unwrap_or(0),
        url: None,
        url_expires_at: None,
        width: to_u32(row.width),
        height: to_u32(row.height),
        thumb_url: None,
        thumb_width: to_u32(row.thumb_width),
        thumb_height: to_u32(row.thumb_height),
        thumbnail_status: row.thumbnail_status.clone(),
    };
    if row.status != COMPLETE {
        return Ok(a);
    }
    let (from, until) = url_window(store.download_ttl_s());
    let download = Download {
        content_type: &row.content_type,
        filename: Some(&row.filename),
        inline: sniff::is_inline(&row.content_type),
    };
    a.url = Some(
        store
            .presign_get(&row.object_key, download, from, until)
            .await?,
    );
    a.url_expires_at = Some(until);
    if let (Some(key), Some(ct)) = (&row.thumb_key, &row.thumb_content_type) {
        let thumb = Download {
            content_type: ct,
            filename: None,
            inline: true,
        };
        a.thumb_url = Some(store.presign_get(key, thumb, from, until).await?);
    }
    Ok(a)
}

/// `POST /v1/uploads`: checks the tenant's limits and returns where to PUT the bytes.
pub async fn create(ctx: &Parley, caller: &Caller, input: NewUpload) -> Result<CreatedUpload> {
    let owner = match &caller.actor {
        Actor::User(_) => Some(caller.acting_user(input.user_id.as_deref())?),
        Actor::Server => input
            .user_id
            .as_deref()
            .map(|u| UserId::parse("user_id", u))
            .transpose()?,
    };
    let filename = parse_filename(&input.filename)?;
    let content_type = sniff::parse_content_type(&input.content_type)?;
    let settings = &caller.tenant.settings;
    if !type_allowed(settings, &content_type) {
        return Err(Error::new(
            ErrorCode::ContentTypeNotAllowed,
            format!("this app does not accept `{content_type}` uploads"),
        ));
    }
    let max = max_upload_bytes(ctx, settings);
    if input.size == 0 {
        return Err(Error::invalid("`size` must be at least 1 byte"));
    }
    if input.size > max {
        return Err(Error::new(
            ErrorCode::UploadTooLarge,
            format!("`size` is {} bytes; the limit is {max}", input.size),
        ));
    }
    let tenant = caller.tenant_id();
    let id = uuid::Uuid::now_v7().to_string();
    let object_key = format!("{tenant}/{id}");
    let now = Utc::now();
    let ttl = i64::try_from(ctx.config.media.upload_url_ttl_s).unwrap_or(900);
    let expires_at = now + chrono::Duration::seconds(ttl);
    let put = ctx
        .media
        .presign_put(
            &format!("{object_key}{INCOMING}"),
            &content_type,
            input.size,
            expires_at,
        )
        .await?;
    upload::ActiveModel {
        tenant_id: Set(tenant.to_owned()),
        id: Set(id.clone()),
        user_id: Set(owner.map(UserId::into_string)),
        message_id: Set(None),
        filename: Set(filename),
        kind: Set(sniff::kind_of(&content_type).to_owned()),
        content_type: Set(content_type),
        size: Set(i64::try_from(input.size).unwrap_or(i64::MAX)),
        status: Set(PENDING.to_owned()),
        object_key: Set(object_key),
        width: Set(None),
        height: Set(None),
        thumbnail_status: Set(None),
        thumb_key: Set(None),
        thumb_content_type: Set(None),
        thumb_size: Set(None),
        thumb_width: Set(None),
        thumb_height: Set(None),
        created_at: Set(now),
        completed_at: Set(None),
    }
    .insert(&ctx.db)
    .await?;
    Ok(CreatedUpload {
        upload_id: id,
        put_url: put.url,
        headers: put.headers,
        expires_at,
    })
}

/// Whether the local engine may store bytes under `key` (the target of a signed PUT URL): only
/// the incoming object of an upload still waiting for them. A completed upload's URL, still
/// within its lifetime, can neither replace the checked bytes nor leave stray files behind.
pub async fn accepts_put(ctx: &Parley, key: &str) -> Result<()> {
    let refused = || {
        Error::new(
            ErrorCode::UploadComplete,
            "this upload no longer takes bytes: it is complete (or gone); start a new upload",
        )
    };
    let object_key = key.strip_suffix(INCOMING).ok_or_else(refused)?;
    let waiting = upload::Entity::find()
        .filter(upload::Column::ObjectKey.eq(object_key))
        .filter(upload::Column::Status.eq(PENDING))
        .one(&ctx.db)
        .await?;
    waiting.map(|_| ()).ok_or_else(refused)
}

/// `POST /v1/uploads/{id}/complete`: the stored object must have the declared size and its
/// first bytes must match the declared type. Completing twice returns the same attachment.
pub async fn complete(ctx: &Parley, caller: &Caller, id: &str) -> Result<Attachment> {
    let tenant = caller.tenant_id();
    let row = find(&ctx.db, tenant, id).await?;
    if !may_see(caller, &row) {
        return Err(not_found(id));
    }
    if row.status == COMPLETE {
        return attachment_view(&ctx.media, &row).await;
    }
    let declared = u64::try_from(row.size).unwrap_or(0);
    let incoming = format!("{}{INCOMING}", row.object_key);
    if ctx.media.size_of(&incoming).await?.is_none() {
        return Err(Error::new(
            ErrorCode::UploadNotReceived,
            format!("no bytes have arrived for upload `{id}`: PUT them to its `put_url` first"),
        ));
    }
    // Checked where no PUT URL reaches: what passes the checks is what is served.
    ctx.media.promote(&incoming, &row.object_key).await?;
    let stored = ctx.media.size_of(&row.object_key).await?.unwrap_or(0);
    if stored != declared {
        // Start clean: the client may PUT again while the URL lasts.
        ctx.media.delete(&row.object_key).await?;
        return Err(Error::new(
            ErrorCode::UploadSizeMismatch,
            format!("upload `{id}` was declared as {declared} bytes but {stored} arrived"),
        ));
    }
    let head = ctx.media.read(&row.object_key, sniff::SNIFF_BYTES).await?;
    if let Err(e) = sniff::check(&row.content_type, &head) {
        ctx.media.delete(&row.object_key).await?;
        return Err(e);
    }
    let thumbnail = sniff::DECODED_IMAGES.contains(&row.content_type.as_str());
    let now = Utc::now();
    let mut update = upload::Entity::update_many()
        .col_expr(upload::Column::Status, Expr::value(COMPLETE))
        .col_expr(upload::Column::CompletedAt, Expr::value(now));
    if thumbnail {
        update = update.col_expr(upload::Column::ThumbnailStatus, Expr::value(PENDING));
    }
    let permit = authorize(caller, Action::Upload, Target::App)?;
    let mut work = UnitOfWork::begin(ctx, &permit).await?;
    let res = update
        .filter(upload::Column::TenantId.eq(tenant))
        .filter(upload::Column::Id.eq(id))
        .filter(upload::Column::Status.eq(PENDING))
        .exec(&*work)
        .await?;
    if res.rows_affected > 0 && thumbnail {
        schedule_thumbnail(&*work, &TenantId::from_trusted(tenant), id).await?;
    }
    if res.rows_affected > 0 && thumbnail {
        work.jobs_queued();
    }
    work.commit().await?;
    let row = find(&ctx.db, tenant, id).await?;
    attachment_view(&ctx.media, &row).await
}

/// `GET /v1/uploads/{id}`: the upload with a fresh download URL.
pub async fn get(ctx: &Parley, caller: &Caller, id: &str) -> Result<Upload> {
    let row = find(&ctx.db, caller.tenant_id(), id).await?;
    if !may_see(caller, &row) {
        return Err(not_found(id));
    }
    upload_view(&ctx.media, row).await
}

/// An upload as its owner sees it, with a fresh download URL once complete.
pub(crate) async fn upload_view(store: &MediaStore, row: upload::Model) -> Result<Upload> {
    let attachment = attachment_view(store, &row).await?;
    Ok(Upload {
        get_url: attachment.url.clone(),
        attachment,
        status: row.status,
        message_id: row.message_id,
        user_id: row.user_id,
        created_at: row.created_at,
        completed_at: row.completed_at,
    })
}

/// Checks the `upload_id`s among a message's attachments: completed uploads of this tenant,
/// of the author unless the tenant server sends, not attached to another message. Returns
/// the attachments as stored (Parley's fields set from the upload) and the upload ids.
pub(crate) async fn resolve_attachments(
    ctx: &Parley,
    caller: &Caller,
    author: Option<&UserId>,
    message_id: &str,
    attachments: Value,
) -> Result<(Value, Vec<String>)> {
    let Value::Array(items) = attachments else {
        return Ok((attachments, Vec::new()));
    };
    let mut ids = Vec::new();
    for item in &items {
        if let Some(v) = item.get("upload_id") {
            let id = v
                .as_str()
                .ok_or_else(|| Error::invalid("`attachments[].upload_id` must be a string"))?;
            if ids.iter().any(|x| x == id) {
                return Err(Error::invalid(format!(
                    "upload `{id}` appears twice in `attachments`"
                )));
            }
            ids.push(id.to_owned());
        }
    }
    if ids.is_empty() {
        return Ok((Value::Array(items), ids));
    }
    let tenant = caller.tenant_id();
    let rows: HashMap<String, upload::Model> = upload::Entity::find()
        .filter(upload::Column::TenantId.eq(tenant))
        .filter(upload::Column::Id.is_in(ids.iter().cloned()))
        .all(ctx.fresh_reads())
        .await?
        .into_iter()
        .map(|r| (r.id.clone(), r))
        .collect();
    let server_sends = caller.user_id().is_none();
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        let Some(id) = item.get("upload_id").and_then(Value::as_str) else {
            out.push(item);
            continue;
        };
        let row = rows.get(id).ok_or_else(|| not_found(id))?;
        if !server_sends && row.user_id.as_deref() != author.map(UserId::as_str) {
            return Err(Error::forbidden(format!(
                "upload `{id}` belongs to another user"
            )));
        }
        if row.status != COMPLETE {
            return Err(Error::new(
                ErrorCode::UploadNotReceived,
                format!("upload `{id}` is not complete: call POST /v1/uploads/{id}/complete first"),
            ));
        }
        if row.message_id.as_deref().is_some_and(|m| m != message_id) {
            return Err(Error::new(
                ErrorCode::UploadAlreadyAttached,
                format!("upload `{id}` is attached to another message; upload the file again"),
            ));
        }
        let mut obj: Map<String, Value> = match item {
            Value::Object(m) => m,
            _ => Map::new(),
        };
        for f in crate::model::attachments::UPLOAD_SERVER_FIELDS {
            obj.remove(*f);
        }
        obj.insert("type".into(), row.kind.clone().into());
        obj.insert("content_type".into(), row.content_type.clone().into());
        obj.insert("filename".into(), row.filename.clone().into());
        obj.insert("size".into(), row.size.into());
        out.push(Value::Object(obj));
    }
    Ok((Value::Array(out), ids))
}

/// Marks uploads as attached to a message (inside the message's transaction). Fails when
/// another message took one of them meanwhile.
pub(crate) async fn bind_to_message<C: ConnectionTrait>(
    db: &C,
    tenant: &str,
    message_id: &str,
    ids: &[String],
) -> Result<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let res = upload::Entity::update_many()
        .col_expr(upload::Column::MessageId, Expr::value(message_id))
        .filter(upload::Column::TenantId.eq(tenant))
        .filter(upload::Column::Id.is_in(ids.iter().cloned()))
        .filter(upload::Column::Status.eq(COMPLETE))
        .filter(
            Condition::any()
                .add(upload::Column::MessageId.is_null())
                .add(upload::Column::MessageId.eq(message_id)),
        )
        .exec(db)
        .await?;
    if usize::try_from(res.rows_affected).unwrap_or(0) != ids.len() {
        return Err(Error::new(
            ErrorCode::UploadAlreadyAttached,
            "an upload was attached to another message or deleted meanwhile",
        ));
    }
    Ok(())
}

/// Gives the attachments of messages (and their quoted messages) fresh signed URLs and the
/// upload's current details (a thumbnail may have arrived since). Attachments whose upload
/// was deleted are left out.
pub(crate) async fn present<C: ConnectionTrait>(
    db: &C,
    store: &MediaStore,
    tenant: &str,
    messages: &mut [Message],
) -> Result<()> {
    use crate::model::attachments::upload_ids;
    let mut ids = BTreeSet::new();
    for m in messages.iter() {
        ids.extend(upload_ids(&m.attachments).map(str::to_owned));
        if let Some(q) = &m.quoted_message {
            ids.extend(upload_ids(&q.attachments).map(str::to_owned));
        }
    }
    if ids.is_empty() {
        return Ok(());
    }
    let rows = upload::Entity::find()
        .filter(upload::Column::TenantId.eq(tenant))
        .filter(upload::Column::Id.is_in(ids))
        .filter(upload::Column::Status.eq(COMPLETE))
        .all(db)
        .await?;
    let mut views: HashMap<String, Value> = HashMap::new();
    for row in rows {
        let view = serde_json::to_value(attachment_view(store, &row).await?)?;
        views.insert(row.id, view);
    }
    let rewrite = |v: &mut Value| {
        let Some(items) = v.as_array_mut() else {
            return;
        };
        items.retain_mut(|a| {
            let Some(id) = a.get("upload_id").and_then(Value::as_str) else {
                return true;
            };
            let Some(Value::Object(fresh)) = views.get(id) else {
                return false;
            };
            if let Value::Object(obj) = a {
                for f in crate::model::attachments::UPLOAD_SERVER_FIELDS {
                    obj.remove(*f);
                }
                for (k, v) in fresh {
                    obj.insert(k.clone(), v.clone());
                }
            }
            true
        });
    };
    for m in messages.iter_mut() {
        rewrite(&mut m.attachments);
        if let Some(q) = m.quoted_message.as_mut() {
            rewrite(&mut q.attachments);
        }
    }
    Ok(())
}

/// Whose uploads to remove.
pub(crate) enum UploadsOf<'a> {
    /// Those attached to a message.
    Message(&'a str),
    /// A user's, and with `with_messages` also those attached to the user's messages.
    User {
        user_id: &'a str,
        with_messages: bool,
    },
    /// Those attached to the messages of a channel.
    Channel(&'a str),
    /// Every upload of the tenant.
    Tenant,
}

/// The ids of the tenant's messages that match `filter`.
fn message_ids(
    tenant: &str,
    filter: sea_orm::sea_query::SimpleExpr,
) -> sea_orm::sea_query::SelectStatement {
    Query::select()
        .column(message::Column::Id)
        .from(message::Entity)
        .and_where(message::Column::TenantId.eq(tenant))
        .and_where(filter)
        .to_owned()
}

/// Deletes upload rows (in the caller's transaction) and returns their object keys, for
/// the worker, which deletes them once the transaction commits (an outbox job).
pub(crate) async fn remove_uploads<C: ConnectionTrait>(
    db: &C,
    tenant: &str,
    of: UploadsOf<'_>,
) -> Result<Vec<String>> {
    let cond = match of {
        UploadsOf::Message(id) => Condition::all().add(upload::Column::MessageId.eq(id)),
        UploadsOf::User {
            user_id,
            with_messages,
        } => {
            let mut any = Condition::any().add(upload::Column::UserId.eq(user_id));
            if with_messages {
                any = any.add(
                    upload::Column::MessageId
                        .in_subquery(message_ids(tenant, message::Column::UserId.eq(user_id))),
                );
            }
            any
        }
        UploadsOf::Channel(cid) => Condition::all().add(
            upload::Column::MessageId
                .in_subquery(message_ids(tenant, message::Column::Cid.eq(cid))),
        ),
        UploadsOf::Tenant => Condition::all(),
    };
    let rows: Vec<(String, String, Option<String>)> = upload::Entity::find()
        .select_only()
        .column(upload::Column::Id)
        .column(upload::Column::ObjectKey)
        .column(upload::Column::ThumbKey)
        .filter(upload::Column::TenantId.eq(tenant))
        .filter(cond)
        .into_tuple()
        .all(db)
        .await?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let mut keys = Vec::with_capacity(rows.len());
    let mut ids = Vec::with_capacity(rows.len());
    for (id, key, thumb) in rows {
        ids.push(id);
        // A pending upload's bytes may still sit at the key its PUT URL wrote.
        keys.push(format!("{key}{INCOMING}"));
        keys.push(key);
        keys.extend(thumb);
    }
    for chunk in ids.chunks(500) {
        upload::Entity::delete_many()
            .filter(upload::Column::TenantId.eq(tenant))
            .filter(upload::Column::Id.is_in(chunk.iter().cloned()))
            .exec(db)
            .await?;
    }
    schedule_object_delete(db, tenant, keys.clone()).await?;
    Ok(keys)
}

/// Deletes pending uploads older than `media.abandoned_upload_after_s`, and completed uploads
/// no message used within `media.unattached_upload_after_s`; returns how many.
pub(crate) async fn sweep_abandoned(ctx: &Parley) -> Result<usize> {
    let age = i64::try_from(ctx.config.media.abandoned_upload_after_s).unwrap_or(86_400);
    let cutoff = Utc::now() - chrono::Duration::seconds(age);
    let rows: Vec<(String, String, String)> = upload::Entity::find()
        .select_only()
        .column(upload::Column::TenantId)
        .column(upload::Column::Id)
        .column(upload::Column::ObjectKey)
        .filter(upload::Column::Status.eq(PENDING))
        .filter(upload::Column::CreatedAt.lt(cutoff))
        .limit(500)
        .into_tuple()
        .all(&ctx.db)
        .await?;
    let mut n = 0;
    for (tenant, id, key) in rows {
        let mut work = UnitOfWork::begin(ctx, &Permit::upkeep()).await?;
        // Only if still pending: a completion that won the race keeps its upload.
        let res = upload::Entity::delete_many()
            .filter(upload::Column::TenantId.eq(&tenant))
            .filter(upload::Column::Id.eq(&id))
            .filter(upload::Column::Status.eq(PENDING))
            .exec(&*work)
            .await?;
        if res.rows_affected > 0 {
            schedule_object_delete(&*work, &tenant, vec![format!("{key}{INCOMING}"), key]).await?;
            work.jobs_queued();
            n += 1;
        }
        work.commit().await?;
    }
    // Completed but never sent: after a week (by default) nobody will.
    let age = i64::try_from(ctx.config.media.unattached_upload_after_s).unwrap_or(7 * 86_400);
    let cutoff = Utc::now() - chrono::Duration::seconds(age);
    let rows: Vec<(String, String, String, Option<String>)> = upload::Entity::find()
        .select_only()
        .column(upload::Column::TenantId)
        .column(upload::Column::Id)
        .column(upload::Column::ObjectKey)
        .column(upload::Column::ThumbKey)
        .filter(upload::Column::Status.eq(COMPLETE))
        .filter(upload::Column::MessageId.is_null())
        .filter(upload::Column::CompletedAt.lt(cutoff))
        .limit(500)
        .into_tuple()
        .all(&ctx.db)
        .await?;
    for (tenant, id, key, thumb) in rows {
        let mut work = UnitOfWork::begin(ctx, &Permit::upkeep()).await?;
        // Only if still unattached: a message that took it meanwhile keeps it.
        let res = upload::Entity::delete_many()
            .filter(upload::Column::TenantId.eq(&tenant))
            .filter(upload::Column::Id.eq(&id))
            .filter(upload::Column::MessageId.is_null())
            .exec(&*work)
            .await?;
        if res.rows_affected > 0 {
            let mut keys = vec![key];
            keys.extend(thumb);
            schedule_object_delete(&*work, &tenant, keys).await?;
            work.jobs_queued();
            n += 1;
        }
        work.commit().await?;
    }
    Ok(n)
}

/// Bytes and objects of a tenant's completed uploads and their thumbnails.
pub async fn storage_usage(ctx: &Parley, tenant: &str) -> Result<StorageUsage> {
    let backend = ctx.db.get_database_backend();
    // SUM of a BIGINT is NUMERIC on PostgreSQL: cast back so both engines give an integer.
    let sql = "SELECT COUNT(*), CAST(COALESCE(SUM(size), 0) AS BIGINT), \
               COUNT(thumb_key), CAST(COALESCE(SUM(thumb_size), 0) AS BIGINT) \
               FROM uploads WHERE tenant_id = ? AND status = ?";
    let row = ctx
        .db
        .query_one_raw(crate::kernel::db::statement(
            backend,
            sql,
            vec![tenant.into(), COMPLETE.into()],
        ))
        .await?;
    let Some(row) = row else {
        return Ok(StorageUsage::default());
    };
    let get = |i: usize| -> Result<u64> {
        let v: i64 = row.try_get_by_index(i)?;
        Ok(u64::try_from(v).unwrap_or(0))
    };
    Ok(StorageUsage {
        objects: get(0)? + get(2)?,
        bytes: get(1)? + get(3)?,
    })
}
