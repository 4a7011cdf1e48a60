//! The send pipeline's guards: rules a message must pass before it is stored, checked in
//! order after the caller was authorized. Each answers accept, reject (with its error code)
//! or rewrite (new text or custom data). A new rule (bans, slow mode, blocklists, shadow
//! bans) is one more [`Guard`] variant and its check.

use crate::authn::Caller;
use crate::authz::ChannelAccess;
use crate::{Error, Parley, Result};

use super::send::Draft;

/// What a guard decided about a draft.
#[derive(Debug)]
pub enum Verdict {
    Accept,
    Reject(Error),
    /// Store the message with these values instead (either may be absent).
    Rewrite {
        text: Option<String>,
        custom: Option<serde_json::Value>,
    },
}

/// Every rule of the send pipeline, in the order they run.
#[derive(Debug, Clone, Copy)]
pub enum Guard {
    /// A frozen channel takes no new messages (the tenant server and admins excepted).
    Frozen,
    /// A user banned from the app or from the channel posts nothing there, whoever sends
    /// on their behalf.
    Banned,
}

pub const GUARDS: [Guard; 2] = [Guard::Frozen, Guard::Banned];

/// What a guard may look at.
pub struct Seen<'a> {
    pub ctx: &'a Parley,
    pub caller: &'a Caller,
    pub channel: &'a ChannelAccess,
    pub draft: &'a Draft,
}

impl Guard {
    pub async fn check(self, seen: &Seen<'_>) -> Result<Verdict> {
        match self {
            Self::Frozen => Ok(match seen.channel.refuse_if_frozen(seen.caller) {
                Ok(()) => Verdict::Accept,
                Err(refusal) => Verdict::Reject(refusal),
            }),
            Self::Banned => {
                let ban = crate::moderation::posting_ban(
                    seen.ctx,
                    seen.caller.tenant_id(),
                    seen.draft.author.as_str(),
                    &seen.draft.cid,
                )
                .await?;
                Ok(match ban {
                    Some(ban) => Verdict::Reject(crate::moderation::refusal(&ban)),
                    None => Verdict::Accept,
                })
            }
        }
    }
}
