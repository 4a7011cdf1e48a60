//! The transactional outbox: side effects (webhook deliveries, push) are written as jobs in
//! the same transaction as the change that causes them, so a committed change always gets
//! its side effects and a rolled-back one never does. The worker claims and runs them; this
//! module writes, lists and re-queues them.

use chrono::{DateTime, TimeZone, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::entities::{outbox, outbox_attempt};
use crate::page::{self, Page};
use crate::realtime::event::EventKind;
use crate::{Error, ErrorCode, Parley, Result};

/// What a job does.
pub mod kind {
    /// A recorded event, to fan out to the tenant's webhooks and to push.
    pub const EVENT: &str = "event";
    /// One event to one webhook endpoint.
    pub const WEBHOOK: &str = "webhook";
    /// Push notifications for one new message.
    pub const PUSH: &str = "push";
    /// The thumbnail of an uploaded image.
    pub const THUMBNAIL: &str = "thumbnail";
    /// Media objects to delete from the store.
    pub const OBJECT_DELETE: &str = "object_delete";
}

/// Where a job is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum JobStatus {
    /// Waiting for its `run_at` (first run or a retry).
    Pending,
    /// Claimed by a worker.
    Running,
    /// Finished successfully.
    Done,
    /// Out of attempts (or its webhook is disabled); listed for the operator, retryable.
    Dead,
}

impl JobStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Running => "running",
            Self::Done => "done",
            Self::Dead => "dead",
        }
    }

    fn parse(s: &str) -> Self {
        match s {
            "running" => Self::Running,
            "done" => Self::Done,
            "dead" => Self::Dead,
            _ => Self::Pending,
        }
    }
}

pub fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

pub fn from_ms(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms).single().unwrap_or_default()
}

/// A job to write.
#[derive(Debug, Default)]
pub struct NewJob {
    pub tenant_id: String,
    pub kind: &'static str,
    /// Jobs with the same key run one at a time, in the order they were written.
    pub queue_key: Option<String>,
    pub payload: String,
    pub webhook_id: Option<String>,
    pub event_id: Option<String>,
    pub event_type: Option<String>,
}

/// Writes a job (inside the caller's transaction when given one).
pub async fn enqueue<C: ConnectionTrait>(db: &C, job: NewJob) -> Result<i64> {
    let now = Utc::now();
    let res = outbox::Entity::insert(outbox::ActiveModel {
        tenant_id: Set(job.tenant_id),
        kind: Set(job.kind.to_owned()),
        queue_key: Set(job.queue_key),
        status: Set(JobStatus::Pending.as_str().to_owned()),
        payload: Set(job.payload),
        attempts: Set(0),
        run_at: Set(now.timestamp_millis()),
        locked_by: Set(None),
        locked_until: Set(None),
        last_error: Set(None),
        webhook_id: Set(job.webhook_id),
        event_id: Set(job.event_id),
        event_type: Set(job.event_type),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    })
    .exec(db)
    .await?;
    Ok(res.last_insert_id)
}

/// The body every webhook of an event receives: `{id, type, created_at, tenant_id, data}`
/// where `data` is the event as realtime clients see it.
pub fn envelope(
    event_id: &str,
    event_type: &str,
    created_at: DateTime<Utc>,
    tenant: &str,
    data_json: &str,
) -> Result<String> {
    Ok(format!(
        r#"{{"id":{},"type":{},"created_at":{},"tenant_id":{},"data":{}}}"#,
        serde_json::to_string(event_id)?,
        serde_json::to_string(event_type)?,
        serde_json::to_string(&created_at)?,
        serde_json::to_string(tenant)?,
        data_json
    ))
}

pub fn new_event_id() -> String {
    format!("evt_{}", uuid::Uuid::now_v7().simple())
}

/// Whether an event of `kind` has anywhere to go: an enabled webhook, or push credentials
/// for a new message. Read in the recording transaction, so a webhook created before the
/// event committed is seen; tenants without integrations pay one indexed read, not a job.
async fn has_side_effects<C: ConnectionTrait>(
    db: &C,
    tenant: &str,
    kind: EventKind,
) -> Result<bool> {
    let mut sql =
        String::from("SELECT (SELECT COUNT(*) FROM webhooks WHERE tenant_id = ? AND enabled = ?)");
    let mut values: Vec<sea_orm::Value> = vec![tenant.into(), true.into()];
    if kind == EventKind::MessageNew {
        sql.push_str(" + (SELECT COUNT(*) FROM push_credentials WHERE tenant_id = ?)");
        values.push(tenant.into());
    }
    let row = db
        .query_one_raw(crate::db::statement(
            db.get_database_backend(),
            &sql,
            values,
        ))
        .await?;
    let n: i64 = match row {
        Some(r) => r.try_get_by_index(0)?,
        None => 0,
    };
    Ok(n > 0)
}

/// Puts a recorded channel event in the outbox, in the transaction that recorded it, when it
/// has somewhere to go. Events of one channel are dispatched in order.
pub(crate) async fn event<C: ConnectionTrait>(
    db: &C,
    tenant: &str,
    cid: &str,
    kind: EventKind,
    created_at: DateTime<Utc>,
    json: &str,
) -> Result<bool> {
    if !has_side_effects(db, tenant, kind).await? {
        return Ok(false);
    }
    let event_id = new_event_id();
    let body = envelope(&event_id, kind.as_str(), created_at, tenant, json)?;
    enqueue(
        db,
        NewJob {
            tenant_id: tenant.to_owned(),
            kind: kind::EVENT,
            queue_key: Some(format!("event:{tenant}:{cid}")),
            payload: body,
            webhook_id: None,
            event_id: Some(event_id),
            event_type: Some(kind.as_str().to_owned()),
        },
    )
    .await?;
    Ok(true)
}

/// One attempt at a job.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Attempt {
    pub attempt: i32,
    pub started_at: DateTime<Utc>,
    pub duration_ms: i32,
    pub ok: bool,
    /// The receiver's HTTP status, when it answered.
    pub status_code: Option<i32>,
    /// Why the attempt failed, when it did.
    pub error: Option<String>,
    /// The start of the receiver's answer.
    pub response: Option<String>,
    /// Which worker made the attempt.
    pub worker: Option<String>,
}

impl From<outbox_attempt::Model> for Attempt {
    fn from(a: outbox_attempt::Model) -> Self {
        Self {
            attempt: a.attempt,
            started_at: a.started_at,
            duration_ms: a.duration_ms,
            ok: a.ok,
            status_code: a.status_code,
            error: a.error,
            response: a.response,
            worker: a.worker,
        }
    }
}

/// A job as the operator sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct Job {
    pub id: i64,
    pub tenant_id: String,
    pub kind: String,
    pub status: JobStatus,
    pub attempts: i32,
    /// When it runs next, while pending.
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub webhook_id: Option<String>,
    pub event_id: Option<String>,
    pub event_type: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<outbox::Model> for Job {
    fn from(j: outbox::Model) -> Self {
        let status = JobStatus::parse(&j.status);
        Self {
            id: j.id,
            tenant_id: j.tenant_id,
            kind: j.kind,
            status,
            attempts: j.attempts,
            next_attempt_at: (status == JobStatus::Pending).then(|| from_ms(j.run_at)),
            last_error: j.last_error,
            webhook_id: j.webhook_id,
            event_id: j.event_id,
            event_type: j.event_type,
            created_at: j.created_at,
            updated_at: j.updated_at,
        }
    }
}

/// Jobs, newest first, filtered by status and tenant (the operator's view).
pub async fn list(
    ctx: &Parley,
    status: Option<JobStatus>,
    tenant: Option<&str>,
    limit: Option<u64>,
    cursor: Option<&str>,
) -> Result<Page<Job>> {
    let limit = page::limit(limit)?;
    let mut q = outbox::Entity::find().order_by_desc(outbox::Column::Id);
    if let Some(s) = status {
        q = q.filter(outbox::Column::Status.eq(s.as_str()));
    }
    if let Some(t) = tenant {
        q = q.filter(outbox::Column::TenantId.eq(t));
    }
    if let Some(c) = cursor {
        let before: i64 = page::decode_cursor(c)?
            .parse()
            .map_err(|_| Error::invalid("`cursor` is not a cursor this API gave out"))?;
        q = q.filter(outbox::Column::Id.lt(before));
    }
    let mut rows = q.limit(limit + 1).all(&ctx.db).await?;
    let next = crate::tenants::next_cursor(&mut rows, limit, |j| j.id.to_string());
    Ok(Page {
        items: rows.into_iter().map(Job::from).collect(),
        next_cursor: next,
    })
}

pub async fn get(ctx: &Parley, id: i64) -> Result<Job> {
    outbox::Entity::find_by_id(id)
        .one(&ctx.db)
        .await?
        .map(Job::from)
        .ok_or_else(|| Error::new(ErrorCode::JobNotFound, format!("no job {id}")))
}

/// Puts a dead or finished job back in the queue with a fresh set of attempts.
pub async fn retry(ctx: &Parley, id: i64, tenant: Option<&str>) -> Result<Job> {
    let mut q = outbox::Entity::find_by_id(id);
    if let Some(t) = tenant {
        q = q.filter(outbox::Column::TenantId.eq(t));
    }
    let job = q
        .one(&ctx.db)
        .await?
        .ok_or_else(|| Error::new(ErrorCode::JobNotFound, format!("no job {id}")))?;
    if matches!(
        JobStatus::parse(&job.status),
        JobStatus::Pending | JobStatus::Running
    ) {
        return Ok(job.into());
    }
    let now = Utc::now();
    let mut am: outbox::ActiveModel = job.into();
    am.status = Set(JobStatus::Pending.as_str().to_owned());
    am.attempts = Set(0);
    am.run_at = Set(now.timestamp_millis());
    am.locked_by = Set(None);
    am.locked_until = Set(None);
    am.updated_at = Set(now);
    let job = am.update(&ctx.db).await?;
    ctx.realtime.outbox_wake.notify_one();
    Ok(job.into())
}

/// Every attempt of a job, oldest first.
pub async fn attempts(ctx: &Parley, job_id: i64) -> Result<Vec<Attempt>> {
    Ok(outbox_attempt::Entity::find()
        .filter(outbox_attempt::Column::JobId.eq(job_id))
        .order_by_asc(outbox_attempt::Column::Id)
        .all(&ctx.db)
        .await?
        .into_iter()
        .map(Attempt::from)
        .collect())
}
