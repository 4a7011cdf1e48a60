//! Which rows belong to a tenant, a user or a channel: the one list every hard delete walks.
//!
//! The tables keep no foreign keys (SQLite and PostgreSQL would cascade differently), so a
//! delete finds a tenant's, a user's or a channel's rows here. A test reads the live schema
//! and fails when a table with a `tenant_id`, a column naming a user, or a `cid` or
//! `message_id` column is missing from [`TABLES`]; adding the table here is what makes every
//! delete remove its rows.

use sea_orm::{ConnectionTrait, Value};

use crate::kernel::db::statement;
use crate::kernel::error::Result;

/// One table holding a tenant's rows.
pub struct Owned {
    pub table: &'static str,
    /// Columns naming a user, and what deleting that user does to the row.
    pub users: &'static [(&'static str, OfUser)],
    /// How a channel's rows are found in this table.
    pub channel: OfChannel,
    /// Rows a tenant's delete leaves for the worker to finish (see [`Owned::tenant_keeps`]).
    pub tenant_keeps: Option<&'static str>,
}

/// What a user's hard delete does to a row naming them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OfUser {
    /// The row is theirs and goes.
    Delete,
    /// The row is someone else's (a channel they created, a message they pinned or wrote): it
    /// stays without their name.
    Forget,
}

/// How a channel's rows are found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OfChannel {
    /// The table holds nothing of a channel.
    Nothing,
    /// Rows whose `cid` is the channel's.
    Cid,
    /// Rows whose `message_id` is one of the channel's messages.
    Message,
}

/// Every table with a `tenant_id` column. Uploads are listed too: their rows go through
/// `media::remove_uploads` first, which also queues the deletion of the stored objects.
pub const TABLES: &[Owned] = &[
    owned("api_keys", &[], OfChannel::Nothing),
    owned(
        "bans",
        &[("user_id", OfUser::Delete), ("created_by", OfUser::Forget)],
        OfChannel::Cid,
    ),
    owned(
        "channels",
        &[("created_by", OfUser::Forget)],
        OfChannel::Cid,
    ),
    owned("blocklists", &[], OfChannel::Nothing),
    owned(
        "channel_events",
        &[("sent_by", OfUser::Delete)],
        OfChannel::Cid,
    ),
    owned("channel_types", &[], OfChannel::Nothing),
    owned(
        "devices",
        &[("user_id", OfUser::Delete)],
        OfChannel::Nothing,
    ),
    owned(
        "flags",
        &[
            ("user_id", OfUser::Delete),
            ("created_by", OfUser::Forget),
            ("resolved_by", OfUser::Forget),
        ],
        OfChannel::Cid,
    ),
    owned("members", &[("user_id", OfUser::Delete)], OfChannel::Cid),
    owned(
        "messages",
        &[("user_id", OfUser::Forget), ("pinned_by", OfUser::Forget)],
        OfChannel::Cid,
    ),
    Owned {
        // Pending deliveries go with the tenant; the deletion of its stored objects stays
        // queued until the worker ran it.
        tenant_keeps: Some("kind = 'object_delete'"),
        ..owned("outbox", &[], OfChannel::Nothing)
    },
    owned("outbox_attempts", &[], OfChannel::Nothing),
    owned("push_credentials", &[], OfChannel::Nothing),
    owned(
        "reactions",
        &[("user_id", OfUser::Delete)],
        OfChannel::Message,
    ),
    owned(
        "stream_cursors",
        &[("user_id", OfUser::Delete)],
        OfChannel::Nothing,
    ),
    owned(
        "uploads",
        &[("user_id", OfUser::Delete)],
        OfChannel::Message,
    ),
    owned(
        "user_blocks",
        &[("user_id", OfUser::Delete), ("target_id", OfUser::Delete)],
        OfChannel::Nothing,
    ),
    owned(
        "user_mutes",
        &[("user_id", OfUser::Delete), ("target_id", OfUser::Delete)],
        OfChannel::Nothing,
    ),
    // Keyed by `id`; a user's own row is deleted by `users::delete`.
    owned("users", &[], OfChannel::Nothing),
    owned("webhooks", &[], OfChannel::Nothing),
];

/// Tables with a `tenant_id` whose rows outlive the tenant and the users they name: the audit
/// log is the record of those deletes, and its entries go only when the audit retention ends
/// (`audit::prune`). No delete walks them.
pub const RETAINED: &[&str] = &["audit_log"];

/// Columns named like a user's (`*_by`) that name something else.
pub const NOT_USERS: &[(&str, &str)] = &[("outbox", "locked_by")];

const fn owned(
    table: &'static str,
    users: &'static [(&'static str, OfUser)],
    channel: OfChannel,
) -> Owned {
    Owned {
        table,
        users,
        channel,
        tenant_keeps: None,
    }
}

/// Whose rows to remove.
#[derive(Debug, Clone, Copy)]
pub enum Owner<'a> {
    Tenant,
    User(&'a str),
    Channel(&'a str),
}

/// Removes (or, for [`OfUser::Forget`], unnames) every row of `owner` in `tenant`, table by
/// table from [`TABLES`]. Run inside the delete's transaction.
pub async fn erase<C: ConnectionTrait>(db: &C, tenant: &str, owner: Owner<'_>) -> Result<()> {
    let backend = db.get_database_backend();
    let run = async |sql: String, values: Vec<Value>| -> Result<()> {
        db.execute_raw(statement(backend, &sql, values)).await?;
        Ok(())
    };
    match owner {
        Owner::Tenant => {
            for t in TABLES {
                let keep = t
                    .tenant_keeps
                    .map(|cond| format!(" AND NOT ({cond})"))
                    .unwrap_or_default();
                run(
                    format!("DELETE FROM {} WHERE tenant_id = ?{keep}", t.table),
                    vec![tenant.into()],
                )
                .await?;
            }
        }
        Owner::User(user) => {
            for t in TABLES {
                for (column, of) in t.users {
                    let table = t.table;
                    let sql = match of {
                        OfUser::Delete => {
                            format!("DELETE FROM {table} WHERE tenant_id = ? AND {column} = ?")
                        }
                        OfUser::Forget => format!(
                            "UPDATE {table} SET {column} = NULL WHERE tenant_id = ? AND {column} = ?"
                        ),
                    };
                    run(sql, vec![tenant.into(), user.into()]).await?;
                }
            }
        }
        // Rows found through the messages go before the messages.
        Owner::Channel(cid) => {
            for t in TABLES.iter().filter(|t| t.channel == OfChannel::Message) {
                run(
                    format!(
                        "DELETE FROM {} WHERE tenant_id = ? AND message_id IN \
                         (SELECT id FROM messages WHERE tenant_id = ? AND cid = ?)",
                        t.table
                    ),
                    vec![tenant.into(), tenant.into(), cid.into()],
                )
                .await?;
            }
            for t in TABLES.iter().filter(|t| t.channel == OfChannel::Cid) {
                run(
                    format!("DELETE FROM {} WHERE tenant_id = ? AND cid = ?", t.table),
                    vec![tenant.into(), cid.into()],
                )
                .await?;
            }
        }
    }
    Ok(())
}
