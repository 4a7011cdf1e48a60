//! Sending a message, as a pipeline of named steps over a [`Draft`]: parse the input,
//! authorize the caller, answer a repeated client id with what was stored, resolve what the
//! message refers to, run the guards, ask the tenant's before-send hook, then store it and
//! record `message.new` in one unit of work.

use chrono::Utc;
use sea_orm::EntityTrait;

use super::batch::{Outcome, Ready};
use super::guards::{GUARDS, Seen, Verdict};
use super::{NewMessage, check_mentions, find, same_or_conflict};
use crate::authn::Caller;
use crate::authz::{self, Action, ChannelAccess, Permit, Target, authorize};
use crate::entities::message;
use crate::integrations::hooks;
use crate::kernel::ids::{Cid, MessageId, MessageText, UserId, parse_custom};
use crate::media;
use crate::model::channel_type::{Feature, Permission};
use crate::model::message::Message;
use crate::realtime::revoke::Credentials;
use crate::{Error, ErrorCode, Parley, Result};

/// Sends a message. Returns it and whether it was stored now (`false`: the same client id was
/// sent before, and the stored message is returned unchanged).
pub async fn send(
    ctx: &Parley,
    caller: &Caller,
    cid: &Cid,
    input: NewMessage,
) -> Result<(Message, bool)> {
    let mut draft = Draft::parse(ctx, caller, cid, input)?;
    let channel = authz::seated_access(ctx, caller, &draft.cid, Some(&draft.author)).await?;
    let permit = authorize(caller, Action::SendMessage, Target::Channel(&channel))?;
    draft.authorize_parts(caller, &channel)?;
    guard(ctx, caller, &channel, &mut draft).await?;
    if let Some(stored) = already_sent(ctx, caller, &draft).await? {
        return Ok((stored, false));
    }
    draft.resolve(ctx, caller).await?;
    ask_hook(ctx, caller, &mut draft).await?;
    store(ctx, caller, &permit, draft).await
}

/// A message on its way in: parsed input, then what it refers to.
pub struct Draft {
    pub id: MessageId,
    /// The client chose the id: a repeat returns the stored message.
    client_id: bool,
    pub author: UserId,
    pub cid: String,
    pub text: String,
    pub attachments: serde_json::Value,
    pub custom: serde_json::Value,
    pub parent_id: Option<String>,
    pub quoted_id: Option<String>,
    pub silent: bool,
    mention_input: Vec<String>,
    /// The sender may mention users who are not members.
    mention_outsiders: bool,
    pub(super) parent: Option<message::Model>,
    pub(super) quoted: Option<Message>,
    mentions: Vec<String>,
    pub(super) upload_ids: Vec<String>,
    /// Reports the guards raise once the message is stored (a blocklist's `flag`).
    pub(super) reports: Vec<String>,
    /// The author is shadow-banned: the message is shown to them alone.
    pub(super) shadowed: bool,
}

impl Draft {
    /// Checks the input's own rules (lengths, ids, custom data size), before any read.
    fn parse(ctx: &Parley, caller: &Caller, cid: &Cid, input: NewMessage) -> Result<Self> {
        let limits = &ctx.config.limits;
        let author = caller.acting_user(input.user_id.as_deref())?;
        let text =
            MessageText::parse(input.text, caller.tenant.max_message_length(limits))?.into_string();
        let attachments =
            crate::model::attachments::parse(input.attachments, limits.max_custom_bytes)?;
        if text.trim().is_empty() && attachments.as_array().is_none_or(Vec::is_empty) {
            return Err(Error::invalid("a message needs `text` or `attachments`"));
        }
        let custom = parse_custom(
            "custom",
            input.custom.unwrap_or_else(|| serde_json::json!({})),
            limits.max_custom_bytes,
        )?;
        let id = match input.id.as_deref() {
            Some(id) => MessageId::parse("id", id)?,
            None => MessageId::generate(),
        };
        Ok(Self {
            id,
            client_id: input.id.is_some(),
            author,
            cid: cid.to_string(),
            text,
            attachments,
            custom,
            parent_id: input.parent_id,
            quoted_id: input.quoted_id,
            silent: input.silent,
            mention_input: input.mentions,
            mention_outsiders: false,
            parent: None,
            quoted: None,
            mentions: Vec::new(),
            upload_ids: Vec::new(),
            reports: Vec::new(),
            shadowed: false,
        })
    }

    /// Checks what the parts of the message need beyond sending: a thread reply, attached
    /// files, mentions of users outside the channel.
    fn authorize_parts(&mut self, caller: &Caller, channel: &ChannelAccess) -> Result<()> {
        let kind = &channel.kind;
        if self.parent_id.is_some() {
            kind.require(Feature::Replies)?;
            authorize(caller, Action::SendReply, Target::Channel(channel))?;
        }
        if crate::model::attachments::upload_ids(&self.attachments)
            .next()
            .is_some()
        {
            kind.require(Feature::Uploads)?;
            authorize(caller, Action::AttachFiles, Target::Channel(channel))?;
        }
        self.mention_outsiders = channel.grants(caller, Permission::MentionNonMembers);
        Ok(())
    }

    /// Loads and checks what the message refers to: its thread, its quote, its mentions and
    /// its uploads.
    async fn resolve(&mut self, ctx: &Parley, caller: &Caller) -> Result<()> {
        let tenant = caller.tenant_id();
        if let Some(pid) = self.parent_id.as_deref() {
            let p = find(ctx.fresh_reads(), tenant, pid).await?;
            if p.cid != self.cid {
                return Err(Error::invalid(
                    "`parent_id` must be a message of the same channel",
                ));
            }
            if p.parent_id.is_some() {
                return Err(Error::invalid(
                    "`parent_id` must be a top-level message (threads are one level deep)",
                ));
            }
            if p.deleted_at.is_some() {
                return Err(Error::invalid("`parent_id` names a deleted message"));
            }
            self.parent = Some(p);
        }
        if let Some(qid) = self.quoted_id.as_deref() {
            let q = find(ctx.fresh_reads(), tenant, qid).await?;
            if q.cid != self.cid {
                return Err(Error::invalid(
                    "`quoted_id` must be a message of the same channel",
                ));
            }
            self.quoted = Some(crate::model::message::bare(q));
        }
        self.mentions = check_mentions(
            ctx.fresh_reads(),
            tenant,
            &self.cid,
            &self.mention_input,
            self.mention_outsiders,
        )
        .await?;
        let attachments = std::mem::take(&mut self.attachments);
        let (attachments, upload_ids) = media::resolve_attachments(
            ctx,
            caller,
            Some(&self.author),
            self.id.as_str(),
            attachments,
        )
        .await?;
        self.attachments = attachments;
        self.upload_ids = upload_ids;
        Ok(())
    }

    /// Takes a guard's or the hook's new text or custom data, under the same rules as input.
    fn rewrite(
        &mut self,
        ctx: &Parley,
        caller: &Caller,
        text: Option<String>,
        custom: Option<serde_json::Value>,
    ) -> Result<()> {
        let limits = &ctx.config.limits;
        if let Some(t) = text {
            self.text =
                MessageText::parse(t, caller.tenant.max_message_length(limits))?.into_string();
        }
        if let Some(c) = custom {
            self.custom = parse_custom("custom", c, limits.max_custom_bytes)?;
        }
        Ok(())
    }
}

/// Runs every guard in order; the first rejection ends the send.
async fn guard(
    ctx: &Parley,
    caller: &Caller,
    channel: &ChannelAccess,
    draft: &mut Draft,
) -> Result<()> {
    for guard in GUARDS {
        let seen = Seen {
            ctx,
            caller,
            channel,
            draft,
        };
        match guard.check(&seen).await? {
            Verdict::Accept => {}
            Verdict::Reject(refusal) => return Err(refusal),
            Verdict::Rewrite { text, custom } => draft.rewrite(ctx, caller, text, custom)?,
            Verdict::Shadow => draft.shadowed = true,
            Verdict::Report { text, reasons } => {
                draft.rewrite(ctx, caller, text, None)?;
                draft.reports.extend(reasons);
            }
        }
    }
    Ok(())
}

/// A client id sent before: the stored message if it is the same author's in the same
/// channel, otherwise `message_id_conflict`.
async fn already_sent(ctx: &Parley, caller: &Caller, draft: &Draft) -> Result<Option<Message>> {
    if !draft.client_id {
        return Ok(None);
    }
    let Some(existing) =
        message::Entity::find_by_id((caller.tenant_id().to_owned(), draft.id.as_str().to_owned()))
            .one(ctx.fresh_reads())
            .await?
    else {
        return Ok(None);
    };
    Ok(Some(
        same_or_conflict(ctx, caller, &draft.author, &draft.cid, existing).await?,
    ))
}

/// The tenant's before-send hook may accept, reject or rewrite the message.
async fn ask_hook(ctx: &Parley, caller: &Caller, draft: &mut Draft) -> Result<()> {
    let verdict = hooks::before_send(
        ctx,
        &caller.tenant,
        &hooks::Draft {
            id: draft.id.as_str(),
            cid: &draft.cid,
            user_id: draft.author.as_str(),
            text: &draft.text,
            attachments: &draft.attachments,
            custom: &draft.custom,
            parent_id: draft.parent.as_ref().map(|p| p.id.as_str()),
        },
    )
    .await?;
    match verdict {
        hooks::Verdict::Accept => Ok(()),
        hooks::Verdict::Reject(reason) => Err(Error::new(ErrorCode::MessageRejected, reason)),
        hooks::Verdict::Rewrite { text, custom } => draft.rewrite(ctx, caller, text, custom),
    }
}

/// Stores the message through this node's writer, which commits it in a batch with the
/// sends that arrived meanwhile (see [`super::batch`]), or in a unit of work of its own when
/// the writer hands it back.
async fn store(
    ctx: &Parley,
    caller: &Caller,
    permit: &Permit,
    draft: Draft,
) -> Result<(Message, bool)> {
    let server = caller.user_id().is_none();
    if server {
        // The tenant server may write as a user it has not created yet; create it only once
        // the request is known to succeed otherwise.
        crate::authn::ensure_user(ctx, &caller.tenant.id, &draft.author).await?;
    }
    let outcome = ctx
        .writer
        .submit(ctx, *permit, Credentials::of(caller), draft)
        .await?;
    match outcome {
        Outcome::Stored(view) => Ok((*view, true)),
        Outcome::Failed(refusal) => Err(refusal),
        Outcome::Alone(draft) => store_alone(ctx, caller, permit, *draft).await,
    }
}

impl Draft {
    /// The message's row, numbered `seq`.
    pub(super) fn row(
        &self,
        tenant: &str,
        seq: i64,
        now: chrono::DateTime<Utc>,
    ) -> Result<message::Model> {
        Ok(message::Model {
            tenant_id: tenant.to_owned(),
            id: self.id.as_str().to_owned(),
            cid: self.cid.clone(),
            seq,
            user_id: Some(self.author.as_str().to_owned()),
            kind: if self.parent.is_some() {
                "reply"
            } else {
                "regular"
            }
            .to_owned(),
            text: self.text.clone(),
            attachments: self.attachments.clone(),
            parent_id: self.parent_id.clone(),
            quoted_id: self.quoted_id.clone(),
            mentions: serde_json::to_value(&self.mentions)?,
            custom: self.custom.clone(),
            silent: self.silent,
            shadowed: self.shadowed,
            reply_count: 0,
            pinned_at: None,
            pinned_by: None,
            created_at: now,
            updated_at: now,
            edited_at: None,
            deleted_at: None,
        })
    }
}

/// Stores the message in a unit of work of its own (a batch of one). A client id that raced
/// in from another request is answered with what that request stored.
async fn store_alone(
    ctx: &Parley,
    caller: &Caller,
    permit: &Permit,
    draft: Draft,
) -> Result<(Message, bool)> {
    let tenant = caller.tenant_id();
    let credentials = Credentials::of(caller);
    let alone = [Ready {
        credentials: &credentials,
        draft: &draft,
    }];
    match super::batch::store(ctx, permit, &alone).await {
        Ok(mut outcomes) => {
            let view = outcomes
                .pop()
                .ok_or_else(|| Error::internal("a stored send has no outcome"))??;
            Ok((view, true))
        }
        Err(e) if e.code == ErrorCode::MessageIdConflict => {
            let existing = find(&ctx.db, tenant, draft.id.as_str()).await?;
            let same = same_or_conflict(ctx, caller, &draft.author, &draft.cid, existing).await?;
            Ok((same, false))
        }
        Err(e) => Err(e),
    }
}
