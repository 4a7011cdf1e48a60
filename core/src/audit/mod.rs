//! The audit log: who (the operator, the tenant server by its key, a user) did what (key and
//! settings changes, channel types, moderation, hard deletes, exports) to which target, when,
//! in which request and from which address. An entry is written in the same transaction as
//! the change it records, names what changed but never holds message text or secrets, and is
//! kept for `worker.audit_retention_s`, also after the tenant or the users it names are gone.

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder,
    QuerySelect,
};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::authn::{Actor, Caller};
use crate::entities::audit_entry;
use crate::kernel::page::{self, Page};
pub use crate::kernel::request::RequestInfo;
use crate::{Error, Parley, Result};
pub use parley_wire::audit::{
    ActorKind, AuditAction, AuditActor, AuditEntry, AuditTarget, TargetKind,
};

/// The author of an audited change, with the request it came in.
#[derive(Debug, Clone)]
pub struct Who {
    kind: ActorKind,
    id: Option<String>,
    request: RequestInfo,
}

impl Who {
    pub fn operator(request: &RequestInfo) -> Self {
        Self {
            kind: ActorKind::Operator,
            id: None,
            request: request.clone(),
        }
    }

    pub fn of(caller: &Caller) -> Self {
        let (kind, id) = match &caller.actor {
            Actor::Server => (ActorKind::Server, caller.key_id.clone()),
            Actor::User(u) => (ActorKind::User, Some(u.id.as_str().to_owned())),
        };
        Self {
            kind,
            id,
            request: caller.request.clone(),
        }
    }
}

/// One audited change, ready to write.
#[derive(Debug)]
pub struct Change<'a> {
    pub action: AuditAction,
    pub target: TargetKind,
    pub target_id: &'a str,
    /// What changed, by name; never message text or secrets.
    pub details: serde_json::Value,
}

impl<'a> Change<'a> {
    pub fn new(action: AuditAction, target: TargetKind, target_id: &'a str) -> Self {
        Self {
            action,
            target,
            target_id,
            details: serde_json::json!({}),
        }
    }

    pub fn with(mut self, details: serde_json::Value) -> Self {
        self.details = details;
        self
    }
}

/// Writes one entry, on `db`: the change's own transaction, so the entry exists exactly when
/// the change does.
pub async fn record<C: ConnectionTrait>(
    db: &C,
    ctx: &Parley,
    tenant: &str,
    who: &Who,
    change: Change<'_>,
) -> Result<()> {
    let row = audit_entry::Model {
        tenant_id: tenant.to_owned(),
        id: uuid::Uuid::now_v7().to_string(),
        at: ctx.now(),
        actor_kind: who.kind.as_str().to_owned(),
        actor_id: who.id.clone(),
        action: change.action.as_str().to_owned(),
        target_kind: change.target.as_str().to_owned(),
        target_id: change.target_id.to_owned(),
        request_id: who.request.request_id.clone(),
        ip: who.request.ip.clone(),
        details: change.details,
    };
    audit_entry::Entity::insert(row.into_active_model())
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// A stored name (an action, an actor or a target kind) read back as its enum, by the same
/// serde names it was written with.
fn from_stored<T: serde::de::DeserializeOwned>(s: &str) -> Option<T> {
    serde_json::from_value(serde_json::Value::String(s.to_owned())).ok()
}

/// The names of the top-level fields whose values differ between two JSON objects: what an
/// entry says a settings change touched, without the values (they may hold URLs or secrets).
pub fn changed_fields(before: &serde_json::Value, after: &serde_json::Value) -> Vec<String> {
    let empty = serde_json::Map::new();
    let before = before.as_object().unwrap_or(&empty);
    let after = after.as_object().unwrap_or(&empty);
    let mut names: Vec<String> = before
        .keys()
        .chain(after.keys())
        .filter(|k| before.get(*k) != after.get(*k))
        .cloned()
        .collect();
    names.sort();
    names.dedup();
    names
}

/// A stored entry as the log shows it; `None` for a row this version cannot read.
fn entry_from_row(row: audit_entry::Model) -> Option<AuditEntry> {
    let kind = from_stored(&row.actor_kind).unwrap_or(ActorKind::User);
    Some(AuditEntry {
        action: AuditAction::from_db(&row.action)?,
        target: AuditTarget {
            kind: TargetKind::from_db(&row.target_kind)?,
            id: row.target_id,
        },
        id: row.id,
        tenant_id: row.tenant_id,
        at: row.at,
        actor: AuditActor {
            kind,
            id: row.actor_id,
        },
        request_id: row.request_id,
        ip: row.ip,
        details: row.details,
    })
}

/// Which entries to list, newest first.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AuditFilter {
    /// Only this action.
    pub action: Option<AuditAction>,
    /// Only changes by this actor kind.
    pub actor_kind: Option<ActorKind>,
    /// Only changes by this user (or secret key id).
    pub actor_id: Option<String>,
    /// Only changes to targets of this kind.
    pub target_kind: Option<TargetKind>,
    /// Only changes to this target (a user id, a `type:id` channel, a key id …).
    pub target_id: Option<String>,
    /// Only entries at or after this time.
    pub since: Option<DateTime<Utc>>,
    /// Only entries before this time.
    pub until: Option<DateTime<Utc>>,
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
    pub cursor: Option<String>,
}

/// The tenant's own audit log (the tenant server).
pub async fn list(ctx: &Parley, caller: &Caller, filter: AuditFilter) -> Result<Page<AuditEntry>> {
    if !matches!(caller.actor, Actor::Server) {
        return Err(Error::denied(
            "read_audit_log",
            "the audit log is read with the secret key",
        ));
    }
    entries(ctx, Some(caller.tenant_id()), filter).await
}

/// Every tenant's audit log, or one tenant's (the operator).
pub async fn list_all(
    ctx: &Parley,
    tenant: Option<&str>,
    filter: AuditFilter,
) -> Result<Page<AuditEntry>> {
    entries(ctx, tenant, filter).await
}

async fn entries(
    ctx: &Parley,
    tenant: Option<&str>,
    filter: AuditFilter,
) -> Result<Page<AuditEntry>> {
    let limit = page::limit(filter.limit)?;
    let mut q = audit_entry::Entity::find();
    if let Some(t) = tenant {
        q = q.filter(audit_entry::Column::TenantId.eq(t));
    }
    if let Some(a) = filter.action {
        q = q.filter(audit_entry::Column::Action.eq(a.as_str()));
    }
    if let Some(k) = filter.actor_kind {
        q = q.filter(audit_entry::Column::ActorKind.eq(k.as_str()));
    }
    if let Some(a) = &filter.actor_id {
        q = q.filter(audit_entry::Column::ActorId.eq(a.as_str()));
    }
    if let Some(k) = filter.target_kind {
        q = q.filter(audit_entry::Column::TargetKind.eq(k.as_str()));
    }
    if let Some(t) = &filter.target_id {
        q = q.filter(audit_entry::Column::TargetId.eq(t.as_str()));
    }
    if let Some(s) = filter.since {
        q = q.filter(audit_entry::Column::At.gte(s));
    }
    if let Some(u) = filter.until {
        q = q.filter(audit_entry::Column::At.lt(u));
    }
    if let Some(c) = &filter.cursor {
        q = q.filter(audit_entry::Column::Id.lt(page::decode_cursor(c)?));
    }
    let mut rows = q
        .order_by_desc(audit_entry::Column::Id)
        .limit(limit + 1)
        .all(&ctx.db)
        .await?;
    let next_cursor = page::next_cursor(&mut rows, limit, |e| e.id.clone());
    Ok(Page {
        items: rows.into_iter().filter_map(entry_from_row).collect(),
        next_cursor,
    })
}

/// Drops the entries older than the audit retention; returns how many.
pub async fn prune(ctx: &Parley) -> Result<u64> {
    let secs = i64::try_from(ctx.config.worker.audit_retention_s).unwrap_or(i64::MAX / 4);
    let cutoff = ctx.now() - chrono::Duration::seconds(secs);
    let gone = audit_entry::Entity::delete_many()
        .filter(audit_entry::Column::At.lt(cutoff))
        .exec(&ctx.db)
        .await?;
    Ok(gone.rows_affected)
}
