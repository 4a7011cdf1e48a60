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

use crate::entities::{outbox, outbox_attempt};
use crate::events::{Event, EventKind, Payload};
use crate::kernel::page::{self, Page};
use crate::{Error, ErrorCode, Parley, Result};
pub use parley_wire::jobs::{Attempt, Job, JobStatus};

/// What a job does.
/// What a job does; stored by its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobKind {
    /// One event to one webhook endpoint.
    Webhook,
    /// Push notifications for one new message.
    Push,
    /// The thumbnail of an uploaded image.
    Thumbnail,
    /// Media objects to delete from the store.
    ObjectDelete,
}

impl JobKind {
    pub const ALL: [JobKind; 4] = [
        JobKind::Webhook,
        JobKind::Push,
        JobKind::Thumbnail,
        JobKind::ObjectDelete,
    ];

    /// The name stored in `outbox.kind`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Webhook => "webhook",
            Self::Push => "push",
            Self::Thumbnail => "thumbnail",
            Self::ObjectDelete => "object_delete",
        }
    }

    /// The kind a stored name stands for (`None` for a name this version does not know).
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == name)
    }
}

/// `run_at` of a queued job waiting behind an earlier one of its queue: out of the claim's
/// range until the job before it ends, so a long queue costs the claim nothing.
pub const PARKED: i64 = i64::MAX;

pub fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

pub fn from_ms(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms).single().unwrap_or_default()
}

/// A job to write.
#[derive(Debug)]
pub struct NewJob {
    pub tenant_id: String,
    pub kind: JobKind,
    /// Jobs with the same key run one at a time, in the order they were written.
    pub queue_key: Option<String>,
    pub payload: String,
    pub webhook_id: Option<String>,
    pub event_id: Option<String>,
    pub event_type: Option<String>,
}

impl NewJob {
    /// A job of `kind` with its payload, in no queue and about no webhook or event.
    pub fn new(tenant_id: &str, kind: JobKind, payload: String) -> Self {
        Self {
            tenant_id: tenant_id.to_owned(),
            kind,
            queue_key: None,
            payload,
            webhook_id: None,
            event_id: None,
            event_type: None,
        }
    }
}

/// Writes a job (inside the caller's transaction when given one). A job whose queue already
/// has one pending or running is parked until that one ends.
pub async fn enqueue<C: ConnectionTrait>(db: &C, job: NewJob) -> Result<i64> {
    let now = Utc::now();
    let mut run_at = now.timestamp_millis();
    if let Some(key) = &job.queue_key {
        let busy = outbox::Entity::find()
            .select_only()
            .column(outbox::Column::Id)
            .filter(outbox::Column::QueueKey.eq(key.as_str()))
            .filter(
                outbox::Column::Status
                    .is_in([JobStatus::Pending.as_str(), JobStatus::Running.as_str()]),
            )
            .into_tuple::<i64>()
            .one(db)
            .await?;
        if busy.is_some() {
            run_at = PARKED;
        }
    }
    let res = outbox::Entity::insert(outbox::ActiveModel {
        tenant_id: Set(job.tenant_id),
        kind: Set(job.kind.as_str().to_owned()),
        queue_key: Set(job.queue_key),
        status: Set(JobStatus::Pending.as_str().to_owned()),
        payload: Set(job.payload),
        attempts: Set(0),
        run_at: Set(run_at),
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
    wrap(event_id, event_type, created_at, tenant, "", data_json)
}

/// The envelope of an event about a shadowed message: marked `"shadowed": true`, since the
/// event itself (which the author also receives) does not say so.
fn shadowed_envelope(
    event_id: &str,
    event_type: &str,
    created_at: DateTime<Utc>,
    tenant: &str,
    data_json: &str,
) -> Result<String> {
    let mark = r#""shadowed":true,"#;
    wrap(event_id, event_type, created_at, tenant, mark, data_json)
}

fn wrap(
    event_id: &str,
    event_type: &str,
    created_at: DateTime<Utc>,
    tenant: &str,
    mark: &str,
    data_json: &str,
) -> Result<String> {
    Ok(format!(
        r#"{{"id":{},"type":{},"created_at":{},"tenant_id":{},{mark}"data":{}}}"#,
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

/// What a push job carries.
#[derive(Debug, Serialize, Deserialize)]
pub struct PushJob {
    pub cid: String,
    pub message_id: String,
    /// On a retry: the (user, device token) pairs still to send to; absent: everyone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub targets: Option<Vec<(String, String)>>,
}

/// Who hears a tenant's events of one kind: its enabled webhooks (id and wanted types), and
/// for a new message whether the tenant has push credentials. Read once per unit of work
/// and tenant; tenants without integrations pay one indexed read.
pub(crate) struct Targets {
    webhooks: Vec<(String, Vec<String>)>,
    push: bool,
}

impl Targets {
    pub(crate) async fn load<C: ConnectionTrait>(
        db: &C,
        tenant: &str,
        kind: EventKind,
    ) -> Result<Self> {
        let backend = db.get_database_backend();
        let mut sql = String::from(
            "SELECT id, event_types FROM webhooks WHERE tenant_id = ? AND enabled = ?",
        );
        let mut values: Vec<sea_orm::Value> = vec![tenant.into(), true.into()];
        if kind == EventKind::MessageNew {
            sql.push_str(
                " UNION ALL SELECT '', provider FROM push_credentials WHERE tenant_id = ?",
            );
            values.push(tenant.into());
        }
        let rows = db
            .query_all_raw(crate::kernel::db::statement(backend, &sql, values))
            .await?;
        let mut targets = Self {
            webhooks: Vec::new(),
            push: false,
        };
        for row in rows {
            let id: String = row.try_get_by_index(0)?;
            if id.is_empty() {
                targets.push = true;
                continue;
            }
            let types: String = row.try_get_by_index(1)?;
            let types: Vec<String> = serde_json::from_str(&types).unwrap_or_default();
            targets.webhooks.push((id, types));
        }
        Ok(targets)
    }
}

/// Writes a recorded channel event's side effects as jobs, in the transaction that recorded
/// it: one delivery per enabled webhook that wants the type, and a push job for a new message
/// when the tenant has push credentials (`targets`, read for the event's tenant and kind).
/// The recording transaction holds the channel's row lock, so a channel's jobs get
/// increasing ids in the order of its events, which is the order each endpoint receives them
/// in. Answers whether any job was written.
pub(crate) async fn on_event<C: ConnectionTrait>(
    db: &C,
    event: &Event,
    payload: &Payload,
    targets: &Targets,
) -> Result<bool> {
    let (tenant, kind, created_at) = (&*event.tenant, event.kind, event.created_at);
    let cid = event.cid.as_deref().unwrap_or_default();
    let json = &*event.json;
    if targets.webhooks.is_empty() && !targets.push {
        return Ok(false);
    }
    let event_type = kind.as_str();
    let event_id = new_event_id();
    let mut body: Option<String> = None;
    let mut written = false;
    for (id, types) in &targets.webhooks {
        if !kind.wanted_by(types) {
            continue;
        }
        let payload = match &body {
            Some(b) => b.clone(),
            None => {
                let wrap = if event.visible_to.is_some() {
                    shadowed_envelope
                } else {
                    envelope
                };
                let b = wrap(&event_id, event_type, created_at, tenant, json)?;
                body = Some(b.clone());
                b
            }
        };
        enqueue(
            db,
            NewJob {
                tenant_id: tenant.to_owned(),
                kind: JobKind::Webhook,
                queue_key: Some(format!("webhook:{id}:{cid}")),
                payload,
                webhook_id: Some(id.clone()),
                event_id: Some(event_id.clone()),
                event_type: Some(event_type.to_owned()),
            },
        )
        .await?;
        written = true;
    }
    // A shadowed message is shown to its author alone: nobody is notified of it.
    if targets.push
        && let Some(m) = &payload.message
        && !m.silent
        && !m.shadowed
    {
        enqueue(
            db,
            NewJob {
                tenant_id: tenant.to_owned(),
                kind: JobKind::Push,
                queue_key: None,
                payload: serde_json::to_string(&PushJob {
                    cid: cid.to_owned(),
                    message_id: m.id.clone(),
                    targets: None,
                })?,
                webhook_id: None,
                event_id: Some(event_id.clone()),
                event_type: Some(event_type.to_owned()),
            },
        )
        .await?;
        written = true;
    }
    Ok(written)
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

impl From<outbox::Model> for Job {
    fn from(j: outbox::Model) -> Self {
        let status = JobStatus::parse(&j.status);
        Self {
            id: j.id,
            tenant_id: j.tenant_id,
            kind: j.kind,
            status,
            attempts: j.attempts,
            next_attempt_at: (status == JobStatus::Pending && j.run_at != PARKED)
                .then(|| from_ms(j.run_at)),
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
        let before: i64 = page::decode_number_cursor(c)?;
        q = q.filter(outbox::Column::Id.lt(before));
    }
    let mut rows = q.limit(limit + 1).all(&ctx.db).await?;
    let next = crate::kernel::page::next_cursor(&mut rows, limit, |j| j.id.to_string());
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

#[cfg(test)]
mod job_kind_tests {
    use super::JobKind;

    #[test]
    fn every_kind_reads_back_from_its_stored_name() {
        for kind in JobKind::ALL {
            assert_eq!(JobKind::parse(kind.as_str()), Some(kind));
        }
        let names: std::collections::BTreeSet<&str> =
            JobKind::ALL.iter().map(|k| k.as_str()).collect();
        assert_eq!(names.len(), JobKind::ALL.len(), "names are distinct");
        assert_eq!(JobKind::parse("webhook"), Some(JobKind::Webhook));
        assert_eq!(JobKind::parse("fax"), None);
    }
}
