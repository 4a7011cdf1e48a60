//! What of a channel's messages a caller sees. The tenant server and admins see every message
//! (a shadowed one marked so); a user does not see another user's shadowed messages, nor any
//! message of a user they blocked. History, threads, single messages, last messages and
//! unread counts all ask this one place.

use sea_orm::{ColumnTrait, Condition};

use crate::authn::Caller;
use crate::entities::message;
use crate::{Parley, Result};

/// A reader of messages and what they do not see.
pub struct Reader {
    /// The user reading; `None` for the tenant server.
    user: Option<String>,
    /// Sees shadowed messages (the tenant server, admins).
    privileged: bool,
    /// The users whose messages this reader blocked.
    blocked: Vec<String>,
}

impl Reader {
    pub async fn of(ctx: &Parley, caller: &Caller) -> Result<Self> {
        let user = caller.user_id().map(|u| u.as_str().to_owned());
        let blocked = match &user {
            Some(u) => {
                crate::entities::user_block::blocked_by(&ctx.reads, caller.tenant_id(), u).await?
            }
            None => Vec::new(),
        };
        Ok(Self {
            user,
            privileged: caller.is_privileged(),
            blocked,
        })
    }

    /// The condition on `messages` rows this reader sees.
    pub fn condition(&self) -> Condition {
        let mut c = Condition::all();
        if !self.privileged {
            let mut own = Condition::any().add(message::Column::Shadowed.eq(false));
            if let Some(u) = &self.user {
                own = own.add(message::Column::UserId.eq(u.as_str()));
            }
            c = c.add(own);
        }
        if !self.blocked.is_empty() {
            c =
                c.add(Condition::any().add(message::Column::UserId.is_null()).add(
                    message::Column::UserId.is_not_in(self.blocked.iter().map(String::as_str)),
                ));
        }
        c
    }

    /// Whether this reader sees one message.
    pub fn sees(&self, m: &message::Model) -> bool {
        let author = m.user_id.as_deref();
        let shown =
            self.privileged || !m.shadowed || (author.is_some() && author == self.user.as_deref());
        shown && author.is_none_or(|a| !self.blocked.iter().any(|b| b == a))
    }

    /// SQL for the same rule on a `messages` alias, with its values: for raw queries.
    pub fn sql(&self, alias: &str) -> (String, Vec<sea_orm::Value>) {
        let mut sql = String::new();
        let mut values: Vec<sea_orm::Value> = Vec::new();
        if !self.privileged {
            sql.push_str(&format!(
                " AND ({alias}.shadowed = ? OR {alias}.user_id = ?)"
            ));
            values.push(false.into());
            values.push(self.user.clone().unwrap_or_default().into());
        }
        if !self.blocked.is_empty() {
            let marks = vec!["?"; self.blocked.len()].join(", ");
            sql.push_str(&format!(
                " AND ({alias}.user_id IS NULL OR {alias}.user_id NOT IN ({marks}))"
            ));
            values.extend(
                self.blocked
                    .iter()
                    .map(|b| sea_orm::Value::from(b.as_str())),
            );
        }
        (sql, values)
    }
}
