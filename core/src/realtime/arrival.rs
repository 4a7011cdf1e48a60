//! What a user's connection reads as it opens, in one statement: the users they blocked, the
//! channels they are a member of with each one's newest event seq (the default
//! subscriptions), and, when they come online on this node, who shares a channel with them
//! (the audience of their `presence.changed`). On SQLite every statement is a hand-off to a
//! connection's thread and back; in a connection storm these reads were three of them.

use sea_orm::ConnectionTrait;

use crate::realtime::presence;
use crate::{Parley, Result};

/// What [`read`] found.
#[derive(Debug, Default)]
pub struct Arrival {
    /// The users the user blocked.
    pub blocked: Vec<String>,
    /// The user's channels (at most `realtime.max_subscriptions`), each with its newest event
    /// seq; empty unless asked for.
    pub cursors: Vec<(String, i64)>,
    /// The users who share a non-livestream channel with the user; `None` unless asked for.
    pub audience: Option<Vec<String>>,
}

/// Which parts of an [`Arrival`] to read besides the blocks.
#[derive(Debug, Clone, Copy)]
pub struct Wanted {
    pub cursors: bool,
    pub audience: bool,
}

const BLOCKED: i32 = 0;
const CURSOR: i32 = 1;
const AUDIENCE: i32 = 2;

/// Reads `user`'s arrival from the connections that see every commit.
pub async fn read(ctx: &Parley, tenant: &str, user: &str, wanted: Wanted) -> Result<Arrival> {
    let db = ctx.fresh_reads();
    let limit = ctx.config.realtime.max_subscriptions as i64;
    let rows = db
        .query_all_raw(statement(
            db.get_database_backend(),
            tenant,
            user,
            wanted,
            limit,
        ))
        .await?;
    let mut arrival = Arrival {
        audience: wanted.audience.then(Vec::new),
        ..Arrival::default()
    };
    for row in rows {
        let part: i32 = row.try_get_by_index(0)?;
        let id: String = row.try_get_by_index(1)?;
        match part {
            BLOCKED => arrival.blocked.push(id),
            CURSOR => arrival.cursors.push((id, row.try_get_by_index(2)?)),
            _ => arrival.audience.get_or_insert_with(Vec::new).push(id),
        }
    }
    Ok(arrival)
}

/// The one statement: a row per blocked user, per channel and per member of the audience,
/// each tagged with its part. The channels and the audience each keep their own limit, so
/// they are subqueries. `query_plans` checks that no part reads every row of the tenant.
pub(crate) fn statement(
    backend: sea_orm::DbBackend,
    tenant: &str,
    user: &str,
    wanted: Wanted,
    max_subscriptions: i64,
) -> sea_orm::Statement {
    let mut sql = format!(
        "SELECT {BLOCKED} AS part, target_id AS id, CAST(0 AS BIGINT) AS seq FROM user_blocks \
         WHERE tenant_id = ? AND user_id = ?"
    );
    let mut values: Vec<sea_orm::Value> = vec![tenant.into(), user.into()];
    if wanted.cursors {
        sql.push_str(&format!(
            " UNION ALL SELECT {CURSOR}, cid, last_event_seq FROM (SELECT c.cid, c.last_event_seq \
             FROM channels c WHERE c.tenant_id = ? AND c.cid IN \
             (SELECT m.cid FROM members m WHERE m.tenant_id = ? AND m.user_id = ?) LIMIT ?) cursors"
        ));
        values.extend([
            tenant.into(),
            tenant.into(),
            user.into(),
            max_subscriptions.into(),
        ]);
    }
    if wanted.audience {
        let (audience, params) = presence::audience_sql(tenant, user);
        sql.push_str(&format!(
            " UNION ALL SELECT {AUDIENCE}, user_id, CAST(0 AS BIGINT) FROM ({audience}) audience"
        ));
        values.extend(params);
    }
    crate::kernel::db::statement(backend, &sql, values)
}
